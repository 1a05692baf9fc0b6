// The usage ledger: one SQLite row per proxied request.
//
// Two write paths. record() writes one row in its own transaction at once (imports, tests, tools). enqueue() is the
// proxy's: rows wait in memory at most `batchMs` (100 ms) and are then written together in ONE transaction, so the
// cost of a commit is paid once per batch instead of once per request. A lone request (nothing written in the last
// batchMs) is written on the next turn of the event loop. Every read flushes the queue first, and close() flushes,
// so readers and a clean shutdown never miss a row; a crash (SIGKILL) loses at most the last batchMs of rows.
// Durability: WAL + synchronous=NORMAL: a committed batch survives a process crash; on power loss the last WAL
// commits since the checkpoint may go — never a corrupt file. The raw row and every rollup row it touches are
// written in the same transaction.
// Checkpoints: SQLite's automatic checkpoint runs inside the commit that crosses wal_autocheckpoint pages, i.e.
// inside whichever write happens to be unlucky, stalling the event loop at p99. Here the automatic threshold is
// raised to a safety cap and a timer runs a PASSIVE checkpoint when the ledger is idle (or at least every few
// seconds under constant load), so a checkpoint is never part of a request's write.
// Damage: the file is checked at open (PRAGMA quick_check); a damaged file is moved aside with its -wal/-shm as
// usage.corrupt-<time>.sqlite, a fresh ledger is started and every row still readable is copied into it.
// Permissions: the file (and so SQLite's -wal/-shm, which copy its mode) is created 0600, the directory 0700.
// Safety: record()/enqueue() never throw; a failure goes to onError and the proxy carries on.
// Concurrency: writers take the lock up front (BEGIN IMMEDIATE) and wait up to busy_timeout, so two ledgers
// (or two processes) on one file interleave instead of failing with SQLITE_BUSY mid-transaction.

import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { LatencyStats, LogEntry, SessionBucket, TimeRange, UsageReport, UsageTotals } from '../contract/usage.js';
import { CSV_HEADER, csvLine } from './export.js';
import { bucketOf, TTFT_OFFSET } from './histogram.js';
import { nanoToDecimal, usdToNano } from './pricing.js';
import { ERROR_SQL, OK_SQL, UsageQueries, type ReportOptions } from './queries.js';
import { migrate } from './schema.js';
import { addLocalDays, currentTimeZone, FINGERPRINT_PREFIX, localDayOf, localDaysFingerprint, slotOf, startOfLocalDay, SLOT_MS, type LocalDay } from './time.js';

type Db = Database.Database;

export interface UsageLedgerOptions {
  /** Called when a write (or a maintenance step) fails. Default: one line on stderr. Must not throw (guarded). */
  onError?: (err: unknown, entry?: LogEntry) => void;
  /**
   * How long a write waits for another writer's lock, in ms. better-sqlite3 is synchronous, so this is also the
   * longest a record() can stall the event loop; writes are sub-millisecond, so waits are normally tiny.
   */
  busyTimeoutMs?: number;
  /** Longest an enqueued row waits before its batch is written, ms (default 100). */
  batchMs?: number;
  /** Period of the idle checkpoint timer, ms (default 1000; 0 = leave checkpoints to SQLite). */
  checkpointMs?: number;
}

/** Default batching window: the most a crash can lose, stated in the README. */
export const BATCH_MS = 100;
/** Automatic checkpoint only as a safety cap (pages, ~16 MB): the timer normally checkpoints long before. */
const AUTOCHECKPOINT_PAGES = 4000;
/** Under constant load (never idle), checkpoint at least this often. */
const CHECKPOINT_MAX_GAP_MS = 5000;
/** "Idle" for the checkpoint timer: no batch written for this long. */
const IDLE_MS = 250;

/** The outcome of opening a damaged file: where it went and how many rows were copied back. */
export interface LedgerRecovery { movedTo: string; recoveredRows: number; reason: string }

/** One raw row as stored. */
interface RawRow {
  id: string; started_at: number; path: string; client_model: string | null; mistral_model: string | null;
  stream: number; status: number; error_type: string | null; error_message: string | null; stop_reason: string | null;
  input_tokens: number; output_tokens: number; cached_tokens: number; cost_nusd: number | null; latency_ms: number;
  ttft_ms: number | null; tool_count: number; session_id: string | null;
  queued_ms: number; retries: number; fallback_from: string | null; fallback_reason: string | null;
  /** Not a column of `requests`: goes to session_names (the first one stated for a session wins). */
  project: string | null;
}

const int = (n: unknown): number => (typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.round(n) : 0);
const intOrNull = (n: unknown): number | null => (typeof n === 'number' && Number.isFinite(n) ? Math.max(0, Math.round(n)) : null);
const str = (s: unknown): string | null => (typeof s === 'string' ? s : s == null ? null : String(s));

