import { ConfigError } from '../config.js';
import type { Budgets, PriceOverride } from '../contract/settings.js';
import { MAX_FALLBACKS, MAX_WAIT_S, PACING_PRESETS, RPS_RANGE, TPM_RANGE, type PacingPreset } from '../pacing/presets.js';
import { SETTING_KEYS, type StoredSettings } from './schema.js';
import { isJsonObject } from '../json-object.js';

// Semantic checks for one setting value, shared by patches (rejected before anything is stored) and by values read
// from the file (a clear error naming the setting). The rules match app/config.ts so a value valid here is valid
// for configFromEnv too. Messages quote the bad value, except for the API key, which is never quoted.

/** A setting value was rejected; `field` is its path, e.g. "port" or "tiers.haiku". */
export class SettingsValidationError extends ConfigError {
  constructor(readonly problems: { field: string; message: string }[], prefix = 'Invalid settings') {
    super(`${prefix}: ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`);
  }
  get field(): string {
    return this.problems[0]?.field ?? '';
  }
}

const MODEL_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const HOST = /^[A-Za-z0-9.:[\]-]{1,255}$/;
const show = (v: unknown) => (typeof v === 'string' ? `"${v.length > 80 ? `${v.slice(0, 80)}…` : v}"` : JSON.stringify(v) ?? String(v));

type Check<T> = (v: unknown) => { ok: true; value: T } | { ok: false; message: string };
const ok = <T>(value: T) => ({ ok: true as const, value });
const bad = (message: string) => ({ ok: false as const, message });

export const checkUrl: Check<string> = (v) => {
  if (typeof v !== 'string') return bad(`must be an http(s) URL (got ${show(v)})`);
  const raw = v.trim();
  try {
    const u = new URL(raw);
    if (u.protocol === 'http:' || u.protocol === 'https:') return ok(raw.replace(/\/+$/, ''));
  } catch {
    // fall through
  }
  return bad(`must be an http(s) URL (got ${show(v)})`);
};

export const checkModel: Check<string> = (v) =>
  typeof v === 'string' && MODEL_ID.test(v.trim()) ? ok(v.trim()) : bad(`is not a valid model id: use 1-128 letters, digits, ".", "_", ":" or "-" (got ${show(v)})`);

