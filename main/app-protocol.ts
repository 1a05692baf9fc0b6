import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

// The window's pages come from a custom scheme, ccproxy://app/, served from dist-renderer by this handler, rather
// than from file:// (Electron's security checklist: file:// pages can read any local file, and a Content-Security-
// Policy HTTP header cannot be delivered to them). Every response carries the CSP header, so the policy holds even
// if the page's own <meta> tag were changed or dropped; the meta tag stays for the headless bridge's browser case.

export const APP_SCHEME = 'ccproxy';
export const APP_HOST = 'app';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/**
 * Registered before 'ready' (Electron ignores it later). standard: relative URLs and a real origin ('self' in the
 * CSP means ccproxy://app); secure: a secure context like https; corsEnabled: Vite's <script type="module"
 * crossorigin> is fetched in CORS mode, which Chromium allows only for CORS-enabled schemes.
 */
export const APP_SCHEME_PRIVILEGES = { scheme: APP_SCHEME, privileges: { standard: true, secure: true, corsEnabled: true } } as const;

/**
 * The window's policy: only its own scripts, styles and images; no plugins, no <base>, no form posts, no framing.
 * The same directives as the headless bridge's UI; the window needs no connect-src beyond 'self' (it talks to the
 * core over IPC). React sets styles through the CSSOM, which style-src does not govern.
 */
export const APP_CSP = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

export function rendererDir(appPath: string): string {
  return join(appPath, 'dist-renderer');
}

/** `url` parsed, if it is on our page's origin (ccproxy://app); null otherwise or if it does not parse. */
export function appUrl(url: string): URL | null {
  try {
    // URL.origin is "null" for a scheme Node does not know as special: compare scheme and host instead.
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host.toLowerCase() === APP_HOST ? u : null;
  } catch {
    return null;
  }
}

/** The file under `root` a ccproxy://app/ URL names, or null (another host, a path leaving root, an odd encoding). */
export function assetPath(root: string, url: string): string | null {
  const u = appUrl(url);
  if (!u) return null;
  let path: string;
  try {
    path = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (path.includes('\0') || path.includes('\\')) return null;
  const base = resolve(root);
  const file = resolve(base, path === '/' || path === '' ? 'index.html' : `.${path}`);
  return file.startsWith(base + sep) ? file : null;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const PLACEHOLDER_STYLE = 'body{font:14px system-ui,sans-serif;margin:3em;color:#333}code{background:#eee;padding:2px 4px}';

/** Shown when the Vite build is absent (a dev checkout): better than Chromium's error page. Its style is allowed by hash. */
export function placeholderPage(expectedPath: string): { html: string; csp: string } {
  const hash = createHash('sha256').update(PLACEHOLDER_STYLE).digest('base64');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>CCProxy Desktop</title>
<style>${PLACEHOLDER_STYLE}</style></head><body><main><h1>CCProxy Desktop</h1>
<p>The proxy runs from the tray menu. The window's UI is not built yet: expected <code>${escapeHtml(expectedPath)}</code>.</p>
</main></body></html>`;
  return { html, csp: `default-src 'none'; style-src 'sha256-${hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'` };
}

const headers = (type: string, csp = APP_CSP): Record<string, string> => ({
  'content-type': type,
  'content-security-policy': csp,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
});

const notFound = () => new Response('not found', { status: 404, headers: headers('text/plain; charset=utf-8') });

/** The protocol.handle() handler for ccproxy://: files from `root` with the CSP header, nothing outside it. */
export function createAppHandler(root: string, read: (path: string) => Promise<Buffer> = readFile): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('method not allowed', { status: 405, headers: headers('text/plain; charset=utf-8') });
    const file = assetPath(root, request.url);
    if (!file) return notFound();
    let body: Buffer;
    try {
      body = await read(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (file === join(resolve(root), 'index.html') && code === 'ENOENT') {
        const page = placeholderPage(file);
        return new Response(page.html, { status: 200, headers: headers(MIME['.html']!, page.csp) });
      }
      if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return notFound();
      throw err;
    }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
      status: 200,
      headers: headers(MIME[extname(file).toLowerCase()] ?? 'application/octet-stream'),
    });
  };
}