/** Mirrors ERROR_SQL for the insert path (client_closed is the user cancelling, not a failure). */
export function isError(e: Pick<LogEntry, 'status' | 'errorType'>): boolean {
  return (e.status >= 400 || e.errorType != null) && e.errorType !== 'client_closed';
}
/** Mirrors OK_SQL: only completed requests feed the latency percentiles. */
export function isOk(e: Pick<LogEntry, 'status' | 'errorType'>): boolean {
  return e.status < 400 && e.errorType == null;
}

function toRaw(e: LogEntry): RawRow {
  if (!e || typeof e.id !== 'string' || !e.id) throw new TypeError('usage record without an id');
  if (typeof e.startedAt !== 'number' || !Number.isFinite(e.startedAt)) throw new TypeError(`usage record ${e.id}: bad startedAt`);
  return {
    id: e.id, started_at: Math.round(e.startedAt), path: str(e.path) ?? '', client_model: str(e.clientModel),
    mistral_model: str(e.mistralModel), stream: e.stream ? 1 : 0, status: Math.round(Number(e.status) || 0),
    error_type: str(e.errorType), error_message: str(e.errorMessage), stop_reason: str(e.stopReason),
    input_tokens: int(e.inputTokens), output_tokens: int(e.outputTokens), cached_tokens: int(e.cachedTokens),
    cost_nusd: usdToNano(e.costUsd ?? null), latency_ms: int(e.latencyMs), ttft_ms: intOrNull(e.ttftMs),
    tool_count: int(e.toolCount), session_id: str(e.sessionId) || null,
    queued_ms: int(e.queuedMs), retries: int(e.retries), fallback_from: str(e.fallbackFrom), fallback_reason: str(e.fallbackReason),
    project: str(e.project)?.slice(0, 400) || null,
  };
}

function fromRaw(r: RawRow): LogEntry {
  return {
    id: r.id, startedAt: r.started_at, path: r.path, clientModel: r.client_model, mistralModel: r.mistral_model,
    stream: r.stream === 1, status: r.status, errorType: r.error_type, errorMessage: r.error_message,
    stopReason: r.stop_reason, inputTokens: r.input_tokens, outputTokens: r.output_tokens, cachedTokens: r.cached_tokens,
    latencyMs: r.latency_ms, ttftMs: r.ttft_ms, toolCount: r.tool_count, sessionId: r.session_id,
    costUsd: r.cost_nusd === null ? null : r.cost_nusd / 1e9,
    // Pacing facts only where pacing did something, so rows (and exports) of plain requests keep their old shape.
    ...(r.queued_ms ? { queuedMs: r.queued_ms } : {}),
    ...(r.retries ? { retries: r.retries } : {}),
    ...(r.fallback_from ? { fallbackFrom: r.fallback_from, fallbackReason: r.fallback_reason } : {}),
    // Read back through a join with session_names (READ_COLS), as the live log carries it.
    ...(r.session_id && r.project ? { project: r.project } : {}),
  };
}

/** A request row with its session's project, for every read that returns LogEntry. */
const READ_COLS = 'r.*, n.project AS project FROM requests r LEFT JOIN session_names n ON n.session_id = r.session_id';

// Rollup upserts add a batch's sums (see RollupSums), so a batch of n rows costs one upsert per distinct key, not n.
const TOTALS_UPSERT = `ON CONFLICT DO UPDATE SET requests = requests + excluded.requests, errors = errors + excluded.errors,
  unpriced = unpriced + excluded.unpriced, input_tokens = input_tokens + excluded.input_tokens,
  output_tokens = output_tokens + excluded.output_tokens, cached_tokens = cached_tokens + excluded.cached_tokens,
  cost_nusd = cost_nusd + excluded.cost_nusd`;
const TOTALS_COLS = 'requests, errors, unpriced, input_tokens, output_tokens, cached_tokens, cost_nusd';
const TOTALS_VALS = '@requests, @errors, @unpriced, @input_tokens, @output_tokens, @cached_tokens, @cost';

