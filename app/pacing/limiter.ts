import type { IncomingHttpHeaders } from 'node:http';
import type { PacingState, PacingTotals } from '../contract/pacing.js';
import { ApiError } from '../translate/errors.js';
import { readRateHeaders, retryAfterMs } from './headers.js';
import { limitsOf, PRESET_LIMITS, type PacingConfig } from './presets.js';
import { TokenWindow } from './token-window.js';

// One upstream's request pacer: requests wait here for their turn instead of being sent to certain rejection.
//
//  - Requests per second: admissions are spaced 1/rps apart (plus a small guard, because Mistral counts arrivals,
//    which jitter by a few ms after we release them). Spacing never bursts, so no window boundary can be crossed.
//  - Tokens per minute: a sliding one-minute window of what was sent (estimated input at admission, corrected
//    with the real input + output once known). A request waits until the window has room for it; one larger than
//    the whole limit goes alone into an empty window rather than never.
//  - Fair: strictly first come, first served; only the head of the queue is ever admitted.
//  - Bounded: every request has a deadline; one whose turn would come after it is refused at once (a 429 with
//    retry-after), not kept waiting for a refusal.
//  - Learning: a 429 blocks everyone until its Retry-After and tightens the rate (x0.75; in auto mode the first
//    429 drops to the free tier's 1 request/s); every RELAX_EVERY successes in a row loosen it (x1.2) back towards
//    the configured cap. Token limits from Mistral's headers replace the preset's.

const MINUTE = 60_000;
const MIN_RPS = 0.05;
const RELAX_EVERY = 10;
const RELAX = 1.2;
const TIGHTEN = 0.75;
/** In auto mode, a rate relaxed past this goes back to "no cap". */
const AUTO_RELEASE_RPS = 64;
/** In auto mode, this long without a 429 lifts the learned cap entirely. */
const AUTO_FORGET_MS = 60_000;
/** Mistral's 429 without Retry-After: wait this long. */
const DEFAULT_RETRY_AFTER_MS = 1_000;

export interface Ticket {
  readonly id: number;
  /** When it was let through (epoch ms). */
  readonly admittedAt: number;
  /** How long this request waited for this admission, ms. */
  readonly queuedMs: number;
  /** Its entry's sequence number in the token window (its tokens are corrected when the real usage is known). */
  readonly slot: number | null;
}

interface Waiter {
  id: number;
  /** Ignore a Retry-After block (a fallback model is not the model Mistral refused). */
  ignoreBlock: boolean;
  tokens: number;
  enqueuedAt: number;
  deadline: number;
  resolve: (t: Ticket) => void;
  reject: (err: unknown) => void;
  cleanup: () => void;
}

/** Refused because the wait would pass the bound; carries retry-after (seconds) for the client. */
export class PacingRefusal extends ApiError {
  constructor(readonly retryAfterS: number, reason: string) {
    super(429, 'rate_limit_error', `CCProxy: ${reason}; retry in about ${retryAfterS} s (pacing to your Mistral rate limit)`, { 'retry-after': String(retryAfterS) });
  }
}

export class Limiter {
  private readonly queue: Waiter[] = [];
  private readonly window = new TokenWindow(MINUTE);
  private nextId = 1;
  private lastAdmitAt = -Infinity;
  private blockedUntil = 0;
  private effRps = Infinity;
  private successes = 0;
  private last429At = -Infinity;
  private lastTightenAt = -Infinity;
  private learnedTpm: number | null = null;
  private learnedRemaining: number | null = null;
  private learnedAt: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private lastConfig: Pick<PacingConfig, 'preset' | 'rps' | 'tpm'> | null = null;
  private readonly listeners = new Set<() => void>();
  readonly totals: PacingTotals = { admitted: 0, paced: 0, waitMs: 0, retries: 0, upstream429: 0, rejected: 0, fallbacks: 0 };

  constructor(private readonly config: () => PacingConfig, private readonly now: () => number = Date.now) {}

  get enabled(): boolean {
    return this.cfg().preset !== 'off';
  }

  /** The config, resetting what was learned when the preset or its numbers change. */
  private cfg(): PacingConfig {
    const c = this.config();
    // Called several times per request: compared field by field, not through a new key string each time.
    const last = this.lastConfig;
    if (last && c.preset === last.preset && c.rps === last.rps && c.tpm === last.tpm) return c;
    this.lastConfig = { preset: c.preset, rps: c.rps, tpm: c.tpm };
    this.effRps = limitsOf(c).rps;
    this.successes = 0;
    this.learnedTpm = null;
    return c;
  }

