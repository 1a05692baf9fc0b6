import type { Currency, Settings, SettingsPatch, SettingsView } from '../../../../app/contract/settings.js';

// The settings form keeps what the user types as strings (so a half-typed number is not rewritten under their
// fingers) and turns it into a SettingsPatch of the changed, editable fields on save. The core validates; its
// message is mapped back to fields by `problemsByField`.

export interface PriceDraft { model: string; input: string; output: string; cachedInput: string }

export interface Draft {
  baseUrl: string;
  defaultModel: string;
  maxTokens: string;
  haiku: string;
  sonnet: string;
  opus: string;
  port: string;
  host: string;
  autoLaunch: boolean;
  dailyUsd: string;
  monthlyUsd: string;
  refuseOverLimit: boolean;
  logRetentionDays: string;
  currency: Currency;
  eurPerUsd: string;
  prices: PriceDraft[];
}

/** Env var per top-level setting (as the core reads them; see README "Configuration"). */
export const SETTING_ENV: Partial<Record<keyof Settings, string>> = {
  baseUrl: 'MISTRAL_BASE_URL',
  defaultModel: 'MISTRAL_MODEL',
  maxTokens: 'MISTRAL_MAX_TOKENS',
  port: 'CCPROXY_PORT',
  host: 'CCPROXY_HOST',
};
export const TIER_ENV = { haiku: 'CCPROXY_HAIKU_MODEL', sonnet: 'CCPROXY_SONNET_MODEL', opus: 'CCPROXY_OPUS_MODEL' } as const;

const num = (v: number | null) => (v === null ? '' : String(v));

/** The Sonnet tier's "Same as default model" choice in the draft (never a model id: ids are non-empty). */
export const FOLLOW_DEFAULT = '';

/** Whether the Sonnet tier follows the default model (older cores without tierSources: when it equals it). */
export const sonnetFollows = (view: Pick<SettingsView, 'settings'> & Partial<Pick<SettingsView, 'tierSources'>>): boolean =>
  view.tierSources ? view.tierSources.sonnet === 'default' : view.settings.tiers.sonnet === view.settings.defaultModel;

export function toDraft(view: Pick<SettingsView, 'settings'> & Partial<Pick<SettingsView, 'tierSources'>>): Draft {
  const s = view.settings;
  return {
    baseUrl: s.baseUrl,
    defaultModel: s.defaultModel,
    maxTokens: String(s.maxTokens),
    haiku: s.tiers.haiku,
    sonnet: sonnetFollows(view) ? FOLLOW_DEFAULT : s.tiers.sonnet,
    opus: s.tiers.opus,
    port: String(s.port),
    host: s.host,
    autoLaunch: s.autoLaunch,
    dailyUsd: num(s.budgets.dailyUsd),
    monthlyUsd: num(s.budgets.monthlyUsd),
    refuseOverLimit: s.budgets.refuseOverLimit,
    logRetentionDays: String(s.logRetentionDays),
    currency: s.currency,
    eurPerUsd: String(s.eurPerUsd),
    prices: Object.entries(s.pricingOverrides).map(([model, p]) => ({
      model,
      input: String(p.input),
      output: String(p.output),
      cachedInput: p.cachedInput === undefined ? '' : String(p.cachedInput),
    })),
  };
}

/**
 * A number as typed. Text that is not a number is sent as the text itself, so the core's message quotes what the
 * user typed ("must be a whole number from 1 to 1000000 (got \"12x\")") instead of a silent null.
 */
const parseNum = (s: string): number => {
  const t = s.trim();
  const n = t === '' ? Number.NaN : Number(t);
  return Number.isFinite(n) ? n : (t as unknown as number);
};
/** Blank means "no limit" (null). */
const parseLimit = (s: string): number | null => (s.trim() === '' ? null : parseNum(s));

