import { mkdtempSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoreApi, EventName } from '../../app/contract/api.js';
import { createHttpCoreApi } from '../../app/contract/http-client.js';
import { CoreService, type CoreOptions } from '../../app/core/service.js';
import type { KeyCipher } from '../../app/settings/cipher.js';
import { openConfStore } from '../../app/settings/store.js';
import type { SettingsStore } from '../../app/settings/store.js';
import { startMockMistral, type MockMistral, type StartOptions } from '../mock-mistral/index.js';

// The whole core as headless mode runs it: a conf settings file in a temp data dir, the real SQLite ledger, the
// proxy on an ephemeral loopback port with the UI bridge under /ui, in front of the strict mock Mistral.

export interface CoreStackOptions {
  /** Extra env for the settings store; a value of undefined removes a default entry (e.g. MISTRAL_API_KEY). */
  env?: Record<string, string | undefined>;
  /** Reuse a mock (e.g. for a restart on the same data dir); it is then not closed by close(). */
  mock?: MockMistral;
  mockOptions?: StartOptions;
  /** Reuse a data dir (restart). */
  dataDir?: string;
  /** false: no bridge; otherwise passed on (uiDir defaults to a path that does not exist → placeholder page). */
  bridge?: false | { uiDir?: string; token?: string };
  allowMissingKey?: boolean;
  /** Seals the stored key (default: none, as headless). */
  cipher?: KeyCipher;
  /** Run before CoreService is constructed (e.g. to store a port). */
  beforeCore?: (settings: SettingsStore) => void;
  /** Default true. */
  start?: boolean;
  core?: Partial<CoreOptions>;
}

export interface CoreStack {
  mock: MockMistral;
  core: CoreService;
  settings: SettingsStore;
  dataDir: string;
  env: Record<string, string>;
  /** The proxy's current base URL (changes when the port changes). */
  readonly url: string;
  token: string;
  /** The contract over the HTTP bridge, authenticated with the token header; follows the current URL. */
  api: CoreApi;
  /** POST /v1/messages with a JSON body. */
  messages(body: object, headers?: Record<string, string>, init?: RequestInit): Promise<Response>;
  /** Opens GET /ui/events with the token and collects every event. */
  events(): Promise<EventCollector>;
  close(): Promise<void>;
}

export interface SseEvent { event: string; data: unknown; raw: string }

export interface EventCollector {
  events: SseEvent[];
  /** Every byte of the stream so far (for grepping). */
  text(): string;
  of<E extends EventName>(name: E): SseEvent[];
  waitFor(pred: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

export const TOKEN = 'a'.repeat(16) + 'b'.repeat(16) + 'c'.repeat(16) + 'd'.repeat(16);

export async function waitUntil<T>(fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', () => resolve()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export function tempDir(prefix = 'ccproxy-core-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startCoreStack(opts: CoreStackOptions = {}): Promise<CoreStack> {
  const ownMock = !opts.mock;
  const mock = opts.mock ?? (await startMockMistral(opts.mockOptions));
  const dataDir = opts.dataDir ?? tempDir();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ MISTRAL_API_KEY: mock.apiKey, MISTRAL_BASE_URL: mock.url, CCPROXY_PORT: '0', ...opts.env })) {
    if (v !== undefined) env[k] = v;
  }
  const settings = openConfStore(dataDir, { env, cipher: opts.cipher });
  opts.beforeCore?.(settings);
  const bridge = opts.bridge === false ? undefined : { uiDir: opts.bridge?.uiDir ?? join(dataDir, 'no-such-ui'), token: opts.bridge?.token ?? TOKEN };
  const core = new CoreService({ settings, version: 'test', bridge, client: { retryDelayMs: 10 }, allowMissingKey: opts.allowMissingKey, ...opts.core });
  if (opts.start !== false) await core.start();
  const collectors: EventCollector[] = [];

  const stack: CoreStack = {
    mock, core, settings, dataDir, env,
    get url() {
      const u = core.url;
      if (!u) throw new Error('the proxy is not running');
      return u;
    },
    token: bridge?.token ?? '',
    api: createHttpCoreApi({
      token: bridge?.token,
      // Resolve the base URL per call, so the client follows a port change.
      fetch: (input, init) => fetch(String(input).replace(/^\/ui/, `${stack.url}/ui`), init),
    }),
    messages: (body, headers = {}, init = {}) =>
      fetch(`${stack.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), ...init }),
    async events() {
      const c = await openEvents(`${stack.url}/ui/events`, { 'x-ccproxy-ui-token': stack.token });
      collectors.push(c);
      return c;
    },
    async close() {
      for (const c of collectors) c.close();
      await core.close(0);
      if (ownMock) await mock.close();
    },
  };
  return stack;
}

export async function openEvents(url: string, headers: Record<string, string> = {}): Promise<EventCollector> {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  if (res.status !== 200) throw new Error(`events: HTTP ${res.status}`);
  const events: SseEvent[] = [];
  let all = '';
  let buf = '';
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        const s = decoder.decode(chunk, { stream: true });
        all += s;
        buf += s;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of frame.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) events.push({ event, data: JSON.parse(data.join('\n')), raw: frame });
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    events,
    text: () => all,
    of: (name) => events.filter((e) => e.event === name),
    waitFor(pred, timeoutMs = 5_000) {
      return waitUntil(() => events.find(pred), timeoutMs, 'an SSE event');
    },
    close: () => controller.abort(),
  };
}

export interface RawResponse { status: number; headers: IncomingHttpHeaders; body: string }

/** A raw HTTP request: the path is sent byte for byte (fetch would normalise `..`), any Host/Origin header allowed. */
export function rawRequest(url: string, path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: Number(u.port), method: opts.method ?? 'GET', path, headers: { connection: 'close', ...opts.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A minimal valid Anthropic body. */
export function msg(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'hello' }], ...extra };
}

/** Chat requests the mock received. */
export function chats(mock: MockMistral) {
  return mock.requests.filter((r) => r.path === '/v1/chat/completions');
}
