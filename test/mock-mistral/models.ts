/**
 * Default `/v1/models` catalogue of the mock, in Mistral's `ModelList` / `BaseModelCard`
 * wire shape (reference B.7, SDK `basemodelcard.ts` / `modelcapabilities.ts`).
 */

export interface MockModelCapabilities {
  completion_chat: boolean;
  function_calling: boolean;
  reasoning: boolean;
  completion_fim: boolean;
  fine_tuning: boolean;
  vision: boolean;
  ocr: boolean;
  classification: boolean;
  moderation: boolean;
  audio: boolean;
  audio_transcription: boolean;
  audio_transcription_realtime: boolean;
  audio_speech: boolean;
  unified_resources: boolean;
}

export interface MockModelCard {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  capabilities: MockModelCapabilities;
  name: string;
  description: string;
  max_context_length: number;
  aliases: string[];
  deprecation: string | null;
  deprecation_replacement_model: string | null;
  default_model_temperature: number | null;
  type: 'base';
}

const CREATED = 1_775_000_000;

function card(
  id: string,
  aliases: string[],
  o: { vision: boolean; reasoning: boolean; ctx: number; fim?: boolean; fc?: boolean; temp?: number; description: string },
): MockModelCard {
  return {
    id,
    object: 'model',
    created: CREATED,
    owned_by: 'mistralai',
    capabilities: {
      completion_chat: true,
      function_calling: o.fc ?? true,
      reasoning: o.reasoning,
      completion_fim: o.fim ?? false,
      fine_tuning: false,
      vision: o.vision,
      ocr: false,
      classification: false,
      moderation: false,
      audio: false,
      audio_transcription: false,
      audio_transcription_realtime: false,
      audio_speech: false,
      unified_resources: false,
    },
    name: id,
    description: o.description,
    max_context_length: o.ctx,
    aliases,
    deprecation: null,
    deprecation_replacement_model: null,
    default_model_temperature: o.temp ?? 0.3,
    type: 'base',
  };
}

export function defaultModels(): MockModelCard[] {
  return [
    card('mistral-large-2512', ['mistral-large-latest'], {
      vision: true, reasoning: false, ctx: 262_144, temp: 0.065, description: 'Mistral Large 3',
    }),
    card('mistral-medium-3-5', ['mistral-medium-latest', 'mistral-medium-3'], {
      vision: true, reasoning: true, ctx: 262_144, description: 'Mistral Medium 3.5',
    }),
    card('mistral-small-2603', ['mistral-small-latest'], {
      vision: true, reasoning: true, ctx: 262_144, description: 'Mistral Small 4',
    }),
    card('codestral-2508', ['codestral-latest'], {
      vision: false, reasoning: false, ctx: 131_072, fim: true, description: 'Codestral 25.08',
    }),
    card('ministral-8b-2512', ['ministral-8b-latest'], {
      vision: true, reasoning: false, ctx: 262_144, description: 'Ministral 3 8B',
    }),
    card('devstral-2512', ['devstral-latest', 'devstral-medium-latest'], {
      vision: false, reasoning: false, ctx: 262_144, description: 'Devstral 2',
    }),
    card('open-mistral-7b', [], { vision: false, reasoning: false, ctx: 32_768, fc: false, temp: 0.7, description: 'Mistral 7B' }),
    card('open-mixtral-8x7b', [], { vision: false, reasoning: false, ctx: 32_768, fc: false, temp: 0.7, description: 'Mixtral 8x7B' }),
    card('open-mixtral-8x22b', [], { vision: false, reasoning: false, ctx: 65_536, temp: 0.7, description: 'Mixtral 8x22B' }),
    card('codestral-2405', [], { vision: false, reasoning: false, ctx: 32_768, fim: true, description: 'Codestral 24.05' }),
  ];
}

/** What the validator needs to know about a model id (or alias). */
export interface ModelInfo {
  id: string;
  vision: boolean;
  reasoning: boolean;
  maxContext: number;
}

/** Builds an id/alias → capabilities index from arbitrary (possibly user-supplied) model cards. */
export function indexModels(models: object[]): Map<string, ModelInfo> {
  const index = new Map<string, ModelInfo>();
  for (const m of models as Array<Record<string, unknown>>) {
    if (!m || typeof m.id !== 'string') continue;
    const caps = (m.capabilities ?? {}) as Record<string, unknown>;
    const info: ModelInfo = {
      id: m.id,
      vision: caps.vision === true,
      reasoning: caps.reasoning === true,
      maxContext: typeof m.max_context_length === 'number' ? m.max_context_length : 32_768,
    };
    index.set(m.id, info);
    if (Array.isArray(m.aliases)) for (const a of m.aliases) if (typeof a === 'string' && !index.has(a)) index.set(a, info);
  }
  return index;
}
