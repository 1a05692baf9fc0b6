// Dashboard aggregates over any time range, fast on millions of rows.
//
// A range [from, to) is cut into at most seven pieces, each read from the cheapest level that is exact for it:
//   • whole local days inside the range          → *_day rollups   (one row per day × model pair / bucket / session)
//   • whole 15-minute slots in the partial days  → *_slot rollups  (≤ 95 slots per edge)
//   • the < 15-minute remainders at both ends    → raw `requests`  (≤ 4 short index range scans)
// The pieces are disjoint and cover the range exactly, so custom ranges that do not align to days are exact too.
// Every statement is prepared once; each report runs three queries (totals by day×model, latency histogram,
// top sessions) whose cost depends on the number of days and slots, not on the number of requests, plus the current
// session (one index step and one session's day rows) and the pacing sums (a partial index holding only the rows
// pacing touched, so their cost follows the number of paced requests).

import type Database from 'better-sqlite3';
import type { Currency } from '../contract/settings.js';
import type {
  DayBucket, LatencyStats, ModelBucket, PacingUsage, SessionBucket, TimeRange, UsageReport, UsageTotals,
} from '../contract/usage.js';
import { percentileOf, TTFT_OFFSET } from './histogram.js';
import { PACED_ROWS } from './schema.js';
import { ceilLocalDay, ceilSlot, localDayKey, localDaysIn, slotOf, startOfLocalDay } from './time.js';

type Db = Database.Database;

/** SQL for "this row is an error": failed requests, but not the user cancelling (client_closed). */
export const ERROR_SQL = `((status >= 400 OR error_type IS NOT NULL) AND coalesce(error_type, '') <> 'client_closed')`;
/** SQL for "this row counts toward latency percentiles": completed successfully. */
export const OK_SQL = `(status < 400 AND error_type IS NULL)`;
/** Label for rows without a model (e.g. a request rejected before model mapping). */
export const NO_MODEL = '(none)';

interface Seg { from: number; to: number }
const EMPTY: Seg = { from: 0, to: 0 };

/** The disjoint pieces of a range, as named SQL parameters. */
export interface RangePlan {
  dFrom: number; dTo: number;
  k1: string; s1From: number; s1To: number; r1aFrom: number; r1aTo: number; r1bFrom: number; r1bTo: number;
  k2: string; s2From: number; s2To: number; r2aFrom: number; r2aTo: number; r2bFrom: number; r2bTo: number;
}

function splitEdge(e: Seg): { slots: Seg; a: Seg; b: Seg } {
  if (!(e.to > e.from)) return { slots: EMPTY, a: EMPTY, b: EMPTY };
  const s = ceilSlot(e.from);
  const t = slotOf(e.to);
  if (s < t) return { slots: { from: s, to: t }, a: { from: e.from, to: s }, b: { from: t, to: e.to } };
  return { slots: EMPTY, a: e, b: EMPTY };
}

export function planRange(range: TimeRange): RangePlan {
  const { from, to } = range;
  let days = EMPTY;
  let edge1 = EMPTY;
  let edge2 = EMPTY;
  let k1 = '';
  let k2 = '';
  if (to > from) {
    const a = ceilLocalDay(from); // first midnight ≥ from
    const b = startOfLocalDay(to); // last midnight ≤ to
    if (a <= b) {
      days = { from: a, to: b };
      edge1 = { from, to: a };
      edge2 = { from: b, to };
      k1 = localDayKey(from);
      k2 = localDayKey(b);
    } else {
      edge1 = { from, to }; // no midnight inside: one partial day
      k1 = localDayKey(from);
    }
  }
  const e1 = splitEdge(edge1);
  const e2 = splitEdge(edge2);
  return {
    dFrom: days.from, dTo: days.to,
    k1, s1From: e1.slots.from, s1To: e1.slots.to, r1aFrom: e1.a.from, r1aTo: e1.a.to, r1bFrom: e1.b.from, r1bTo: e1.b.to,
    k2, s2From: e2.slots.from, s2To: e2.slots.to, r2aFrom: e2.a.from, r2aTo: e2.a.to, r2bFrom: e2.b.from, r2bTo: e2.b.to,
  };
}

const DAY_WHERE = 'day_start >= @dFrom AND day_start < @dTo AND day_end <= @dTo';
const RAW = [
  ['k1', 'r1a'], ['k1', 'r1b'], ['k2', 'r2a'], ['k2', 'r2b'],
] as const;
const rawWhere = (r: string) => `started_at >= @${r}From AND started_at < @${r}To`;

const TOTAL_COLS = 'requests, errors, unpriced, input_tokens, output_tokens, cached_tokens, cost_nusd';
const RAW_TOTAL_COLS = `1, ${ERROR_SQL}, cost_nusd IS NULL, input_tokens, output_tokens, cached_tokens, coalesce(cost_nusd, 0)`;
const SUMS = `SUM(requests) requests, SUM(errors) errors, SUM(unpriced) unpriced, SUM(input_tokens) input_tokens,
  SUM(output_tokens) output_tokens, SUM(cached_tokens) cached_tokens, SUM(cost_nusd) cost_nusd`;

