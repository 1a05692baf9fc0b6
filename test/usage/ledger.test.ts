import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../app/contract/usage.js';
import { parseCsv, CSV_COLUMNS } from '../../app/usage/export.js';
import { bucketOf, bucketValue } from '../../app/usage/histogram.js';
import { UsageLedger } from '../../app/usage/ledger.js';
import { SCHEMA_VERSION } from '../../app/usage/schema.js';
import { localDayKey, rangeFor } from '../../app/usage/time.js';
import { entry, local, tempDir } from './helpers.js';
import { oracleReport } from './oracle.js';
import { randomEntries, randomRanges } from './random-data.js';

let tmp: ReturnType<typeof tempDir>;
let ledger: UsageLedger;
let errors: unknown[];

beforeEach(() => {
  tmp = tempDir();
  errors = [];
  ledger = new UsageLedger(tmp.file(), { onError: (e) => errors.push(e) });
});
afterEach(() => {
  ledger.close();
  tmp.cleanup();
});

const snap = (x: number) => bucketValue(bucketOf(x));

describe('UsageLedger storage', () => {
  it('opens a real file in WAL mode with synchronous=NORMAL, busy_timeout and the current schema version', () => {
    expect(ledger.pragma('journal_mode')).toBe('wal');
    expect(ledger.pragma('synchronous')).toBe(1);
    expect(ledger.pragma('busy_timeout')).toBe(2000);
    expect(ledger.pragma('user_version')).toBe(SCHEMA_VERSION);
  });

  it('stores success, upstream error, client abort, stream and non-stream requests field for field', () => {
    const t = local(2026, 5, 4, 10);
    const rows: LogEntry[] = [
      entry({ startedAt: t, stream: false, inputTokens: 10, outputTokens: 5, cachedTokens: 64, costUsd: 0.0000125, stopReason: 'end_turn', sessionId: 'a', toolCount: 2 }),
      entry({ startedAt: t + 1, stream: true, status: 529, errorType: 'overloaded_error', errorMessage: 'Mistral is overloaded', stopReason: null, costUsd: 0, latencyMs: 40 }),
      entry({ startedAt: t + 2, stream: true, status: 499, errorType: 'client_closed', stopReason: null, ttftMs: 120, latencyMs: 900, outputTokens: 3, costUsd: 0.0000045 }),
      entry({ startedAt: t + 3, stream: true, ttftMs: 250, latencyMs: 2500, stopReason: 'tool_use', clientModel: null, mistralModel: null, path: '/v1/messages?beta=true' }),
    ];
    for (const r of rows) expect(ledger.record(r)).toBe(true);
    expect(errors).toEqual([]);
    expect(ledger.entries({ from: t, to: t + 10 })).toEqual(rows);
    expect(ledger.recent(2).map((r) => r.id)).toEqual([rows[3].id, rows[2].id]);
  });

  it('survives a reopen (rows are on disk, not in memory)', () => {
    const e = entry({ startedAt: local(2026, 5, 4, 10), costUsd: 0.5, inputTokens: 1_000_000 });
    ledger.record(e);
    ledger.close();
    ledger = new UsageLedger(tmp.file());
    expect(ledger.entries({ from: 0, to: Date.now() * 2 })).toEqual([e]);
    expect(ledger.totals({ from: 0, to: Date.now() * 2 }).costUsd).toBe(0.5);
  });

  it('ignores a repeated id (no double counting)', () => {
    const e = entry({ startedAt: local(2026, 5, 4, 10), costUsd: 1 });
    expect(ledger.record(e)).toBe(true);
    expect(ledger.record(e)).toBe(false);
    expect(ledger.totals({ from: 0, to: Date.now() * 2 })).toMatchObject({ requests: 1, costUsd: 1 });
  });

  it('never throws from record(): closed database, bad entry, throwing error handler', () => {
    const e = entry({ startedAt: local(2026, 5, 4, 10) });
    expect(ledger.record({ ...e, id: '' })).toBe(false);
    expect(ledger.record(null as unknown as LogEntry)).toBe(false);
    expect(ledger.record({ ...e, startedAt: Number.NaN })).toBe(false);
    ledger.close();
    expect(() => ledger.record(e)).not.toThrow();
    expect(ledger.record(e)).toBe(false);
    expect(errors.length).toBe(5);
    expect(String(errors[4])).toMatch(/not open/);
    const angry = new UsageLedger(tmp.file(), { onError: () => { throw new Error('handler broke'); } });
    angry.close();
    expect(angry.record(e)).toBe(false);
  });

  it('refuses to open a file written by a newer schema', () => {
    const f = tmp.file('newer.db');
    const db = new Database(f);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => new UsageLedger(f)).toThrow(/newer/);
  });
});

