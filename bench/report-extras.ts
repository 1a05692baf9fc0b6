// The dashboard's pacing sums and current session on a big ledger: the pacing query through its partial index
// (rows pacing touched) against the same sums over every row of the range, and the share of report() they take.
// Assert-free: prints medians and ratios (the machine is shared and noisy).
//
//   npx tsx bench/report-extras.ts            (BENCH_RECORDS=300000, BENCH_PACED=0.02, BENCH_RUNS=9)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { LogEntry } from '../app/contract/usage.js';
import { UsageLedger } from '../app/usage/ledger.js';
import { rangeFor } from '../app/usage/time.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 300_000);
const PACED = Number(process.env.BENCH_PACED ?? 0.02);
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const DAY = 86_400_000;

const dir = mkdtempSync(join(tmpdir(), 'ccp-bench-extras-'));
const ledger = new UsageLedger(join(dir, 'usage.sqlite'), { checkpointMs: 0 });
const now = Date.now();
const rows: LogEntry[] = [];
for (let i = 0; i < RECORDS; i++) {
  const paced = i % Math.round(1 / PACED) === 0;
  rows.push({
    id: `r${i}`, startedAt: now - 30 * DAY + Math.floor((i / RECORDS) * 30 * DAY), path: '/v1/messages', clientModel: 'claude-sonnet-4-5',
    mistralModel: 'mistral-medium-latest', stream: true, status: 200, errorType: null, errorMessage: null, stopReason: 'end_turn',
    inputTokens: 2000, outputTokens: 300, cachedTokens: 0, latencyMs: 900, ttftMs: 200, toolCount: 3, sessionId: `s${Math.floor(i / 200)}`,
    costUsd: 0.001, ...(paced ? { queuedMs: 800, retries: i % 3 === 0 ? 1 : 0 } : {}),
  });
}
ledger.recordMany(rows);
const db = (ledger as unknown as { db: Database.Database }).db;
const range = rangeFor('30d', now);
const median = (f: () => unknown) => {
  const t: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const s = process.hrtime.bigint();
    f();
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  return t.sort((a, b) => a - b)[Math.floor(t.length / 2)];
};
const fullScan = db.prepare(`SELECT SUM(queued_ms > 0), SUM(queued_ms), SUM(retries), SUM(fallback_from IS NOT NULL)
  FROM requests NOT INDEXED WHERE started_at >= ? AND started_at < ?`);
const q = (ledger as unknown as { queries: { pacing: (r: typeof range) => unknown; currentSession: () => unknown } }).queries;
// Checkpoint the bulk load and warm the page cache once, so the first timed query does not pay for it.
db.pragma('wal_checkpoint(TRUNCATE)');
for (const f of [() => q.pacing(range), () => fullScan.get(range.from, range.to), () => ledger.report(range)]) f();
const indexed = median(() => q.pacing(range));
const scanned = median(() => fullScan.get(range.from, range.to));
const current = median(() => q.currentSession());
const report = median(() => ledger.report(range));
console.log(`${RECORDS} records, ${(PACED * 100).toFixed(1)}% paced, 30-day range, median of ${RUNS}:`);
console.log(`  pacing sums, partial index: ${indexed.toFixed(2)} ms; every row of the range: ${scanned.toFixed(2)} ms (${(scanned / indexed).toFixed(1)}x)`);
console.log(`  current session: ${current.toFixed(2)} ms; whole report(): ${report.toFixed(2)} ms (pacing + current session = ${(((indexed + current) / report) * 100).toFixed(0)}% of it)`);
ledger.close();
rmSync(dir, { recursive: true, force: true });
