import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry } from './contract/usage.js';
import { CoreService } from './core/service.js';
import type { SecretBoxLike } from './settings/cipher.js';
import { openConfStore } from './settings/store.js';
import type { SettingsStore } from './settings/store.js';
import { UsageLedger } from './usage/ledger.js';

// `ccproxy --self-test` and the desktop app's `--self-test` argument: opens each part that can fail on a user's
// machine (a native module built for another ABI, an unwritable data dir, a keychain that is not there, a port
// that cannot be bound) in a temp dir, one line per check, without touching the user's settings or ledger.
// Electron-free: the app passes its electron-store opener and its safeStorage box in.

export interface SelfTestOptions {
  version: string;
  /** The settings store the product uses (conf headless, electron-store in the app), opened over `dataDir`. */
  openSettings?: (dataDir: string, env: Record<string, string | undefined>) => SettingsStore;
  /** The OS secret box (Electron's safeStorage); null headless, where the key lives in a 0600 file instead. */
  secretBox?: SecretBoxLike | null;
  /** How the box is made ready first (the app's async safeStorage encrypts and decrypts ahead of the sync calls). */
  prepareSecret?: (plain: string) => Promise<void>;
  /** The OS round trip itself (the app: safeStorage's async encrypt then decrypt), when the box answers from a cache. */
  roundTrip?: (plain: string) => Promise<string>;
  out?: (line: string) => void;
  /** Where the temp dir goes (tests). */
  tmpRoot?: string;
}

export interface SelfTestResult {
  ok: boolean;
  checks: { name: string; ok: boolean; detail: string }[];
}

const TEST_KEY = 'self-test-key-0000';

function sampleEntry(id: string): LogEntry {
  return {
    id, startedAt: Date.now(), path: '/v1/messages', clientModel: 'claude-self-test', mistralModel: 'mistral-small-latest',
    stream: false, status: 200, errorType: null, errorMessage: null, stopReason: 'end_turn', inputTokens: 3, outputTokens: 2,
    cachedTokens: 0, latencyMs: 1, ttftMs: null, toolCount: 0, sessionId: null, costUsd: 0,
  };
}

export async function runSelfTest(opts: SelfTestOptions): Promise<SelfTestResult> {
  const out = opts.out ?? ((line: string) => console.log(line));
  const checks: SelfTestResult['checks'] = [];
  const dir = mkdtempSync(join(opts.tmpRoot ?? tmpdir(), 'ccproxy-self-test-'));
  // Only what the self-test sets: the user's MISTRAL_API_KEY, port or data dir must not change what is checked.
  const env: Record<string, string | undefined> = { CCPROXY_DATA_DIR: dir, CCPROXY_PORT: '0', CCPROXY_HOST: '127.0.0.1' };
  const open = opts.openSettings ?? ((dataDir: string, e: Record<string, string | undefined>) => openConfStore(dataDir, { env: e, projectVersion: opts.version }));

  const run = async (name: string, job: () => Promise<string> | string): Promise<void> => {
    let ok = false;
    let detail: string;
    try {
      detail = await job();
      ok = true;
    } catch (err) {
      detail = err instanceof Error ? err.message : String(err);
    }
    checks.push({ name, ok, detail });
    out(`${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(10)} ${detail}`);
  };

  out(`ccproxy ${opts.version} self-test on Node ${process.versions.node} (${process.platform}-${process.arch}), in ${dir}`);
  const opened: { settings: SettingsStore | null } = { settings: null };
  try {
    await run('secret-box', async () => {
      const box = opts.secretBox;
      if (!box) return 'none here: the key is stored in the settings file, readable by this user only (0600)';
      if (!box.isAvailable()) throw new Error('OS secret storage is not available (no keychain / keyring)');
      if (opts.roundTrip && (await opts.roundTrip(TEST_KEY)) !== TEST_KEY) throw new Error('the OS decrypted something else than it encrypted');
      await opts.prepareSecret?.(TEST_KEY);
      const sealed = box.encrypt(TEST_KEY);
      if (sealed.includes(TEST_KEY)) throw new Error('the ciphertext contains the plaintext');
      await opts.prepareSecret?.(TEST_KEY);
      if (box.decrypt(sealed) !== TEST_KEY) throw new Error('decrypt(encrypt(x)) !== x');
      return 'encrypt + decrypt round trip';
    });

    await run('settings', async () => {
      await opts.prepareSecret?.(TEST_KEY);
      const first = open(dir, env);
      first.update({ apiKey: TEST_KEY, maxTokens: 1234 });
      const settings = open(dir, env);
      opened.settings = settings;
      const eff = settings.effective();
      if (eff.apiKey.value !== TEST_KEY || eff.settings.maxTokens !== 1234) throw new Error('a stored setting did not read back after reopening');
      const view = settings.view();
      const mode = process.platform === 'win32' ? '' : `, mode ${(statSync(settings.path).mode & 0o777).toString(8)}`;
      if (!view.apiKey.encrypted && process.platform !== 'win32' && (statSync(settings.path).mode & 0o077) !== 0) {
        throw new Error(`the settings file holding a plaintext key is readable by others (${mode.slice(7)})`);
      }
      return `write, reopen, read back (key ${view.apiKey.encrypted ? 'encrypted' : 'plaintext'}${mode})`;
    });

    await run('ledger', () => {
      const ledger = new UsageLedger(join(dir, 'usage.sqlite'));
      try {
        const id = `self-test-${process.pid}`;
        if (!ledger.record(sampleEntry(id))) throw new Error('the insert was not stored');
        const back = ledger.recent(1)[0];
        if (back?.id !== id || back.inputTokens !== 3) throw new Error('the inserted row did not read back');
        return `SQLite insert + read (journal ${String(ledger.pragma('journal_mode'))})`;
      } finally {
        ledger.close();
      }
    });

    await run('proxy', async () => {
      const store = opened.settings ?? open(dir, env);
      const core = new CoreService({ settings: store, version: opts.version, allowMissingKey: true });
      try {
        await core.start();
        const url = core.url;
        if (!url) throw new Error(core.status().error ?? 'did not start');
        const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(10_000) });
        if (res.status !== 200) throw new Error(`GET /health answered ${res.status}`);
        return `listening on ${url}, GET /health 200`;
      } finally {
        await core.close(0);
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  }
  const ok = checks.every((c) => c.ok);
  out(ok ? 'self-test passed' : `self-test FAILED (${checks.filter((c) => !c.ok).map((c) => c.name).join(', ')})`);
  return { ok, checks };
}
