import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, type Channel, type Handlers } from '../../app/contract/api.js';
import { EventBus } from '../../app/core/event-bus.js';
import { ApiError } from '../../app/translate/errors.js';
import { EVENT_CHANNEL, forwardEvents, ipcChannel, isTrustedSender, registerContract, toIpcError } from '../../main/ipc.js';

const HOME = 'file:///Applications/CCProxy%20Desktop.app/Contents/Resources/app.asar/dist-renderer/index.html';
const frame = (url: string) => ({ senderFrame: { url } }) as unknown as IpcMainInvokeEvent;

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;
function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const ipcMain = { handle: (channel: string, fn: Handler) => {
    if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    handlers.set(channel, fn);
  } } as unknown as IpcMain;
  return { ipcMain, handlers };
}

/** Handlers that echo their channel and request, so routing mistakes show. */
function echoHandlers(calls: Array<[Channel, unknown]> = []): Handlers {
  return Object.fromEntries(CHANNELS.map((c) => [c, async (req: unknown) => {
    calls.push([c, req]);
    return { channel: c, req };
  }])) as unknown as Handlers;
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('isTrustedSender', () => {
  it('trusts only our own page (any #route), not other files, origins or a missing frame', () => {
    expect(isTrustedSender(frame(HOME), HOME)).toBe(true);
    expect(isTrustedSender(frame(`${HOME}#/settings`), HOME)).toBe(true);
    expect(isTrustedSender(frame('file:///tmp/evil.html'), HOME)).toBe(false);
    expect(isTrustedSender(frame('https://example.com/'), HOME)).toBe(false);
    expect(isTrustedSender({ senderFrame: null } as unknown as IpcMainInvokeEvent, HOME)).toBe(false);
  });
});

describe('registerContract', () => {
  it('registers ccproxy:<channel> for every contract channel and routes each to its handler', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const calls: Array<[Channel, unknown]> = [];
    expect(registerContract(ipcMain, echoHandlers(calls), () => true)).toEqual([...CHANNELS]);
    expect([...handlers.keys()]).toEqual(CHANNELS.map((c) => `ccproxy:${c}`));
    for (const c of CHANNELS) {
      expect(await handlers.get(ipcChannel(c))!(frame(HOME), { n: c })).toEqual({ result: { channel: c, req: { n: c } } });
    }
    expect(calls.map(([c]) => c)).toEqual([...CHANNELS]);
  });

  it('an untrusted sender gets a permission error and the handler never runs', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const calls: Array<[Channel, unknown]> = [];
    registerContract(ipcMain, echoHandlers(calls), (event) => isTrustedSender(event, HOME));
    for (const url of ['file:///tmp/evil.html', 'https://example.com/']) {
      expect(await handlers.get(ipcChannel('settings.get'))!(frame(url))).toEqual({ error: { type: 'permission_error', message: 'untrusted sender' } });
    }
    expect(calls).toEqual([]);
  });

  it('errors resolve as { error: { type, message } }: ApiError as is, anything else generic, never the key', async () => {
    const { ipcMain, handlers } = fakeIpcMain();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const h = echoHandlers();
    h['settings.update'] = async (patch) => {
      throw new ApiError(400, 'invalid_request_error', `apiKey ${String(patch.apiKey)} is malformed`);
    };
    h['proxy.start'] = async () => {
      throw new Error('EACCES /secret/path with sk-abcdef');
    };
    registerContract(ipcMain, h, () => true);
    const bad = await handlers.get(ipcChannel('settings.update'))!(frame(HOME), { apiKey: 'sk-live-123456' });
    expect(bad).toEqual({ error: { type: 'invalid_request_error', message: 'apiKey [redacted] is malformed' } });
    const internal = await handlers.get(ipcChannel('proxy.start'))!(frame(HOME));
    expect(internal).toEqual({ error: { type: 'api_error', message: 'internal error' } });
    expect(JSON.stringify(internal)).not.toMatch(/stack|secret|sk-/);
    expect(spy).toHaveBeenCalledOnce(); // the stack is logged in the main process only
    spy.mockRestore();
  });

  it('toIpcError caps long messages and is plain data', () => {
    const err = toIpcError(new ApiError(502, 'api_error', 'x'.repeat(5000)));
    expect(err.message.length).toBe(2000);
    expect(Object.getPrototypeOf(err)).toBe(Object.prototype);
    expect(structuredClone(err)).toEqual(err);
  });
});

describe('forwardEvents', () => {
  it('sends each bus event as (ccproxy:event, name, payload) to a live window only, until unsubscribed', async () => {
    const bus = new EventBus();
    const sent: unknown[][] = [];
    let contents: { isDestroyed: () => boolean; send: (...args: unknown[]) => void } | undefined;
    const off = forwardEvents(bus, () => contents);
    const status = { running: false, url: null, host: '127.0.0.1', port: 7187, version: 't', startedAt: null, error: null };
    bus.emit('proxy.status', status); // no window yet
    await new Promise((r) => setImmediate(r));
    contents = { isDestroyed: () => false, send: (...args) => sent.push(args) };
    bus.emit('proxy.status', status);
    await until(() => sent.length > 0);
    expect(sent).toEqual([[EVENT_CHANNEL, 'proxy.status', status]]);
    contents.isDestroyed = () => true;
    bus.emit('proxy.status', status);
    await new Promise((r) => setImmediate(r));
    off();
    contents.isDestroyed = () => false;
    bus.emit('proxy.status', status);
    await new Promise((r) => setImmediate(r));
    expect(sent).toHaveLength(1);
  });
});
