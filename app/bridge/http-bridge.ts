import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import type Koa from 'koa';
import type { Context, Next } from 'koa';
import { CHANNELS, type Channel, type Handlers } from '../contract/api.js';
import type { EventBus } from '../core/event-bus.js';
import { readRawBody } from '../proxy/body.js';
import { sameSecret } from '../proxy/guard.js';
import { ApiError } from '../translate/errors.js';
import { PLACEHOLDER_HTML } from './placeholder.js';

// The contract over HTTP + SSE for headless mode, under /ui on the proxy's own port. Off unless asked for
// (`npm run headless -- --ui`). Protected by a random token printed at start, like a notebook server: opening
// /ui/?token=… sets an HttpOnly, SameSite=Strict cookie; API calls may also send the token as a header.
// Everything under /ui without the token is 401. The proxy's guard (Host, Origin, JSON content type) runs first.

export const UI_PREFIX = '/ui';
const COOKIE = 'ccproxy_ui';
const TOKEN_HEADER = 'x-ccproxy-ui-token';
const HEARTBEAT_MS = 15_000;
const MAX_BRIDGE_BODY = 1024 * 1024;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.woff2': 'font/woff2',
  '.map': 'application/json',
};

// The built UI is same-origin only: its own scripts, styles and fetch/EventSource to /ui. React applies styles
// through the CSSOM, which style-src does not govern, and the charts are inline SVG: nothing beyond 'self' is needed.
const UI_CSP = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** The placeholder page is one file with an inline script and style: allowed by their hashes, nothing else inline. */
function placeholderCsp(): string {
  const hash = (re: RegExp) => `'sha256-${createHash('sha256').update(re.exec(PLACEHOLDER_HTML)?.[1] ?? '').digest('base64')}'`;
  return `${UI_CSP}; script-src 'self' ${hash(/<script>([\s\S]*?)<\/script>/)}; style-src 'self' ${hash(/<style>([\s\S]*?)<\/style>/)}`;
}
const PLACEHOLDER_CSP = placeholderCsp();

export interface BridgeOptions {
  handlers: Handlers;
  bus: EventBus;
  /** The built renderer (dist-renderer); a small placeholder page is served when it is missing. */
  uiDir: string;
  /** Defaults to 32 random bytes, hex. */
  token?: string;
}

export interface Bridge {
  token: string;
  /** The URL to print: opening it authorizes the browser. */
  urlFor(baseUrl: string): string;
  mount(koa: Koa): void;
}

export const newBridgeToken = () => randomBytes(32).toString('hex');

const isChannel = (name: string): name is Channel => (CHANNELS as readonly string[]).includes(name);

