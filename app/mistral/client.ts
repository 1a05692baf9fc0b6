import { Agent as HttpAgent, request as httpRequest, STATUS_CODES, type ClientRequest, type RequestOptions, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import { urlToHttpOptions } from 'node:url';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Got } from 'got';
import { ApiError, mapUpstreamError } from '../translate/errors.js';
import type { MistralRequest } from '../translate/mistral-types.js';
import { jsonBytes } from './json-bytes.js';
import { clientOptionsFromEnv, type ClientOptions, type ResolvedClientOptions } from './options.js';
import { redactorFor, type Redactor } from './redact.js';
import { parseRetryAfter, retryAfterHeader } from './retry-after.js';

export type { ClientOptions } from './options.js';

// The upstream client. The chat hop (`POST /chat/completions`, the hot path) runs on Node's own http/https with a
// keep-alive agent: the body is encoded once into a Buffer with its content-length, nothing is re-encoded or
// buffered on the way, and the response body is handed over as the raw socket stream. got is kept for the cold
// GET calls (model list), where its conveniences cost nothing that matters, and is loaded only when first needed.
//
// Retry policy (README "Timeouts and retries"): a POST is never sent twice unless it provably did not reach Mistral
// (the connection never opened, or the request was not completely written), or Mistral answered 429/503 before any
// byte of an answer. Waits honour Retry-After and stay within a count and a total-time bound; a timeout is never
// retried (Mistral may be working on it). Redirects are never followed.
//
// The seam for the pacing limiter and fallback models (issue 10):
//   const result = await client.chat(payload, { signal, beforeAttempt, onResponse, retries, retryBudgetMs });
//   - `beforeAttempt({ attempt, signal, previous })` is awaited before every attempt (the first included): a
//     limiter waits there for its slot; `previous` says why the last attempt failed (status, retry-after, sent).
//     Throwing an ApiError from it ends the call with that error (it propagates to the caller).
//   - `onResponse({ attempt, status, headers })` sees every upstream answer (e.g. `x-ratelimit-*` to learn limits).
//   - `retries` / `retryBudgetMs` override the client's bounds for this call (0 = the caller handles retries).
//   - The result is typed, never thrown for upstream faults: `{ ok: true, body, … }` or `{ ok: false, error, status,
//     retryAfterMs, sent, attempts, retryWaitMs, kind }` where `error` is the ready Anthropic error (redacted,
//     with `retry-after`, and `x-should-retry: false` once the proxy has retried), `status` Mistral's HTTP status
//     (null for network faults and timeouts), and `sent` whether Mistral may have received the request.
//   Only an abort of `signal` rejects (the caller knows why it aborted).

export interface UpstreamTarget { baseUrl: string; apiKey: string }

/**
 * A chat request encoded for the wire. The request object it came from is usually most of a request's heap (the
 * conversation, the tools); a caller that holds only this while Mistral answers lets that go at once.
 */
export interface ChatPayload {
  readonly bytes: Buffer;
  readonly stream: boolean;
  readonly maxTokens: number | undefined;
}

export function chatPayload(body: MistralRequest): ChatPayload {
  return { bytes: jsonBytes(body), stream: body.stream === true, maxTokens: body.max_tokens };
}

export interface AttemptFailure {
  status: number | null;
  retryAfterMs: number | null;
  /** Whether Mistral may have received the request. */
  sent: boolean;
  code: string;
}

export interface AttemptInfo {
  /** 1 for the first attempt. */
  attempt: number;
  signal: AbortSignal;
  previous: AttemptFailure | null;
}

export interface ChatOptions {
  signal: AbortSignal;
  beforeAttempt?: (info: AttemptInfo) => void | Promise<void>;
  onResponse?: (info: { attempt: number; status: number; headers: IncomingHttpHeaders }) => void;
  retries?: number;
  retryBudgetMs?: number;
}

