import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, waitUntil, watchProcess, type CliRun } from '../helpers/cli-process.js';
import { startMockMistral, text, type MockMistral } from '../mock-mistral/index.js';

// The headless process at its edges: the bind policy (a non-loopback bind needs a token, warns, and accepts its own
// addresses as Host), one-line start-up failures, and SIGTERM through the README's `npm run headless`.

const root = ROOT;

type Run = CliRun;
const running: Run[] = [];

function watch(child: ChildProcess): Run {
  const r = watchProcess(child);
  running.push(r);
  return r;
}

const baseEnv = () => ({ PATH: process.env.PATH ?? '', HOME: mkdtempSync(join(tmpdir(), 'ccproxy-home-')), CCPROXY_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccproxy-bind-')) });

function run(env: Record<string, string>, args: string[] = []): Run {
  return watch(spawn(process.execPath, ['dist/app/cli.js', ...args], { cwd: root, env: { ...baseEnv(), CCPROXY_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

const waitFor = waitUntil;

let mock: MockMistral | null = null;
const servers: Server[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
  for (const s of servers.splice(0)) s.close();
  await mock?.close();
  mock = null;
});

const body = JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });

/** A raw request to 127.0.0.1:port with any Host header. */
async function request(port: number, host: string, headers: Record<string, string> = {}): Promise<{ status: number; json: { error?: { type: string } } }> {
  const { request: httpRequest } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/messages', headers: { host, 'content-type': 'application/json', ...headers } }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(data || '{}') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('bind policy', () => {
  it.each(['0.0.0.0', '::', '192.0.2.44', '[::]'])('CCPROXY_HOST=%s without CCPROXY_AUTH_TOKEN → exit 2, one line', async (host) => {
    const p = run({ MISTRAL_API_KEY: 'k', CCPROXY_HOST: host });
    expect(await p.exit).toBe(2);
    const lines = p.out().trim().split('\n');
    expect(lines, p.out()).toHaveLength(1);
    expect(lines[0]).toMatch(/^ccproxy: CCPROXY_HOST=.* is reachable from other machines: set CCPROXY_AUTH_TOKEN/);
  });

  it('also with --ui (which otherwise starts on any settings problem)', async () => {
    const p = run({ CCPROXY_HOST: '0.0.0.0' }, ['--ui']);
    expect(await p.exit).toBe(2);
    expect(p.out().trim().split('\n')).toHaveLength(1);
  });

  it('loopback stays tokenless: 127.0.0.2 and localhost start without a token', async () => {
    for (const host of ['127.0.0.2', 'localhost']) {
      const p = run({ MISTRAL_API_KEY: 'k', CCPROXY_HOST: host });
      await waitFor(() => /listening on/.test(p.out()), `listening on ${host}`);
      expect(p.out()).not.toMatch(/WARNING/);
      p.child.kill('SIGTERM');
      expect(await p.exit).toBe(0);
    }
  });

  it('0.0.0.0 with a token: warns with a usable address, serves its own addresses as Host with the token, refuses other names', async () => {
    mock = await startMockMistral();
    const p = run({ MISTRAL_API_KEY: mock.apiKey, MISTRAL_BASE_URL: mock.url, CCPROXY_HOST: '0.0.0.0', CCPROXY_AUTH_TOKEN: 'lan-token' });
    const [, url, port] = await waitFor(() => /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(p.out()), 'the listening line');
    const external = Object.values(networkInterfaces()).flat().filter((a) => a && a.family === 'IPv4' && !a.internal).map((a) => a!.address);
    // The warning and the setup lines may reach the pipe after the listening line: wait for them, not read at once.
    await waitFor(() => /WARNING.*\n/.test(p.out()) && /ANTHROPIC_API_KEY=\$CCPROXY_AUTH_TOKEN/.test(p.out()), 'the warning and setup lines');
    const warning = p.out().split('\n').find((l) => /WARNING/.test(l));
    expect(warning, p.out()).toMatch(/bound to 0\.0\.0\.0, reachable from other machines/);
    expect(warning).toMatch(/CCPROXY_AUTH_TOKEN/);
    expect(p.out()).not.toContain('http://0.0.0.0');
    for (const address of external) expect(warning).toContain(`http://${address}:${port}`);
    expect(p.out()).toContain('ANTHROPIC_API_KEY=$CCPROXY_AUTH_TOKEN');
    expect(p.out()).not.toContain('lan-token');

    // Every address of this machine is a valid Host for this bind (a client on the LAN sends the LAN address).
    mock.enqueue(...[...external, '127.0.0.1'].map(() => text('ok')));
    for (const address of [...external, '127.0.0.1']) {
      const res = await request(Number(port), `${address}:${port}`, { 'x-api-key': 'lan-token' });
      expect(res.status, address).toBe(200);
    }
    expect((await request(Number(port), `127.0.0.1:${port}`)).status).toBe(401);
    const evil = await request(Number(port), 'evil.example.com', { 'x-api-key': 'lan-token' });
    expect(evil.status).toBe(403);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exit).toBe(0);
  });
});

describe('start-up failures', () => {
  it('a port in use → one line, exit 1, no stack trace from the logger', async () => {
    const busy = createServer();
    servers.push(busy);
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const port = (busy.address() as { port: number }).port;
    const p = run({ MISTRAL_API_KEY: 'k', CCPROXY_PORT: String(port) });
    expect(await p.exit).toBe(1);
    expect(p.out().trim()).toBe(`ccproxy: cannot start: port ${port} is already in use (set CCPROXY_PORT / CCPROXY_HOST)`);
  });

  it('an address this machine does not have → one line, exit 1', async () => {
    const p = run({ MISTRAL_API_KEY: 'k', CCPROXY_HOST: '192.0.2.55', CCPROXY_AUTH_TOKEN: 't' });
    expect(await p.exit).toBe(1);
    const lines = p.out().trim().split('\n');
    expect(lines, p.out()).toHaveLength(1);
    expect(lines[0]).toMatch(/^ccproxy: cannot start: .*EADDRNOTAVAIL|^ccproxy: cannot start: .*192\.0\.2\.55/);
  });
});

/** Child pids of `pid` (Linux /proc), recursively. */
function descendants(pid: number): number[] {
  const kids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) kids.push(Number(entry), ...descendants(Number(entry)));
    } catch {
      // the process ended while we looked
    }
  }
  return kids;
}

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