const wholeNumber = (min: number, max: number): Check<number> => (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? ok(v) : bad(`must be a whole number from ${min} to ${max} (got ${show(v)})`);

export const checkPort = wholeNumber(0, 65535);
export const checkMaxTokens = wholeNumber(1, 1_000_000);
export const checkRetention = wholeNumber(0, 36_500);

export const checkHost: Check<string> = (v) =>
  typeof v === 'string' && HOST.test(v.trim()) ? ok(v.trim()) : bad(`is not a valid host name or IP address (got ${show(v)})`);

const checkBool: Check<boolean> = (v) => (typeof v === 'boolean' ? ok(v) : bad(`must be true or false (got ${show(v)})`));

const nonNegative: Check<number> = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? ok(v) : bad(`must be a number ≥ 0 (got ${show(v)})`);

const usdLimit: Check<number | null> = (v) => (v === null ? ok(null) : typeof v === 'number' && Number.isFinite(v) && v >= 0 ? ok(v) : bad(`must be a number ≥ 0 or null for no limit (got ${show(v)})`));

const checkRate: Check<number> = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? ok(v) : bad(`must be a number > 0 (got ${show(v)})`);

const between = (min: number, max: number): Check<number> => (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? ok(v) : bad(`must be a number from ${min} to ${max} (got ${show(v)})`);

const checkPreset: Check<PacingPreset> = (v) =>
  typeof v === 'string' && (PACING_PRESETS as readonly string[]).includes(v) ? ok(v as PacingPreset) : bad(`must be one of ${PACING_PRESETS.join(', ')} (got ${show(v)})`);

const checkModelList: Check<string[]> = (v) => {
  if (!Array.isArray(v)) return bad(`must be a list of model ids (got ${show(v)})`);
  if (v.length > MAX_FALLBACKS) return bad(`lists ${v.length} models; at most ${MAX_FALLBACKS}`);
  const out: string[] = [];
  for (const id of v) {
    const r = checkModel(id);
    if (!r.ok) return r;
    if (!out.includes(r.value)) out.push(r.value);
  }
  return ok(out);
};

/** A tier's model, or null in a patch: drop the saved one (the file never holds null: the schema refuses it). */
const tierModel: Check<string | null> = (v) => (v === null ? ok(null) : checkModel(v));

const checkCurrency: Check<'USD' | 'EUR'> = (v) => (v === 'USD' || v === 'EUR' ? ok(v) : bad(`must be "USD" or "EUR" (got ${show(v)})`));

/** Validates the key without ever quoting it. Surrounding whitespace (a pasted newline) is trimmed. */
export const checkApiKey: Check<string> = (v) => {
  if (typeof v !== 'string') return bad('must be a string (or null to remove the stored key)');
  const key = v.trim();
  if (!key) return bad('is empty; use null to remove the stored key');
  if (/\s/.test(key)) return bad('contains whitespace; check that it was copied correctly');
  if (key.length > 512) return bad('is too long to be a Mistral API key');
  return ok(key);
};

type Problems = { field: string; message: string }[];

function run<T>(problems: Problems, field: string, check: Check<T>, v: unknown): T | undefined {
  const r = check(v);
  if (r.ok) return r.value;
  problems.push({ field, message: r.message });
  return undefined;
}

function sub<K extends string, T>(problems: Problems, field: string, v: unknown, checks: Record<K, Check<T>>): Partial<Record<K, T>> | undefined {
  if (!isJsonObject(v)) {
    problems.push({ field, message: `must be an object (got ${show(v)})` });
    return undefined;
  }
  const out: Partial<Record<K, T>> = {};
  for (const [k, value] of Object.entries(v)) {
    if (value === undefined) continue;
    if (!(k in checks)) {
      problems.push({ field: `${field}.${k}`, message: 'is not a known setting' });
      continue;
    }
    const r = run(problems, `${field}.${k}`, checks[k as K], value);
    if (r !== undefined) out[k as K] = r;
  }
  return out;
}

function pricing(problems: Problems, v: unknown): Record<string, PriceOverride> | undefined {
  if (!isJsonObject(v)) {
    problems.push({ field: 'pricingOverrides', message: `must be an object keyed by model id (got ${show(v)})` });
    return undefined;
  }
  const out: Record<string, PriceOverride> = {};
  for (const [model, price] of Object.entries(v)) {
    if (!MODEL_ID.test(model)) problems.push({ field: 'pricingOverrides', message: `has an invalid model id ${show(model)}` });
    const field = `pricingOverrides.${model}`;
    const p = sub(problems, field, price, { input: nonNegative, output: nonNegative, cachedInput: nonNegative });
    if (!p) continue;
    if (p.input === undefined || p.output === undefined) {
      if (!problems.some((x) => x.field.startsWith(field))) problems.push({ field, message: 'needs both input and output prices (USD per million tokens)' });
      continue;
    }
    out[model] = { input: p.input, output: p.output, ...(p.cachedInput !== undefined ? { cachedInput: p.cachedInput } : {}) };
  }
  return out;
}

/** Checks every present setting (not the key); returns the normalised values and the problems found. */
function checkSettings(input: Record<string, unknown>, problems: Problems): StoredSettings {
  const out: StoredSettings = {};
  const set = <K extends keyof StoredSettings>(k: K, v: StoredSettings[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  for (const [key, v] of Object.entries(input)) {
    if (v === undefined) continue;
    switch (key) {
      case 'baseUrl': set('baseUrl', run(problems, key, checkUrl, v)); break;
      case 'defaultModel': set('defaultModel', run(problems, key, checkModel, v)); break;
      case 'maxTokens': set('maxTokens', run(problems, key, checkMaxTokens, v)); break;
      case 'port': set('port', run(problems, key, checkPort, v)); break;
      case 'host': set('host', run(problems, key, checkHost, v)); break;
      case 'autoLaunch': set('autoLaunch', run(problems, key, checkBool, v)); break;
      case 'logRetentionDays': set('logRetentionDays', run(problems, key, checkRetention, v)); break;
      case 'currency': set('currency', run(problems, key, checkCurrency, v)); break;
      case 'eurPerUsd': set('eurPerUsd', run(problems, key, checkRate, v)); break;
      case 'pricingOverrides': set('pricingOverrides', pricing(problems, v)); break;
      case 'tiers': set('tiers', sub(problems, key, v, { haiku: tierModel, sonnet: tierModel, opus: tierModel }) as StoredSettings['tiers']); break;
      case 'pacing':
        set('pacing', sub<string, string | number>(problems, key, v, {
          preset: checkPreset,
          rps: between(RPS_RANGE.min, RPS_RANGE.max),
          tpm: wholeNumber(TPM_RANGE.min, TPM_RANGE.max),
          maxWaitS: between(MAX_WAIT_S.min, MAX_WAIT_S.max),
        }) as StoredSettings['pacing']);
        break;
      case 'fallbacks':
        set('fallbacks', sub(problems, key, v, { haiku: checkModelList, sonnet: checkModelList, opus: checkModelList }) as StoredSettings['fallbacks']);
        break;
      case 'budgets':
        set('budgets', sub<keyof Budgets, number | null | boolean>(problems, key, v, {
          dailyUsd: usdLimit,
          monthlyUsd: usdLimit,
          refuseOverLimit: checkBool,
        }) as Partial<Budgets> | undefined);
        break;
      default:
        problems.push({ field: key, message: 'is not a known setting' });
    }
  }
  return out;
}

export interface ValidPatch {
  settings: StoredSettings;
  /** undefined: leave the key alone; null: remove it; string: the new key (trimmed). */
  apiKey: string | null | undefined;
}

/**
 * Validates and normalises a patch from the UI; throws SettingsValidationError listing every problem, so nothing
 * is stored unless the whole patch is valid.
 */
export function validatePatch(patch: unknown): ValidPatch {
  if (!isJsonObject(patch)) throw new SettingsValidationError([{ field: 'patch', message: 'must be an object' }]);
  const problems: Problems = [];
  const { apiKey, ...rest } = patch;
  const settings = checkSettings(rest, problems);
  let key: string | null | undefined;
  if (apiKey === null) key = null;
  else if (apiKey !== undefined) key = run(problems, 'apiKey', checkApiKey, apiKey);
  if (problems.length) throw new SettingsValidationError(problems);
  return { settings, apiKey: key };
}

/** Checks values read from the settings file; the error names the file and the setting. */
export function validateStored(stored: StoredSettings, filePath: string): void {
  const problems: Problems = [];
  const known: Record<string, unknown> = {};
  for (const k of SETTING_KEYS) if (stored[k] !== undefined) known[k] = stored[k];
  checkSettings(known, problems);
  if (problems.length) throw new SettingsValidationError(problems, `Invalid stored setting in ${filePath} (fix it in Settings or in the file)`);
}

