import type { IncomingHttpHeaders } from 'node:http';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import got, { type Got, type Request } from 'got';
import { ApiError, mapNetworkError } from '../translate/errors.js';
import type { MistralRequest } from '../translate/mistral-types.js';

// The upstream client. Requests are opened as streams so the caller learns Mistral's status before it answers
// its own client, can pipe SSE as it arrives, and can abort by destroying the request when its client leaves.
// Only failures before the first response byte are retried; POSTs are otherwise never replayed.

export interface UpstreamTarget { baseUrl: string; apiKey: string }

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The response body stream (already decompressed). */
  body: Request;
}

const RETRYABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNABORTED']);
const RETRYABLE_STATUS = new Set([502, 503]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ClientOptions {
  retries?: number;
  retryDelayMs?: number;
  /** Idle limit on the socket; Mistral itself closes streams idle for 10 minutes. */
  idleTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export class MistralClient {
  private readonly agents = {
    // No socket cap: a queued request would wait silently behind long streams (agents run many in parallel).
    http: new HttpAgent({ keepAlive: true }),
    https: new HttpsAgent({ keepAlive: true }),
  };
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly idleTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  /** A got instance per upstream target: got's per-call option merging is its main cost, so it is done once. */
  private instance: { key: string; got: Got } | null = null;

  constructor(private readonly target: () => UpstreamTarget, opts: ClientOptions = {}) {
    this.retries = opts.retries ?? 2;
    this.retryDelayMs = opts.retryDelayMs ?? 300;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 600_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 15_000;
  }

  /** Opens a request and resolves once response headers arrive. Throws ApiError for network failures. */
  async open(method: 'GET' | 'POST', path: string, body: MistralRequest | undefined, signal: AbortSignal): Promise<UpstreamResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.once(method, path, body, signal);
        if (RETRYABLE_STATUS.has(res.status) && attempt < this.retries && !signal.aborted) {
          res.body.destroy();
          await sleep(this.retryDelayMs * 2 ** attempt);
          continue;
        }
        return res;
      } catch (err) {
        // The caller aborted (its client left, or shutdown): it reads the reason from its own signal.
        if (signal.aborted) throw err;
        const code = (err as { code?: string }).code ?? '';
        if (RETRYABLE_CODES.has(code) && attempt < this.retries) {
          await sleep(this.retryDelayMs * 2 ** attempt);
          continue;
        }
        throw mapNetworkError(err);
      }
    }
  }

  private http(): Got {
    const { baseUrl, apiKey } = this.target();
    const key = `${baseUrl}\n${apiKey}`;
    if (this.instance?.key !== key) {
      this.instance = {
        key,
        got: got.extend({
          prefixUrl: baseUrl,
          headers: { authorization: `Bearer ${apiKey}` },
          agent: this.agents,
          // No total timeout: a stream may legitimately run for many minutes.
          timeout: { connect: this.connectTimeoutMs, socket: this.idleTimeoutMs },
          retry: { limit: 0 },
          throwHttpErrors: false,
        }),
      };
    }
    return this.instance.got;
  }

  private once(method: 'GET' | 'POST', path: string, body: MistralRequest | undefined, signal: AbortSignal): Promise<UpstreamResponse> {
    const http = this.http();
    return new Promise((resolve, reject) => {
      const stream = http.stream(path.replace(/^\//, ''), {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: body === undefined ? { accept: 'application/json' } : { accept: body.stream ? 'text/event-stream' : 'application/json', 'content-type': 'application/json' },
        signal,
      });
      const onError = (err: Error) => reject(err);
      stream.once('error', onError);
      stream.once('response', (res: { statusCode: number; headers: IncomingHttpHeaders }) => {
        stream.off('error', onError);
        // Readers see errors through their own listeners; this one only keeps an error emitted after the body was
        // consumed (e.g. an abort signal firing late) from crashing the process as an unhandled 'error' event.
        stream.on('error', () => undefined);
        resolve({ status: res.statusCode, headers: res.headers, body: stream });
      });
    });
  }
}

/** Reads a whole (error or JSON) body, up to a limit. */
export async function readText(stream: Request, limit = 64 * 1024 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ApiError(502, 'api_error', 'Mistral API response is too large');
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}
