import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULTS } from '../../app/config.js';
import {
  DEFAULT_SETTINGS,
  openConfStore,
  openWithRecovery,
  SETTING_KEYS,
  SettingsStore,
  SettingsValidationError,
  settingsFilePath,
  type KeyCipher,
  type SettingsStorage,
} from '../../app/settings/index.js';
import type { SettingsPatch, SettingsView } from '../../app/contract/settings.js';

const KEY = 'sk-TESTkey-0123456789abcdefWXYZ';
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccproxy-settings-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const open = (opts: Parameters<typeof openConfStore>[1] = {}) => openConfStore(dir, { env: {}, projectVersion: '0.1.0', ...opts });
const fileText = () => readFileSync(settingsFilePath(dir), 'utf8');
const fileJson = () => JSON.parse(fileText()) as Record<string, unknown>;
const mode = (p: string) => statSync(p).mode & 0o777;

/** Reversible, and never contains the plaintext. */
function fakeCipher(available = true): KeyCipher & { calls: number } {
  const c = {
    calls: 0,
    available: () => available,
    encrypt: (plain: string) => {
      c.calls++;
      return Buffer.from([...plain].reverse().join(''), 'utf8').toString('base64');
    },
    decrypt: (b64: string) => [...Buffer.from(b64, 'base64').toString('utf8')].reverse().join(''),
  };
  return c;
}

describe('defaults', () => {
  it('match app/config.ts DEFAULTS and the documented values, all sourced "default"', () => {
    const v = open().view();
    expect(v.settings).toEqual({
      baseUrl: DEFAULTS.baseUrl,
      defaultModel: DEFAULTS.model,
      maxTokens: DEFAULTS.maxTokens,
      tiers: { haiku: DEFAULTS.haikuModel, sonnet: DEFAULTS.model, opus: DEFAULTS.opusModel },
      port: 7187,
      host: '127.0.0.1',
      autoLaunch: false,
      budgets: { dailyUsd: null, monthlyUsd: null, refuseOverLimit: false },
      logRetentionDays: 90,
      pricingOverrides: {},
      currency: 'USD',
      eurPerUsd: 0.92,
      pacing: { preset: 'auto', rps: 1, tpm: 500_000, maxWaitS: 120 },
      fallbacks: { haiku: [], sonnet: [], opus: [] },
    });
    expect(v.settings).toEqual(DEFAULT_SETTINGS);
    expect(Object.values(v.sources).every((s) => s === 'default')).toBe(true);
    expect(Object.keys(v.sources).sort()).toEqual([...SETTING_KEYS].sort());
    expect(v.apiKey).toEqual({ set: false, last4: null, source: 'default', encrypted: false });
    expect(v.recoveredFrom).toBeNull();
  });

  it('views are copies: mutating one does not change the defaults', () => {
    const s = open();
    const v = s.view();
    v.settings.tiers.haiku = 'x';
    v.settings.budgets.dailyUsd = 5;
    expect(s.view().settings).toEqual(DEFAULT_SETTINGS);
  });

  it('the file is created 0600 and stays sparse (only what the user set)', () => {
    const s = open();
    s.update({ port: 9001 });
    if (process.platform !== 'win32') expect(mode(s.path)).toBe(0o600);
    const { __internal__, ...rest } = fileJson();
    expect(__internal__).toBeDefined();
    expect(rest).toEqual({ port: 9001 });
  });

  it('tightens a group-readable file left by an older build', () => {
    if (process.platform === 'win32') return;
    writeFileSync(settingsFilePath(dir), JSON.stringify({ port: 9002 }), { mode: 0o644 });
    const s = open();
    expect(mode(s.path)).toBe(0o600);
    expect(s.view().settings.port).toBe(9002);
  });
});

