import { deriveHealth, type Health, type HealthFacts, type UpstreamOutcome } from '../contract/health.js';
import type { KeyTestResult } from '../contract/settings.js';
import type { RequestFacts } from '../contract/usage.js';

// Keeps the facts health is derived from that only the core sees over time: the last upstream outcome of a real
// request and the last key test. Everything else (listener, settings, budget) is read fresh on each recheck.

export type LiveFacts = Omit<HealthFacts, 'keyTest' | 'upstream'>;

/**
 * What a finished request says about the key and Mistral's reachability; null when it says nothing. `calledMistral`:
 * whether the proxy made an upstream call for it (an answer or a network failure came back). Without one (a refusal
 * of the proxy's own: no key, an unreadable stored key, a budget, bad settings, a pacing queue; a local count) the
 * request says nothing about Mistral, whatever its status or message.
 */
export function outcomeOf(rec: RequestFacts, calledMistral: boolean): UpstreamOutcome | null {
  if (!calledMistral) return null;
  const at = rec.startedAt + rec.latencyMs;
  const message = rec.errorMessage;
  if (rec.status >= 200 && rec.status < 300 && rec.errorType === null) return { kind: 'ok', at, message: null };
  if (rec.errorType === 'authentication_error' || rec.errorType === 'permission_error' || rec.errorType === 'billing_error') return { kind: 'auth', at, message };
  if ((rec.status === 502 || rec.status === 504) && /reach the Mistral API|did not answer in time/.test(message ?? '')) {
    return { kind: 'unreachable', at, message };
  }
  return null;
}

export class HealthTracker {
  private keyTest: HealthFacts['keyTest'] = null;
  private upstream: UpstreamOutcome | null = null;
  private last: string | null = null;
  private testing: Promise<void> | null = null;

  constructor(
    private readonly live: () => LiveFacts,
    private readonly testKey: () => Promise<KeyTestResult>,
    private readonly emit: (health: Health) => void,
    private readonly now: () => number = Date.now,
  ) {}

  current(): Health {
    return deriveHealth({ ...this.live(), keyTest: this.keyTest, upstream: this.upstream });
  }

  /** Emits health.changed when the derived state differs from the last one emitted. */
  recheck(): Health {
    const health = this.current();
    const key = JSON.stringify(health);
    if (key !== this.last) {
      this.last = key;
      this.emit(health);
    }
    return health;
  }

  observe(rec: RequestFacts, calledMistral: boolean): void {
    const outcome = outcomeOf(rec, calledMistral);
    if (outcome) this.upstream = outcome;
    this.recheck();
  }

  /** The key or base URL changed: old evidence no longer applies. Tests the new key in the background. */
  keyChanged(): void {
    this.keyTest = null;
    this.upstream = null;
    this.recheck();
    if (this.live().keySet) void this.check();
  }

  /** A key test now (deduplicated while one runs); its result becomes the newest evidence. */
  check(): Promise<void> {
    this.testing ??= this.testKey()
      .then((result) => {
        this.keyTest = { ...result, at: this.now() };
      }, () => undefined)
      .finally(() => {
        this.testing = null;
        this.recheck();
      });
    return this.testing;
  }

  /** For the first look at the window: a set key nobody has checked yet gets tested once. */
  checkIfUnverified(): void {
    if (this.live().keySet && !this.keyTest && !this.upstream && !this.testing) void this.check();
  }

  recordTest(result: KeyTestResult): void {
    this.keyTest = { ...result, at: this.now() };
    this.recheck();
  }
}
