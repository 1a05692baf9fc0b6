import { describe, expect, it, vi } from 'vitest';
import type { CoreApi } from '../../app/contract/api.js';
import { multiplex, selectApi } from '../../renderer/src/api.js';

// renderer/src/api.ts: the preload's `window.ccproxy` when present, else the HTTP bridge on the same origin; events
// are fanned out from one underlying subscription per event.

class FakeEventSource {
  static opened: FakeEventSource[] = [];
  listeners = new Map<string, Array<(ev: { data: string }) => void>>();
  constructor(readonly url: string) {
    FakeEventSource.opened.push(this);
  }
  addEventListener(type: string, l: (ev: { data: string }) => void) {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  emit(type: string, payload: unknown) {
    for (const l of this.listeners.get(type) ?? []) l({ data: JSON.stringify(payload) });
  }
  close() {}
}

const status = { running: true, url: 'http://127.0.0.1:7187', host: '127.0.0.1', port: 7187, version: '1', startedAt: 1, error: null };

describe('renderer api selection', () => {
  it('uses window.ccproxy (the Electron preload) when it is there', async () => {
    const invoke = vi.fn(async () => status);
    const on = vi.fn(() => () => undefined);
    const fetch = vi.fn();
    const { api, mode } = selectApi({ ccproxy: { invoke, on }, fetch: fetch as unknown as typeof globalThis.fetch });
    expect(mode).toBe('electron');
    expect(await api.invoke('proxy.status', undefined)).toEqual(status);
    expect(invoke).toHaveBeenCalledWith('proxy.status', undefined);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('ignores a ccproxy global that is not the contract, and falls back to the HTTP bridge on the same origin', async () => {
    const fetch = vi.fn(async (_url: string, _init: RequestInit) => new Response(JSON.stringify({ result: status }), { status: 200 }));
    const { api, mode } = selectApi({ ccproxy: { invoke: 'nope' }, fetch: fetch as unknown as typeof globalThis.fetch });
    expect(mode).toBe('http');
    expect(await api.invoke('proxy.status', undefined)).toEqual(status);
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('/ui/api/proxy.status');
    expect(init).toMatchObject({ method: 'POST', credentials: 'same-origin' });
  });

  it('surfaces the bridge error message (e.g. proxy.stop is 409 over HTTP)', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ error: { type: 'invalid_request_error', message: 'cannot stop it' } }), { status: 409 }));
    const { api } = selectApi({ fetch: fetch as unknown as typeof globalThis.fetch });
    await expect(api.invoke('proxy.stop', undefined)).rejects.toThrow('cannot stop it');
  });

  it('opens one EventSource at /ui/events and delivers each event once, even after unsubscribe and resubscribe', () => {
    FakeEventSource.opened = [];
    const { api } = selectApi({ EventSource: FakeEventSource, fetch: vi.fn() as unknown as typeof globalThis.fetch });
    const a = vi.fn();
    const offA = api.on('proxy.status', a);
    offA();
    // React StrictMode mounts, unmounts and mounts again: the same event subscribed a second time.
    const b = vi.fn();
    const offB = api.on('proxy.status', b);
    const c = vi.fn();
    api.on('settings.changed', c);
    expect(FakeEventSource.opened).toHaveLength(1);
    expect(FakeEventSource.opened[0].url).toBe('/ui/events');
    FakeEventSource.opened[0].emit('proxy.status', status);
    expect(a).not.toHaveBeenCalled();
    expect(b).toHaveBeenCalledTimes(1);
    expect(b).toHaveBeenCalledWith(status);
    expect(c).not.toHaveBeenCalled();
    offB();
    FakeEventSource.opened[0].emit('proxy.status', status);
    expect(b).toHaveBeenCalledTimes(1);
  });
});

describe('multiplex', () => {
  it('subscribes to the inner API once per event; a throwing listener does not starve the others', () => {
    const inner: Record<string, (p: unknown) => void> = {};
    const on = vi.fn((event: string, l: (p: unknown) => void) => {
      inner[event] = l;
      return () => undefined;
    });
    const api = multiplex({ invoke: vi.fn(), on } as unknown as CoreApi);
    const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const good = vi.fn();
    api.on('budget.warning', () => {
      throw new Error('boom');
    });
    api.on('budget.warning', good);
    api.on('budget.warning', good); // the same function twice is two subscriptions
    expect(on).toHaveBeenCalledTimes(1);
    inner['budget.warning']({ period: 'day' });
    expect(good).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });
});
