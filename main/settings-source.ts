import { configFromEnv, type ProxyConfig } from '../app/config.js';
import { keyCipherFromSecretBox, type SecretBoxLike } from '../app/settings/cipher.js';
import { settingsFilePath, settingsStoreOptions } from '../app/settings/schema.js';
import { openWithRecovery, SettingsStore, type SettingsStorage } from '../app/settings/store.js';

/**
 * Where the desktop app gets its ProxyConfig. Today: env vars plus a small settings object; issue #3 swaps in an
 * electron-store backed source behind this same interface. `load()` throws ConfigError on a bad value.
 */
export interface SettingsSource {
  load(): ProxyConfig;
}

/** The few values the app can set itself until the settings UI lands. */
export interface DesktopSettings {
  apiKey?: string;
  baseUrl?: string;
  defaultModel?: string;
  port?: number;
  host?: string;
  dataDir?: string;
}

type Env = Record<string, string | undefined>;

const ENV_NAMES: Record<keyof DesktopSettings, string> = {
  apiKey: 'MISTRAL_API_KEY',
  baseUrl: 'MISTRAL_BASE_URL',
  defaultModel: 'MISTRAL_MODEL',
  port: 'CCPROXY_PORT',
  host: 'CCPROXY_HOST',
  dataDir: 'CCPROXY_DATA_DIR',
};

/**
 * Settings are written as env vars so they pass the exact validation headless mode uses. Settings win over the
 * environment: in a GUI app, what the user set in the window is what should run.
 */
export function settingsToEnv(settings: DesktopSettings): Env {
  const env: Env = {};
  for (const [key, name] of Object.entries(ENV_NAMES) as [keyof DesktopSettings, string][]) {
    const value = settings[key];
    if (value !== undefined && value !== '') env[name] = String(value);
  }
  return env;
}

export function envSettingsSource(env: Env, settings: () => DesktopSettings): SettingsSource {
  return { load: () => configFromEnv({ ...env, ...settingsToEnv(settings()) }) };
}

/**
 * Issue #3: the app's settings through app/settings (env var > stored > default; see app/settings/effective.ts).
 * Note the precedence differs from envSettingsSource above, where settings win over the environment.
 */
export function storeSettingsSource(store: Pick<SettingsStore, 'toProxyConfig'>, env: Env): SettingsSource {
  return { load: () => store.toProxyConfig(env) };
}

/**
 * Opens the settings file `<dataDir>/settings.json` with electron-store, passed in as `StoreCtor` so this module
 * stays loadable without Electron (main.ts: `openAppSettings(ElectronStore, { dataDir: app.getPath('userData'),
 * secretBox: safeStorageBox(safeStorage, process.platform), env: process.env })`). electron-store fills
 * projectVersion (which drives the migrations) from app.getVersion(). An unreadable file is moved aside and
 * reported in the view's `recoveredFrom`.
 */
export function openAppSettings(
  StoreCtor: new (options: ReturnType<typeof settingsStoreOptions> & { name: string }) => SettingsStorage,
  opts: { dataDir: string; secretBox: SecretBoxLike; env: Env },
): SettingsStore {
  const { storage, recoveredFrom } = openWithRecovery(
    () => new StoreCtor({ ...settingsStoreOptions(opts.dataDir), name: 'settings' }),
    settingsFilePath(opts.dataDir),
  );
  return new SettingsStore(storage, { cipher: keyCipherFromSecretBox(opts.secretBox), recoveredFrom, env: opts.env });
}
