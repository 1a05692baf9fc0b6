/**
 * Strict mock of Mistral's chat completions API, as a real HTTP server on 127.0.0.1.
 *
 *   const mock = await startMockMistral();
 *   mock.enqueue(text('hello'));            // next chat request gets this reply
 *   ... point the proxy at mock.url (…/v1) with mock.apiKey ...
 *   expect(mock.violations()).toEqual([]);  // the proxy sent only valid bodies
 *   await mock.close();
 *
 * Every request body to `POST /v1/chat/completions` is validated (see validate.ts): unknown keys
 * and schema errors → 422 (`detail[]` in Mistral's error envelope), Mistral's semantic rules →
 * 400 with the real message/type/code. Violations are recorded on the request and the request
 * never reaches the queue/responder.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { defaultModels, indexModels, type ModelInfo } from './models.js';
import {
  randomHex,
  randomToolCallId,
  renderCompletion,
  renderStreamChunks,
  type FinishReason,
  type MistralAssistantOut,
  type MistralUsageOut,
  type StreamOptions,
} from './render.js';
import { validateChatBody, type DetailEntry, type RuleError } from './validate.js';

export type { MistralAssistantOut, MistralUsageOut, MistralContentChunkOut, FinishReason, StreamOptions } from './render.js';
export { defaultModels, type MockModelCard } from './models.js';
export { validateChatBody, checkJsonSchema, type DetailEntry, type RuleError, type ValidationResult } from './validate.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** Client closed the connection before the response finished. */
  aborted: boolean;
  stream: boolean;
  violations: string[];
}

