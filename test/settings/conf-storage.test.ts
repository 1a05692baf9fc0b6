import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Conf from 'conf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateSettingsFile } from '../../app/settings/file-validator.generated.js';
import { openLazyConfStorage } from '../../app/settings/conf-storage.js';
import { openConfStore, settingsFilePath, settingsStoreOptions } from '../../app/settings/index.js';
import { CONF_ROOT_SCHEMA, conformingAjv, GENERATED_VALIDATOR_PATH, validatorSource } from './validator-codegen.js';

// The headless settings storage reads the file itself and loads conf (and ajv) only on the first write or when the
// file needs conf (migration, corruption). These tests hold it to conf: same validator, same file, same errors.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = '0.1.0';
let a: string;
let b: string;

beforeEach(() => {
  a = mkdtempSync(join(tmpdir(), 'ccproxy-lazy-a-'));
  b = mkdtempSync(join(tmpdir(), 'ccproxy-lazy-b-'));
});
afterEach(() => {
  rmSync(a, { recursive: true, force: true });
  rmSync(b, { recursive: true, force: true });
});

const openConf = (dir: string, projectVersion = VERSION) => new Conf<Record<string, unknown>>({ ...settingsStoreOptions(dir), configName: 'settings', projectVersion });
const text = (dir: string) => (existsSync(settingsFilePath(dir)) ? readFileSync(settingsFilePath(dir), 'utf8') : null);
const mode = (dir: string) => statSync(settingsFilePath(dir)).mode & 0o777;

