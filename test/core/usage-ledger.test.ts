import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../app/contract/usage.js';
import { CSV_COLUMNS, costUsd, parseCsv, priceFor, rangeFor } from '../../app/usage/index.js';
import { defaultModels, errorReply, mistralError, text, toolCall } from '../mock-mistral/index.js';
import { chats, msg, startCoreStack, waitUntil, type CoreStack } from './core-stack.js';

// Every proxied request, whatever its fate, leaves exactly one record in the real SQLite ledger, visible through
// the contract over the HTTP bridge (usage.report, logs.recent, usage.export), and it survives a restart.

const MYSTERY = 'mystery-model-1'; // accepted by the mock, unknown to the pricing table
const LARGE = priceFor('mistral-large-latest')!;

let stack: CoreStack;
let client: Anthropic;
const ALL = { range: { from: 0, to: Date.now() + 86_400_000 } };

beforeAll(async () => {
  const models = [...defaultModels(), { ...defaultModels()[0], id: MYSTERY, name: MYSTERY, aliases: [] }];
  stack = await startCoreStack({ mockOptions: { models } });
  client = new Anthropic({ baseURL: stack.url, apiKey: 'any', maxRetries: 0 });
});
afterAll(async () => stack?.close());
afterEach(() => {
  expect(stack.mock.violations()).toEqual([]);
});

async function exported(): Promise<LogEntry[]> {
  const out = await stack.api.invoke('usage.export', { format: 'json', ...ALL });
  return JSON.parse(out.content) as LogEntry[];
}

/** Waits for exactly one new record beyond `before`, checks it is in logs.recent too, and returns it. */
async function oneNewRecord(before: number, id?: string): Promise<LogEntry> {
  const rows = await waitUntil(async () => {
    const all = await exported();
    return all.length > before ? all : null;
  }, 5_000, 'a ledger record');
  // Give a duplicate a chance to show up before asserting there is none.
  await new Promise((r) => setTimeout(r, 50));
  const again = await exported();
  expect(again).toHaveLength(before + 1);
  const rec = again[again.length - 1];
  if (id) expect(rec.id).toBe(id);
  expect(rows.filter((r) => r.id === rec.id)).toHaveLength(1);
  const recent = await stack.api.invoke('logs.recent', { limit: 1000 });
  expect(recent.filter((r) => r.id === rec.id)).toHaveLength(1);
  expect(recent.find((r) => r.id === rec.id)).toEqual(withoutIso(rec));
  return rec;
}

function withoutIso(e: LogEntry): LogEntry {
  const { startedAtIso: _, ...rest } = e as LogEntry & { startedAtIso?: string };
  return rest;
}

async function count(): Promise<number> {
  return (await exported()).length;
}

