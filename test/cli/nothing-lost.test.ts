import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli, waitUntil } from '../helpers/cli-process.js';
import { startMockMistral, type MockMistral } from '../mock-mistral/index.js';

// Nothing lost: the headless process (`node dist/app/cli.js`, the bin entry) under concurrent load keeps exactly one
// ledger row and one log line per request, across SIGTERM with requests in flight, and across SIGKILL for every
// request that finished more than the stated batching interval (100 ms ledger, 100 ms log) before the kill.

// Generous against the 100 ms intervals: a loaded CI machine can delay timers a lot.
const PAST_THE_INTERVAL_MS = 1500;

const run = (env: Record<string, string>) => spawnCli([], env);
const waitFor = (cond: () => boolean, ms?: number) => waitUntil(cond, 'the condition', ms);

let mock: MockMistral | null = null;
afterEach(async () => {
  await mock?.close();
  mock = null;
});

async function startHeadless(): Promise<{ p: ReturnType<typeof run>; url: string; dataDir: string }> {
  mock = await startMockMistral();
  const dataDir = mkdtempSync(join(tmpdir(), 'ccproxy-lost-'));
  const p = run({ MISTRAL_API_KEY: mock.apiKey, MISTRAL_BASE_URL: mock.url, CCPROXY_PORT: '0', CCPROXY_HOST: '127.0.0.1', CCPROXY_DATA_DIR: dataDir });
  await waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(p.out()));
  return { p, url: /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(p.out())![1], dataDir };
}

/** One request; resolves with its request-id once the whole body has arrived, or null if it never got an answer. */
async function one(url: string, i: number): Promise<string | null> {
  try {
    const res = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: i % 2 === 0, messages: [{ role: 'user', content: `request ${i}` }] }),
    });
    const id = res.headers.get('request-id');
    await res.text().catch(() => '');
    return id;
  } catch {
    return null; // refused after the listener closed
  }
}

/** Runs requests `concurrency` at a time until `stop()`; returns each answered request-id with when its body ended. */
async function loadUntil(url: string, concurrency: number, stop: () => boolean): Promise<Array<{ id: string; at: number }>> {
  const done: Array<{ id: string; at: number }> = [];
  let i = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (!stop()) {
      const id = await one(url, i++);
      if (id) done.push({ id, at: Date.now() });
    }
  }));
  return done;
}

/** Runs `total` requests, `concurrency` at a time; `onDone` sees the count of finished ones. */
async function load(url: string, total: number, concurrency: number, onDone?: (n: number) => void): Promise<Array<string | null>> {
  const ids: Array<string | null> = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      ids[i] = await one(url, i);
      onDone?.(ids.filter((x) => x !== undefined).length);
    }
  }));
  return ids;
}

function ledgerIds(dataDir: string): string[] {
  const db = new Database(join(dataDir, 'usage.sqlite'));
  try {
    return (db.prepare('SELECT id FROM requests').all() as Array<{ id: string }>).map((r) => r.id);
  } finally {
    db.close();
  }
}

function logIds(dataDir: string): string[] {
  return readFileSync(join(dataDir, 'ccproxy.log'), 'utf8').split('\n').filter(Boolean)
    .map((l) => JSON.parse(l) as { msg?: string; req?: string; path?: string })
    .filter((l) => (l.msg === 'request' || l.msg === 'request failed') && l.path === '/v1/messages')
    .map((l) => l.req!);
}

const sorted = (xs: string[]) => [...xs].sort();

describe('one ledger row and one log line per request, whatever happens to the process', () => {
  it('under load, then SIGKILL once the batching interval has passed', async () => {
    const { p, url, dataDir } = await startHeadless();
    const ids = await load(url, 200, 24);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    await new Promise((r) => setTimeout(r, PAST_THE_INTERVAL_MS));
    p.child.kill('SIGKILL');
    await p.exit;
    const rows = ledgerIds(dataDir);
    expect(rows).toHaveLength(200);
    expect(sorted(rows)).toEqual(sorted(ids as string[]));
    expect(sorted(logIds(dataDir))).toEqual(sorted(rows));
  });

  it('SIGKILL in the middle of the load: every request answered more than the interval before the kill is there, once', async () => {
    const { p, url, dataDir } = await startHeadless();
    mock!.streamOptions.chunkDelayMs = 5;
    let killedAt = 0;
    const started = Date.now();
    const loading = loadUntil(url, 32, () => killedAt > 0);
    // Killed while 32 requests are in flight, after enough of the load to have rows well before the kill.
    await waitFor(() => Date.now() - started > PAST_THE_INTERVAL_MS + 1500, 30_000);
    killedAt = Date.now();
    p.child.kill('SIGKILL');
    await p.exit;
    const answered = await loading;
    const before = answered.filter((r) => r.at < killedAt - PAST_THE_INTERVAL_MS).map((r) => r.id);
    expect(before.length).toBeGreaterThan(20);
    const rows = ledgerIds(dataDir);
    expect(new Set(rows).size).toBe(rows.length);
    for (const id of before) expect(rows).toContain(id);
    const lines = logIds(dataDir);
    expect(new Set(lines).size).toBe(lines.length);
    for (const id of before) expect(lines).toContain(id);
  });

  it('under load with streams in flight, SIGTERM: every answered request is in the ledger and the log, once', async () => {
    const { p, url, dataDir } = await startHeadless();
    mock!.streamOptions.chunkDelayMs = 15;
    let signalled = false;
    const ids = await load(url, 300, 32, (n) => {
      if (n >= 120 && !signalled) {
        signalled = true;
        p.child.kill('SIGTERM');
      }
    });
    expect(await p.exit).toBe(0);
    const answered = ids.filter((id): id is string => typeof id === 'string');
    expect(answered.length).toBeGreaterThanOrEqual(120);
    const rows = ledgerIds(dataDir);
    expect(new Set(rows).size).toBe(rows.length);
    for (const id of answered) expect(rows).toContain(id);
    expect(sorted(logIds(dataDir))).toEqual(sorted(rows));
  });
});
