import type {
  AnthropicMessage, AnthropicRequest, AnthropicTool, AnthropicToolChoice, ContentBlock, ImageBlock, OtherBlock,
} from './anthropic-types.js';
import { invalidRequest } from './errors.js';
import type { ModelCaps } from './models.js';
import type { MContentChunk, MImageChunk, MistralRequest, MMessage, MTool, MToolCall, MToolChoice } from './mistral-types.js';
import type { ResponseContext } from './response.js';
import { ToolIdMap } from './tool-ids.js';
import { ToolNameMap } from './tool-names.js';
import { sanitizeToolSchema } from './tool-schema.js';

export interface TranslateOptions {
  /** The Mistral model chosen for this request. */
  model: string;
  caps: ModelCaps;
  /** MISTRAL_MAX_TOKENS: the client's max_tokens is capped to it. */
  maxTokensCap: number;
  /** Stable per-session id (X-Claude-Code-Session-Id) used as Mistral's prompt_cache_key. */
  sessionId?: string;
}

export interface Translation {
  body: MistralRequest;
  context: ResponseContext;
  /** Number of custom tools forwarded. */
  toolCount: number;
}

const MAX_IMAGES = 8;
const MAX_TOOLS = 128;
const MAX_UPSTREAM_STOPS = 4;
const INTERRUPTED = 'Tool call was interrupted: no result was recorded.';

type Block = ContentBlock | OtherBlock;

/** Work list entries before the final role-order repairs. */
type Draft =
  | { role: 'system'; content: string }
  | { role: 'user'; chunks: MContentChunk[] }
  | { role: 'assistant'; chunks: MContentChunk[]; toolCalls: MToolCall[] }
  | { role: 'tool'; content: string; toolCallId: string; name: string };

const asBlocks = (content: AnthropicMessage['content']): Block[] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : Array.isArray(content) ? content : [];

function imageChunk(block: ImageBlock): MImageChunk {
  const src = block.source;
  if (src?.type === 'base64') {
    if (typeof src.data !== 'string' || !src.data) throw invalidRequest('image source has no base64 data');
    return { type: 'image_url', image_url: `data:${src.media_type || 'image/png'};base64,${src.data}` };
  }
  if (src?.type === 'url' && typeof src.url === 'string') return { type: 'image_url', image_url: src.url };
  throw invalidRequest(`image source type "${(src as { type?: string })?.type}" is not supported by the Mistral proxy (use base64 or url)`);
}

const textOf = (text: unknown): string => (typeof text === 'string' ? text : '');

/** Mistral wants a JSON object of arguments; a client may replay an input that is a JSON text or not an object. */
function toolInput(input: unknown): Record<string, unknown> {
  if (typeof input === 'string') {
    try {
      input = JSON.parse(input);
    } catch {
      return { input };
    }
  }
  return input && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
}

/** User-side blocks (text, image, document, search_result…) as Mistral chunks; unknown server-tool blocks are dropped. */
function userChunks(blocks: Block[], out: MContentChunk[]): void {
  for (const block of blocks) {
    switch (block.type) {
      case 'text':
        if (textOf((block as { text?: unknown }).text)) out.push({ type: 'text', text: (block as { text: string }).text });
        break;
      case 'image':
        out.push(imageChunk(block as ImageBlock));
        break;
      case 'document': {
        const doc = block as Extract<ContentBlock, { type: 'document' }>;
        const title = doc.title ? `${doc.title}\n` : '';
        const src = doc.source;
        if (src?.type === 'text') out.push({ type: 'text', text: `${title}${src.data}` });
        else if (src?.type === 'content') {
          if (title) out.push({ type: 'text', text: title });
          userChunks(typeof src.content === 'string' ? [{ type: 'text', text: src.content }] : src.content, out);
        } else if (src?.type === 'base64') {
          out.push({ type: 'document_url', document_url: `data:${src.media_type};base64,${src.data}`, ...(doc.title ? { document_name: doc.title } : {}) });
        } else if (src?.type === 'url') {
          out.push({ type: 'document_url', document_url: src.url, ...(doc.title ? { document_name: doc.title } : {}) });
        } else throw invalidRequest('document source type is not supported by the Mistral proxy');
        break;
      }
      case 'search_result': {
        const b = block as { title?: string; source?: string; content?: Array<{ text?: string }> };
        const body = (b.content ?? []).map((c) => c.text ?? '').join('\n');
        out.push({ type: 'text', text: `[${b.title ?? 'search result'}](${b.source ?? ''})\n${body}` });
        break;
      }
      case 'tool_reference':
        out.push({ type: 'text', text: `[tool reference: ${String((block as { tool_name?: string }).tool_name ?? '')}]` });
        break;
      default:
        break;
    }
  }
}

