import { configFromEnv, type ProxyConfig } from '../app/config.js';

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
