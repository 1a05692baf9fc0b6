import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBridge } from '../../app/bridge/http-bridge.js';
import { configFromEnv } from '../../app/config.js';
import { CHANNELS, EVENTS, type Channel, type CoreApi, type EventMap, type EventName, type Handlers } from '../../app/contract/api.js';
import { EventBus } from '../../app/core/event-bus.js';
import { CoreService } from '../../app/core/service.js';
import { startProxy, type RunningProxy } from '../../app/proxy/server.js';
import { openConfStore } from '../../app/settings/store.js';
import { ApiError } from '../../app/translate/errors.js';
import { EVENT_CHANNEL, forwardEvents, ipcChannel, isTrustedSender, registerContract } from '../../main/ipc.js';
import { FakeIpcRenderer, loadPreload } from '../main/load-preload.js';

// The contract (app/contract/api.ts) is implemented three times: the core's handlers, the Electron IPC adapter +
// preload, and the HTTP bridge. This checks all of them expose exactly CHANNELS and EVENTS, and answer alike.

const PAGE = 'file:///app/dist-renderer/index.html';
const TOKEN = 'f'.repeat(64);
const sorted = (xs: Iterable<string>) => [...xs].sort();

const cleanup: Array<() => unknown> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});
const tmp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

type IpcHandler = (event: unknown, request: unknown) => Promise<unknown>;

/**
 * Main and renderer halves of the IPC adapter joined by a fake transport that structured-clones every message both
 * ways, as Electron does (so a result that cannot cross IPC fails here).
 */
function wireIpc(handlers: Handlers, bus?: EventBus) {
  const registered = new Map<string, IpcHandler>();
  const ipcMain = { handle: (channel: string, fn: IpcHandler) => registered.set(channel, fn) };
  registerContract(ipcMain as never, handlers, (event) => isTrustedSender(event, PAGE));
  const ipcRenderer = new FakeIpcRenderer(async (channel, request) => {
    const fn = registered.get(channel);
    if (!fn) throw new Error(`Error invoking remote method '${channel}': No handler registered for '${channel}'`);
    return structuredClone(await fn({ senderFrame: { url: PAGE } }, structuredClone(request)));
  });
  const window = { isDestroyed: () => false, send: (channel: string, ...args: unknown[]) => ipcRenderer.emit(channel, ...structuredClone(args)) };
  if (bus) cleanup.push(forwardEvents(bus, () => window));
  const preload = loadPreload(ipcRenderer);
  return { api: preload.api, preloadExports: preload.exports, registered, ipcRenderer };
}

/** The HTTP bridge on the real proxy app (guard and error rendering included), over loopback. */
async function startBridge(handlers: Handlers, bus: EventBus): Promise<{ url: string; proxy: RunningProxy }> {
  const dir = tmp('ccproxy-parity-');
  const config = configFromEnv({ MISTRAL_API_KEY: 'k', MISTRAL_BASE_URL: 'http://127.0.0.1:9', CCPROXY_PORT: '0', CCPROXY_DATA_DIR: dir });
  const bridge = createBridge({ handlers, bus, uiDir: join(dir, 'ui'), token: TOKEN });
  const proxy = await startProxy({ config: () => config, version: 'test', mount: (koa) => bridge.mount(koa) });
  cleanup.push(() => proxy.close(0));
  return { url: proxy.url, proxy };
}

async function post(base: string, channel: string, request?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/ui/api/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ccproxy-ui-token': TOKEN },
    body: request === undefined ? '' : JSON.stringify(request),
  });
  return { status: res.status, body: await res.json() };
}

/** An SSE subscription to /ui/events; resolves once the bridge has subscribed to the bus. */
async function openEvents(base: string) {
  const abort = new AbortController();
  const res = await fetch(`${base}/ui/events`, { headers: { 'x-ccproxy-ui-token': TOKEN }, signal: abort.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let connected!: () => void;
  const ready = new Promise<void>((resolve) => (connected = resolve));
  const pump = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        text += decoder.decode(value, { stream: true });
        if (text.includes(': connected')) connected();
      }
    } catch {
      // aborted
    }
  })();
  await ready;
  return {
    events: () => text.split('\n\n').filter((b) => b.startsWith('event: ')).map((block) => {
      const [event, data] = block.split('\n');
      return [event!.slice('event: '.length), JSON.parse(data!.slice('data: '.length))] as [string, unknown];
    }),
    close: async () => {
      abort.abort();
      await pump;
    },
  };
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

/** Handlers that record and echo, so a channel routed to the wrong handler shows. */
function echoHandlers(calls: Array<[string, unknown]>): Handlers {
  return Object.fromEntries(CHANNELS.map((channel) => [channel, async (request: unknown) => {
    calls.push([channel, request]);
    return { channel, request: request ?? null };
  }])) as unknown as Handlers;
}

