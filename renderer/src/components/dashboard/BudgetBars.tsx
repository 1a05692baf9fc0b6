import type { BudgetState } from '../../../../app/contract/usage.js';
import { money, percent, type CurrencyInfo } from '../../format.js';

// Limits are set in USD; the bars speak the currency costs are shown in, like the banner.
export function BudgetBars({ states, currency }: { states: BudgetState[]; currency: CurrencyInfo }) {
  if (states.length === 0) return <p className="muted">No budget set. Add a daily or monthly limit in Settings.</p>;
  return (
    <div className="budgets">
      {states.map((s) => {
        const name = s.period === 'day' ? 'Daily budget' : 'Monthly budget';
        const pct = Math.min(100, Math.round(s.fraction * 100));
        const level = s.fraction >= 1 ? 'bad' : s.fraction >= 0.8 ? 'warn' : 'ok';
        return (
          <div key={s.period} className="budget">
            <div className="budget-label">
              <span id={`budget-${s.period}`}>{name}</span>
              <span className="muted">
                {money(s.spentUsd, currency)} of {money(s.limitUsd, currency)} · {percent(s.fraction, 0)}
              </span>
            </div>
            <div
              className="bar"
              role="progressbar"
              aria-labelledby={`budget-${s.period}`}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={pct}
              aria-valuetext={`${percent(s.fraction, 0)} used`}
            >
              <div className={`bar-fill ${level}`} style={{ width: `${pct}%` }} />
            </div>
          </div>
        );
      })}
    </div>
  );
}
