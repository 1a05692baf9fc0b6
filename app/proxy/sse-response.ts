import type { ServerResponse } from 'node:http';

// The client side of a streamed answer: headers, keep-alive pings, writes that respect backpressure. Headers go
// out once Mistral's status is known, or earlier (`headStart`) when the proxy itself has to wait (a slow first
// byte, a pacing queue, a retry's Retry-After): the client then sees a live stream with pings instead of silence
// that its own timeout would cut, and a failure that follows arrives as an SSE `error` event.

const PING = 'event: ping\ndata: {"type":"ping"}\n\n';

export class SseResponse {
  private lastWrite = Date.now();
  private pingTimer: NodeJS.Timeout | null = null;
  private headTimer: NodeJS.Timeout | null = null;

  constructor(private readonly res: ServerResponse, private readonly requestId: string, private readonly pingIntervalMs: number) {}

  get committed(): boolean {
    return this.res.headersSent;
  }

  /** The client's socket buffer is full: stop producing until `drained()`. */
  get needsDrain(): boolean {
    return !this.closed && this.res.writableNeedDrain;
  }

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /** Commits the headers after `ms` unless something else did first. */
  headStart(ms: number): void {
    this.headTimer = setTimeout(() => {
      this.headTimer = null;
      if (this.committed || this.closed) return;
      this.commit();
      this.write(PING);
    }, ms);
  }

  commit(): void {
    if (this.headTimer) clearTimeout(this.headTimer);
    this.headTimer = null;
    if (!this.committed && !this.closed) {
      this.res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'request-id': this.requestId,
      });
    }
    this.pingTimer ??= setInterval(() => {
      if (Date.now() - this.lastWrite >= this.pingIntervalMs) this.write(PING);
    }, Math.max(50, Math.floor(this.pingIntervalMs / 2)));
  }

  write(text: string): void {
    if (!text || this.closed) return;
    this.lastWrite = Date.now();
    this.res.write(text);
  }

  /** Resolves when the client has taken what was written, or is gone. */
  drained(): Promise<void> {
    if (!this.needsDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  /** Ends the response; a last `text` goes out in the same write as the end of the chunked body. */
  end(text = ''): void {
    this.stop();
    if (this.res.destroyed) return;
    if (text && !this.res.writableEnded) {
      this.lastWrite = Date.now();
      this.res.end(text);
    } else this.res.end();
  }

  stop(): void {
    if (this.headTimer) clearTimeout(this.headTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.headTimer = null;
    this.pingTimer = null;
  }
}