const AGG_SQL = `
SELECT day, mistral_model, client_model, ${SUMS} FROM (
  SELECT day, mistral_model, client_model, ${TOTAL_COLS} FROM agg_day WHERE ${DAY_WHERE}
  UNION ALL SELECT @k1, mistral_model, client_model, ${TOTAL_COLS} FROM agg_slot WHERE slot >= @s1From AND slot < @s1To
  UNION ALL SELECT @k2, mistral_model, client_model, ${TOTAL_COLS} FROM agg_slot WHERE slot >= @s2From AND slot < @s2To
  ${RAW.map(([k, r]) => `UNION ALL SELECT @${k}, coalesce(mistral_model, ''), coalesce(client_model, ''), ${RAW_TOTAL_COLS}
    FROM requests WHERE ${rawWhere(r)}`).join('\n  ')}
) GROUP BY day, mistral_model, client_model`;

const HIST_SQL = `
SELECT bucket, SUM(n) n FROM (
  SELECT bucket, n FROM hist_day WHERE ${DAY_WHERE}
  UNION ALL SELECT bucket, n FROM hist_slot WHERE slot >= @s1From AND slot < @s1To
  UNION ALL SELECT bucket, n FROM hist_slot WHERE slot >= @s2From AND slot < @s2To
  ${RAW.map(([, r]) => `UNION ALL SELECT ccp_bucket(latency_ms), 1 FROM requests WHERE ${rawWhere(r)} AND ${OK_SQL}
  UNION ALL SELECT ${TTFT_OFFSET} + ccp_bucket(ttft_ms), 1 FROM requests WHERE ${rawWhere(r)} AND ${OK_SQL} AND ttft_ms IS NOT NULL`).join('\n  ')}
) GROUP BY bucket ORDER BY bucket`;

const SESS_SQL = `
SELECT session_id, ${SUMS}, MIN(first_at) first_at, MAX(last_at) last_at FROM (
  SELECT session_id, ${TOTAL_COLS}, first_at, last_at FROM sess_day WHERE ${DAY_WHERE}
  UNION ALL SELECT session_id, ${TOTAL_COLS}, first_at, last_at FROM sess_slot WHERE slot >= @s1From AND slot < @s1To
  UNION ALL SELECT session_id, ${TOTAL_COLS}, first_at, last_at FROM sess_slot WHERE slot >= @s2From AND slot < @s2To
  ${RAW.map(([, r]) => `UNION ALL SELECT session_id, ${RAW_TOTAL_COLS}, started_at, started_at FROM requests
    WHERE ${rawWhere(r)} AND session_id IS NOT NULL AND session_id <> ''`).join('\n  ')}
) GROUP BY session_id ORDER BY cost_nusd DESC, requests DESC, session_id LIMIT @limit`;

// Pacing facts live only in the raw rows (no rollup); the WHERE repeats the partial index's condition (schema v4)
// so SQLite reads only the rows pacing touched.
const PACING_SQL = `SELECT coalesce(SUM(queued_ms > 0), 0) paced, coalesce(SUM(queued_ms), 0) wait_ms,
  coalesce(SUM(retries), 0) retries, coalesce(SUM(fallback_from IS NOT NULL), 0) fallbacks
  FROM requests WHERE started_at >= ? AND started_at < ? AND ${PACED_ROWS}`;

// The newest request that names a session (walks the started_at index backwards), then that session's totals from
// its per-day rollup, which every insert feeds, so they cover every kept record of the session.
const LATEST_SESSION_SQL = `SELECT session_id FROM requests WHERE session_id IS NOT NULL AND session_id <> ''
  ORDER BY started_at DESC, seq DESC LIMIT 1`;
const SESSION_TOTALS_SQL = `SELECT session_id, ${SUMS}, MIN(first_at) first_at, MAX(last_at) last_at FROM sess_day
  WHERE session_id = ? GROUP BY session_id`;

interface TotalsRow {
  requests: number; errors: number; unpriced: number; input_tokens: number; output_tokens: number;
  cached_tokens: number; cost_nusd: number;
}
interface AggRow extends TotalsRow { day: string; mistral_model: string; client_model: string }
interface SessRow extends TotalsRow { session_id: string; first_at: number; last_at: number }

/** Running totals in integer nano-dollars; converted to USD once at the end so sums stay exact. */
class Acc {
  requests = 0; errors = 0; unpriced = 0; inputTokens = 0; outputTokens = 0; cachedTokens = 0; costNano = 0;
  add(r: TotalsRow): void {
    this.requests += r.requests; this.errors += r.errors; this.unpriced += r.unpriced;
    this.inputTokens += r.input_tokens; this.outputTokens += r.output_tokens; this.cachedTokens += r.cached_tokens;
    this.costNano += r.cost_nusd;
  }
  totals(): UsageTotals {
    return {
      requests: this.requests, errors: this.errors, inputTokens: this.inputTokens, outputTokens: this.outputTokens,
      cachedTokens: this.cachedTokens, costUsd: this.costNano / 1e9, unpricedRequests: this.unpriced,
    };
  }
}