function prices(rows: PriceDraft[]): Settings['pricingOverrides'] {
  const out: Settings['pricingOverrides'] = {};
  for (const r of rows) {
    if (!r.model.trim() && !r.input.trim() && !r.output.trim() && !r.cachedInput.trim()) continue; // an empty new row
    out[r.model.trim()] = {
      input: parseNum(r.input),
      output: parseNum(r.output),
      ...(r.cachedInput.trim() ? { cachedInput: parseNum(r.cachedInput) } : {}),
    };
  }
  return out;
}

/** The changed fields that are not set by the environment. */
export function buildPatch(d: Draft, view: SettingsView): SettingsPatch {
  const s = view.settings;
  const editable = (k: keyof Settings) => view.sources[k] !== 'env';
  const patch: SettingsPatch = {};
  const scalar = <K extends 'baseUrl' | 'defaultModel' | 'host' | 'currency'>(k: K, v: Settings[K]) => {
    if (editable(k) && v !== s[k]) patch[k] = v;
  };
  const numeric = <K extends 'maxTokens' | 'port' | 'logRetentionDays' | 'eurPerUsd'>(k: K, raw: string) => {
    const v = parseNum(raw);
    if (editable(k) && v !== s[k]) patch[k] = v;
  };
  scalar('baseUrl', d.baseUrl.trim());
  scalar('defaultModel', d.defaultModel);
  numeric('maxTokens', d.maxTokens);
  numeric('port', d.port);
  scalar('host', d.host.trim());
  numeric('logRetentionDays', d.logRetentionDays);
  scalar('currency', d.currency);
  numeric('eurPerUsd', d.eurPerUsd);
  if (d.autoLaunch !== s.autoLaunch) patch.autoLaunch = d.autoLaunch;

  const tiers: NonNullable<SettingsPatch['tiers']> = {};
  const tierEditable = (t: 'haiku' | 'sonnet' | 'opus') => (view.tierSources ? view.tierSources[t] !== 'env' : editable('tiers'));
  for (const t of ['haiku', 'opus'] as const) if (tierEditable(t) && d[t] !== s.tiers[t]) tiers[t] = d[t];
  // "Same as default model" is a choice of its own: chosen while Sonnet is pinned, it sends null (the core forgets the
  // pinned model and Sonnet follows the default again); a model picked while following pins it.
  const follows = sonnetFollows(view);
  if (tierEditable('sonnet')) {
    if (d.sonnet === FOLLOW_DEFAULT) {
      if (!follows) tiers.sonnet = null;
    } else if (follows || d.sonnet !== s.tiers.sonnet) {
      tiers.sonnet = d.sonnet;
    }
  }
  if (Object.keys(tiers).length) patch.tiers = tiers;

  const budgets: NonNullable<SettingsPatch['budgets']> = {};
  const daily = parseLimit(d.dailyUsd);
  const monthly = parseLimit(d.monthlyUsd);
  if (daily !== s.budgets.dailyUsd) budgets.dailyUsd = daily;
  if (monthly !== s.budgets.monthlyUsd) budgets.monthlyUsd = monthly;
  if (d.refuseOverLimit !== s.budgets.refuseOverLimit) budgets.refuseOverLimit = d.refuseOverLimit;
  if (Object.keys(budgets).length) patch.budgets = budgets;

  const p = prices(d.prices);
  if (JSON.stringify(p) !== JSON.stringify(s.pricingOverrides)) patch.pricingOverrides = p;
  return patch;
}

/** Which form field a core problem path ("maxTokens", "tiers.haiku", "pricingOverrides.x.input") belongs to. */
export type FieldKey = keyof Omit<Draft, 'prices'> | 'prices';

const PATH_TO_FIELD: Record<string, FieldKey> = {
  baseUrl: 'baseUrl', defaultModel: 'defaultModel', maxTokens: 'maxTokens', port: 'port', host: 'host',
  autoLaunch: 'autoLaunch', logRetentionDays: 'logRetentionDays', currency: 'currency', eurPerUsd: 'eurPerUsd',
  'tiers.haiku': 'haiku', 'tiers.sonnet': 'sonnet', 'tiers.opus': 'opus',
  'budgets.dailyUsd': 'dailyUsd', 'budgets.monthlyUsd': 'monthlyUsd', 'budgets.refuseOverLimit': 'refuseOverLimit',
};

