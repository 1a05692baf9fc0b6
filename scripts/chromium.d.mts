/** The Chromium to use for the browser tests, or null if this machine has none. */
export function findChromium(): string | null;
