import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_CSP, APP_URL } from '../../main/app-protocol.js';
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
interface FakeMenuItem { id?: string; label?: string; type?: string; enabled: boolean; checked?: boolean; submenu?: FakeMenuItem[] }
interface FakeDocument { url: string; status: number; headers: Record<string, string>; subresources: { ref: string; url?: string; status: number | string; type?: string }[] }
interface FakeState {
  ready: boolean;
  tooltip: string | null;
  menu: FakeMenuItem[];
  menuBuilds: number;
  clipboard: string[];
  privileged?: Record<string, Record<string, boolean>>;
  windows: { visible: boolean; destroyed: boolean; url: string | null; documents: FakeDocument[]; options: Record<string, unknown> }[];
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
    // The window shows ccproxy://app/ (not file://), its document came with a CSP header, and its content area
    // cannot shrink below the UI's 480 px.
    const win = await until('the window\'s page', stateOf(first), (s) => s.windows[0]?.documents.length === 1);
    expect(win.privileged?.ccproxy).toMatchObject({ standard: true, secure: true });
    expect(win.windows[0]!.url).toBe(APP_URL);
    expect(win.windows[0]!.documents[0]!.headers['content-security-policy']).toMatch(/^default-src '(self|none)'/);
    expect(win.windows[0]!.options).toMatchObject({ useContentSize: true, minWidth: 480 });
    // Permissions: our page may write the clipboard (its Copy buttons), nothing else; other origins get nothing.
    const ask = (permission: string, url: string) => first.send<{ check: boolean; request: boolean }>('permission', { permission, url });
    expect(await ask('clipboard-sanitized-write', `${APP_URL}#settings`)).toEqual({ check: true, request: true });
    for (const permission of ['notifications', 'media', 'geolocation', 'clipboard-read', 'local-network-access', 'openExternal']) {
      expect(await ask(permission, APP_URL), permission).toEqual({ check: false, request: false });
    }
    expect(await ask('clipboard-sanitized-write', 'https://example.com/')).toEqual({ check: false, request: false });
    // Only that page may call the core.
    const foreign = await first.send<{ error?: { type: string } }>('invoke', { channel: 'settings.get', senderUrl: 'file:///tmp/evil.html' });
    expect(foreign.error?.type).toBe('permission_error');

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