describe('persistence', () => {
  it('a second instance over the same directory reads what the first stored', () => {
    open().update({
      baseUrl: 'http://127.0.0.1:9/v1/',
      defaultModel: 'codestral-latest',
      maxTokens: 4096,
      tiers: { opus: 'magistral-medium-latest' },
      budgets: { dailyUsd: 5 },
      pricingOverrides: { 'mistral-large-2.1': { input: 2, output: 6 } },
      currency: 'EUR',
      eurPerUsd: 0.9,
      autoLaunch: true,
      logRetentionDays: 0,
    });
    const v = open().view();
    expect(v.settings).toMatchObject({
      baseUrl: 'http://127.0.0.1:9/v1', // trailing slash normalised, as configFromEnv does
      defaultModel: 'codestral-latest',
      maxTokens: 4096,
      tiers: { haiku: DEFAULTS.haikuModel, sonnet: 'codestral-latest', opus: 'magistral-medium-latest' },
      budgets: { dailyUsd: 5, monthlyUsd: null, refuseOverLimit: false },
      pricingOverrides: { 'mistral-large-2.1': { input: 2, output: 6 } },
      currency: 'EUR',
      eurPerUsd: 0.9,
      autoLaunch: true,
      logRetentionDays: 0,
    });
    expect(v.sources).toMatchObject({ baseUrl: 'stored', tiers: 'stored', budgets: 'stored', port: 'default', host: 'default' });
  });

  it('keeps keys it does not own (conf bookkeeping, unknown keys) untouched', () => {
    writeFileSync(settingsFilePath(dir), JSON.stringify({ somethingElse: { a: 1 }, port: 9003 }));
    const s = open();
    s.update({ host: 'localhost' });
    expect(fileJson()).toMatchObject({ somethingElse: { a: 1 }, port: 9003, host: 'localhost' });
    expect(Object.keys(s.view().settings)).not.toContain('somethingElse');
  });
});

