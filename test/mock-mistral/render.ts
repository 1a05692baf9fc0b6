/**
 * Renders mock replies in Mistral's real response shapes (reference B.4 / B.5).
 */
import { randomBytes } from 'node:crypto';

export type MistralContentChunkOut =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: Array<{ type: 'text'; text: string }> };

export interface MistralAssistantOut {
  content?: string | MistralContentChunkOut[] | null;
  tool_calls?: Array<{ id?: string; function: { name: string; arguments: string | object } }>;
}

export interface MistralUsageOut {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens: number };
}

export type FinishReason = 'stop' | 'length' | 'model_length' | 'tool_calls' | 'error';

export interface StreamOptions {
  /** Delay between SSE chunks of rendered completions. */
  chunkDelayMs: number;
  /** Stream tool calls as fragments (first: id+name, then `"id":"null"` / id-less argument pieces). */
  fragmentToolCalls: boolean;
  /** Split text / thinking / arguments into pieces of this many characters (0 = no split). */
  splitText: number;
}

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomHex(bytes = 16): string {
  return randomBytes(bytes).toString('hex');
}

/** A Mistral-style tool call id: 9 alphanumerics. */
export function randomToolCallId(): string {
  const b = randomBytes(9);
  let s = '';
  for (let i = 0; i < 9; i++) s += ALNUM[b[i] % ALNUM.length];
  return s;
}

function split(s: string, n: number): string[] {
  if (n <= 0 || s.length <= n) return [s];
  const out: string[] = [];
  for (let i = 0; i < s.length; i += n) out.push(s.slice(i, i + n));
  return out;
}

interface RenderedCall {
  id: string;
  name: string;
  args: string;
}

export interface RenderInput {
  message: MistralAssistantOut;
  finishReason?: FinishReason;
  usage?: MistralUsageOut;
  model: string;
  /** Size of the request body, used for the default prompt_tokens estimate. */
  requestBytes: number;
}

function normCalls(m: MistralAssistantOut): RenderedCall[] {
  return (m.tool_calls ?? []).map((tc) => ({
    id: tc.id ?? randomToolCallId(),
    name: tc.function.name,
    args: typeof tc.function.arguments === 'string' ? tc.function.arguments : JSON.stringify(tc.function.arguments),
  }));
}

function outputChars(m: MistralAssistantOut, calls: RenderedCall[]): number {
  let n = 0;
  if (typeof m.content === 'string') n += m.content.length;
  else if (Array.isArray(m.content))
    for (const c of m.content) n += c.type === 'text' ? c.text.length : c.thinking.reduce((a, t) => a + t.text.length, 0);
  for (const c of calls) n += c.name.length + c.args.length;
  return n;
}

function fullUsage(input: RenderInput, calls: RenderedCall[]): Required<MistralUsageOut> {
  const u = input.usage;
  const prompt = u?.prompt_tokens ?? Math.max(1, Math.ceil(input.requestBytes / 4));
  const completion = u?.completion_tokens ?? Math.max(1, Math.ceil(outputChars(input.message, calls) / 4));
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: u?.total_tokens ?? prompt + completion,
    prompt_tokens_details: u?.prompt_tokens_details ?? { cached_tokens: 0 },
  };
}

function defaultFinish(calls: RenderedCall[]): FinishReason {
  return calls.length > 0 ? 'tool_calls' : 'stop';
}

/** Non-streaming `chat.completion` body. */
export function renderCompletion(input: RenderInput): object {
  const calls = normCalls(input.message);
  const m = input.message;
  const content = m.content === undefined ? '' : m.content;
  return {
    id: randomHex(),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: input.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content,
          tool_calls: calls.length
            ? calls.map((c, i) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args }, index: i }))
            : null,
        },
        finish_reason: input.finishReason ?? defaultFinish(calls),
      },
    ],
    usage: fullUsage(input, calls),
  };
}

/**
 * Streaming chunks (`chat.completion.chunk` objects, then the string '[DONE]').
 *
 * - first chunk: `delta: {role:'assistant', content:''}`
 * - string content: pieces of `splitText` chars
 * - array content with thinking: phase 1 `[ThinkChunk]` pieces, phase 2 one transition chunk
 *   `[closing ThinkChunk, TextChunk]`, phase 3 plain strings
 * - tool calls whole (all in one chunk) or fragmented
 * - last chunk: `finish_reason` and `usage` together
 * - every 4th chunk carries an opaque `"p"` padding field (as in Mistral's own fixtures)
 */
export function renderStreamChunks(input: RenderInput, so: StreamOptions): Array<object | string> {
  const calls = normCalls(input.message);
  const id = randomHex();
  const created = Math.floor(Date.now() / 1000);
  const out: Array<object | string> = [];
  const push = (delta: object, finish: string | null = null, extra?: object) => {
    const chunk: Record<string, unknown> = {
      id,
      object: 'chat.completion.chunk',
      created,
      model: input.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
      ...extra,
    };
    if (out.length % 4 === 3) chunk.p = 'abcdefghijklmnopqrstuvwxyz0123456789'.slice(0, 5 + (out.length % 17));
    out.push(chunk);
  };

  push({ role: 'assistant', content: '' });

  const m = input.message;
  if (typeof m.content === 'string' && m.content.length > 0) {
    for (const piece of split(m.content, so.splitText)) push({ content: piece });
  } else if (Array.isArray(m.content)) {
    let inThinking = false;
    for (const c of m.content) {
      if (c.type === 'thinking') {
        const text = c.thinking.map((t) => t.text).join('');
        for (const piece of split(text, so.splitText)) {
          push({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: piece }] }] });
        }
        inThinking = true;
      } else if (c.type === 'text') {
        const pieces = split(c.text, so.splitText);
        let start = 0;
        if (inThinking) {
          // Transition chunk: closing ThinkChunk + first TextChunk.
          push({
            content: [
              { type: 'thinking', thinking: [{ type: 'text', text: '' }], closed: true },
              { type: 'text', text: pieces[0] },
            ],
          });
          start = 1;
          inThinking = false;
        }
        for (let i = start; i < pieces.length; i++) if (pieces[i].length > 0) push({ content: pieces[i] });
      }
    }
    if (inThinking) push({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: '' }], closed: true }] });
  }

  if (calls.length > 0) {
    if (!so.fragmentToolCalls) {
      push({
        content: '',
        tool_calls: calls.map((c, i) => ({ id: c.id, function: { name: c.name, arguments: c.args }, index: i })),
      });
    } else {
      calls.forEach((c, i) => {
        push({ tool_calls: [{ id: c.id, function: { name: c.name, arguments: '' }, index: i }] });
        split(c.args, so.splitText > 0 ? so.splitText : c.args.length).forEach((piece, k) => {
          if (piece.length === 0) return;
          // Continuations carry an empty name and the placeholder id "null" (or no id at all).
          const frag: Record<string, unknown> = k % 2 === 0
            ? { id: 'null', function: { name: '', arguments: piece }, index: i }
            : { function: { name: '', arguments: piece }, index: i };
          push({ tool_calls: [frag] });
        });
      });
    }
  }

  push({ content: '' }, input.finishReason ?? defaultFinish(calls), { usage: fullUsage(input, calls) });
  out.push('[DONE]');
  return out;
}
