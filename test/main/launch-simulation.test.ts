import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAgent, startMockMistral, type MockMistral } from '../mock-mistral/index.js';

// Launch SIMULATION (not Electron): the compiled main process (dist/main/main.js, built by the global setup) runs in
// its own Node 24 process — Electron 45's Node line — with a fake 'electron' (test/main/simulation/fake-electron.mjs,
// resolved by a module hook) that follows Electron 45's documented behaviour: safeStorage unusable before 'ready',
// async safeStorage, the quit sequence, single-instance lock, windows that throw once destroyed. Real files, real
// sockets, the strict mock Mistral. What it cannot show: that Electron's own binary, Chromium and the OS tray work.

const root = fileURLToPath(new URL('../..', import.meta.url));
const hooks = fileURLToPath(new URL('./simulation/hooks.mjs', import.meta.url));
const KEY = 'sim-key-4c1d';

interface Launched {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr: () => string;
  stdout: () => string;
  send: <T = unknown>(cmd: string, extra?: Record<string, unknown>) => Promise<T>;
}
interface FakeState {
  ready: boolean;
  tooltip: string | null;
  menu: { id?: string; label?: string; enabled: boolean }[];
  windows: { visible: boolean; destroyed: boolean }[];
  dialogs: { message: string; detail?: string }[];
  errorBoxes: unknown[];
  appMenu: null | string;
  appMenuBeforeReady?: boolean;
  unhandled: string[];
  events: string[];
}

function launch(dirs: { userData: string; keyring: string }, env: Record<string, string> = {}, args: string[] = []): Launched {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(MISTRAL_|CCPROXY_|ELECTRON_)/.test(k)));
  const child = spawn(process.execPath, ['--import', hooks, join(root, 'dist/main/main.js'), ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...clean, FAKE_USER_DATA: dirs.userData, FAKE_KEYRING: dirs.keyring, FAKE_APP_PATH: root, XDG_CONFIG_HOME: join(dirs.userData, '..', 'xdg'), ...env },
  });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let next = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  child.on('message', (m: { id: number; reply?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error) p?.reject(new Error(m.error));
    else p?.resolve(m.reply);
  });
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`the app exited (${code}) before answering; stderr: ${err}`));
    pending.clear();
  });
  const send = <T,>(cmd: string, extra: Record<string, unknown> = {}) => new Promise<T>((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`the app has exited (${child.exitCode ?? child.signalCode}); stderr: ${err}`));
    const id = next++;
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    child.send({ id, cmd, ...extra });
  });
  return { child, exited, stderr: () => err, stdout: () => out, send };
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < end) {
    last = await get();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}
const stateOf = (app: Launched) => () => app.send<FakeState>('state');
const runningUrl = (s: FakeState) => s.tooltip?.match(/Running on (\S+)/)?.[1];

const freePort = () => new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});

