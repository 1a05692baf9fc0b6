import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageLedger } from '../../app/usage/ledger.js';
import { entry, local, tempDir } from './helpers.js';
import { oracleReport } from './oracle.js';
import { randomEntries } from './random-data.js';

// The proxy's write path: rows batched into one transaction per window, visible to every reader at once, never
// lost on close, and WAL checkpoints moved out of the writes onto an idle timer. Observed from a second SQLite
// connection on the same file, as another process would see it.

const dirs: Array<ReturnType<typeof tempDir>> = [];
const open: UsageLedger[] = [];
afterEach(() => {
  for (const l of open.splice(0)) l.close();
  for (const d of dirs.splice(0)) d.cleanup();
});

function setup(opts: ConstructorParameters<typeof UsageLedger>[1] = {}) {
  const d = tempDir();
  dirs.push(d);
  const path = d.file('usage.sqlite');
  const ledger = new UsageLedger(path, opts);
  open.push(ledger);
  const peer = new Database(path, { readonly: true });
  const rows = () => (peer.prepare('SELECT count(*) n FROM requests').get() as { n: number }).n;
  return { path, ledger, peer, rows };
}

const turn = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = Date.now();

describe('batched writes (enqueue)', () => {
  it('writes a lone request on the next turn of the event loop, not after the window', async () => {
    const { ledger, rows, peer } = setup({ batchMs: 5_000 });
    expect(ledger.enqueue(entry({ startedAt: now }))).toBe(true);
    expect(rows()).toBe(0); // not on the caller's stack
    await turn();
    await turn();
    expect(rows()).toBe(1);
    peer.close();
  });

  it('gathers a burst into one transaction written within the window: a reader sees none or all of it', async () => {
    const { ledger, rows, peer } = setup({ batchMs: 400 });
    ledger.enqueue(entry({ startedAt: now }));
    await turn();
    await turn();
    expect(rows()).toBe(1);
    for (let i = 0; i < 200; i++) ledger.enqueue(entry({ startedAt: now + i, inputTokens: 10, costUsd: 0.001 }));
    expect(ledger.pendingRows).toBe(200);
    const seen = new Set<number>();
    const end = Date.now() + 3_000;
    while (Date.now() < end && rows() < 201) {
      seen.add(rows());
      await sleep(5);
    }
    seen.add(rows());
    expect([...seen].sort((a, b) => a - b)).toEqual([1, 201]);
    peer.close();
  });

  it('every read flushes first, so readers never miss a queued row', () => {
    const { ledger, peer } = setup({ batchMs: 60_000 });
    const e = entry({ startedAt: now, inputTokens: 1000, costUsd: 0.5 });
    ledger.enqueue(entry({ startedAt: now - 1 }));
    ledger.enqueue(e);
    expect(ledger.totals({ from: now - 10, to: now + 10 }).requests).toBe(2);
    ledger.enqueue(entry({ startedAt: now + 1 }));
    expect(ledger.recent(10)).toHaveLength(3);
    ledger.enqueue(entry({ startedAt: now + 2 }));
    expect(JSON.parse(ledger.exportJson({ from: 0, to: now + 10 }))).toHaveLength(4);
    ledger.enqueue(entry({ startedAt: now + 3, costUsd: 1 }));
    expect(ledger.spendUsd({ from: 0, to: now + 10 })).toBeCloseTo(1.5, 9);
    peer.close();
  });

  it('close() writes what is queued; one row per request id, however often it is queued', () => {
    const { ledger, path, peer } = setup({ batchMs: 60_000 });
    const e = entry({ startedAt: now });
    for (let i = 0; i < 3; i++) ledger.enqueue(e);
    for (let i = 0; i < 50; i++) ledger.enqueue(entry({ startedAt: now + i }));
    ledger.close();
    peer.close();
    const again = new UsageLedger(path);
    open.push(again);
    const all = again.entries({ from: 0, to: now + 100 });
    expect(all).toHaveLength(51);
    expect(all.filter((r) => r.id === e.id)).toHaveLength(1);
    expect(again.report({ from: 0, to: now + 100 }).totals.requests).toBe(51);
  });

  it('a batch sums its rollups per key: equal to a rebuild from the raw rows and to the oracle, repeats counted once', () => {
    const { ledger, path, peer } = setup({ batchMs: 60_000 });
    // Two local days, a few sessions and models, errors, streams with a ttft, unpriced rows: many rows per key.
    const data = randomEntries(local(2026, 6, 1, 20), 2, 600, 5);
    for (const e of data) ledger.enqueue(e);
    for (const e of data.slice(0, 40)) ledger.enqueue(e); // the same ids again, in the same batch
    expect(ledger.pendingRows).toBe(640);
    expect(ledger.flush()).toBe(600);
    const db = new Database(path, { readonly: true });
    const dump = () => Object.fromEntries(['agg_day', 'agg_slot', 'hist_day', 'hist_slot', 'sess_day', 'sess_slot', 'session_names'].map((t) => [t, db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2${t === 'session_names' ? '' : ', 3'}`).all()]));
    const batched = dump();
    ledger.rebuildRollups('all');
    const rebuilt = dump();
    delete rebuilt.session_names; // not a rollup: rebuild keeps it as written
    expect(batched).toMatchObject(rebuilt);
    const whole = { from: local(2026, 5, 30), to: local(2026, 6, 4) };
    expect(ledger.report(whole)).toMatchObject(oracleReport(data, whole));
    db.close();
    peer.close();
  });

  it('refuses a bad entry at once (reported, never thrown) without holding up the rest', async () => {
    const errors: unknown[] = [];
    const { ledger, rows, peer } = setup({ batchMs: 10, onError: (err) => errors.push(err) });
    expect(ledger.enqueue({ ...entry({ startedAt: now }), id: '' })).toBe(false);
    expect(ledger.enqueue(entry({ startedAt: now }))).toBe(true);
    await sleep(100);
    expect(rows()).toBe(1);
    expect(errors).toHaveLength(1);
    ledger.close();
    expect(ledger.enqueue(entry({ startedAt: now }))).toBe(false);
    expect(errors).toHaveLength(2);
    peer.close();
  });
});

describe('WAL checkpoints off the write path', () => {
  it('no checkpoint inside the writes; the idle timer copies the WAL into the database file', async () => {
    const { ledger, path, peer } = setup({ batchMs: 1, checkpointMs: 50 });
    peer.close();
    expect(ledger.pragma('wal_autocheckpoint')).toBeGreaterThan(1000);
    const mainSize = () => statSync(path).size;
    const before = mainSize();
    // ~100 batches of 25 rows: enough pages that SQLite's default threshold would have checkpointed inside a write.
    for (let b = 0; b < 100; b++) {
      for (let i = 0; i < 25; i++) ledger.enqueue(entry({ startedAt: now + b * 100 + i, sessionId: `s${b}-${i}`, clientModel: `m${i}`, errorMessage: 'x'.repeat(300) }));
      ledger.flush();
    }
    const walBytes = statSync(`${path}-wal`).size;
    expect(walBytes).toBeGreaterThan(1000 * 4096); // past the default 1000-page autocheckpoint: it did not run
    expect(mainSize()).toBe(before);
    const end = Date.now() + 5_000;
    while (mainSize() === before && Date.now() < end) await sleep(25);
    expect(mainSize()).toBeGreaterThan(before);
  });
});
