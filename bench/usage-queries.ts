// Usage-ledger benchmark: fills a real SQLite file with realistic records (default 1,000,000 over 30 days),
// then times each dashboard query as the median of several runs. Assert-free: it prints numbers.
//
//   npx tsx bench/usage-queries.ts            (BENCH_RECORDS=200000 for a quicker run; BENCH_RUNS=9)
//
// Records go through the ledger's real write path (raw row + every rollup, as record() does), in one
// transaction for speed. Afterwards single record() calls are timed too, on the full database.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry, TimeRange } from '../app/contract/usage.js';
import { UsageLedger } from '../app/usage/ledger.js';
import { costUsd, priceFor } from '../app/usage/pricing.js';
import { addLocalDays, rangeFor, startOfLocalDay } from '../app/usage/time.js';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const DAYS = 30;

// Deterministic PRNG so runs are comparable.
let state = 0x9e3779b9;
const rand = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const gauss = () => Math.sqrt(-2 * Math.log(rand() || 1e-12)) * Math.cos(2 * Math.PI * rand());

// Claude Code tiers map to Mistral models; some users pass Mistral ids straight through.
const ROUTES: Array<{ client: string; mistral: string; weight: number }> = [
  { client: 'claude-sonnet-4-5-20250929', mistral: 'mistral-medium-latest', weight: 40 },
  { client: 'claude-haiku-4-5-20251001', mistral: 'mistral-small-latest', weight: 30 },
  { client: 'claude-opus-4-1-20250805', mistral: 'mistral-large-latest', weight: 12 },
  { client: 'codestral-latest', mistral: 'codestral-latest', weight: 8 },
  { client: 'claude-devstral-latest', mistral: 'devstral-latest', weight: 5 },
  { client: 'claude-sonnet-4-5-20250929', mistral: 'mistral-large-2512', weight: 3 },
  { client: 'ministral-8b-latest', mistral: 'ministral-8b-latest', weight: 1 },
  { client: 'my-finetune', mistral: 'ft:my-finetune', weight: 1 }, // unpriced
];
const TOTAL_WEIGHT = ROUTES.reduce((s, r) => s + r.weight, 0);
const pickRoute = () => {
  let x = rand() * TOTAL_WEIGHT;
  for (const r of ROUTES) if ((x -= r.weight) < 0) return r;
  return ROUTES[0];
};

