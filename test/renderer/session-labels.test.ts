import { describe, expect, it } from 'vitest';
import { distinctLabels, sessionLabel } from '../../renderer/src/components/dashboard/session-label.js';
import { matches, NO_FILTER } from '../../renderer/src/components/log/filter.js';
import type { LogEntry } from '../../app/contract/usage.js';

describe('session names', () => {
  it('a working directory shows as its folder, a first prompt as itself, no project as a short id', () => {
    expect(sessionLabel({ sessionId: 'abc', project: '/home/me/payments-api/' })).toBe('payments-api');
    expect(sessionLabel({ sessionId: 'abc', project: 'fix the failing test' })).toBe('fix the failing test');
    expect(sessionLabel({ sessionId: '0123456789abcdef', project: null })).toBe('0123456789abc…');
  });

  it('two sessions with the same name are told apart by their ids', () => {
    const labels = distinctLabels([
      { sessionId: 'aaaaaaaa-1111', project: 'hello' },
      { sessionId: 'bbbbbbbb-2222', project: 'hello' },
      { sessionId: 'cccccccc-3333', project: '/w/shop' },
    ]);
    expect([...labels.values()]).toEqual(['hello · aaaaaaaa', 'hello · bbbbbbbb', 'shop']);
  });

  it('the live log\'s text search finds a request by its session\'s project', () => {
    const entry = { id: 'r', startedAt: 1, path: '/v1/messages', clientModel: 'c', mistralModel: 'm', stream: false, status: 200, errorType: null, errorMessage: null,
      stopReason: null, inputTokens: 0, outputTokens: 0, cachedTokens: 0, latencyMs: 1, ttftMs: null, toolCount: 0, sessionId: 's', project: '/w/inventory', costUsd: 0 } satisfies LogEntry;
    expect(matches({ kind: 'done', entry }, { ...NO_FILTER, text: 'invent' })).toBe(true);
    expect(matches({ kind: 'done', entry }, { ...NO_FILTER, text: 'payroll' })).toBe(false);
  });
});