export type Reply =
  /** Raw reply. A string body is sent verbatim (e.g. to send malformed JSON). */
  | { kind: 'json'; status?: number; body: unknown; headers?: Record<string, string> }
  /** Rendered as chat.completion JSON, or as SSE chunks if the request had stream:true. */
  | { kind: 'completion'; message: MistralAssistantOut; finishReason?: FinishReason; usage?: MistralUsageOut; model?: string }
  /**
   * Raw SSE: objects are sent as `data: <JSON>`, strings as `data: <string>` ('[DONE]' → `data: [DONE]`);
   * strings ending in "\n" are written byte-for-byte (malformed SSE). hangAfter keeps the socket open.
   */
  | { kind: 'sse'; chunks: Array<object | string>; delayMs?: number; hangAfter?: boolean }
  /** Error with Mistral's default body for the status unless `body` is given (429 adds Retry-After: 1). */
  | { kind: 'error'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Never answer (abort / timeout tests). */
  | { kind: 'hang' }
  /** Destroy the socket (network failure). */
  | { kind: 'destroy' }
  /**
   * Fault injection: after the body passed validation, the handler owns the response (raw bytes on the socket,
   * partial writes, resets, redirects…). Mark `selfDestroy()` before destroying the socket on purpose, so the
   * request is not recorded as aborted by the client.
   */
  | { kind: 'raw'; handle: (ctx: { req: IncomingMessage; res: ServerResponse; rec: RecordedRequest; selfDestroy: () => void }) => void | Promise<void> };

export interface MockMistral {
  /** Base URL including /v1, e.g. http://127.0.0.1:PORT/v1 */
  url: string;
  /** The only accepted Bearer key; anything else → 401. */
  apiKey: string;
  /** Every request (chat and models), in arrival order. */
  requests: RecordedRequest[];
  /** All validation violations seen so far (flattened). */
  violations(): string[];
  setResponder(fn: (req: RecordedRequest, chatIndex: number) => Reply | Promise<Reply>): void;
  /** Next valid chat requests get these replies in order, before falling back to the responder. */
  enqueue(...replies: Reply[]): void;
  /** How `completion` replies are streamed. Mutable. */
  streamOptions: StreamOptions;
  /** Resolves true once request #index (index into `requests`) has been aborted by the client; false on timeout. */
  waitForAbort(index: number, timeoutMs?: number): Promise<boolean>;
  /** Rate-limit mode (see RateLimitOptions); null = off. Mutable. */
  rateLimit: RateLimitOptions | null;
  /** Chat requests answered 429 by the rate-limit mode so far. */
  rateLimited(): number;
  close(): Promise<void>;
}

/**
 * Mistral's per-workspace limits: at most `rps` chat requests accepted in any sliding second and `tpm` tokens
 * (prompt ≈ request bytes / 4, as the mock's usage counts them) in any sliding minute. Past either, 429 with
 * Mistral's body and `Retry-After` (whole seconds until there is room, at least 1). Refused requests do not count.
 * Every chat response carries `x-ratelimitbysize-limit-minute` / `-remaining-minute` as Mistral's does.
 */
export interface RateLimitOptions {
  rps?: number;
  tpm?: number;
}

export interface StartOptions {
  apiKey?: string;
  /** Port on 127.0.0.1 (default 0 = ephemeral). */
  port?: number;
  /** Replaces the default `/v1/models` catalogue (BaseModelCard-shaped objects). */
  models?: object[];
  /** Accept image chunks in `tool` messages (v15 tokenizer). Default false. */
  toolImages?: boolean;
  /** Accept a `user` message right after a `tool` message. Default false (hosted API rejects it). */
  userAfterTool?: boolean;
  /** Enforce Mistral-style rate limits on chat requests. */
  rateLimit?: RateLimitOptions;
}

// ---------------------------------------------------------------------------------------------
// Reply builders
// ---------------------------------------------------------------------------------------------

export function completion(
  message: MistralAssistantOut,
  opts: { finishReason?: FinishReason; usage?: MistralUsageOut; model?: string } = {},
): Reply {
  return { kind: 'completion', message, ...opts };
}

/** A plain text answer. */
export function text(s: string, opts: { finishReason?: FinishReason; usage?: MistralUsageOut } = {}): Reply {
  return completion({ content: s }, opts);
}

/** A single tool call (finish_reason tool_calls). `id` defaults to a fresh 9-char id. */
export function toolCall(name: string, args: string | object, id?: string, opts: { content?: string; usage?: MistralUsageOut } = {}): Reply {
  return completion(
    { content: opts.content ?? '', tool_calls: [{ id: id ?? randomToolCallId(), function: { name, arguments: args } }] },
    { usage: opts.usage },
  );
}

/** Reasoning answer: content `[ThinkChunk, TextChunk]`, as Mistral returns it with reasoning on. */
export function thinking(thought: string, answer: string, opts: { finishReason?: FinishReason; usage?: MistralUsageOut } = {}): Reply {
  return completion(
    { content: [{ type: 'thinking', thinking: [{ type: 'text', text: thought }] }, { type: 'text', text: answer }] },
    opts,
  );
}

export function mistralError(message: string, type: string, code: string | null = null): object {
  return { object: 'error', message, type, param: null, code };
}

export function contextOverflowBody(promptTokens: number, max: number): object {
  return mistralError(
    `Prompt contains ${promptTokens} tokens, too large for model with ${max} maximum context length`,
    'invalid_request_error',
  );
}

/** 400 context-window overflow in Mistral's real wording. */
export function contextOverflow(promptTokens: number, max: number): Reply {
  return { kind: 'error', status: 400, body: contextOverflowBody(promptTokens, max) };
}

/** Error reply; without body, Mistral's default body for the status is used (429 adds Retry-After). */
export function errorReply(status: number, body?: unknown, headers?: Record<string, string>): Reply {
  return { kind: 'error', status, body, headers };
}

export function defaultErrorBody(status: number): object {
  switch (status) {
    case 400: return mistralError('Bad request', 'invalid_request_error');
    case 401: return { message: 'Unauthorized', request_id: randomHex() };
    case 402: return mistralError('Payment required: your subscription does not allow this request', 'invalid_request_error');
    case 403: return mistralError('Forbidden', 'invalid_request_error');
    case 404: return mistralError('Not Found', 'invalid_request_error');
    case 413: return mistralError('Request entity too large', 'invalid_request_error');
    case 422: return mistralError('Unprocessable entity', 'invalid_request_error');
    case 429: return mistralError('Requests rate limit exceeded', 'rate_limit_exceeded', '3505');
    case 500: return mistralError('Internal server error', 'internal_server_error', '3000');
    case 502: return mistralError('Bad gateway', 'internal_error_proxy', '1000');
    case 503: return mistralError('Service unavailable', 'internal_error_proxy', '1000');
    case 504: return mistralError('Gateway timeout', 'internal_error_proxy', '1000');
    default:
      return status >= 500
        ? mistralError('Internal server error', 'internal_server_error', '3000')
        : mistralError('Request failed', 'invalid_request_error');
  }
}

// ---------------------------------------------------------------------------------------------
// Default scripted agent
// ---------------------------------------------------------------------------------------------

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((c) => (c && typeof c === 'object' && (c as { type?: unknown }).type === 'text' ? String((c as { text?: unknown }).text ?? '') : ''))
      .join('');
  }
  return '';
}

