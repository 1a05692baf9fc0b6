// Finds a Chromium for the browser tests: $CHROMIUM_PATH, then the system's chromium / chromium-browser /
// google-chrome, then a browser Playwright installed itself. Shared by scripts/ensure-chromium.mjs (npm test's
// set-up step) and playwright.config.ts, so both agree on the binary.
import { accessSync, constants, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function executable(file) {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return null;
}

function playwrightsOwn() {
  try {
    const require = createRequire(import.meta.url);
    const { chromium } = require('playwright-core');
    const file = chromium.executablePath();
    return file && existsSync(file) ? file : null;
  } catch {
    return null;
  }
}

/** The Chromium to use, or null if this machine has none. */
export function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH?.trim();
  if (fromEnv) return executable(fromEnv) ? fromEnv : null;
  for (const name of NAMES) {
    const hit = onPath(name) ?? (executable(`/usr/bin/${name}`) ? `/usr/bin/${name}` : null);
    if (hit) return hit;
  }
  return playwrightsOwn();
}
