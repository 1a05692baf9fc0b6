import type { ModelOption } from '../../../../app/contract/api.js';
import type { PriceRow } from '../../../../app/contract/usage.js';

// How the model picker orders Mistral's list: a few groups people choose between, `-latest` aliases first in each
// (they move to new releases), dated snapshots last.

export const GROUPS = ['Recommended', 'Coding', 'Reasoning', 'Small and fast', 'Other', 'Dated snapshots'] as const;
export type Group = (typeof GROUPS)[number];

const DATED = /-\d{4}(-\d{2}-\d{2})?$/;

export function groupOf(m: ModelOption): Group {
  const id = m.id.toLowerCase();
  if (id.startsWith('mistral-large') || id === 'mistral-medium-latest') return DATED.test(id) ? 'Dated snapshots' : 'Recommended';
  if (DATED.test(id)) return 'Dated snapshots';
  if (/codestral|devstral/.test(id)) return 'Coding';
  if (/magistral/.test(id) || m.reasoning) return 'Reasoning';
  if (/small|ministral|tiny|nemo|3b|8b/.test(id)) return 'Small and fast';
  if (/^mistral-(large|medium)/.test(id)) return 'Recommended';
  return 'Other';
}

const rank = (id: string) => (id.endsWith('-latest') ? 0 : 1);

export function matchesQuery(m: ModelOption, query: string): boolean {
  const q = query.trim().toLowerCase();
  return !q || m.id.toLowerCase().includes(q) || m.name.toLowerCase().includes(q) || groupOf(m).toLowerCase().includes(q);
}

/** Each alias becomes its own choice (same model, "alias of" in its name), so `-latest` ids can be picked. */
export function withAliases(models: ModelOption[]): ModelOption[] {
  const seen = new Set(models.map((m) => m.id));
  const out = [...models];
  for (const m of models) {
    for (const alias of m.aliases ?? []) {
      if (seen.has(alias)) continue;
      seen.add(alias);
      out.push({ ...m, id: alias, name: `alias of ${m.id}`, aliases: undefined });
    }
  }
  return out;
}

/** Groups in display order, each sorted `-latest` first then by id; empty groups dropped. */
export function groupModels(models: ModelOption[], query = ''): Array<{ group: Group; models: ModelOption[] }> {
  return GROUPS.map((group) => ({
    group,
    models: models.filter((m) => groupOf(m) === group && matchesQuery(m, query)).sort((a, b) => rank(a.id) - rank(b.id) || a.id.localeCompare(b.id)),
  })).filter((g) => g.models.length > 0);
}

export const contextLabel = (n: number) => (n >= 1000 ? `${Math.round(n / 1024)}k` : `${n}`);

const price = (usd: number) => `$${usd.toFixed(usd > 0 && usd < 0.1 ? 3 : 2)}`;

/** "$0.50 in / $1.50 out per 1M" — null when the price table has no row. */
export function priceLabel(id: string, prices: PriceRow[]): string | null {
  const p = prices.find((row) => row.model === id);
  return p ? `${price(p.inputUsd)} in / ${price(p.outputUsd)} out per 1M` : null;
}

/** One line per option, short enough not to clip: id · context · input/output price. */
export function optionText(m: ModelOption, prices: PriceRow[]): string {
  const p = prices.find((row) => row.model === m.id);
  return [m.id, contextLabel(m.contextLength), p ? `${price(p.inputUsd)}/${price(p.outputUsd)}` : null].filter(Boolean).join(' · ');
}
