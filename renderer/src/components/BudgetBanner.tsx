import { useEffect, useState } from 'react';
import type { BudgetState } from '../../../app/contract/usage.js';
import { api } from '../api.js';
import { money, percent } from '../format.js';
import { useDebounced, useEvent } from '../hooks.js';
import { useCurrency, useSettings } from '../settings-context.js';

// A banner when a budget reaches 80% (the core's 'budget.warning'), also shown for a budget already past 80% when
// the window opens (the event fires once per period), and past 100% while requests still go through. Dismissed per
// period and limit.

const WARN_AT = 0.8;
/** Per period instance (today / this month) and limit: a dismissal lasts until the period or the limit changes. */
const keyOf = (s: BudgetState) => {
  const now = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  const period = s.period === 'day' ? `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}` : `${now.getFullYear()}-${pad(now.getMonth() + 1)}`;
  return `${s.period}:${period}:${s.limitUsd}`;
};
const STORE_KEY = 'ccproxy.dismissedBudgetBanners';
const loadDismissed = (): Set<string> => {
  try {
    const list = JSON.parse(localStorage.getItem(STORE_KEY) ?? '[]') as unknown;
    return new Set(Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string').slice(-20) : []);
  } catch {
    return new Set();
  }
};

export function BudgetBanner({ onRaise, onOpenSettings }: { onRaise?: (period: 'day' | 'month') => void; onOpenSettings?: () => void }) {
  const [states, setStates] = useState<Record<string, BudgetState>>({});
  const [dismissed, setDismissed] = useState<Set<string>>(loadDismissed);
  const currency = useCurrency();
  const dismiss = (key: string) =>
    setDismissed((d) => {
      const next = new Set(d).add(key);
      try {
        localStorage.setItem(STORE_KEY, JSON.stringify([...next].slice(-20)));
      } catch {
        // storage unavailable: the dismissal lasts for this window only
      }
      return next;
    });
  const { view } = useSettings();
  const refuse = view?.settings.budgets.refuseOverLimit ?? false;

  const add = (list: BudgetState[]) =>
    setStates((prev) => {
      const next = { ...prev };
      for (const s of list) if (s.fraction >= WARN_AT) next[s.period] = s;
      return next;
    });

  const refresh = () => void api.invoke('budget.state', undefined).then(add, () => undefined);
  const refreshSoon = useDebounced(refresh, 500);
  useEvent('budget.warning', (s) => add([s]));
  // Keeps a shown banner's numbers current as spending goes on.
  useEvent('request.finished', refreshSoon);
  useEffect(refresh, []);
  // A raised limit can bring a budget back under 80%: drop stale warnings when the settings change.
  useEffect(() => {
    if (!view) return;
    const { dailyUsd, monthlyUsd } = view.settings.budgets;
    setStates((prev) => {
      const next = { ...prev };
      if (next.day && next.day.limitUsd !== dailyUsd) delete next.day;
      if (next.month && next.month.limitUsd !== monthlyUsd) delete next.month;
      return next;
    });
  }, [view]);

  // A budget past its limit while refusal is on is the status header's "Paused by budget" (with its Raise limit…):
  // not said twice. The dashboard's Budgets panel keeps the amounts.
  const shown = Object.values(states).filter((s) => !dismissed.has(keyOf(s)) && !(refuse && s.fraction >= 1));
  if (shown.length === 0) return null;
  return (
    <div className="banners">
      {shown.map((s) => {
        const name = s.period === 'day' ? 'Daily' : 'Monthly';
        const over = s.fraction >= 1;
        return (
          <div key={s.period} role="alert" className={`banner ${over ? 'banner-bad' : 'banner-warn'}`}>
            <strong>
              {name} budget {over ? 'reached' : 'warning'}:
            </strong>{' '}
            {percent(s.fraction, 0)} used ({money(s.spentUsd, currency)} of {money(s.limitUsd, currency)}).{' '}
            {over ? 'Requests still go through (refusal is off).' : ''}
            <span className="banner-actions">
              {onRaise && (
                <button type="button" className="btn small" onClick={() => onRaise(s.period)}>
                  Raise limit…
                </button>
              )}
              {onOpenSettings && (
                <button type="button" className="btn small" onClick={onOpenSettings}>
                  Open settings
                </button>
              )}
            </span>
            <button type="button" className="btn ghost small" onClick={() => dismiss(keyOf(s))} aria-label={`Dismiss ${name.toLowerCase()} budget warning`}>
              ✕
            </button>
          </div>
        );
      })}
    </div>
  );
}
