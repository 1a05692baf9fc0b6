import type { LogEntry } from '../../../../app/contract/usage.js';
import { clock, int, money, ms, type CurrencyInfo } from '../../format.js';
import { useCurrency } from '../../settings-context.js';
import { rowId, type LiveLog, type Row } from './useLiveLog.js';

export function LiveLogTab({ log }: { log: LiveLog }) {
  const currency = useCurrency();
  return (
    <section className="panel-body" aria-labelledby="log-heading">
      <div className="section-head">
        <h2 id="log-heading">Live log</h2>
        <p className="muted">Newest first, the last {log.rows.length} request{log.rows.length === 1 ? '' : 's'}. New requests appear as they happen.</p>
        <button type="button" className="btn ghost" onClick={log.clear} disabled={log.rows.length === 0}>
          Clear view
        </button>
      </div>
      {log.error && <p role="alert" className="error">Could not load recent requests: {log.error}</p>}
      <div className="table-wrap">
        <table className="log-table">
          <caption className="sr-only">Recent requests</caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Model</th>
              <th scope="col">Stream</th>
              <th scope="col">Status</th>
              <th scope="col" className="num">Tokens in</th>
              <th scope="col" className="num">Tokens out</th>
              <th scope="col" className="num">Cached</th>
              <th scope="col" className="num">Latency</th>
              <th scope="col" className="num">TTFT</th>
              <th scope="col" className="num">Cost</th>
            </tr>
          </thead>
          <tbody>
            {log.rows.map((r) => <LogRow key={rowId(r)} row={r} currency={currency} />)}
            {log.loaded && log.rows.length === 0 && (
              <tr>
                <td colSpan={10} className="empty">No requests yet. Point Claude Code at the proxy URL above and they will show up here.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function Models({ client, mistral }: { client: string | null; mistral: string | null }) {
  return (
    <span className="models">
      <span>{client ?? '—'}</span>
      <span aria-hidden="true" className="arrow">→</span>
      <span className="sr-only">mapped to</span>
      <span className="mistral">{mistral ?? '—'}</span>
    </span>
  );
}

function LogRow({ row, currency }: { row: Row; currency: CurrencyInfo }) {
  if (row.kind === 'pending') {
    const s = row.started;
    return (
      <tr className="pending">
        <td>{clock(s.startedAt)}</td>
        <td><Models client={s.clientModel} mistral={s.mistralModel} /></td>
        <td>{s.stream ? 'yes' : 'no'}</td>
        <td><span className="pill pill-pending">in flight…</span></td>
        <td colSpan={6} />
      </tr>
    );
  }
  const e = row.entry;
  return (
    <tr className={e.status >= 400 ? 'failed' : undefined}>
      <td>{clock(e.startedAt)}</td>
      <td><Models client={e.clientModel} mistral={e.mistralModel} /></td>
      <td>{e.stream ? 'yes' : 'no'}</td>
      <td><Status entry={e} /></td>
      <td className="num">{int(e.inputTokens)}</td>
      <td className="num">{int(e.outputTokens)}</td>
      <td className="num">{int(e.cachedTokens)}</td>
      <td className="num">{ms(e.latencyMs)}</td>
      <td className="num">{ms(e.ttftMs)}</td>
      <td className={e.costUsd === null ? 'num muted' : 'num'}>{money(e.costUsd, currency)}</td>
    </tr>
  );
}

function Status({ entry }: { entry: LogEntry }) {
  if (entry.status < 400 && !entry.errorType) return <span className="pill pill-ok">{entry.status}</span>;
  const detail = [entry.errorType, entry.errorMessage].filter(Boolean).join(': ');
  return (
    <span className="status-error" title={detail}>
      <span className="pill pill-bad">{entry.status}</span> <span className="err-text">{detail || 'error'}</span>
    </span>
  );
}