describe('precedence: env > stored > default', () => {
  it('reports each value and its source', () => {
    const s = open();
    s.update({ port: 9000, defaultModel: 'codestral-latest', host: 'localhost', maxTokens: 2048 });
    const env = { CCPROXY_PORT: '9100', MISTRAL_MAX_TOKENS: ' ', CCPROXY_HAIKU_MODEL: 'ministral-8b-latest' };
    const eff = s.effective(env);
    expect(eff.settings.port).toBe(9100);
    expect(eff.sources.port).toBe('env');
    expect(eff.settings.defaultModel).toBe('codestral-latest');
    expect(eff.sources.defaultModel).toBe('stored');
    expect(eff.settings.maxTokens).toBe(2048); // a blank env var does not count, as in configFromEnv
    expect(eff.sources.maxTokens).toBe('stored');
    expect(eff.settings.baseUrl).toBe(DEFAULTS.baseUrl);
    expect(eff.sources.baseUrl).toBe('default');
    expect(eff.settings.tiers).toEqual({ haiku: 'ministral-8b-latest', sonnet: 'codestral-latest', opus: DEFAULTS.opusModel });
    expect(eff.sources.tiers).toBe('env');
    expect(s.view(env).sources).toEqual(eff.sources);
  });

  it('the API key: MISTRAL_API_KEY > stored > none', () => {
    const s = open();
    expect(s.effective({}).apiKey).toEqual({ value: null, source: 'default' });
    s.update({ apiKey: KEY });
    expect(s.effective({}).apiKey).toEqual({ value: KEY, source: 'stored' });
    expect(s.effective({ MISTRAL_API_KEY: 'env-key-9876' }).apiKey).toEqual({ value: 'env-key-9876', source: 'env' });
    expect(s.view({ MISTRAL_API_KEY: 'env-key-9876' }).apiKey).toEqual({ set: true, last4: '9876', source: 'env', encrypted: false });
  });

  it('sonnet follows the effective default model (env or stored) until it is set itself', () => {
    const s = open();
    expect(s.effective({ MISTRAL_MODEL: 'devstral-latest' }).settings.tiers.sonnet).toBe('devstral-latest');
    s.update({ defaultModel: 'codestral-latest' });
    expect(s.view().settings.tiers.sonnet).toBe('codestral-latest');
    // A form sending back every field (sonnet unchanged) with a new default model: sonnet keeps following.
    const v = s.view();
    s.update({ ...v.settings, defaultModel: 'mistral-medium-latest' });
    expect(s.view().settings.tiers.sonnet).toBe('mistral-medium-latest');
    expect(fileJson()).not.toHaveProperty('tiers');
    s.update({ tiers: { sonnet: 'magistral-medium-latest' } });
    s.update({ defaultModel: 'codestral-latest' });
    expect(s.view().settings.tiers.sonnet).toBe('magistral-medium-latest');
  });

  it('saving a form shown with env values does not pin them into the file', () => {
    const env = { CCPROXY_PORT: '9100' };
    const s = openConfStore(dir, { env, projectVersion: '0.1.0' });
    const v = s.view();
    expect(v.settings.port).toBe(9100);
    s.update({ ...v.settings, autoLaunch: true });
    expect(fileJson()).not.toHaveProperty('port');
    expect(s.view({}).settings.port).toBe(7187);
  });

  it('toProxyConfig merges the same way and keeps configFromEnv semantics', () => {
    const s = open();
    s.update({ apiKey: KEY, port: 9000, baseUrl: 'http://127.0.0.1:9/v1', tiers: { haiku: 'ministral-3b-latest' } });
    const c = s.toProxyConfig({ CCPROXY_PORT: '9200', MISTRAL_MODEL: 'devstral-latest', CCPROXY_AUTH_TOKEN: 'tok' });
    expect(c).toMatchObject({
      apiKey: KEY,
      baseUrl: 'http://127.0.0.1:9/v1',
      defaultModel: 'devstral-latest',
      maxTokens: DEFAULTS.maxTokens,
      tiers: { haiku: 'ministral-3b-latest', sonnet: 'devstral-latest', opus: DEFAULTS.opusModel },
      port: 9200,
      host: DEFAULTS.host,
      authToken: 'tok',
      dataDir: dir,
    });
    expect(s.toProxyConfig({ CCPROXY_DATA_DIR: '/elsewhere' }).dataDir).toBe('/elsewhere');
  });

  it('a bad env value is a ConfigError naming the variable; view() still renders', () => {
    const s = open();
    s.update({ apiKey: KEY });
    expect(() => s.toProxyConfig({ CCPROXY_PORT: '70000' })).toThrow(/CCPROXY_PORT must be a whole number from 0 to 65535/);
    expect(() => s.effective({ MISTRAL_BASE_URL: 'ftp://x' })).toThrow(ConfigError);
    const v = s.view({ CCPROXY_PORT: 'abc' });
    expect(v.settings.port).toBe(7187);
    expect(v.sources.port).toBe('default');
  });

  it('a bad stored value (well-typed, hand-edited) is a clear ConfigError naming the setting and the file', () => {
    writeFileSync(settingsFilePath(dir), JSON.stringify({ baseUrl: 'ftp://example.com', defaultModel: 'bad model', apiKey: KEY }));
    const s = open();
    let err: unknown;
    try {
      s.toProxyConfig({});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain(settingsFilePath(dir));
    expect(msg).toMatch(/baseUrl must be an http\(s\) URL \(got "ftp:\/\/example.com"\)/);
    expect(msg).toMatch(/defaultModel is not a valid model id/);
    expect(msg).not.toContain(KEY);
  });

  it('no key anywhere is a clear ConfigError', () => {
    expect(() => open().toProxyConfig({})).toThrow(/No Mistral API key: enter one in Settings or set MISTRAL_API_KEY/);
  });
});

describe('patch validation', () => {
  const rejects = (patch: unknown, re: RegExp) => {
    const s = open();
    const before = existsSync(s.path) ? fileText() : null;
    expect(() => s.update(patch as SettingsPatch)).toThrow(SettingsValidationError);
    expect(() => s.update(patch as SettingsPatch)).toThrow(re);
    expect(existsSync(s.path) ? fileText() : null).toBe(before); // nothing stored
  };

  it.each([
    [{ baseUrl: 'not a url' }, /baseUrl must be an http\(s\) URL \(got "not a url"\)/],
    [{ baseUrl: 'file:///etc/passwd' }, /baseUrl must be an http\(s\) URL/],
    [{ port: 70000 }, /port must be a whole number from 0 to 65535 \(got 70000\)/],
    [{ port: -1 }, /port must be a whole number/],
    [{ port: '8080' }, /port must be a whole number/],
    [{ maxTokens: 0 }, /maxTokens must be a whole number from 1 to 1000000/],
    [{ maxTokens: 1.5 }, /maxTokens must be a whole number/],
    [{ defaultModel: 'mistral large' }, /defaultModel is not a valid model id/],
    [{ tiers: { haiku: '' } }, /tiers.haiku is not a valid model id/],
    [{ tiers: { gpt: 'x' } }, /tiers.gpt is not a known setting/],
    [{ host: 'bad host/' }, /host is not a valid host name/],
    [{ budgets: { dailyUsd: -1 } }, /budgets.dailyUsd must be a number ≥ 0 or null/],
    [{ budgets: { refuseOverLimit: 'yes' } }, /budgets.refuseOverLimit must be true or false/],
    [{ eurPerUsd: 0 }, /eurPerUsd must be a number > 0/],
    [{ eurPerUsd: Number.NaN }, /eurPerUsd must be a number > 0/],
    [{ currency: 'GBP' }, /currency must be "USD" or "EUR"/],
    [{ logRetentionDays: -3 }, /logRetentionDays must be a whole number/],
    [{ pricingOverrides: { 'mistral-large-latest': { input: 2 } } }, /needs both input and output/],
    [{ pricingOverrides: { 'x y': { input: 1, output: 2 } } }, /invalid model id "x y"/],
    [{ autoLaunch: 1 }, /autoLaunch must be true or false/],
    [{ colour: 'red' }, /colour is not a known setting/],
    [{ apiKey: '' }, /apiKey is empty; use null to remove the stored key/],
    [{ apiKey: 'two words' }, /apiKey contains whitespace/],
  ])('rejects %j', (patch, re) => rejects(patch, re));

  it('reports every problem at once, and stores nothing from a partly valid patch', () => {
    const s = open();
    expect(() => s.update({ port: 99999, maxTokens: -1, host: 'localhost' })).toThrow(/port .*; maxTokens /);
    expect(s.view().settings.host).toBe('127.0.0.1');
  });

  it('accepts port 0, null budgets and trims a pasted key', () => {
    const s = open();
    s.update({ port: 0, budgets: { dailyUsd: 3, monthlyUsd: null }, apiKey: `  ${KEY}\n` });
    expect(s.view().settings.port).toBe(0);
    expect(s.effective({}).apiKey.value).toBe(KEY);
  });
});

describe('the API key', () => {
  const leaks = (v: SettingsView) => JSON.stringify(v).includes(KEY);

  it('without a cipher: plaintext in a 0600 file, hidden from the view', () => {
    const s = open();
    s.update({ apiKey: KEY });
    const v = s.view();
    expect(v.apiKey).toEqual({ set: true, last4: 'WXYZ', source: 'stored', encrypted: false });
    expect(leaks(v)).toBe(false);
    if (process.platform !== 'win32') expect(mode(s.path)).toBe(0o600);
    expect(fileJson().apiKey).toEqual({ encrypted: false, value: KEY, last4: 'WXYZ' });
    expect(open().effective({}).apiKey.value).toBe(KEY);
  });

  it('with a cipher: the file holds no plaintext key; a new instance decrypts it', () => {
    const cipher = fakeCipher();
    const s = open({ cipher });
    const seen: SettingsView[] = [];
    s.onChange((v) => seen.push(v));
    const v = s.update({ apiKey: KEY });
    expect(fileText()).not.toContain(KEY);
    expect(v.apiKey).toEqual({ set: true, last4: 'WXYZ', source: 'stored', encrypted: true });
    expect(leaks(v) || leaks(seen[0]!)).toBe(false);
    expect(open({ cipher: fakeCipher() }).effective({}).apiKey).toEqual({ value: KEY, source: 'stored' });
  });

  it('a plaintext key (older or headless file) is sealed once a cipher is available', () => {
    open().update({ apiKey: KEY });
    expect(fileText()).toContain(KEY);
    const s = open({ cipher: fakeCipher() });
    expect(fileText()).not.toContain(KEY);
    expect(s.view().apiKey.encrypted).toBe(true);
    expect(s.effective({}).apiKey.value).toBe(KEY);
  });

  it('a key written by hand as a bare string works', () => {
    writeFileSync(settingsFilePath(dir), JSON.stringify({ apiKey: KEY }));
    const s = open();
    expect(s.view().apiKey).toEqual({ set: true, last4: 'WXYZ', source: 'stored', encrypted: false });
    expect(s.toProxyConfig({}).apiKey).toBe(KEY);
  });

  it('an encrypted key without the cipher is a clear error, never the ciphertext', () => {
    open({ cipher: fakeCipher() }).update({ apiKey: KEY });
    const s = open({ cipher: fakeCipher(false) });
    expect(s.view().apiKey).toEqual({ set: true, last4: 'WXYZ', source: 'stored', encrypted: true });
    expect(() => s.toProxyConfig({})).toThrow(/encrypted, but the OS secret storage is not available/);
    expect(s.toProxyConfig({ MISTRAL_API_KEY: 'env-key' }).apiKey).toBe('env-key');
    const broken = open({ cipher: { ...fakeCipher(), decrypt: () => { throw new Error(`boom ${KEY}`); } } });
    expect(() => broken.toProxyConfig({})).toThrow(/could not be decrypted/);
    try {
      broken.toProxyConfig({});
    } catch (e) {
      expect((e as Error).message).not.toContain(KEY);
    }
  });

  it('apiKey: null removes it', () => {
    const s = open();
    s.update({ apiKey: KEY });
    const v = s.update({ apiKey: null });
    expect(v.apiKey).toEqual({ set: false, last4: null, source: 'default', encrypted: false });
    expect(fileJson()).not.toHaveProperty('apiKey');
    expect(fileText()).not.toContain(KEY);
  });

  it('never appears in validation errors', () => {
    const s = open();
    const badKey = `${KEY} ${KEY}`;
    try {
      s.update({ apiKey: badKey, port: -1 });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain(KEY);
      expect((e as Error).message).toMatch(/apiKey contains whitespace/);
    }
  });
});

describe('corrupt settings file', () => {
  const corrupted = () => readdirSync(dir).filter((f) => f.startsWith('settings.corrupt-'));

  it('invalid JSON is moved aside, reported, and the store starts from defaults', () => {
    writeFileSync(settingsFilePath(dir), '{"port": 9000,');
    const s = open();
    expect(corrupted()).toHaveLength(1);
    expect(s.view().recoveredFrom).toBe(join(dir, corrupted()[0]!));
    expect(corrupted()[0]).toMatch(/^settings\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z\.json$/);
    expect(readFileSync(join(dir, corrupted()[0]!), 'utf8')).toBe('{"port": 9000,'); // kept, not wiped
    expect(s.view().settings).toEqual(DEFAULT_SETTINGS);
    s.update({ port: 9001 });
    expect(s.view().recoveredFrom).not.toBeNull(); // still reported for this session
    expect(open().view()).toMatchObject({ recoveredFrom: null, settings: { port: 9001 } });
  });

  it('a schema-invalid file is moved aside too', () => {
    writeFileSync(settingsFilePath(dir), JSON.stringify({ port: 'eighty', budgets: { dailyUsd: -5 } }));
    const s = open();
    expect(corrupted()).toHaveLength(1);
    expect(s.view().recoveredFrom).toContain('settings.corrupt-');
    expect(s.view().settings.port).toBe(7187);
  });

  it('other errors (not corruption) propagate and leave the file alone', () => {
    const path = join(dir, 'x.json');
    writeFileSync(path, '{}');
    expect(() => openWithRecovery(() => { throw Object.assign(new Error('EACCES'), { code: 'EACCES' }); }, path)).toThrow('EACCES');
    expect(existsSync(path)).toBe(true);
  });
});

describe('migrations', () => {
  it('migrates the v0 flat shape {model, maxTokens, apiKey}', () => {
    writeFileSync(settingsFilePath(dir), JSON.stringify({ model: 'codestral-latest', maxTokens: '8192', apiKey: KEY }));
    const s = open({ cipher: fakeCipher() });
    const v = s.view();
    expect(v.settings.defaultModel).toBe('codestral-latest');
    expect(v.settings.tiers.sonnet).toBe('codestral-latest');
    expect(v.settings.maxTokens).toBe(8192);
    expect(v.sources).toMatchObject({ defaultModel: 'stored', maxTokens: 'stored' });
    expect(v.apiKey).toMatchObject({ set: true, last4: 'WXYZ', encrypted: true });
    expect(v.recoveredFrom).toBeNull();
    const file = fileJson();
    expect(file).not.toHaveProperty('model');
    expect(file).toMatchObject({ defaultModel: 'codestral-latest', maxTokens: 8192, __internal__: { migrations: { version: '0.1.0' } } });
    expect(fileText()).not.toContain(KEY);
  });

  it('runs once: a later open does not touch migrated data', () => {
    writeFileSync(settingsFilePath(dir), JSON.stringify({ model: 'codestral-latest' }));
    open().update({ defaultModel: 'devstral-latest' });
    expect(open().view().settings.defaultModel).toBe('devstral-latest');
  });

  it('a v0 file whose values cannot be migrated is moved aside and reported, not wiped', () => {
    writeFileSync(settingsFilePath(dir), JSON.stringify({ model: 'codestral-latest', maxTokens: 'lots' }));
    const s = open();
    expect(s.view().recoveredFrom).toContain('settings.corrupt-');
    expect(readFileSync(s.view().recoveredFrom!, 'utf8')).toContain('lots');
  });
});

describe('onChange', () => {
  it('fires with the new view after each update; unsubscribe stops it; a throwing listener is contained', () => {
    const s = open();
    const views: SettingsView[] = [];
    s.onChange(() => {
      throw new Error('listener bug');
    });
    const off = s.onChange((v) => views.push(v));
    const returned = s.update({ port: 9005 });
    expect(views).toHaveLength(1);
    expect(views[0]).toEqual(returned);
    expect(views[0]!.settings.port).toBe(9005);
    off();
    s.update({ port: 9006 });
    expect(views).toHaveLength(1);
  });

  it('a rejected patch does not fire', () => {
    const s = open();
    let n = 0;
    s.onChange(() => n++);
    expect(() => s.update({ port: -1 })).toThrow();
    expect(n).toBe(0);
  });
});

describe('SettingsStorage seam', () => {
  it('works over any {get,set,delete,store,path} (as electron-store provides)', () => {
    const data: Record<string, unknown> = { port: 9100 };
    const storage: SettingsStorage = {
      get: (k) => data[k],
      set: (k, v) => void (data[k] = v),
      delete: (k) => void delete data[k],
      get store() {
        return structuredClone(data);
      },
      path: join(dir, 'mem.json'),
    };
    const s = new SettingsStore(storage, { env: {} });
    expect(s.view().settings.port).toBe(9100);
    s.update({ host: 'localhost', apiKey: KEY });
    expect(data).toMatchObject({ port: 9100, host: 'localhost', apiKey: { encrypted: false } });
  });
});
