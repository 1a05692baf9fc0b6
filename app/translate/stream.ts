import type { AnthropicErrorType, AnthropicUsage, StopReason } from './anthropic-types.js';
import { completeToolArguments, contentPieces, isLengthCut, mapFinishReason, mapUsage, parseToolArguments } from './mistral-content.js';
import type { MistralChunk, MToolCallOut } from './mistral-types.js';
import { newMessageId, THINKING_SIGNATURE, type ResponseContext } from './response.js';
import { StopScanner } from './stop-sequences.js';
import { isMistralToolId, toAnthropicToolId } from './tool-ids.js';

// Turns Mistral chat.completion.chunk objects into the exact Anthropic SSE event sequence:
// message_start, then content blocks with contiguous indices in start order, message_delta with the final usage,
// message_stop. Tool calls are buffered per upstream index (Mistral sends them whole or as fragments with
// placeholder ids) and emitted as one complete tool_use block once the call is over.

interface PendingTool { upstreamId: string | null; name: string; args: string }

const sse = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export class StreamTranslator {
  readonly messageId = newMessageId();
  private nextIndex = 0;
  private open: { index: number; kind: 'text' | 'thinking' } | null = null;
  private readonly tools = new Map<number, PendingTool>();
  private readonly toolOrder: PendingTool[] = [];
  private lastToolKey: number | null = null;
  private heldPrefix: string | null;
  private held = '';
  private model: string;
  private finishReason: string | null = null;
  private toolUseCount = 0;
  private usage: AnthropicUsage | null = null;
  private done = false;
  private readonly stops: StopScanner;
  /** The stop sequence that ended the answer; the caller then stops reading (and aborts) upstream. */
  stopSequence: string | null = null;
  /** Time of the first content delta, for time-to-first-token. */
  firstContentAt: number | null = null;

  /** Characters of text, thinking and tool arguments received, for a usage estimate when a stream is cut. */
  emittedChars = 0;

  constructor(private readonly ctx: ResponseContext, readonly estimatedInputTokens: number) {
    this.model = ctx.model;
    this.heldPrefix = ctx.prefix || null;
    this.stops = new StopScanner(ctx.stopSequences ?? []);
  }

  get finished(): boolean {
    return this.done;
  }

  /** Mistral sent a finish_reason: the stream may end without `[DONE]` and still be complete. */
  get stopReasonKnown(): boolean {
    return this.finishReason !== null;
  }

  /** The error event sent to the client, if any. */
  errorSent: { type: AnthropicErrorType; message: string } | null = null;

  get toolCalls(): number {
    return this.toolUseCount;
  }

  start(): string {
    return sse('message_start', {
      type: 'message_start',
      message: {
        id: this.messageId,
        type: 'message',
        role: 'assistant',
        content: [],
        model: this.model,
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: this.estimatedInputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
      },
    });
  }

  ping(): string {
    return sse('ping', { type: 'ping' });
  }

  push(chunk: MistralChunk): string {
    if (this.done) return '';
    let out = '';
    if (chunk.usage) this.usage = mapUsage(chunk.usage);
    const choice = chunk.choices?.[0];
    if (!choice) return out;
    const delta = choice.delta;
    if (delta) {
      for (const piece of contentPieces(delta.content)) {
        if (piece.kind === 'text') out += this.text(piece.text);
        else out += this.thinking(piece.text);
      }
      // A stop sequence ended the answer: nothing after it counts.
      if (this.done) return out;
      if (delta.tool_calls) for (const call of delta.tool_calls) out += this.toolFragment(call);
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return out;
  }

  /** The upstream stream ended cleanly (`[DONE]` or EOF after a finish_reason). */
  end(): string {
    if (this.done) return '';
    if (this.finishReason === 'error') return this.error('api_error', 'Mistral API reported an error while generating');
    let out = this.flushHeld();
    if (this.done) return out;
    out += this.emitVisible(this.stops.flush());
    if (isLengthCut(this.finishReason)) {
      // The last call of a turn cut by max_tokens may be incomplete: it is dropped, never repaired and executed.
      const complete = this.toolOrder.filter((t) => completeToolArguments(t.args) !== null);
      this.toolOrder.splice(0, this.toolOrder.length, ...complete);
    }
    out += this.closeAll();
    const stopReason: StopReason = mapFinishReason(this.finishReason, this.toolUseCount > 0);
    out += sse('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: this.usageOrEstimate() });
    out += sse('message_stop', { type: 'message_stop' });
    this.done = true;
    this.stopReason = stopReason;
    return out;
  }

  /** A mid-stream failure: close what is open so the client's accumulator stays consistent, then an error event. */
  error(type: AnthropicErrorType, message: string): string {
    if (this.done) return '';
    const out = this.closeOpen() + sse('error', { type: 'error', error: { type, message } });
    this.done = true;
    this.errorSent = { type, message };
    return out;
  }

  stopReason: StopReason | null = null;

  get finalUsage(): AnthropicUsage | null {
    return this.usage;
  }

  /** Mistral's usage, or (when it sent none: `[DONE]` without a final chunk, a stop sequence cut) an estimate. */
  private usageOrEstimate(): AnthropicUsage {
    return this.usage ?? {
      input_tokens: this.estimatedInputTokens,
      output_tokens: Math.ceil(this.emittedChars / 4),
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    };
  }

  private markContent(): void {
    this.firstContentAt ??= Date.now();
  }

  private text(text: string): string {
    if (!text || this.done) return '';
    this.markContent();
    this.emittedChars += text.length;
    if (this.heldPrefix !== null) {
      this.held += text;
      if (this.held.length < this.heldPrefix.length && this.heldPrefix.startsWith(this.held)) return '';
      return this.flushHeld();
    }
    return this.emitText(text);
  }

  private flushHeld(): string {
    if (this.heldPrefix === null) return '';
    const prefix = this.heldPrefix;
    const held = this.held;
    this.heldPrefix = null;
    this.held = '';
    return this.emitText(held.startsWith(prefix) ? held.slice(prefix.length) : held);
  }

  /** Text after the prefix check goes through the stop-sequence matcher. */
  private emitText(text: string): string {
    if (!this.stops.active) return this.emitVisible(text);
    const { emit, match } = this.stops.push(text);
    let out = this.emitVisible(emit);
    if (match !== null) {
      // Everything after the sequence is discarded: close the answer here, as Anthropic ends at the match.
      this.stopSequence = match;
      out += this.closeAll();
      out += sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'stop_sequence', stop_sequence: match }, usage: this.usageOrEstimate() });
      out += sse('message_stop', { type: 'message_stop' });
      this.done = true;
      this.stopReason = 'stop_sequence';
    }
    return out;
  }

  private emitVisible(text: string): string {
    if (!text) return '';
    let out = this.flushTools();
    if (this.open?.kind !== 'text') out += this.closeOpen() + this.startBlock('text', { type: 'text', text: '' });
    return out + sse('content_block_delta', { type: 'content_block_delta', index: this.open!.index, delta: { type: 'text_delta', text } });
  }

  private thinking(text: string): string {
    if (this.done) return '';
    this.markContent();
    this.emittedChars += text.length;
    // Text held back as a possible stop-sequence start is over once something else begins.
    let out = this.emitVisible(this.stops.flush());
    out += this.flushTools();
    if (this.open?.kind !== 'thinking') out += this.closeOpen() + this.startBlock('thinking', { type: 'thinking', thinking: '' });
    if (!text) return out;
    return out + sse('content_block_delta', { type: 'content_block_delta', index: this.open!.index, delta: { type: 'thinking_delta', thinking: text } });
  }

  private startBlock(kind: 'text' | 'thinking', block: object): string {
    const index = this.nextIndex++;
    this.open = { index, kind };
    return sse('content_block_start', { type: 'content_block_start', index, content_block: block });
  }

  private closeOpen(): string {
    if (!this.open) return '';
    const { index, kind } = this.open;
    this.open = null;
    let out = '';
    if (kind === 'thinking') {
      out += sse('content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: THINKING_SIGNATURE } });
    }
    return out + sse('content_block_stop', { type: 'content_block_stop', index });
  }

  private closeAll(): string {
    return this.closeOpen() + this.flushTools();
  }

  private toolFragment(call: MToolCallOut): string {
    this.markContent();
    const key = typeof call.index === 'number' ? call.index : (this.lastToolKey ?? 0);
    const realId = isMistralToolId(call.id) ? call.id : null;
    let tool = this.tools.get(key);
    let out = this.emitVisible(this.stops.flush());
    if (!tool || (realId && tool.upstreamId && realId !== tool.upstreamId)) {
      out += this.closeOpen();
      tool = { upstreamId: realId, name: '', args: '' };
      this.tools.set(key, tool);
      this.toolOrder.push(tool);
    }
    tool.upstreamId ??= realId;
    this.lastToolKey = key;
    const name = call.function?.name;
    if (name && !tool.name) tool.name = name;
    const args = call.function?.arguments;
    const piece = typeof args === 'string' ? args : args && typeof args === 'object' ? JSON.stringify(args) : '';
    tool.args += piece;
    this.emittedChars += piece.length;
    return out;
  }

  private flushTools(): string {
    if (this.toolOrder.length === 0) return '';
    let out = '';
    for (const tool of this.toolOrder) {
      const index = this.nextIndex++;
      const id = toAnthropicToolId(tool.upstreamId, this.ctx.turn, this.toolUseCount++);
      out += sse('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id, name: this.ctx.names.toAnthropic(tool.name), input: {} },
      });
      out += sse('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: JSON.stringify(parseToolArguments(tool.args)) },
      });
      out += sse('content_block_stop', { type: 'content_block_stop', index });
    }
    this.toolOrder.length = 0;
    this.tools.clear();
    this.lastToolKey = null;
    return out;
  }
}

/**
 * The whole SSE answer to `max_tokens: 0` (nothing is generated, nothing goes upstream): the event sequence the SDK
 * expects from a stream, with an empty content list and stop_reason max_tokens.
 */
export function emptyStream(model: string): string {
  const usage = { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 };
  return (
    sse('message_start', {
      type: 'message_start',
      message: { id: newMessageId(), type: 'message', role: 'assistant', content: [], model, stop_reason: null, stop_sequence: null, usage },
    }) +
    sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage }) +
    sse('message_stop', { type: 'message_stop' })
  );
}