  it('the window\'s pages come from ccproxy://app/ with the CSP header; the build\'s assets resolve through it, nothing else does', async () => {
    const appDir = join(base, 'ui-app');
    mkdirSync(join(appDir, 'dist-renderer', 'assets'), { recursive: true });
    writeFileSync(join(appDir, 'package.json'), readFileSync(join(root, 'package.json')));
    writeFileSync(join(appDir, 'dist-renderer', 'index.html'), '<!doctype html><html><head><link rel="stylesheet" href="./assets/app.css">'
      + '<script type="module" crossorigin src="./assets/app.js"></script><link rel="icon" href="./missing.png"></head><body></body></html>');
    writeFileSync(join(appDir, 'dist-renderer', 'assets', 'app.js'), 'export {}');
    writeFileSync(join(appDir, 'dist-renderer', 'assets', 'app.css'), 'body{}');
    const dirs = { userData: join(base, 'ui', 'userData'), keyring: join(base, 'ui', 'keyring') };
    const app = start(dirs, { ...(await portEnv()), FAKE_APP_PATH: appDir });
    const s = await until('the window\'s page', stateOf(app), (st) => st.windows[0]?.documents.length === 1 && runningUrl(st) !== undefined);
    const doc = s.windows[0]!.documents[0]!;
    expect(doc).toMatchObject({ url: APP_URL, status: 200 });
    expect(doc.headers['content-security-policy']).toBe(APP_CSP);
    expect(doc.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(doc.subresources).toEqual([
      { ref: './assets/app.css', url: 'ccproxy://app/assets/app.css', status: 200, type: 'text/css; charset=utf-8' },
      { ref: './assets/app.js', url: 'ccproxy://app/assets/app.js', status: 200, type: 'text/javascript; charset=utf-8' },
      { ref: './missing.png', url: 'ccproxy://app/missing.png', status: 404, type: 'text/plain; charset=utf-8' },
    ]);
    // The page is trusted by its ccproxy:// URL: it reaches the core.
    const status = await app.send<{ result?: { running: boolean } }>('invoke', { channel: 'proxy.status' });
    expect(status.result?.running).toBe(true);
    await app.send('quit');
    expect(await app.exited).toBe(0);
    expect(app.stderr()).not.toMatch(/cannot load its page|Unhandled/);
  });

  it('tray: tier presets through the settings, a pacing line while requests wait, today\'s spend, the setup to copy, at most one redraw a second', async () => {
    const dirs = { userData: join(base, 't', 'userData'), keyring: join(base, 't', 'keyring') };
    const app = start(dirs, { ...(await portEnv()), MISTRAL_API_KEY: KEY, CCPROXY_PACING: 'custom', CCPROXY_PACING_RPS: '2', CCPROXY_PACING_MAX_WAIT_S: '120' });
    const modelMenu = (st: FakeState) => st.menu.find((i) => i.type === 'submenu');
    const checkedPreset = (st: FakeState) => modelMenu(st)?.submenu?.find((i) => i.id?.startsWith('set-preset:') && i.checked)?.id;
    const s = await until('the Model submenu', stateOf(app), (st) => runningUrl(st) !== undefined && checkedPreset(st) !== undefined);
    // The default mapping is the Balanced preset.
    expect(checkedPreset(s)).toBe('set-preset:balanced');
    expect(modelMenu(s)!.label).toBe('Model: mistral-large-latest');
    expect(s.menu.map((i) => i.label)).toContain('Today: $0.00');

    await app.send('click', { item: 'set-preset:all-large' });
    await until('All Large checked', stateOf(app), (st) => checkedPreset(st) === 'set-preset:all-large');
    const tiers = await app.send<{ result: { settings: { tiers: Record<string, string> } } }>('invoke', { channel: 'settings.get' });
    expect(tiers.result.settings.tiers).toEqual({ opus: 'mistral-large-latest', sonnet: 'mistral-large-latest', haiku: 'mistral-large-latest' });
    expect(JSON.parse(readFileSync(join(dirs.userData, 'settings.json'), 'utf8')).tiers).toMatchObject({ haiku: 'mistral-large-latest' });
    await app.send('click', { item: 'set-preset:balanced' });
    await until('Balanced checked again', stateOf(app), (st) => checkedPreset(st) === 'set-preset:balanced');
    // Balanced's Sonnet is "same as default": the pin All Large stored is dropped, the tier follows the default again.
    const balanced = await app.send<{ result: { tierSources: Record<string, string> } }>('invoke', { channel: 'settings.get' });
    expect(balanced.result.tierSources.sonnet).toBe('default');
    expect(JSON.parse(readFileSync(join(dirs.userData, 'settings.json'), 'utf8')).tiers.sonnet).toBeUndefined();

    // A click the app cannot honour: start at login in a dev run (the bare electron binary is never registered).
    // The OS menu flipped the checkbox; the tray must put the truth back.
    await app.send('click', { item: 'auto-launch' });
    expect((await app.send<FakeState>('state')).menu.find((i) => i.id === 'auto-launch')?.checked).toBe(true);
    await until('the checkbox back to the truth', stateOf(app), (st) => st.menu.find((i) => i.id === 'auto-launch')?.checked === false);

    await app.send('click', { item: 'copy-setup' });
    const url = runningUrl(s)!;
    await until('the setup on the clipboard', stateOf(app), (st) => st.clipboard.some((t) => t.includes(`export ANTHROPIC_BASE_URL=${url}`)));

    // Eight requests at 2 per second: most wait their turn, and the tray says so.
    const buildsBefore = (await app.send<FakeState>('state')).menuBuilds;
    const modelLists = () => mock.requests.filter((r) => r.path.endsWith('/models')).length;
    const listsBefore = modelLists();
    const began = Date.now();
    const requests = Array.from({ length: 8 }, () => fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'any', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }),
    }).then((r) => r.status));
    const waiting = await until('the pacing line', stateOf(app), (st) => st.menu.some((i) => /^⏳ Pacing: \d+ waiting for Mistral's rate limit/.test(i.label ?? '')));
    const line = waiting.menu.findIndex((i) => i.label?.startsWith('⏳'));
    expect(line).toBeGreaterThan(0);
    expect(line).toBeLessThanOrEqual(2); // right after the status (and health) line
    expect(waiting.tooltip).toMatch(/· \d+ waiting$/);
    expect(await Promise.all(requests)).toEqual(Array(8).fill(200));
    const after = await until('spend shown, pacing line gone', stateOf(app), (st) =>
      !st.menu.some((i) => i.label?.startsWith('⏳')) && st.menu.some((i) => /^Today: \$0\.\d*[1-9]/.test(i.label ?? '')));
    const seconds = (Date.now() - began) / 1000;
    // Dozens of pacer and request events in that time; the menu followed at most once a second (plus the first).
    expect(after.menuBuilds - buildsBefore).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    expect(after.menuBuilds - buildsBefore).toBeGreaterThanOrEqual(2);
    // The redraws did not ask Mistral for its model list again.
    expect(modelLists()).toBe(listsBefore);
    expect(mock.violations()).toEqual([]);
    await app.send('quit');
    expect(await app.exited).toBe(0);
  });

  it('tray health: without a key, "⚠ Needs key" and "Add API key…", which opens the window on Settings', async () => {
    const dirs = { userData: join(base, 'h', 'userData'), keyring: join(base, 'h', 'keyring') };
    const app = start(dirs, await portEnv(), ['--hidden']);
    const s = await until('the health line', stateOf(app), (st) => st.menu.some((i) => i.id?.startsWith('health-action:')));
    const at = s.menu.findIndex((i) => i.label === '⚠ Needs key');
    expect(at).toBe(1);
    expect(s.menu[at + 1]).toMatchObject({ id: 'health-action:add_key', label: 'Add API key…', enabled: true });
    expect(s.windows).toEqual([]);
    await app.send('click', { item: 'health-action:add_key' });
    const opened = await until('the window on Settings', stateOf(app), (st) => st.windows[0]?.url === `${APP_URL}#settings`);
    expect(opened.windows[0]!.visible).toBe(true);
    // Hidden, then asked again: the same window comes back on Settings without reloading the page.
    await app.send('close-window');
    await app.send('click', { item: 'health-action:add_key' });
    const again = await until('shown again', stateOf(app), (st) => st.windows[0]?.visible === true);
    expect(again.windows).toHaveLength(1);
    expect(again.windows[0]!.documents).toHaveLength(1);
    await app.send('quit');
    expect(await app.exited).toBe(0);
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
