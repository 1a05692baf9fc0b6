import { request as httpRequest, type ClientRequest } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventMap } from '../../app/contract/api.js';
import { createHttpCoreApi } from '../../app/contract/http-client.js';
import type { LogEntry } from '../../app/contract/usage.js';
import { costUsd, priceFor } from '../../app/usage/index.js';
import { errorReply, text } from '../mock-mistral/index.js';
import { msg, startCoreStack, waitUntil, type CoreStack } from './core-stack.js';

// Live events over SSE, the ring buffer for a window opened later, and emission that never gets in the way of
// the proxy.

let stack: CoreStack | null = null;
afterEach(async () => {
  vi.restoreAllMocks();
  await stack?.close();
  stack = null;
});

describe('live events', () => {
  it('request.started then request.finished (with cost) arrive over SSE, matching the ledger record', async () => {
    stack = await startCoreStack();
    const events = await stack.events();
    stack.mock.enqueue(text('hello', { usage: { prompt_tokens: 2000, completion_tokens: 100 } }));
    const res = await stack.messages(msg({ stream: true }), { 'x-claude-code-session-id': 'sess-ev' });
    await res.text();
    const id = res.headers.get('request-id')!;
    const finished = await events.waitFor((e) => e.event === 'request.finished' && (e.data as LogEntry).id === id);
    const started = events.events.find((e) => e.event === 'request.started' && (e.data as { id: string }).id === id)!;
    expect(started).toBeDefined();
    expect(events.events.indexOf(started)).toBeLessThan(events.events.indexOf(finished));
    expect(started.data).toEqual({ id, startedAt: (finished.data as LogEntry).startedAt, clientModel: 'claude-sonnet-4-5', mistralModel: 'mistral-large-latest', stream: true } satisfies EventMap['request.started']);
    const entry = finished.data as LogEntry;
    expect(entry).toMatchObject({ status: 200, stream: true, inputTokens: 2000, outputTokens: 100, sessionId: 'sess-ev', stopReason: 'end_turn' });
    expect(entry.costUsd).toBe(costUsd(priceFor('mistral-large-latest')!, { inputTokens: 2000, outputTokens: 100, cachedTokens: 0 }));
    expect(entry.costUsd).toBe(0.00115);
    // The same record the ledger holds.
    const [latest] = await stack.api.invoke('logs.recent', { limit: 1 });
    expect(latest).toEqual(entry);
    // Every frame names its event (EventSource dispatches by it).
    expect(events.text()).toMatch(/^: connected\n\n/);
  });

  it('a new event stream starts with the state as it stands, so a change made before it opened is not lost', async () => {
    stack = await startCoreStack();
    const s = stack;
    // Health changes (Mistral refuses the key) before any page listens.
    s.mock.enqueue(errorReply(401));
    expect((await s.messages(msg())).status).toBe(401);
    await waitUntil(async () => (await s.api.invoke('health.get', undefined)).code === 'key_rejected', 5_000, 'health key_rejected');
    const events = await s.events();
    const health = await events.waitFor((e) => e.event === 'health.changed');
    expect(health.data).toMatchObject({ code: 'key_rejected' });
    const status = events.events.find((e) => e.event === 'proxy.status');
    expect(status?.data).toMatchObject({ running: true });
    // Later changes follow it, in order.
    s.mock.enqueue(text('ok'));
    expect((await s.messages(msg())).status).toBe(200);
    await events.waitFor((e) => e.event === 'health.changed' && (e.data as { code: string }).code === 'ready');
    expect(events.events.filter((e) => e.event === 'health.changed').map((e) => (e.data as { code: string }).code)).toEqual(['key_rejected', 'ready']);
  });

  it('the contract client (createHttpCoreApi + an EventSource) delivers typed events', async () => {
    stack = await startCoreStack();
    const s = stack;
    // A minimal EventSource over the test SSE reader.
    const { openEvents } = await import('./core-stack.js');
    const collector = await openEvents(`${s.url}/ui/events`, { 'x-ccproxy-ui-token': s.token });
    const dispatched: Array<[string, unknown]> = [];
    const api = createHttpCoreApi({
      baseUrl: s.url,
      token: s.token,
      eventSource: () => ({
        addEventListener: (type, listener) => {
          const seen = new Set<unknown>();
          const tick = setInterval(() => {
            for (const e of collector.of(type as never)) if (!seen.has(e)) {
              seen.add(e);
              listener({ data: JSON.stringify(e.data) });
            }
          }, 5);
          tick.unref();
        },
        close: () => collector.close(),
      }),
    });
    api.on('request.finished', (e) => dispatched.push(['request.finished', e.id]));
    api.on('settings.changed', (v) => dispatched.push(['settings.changed', v.settings.maxTokens]));
    await api.invoke('settings.update', { maxTokens: 4321 });
    const res = await s.messages(msg());
    await waitUntil(() => dispatched.some(([e]) => e === 'request.finished'), 5_000, 'request.finished');
    expect(dispatched).toContainEqual(['settings.changed', 4321]);
    expect(dispatched).toContainEqual(['request.finished', res.headers.get('request-id')]);
    collector.close();
  });

  it('a window opened later gets the last N finished requests from logs.recent, newest first, whatever N', async () => {
    stack = await startCoreStack();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await stack.messages(msg());
      expect(res.status).toBe(200);
      ids.push(res.headers.get('request-id')!);
    }
    const s = stack;
    await waitUntil(async () => (await s.api.invoke('usage.report', { preset: 'today' })).totals.requests === 4, 5_000, 'records');
    await waitUntil(() => s.core.bus.recent().length === 4, 5_000, 'the ring');
    // A new window: a fresh client with no history of its own.
    const later = createHttpCoreApi({ baseUrl: s.url, token: s.token });
    const newestFirst = [...ids].reverse();
    expect((await later.invoke('logs.recent', { limit: 2 })).map((e) => e.id)).toEqual(newestFirst.slice(0, 2));
    expect((await later.invoke('logs.recent', { limit: 4 })).map((e) => e.id)).toEqual(newestFirst);
    // More than the ring holds → from the ledger: same order.
    expect((await later.invoke('logs.recent', { limit: 200 })).map((e) => e.id)).toEqual(newestFirst);
    expect((await later.invoke('logs.recent', undefined as never)).map((e) => e.id)).toEqual(newestFirst);
  });

  it('emission never blocks or breaks the proxy: a throwing listener, a slow listener and a stalled SSE reader', async () => {
    stack = await startCoreStack();
    const s = stack;
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    s.core.bus.onAny(() => {
      throw new Error('listener exploded');
    });
    s.core.bus.onAny(() => {
      const until = Date.now() + 5;
      while (Date.now() < until) { /* a slow subscriber */ }
    });
    const healthy: string[] = [];
    s.core.bus.on('request.finished', (e) => healthy.push(e.id));
    // A browser tab that opened the event stream and stopped reading.
    let stalled: ClientRequest | null = null;
    await new Promise<void>((resolve, reject) => {
      const u = new URL(s.url);
      stalled = httpRequest({ host: u.hostname, port: Number(u.port), path: '/ui/events', headers: { 'x-ccproxy-ui-token': s.token } }, (res) => {
        expect(res.statusCode).toBe(200);
        res.pause();
        resolve();
      });
      stalled.on('error', reject);
      stalled.end();
    });
    const events = await s.events();

    const N = 12;
    const results = await Promise.all(Array.from({ length: N }, (_, i) => s.messages(msg({ stream: i % 2 === 0 })).then(async (r) => ({ status: r.status, body: await r.text(), id: r.headers.get('request-id')! }))));
    expect(results.map((r) => r.status)).toEqual(Array(N).fill(200));
    for (const r of results.filter((_, i) => i % 2 === 0)) expect(r.body).toContain('event: message_stop');
    await waitUntil(() => healthy.length === N, 5_000, 'every request.finished');
    expect(new Set(healthy)).toEqual(new Set(results.map((r) => r.id)));
    await waitUntil(() => events.of('request.finished').length === N, 5_000, 'SSE request.finished');
    expect(events.of('request.started')).toHaveLength(N);
    expect(errors.mock.calls.some((c) => String(c.join(' ')).includes('listener exploded'))).toBe(true);
    // The ledger got every record too.
    await waitUntil(async () => (await s.api.invoke('usage.report', { preset: 'today' })).totals.requests === N, 5_000, 'records');
    (stalled as ClientRequest | null)?.destroy();
  });
});
