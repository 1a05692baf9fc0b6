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
}

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

  for (const tier of ['haiku', 'sonnet', 'opus'] as const) {
    const e = fromEnv(TIER_ENV[tier], (c) => c.tiers[tier]);
    const s = stored.tiers?.[tier];
    if (e !== undefined) {
      settings.tiers[tier] = e;
      sources.tiers = 'env';
    } else if (s !== undefined) {
      settings.tiers[tier] = s;
      sources.tiers = strongest(sources.tiers, 'stored');
    } else if (tier === 'sonnet') {
      settings.tiers.sonnet = settings.defaultModel;
    }
  }

  // Pacing and fallbacks: per field, env (CCPROXY_PACING*, CCPROXY_<TIER>_FALLBACKS) > stored > default.
  const pacingPick: Record<keyof Settings['pacing'], (c: ReturnType<typeof configFromEnv>) => string | number> = {
    preset: (c) => c.pacing.preset,
    rps: (c) => c.pacing.rps,
    tpm: (c) => c.pacing.tpm,
    maxWaitS: (c) => c.pacing.maxWaitMs / 1000,
  };
  for (const field of ['preset', 'rps', 'tpm', 'maxWaitS'] as const) {
    const e = fromEnv(PACING_ENV[field], pacingPick[field]);
    const s = stored.pacing?.[field];
    if (e !== undefined) {
      (settings.pacing as unknown as Record<string, unknown>)[field] = e;
      sources.pacing = 'env';
    } else if (s !== undefined) {
      (settings.pacing as unknown as Record<string, unknown>)[field] = s;
      sources.pacing = strongest(sources.pacing, 'stored');
    }
  }
  for (const tier of ['haiku', 'sonnet', 'opus'] as const) {
    const e = fromEnv(FALLBACK_ENV[tier], (c) => c.fallbacks[tier]);
    const s = stored.fallbacks?.[tier];
    if (e !== undefined) {
      settings.fallbacks[tier] = e;
      sources.fallbacks = 'env';
    } else if (s !== undefined) {
      settings.fallbacks[tier] = [...s];
      sources.fallbacks = strongest(sources.fallbacks, 'stored');
    }
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
  return { settings, sources };
}
