// Sandboxed preloads must be CommonJS and may require only 'electron' (no relative files), so this file is
// self-contained at runtime: the channel and event lists are duplicated here as literals, checked against the
// contract at compile time (the `import type` lines vanish on compile). main/ipc.ts takes its channel names from the
// types below, and test/contract/parity.test.ts checks both sides against app/contract/api.ts at runtime.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { Channel, CoreApi, EventMap, EventName, InvokeMap } from '../app/contract/api.js' with { 'resolution-mode': 'import' };

/** Every invoke channel is `ccproxy:<channel>`; every event arrives on one channel as (name, payload). */
export type IpcPrefix = 'ccproxy:';
export type IpcChannel<C extends Channel = Channel> = `${IpcPrefix}${C}`;
export type IpcEventChannel = 'ccproxy:event';

/** What an invoke handler in the main process resolves with: never a thrown Error (Electron mangles those). */
export interface IpcError { type: string; message: string }
export type IpcReply<R = unknown> = { result: R } | { error: IpcError };

export const PRELOAD_CHANNELS = [
  'settings.get', 'settings.update', 'settings.testKey', 'proxy.status', 'proxy.start', 'proxy.stop', 'models.list',
  'logs.recent', 'usage.report', 'usage.export', 'pricing.list', 'budget.state', 'health.get', 'claude.status',
  'claude.preview', 'claude.write', 'claude.undo',
] as const satisfies readonly Channel[];

export const PRELOAD_EVENTS = [
  'request.started', 'request.finished', 'budget.warning', 'proxy.status', 'settings.changed', 'health.changed', 'claude.connected',
] as const satisfies readonly EventName[];

// Compile-time: adding a channel or event to the contract without listing it here fails the type check.
type Exhaustive<T extends never> = T;
export type PreloadChannelsAreListed = Exhaustive<Exclude<Channel, (typeof PRELOAD_CHANNELS)[number]>>;
export type PreloadEventsAreListed = Exhaustive<Exclude<EventName, (typeof PRELOAD_EVENTS)[number]>>;

const PREFIX: IpcPrefix = 'ccproxy:';
const EVENT_CHANNEL: IpcEventChannel = 'ccproxy:event';

const isChannel = (name: unknown): name is Channel => (PRELOAD_CHANNELS as readonly unknown[]).includes(name);
const isEvent = (name: unknown): name is EventName => (PRELOAD_EVENTS as readonly unknown[]).includes(name);

/** The renderer gets an Error with the message (and `type`, which contextBridge may drop); never a stack from main. */
function replyError(error: IpcError): Error {
  return Object.assign(new Error(String(error.message)), { type: String(error.type) });
}

// One ipcRenderer listener for all subscriptions (no MaxListeners warning), added on the first and removed after the last.
const subscribers = new Map<EventName, Set<(payload: never) => void>>();
let subscribed = false;

function dispatch(_event: IpcRendererEvent, name: unknown, payload: unknown): void {
  // The IpcRendererEvent (it exposes `sender`) never reaches the page.
  if (!isEvent(name)) return;
  for (const listener of [...(subscribers.get(name) ?? [])]) {
    try {
      listener(payload as never);
    } catch (err) {
      console.error(`ccproxy: listener for ${name} failed:`, err);
    }
  }
}

function count(): number {
  let n = 0;
  for (const set of subscribers.values()) n += set.size;
  return n;
}

const api: CoreApi = {
  async invoke<C extends Channel>(channel: C, request: InvokeMap[C]['request']): Promise<InvokeMap[C]['result']> {
    if (!isChannel(channel)) throw new Error(`unknown channel ${String(channel)}`);
    const reply = (await ipcRenderer.invoke(`${PREFIX}${channel}`, request)) as IpcReply<InvokeMap[C]['result']> | undefined;
    if (!reply || typeof reply !== 'object') throw replyError({ type: 'api_error', message: `no reply on ${channel}` });
    if ('error' in reply) throw replyError(reply.error);
    return reply.result;
  },
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void {
    if (!isEvent(event)) throw new Error(`unknown event ${String(event)}`);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    // Wrapped so subscribing the same function twice gives two independent subscriptions.
    const wrapped = (payload: never) => listener(payload);
    let set = subscribers.get(event);
    if (!set) subscribers.set(event, (set = new Set()));
    set.add(wrapped);
    if (!subscribed) {
      ipcRenderer.on(EVENT_CHANNEL, dispatch);
      subscribed = true;
    }
    return () => {
      if (!set.delete(wrapped)) return;
      if (subscribed && count() === 0) {
        ipcRenderer.removeListener(EVENT_CHANNEL, dispatch);
        subscribed = false;
      }
    };
  },
};

contextBridge.exposeInMainWorld('ccproxy', api);
