import { APP_HOST, APP_SCHEME } from './app-protocol.js';

// What the window's page may ask Chromium for. Electron grants every permission by default (camera, microphone,
// notifications, geolocation, the local network…); the UI needs only to write the clipboard (its Copy buttons),
// so that is all our own page gets, and any other origin — should one ever load — gets nothing.

const ALLOWED: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/** Whether a URL or origin (e.g. "ccproxy://app" or "ccproxy://app/index.html#settings") is our page's origin. */
export function isAppOrigin(urlOrOrigin: string | undefined | null): boolean {
  if (!urlOrOrigin) return false;
  try {
    // URL.origin is "null" for a scheme Node does not know as special: compare scheme and host instead.
    const u = new URL(urlOrOrigin);
    return u.protocol === `${APP_SCHEME}:` && u.host.toLowerCase() === APP_HOST;
  } catch {
    return false;
  }
}

export function allowPermission(permission: string, requestingUrlOrOrigin: string | undefined | null): boolean {
  return ALLOWED.has(permission) && isAppOrigin(requestingUrlOrOrigin);
}
