import type { Channel, CoreApi, EventMap, EventName, InvokeMap } from '../../app/contract/api.js';
import { createHttpCoreApi, type EventSourceLike } from '../../app/contract/http-client.js';

// The one place that decides how the renderer reaches the core:
//  - in Electron the preload exposes the contract as `window.ccproxy` (IPC);
//  - in a browser (headless `--ui`) the same contract goes over the HTTP bridge on the page's own origin
//    (the HttpOnly cookie set by the tokened URL authorises it; live events over EventSource).
// Components import `api` from here and nothing else.

declare global {
  interface Window {
    ccproxy?: CoreApi;
  }
}

export type ApiMode = 'electron' | 'http';

/** What the selection looks at (globalThis in the app; a fake in tests). */
export interface ApiEnv {
  ccproxy?: unknown;
  EventSource?: new (url: string) => EventSourceLike;
  fetch?: typeof fetch;
}

const isCoreApi = (v: unknown): v is CoreApi =>
  typeof v === 'object' && v !== null && typeof (v as CoreApi).invoke === 'function' && typeof (v as CoreApi).on === 'function';

/**
 * Subscribes to each event of the underlying API once and fans out to local listeners. Components subscribe and
 * unsubscribe on every mount (twice in React's StrictMode); this keeps that off the transport, so a resubscription
 * can never stack a second native listener (duplicate events) or reopen a connection.
 */
export function multiplex(inner: CoreApi): CoreApi {
  const listeners = new Map<EventName, Set<(payload: never) => void>>();
  return {
    invoke<C extends Channel>(channel: C, request: InvokeMap[C]['request']): Promise<InvokeMap[C]['result']> {
      return inner.invoke(channel, request);
    },
    on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) {
        const fresh = new Set<(payload: never) => void>();
        listeners.set(event, (set = fresh));
        inner.on(event, (payload) => {
          for (const l of [...fresh]) {
            try {
              l(payload as never);
            } catch (err) {
              console.error(`ccproxy: a listener for ${event} failed`, err);
            }
          }
        });
      }
      // Wrapped so the same function subscribed twice is two subscriptions.
      const wrapped = (payload: never) => listener(payload);
      set.add(wrapped);
      return () => {
        set.delete(wrapped);
      };
    },
  };
}

/** Picks the transport: the preload's `ccproxy` when present, else the HTTP bridge on the same origin. */
export function selectApi(env: ApiEnv): { api: CoreApi; mode: ApiMode } {
  if (isCoreApi(env.ccproxy)) return { api: multiplex(env.ccproxy), mode: 'electron' };
  const ES = env.EventSource;
  const http = createHttpCoreApi({
    fetch: env.fetch ? (input, init) => env.fetch!(input, init) : undefined,
    eventSource: ES ? (url) => new ES(url) : undefined,
  });
  return { api: multiplex(http), mode: 'http' };
}

let chosen: { api: CoreApi; mode: ApiMode } | null = null;

function current(): { api: CoreApi; mode: ApiMode } {
  chosen ??= selectApi(globalThis as unknown as ApiEnv);
  return chosen;
}

/** The core, however it is reached. Resolved on first use. */
export const api: CoreApi = {
  invoke: (channel, request) => current().api.invoke(channel, request),
  on: (event, listener) => current().api.on(event, listener),
};

export const apiMode = (): ApiMode => current().mode;

/** The message of anything an invoke throws (BridgeError, an IPC Error, or a string). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  return 'Something went wrong';
}
