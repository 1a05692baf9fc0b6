import type { ProxyStatus } from '../app/contract/api.js';
import type { EventBus } from '../app/core/event-bus.js';
import type { TrayState } from './tray-menu.js';

// What the tray needs on top of CoreService (which owns the proxy's lifecycle): start/stop that never reject, a
// `busy` flag while a tray-initiated start/stop runs (the toggle is disabled meanwhile), and one change signal for
// both that and the core's 'proxy.status' events. Electron-free, tested with a fake core.

export interface CoreLike {
  readonly bus: Pick<EventBus, 'on'>;
  status(): ProxyStatus;
  start(): Promise<ProxyStatus>;
  stop(graceMs?: number): Promise<ProxyStatus>;
}

export type ProxyTrayState = Pick<TrayState, 'running' | 'url' | 'error' | 'busy' | 'pacing'>;

export interface ProxyController {
  state(): ProxyTrayState;
  /** Resolves with the status after the attempt; a failure shows up as `error`, never as a rejection. */
  start(): Promise<ProxyStatus>;
  stop(graceMs?: number): Promise<ProxyStatus>;
  onChange(listener: () => void): () => void;
}

export function createProxyController(core: CoreLike): ProxyController {
  const listeners = new Set<() => void>();
  let inFlight = 0;
  const changed = () => {
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (err) {
        console.error('ccproxy: tray update failed:', err);
      }
    }
  };
  core.bus.on('proxy.status', changed);

  const track = async (job: () => Promise<ProxyStatus>): Promise<ProxyStatus> => {
    inFlight++;
    changed();
    try {
      return await job();
    } catch {
      // CoreService records the reason (port in use, no permission…) in status().error.
      return core.status();
    } finally {
      inFlight--;
      changed();
    }
  };

  return {
    state: () => {
      const { running, url, error, pacing } = core.status();
      return { running, url, error, busy: inFlight > 0, pacing: pacing ?? null };
    },
    start: () => track(() => core.start()),
    stop: (graceMs) => track(() => core.stop(graceMs)),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
