/**
 * Strict validation of a Mistral `POST /v1/chat/completions` wire body.
 *
 * How the official SDK's zod schemas are used
 * -------------------------------------------
 * `@mistralai/mistralai` 2.7.0 only ships *outbound* schemas for the request side
 * (`ChatCompletionRequest$outboundSchema`, `UserMessage$outboundSchema`, …). They take the SDK's
 * camelCase objects as input and emit the snake_case wire body; several request-only types
 * (system/user/tool messages, tool_choice, the request itself) have no inbound schema at all.
 * Zod objects are also non-strict (unknown keys are silently stripped), and the enums are "open"
 * (`openEnums.outboundSchema` is just `z.string()`), so the SDK schemas alone can neither catch
 * `extra_forbidden` nor bad enum values.
 *
 * So validation runs in three layers:
 *  1. A hand-written structural walker over the snake_case wire body with an explicit key
 *     whitelist per level (top level, each message per role, each content chunk per type,
 *     thinking items, tools, function, tool_calls, tool_choice, response_format, json_schema,
 *     prediction, guardrails), taken from the SDK's `*$Outbound` types / the OAS
 *     (`additionalProperties: false` everywhere). It reports unknown keys (`extra_forbidden`),
 *     bad discriminators (`union_tag_invalid` / `union_tag_not_found`), closed-enum values
 *     (values taken from the SDK's own enum objects: `ToolChoiceEnum`, `ReasoningEffort`, …) and
 *     numeric ranges. While walking it builds a camelCase copy of every known key, using the same
 *     key remaps the SDK's `$outboundSchema` transforms use (`tool_calls` → `toolCalls`,
 *     `image_url` → `imageUrl`, `json_schema.schema` → `schemaDefinition`, …).
 *  2. That camelCase copy is fed to the SDK's own `$outboundSchema`s: each message through its
 *     role's schema (`SystemMessage`/`UserMessage`/`AssistantMessage`/`ToolMessage$outboundSchema`),
 *     each tool through `Tool$outboundSchema`, and the remaining top level through
 *     `ChatCompletionRequest$outboundSchema` (with `messages: []` and no `tools`, so union errors
 *     stay precise). This is what checks types, required fields and nullability (`null` where the
 *     field is not nullable). Zod issue paths are mapped back to wire names and reported as
 *     pydantic-style `detail[]` entries (`missing`, `string_type`, `int_type`, …). Issues under a
 *     location already reported by layer 1 are dropped.
 *  3. Mistral's semantic rules (mistral-common `validator.py` + hosted-API observations, reference
 *     B.1/B.3): these produce HTTP 400 errors with Mistral's real message/type/code where known.
 *
 * Locations follow pydantic's tagged-union convention: a message's loc is
 * `["body","messages",<i>,<role>,...]`.
 */
import * as C from '@mistralai/mistralai/models/components';
import type { ModelInfo } from './models.js';

export type Loc = Array<string | number>;

export interface DetailEntry {
  type: string;
  loc: Loc;
  msg: string;
  input?: unknown;
  ctx?: Record<string, unknown>;
}

export interface RuleError {
  status: number;
  message: string;
  type: string;
  code: string | null;
}

export interface ValidationResult {
  /** 422 `detail[]` entries (schema level). */
  schema: DetailEntry[];
  /** 400 rule errors, in the order the real API would most likely report them. */
  rules: RuleError[];
}

