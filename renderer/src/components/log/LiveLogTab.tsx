import { useEffect, useMemo, useRef, useState } from 'react';
import type { LogEntry } from '../../../../app/contract/usage.js';
import { clock, int, money, ms, type CurrencyInfo } from '../../format.js';
import { useCurrency } from '../../settings-context.js';
import { distinctLabels } from '../dashboard/session-label.js';
import { LogDrawer } from './LogDrawer.js';
import { facets, isError, isFiltered, matches, NO_FILTER, type LogFilter } from './filter.js';
import { rowId, type LiveLog, type Row } from './useLiveLog.js';

// The live log: one row per request with merged columns so it fits 980 px (cost pinned right), filters, pause, and
// a detail drawer opened by click or Enter.

const shortSession = (s: string) => (s.length > 10 ? `${s.slice(0, 8)}…` : s);

/** Sessions by their project name (as on the dashboard, two of one name told apart) where a request stated it. */
function sessionNames(rows: Row[]): Map<string, string> {
  const named = new Map<string, string>();
  for (const r of rows) {
    if (r.kind === 'done' && r.entry.sessionId && r.entry.project && !named.has(r.entry.sessionId)) named.set(r.entry.sessionId, r.entry.project);
  }
  return distinctLabels([...named].map(([sessionId, project]) => ({ sessionId, project })));
}

export function LiveLogTab({ log, session, onSessionChange }: { log: LiveLog; session?: string; onSessionChange?: (s: string) => void }) {
  const currency = useCurrency();
  const [filter, setFilter] = useState<LogFilter>({ ...NO_FILTER, session: session ?? '' });
  const [frozen, setFrozen] = useState<Row[] | null>(null);
  const [openId, setOpenId] = useState<string | null>(null);
  const openers = useRef(new Map<string, HTMLButtonElement | null>());

  useEffect(() => {
    if (session !== undefined) setFilter((f) => ({ ...f, session }));
  }, [session]);
  const update = (patch: Partial<LogFilter>) => {
    setFilter((f) => ({ ...f, ...patch }));
    if (patch.session !== undefined) onSessionChange?.(patch.session);
  };

  const source = frozen ?? log.rows;
  const shown = useMemo(() => source.filter((r) => matches(r, filter)), [source, filter]);
  const { models, sessions } = useMemo(() => facets(log.rows), [log.rows]);
  const names = useMemo(() => sessionNames(log.rows), [log.rows]);
  const nameOf = (id: string) => names.get(id) ?? shortSession(id);
  const waiting = frozen ? log.rows.filter((r) => !frozen.some((f) => rowId(f) === rowId(r))).length : 0;
  const open = openId ? log.rows.find((r): r is Extract<Row, { kind: 'done' }> => r.kind === 'done' && r.entry.id === openId)?.entry ?? null : null;

  const close = () => {
    const id = openId;
    setOpenId(null);
    if (id) setTimeout(() => openers.current.get(id)?.focus(), 0);
  };

  return (
    <section className="panel-body" aria-labelledby="log-heading">
      <div className="section-head">
        <h2 id="log-heading">Live log</h2>
        <p className="muted">
          {isFiltered(filter) ? `${shown.length} of ${source.length} requests match.` : `Newest first, the last ${source.length} request${source.length === 1 ? '' : 's'}.`}{' '}
          Select a row for details.
        </p>
      </div>
      <div className="log-toolbar" role="search" aria-label="Filter requests">
        <label className="log-search">
          <span className="sr-only">Search requests</span>
          <input type="search" placeholder="Search id, model, error, session…" value={filter.text} onChange={(e) => update({ text: e.target.value })} />
        </label>
        <label>
          <span className="sr-only">Model</span>
          <select value={filter.model} onChange={(e) => update({ model: e.target.value })} aria-label="Model">
            <option value="">All models</option>
            {models.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </label>
        <label>
          <span className="sr-only">Session</span>
          <select value={filter.session} onChange={(e) => update({ session: e.target.value })} aria-label="Session">
            <option value="">All sessions</option>
            {filter.session && !sessions.includes(filter.session) && <option value={filter.session}>{nameOf(filter.session)}</option>}
            {sessions.map((s) => <option key={s} value={s}>{nameOf(s)}</option>)}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={filter.errorsOnly} onChange={(e) => update({ errorsOnly: e.target.checked })} /> Errors only
        </label>
        <div className="log-actions">
          {isFiltered(filter) && (
            <button type="button" className="btn ghost" onClick={() => update({ ...NO_FILTER })}>
              Clear filters
            </button>
          )}
          <button type="button" className="btn" aria-pressed={frozen !== null} onClick={() => setFrozen(frozen ? null : log.rows)}>
            {frozen ? `Resume${waiting ? ` (${waiting} new)` : ''}` : 'Pause'}
          </button>
          <button type="button" className="btn ghost" onClick={log.clear} disabled={log.rows.length === 0}>
            Clear view
          </button>
        </div>
      </div>
      {frozen && <p className="muted paused-note" role="status">Paused: new requests are collected but not shown until you resume.</p>}
      {log.error && <p role="alert" className="error">Could not load recent requests: {log.error}</p>}
      <div className="table-wrap">
        <table className="log-table">
          <caption className="sr-only">Recent requests</caption>
          <thead>
            <tr>
              <th scope="col" className="c-time">Time</th>
              <th scope="col" className="c-req">Request</th>
              <th scope="col" className="c-status">Status</th>
              <th scope="col" className="num c-tokens">Tokens in / out</th>
              <th scope="col" className="num c-latency">Latency</th>
              <th scope="col" className="num c-cost">Cost</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <LogRow
                key={rowId(r)}
                row={r}
                currency={currency}
                selected={r.kind === 'done' && r.entry.id === openId}
                onOpen={(id) => setOpenId(id)}
                sessionName={nameOf}
                openerRef={(id, el) => openers.current.set(id, el)}
              />
            ))}
            {log.loaded && shown.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  {source.length > 0 ? 'No request matches the filters.' : 'No requests yet. Point Claude Code at the proxy URL above and they will show up here.'}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {open && <LogDrawer entry={open} currency={currency} onClose={close} onSession={(s) => update({ session: s })} />}
    </section>
  );
}

