import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, isLoopbackHost } from './config.js';
import { CoreService } from './core/service.js';
import { PACKAGE_ROOT } from './package-root.js';
import { reachableUrls } from './proxy/server.js';
import { openConfStore } from './settings/store.js';
import { VERSION } from './version.js';

// `npm run headless [-- --ui]`: the core in the foreground. Settings come from env vars, then the stored settings
// file ($CCPROXY_DATA_DIR/settings.json), then defaults. `--ui` also serves the window's UI and its API under /ui,
// protected by a token printed here. Ctrl-C / SIGTERM drain in-flight requests (streams get a grace period, then
// an SSE error) and exit 0.

const USAGE = 'usage: npm run headless [-- --ui]';

/**
 * Ends a failed start with one line and `code`. The exit waits for the event loop to drain (the async log file may
 * still be opening: exiting under it makes pino print a stack trace), with a short fallback.
 */
function fail(code: number, line: string): void {
  console.error(`ccproxy: ${line.replace(/\s*\n\s*/g, ' ')}`);
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2_000).unref();
}

/**
 * `npm run headless` runs us under `sh -c`, which does not pass signals on: a SIGTERM to npm kills npm and the shell
 * and would leave this process serving, orphaned. Under npm, losing the parent (we get re-parented) means stop.
 */
function watchParent(onLost: () => void): void {
  if (!process.env.npm_lifecycle_event) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    let alive = process.ppid === parent;
    if (alive) {
      try {
        process.kill(parent, 0);
      } catch (err) {
        alive = (err as NodeJS.ErrnoException).code === 'EPERM';
      }
    }
    if (!alive) {
      clearInterval(timer);
      onLost();
    }
  }, 250);
  timer.unref();
}

/** Starts the core; resolves once it is serving (or has failed to start and is exiting). */
export async function main(): Promise<void> {
  const args = process.argv.slice(2);
  // Checks settings, ledger, secret storage and proxy in a temp dir, one line each; the user's data is not touched.
  if (args.length === 1 && args[0] === '--self-test') process.exit((await (await import('./self-test.js')).runSelfTest({ version: VERSION })).ok ? 0 : 1);
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
    if (err instanceof ConfigError) return fail(2, err.message);
    return fail(1, `cannot start: ${(err as Error).message}`);
  }

  try {
    await core.start();
  } catch (err) {
    const stopped = core.close(0).catch(() => undefined);
    if (err instanceof ConfigError) fail(2, err.message);
    else fail(1, `cannot start: ${core.status().error} (set CCPROXY_PORT / CCPROXY_HOST)`);
    await stopped;
    return;
  }
  const url = core.url!;
  const status = await core.handlers['settings.get']();
  const { host, port } = core.status();
  console.log(`ccproxy ${VERSION} listening on ${url} → ${status.settings.baseUrl} (default model ${status.settings.defaultModel})`);
  const remote = reachableUrls(host, port);
  if (!isLoopbackHost(host)) {
    console.log(`  WARNING: bound to ${host}, reachable from other machines${remote.length ? ` at ${remote.join(', ')}` : ''}; every /v1 request needs CCPROXY_AUTH_TOKEN as its API key`);
  }
  const clientKey = process.env.CCPROXY_AUTH_TOKEN?.trim() ? '$CCPROXY_AUTH_TOKEN' : 'any';
  console.log(`  use it: ANTHROPIC_BASE_URL=${url.replace('127.0.0.1', 'localhost')} ANTHROPIC_API_KEY=${clientKey} claude`);
  if (!status.apiKey.set) console.log('  no Mistral API key yet: enter one in the UI, or restart with MISTRAL_API_KEY set');
  if (core.bridge) console.log(`  UI: ${core.bridge.urlFor(url)}`);
  console.log(`  data: ${dataDir}`);

  let stoppingAt = 0;
  const stop = async (signal: string, fromUser = true) => {
    if (stoppingAt && !fromUser) return;
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
  process.on('SIGHUP', () => void stop('SIGHUP'));
  watchParent(() => void stop('parent process (npm) exited', false));
}