export interface ValidateOptions {
  models: Map<string, ModelInfo>;
  /** Accept image chunks inside `tool` messages (v15 tokenizer). Default false. */
  toolImages?: boolean;
  /** Accept `user` directly after `tool` (mistral-common ≥ 2026-04-27). Default false. */
  userAfterTool?: boolean;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------
// Whitelists (wire names) — from the SDK `*$Outbound` types and the OAS.
// ---------------------------------------------------------------------------------------------

/**
 * Top-level keys of `ChatCompletionRequest$Outbound`. `metadata` is deliberately NOT accepted:
 * the hosted API answered 422 for it (reference B.1) and the proxy must not send it.
 */
const TOP_KEYS = new Set([
  'model', 'temperature', 'top_p', 'max_tokens', 'stream', 'stop', 'random_seed', 'messages',
  'response_format', 'tools', 'tool_choice', 'presence_penalty', 'frequency_penalty', 'n', 'prediction',
  'parallel_tool_calls', 'reasoning_effort', 'prompt_mode', 'guardrails', 'prompt_cache_key', 'service_tier',
  'safe_prompt',
]);

const MESSAGE_KEYS: Record<string, Set<string>> = {
  system: new Set(['role', 'content']),
  user: new Set(['role', 'content']),
  assistant: new Set(['role', 'content', 'tool_calls', 'prefix']),
  tool: new Set(['role', 'content', 'tool_call_id', 'name']),
};

const CHUNK_KEYS: Record<string, Set<string>> = {
  text: new Set(['type', 'text']),
  image_url: new Set(['type', 'image_url']),
  document_url: new Set(['type', 'document_url', 'document_name']),
  reference: new Set(['type', 'reference_ids']),
  file: new Set(['type', 'file_id']),
  thinking: new Set(['type', 'thinking', 'signature', 'closed']),
  input_audio: new Set(['type', 'input_audio']),
};
/** `SystemMessageContentChunks` = text | thinking. */
const SYSTEM_CHUNK_TYPES = ['text', 'thinking'];
const ALL_CHUNK_TYPES = Object.keys(CHUNK_KEYS);

const THINKING_ITEM_KEYS: Record<string, Set<string>> = {
  text: CHUNK_KEYS.text,
  reference: CHUNK_KEYS.reference,
  tool_reference: new Set(['type', 'tool', 'title', 'url', 'favicon', 'description']),
};

const IMAGE_URL_KEYS = new Set(['url', 'detail']);
const TOOL_KEYS = new Set(['type', 'function']);
const FUNCTION_KEYS = new Set(['name', 'description', 'strict', 'parameters']);
const TOOL_CALL_KEYS = new Set(['id', 'type', 'function', 'index']);
const FUNCTION_CALL_KEYS = new Set(['name', 'arguments']);
const TOOL_CHOICE_KEYS = new Set(['type', 'function']);
const FUNCTION_NAME_KEYS = new Set(['name']);
const RESPONSE_FORMAT_KEYS = new Set(['type', 'json_schema']);
const JSON_SCHEMA_KEYS = new Set(['name', 'description', 'schema', 'strict']);
const PREDICTION_KEYS = new Set(['type', 'content']);
const GUARDRAIL_KEYS = new Set(['block_on_error', 'moderation_llm_v1', 'moderation_llm_v2']);
const MODERATION_KEYS = new Set(['model_name', 'custom_category_thresholds', 'ignore_other_categories', 'action']);

/** Closed enums, values taken from the SDK's enum objects. */
const ENUMS = {
  toolChoice: Object.values(C.ToolChoiceEnum) as string[],
  reasoningEffort: Object.values(C.ReasoningEffort) as string[],
  promptMode: Object.values(C.MistralPromptMode) as string[],
  responseFormat: Object.values(C.ResponseFormats) as string[],
  imageDetail: Object.values(C.ImageDetail) as string[],
  toolType: Object.values(C.ToolTypes) as string[],
};

// ---------------------------------------------------------------------------------------------
// Key mapping wire <-> SDK camelCase
// ---------------------------------------------------------------------------------------------

const SPECIAL_TO_CAMEL: Record<string, string> = { schema: 'schemaDefinition' };
const SPECIAL_TO_WIRE: Record<string, string> = { schemaDefinition: 'schema' };
const camelCache = new Map<string, string>();
function toCamel(k: string): string {
  let v = camelCache.get(k);
  if (v === undefined) {
    v = k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    camelCache.set(k, v);
  }
  return v;
}
function toWire(k: string): string {
  return SPECIAL_TO_WIRE[k] ?? k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

/** Recursively camelize (used only for opaque-ish guardrail configs). */
function camelDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(camelDeep);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const k of Object.keys(v)) out[toCamel(k)] = camelDeep(v[k]);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Layer 1: structural walker
// ---------------------------------------------------------------------------------------------

function quoteList(vals: string[]): string {
  const q = vals.map((v) => `'${v}'`);
  if (q.length <= 1) return q.join('');
  return q.slice(0, -1).join(', ') + ' or ' + q[q.length - 1];
}

interface ZodJob {
  schema: SafeParser;
  data: unknown;
  loc: Loc;
}

class Walker {
  readonly details: DetailEntry[] = [];
  /** SDK-schema validations to run on the camelCase copies (layer 2). */
  readonly jobs: ZodJob[] = [];

  extra(loc: Loc, input: unknown): void {
    this.details.push({ type: 'extra_forbidden', loc, msg: 'Extra inputs are not permitted', input });
  }

  /** Checks keys against a whitelist and returns a camelCase copy of the known keys. */
  pick(obj: Obj, allowed: Set<string>, loc: Loc, rename = true): Obj {
    const out: Obj = {};
    for (const k of Object.keys(obj)) {
      if (!allowed.has(k)) {
        this.extra([...loc, k], obj[k]);
        continue;
      }
      out[rename ? (SPECIAL_TO_CAMEL[k] ?? toCamel(k)) : k] = obj[k];
    }
    return out;
  }

  enumCheck(value: unknown, allowed: string[], loc: Loc, nullable = false): void {
    if (value === undefined || (nullable && value === null)) return;
    if (typeof value === 'string' && !allowed.includes(value)) {
      this.details.push({ type: 'enum', loc, msg: `Input should be ${quoteList(allowed)}`, input: value, ctx: { expected: quoteList(allowed) } });
    }
  }

  range(value: unknown, loc: Loc, o: { ge?: number; gt?: number; le?: number; lt?: number }): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    if (o.ge !== undefined && value < o.ge)
      this.details.push({ type: 'greater_than_equal', loc, msg: `Input should be greater than or equal to ${o.ge}`, input: value, ctx: { ge: o.ge } });
    if (o.gt !== undefined && value <= o.gt)
      this.details.push({ type: 'greater_than', loc, msg: `Input should be greater than ${o.gt}`, input: value, ctx: { gt: o.gt } });
    if (o.le !== undefined && value > o.le)
      this.details.push({ type: 'less_than_equal', loc, msg: `Input should be less than or equal to ${o.le}`, input: value, ctx: { le: o.le } });
    if (o.lt !== undefined && value >= o.lt)
      this.details.push({ type: 'less_than', loc, msg: `Input should be less than ${o.lt}`, input: value, ctx: { lt: o.lt } });
  }

  tagInvalid(loc: Loc, tagName: string, tag: unknown, expected: string[], input: unknown): void {
    if (tag === undefined) {
      this.details.push({
        type: 'union_tag_not_found', loc, input,
        msg: `Unable to extract tag using discriminator '${tagName}'`, ctx: { discriminator: `'${tagName}'` },
      });
    } else {
      this.details.push({
        type: 'union_tag_invalid', loc, input,
        msg: `Input tag '${String(tag)}' found using '${tagName}' does not match any of the expected tags: ${expected.map((e) => `'${e}'`).join(', ')}`,
        ctx: { discriminator: `'${tagName}'`, tag: String(tag), expected_tags: expected.map((e) => `'${e}'`).join(', ') },
      });
    }
  }

