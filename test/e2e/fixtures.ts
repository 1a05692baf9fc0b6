import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test as base, type Page } from '@playwright/test';
import type { CoreApi } from '../../app/contract/api.js';
import { createHttpCoreApi } from '../../app/contract/http-client.js';
import { defaultModels, startMockMistral, type MockMistral } from '../mock-mistral/index.js';

// Each test gets a REAL headless core: `node --import tsx app/cli.ts --ui` in its own process (settings file and
// SQLite ledger in a fresh temp data dir, proxy + UI bridge on an ephemeral loopback port, serving the built
// renderer from dist-renderer/), in front of the strict mock Mistral running in the test process. The printed
// tokened UI URL is what the browser opens. A core that dies during a test fails that test with its output.

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SHOTS = `${ROOT}test-results/screenshots`;

const UI_LINE = /^ {2}UI: (http:\/\/127\.0\.0\.1:\d+)\/ui\/\?token=([0-9a-f]{64})$/m;

export interface Core {
  /** The proxy's base URL, e.g. http://127.0.0.1:PORT */
  url: string;
  token: string;
  dataDir: string;
  /** The core's HOME (Claude Code's user settings live in HOME/.claude/settings.json). */
  home: string;
  /** The contract over the HTTP bridge (token header), for setting up and checking state. */
  api: CoreApi;
  /** POST /v1/messages with a JSON body. */
  messages(body: object, headers?: Record<string, string>): Promise<Response>;
  /** Everything the process printed. */
  output(): string;
}

export interface Fixtures {
  /**
   * Where the Mistral key (and base URL) come from: 'stored' (saved through the API after start; the default),
   * 'env' (MISTRAL_API_KEY / MISTRAL_BASE_URL), or 'none' (a first run: only the base URL is stored).
   */
  keySource: 'stored' | 'env' | 'none';
  /** Written as the data dir's settings.json before the core starts (e.g. a key the core cannot decrypt). */
  settingsFile: object | null;
  /** Extra environment for the core (e.g. CCPROXY_OPUS_MODEL). */
  coreEnv: Record<string, string>;
  /** Extra model cards for the mock's catalogue (e.g. a model with no known price). */
  extraModels: object[];
  mock: MockMistral;
  stack: Core;
  /** Opens the tokened UI URL (the bridge sets its cookie and redirects to /ui/) and waits for the app. */
  openApp: (tab?: 'dashboard' | 'log' | 'settings') => Promise<void>;
  /** Saves a full-page screenshot to test-results/screenshots/<name>.png. */
  shot: (name: string) => Promise<void>;
}

export const test = base.extend<Fixtures>({
  keySource: ['stored', { option: true }],
  settingsFile: [null, { option: true }],
  coreEnv: [{}, { option: true }],
  extraModels: [[], { option: true }],
  mock: async ({ extraModels }, use) => {
    // A key with a recognisable body, so "never in the page" checks mean something; the UI may show its last 4.
    const mock = await startMockMistral({
      apiKey: `sk-e2e-${randomBytes(12).toString('hex')}Q7z4`,
      models: [...defaultModels(), ...extraModels],
    });
    await use(mock);
    await mock.close();
  },
  stack: async ({ mock, keySource, settingsFile, coreEnv }, use) => {
    const env: Record<string, string> = { ...(keySource === 'env' ? { MISTRAL_API_KEY: mock.apiKey, MISTRAL_BASE_URL: mock.url } : {}), ...coreEnv };
    const { child, core } = await startCli(env, settingsFile);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    if (keySource === 'stored') await core.api.invoke('settings.update', { baseUrl: mock.url, apiKey: mock.apiKey });
    if (keySource === 'none') await core.api.invoke('settings.update', { baseUrl: mock.url });
    await use(core);
    const diedEarly = child.exitCode !== null || child.signalCode !== null;
    child.kill('SIGTERM');
    const code = await exited;
    expect(diedEarly, `the core exited during the test:\n${core.output()}`).toBe(false);
    expect(code, `the core did not stop cleanly:\n${core.output()}`).toBe(0);
    expect(core.output()).not.toContain(mock.apiKey);
  },
  openApp: async ({ page, stack }, use) => {
    await use(async (tab) => {
      await page.goto(`${stack.url}/ui/?token=${stack.token}`);
      await expect(page.getByRole('heading', { name: 'CCProxy', level: 1 })).toBeVisible();
      await expect(page.getByRole('region', { name: 'Proxy status' })).toContainText(stack.url);
      if (tab) await page.getByRole('tab', { name: TAB_NAMES[tab] }).click();
    });
  },
  shot: async ({ page }, use) => {
    mkdirSync(SHOTS, { recursive: true });
    await use(async (name) => {
      await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
    });
  },
});

const TAB_NAMES = { dashboard: 'Dashboard', log: 'Live log', settings: 'Settings' } as const;

/** `npm run headless -- --ui` with a clean HOME and data dir; resolves once it prints its UI line. */
export async function startCli(env: Record<string, string>, settingsFile: object | null = null): Promise<{ child: ChildProcess; core: Core }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ccproxy-e2e-'));
  if (settingsFile) writeFileSync(join(dataDir, 'settings.json'), JSON.stringify(settingsFile), { mode: 0o600 });
  const home = mkdtempSync(join(tmpdir(), 'ccproxy-e2e-home-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/cli.ts', '--ui'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: home, TZ: process.env.TZ ?? '', CCPROXY_PORT: '0', CCPROXY_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = UI_LINE.exec(out);
    if (m) {
      const [, url, token] = m;
      const core: Core = {
        url,
        token,
        dataDir,
        home,
        api: createHttpCoreApi({ baseUrl: url, token }),
        messages: (body, headers = {}) =>
          fetch(`${url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }),
        output: () => out,
      };
      return { child, core };
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the CLI did not print its UI line:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export { expect };

/** A minimal Anthropic Messages body. */
export function messageBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'claude-sonnet-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hello' }], ...extra };
}

/** One proxied request, as Claude Code would send it (from the test process, not the page); the body is drained. */
export async function proxied(stack: Core, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Response> {
  const res = await stack.messages(messageBody(extra), { 'x-api-key': 'dummy', 'anthropic-version': '2023-06-01', ...headers });
  await res.text();
  return res;
}

/** The text of every live-log cost cell shown clipped (its content wider than the cell); [] when all are whole. */
export function clippedCosts(page: Page): Promise<(string | null)[]> {
  return page.locator('td.c-cost').evaluateAll((cells) => cells.filter((c) => c.scrollWidth > c.clientWidth).map((c) => c.textContent));
}

export function chats(mock: MockMistral) {
  return mock.requests.filter((r) => r.path === '/v1/chat/completions');
}

export type { Page };
