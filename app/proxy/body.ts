import type { Socket } from 'node:net';
import type { Context } from 'koa';
import { INBOUND_DEFAULTS } from '../config.js';
import { ApiError, invalidRequest } from '../translate/errors.js';

/** Anthropic's documented request limit for /v1/messages. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * Deepest JSON nesting accepted. Real requests (messages → content → tool input, tool schemas) stay far below it;
 * anything deeper would only exhaust the stack of code that walks the body.
 */
export const MAX_JSON_DEPTH = 128;

export interface JsonBody { value: unknown; bytes: number }

/** The client went away while its request was still arriving: not a proxy failure (recorded as 499). */
export class ClientClosedError extends Error {
  constructor() {
    super('the client closed the connection before its request had arrived');
  }
}

// Sockets Node's server.requestTimeout has cut, so a body read that fails on them is told apart from a client
// that hung up.
const timedOut = new WeakSet<Socket>();
export const markTimedOut = (socket: Socket): void => void timedOut.add(socket);

/** Set per request by the app (ctx.state) from the live config; the default otherwise. */
function idleTimeoutOf(ctx: Context): number {
  const v = (ctx.state as { bodyIdleTimeoutMs?: unknown }).bodyIdleTimeoutMs;
  return typeof v === 'number' && v > 0 ? v : INBOUND_DEFAULTS.bodyIdleTimeoutMs;
}

const tooLarge = (limit: number) => new ApiError(413, 'request_too_large', `request body exceeds ${limit} bytes`, { connection: 'close' });

/**
 * The raw request body, refusing oversize bodies before buffering them (by Content-Length, then by count). A body
 * that stalls (no byte for the idle timeout) is answered 408 and its connection closed, so a slow client cannot
 * hold a request open forever.
 */
export function readRawBody(ctx: Context, limit: number): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  const req = ctx.req;
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  const idleMs = idleTimeoutOf(ctx);
  return new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const finish = (err: Error | null) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
      if (!err) return resolve(Buffer.concat(parts, size));
      req.resume(); // whatever still arrives is discarded; the connection closes after the answer
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish(tooLarge(limit));
      parts.push(chunk);
      timer.refresh();
    };
    const onEnd = () => finish(null);
    const onGone = () => {
      if (req.complete) return;
      finish(timedOut.has(req.socket)
        ? new ApiError(408, 'timeout_error', 'the request body did not arrive in time', { connection: 'close' })
        : new ClientClosedError());
    };
    const timer = setTimeout(() => {
      finish(new ApiError(408, 'timeout_error', `the request body stalled: no data for ${Math.round(idleMs / 1000 * 10) / 10} s (CCPROXY_BODY_TIMEOUT_MS); the connection is closed`, { connection: 'close' }));
    }, idleMs);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

/** Whether the JSON text nests (objects and arrays) deeper than `max`. Strings are skipped natively (indexOf). */
export function jsonDepthExceeds(raw: Buffer, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === 0x22) {
      // Jump to the closing quote: the next one not escaped by an odd run of backslashes.
      let j = i;
      for (;;) {
        j = raw.indexOf(0x22, j + 1);
        if (j === -1) return false; // unterminated: JSON.parse rejects it
        let k = j - 1;
        while (raw[k] === 0x5c) k--;
        if ((j - 1 - k) % 2 === 0) break;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Whether a parsed value nests (objects and arrays) deeper than `max`; recursion stops at `max + 1` levels. */
export function valueDepthExceeds(value: unknown, max: number, depth = 1): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (depth > max) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (typeof v === 'object' && v !== null && valueDepthExceeds(v, max, depth + 1)) return true;
    return false;
  }
  for (const k in value) {
    const v = (value as Record<string, unknown>)[k];
    if (typeof v === 'object' && v !== null && valueDepthExceeds(v, max, depth + 1)) return true;
  }
  return false;
}

/**
 * Bodies up to this size are parsed first and their nesting checked on the parsed value: a real 50 KB Claude Code
 * request holds ~140 objects, walked in ~3 µs, where the byte scan took ~30 µs. V8's JSON parser is iterative (no
 * stack to exhaust) and this bound caps what a hostile deep body can make it allocate; larger bodies are scanned
 * before they are parsed.
 */
const PARSE_FIRST_BYTES = 512 * 1024;

/** Reads and parses the JSON request body. */
export async function readJsonBody(ctx: Context, limit = MAX_BODY_BYTES): Promise<JsonBody> {
  const raw = await readRawBody(ctx, limit);
  if (raw.length === 0) throw invalidRequest('request body is empty; expected a JSON object');
  const parseFirst = raw.length <= PARSE_FIRST_BYTES;
  const tooDeep = () => invalidRequest(`request body nests deeper than ${MAX_JSON_DEPTH} levels`);
  if (!parseFirst && jsonDepthExceeds(raw, MAX_JSON_DEPTH)) throw tooDeep();
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    // A deep body that is also malformed is still refused for its nesting, whichever check ran first.
    if (parseFirst && jsonDepthExceeds(raw, MAX_JSON_DEPTH)) throw tooDeep();
    throw invalidRequest(`request body is not valid JSON: ${(err as Error).message}`);
  }
  if (parseFirst && valueDepthExceeds(value, MAX_JSON_DEPTH)) throw tooDeep();
  return { value, bytes: raw.length };
}