function Models({ client, mistral }: { client: string | null; mistral: string | null }) {
  return (
    <span className="models">
      <span className="client">{client ?? '—'}</span>
      <span aria-hidden="true" className="arrow">→</span>
      <span className="sr-only">mapped to</span>
      <span className="mistral">{mistral ?? '—'}</span>
    </span>
  );
}

interface RowProps {
  row: Row;
  currency: CurrencyInfo;
  selected: boolean;
  onOpen: (id: string) => void;
  openerRef: (id: string, el: HTMLButtonElement | null) => void;
  sessionName: (sessionId: string) => string;
}

function LogRow({ row, currency, selected, onOpen, openerRef, sessionName }: RowProps) {
  if (row.kind === 'pending') {
    const s = row.started;
    return (
      <tr className="pending">
        <td className="c-time">{clock(s.startedAt)}</td>
        <td className="c-req">
          <Models client={s.clientModel} mistral={s.mistralModel} />
          <span className="req-meta">{s.stream ? 'stream' : 'single'}</span>
        </td>
        <td className="c-status"><span className="pill pill-pending">in flight…</span></td>
        <td className="num c-tokens" />
        <td className="num c-latency" />
        <td className="num c-cost" />
      </tr>
    );
  }
  const e = row.entry;
  return (
    <tr className={`${isError(e) ? 'failed ' : ''}${selected ? 'selected ' : ''}clickable`} onClick={() => onOpen(e.id)}>
      <td className="c-time">{clock(e.startedAt)}</td>
      <td className="c-req">
        <button type="button" className="row-open" ref={(el) => openerRef(e.id, el)} onClick={(ev) => { ev.stopPropagation(); onOpen(e.id); }} title="Show details">
          <Models client={e.clientModel} mistral={e.mistralModel} />
        </button>
        <span className="req-meta">
          {e.stream ? 'stream' : 'single'}
          {e.toolCount > 0 ? ` · ${e.toolCount} tool${e.toolCount === 1 ? '' : 's'}` : ''}
          {e.sessionId ? ` · ${sessionName(e.sessionId)}` : ''}
        </span>
      </td>
      <td className="c-status"><Status entry={e} /></td>
      <td className="num c-tokens">
        {int(e.inputTokens)} / {int(e.outputTokens)}
        {e.cachedTokens > 0 && <span className="req-meta">{int(e.cachedTokens)} cached</span>}
      </td>
      <td className="num c-latency">
        {ms(e.latencyMs)}
        {e.ttftMs !== null && <span className="req-meta">TTFT {ms(e.ttftMs)}</span>}
      </td>
      <td className={e.costUsd === null ? 'num c-cost muted' : 'num c-cost'}>{money(e.costUsd, currency)}</td>
    </tr>
  );
}

function Status({ entry }: { entry: LogEntry }) {
  if (!isError(entry)) return <span className="pill pill-ok">{entry.status}</span>;
  return (
    <span className="status-error">
      <span className="pill pill-bad">{entry.status}</span> <span className="err-text">{entry.errorType ?? 'error'}</span>
    </span>
  );
}
