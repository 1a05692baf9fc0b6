import { join } from 'node:path';
import type Conf from 'conf';
import type { Options as ConfOptions, Schema } from 'conf';
import { DEFAULTS } from '../config.js';
import type { Budgets, Currency, FallbackModelLists, PacingSettings, PriceOverride, Settings, TierModels } from '../contract/settings.js';
import { MAX_FALLBACKS, MAX_WAIT_S, PACING_DEFAULTS, PACING_PRESETS, RPS_RANGE, TPM_RANGE } from '../pacing/presets.js';

// The ONE schema of the settings file, shared by conf (headless, tests) and electron-store (the app): both get the
// options from `settingsStoreOptions()`, so the file, its validation and its migrations are identical.
//
// The file is SPARSE: it holds only what the user changed (plus conf's `__internal__` migration bookkeeping).
// Absent keys mean "use the default", so a better default in a later release reaches users who never touched
// that setting, and `sources` can say truthfully whether a value is 'stored' or 'default'. That is why ajv's
// `useDefaults` is off: the `default` keywords below document the defaults (and serve conf's reset()/clear()),
// while SettingsStore merges DEFAULT_SETTINGS itself.

/**
 * EUR per 1 USD. A PLACEHOLDER, not a live rate: about 1 / 1.0824, the ECB's average euro reference rate for 2024.
 * Users who show costs in EUR should set their own rate in Settings.
 */
export const EUR_PER_USD_PLACEHOLDER = 0.92;

/** Effective defaults; they match app/config.ts DEFAULTS (which headless env-only mode uses). */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  baseUrl: DEFAULTS.baseUrl,
  defaultModel: DEFAULTS.model,
  maxTokens: DEFAULTS.maxTokens,
  // sonnet: when neither stored nor set by env it FOLLOWS the effective defaultModel (as configFromEnv does).
  tiers: Object.freeze({ haiku: DEFAULTS.haikuModel, sonnet: DEFAULTS.model, opus: DEFAULTS.opusModel }),
  port: DEFAULTS.port,
  host: DEFAULTS.host,
  autoLaunch: false,
  budgets: Object.freeze({ dailyUsd: null, monthlyUsd: null, refuseOverLimit: false }),
  logRetentionDays: 90,
  pricingOverrides: Object.freeze({}),
  currency: 'USD',
  eurPerUsd: EUR_PER_USD_PLACEHOLDER,
  pacing: Object.freeze({ preset: PACING_DEFAULTS.preset, rps: PACING_DEFAULTS.rps, tpm: PACING_DEFAULTS.tpm, maxWaitS: PACING_DEFAULTS.maxWaitMs / 1000 }),
  fallbacks: Object.freeze({ haiku: [], sonnet: [], opus: [] }),
}) as Readonly<Settings>;

/** The top-level keys of contract `Settings`, in display order. */
export const SETTING_KEYS = [
  'baseUrl', 'defaultModel', 'maxTokens', 'tiers', 'port', 'host', 'autoLaunch', 'budgets', 'logRetentionDays',
  'pricingOverrides', 'currency', 'eurPerUsd', 'pacing', 'fallbacks',
] as const satisfies readonly (keyof Settings)[];

// Compile-time: SETTING_KEYS names every key of Settings.
type Exhaustive<T extends never> = T;
export type SettingKeysAreListed = Exhaustive<Exclude<keyof Settings, (typeof SETTING_KEYS)[number]>>;

/** The key at rest: ciphertext (base64, from a KeyCipher) when `encrypted`, else plaintext in a 0600 file. */
export interface StoredApiKey {
  encrypted: boolean;
  value: string;
  /** Last 4 characters, so view() never has to decrypt (the view shows them anyway). */
  last4?: string;
}

/** The file's shape (every key optional: the file is sparse). */
export interface StoredSettings {
  baseUrl?: string;
  defaultModel?: string;
  maxTokens?: number;
  tiers?: Partial<TierModels>;
  port?: number;
  host?: string;
  autoLaunch?: boolean;
  budgets?: Partial<Budgets>;
  logRetentionDays?: number;
  pricingOverrides?: Record<string, PriceOverride>;
  currency?: Currency;
  eurPerUsd?: number;
  pacing?: Partial<PacingSettings>;
  fallbacks?: Partial<FallbackModelLists>;
  /** A bare string is accepted as a plaintext key pasted into the file by hand (re-sealed on open if possible). */
  apiKey?: StoredApiKey | string;
}

/** Every key SettingsStore reads or writes; nothing else in the file is touched (conf keeps `__internal__`). */
export const STORED_KEYS = [...SETTING_KEYS, 'apiKey'] as const satisfies readonly (keyof StoredSettings)[];

const MODEL_ID = { type: 'string', minLength: 1, maxLength: 128 } as const;
const USD = { type: ['number', 'null'], minimum: 0 } as const;
const PRICE = { type: 'number', minimum: 0 } as const;

