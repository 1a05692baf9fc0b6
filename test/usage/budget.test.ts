import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Budgets } from '../../app/contract/settings.js';
import type { BudgetState } from '../../app/contract/usage.js';
import { BudgetTracker } from '../../app/usage/budget.js';
import { UsageLedger } from '../../app/usage/ledger.js';
import { entry, local, tempDir } from './helpers.js';

const budgets = (p: Partial<Budgets> = {}): Budgets => ({ dailyUsd: 10, monthlyUsd: 100, refuseOverLimit: false, ...p });

function tracker(opts: { budgets?: Budgets; at: number; seed?: (r: { from: number; to: number }) => number }) {
  const clock = { now: opts.at };
  const warnings: BudgetState[] = [];
  const overs: BudgetState[] = [];
  const t = new BudgetTracker({
    budgets: opts.budgets ?? budgets(), now: () => clock.now, seed: opts.seed,
    onWarning: (s) => warnings.push(s), onOver: (s) => overs.push(s),
  });
  return { t, clock, warnings, overs };
}

describe('BudgetTracker', () => {
  it('warns once at 80% of the daily limit, then reports over without refusing when refusal is off', () => {
    const { t, clock, warnings, overs } = tracker({ at: local(2026, 6, 10, 9) });
    t.add(7.99);
    expect(warnings).toEqual([]);
    t.add(0.01); // exactly 80%
    expect(warnings).toEqual([{ period: 'day', spentUsd: 8, limitUsd: 10, fraction: 0.8 }]);
    t.add(1);
    expect(warnings).toHaveLength(1); // once per period
    expect(t.check()).toEqual({ over: null, refuse: false });
    t.add(1);
    expect(t.check()).toEqual({ over: { period: 'day', spentUsd: 10, limitUsd: 10, fraction: 1 }, refuse: false });
    expect(overs).toHaveLength(1);
    clock.now += 60_000;
    t.add(5);
    expect(overs).toHaveLength(1);
    expect(t.spent()).toEqual({ dayUsd: 15, monthUsd: 15 });
  });

  it('refuses when over a limit and refuseOverLimit is set', () => {
    const { t } = tracker({ at: local(2026, 6, 10, 9), budgets: budgets({ refuseOverLimit: true, dailyUsd: 1 }) });
    t.add(0.5);
    expect(t.check().refuse).toBe(false);
    t.add(0.5);
    expect(t.check()).toMatchObject({ over: { period: 'day' }, refuse: true });
  });

  it('resets the day at local midnight and the month on the 1st, re-arming warnings', () => {
    const { t, clock, warnings } = tracker({ at: local(2026, 6, 30, 23, 50), budgets: budgets({ monthlyUsd: 20, refuseOverLimit: true }) });
    t.add(9);
    expect(warnings.map((w) => w.period)).toEqual(['day']);
    clock.now = local(2026, 7, 1, 0, 5); // new day and new month
    expect(t.check()).toEqual({ over: null, refuse: false });
    expect(t.spent()).toEqual({ dayUsd: 0, monthUsd: 0 });
    t.add(8.5);
    expect(warnings.map((w) => w.period)).toEqual(['day', 'day']);
    clock.now = local(2026, 7, 2, 10);
    t.add(8.5); // day 2: 8.5 (warn again), month: 17 (85% of 20 → month warning)
    expect(warnings.map((w) => w.period)).toEqual(['day', 'day', 'day', 'month']);
    expect(t.states()).toEqual([
      { period: 'day', spentUsd: 8.5, limitUsd: 10, fraction: 0.85 },
      { period: 'month', spentUsd: 17, limitUsd: 20, fraction: 0.85 },
    ]);
    t.add(3);
    expect(t.check()).toMatchObject({ over: { period: 'day' }, refuse: true });
  });

  it('counts a request by its start time: one that began before midnight does not touch the new day', () => {
    const { t, clock } = tracker({ at: local(2026, 6, 10, 23, 59) });
    const started = clock.now;
    clock.now = local(2026, 6, 11, 0, 1);
    t.add(3, started);
    expect(t.spent()).toEqual({ dayUsd: 0, monthUsd: 3 });
  });

  it('ignores unpriced (null) costs and has no state for unset limits', () => {
    const { t, warnings } = tracker({ at: local(2026, 6, 10, 9), budgets: budgets({ dailyUsd: null, monthlyUsd: null }) });
    t.add(null);
    t.add(1000);
    expect(t.states()).toEqual([]);
    expect(t.check()).toEqual({ over: null, refuse: false });
    expect(warnings).toEqual([]);
  });

  it('new limits take effect at once and re-arm the warning', () => {
    const { t, warnings } = tracker({ at: local(2026, 6, 10, 9) });
    t.add(5);
    t.setBudgets(budgets({ dailyUsd: 6 }));
    expect(warnings).toMatchObject([{ period: 'day', limitUsd: 6 }]);
    t.setBudgets(budgets({ dailyUsd: 4, refuseOverLimit: true }));
    expect(warnings).toHaveLength(2);
    expect(t.check().refuse).toBe(true);
    t.setBudgets(budgets({ dailyUsd: 0 }));
    expect(t.check().over).toMatchObject({ limitUsd: 0, fraction: 1 });
  });

  it('sums without float drift', () => {
    const { t } = tracker({ at: local(2026, 6, 10, 9), budgets: budgets({ dailyUsd: 1 }) });
    for (let i = 0; i < 10; i++) t.add(0.1);
    expect(t.spent().dayUsd).toBe(1);
    expect(t.check().over).not.toBeNull();
  });
});

describe('BudgetTracker seeded from the ledger', () => {
  let tmp: ReturnType<typeof tempDir>;
  let ledger: UsageLedger;
  beforeEach(() => {
    tmp = tempDir();
    ledger = new UsageLedger(tmp.file());
  });
  afterEach(() => {
    ledger.close();
    tmp.cleanup();
  });

  it('starts from today and this month in the ledger, warns at start if already past 80%', () => {
    ledger.record(entry({ startedAt: local(2026, 6, 1, 8), costUsd: 50 }));
    ledger.record(entry({ startedAt: local(2026, 6, 10, 8), costUsd: 8.5 }));
    ledger.record(entry({ startedAt: local(2026, 6, 10, 9), costUsd: null, inputTokens: 5 }));
    ledger.record(entry({ startedAt: local(2026, 5, 31, 23), costUsd: 1000 })); // last month
    const { t, warnings } = tracker({ at: local(2026, 6, 10, 12), seed: (r) => ledger.spendUsd(r) });
    expect(t.spent()).toEqual({ dayUsd: 8.5, monthUsd: 58.5 });
    expect(warnings).toMatchObject([{ period: 'day', spentUsd: 8.5 }]);
  });

  it('re-seeds at rollover (so spend by another process on the same file is seen)', () => {
    const { t, clock } = tracker({ at: local(2026, 6, 10, 23), seed: (r) => ledger.spendUsd(r) });
    ledger.record(entry({ startedAt: local(2026, 6, 11, 0, 30), costUsd: 2 })); // written by "someone else"
    clock.now = local(2026, 6, 11, 1);
    expect(t.spent()).toEqual({ dayUsd: 2, monthUsd: 2 });
  });

  it('a throwing seed does not break the tracker', () => {
    const { t } = tracker({ at: local(2026, 6, 10, 12), seed: () => { throw new Error('db gone'); } });
    expect(t.check()).toEqual({ over: null, refuse: false });
  });
});