/** A tool_result's content as text for Mistral's tool message, and any images it carried (sent after it). */
function toolResultContent(content: unknown, isError: boolean): { text: string; images: MContentChunk[] } {
  const images: MContentChunk[] = [];
  let text: string;
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content)) {
    const chunks: MContentChunk[] = [];
    userChunks(content as Block[], chunks);
    const parts: string[] = [];
    for (const chunk of chunks) {
      if (chunk.type === 'text') parts.push(chunk.text);
      else images.push(chunk);
    }
    text = parts.join('\n');
  } else text = '';
  if (images.length) text += `${text ? '\n' : ''}[${images.length} image(s) from this tool result follow in the next message]`;
  if (isError) text = `Error: ${text}`;
  return { text, images };
}

/** Joins chunks to a plain string when they are all text (Mistral's preferred and most compatible form). */
function simplify(chunks: MContentChunk[]): string | MContentChunk[] {
  if (chunks.every((c) => c.type === 'text')) return chunks.map((c) => (c as { text: string }).text).join('\n\n');
  return chunks;
}

function convertTools(tools: AnthropicTool[] | undefined, names: ToolNameMap): MTool[] {
  if (!Array.isArray(tools)) return [];
  const out: MTool[] = [];
  const seen = new Set<string>();
  for (const tool of tools) {
    // Anthropic server tools (web_search_…, bash_2025…, text_editor_…) have a versioned type and no schema here.
    const custom = tool && typeof tool.name === 'string' && (tool.type == null || tool.type === 'custom' || tool.input_schema);
    if (!custom) continue;
    if (seen.has(tool.name)) throw invalidRequest(`tools: tool names must be unique ("${tool.name}" appears twice)`);
    seen.add(tool.name);
    out.push({
      type: 'function',
      function: {
        name: names.toMistral(tool.name),
        description: typeof tool.description === 'string' ? tool.description : '',
        parameters: sanitizeToolSchema(tool.input_schema),
        ...(tool.strict === true ? { strict: true } : {}),
      },
    });
  }
  if (out.length > MAX_TOOLS) throw invalidRequest(`Mistral accepts at most ${MAX_TOOLS} tools; this request has ${out.length}`);
  return out;
}

function convertToolChoice(choice: AnthropicToolChoice | undefined, names: ToolNameMap, tools: MTool[]): { tool_choice?: MToolChoice; parallel_tool_calls?: boolean } {
  if (!choice || typeof choice !== 'object') return {};
  if (choice.type === 'tool' && typeof choice.name === 'string' && !tools.some((t) => t.function.name === names.toMistral(choice.name))) {
    // Mistral would be asked to call a function it was not given: only custom tools travel upstream.
    throw invalidRequest(
      `tool_choice: tool "${choice.name}" is not available on Mistral; only custom tools (name + input_schema) are forwarded, not Anthropic server tools such as web_search`,
    );
  }
  const parallel = 'disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true ? { parallel_tool_calls: false } : {};
  switch (choice.type) {
    case 'any':
      return { tool_choice: 'any', ...parallel };
    case 'none':
      return { tool_choice: 'none' };
    case 'tool':
      if (typeof choice.name !== 'string') throw invalidRequest('tool_choice.name: Field required');
      return { tool_choice: { type: 'function', function: { name: names.toMistral(choice.name) } }, ...parallel };
    default:
      return { tool_choice: 'auto', ...parallel };
  }
}

function systemText(system: AnthropicRequest['system']): string {
  if (typeof system === 'string') return system;
  if (!Array.isArray(system)) return '';
  return system.map((b) => textOf(b?.text)).filter(Boolean).join('\n\n');
}

/**
 * Consecutive turns of the same role are one turn, as the Anthropic API combines them: two assistant turns in a row
 * with a tool call each are one turn with two calls, answered by the results that follow.
 */
