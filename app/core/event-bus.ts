import type { EventMap, EventName } from '../contract/api.js';
import type { LogEntry } from '../contract/usage.js';

type Listener<E extends EventName> = (payload: EventMap[E]) => void;
type AnyListener = (event: EventName, payload: unknown) => void;

/**
 * Live events for the window (IPC) and browsers (SSE). `emit` only appends to a queue: delivery happens in one
 * batch on the next macrotask, so a slow listener never sits on the proxy's request path. The last N finished
 * requests are kept for a window that opens later.
 */
export class EventBus {
  private readonly listeners = new Set<AnyListener>();
  private queue: Array<[EventName, unknown]> = [];
  private scheduled = false;
  private readonly ring: LogEntry[] = [];
  private ringStart = 0;

  constructor(private readonly ringSize = 500) {}

  emit<E extends EventName>(event: E, payload: EventMap[E]): void {
    if (event === 'request.finished') this.remember(payload as LogEntry);
    if (this.listeners.size === 0) return;
    this.queue.push([event, payload]);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  onAny(listener: AnyListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    return this.onAny((name, payload) => {
      if (name === event) listener(payload as EventMap[E]);
    });
  }

  /** The most recent finished requests, newest last. */
  recent(limit = this.ringSize): LogEntry[] {
    const ordered = [...this.ring.slice(this.ringStart), ...this.ring.slice(0, this.ringStart)];
    return ordered.slice(-limit);
  }

  private remember(entry: LogEntry): void {
    if (this.ring.length < this.ringSize) this.ring.push(entry);
    else {
      this.ring[this.ringStart] = entry;
      this.ringStart = (this.ringStart + 1) % this.ringSize;
    }
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    for (const [event, payload] of batch) {
      for (const listener of this.listeners) {
        try {
          listener(event, payload);
        } catch (err) {
          console.error(`[ccproxy] event listener for ${event} failed:`, (err as Error).message);
        }
      }
    }
  }
}
