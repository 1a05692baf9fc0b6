import { afterEach, describe, expect, it } from 'vitest';
import { CSV_COLUMNS, parseCsv } from '../../app/usage/export.js';
import { UsageLedger } from '../../app/usage/ledger.js';
import { entry, local, tempDir } from './helpers.js';

// The dashboard's current session and pacing numbers, the session name on every read, and the pacing columns of the
// CSV export, on a real SQLite file.

let tmp: ReturnType<typeof tempDir>;
let ledger: UsageLedger;
afterEach(() => {
  ledger?.close();
  tmp?.cleanup();
});

const day = (d: number) => ({ from: local(2026, 5, d), to: local(2026, 5, d + 1) });

describe('report: current session', () => {
  it('is the session of the newest request that names one, with its totals over every day, whatever the range', () => {
    tmp = tempDir();
    ledger = new UsageLedger(tmp.file());
    ledger.record(entry({ startedAt: local(2026, 5, 4, 23), sessionId: 'now', project: '/home/me/shop', costUsd: 0.5, inputTokens: 100, outputTokens: 10 }));
    ledger.record(entry({ startedAt: local(2026, 5, 5, 9), sessionId: 'older', costUsd: 3 }));
    ledger.record(entry({ startedAt: local(2026, 5, 5, 10), sessionId: 'now', costUsd: 0.25, inputTokens: 50, outputTokens: 5 }));
    // A later request without a session does not change which session is current.
    ledger.record(entry({ startedAt: local(2026, 5, 5, 11), sessionId: null, costUsd: 1 }));

    const cur = ledger.report(day(5)).currentSession;
    expect(cur).toMatchObject({ sessionId: 'now', project: '/home/me/shop', requests: 2, inputTokens: 150, outputTokens: 15, costUsd: 0.75 });
    expect(cur?.firstAt).toBe(local(2026, 5, 4, 23));
    expect(cur?.lastAt).toBe(local(2026, 5, 5, 10));
    // Not limited to the range asked for.
    expect(ledger.report(day(1)).currentSession?.sessionId).toBe('now');
  });

  it('is null when no request named a session', () => {
    tmp = tempDir();
    ledger = new UsageLedger(tmp.file());
    ledger.record(entry({ startedAt: local(2026, 5, 5, 9) }));
    expect(ledger.report(day(5)).currentSession).toBeNull();
  });
});

describe('report: pacing', () => {
  it('counts requests that waited, the time waited, retries and fallbacks in the range only', () => {
    tmp = tempDir();
    ledger = new UsageLedger(tmp.file());
    ledger.record(entry({ startedAt: local(2026, 5, 5, 9), queuedMs: 1500 }));
    ledger.record(entry({ startedAt: local(2026, 5, 5, 10), queuedMs: 500, retries: 2 }));
    ledger.record(entry({ startedAt: local(2026, 5, 5, 11), fallbackFrom: 'mistral-large-latest', fallbackReason: 'rate_limited', mistralModel: 'mistral-medium-latest' }));
    ledger.record(entry({ startedAt: local(2026, 5, 5, 12) }));
    ledger.record(entry({ startedAt: local(2026, 5, 6, 9), queuedMs: 9000 }));
    expect(ledger.report(day(5)).pacing).toEqual({ paced: 2, waitMs: 2000, retries: 2, fallbacks: 1 });
    expect(ledger.report(day(7)).pacing).toEqual({ paced: 0, waitMs: 0, retries: 0, fallbacks: 0 });
  });

  it('reads only the rows pacing touched (the partial index), not every request of the range', () => {
    tmp = tempDir();
    ledger = new UsageLedger(tmp.file());
    const db = (ledger as unknown as { db: import('better-sqlite3').Database }).db;
    const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT SUM(queued_ms) FROM requests WHERE started_at >= 0 AND started_at < 1
      AND (queued_ms > 0 OR retries > 0 OR fallback_from IS NOT NULL)`).all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toContain('requests_paced');
  });
});

describe('reads carry the session name', () => {
  it('recent() and the exports give each session\'s project, also on rows that did not state it', () => {
    tmp = tempDir();
    ledger = new UsageLedger(tmp.file());
    const t = local(2026, 5, 5, 9);
    ledger.record(entry({ id: 'r1', startedAt: t, sessionId: 's1', project: '/home/me/app' }));
    ledger.record(entry({ id: 'r2', startedAt: t + 1, sessionId: 's1' }));
    ledger.record(entry({ id: 'r3', startedAt: t + 2 }));
    const recent = ledger.recent(10);
    expect(recent.map((e) => [e.id, e.project])).toEqual([['r3', undefined], ['r2', '/home/me/app'], ['r1', '/home/me/app']]);
    const json = JSON.parse(ledger.exportJson(day(5))) as Array<{ id: string; project?: string }>;
    expect(json.map((e) => e.project)).toEqual(['/home/me/app', '/home/me/app', undefined]);
  });
});

describe('CSV export', () => {
  it('has the session name and the pacing columns (queued wait, retries, fallback model and reason)', () => {
    tmp = tempDir();
    ledger = new UsageLedger(tmp.file());
    const t = local(2026, 5, 5, 9);
    ledger.record(entry({ id: 'p1', startedAt: t, sessionId: 's1', project: '/home/me/app', queuedMs: 2500, retries: 1, mistralModel: 'mistral-medium-latest', fallbackFrom: 'mistral-large-latest', fallbackReason: 'rate_limited' }));
    ledger.record(entry({ id: 'p2', startedAt: t + 1 }));
    const [header, ...rows] = parseCsv(ledger.exportCsv(day(5))).filter((r) => r.length > 1);
    expect(header).toEqual([...CSV_COLUMNS]);
    for (const c of ['project', 'queued_ms', 'retries', 'fallback_from', 'fallback_reason']) expect(header).toContain(c);
    const get = (row: string[], c: string) => row[header.indexOf(c)];
    expect([get(rows[0], 'project'), get(rows[0], 'queued_ms'), get(rows[0], 'retries'), get(rows[0], 'fallback_from'), get(rows[0], 'fallback_reason'), get(rows[0], 'mistral_model')])
      .toEqual(['/home/me/app', '2500', '1', 'mistral-large-latest', 'rate_limited', 'mistral-medium-latest']);
    expect([get(rows[1], 'project'), get(rows[1], 'queued_ms'), get(rows[1], 'retries'), get(rows[1], 'fallback_from')]).toEqual(['', '0', '0', '']);
  });
});
