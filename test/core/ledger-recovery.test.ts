import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startCoreStack, type CoreStack } from './core-stack.js';

// A damaged usage.sqlite at start: the core still starts, the file is moved aside, and both /status and the core
// status the window reads (over the UI bridge) say what happened; requests are recorded in the fresh ledger.

let stack: CoreStack | null = null;
afterEach(async () => {
  await stack?.close();
  stack = null;
});

it('starts on a fresh ledger and says so in /status and in proxy.status', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ccproxy-damaged-'));
  writeFileSync(join(dataDir, 'usage.sqlite'), 'definitely not SQLite '.repeat(500));
  stack = await startCoreStack({ dataDir });
  const aside = readdirSync(dataDir).filter((f) => /^usage\.corrupt-.*\.sqlite$/.test(f));
  expect(aside).toHaveLength(1);

  const status = (await (await fetch(`${stack.url}/status`)).json()) as { ledger?: { status: string; moved_to: string; recovered_rows: number; message: string } };
  expect(status.ledger).toMatchObject({ status: 'recovered', recovered_rows: 0 });
  expect(status.ledger!.moved_to).toBe(join(dataDir, aside[0]));
  expect(status.ledger!.message).toMatch(/usage ledger was damaged/);

  const core = await stack.api.invoke('proxy.status', undefined);
  expect(core.running).toBe(true);
  expect(core.notice).toMatch(/usage ledger was damaged.*moved to .*usage\.corrupt-/);
  expect(core.error).toBe(core.notice); // the window's status line shows it

  const res = await stack.messages({ model: 'claude-sonnet-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
  expect(res.status).toBe(200);
  const id = res.headers.get('request-id');
  await res.text();
  const end = Date.now() + 5_000;
  let ids: string[] = [];
  while (!ids.includes(id!) && Date.now() < end) {
    ids = (await stack.api.invoke('logs.recent', { limit: 10 })).map((r) => r.id);
    await new Promise((r) => setTimeout(r, 25));
  }
  expect(ids).toContain(id);
});

it('a healthy ledger: no notice, /status has no ledger entry', async () => {
  stack = await startCoreStack({});
  const status = (await (await fetch(`${stack.url}/status`)).json()) as Record<string, unknown>;
  expect(status.ledger).toBeUndefined();
  const core = await stack.api.invoke('proxy.status', undefined);
  expect(core.notice ?? null).toBeNull();
  expect(core.error).toBeNull();
});
