import type { AnthropicResponse, ResponseBlock } from './anthropic-types.js';
import { ApiError } from './errors.js';
import { completeToolArguments, contentPieces, isLengthCut, mapFinishReason, mapUsage, parseToolArguments } from './mistral-content.js';
import { randomHex } from './random-hex.js';
import { findStop } from './stop-sequences.js';
import type { MistralResponse } from './mistral-types.js';
import { toAnthropicToolId } from './tool-ids.js';
import type { ToolNameMap } from './tool-names.js';

/** What the response translators need from the request translation. */
export interface ResponseContext {
  names: ToolNameMap;
  /** Assistant prefill sent with `prefix: true`; Mistral echoes it and Anthropic does not, so it is stripped. */
  prefix: string | null;
  /** The Mistral model requested, used when a response does not name one. */
  model: string;
  /** Index of the assistant turn this response opens (assistant turns in the request); see tool-ids.ts. */
  turn: number;
  /** The request's stop_sequences (non-empty ones), matched on the proxy's side. */
  stopSequences: readonly string[];
}

/** Clients send thinking blocks back with this signature; the proxy never checks it. */
export const THINKING_SIGNATURE = 'ccproxy-mistral';

export function newMessageId(): string {
  return `msg_${randomHex(12)}`;
}

export function stripPrefix(text: string, prefix: string | null): string {
  return prefix && text.startsWith(prefix) ? text.slice(prefix.length) : text;
}

export function mistralToAnthropic(resp: MistralResponse, ctx: ResponseContext): AnthropicResponse {
  const choice = resp.choices?.[0];
  if (!choice) throw new ApiError(500, 'api_error', 'Mistral API returned no choices');
  if (choice.finish_reason === 'error') throw new ApiError(500, 'api_error', 'Mistral API reported an error while generating');

  const thinking: ResponseBlock[] = [];
  let text = '';
  for (const piece of contentPieces(choice.message?.content)) {
    if (piece.kind === 'thinking') thinking.push({ type: 'thinking', thinking: piece.text, signature: THINKING_SIGNATURE });
    else text += piece.text;
  }
  text = stripPrefix(text, ctx.prefix);

  const stop = findStop(text, ctx.stopSequences);
  if (stop) text = text.slice(0, stop.index);
  const cut = isLengthCut(choice.finish_reason);
  const tools: ResponseBlock[] = [];
  // Calls come after the text: a stop sequence in the text ends the answer before them.
  for (const call of stop ? [] : (choice.message?.tool_calls ?? [])) {
    // Cut by max_tokens, a call's arguments may be incomplete: such a call is dropped, never repaired.
    const input = cut ? completeToolArguments(call.function?.arguments) : parseToolArguments(call.function?.arguments);
    if (!input) continue;
    tools.push({ type: 'tool_use', id: toAnthropicToolId(call.id, ctx.turn, tools.length), name: ctx.names.toAnthropic(call.function?.name ?? ''), input });
  }

  return {
    id: newMessageId(),
    type: 'message',
    role: 'assistant',
    content: [...thinking, ...(text ? [{ type: 'text' as const, text }] : []), ...tools],
    // The model the proxy asked Mistral for, as the streamed message_start names it (it is sent before Mistral names
    // a dated id): the same answer reads the same streamed or not. The ledger keeps the id Mistral reports.
    model: ctx.model,
    stop_reason: stop ? 'stop_sequence' : mapFinishReason(choice.finish_reason, tools.length > 0),
    stop_sequence: stop ? stop.sequence : null,
    usage: mapUsage(resp.usage),
  };
}
