import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageLedger } from '../../app/usage/ledger.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../app/usage/schema.js';
import { entry, tempDir } from './helpers.js';

// The pacing columns (time queued, retries, fallback model and reason): stored and read back, and a ledger written
// by the previous schema keeps every row when it gains them.

const tmp = tempDir();
afterAll(() => tmp.cleanup());


describe('ledger pacing columns', () => {
  it('round-trips queued time, retries and the fallback story; plain rows keep their old shape', () => {
    const ledger = new UsageLedger(tmp.file('a.db'));
    const t = Date.now();
    const paced = entry({ startedAt: t, queuedMs: 4200, retries: 1, mistralModel: 'mistral-medium-latest', fallbackFrom: 'mistral-large-latest', fallbackReason: 'rate_limited' });
    const plain = entry({ startedAt: t + 1 });
    ledger.record(paced);
    ledger.record(plain);
    const [p2, p1] = ledger.recent(10);
    expect(p1).toEqual(paced);
    expect(p2).toEqual(plain);
    expect(p2).not.toHaveProperty('fallbackFrom');
    ledger.close();
  });

  it('a v1 ledger migrates to the current schema with its rows intact', () => {
    const file = tmp.file('old.db');
    const db = new Database(file);
    MIGRATIONS[0](db);
    db.pragma('user_version = 1');
    db.prepare(`INSERT INTO requests (id, started_at, path, client_model, mistral_model, stream, status, input_tokens, output_tokens,
      cached_tokens, cost_nusd, latency_ms, tool_count) VALUES ('req_old', 1000, '/v1/messages', 'claude-x', 'mistral-large-latest', 0, 200, 10, 5, 0, 20, 50, 0)`).run();
    db.close();

    const ledger = new UsageLedger(file);
    const rows = ledger.recent(10);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: 'req_old', inputTokens: 10, outputTokens: 5 });
    expect(rows[0].queuedMs).toBeUndefined();
    ledger.record(entry({ startedAt: 2000, retries: 2, queuedMs: 3000 }));
    expect(ledger.recent(1)[0]).toMatchObject({ retries: 2, queuedMs: 3000 });
    ledger.close();
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
  });
});