const SQL = {
  insert: `INSERT OR IGNORE INTO requests (id, started_at, path, client_model, mistral_model, stream, status, error_type,
    error_message, stop_reason, input_tokens, output_tokens, cached_tokens, cost_nusd, latency_ms, ttft_ms, tool_count,
    session_id, queued_ms, retries, fallback_from, fallback_reason) VALUES (${Array(22).fill('?').join(', ')})`,
  aggDay: `INSERT INTO agg_day (day_start, day_end, day, mistral_model, client_model, ${TOTALS_COLS})
    VALUES (@day_start, @day_end, @day, @mm, @cm, ${TOTALS_VALS}) ${TOTALS_UPSERT}`,
  aggSlot: `INSERT INTO agg_slot (slot, mistral_model, client_model, ${TOTALS_COLS})
    VALUES (@slot, @mm, @cm, ${TOTALS_VALS}) ${TOTALS_UPSERT}`,
  histDay: `INSERT INTO hist_day (day_start, day_end, bucket, n) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n`,
  sessName: `INSERT OR IGNORE INTO session_names (session_id, project) VALUES (?, ?)`,
  histSlot: `INSERT INTO hist_slot (slot, bucket, n) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n`,
  sessDay: `INSERT INTO sess_day (day_start, day_end, session_id, ${TOTALS_COLS}, first_at, last_at)
    VALUES (@day_start, @day_end, @session_id, ${TOTALS_VALS}, @first_at, @last_at) ${TOTALS_UPSERT},
    first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at)`,
  sessSlot: `INSERT INTO sess_slot (slot, session_id, ${TOTALS_COLS}, first_at, last_at)
    VALUES (@slot, @session_id, ${TOTALS_VALS}, @first_at, @last_at) ${TOTALS_UPSERT},
    first_at = min(first_at, excluded.first_at), last_at = max(last_at, excluded.last_at)`,
};

/** Counters every totals rollup row carries. */
interface Totals { requests: number; errors: number; unpriced: number; input_tokens: number; output_tokens: number; cached_tokens: number; cost: number }

const addTotals = (into: Totals, t: Totals): void => {
  into.requests += t.requests; into.errors += t.errors; into.unpriced += t.unpriced; into.input_tokens += t.input_tokens;
  into.output_tokens += t.output_tokens; into.cached_tokens += t.cached_tokens; into.cost += t.cost;
};

/**
 * The rollup rows a set of new raw rows adds to, summed per key in memory, then written with one upsert per key:
 * a 100 ms batch of a busy session touches the same few rollup rows for every request.
 */
class RollupSums {
  readonly aggDay = new Map<string, Totals & { day_start: number; day_end: number; day: string; mm: string; cm: string }>();
  readonly aggSlot = new Map<string, Totals & { slot: number; mm: string; cm: string }>();
  readonly histDay = new Map<string, [number, number, number, number]>();
  readonly histSlot = new Map<string, [number, number, number]>();
  readonly sessDay = new Map<string, Totals & { day_start: number; day_end: number; session_id: string; first_at: number; last_at: number }>();
  readonly sessSlot = new Map<string, Totals & { slot: number; session_id: string; first_at: number; last_at: number }>();
  readonly sessName = new Map<string, string>();

  add(row: RawRow, day: LocalDay): void {
    const at = row.started_at;
    const slot = slotOf(at);
    const entryLike = { status: row.status, errorType: row.error_type };
    const t: Totals = {
      requests: 1, errors: isError(entryLike) ? 1 : 0, unpriced: row.cost_nusd === null ? 1 : 0, input_tokens: row.input_tokens,
      output_tokens: row.output_tokens, cached_tokens: row.cached_tokens, cost: row.cost_nusd ?? 0,
    };
    const mm = row.mistral_model ?? '';
    const cm = row.client_model ?? '';
    // Keys are JSON arrays: model names and session ids come from clients and may contain any separator.
    sum(this.aggDay, JSON.stringify([day.start, mm, cm]), t, () => ({ day_start: day.start, day_end: day.end, day: day.key, mm, cm }));
    sum(this.aggSlot, JSON.stringify([slot, mm, cm]), t, () => ({ slot, mm, cm }));
    if (isOk(entryLike)) {
      const buckets = [bucketOf(row.latency_ms)];
      if (row.ttft_ms !== null) buckets.push(TTFT_OFFSET + bucketOf(row.ttft_ms));
      for (const b of buckets) {
        const d = this.histDay.get(`${day.start} ${b}`);
        if (d) d[3]++;
        else this.histDay.set(`${day.start} ${b}`, [day.start, day.end, b, 1]);
        const s = this.histSlot.get(`${slot} ${b}`);
        if (s) s[2]++;
        else this.histSlot.set(`${slot} ${b}`, [slot, b, 1]);
      }
    }
    if (row.session_id) {
      const sid = row.session_id;
      const seen = (x: { first_at: number; last_at: number }) => {
        x.first_at = Math.min(x.first_at, at);
        x.last_at = Math.max(x.last_at, at);
      };
      seen(sum(this.sessDay, JSON.stringify([day.start, sid]), t, () => ({ day_start: day.start, day_end: day.end, session_id: sid, first_at: at, last_at: at })));
      seen(sum(this.sessSlot, JSON.stringify([slot, sid]), t, () => ({ slot, session_id: sid, first_at: at, last_at: at })));
      // The first name stated for a session wins, as INSERT OR IGNORE does row by row.
      if (row.project && !this.sessName.has(sid)) this.sessName.set(sid, row.project);
    }
  }
}