describe('UsageLedger.report — hand-computed dataset', () => {
  const d1 = (h: number, m = 0) => local(2026, 3, 10, h, m);
  const d2 = (h: number, m = 0) => local(2026, 3, 11, h, m);
  const d3 = (h: number, m = 0) => local(2026, 3, 12, h, m);
  const A = entry({ startedAt: d1(9), mistralModel: 'mistral-large-latest', clientModel: 'claude-sonnet-4-5', inputTokens: 1_000_000, costUsd: 0.5, latencyMs: 1000, sessionId: 's1' });
  const B = entry({ startedAt: d1(10), mistralModel: 'mistral-small-latest', clientModel: 'claude-haiku-4-5', outputTokens: 1_000_000, costUsd: 0.6, latencyMs: 2000, ttftMs: 300, stream: true, sessionId: 's1' });
  const C = entry({ startedAt: d1(23, 30), mistralModel: 'mistral-large-latest', clientModel: 'claude-sonnet-4-5', status: 500, errorType: 'api_error', errorMessage: 'boom', latencyMs: 50, sessionId: 's2' });
  const D = entry({ startedAt: d2(8), mistralModel: 'mystery-model', clientModel: 'mystery-model', inputTokens: 1000, costUsd: null, latencyMs: 3000, sessionId: 's2' });
  const E = entry({ startedAt: d2(12), mistralModel: 'mistral-large-latest', clientModel: 'claude-opus-4-1', status: 499, errorType: 'client_closed', latencyMs: 700, stream: true, sessionId: 's2' });
  const F = entry({ startedAt: d3(0, 10), mistralModel: 'mistral-large-latest', clientModel: 'claude-sonnet-4-5', inputTokens: 1_000_000, cachedTokens: 1_000_000, costUsd: 0.55, latencyMs: 4000, ttftMs: 500, stream: true, sessionId: 's3' });

  beforeEach(() => {
    for (const e of [A, B, C, D, E, F]) ledger.record(e);
  });

  it('whole days', () => {
    const r = ledger.report({ from: d1(0), to: local(2026, 3, 13) }, { currency: 'EUR', eurPerUsd: 0.9 });
    expect(r.totals).toEqual({ requests: 6, errors: 1, inputTokens: 2_001_000, outputTokens: 1_000_000, cachedTokens: 1_000_000, costUsd: 1.65, unpricedRequests: 1 });
    expect(r.byDay.map((d) => [d.day, d.requests, d.errors, d.costUsd, d.unpricedRequests])).toEqual([
      ['2026-03-10', 3, 1, 1.1, 0], ['2026-03-11', 2, 0, 0, 1], ['2026-03-12', 1, 0, 0.55, 0],
    ]);
    expect(r.byModel.map((m) => [m.model, m.requests, m.costUsd, m.unpricedRequests])).toEqual([
      ['mistral-large-latest', 4, 1.05, 0], ['mistral-small-latest', 1, 0.6, 0], ['mystery-model', 1, 0, 1],
    ]);
    expect(r.byClientModel.map((m) => [m.model, m.requests, m.costUsd])).toEqual([
      ['claude-sonnet-4-5', 3, 1.05], ['claude-haiku-4-5', 1, 0.6], ['claude-opus-4-1', 1, 0], ['mystery-model', 1, 0],
    ]);
    // Successful requests only: 1000, 2000, 3000, 4000 ms; TTFT 300, 500 ms (nearest rank, bucketed).
    expect(r.latency).toEqual({ p50: snap(2000), p90: snap(4000), p99: snap(4000), ttftP50: snap(300), ttftP90: snap(500) });
    expect(Math.abs(r.latency.p50! - 2000) / 2000).toBeLessThan(0.025);
    expect(r.errorRate).toBeCloseTo(1 / 6, 12);
    expect(r.topSessions.map((s) => [s.sessionId, s.requests, s.costUsd, s.unpricedRequests, s.firstAt, s.lastAt])).toEqual([
      ['s1', 2, 1.1, 0, A.startedAt, B.startedAt], ['s3', 1, 0.55, 0, F.startedAt, F.startedAt], ['s2', 3, 0, 1, C.startedAt, E.startedAt],
    ]);
    expect([r.currency, r.eurPerUsd]).toEqual(['EUR', 0.9]);
    expect(ledger.report({ from: d1(0), to: local(2026, 3, 13) }, { topSessions: 1 }).topSessions.map((s) => s.sessionId)).toEqual(['s1']);
  });

  it('a custom range with partial days at both ends', () => {
    const r = ledger.report({ from: d1(9, 30), to: d3(0, 5) });
    expect(r.totals).toMatchObject({ requests: 4, errors: 1, costUsd: 0.6, unpricedRequests: 1, inputTokens: 1000, outputTokens: 1_000_000 });
    expect(r.byDay.map((d) => [d.day, d.requests])).toEqual([['2026-03-10', 2], ['2026-03-11', 2], ['2026-03-12', 0]]);
    expect(r.topSessions.map((s) => [s.sessionId, s.requests, s.costUsd])).toEqual([['s1', 1, 0.6], ['s2', 3, 0]]);
    expect(r.latency.p50).toBe(snap(2000)); // B (2000) and D (3000): rank 1
  });

  it('ranges inside one slot, at exact boundaries, and empty ranges', () => {
    expect(ledger.totals({ from: B.startedAt, to: B.startedAt + 1 }).requests).toBe(1);
    expect(ledger.totals({ from: B.startedAt + 1, to: C.startedAt }).requests).toBe(0);
    expect(ledger.totals({ from: A.startedAt, to: B.startedAt }).requests).toBe(1); // `to` is exclusive
    expect(ledger.totals({ from: d3(0), to: d3(0) }).requests).toBe(0);
    const empty = ledger.report({ from: local(2020, 1, 1), to: local(2020, 1, 2) });
    expect(empty.totals.requests).toBe(0);
    expect(empty.latency).toEqual({ p50: null, p90: null, p99: null, ttftP50: null, ttftP90: null });
    expect(empty.errorRate).toBe(0);
    expect(empty.byDay).toEqual([{ day: '2020-01-01', requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, cachedTokens: 0, costUsd: 0, unpricedRequests: 0 }]);
  });

  it('presets', () => {
    const now = d3(15);
    expect(ledger.report(rangeFor('today', now)).totals.requests).toBe(1);
    expect(ledger.report(rangeFor('7d', now)).byDay).toHaveLength(7);
    expect(ledger.report(rangeFor('7d', now)).totals.requests).toBe(6);
    expect(ledger.report(rangeFor('30d', now)).byDay[29].day).toBe('2026-03-12');
  });
});

