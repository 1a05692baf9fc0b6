import { afterEach, describe, expect, it } from 'vitest';
import type { BudgetState } from '../../app/contract/usage.js';
import { text } from '../mock-mistral/index.js';
import { chats, msg, startCoreStack, waitUntil, type CoreStack } from './core-stack.js';

// Budgets through the real stack: spend comes from priced requests in the ledger; a warning event reaches the
// browser over SSE at 80%; over the limit, requests are refused (402, Anthropic-shaped) only if the user chose it.

let stacks: CoreStack[] = [];
afterEach(async () => {
  for (const s of stacks.reverse()) await s.close();
  stacks = [];
});

async function stackWith(opts: Parameters<typeof startCoreStack>[0] = {}): Promise<CoreStack> {
  const s = await startCoreStack(opts);
  stacks.push(s);
  return s;
}

/** mistral-large-latest: $0.50 / $1.50 per million → prompt p, completion c costs (0.5p + 1.5c) / 1e6. */
const usage = (prompt_tokens: number, completion_tokens: number) => ({ usage: { prompt_tokens, completion_tokens } });

async function priced(s: CoreStack, prompt: number, completion: number): Promise<void> {
  const before = (await s.api.invoke('usage.report', { preset: 'today' })).totals.requests;
  s.mock.enqueue(text('spent', usage(prompt, completion)));
  const res = await s.messages(msg());
  expect(res.status).toBe(200);
  await res.text();
  // The budget is fed off the response path; wait until the record is in.
  await waitUntil(async () => (await s.api.invoke('usage.report', { preset: 'today' })).totals.requests === before + 1, 5_000, 'the record');
}

describe('budgets', () => {
  it('warns over SSE at 80%, then refuses with 402 billing_error and no upstream call once over (refuseOverLimit)', async () => {
    const s = await stackWith();
    const events = await s.events();
    await s.api.invoke('settings.update', { budgets: { dailyUsd: 0.001, refuseOverLimit: true } });

    await priced(s, 1000, 100); // $0.00065 = 65%: no warning yet
    await new Promise((r) => setTimeout(r, 30));
    expect(events.of('budget.warning')).toEqual([]);
    expect(await s.api.invoke('budget.state', undefined)).toEqual([{ period: 'day', spentUsd: 0.00065, limitUsd: 0.001, fraction: 0.65 }]);

    await priced(s, 300, 0); // +$0.00015 → $0.0008 = exactly 80%
    const warn = await events.waitFor((e) => e.event === 'budget.warning');
    expect(warn.data).toEqual({ period: 'day', spentUsd: 0.0008, limitUsd: 0.001, fraction: 0.8 });

    await priced(s, 1000, 200); // at 80% still allowed; +$0.0008 → $0.0016, over the limit
    await events.waitFor((e) => e.event === 'budget.warning' && (e.data as BudgetState).fraction >= 1);
    expect(events.of('budget.warning')).toHaveLength(2); // once at 80%, once at 100%: no repeats per request

    const upstreamBefore = chats(s.mock).length;
    const res = await s.messages(msg());
    expect(res.status).toBe(402);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as { type: string; error: { type: string; message: string }; request_id?: string };
    expect(body).toMatchObject({ type: 'error', error: { type: 'billing_error', message: expect.stringMatching(/^CCProxy daily budget reached: \$[\d.]+ spent of a \$[\d.]+ limit; raise it in CCProxy settings$/) } });
    expect(chats(s.mock).length).toBe(upstreamBefore);
    // A stream is refused before any SSE starts.
    const streamRes = await s.messages(msg({ stream: true }));
    expect(streamRes.status).toBe(402);
    expect(((await streamRes.json()) as { error: { type: string } }).error.type).toBe('billing_error');
    expect(chats(s.mock).length).toBe(upstreamBefore);

    // The refusals are in the ledger too (as failures that cost nothing).
    const rows = await s.api.invoke('logs.recent', { limit: 2 });
    expect(rows.map((r) => [r.status, r.errorType, r.costUsd])).toEqual([[402, 'billing_error', 0], [402, 'billing_error', 0]]);

    // Raising the limit lets requests through at once.
    await s.api.invoke('settings.update', { budgets: { dailyUsd: 1 } });
    s.mock.enqueue(text('ok again'));
    expect((await s.messages(msg())).status).toBe(200);
    expect(chats(s.mock).length).toBe(upstreamBefore + 1);
  });

  it('warns at exactly 80% of a realistic limit ($0.08 of $0.10), where float division gives 0.7999…', async () => {
    const s = await stackWith();
    const events = await s.events();
    await s.api.invoke('settings.update', { budgets: { dailyUsd: 0.1 } });
    await priced(s, 160_000, 0); // 160,000 × $0.50/M = $0.08
    const warn = await events.waitFor((e) => e.event === 'budget.warning');
    expect(warn.data).toEqual({ period: 'day', spentUsd: 0.08, limitUsd: 0.1, fraction: 0.8 });
  });

  it('refusal survives a restart: spend is seeded from the ledger on the same data dir', async () => {
    const s = await stackWith();
    await s.api.invoke('settings.update', { budgets: { dailyUsd: 0.0005, refuseOverLimit: true } });
    await priced(s, 1000, 200); // $0.0008 > $0.0005
    await s.core.close(0);
    const again = await stackWith({ mock: s.mock, dataDir: s.dataDir });
    expect(await again.api.invoke('budget.state', undefined)).toEqual([{ period: 'day', spentUsd: 0.0008, limitUsd: 0.0005, fraction: 1.6 }]);
    const before = chats(s.mock).length;
    const res = await again.messages(msg());
    expect(res.status).toBe(402);
    expect(chats(s.mock).length).toBe(before);
  });

  it('with refuseOverLimit false, requests over the limit still pass; the warning is sent once', async () => {
    const s = await stackWith();
    const events = await s.events();
    await s.api.invoke('settings.update', { budgets: { dailyUsd: 0.0001, refuseOverLimit: false } });
    await priced(s, 1000, 200); // $0.0008 = 800%
    await events.waitFor((e) => e.event === 'budget.warning' && (e.data as BudgetState).fraction >= 1);
    for (let i = 0; i < 3; i++) await priced(s, 1000, 200);
    expect(chats(s.mock)).toHaveLength(4);
    const state = await s.api.invoke('budget.state', undefined);
    expect(state).toEqual([{ period: 'day', spentUsd: 0.0032, limitUsd: 0.0001, fraction: 32 }]);
    expect(events.of('budget.warning').length).toBe(2);
  });

  it('unpriced requests add nothing to the spend (and so never trip a limit)', async () => {
    const { defaultModels } = await import('../mock-mistral/index.js');
    const models = [...defaultModels(), { ...defaultModels()[0], id: 'mystery-model-2', name: 'mystery', aliases: [] }];
    const s = await stackWith({ mockOptions: { models } });
    await s.api.invoke('settings.update', { budgets: { dailyUsd: 0.000001, refuseOverLimit: true } });
    for (let i = 0; i < 2; i++) {
      s.mock.enqueue(text('free?', usage(100_000, 100_000)));
      expect((await s.messages(msg({ model: 'mystery-model-2' }))).status).toBe(200);
    }
    await waitUntil(async () => (await s.api.invoke('usage.report', { preset: 'today' })).totals.unpricedRequests === 2, 5_000, 'records');
    expect(await s.api.invoke('budget.state', undefined)).toEqual([{ period: 'day', spentUsd: 0, limitUsd: 0.000001, fraction: 0 }]);
  });
});
