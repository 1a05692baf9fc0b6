// Built-in Mistral list prices and exact cost arithmetic.
//
// Prices are USD per 1,000,000 tokens. A model we have no price for yields `null` ("no price"), never 0, so the
// dashboard can say "N requests unpriced" instead of silently under-reporting spend.
//
// Sources (each row says which):
//   REF  = /work/shared/reference/anthropic-mistral-translation.md §B.8, itself from Mistral's model catalogue
//          (mistralai/platform-docs-public, snapshot 2026-08-21).
//   DOCS = mistralai/platform-docs-public src/schema/models/models/*.ts (same catalogue, a model file the
//          reference does not list in its table).
//   HIST = historical list price of a model that is retired (it now answers 404, so the price matters only for
//          old ledger rows and for mock/test setups that still use the id). Mistral's current catalogue lists
//          these with an empty price; the numbers are the post-2024-09 list prices as carried by third-party
//          price tables (LiteLLM's and ax-llm's Mistral cost tables). Not re-verified against Mistral itself.
// Cached input: Mistral bills cached prompt tokens at 10% of the input price (REF §B.1 `prompt_cache_key` row,
// from MI-DOCS prompt-caching), unless the catalogue gives an explicit cached price (GLM 5.2: 0.14).

import type { PriceOverride } from '../contract/settings.js';
import type { PriceRow } from '../contract/usage.js';

/** Date the built-in list prices were taken (the reference's catalogue snapshot). */
export const LIST_PRICES_AS_OF = '2026-08-21';
/** Mistral's cached-input price as a fraction of the input price. */
export const CACHED_INPUT_FRACTION = 0.1;

interface ListPrice {
  ids: string[];
  input: number;
  output: number;
  /** Explicit cached-input price; default is CACHED_INPUT_FRACTION × input. */
  cached?: number;
  /** Where the number comes from (REF/DOCS/HIST) — kept in code so a reviewer can re-check it. */
  source: 'REF' | 'DOCS' | 'HIST';
  /** For historical prices: the date the price was in force, shown as PriceRow.asOf. */
  asOf?: string;
}

const LIST: ListPrice[] = [
  // Current GA models (REF §B.8 table).
  { ids: ['mistral-large-latest', 'mistral-large-2512'], input: 0.5, output: 1.5, source: 'REF' },
  { ids: ['mistral-medium-latest', 'mistral-medium-3-5', 'mistral-medium-3'], input: 1.5, output: 7.5, source: 'REF' },
  { ids: ['mistral-small-latest', 'mistral-small-2603'], input: 0.15, output: 0.6, source: 'REF' },
  { ids: ['ministral-14b-latest', 'ministral-14b-2512'], input: 0.2, output: 0.2, source: 'REF' },
  { ids: ['ministral-8b-latest', 'ministral-8b-2512'], input: 0.15, output: 0.15, source: 'REF' },
  { ids: ['ministral-3b-latest', 'ministral-3b-2512'], input: 0.1, output: 0.1, source: 'REF' },
  { ids: ['codestral-latest', 'codestral-2508'], input: 0.3, output: 0.9, source: 'REF' },
  // Voxtral Small: text tokens only (audio is billed per minute, which the proxy never sends).
  { ids: ['voxtral-small-latest', 'voxtral-small-2507', 'voxtral-small'], input: 0.1, output: 0.4, source: 'REF' },
  { ids: ['zai-glm-5-2'], input: 1.4, output: 4.4, cached: 0.14, source: 'REF' },
  // "free" in the catalogue: a real price of 0, not an unknown one.
  { ids: ['labs-leanstral-1-5'], input: 0, output: 0, source: 'REF' },
  // Deprecated/retired in the reference's list, with the price they had.
  { ids: ['mistral-medium-2508', 'mistral-medium-2505'], input: 0.4, output: 2.0, source: 'REF' },
  { ids: ['devstral-latest', 'devstral-medium-latest', 'devstral-2512'], input: 0.4, output: 2.0, source: 'REF' },
  { ids: ['magistral-medium-latest', 'magistral-medium-2509'], input: 2.0, output: 5.0, source: 'REF' },
  { ids: ['magistral-small-latest', 'magistral-small-2509'], input: 0.5, output: 1.5, source: 'REF' },
  { ids: ['mistral-small-2506'], input: 0.1, output: 0.3, source: 'REF' },
  // Devstral Small 2 (devstral-small-2-25-12.ts: 0.1 / 0.3, retired 2026-03-31).
  { ids: ['devstral-small-latest', 'labs-devstral-small-2512'], input: 0.1, output: 0.3, source: 'DOCS' },
  // Historical (HIST): retired 2025; ids still named by the seed model table and the mock Mistral.
  { ids: ['codestral-2405'], input: 0.2, output: 0.6, source: 'HIST', asOf: '2024-09-17' },
  { ids: ['open-mistral-7b'], input: 0.25, output: 0.25, source: 'HIST', asOf: '2024-09-17' },
  { ids: ['open-mixtral-8x7b'], input: 0.7, output: 0.7, source: 'HIST', asOf: '2024-09-17' },
  { ids: ['open-mixtral-8x22b'], input: 2.0, output: 6.0, source: 'HIST', asOf: '2024-09-17' },
];

