import { configFromEnv, ConfigError } from '../config.js';
import type { Settings, SettingSource, TierModels } from '../contract/settings.js';
import { FALLBACK_ENV, PACING_ENV } from '../pacing/presets.js';
import { DEFAULT_SETTINGS, SETTING_KEYS, type StoredSettings } from './schema.js';

// PRECEDENCE, for every setting: environment variable > stored setting > default.
//
//  - An env var counts when it is set to a non-blank value (the same test configFromEnv uses), and is parsed and
//    validated by configFromEnv itself, so headless and app agree on every rule and error message.
//  - "stored" means the key is present in the (sparse) settings file; "default" means DEFAULT_SETTINGS.
//  - Nested objects resolve per field: tiers.haiku/sonnet/opus each follow env > stored > default, budgets fields
//    stored > default. The `sources` entry of an object is the strongest source among its fields.
//  - tiers.sonnet, when neither env nor stored, follows the effective defaultModel (as configFromEnv does).
//  - The API key: MISTRAL_API_KEY > stored key; no default.
// Settings without an env var (autoLaunch, budgets, logRetentionDays, pricingOverrides, currency, eurPerUsd) are
// stored > default only.

export type Env = Record<string, string | undefined>;

export const API_KEY_ENV = 'MISTRAL_API_KEY';

/** Env var per top-level setting (the names app/config.ts reads). */
export const SETTING_ENV = {
  baseUrl: 'MISTRAL_BASE_URL',
  defaultModel: 'MISTRAL_MODEL',
  maxTokens: 'MISTRAL_MAX_TOKENS',
  port: 'CCPROXY_PORT',
  host: 'CCPROXY_HOST',
} as const satisfies Partial<Record<keyof Settings, string>>;

export const TIER_ENV = {
  haiku: 'CCPROXY_HAIKU_MODEL',
  sonnet: 'CCPROXY_SONNET_MODEL',
  opus: 'CCPROXY_OPUS_MODEL',
} as const satisfies Record<keyof TierModels, string>;

export function envValue(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

/** Parses one env var exactly as configFromEnv does (throws its ConfigError, which names the variable). */
function parseEnvVar<T>(name: string, raw: string, pick: (c: ReturnType<typeof configFromEnv>) => T): T {
  return pick(configFromEnv({ [API_KEY_ENV]: 'placeholder', [name]: raw }));
}

export interface ResolveOptions {
  /** Skip env values that fail validation instead of throwing (for view(): the UI must still render). */
  lenient?: boolean;
}

export interface Resolved {
  settings: Settings;
  sources: Record<keyof Settings, SettingSource>;
  /** Per tier; the Sonnet tier's 'default' means it follows the default model. */
  tierSources: Record<keyof TierModels, SettingSource>;
}

const TIERS = ['haiku', 'sonnet', 'opus'] as const;
const RANK: Record<SettingSource, number> = { default: 0, stored: 1, env: 2 };
const strongest = (a: SettingSource, b: SettingSource): SettingSource => (RANK[a] >= RANK[b] ? a : b);

/** Resolves env > stored > default for every setting. Throws ConfigError for a bad env value unless lenient. */
export function resolveSettings(stored: StoredSettings, env: Env, opts: ResolveOptions = {}): Resolved {
  const fromEnv = <T>(name: string, pick: (c: ReturnType<typeof configFromEnv>) => T): T | undefined => {
    const raw = envValue(env, name);
    if (raw === undefined) return undefined;
    try {
      return parseEnvVar(name, raw, pick);
    } catch (err) {
      if (opts.lenient && err instanceof ConfigError) return undefined;
      throw err;
    }
  };

  const settings = structuredClone(DEFAULT_SETTINGS) as Settings;
  const sources = Object.fromEntries(SETTING_KEYS.map((k) => [k, 'default'])) as Record<keyof Settings, SettingSource>;

  const scalar = <K extends keyof typeof SETTING_ENV>(key: K, pick: (c: ReturnType<typeof configFromEnv>) => Settings[K]) => {
    const e = fromEnv(SETTING_ENV[key], pick);
    if (e !== undefined) {
      settings[key] = e;
      sources[key] = 'env';
    } else if (stored[key] !== undefined) {
      settings[key] = stored[key] as Settings[K];
      sources[key] = 'stored';
    }
  };
  scalar('baseUrl', (c) => c.baseUrl);
  scalar('defaultModel', (c) => c.defaultModel);
  scalar('maxTokens', (c) => c.maxTokens);
  scalar('port', (c) => c.port);
  scalar('host', (c) => c.host);

  // One field of a grouped setting (tiers, pacing, fallbacks): env > stored > default per field; the group's source
  // is the strongest of its fields'. Returns where the field's value came from ('default': neither set it).
  const grouped = <G extends 'tiers' | 'pacing' | 'fallbacks', F extends keyof Settings[G]>(
    group: G,
    field: F,
    envName: string,
    pick: (c: ReturnType<typeof configFromEnv>) => Settings[G][F],
    storedValue: Settings[G][F] | undefined,
  ): SettingSource => {
    const e = fromEnv(envName, pick);
    const value = e !== undefined ? e : storedValue;
    if (value === undefined) return 'default';
    const source = e !== undefined ? 'env' : 'stored';
    settings[group][field] = value;
    sources[group] = strongest(sources[group], source);
    return source;
  };

  const tierSources = {} as Record<keyof TierModels, SettingSource>;
  for (const tier of TIERS) {
    tierSources[tier] = grouped('tiers', tier, TIER_ENV[tier], (c) => c.tiers[tier], stored.tiers?.[tier]);
    // The Sonnet tier follows the default model unless something pins it.
    if (tierSources[tier] === 'default' && tier === 'sonnet') settings.tiers.sonnet = settings.defaultModel;
  }
  grouped('pacing', 'preset', PACING_ENV.preset, (c) => c.pacing.preset, stored.pacing?.preset);
  grouped('pacing', 'rps', PACING_ENV.rps, (c) => c.pacing.rps, stored.pacing?.rps);
  grouped('pacing', 'tpm', PACING_ENV.tpm, (c) => c.pacing.tpm, stored.pacing?.tpm);
  grouped('pacing', 'maxWaitS', PACING_ENV.maxWaitS, (c) => c.pacing.maxWaitMs / 1000, stored.pacing?.maxWaitS);
  for (const tier of TIERS) {
    const list = stored.fallbacks?.[tier];
    grouped('fallbacks', tier, FALLBACK_ENV[tier], (c) => c.fallbacks[tier], list && [...list]);
  }

  if (stored.budgets) {
    for (const [k, v] of Object.entries(stored.budgets)) {
      if (v === undefined) continue;
      (settings.budgets as unknown as Record<string, unknown>)[k] = v;
      sources.budgets = 'stored';
    }
  }

  for (const key of ['autoLaunch', 'logRetentionDays', 'currency', 'eurPerUsd', 'pricingOverrides'] as const) {
    if (stored[key] !== undefined) {
      (settings as unknown as Record<string, unknown>)[key] = structuredClone(stored[key]);
      sources[key] = 'stored';
    }
  }
  return { settings, sources, tierSources };
}
