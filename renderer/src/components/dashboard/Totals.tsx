import type { UsageReport } from '../../../../app/contract/usage.js';
import { compact, int, money, percent, type CurrencyInfo } from '../../format.js';

function Stat({ label, value, sub }: { label: string; value: string; sub?: string }) {
  return (
    <div className="stat" role="group" aria-label={label}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {sub && <div className="stat-sub">{sub}</div>}
    </div>
  );
}

export function Totals({ report, currency }: { report: UsageReport; currency: CurrencyInfo }) {
  const t = report.totals;
  const tokens = t.inputTokens + t.outputTokens;
  return (
    <div className="stats" aria-label="Totals">
      <Stat label="Requests" value={int(t.requests)} sub={`${int(t.errors)} error${t.errors === 1 ? '' : 's'}`} />
      <Stat label="Tokens" value={compact(tokens)} sub={`${compact(t.inputTokens)} in · ${compact(t.outputTokens)} out · ${compact(t.cachedTokens)} cached`} />
      <Stat label="Cost" value={money(t.costUsd, currency)} sub={t.unpricedRequests ? `excludes ${int(t.unpricedRequests)} unpriced` : 'all requests priced'} />
      <Stat label="Error rate" value={t.requests > 0 ? percent(report.errorRate) : '—'} sub={t.requests > 0 ? undefined : 'no requests yet'} />
      <Stat label="Unpriced" value={int(t.unpricedRequests)} sub="requests with no known price" />
    </div>
  );
}
