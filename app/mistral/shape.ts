import { ApiError } from '../translate/errors.js';
import type { MContentOut, MistralChunk, MistralResponse, MToolCallOut, MUsage } from '../translate/mistral-types.js';
import { isJsonObject } from '../json-object.js';

// Mistral's output is checked here, at the boundary, before the translators see it: they may then trust the types
// they declare. What cannot be a Mistral answer is an upstream fault (502 api_error with a plain message); a
// harmless oddity (a null entry in a list, an out-of-range usage number) is repaired so one bad field never kills
// a stream or poisons the ledger.

/** No single request is billed anywhere near this many tokens; anything larger is an upstream fault, clamped. */
export const MAX_TOKENS_PER_FIELD = 10_000_000;

export class UpstreamShapeError extends ApiError {
  constructor(what: string) {
    super(502, 'api_error', `Mistral API returned a malformed response (${what})`);
  }
}

function tokenCount(v: unknown): number | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return undefined;
  return Math.min(Math.floor(v), MAX_TOKENS_PER_FIELD);
}

/** Usage with every count a whole number in [0, MAX_TOKENS_PER_FIELD]; unreadable counts are left out. */
export function cleanUsage(v: unknown): MUsage | undefined {
  if (!isJsonObject(v)) return undefined;
  const cached = (d: unknown) => (isJsonObject(d) ? { cached_tokens: tokenCount(d.cached_tokens) ?? null } : null);
  const usage: MUsage = {
    prompt_tokens: tokenCount(v.prompt_tokens),
    completion_tokens: tokenCount(v.completion_tokens),
    total_tokens: tokenCount(v.total_tokens),
    prompt_tokens_details: cached(v.prompt_tokens_details),
    prompt_token_details: cached(v.prompt_token_details),
    num_cached_tokens: tokenCount(v.num_cached_tokens) ?? null,
  };
  // Cached tokens are part of the prompt: more cached than prompt would make a negative input count.
  const prompt = usage.prompt_tokens ?? 0;
  for (const d of [usage.prompt_tokens_details, usage.prompt_token_details]) if (d?.cached_tokens != null) d.cached_tokens = Math.min(d.cached_tokens, prompt);
  if (usage.num_cached_tokens != null) usage.num_cached_tokens = Math.min(usage.num_cached_tokens, prompt);
  return usage;
}

function cleanContent(v: unknown, where: string): MContentOut {
  if (v === null || v === undefined || typeof v === 'string') return v;
  if (!Array.isArray(v)) throw new UpstreamShapeError(`${where}.content is neither text nor a list`);
  // Unknown chunk kinds are ignored by the translators; only non-objects are dropped here.
  return v.filter(isJsonObject) as Exclude<MContentOut, string | null | undefined>;
}

function cleanToolCalls(v: unknown, where: string): MToolCallOut[] | null {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v)) throw new UpstreamShapeError(`${where}.tool_calls is not a list`);
  const out: MToolCallOut[] = [];
  for (const call of v) {
    if (!isJsonObject(call)) continue;
    const fn = call.function;
    if (fn !== undefined && fn !== null && !isJsonObject(fn)) throw new UpstreamShapeError(`${where}.tool_calls[].function is not an object`);
    const name = fn?.name;
    // A name that is not text cannot be a tool the client declared (all of them are strings).
    if (name !== undefined && name !== null && typeof name !== 'string') {
      throw new UpstreamShapeError(`a tool call names ${JSON.stringify(name)}, which is not a tool name`);
    }
    const args = fn?.arguments;
    if (args !== undefined && args !== null && typeof args !== 'string' && !isJsonObject(args)) {
      throw new UpstreamShapeError(`${where}.tool_calls[].function.arguments is neither text nor an object`);
    }
    out.push({
      id: typeof call.id === 'string' ? call.id : null,
      type: typeof call.type === 'string' ? call.type : undefined,
      function: fn ? { name: (name as string | null | undefined) ?? null, arguments: (args as string | Record<string, unknown> | null | undefined) ?? null } : undefined,
      index: typeof call.index === 'number' && Number.isInteger(call.index) && call.index >= 0 ? call.index : null,
    });
  }
  return out;
}

const finishReason = (v: unknown) => (typeof v === 'string' ? v : null);
const modelOf = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/** A non-streaming chat.completion body, checked. Throws UpstreamShapeError. */
export function checkResponse(body: unknown): MistralResponse {
  if (!isJsonObject(body)) throw new UpstreamShapeError('the body is not an object');
  if (!Array.isArray(body.choices) || body.choices.length === 0) throw new UpstreamShapeError('no choices');
  const choice = body.choices[0];
  if (!isJsonObject(choice) || !isJsonObject(choice.message)) throw new UpstreamShapeError('choices[0] has no message');
  return {
    id: typeof body.id === 'string' ? body.id : undefined,
    model: modelOf(body.model),
    choices: [{
      message: { content: cleanContent(choice.message.content, 'message'), tool_calls: cleanToolCalls(choice.message.tool_calls, 'message') },
      finish_reason: finishReason(choice.finish_reason),
    }],
    usage: cleanUsage(body.usage),
  };
}

export type ChunkVerdict =
  | { kind: 'chunk'; chunk: MistralChunk }
  /** Mistral reported an error inside the stream (its message, already redacted). */
  | { kind: 'error'; message: string }
  /** Not a chunk at all (not JSON, null, a number…): skipped and counted. */
  | { kind: 'garbage' };

/** One SSE `data:` payload (not `[DONE]`), checked. Throws UpstreamShapeError for a chunk that cannot be repaired. */
export function checkChunk(data: string): ChunkVerdict {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return { kind: 'garbage' };
  }
  if (!isJsonObject(value)) return { kind: 'garbage' };
  if (value.object === 'error' || (value.error !== undefined && value.choices === undefined)) {
    return { kind: 'error', message: errorText(value) };
  }
  const chunk: MistralChunk = { model: modelOf(value.model) };
  if (value.usage !== undefined && value.usage !== null) chunk.usage = cleanUsage(value.usage) ?? null;
  if (value.choices !== undefined && value.choices !== null) {
    if (!Array.isArray(value.choices)) return { kind: 'garbage' };
    const choice = value.choices.find(isJsonObject);
    if (choice) {
      const delta = isJsonObject(choice.delta) ? choice.delta : undefined;
      chunk.choices = [{
        delta: delta ? { content: cleanContent(delta.content, 'delta'), tool_calls: cleanToolCalls(delta.tool_calls, 'delta') } : undefined,
        finish_reason: finishReason(choice.finish_reason),
      }];
    }
  }
  return { kind: 'chunk', chunk };
}

function errorText(v: Record<string, unknown>): string {
  const m = v.message ?? (isJsonObject(v.error) ? v.error.message : v.error);
  const text = typeof m === 'string' ? m : JSON.stringify(m ?? v);
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