  private rps(): number {
    const c = this.cfg();
    // Auto mode only paces while Mistral has recently said no; a quiet minute means the burst is over.
    if (c.preset === 'auto' && Number.isFinite(this.effRps) && this.now() - this.last429At > AUTO_FORGET_MS) this.effRps = Infinity;
    return this.effRps;
  }

  private tpm(): number {
    const c = this.cfg();
    return this.learnedTpm ?? limitsOf(c).tpm;
  }

  /** Spacing between admissions: 1/rps, plus 5% (at least 20 ms) so arrival jitter never crosses Mistral's window. */
  private interval(): number {
    const rps = this.rps();
    if (!Number.isFinite(rps)) return 0;
    const base = 1000 / rps;
    return base + Math.max(20, base * 0.05);
  }

  tokensLastMinute(now = this.now()): number {
    return this.window.total(now);
  }

  /** The earliest time a request of `tokens` may go, judged by the rate, any Retry-After and the token window. */
  private earliest(tokens: number, now: number, ignoreBlock = false): number {
    let at = Math.max(now, ignoreBlock ? 0 : this.blockedUntil, this.lastAdmitAt + this.interval());
    const tpm = this.tpm();
    if (Number.isFinite(tpm) && this.window.size) at = Math.max(at, this.window.freeAt(tokens, tpm, now));
    return at;
  }

