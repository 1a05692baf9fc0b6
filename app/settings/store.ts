import { chmodSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { configFromEnv, ConfigError, type ProxyConfig } from '../config.js';
import type { KeyTestResult, Settings, SettingSource, SettingsPatch, SettingsView } from '../contract/settings.js';
import { VERSION } from '../version.js';
import { NO_CIPHER, type KeyCipher } from './cipher.js';
import { FALLBACK_ENV, PACING_ENV } from '../pacing/presets.js';
import { API_KEY_ENV, envValue, resolveSettings, SETTING_ENV, TIER_ENV, type Env } from './effective.js';
import { openLazyConfStorage } from './conf-storage.js';
import { settingsFilePath, STORED_KEYS, type StoredApiKey, type StoredSettings } from './schema.js';
import { testApiKey, type FetchLike } from './test-key.js';
import { validatePatch, validateStored } from './validate.js';

/**
 * The minimal storage both conf and electron-store satisfy. SettingsStore reads and writes only STORED_KEYS
 * through it; everything else in the file (conf's `__internal__`) is left to the library.
 */
export interface SettingsStorage {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  delete(key: string): void;
  readonly store: Record<string, unknown>;
  readonly path: string;
}

export interface SettingsStoreOptions {
  /** Seals the API key at rest; without one (headless) the key is plaintext in the 0600 file. */
  cipher?: KeyCipher;
  /** From openWithRecovery: where an unreadable settings file was moved. Shown in every view. */
  recoveredFrom?: string | null;
  /** The environment used when a method is called without one. Default: process.env. */
  env?: Env;
}

export interface EffectiveSettings {
  settings: Settings;
  sources: Record<keyof Settings, SettingSource>;
  apiKey: { value: string | null; source: SettingSource };
}

export type SettingsListener = (view: SettingsView) => void;

/** Errors that mean "the file is unreadable", as opposed to I/O errors (EACCES…) that must propagate. */
function isCorruption(err: unknown): boolean {
  const e = err as { name?: string; message?: string };
  return e?.name === 'SyntaxError'
    || (e?.message?.startsWith('Config schema violation:') ?? false)
    || (e?.message?.startsWith('Something went wrong during the migration!') ?? false);
}

/**
 * Opens a store; if the file is unreadable (invalid JSON, schema violation, failed migration) it is renamed to
 * `<name>.corrupt-<timestamp>.json` beside it and the store is opened again from defaults. Never wipes silently:
 * the caller passes `recoveredFrom` on to SettingsStore, and every view reports it.
 */
export function openWithRecovery<S>(open: () => S, filePath: string, now: () => Date = () => new Date()): { storage: S; recoveredFrom: string | null } {
  try {
    return { storage: open(), recoveredFrom: null };
  } catch (err) {
    if (!isCorruption(err) || !existsSync(filePath)) throw err;
    const stamp = now().toISOString().replace(/[:.]/g, '-');
    const ext = extname(filePath);
    const stem = basename(filePath, ext);
    let aside = join(dirname(filePath), `${stem}.corrupt-${stamp}${ext}`);
    for (let i = 1; existsSync(aside); i++) aside = join(dirname(filePath), `${stem}.corrupt-${stamp}-${i}${ext}`);
    renameSync(filePath, aside);
    return { storage: open(), recoveredFrom: aside };
  }
}

/**
 * Headless/tests: the settings file `<dataDir>/settings.json` through conf, with the shared schema, migrations and
 * mode 0600. `projectVersion` (default: the package version) decides which migrations run. conf itself is loaded
 * only when needed (a write, a migration, a file to report): see conf-storage.ts.
 */
export function openConfStorage(dataDir: string, projectVersion: string = VERSION): { storage: SettingsStorage; recoveredFrom: string | null } {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = settingsFilePath(dataDir);
  // conf applies configFileMode only when it writes; tighten a file an older build left group/world-readable.
  if (process.platform !== 'win32' && existsSync(path)) chmodSync(path, 0o600);
  return openWithRecovery(
    () => openLazyConfStorage(dataDir, projectVersion),
    path,
  );
}

/** Headless: a SettingsStore over conf in `dataDir`. */
export function openConfStore(dataDir: string, opts: Omit<SettingsStoreOptions, 'recoveredFrom'> & { projectVersion?: string } = {}): SettingsStore {
  const { storage, recoveredFrom } = openConfStorage(dataDir, opts.projectVersion);
  return new SettingsStore(storage, { ...opts, recoveredFrom });
}

function readStored(storage: SettingsStorage): StoredSettings {
  const all = storage.store;
  const out: Record<string, unknown> = {};
  for (const k of STORED_KEYS) if (all[k] !== undefined) out[k] = structuredClone(all[k]);
  return out as StoredSettings;
}

/** A bare string in the file is a plaintext key pasted by hand. */
function keyRecord(v: StoredSettings['apiKey']): StoredApiKey | null {
  if (v === undefined) return null;
  return typeof v === 'string' ? { encrypted: false, value: v.trim(), last4: v.trim().slice(-4) } : v;
}

/**
 * The settings, as the core and the UI use them. Holds a snapshot of the file (read at open and after each
 * update; edits to the file while running are picked up at the next start).
 */
export class SettingsStore {
  private stored: StoredSettings;
  private readonly cipher: KeyCipher;
  /** The environment this store resolves against (env > stored > default). */
  readonly env: Env;
  private readonly listeners = new Set<SettingsListener>();
  readonly recoveredFrom: string | null;

  constructor(private readonly storage: SettingsStorage, opts: SettingsStoreOptions = {}) {
    this.cipher = opts.cipher ?? NO_CIPHER;
    this.env = opts.env ?? process.env;
    this.recoveredFrom = opts.recoveredFrom ?? null;
    this.stored = readStored(storage);
    this.resealPlaintextKey();
  }

  get path(): string {
    return this.storage.path;
  }

  /** A plaintext key (v0 file, headless file, pasted by hand) is encrypted as soon as a cipher is available. */
  private resealPlaintextKey(): void {
    const rec = keyRecord(this.stored.apiKey);
    if (!rec || rec.encrypted || !this.cipher.available()) return;
    this.storage.set('apiKey', this.seal(rec.value));
    this.stored = readStored(this.storage);
  }

  private seal(key: string): StoredApiKey {
    const last4 = key.slice(-4);
    return this.cipher.available() ? { encrypted: true, value: this.cipher.encrypt(key), last4 } : { encrypted: false, value: key, last4 };
  }

  private storedKey(): string | null {
    const rec = keyRecord(this.stored.apiKey);
    if (!rec) return null;
    if (!rec.encrypted) return rec.value;
    const fix = `enter the key again in Settings or set ${API_KEY_ENV}`;
    if (!this.cipher.available()) throw new ConfigError(`The stored API key is encrypted, but the OS secret storage is not available now; ${fix}.`);
    try {
      return this.cipher.decrypt(rec.value);
    } catch {
      throw new ConfigError(`The stored API key could not be decrypted (was it saved by another user or machine?); ${fix}.`);
    }
  }

  /**
   * env > stored > default for every setting and for the key (see effective.ts). Throws ConfigError for a bad env
   * value or an undecryptable stored key. Does not check stored values beyond the schema: toProxyConfig does.
   */
  effective(env: Env = this.env): EffectiveSettings {
    const { settings, sources } = resolveSettings(this.stored, env);
    const envKey = envValue(env, API_KEY_ENV);
    if (envKey !== undefined) return { settings, sources, apiKey: { value: envKey, source: 'env' } };
    const stored = this.storedKey();
    return { settings, sources, apiKey: stored === null ? { value: null, source: 'default' } : { value: stored, source: 'stored' } };
  }

  /** What the UI shows; never the key. Never throws for a bad env value (it is ignored here; toProxyConfig reports it). */
  view(env: Env = this.env): SettingsView {
    const { settings, sources, tierSources } = resolveSettings(this.stored, env, { lenient: true });
    const envKey = envValue(env, API_KEY_ENV);
    const rec = keyRecord(this.stored.apiKey);
    const apiKey: SettingsView['apiKey'] = envKey !== undefined
      ? { set: true, last4: envKey.slice(-4), source: 'env', encrypted: false }
      : rec
        ? { set: true, last4: rec.last4 ?? (rec.encrypted ? null : rec.value.slice(-4)), source: 'stored', encrypted: rec.encrypted }
        : { set: false, last4: null, source: 'default', encrypted: false };
    return { settings, apiKey, sources, tierSources, recoveredFrom: this.recoveredFrom };
  }

  /**
   * The proxy's config: env > stored > default, validated by configFromEnv (the headless rules). A bad stored value
   * is a ConfigError naming the setting and the file; a bad env value one naming the variable.
   */
  toProxyConfig(env: Env = this.env): ProxyConfig {
    validateStored(this.stored, this.storage.path);
    const eff = this.effective(env);
    if (eff.apiKey.value === null) {
      throw new ConfigError(`No Mistral API key: enter one in Settings or set ${API_KEY_ENV} (get a key at https://console.mistral.ai/api-keys).`);
    }
    // Stored values become the env vars configFromEnv reads, unless the env already sets them.
    const merged: Env = { ...env, [API_KEY_ENV]: eff.apiKey.value };
    for (const [key, name] of Object.entries(SETTING_ENV) as [keyof typeof SETTING_ENV, string][]) {
      if (envValue(env, name) === undefined) merged[name] = String(eff.settings[key]);
    }
    for (const [tier, name] of Object.entries(TIER_ENV) as [keyof typeof TIER_ENV, string][]) {
      if (envValue(env, name) === undefined) merged[name] = eff.settings.tiers[tier];
    }
    for (const [field, name] of Object.entries(PACING_ENV) as [keyof typeof PACING_ENV, string][]) {
      if (envValue(env, name) === undefined) merged[name] = String(eff.settings.pacing[field]);
    }
    for (const [tier, name] of Object.entries(FALLBACK_ENV) as [keyof typeof FALLBACK_ENV, string][]) {
      if (envValue(env, name) === undefined) merged[name] = eff.settings.fallbacks[tier].join(',');
    }
    // The usage ledger and log live beside the settings file unless CCPROXY_DATA_DIR says otherwise.
    if (envValue(env, 'CCPROXY_DATA_DIR') === undefined) merged.CCPROXY_DATA_DIR = dirname(this.storage.path);
    return configFromEnv(merged);
  }

  /**
   * Validates the whole patch first (SettingsValidationError listing every problem; nothing stored), then stores
   * it. A field equal to its current effective value is not stored, so a form that sends back every field does not
   * pin env values or defaults (nor tiers.sonnet, which keeps following defaultModel). A tier set to null drops its
   * saved model (tiers.sonnet: null makes the Sonnet tier follow defaultModel again). `apiKey: null` removes the
   * stored key; a new key is sealed with the cipher, or stored plaintext in the 0600 file without one.
   * Listeners get the new view.
   */
  update(patch: SettingsPatch): SettingsView {
    const valid = validatePatch(patch);
    const current = resolveSettings(this.stored, this.env, { lenient: true }).settings;
    const writes = new Map<string, unknown>();
    for (const [key, value] of Object.entries(valid.settings) as [keyof Settings, unknown][]) {
      if (key === 'tiers' || key === 'budgets' || key === 'pacing' || key === 'fallbacks') {
        const next: Record<string, unknown> = { ...(this.stored[key] ?? {}) };
        const now = current[key] as unknown as Record<string, unknown>;
        let changed = false;
        for (const [leaf, v] of Object.entries(value as Record<string, unknown>)) {
          // null (tiers only, see validate.ts): forget the saved value, so the default applies again.
          if (v === null) {
            if (leaf in next) {
              delete next[leaf];
              changed = true;
            }
            continue;
          }
          if (isDeepStrictEqual(v, now[leaf])) continue;
          next[leaf] = v;
          changed = true;
        }
        if (changed) writes.set(key, next);
      } else if (!isDeepStrictEqual(value, current[key])) {
        writes.set(key, value);
      }
    }
    for (const [key, value] of writes) this.storage.set(key, value);
    if (valid.apiKey === null) this.storage.delete('apiKey');
    else if (valid.apiKey !== undefined) this.storage.set('apiKey', this.seal(valid.apiKey));
    this.stored = readStored(this.storage);
    const view = this.view();
    for (const listener of [...this.listeners]) {
      try {
        listener(view);
      } catch {
        // A failing listener must not undo or block a stored update, nor starve the other listeners.
      }
    }
    return view;
  }

  /** Called with the new view after every update(); returns an unsubscribe function. */
  onChange(listener: SettingsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The UI's "Test key": the given key, else the effective one, against the effective base URL. */
  async testKey(apiKey?: string, fetchImpl?: FetchLike): Promise<KeyTestResult> {
    const { settings } = resolveSettings(this.stored, this.env, { lenient: true });
    let key = apiKey?.trim() || null;
    if (!key) {
      try {
        key = this.effective().apiKey.value;
      } catch (err) {
        return { status: 'error', message: err instanceof Error ? err.message : String(err) };
      }
    }
    if (!key) return { status: 'bad_key', message: 'No API key is set.' };
    return testApiKey(settings.baseUrl, key, fetchImpl);
  }
}
