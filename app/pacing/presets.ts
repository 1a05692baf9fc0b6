// Rate-limit presets for Mistral's usage tiers, and the pacing config the proxy runs with.
//
// What Mistral documents (help.mistral.ai "What are the limits of the free tier", docs.mistral.ai
// deployment/ai-studio/tier): limits are per organisation, in requests per second (RPS) and tokens per minute
// (input + output). The free Experiment plan is 1 request per second and 500,000 tokens per minute. Tiers 1–4
// (Scale plan, by cumulative billing: $0, > $20, > $100, > $500) have higher limits that Mistral shows only in the
// admin console (Admin › Limits); they are NOT published. The tier values below are therefore conservative guesses
// (each tier double the one before, starting at twice the free tier): a user who knows their real limits picks
// Custom. Tokens-per-minute limits are corrected at run time from Mistral's `x-ratelimitbysize-*` headers.

export type PacingPreset = 'auto' | 'off' | 'free' | 'tier1' | 'tier2' | 'tier3' | 'tier4' | 'custom';

export const PACING_PRESETS = ['auto', 'off', 'free', 'tier1', 'tier2', 'tier3', 'tier4', 'custom'] as const satisfies readonly PacingPreset[];

export interface RateLimits {
  /** Requests per second; Infinity = no cap. */
  rps: number;
  /** Tokens (input + output) per minute; Infinity = no cap. */
  tpm: number;
}

/** Documented: free tier. Undocumented (guesses, see top): tiers 1–4. */
export const PRESET_LIMITS: Record<Exclude<PacingPreset, 'auto' | 'off' | 'custom'>, RateLimits> = {
  free: { rps: 1, tpm: 500_000 },
  tier1: { rps: 2, tpm: 1_000_000 },
  tier2: { rps: 4, tpm: 2_000_000 },
  tier3: { rps: 8, tpm: 4_000_000 },
  tier4: { rps: 16, tpm: 8_000_000 },
};

export interface PacingConfig {
  /**
   * auto: no cap until Mistral answers 429, then pace at the free tier's rate and relax slowly (the default, so a
   * paid key is not slowed and a free key stops seeing 429s after the first). off: no pacing and no 429 retries.
   * free/tier1–4: pace to that tier's limits from the first request. custom: rps/tpm below.
   */
  preset: PacingPreset;
  /** Custom requests per second (used only by the custom preset). */
  rps: number;
  /** Custom tokens per minute (used only by the custom preset). */
  tpm: number;
  /** The longest a request may wait for its turn (queue + Retry-After waits), in ms; past it, a 429. */
  maxWaitMs: number;
}

export const PACING_DEFAULTS: Readonly<PacingConfig> = Object.freeze({ preset: 'auto', rps: 1, tpm: 500_000, maxWaitMs: 120_000 });

/** The caps a preset starts from (before anything is learned). */
export function limitsOf(cfg: PacingConfig): RateLimits {
  if (cfg.preset === 'auto' || cfg.preset === 'off') return { rps: Infinity, tpm: Infinity };
  if (cfg.preset === 'custom') return { rps: cfg.rps, tpm: cfg.tpm };
  return PRESET_LIMITS[cfg.preset];
}

export type Tier = 'haiku' | 'sonnet' | 'opus';

/** Ordered fallback models per tier; tried in order when the primary is rate-limited past the wait, overloaded, or gone. */
export type FallbackModels = Record<Tier, string[]>;

export const NO_FALLBACKS: Readonly<FallbackModels> = Object.freeze({ haiku: [], sonnet: [], opus: [] });

/** Which tier a client's model name asks for ('claude-haiku-4-5' → haiku); a Mistral id matches the tier mapped to it. */
export function tierOf(clientModel: string | null, resolved: string, tiers: Record<Tier, string>): Tier | null {
  const lower = (clientModel ?? '').toLowerCase();
  if (lower.includes('claude') && !/^claude-(mistral|codestral|ministral|devstral|magistral|pixtral|open-|voxtral|labs-)/.test(lower)) {
    if (lower.includes('haiku')) return 'haiku';
    if (lower.includes('opus')) return 'opus';
    return 'sonnet';
  }
  const found = (['sonnet', 'opus', 'haiku'] as const).find((t) => tiers[t] === resolved);
  return found ?? null;
}

