// Two writers on one file: two ledgers in this process (interleaved), then two separate processes at once.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageLedger } from '../../app/usage/ledger.js';
import { entry, local, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => { tmp = tempDir(); });
afterEach(() => tmp.cleanup());

const writer = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url));

function runWriter(file: string, prefix: string, count: number, start: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, file, prefix, String(count), String(start)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('concurrent writers on one SQLite file', () => {
  it('two ledgers in one process, interleaved: every row and every rollup count present', () => {
    const errors: unknown[] = [];
    const a = new UsageLedger(tmp.file(), { onError: (e) => errors.push(e) });
    const b = new UsageLedger(tmp.file(), { onError: (e) => errors.push(e) });
    const t = local(2026, 5, 5, 12);
    for (let i = 0; i < 500; i++) {
      expect(a.record(entry({ id: `a${i}`, startedAt: t + i, costUsd: 0.001, sessionId: 'same' }))).toBe(true);
      expect(b.record(entry({ id: `b${i}`, startedAt: t + i, costUsd: 0.002, sessionId: 'same' }))).toBe(true);
    }
    expect(errors).toEqual([]);
    for (const l of [a, b]) {
      const r = l.report({ from: local(2026, 5, 5), to: local(2026, 5, 6) });
      expect(r.totals).toMatchObject({ requests: 1000, costUsd: 1.5 });
      expect(r.topSessions).toMatchObject([{ sessionId: 'same', requests: 1000 }]);
      expect(l.entries({ from: t, to: t + 1000 })).toHaveLength(1000);
    }
    a.close();
    b.close();
  });

  it('two processes writing at the same time: no lost rows, no busy errors', async () => {
    const file = tmp.file();
    new UsageLedger(file).close(); // create the schema first so both children race only on writes
    const start = local(2026, 5, 6, 9);
    const n = 1500;
    const [x, y] = await Promise.all([runWriter(file, 'px', n, start), runWriter(file, 'py', n, start)]);
    expect(x).toEqual({ code: 0, stderr: '' });
    expect(y).toEqual({ code: 0, stderr: '' });
    const ledger = new UsageLedger(file);
    const range = { from: local(2026, 5, 6), to: local(2026, 5, 7) };
    const all = ledger.entries(range);
    expect(all).toHaveLength(2 * n);
    expect(new Set(all.map((e) => e.id)).size).toBe(2 * n);
    const r = ledger.report(range);
    expect(r.totals).toMatchObject({ requests: 2 * n, inputTokens: 2 * n * 1000, costUsd: 2 * n * 0.00065 });
    expect(r.topSessions.map((s) => [s.sessionId, s.requests]).sort()).toEqual([['px-session', n], ['py-session', n]]);
    ledger.close();
  });

  it('two processes creating the schema at once', async () => {
    const file = tmp.file('fresh.db');
    const start = local(2026, 5, 7, 9);
    const [x, y] = await Promise.all([runWriter(file, 'qx', 50, start), runWriter(file, 'qy', 50, start)]);
    expect([x.code, y.code]).toEqual([0, 0]);
    const ledger = new UsageLedger(file);
    expect(ledger.totals({ from: start, to: start + 86_400_000 }).requests).toBe(100);
    ledger.close();
  });
});