describe('UsageLedger.report agrees with a naive oracle on random data and random ranges', () => {
  it('3000 records over 6 days, 150 ranges', () => {
    const start = local(2026, 3, 26); // spans the EU DST change (2026-03-29)
    const data = randomEntries(start, 6, 3000, 7);
    expect(ledger.recordMany(data)).toBe(3000);
    for (const range of randomRanges(start, 6, 150, 11)) {
      const got = ledger.report(range, { topSessions: 5 });
      const want = oracleReport(data, range, 5);
      expect(got).toMatchObject({ range, ...want });
    }
  });

  it('rollups written record by record equal a rebuild from the raw rows', () => {
    const data = randomEntries(local(2026, 6, 1), 3, 800, 3);
    for (const e of data) ledger.record(e);
    const db = new Database(tmp.file(), { readonly: true });
    const dump = () => Object.fromEntries(['agg_day', 'agg_slot', 'hist_day', 'hist_slot', 'sess_day', 'sess_slot'].map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).all()]));
    const before = dump();
    ledger.rebuildRollups('all');
    expect(dump()).toEqual(before);
    db.close();
  });
});

describe('retention', () => {
  it('prune(N) keeps today and the N previous days, deletes raw rows and rollups, returns the count', () => {
    const data = randomEntries(local(2026, 7, 1), 10, 1000, 5);
    ledger.recordMany(data);
    const now = local(2026, 7, 10, 12);
    const cutoff = local(2026, 7, 7);
    const doomed = data.filter((e) => e.startedAt < cutoff).length;
    expect(ledger.prune(0, now)).toBe(0); // 0 = keep everything
    expect(ledger.prune(3, now)).toBe(doomed);
    const kept = data.filter((e) => e.startedAt >= cutoff);
    const all = { from: local(2026, 6, 1), to: local(2026, 8, 1) };
    expect(ledger.report(all)).toMatchObject(oracleReport(kept, all));
    expect(ledger.entries(all)).toHaveLength(kept.length);
    const db = new Database(tmp.file(), { readonly: true });
    expect(db.prepare('SELECT COUNT(*) n FROM agg_day WHERE day_start < ?').get(cutoff)).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) n FROM hist_slot WHERE slot < ?').get(cutoff)).toEqual({ n: 0 });
    db.close();
    expect(ledger.prune(3, now)).toBe(0);
  });
});

