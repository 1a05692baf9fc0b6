import { closeSync, existsSync, openSync, readdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageLedger } from '../../app/usage/ledger.js';
import { entry, tempDir } from './helpers.js';

// A damaged usage.sqlite must not stop the proxy: it is detected at open, moved aside with its -wal/-shm as
// usage.corrupt-<time>.sqlite, a fresh ledger starts, and every row still readable is carried over.
// And the ledger's files are private: 0600 in a 0700 directory, whatever the umask.

const dirs: Array<ReturnType<typeof tempDir>> = [];
afterEach(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

const N = 3000;
const now = Date.now();

/** A ledger file with N rows, closed cleanly; returns its path. */
function filled(): { dir: string; path: string } {
  const d = tempDir();
  dirs.push(d);
  const path = d.file('usage.sqlite');
  const l = new UsageLedger(path);
  l.recordMany(Array.from({ length: N }, (_, i) => entry({ startedAt: now - N + i, inputTokens: 100, costUsd: 0.001, errorMessage: `padding ${'y'.repeat(100)}` })));
  l.close();
  return { dir: d.dir, path };
}

function pageOf(path: string, sql: string): { page: number; size: number } {
  const db = new Database(path, { readonly: true });
  const size = db.pragma('page_size', { simple: true }) as number;
  const page = (db.prepare(sql).get() as { p: number }).p;
  db.close();
  return { page, size };
}

function smash(path: string, page: number, size: number): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(size, 0xa5), 0, size, (page - 1) * size);
  closeSync(fd);
}

const corruptFiles = (dir: string) => readdirSync(dir).filter((f) => /^usage\.corrupt-.*\.sqlite$/.test(f));

describe('a damaged ledger at open', () => {
  it('a damaged index page: moved aside, fresh ledger, every row recovered with its rollups', () => {
    const { dir, path } = filled();
    const { page, size } = pageOf(path, "SELECT rootpage p FROM sqlite_master WHERE name = 'requests_started_at'");
    smash(path, page, size);
    const errors: unknown[] = [];
    const l = new UsageLedger(path, { onError: (e) => errors.push(e) });
    try {
      expect(l.recovery).not.toBeNull();
      expect(l.recovery!.movedTo).toMatch(/usage\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z\.sqlite$/);
      expect(corruptFiles(dir)).toHaveLength(1);
      expect(existsSync(l.recovery!.movedTo)).toBe(true);
      expect(l.recovery!.recoveredRows).toBe(N);
      expect(l.pragma('quick_check')).toBe('ok');
      const totals = l.totals({ from: 0, to: now + 1 });
      expect(totals.requests).toBe(N);
      expect(totals.costUsd).toBeCloseTo(N * 0.001, 9);
      expect(l.record(entry({ startedAt: now }))).toBe(true); // and it writes
      expect(errors).toEqual([]);
    } finally {
      l.close();
    }
  });

  it('a damaged table page: the readable rows are recovered, the rest skipped, the proxy starts', () => {
    const { path } = filled();
    // The table's root is an interior page once it spans many pages: smash a leaf in the middle instead.
    const db = new Database(path, { readonly: true });
    const size = db.pragma('page_size', { simple: true }) as number;
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.close();
    smash(path, Math.floor(pages / 3), size);
    const l = new UsageLedger(path, { onError: () => {} });
    try {
      expect(l.recovery).not.toBeNull();
      expect(l.recovery!.recoveredRows).toBeGreaterThan(N / 3);
      expect(l.recovery!.recoveredRows).toBeLessThanOrEqual(N);
      expect(l.totals({ from: 0, to: now + 1 }).requests).toBe(l.recovery!.recoveredRows);
    } finally {
      l.close();
    }
  });

  it('not a database at all → moved aside, a fresh empty ledger', () => {
    const d = tempDir();
    dirs.push(d);
    const path = d.file('usage.sqlite');
    writeFileSync(path, 'this is not a database, it is a sentence long enough to fill a header'.repeat(100));
    writeFileSync(`${path}-wal`, 'junk');
    writeFileSync(`${path}-shm`, 'junk');
    const l = new UsageLedger(path);
    try {
      expect(l.recovery).toMatchObject({ recoveredRows: 0 });
      const aside = l.recovery!.movedTo;
      expect(existsSync(aside)).toBe(true);
      // SQLite itself drops a WAL it cannot use when the failed connection closes; whatever was left went along.
      for (const f of readdirSync(d.dir)) expect(f).toMatch(/^usage\.(corrupt-.*\.)?sqlite(-wal|-shm)?$/);
      expect(statSync(aside).size).toBeGreaterThan(1000);
      expect(l.totals({ from: 0, to: now + 1 }).requests).toBe(0);
      expect(l.record(entry({ startedAt: now }))).toBe(true);
    } finally {
      l.close();
    }
  });

  it('a healthy file is left alone', () => {
    const { dir, path } = filled();
    const l = new UsageLedger(path);
    expect(l.recovery).toBeNull();
    l.close();
    expect(corruptFiles(dir)).toEqual([]);
  });
});

describe('file permissions', () => {
  it('ledger and its -wal/-shm are 0600 and a new data dir 0700, even under umask 000; an old 0644 file is tightened', () => {
    const d = tempDir();
    dirs.push(d);
    const old = process.umask(0);
    try {
      const dataDir = join(d.dir, 'data');
      const path = join(dataDir, 'usage.sqlite');
      const l = new UsageLedger(path);
      l.record(entry({ startedAt: now }));
      const mode = (f: string) => statSync(f).mode & 0o777;
      expect(mode(dataDir)).toBe(0o700);
      expect(mode(path)).toBe(0o600);
      expect(mode(`${path}-wal`)).toBe(0o600);
      expect(mode(`${path}-shm`)).toBe(0o600);
      l.close();
      const loose = join(d.dir, 'loose.sqlite');
      writeFileSync(loose, '', { mode: 0o644 });
      const l2 = new UsageLedger(loose);
      l2.record(entry({ startedAt: now }));
      expect(mode(loose)).toBe(0o600);
      expect(mode(`${loose}-wal`)).toBe(0o600);
      l2.close();
    } finally {
      process.umask(old);
    }
  });
});