const BUILT_IN = new Map<string, PriceRow>();
for (const p of LIST) {
  for (const id of p.ids) {
    BUILT_IN.set(id, {
      model: id,
      inputUsd: p.input,
      outputUsd: p.output,
      cachedInputUsd: p.cached ?? roundPrice(p.input * CACHED_INPUT_FRACTION),
      asOf: p.asOf ?? LIST_PRICES_AS_OF,
      source: 'list',
    });
  }
}

/** Prices carry at most 6 decimals (micro-dollars per 1M tokens); this removes float noise like 0.015000000000000001. */
function roundPrice(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function validPrice(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}

/**
 * The price of a Mistral model: a user override (settings.pricingOverrides, exact id) wins over the built-in list.
 * Model ids are matched case-insensitively. Returns null when neither knows the model: callers must treat that as
 * "no price", not as free.
 */
export function priceFor(model: string | null | undefined, overrides: Record<string, PriceOverride> = {}): PriceRow | null {
  if (!model) return null;
  const id = model.trim();
  const lower = id.toLowerCase();
  const ov = overrides[id] ?? overrides[lower] ?? findCaseInsensitive(overrides, lower);
  if (ov && validPrice(ov.input) && validPrice(ov.output)) {
    const cached = validPrice(ov.cachedInput) ? ov.cachedInput : roundPrice(ov.input * CACHED_INPUT_FRACTION);
    return { model: id, inputUsd: ov.input, outputUsd: ov.output, cachedInputUsd: cached, asOf: 'override', source: 'override' };
  }
  const row = BUILT_IN.get(lower);
  return row ? { ...row, model: id } : null;
}

function findCaseInsensitive(overrides: Record<string, PriceOverride>, lower: string): PriceOverride | undefined {
  for (const [k, v] of Object.entries(overrides)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Every built-in row plus overrides (overrides replace same-id rows and add new ids), sorted by model id. */
export function listPrices(overrides: Record<string, PriceOverride> = {}): PriceRow[] {
  const ids = new Set<string>([...BUILT_IN.keys(), ...Object.keys(overrides)]);
  const rows: PriceRow[] = [];
  for (const id of ids) {
    const row = priceFor(id, overrides);
    if (row) rows.push(row);
  }
  return rows.sort((a, b) => a.model.localeCompare(b.model));
}

export interface TokenCounts {
  /** Uncached input tokens (Anthropic `input_tokens` semantics). */
  inputTokens: number;
  outputTokens: number;
  /** Cached input tokens (`cache_read_input_tokens`), billed at the cached price. */
  cachedTokens: number;
}

/** A USD price per 1M tokens is exactly "micro-dollars per token"; ×1e6 gives integer pico-dollars per token. */
function picoPerToken(pricePerMillion: number): number {
  return Math.round(pricePerMillion * 1e6);
}

function tokens(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}

/**
 * Cost in integer nano-dollars. The arithmetic is done on integers (pico-dollars per token × tokens), so
 * 1,000,000 tokens at $0.50 is exactly 500,000,000 nano-dollars, with no float drift when rows are summed.
 * Rounded half-up to the nano-dollar (1e-9 USD).
 */
export function costNanoUsd(price: PriceRow, counts: TokenCounts): number {
  const pico =
    tokens(counts.inputTokens) * picoPerToken(price.inputUsd) +
    tokens(counts.outputTokens) * picoPerToken(price.outputUsd) +
    tokens(counts.cachedTokens) * picoPerToken(price.cachedInputUsd);
  if (Number.isSafeInteger(pico)) return Math.round(pico / 1000);
  // Beyond ~$9,000 in one request the product leaves the safe-integer range: fall back to BigInt.
  const big =
    BigInt(tokens(counts.inputTokens)) * BigInt(picoPerToken(price.inputUsd)) +
    BigInt(tokens(counts.outputTokens)) * BigInt(picoPerToken(price.outputUsd)) +
    BigInt(tokens(counts.cachedTokens)) * BigInt(picoPerToken(price.cachedInputUsd));
  return Number((big + 500n) / 1000n);
}

/** Cost in USD, exact to 1e-9 (see costNanoUsd). */
export function costUsd(price: PriceRow, counts: TokenCounts): number {
  return costNanoUsd(price, counts) / 1e9;
}

/** USD → integer nano-dollars (how the ledger stores money); null stays null. */
export function usdToNano(usd: number | null): number | null {
  if (usd === null || !Number.isFinite(usd)) return null;
  return Math.round(usd * 1e9);
}

/** Exact decimal text of a nano-dollar amount ("0.5", "0.000000015"), never exponent notation; for exports. */
export function nanoToDecimal(nano: number): string {
  const neg = nano < 0;
  const abs = BigInt(Math.abs(Math.round(nano)));
  const int = abs / 1_000_000_000n;
  const frac = (abs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${int}${frac ? `.${frac}` : ''}`;
}

/** A USD amount in the display currency. `eurPerUsd` is settings.eurPerUsd (EUR per 1 USD). */
export function convertUsd(usd: number, currency: 'USD' | 'EUR', eurPerUsd: number): number {
  if (currency === 'USD') return usd;
  const rate = Number.isFinite(eurPerUsd) && eurPerUsd > 0 ? eurPerUsd : 1;
  // Round to 1e-9 so a converted sum does not show float tails.
  return Math.round(usd * rate * 1e9) / 1e9;
}
