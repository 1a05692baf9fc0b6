// Which Mistral model serves a request, and what that model can do (vision, reasoning, context length).
// Capabilities come from Mistral's /v1/models when it has been fetched, else from this seed table.

export interface TierMapping { haiku: string; sonnet: string; opus: string }

export interface ModelCaps { vision: boolean; reasoning: boolean; contextLength: number }

interface SeedModel { ids: string[]; caps: ModelCaps; name: string }

const K = 1024;
export const SEED_MODELS: SeedModel[] = [
  { name: 'Mistral Large 3', ids: ['mistral-large-latest', 'mistral-large-2512'], caps: { vision: true, reasoning: false, contextLength: 256 * K } },
  { name: 'Mistral Medium 3.5', ids: ['mistral-medium-latest', 'mistral-medium-3-5', 'mistral-medium-3'], caps: { vision: true, reasoning: true, contextLength: 256 * K } },
  { name: 'Mistral Small 4', ids: ['mistral-small-latest', 'mistral-small-2603'], caps: { vision: true, reasoning: true, contextLength: 256 * K } },
  { name: 'Ministral 3 14B', ids: ['ministral-14b-latest', 'ministral-14b-2512'], caps: { vision: true, reasoning: false, contextLength: 256 * K } },
  { name: 'Ministral 3 8B', ids: ['ministral-8b-latest', 'ministral-8b-2512'], caps: { vision: true, reasoning: false, contextLength: 256 * K } },
  { name: 'Ministral 3 3B', ids: ['ministral-3b-latest', 'ministral-3b-2512'], caps: { vision: true, reasoning: false, contextLength: 256 * K } },
  { name: 'Codestral 25.08', ids: ['codestral-latest', 'codestral-2508'], caps: { vision: false, reasoning: false, contextLength: 128 * K } },
  { name: 'Codestral 24.05', ids: ['codestral-2405'], caps: { vision: false, reasoning: false, contextLength: 32 * K } },
  { name: 'Devstral 2', ids: ['devstral-latest', 'devstral-medium-latest', 'devstral-2512'], caps: { vision: false, reasoning: false, contextLength: 256 * K } },
  { name: 'Mistral 7B', ids: ['open-mistral-7b'], caps: { vision: false, reasoning: false, contextLength: 32 * K } },
  { name: 'Mixtral 8x7B', ids: ['open-mixtral-8x7b'], caps: { vision: false, reasoning: false, contextLength: 32 * K } },
  { name: 'Mixtral 8x22B', ids: ['open-mixtral-8x22b'], caps: { vision: false, reasoning: false, contextLength: 64 * K } },
];

const TEXT_ONLY = /^(codestral|devstral|open-mistral|open-mixtral|mistral-nemo|open-mistral-nemo|voxtral)/;
const REASONING = /^(magistral|mistral-medium-3-5|mistral-small-2603|mistral-large-4)/;
const MISTRAL_FAMILY = /^(mistral|codestral|ministral|devstral|magistral|pixtral|open-|voxtral|labs-)/;

export interface UpstreamModelCard {
  id: string;
  aliases?: string[];
  max_context_length?: number;
  capabilities?: { vision?: boolean; reasoning?: boolean; completion_chat?: boolean };
}

export class ModelCatalog {
  private readonly caps = new Map<string, ModelCaps>();

  constructor() {
    for (const seed of SEED_MODELS) for (const id of seed.ids) this.caps.set(id, seed.caps);
  }

  /** Folds in Mistral's /v1/models answer; it wins over the seed table. */
  update(cards: UpstreamModelCard[]): void {
    for (const card of cards) {
      const known = this.caps.get(card.id);
      const caps: ModelCaps = {
        vision: card.capabilities?.vision ?? known?.vision ?? true,
        reasoning: card.capabilities?.reasoning ?? known?.reasoning ?? false,
        contextLength: card.max_context_length ?? known?.contextLength ?? 128 * K,
      };
      for (const id of [card.id, ...(card.aliases ?? [])]) this.caps.set(id, caps);
    }
  }

  capsOf(model: string): ModelCaps {
    return (
      this.caps.get(model) ?? {
        vision: !TEXT_ONLY.test(model),
        reasoning: REASONING.test(model),
        contextLength: 128 * K,
      }
    );
  }
}

/** Claude tier names map to configured Mistral models; Mistral ids (also as `claude-<id>`) pass through. */
export function resolveModel(clientModel: string, tiers: TierMapping, fallback: string): string {
  const model = clientModel.trim();
  const lower = model.toLowerCase();
  if (lower.startsWith('claude-') && MISTRAL_FAMILY.test(lower.slice(7))) return model.slice(7);
  if (!lower.includes('claude')) return model || fallback;
  if (lower.includes('haiku')) return tiers.haiku;
  if (lower.includes('opus')) return tiers.opus;
  if (lower.includes('sonnet')) return tiers.sonnet;
  return fallback;
}

/** The `claude-<id>` alias offered for a Mistral model id, when resolving it leads back to that model. */
export function claudeAliases(mistralId: string): string[] {
  const alias = `claude-${mistralId}`;
  const anyTiers: TierMapping = { haiku: '', sonnet: '', opus: '' };
  return !mistralId.toLowerCase().startsWith('claude') && resolveModel(alias, anyTiers, '') === mistralId ? [alias] : [];
}
