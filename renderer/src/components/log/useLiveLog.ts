import { useEffect, useState } from 'react';
import type { EventMap } from '../../../../app/contract/api.js';
import type { LogEntry } from '../../../../app/contract/usage.js';
import { api, errorMessage } from '../../api.js';

// The live log's rows: `logs.recent` once, then 'request.started' (an in-flight row) and 'request.finished' (the
// final row, same id). Kept at the app level so no event is missed while another tab is open.

export const MAX_ROWS = 200;

export type Row = { kind: 'done'; entry: LogEntry } | { kind: 'pending'; started: EventMap['request.started'] };

export const rowId = (r: Row) => (r.kind === 'done' ? r.entry.id : r.started.id);
const rowTime = (r: Row) => (r.kind === 'done' ? r.entry.startedAt : r.started.startedAt);

/** Newest first; a finished entry replaces its pending row; at most MAX_ROWS. */
export function mergeRows(rows: Row[], incoming: Row[]): Row[] {
  const byId = new Map(rows.map((r) => [rowId(r), r]));
  for (const r of incoming) {
    const old = byId.get(rowId(r));
    // Never downgrade a finished row to pending (events and logs.recent can arrive in either order).
    if (old?.kind === 'done' && r.kind === 'pending') continue;
    byId.set(rowId(r), r);
  }
  return [...byId.values()].sort((a, b) => rowTime(b) - rowTime(a)).slice(0, MAX_ROWS);
}

export interface LiveLog {
  rows: Row[];
  error: string | null;
  loaded: boolean;
  clear: () => void;
}

export function useLiveLog(): LiveLog {
  const [rows, setRows] = useState<Row[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    let live = true;
    // Subscribe first, then load: anything that happens in between is merged by id, not lost.
    const offStarted = api.on('request.started', (started) => setRows((rs) => mergeRows(rs, [{ kind: 'pending', started }])));
    const offFinished = api.on('request.finished', (entry) => setRows((rs) => mergeRows(rs, [{ kind: 'done', entry }])));
    api.invoke('logs.recent', { limit: MAX_ROWS }).then(
      (entries) => {
        if (!live) return;
        setRows((rs) => mergeRows(rs, entries.map((entry) => ({ kind: 'done' as const, entry }))));
        setLoaded(true);
      },
      (err) => {
        if (!live) return;
        setError(errorMessage(err));
        setLoaded(true);
      },
    );
    return () => {
      live = false;
      offStarted();
      offFinished();
    };
  }, []);

  return { rows, error, loaded, clear: () => setRows([]) };
}
