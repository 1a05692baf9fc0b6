#!/usr/bin/env node
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config.js';
import { CoreService } from './core/service.js';
import { PACKAGE_ROOT } from './package-root.js';
import { runSelfTest } from './self-test.js';
import { openConfStore } from './settings/store.js';
import { VERSION } from './version.js';

// `npm run headless [-- --ui]`: the core in the foreground. Settings come from env vars, then the stored settings
// file ($CCPROXY_DATA_DIR/settings.json), then defaults. `--ui` also serves the window's UI and its API under /ui,
// protected by a token printed here. Ctrl-C / SIGTERM drain in-flight requests (streams get a grace period, then
// an SSE error) and exit 0.

const USAGE = 'usage: npm run headless [-- --ui]';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  // Checks settings, ledger, secret storage and proxy in a temp dir, one line each; the user's data is not touched.
  if (args.length === 1 && args[0] === '--self-test') process.exit((await runSelfTest({ version: VERSION })).ok ? 0 : 1);
  const unknown = args.filter((a) => a !== '--ui');
  if (unknown.length) {
    console.error(`ccproxy: unknown option ${unknown[0]}; ${USAGE}`);
    process.exit(2);
  }
  const ui = args.includes('--ui');
  const dataDir = process.env.CCPROXY_DATA_DIR?.trim() || join(homedir(), '.ccproxy');

  let core: CoreService;
  try {
    const settings = openConfStore(dataDir, { env: process.env });
    if (settings.recoveredFrom) console.error(`ccproxy: the settings file was unreadable and was moved to ${settings.recoveredFrom}; starting from defaults`);
    core = new CoreService({
      settings,
      version: VERSION,
      allowMissingKey: ui,
      bridge: ui ? { uiDir: join(PACKAGE_ROOT, 'dist-renderer') } : undefined,
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`ccproxy: ${err.message.replace(/\s*\n\s*/g, ' ')}`);
      process.exit(2);
    }
    console.error(`ccproxy: cannot start: ${(err as Error).message}`);
    process.exit(1);
  }

  try {
    await core.start();
  } catch {
    console.error(`ccproxy: cannot start: ${core.status().error} (set CCPROXY_PORT / CCPROXY_HOST)`);
    process.exit(1);
  }
  const url = core.url!;
  const status = await core.handlers['settings.get']();
  console.log(`ccproxy ${VERSION} listening on ${url} → ${status.settings.baseUrl} (default model ${status.settings.defaultModel})`);
  console.log(`  use it: ANTHROPIC_BASE_URL=${url.replace('127.0.0.1', 'localhost')} ANTHROPIC_API_KEY=any claude`);
  if (!status.apiKey.set) console.log('  no Mistral API key yet: enter one in the UI, or restart with MISTRAL_API_KEY set');
  if (core.bridge) console.log(`  UI: ${core.bridge.urlFor(url)}`);
  console.log(`  data: ${dataDir}`);

  let stoppingAt = 0;
  const stop = async (signal: string) => {
    if (stoppingAt) {
      // A library's exit hook (signal-exit, used by conf's atomic writes) re-raises the same signal at once; only a
      // second signal from the user (Ctrl-C again) forces the exit.
      if (Date.now() - stoppingAt < 1_000) return;
      console.error('ccproxy: forced exit');
      process.exit(1);
    }
    stoppingAt = Date.now();
    console.log(`ccproxy: ${signal}, finishing in-flight requests…`);
    await core.close(Number(process.env.CCPROXY_SHUTDOWN_GRACE_MS ?? 10_000));
    console.log('ccproxy: stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

void main();
