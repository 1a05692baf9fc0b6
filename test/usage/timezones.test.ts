// Local-day logic under awkward zones: half- and quarter-hour offsets, DST days of 23/25 hours, a 30-minute DST
// shift, and a ledger reopened in a different zone (its per-day rollups must be rebuilt).
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageLedger } from '../../app/usage/ledger.js';
import { planRange } from '../../app/usage/queries.js';
import { addLocalDays, localDayKey, rangeFor, startOfLocalDay } from '../../app/usage/time.js';
import { local, tempDir } from './helpers.js';
import { oracleReport } from './oracle.js';
import { randomEntries, randomRanges } from './random-data.js';

const originalTz = process.env.TZ;
afterAll(() => {
  if (originalTz === undefined) delete process.env.TZ;
  else process.env.TZ = originalTz;
});

const ZONES = ['Europe/Paris', 'America/St_Johns', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'Pacific/Chatham'];

describe.each(ZONES)('in %s', (zone) => {
  it('reports agree with the oracle across DST changes', () => {
    process.env.TZ = zone;
    const tmp = tempDir();
    const ledger = new UsageLedger(tmp.file());
    try {
      // Europe's spring change (2026-03-29) and the southern autumn change (2026-04-05) are both inside.
      const start = local(2026, 3, 27);
      const data = randomEntries(start, 10, 2000, 21);
      ledger.recordMany(data);
      for (const range of randomRanges(start, 10, 60, 5)) {
        expect(ledger.report(range)).toMatchObject(oracleReport(data, range));
      }
    } finally {
      ledger.close();
      tmp.cleanup();
    }
  });

  it('presets are whole local days and plans cover the range exactly', () => {
    process.env.TZ = zone;
    const now = local(2026, 3, 29, 12);
    const r7 = rangeFor('7d', now);
    expect(startOfLocalDay(r7.from)).toBe(r7.from);
    expect(localDayKey(r7.from)).toBe('2026-03-23');
    expect(r7.to).toBe(addLocalDays(now, 1));
    const plan = planRange({ from: local(2026, 3, 28, 7, 3), to: local(2026, 3, 30, 13, 31) });
    expect([plan.dFrom, plan.dTo]).toEqual([local(2026, 3, 29), local(2026, 3, 30)]);
    expect(plan.k1).toBe('2026-03-28');
    expect(plan.k2).toBe('2026-03-30');
  });
});

describe('a ledger reopened in another time zone', () => {
  it('a ledger written by an older build (zone stored by name) keeps its rollups in the same zone and is rebuilt in another', () => {
    const tmp = tempDir();
    try {
      process.env.TZ = 'Europe/Paris';
      const start = local(2026, 5, 1);
      const data = randomEntries(start, 3, 300, 4);
      let ledger = new UsageLedger(tmp.file());
      ledger.recordMany(data);
      ledger.close();
      // What an older build left: the zone's name, and day rollups that a rebuild would not touch.
      const db = new Database(tmp.file());
      db.prepare("UPDATE meta SET value = 'Europe/Paris' WHERE key = 'tz'").run();
      const bumped = db.prepare('UPDATE agg_day SET requests = requests + 1000 WHERE day_start = (SELECT min(day_start) FROM agg_day)').run().changes;
      db.close();
      expect(bumped).toBeGreaterThan(0);
      ledger = new UsageLedger(tmp.file());
      const whole = { from: local(2026, 4, 30), to: local(2026, 5, 5) };
      expect(ledger.report(whole).totals.requests).toBe(data.length + 1000 * bumped); // same zone: not rebuilt
      ledger.close();
      const meta = () => {
        const d = new Database(tmp.file(), { readonly: true });
        try { return (d.prepare("SELECT value FROM meta WHERE key = 'tz'").get() as { value: string }).value; } finally { d.close(); }
      };
      expect(meta()).toMatch(/^days:/);
      process.env.TZ = 'America/Los_Angeles';
      ledger = new UsageLedger(tmp.file());
      expect(ledger.report(whole)).toMatchObject(oracleReport(data, whole)); // another zone: rebuilt from raw rows
      ledger.close();
      expect(meta()).not.toBe('Europe/Paris');
    } finally {
      tmp.cleanup();
    }
  });


  it('rebuilds its per-day rollups so days follow the new zone', () => {
    const tmp = tempDir();
    try {
      process.env.TZ = 'Europe/Paris';
      const start = local(2026, 5, 1);
      const data = randomEntries(start, 4, 1000, 9);
      let ledger = new UsageLedger(tmp.file());
      ledger.recordMany(data);
      ledger.close();
      process.env.TZ = 'America/Los_Angeles';
      ledger = new UsageLedger(tmp.file());
      for (const range of randomRanges(start, 4, 40, 3)) expect(ledger.report(range)).toMatchObject(oracleReport(data, range));
      // And it keeps writing consistently in the new zone.
      const more = randomEntries(start, 4, 200, 10);
      for (const e of more) ledger.record(e);
      const all = [...data, ...more];
      const whole = { from: local(2026, 4, 30), to: local(2026, 5, 6) };
      expect(ledger.report(whole)).toMatchObject(oracleReport(all, whole));
      ledger.close();
    } finally {
      tmp.cleanup();
    }
  });
});
