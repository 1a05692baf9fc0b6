// Spend limits per local day and calendar month.
//
// The proxy asks check() before forwarding every request, so it must be O(1): the tracker keeps running totals
// in memory (integer nano-dollars, no float drift), seeded once from the ledger and bumped by add() on each
// record. Periods roll over at local midnight / the 1st of the month, detected lazily from the injected clock.
// Warnings fire once per period per limit when spend reaches `warnAt` (80%) of it; `onOver` once when it
// reaches 100%. Changing a limit re-arms its notifications.

import type { Budgets } from '../contract/settings.js';
import type { BudgetState, TimeRange } from '../contract/usage.js';
import { addLocalDays, addLocalMonths, startOfLocalDay, startOfLocalMonth } from './time.js';

export interface BudgetTrackerOptions {
  budgets: Budgets;
  /** Clock (epoch ms); inject for tests. */
  now?: () => number;
  /**
   * Spend already recorded in a range (USD), e.g. `(r) => ledger.spendUsd(r)`. Called at start for the current
   * day and month, and again at each day rollover (which also picks up other processes writing the same ledger).
   */
  seed?: (range: TimeRange) => number;
  onWarning?: (state: BudgetState) => void;
  onOver?: (state: BudgetState) => void;
  /** Fraction of a limit that triggers onWarning (default 0.8). */
  warnAt?: number;
}

export interface BudgetCheck {
  /** The first limit reached (day before month), or null. */
  over: BudgetState | null;
  /** True when the request should be refused: over a limit and settings.budgets.refuseOverLimit. */
  refuse: boolean;
}

interface Period {
  kind: 'day' | 'month';
  start: number;
  end: number;
  spentNano: number;
  /** Notifications already sent this period, keyed by `${what}:${limit}` so a new limit re-arms them. */
  sent: Set<string>;
}

const toNano = (usd: number) => (Number.isFinite(usd) ? Math.round(usd * 1e9) : 0);

export class BudgetTracker {
  private budgets: Budgets;
  private readonly now: () => number;
  private readonly seed?: (range: TimeRange) => number;
  private readonly onWarning?: (s: BudgetState) => void;
  private readonly onOver?: (s: BudgetState) => void;
  private readonly warnAt: number;
  private day: Period;
  private month: Period;

  constructor(opts: BudgetTrackerOptions) {
    this.budgets = { ...opts.budgets };
    this.now = opts.now ?? Date.now;
    this.seed = opts.seed;
    this.onWarning = opts.onWarning;
    this.onOver = opts.onOver;
    this.warnAt = opts.warnAt ?? 0.8;
    const t = this.now();
    this.day = this.open('day', t);
    this.month = this.open('month', t);
    this.notify();
  }

  private open(kind: 'day' | 'month', t: number): Period {
    const start = kind === 'day' ? startOfLocalDay(t) : startOfLocalMonth(t);
    const end = kind === 'day' ? addLocalDays(start, 1) : addLocalMonths(start, 1);
    let spentNano = 0;
    if (this.seed) {
      try {
        spentNano = toNano(this.seed({ from: start, to: end }));
      } catch {
        spentNano = 0; // an unreadable ledger must not stop the proxy; spend restarts from 0
      }
    }
    return { kind, start, end, spentNano, sent: new Set() };
  }

  /** Moves to the current day/month if the clock has passed a boundary. */
  private roll(t: number): void {
    if (t < this.day.end && t >= this.day.start) return;
    this.day = this.open('day', t);
    if (t >= this.month.end || t < this.month.start) this.month = this.open('month', t);
    else if (this.seed) {
      // Same month, new day: refresh the month's total from the ledger too (other writers), keeping its
      // already-sent notifications.
      const fresh = this.open('month', t);
      this.month.spentNano = fresh.spentNano;
    }
  }

  /**
   * Counts one finished request. `startedAt` decides the period (as in the ledger): a request that started
   * before midnight and ended after it counts toward yesterday, so it no longer affects today's limit.
   * Null cost (unpriced model) adds nothing. O(1).
   */
  add(costUsd: number | null, startedAt?: number): void {
    const t = this.now();
    this.roll(t);
    if (costUsd === null || !(costUsd > 0)) return;
    const at = startedAt ?? t;
    const nano = toNano(costUsd);
    if (at >= this.day.start && at < this.day.end) this.day.spentNano += nano;
    if (at >= this.month.start && at < this.month.end) this.month.spentNano += nano;
    this.notify();
  }

  /** Before forwarding a request. O(1). */
  check(): BudgetCheck {
    this.roll(this.now());
    this.notify();
    const over = [this.stateOf(this.day), this.stateOf(this.month)].find((s) => s !== null && s.spentUsd >= s.limitUsd) ?? null;
    return { over, refuse: over !== null && this.budgets.refuseOverLimit };
  }

  /** Current state of each configured limit (for 'budget.state'). */
  states(): BudgetState[] {
    this.roll(this.now());
    return [this.stateOf(this.day), this.stateOf(this.month)].filter((s): s is BudgetState => s !== null);
  }

  /** Spend so far in the current periods, USD. */
  spent(): { dayUsd: number; monthUsd: number } {
    this.roll(this.now());
    return { dayUsd: this.day.spentNano / 1e9, monthUsd: this.month.spentNano / 1e9 };
  }

  /** New limits from settings; takes effect immediately (and may warn at once if already past 80%). */
  setBudgets(budgets: Budgets): void {
    this.budgets = { ...budgets };
    this.roll(this.now());
    this.notify();
  }

  private limitOf(kind: 'day' | 'month'): number | null {
    const l = kind === 'day' ? this.budgets.dailyUsd : this.budgets.monthlyUsd;
    return typeof l === 'number' && Number.isFinite(l) && l >= 0 ? l : null;
  }

  private stateOf(p: Period): BudgetState | null {
    const limit = this.limitOf(p.kind);
    if (limit === null) return null;
    const spentUsd = p.spentNano / 1e9;
    // A zero limit means "no spending allowed": fully used from the start.
    // Integer nano-dollars on both sides: 0.08 / 0.1 in floats is 0.7999…, which would miss the 80% warning.
    const fraction = limit > 0 ? p.spentNano / toNano(limit) : 1;
    return { period: p.kind, spentUsd, limitUsd: limit, fraction };
  }

  private notify(): void {
    for (const p of [this.day, this.month]) {
      const s = this.stateOf(p);
      if (!s) continue;
      if (s.fraction >= this.warnAt) this.once(p, `warn:${s.limitUsd}`, this.onWarning, s);
      if (s.fraction >= 1) this.once(p, `over:${s.limitUsd}`, this.onOver, s);
    }
  }

  private once(p: Period, key: string, cb: ((s: BudgetState) => void) | undefined, s: BudgetState): void {
    if (p.sent.has(key)) return;
    p.sent.add(key);
    try {
      cb?.(s);
    } catch {
      /* a listener's failure must not reach the request path */
    }
  }
}
