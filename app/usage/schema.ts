// The ledger's SQLite schema and its migrations. `PRAGMA user_version` holds how many migrations have run;
// MIGRATIONS[i] takes the database from version i to i+1. Append, never edit a shipped migration.
//
// Three levels answer a time range (see queries.ts):
//   requests   one row per proxied request (the source of truth; exports and partial-slot edges read it)
//   *_slot     rollups per 15-minute UTC-aligned slot (tz-independent; used for the partial-day edges of a range)
//   *_day      rollups per local day (used for every whole day inside a range; rebuilt if the time zone changes)
// Rollups are updated in the same transaction as the raw insert, so they can never disagree with `requests`.
// Money is INTEGER nano-dollars (1e-9 USD) so sums are exact; NULL cost = unpriced model.
// Rollup keys use '' for a missing model/session so the primary keys stay unique (NULLs are distinct in SQLite).

import type Database from 'better-sqlite3';

type Db = Database.Database;

/** The rows pacing touched; the partial index and the query that uses it must spell it identically. */
export const PACED_ROWS = '(queued_ms > 0 OR retries > 0 OR fallback_from IS NOT NULL)';

const TOTALS = `
  requests INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  unpriced INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cached_tokens INTEGER NOT NULL DEFAULT 0,
  cost_nusd INTEGER NOT NULL DEFAULT 0`;

export const MIGRATIONS: ReadonlyArray<(db: Db) => void> = [
  // 0 → 1: initial schema.
  (db) => {
    db.exec(`
      CREATE TABLE requests (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL,
        started_at INTEGER NOT NULL,          -- epoch ms
        path TEXT NOT NULL,
        client_model TEXT,
        mistral_model TEXT,
        stream INTEGER NOT NULL,
        status INTEGER NOT NULL,
        error_type TEXT,
        error_message TEXT,
        stop_reason TEXT,
        input_tokens INTEGER NOT NULL,        -- uncached
        output_tokens INTEGER NOT NULL,
        cached_tokens INTEGER NOT NULL,
        cost_nusd INTEGER,                    -- NULL = no price known
        latency_ms INTEGER NOT NULL,
        ttft_ms INTEGER,
        tool_count INTEGER NOT NULL,
        session_id TEXT
      );
      CREATE UNIQUE INDEX requests_id ON requests(id);
      CREATE INDEX requests_started_at ON requests(started_at);

      CREATE TABLE agg_day (
        day_start INTEGER NOT NULL, day_end INTEGER NOT NULL, day TEXT NOT NULL,
        mistral_model TEXT NOT NULL, client_model TEXT NOT NULL, ${TOTALS},
        PRIMARY KEY (day_start, mistral_model, client_model)
      ) WITHOUT ROWID;
      CREATE TABLE agg_slot (
        slot INTEGER NOT NULL, mistral_model TEXT NOT NULL, client_model TEXT NOT NULL, ${TOTALS},
        PRIMARY KEY (slot, mistral_model, client_model)
      ) WITHOUT ROWID;

      CREATE TABLE hist_day (
        day_start INTEGER NOT NULL, day_end INTEGER NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (day_start, bucket)
      ) WITHOUT ROWID;
      CREATE TABLE hist_slot (
        slot INTEGER NOT NULL, bucket INTEGER NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (slot, bucket)
      ) WITHOUT ROWID;

      CREATE TABLE sess_day (
        day_start INTEGER NOT NULL, day_end INTEGER NOT NULL, session_id TEXT NOT NULL, ${TOTALS},
        first_at INTEGER NOT NULL, last_at INTEGER NOT NULL,
        PRIMARY KEY (day_start, session_id)
      ) WITHOUT ROWID;
      CREATE TABLE sess_slot (
        slot INTEGER NOT NULL, session_id TEXT NOT NULL, ${TOTALS},
        first_at INTEGER NOT NULL, last_at INTEGER NOT NULL,
        PRIMARY KEY (slot, session_id)
      ) WITHOUT ROWID;

      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    `);
  },
  // 1 → 2: pacing — time queued under the rate limit, retries after a 429, and the fallback model story.
  (db) => {
    db.exec(`
      ALTER TABLE requests ADD COLUMN queued_ms INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE requests ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE requests ADD COLUMN fallback_from TEXT;
      ALTER TABLE requests ADD COLUMN fallback_reason TEXT;
    `);
  },
  // 2 → 3: a session's project (working directory or first prompt), kept once per session for the dashboard.
  (db) => {
    db.exec(`CREATE TABLE session_names (session_id TEXT PRIMARY KEY, project TEXT NOT NULL) WITHOUT ROWID;`);
  },
  // 3 → 4: the dashboard's pacing numbers read only the rows pacing touched (few), not every request in a range;
  // the index covers the summed columns, so the table itself is not read.
  (db) => {
    db.exec(`CREATE INDEX requests_paced ON requests(started_at, queued_ms, retries, fallback_from) WHERE ${PACED_ROWS};`);
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the file up to SCHEMA_VERSION inside one IMMEDIATE transaction, so two processes opening the same new
 * file cannot both run a migration (the second waits on the lock, then sees the new user_version).
 * Throws if the file was written by a newer build (unknown schema): the caller should not write to it.
 */
export function migrate(db: Db): void {
  const run = db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`usage database schema v${version} is newer than this build (v${SCHEMA_VERSION})`);
    }
    for (let v = version; v < SCHEMA_VERSION; v++) MIGRATIONS[v](db);
    // PRAGMA takes no bound parameters; SCHEMA_VERSION is an integer constant.
    if (version !== SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
  });
  run.immediate();
}