// Types and ranges only. A file that breaks these is moved aside at open (see openWithRecovery). Finer rules
// (http(s) URL, model-id characters, host characters) are checked by validate.ts, so a hand-edited but
// well-typed value gives one clear error naming the setting instead of losing the whole file.
export const SETTINGS_SCHEMA = {
  baseUrl: { type: 'string', minLength: 1, default: DEFAULT_SETTINGS.baseUrl },
  defaultModel: { ...MODEL_ID, default: DEFAULT_SETTINGS.defaultModel },
  maxTokens: { type: 'integer', minimum: 1, maximum: 1_000_000, default: DEFAULT_SETTINGS.maxTokens },
  tiers: {
    type: 'object',
    properties: { haiku: MODEL_ID, sonnet: MODEL_ID, opus: MODEL_ID },
    default: { haiku: DEFAULT_SETTINGS.tiers.haiku, opus: DEFAULT_SETTINGS.tiers.opus },
  },
  port: { type: 'integer', minimum: 0, maximum: 65535, default: DEFAULT_SETTINGS.port },
  host: { type: 'string', minLength: 1, maxLength: 255, default: DEFAULT_SETTINGS.host },
  autoLaunch: { type: 'boolean', default: DEFAULT_SETTINGS.autoLaunch },
  budgets: {
    type: 'object',
    properties: { dailyUsd: USD, monthlyUsd: USD, refuseOverLimit: { type: 'boolean' } },
    default: { ...DEFAULT_SETTINGS.budgets },
  },
  logRetentionDays: { type: 'integer', minimum: 0, maximum: 36_500, default: DEFAULT_SETTINGS.logRetentionDays },
  pricingOverrides: {
    type: 'object',
    additionalProperties: {
      type: 'object',
      properties: { input: PRICE, output: PRICE, cachedInput: PRICE },
      required: ['input', 'output'],
    },
    default: {},
  },
  currency: { enum: ['USD', 'EUR'], default: DEFAULT_SETTINGS.currency },
  eurPerUsd: { type: 'number', exclusiveMinimum: 0, default: DEFAULT_SETTINGS.eurPerUsd },
  pacing: {
    type: 'object',
    properties: {
      preset: { enum: [...PACING_PRESETS] },
      rps: { type: 'number', minimum: RPS_RANGE.min, maximum: RPS_RANGE.max },
      tpm: { type: 'integer', minimum: TPM_RANGE.min, maximum: TPM_RANGE.max },
      maxWaitS: { type: 'number', minimum: MAX_WAIT_S.min, maximum: MAX_WAIT_S.max },
    },
    default: {},
  },
  fallbacks: {
    type: 'object',
    properties: Object.fromEntries(['haiku', 'sonnet', 'opus'].map((t) => [t, { type: 'array', items: MODEL_ID, maxItems: MAX_FALLBACKS }])),
    default: {},
  },
  apiKey: {
    anyOf: [
      { type: 'string', minLength: 1 },
      {
        type: 'object',
        properties: { encrypted: { type: 'boolean' }, value: { type: 'string', minLength: 1 }, last4: { type: 'string' } },
        required: ['encrypted', 'value'],
      },
    ],
  },
} satisfies Schema<Record<(typeof STORED_KEYS)[number], unknown>>;

/** What a migration sees: conf's store while migrating (validation is off, keys of any past shape). */
export type MigrationStore = Conf<Record<string, unknown>>;

/**
 * v0 → v1. v0 was the flat shape the first desktop builds wrote: `{ model, maxTokens, apiKey?: string }`
 * (maxTokens sometimes a numeric string). v1 is SETTINGS_SCHEMA. Idempotent, because conf re-runs migrations
 * after a downgrade and re-upgrade: it acts only on the v0 keys.
 */
export function migrateV0(store: MigrationStore): void {
  const model = store.get('model');
  if (model !== undefined) {
    if (typeof model === 'string' && model.trim() && store.get('defaultModel') === undefined) store.set('defaultModel', model.trim());
    store.delete('model');
  }
  const maxTokens = store.get('maxTokens');
  if (typeof maxTokens === 'string' && /^\s*\d+\s*$/.test(maxTokens)) store.set('maxTokens', Number(maxTokens));
  // A bad maxTokens is left as is: the file then fails the schema and is moved aside and reported, not wiped.
  const apiKey = store.get('apiKey');
  if (typeof apiKey === 'string') {
    if (apiKey.trim()) store.set('apiKey', { encrypted: false, value: apiKey.trim(), last4: apiKey.trim().slice(-4) });
    else store.delete('apiKey');
  }
}

/**
 * conf's `migrations` option, keyed by the app version that introduced each step; conf records the last applied
 * version in `__internal__.migrations.version` and runs every newer step up to `projectVersion`. A file with no
 * record (v0, or a new empty file) gets every step. Each step must be idempotent (see migrateV0).
 */
export const SETTINGS_MIGRATIONS: Record<string, (store: MigrationStore) => void> = {
  '0.1.0': migrateV0,
};

export const SETTINGS_FILE_BASENAME = 'settings';

/** Where the settings file lives in a data directory (the same for conf and electron-store with these options). */
export function settingsFilePath(dataDir: string): string {
  return join(dataDir, `${SETTINGS_FILE_BASENAME}.json`);
}

/**
 * The options both stores take. conf: spread them and add `configName: 'settings'` and `projectVersion`.
 * electron-store: spread them and add `name: 'settings'` (it fills projectVersion from app.getVersion()).
 */
export function settingsStoreOptions(dataDir: string) {
  return {
    cwd: dataDir,
    schema: SETTINGS_SCHEMA as Schema<Record<string, unknown>>,
    migrations: SETTINGS_MIGRATIONS as ConfOptions<Record<string, unknown>>['migrations'],
    // Owner-only: the file can hold the plaintext key when no OS keychain is available.
    configFileMode: 0o600,
    // Model ids (pricingOverrides keys) contain dots; keys are never dot paths here.
    accessPropertiesByDotNotation: false,
    // Never clear a bad file: openWithRecovery moves it aside and reports it.
    clearInvalidConfig: false,
    // Sparse file (see top); union types (number|null budgets) are intended.
    ajvOptions: { useDefaults: false, allowUnionTypes: true },
    watch: false,
  } satisfies Partial<ConfOptions<Record<string, unknown>>>;
}
