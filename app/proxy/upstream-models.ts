import type { MistralClient } from '../mistral/client.js';
import { readText } from '../mistral/client.js';
import { ModelCatalog, SEED_MODELS, type UpstreamModelCard } from '../translate/models.js';

export interface ModelEntry { id: string; name: string; created: number; chat: boolean; aliases?: string[] }

const TTL_MS = 10 * 60_000;

/** Mistral's model list, fetched lazily and cached; the seed table answers when Mistral cannot. */
export class UpstreamModels {
  readonly catalog = new ModelCatalog();
  private cache: { at: number; entries: ModelEntry[] } | null = null;
  private inflight: Promise<ModelEntry[]> | null = null;

  constructor(private readonly client: MistralClient) {}

  seed(): ModelEntry[] {
    return SEED_MODELS.flatMap((m) => m.ids.map((id) => ({ id, name: m.name, created: 0, chat: true })));
  }

  /** Cached list; refreshes in the background of the caller when stale, falls back to the seed list. */
  async list(): Promise<{ entries: ModelEntry[]; source: 'mistral' | 'seed' }> {
    if (this.cache && Date.now() - this.cache.at < TTL_MS) return { entries: this.cache.entries, source: 'mistral' };
    try {
      this.inflight ??= this.fetch().finally(() => (this.inflight = null));
      return { entries: await this.inflight, source: 'mistral' };
    } catch {
      return { entries: this.cache?.entries ?? this.seed(), source: this.cache ? 'mistral' : 'seed' };
    }
  }

  private async fetch(): Promise<ModelEntry[]> {
    // An own controller, cleared once the body is read: a timeout signal left armed would abort a finished request.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 10_000);
    let text: string;
    let res;
    try {
      res = await this.client.open('GET', '/models', undefined, controller.signal);
      text = await readText(res.body);
    } finally {
      clearTimeout(timer);
    }
    if (res.status !== 200) throw new Error(`Mistral /models answered ${res.status}`);
    const data = (JSON.parse(text) as { data?: Array<UpstreamModelCard & { created?: number; name?: string | null; description?: string }> }).data ?? [];
    this.catalog.update(data);
    const entries = data.map((card) => ({
      id: card.id,
      name: card.name || card.id,
      created: card.created ?? 0,
      chat: card.capabilities?.completion_chat !== false,
      aliases: card.aliases ?? [],
    }));
    this.cache = { at: Date.now(), entries };
    return entries;
  }
}