interface CallFacts {
  /** Attempts made (1 = no retry). */
  attempts: number;
  /** Time spent waiting between attempts. */
  retryWaitMs: number;
}

export interface ChatOk extends CallFacts {
  ok: true;
  status: number;
  headers: IncomingHttpHeaders;
  /** The response body as raw bytes (decompressed if Mistral compressed it). */
  body: Readable;
  /** Non-streaming: when the whole call must be over (epoch ms). */
  deadline: number | null;
  idleTimeoutMs: number;
  /** Apply to every string read from `body` before anything else sees it. */
  redact: Redactor;
}

export interface ChatFailure extends CallFacts {
  ok: false;
  kind: 'http' | 'redirect' | 'network' | 'timeout';
  error: ApiError;
  status: number | null;
  retryAfterMs: number | null;
  sent: boolean;
}

export type ChatResult = ChatOk | ChatFailure;

/** The body of a non-streaming answer did not arrive whole in time. */
export class UpstreamTimeoutError extends ApiError {
  constructor(what: string) {
    super(504, 'timeout_error', `Mistral API did not answer in time (${what})`);
  }
}

/** Legacy stream shape for GET calls (model list). */
export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable;
}

type Outcome =
  | { kind: 'response'; res: IncomingMessage; req: ClientRequest }
  | { kind: 'error'; code: string; sent: boolean; timeout: 'connect' | 'first byte' | 'deadline' | null }
  | { kind: 'aborted' };

/** Idle keep-alive sockets are closed before a typical upstream would close them, so a reused one is rarely dead. */
const FREE_SOCKET_MS = 30_000;
const MAX_ERROR_BODY = 1024 * 1024;
const noop = () => undefined;

/** Where a chat request goes. */
interface Target { protocol: string; hostname: string; port: number | undefined; path: string; auth: string | undefined }

/**
 * A plain object of fixed shape: http.request copies its options on every call, and copying the null-prototype
 * object urlToHttpOptions returns (spread or Object.assign) takes V8's slow path, ~5 µs per request in a CPU profile.
 */
