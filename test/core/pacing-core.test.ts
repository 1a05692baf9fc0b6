import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyStatus } from '../../app/contract/api.js';
import type { LogEntry } from '../../app/contract/usage.js';
import { errorReply, text } from '../mock-mistral/index.js';
import { startCoreStack, waitUntil, type CoreStack } from './core-stack.js';

// Pacing and fallbacks through the whole core: the ledger row and the log line say a request fell back and why,
// and the contract's proxy.status carries the pacer's queue so the UI can show "Pacing: n waiting".

let stack: CoreStack | null = null;
afterEach(async () => {
  if (stack) expect(stack.mock.violations()).toEqual([]);
  await stack?.close();
  stack = null;
});

const ALL = { range: { from: 0, to: Date.now() + 86_400_000 } };

describe('fallback in the ledger and the log', () => {
  it('primary overloaded → fallback answers; the ledger row, logs.recent and ccproxy.log record it', async () => {
    stack = await startCoreStack({ env: { CCPROXY_SONNET_FALLBACKS: 'mistral-medium-latest' } });
    const s = stack;
    s.mock.setResponder((req) => ((req.body as { model: string }).model === 'mistral-large-latest' ? errorReply(503) : text('fallback here')));
    const client = new Anthropic({ baseURL: s.url, apiKey: 'x', maxRetries: 0 });
    const msg = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.model).toBe('mistral-medium-latest');

    const rows = await waitUntil(async () => {
      const out = JSON.parse((await s.api.invoke('usage.export', { format: 'json', ...ALL })).content) as LogEntry[];
      return out.length ? out : null;
    }, 5_000, 'a ledger row');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 200, clientModel: 'claude-sonnet-4-6', mistralModel: 'mistral-medium-latest', fallbackFrom: 'mistral-large-latest', fallbackReason: 'overloaded' });
    // Priced as the model that answered.
    expect(rows[0].costUsd).toBeGreaterThan(0);
    const recent = await s.api.invoke('logs.recent', { limit: 10 });
    expect(recent[0]).toMatchObject({ fallbackFrom: 'mistral-large-latest', fallbackReason: 'overloaded' });

    await s.core.close(0);
    const line = await waitUntil(() => readFileSync(join(s.dataDir, 'ccproxy.log'), 'utf8').split('\n').find((l) => l.includes('"fallback_reason"')), 5_000, 'the log line');
    expect(JSON.parse(line)).toMatchObject({ mistral_model: 'mistral-medium-latest', fallback_from: 'mistral-large-latest', fallback_reason: 'overloaded' });
  }, 30_000);
});

describe('queue state over the contract', () => {
  it('proxy.status (invoke and event) shows requests waiting, then none', async () => {
    stack = await startCoreStack({ env: { CCPROXY_PACING: 'free' }, mockOptions: { rateLimit: { rps: 1 } } });
    const s = stack;
    const events = await s.events();
    const client = new Anthropic({ baseURL: s.url, apiKey: 'x', maxRetries: 0 });
    const all = Promise.all(Array.from({ length: 4 }, (_, i) => client.messages.create({ model: 'claude-haiku-4-6', max_tokens: 10, messages: [{ role: 'user', content: `n${i}` }] })));
    const waiting = await waitUntil(async () => {
      const st = await s.api.invoke('proxy.status', undefined);
      return (st.pacing?.waiting ?? 0) >= 2 ? st : null;
    }, 5_000, 'requests waiting');
    expect(waiting.pacing).toMatchObject({ preset: 'free', enabled: true, limits: { rps: 1 } });
    await events.waitFor((e) => e.event === 'proxy.status' && ((e.data as ProxyStatus).pacing?.waiting ?? 0) > 0, 5_000);
    await all;
    const after = await waitUntil(async () => {
      const st = await s.api.invoke('proxy.status', undefined);
      return st.pacing?.waiting === 0 ? st : null;
    }, 5_000, 'an empty queue');
    expect(after.pacing!.totals.paced).toBeGreaterThanOrEqual(3);
    // Paced: at most a rare early arrival on a loaded machine (retried by the proxy, never seen by the client).
    expect(s.mock.rateLimited()).toBeLessThanOrEqual(1);
    const rows = await waitUntil(async () => {
      const out = JSON.parse((await s.api.invoke('usage.export', { format: 'json', ...ALL })).content) as LogEntry[];
      return out.length === 4 ? out : null;
    }, 5_000, 'four rows');
    expect(rows.filter((r) => (r.queuedMs ?? 0) > 0).length).toBeGreaterThanOrEqual(3);
  }, 30_000);
});
