import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../app/contract/usage.js';
import { costBreakdown, curlFor, facets, matches, NO_FILTER } from '../../renderer/src/components/log/filter.js';
import type { Row } from '../../renderer/src/components/log/useLiveLog.js';

const entry = (over: Partial<LogEntry>): LogEntry => ({
  id: 'req_1', startedAt: 1, path: '/v1/messages', clientModel: 'claude-sonnet-4-5', mistralModel: 'mistral-large-latest', stream: true, status: 200,
  errorType: null, errorMessage: null, stopReason: 'end_turn', inputTokens: 2000, outputTokens: 1000, cachedTokens: 500, latencyMs: 900, ttftMs: 200,
  toolCount: 3, sessionId: 'sess-a', costUsd: 0.0025, ...over,
});
const done = (over: Partial<LogEntry>): Row => ({ kind: 'done', entry: entry(over) });

describe('live log filters', () => {
  const rows = [done({}), done({ id: 'req_2', status: 401, errorType: 'authentication_error', errorMessage: 'invalid key', sessionId: 'sess-b', clientModel: 'claude-haiku-4-5', mistralModel: 'mistral-small-latest' })];
  it('errors only, model (client or Mistral), session, text', () => {
    expect(rows.filter((r) => matches(r, { ...NO_FILTER, errorsOnly: true })).map((r) => r.kind === 'done' && r.entry.id)).toEqual(['req_2']);
    expect(rows.filter((r) => matches(r, { ...NO_FILTER, model: 'mistral-small-latest' }))).toHaveLength(1);
    expect(rows.filter((r) => matches(r, { ...NO_FILTER, model: 'claude-sonnet-4-5' }))).toHaveLength(1);
    expect(rows.filter((r) => matches(r, { ...NO_FILTER, session: 'sess-a' }))).toHaveLength(1);
    expect(rows.filter((r) => matches(r, { ...NO_FILTER, text: 'INVALID' }))).toHaveLength(1);
    expect(rows.filter((r) => matches(r, NO_FILTER))).toHaveLength(2);
    expect(facets(rows).sessions.sort()).toEqual(['sess-a', 'sess-b']);
  });

  it('cost breakdown uses the price table; curl carries no key', () => {
    const parts = costBreakdown(entry({}), [{ model: 'mistral-large-latest', inputUsd: 0.5, outputUsd: 1.5, cachedInputUsd: 0.05, asOf: 'x', source: 'list' }])!;
    expect(parts.map((p) => p.usd)).toEqual([0.001, 0.000025, 0.0015]);
    expect(costBreakdown(entry({ mistralModel: 'acme' }), [])).toBeNull();
    const curl = curlFor(entry({}), 'http://127.0.0.1:7187');
    expect(curl).toContain("curl 'http://127.0.0.1:7187/v1/messages'");
    expect(curl).toContain('"model":"claude-sonnet-4-5"');
    expect(curl).toContain('x-claude-code-session-id: sess-a');
    expect(curl).not.toMatch(/sk-|x-api-key/);
  });
});