function targetOf(url: URL): Target {
  const o = urlToHttpOptions(url);
  return { protocol: o.protocol ?? url.protocol, hostname: o.hostname ?? url.hostname, port: o.port === undefined ? undefined : Number(o.port), path: o.path ?? '/', auth: o.auth ?? undefined };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

export class MistralClient {
  private readonly agents = {
    // No socket cap: a queued request would wait silently behind long streams (agents run many in parallel).
    http: new HttpAgent({ keepAlive: true, timeout: FREE_SOCKET_MS }),
    https: new HttpsAgent({ keepAlive: true, timeout: FREE_SOCKET_MS }),
  };
  readonly options: ResolvedClientOptions;
  private prepared: { key: string; target: Target; auth: string; redact: Redactor } | null = null;
  private gotInstance: { key: string; got: Got } | null = null;

  constructor(private readonly target: () => UpstreamTarget, opts: ClientOptions = {}) {
    const defined = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as ClientOptions;
    this.options = { ...clientOptionsFromEnv(), ...defined };
  }

  /** The redaction for strings from the current upstream target. */
  get redact(): Redactor {
    return this.target_().redact;
  }

  private target_() {
    const { baseUrl, apiKey } = this.target();
    const key = `${baseUrl}\n${apiKey}`;
    if (this.prepared?.key !== key) {
      const url = new URL(`${baseUrl.replace(/\/+$/, '')}/chat/completions`);
      // Parsed once: handing http.request a URL converts it again on every call.
      this.prepared = { key, target: targetOf(url), auth: `Bearer ${apiKey}`, redact: redactorFor(apiKey) };
    }
    return this.prepared;
  }

  /**
   * POST /chat/completions with the retry policy above. Rejects only when `opts.signal` aborts. Takes the request
   * already encoded (`chatPayload`), so the request object is not held while the call waits.
   */
  async chat({ bytes: payload, stream }: ChatPayload, opts: ChatOptions): Promise<ChatResult> {
    const o = this.options;
    const target = this.target_();
    const headers = {
      authorization: target.auth,
      'content-type': 'application/json',
      'content-length': String(payload.length),
      accept: stream ? 'text/event-stream' : 'application/json',
      'accept-encoding': 'identity',
    };
    const retries = opts.retries ?? o.retries;
    const budget = opts.retryBudgetMs ?? o.retryBudgetMs;
    const deadline = stream ? null : Date.now() + o.nonStreamTimeoutMs;
    let attempts = 0;
    let retryWaitMs = 0;
    let previous: AttemptFailure | null = null;
    const facts = () => ({ attempts, retryWaitMs });
    /** Waits before the next attempt if the bounds allow it; false = give up now. */
    const mayRetry = async (waitMs: number): Promise<boolean> => {
      if (attempts > retries || retryWaitMs + waitMs > budget) return false;
      if (deadline !== null && Date.now() + waitMs >= deadline) return false;
      await sleep(waitMs, opts.signal);
      if (opts.signal.aborted) throw opts.signal.reason;
      retryWaitMs += waitMs;
      return true;
    };
    const backoff = () => o.retryDelayMs * 2 ** (attempts - 1);
    const noRetryOnTop = (err: ApiError) => {
      if (attempts > 1) (err.headers as Record<string, string>)['x-should-retry'] = 'false';
      return err;
    };

    for (;;) {
      attempts++;
      await opts.beforeAttempt?.({ attempt: attempts, signal: opts.signal, previous });
      if (opts.signal.aborted) throw opts.signal.reason;
      const headerWait = deadline === null ? o.firstByteTimeoutMs : deadline - Date.now();
      const out = await this.attempt(target.target, headers, payload, opts.signal, headerWait, deadline === null ? 'first byte' : 'deadline');
      if (out.kind === 'aborted') throw opts.signal.reason;

      if (out.kind === 'error') {
        previous = { status: null, retryAfterMs: null, sent: out.sent, code: out.code };
        if (!out.sent && (await mayRetry(backoff()))) continue;
        if (out.timeout && out.timeout !== 'connect') {
          const err = new ApiError(504, 'timeout_error', `Mistral API did not answer in time (no response within ${Math.round((deadline === null ? o.firstByteTimeoutMs : o.nonStreamTimeoutMs) / 1000)} s)`);
          return { ok: false, kind: 'timeout', error: noRetryOnTop(err), status: null, retryAfterMs: null, sent: true, ...facts() };
        }
        const err = out.timeout === 'connect'
          ? new ApiError(504, 'timeout_error', `Could not reach the Mistral API (no connection within ${Math.round(o.connectTimeoutMs / 1000)} s)`)
          : new ApiError(502, 'api_error', `Could not reach the Mistral API (${out.code})`);
        return { ok: false, kind: out.timeout ? 'timeout' : 'network', error: noRetryOnTop(err), status: null, retryAfterMs: null, sent: out.sent, ...facts() };
      }

      const { res } = out;
      const status = res.statusCode ?? 0;
      opts.onResponse?.({ attempt: attempts, status, headers: res.headers });
      if (status >= 200 && status < 300) {
        let bodyStream: Readable;
        try {
          bodyStream = decoded(res);
        } catch (err) {
          res.destroy();
          return { ok: false, kind: 'http', error: err as ApiError, status, retryAfterMs: null, sent: true, ...facts() };
        }
        // The caller's abort (client gone, shutdown) must also end the body it is reading.
        const onAbort = () => res.destroy();
        opts.signal.addEventListener('abort', onAbort, { once: true });
        res.once('close', () => opts.signal.removeEventListener('abort', onAbort));
        return { ok: true, status, headers: res.headers, body: bodyStream, deadline, idleTimeoutMs: o.idleTimeoutMs, redact: target.redact, ...facts() };
      }

      const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
      previous = { status, retryAfterMs, sent: true, code: `HTTP ${status}` };
      if (status >= 300 && status < 400) {
        res.destroy();
        const location = target.redact(String(res.headers.location ?? '(no location)')).slice(0, 300);
        const err = new ApiError(502, 'api_error', `Mistral API answered HTTP ${status} ${STATUS_CODES[status] ?? ''}, a redirect to ${location}; redirects are not followed (check MISTRAL_BASE_URL)`.replace('  ', ' '));
        return { ok: false, kind: 'redirect', error: noRetryOnTop(err), status, retryAfterMs, sent: true, ...facts() };
      }
      // 429 and 503 mean "not now": Mistral did not work on the request, so it may be sent again.
      if (status === 429 || status === 503) {
        const wait = Math.max(backoff(), retryAfterMs ?? 0);
        if (attempts <= retries && retryWaitMs + wait <= budget && (deadline === null || Date.now() + wait < deadline)) {
          res.resume();
          if (await mayRetry(wait)) continue;
        }
      }
      let text: string;
      try {
        text = target.redact(await readText(res, { limit: MAX_ERROR_BODY, deadline: deadline ?? Date.now() + o.idleTimeoutMs }));
      } catch {
        text = '';
      }
      const retryAfter = retryAfterMs === null ? undefined : retryAfterHeader(retryAfterMs);
      const err = mapUpstreamError(status, text, retryAfter, contentTypeOf(res));
      return { ok: false, kind: 'http', error: noRetryOnTop(err), status, retryAfterMs, sent: true, ...facts() };
    }
  }

  private attempt(target: Target, headers: Record<string, string>, payload: Buffer, signal: AbortSignal, headerWaitMs: number, headerTimeout: 'first byte' | 'deadline'): Promise<Outcome> {
    const o = this.options;
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      let connected = false;
      let connectTimer: NodeJS.Timeout | undefined;
      let headerTimer: NodeJS.Timeout | undefined;
      const https = target.protocol === 'https:';
      // No protocol: the agent passed sets it. No auth key unless the base URL carries credentials.
      const options: RequestOptions = { hostname: target.hostname, port: target.port, path: target.path, method: 'POST', agent: https ? this.agents.https : this.agents.http, headers };
      if (target.auth !== undefined) options.auth = target.auth;
      const req = (https ? httpsRequest : httpRequest)(options);
      const done = (outcome: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(headerTimer);
        clearTimeout(connectTimer);
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onAbort = () => {
        req.destroy();
        done({ kind: 'aborted' });
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      headerTimer = setTimeout(() => {
        // The request was sent and Mistral holds it: never sent again (it may still be working on it).
        req.destroy();
        done({ kind: 'error', code: 'ETIMEDOUT', sent: connected, timeout: connected ? headerTimeout : 'connect' });
      }, Math.max(1, headerWaitMs));
      req.on('socket', (socket: Socket) => {
        // A reused socket still carries the agent's idle timeout; this request's own timers apply instead.
        socket.setTimeout(0);
        if (!socket.connecting) {
          connected = true;
          return;
        }
        connectTimer = setTimeout(() => {
          req.destroy();
          done({ kind: 'error', code: 'ECONNECT_TIMEOUT', sent: false, timeout: 'connect' });
        }, o.connectTimeoutMs);
        // Over TLS nothing of the request leaves before the handshake is done.
        socket.once(https ? 'secureConnect' : 'connect', () => {
          connected = true;
          clearTimeout(connectTimer);
        });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? 'ERROR';
        // Mistral can act only on a complete request: if the connection never opened, or the body was not completely
        // handed to the socket (EPIPE: the write itself failed), it provably never saw one.
        const sent = connected && req.writableFinished && code !== 'EPIPE';
        done({ kind: 'error', code, sent, timeout: null });
      });
      req.on('response', (res: IncomingMessage) => {
        // Errors after this point surface to whoever reads the body; this keeps a late one from being unhandled.
        res.on('error', noop);
        done({ kind: 'response', res, req });
      });
      req.end(payload);
    });
  }

  /** Opens a GET (the model list) with got, loaded on first use; a cold path where got's conveniences pay. */
  async open(method: 'GET', path: string, _body: undefined, signal: AbortSignal): Promise<UpstreamResponse> {
    const http = await this.got();
    return new Promise((resolve, reject) => {
      const stream = http.stream(path.replace(/^\//, ''), { method, headers: { accept: 'application/json' }, signal });
      const onError = (err: Error) => reject(err);
      stream.once('error', onError);
      stream.once('response', (res: { statusCode: number; headers: IncomingHttpHeaders }) => {
        stream.off('error', onError);
        // Keeps an error emitted after the body was consumed (a late abort) from being an unhandled 'error' event.
        stream.on('error', noop);
        resolve({ status: res.statusCode, headers: res.headers, body: stream });
      });
    });
  }

  private async got(): Promise<Got> {
    const { baseUrl, apiKey } = this.target();
    const key = `${baseUrl}\n${apiKey}`;
    if (this.gotInstance?.key !== key) {
      const { default: got } = await import('got');
      this.gotInstance = {
        key,
        got: got.extend({
          prefixUrl: baseUrl,
          headers: { authorization: `Bearer ${apiKey}` },
          agent: this.agents,
          timeout: { connect: this.options.connectTimeoutMs, response: this.options.firstByteTimeoutMs, socket: this.options.idleTimeoutMs },
          retry: { limit: 0 },
          followRedirect: false,
          throwHttpErrors: false,
        }),
      };
    }
    return this.gotInstance.got;
  }

  /** Closes idle keep-alive sockets (shutdown). */
  destroy(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

function contentTypeOf(res: IncomingMessage): string {
  return String(res.headers['content-type'] ?? '');
}

/** The body as Mistral meant it: we ask for no compression, but a gateway may compress anyway. */
function decoded(res: IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return res;
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : null;
  if (decoder) return pipeline(res, decoder, noop);
  throw new ApiError(502, 'api_error', `Mistral API answered with an unsupported content-encoding "${encoding.slice(0, 40)}"`);
}

/** Reads a whole body up to a size limit and a deadline. Upstream faults become 502 api_error, the deadline 504. */
export function readText(stream: Readable, opts: { limit?: number; deadline?: number } = {}): Promise<string> {
  const limit = opts.limit ?? 64 * 1024 * 1024;
  // Plain listeners rather than `for await`: the async iterator cost ~5 µs per request on the non-streaming path.
  return new Promise<string>((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    let settled = false;
    const timer = opts.deadline === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      stream.destroy();
    }, Math.max(1, opts.deadline - Date.now()));
    const finish = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onClose);
      stream.off('error', finish);
      // A late error on a stream nobody reads any more must not become an uncaught exception.
      stream.on('error', noop);
      if (timedOut) return reject(new UpstreamTimeoutError('the response body did not finish in time'));
      if (err === null) return resolve(Buffer.concat(parts).toString('utf8'));
      if (err instanceof ApiError) return reject(err);
      if (/^Z_|ERR_.*ZLIB|BROTLI/.test(String((err as NodeJS.ErrnoException).code))) return reject(new ApiError(502, 'api_error', 'Mistral API response could not be decompressed'));
      const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      reject(new ApiError(502, 'api_error', `Mistral API response was cut off (${code})`));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        finish(new ApiError(502, 'api_error', 'Mistral API response is too large'));
        stream.destroy();
        return;
      }
      parts.push(chunk);
    };
    const onEnd = () => finish(null);
    // Closed before its end (destroyed, connection lost without an error event): the body is incomplete.
    const onClose = () => finish(Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    if (stream.readableEnded) return finish(null);
    if (stream.destroyed) return onClose();
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('close', onClose);
    stream.once('error', finish);
  });
}
