import { useState } from 'react';
import type { RangePreset } from '../../../../app/contract/usage.js';
import { useDebounced, useEvent, useInvoke } from '../../hooks.js';
import { ConnectCard } from '../connect/ConnectCard.js';
import { BudgetBars } from './BudgetBars.js';
import { CurrentSession } from './CurrentSession.js';
import { PacingCard } from './PacingCard.js';
import { ExportButtons } from './ExportButtons.js';
import { Latency, ModelTable, TopSessions } from './Tables.js';
import { Totals } from './Totals.js';
import { UsageChart } from './UsageChart.js';
import { dayPoints, hourPoints } from './hourly.js';
import type { LogEntry } from '../../../../app/contract/usage.js';

const RANGES: { value: RangePreset; label: string }[] = [
  { value: 'today', label: 'Today' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
];

export function DashboardTab({ onOpenSession }: { onOpenSession?: (sessionId: string) => void }) {
  const [preset, setPreset] = useState<RangePreset>('7d');
  const report = useInvoke('usage.report', { preset }, preset);
  const budgets = useInvoke('budget.state', undefined);
  // Today is charted per hour from the day's rows (the usage export); other ranges per day from the report.
  const todayRows = useInvoke('usage.export', { format: 'json', preset: 'today' }, preset);
  // New requests and settings (currency, budgets, prices) refresh the numbers, at most a few times a second.
  const refresh = useDebounced(() => {
    report.reload();
    budgets.reload();
    if (preset === 'today') todayRows.reload();
  }, 250);
  useEvent('request.finished', refresh);
  useEvent('settings.changed', refresh);
  useEvent('budget.warning', refresh);

  const r = report.data;
  const currency = r ? { currency: r.currency, eurPerUsd: r.eurPerUsd } : { currency: 'USD' as const, eurPerUsd: 1 };
  return (
    <section className="panel-body" aria-labelledby="dash-heading">
      <div className="section-head">
        <h2 id="dash-heading">Dashboard</h2>
        <fieldset className="segmented" aria-label="Range">
          <legend className="sr-only">Range</legend>
          {RANGES.map((o) => (
            <label key={o.value} className={preset === o.value ? 'active' : undefined}>
              <input type="radio" name="range" value={o.value} checked={preset === o.value} onChange={() => setPreset(o.value)} />
              {o.label}
            </label>
          ))}
        </fieldset>
        <ExportButtons preset={preset} />
      </div>
      {report.error && <p role="alert" className="error">Could not load usage: {report.error}</p>}
      {r && r.totals.requests === 0 && <ConnectCard />}
      {r && (
        <>
          <Totals report={r} currency={currency} />
          <CurrentSession session={r.currentSession} currency={currency} onOpen={onOpenSession} />
          <div className="dash-grid">
            <section className="card span-4" aria-labelledby="chart-heading">
              <h3 id="chart-heading">Cost and requests by {preset === 'today' ? 'hour' : 'day'}</h3>
              {preset === 'today' ? (
                <UsageChart points={hourPoints(todayRows.data ? (JSON.parse(todayRows.data.content) as LogEntry[]) : [], r.range.from)} unit="hour" currency={currency} />
              ) : (
                <UsageChart points={dayPoints(r.byDay)} unit="day" currency={currency} />
              )}
            </section>
            <section className="card span-2" aria-labelledby="budget-heading">
              <h3 id="budget-heading">Budgets</h3>
              {budgets.error ? <p className="error">{budgets.error}</p> : <BudgetBars states={budgets.data ?? []} currency={currency} />}
              <h3 className="subhead" id="latency-heading">Latency</h3>
              <Latency latency={r.latency} />
            </section>
            <section className="card span-3" aria-label="By Mistral model">
              <ModelTable title="By Mistral model" rows={r.byModel} currency={currency} />
            </section>
            <section className="card span-3" aria-label="By client model">
              <ModelTable title="By client model" rows={r.byClientModel} currency={currency} />
            </section>
            <section className="card span-4" aria-label="Top sessions">
              <TopSessions sessions={r.topSessions} currency={currency} onOpen={onOpenSession} />
            </section>
            <section className="card span-2" aria-labelledby="pacing-heading">
              <h3 id="pacing-heading">Rate-limit pacing</h3>
              <PacingCard pacing={r.pacing} />
            </section>
          </div>
        </>
      )}
    </section>
  );
}