function mergeTurns(messages: AnthropicMessage[]): Array<{ role: AnthropicMessage['role']; blocks: Block[] }> {
  const out: Array<{ role: AnthropicMessage['role']; blocks: Block[] }> = [];
  for (const msg of messages) {
    const prev = out[out.length - 1];
    if (prev && prev.role === msg.role && msg.role !== 'system') prev.blocks.push(...asBlocks(msg.content));
    else out.push({ role: msg.role, blocks: [...asBlocks(msg.content)] });
  }
  return out;
}

const EMPTY_FINAL_TURN = 'messages: all messages must have non-empty content except for the optional final assistant message';

/** Converts each Anthropic turn, before the whole-conversation repairs. */
function draftMessages(turns: ReturnType<typeof mergeTurns>, ids: ToolIdMap, names: ToolNameMap, caps: ModelCaps): Draft[] {
  const drafts: Draft[] = [];
  const toolNameById = new Map<string, string>();
  for (const [n, msg] of turns.entries()) {
    const blocks = msg.blocks;
    const before = drafts.length;
    if (msg.role === 'system') {
      // Mistral rejects `system` after assistant/tool turns, so a mid-conversation system message travels as
      // user text the model still sees as instructions.
      const text = blocks.map((b) => textOf((b as { text?: unknown }).text)).filter(Boolean).join('\n\n');
      if (text) drafts.push({ role: 'user', chunks: [{ type: 'text', text: `<system-reminder>\n${text}\n</system-reminder>` }] });
    } else if (msg.role === 'assistant') {
      const chunks: MContentChunk[] = [];
      const toolCalls: MToolCall[] = [];
      ids.beginTurn();
      for (const block of blocks) {
        if (block.type === 'text' && textOf((block as { text?: unknown }).text)) chunks.push({ type: 'text', text: (block as { text: string }).text });
        else if (block.type === 'thinking' && caps.reasoning && textOf((block as { thinking?: unknown }).thinking)) {
          chunks.push({ type: 'thinking', thinking: [{ type: 'text', text: (block as { thinking: string }).thinking }] });
        } else if (block.type === 'tool_use') {
          const use = block as Extract<ContentBlock, { type: 'tool_use' }>;
          const id = ids.toolUse(String(use.id));
          const name = names.toMistral(String(use.name));
          toolNameById.set(id, name);
          toolCalls.push({ id, type: 'function', function: { name, arguments: JSON.stringify(toolInput(use.input)) } });
        }
      }
      drafts.push({ role: 'assistant', chunks, toolCalls });
    } else {
      const rest: Block[] = [];
      const images: MContentChunk[] = [];
      for (const block of blocks) {
        if (block.type !== 'tool_result') {
          rest.push(block);
          continue;
        }
        const result = block as Extract<ContentBlock, { type: 'tool_result' }>;
        const id = ids.toolResult(String(result.tool_use_id));
        const { text, images: resultImages } = toolResultContent(result.content, result.is_error === true);
        images.push(...resultImages);
        drafts.push({ role: 'tool', content: text, toolCallId: id, name: toolNameById.get(id) ?? '' });
      }
      const chunks: MContentChunk[] = [...images];
      userChunks(rest, chunks);
      if (chunks.length) drafts.push({ role: 'user', chunks });
      // A final user turn with nothing to send is an error, as at Anthropic: dropping it would turn the previous
      // assistant turn into a prefill and answer a question nobody asked.
      if (n === turns.length - 1 && drafts.length === before) throw invalidRequest(EMPTY_FINAL_TURN);
    }
  }
  return drafts;
}