// ---------------------------------------------------------------------------------------------
// Env vars (headless) — the same names the settings file's values are passed through (see settings/store.ts)
// ---------------------------------------------------------------------------------------------

export const PACING_ENV = {
  preset: 'CCPROXY_PACING',
  rps: 'CCPROXY_PACING_RPS',
  tpm: 'CCPROXY_PACING_TPM',
  maxWaitS: 'CCPROXY_PACING_MAX_WAIT_S',
} as const;

export const FALLBACK_ENV = {
  haiku: 'CCPROXY_HAIKU_FALLBACKS',
  sonnet: 'CCPROXY_SONNET_FALLBACKS',
  opus: 'CCPROXY_OPUS_FALLBACKS',
} as const satisfies Record<Tier, string>;

export const MODEL_ID = /^[A-Za-z0-9._:-]{1,128}$/;
export const MAX_FALLBACKS = 5;
export const MAX_WAIT_S = { min: 0, max: 600 } as const;
export const RPS_RANGE = { min: 0.01, max: 1000 } as const;
export const TPM_RANGE = { min: 1, max: 1_000_000_000 } as const;

type Env = Record<string, string | undefined>;

/** Parses the pacing env vars; `fail` gets one clear message naming the variable. */
export function pacingFromEnv(env: Env, fail: (message: string) => never): PacingConfig {
  const raw = (name: string) => env[name]?.trim() || undefined;
  const preset = raw(PACING_ENV.preset)?.toLowerCase().replace(/[\s_-]/g, '');
  if (preset !== undefined && !(PACING_PRESETS as readonly string[]).includes(preset)) {
    fail(`${PACING_ENV.preset} must be one of ${PACING_PRESETS.join(', ')} (got "${raw(PACING_ENV.preset)}")`);
  }
  const num = (name: string, fallback: number, min: number, max: number, whole: boolean): number => {
    const v = raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v) || !Number.isFinite(n) || n < min || n > max || (whole && !Number.isInteger(n))) {
      fail(`${name} must be ${whole ? 'a whole number' : 'a number'} from ${min} to ${max} (got "${v}")`);
    }
    return n;
  };
  return {
    preset: (preset as PacingPreset | undefined) ?? PACING_DEFAULTS.preset,
    rps: num(PACING_ENV.rps, PACING_DEFAULTS.rps, RPS_RANGE.min, RPS_RANGE.max, false),
    tpm: num(PACING_ENV.tpm, PACING_DEFAULTS.tpm, TPM_RANGE.min, TPM_RANGE.max, true),
    maxWaitMs: Math.round(num(PACING_ENV.maxWaitS, PACING_DEFAULTS.maxWaitMs / 1000, MAX_WAIT_S.min, MAX_WAIT_S.max, false) * 1000),
  };
}

/** Parses the comma-separated fallback lists. */
export function fallbacksFromEnv(env: Env, fail: (message: string) => never): FallbackModels {
  const out: FallbackModels = { haiku: [], sonnet: [], opus: [] };
  for (const tier of ['haiku', 'sonnet', 'opus'] as const) {
    const name = FALLBACK_ENV[tier];
    const v = env[name]?.trim();
    if (!v) continue;
    const ids = v.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = ids.find((id) => !MODEL_ID.test(id));
    if (bad !== undefined) fail(`${name} is not a comma-separated list of model ids (bad id "${bad}")`);
    if (ids.length > MAX_FALLBACKS) fail(`${name} lists ${ids.length} models; at most ${MAX_FALLBACKS}`);
    out[tier] = [...new Set(ids)];
  }
  return out;
}

/** The models to try for a request, in order: the resolved one, then its tier's fallbacks. */
export function candidateModels(cfg: { tiers: Record<Tier, string>; fallbacks: FallbackModels }, clientModel: string | null, model: string): string[] {
  const tier = tierOf(clientModel, model, cfg.tiers);
  const list = tier ? cfg.fallbacks[tier] : [];
  return [model, ...list.filter((m) => m !== model)];
}