describe('launch simulation of dist/main/main.js (fake Electron 45 in Node, not Electron)', () => {
  let mock: MockMistral;
  let base: string;
  const apps: Launched[] = [];
  beforeAll(async () => {
    mock = await startMockMistral({ apiKey: KEY });
    base = mkdtempSync(join(tmpdir(), 'ccproxy-launch-sim-'));
  });
  afterAll(async () => {
    for (const a of apps) if (a.child.exitCode === null) a.child.kill('SIGKILL');
    await mock.close();
    rmSync(base, { recursive: true, force: true });
  });
  const start = (dirs: { userData: string; keyring: string }, env: Record<string, string> = {}, args: string[] = []) => {
    const a = launch(dirs, { MISTRAL_BASE_URL: mock.url, ...env }, args);
    apps.push(a);
    return a;
  };
  const portEnv = async () => ({ CCPROXY_PORT: String(await freePort()) });

  it('first launch, key saved, quit; second launch decrypts the key and a request reaches the mock with it', async () => {
    const dirs = { userData: join(base, 'a', 'userData'), keyring: join(base, 'a', 'keyring') };
    const env = await portEnv();
    const first = start(dirs, env);
    const s1 = await until('the first launch to run the proxy', stateOf(first), (s) => runningUrl(s) !== undefined);
    expect(s1.appMenu).toBeNull();
    expect(s1.appMenuBeforeReady).toBe(true);
    expect(s1.windows.filter((w) => w.visible)).toHaveLength(1);

    const saved = await first.send<{ result?: { apiKey: { set: boolean; encrypted: boolean } } }>('invoke', { channel: 'settings.update', request: { apiKey: KEY } });
    expect(saved, JSON.stringify(saved)).toMatchObject({ result: expect.anything() });
    expect(saved.result?.apiKey).toMatchObject({ set: true, encrypted: true });
    const file = readFileSync(join(dirs.userData, 'settings.json'), 'utf8');
    expect(file).not.toContain(KEY);

    // A second instance while the first runs: it must not start a second proxy; it quits at once.
    const second = start(dirs, env);
    expect(await second.exited).toBe(0);

    await first.send('quit');
    expect(await first.exited).toBe(0);
    const last = first.stderr();
    expect(last).not.toMatch(/Unhandled|TypeError/);

    const again = start(dirs, env);
    const s2 = await until('the second launch to run the proxy', stateOf(again), (s) => runningUrl(s) !== undefined);
    const res = await fetch(`${runningUrl(s2)}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'any', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    const chat = mock.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!;
    expect(chat.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(mock.violations()).toEqual([]);
    expect(s2.dialogs).toEqual([]);
    await again.send('quit');
    expect(await again.exited).toBe(0);

    // The keychain lost its key (another machine, a reset keyring): the app says so instead of a silent 401.
    writeFileSync(dirs.keyring, 'ab'.repeat(32));
    const lost = start(dirs, env);
    const s3 = await until('the decrypt warning', stateOf(lost), (s) => s.dialogs.length > 0 && runningUrl(s) !== undefined);
    expect(s3.dialogs[0]!.detail).toMatch(/could not be decrypted/);
    expect(s3.windows.some((w) => w.visible)).toBe(true);
    // …and a request says the same, instead of claiming that no key is configured.
    const refused = await fetch(`${runningUrl(s3)}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'any', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/could not be decrypted/);
    await lost.send('quit');
    expect(await lost.exited).toBe(0);
  });

  it('a plaintext key in the settings file is encrypted at launch', async () => {
    const dirs = { userData: join(base, 'p', 'userData'), keyring: join(base, 'p', 'keyring') };
    const first = start(dirs, await portEnv());
    await until('start', stateOf(first), (s) => runningUrl(s) !== undefined);
    await first.send('quit');
    await first.exited;
    const file = join(dirs.userData, 'settings.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), apiKey: KEY }));
    const app = start(dirs, await portEnv());
    await until('start', stateOf(app), (s) => runningUrl(s) !== undefined);
    const stored = JSON.parse(readFileSync(file, 'utf8')).apiKey;
    expect(stored).toMatchObject({ encrypted: true });
    expect(JSON.stringify(stored)).not.toContain(KEY);
    await app.send('quit');
    expect(await app.exited).toBe(0);
  });

  it('port in use, then a port change in Settings: the proxy starts there and the error clears', async () => {
    const dirs = { userData: join(base, 'b', 'userData'), keyring: join(base, 'b', 'keyring') };
    const busy: Server = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => busy.once('listening', r));
    const busyPort = (busy.address() as { port: number }).port;
    try {
      // The port is a stored setting here (an env value would pin it).
      mkdirSync(dirs.userData, { recursive: true });
      writeFileSync(join(dirs.userData, 'settings.json'), JSON.stringify({ port: busyPort }));
      const app = start(dirs, {});
      const failed = await until('the port error', stateOf(app), (s) => /already in use/.test(s.tooltip ?? ''));
      expect(failed.menu.find((i) => i.id === 'start')).toBeDefined();
      const freeP = await freePort();
      await app.send('invoke', { channel: 'settings.update', request: { port: freeP } });
      const ok = await until('the proxy on the new port', stateOf(app), (s) => runningUrl(s) !== undefined);
      expect(runningUrl(ok)).toBe(`http://127.0.0.1:${freeP}`);
      expect(ok.tooltip).not.toMatch(/Error/);
      const status = await app.send<{ result: { error: string | null } }>('invoke', { channel: 'proxy.status' });
      expect(status.result.error).toBeNull();
      await app.send('quit');
      expect(await app.exited).toBe(0);
    } finally {
      busy.close();
    }
  });

  it('quit during in-flight streams: the tray goes inert, no window reopens, streams end, records are written, exit 0', async () => {
    const dirs = { userData: join(base, 'c', 'userData'), keyring: join(base, 'c', 'keyring') };
    const app = start(dirs, { ...(await portEnv()), MISTRAL_API_KEY: KEY });
    const s = await until('start', stateOf(app), (st) => runningUrl(st) !== undefined);
    mock.setResponder(() => ({ kind: 'sse', chunks: [{ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'mistral-large-latest', choices: [{ index: 0, delta: { role: 'assistant', content: 'partial' }, finish_reason: null }] }], hangAfter: true }));
    const streams = [0, 1].map(() => fetch(`${runningUrl(s)}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'any', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    }).then((r) => r.text()));
    await until('both streams at the mock', async () => mock.requests.filter((r) => r.stream && !r.aborted).length, (n) => n >= 2);
    await app.send('quit');
    const quitting = await app.send<FakeState>('state');
    expect(quitting.menu.filter((i) => i.enabled), JSON.stringify(quitting)).toEqual([]);
    // Tray and dock actions during the grace period change nothing and throw nothing.
    await app.send('tray-click');
    await app.send('second-instance');
    await app.send('activate');
    const during = await app.send<FakeState>('state');
    expect(during.windows).toHaveLength(quitting.windows.length);
    expect(during.windows.every((w) => !w.visible && w.destroyed)).toBe(true);
    const bodies = await Promise.all(streams);
    for (const body of bodies) expect(body).toMatch(/event: error|message_stop/);
    expect(await app.exited).toBe(0);
    expect(app.stderr()).not.toMatch(/Object has been destroyed|Unhandled/);
    const db = new Database(join(dirs.userData, 'usage.sqlite'), { readonly: true });
    try {
      const rows = db.prepare('select count(*) as n from requests').get() as { n: number };
      expect(rows.n).toBeGreaterThanOrEqual(2);
    } finally {
      db.close();
    }
    mock.setResponder(defaultAgent);
  });

  it('started at login (--hidden): no window; a tray click opens it; a failed clipboard write is handled; a Windows session end writes the in-flight record', async () => {
    const dirs = { userData: join(base, 'd', 'userData'), keyring: join(base, 'd', 'keyring') };
    const app = start(dirs, { ...(await portEnv()), MISTRAL_API_KEY: KEY, FAKE_CLIPBOARD_FAIL: '1' }, ['--hidden']);
    const s = await until('start', stateOf(app), (st) => runningUrl(st) !== undefined);
    expect(s.windows).toEqual([]);
    await app.send('tray-click');
    expect((await app.send<FakeState>('state')).windows.filter((w) => w.visible)).toHaveLength(1);
    await app.send('click', { item: 'copy-url' });
    await new Promise((r) => setTimeout(r, 100));
    expect((await app.send<FakeState>('state')).unhandled).toEqual([]);

    mock.setResponder(() => ({ kind: 'hang' }));
    const inFlight = fetch(`${runningUrl(s)}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'any', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    }).then((r) => r.text(), (e: Error) => e.message);
    const before = mock.requests.length;
    await until('the request at the mock', async () => mock.requests.length, (n) => n > before);
    expect(await app.send('session-end')).toBe(1);
    await inFlight;
    // The process is still alive (Windows kills it); the record must already be in the ledger.
    const rows = await until('the record in the ledger', async () => {
      const db = new Database(join(dirs.userData, 'usage.sqlite'), { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('select count(*) as n from requests').get() as { n: number }).n;
      } finally {
        db.close();
      }
    }, (n) => n >= 1);
    expect(rows).toBeGreaterThanOrEqual(1);
    mock.setResponder(defaultAgent);
    app.child.kill('SIGKILL');
  });

  it('the app\'s --self-test argument checks the keychain (async safeStorage after ready), settings, ledger and proxy, and exits 0', async () => {
    const dirs = { userData: join(base, 'e', 'userData'), keyring: join(base, 'e', 'keyring') };
    const app = start(dirs, {}, ['--self-test']);
    expect(await app.exited).toBe(0);
    const lines = app.stdout().trim().split('\n');
    expect(lines.slice(1, 5).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(['ok secret-box', 'ok settings', 'ok ledger', 'ok proxy']);
    expect(app.stdout()).toMatch(/secret-box encrypt \+ decrypt round trip/);
    expect(app.stdout()).toMatch(/key encrypted/);

    const noKeyring = start(dirs, { FAKE_KEYRING_DOWN: '1' }, ['--self-test']);
    expect(await noKeyring.exited).toBe(1);
    expect(noKeyring.stdout()).toMatch(/FAIL secret-box OS secret storage is not available/);
  });
});
