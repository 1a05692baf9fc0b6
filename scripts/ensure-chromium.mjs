// npm test's set-up step: the browser tests need a Chromium. Use the one this machine has; where there is none,
// install it the usual way for the platform (Debian/Ubuntu as root: apt-get install chromium), or stop with one
// line saying what to run. Playwright's own download (`npx playwright install`) is not used: it needs a CDN.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findChromium } from './chromium.mjs';

const found = findChromium();
if (found) {
  console.log(`browser tests: Chromium at ${found}`);
  process.exit(0);
}
if (process.env.CHROMIUM_PATH) {
  console.error(`browser tests: CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable file`);
  process.exit(1);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (process.platform === 'linux' && existsSync('/usr/bin/apt-get') && isRoot) {
  console.log('browser tests: no Chromium found; installing Debian\'s chromium with apt-get (once)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
  // Ubuntu ships chromium as a snap stub; Debian's package is the real browser.
  if (run(['update', '-qq']) && run(['install', '-y', '-qq', 'chromium']) && findChromium()) {
    console.log(`browser tests: Chromium at ${findChromium()}`);
    process.exit(0);
  }
  console.error('browser tests: `apt-get install -y chromium` failed; install a Chromium and set CHROMIUM_PATH');
  process.exit(1);
}

const hint = process.platform === 'linux' && existsSync('/usr/bin/apt-get')
  ? 'sudo apt-get install -y chromium'
  : process.platform === 'darwin' ? 'brew install --cask chromium' : 'install Chromium or Chrome';
console.error(`browser tests: no Chromium found; run \`${hint}\` (or set CHROMIUM_PATH to a Chromium/Chrome binary)`);
process.exit(1);
