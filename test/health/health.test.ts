import { describe, expect, it } from 'vitest';
import { deriveHealth, type HealthFacts } from '../../app/contract/health.js';
import { outcomeOf } from '../../app/health/tracker.js';
import type { RequestFacts } from '../../app/contract/usage.js';
import { statusLine, trayMenu, trayTooltip } from '../../main/tray-menu.js';

const base: HealthFacts = { running: true, listenError: null, settingsError: null, keySet: true, keyTest: null, upstream: null, budgetRefusing: null };
const rec = (over: Partial<RequestFacts>): RequestFacts => ({
  id: 'r', startedAt: 1000, path: '/v1/messages', clientModel: 'c', mistralModel: 'm', stream: false, status: 200, errorType: null, errorMessage: null,
  stopReason: 'end_turn', inputTokens: 1, outputTokens: 1, cachedTokens: 0, latencyMs: 10, ttftMs: null, toolCount: 0, sessionId: null, ...over,
});

describe('health', () => {
  it('one state per situation, most fundamental first', () => {
    expect(deriveHealth({ ...base, running: false, listenError: 'port 7187 is already in use' })).toMatchObject({ code: 'stopped', action: 'start_proxy' });
    expect(deriveHealth({ ...base, keySet: false })).toMatchObject({ code: 'needs_key', label: 'Needs key', action: 'add_key' });
    expect(deriveHealth({ ...base, budgetRefusing: { period: 'day', spentUsd: 2, limitUsd: 1, fraction: 2 } })).toMatchObject({ code: 'paused_budget', label: 'Paused by budget', action: 'raise_budget' });
    expect(deriveHealth(base)).toMatchObject({ code: 'ready', verified: false, action: 'test_key' });
    expect(deriveHealth({ ...base, keyTest: { status: 'bad_key', message: 'Mistral rejected the key (401).', at: 5 } })).toMatchObject({ code: 'key_rejected', label: 'Key rejected' });
    expect(deriveHealth({ ...base, keyTest: { status: 'unreachable', message: 'ECONNREFUSED', at: 5 } })).toMatchObject({ code: 'unreachable', label: 'Mistral unreachable' });
    expect(deriveHealth({ ...base, keyTest: { status: 'ok', message: 'ok', at: 5 } })).toMatchObject({ code: 'ready', verified: true, action: null });
  });

  it('the newest evidence wins: a good request after a failed key test means the key works', () => {
    const failed = { status: 'bad_key' as const, message: 'no', at: 5 };
    expect(deriveHealth({ ...base, keyTest: failed, upstream: { kind: 'ok', at: 6, message: null } }).code).toBe('ready');
    expect(deriveHealth({ ...base, keyTest: failed, upstream: { kind: 'ok', at: 4, message: null } }).code).toBe('key_rejected');
  });

  it('classifies request outcomes of upstream calls', () => {
    expect(outcomeOf(rec({}), true)).toMatchObject({ kind: 'ok', at: 1010 });
    expect(outcomeOf(rec({ status: 401, errorType: 'authentication_error', errorMessage: 'invalid or missing Mistral API key (Unauthorized)' }), true)?.kind).toBe('auth');
    expect(outcomeOf(rec({ status: 502, errorType: 'api_error', errorMessage: 'Could not reach the Mistral API (ECONNREFUSED)' }), true)?.kind).toBe('unreachable');
    expect(outcomeOf(rec({ status: 504, errorType: 'timeout_error', errorMessage: 'Could not reach the Mistral API (no connection within 10 s)' }), true)?.kind).toBe('unreachable');
    expect(outcomeOf(rec({ status: 504, errorType: 'timeout_error', errorMessage: 'Mistral API did not answer in time (no response within 60 s)' }), true)?.kind).toBe('unreachable');
    expect(outcomeOf(rec({ status: 400, errorType: 'invalid_request_error', errorMessage: 'bad' }), true)).toBeNull();
  });

  it('a request the proxy answered itself says nothing about Mistral, whatever its status or message', () => {
    expect(outcomeOf(rec({}), false)).toBeNull();
    expect(outcomeOf(rec({ status: 401, errorType: 'authentication_error', errorMessage: 'No Mistral API key is configured: …' }), false)).toBeNull();
    expect(outcomeOf(rec({ status: 402, errorType: 'billing_error', errorMessage: 'CCProxy daily budget reached: …' }), false)).toBeNull();
    expect(outcomeOf(rec({ status: 401, errorType: 'authentication_error', errorMessage: 'The stored API key could not be decrypted (was it saved by another user or machine?); …' }), false)).toBeNull();
    // A refusal worded like an upstream failure still is not one.
    expect(outcomeOf(rec({ status: 502, errorType: 'api_error', errorMessage: 'Could not reach the Mistral API (ECONNREFUSED)' }), false)).toBeNull();
  });

  it('the tray says the same as the header', () => {
    const health = deriveHealth({ ...base, keySet: false });
    const state = { running: true, url: 'http://127.0.0.1:7187', error: null, autoLaunch: false, health };
    expect(statusLine(state)).toBe('Running on http://127.0.0.1:7187');
    expect(trayMenu(state).map((i) => i.label)).toContain('⚠ Needs key');
    expect(trayTooltip(state)).toBe('CCProxy Desktop — Running on http://127.0.0.1:7187 · Needs key: No Mistral API key is set; every request is refused until you add one.');
    const ready = deriveHealth({ ...base, keyTest: { status: 'ok', message: 'ok', at: 1 } });
    expect(statusLine({ running: true, url: 'http://127.0.0.1:7187', error: null, autoLaunch: false, health: ready })).toBe('Running on http://127.0.0.1:7187');
  });
});