export function createBridge(opts: BridgeOptions): Bridge {
  const token = opts.token ?? newBridgeToken();
  const uiRoot = resolve(opts.uiDir);

  const authorized = (ctx: Context) =>
    sameSecret(ctx.cookies.get(COOKIE), token) || sameSecret(ctx.get(TOKEN_HEADER) || undefined, token);

  async function serveStatic(ctx: Context, rel: string): Promise<void> {
    const file = rel === '' || rel === '/' ? 'index.html' : rel.replace(/^\/+/, '');
    if (!existsSync(join(uiRoot, 'index.html'))) {
      if (file !== 'index.html') throw new ApiError(404, 'not_found_error', 'not found');
      ctx.type = 'text/html; charset=utf-8';
      ctx.set('content-security-policy', PLACEHOLDER_CSP);
      ctx.body = PLACEHOLDER_HTML;
      return;
    }
    const target = resolve(uiRoot, file);
    let real: string;
    try {
      real = await realpath(target);
    } catch {
      throw new ApiError(404, 'not_found_error', 'not found');
    }
    // Compare real paths on both sides: uiDir itself may be reached through a symlink (/tmp, /var on macOS, installs).
    const rootReal = await realpath(uiRoot).catch(() => uiRoot);
    if (real !== rootReal && !real.startsWith(rootReal + sep)) throw new ApiError(404, 'not_found_error', 'not found');
    if (!(await stat(real)).isFile()) throw new ApiError(404, 'not_found_error', 'not found');
    ctx.type = MIME[extname(real)] ?? 'application/octet-stream';
    ctx.set('cache-control', file === 'index.html' ? 'no-store' : 'private, max-age=3600');
    ctx.body = await readFile(real);
  }

  async function invoke(ctx: Context, name: string): Promise<void> {
    if (!isChannel(name)) throw new ApiError(404, 'not_found_error', `unknown channel ${name}`);
    // The bridge is served by the very listener proxy.stop closes: the call would cut its own answer and leave the
    // UI with no way to start it again.
    if (name === 'proxy.stop') throw new ApiError(409, 'invalid_request_error', 'in headless mode the UI is served by the proxy itself, so it cannot stop it; stop the ccproxy process instead (Ctrl-C)');
    const raw = (await readRawBody(ctx, MAX_BRIDGE_BODY)).toString('utf8');
    let request: unknown;
    try {
      request = raw.length ? JSON.parse(raw) : undefined;
    } catch {
      throw new ApiError(400, 'invalid_request_error', `the body of ${name} is not valid JSON`);
    }
    const handler = opts.handlers[name] as (req: unknown) => Promise<unknown>;
    ctx.body = { result: await handler(request) };
  }

  function events(ctx: Context): void {
    ctx.respond = false;
    const res = ctx.res;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': connected\n\n');
    const send = (event: string, payload: unknown) => {
      if (!res.destroyed) res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
    };
    // The state events go out once at connect as things stand now: a change made before this stream was open (the
    // page's first load, an EventSource reconnect) would otherwise never reach the page, and the next event only
    // comes with the next change. Taken before subscribing; bus events wait until they are out, so order holds.
    const snapshot = Promise.all([opts.handlers['proxy.status'](undefined), opts.handlers['health.get'](undefined)]);
    let held: [string, unknown][] | null = [];
    const off = opts.bus.onAny((event, payload) => {
      if (held) held.push([event, payload]);
      else send(event, payload);
    });
    const release = () => {
      for (const [event, payload] of held ?? []) send(event, payload);
      held = null;
    };
    snapshot.then(([status, health]) => {
      send('proxy.status', status);
      send('health.changed', health);
    }, () => undefined).finally(release);
    const beat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    res.once('close', () => {
      clearInterval(beat);
      off();
    });
  }

  async function handle(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== UI_PREFIX && !ctx.path.startsWith(`${UI_PREFIX}/`)) return next();
    const rest = ctx.path.slice(UI_PREFIX.length);
    ctx.set('content-security-policy', UI_CSP);
    ctx.set('referrer-policy', 'no-referrer');
    if (ctx.method === 'GET' && typeof ctx.query.token === 'string' && sameSecret(ctx.query.token, token)) {
      ctx.cookies.set(COOKIE, token, { httpOnly: true, sameSite: 'strict', path: UI_PREFIX, overwrite: true });
      ctx.redirect(`${UI_PREFIX}/`);
      return;
    }
    if (!authorized(ctx)) throw new ApiError(401, 'authentication_error', 'open the UI with the token printed at start (…/ui/?token=…)', { connection: 'close' });
    ctx.set('x-content-type-options', 'nosniff');
    ctx.set('x-frame-options', 'DENY');
    if (ctx.method === 'POST' && rest.startsWith('/api/')) {
      let name = rest.slice(5);
      try {
        name = decodeURIComponent(name);
      } catch {
        // malformed escape: not a channel name, answered 404 below
      }
      return invoke(ctx, name);
    }
    if (ctx.method === 'GET' && rest === '/events') return events(ctx);
    if (ctx.method === 'GET') return serveStatic(ctx, rest);
    throw new ApiError(405, 'invalid_request_error', `${ctx.method} is not allowed here`);
  }

  return {
    token,
    urlFor: (baseUrl) => `${baseUrl.replace(/\/$/, '')}${UI_PREFIX}/?token=${token}`,
    mount: (koa) => {
      koa.use(handle);
    },
  };
}