  /**
   * Content arrays are validated chunk by chunk with the chunk type's own SDK schema; the message
   * schema then sees `[]` (the union over all chunk types would only add cost and vaguer errors).
   */
  content(content: unknown, loc: Loc, allowedTypes: string[]): unknown {
    if (!Array.isArray(content)) return content; // string / null / wrong type: zod decides
    content.forEach((chunk, i) => this.chunk(chunk, [...loc, i], allowedTypes));
    return [];
  }

  chunk(chunk: unknown, loc: Loc, allowedTypes: string[]): unknown {
    if (!isObj(chunk)) {
      this.details.push({ type: 'model_attributes_type', loc, input: chunk, msg: 'Input should be a valid dictionary or object to extract fields from' });
      return chunk;
    }
    const t = chunk.type;
    if (typeof t !== 'string' || !allowedTypes.includes(t)) {
      this.tagInvalid(loc, 'type', t, allowedTypes, chunk);
      return chunk;
    }
    const out = this.pick(chunk, CHUNK_KEYS[t], loc);
    if (t === 'image_url' && isObj(chunk.image_url)) {
      const iu = this.pick(chunk.image_url, IMAGE_URL_KEYS, [...loc, 'image_url']);
      this.enumCheck(chunk.image_url.detail, ENUMS.imageDetail, [...loc, 'image_url', 'detail'], true);
      out.imageUrl = iu;
    } else if (t === 'thinking' && Array.isArray(chunk.thinking)) {
      const expected = Object.keys(THINKING_ITEM_KEYS);
      chunk.thinking.forEach((item, j) => {
        const iloc = [...loc, 'thinking', j];
        if (!isObj(item)) {
          this.details.push({ type: 'model_attributes_type', loc: iloc, input: item, msg: 'Input should be a valid dictionary or object to extract fields from' });
          return;
        }
        const it = item.type;
        if (typeof it !== 'string' || !expected.includes(it)) {
          this.tagInvalid(iloc, 'type', it, expected, item);
          return;
        }
        this.jobs.push({ schema: getSchemas().thinkingItem[it], data: this.pick(item, THINKING_ITEM_KEYS[it], iloc), loc: iloc });
      });
      // Items were validated one by one with their own SDK schema (cheaper and more precise than
      // the SDK's smartUnion); the ThinkChunk schema itself sees an empty list.
      out.thinking = [];
    }
    this.jobs.push({ schema: getSchemas().chunk[t], data: out, loc });
    return out;
  }

  toolCall(tc: unknown, loc: Loc): unknown {
    if (!isObj(tc)) return tc;
    const out = this.pick(tc, TOOL_CALL_KEYS, loc);
    this.enumCheck(tc.type, ENUMS.toolType, [...loc, 'type']);
    if (isObj(tc.function)) out.function = this.pick(tc.function, FUNCTION_CALL_KEYS, [...loc, 'function']);
    return out;
  }

  message(m: unknown, i: number): { role?: string; camel?: Obj; loc: Loc } {
    const base: Loc = ['body', 'messages', i];
    if (!isObj(m)) {
      this.details.push({
        type: 'model_attributes_type', loc: base, input: m,
        msg: 'Input should be a valid dictionary or object to extract fields from',
      });
      return { loc: base };
    }
    const role = m.role;
    if (typeof role !== 'string' || !(role in MESSAGE_KEYS)) {
      this.tagInvalid(base, 'role', role, ['assistant', 'system', 'tool', 'user'], m);
      return { loc: base };
    }
    const loc: Loc = [...base, role];
    const out = this.pick(m, MESSAGE_KEYS[role], loc);
    const allowed = role === 'system' ? SYSTEM_CHUNK_TYPES : ALL_CHUNK_TYPES;
    if ('content' in m) out.content = this.content(m.content, [...loc, 'content'], allowed);
    if (role === 'assistant' && Array.isArray(m.tool_calls)) {
      out.toolCalls = m.tool_calls.map((tc, j) => this.toolCall(tc, [...loc, 'tool_calls', j]));
    }
    this.jobs.push({ schema: getSchemas().byRole[role], data: out, loc });
    return { role, camel: out, loc };
  }

  tool(t: unknown, i: number): Obj | undefined {
    const loc: Loc = ['body', 'tools', i];
    if (!isObj(t)) return undefined;
    if (t.type !== undefined && t.type !== 'function') {
      // The SDK also knows connector tools (web_search, …); chat completions via this proxy never
      // use them, so the mock only accepts function tools.
      this.tagInvalid(loc, 'type', t.type, ['function'], t);
      return undefined;
    }
    const out = this.pick(t, TOOL_KEYS, loc);
    if (isObj(t.function)) out.function = this.pick(t.function, FUNCTION_KEYS, [...loc, 'function']);
    this.jobs.push({ schema: getSchemas().tool, data: out, loc });
    return out;
  }

