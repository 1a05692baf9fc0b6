import { appUrl } from './app-protocol.js';

// What the window's page may ask Chromium for. Electron grants every permission by default (camera, microphone,
// notifications, geolocation, the local network…); the UI needs only to write the clipboard (its Copy buttons),
// so that is all our own page gets, and any other origin — should one ever load — gets nothing.

const ALLOWED: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

/** Whether a URL or origin (e.g. "ccproxy://app" or "ccproxy://app/index.html#settings") is our page's origin. */
export function isAppOrigin(urlOrOrigin: string | undefined | null): boolean {
  return urlOrOrigin ? appUrl(urlOrOrigin) !== null : false;
}

export function allowPermission(permission: string, requestingUrlOrOrigin: string | undefined | null): boolean {
  return ALLOWED.has(permission) && isAppOrigin(requestingUrlOrOrigin);
}
