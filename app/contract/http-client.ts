import type { Channel, CoreApi, EventMap, EventName, InvokeMap } from './api.js';

// The contract's client side over the HTTP bridge, for the renderer when it runs in a browser (headless mode) and
// for tests. Browser-safe: only fetch and an EventSource-like constructor.

export interface EventSourceLike {
  addEventListener(type: string, listener: (ev: { data: string }) => void): void;
  close(): void;
}

export interface HttpCoreApiOptions {
  /** Base URL of the bridge, e.g. '' (same origin) or 'http://127.0.0.1:7187'. */
  baseUrl?: string;
  /** Sent as x-ccproxy-ui-token when the cookie is not available (tests, other tools). */
  token?: string;
  fetch?: typeof fetch;
  eventSource?: (url: string) => EventSourceLike;
}

export class BridgeError extends Error {
  constructor(readonly status: number, readonly type: string, message: string) {
    super(message);
  }
}

export function createHttpCoreApi(opts: HttpCoreApiOptions = {}): CoreApi {
  const base = `${opts.baseUrl ?? ''}/ui`;
  const doFetch = opts.fetch ?? fetch;
  let source: EventSourceLike | null = null;
  const listeners = new Map<EventName, Set<(payload: never) => void>>();

  const attached = new Set<EventName>();
  const ensureSource = (event: EventName) => {
    if (!opts.eventSource) throw new Error('no EventSource available for live events');
    source ??= opts.eventSource(`${base}/events`);
    // One EventSource listener per event name for the client's lifetime; subscribers come and go in `listeners`.
    if (!attached.has(event)) {
      attached.add(event);
      source.addEventListener(event, (ev) => {
        const payload = JSON.parse(ev.data) as never;
        for (const l of listeners.get(event) ?? []) l(payload);
      });
    }
  };

  return {
    async invoke<C extends Channel>(channel: C, request: InvokeMap[C]['request']): Promise<InvokeMap[C]['result']> {
      const res = await doFetch(`${base}/api/${channel}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(opts.token ? { 'x-ccproxy-ui-token': opts.token } : {}) },
        body: request === undefined ? '' : JSON.stringify(request),
        credentials: 'same-origin',
      });
      const body = (await res.json()) as { result?: InvokeMap[C]['result']; error?: { type: string; message: string } };
      if (!res.ok || body.error) throw new BridgeError(res.status, body.error?.type ?? 'api_error', body.error?.message ?? `HTTP ${res.status}`);
      return body.result as InvokeMap[C]['result'];
    },
    on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): () => void {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener as (payload: never) => void);
      ensureSource(event);
      return () => listeners.get(event)?.delete(listener as (payload: never) => void);
    },
  };
}