  top(body: Obj): Obj {
    const out = this.pick(body, TOP_KEYS, ['body']);
    const L = (k: string): Loc => ['body', k];

    // tool_choice: enum string or {type, function:{name}}
    if (typeof body.tool_choice === 'string') this.enumCheck(body.tool_choice, ENUMS.toolChoice, L('tool_choice'));
    else if (isObj(body.tool_choice)) {
      const tc = this.pick(body.tool_choice, TOOL_CHOICE_KEYS, L('tool_choice'));
      this.enumCheck(body.tool_choice.type, ENUMS.toolType, ['body', 'tool_choice', 'type']);
      if (isObj(body.tool_choice.function))
        tc.function = this.pick(body.tool_choice.function, FUNCTION_NAME_KEYS, ['body', 'tool_choice', 'function']);
      out.toolChoice = tc;
    }
    this.enumCheck(body.reasoning_effort, ENUMS.reasoningEffort, L('reasoning_effort'), true);
    this.enumCheck(body.prompt_mode, ENUMS.promptMode, L('prompt_mode'), true);

    if (isObj(body.response_format)) {
      const rf = this.pick(body.response_format, RESPONSE_FORMAT_KEYS, L('response_format'));
      this.enumCheck(body.response_format.type, ENUMS.responseFormat, ['body', 'response_format', 'type']);
      if (isObj(body.response_format.json_schema))
        rf.jsonSchema = this.pick(body.response_format.json_schema, JSON_SCHEMA_KEYS, ['body', 'response_format', 'json_schema']);
      out.responseFormat = rf;
    }
    if (isObj(body.prediction)) out.prediction = this.pick(body.prediction, PREDICTION_KEYS, L('prediction'));
    if (Array.isArray(body.guardrails)) {
      out.guardrails = body.guardrails.map((g, i) => {
        if (!isObj(g)) return g;
        const gl: Loc = ['body', 'guardrails', i];
        const go = this.pick(g, GUARDRAIL_KEYS, gl);
        for (const k of ['moderation_llm_v1', 'moderation_llm_v2'] as const) {
          const mv = g[k];
          if (isObj(mv)) {
            const mo = this.pick(mv, MODERATION_KEYS, [...gl, k]);
            if (mo.customCategoryThresholds !== undefined) mo.customCategoryThresholds = camelDeep(mo.customCategoryThresholds);
            go[toCamel(k)] = mo;
          }
        }
        return go;
      });
    }

    // messages / tools presence and container types (zod never sees them at top level).
    if (!('messages' in body)) this.details.push({ type: 'missing', loc: L('messages'), msg: 'Field required', input: body });
    else if (!Array.isArray(body.messages))
      this.details.push({ type: 'list_type', loc: L('messages'), msg: 'Input should be a valid list', input: body.messages });
    if ('tools' in body && body.tools !== null && !Array.isArray(body.tools))
      this.details.push({ type: 'list_type', loc: L('tools'), msg: 'Input should be a valid list', input: body.tools });

    // List lengths and numeric ranges (pydantic constraints of the hosted API).
    if (Array.isArray(body.tools) && body.tools.length === 0)
      this.details.push({ type: 'too_short', loc: L('tools'), msg: 'List should have at least 1 item after validation, not 0', input: [], ctx: { field_type: 'List', min_length: 1, actual_length: 0 } });
    if (Array.isArray(body.stop) && body.stop.length === 0)
      this.details.push({ type: 'too_short', loc: L('stop'), msg: 'List should have at least 1 item after validation, not 0', input: [], ctx: { field_type: 'List', min_length: 1, actual_length: 0 } });
    this.range(body.temperature, L('temperature'), { ge: 0, le: 1.5 });
    this.range(body.top_p, L('top_p'), { gt: 0, le: 1 });
    this.range(body.max_tokens, L('max_tokens'), { ge: 0 });
    this.range(body.random_seed, L('random_seed'), { ge: 0 });
    this.range(body.n, L('n'), { ge: 1 });
    this.range(body.presence_penalty, L('presence_penalty'), { ge: -2, le: 2 });
    this.range(body.frequency_penalty, L('frequency_penalty'), { ge: -2, le: 2 });
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Layer 2: SDK zod schemas on the camelCase copy
// ---------------------------------------------------------------------------------------------

interface ZIssue {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  input?: unknown;
  values?: unknown[];
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  errors?: ZIssue[][];
}

interface SafeParser {
  safeParse(data: unknown, params?: { reportInput?: boolean }): { success: boolean; error?: { issues: unknown[] } };
}

let schemas: {
  top: SafeParser;
  tool: SafeParser;
  byRole: Record<string, SafeParser>;
  chunk: Record<string, SafeParser>;
  thinkingItem: Record<string, SafeParser>;
} | undefined;

function getSchemas() {
  if (!schemas) {
    schemas = {
      top: C.ChatCompletionRequest$outboundSchema as unknown as SafeParser,
      tool: C.Tool$outboundSchema as unknown as SafeParser,
      byRole: {
        system: C.SystemMessage$outboundSchema as unknown as SafeParser,
        user: C.UserMessage$outboundSchema as unknown as SafeParser,
        assistant: C.AssistantMessage$outboundSchema as unknown as SafeParser,
        tool: C.ToolMessage$outboundSchema as unknown as SafeParser,
      },
      chunk: {
        text: C.TextChunk$outboundSchema as unknown as SafeParser,
        image_url: C.ImageURLChunk$outboundSchema as unknown as SafeParser,
        document_url: C.DocumentURLChunk$outboundSchema as unknown as SafeParser,
        reference: C.ReferenceChunk$outboundSchema as unknown as SafeParser,
        file: C.FileChunk$outboundSchema as unknown as SafeParser,
        thinking: C.ThinkChunk$outboundSchema as unknown as SafeParser,
        input_audio: C.AudioChunk$outboundSchema as unknown as SafeParser,
      },
      thinkingItem: {
        text: C.TextChunk$outboundSchema as unknown as SafeParser,
        reference: C.ReferenceChunk$outboundSchema as unknown as SafeParser,
        tool_reference: C.ToolReferenceChunk$outboundSchema as unknown as SafeParser,
      },
    };
  }
  return schemas;
}

const EXPECTED: Record<string, [string, string, string]> = {
  // zod expected -> [pydantic type, msg, loc label for union branches]
  string: ['string_type', 'Input should be a valid string', 'str'],
  number: ['float_type', 'Input should be a valid number', 'float'],
  int: ['int_type', 'Input should be a valid integer', 'int'],
  boolean: ['bool_type', 'Input should be a valid boolean', 'bool'],
  object: ['dict_type', 'Input should be a valid dictionary', 'dict'],
  record: ['dict_type', 'Input should be a valid dictionary', 'dict'],
  map: ['dict_type', 'Input should be a valid dictionary', 'dict'],
  array: ['list_type', 'Input should be a valid list', 'list'],
};

function issueToDetail(issue: ZIssue, loc: Loc): DetailEntry {
  const input = issue.input;
  switch (issue.code) {
    case 'invalid_type': {
      if (input === undefined) return { type: 'missing', loc, msg: 'Field required' };
      const e = EXPECTED[issue.expected ?? ''];
      if (e) return { type: e[0], loc, msg: e[1], input };
      return { type: 'type_error', loc, msg: issue.message, input };
    }
    case 'invalid_value': {
      const vals = (issue.values ?? []).map((v) => String(v));
      return { type: 'literal_error', loc, msg: `Input should be ${quoteList(vals)}`, input, ctx: { expected: quoteList(vals) } };
    }
    case 'too_small':
      return {
        type: issue.inclusive === false ? 'greater_than' : 'greater_than_equal', loc, input,
        msg: `Input should be greater than${issue.inclusive === false ? '' : ' or equal to'} ${String(issue.minimum)}`,
      };
    case 'too_big':
      return {
        type: issue.inclusive === false ? 'less_than' : 'less_than_equal', loc, input,
        msg: `Input should be less than${issue.inclusive === false ? '' : ' or equal to'} ${String(issue.maximum)}`,
      };
    default:
      return { type: 'value_error', loc, msg: issue.message, input };
  }
}

function mapPath(path: PropertyKey[]): Loc {
  return path.map((p) => (typeof p === 'number' ? p : toWire(String(p))));
}

function isTagMismatch(i: ZIssue): boolean {
  return i.code === 'invalid_value' && i.path.length > 0 && i.path[i.path.length - 1] === 'type';
}

/** Value at a (camelCase, zod) path; `found` is false when a key is absent. */
function getAt(data: unknown, path: PropertyKey[]): { found: boolean; value: unknown } {
  let cur: unknown = data;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || !(p in (cur as object))) return { found: false, value: undefined };
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return { found: true, value: cur };
}

/** Flattens zod issues (resolving unions to their most plausible branch) into detail entries. */
function flatten(issues: ZIssue[], base: Loc, data: unknown, out: DetailEntry[]): void {
  for (const issue of issues) {
    const loc = [...base, ...mapPath(issue.path)];
    const at = getAt(data, issue.path);
    // Nested issues from the SDK's smartUnion carry no `input`: recover it from the data.
    const withInput: ZIssue = { ...issue, input: at.found ? at.value : undefined };
    if (issue.code !== 'invalid_union' || !issue.errors || issue.errors.length === 0 || (!at.found && issue.path.length > 0)) {
      // (a union whose value is absent is simply a missing field)
      out.push(issueToDetail(issue.code === 'invalid_union' ? { ...withInput, code: 'invalid_type' } : withInput, loc));
      continue;
    }
    let branches = issue.errors.filter((b) => !b.some(isTagMismatch));
    if (branches.length === 0) branches = issue.errors;
    const depth = (b: ZIssue[]) => b.reduce((m, i) => Math.max(m, i.path.length + (i.code === 'invalid_union' ? 1 : 0)), 0);
    const progressed = branches.filter((b) => depth(b) > 0);
    if (progressed.length === 0) {
      // Every branch failed at the union's own level: pydantic lists one error per branch, with the
      // branch type as a loc suffix, e.g. ["body","messages",0,"system","content","str"].
      for (const b of branches) {
        const first = b[0];
        if (!first) continue;
        const label = EXPECTED[first.expected ?? '']?.[2];
        out.push(issueToDetail({ ...first, input: withInput.input }, label ? [...loc, label] : loc));
      }
      continue;
    }
    let best = progressed[0];
    for (const b of progressed) if (depth(b) > depth(best) || (depth(b) === depth(best) && b.length < best.length)) best = b;
    flatten(best, loc, at.value, out);
  }
}

function runZod(schema: SafeParser, data: unknown, base: Loc, out: DetailEntry[]): void {
  const r = schema.safeParse(data);
  if (!r.success && r.error) flatten(r.error.issues as ZIssue[], base, data, out);
}

function locKey(loc: Loc): string {
  return loc.join('\u0000');
}

// ---------------------------------------------------------------------------------------------
// Layer 3: Mistral's rules
// ---------------------------------------------------------------------------------------------

const ID_RE = /^[a-zA-Z0-9]{9}$/;
const NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;
const DATA_IMAGE_RE = /^data:image\/(png|jpeg|webp|gif);base64,[A-Za-z0-9+/]+={0,2}$/;
const MAX_IMAGES = 8;
const MAX_TOOLS = 128;

const fnNameMsg = (n: unknown) =>
  `Function name was ${String(n)} but must be a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum length of 64.`;
const idMsg = (id: unknown) => `Tool call id was ${String(id)} but must be a-z, A-Z, 0-9, with a length of 9.`;

function pyRepr(v: unknown): string {
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === null) return 'None';
  if (typeof v === 'string') return `'${v}'`;
  return JSON.stringify(v);
}

