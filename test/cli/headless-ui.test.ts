import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli, waitUntil, type CliRun } from '../helpers/cli-process.js';
import { startMockMistral, text, type MockMistral } from '../mock-mistral/index.js';

// `npm run headless -- --ui` as a user runs it: a real process that prints a tokenised UI URL (like a notebook
// server), serves the bridge under /ui on the proxy's port, starts even without a key, and exits 0 on SIGTERM.

const UI_LINE = /^ {2}UI: (http:\/\/127\.0\.0\.1:(\d+))\/ui\/\?token=([0-9a-f]{64})$/m;

const running: CliRun[] = [];

function run(args: string[], env: Record<string, string>): CliRun {
  const r = spawnCli(args, {
    HOME: mkdtempSync(join(tmpdir(), 'ccproxy-home-')),
    CCPROXY_PORT: '0',
    CCPROXY_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccproxy-cli-ui-')),
    ...env,
  });
  running.push(r);
  return r;
}

const waitFor = <T>(fn: () => T | null | undefined | false, what: string, ms = 20_000) => waitUntil(fn, what, ms);

let mock: MockMistral | null = null;
afterEach(async () => {
  for (const r of running.splice(0)) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  await mock?.close();
  mock = null;
});

const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
const json = { 'content-type': 'application/json' };

describe('npm run headless -- --ui', () => {
  it('prints the tokenised UI URL; opening it sets the cookie that unlocks the UI and its API; SIGTERM exits 0', async () => {
    mock = await startMockMistral();
    const p = run(['--ui'], { MISTRAL_API_KEY: mock.apiKey, MISTRAL_BASE_URL: mock.url });
    const [, base, port, token] = await waitFor(() => UI_LINE.exec(p.out()), 'the UI line');
    expect(p.out()).toContain(`listening on ${base}`);
    expect(Number(port)).toBeGreaterThan(0);

    // Without the token: 401.
    expect((await fetch(`${base}/ui/`)).status).toBe(401);
    expect((await fetch(`${base}/ui/api/settings.get`, { method: 'POST', headers: json })).status).toBe(401);

    const open = await fetch(`${base}/ui/?token=${token}`, { redirect: 'manual' });
    expect(open.status).toBe(302);
    expect(open.headers.get('location')).toBe('/ui/');
    const setCookie = open.headers.get('set-cookie')!;
    expect(setCookie).toMatch(new RegExp(`^ccproxy_ui=${token};`));
    expect(setCookie).toMatch(/httponly/i);
    expect(setCookie).toMatch(/samesite=strict/i);
    const cookie = setCookie.split(';')[0];

    const page = await fetch(`${base}/ui/`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<html/i);

    const view = await fetch(`${base}/ui/api/settings.get`, { method: 'POST', headers: { ...json, cookie } });
    expect(view.status).toBe(200);
    const viewText = await view.text();
    expect(JSON.parse(viewText).result.apiKey).toMatchObject({ set: true, source: 'env', last4: mock.apiKey.slice(-4) });
    expect(viewText).not.toContain(mock.apiKey);

    // The proxy itself still works, and the request shows up through the bridge.
    expect((await fetch(`${base}/v1/messages`, { method: 'POST', headers: json, body })).status).toBe(200);
    let entries: Array<{ status: number; path: string }> = [];
    for (let i = 0; i < 100 && entries.length === 0; i++) {
      const r = await fetch(`${base}/ui/api/logs.recent`, { method: 'POST', headers: { ...json, cookie }, body: '{"limit":5}' });
      entries = ((await r.json()) as { result: typeof entries }).result;
      if (entries.length === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ status: 200, path: '/v1/messages' });

    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
    expect(p.out()).toContain('stopped');
    expect(p.out()).not.toContain(mock.apiKey);
  });

  it('starts without MISTRAL_API_KEY: /v1/messages is 401 naming the key, a key set in the UI works at once; SIGTERM exits 0', async () => {
    mock = await startMockMistral();
    const dataDir = mkdtempSync(join(tmpdir(), 'ccproxy-cli-ui-'));
    const p = run(['--ui'], { MISTRAL_BASE_URL: mock.url, CCPROXY_DATA_DIR: dataDir });
    const [, base, , token] = await waitFor(() => UI_LINE.exec(p.out()), 'the UI line');
    expect(p.out()).toMatch(/no Mistral API key yet/);

    const refused = await fetch(`${base}/v1/messages`, { method: 'POST', headers: json, body });
    expect(refused.status).toBe(401);
    const err = (await refused.json()) as { type: string; error: { type: string; message: string } };
    expect(err).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect(err.error.message).toMatch(/Mistral API key/);
    expect(err.error.message).toMatch(/MISTRAL_API_KEY/);
    expect(mock.requests).toHaveLength(0);

    const headers = { ...json, 'x-ccproxy-ui-token': token };
    const set = await fetch(`${base}/ui/api/settings.update`, { method: 'POST', headers, body: JSON.stringify({ apiKey: mock.apiKey }) });
    expect(set.status).toBe(200);
    const setText = await set.text();
    expect(setText).not.toContain(mock.apiKey);
    // The listen address did not move: the same URL answers with the new key.
    mock.enqueue(text('now with a key'));
    const ok = await fetch(`${base}/v1/messages`, { method: 'POST', headers: json, body });
    expect(ok.status).toBe(200);
    expect(mock.requests.at(-1)!.headers.authorization).toBe(`Bearer ${mock.apiKey}`);

    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
    expect(p.out()).not.toContain(mock.apiKey);
    expect(readFileSync(join(dataDir, 'ccproxy.log'), 'utf8')).not.toContain(mock.apiKey);
  });

  it('each start gets a new token; an unknown option exits 2 with the usage line', async () => {
    mock = await startMockMistral();
    const a = run(['--ui'], { MISTRAL_API_KEY: mock.apiKey, MISTRAL_BASE_URL: mock.url });
    const b = run(['--ui'], { MISTRAL_API_KEY: mock.apiKey, MISTRAL_BASE_URL: mock.url });
    const [ta, tb] = await Promise.all([a, b].map((r) => waitFor(() => UI_LINE.exec(r.out()), 'the UI line')));
    expect(ta[3]).not.toBe(tb[3]);
    // b's token does not open a's UI.
    expect((await fetch(`${ta[1]}/ui/`, { headers: { 'x-ccproxy-ui-token': tb[3] } })).status).toBe(401);
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exit).toBe(0);
    expect(await b.exit).toBe(0);

    const bad = run(['--bogus'], {});
    expect(await bad.exit).toBe(2);
    expect(bad.out()).toMatch(/unknown option --bogus; usage: npm run headless \[-- --ui\]/);
  });

  it('without --ui there is no bridge: /ui is 404 and no UI line is printed', async () => {
    mock = await startMockMistral();
    const p = run([], { MISTRAL_API_KEY: mock.apiKey, MISTRAL_BASE_URL: mock.url });
    const base = (await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(p.out()), 'listening'))[1];
    expect(p.out()).not.toMatch(/UI:/);
    expect((await fetch(`${base}/ui/`)).status).toBe(404);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
  });
});