/** Every tool call answered exactly once, right after its assistant turn; orphans become user text. */
function pairToolResults(drafts: Draft[]): Draft[] {
  const out: Draft[] = [];
  let i = 0;
  while (i < drafts.length) {
    const d = drafts[i];
    if (d.role === 'tool') {
      out.push({ role: 'user', chunks: [{ type: 'text', text: `[result of an earlier tool call ${d.toolCallId}]\n${d.content}` }] });
      i++;
      continue;
    }
    out.push(d);
    i++;
    if (d.role !== 'assistant' || d.toolCalls.length === 0) continue;
    // Results may be split by other turns (e.g. a system reminder): gather them up to the next assistant turn.
    const pending = new Map(d.toolCalls.map((c) => [c.id, c]));
    const answered: Draft[] = [];
    const others: Draft[] = [];
    while (i < drafts.length && drafts[i].role !== 'assistant') {
      const next = drafts[i++];
      if (next.role === 'tool' && pending.has(next.toolCallId)) {
        const call = pending.get(next.toolCallId)!;
        pending.delete(next.toolCallId);
        answered.push({ ...next, name: call.function.name });
      } else if (next.role === 'tool') {
        others.push({ role: 'user', chunks: [{ type: 'text', text: `[result of an earlier tool call ${next.toolCallId}]\n${next.content}` }] });
      } else others.push(next);
    }
    for (const call of pending.values()) answered.push({ role: 'tool', content: INTERRUPTED, toolCallId: call.id, name: call.function.name });
    // Keep the results in call order, as the model emitted them.
    const order = new Map(d.toolCalls.map((c, n) => [c.id, n]));
    answered.sort((a, b) => order.get((a as { toolCallId: string }).toolCallId)! - order.get((b as { toolCallId: string }).toolCallId)!);
    out.push(...answered, ...others);
  }
  return out;
}

/** Merges consecutive user turns and consecutive assistant turns, as Anthropic does. */
function mergeSameRole(drafts: Draft[]): Draft[] {
  const out: Draft[] = [];
  for (const d of drafts) {
    const prev = out[out.length - 1];
    if (prev?.role === 'user' && d.role === 'user') prev.chunks = [...prev.chunks, ...d.chunks];
    else if (prev?.role === 'assistant' && d.role === 'assistant' && prev.toolCalls.length === 0) {
      prev.chunks = [...prev.chunks, ...d.chunks];
      prev.toolCalls = d.toolCalls;
    } else out.push(d.role === 'user' ? { ...d, chunks: [...d.chunks] } : d);
  }
  return out;
}

/** Keeps the newest images up to Mistral's per-request limit; older ones become a text note. */
function limitImages(drafts: Draft[]): number {
  let seen = 0;
  for (let m = drafts.length - 1; m >= 0; m--) {
    const d = drafts[m];
    if (d.role !== 'user') continue;
    for (let c = d.chunks.length - 1; c >= 0; c--) {
      if (d.chunks[c].type !== 'image_url') continue;
      seen++;
      if (seen > MAX_IMAGES) d.chunks[c] = { type: 'text', text: '[an earlier image was omitted: Mistral accepts at most 8 images per request]' };
    }
  }
  return Math.min(seen, MAX_IMAGES);
}