const JSON_TYPES = new Set(['array', 'boolean', 'integer', 'null', 'number', 'object', 'string']);
const SUBSCHEMA_KEYS = ['not', 'if', 'then', 'else', 'contains', 'propertyNames', 'additionalItems', 'additionalProperties'];
const SCHEMA_MAP_KEYS = ['properties', 'patternProperties', 'definitions', '$defs'];
const SCHEMA_ARRAY_KEYS = ['anyOf', 'oneOf', 'allOf'];
const NUMBER_KEYS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'];
const NONNEG_INT_KEYS = ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties'];
const STRING_KEYS = ['pattern', 'format', 'title', 'description', '$ref', '$comment', 'contentMediaType', 'contentEncoding'];

/**
 * Checks a JSON schema like mistral-common's `Draft7Validator.check_schema` (a practical subset of the
 * draft-7 meta-schema) plus the hosted API's grammar compiler refusing `$schema` / `$id`.
 * Returns the problems found: at most one draft-7 error and/or one grammar error.
 */
export function checkJsonSchema(schema: unknown): RuleError[] {
  let grammar = false;
  let invalid: string | undefined;
  const visit = (s: unknown, depth: number): void => {
    if (invalid && grammar) return;
    if (typeof s === 'boolean') return;
    if (!isObj(s)) {
      invalid ??= `${pyRepr(s)} is not of type 'object', 'boolean'`;
      return;
    }
    if (depth > 64) return;
    if ('$schema' in s || '$id' in s) grammar = true;
    for (const k of Object.keys(s)) {
      const v = s[k];
      if (k === 'type') {
        const ok = typeof v === 'string' ? JSON_TYPES.has(v)
          : Array.isArray(v) && v.every((x) => typeof x === 'string' && JSON_TYPES.has(x)) && new Set(v).size === v.length;
        if (!ok) invalid ??= `${pyRepr(v)} is not valid under any of the given schemas`;
      } else if (SCHEMA_MAP_KEYS.includes(k)) {
        if (!isObj(v)) invalid ??= `${pyRepr(v)} is not of type 'object'`;
        else for (const sub of Object.values(v)) visit(sub, depth + 1);
      } else if (SCHEMA_ARRAY_KEYS.includes(k)) {
        if (!Array.isArray(v)) invalid ??= `${pyRepr(v)} is not of type 'array'`;
        else if (v.length === 0) invalid ??= `[] should be non-empty`;
        else for (const sub of v) visit(sub, depth + 1);
      } else if (SUBSCHEMA_KEYS.includes(k)) {
        visit(v, depth + 1);
      } else if (k === 'items') {
        if (Array.isArray(v)) for (const sub of v) visit(sub, depth + 1);
        else visit(v, depth + 1);
      } else if (k === 'dependencies') {
        if (!isObj(v)) invalid ??= `${pyRepr(v)} is not of type 'object'`;
        else for (const sub of Object.values(v)) if (!Array.isArray(sub)) visit(sub, depth + 1);
      } else if (k === 'required') {
        if (!Array.isArray(v)) invalid ??= `${pyRepr(v)} is not of type 'array'`;
        else if (!v.every((x) => typeof x === 'string')) invalid ??= `${pyRepr(v.find((x) => typeof x !== 'string'))} is not of type 'string'`;
        else if (new Set(v).size !== v.length) invalid ??= `${JSON.stringify(v)} has non-unique elements`;
      } else if (k === 'enum') {
        if (!Array.isArray(v)) invalid ??= `${pyRepr(v)} is not of type 'array'`;
      } else if (NUMBER_KEYS.includes(k)) {
        // Draft-4 leftovers (`exclusiveMinimum: true`) fail here.
        if (typeof v !== 'number') invalid ??= `${pyRepr(v)} is not of type 'number'`;
        else if (k === 'multipleOf' && v <= 0) invalid ??= `${v} is less than or equal to the minimum of 0`;
      } else if (NONNEG_INT_KEYS.includes(k)) {
        if (typeof v !== 'number' || !Number.isInteger(v)) invalid ??= `${pyRepr(v)} is not of type 'integer'`;
        else if (v < 0) invalid ??= `${v} is less than the minimum of 0`;
      } else if (STRING_KEYS.includes(k)) {
        if (typeof v !== 'string') invalid ??= `${pyRepr(v)} is not of type 'string'`;
      } else if (k === 'uniqueItems' || k === 'readOnly' || k === 'writeOnly') {
        if (typeof v !== 'boolean') invalid ??= `${pyRepr(v)} is not of type 'boolean'`;
      } else if (k === 'examples') {
        if (!Array.isArray(v)) invalid ??= `${pyRepr(v)} is not of type 'array'`;
      }
    }
  };
  visit(schema, 0);
  const out: RuleError[] = [];
  if (invalid) out.push({ status: 400, message: `Invalid tool schema: ${invalid}`, type: 'invalid_request_error', code: null });
  if (grammar) out.push({ status: 400, message: 'Grammar error: at 3(11): failed to compile JSON schema', type: 'invalid_request_error', code: null });
  return out;
}