describe('usage ledger through the proxy', () => {
  it('non-streaming success (SDK): tokens, cached tokens, stop reason, session id, exact cost', async () => {
    const before = await count();
    stack.mock.enqueue(text('hi there', { usage: { prompt_tokens: 1000, completion_tokens: 200, prompt_tokens_details: { cached_tokens: 200 } } }));
    const { data, response } = await client.messages
      .create({ model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'hello' }] }, { headers: { 'x-claude-code-session-id': 'sess-nonstream' } })
      .withResponse();
    expect(data.usage).toMatchObject({ input_tokens: 800, output_tokens: 200, cache_read_input_tokens: 200 });
    const rec = await oneNewRecord(before, response.headers.get('request-id')!);
    expect(rec).toMatchObject({
      path: '/v1/messages', clientModel: 'claude-sonnet-4-5', mistralModel: 'mistral-large-latest', stream: false, status: 200,
      errorType: null, errorMessage: null, stopReason: 'end_turn', inputTokens: 800, outputTokens: 200, cachedTokens: 200,
      toolCount: 0, sessionId: 'sess-nonstream', ttftMs: null,
    });
    // 800 × $0.50/M + 200 × $0.05/M (cached, 10%) + 200 × $1.50/M = $0.00071, exactly.
    expect(rec.costUsd).toBe(costUsd(LARGE, { inputTokens: 800, outputTokens: 200, cachedTokens: 200 }));
    expect(rec.costUsd).toBe(0.00071);
    expect(rec.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('streaming tool call (SDK): tool count, tool_use stop, ttft, exact cost', async () => {
    const before = await count();
    stack.mock.enqueue(toolCall('get_weather', { city: 'Paris' }, undefined, { usage: { prompt_tokens: 3000, completion_tokens: 40 } }));
    const tools: Anthropic.Tool[] = [
      { name: 'get_weather', description: 'weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
      { name: 'get_time', description: 'time', input_schema: { type: 'object', properties: {} } },
    ];
    const stream = client.messages.stream(
      { model: 'claude-sonnet-4-5', max_tokens: 256, tools, messages: [{ role: 'user', content: 'weather?' }] },
      { headers: { 'x-claude-code-session-id': 'sess-stream' } },
    );
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    const rec = await oneNewRecord(before);
    expect(rec).toMatchObject({
      stream: true, status: 200, errorType: null, stopReason: 'tool_use', inputTokens: 3000, outputTokens: 40, cachedTokens: 0,
      toolCount: 2, sessionId: 'sess-stream', mistralModel: 'mistral-large-latest',
    });
    expect(rec.ttftMs).not.toBeNull();
    expect(rec.costUsd).toBe(costUsd(LARGE, { inputTokens: 3000, outputTokens: 40, cachedTokens: 0 }));
    expect(rec.costUsd).toBe(0.00156);
  });

  it('upstream error (non-retryable 400): one record with the mapped status, type and message, cost 0', async () => {
    const before = await count();
    stack.mock.enqueue(errorReply(400, mistralError('Invalid model tokenizer state', 'invalid_request_error')));
    const res = await stack.messages(msg(), { 'x-claude-code-session-id': 'sess-err' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    const rec = await oneNewRecord(before, res.headers.get('request-id')!);
    expect(rec).toMatchObject({ status: 400, errorType: 'invalid_request_error', stopReason: null, inputTokens: 0, outputTokens: 0, costUsd: 0, sessionId: 'sess-err' });
    expect(rec.errorMessage).toContain('Invalid model tokenizer state');
  });

  it('upstream 503 retried to exhaustion: three upstream calls, still exactly one record', async () => {
    const before = await count();
    const chatsBefore = chats(stack.mock).length;
    stack.mock.enqueue(errorReply(503), errorReply(503), errorReply(503));
    const res = await stack.messages(msg({ stream: true }));
    expect(res.status).toBe(529);
    expect(chats(stack.mock).length - chatsBefore).toBe(3);
    const rec = await oneNewRecord(before, res.headers.get('request-id')!);
    expect(rec).toMatchObject({ status: 529, errorType: 'overloaded_error', stream: true, costUsd: 0 });
  });

  it('client abort before upstream answers: one client_closed record, upstream aborted', async () => {
    const before = await count();
    const from = stack.mock.requests.length;
    stack.mock.enqueue({ kind: 'hang' });
    const ac = new AbortController();
    const pending = stack.messages(msg({ stream: true }), { 'x-claude-code-session-id': 'sess-abort1' }, { signal: ac.signal }).catch((e: Error) => e);
    const index = await waitUntil(() => {
      const i = stack.mock.requests.findIndex((r, n) => n >= from && r.path === '/v1/chat/completions');
      return i >= 0 ? i + 1 : null;
    }).then((i) => i - 1);
    ac.abort();
    expect(await pending).toBeInstanceOf(Error);
    expect(await stack.mock.waitForAbort(index)).toBe(true);
    const rec = await oneNewRecord(before);
    expect(rec).toMatchObject({ status: 499, errorType: 'client_closed', stream: true, sessionId: 'sess-abort1', costUsd: 0, outputTokens: 0 });
  });

  it('client abort during a stream: one client_closed record, upstream aborted', async () => {
    const before = await count();
    const from = stack.mock.requests.length;
    const chunk = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'mistral-large-latest', choices: [{ index: 0, delta: { role: 'assistant', content: 'partial answer' }, finish_reason: null }] };
    stack.mock.enqueue({ kind: 'sse', chunks: [chunk], hangAfter: true });
    const ac = new AbortController();
    const res = await stack.messages(msg({ stream: true }), { 'x-claude-code-session-id': 'sess-abort2' }, { signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let seen = '';
    while (!seen.includes('partial answer')) seen += Buffer.from((await reader.read()).value!).toString();
    ac.abort();
    const index = stack.mock.requests.findIndex((r, n) => n >= from && r.path === '/v1/chat/completions');
    expect(await stack.mock.waitForAbort(index)).toBe(true);
    const rec = await oneNewRecord(before, res.headers.get('request-id')!);
    expect(rec).toMatchObject({ status: 499, errorType: 'client_closed', stream: true, sessionId: 'sess-abort2' });
    // Mistral never sent its usage, but it did work: the record carries estimates, not zero.
    expect(rec.inputTokens).toBeGreaterThan(0);
    expect(rec.outputTokens).toBeGreaterThan(0);
    expect(rec.costUsd).toBeGreaterThan(0);
    expect(rec.ttftMs).not.toBeNull();
  });

  it('a model without a price: cost null ("unpriced"), counted as unpriced, never as $0', async () => {
    const before = await count();
    stack.mock.enqueue(text('fine', { usage: { prompt_tokens: 500, completion_tokens: 50 } }));
    const res = await stack.messages(msg({ model: MYSTERY }));
    expect(res.status).toBe(200);
    const rec = await oneNewRecord(before, res.headers.get('request-id')!);
    expect(rec).toMatchObject({ mistralModel: MYSTERY, clientModel: MYSTERY, inputTokens: 500, outputTokens: 50, costUsd: null, status: 200 });
    const report = await stack.api.invoke('usage.report', ALL);
    expect(report.byModel.find((m) => m.model === MYSTERY)).toMatchObject({ requests: 1, unpricedRequests: 1, costUsd: 0, inputTokens: 500 });
  });

  it('usage.report aggregates exactly what was recorded; the today preset sees it too', async () => {
    const rows = await exported();
    const report = await stack.api.invoke('usage.report', ALL);
    const priced = rows.filter((r) => r.costUsd !== null).reduce((a, r) => a + Math.round(r.costUsd! * 1e9), 0) / 1e9;
    expect(report.totals).toMatchObject({
      requests: rows.length,
      // client_closed is the user cancelling, not a failure.
      errors: rows.filter((r) => (r.status >= 400 || r.errorType !== null) && r.errorType !== 'client_closed').length,
      inputTokens: rows.reduce((a, r) => a + r.inputTokens, 0),
      outputTokens: rows.reduce((a, r) => a + r.outputTokens, 0),
      cachedTokens: rows.reduce((a, r) => a + r.cachedTokens, 0),
      unpricedRequests: 1,
    });
    expect(report.totals.costUsd).toBe(priced);
    // 0.00227 for the completed requests, plus the estimate recorded for the stream cut mid-way.
    expect(report.totals.costUsd).toBeGreaterThan(0.00227);
    expect(report.totals.costUsd).toBeLessThan(0.0025);
    expect(report.totals.errors).toBe(2);
    expect(report.topSessions.map((s) => s.sessionId)).toEqual(expect.arrayContaining(['sess-nonstream', 'sess-stream']));
    expect(report.topSessions[0]).toMatchObject({ sessionId: 'sess-stream', requests: 1 });
    const today = await stack.api.invoke('usage.report', { preset: 'today' });
    expect(today.totals.requests).toBe(rows.length);
    expect(today.range).toEqual(rangeFor('today', today.range.from + 1));
  });

  it('usage.export: CSV with a header and one row per record (exact decimal cost, empty when unpriced) and JSON', async () => {
    const rows = await exported();
    const csv = await stack.api.invoke('usage.export', { format: 'csv', ...ALL });
    expect(csv.mime).toBe('text/csv');
    expect(csv.filename).toMatch(/^ccproxy-usage-\d{4}-\d{2}-\d{2}\.csv$/);
    const table = parseCsv(csv.content);
    expect(table[0]).toEqual([...CSV_COLUMNS]);
    const body = table.slice(1).filter((r) => r.length > 1);
    expect(body).toHaveLength(rows.length);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const byId = new Map(body.map((r) => [r[col('id')], r]));
    for (const r of rows) {
      const line = byId.get(r.id)!;
      expect(line[col('status')]).toBe(String(r.status));
      expect(line[col('cost_usd')]).toBe(r.costUsd === null ? '' : String(r.costUsd));
      expect(line[col('session_id')]).toBe(r.sessionId ?? '');
    }
    expect(byId.get(rows.find((r) => r.costUsd === 0.00071)!.id)![col('cost_usd')]).toBe('0.00071');
    const json = await stack.api.invoke('usage.export', { format: 'json', ...ALL });
    expect(json.mime).toBe('application/json');
    expect(json.filename).toMatch(/\.json$/);
  });

  it('records survive a restart: a new CoreService on the same data dir sees them (and a new request adds one)', async () => {
    const rows = await exported();
    const reportBefore = await stack.api.invoke('usage.report', ALL);
    await stack.core.close(0);
    const again = await startCoreStack({ mock: stack.mock, dataDir: stack.dataDir, mockOptions: undefined });
    try {
      const out = JSON.parse((await again.api.invoke('usage.export', { format: 'json', ...ALL })).content) as LogEntry[];
      expect(out).toEqual(rows);
      const report = await again.api.invoke('usage.report', ALL);
      expect(report.totals).toEqual(reportBefore.totals);
      // A fresh window of the new process: the ring is empty, so logs.recent comes from the ledger.
      const recent = await again.api.invoke('logs.recent', { limit: 1000 });
      expect(recent.map((r) => r.id).sort()).toEqual(rows.map((r) => r.id).sort());
      again.mock.enqueue(text('after restart', { usage: { prompt_tokens: 10, completion_tokens: 10 } }));
      expect((await again.messages(msg())).status).toBe(200);
      await waitUntil(async () => (await again.api.invoke('usage.report', ALL)).totals.requests === rows.length + 1, 5_000, 'the new record');
    } finally {
      await again.close();
    }
  });
});
