// `npm run bench:ledger`: what writing a usage row costs as the ledger grows, with the product's request ids
// (time first, app/proxy/request-id.ts) against ids random throughout (the format before), each into its own real
// SQLite file through the ledger's own batched write path (batches of 50: ~100 ms of traffic at 500 requests/s).
// Every BENCH_STEP rows (200,000) it times 10,000 more and prints CPU µs per row. Printed, never asserted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry } from '../app/contract/usage.js';
import { newRequestId } from '../app/proxy/request-id.js';
import { randomHex } from '../app/translate/random-hex.js';
import { UsageLedger } from '../app/usage/ledger.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const STEP = Number(process.env.BENCH_STEP ?? 200_000);
const BATCH = 50;
const TIMED = 10_000;

const entry = (id: string, startedAt: number): LogEntry => ({
  id, startedAt, path: '/v1/messages', clientModel: 'claude-sonnet-4-5', mistralModel: 'mistral-large-latest', stream: true,
  status: 200, errorType: null, errorMessage: null, stopReason: 'end_turn', inputTokens: 15000, outputTokens: 120,
  cachedTokens: 0, costUsd: 0.0307, latencyMs: 2400, ttftMs: 380, toolCount: 12, sessionId: 'bench-session', project: 'bench',
});

function run(label: string, id: (now: number) => string): void {
  const dir = mkdtempSync(join(tmpdir(), 'ccproxy-ledger-bench-'));
  const ledger = new UsageLedger(join(dir, 'usage.db'), { batchMs: 3_600_000, checkpointMs: 0 });
  // Simulated time: 500 requests/s.
  let now = Date.now() - ROWS * 2;
  const write = (n: number) => {
    for (let done = 0; done < n; done += BATCH) {
      for (let i = 0; i < BATCH; i++) {
        now += 2;
        ledger.enqueue(entry(id(now), now));
      }
      ledger.flush();
    }
  };
  for (let rows = 0; rows < ROWS;) {
    write(STEP);
    rows += STEP;
    const cpu = process.cpuUsage();
    write(TIMED);
    rows += TIMED;
    const used = process.cpuUsage(cpu);
    console.log(`${label.padEnd(16)} ${String(rows).padStart(9)} rows   ${((used.user + used.system) / TIMED).toFixed(1).padStart(6)} µs CPU per row`);
  }
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`ledger writes, batches of ${BATCH}, ${ROWS} rows per kind of id`);
run('time-first ids', (now) => newRequestId(now));
run('random ids', () => `req_ccproxy_${randomHex(12)}`);