function contentIsEmpty(c: unknown): boolean {
  return c === undefined || c === null || c === '' || (Array.isArray(c) && c.length === 0);
}

function isValidImageUrl(u: string): boolean {
  if (u.startsWith('data:')) return DATA_IMAGE_RE.test(u);
  try {
    const p = new URL(u);
    return (p.protocol === 'http:' || p.protocol === 'https:') && p.hostname.length > 0;
  } catch {
    return false;
  }
}

function checkRules(body: Obj, opts: ValidateOptions): RuleError[] {
  const errs: RuleError[] = [];
  const err = (message: string, type = 'invalid_request_error', code: string | null = null, status = 400) =>
    errs.push({ status, message, type, code });
  const order = (message: string) => err(message, 'invalid_request_message_order', '3230');
  // Like mistral-common, messages are validated before tools; the grammar compiler ($schema/$id)
  // runs last. `late`/`grammar` are appended at the end.
  const late: RuleError[] = [];
  const grammar: RuleError[] = [];
  const lateErr = (message: string) => late.push({ status: 400, message, type: 'invalid_request_error', code: null });

  // Model.
  let model: ModelInfo | undefined;
  if (typeof body.model === 'string') {
    model = opts.models.get(body.model);
    if (!model) err(`Invalid model: ${body.model}`, 'invalid_model', '1500');
  }

  // reasoning_effort only on reasoning models.
  if (model && body.reasoning_effort !== undefined && body.reasoning_effort !== null && !model.reasoning) {
    err(`Model ${String(body.model)} does not support reasoning_effort`);
  }

  // Tools.
  const toolNames = new Set<string>();
  if (Array.isArray(body.tools)) {
    if (body.tools.length > MAX_TOOLS) lateErr(`Too many tools: ${body.tools.length} provided, the maximum is ${MAX_TOOLS}.`);
    for (const t of body.tools) {
      if (!isObj(t) || !isObj(t.function)) continue;
      const f = t.function;
      if (typeof f.name === 'string') {
        if (!NAME_RE.test(f.name)) lateErr(fnNameMsg(f.name));
        else if (toolNames.has(f.name)) lateErr(`Duplicate tool name ${f.name}`); // mock-specific
        toolNames.add(f.name);
      }
      if (isObj(f.parameters)) {
        for (const e of checkJsonSchema(f.parameters)) (e.message.startsWith('Grammar') ? grammar : late).push(e);
      }
    }
  }
  if (isObj(body.tool_choice) && isObj(body.tool_choice.function) && typeof body.tool_choice.function.name === 'string') {
    const n = body.tool_choice.function.name;
    if (!toolNames.has(n)) lateErr(`tool_choice names function ${n}, which is not in tools`); // mock-specific
  }

  // response_format
  if (isObj(body.response_format)) {
    const rf = body.response_format;
    if (rf.type === 'json_schema' && !isObj(rf.json_schema)) lateErr('json_schema must be provided when response_format type is json_schema');
    if (isObj(rf.json_schema) && isObj(rf.json_schema.schema)) {
      for (const e of checkJsonSchema(rf.json_schema.schema)) {
        (e.message.startsWith('Grammar') ? grammar : late).push({ ...e, message: e.message.replace('Invalid tool schema', 'Invalid JSON schema') });
      }
    }
  }

  // Messages.
  const msgs = Array.isArray(body.messages) ? body.messages : undefined;
  if (!msgs || msgs.length === 0) {
    if (msgs) order('Conversation must have at least one message');
    return [...errs, ...late, ...grammar];
  }
  const roleOf = (m: unknown): string | undefined => (isObj(m) && typeof m.role === 'string' ? m.role : undefined);
  if (msgs.length === 1 && roleOf(msgs[0]) !== 'user' && roleOf(msgs[0]) !== 'system') {
    order('Conversation must start with a user message or system message');
  }

  // Last message.
  const last = msgs[msgs.length - 1];
  const lastRole = roleOf(last);
  if (lastRole !== 'user' && lastRole !== 'tool' && !(lastRole === 'assistant' && isObj(last) && last.prefix === true)) {
    order(`Expected last role User or Tool (or Assistant with prefix True) for serving but got ${String(lastRole)}`);
  }

  // Role order.
  const next: Record<string, string[]> = {
    system: ['user', 'assistant', 'system'],
    user: ['user', 'assistant', 'system'],
    assistant: ['assistant', 'user', 'tool'],
    tool: opts.userAfterTool ? ['assistant', 'tool', 'user'] : ['assistant', 'tool'],
  };
  let prev: string | undefined;
  for (const m of msgs) {
    const r = roleOf(m);
    if (r === undefined || !(r in next)) {
      prev = undefined;
      continue;
    }
    if (prev !== undefined && !next[prev].includes(r)) order(`Unexpected role '${r}' after role '${prev}'`);
    prev = r;
  }

  // Tool calls <-> tool results (mistral-common V13 semantics; additionally the mock requires all
  // results before the next user/system message, which is what the proxy must guarantee anyway).
  let expected = new Set<string>();
  let observed = new Set<string>();
  let pendingCount = 0; // number of calls in the open assistant turn (ids may repeat → caught separately)
  let seenAny = false;
  const closeTurn = () => {
    if (pendingCount !== observed.size) err('Not the same number of function calls and responses');
  };
  for (const m of msgs) {
    const r = roleOf(m);
    if (!isObj(m) || !r) continue;
    if (r === 'tool') {
      const id = m.tool_call_id;
      if (typeof id === 'string') {
        if (observed.has(id)) order(`Duplicate tool call id ${id} in tool results`);
        else if (!expected.has(id)) order(`Unexpected tool call id ${id} in tool results`);
        observed.add(id);
      }
    } else if (r === 'assistant') {
      if (seenAny) closeTurn();
      expected = new Set();
      observed = new Set();
      pendingCount = 0;
      if (Array.isArray(m.tool_calls)) {
        for (const tc of m.tool_calls) {
          const id = isObj(tc) ? tc.id : undefined;
          if (typeof id !== 'string') continue;
          if (expected.has(id)) order(`Duplicate tool call id ${id} in assistant message`);
          expected.add(id);
          pendingCount++;
        }
      }
    } else {
      // user / system: every open tool call must have been answered.
      if (seenAny) closeTurn();
      expected = new Set();
      observed = new Set();
      pendingCount = 0;
    }
    seenAny = true;
  }
  closeTurn();

  // Per-message content rules.
  let images = 0;
  msgs.forEach((m, idx) => {
    if (!isObj(m)) return;
    const r = roleOf(m);
    const isLast = idx === msgs.length - 1;
    if (r === 'system') {
      if (contentIsEmpty(m.content)) err('System prompt must have content');
    } else if (r === 'assistant') {
      const hasCalls = Array.isArray(m.tool_calls) && m.tool_calls.length > 0;
      if (contentIsEmpty(m.content) && !hasCalls) err('Assistant message must have either content or tool_calls, but not none.');
      if (m.prefix === true) {
        if (!isLast) err('Assistant message with prefix True must be last message');
        if (contentIsEmpty(m.content)) err('Assistant message with prefix True must have content'); // mock wording
      }
      if (Array.isArray(m.tool_calls)) {
        for (const tc of m.tool_calls) {
          if (!isObj(tc)) continue;
          if (tc.id === undefined || tc.id === 'null') err('Tool call id has to be defined in serving mode.', 'invalid_function_call', '3280');
          else if (typeof tc.id === 'string' && !ID_RE.test(tc.id)) err(idMsg(tc.id), 'invalid_function_call', '3280');
          if (isObj(tc.function)) {
            const f = tc.function;
            if (typeof f.name === 'string' && !NAME_RE.test(f.name)) err(fnNameMsg(f.name), 'invalid_function_call', '3280');
            if (typeof f.arguments === 'string') {
              try {
                JSON.parse(f.arguments);
              } catch {
                // mock-specific: the proxy always re-serialises tool_use.input, so this must be JSON.
                err(`Tool call arguments are not valid JSON: ${f.arguments.slice(0, 80)}`, 'invalid_function_call', '3280');
              }
            }
          }
        }
      }
    } else if (r === 'tool') {
      if (typeof m.name === 'string' && !NAME_RE.test(m.name)) err(fnNameMsg(m.name));
      if (m.tool_call_id === undefined || m.tool_call_id === null) err('Tool call id has to be defined.');
      else if (typeof m.tool_call_id === 'string' && !ID_RE.test(m.tool_call_id)) err(idMsg(m.tool_call_id), 'invalid_function_call', '3280');
    }

    // Chunk types per role (tokenizer ≥ v11/v13, reference B.2) and images.
    if (Array.isArray(m.content)) {
      for (const ch of m.content) {
        if (!isObj(ch) || typeof ch.type !== 'string') continue;
        const t = ch.type;
        if (t === 'thinking' && r !== 'assistant' && r !== 'system') err(`Unexpected chunk type thinking in ${String(r)} message`);
        if (r === 'assistant' && t !== 'text' && t !== 'thinking') err(`Unexpected chunk type ${t} in assistant message`);
        if (r === 'tool' && t !== 'text' && !(t === 'image_url' && opts.toolImages)) err(`Unexpected chunk type ${t} in tool message`);
        if (t === 'image_url') {
          images++;
          const iu = ch.image_url;
          const url = typeof iu === 'string' ? iu : isObj(iu) && typeof iu.url === 'string' ? iu.url : undefined;
          if (url !== undefined && !isValidImageUrl(url)) {
            err(`Invalid image URL: ${url.slice(0, 60)}. Expected an http(s) URL or a data:image/(png|jpeg|webp|gif);base64 URI.`);
          }
        }
      }
    }
  });
  if (images > MAX_IMAGES) err(`Too many images in request: ${images} provided, the maximum is ${MAX_IMAGES}.`);
  if (images > 0 && model && !model.vision) err(`Model ${String(body.model)} does not support image input.`);

  return [...errs, ...late, ...grammar];
}

