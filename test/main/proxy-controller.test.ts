import { describe, expect, it } from 'vitest';
import type { ProxyStatus } from '../../app/contract/api.js';
import { EventBus } from '../../app/core/event-bus.js';
import { createProxyController, type CoreLike } from '../../main/proxy-controller.js';

// The tray's view of CoreService (which owns the lifecycle and is tested in app/); here with a fake core.
function fakeCore() {
  let status: ProxyStatus = { running: false, url: null, host: '127.0.0.1', port: 7187, version: 't', startedAt: null, error: null };
  let release!: () => void;
  let fail = false;
  const core: CoreLike & { bus: EventBus } = {
    bus: new EventBus(),
    status: () => status,
    start: () => new Promise<ProxyStatus>((resolve, reject) => {
      release = () => {
        if (fail) {
          status = { ...status, error: 'port 7187 is already in use' };
          reject(Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' }));
        } else {
          status = { ...status, running: true, url: 'http://127.0.0.1:7187', error: null };
          resolve(status);
        }
      };
    }),
    stop: async () => (status = { ...status, running: false, url: null }),
  };
  return { core, release: () => release(), failNext: () => (fail = true) };
}

describe('proxy controller (tray)', () => {
  it('is busy while a start runs, then shows the running state', async () => {
    const { core, release } = fakeCore();
    const tray = createProxyController(core);
    const seen: boolean[] = [];
    tray.onChange(() => seen.push(tray.state().busy!));
    const started = tray.start();
    expect(tray.state()).toEqual({ running: false, url: null, error: null, busy: true, pacing: null });
    release();
    expect(await started).toMatchObject({ running: true });
    expect(tray.state()).toEqual({ running: true, url: 'http://127.0.0.1:7187', error: null, busy: false, pacing: null });
    expect(seen).toEqual([true, false]);
    await tray.stop();
    expect(tray.state()).toMatchObject({ running: false, url: null, busy: false });
  });

  it('a failed start resolves with the error in the status instead of rejecting', async () => {
    const { core, release, failNext } = fakeCore();
    const tray = createProxyController(core);
    failNext();
    const started = tray.start();
    release();
    expect(await started).toMatchObject({ running: false, error: 'port 7187 is already in use' });
    expect(tray.state()).toMatchObject({ busy: false, error: 'port 7187 is already in use' });
  });

  it("re-renders on the core's proxy.status events (e.g. a restart after a port change)", async () => {
    const { core } = fakeCore();
    const tray = createProxyController(core);
    let changes = 0;
    const off = tray.onChange(() => changes++);
    core.bus.emit('proxy.status', core.status());
    await new Promise((r) => setImmediate(r));
    expect(changes).toBe(1);
    off();
    core.bus.emit('proxy.status', core.status());
    await new Promise((r) => setImmediate(r));
    expect(changes).toBe(1);
  });
});