export interface ReportOptions {
  currency?: Currency;
  eurPerUsd?: number;
  topSessions?: number;
}

const byCost = <T extends UsageTotals & { model: string }>(a: T, b: T) =>
  b.costUsd - a.costUsd || b.requests - a.requests || a.model.localeCompare(b.model);

export class UsageQueries {
  private readonly agg: Database.Statement;
  private readonly hist: Database.Statement;
  private readonly sess: Database.Statement;
  private readonly sessName: Database.Statement;
  private readonly pacingStmt: Database.Statement;
  private readonly latestSession: Database.Statement;
  private readonly sessionTotals: Database.Statement;

  constructor(db: Db) {
    this.pacingStmt = db.prepare(PACING_SQL);
    this.latestSession = db.prepare(LATEST_SESSION_SQL).pluck();
    this.sessionTotals = db.prepare(SESSION_TOTALS_SQL);
    this.agg = db.prepare(AGG_SQL);
    this.hist = db.prepare(HIST_SQL).raw(true);
    this.sess = db.prepare(SESS_SQL);
    this.sessName = db.prepare('SELECT project FROM session_names WHERE session_id = ?').pluck();
  }

  /** Totals only (one query): used to seed budgets and by callers that need a single number. */
  totals(range: TimeRange): UsageTotals {
    const acc = new Acc();
    for (const r of this.agg.all(planRange(range)) as AggRow[]) acc.add(r);
    return acc.totals();
  }

  /** Latency percentiles over successful requests in the range (see histogram.ts for precision). */
  latency(range: TimeRange): LatencyStats {
    const rows = this.hist.all(planRange(range)) as Array<[number, number]>;
    const total = rows.filter(([b]) => b < TTFT_OFFSET);
    const ttft = rows.filter(([b]) => b >= TTFT_OFFSET).map(([b, n]) => [b - TTFT_OFFSET, n] as [number, number]);
    return {
      p50: percentileOf(total, 0.5), p90: percentileOf(total, 0.9), p99: percentileOf(total, 0.99),
      ttftP50: percentileOf(ttft, 0.5), ttftP90: percentileOf(ttft, 0.9),
    };
  }

  topSessions(range: TimeRange, limit = 10): SessionBucket[] {
    const rows = this.sess.all({ ...planRange(range), limit: Math.max(0, Math.floor(limit)) }) as SessRow[];
    return rows.map((r) => this.sessionBucket(r));
  }

  private sessionBucket(r: SessRow): SessionBucket {
    const acc = new Acc();
    acc.add(r);
    const project = (this.sessName.get(r.session_id) as string | undefined) ?? null;
    return { ...acc.totals(), sessionId: r.session_id, firstAt: r.first_at, lastAt: r.last_at, project };
  }

  /** The most recent Claude Code session and its totals over every kept record; null when no request named one. */
  currentSession(): SessionBucket | null {
    const id = this.latestSession.get() as string | undefined;
    if (!id) return null;
    const row = this.sessionTotals.get(id) as SessRow | undefined;
    return row ? this.sessionBucket(row) : null;
  }

  /** What pacing did in the range: requests that waited instead of drawing a 429, the time waited, retries, fallbacks. */
  pacing(range: TimeRange): PacingUsage {
    const r = this.pacingStmt.get(range.from, range.to) as { paced: number; wait_ms: number; retries: number; fallbacks: number };
    return { paced: r.paced, waitMs: r.wait_ms, retries: r.retries, fallbacks: r.fallbacks };
  }

  report(range: TimeRange, opts: ReportOptions = {}): UsageReport {
    const plan = planRange(range);
    const rows = this.agg.all(plan) as AggRow[];
    const all = new Acc();
    const days = new Map<string, Acc>(localDaysIn(range).map((k) => [k, new Acc()]));
    const models = new Map<string, Acc>();
    const clients = new Map<string, Acc>();
    const bump = (m: Map<string, Acc>, k: string, r: AggRow) => {
      let a = m.get(k);
      if (!a) m.set(k, (a = new Acc()));
      a.add(r);
    };
    for (const r of rows) {
      all.add(r);
      bump(days, r.day, r);
      bump(models, r.mistral_model || NO_MODEL, r);
      bump(clients, r.client_model || NO_MODEL, r);
    }
    const totals = all.totals();
    const byDay: DayBucket[] = [...days.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([day, a]) => ({ day, ...a.totals() }));
    const byModel: ModelBucket[] = [...models.entries()].map(([model, a]) => ({ model, ...a.totals() })).sort(byCost);
    const byClientModel: ModelBucket[] = [...clients.entries()].map(([model, a]) => ({ model, ...a.totals() })).sort(byCost);
    return {
      range: { from: range.from, to: range.to },
      totals,
      byDay,
      byModel,
      byClientModel,
      latency: this.latency(range),
      errorRate: totals.requests > 0 ? totals.errors / totals.requests : 0,
      topSessions: this.topSessions(range, opts.topSessions ?? 10),
      currentSession: this.currentSession(),
      pacing: this.pacing(range),
      currency: opts.currency ?? 'USD',
      eurPerUsd: opts.eurPerUsd ?? 1,
    };
  }
}