// ---------------------------------------------------------------------------------------------
// Entry point
// ---------------------------------------------------------------------------------------------

export function validateChatBody(body: unknown, opts: ValidateOptions): ValidationResult {
  if (!isObj(body)) {
    return {
      schema: [{
        type: 'model_attributes_type', loc: ['body'], input: body,
        msg: 'Input should be a valid dictionary or object to extract fields from',
      }],
      rules: [],
    };
  }
  const w = new Walker();
  const topCamel = w.top(body);

  if (Array.isArray(body.messages)) body.messages.forEach((m, i) => w.message(m, i));
  const zodDetails: DetailEntry[] = [];
  if (Array.isArray(body.tools)) {
    body.tools.forEach((t, i) => {
      if (!isObj(t)) zodDetails.push({ type: 'model_attributes_type', loc: ['body', 'tools', i], input: t, msg: 'Input should be a valid dictionary or object to extract fields from' });
      else w.tool(t, i);
    });
  }
  const s = getSchemas();
  for (const job of w.jobs) runZod(job.schema, job.data, job.loc, zodDetails);
  // Top level without messages/tools (validated above, element by element).
  const top: Obj = { ...topCamel, messages: [] };
  delete top.tools;
  runZod(s.top, top, ['body'], zodDetails);

  // Merge: drop zod issues under (or equal to) a location the walker already reported.
  const walkerLocs = w.details.map((d) => locKey(d.loc));
  const schema = [...w.details];
  for (const d of zodDetails) {
    const k = locKey(d.loc);
    if (walkerLocs.some((wl) => k === wl || k.startsWith(wl + '\u0000'))) continue;
    schema.push(d);
  }
  return { schema, rules: checkRules(body, opts) };
}