const TOP_LEVEL = ['baseUrl', 'defaultModel', 'maxTokens', 'tiers', 'port', 'host', 'autoLaunch', 'budgets', 'logRetentionDays', 'pricingOverrides', 'currency', 'eurPerUsd', 'apiKey', 'patch'];

/**
 * Splits the core's "Invalid settings: maxTokens must be …; tiers.haiku is …" into per-field messages. Anything
 * it cannot place stays in the summary only (the summary always shows the whole message).
 */
export function problemsByField(message: string): Partial<Record<FieldKey, string>> {
  const out: Partial<Record<FieldKey, string>> = {};
  const m = /^[^:]*settings[^:]*:\s*(.*)$/is.exec(message);
  if (!m) return out;
  // Split only where a known setting name starts the next problem (a quoted value may contain "; ").
  for (const part of m[1].split(new RegExp(`;\\s+(?=(?:${TOP_LEVEL.join('|')})[\\s.])`))) {
    const sp = /^([A-Za-z][\w.-]*)\s+(.*)$/s.exec(part.trim());
    if (!sp) continue;
    const [, path, text] = sp;
    const field = path.startsWith('pricingOverrides') ? 'prices' : PATH_TO_FIELD[path];
    if (field && !out[field]) out[field] = path.startsWith('pricingOverrides.') ? `${path.slice('pricingOverrides.'.length)} ${text}` : text;
  }
  return out;
}

/** The form's label for each field, so messages name what the user sees, not the core's setting paths. */
export const FIELD_LABEL: Record<FieldKey, string> = {
  baseUrl: 'Base URL', defaultModel: 'Default model', maxTokens: 'Max tokens', port: 'Port', host: 'Host', autoLaunch: 'Start at login',
  logRetentionDays: 'Keep usage records (days)', currency: 'Show costs in', eurPerUsd: 'EUR per 1 USD', haiku: 'Haiku model',
  sonnet: 'Sonnet model', opus: 'Opus model', dailyUsd: 'Daily budget', monthlyUsd: 'Monthly budget', refuseOverLimit: 'Refuse requests over the limit',
  prices: 'Price overrides',
};

/** "null" is how the core spells an empty limit; users see a blank field. */
const plain = (text: string) => text.replace(/\bor null\b/g, 'or left blank').replace(/\bnull\b/g, 'blank');

/** The core's message rewritten for people: field labels instead of paths, no "null"; one sentence per problem. */
export function readableError(message: string): string {
  const fields = problemsByField(message);
  const entries = Object.entries(fields) as Array<[FieldKey, string]>;
  if (entries.length === 0) return plain(message.replace(/^Invalid settings:\s*/i, 'Could not save: '));
  return `Could not save: ${entries.map(([k, text]) => `${FIELD_LABEL[k]} ${plain(text)}`).join('; ')}.`.replace(/\.\.$/, '.');
}

/** Order of the fields on the page, to focus the first one with a problem. */
export const FIELD_ORDER: FieldKey[] = [
  'baseUrl', 'defaultModel', 'maxTokens', 'haiku', 'sonnet', 'opus', 'port', 'host', 'autoLaunch', 'dailyUsd', 'monthlyUsd', 'refuseOverLimit',
  'logRetentionDays', 'currency', 'eurPerUsd', 'prices',
];

export const FIELD_ID: Partial<Record<FieldKey, string>> = { haiku: 'tier-haiku', sonnet: 'tier-sonnet', opus: 'tier-opus' };

/** A monthly limit below the daily one makes the daily limit meaningless; said before saving. */
export function budgetWarning(d: Pick<Draft, 'dailyUsd' | 'monthlyUsd'>): string | null {
  const daily = Number(d.dailyUsd.trim());
  const monthly = Number(d.monthlyUsd.trim());
  if (!d.dailyUsd.trim() || !d.monthlyUsd.trim() || !Number.isFinite(daily) || !Number.isFinite(monthly)) return null;
  return monthly < daily ? 'Lower than the daily budget: the monthly limit will stop requests first.' : null;
}