describe('export', () => {
  const t = local(2026, 4, 2, 9, 15);
  const rows = [
    entry({ startedAt: t, costUsd: 0.000000015, inputTokens: 100, sessionId: 'abc' }),
    entry({ startedAt: t + 1000, costUsd: null, mistralModel: 'odd,model', status: 500, errorType: 'api_error', errorMessage: 'line one\nline "two", with comma\r\nend' }),
    entry({ startedAt: t + 2000, costUsd: 0.5, ttftMs: 12, stream: true }),
  ];
  beforeEach(() => {
    for (const r of rows) ledger.record(r);
    ledger.record(entry({ startedAt: t + 86_400_000 })); // outside the range
  });
  const range = { from: t, to: t + 3000 };

  it('CSV: header row, RFC 4180 quoting, ISO times, exact costs; parses back', () => {
    const csv = ledger.exportCsv(range);
    expect(csv.startsWith(`${CSV_COLUMNS.join(',')}\r\n`)).toBe(true);
    const parsed = parseCsv(csv);
    expect(parsed).toHaveLength(4);
    const [header, ...body] = parsed;
    expect(header).toEqual([...CSV_COLUMNS]);
    const col = (name: string) => header.indexOf(name);
    expect(body.map((r) => r[col('id')])).toEqual(rows.map((r) => r.id));
    expect(body[0][col('started_at')]).toBe(new Date(t).toISOString());
    expect(body[0][col('cost_usd')]).toBe('0.000000015');
    expect(body[1][col('cost_usd')]).toBe('');
    expect(body[1][col('mistral_model')]).toBe('odd,model');
    expect(body[1][col('error_message')]).toBe('line one\nline "two", with comma\r\nend');
    expect(body[2][col('cost_usd')]).toBe('0.5');
    expect(body[2][col('ttft_ms')]).toBe('12');
    expect(body[0][col('ttft_ms')]).toBe('');
    expect(body[2][col('stream')]).toBe('true');
    expect(body.every((r) => r.length === CSV_COLUMNS.length)).toBe(true);
  });

  it('JSON: the entries plus ISO times', () => {
    const parsed = JSON.parse(ledger.exportJson(range)) as Array<LogEntry & { startedAtIso: string }>;
    expect(parsed.map(({ startedAtIso, ...e }) => e)).toEqual(rows);
    expect(parsed[0].startedAtIso).toBe(new Date(t).toISOString());
    expect(JSON.parse(ledger.exportJson({ from: 0, to: 1 }))).toEqual([]);
  });
});

describe('local days', () => {
  it('byDay keys are local calendar days', () => {
    const late = local(2026, 2, 3, 23, 59, 59, 999);
    ledger.record(entry({ startedAt: late }));
    ledger.record(entry({ startedAt: late + 1 }));
    const r = ledger.report({ from: local(2026, 2, 3), to: local(2026, 2, 5) });
    expect(r.byDay.map((d) => [d.day, d.requests])).toEqual([[localDayKey(late), 1], ['2026-02-04', 1]]);
  });
});
