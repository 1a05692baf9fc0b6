// A deliberately naive reference implementation of UsageReport: filter every entry, group in memory.
// The ledger's three-level rollup queries must agree with it on any range.
import type { LogEntry, TimeRange, UsageTotals } from '../../app/contract/usage.js';
import { bucketOf, bucketValue } from '../../app/usage/histogram.js';
import { localDayKey, localDaysIn } from '../../app/usage/time.js';

const isError = (e: LogEntry) => (e.status >= 400 || e.errorType != null) && e.errorType !== 'client_closed';
const isOk = (e: LogEntry) => e.status < 400 && e.errorType == null;

function totals(list: LogEntry[]): UsageTotals {
  let nano = 0;
  const t = { requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, costUsd: 0, unpricedRequests: 0 };
  for (const e of list) {
    t.requests++;
    if (isError(e)) t.errors++;
    t.inputTokens += e.inputTokens;
    t.outputTokens += e.outputTokens;
    t.cachedTokens += e.cachedTokens;
    if (e.costUsd === null) t.unpricedRequests++;
    else nano += Math.round(e.costUsd * 1e9);
  }
  t.costUsd = nano / 1e9;
  return t;
}

function group(list: LogEntry[], key: (e: LogEntry) => string): Map<string, LogEntry[]> {
  const m = new Map<string, LogEntry[]>();
  for (const e of list) {
    const k = key(e);
    m.set(k, [...(m.get(k) ?? []), e]);
  }
  return m;
}

/** Nearest-rank percentile, then snapped to its histogram bucket (the ledger's documented precision). */
function pct(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const v = sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1];
  return bucketValue(bucketOf(v));
}

export function oracleReport(all: LogEntry[], range: TimeRange, topN = 10) {
  const list = all.filter((e) => e.startedAt >= range.from && e.startedAt < range.to);
  const tot = totals(list);
  const days = group(list, (e) => localDayKey(e.startedAt));
  const byDay = localDaysIn(range).map((day) => ({ day, ...totals(days.get(day) ?? []) }));
  const models = (key: (e: LogEntry) => string) =>
    [...group(list, key).entries()]
      .map(([model, l]) => ({ model, ...totals(l) }))
      .sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests || a.model.localeCompare(b.model));
  const ok = list.filter(isOk);
  const lat = ok.map((e) => e.latencyMs);
  const ttft = ok.filter((e) => e.ttftMs !== null).map((e) => e.ttftMs as number);
  const sessions = [...group(list.filter((e) => e.sessionId), (e) => e.sessionId as string).entries()]
    .map(([sessionId, l]) => ({
      ...totals(l), sessionId, firstAt: Math.min(...l.map((e) => e.startedAt)), lastAt: Math.max(...l.map((e) => e.startedAt)), project: null,
    }))
    .sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests || (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0))
    .slice(0, topN);
  return {
    totals: tot,
    byDay,
    byModel: models((e) => e.mistralModel || '(none)'),
    byClientModel: models((e) => e.clientModel || '(none)'),
    latency: { p50: pct(lat, 0.5), p90: pct(lat, 0.9), p99: pct(lat, 0.99), ttftP50: pct(ttft, 0.5), ttftP90: pct(ttft, 0.9) },
    errorRate: tot.requests ? tot.errors / tot.requests : 0,
    topSessions: sessions,
  };
}