/** Channels the bridge knows but refuses in headless mode (app/bridge/http-bridge.ts: proxy.stop is a 409). */
const BRIDGE_REFUSES = new Set<Channel>(['proxy.stop']);

const NOT_CHANNELS = ['nope', 'constructor', '__proto__', 'toString', 'status:get', 'settings', 'settings.get.x'];

describe('contract parity: every implementation exposes exactly CHANNELS', () => {
  const calls: Array<[string, unknown]> = [];
  const handlers = echoHandlers(calls);
  const bus = new EventBus();
  let ipc: ReturnType<typeof wireIpc>;
  let base: string;
  beforeAll(async () => {
    ipc = wireIpc(handlers, bus);
    base = (await startBridge(handlers, bus)).url;
  });
  afterEach(() => {
    calls.length = 0;
  });

  it('the core: CoreService.handlers has one handler per channel, no more', () => {
    const dir = tmp('ccproxy-parity-core-');
    const settings = openConfStore(dir, { env: { MISTRAL_API_KEY: 'k', CCPROXY_DATA_DIR: dir } });
    const core = new CoreService({ settings, version: 'test' });
    cleanup.push(() => core.close(0));
    expect(sorted(Object.keys(core.handlers))).toEqual(sorted(CHANNELS));
    for (const channel of CHANNELS) expect(typeof core.handlers[channel]).toBe('function');
  });

  it('the IPC adapter registers ccproxy:<channel> for each channel, no more', () => {
    expect(sorted(ipc.registered.keys())).toEqual(sorted(CHANNELS.map((c) => ipcChannel(c))));
    expect(CHANNELS.map((c) => ipcChannel(c))).toEqual(CHANNELS.map((c) => `ccproxy:${c}`));
  });

  it("the preload's own lists are exactly CHANNELS and EVENTS", () => {
    expect(ipc.preloadExports.PRELOAD_CHANNELS).toEqual([...CHANNELS]);
    expect(ipc.preloadExports.PRELOAD_EVENTS).toEqual([...EVENTS]);
  });

  it('preload → IPC → handler reaches the right handler for every channel, and nothing else', async () => {
    for (const channel of CHANNELS) {
      expect(await ipc.api.invoke(channel, { probe: channel } as never)).toEqual({ channel, request: { probe: channel } });
    }
    expect(calls.map(([c]) => c)).toEqual([...CHANNELS]);
    for (const bad of NOT_CHANNELS) await expect(ipc.api.invoke(bad as Channel, undefined)).rejects.toThrow(/unknown channel/);
    expect(calls).toHaveLength(CHANNELS.length);
  });

  it('POST /ui/api/<channel> exists for every channel and reaches the right handler; anything else is 404', async () => {
    const served: Channel[] = [];
    for (const channel of CHANNELS) {
      const { status, body } = await post(base, channel, { probe: channel });
      expect(status, channel).not.toBe(404);
      if (BRIDGE_REFUSES.has(channel)) {
        // Known by the bridge but refused by design (it would cut the listener serving the answer).
        expect(status, channel).toBe(409);
        expect(body.error).toEqual({ type: 'invalid_request_error', message: expect.any(String) });
        continue;
      }
      expect(status, channel).toBe(200);
      expect(body).toEqual({ result: { channel, request: { probe: channel } } });
      served.push(channel);
    }
    expect(await post(base, 'proxy.status')).toEqual({ status: 200, body: { result: { channel: 'proxy.status', request: null } } });
    expect(calls.map(([c]) => c)).toEqual([...served, 'proxy.status']);
    for (const bad of NOT_CHANNELS) {
      const { status, body } = await post(base, encodeURIComponent(bad));
      expect(status, bad).toBe(404);
      expect(body.error.type).toBe('not_found_error');
    }
    expect(calls).toHaveLength(served.length + 1);
  });

  it('every EVENT reaches both the IPC window (via the preload) and the bridge SSE, with the same payload', async () => {
    const sse = await openEvents(base);
    const viaIpc: Array<[EventName, unknown]> = [];
    const offs = EVENTS.map((event) => ipc.api.on(event, (payload) => viaIpc.push([event, payload])));
    const payloads = Object.fromEntries(EVENTS.map((event, i) => [event, { sample: event, n: i, nested: { ok: true } }]));
    for (const event of EVENTS) bus.emit(event, payloads[event] as unknown as EventMap[typeof event]);
    // The SSE stream opens with the state as it stands (proxy.status, health.changed: the handlers' answers), which
    // an IPC window reads itself at start; then every bus event, the same on both.
    await until(() => viaIpc.length === EVENTS.length && sse.events().length === EVENTS.length + 2, 'events on both transports');
    const expected = EVENTS.map((event) => [event, payloads[event]]);
    expect(viaIpc).toEqual(expected);
    expect(sse.events().slice(0, 2)).toEqual([['proxy.status', await handlers['proxy.status'](undefined)], ['health.changed', await handlers['health.get'](undefined)]]);
    expect(sse.events().slice(2)).toEqual(expected);
    for (const off of offs) off();
    expect(ipc.ipcRenderer.count(EVENT_CHANNEL)).toBe(0);
    await sse.close();
  });
});

