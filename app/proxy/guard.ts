import { timingSafeEqual } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import type { Context, Next } from 'koa';
import { ApiError } from '../translate/errors.js';

// The proxy holds a paid API key, so any web page the user visits must not be able to drive it:
// - Host must be a loopback name (a DNS-rebinding page arrives with its own host name);
// - a browser Origin must be local too (cross-site fetch), and Sec-Fetch-Site must not say cross-site;
// - POST bodies must be declared JSON (a form or text/plain "simple request" skips CORS preflight);
// - optionally a local token (CCPROXY_AUTH_TOKEN) as x-api-key or Bearer.

const LOCAL_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export interface GuardOptions {
  allowedHosts: () => string[];
  authToken: () => string | undefined;
  /** Paths answered without the local token: liveness checks, and the UI bridge (it has its own token). */
  isOpenPath?: (path: string) => boolean;
  /**
   * Runs after the Host/Origin checks and before the content-type and token checks: throws for a method the path
   * does not take, or returns 'answered' when it answered (OPTIONS).
   */
  checkMethod?: (ctx: Context) => 'answered' | void;
}

/** Addresses of this machine's interfaces, as Host names ("[v6]"); `external` drops loopback and link-local ones. */
export function interfaceHosts({ external = false, v6 = true } = {}): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (external && (a.internal || a.address.toLowerCase().startsWith('fe80:'))) continue;
      if (a.family === 'IPv4') out.push(a.address);
      else if (v6) out.push(`[${a.address.toLowerCase()}]`);
    }
  }
  return out;
}

/** The Host names a wildcard bind (0.0.0.0, ::) is reached by: every interface address of this machine. */
export const wildcardHostNames = (host: string): string[] => interfaceHosts({ v6: host.includes(':') });

/** The name part of a Host header ("name[:port]", "[v6][:port]" or a bare v6 address); '' when it is not of that form. */
function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  const portOk = (rest: string) => rest === '' || /^:\d{1,5}$/.test(rest);
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 && portOk(h.slice(end + 1)) ? h.slice(0, end + 1) : '';
  }
  const colon = h.indexOf(':');
  if (colon === -1 || h.indexOf(':', colon + 1) !== -1) return h; // no port, or a bare IPv6 address
  return portOk(h.slice(colon)) ? h.slice(0, colon) : '';
}

/**
 * A refusal closes its connection: a refused client (a rebinding page, a LAN host without the token) must not keep a
 * keep-alive socket, and with it one of the server's capped connection slots, for the keep-alive timeout.
 */
const refuse = (status: number, type: ConstructorParameters<typeof ApiError>[1], message: string) =>
  new ApiError(status, type, message, { connection: 'close' });

export function isLocalHostHeader(host: string | undefined, extra: string[]): boolean {
  if (!host) return false;
  const name = hostName(host);
  return LOCAL_NAMES.has(name) || name.endsWith('.localhost') || extra.includes(name);
}

function isLocalOrigin(origin: string, extra: string[]): boolean {
  if (origin === 'null') return false;
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && isLocalHostHeader(u.host, extra);
  } catch {
    return false;
  }
}

function presentedToken(ctx: Context): string | undefined {
  const key = ctx.get('x-api-key');
  if (key) return key;
  const auth = ctx.get('authorization');
  return /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : undefined;
}

/** Constant-time comparison of a presented secret with the expected one; a missing one never matches. */
export function sameSecret(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * `ctx.is('application/json')` (a body declared as JSON), with the header every client sends checked directly;
 * anything else (parameters, other casing) goes through Koa's full media-type parsing.
 */
function isJsonBody(ctx: Context): boolean {
  const headers = ctx.req.headers;
  if (headers['content-type'] === 'application/json') return headers['transfer-encoding'] !== undefined || !Number.isNaN(Number(headers['content-length']));
  return Boolean(ctx.is('application/json'));
}

export function guard(opts: GuardOptions) {
  return async (ctx: Context, next: Next) => {
    const extra = opts.allowedHosts();
    if (!isLocalHostHeader(ctx.get('host'), extra)) {
      throw refuse(403, 'permission_error', 'Host header is not a local name; requests must address localhost or 127.0.0.1');
    }
    const origin = ctx.get('origin');
    if ((origin && !isLocalOrigin(origin, extra)) || ctx.get('sec-fetch-site').toLowerCase() === 'cross-site') {
      throw refuse(403, 'permission_error', 'cross-site browser requests are not allowed');
    }
    if (opts.checkMethod?.(ctx) === 'answered') return;
    if (ctx.method === 'POST' && !isJsonBody(ctx)) {
      throw refuse(415, 'invalid_request_error', 'Content-Type must be application/json');
    }
    const token = opts.authToken();
    if (token && !opts.isOpenPath?.(ctx.path)) {
      const presented = presentedToken(ctx);
      if (!sameSecret(presented, token)) {
        throw refuse(401, 'authentication_error', 'missing or wrong local proxy token (CCPROXY_AUTH_TOKEN): send it as x-api-key or Authorization: Bearer');
      }
    }
    await next();
  };
}
