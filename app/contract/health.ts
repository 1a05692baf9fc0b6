import type { KeyTestResult } from './settings.js';
import type { BudgetState } from './usage.js';

// One answer to "can Claude Code use the proxy right now, and if not, what fixes it?", shared by the window's
// header and the tray. Derived by a pure function from facts the core observes (listener state, settings, the last
// key test, the last upstream outcome, the budget), so every surface says the same thing.

export type HealthCode = 'stopped' | 'settings_error' | 'needs_key' | 'key_rejected' | 'unreachable' | 'paused_budget' | 'ready';

/** The one action that fixes the state (the UI decides how to present it). */
export type HealthAction = 'start_proxy' | 'open_settings' | 'add_key' | 'replace_key' | 'test_key' | 'raise_budget' | null;

export interface Health {
  code: HealthCode;
  /** Short, for the header and the tray: "Ready", "Needs key", "Key rejected", … */
  label: string;
  /** One sentence saying why. */
  reason: string;
  action: HealthAction;
  actionLabel: string | null;
  /** True once a real outcome (a key test or an upstream answer) backs a Ready state. */
  verified: boolean;
}

/** The last thing Mistral (or the attempt to reach it) told us. */
export interface UpstreamOutcome {
  kind: 'ok' | 'auth' | 'unreachable';
  at: number;
  message: string | null;
}

export interface HealthFacts {
  running: boolean;
  listenError: string | null;
  settingsError: string | null;
  keySet: boolean;
  /** Why a stored key cannot be used (it could not be decrypted, or the OS secret storage is gone); null otherwise. */
  keyError?: string | null;
  /** The latest key test (run when a key is saved or on demand); null when none ran for the current key. */
  keyTest: (KeyTestResult & { at: number }) | null;
  upstream: UpstreamOutcome | null;
  /** A limit reached while refusing over-limit requests. */
  budgetRefusing: BudgetState | null;
}

const h = (code: HealthCode, label: string, reason: string, action: HealthAction, actionLabel: string | null, verified = false): Health =>
  ({ code, label, reason, action, actionLabel, verified });

/** Newest evidence wins between a key test and an upstream answer: a good request after a failed test means the key works. */
function latestEvidence(f: HealthFacts): { kind: 'ok' | 'auth' | 'unreachable' | 'other'; message: string } | null {
  const test = f.keyTest;
  const up = f.upstream;
  const fromTest = test && {
    at: test.at,
    kind: test.status === 'ok' ? 'ok' as const : test.status === 'bad_key' || test.status === 'no_credit' ? 'auth' as const : test.status === 'unreachable' ? 'unreachable' as const : 'other' as const,
    message: test.message,
  };
  const fromUp = up && { at: up.at, kind: up.kind, message: up.message ?? '' };
  if (fromTest && fromUp) return fromTest.at > fromUp.at ? fromTest : fromUp;
  return fromTest ?? fromUp;
}

export function deriveHealth(f: HealthFacts): Health {
  if (f.settingsError) return h('settings_error', 'Settings need attention', f.settingsError, 'open_settings', 'Open settings');
  if (!f.running) return h('stopped', 'Proxy stopped', f.listenError ? `The proxy is not listening: ${f.listenError}.` : 'The proxy is not listening, so Claude Code cannot reach it.', 'start_proxy', 'Start proxy');
  // A key is stored but unusable: not "no key" — say what happened to it and that entering it again fixes it.
  if (!f.keySet && f.keyError) return h('needs_key', 'Stored key unreadable', f.keyError, 'add_key', 'Re-enter key');
  if (!f.keySet) return h('needs_key', 'Needs key', 'No Mistral API key is set; every request is refused until you add one.', 'add_key', 'Add API key');
  if (f.budgetRefusing) {
    const what = f.budgetRefusing.period === 'day' ? 'daily' : 'monthly';
    return h('paused_budget', 'Paused by budget', `The ${what} budget is reached, so requests are refused until it resets or you raise it.`, 'raise_budget', 'Raise limit…');
  }
  const ev = latestEvidence(f);
  if (ev?.kind === 'auth') return h('key_rejected', 'Key rejected', ev.message || 'Mistral refused the API key.', 'replace_key', 'Replace key');
  if (ev?.kind === 'unreachable') return h('unreachable', 'Mistral unreachable', ev.message || 'Could not reach the Mistral API.', 'test_key', 'Try again');
  if (ev?.kind === 'ok') return h('ready', 'Ready', 'Mistral accepted the key; Claude Code requests will be forwarded.', null, null, true);
  return h('ready', 'Ready', 'A key is set but has not been checked against Mistral yet.', 'test_key', 'Check now');
}