function finalize(drafts: Draft[]): { messages: MMessage[]; prefix: string | null } {
  const messages: MMessage[] = [];
  for (const d of drafts) {
    const prev = messages[messages.length - 1];
    if (d.role === 'system') messages.push({ role: 'system', content: d.content });
    else if (d.role === 'tool') messages.push({ role: 'tool', content: d.content, tool_call_id: d.toolCallId, name: d.name });
    else if (d.role === 'assistant') {
      if (d.chunks.length === 0 && d.toolCalls.length === 0) continue;
      const hasThinking = d.chunks.some((c) => c.type === 'thinking');
      const msg: Extract<MMessage, { role: 'assistant' }> = { role: 'assistant' };
      if (d.chunks.length) msg.content = hasThinking ? d.chunks : simplify(d.chunks);
      if (d.toolCalls.length) msg.tool_calls = d.toolCalls;
      messages.push(msg);
    } else {
      if (d.chunks.length === 0) continue;
      if (prev?.role === 'tool') {
        // Mistral rejects `user` right after `tool`: fold plain text into the last tool result; with images,
        // bridge with a short assistant turn.
        if (d.chunks.every((c) => c.type === 'text')) {
          prev.content = [prev.content, simplify(d.chunks) as string].filter(Boolean).join('\n\n');
          continue;
        }
        messages.push({ role: 'assistant', content: 'Understood.' });
      }
      const last = messages[messages.length - 1];
      if (last?.role === 'user') last.content = mergeUserContent(last.content, d.chunks);
      else messages.push({ role: 'user', content: simplify(d.chunks) });
    }
  }
  let prefix: string | null = null;
  const last = messages[messages.length - 1];
  if (last?.role === 'assistant') {
    // A trailing assistant turn is a prefill: Mistral continues it with `prefix: true` (text only).
    const text = typeof last.content === 'string' ? last.content : (last.content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('');
    if (last.tool_calls?.length || !text.trim()) messages.pop();
    else {
      messages[messages.length - 1] = { role: 'assistant', content: text, prefix: true };
      prefix = text;
    }
  }
  return { messages, prefix };
}

function mergeUserContent(existing: string | MContentChunk[], chunks: MContentChunk[]): string | MContentChunk[] {
  const before: MContentChunk[] = typeof existing === 'string' ? (existing ? [{ type: 'text', text: existing }] : []) : existing;
  return simplify([...before, ...chunks]);
}

function clamp(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? Math.min(Math.max(value, min), max) : undefined;
}

/** Anthropic Messages request → Mistral chat-completions body, built from an explicit whitelist of fields. */
export function anthropicToMistral(req: AnthropicRequest, opts: TranslateOptions): Translation {
  const ids = new ToolIdMap();
  const names = new ToolNameMap();
  const tools = convertTools(req.tools, names);

  const system = systemText(req.system);
  const turns = mergeTurns(req.messages);
  let drafts = draftMessages(turns, ids, names, opts.caps);
  drafts = mergeSameRole(pairToolResults(drafts));
  if (system.trim()) drafts.unshift({ role: 'system', content: system });
  const images = limitImages(drafts);
  if (images > 0 && !opts.caps.vision) {
    throw invalidRequest(`model ${opts.model} does not accept images; choose a vision-capable Mistral model (e.g. mistral-large-latest or mistral-medium-latest)`);
  }
  const { messages, prefix } = finalize(drafts);
  if (!messages.some((m) => m.role !== 'system')) throw invalidRequest('messages: at least one non-empty message is required');
  // Mistral refuses a conversation that is a lone assistant turn (no user message to continue from).
  if (messages.length === 1 && messages[0].role === 'assistant') throw invalidRequest('messages: the conversation needs a user message before the final assistant message');

  const body: MistralRequest = {
    model: opts.model,
    messages,
    max_tokens: Math.max(1, Math.min(Math.floor(req.max_tokens), opts.maxTokensCap)),
  };
  if (req.stream === true) body.stream = true;
  const temperature = clamp(req.temperature, 0, 1);
  if (temperature !== undefined) body.temperature = temperature;
  const topP = clamp(req.top_p, 0, 1);
  if (topP !== undefined && topP > 0) body.top_p = topP;
  const stops = Array.isArray(req.stop_sequences) ? req.stop_sequences.filter((s) => typeof s === 'string' && s.length > 0) : [];
  // The response translators match every sequence on the proxy's side for an exact stop_reason/stop_sequence.
  // A stream is not given `stop`: Mistral would cut the text without saying a sequence matched (the answer would
  // read end_turn), while the proxy's own match aborts the upstream request at once, so no tokens are wasted.
  // A non-stream answer cannot be cut short by the proxy, so Mistral gets the sequences there (saving tokens and
  // time; then the proxy sees no match and end_turn is all it can say). At most 4: a longer list may be refused
  // (reference C.1), and the proxy's matching covers the rest.
  if (stops.length && req.stream !== true) body.stop = stops.slice(0, MAX_UPSTREAM_STOPS);
  const choice = convertToolChoice(req.tool_choice, names, tools);
  if (tools.length) {
    body.tools = tools;
    Object.assign(body, choice);
  }
  // Reference C.8: thinking enabled or adaptive, or an effort asked for (unless thinking is explicitly disabled).
  const thinkingOn = req.thinking?.type === 'enabled' || req.thinking?.type === 'adaptive'
    || (req.thinking?.type !== 'disabled' && typeof req.output_config?.effort === 'string');
  if (thinkingOn && opts.caps.reasoning) body.reasoning_effort = 'high';
  const format = req.output_config?.format ?? req.output_format;
  if (format?.type === 'json_schema' && format.schema && typeof format.schema === 'object') {
    body.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: sanitizeToolSchema(format.schema), strict: true } };
  }
  if (opts.sessionId) body.prompt_cache_key = opts.sessionId.slice(0, 256);

  // The response opens assistant turn number `turn` of the conversation: it discriminates its tool ids.
  const turn = turns.filter((t) => t.role === 'assistant').length;
  return { body, context: { names, prefix, model: opts.model, turn, stopSequences: stops }, toolCount: tools.length };
}