describe('contract parity: errors look the same on both transports', () => {
  it('an ApiError gives the same { type, message }; an internal error leaks nothing on either', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const handlers = echoHandlers([]);
    handlers['settings.update'] = async () => {
      throw new ApiError(400, 'invalid_request_error', 'port: must be an integer 0-65535');
    };
    handlers['usage.export'] = async () => {
      throw new Error('SQLITE_CANTOPEN /home/me/secret sk-live-abcdef');
    };
    const bus = new EventBus();
    const ipc = wireIpc(handlers, bus);
    const { url } = await startBridge(handlers, bus);

    const overHttp = await post(url, 'settings.update', { port: -1 });
    expect(overHttp.status).toBe(400);
    const overIpc = await ipc.api.invoke('settings.update', { port: -1 }).catch((e: Error & { type?: string }) => ({ type: e.type, message: e.message }));
    expect(overIpc).toEqual({ type: overHttp.body.error.type, message: overHttp.body.error.message });

    const internalHttp = await post(url, 'usage.export', { format: 'csv' });
    const internalIpc = await ipc.api.invoke('usage.export', { format: 'csv' }).catch((e: Error & { type?: string }) => e);
    expect(internalHttp.status).toBe(500);
    expect((internalIpc as { type?: string }).type).toBe(internalHttp.body.error.type);
    for (const text of [JSON.stringify(internalHttp.body), (internalIpc as Error).message]) expect(text).not.toMatch(/secret|sk-live|SQLITE/);
    spy.mockRestore();
  });
});

describe('contract parity: one CoreService answers the same over IPC and HTTP', () => {
  let core: CoreService;
  let api: CoreApi;
  let base: string;
  beforeAll(async () => {
    const dir = tmp('ccproxy-parity-live-');
    const settings = openConfStore(dir, { env: { MISTRAL_API_KEY: 'k-live-1234', MISTRAL_BASE_URL: 'http://127.0.0.1:9', CCPROXY_PORT: '0', CCPROXY_DATA_DIR: dir } });
    core = new CoreService({ settings, version: 'test', bridge: { uiDir: join(dir, 'ui'), token: TOKEN } });
    cleanup.push(() => core.close(0));
    const status = await core.start();
    base = status.url!;
    api = wireIpc(core.handlers, core.bus).api;
  });

  const range = { from: Date.UTC(2025, 0, 1), to: Date.UTC(2025, 0, 8) };
  const readOnly: Array<[Channel, unknown]> = [
    ['settings.get', undefined],
    ['proxy.status', undefined],
    ['logs.recent', { limit: 10 }],
    ['usage.report', { range }],
    ['usage.export', { format: 'csv', range }],
    ['usage.export', { format: 'json', range }],
    ['pricing.list', undefined],
    ['budget.state', undefined],
  ];

  it.each(readOnly)('%s', async (channel, request) => {
    const overIpc = await api.invoke(channel, request as never);
    const overHttp = await post(base, channel, request);
    expect(overHttp.status).toBe(200);
    expect(overIpc).toEqual(overHttp.body.result);
    expect(JSON.stringify(overIpc)).not.toContain('k-live-1234');
  });

  it('a bad settings patch fails alike, and a settings change reaches both event streams', async () => {
    const ipcErr = await api.invoke('settings.update', { port: 'x' } as never).catch((e: Error & { type?: string }) => ({ type: e.type, message: e.message }));
    const httpErr = await post(base, 'settings.update', { port: 'x' });
    expect(httpErr.status).toBe(400);
    expect(ipcErr).toEqual({ type: httpErr.body.error.type, message: httpErr.body.error.message });

    const sse = await openEvents(base);
    const viaIpc: unknown[] = [];
    const off = api.on('settings.changed', (view) => viaIpc.push(view));
    const result = await api.invoke('settings.update', { logRetentionDays: 45 });
    expect(result.settings.logRetentionDays).toBe(45);
    await until(() => viaIpc.length === 1 && sse.events().some(([e]) => e === 'settings.changed'), 'settings.changed');
    expect(sse.events().find(([e]) => e === 'settings.changed')![1]).toEqual(viaIpc[0]);
    off();
    await sse.close();
  });
});