  /**
   * Waits for this request's turn. Rejects with PacingRefusal when its turn would come after `deadline`, and with
   * the signal's reason when the signal aborts (the waiter leaves the queue either way).
   */
  acquire(tokens: number, opts: { signal: AbortSignal; deadline: number; retry?: boolean; ignoreBlock?: boolean }): Promise<Ticket> {
    const now = this.now();
    if (!this.enabled) return Promise.resolve({ id: this.nextId++, admittedAt: now, queuedMs: 0, slot: null });
    if (opts.signal.aborted) return Promise.reject(opts.signal.reason);
    return new Promise<Ticket>((resolve, reject) => {
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        waiter.cleanup();
        reject(opts.signal.reason);
        this.changed();
        this.pump();
      };
      const waiter: Waiter = {
        id: this.nextId++, ignoreBlock: opts.ignoreBlock === true, tokens: Math.max(0, Math.round(tokens)), enqueuedAt: now, deadline: opts.deadline, resolve, reject,
        cleanup: () => opts.signal.removeEventListener('abort', onAbort),
      };
      opts.signal.addEventListener('abort', onAbort, { once: true });
      // A retry already waited its turn once: it goes first, so a 429 never sends a request to the back.
      if (opts.retry) this.queue.unshift(waiter);
      else this.queue.push(waiter);
      this.changed();
      this.pump();
    });
  }

  /** Admits every waiter whose turn has come, refuses those that cannot make their deadline, and sets a timer for the next. */
  private pump(): void {
    const now = this.now();
    while (this.queue.length) {
      const head = this.queue[0];
      const at = this.earliest(head.tokens, now, head.ignoreBlock);
      // A request that need not wait is never refused, however small the bound (0 = "never wait").
      if (at > now && at > head.deadline) {
        this.queue.shift();
        this.refuse(head, at - now);
        continue;
      }
      if (at > now) break;
      this.queue.shift();
      head.cleanup();
      const queuedMs = now - head.enqueuedAt;
      this.lastAdmitAt = now;
      this.window.expire(now);
      const slot = this.window.add(now, head.tokens);
      this.totals.admitted++;
      if (queuedMs > 0) {
        this.totals.paced++;
        this.totals.waitMs += queuedMs;
      }
      head.resolve({ id: head.id, admittedAt: now, queuedMs, slot });
    }
    // Refuse, without keeping them waiting, the ones behind the head whose projected turn is past their deadline.
    if (this.queue.length > 1) {
      const step = this.interval();
      const headAt = this.earliest(this.queue[0].tokens, now, this.queue[0].ignoreBlock);
      for (let i = this.queue.length - 1; i >= 1; i--) {
        const w = this.queue[i];
        const projected = headAt + i * step;
        if (projected > now && projected > w.deadline) {
          this.queue.splice(i, 1);
          this.refuse(w, projected - now);
        }
      }
    }
    this.changed();
    this.schedule(now);
  }

  private refuse(w: Waiter, waitMs: number): void {
    w.cleanup();
    this.totals.rejected++;
    w.reject(new PacingRefusal(Math.max(1, Math.ceil(waitMs / 1000)), 'too many requests are waiting for the Mistral API'));
  }

  private schedule(now: number): void {
    if (!this.queue.length) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.timerAt = Infinity;
      return;
    }
    const at = this.earliest(this.queue[0].tokens, now, this.queue[0].ignoreBlock);
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - now));
  }

  /**
   * What Mistral answered to an admitted request (headers arrived). Learns from the rate headers; on a 429 blocks
   * everyone until Retry-After and tightens; returns how long the caller should wait before trying again.
   */
  report(ticket: Ticket, status: number, headers: IncomingHttpHeaders): { retryAfterMs: number } {
    const now = this.now();
    this.cfg();
    const rate = readRateHeaders(headers);
    if (rate.tpmLimit !== null && rate.tpmLimit > 0) {
      this.learnedTpm = rate.tpmLimit;
      this.learnedAt = now;
    }
    if (rate.tpmRemaining !== null) {
      this.learnedRemaining = rate.tpmRemaining;
      this.learnedAt = now;
      // Mistral says the minute is used up (other clients of the workspace count too): hold until it resets.
      if (rate.tpmRemaining <= 0 && rate.resetS !== null) this.blockedUntil = Math.max(this.blockedUntil, now + rate.resetS * 1000);
    }
    let wait = 0;
    if (status === 429) {
      this.totals.upstream429++;
      // A refused request used no tokens.
      if (ticket.slot !== null) this.window.set(ticket.slot, 0);
      wait = retryAfterMs(headers, now) ?? DEFAULT_RETRY_AFTER_MS;
      this.last429At = now;
      if (this.enabled) {
        this.blockedUntil = Math.max(this.blockedUntil, now + wait);
        // 429s for requests sent before the last tightening are the same burst's echo, not news: tighten once.
        if (ticket.admittedAt > this.lastTightenAt) {
          this.effRps = Number.isFinite(this.effRps) ? Math.max(MIN_RPS, this.effRps * TIGHTEN) : PRESET_LIMITS.free.rps;
          this.lastTightenAt = now;
        }
        this.successes = 0;
      }
    } else if (status >= 200 && status < 300) {
      this.relax();
    } else if (ticket.slot !== null) {
      this.window.set(ticket.slot, 0);
    }
    this.changed();
    if (this.queue.length) this.pump();
    return { retryAfterMs: wait };
  }

  private relax(): void {
    if (++this.successes < RELAX_EVERY) return;
    this.successes = 0;
    const ceiling = limitsOf(this.cfg()).rps;
    if (this.effRps >= ceiling) return;
    const next = this.effRps * RELAX;
    this.effRps = !Number.isFinite(ceiling) && next > AUTO_RELEASE_RPS ? Infinity : Math.min(ceiling, next);
  }

  /** The real tokens (input + output) a request used, once known. */
  settle(ticket: Ticket, tokens: number): void {
    if (ticket.slot !== null && Number.isFinite(tokens) && tokens >= 0) this.window.set(ticket.slot, Math.round(tokens));
  }

  get waiting(): number {
    return this.queue.length;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch {
        // A listener must never break pacing.
      }
    }
  }

  snapshot(): PacingState {
    const now = this.now();
    const c = this.cfg();
    const fin = (n: number) => (Number.isFinite(n) ? Math.round(n * 1000) / 1000 : null);
    const configured = limitsOf(c);
    return {
      preset: c.preset,
      enabled: c.preset !== 'off',
      waiting: this.queue.length,
      oldestWaitMs: this.queue.length ? now - this.queue[0].enqueuedAt : 0,
      limits: { rps: fin(this.rps()), tpm: fin(this.tpm()) },
      configured: { rps: fin(configured.rps), tpm: fin(configured.tpm) },
      learned: { tpm: this.learnedTpm, remainingTokens: this.learnedRemaining, at: this.learnedAt },
      blockedUntil: this.blockedUntil > now ? this.blockedUntil : null,
      tokensLastMinute: this.tokensLastMinute(now),
      maxWaitMs: c.maxWaitMs,
      totals: { ...this.totals },
    };
  }

  /** Refuses everyone still waiting (shutdown). */
  close(reason: unknown): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.queue.splice(0)) {
      w.cleanup();
      w.reject(reason);
    }
    this.changed();
  }
}