/**
 * - last message is a tool result → `Tool said: <first 200 chars>`
 * - last user text contains `RUN_BASH:<command>` (to end of line) and a `Bash` tool exists →
 *   tool call Bash {"command": <command>, "description": "run it"}
 * - otherwise → `ok`
 */
export function defaultAgent(req: RecordedRequest): Reply {
  const body = req.body as { messages?: Array<{ role?: string; content?: unknown }>; tools?: Array<{ function?: { name?: string } }> };
  const msgs = body.messages ?? [];
  const last = msgs[msgs.length - 1];
  if (last?.role === 'tool') return text(`Tool said: ${textOf(last.content).slice(0, 200)}`);
  if (last?.role === 'user') {
    const m = /RUN_BASH:([^\r\n]+)/.exec(textOf(last.content));
    const hasBash = (body.tools ?? []).some((t) => t?.function?.name === 'Bash');
    if (m && hasBash) return toolCall('Bash', { command: m[1].trim(), description: 'run it' });
  }
  return text('ok');
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function formatDetail(d: DetailEntry): string {
  return `422 ${d.type} at ${d.loc.join('.')}: ${d.msg}`;
}
function formatRule(e: RuleError): string {
  return `${e.status} ${e.type}${e.code ? ` (${e.code})` : ''}: ${e.message}`;
}

export async function startMockMistral(opts: StartOptions = {}): Promise<MockMistral> {
  const apiKey = opts.apiKey ?? 'test-mistral-key';
  const modelCards: object[] = opts.models ?? defaultModels();
  const modelIndex: Map<string, ModelInfo> = indexModels(modelCards);
  const requests: RecordedRequest[] = [];
  const queue: Reply[] = [];
  let responder: (req: RecordedRequest, chatIndex: number) => Reply | Promise<Reply> = defaultAgent;
  let chatIndex = 0;
  let closing = false;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  const streamOptions: StreamOptions = { chunkDelayMs: 0, fragmentToolCalls: false, splitText: 16 };
  const limits: { rateLimit: RateLimitOptions | null } = { rateLimit: opts.rateLimit ?? null };
  const accepted: Array<{ at: number; tokens: number }> = [];
  let refused = 0;

  /** Rate-limit mode: true if the request may proceed (its rate headers set), else a 429 has been sent. */
  const admitRate = (res: ServerResponse, bytes: number, arrivedAt: number): boolean => {
    const rl = limits.rateLimit!;
    // Counted at arrival (as a gateway would), not after this process got round to parsing the body.
    const now = arrivedAt;
    while (accepted.length && accepted[0].at <= now - 60_000) accepted.shift();
    const tokens = Math.max(1, Math.ceil(bytes / 4));
    const lastSecond = accepted.filter((a) => a.at > now - 1000);
    const used = accepted.reduce((s, a) => s + a.tokens, 0);
    let waitMs = 0;
    if (rl.rps !== undefined && lastSecond.length >= rl.rps) {
      // Room again when enough of the last second's requests have left the window.
      waitMs = lastSecond[lastSecond.length - Math.floor(rl.rps)].at + 1000 - now;
    }
    if (rl.tpm !== undefined && used + tokens > rl.tpm && accepted.length) {
      let left = used;
      for (const a of accepted) {
        left -= a.tokens;
        if (left + tokens <= rl.tpm) {
          waitMs = Math.max(waitMs, a.at + 60_000 - now);
          break;
        }
      }
    }
    const remaining = rl.tpm !== undefined ? Math.max(0, rl.tpm - used - (waitMs > 0 ? 0 : tokens)) : undefined;
    if (rl.tpm !== undefined) {
      res.setHeader('x-ratelimitbysize-limit-minute', String(rl.tpm));
      res.setHeader('x-ratelimitbysize-remaining-minute', String(remaining));
    }
    if (waitMs > 0) {
      refused++;
      sendJson(res, 429, defaultErrorBody(429), { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) });
      return false;
    }
    accepted.push({ at: now, tokens });
    return true;
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
    res.end(payload);
  };

  const sendSse = async (res: ServerResponse, chunks: Array<object | string>, delayMs: number, hangAfter: boolean) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.flushHeaders();
    for (let i = 0; i < chunks.length; i++) {
      if (res.destroyed || res.writableEnded) return;
      const c = chunks[i];
      // Strings ending with "\n" are written raw (to inject malformed SSE); other strings as `data: <s>`.
      const line = typeof c === 'string' ? (c.endsWith('\n') ? c : `data: ${c}\n\n`) : `data: ${JSON.stringify(c)}\n\n`;
      res.write(line);
      if (delayMs > 0 && i < chunks.length - 1) await sleep(delayMs);
    }
    if (!hangAfter && !res.destroyed) res.end();
  };

  const handleChat = async (rec: RecordedRequest, raw: string, req: IncomingMessage, res: ServerResponse, markDestroyed: () => void, arrivedAt = Date.now()) => {
    const ct = String(req.headers['content-type'] ?? '');
    if (!/^application\/json\b/i.test(ct)) {
      try {
        rec.body = JSON.parse(raw);
      } catch {
        rec.body = raw;
      }
      const d: DetailEntry = {
        type: 'model_attributes_type', loc: ['body'], input: raw.slice(0, 200),
        msg: 'Input should be a valid dictionary or object to extract fields from',
      };
      rec.violations.push(`422 content-type must be application/json, got '${ct}'`);
      sendJson(res, 422, { object: 'error', message: { detail: [d] }, type: 'invalid_request_error', param: null, code: null });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (e) {
      rec.body = raw;
      rec.violations.push(`400 json_invalid: ${(e as Error).message}`);
      sendJson(res, 400, mistralError(`Invalid JSON body: ${(e as Error).message}`, 'invalid_request_error'));
      return;
    }
    rec.body = body;
    rec.stream = typeof body === 'object' && body !== null && (body as { stream?: unknown }).stream === true;
    if (limits.rateLimit && !admitRate(res, Buffer.byteLength(raw), arrivedAt)) return;

    const v = validateChatBody(body, { models: modelIndex, toolImages: opts.toolImages, userAfterTool: opts.userAfterTool });
    for (const d of v.schema) rec.violations.push(formatDetail(d));
    for (const e of v.rules) rec.violations.push(formatRule(e));
    if (v.schema.length > 0) {
      sendJson(res, 422, { object: 'error', message: { detail: v.schema }, type: 'invalid_request_error', param: null, code: null });
      return;
    }
    if (v.rules.length > 0) {
      const e = v.rules[0];
      sendJson(res, e.status, mistralError(e.message, e.type, e.code));
      return;
    }

    let reply: Reply;
    const idx = chatIndex++;
    try {
      reply = queue.length > 0 ? queue.shift()! : await responder(rec, idx);
    } catch (e) {
      sendJson(res, 500, mistralError(`mock responder threw: ${(e as Error).message}`, 'internal_server_error', '3000'));
      return;
    }
    const model = String((body as { model?: unknown }).model);
    await sendReply(reply, rec, raw, model, res, req, markDestroyed);
  };

  const sendReply = async (
    reply: Reply, rec: RecordedRequest, raw: string, model: string,
    res: ServerResponse, req: IncomingMessage, markDestroyed: () => void,
  ) => {
    switch (reply.kind) {
      case 'json':
        sendJson(res, reply.status ?? 200, reply.body, reply.headers);
        return;
      case 'error': {
        const headers = { ...(reply.status === 429 ? { 'retry-after': '1' } : {}), ...reply.headers };
        sendJson(res, reply.status, reply.body ?? defaultErrorBody(reply.status), headers);
        return;
      }
      case 'completion': {
        const input = {
          message: reply.message, finishReason: reply.finishReason, usage: reply.usage,
          model: reply.model ?? model, requestBytes: Buffer.byteLength(raw),
        };
        if (rec.stream) await sendSse(res, renderStreamChunks(input, streamOptions), streamOptions.chunkDelayMs, false);
        else sendJson(res, 200, renderCompletion(input));
        return;
      }
      case 'sse':
        await sendSse(res, reply.chunks, reply.delayMs ?? 0, reply.hangAfter ?? false);
        return;
      case 'hang':
        return;
      case 'destroy':
        markDestroyed();
        req.socket.destroy();
        return;
      case 'raw':
        await reply.handle({ req, res, rec, selfDestroy: markDestroyed });
        return;
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const arrivedAt = Date.now();
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      headers: { ...req.headers },
      body: undefined,
      aborted: false,
      stream: false,
      violations: [],
    };
    requests.push(rec);
    let selfDestroyed = false;
    res.on('close', () => {
      if (!res.writableFinished && !selfDestroyed && !closing) {
        rec.aborted = true;
      }
      notify();
    });
    notify();

    const chunks: Buffer[] = [];
    try {
      for await (const c of req) chunks.push(c as Buffer);
    } catch {
      return; // client went away while uploading
    }
    const raw = Buffer.concat(chunks).toString('utf8');

    const authorized = req.headers.authorization === `Bearer ${apiKey}`;
    const path = url.pathname.replace(/\/+$/, '');
    const route = path === '/v1/chat/completions' ? 'chat' : path === '/v1/models' ? 'models' : path.startsWith('/v1/models/') ? 'model' : undefined;

    if (!route) {
      if (raw) try { rec.body = JSON.parse(raw); } catch { rec.body = raw; }
      sendJson(res, 404, { message: 'no Route matched with those values', request_id: randomHex() });
      return;
    }
    const wantMethod = route === 'chat' ? 'POST' : 'GET';
    if (req.method !== wantMethod) {
      sendJson(res, 405, { detail: 'Method Not Allowed' }, { allow: wantMethod });
      return;
    }
    if (!authorized) {
      if (raw) try { rec.body = JSON.parse(raw); } catch { rec.body = raw; }
      sendJson(res, 401, { message: 'Unauthorized', request_id: randomHex() });
      return;
    }
    if (route === 'models') {
      sendJson(res, 200, { object: 'list', data: modelCards });
      return;
    }
    if (route === 'model') {
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      const card = (modelCards as Array<{ id?: string; aliases?: string[] }>).find((m) => m.id === id || m.aliases?.includes(id));
      if (card) sendJson(res, 200, card);
      else sendJson(res, 404, mistralError(`Model not found: ${id}`, 'invalid_request_error'));
      return;
    }
    await handleChat(rec, raw, req, res, () => {
      selfDestroyed = true;
    }, arrivedAt);
  };

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      try {
        sendJson(res, 500, mistralError(`mock error: ${(e as Error).message}`, 'internal_server_error', '3000'));
      } catch {
        /* ignore */
      }
    });
  });
  server.keepAliveTimeout = 5_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // A client that uses this server as its HTTPS_PROXY tunnels https:// calls with CONNECT. Without a
  // listener Node drops such sockets silently; record them (method 'CONNECT', path = target) and refuse.
  server.on('connect', (req: IncomingMessage, socket: Duplex) => {
    requests.push({ method: 'CONNECT', path: req.url ?? '', headers: { ...req.headers }, body: undefined, aborted: false, stream: false, violations: [] });
    notify();
    socket.on('error', () => {});
    socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  const mock: MockMistral = {
    url: `http://127.0.0.1:${port}/v1`,
    apiKey,
    requests,
    violations: () => requests.flatMap((r) => r.violations),
    setResponder(fn) {
      responder = fn;
    },
    enqueue(...replies) {
      queue.push(...replies);
    },
    streamOptions,
    get rateLimit() {
      return limits.rateLimit;
    },
    set rateLimit(v: RateLimitOptions | null) {
      limits.rateLimit = v;
    },
    rateLimited: () => refused,
    waitForAbort(index, timeoutMs = 5_000) {
      return new Promise<boolean>((resolve) => {
        const check = () => {
          if (requests[index]?.aborted) {
            cleanup();
            resolve(true);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          resolve(false);
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    close() {
      closing = true;
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
    },
  };
  return mock;
}