function sum<K extends object>(map: Map<string, Totals & K>, key: string, t: Totals, keyOf: () => K): Totals & K {
  let x = map.get(key);
  if (!x) map.set(key, (x = { ...keyOf(), requests: 0, errors: 0, unpriced: 0, input_tokens: 0, output_tokens: 0, cached_tokens: 0, cost: 0 }));
  addTotals(x, t);
  return x;
}

const ROLLUP_TABLES = ['agg_day', 'agg_slot', 'hist_day', 'hist_slot', 'sess_day', 'sess_slot'] as const;

export class UsageLedger {
  readonly path: string;
  private readonly db: Db;
  private readonly queries: UsageQueries;
  private readonly onError: (err: unknown, entry?: LogEntry) => void;
  private readonly stmt: Record<keyof typeof SQL, Database.Statement>;
  private readonly writeOne: Database.Transaction<(row: RawRow) => boolean>;
  private readonly writeBatch: Database.Transaction<(rows: RawRow[]) => number>;
  private dayCache: LocalDay | null = null;
  /** Set when the file was damaged at open and replaced by a fresh one. */
  readonly recovery: LedgerRecovery | null = null;
  private readonly batchMs: number;
  private queue: RawRow[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private flushImmediate: NodeJS.Immediate | null = null;
  private lastFlushAt = 0;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private dirtySinceCheckpoint = false;
  private lastCheckpointAt = Date.now();

  /**
   * Opens (creating if needed) and migrates the database. A damaged file is moved aside and replaced (see
   * `recovery`). Throws if the file cannot be opened for another reason or was written by a newer build.
   */
  constructor(path: string, opts: UsageLedgerOptions = {}) {
    this.path = path;
    const report = opts.onError ?? ((err: unknown) => console.error(`[ccproxy usage] ${err instanceof Error ? err.message : String(err)}`));
    this.onError = (err, entry) => {
      try { report(err, entry); } catch { /* a broken error handler must not break the proxy either */ }
    };
    this.batchMs = Math.max(0, opts.batchMs ?? BATCH_MS);
    const onDisk = path !== ':memory:' && path !== '';
    const busyMs = Math.max(0, Math.round(opts.busyTimeoutMs ?? 2000));
    if (onDisk) prepareFile(path);
    let damaged: Error | null = null;
    let db: Db;
    try {
      db = openDatabase(path, busyMs);
    } catch (err) {
      if (!onDisk || !isDamage(err)) throw err;
      damaged = err as Error;
      const movedTo = moveAside(path);
      prepareFile(path);
      db = openDatabase(path, busyMs);
      this.recovery = { movedTo, recoveredRows: 0, reason: damaged.message };
    }
    this.db = db;
    try {
      this.stmt = Object.fromEntries(Object.entries(SQL).map(([k, v]) => [k, this.db.prepare(v)])) as Record<keyof typeof SQL, Database.Statement>;
      this.queries = new UsageQueries(this.db);
      this.writeOne = this.db.transaction((row: RawRow) => this.insertRows([row]) === 1);
      this.writeBatch = this.db.transaction((rows: RawRow[]) => this.insertRows(rows));
      this.checkTimeZone();
      if (this.recovery) this.recovery.recoveredRows = this.salvage(this.recovery.movedTo);
    } catch (err) {
      this.db.close();
      throw err;
    }
    const every = opts.checkpointMs ?? 1000;
    if (onDisk && every > 0) {
      this.db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
      this.checkpointTimer = setInterval(() => this.idleCheckpoint(), every).unref();
    }
  }

  /**
   * Stores one finished request at once, in its own transaction. Never throws: on failure (disk full, closed db,
   * lock timeout, bad entry) onError is called and false returned. Idempotent per id: a repeated id is ignored
   * (returns false).
   */
  record(entry: LogEntry): boolean {
    this.flush();
    try {
      const ok = this.writeOne.immediate(toRaw(entry));
      this.dirtySinceCheckpoint = true;
      return ok;
    } catch (err) {
      this.onError(err, entry);
      return false;
    }
  }

  /**
   * The proxy's write path: queues the row and writes it with the others of the same `batchMs` window in one
   * transaction (a lone row goes out on the next event-loop turn). Never throws; a bad entry is reported at once.
   * Returns false when the entry was refused (no id, bad time) or the ledger is closed.
   */
  enqueue(entry: LogEntry): boolean {
    if (!this.db.open) {
      this.onError(new Error('usage ledger is closed'), entry);
      return false;
    }
    let row: RawRow;
    try {
      row = toRaw(entry);
    } catch (err) {
      this.onError(err, entry);
      return false;
    }
    this.queue.push(row);
    if (this.flushTimer || this.flushImmediate) return true;
    const wait = this.lastFlushAt + this.batchMs - Date.now();
    if (wait <= 0) this.flushImmediate = setImmediate(() => this.flush());
    else this.flushTimer = setTimeout(() => this.flush(), wait).unref();
    return true;
  }

  /** Rows queued by enqueue() and not yet written. */
  get pendingRows(): number {
    return this.queue.length;
  }

  /**
   * Writes every queued row now, in one transaction. Returns the rows inserted. If the batch fails (disk full, lock
   * timeout) each row is retried alone, so one bad row cannot take its neighbours down; a row that still fails
   * goes to onError.
   */
  flush(): number {
    if (this.flushTimer) { clearTimeout(this.flushTimer); this.flushTimer = null; }
    if (this.flushImmediate) { clearImmediate(this.flushImmediate); this.flushImmediate = null; }
    if (this.queue.length === 0) return 0;
    const rows = this.queue;
    this.queue = [];
    this.lastFlushAt = Date.now();
    if (!this.db.open) {
      for (const row of rows) this.onError(new Error('usage ledger is closed'), fromRaw(row));
      return 0;
    }
    this.dirtySinceCheckpoint = true;
    try {
      return this.writeBatch.immediate(rows);
    } catch {
      let n = 0;
      for (const row of rows) {
        try {
          if (this.writeOne.immediate(row)) n++;
        } catch (err) {
          this.onError(err, fromRaw(row));
        }
      }
      return n;
    }
  }

  /** Timer: a PASSIVE checkpoint when writes pause (or every few seconds if they never do). Never blocks on readers. */
  private idleCheckpoint(): void {
    if (!this.dirtySinceCheckpoint || !this.db.open || this.queue.length > 0) return;
    const now = Date.now();
    if (now - this.lastFlushAt < IDLE_MS && now - this.lastCheckpointAt < CHECKPOINT_MAX_GAP_MS) return;
    try {
      this.db.pragma('wal_checkpoint(PASSIVE)');
      this.dirtySinceCheckpoint = false;
      this.lastCheckpointAt = now;
    } catch (err) {
      this.onError(err);
    }
  }

  /** Copies every readable request row of a damaged file into this (fresh) ledger; rollups are rebuilt by insertRows(). */
  private salvage(file: string): number {
    // Read a scratch copy: opening the damaged file itself could let SQLite replay or delete its WAL, and the
    // moved-aside files must stay exactly as they were found.
    const scratch = `${file}.salvage`;
    const scratchFiles = [scratch, `${scratch}-wal`, `${scratch}-shm`];
    let old: Db;
    try {
      copyFileSync(file, scratch);
      if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${scratch}-wal`);
      old = new Database(scratch, { fileMustExist: true });
    } catch (err) {
      for (const f of scratchFiles) rmSync(f, { force: true });
      this.onError(err);
      return 0;
    }
    const rows: RawRow[] = [];
    try {
      let maxSeq = 0;
      try {
        maxSeq = Number((old.prepare('SELECT max(seq) m FROM requests').get() as { m: number | null }).m ?? 0);
      } catch {
        maxSeq = 0;
      }
      const chunk = old.prepare('SELECT * FROM requests WHERE seq >= ? AND seq < ? ORDER BY seq');
      const one = old.prepare('SELECT * FROM requests WHERE seq = ?');
      const STEP = 500;
      for (let lo = 0; lo <= maxSeq; lo += STEP) {
        try {
          rows.push(...(chunk.all(lo, lo + STEP) as RawRow[]));
        } catch {
          // A damaged page inside this range: take the rows one by one and skip the unreadable ones.
          for (let seq = lo; seq < lo + STEP && seq <= maxSeq; seq++) {
            try {
              const r = one.get(seq) as RawRow | undefined;
              if (r) rows.push(r);
            } catch { /* unreadable row */ }
          }
        }
      }
    } catch {
      /* nothing more can be read (not a database, no table): keep what was */
    } finally {
      old.close();
      for (const f of scratchFiles) rmSync(f, { force: true });
    }
    let n = 0;
    // Row by row: salvage is rare and a row SQLite still refuses must be skipped alone.
    const good: RawRow[] = [];
    for (const r of rows) {
      try {
        good.push(toRaw(fromRaw(r)));
      } catch { /* a row whose fields are themselves garbage */ }
    }
    this.db.transaction(() => {
      for (const r of good) {
        try {
          n += this.insertRows([r]);
        } catch { /* skip */ }
      }
    }).immediate();
    return n;
  }

  /** Bulk insert in one transaction (imports, benchmarks). Throws on failure; returns rows actually inserted. */
  recordMany(entries: Iterable<LogEntry>): number {
    const run = this.db.transaction((list: Iterable<LogEntry>) => {
      let n = 0;
      let chunk: RawRow[] = [];
      // In chunks, so a million-row import does not hold every rollup key of its whole span in memory at once.
      for (const e of list) {
        chunk.push(toRaw(e));
        if (chunk.length === 5000) { n += this.insertRows(chunk); chunk = []; }
      }
      return n + this.insertRows(chunk);
    });
    return run.immediate(entries);
  }

  /**
   * Raw rows plus every rollup they feed, the rollups summed per key over the rows; must run inside a transaction.
   * Returns the rows inserted (a repeated id is ignored: already counted).
   */
  private insertRows(rows: RawRow[]): number {
    const sums = new RollupSums();
    let n = 0;
    for (const row of rows) {
      // Positional: binding 22 named parameters from an object costs a lookup by name each.
      if (this.stmt.insert.run(row.id, row.started_at, row.path, row.client_model, row.mistral_model, row.stream, row.status,
        row.error_type, row.error_message, row.stop_reason, row.input_tokens, row.output_tokens, row.cached_tokens,
        row.cost_nusd, row.latency_ms, row.ttft_ms, row.tool_count, row.session_id, row.queued_ms, row.retries,
        row.fallback_from, row.fallback_reason).changes === 0) continue;
      n++;
      const at = row.started_at;
      let day = this.dayCache;
      if (!day || at < day.start || at >= day.end) day = this.dayCache = localDayOf(at);
      sums.add(row, day);
    }
    if (n === 0) return 0;
    const st = this.stmt;
    for (const v of sums.aggDay.values()) st.aggDay.run(v);
    for (const v of sums.aggSlot.values()) st.aggSlot.run(v);
    for (const v of sums.histDay.values()) st.histDay.run(...v);
    for (const v of sums.histSlot.values()) st.histSlot.run(...v);
    for (const v of sums.sessDay.values()) st.sessDay.run(v);
    for (const v of sums.sessSlot.values()) st.sessSlot.run(v);
    for (const [sid, project] of sums.sessName) st.sessName.run(sid, project);
    return n;
  }

  // ---- queries -------------------------------------------------------------------------------------------

  /** The dashboard report for [from, to) (epoch ms, `to` exclusive). Amounts are USD; currency is carried along. */
  report(range: TimeRange, opts: ReportOptions = {}): UsageReport {
    this.flush();
    return this.queries.report(range, opts);
  }

  totals(range: TimeRange): UsageTotals {
    this.flush();
    return this.queries.totals(range);
  }

  /** Latency percentiles alone (successful requests; see histogram.ts for precision). */
  latency(range: TimeRange): LatencyStats {
    this.flush();
    return this.queries.latency(range);
  }

  /** Top sessions by cost alone. */
  topSessions(range: TimeRange, limit = 10): SessionBucket[] {
    this.flush();
    return this.queries.topSessions(range, limit);
  }

  /** Priced spend in USD over a range (budget seeding). */
  spendUsd(range: TimeRange): number {
    this.flush();
    return this.queries.totals(range).costUsd;
  }

  /** The latest `limit` records, newest first. */
  recent(limit = 100): LogEntry[] {
    this.flush();
    const rows = this.db.prepare(`SELECT ${READ_COLS} ORDER BY r.started_at DESC, r.seq DESC LIMIT ?`).all(Math.max(0, Math.floor(limit))) as RawRow[];
    return rows.map(fromRaw);
  }

  /** Every record in [from, to), oldest first. */
  entries(range: TimeRange): LogEntry[] {
    this.flush();
    return (this.rangeStmt().all(range.from, range.to) as RawRow[]).map(fromRaw);
  }

  private rangeStmt(): Database.Statement {
    return this.db.prepare(`SELECT ${READ_COLS} WHERE r.started_at >= ? AND r.started_at < ? ORDER BY r.started_at, r.seq`);
  }

  /** RFC 4180 CSV with a header row; ISO 8601 UTC times; cost as exact decimal USD (empty = unpriced). */
  exportCsv(range: TimeRange): string {
    this.flush();
    const parts: string[] = [CSV_HEADER];
    // Iterated synchronously to the end, so no write can interleave with the open cursor.
    for (const r of this.rangeStmt().iterate(range.from, range.to) as IterableIterator<RawRow>) {
      parts.push(csvLine(fromRaw(r), r.cost_nusd === null ? '' : nanoToDecimal(r.cost_nusd)));
    }
    return parts.join('');
  }

  /** JSON array of LogEntry objects (plus `startedAtIso`), oldest first. */
  exportJson(range: TimeRange): string {
    this.flush();
    const parts: string[] = [];
    for (const r of this.rangeStmt().iterate(range.from, range.to) as IterableIterator<RawRow>) {
      const e = fromRaw(r);
      parts.push(JSON.stringify({ ...e, startedAtIso: new Date(e.startedAt).toISOString() }));
    }
    return parts.length ? `[\n${parts.join(',\n')}\n]\n` : '[]\n';
  }

  // ---- maintenance ---------------------------------------------------------------------------------------

  /**
   * Retention: deletes raw rows and rollups from before local midnight `olderThanDays` days before today (so
   * today plus the previous `olderThanDays` days are kept). `olderThanDays <= 0` keeps everything (the
   * settings' "0 = keep"). Returns the number of raw rows deleted. Deletes in batches so a large prune does not
   * hold the write lock (and stall other writers) for long.
   */
  prune(olderThanDays: number, now: number = Date.now()): number {
    this.flush();
    if (!Number.isFinite(olderThanDays) || olderThanDays <= 0) return 0;
    const cutoff = addLocalDays(startOfLocalDay(now), -Math.floor(olderThanDays));
    const batch = this.db.prepare('DELETE FROM requests WHERE seq IN (SELECT seq FROM requests WHERE started_at < ? LIMIT 10000)');
    let total = 0;
    for (;;) {
      const n = this.db.transaction(() => batch.run(cutoff).changes).immediate();
      total += n;
      if (n < 10000) break;
    }
    this.db.transaction(() => {
      for (const t of ['agg_day', 'hist_day', 'sess_day']) this.db.prepare(`DELETE FROM ${t} WHERE day_start < ?`).run(cutoff);
      for (const t of ['agg_slot', 'hist_slot', 'sess_slot']) this.db.prepare(`DELETE FROM ${t} WHERE slot < ?`).run(cutoff);
    }).immediate();
    return total;
  }

  /**
   * Recomputes rollups from the raw rows: the per-day level only (after a time-zone change: day rollups are keyed
   * by local day) or everything (repair, or after a bulk load that bypassed record()).
   */
  rebuildRollups(level: 'day' | 'all' = 'all'): void {
    this.flush();
    const tables = level === 'all' ? ROLLUP_TABLES : (['agg_day', 'hist_day', 'sess_day'] as const);
    const run = this.db.transaction(() => {
      for (const t of tables) this.db.exec(`DELETE FROM ${t}`);
      this.db.exec(rebuildSql(level));
      this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('tz', ?)").run(localDaysFingerprint());
    });
    run.immediate();
    this.dayCache = null;
  }

  /**
   * Day rollups are keyed by local day; if the days fall elsewhere than when they were written (another zone),
   * rebuild them. meta.tz holds localDaysFingerprint(); an older build stored the zone's name instead, which is
   * compared by name once (the one time ICU is loaded for it) and replaced by the fingerprint.
   */
  private checkTimeZone(): void {
    const tz = localDaysFingerprint();
    const stored = (this.db.prepare("SELECT value FROM meta WHERE key = 'tz'").get() as { value: string } | undefined)?.value;
    if (stored === tz) return;
    if (stored !== undefined && !stored.startsWith(FINGERPRINT_PREFIX) && stored === currentTimeZone()) {
      this.db.prepare("UPDATE meta SET value = ? WHERE key = 'tz' AND value = ?").run(tz, stored);
      return;
    }
    if (stored === undefined) {
      this.db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('tz', ?)").run(tz);
      // Another process may have won the race with a different zone; re-read and fall through if so.
      const again = (this.db.prepare("SELECT value FROM meta WHERE key = 'tz'").get() as { value: string }).value;
      if (again === tz) return;
    }
    this.rebuildRollups('day');
  }

  /** For diagnostics and tests. */
  pragma(name: string): unknown {
    return this.db.pragma(name, { simple: true });
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  /** Writes what is queued, then closes (SQLite checkpoints the WAL on the last close). */
  close(): void {
    if (this.checkpointTimer) { clearInterval(this.checkpointTimer); this.checkpointTimer = null; }
    if (this.db.open) {
      this.flush();
      this.db.close();
    }
  }
}

/** SQL helpers used by rebuildRollups and by the raw edges of a report (the same functions as the insert path). */
function registerFunctions(db: Db): void {
  let cache: LocalDay | null = null;
  const dayOf = (ms: number) => {
    if (!cache || ms < cache.start || ms >= cache.end) cache = localDayOf(ms);
    return cache;
  };
  db.function('ccp_bucket', { deterministic: true }, (v: unknown) => (v === null ? null : bucketOf(Number(v))));
  db.function('ccp_day_start', { deterministic: true }, (v: unknown) => dayOf(Number(v)).start);
  db.function('ccp_day_end', { deterministic: true }, (v: unknown) => dayOf(Number(v)).end);
  db.function('ccp_day_key', { deterministic: true }, (v: unknown) => dayOf(Number(v)).key);
}

function rebuildSql(level: 'day' | 'all'): string {
  const totals = `COUNT(*), SUM(${ERROR_SQL}), SUM(cost_nusd IS NULL), SUM(input_tokens), SUM(output_tokens),
    SUM(cached_tokens), coalesce(SUM(cost_nusd), 0)`;
  const cols = 'requests, errors, unpriced, input_tokens, output_tokens, cached_tokens, cost_nusd';
  const dayKey = 'ccp_day_start(started_at) ds, ccp_day_end(started_at) de';
  const slotKey = `(started_at / ${SLOT_MS}) * ${SLOT_MS}`;
  const histSrc = (key: string) => `SELECT ${key}, ccp_bucket(latency_ms) b FROM requests WHERE ${OK_SQL}
    UNION ALL SELECT ${key}, ${TTFT_OFFSET} + ccp_bucket(ttft_ms) FROM requests WHERE ${OK_SQL} AND ttft_ms IS NOT NULL`;
  const day = `
    INSERT INTO agg_day (day_start, day_end, day, mistral_model, client_model, ${cols})
      SELECT ${dayKey}, ccp_day_key(started_at) dk, coalesce(mistral_model, '') mm, coalesce(client_model, '') cm, ${totals}
      FROM requests GROUP BY ds, de, dk, mm, cm;
    INSERT INTO hist_day (day_start, day_end, bucket, n)
      SELECT ds, de, b, COUNT(*) FROM (${histSrc(dayKey)}) GROUP BY ds, de, b;
    INSERT INTO sess_day (day_start, day_end, session_id, ${cols}, first_at, last_at)
      SELECT ${dayKey}, session_id, ${totals}, MIN(started_at), MAX(started_at)
      FROM requests WHERE session_id IS NOT NULL AND session_id <> '' GROUP BY ds, de, session_id;`;
  const slot = `
    INSERT INTO agg_slot (slot, mistral_model, client_model, ${cols})
      SELECT ${slotKey} s, coalesce(mistral_model, '') mm, coalesce(client_model, '') cm, ${totals}
      FROM requests GROUP BY s, mm, cm;
    INSERT INTO hist_slot (slot, bucket, n)
      SELECT s, b, COUNT(*) FROM (${histSrc(`${slotKey} s`)}) GROUP BY s, b;
    INSERT INTO sess_slot (slot, session_id, ${cols}, first_at, last_at)
      SELECT ${slotKey} s, session_id, ${totals}, MIN(started_at), MAX(started_at)
      FROM requests WHERE session_id IS NOT NULL AND session_id <> '' GROUP BY s, session_id;`;
  return level === 'all' ? day + slot : day;
}

/** Opens, configures, migrates and checks one database file; throws on damage (see isDamage). */
function openDatabase(path: string, busyMs: number): Db {
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${busyMs}`);
    // Switching a new file to WAL and creating its schema can meet SQLITE_BUSY without the busy handler being
    // called (another process is initialising the same file): retry for a bounded time instead of failing.
    retryWhileBusy(() => db.pragma('journal_mode = WAL'));
    db.pragma('synchronous = NORMAL');
    if (path !== ':memory:' && path !== '') {
      // quick_check reads every page once (O(file size), no index cross-check): a damaged page found here costs
      // a moved file at start instead of a failed write later.
      const result = retryWhileBusy(() => db.pragma('quick_check(1)', { simple: true }));
      if (result !== 'ok') throw new LedgerDamage(`quick_check: ${String(result)}`);
    }
    registerFunctions(db);
    retryWhileBusy(() => migrate(db));
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

class LedgerDamage extends Error {}

/** Errors that mean the file itself is bad (not busy, not a newer schema, not a permission problem). */
function isDamage(err: unknown): boolean {
  if (err instanceof LedgerDamage) return true;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

/** Directory created 0700 (an existing one is left as it is: it may be shared); the file created (or tightened) 0600, and so are SQLite's -wal/-shm, which copy its mode. */
function prepareFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const f of [path, `${path}-wal`, `${path}-shm`]) {
    try { chmodSync(f, 0o600); } catch { /* absent */ }
  }
}

/** `usage.sqlite` → `usage.corrupt-<ISO time>.sqlite` (with its -wal and -shm), like the settings file. */
function moveAside(path: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const ext = extname(path);
  const stem = basename(path, ext);
  let aside = join(dirname(path), `${stem}.corrupt-${stamp}${ext}`);
  for (let i = 1; existsSync(aside); i++) aside = join(dirname(path), `${stem}.corrupt-${stamp}-${i}${ext}`);
  renameSync(path, aside);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  }
  return aside;
}

function retryWhileBusy<T>(fn: () => T, budgetMs = 5000): T {
  const deadline = Date.now() + budgetMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return fn();
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (!code.startsWith('SQLITE_BUSY') || Date.now() > deadline) throw err;
      Atomics.wait(pause, 0, 0, 25);
    }
  }
}
