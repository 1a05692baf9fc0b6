import type { Readable } from 'node:stream';
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { ApiError } from '../translate/errors.js';
import type { Redactor } from './redact.js';

// Mistral's SSE body as batches of `data:` payloads, one batch per socket read so the caller can answer each read
// with one write. Bytes are decoded with a streaming TextDecoder (a character split across reads waits for its
// other half instead of corrupting or stalling the stream); line ends may be LF, CRLF or CR; comments, `id:` and
// `event:` lines are ignored; lines that are no SSE field are skipped and counted. Bounded: an event larger than
// `maxEventChars`, more than `maxBytes` in all, or `idleTimeoutMs` of silence between reads end the stream with an
// error (an ApiError the caller turns into an SSE error event).

export interface SseReaderOptions {
  idleTimeoutMs: number;
  maxEventChars: number;
  maxBytes: number;
  redact: Redactor;
}

export class SseReader {
  /** Lines that were not SSE fields, and payloads that were not chunks (counted by the caller via `skip()`). */
  skipped = 0;
  /** `data: [DONE]` was seen. */
  sawDone = false;
  private readonly decoder = new TextDecoder('utf-8');
  private readonly parser: EventSourceParser;
  private batch: string[] = [];
  private overflow = false;

  constructor(private readonly body: Readable, private readonly opts: SseReaderOptions) {
    this.parser = createParser({
      maxBufferSize: opts.maxEventChars,
      onEvent: (event) => {
        if (event.data === '[DONE]') this.sawDone = true;
        else this.batch.push(opts.redact(event.data));
      },
      onError: (err) => {
        if (err.type === 'max-buffer-size-exceeded') this.overflow = true;
        else this.skipped++;
      },
    });
  }

  skip(): void {
    this.skipped++;
  }

  /** Batches of payloads, one per read; ends at EOF (after flushing an unterminated last event). */
  async *batches(): AsyncGenerator<string[]> {
    const it = this.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const idle = this.opts.idleTimeoutMs;
    let waitingSince = 0;
    let timedOut = false;
    // One cheap check timer per stream, instead of a timer re-armed per read; silence counts only while waiting
    // for Mistral, not while the proxy waits for a slow client to drain.
    const watch = setInterval(() => {
      if (waitingSince && Date.now() - waitingSince >= idle) {
        timedOut = true;
        this.body.destroy();
      }
    }, Math.max(20, Math.min(1000, Math.floor(idle / 4))));
    let bytes = 0;
    try {
      for (;;) {
        waitingSince = Date.now();
        let next: IteratorResult<Buffer>;
        try {
          next = await it.next();
        } catch (err) {
          if (timedOut) throw new ApiError(504, 'timeout_error', `Mistral API stream went silent for ${Math.round(idle / 1000)} s`);
          throw err;
        } finally {
          waitingSince = 0;
        }
        if (timedOut) throw new ApiError(504, 'timeout_error', `Mistral API stream went silent for ${Math.round(idle / 1000)} s`);
        if (next.done) break;
        bytes += next.value.length;
        if (bytes > this.opts.maxBytes) throw this.fail(new ApiError(502, 'api_error', `Mistral API stream exceeded ${this.opts.maxBytes} bytes`));
        this.parser.feed(this.decoder.decode(next.value, { stream: true }));
        if (this.overflow) throw this.fail(new ApiError(502, 'api_error', `Mistral API sent an SSE event larger than ${this.opts.maxEventChars} characters`));
        if (this.batch.length > 0) yield this.take();
      }
      // EOF: the decoder's tail, then an end of line and of event so a last event without its blank line counts.
      this.parser.feed(`${this.decoder.decode()}\n\n`);
      if (this.overflow) throw this.fail(new ApiError(502, 'api_error', `Mistral API sent an SSE event larger than ${this.opts.maxEventChars} characters`));
      if (this.batch.length > 0) yield this.take();
    } finally {
      clearInterval(watch);
    }
  }

  private take(): string[] {
    const out = this.batch;
    this.batch = [];
    return out;
  }

  private fail(err: ApiError): ApiError {
    this.body.destroy();
    return err;
  }
}