function* generate(now: number): Generator<LogEntry> {
  const end = now;
  const start = addLocalDays(startOfLocalDay(now), -(DAYS - 1));
  const span = end - start;
  // Sessions: contiguous bursts; ~60 per day, each ~ RECORDS / (60·DAYS) requests.
  const sessions = 60 * DAYS;
  const perSession = Math.ceil(RECORDS / sessions);
  let produced = 0;
  for (let s = 0; s < sessions && produced < RECORDS; s++) {
    const sessionStart = start + Math.floor(rand() * (span - 3_600_000));
    const sessionId = `b4c1e0de-${s.toString(16).padStart(8, '0')}`;
    let t = sessionStart;
    for (let i = 0; i < perSession && produced < RECORDS; i++) {
      t += Math.floor(200 + rand() * 6000);
      if (t >= end) break;
      const route = pickRoute();
      const stream = rand() < 0.9;
      const k = rand();
      const status = k < 0.01 ? 529 : k < 0.02 ? 429 : k < 0.025 ? 400 : k < 0.04 ? 499 : 200;
      const errorType = status === 529 ? 'overloaded_error' : status === 429 ? 'rate_limit_error' : status === 400 ? 'invalid_request_error' : status === 499 ? 'client_closed' : null;
      const ok = status === 200;
      const promptTotal = Math.floor(Math.exp(9.5 + gauss() * 0.8));
      const cachedTokens = ok && rand() < 0.6 ? Math.floor(promptTotal * 0.8 / 64) * 64 : 0;
      const inputTokens = ok || status === 499 ? promptTotal - cachedTokens : 0;
      const outputTokens = ok ? Math.floor(Math.exp(5.5 + gauss())) : status === 499 ? Math.floor(rand() * 200) : 0;
      const price = priceFor(route.mistral);
      const billed = inputTokens + outputTokens + cachedTokens > 0;
      const latencyMs = Math.max(5, Math.floor(Math.exp(8 + gauss() * 0.7)));
      yield {
        id: `req_bench_${produced}`, startedAt: t, path: '/v1/messages?beta=true', clientModel: route.client,
        mistralModel: route.mistral, stream, status, errorType, errorMessage: errorType ? `${errorType} from upstream` : null,
        stopReason: ok ? (rand() < 0.55 ? 'tool_use' : 'end_turn') : null, inputTokens, outputTokens, cachedTokens,
        latencyMs, ttftMs: stream && ok ? Math.floor(latencyMs * (0.1 + rand() * 0.3)) : null,
        toolCount: Math.floor(rand() * 25), sessionId,
        costUsd: !billed ? 0 : price ? costUsd(price, { inputTokens, outputTokens, cachedTokens }) : null,
      };
      produced++;
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => unknown): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const dir = mkdtempSync(join(tmpdir(), 'ccp-usage-bench-'));
const file = join(dir, 'usage.db');
const ledger = new UsageLedger(file);
const now = Date.now();

const loadMs = time(() => ledger.recordMany(generate(now)));
const count = ledger.totals({ from: 0, to: now + 1 }).requests;
console.log(`loaded ${count.toLocaleString('en')} records in ${(loadMs / 1000).toFixed(1)} s (${Math.round(count / (loadMs / 1000)).toLocaleString('en')}/s, write path with rollups)`);
ledger.pragma('wal_checkpoint(TRUNCATE)');
console.log(`database ${(statSync(file).size / 1e6).toFixed(0)} MB`);

// A custom range that aligns to nothing: 13 days ago 10:37:12.345 → 2 days ago 16:03:59.999.
const custom: TimeRange = {
  from: addLocalDays(startOfLocalDay(now), -13) + (10 * 3600 + 37 * 60 + 12) * 1000 + 345,
  to: addLocalDays(startOfLocalDay(now), -2) + (16 * 3600 + 3 * 60 + 59) * 1000 + 999,
};
// A short non-aligned range inside one day (mostly slot rollups and raw edges).
const hour: TimeRange = { from: custom.to - 3_600_000 - 4321, to: custom.to };
const ranges: Array<[string, TimeRange]> = [
  ['today', rangeFor('today', now)], ['7d', rangeFor('7d', now)], ['30d', rangeFor('30d', now)],
  ['custom 11d unaligned', custom], ['custom 1h unaligned', hour],
];
const queries: Array<[string, (r: TimeRange) => unknown]> = [
  ['report (all)', (r) => ledger.report(r, { currency: 'EUR', eurPerUsd: 0.92 })],
  ['totals+byDay+byModel', (r) => ledger.totals(r)],
  ['latency pctl', (r) => ledger.latency(r)],
  ['top sessions', (r) => ledger.topSessions(r, 10)],
];

const rows: string[][] = [];
for (const [rname, range] of ranges) {
  const inRange = ledger.totals(range).requests;
  for (const [qname, q] of queries) {
    q(range); // warm-up (statement caches, page cache)
    const samples = Array.from({ length: RUNS }, () => time(() => q(range)));
    rows.push([rname, inRange.toLocaleString('en'), qname, median(samples).toFixed(2), Math.max(...samples).toFixed(2)]);
  }
}

// Single record() calls on the full database (the proxy's per-request cost).
const singles: number[] = [];
let next = RECORDS;
for (let i = 0; i < 2000; i++) {
  const e: LogEntry = {
    id: `req_single_${next++}`, startedAt: now - 1000 + i, path: '/v1/messages', clientModel: 'claude-sonnet-4-5',
    mistralModel: 'mistral-medium-latest', stream: true, status: 200, errorType: null, errorMessage: null, stopReason: 'end_turn',
    inputTokens: 12000, outputTokens: 300, cachedTokens: 8000, latencyMs: 2500, ttftMs: 400, toolCount: 20, sessionId: 'single', costUsd: 0.0213,
  };
  singles.push(time(() => ledger.record(e)));
}
singles.sort((a, b) => a - b);

const header = ['range', 'records in range', 'query', 'median ms', 'max ms'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: string[]) => r.map((c, i) => (i >= 3 || i === 1 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
console.log(`\n${RUNS} runs each, median and max:\n`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
console.log(`\nrecord() on the full db: p50 ${singles[1000].toFixed(3)} ms, p99 ${singles[1980].toFixed(3)} ms, max ${singles[1999].toFixed(3)} ms`);

const rebuildMs = time(() => ledger.rebuildRollups('day'));
console.log(`rebuildRollups('day') (runs once after a time-zone change): ${(rebuildMs / 1000).toFixed(2)} s`);
const pruneMs = time(() => ledger.prune(7, now));
console.log(`prune(7 days) on the full db: ${(pruneMs / 1000).toFixed(2)} s`);

ledger.close();
if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${file}`);
