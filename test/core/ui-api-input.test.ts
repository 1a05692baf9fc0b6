import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startCoreStack, TOKEN, type CoreStack } from './core-stack.js';

// The UI API's own input, over the real HTTP bridge: a request the dashboard would never send is the caller's 400,
// never a 500 with a stack, and never a query so large it stalls or kills the process that also serves the proxy
// (a custom usage range has a row per day: millennia of them once exhausted the heap; a century is allowed).

let stack: CoreStack;
beforeAll(async () => {
  stack = await startCoreStack();
});
afterAll(async () => stack?.close());

const call = (channel: string, body: unknown) => rawRequest(stack.url, `/ui/api/${channel}`, {
  method: 'POST', headers: { 'content-type': 'application/json', 'x-ccproxy-ui-token': TOKEN }, body: JSON.stringify(body),
});

describe('UI API input', () => {
  const DAY = 86_400_000;
  const cases: Array<[string, unknown, RegExp]> = [
    ['usage.report', { range: { from: -8.64e15, to: 8.64e15 } }, /^range: at most 36525 days/],
    ['usage.report', { range: { from: Date.UTC(1, 0, 1), to: Date.UTC(9999, 0, 1) } }, /^range: at most/],
    ['usage.report', { range: { from: 2 * DAY, to: DAY } }, /^range: from must not be after to/],
    ['usage.report', { range: { from: '0', to: DAY } }, /^range: from and to must be times/],
    ['usage.report', { range: { from: 0 } }, /^range: from and to must be times/],
    ['usage.report', { preset: 'yesterday' }, /^preset: /],
    ['usage.report', { preset: 123 }, /^preset: /],
    ['usage.export', { format: 'csv', range: { from: 8640000000000001, to: 8640000000000002 } }, /^range: from and to must be valid dates/],
    ['usage.export', { format: 'json', range: { from: 0, to: 101 * 366 * DAY } }, /^range: at most/],
    ['logs.recent', { limit: 'x' }, /^limit: /],
  ];
  for (const [channel, body, message] of cases) {
    it(`${channel} ${JSON.stringify(body)} → 400 invalid_request_error, and the proxy keeps serving`, async () => {
      const res = await call(channel, body);
      expect(res.status, res.body).toBe(400);
      const json = JSON.parse(res.body);
      expect(json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      expect(json.error.message).toMatch(message);
      expect((await rawRequest(stack.url, '/health')).status).toBe(200);
    });
  }

  it('what the dashboard sends is still answered: presets, all time since 1970, a limit', async () => {
    for (const body of [{}, { preset: 'today' }, { preset: '30d' }, { range: { from: 0, to: Date.now() + DAY } }]) {
      const res = await call('usage.report', body);
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(JSON.parse(res.body).result.totals.requests).toBe(0);
    }
    expect((await call('usage.export', { format: 'csv', preset: 'today' })).status).toBe(200);
    const logs = await call('logs.recent', { limit: 5.5 });
    expect(logs.status).toBe(200);
    expect(JSON.parse(logs.body).result).toEqual([]);
  });
});