describe.skipIf(process.platform !== 'linux')('SIGTERM through the README command', () => {
  it('`npm run headless`: SIGTERM to npm stops the node server and frees the port', async () => {
    mock = await startMockMistral();
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()));
    const port = (free.address() as { port: number }).port;
    await new Promise<void>((r) => free.close(() => r()));
    // dist/ is built by the test setup; skipping the preheadless rebuild keeps other test files' dist/ in place.
    const p = watch(spawn('npm', ['run', 'headless'], {
      cwd: root,
      env: { ...baseEnv(), npm_config_ignore_scripts: 'true', npm_config_update_notifier: 'false', MISTRAL_API_KEY: mock.apiKey, MISTRAL_BASE_URL: mock.url, CCPROXY_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    }));
    await waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(p.out()), 'the listening line');
    const server = descendants(p.child.pid!).filter((pid) => {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return /(^|\/)node$/.test(argv[0]) && argv[1] === 'dist/app/cli.js';
    });
    expect(server.length, p.out()).toBe(1);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);

    p.child.kill('SIGTERM');
    await p.exit;
    await waitFor(() => !alive(server[0]), 'the node server to exit', 15_000);
    // The port is free again: something else can listen on it.
    const again = createServer();
    servers.push(again);
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(port, '127.0.0.1', () => resolve());
    });
  });
});
