// Settings as the UI sees and edits them. The API key never crosses this boundary in clear: the view carries
// only whether it is set and its last 4 characters; a patch may carry a new key (write-only).

export type Currency = 'USD' | 'EUR';

export interface TierModels { haiku: string; sonnet: string; opus: string }

export interface PriceOverride { input: number; output: number; cachedInput?: number }

export interface Budgets {
  /** USD per calendar day (local time); null = no limit. */
  dailyUsd: number | null;
  /** USD per calendar month; null = no limit. */
  monthlyUsd: number | null;
  /** Refuse requests once over a limit (Anthropic-shaped error) instead of only warning. */
  refuseOverLimit: boolean;
}

/** Preset of Mistral rate limits to pace requests to (see app/pacing/presets.ts and the README). */
export type PacingPresetName = 'auto' | 'off' | 'free' | 'tier1' | 'tier2' | 'tier3' | 'tier4' | 'custom';

export interface PacingSettings {
  preset: PacingPresetName;
  /** Requests per second, used by the custom preset. */
  rps: number;
  /** Tokens per minute (input + output), used by the custom preset. */
  tpm: number;
  /** The longest a request waits for its turn before a 429, in seconds. */
  maxWaitS: number;
}

/** Ordered fallback Mistral model ids per tier (empty: none). */
export interface FallbackModelLists { haiku: string[]; sonnet: string[]; opus: string[] }

/** The stored, non-secret settings (the key is stored separately, encrypted where the OS allows). */
export interface Settings {
  baseUrl: string;
  defaultModel: string;
  maxTokens: number;
  tiers: TierModels;
  port: number;
  host: string;
  autoLaunch: boolean;
  budgets: Budgets;
  /** Usage records older than this many days are pruned; 0 keeps everything. */
  logRetentionDays: number;
  /** Per-model USD prices per million tokens, overriding the built-in table. */
  pricingOverrides: Record<string, PriceOverride>;
  currency: Currency;
  /** EUR per 1 USD, for showing costs in EUR. */
  eurPerUsd: number;
  /** Pacing to Mistral's rate limits. */
  pacing: PacingSettings;
  /** Models tried when a tier's model is rate-limited past the wait, overloaded or unavailable. */
  fallbacks: FallbackModelLists;
}

export type SettingSource = 'env' | 'stored' | 'default';

export interface SettingsView {
  settings: Settings;
  apiKey: { set: boolean; last4: string | null; source: SettingSource; encrypted: boolean };
  /** Where each top-level setting's effective value comes from (env var > stored > default). */
  sources: Record<keyof Settings, SettingSource>;
  /** Per Claude tier, where its model comes from; the Sonnet tier's 'default' means it follows defaultModel. */
  tierSources: Record<keyof TierModels, SettingSource>;
  /** Set when the settings file was unreadable and has been moved aside. */
  recoveredFrom: string | null;
}

/**
 * A partial update; `apiKey: null` removes the stored key; a tier set to null drops its saved model (back to the
 * default: for the Sonnet tier, following the default model again).
 */
export type SettingsPatch = Partial<Omit<Settings, 'tiers' | 'budgets' | 'pacing' | 'fallbacks'>> & {
  tiers?: { [T in keyof TierModels]?: string | null };
  budgets?: Partial<Budgets>;
  pacing?: Partial<PacingSettings>;
  fallbacks?: Partial<FallbackModelLists>;
  apiKey?: string | null;
};

export type KeyTestStatus = 'ok' | 'bad_key' | 'no_credit' | 'unreachable' | 'error';

export interface KeyTestResult { status: KeyTestStatus; message: string; models?: number }