function outcome(open: () => { store: Record<string, unknown> }): { store?: unknown; error?: string } {
  try {
    return { store: open().store };
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

describe('the pre-generated validator', () => {
  it('is what ajv generates now from SETTINGS_SCHEMA with conf\'s options (UPDATE_SETTINGS_VALIDATOR=1 rewrites it)', () => {
    const source = validatorSource();
    if (process.env.UPDATE_SETTINGS_VALIDATOR === '1') writeFileSync(GENERATED_VALIDATOR_PATH, source);
    expect(source).not.toMatch(/require\(/);
    expect(readFileSync(GENERATED_VALIDATOR_PATH, 'utf8')).toBe(source);
  });

  it('gives the same verdict and errors as the validator conf compiles', () => {
    const compiled = conformingAjv(false).compile(CONF_ROOT_SCHEMA);
    const samples: unknown[] = [
      {}, { baseUrl: 'https://x' }, { baseUrl: '' }, { defaultModel: 'm'.repeat(128) }, { defaultModel: 'm'.repeat(129) },
      { defaultModel: '😀'.repeat(128) }, { maxTokens: 1.5 }, { maxTokens: 0 }, { maxTokens: '100' }, { tiers: { haiku: '' } },
      { tiers: [] }, { port: 65536 }, { port: -1 }, { host: 'h'.repeat(256) }, { autoLaunch: 'yes' },
      { budgets: { dailyUsd: null, monthlyUsd: -1 } }, { budgets: { dailyUsd: 3 } }, { logRetentionDays: 36_501 },
      { pricingOverrides: { 'mistral-large-latest': { input: 1, output: 2 } } }, { pricingOverrides: { m: { input: 1 } } },
      { currency: 'GBP' }, { eurPerUsd: 0 }, { pacing: { preset: 'tier9' } }, { pacing: { rps: 0.001, tpm: 1.5, maxWaitS: 601 } },
      { fallbacks: { haiku: ['a', 'b', 'c', 'd', 'e', 'f'] } }, { fallbacks: { opus: [''] } }, { apiKey: 'k' }, { apiKey: '' },
      { apiKey: { encrypted: true, value: 'x' } }, { apiKey: { value: 'x' } }, { apiKey: 5 }, { unknown: 1 }, [], null, 'x',
    ];
    for (const sample of samples) {
      const expected = compiled(structuredClone(sample));
      expect(validateSettingsFile(structuredClone(sample)), JSON.stringify(sample)).toBe(expected);
      expect(validateSettingsFile.errors ?? null).toEqual(compiled.errors ?? null);
    }
  });
});

describe('the lazy storage opens like conf', () => {
  const files: [string, string | null][] = [
    ['no file', null],
    ['current and valid', JSON.stringify({ __internal__: { migrations: { version: VERSION } }, port: 9100, apiKey: { encrypted: false, value: 'k', last4: 'k' }, extra: 1 }, null, '\t')],
    ['with a byte order mark', `\uFEFF${JSON.stringify({ __internal__: { migrations: { version: VERSION } }, host: 'localhost' })}`],
    ['v0, never migrated', JSON.stringify({ model: 'mistral-small-latest', maxTokens: '2048', apiKey: 'sk-1' })],
    ['an older recorded version', JSON.stringify({ __internal__: { migrations: { version: '0.0.9' } }, port: 9000 })],
    ['a newer recorded version', JSON.stringify({ __internal__: { migrations: { version: '9.0.0' } }, port: 9000 })],
    ['schema-invalid', JSON.stringify({ __internal__: { migrations: { version: VERSION } }, port: 'x' })],
    ['schema-invalid v0', JSON.stringify({ maxTokens: 'lots' })],
    ['invalid JSON', '{ "port": '],
    ['a JSON array', '[1, 2]'],
    ['empty', ''],
  ];
  for (const [name, content] of files) {
    it(`${name}: same store, file and error as new Conf()`, () => {
      if (content !== null) {
        writeFileSync(settingsFilePath(a), content);
        writeFileSync(settingsFilePath(b), content);
      }
      const lazy = outcome(() => openLazyConfStorage(a, VERSION));
      const conf = outcome(() => openConf(b));
      expect(lazy).toEqual(JSON.parse(JSON.stringify(conf).replaceAll(b, a)));
      expect(text(a)).toBe(text(b));
      if (text(a) !== null && process.platform !== 'win32') expect(mode(a)).toBe(mode(b));
      expect(readdirSync(a)).toEqual(readdirSync(b));
    });
  }

  it('writes as conf does, after reading lazily', () => {
    writeFileSync(settingsFilePath(a), JSON.stringify({ __internal__: { migrations: { version: VERSION } }, port: 9100 }));
    writeFileSync(settingsFilePath(b), JSON.stringify({ __internal__: { migrations: { version: VERSION } }, port: 9100 }));
    const lazy = openLazyConfStorage(a, VERSION);
    const conf = openConf(b);
    for (const s of [lazy, conf]) {
      s.set('tiers', { haiku: 'mistral-small-latest' });
      s.delete('port');
    }
    expect(text(a)).toBe(text(b));
    expect(lazy.store).toEqual(conf.store);
    expect(lazy.get('tiers')).toEqual({ haiku: 'mistral-small-latest' });
    expect(() => lazy.set('port', 'x')).toThrow(/Config schema violation/);
  });

  it('tightens a group-readable file and reports a corrupt one through openConfStore as before', () => {
    if (process.platform === 'win32') return;
    writeFileSync(settingsFilePath(a), JSON.stringify({ __internal__: { migrations: { version: VERSION } }, port: 'x' }));
    chmodSync(settingsFilePath(a), 0o644);
    const s = openConfStore(a, { env: {}, projectVersion: VERSION });
    expect(s.recoveredFrom).toMatch(/settings\.corrupt-.*\.json$/);
    expect(mode(a)).toBe(0o600);
    expect(JSON.parse(text(a)!)).toEqual({ __internal__: { migrations: { version: VERSION } } });
  });
});

describe('the headless start does not load conf or ajv', () => {
  // A fresh Node process on the compiled build (vitest's global setup builds dist/), recording every module it loads.
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ load(url, ctx, next) { loaded.push(url); return next(url, ctx); } });
    const { openConfStore } = await import('./dist/app/settings/store.js');
    const heavy = () => loaded.filter((u) => /node_modules\\/(conf|ajv)\\//.test(u)).length > 0;
    const s = openConfStore(process.argv[1], { env: { MISTRAL_API_KEY: 'k' } });
    const view = s.view();
    const config = s.toProxyConfig();
    const afterRead = heavy();
    s.update({ maxTokens: Number(process.argv[2]) });
    console.log(JSON.stringify({ afterRead, afterWrite: heavy(), port: view.settings.port, maxTokens: s.view().settings.maxTokens, configPort: config.port }));
  `;
  const run = (dir: string, maxTokens = 4096) => JSON.parse(execFileSync(join(ROOT, 'node_modules/.bin/node'), ['--input-type=module', '-e', script, dir, String(maxTokens)], { cwd: ROOT, encoding: 'utf8' })) as Record<string, unknown>;

  it('for a new data dir and for a current file; the first write loads conf and stores', () => {
    expect(run(a)).toEqual({ afterRead: false, afterWrite: true, port: 7187, maxTokens: 4096, configPort: 7187 });
    expect(JSON.parse(text(a)!)).toEqual({ __internal__: { migrations: { version: expect.any(String) } }, maxTokens: 4096 });
    // Now a current, valid file exists (written by the first run).
    expect(run(a, 2048)).toEqual({ afterRead: false, afterWrite: true, port: 7187, maxTokens: 2048, configPort: 7187 });
    writeFileSync(settingsFilePath(b), JSON.stringify({ maxTokens: 'lots' }));
    // A file conf has to deal with (here one to move aside) loads it, as before.
    expect(run(b)).toMatchObject({ afterRead: true });
  });
});
