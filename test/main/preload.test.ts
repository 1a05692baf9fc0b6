import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, EVENTS, type Channel, type EventName } from '../../app/contract/api.js';
import { EVENT_CHANNEL, ipcChannel } from '../../main/ipc.js';
import { FakeIpcRenderer, loadPreload, preloadJs } from './load-preload.js';

describe('preload', () => {
  it('compiles to CommonJS that requires only electron and exposes only window.ccproxy', () => {
    const { exposed, required } = loadPreload();
    expect(preloadJs).not.toMatch(/^\s*(import|export)\s/m);
    expect(required).toEqual(['electron']);
    expect([...exposed.keys()]).toEqual(['ccproxy']);
    expect(Object.keys(exposed.get('ccproxy') as object).sort()).toEqual(['invoke', 'on']);
  });

  it('lists exactly the contract channels and events', () => {
    const { exports } = loadPreload();
    expect(exports.PRELOAD_CHANNELS).toEqual([...CHANNELS]);
    expect(exports.PRELOAD_EVENTS).toEqual([...EVENTS]);
  });

  it('invoke sends the request on ccproxy:<channel> and resolves with the result', async () => {
    const ipc = new FakeIpcRenderer(() => ({ result: { running: true } }));
    const { api } = loadPreload(ipc);
    expect(await api.invoke('proxy.status', undefined)).toEqual({ running: true });
    await api.invoke('logs.recent', { limit: 5 });
    expect(ipc.invoked).toEqual([[ipcChannel('proxy.status'), undefined], [ipcChannel('logs.recent'), { limit: 5 }]]);
  });

  it('invoke rejects unknown channels without touching IPC', async () => {
    const { api, ipcRenderer } = loadPreload();
    for (const bad of ['nope', 'status:get', '__proto__', 'constructor', 'ccproxy:settings.get']) {
      await expect(api.invoke(bad as Channel, undefined)).rejects.toThrow(/unknown channel/);
    }
    expect(ipcRenderer.invoked).toEqual([]);
  });

  it('an error reply becomes a rejection with the message and type, and no stack from main', async () => {
    const ipc = new FakeIpcRenderer(() => ({ error: { type: 'invalid_request_error', message: 'port must be 1-65535' } }));
    const { api } = loadPreload(ipc);
    const err = await api.invoke('settings.update', { port: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ message: 'port must be 1-65535', type: 'invalid_request_error' });
    ipc.onInvoke = () => undefined;
    await expect(api.invoke('settings.get', undefined)).rejects.toThrow(/no reply/);
  });

  it('on delivers only the named event, never the IpcRendererEvent, and unsubscribes', () => {
    const { api, ipcRenderer } = loadPreload();
    const status: unknown[][] = [];
    const finished: unknown[][] = [];
    const offStatus = api.on('proxy.status', (...args) => status.push(args));
    const offFinished = api.on('request.finished', (...args) => finished.push(args));
    expect(ipcRenderer.count(EVENT_CHANNEL)).toBe(1); // one IPC listener however many subscriptions
    const payload = { running: false };
    ipcRenderer.emit(EVENT_CHANNEL, 'proxy.status', payload);
    ipcRenderer.emit(EVENT_CHANNEL, 'not.an.event', payload);
    expect(status).toEqual([[payload]]);
    expect(finished).toEqual([]);
    offStatus();
    offStatus(); // twice is harmless
    ipcRenderer.emit(EVENT_CHANNEL, 'proxy.status', payload);
    expect(status).toHaveLength(1);
    expect(ipcRenderer.count(EVENT_CHANNEL)).toBe(1);
    offFinished();
    expect(ipcRenderer.count(EVENT_CHANNEL)).toBe(0);
  });

  it('a throwing listener does not starve the others; unknown events are refused', () => {
    const { api, ipcRenderer } = loadPreload();
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const got: unknown[] = [];
    api.on('settings.changed', () => {
      throw new Error('boom');
    });
    api.on('settings.changed', (p) => got.push(p));
    ipcRenderer.emit(EVENT_CHANNEL, 'settings.changed', { x: 1 });
    expect(got).toEqual([{ x: 1 }]);
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
    expect(() => api.on('status:changed' as EventName, () => undefined)).toThrow(/unknown event/);
  });
});
