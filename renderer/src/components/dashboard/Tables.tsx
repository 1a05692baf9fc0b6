import type { LatencyStats, ModelBucket, SessionBucket } from '../../../../app/contract/usage.js';
import { dateTimeRange, int, money, ms, type CurrencyInfo } from '../../format.js';
import { distinctLabels } from './session-label.js';

export { sessionLabel } from './session-label.js';

// The dashboard's breakdowns: per model, latency percentiles, top sessions.

export function ModelTable({ title, rows, currency }: { title: string; rows: ModelBucket[]; currency: CurrencyInfo }) {
  return (
    <table className="compact-table">
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">Model</th>
          <th scope="col" className="num">Requests</th>
          <th scope="col" className="num narrow-hide">Tokens in</th>
          <th scope="col" className="num narrow-hide">Tokens out</th>
          <th scope="col" className="num">Errors</th>
          <th scope="col" className="num">Cost</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.model}>
            <td className="mono">{r.model || '—'}</td>
            <td className="num">{int(r.requests)}</td>
            <td className="num narrow-hide">{int(r.inputTokens)}</td>
            <td className="num narrow-hide">{int(r.outputTokens)}</td>
            <td className="num">{int(r.errors)}</td>
            <td className="num">
              {r.unpricedRequests === r.requests && r.requests > 0 ? <span className="muted">no price</span> : money(r.costUsd, currency)}
            </td>
          </tr>
        ))}
        {rows.length === 0 && (
          <tr>
            <td colSpan={6} className="empty">No requests in this range.</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

export function Latency({ latency }: { latency: LatencyStats }) {
  const items: [string, number | null][] = [
    ['p50', latency.p50],
    ['p90', latency.p90],
    ['p99', latency.p99],
    ['TTFT p50', latency.ttftP50],
    ['TTFT p90', latency.ttftP90],
  ];
  return (
    <dl className="latency" aria-label="Latency">
      {items.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{ms(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

export function TopSessions({ sessions, currency, onOpen }: { sessions: SessionBucket[]; currency: CurrencyInfo; onOpen?: (sessionId: string) => void }) {
  const labels = distinctLabels(sessions);
  return (
    <table className="compact-table">
      <caption>Top sessions</caption>
      <thead>
        <tr>
          <th scope="col">Session</th>
          <th scope="col" className="narrow-hide">Active</th>
          <th scope="col" className="num">Requests</th>
          <th scope="col" className="num">Tokens</th>
          <th scope="col" className="num">Cost</th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((s) => (
          <tr key={s.sessionId}>
            <td className={s.project ? 'session-name' : 'mono'} title={s.project ? `${s.project}\nsession ${s.sessionId}` : s.sessionId}>
              {onOpen ? (
                <button type="button" className="link-btn" onClick={() => onOpen(s.sessionId)} aria-label={s.project ? `${labels.get(s.sessionId)}: open the log for session ${s.sessionId}` : `Open the log for session ${s.sessionId}`}>
                  {labels.get(s.sessionId)}
                </button>
              ) : labels.get(s.sessionId)}
            </td>
            <td className="narrow-hide">{dateTimeRange(s.firstAt, s.lastAt)}</td>
            <td className="num">{int(s.requests)}</td>
            <td className="num">{int(s.inputTokens + s.outputTokens)}</td>
            <td className="num">{money(s.costUsd, currency)}</td>
          </tr>
        ))}
        {sessions.length === 0 && (
          <tr>
            <td colSpan={5} className="empty">No Claude Code sessions in this range.</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
