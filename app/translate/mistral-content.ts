import type { AnthropicUsage, StopReason } from './anthropic-types.js';
import type { MContentOut, MUsage } from './mistral-types.js';

export interface ContentPiece { kind: 'text' | 'thinking'; text: string }

/** Mistral content is a string, or chunks where `thinking` chunks carry reasoning; other chunk kinds are ignored. */
export function contentPieces(content: MContentOut): ContentPiece[] {
  if (typeof content === 'string') return content ? [{ kind: 'text', text: content }] : [];
  if (!Array.isArray(content)) return [];
  const out: ContentPiece[] = [];
  for (const chunk of content) {
    if (chunk?.type === 'text' && typeof chunk.text === 'string') {
      if (chunk.text) out.push({ kind: 'text', text: chunk.text });
    } else if (chunk?.type === 'thinking' && Array.isArray(chunk.thinking)) {
      const text = chunk.thinking.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('');
      out.push({ kind: 'thinking', text });
    }
  }
  return out;
}

export function mapUsage(usage: MUsage | null | undefined): AnthropicUsage {
  const prompt = usage?.prompt_tokens ?? 0;
  const cached =
    usage?.prompt_tokens_details?.cached_tokens ?? usage?.num_cached_tokens ?? usage?.prompt_token_details?.cached_tokens ?? 0;
  return {
    input_tokens: Math.max(prompt - cached, 0),
    output_tokens: usage?.completion_tokens ?? 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: cached,
  };
}

export const isLengthCut = (reason: string | null | undefined): boolean => reason === 'length' || reason === 'model_length';

/**
 * A tool_use stop needs tool_use blocks: "tool_calls" without any call is a plain end of turn. A length cut is
 * max_tokens even when calls were emitted: the turn is incomplete, as Anthropic reports it.
 */
export function mapFinishReason(reason: string | null | undefined, sawToolUse: boolean): StopReason {
  if (isLengthCut(reason)) return 'max_tokens';
  return sawToolUse ? 'tool_use' : 'end_turn';
}

/**
 * Arguments of a call that a length cut may have truncated: only a complete JSON object counts. A repaired
 * fragment would be a different call, which a client would then execute.
 */
export function completeToolArguments(args: string | Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (args && typeof args === 'object') return args;
  const parsed = tryParse((args ?? '').trim());
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
}

/** Tool arguments as an object: JSON text is parsed, truncated JSON is closed, anything else becomes {}. */
export function parseToolArguments(args: string | Record<string, unknown> | null | undefined): Record<string, unknown> {
  if (args && typeof args === 'object') return args;
  const text = (args ?? '').trim();
  if (!text) return {};
  const parsed = tryParse(text) ?? tryParse(closeJson(text));
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Closes strings and brackets left open by a truncated JSON text. */
function closeJson(text: string): string {
  const stack: string[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') stack.push('}');
    else if (c === '[') stack.push(']');
    else if (c === '}' || c === ']') stack.pop();
  }
  let out = inString ? `${text}"` : text;
  out = out.replace(/[,:]\s*$/, '');
  return out + stack.reverse().join('');
}
