import type { AnthropicRequest } from './anthropic-types.js';
import { invalidRequest } from './errors.js';
import { isJsonObject } from '../json-object.js';

// Checks what the translation relies on and answers like Anthropic does ("messages.0.role: …"); fields the proxy
// does not use are accepted untouched, since clients send many beta fields.

const ROLES = new Set(['user', 'assistant', 'system']);

function fail(path: string, message: string): never {
  throw invalidRequest(`${path}: ${message}`);
}

// The media types Anthropic accepts for images, and how each file starts.
const IMAGE_MAGIC: Record<string, (b: Buffer) => boolean> = {
  'image/jpeg': (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  'image/png': (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/gif': (b) => b.subarray(0, 4).toString('latin1') === 'GIF8',
  'image/webp': (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
};
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A base64 source's `data`, present and well-formed (images and PDFs alike). */
function base64Data(src: Record<string, unknown>, path: string, what: string): string {
  const data = src.data;
  if (typeof data !== 'string' || data.length === 0) fail(`${path}.source.data`, `Field required (the base64-encoded ${what})`);
  if (data.length % 4 !== 0 || !BASE64.test(data)) fail(`${path}.source.data`, 'is not valid base64 (standard alphabet, padded, no line breaks or data: prefix)');
  return data;
}

function sniffImage(head: Buffer): string | undefined {
  return Object.keys(IMAGE_MAGIC).find((type) => IMAGE_MAGIC[type](head));
}

/** An image block's source, checked as Anthropic does, so a bad image is a clear 400 rather than Mistral's 422. */
function checkImage(block: Record<string, unknown>, path: string): void {
  const src = block.source;
  if (!isJsonObject(src)) fail(`${path}.source`, 'Field required');
  if (src.type === 'base64') {
    const mediaType = src.media_type;
    if (typeof mediaType !== 'string' || !IMAGE_MAGIC[mediaType]) {
      fail(`${path}.source.media_type`, `Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp' (got ${JSON.stringify(mediaType) ?? 'nothing'})`);
    }
    const data = base64Data(src, path, 'image');
    const head = Buffer.from(data.slice(0, 24), 'base64');
    if (!IMAGE_MAGIC[mediaType](head)) {
      const actual = sniffImage(head);
      fail(`${path}.source.data`, actual
        ? `The image was specified using the ${mediaType} media type, but the image appears to be a ${actual} image`
        : `the data is not a ${mediaType} image (or any supported image format)`);
    }
    return;
  }
  if (src.type === 'url') {
    if (!isHttpUrl(src.url)) fail(`${path}.source.url`, 'Input should be an http(s) URL');
    return;
  }
  fail(`${path}.source.type`, `Input should be 'base64' or 'url' (got ${JSON.stringify(src.type) ?? 'nothing'})`);
}

function isHttpUrl(url: unknown): boolean {
  try {
    return typeof url === 'string' && ['http:', 'https:'].includes(new URL(url).protocol);
  } catch {
    return false; // not a URL
  }
}

/**
 * A content block wherever one may stand (a message, a tool_result, a document's content), checked for what the
 * translation reads from it: a malformed block is the client's 400 here, never a TypeError (500) in the translator
 * or a garbage field Mistral refuses. Block types the proxy does not translate are accepted as they are.
 */
function checkBlock(b: unknown, path: string): Record<string, unknown> {
  if (!isJsonObject(b) || typeof b.type !== 'string') fail(`${path}.type`, 'Field required');
  switch (b.type) {
    case 'text':
      if (typeof b.text !== 'string') fail(`${path}.text`, 'Field required (a string)');
      break;
    case 'image':
      checkImage(b, path);
      break;
    case 'document':
      checkDocument(b, path);
      break;
    case 'search_result':
      if (!Array.isArray(b.content)) fail(`${path}.content`, 'Field required (an array of text blocks)');
      b.content.forEach((c: unknown, k: number) => {
        if (!isJsonObject(c) || c.type !== 'text' || typeof c.text !== 'string') fail(`${path}.content.${k}`, "Input should be a text block ({type: 'text', text})");
      });
      for (const key of ['title', 'source'] as const) {
        if (b[key] !== undefined && b[key] !== null && typeof b[key] !== 'string') fail(`${path}.${key}`, 'Input should be a string');
      }
      break;
    case 'thinking':
      if (typeof b.thinking !== 'string') fail(`${path}.thinking`, 'Field required (a string)');
      break;
  }
  return b;
}

/** A document block's source: a PDF (base64 or URL), plain text, or content blocks (text and images). */
function checkDocument(block: Record<string, unknown>, path: string): void {
  const src = block.source;
  if (!isJsonObject(src)) fail(`${path}.source`, 'Field required');
  if (block.title !== undefined && block.title !== null && typeof block.title !== 'string') fail(`${path}.title`, 'Input should be a string');
  switch (src.type) {
    case 'base64':
      if (src.media_type !== 'application/pdf') fail(`${path}.source.media_type`, `Input should be 'application/pdf' (got ${JSON.stringify(src.media_type) ?? 'nothing'})`);
      base64Data(src, path, 'PDF');
      return;
    case 'text':
      if (typeof src.data !== 'string') fail(`${path}.source.data`, 'Field required (a string)');
      return;
    case 'url':
      if (!isHttpUrl(src.url)) fail(`${path}.source.url`, 'Input should be an http(s) URL');
      return;
    case 'content':
      if (typeof src.content === 'string') return;
      if (!Array.isArray(src.content)) fail(`${path}.source.content`, 'Input should be a string or an array of text and image blocks');
      src.content.forEach((c: unknown, k: number) => {
        const inner = checkBlock(c, `${path}.source.content.${k}`);
        if (inner.type !== 'text' && inner.type !== 'image') fail(`${path}.source.content.${k}.type`, "Input should be 'text' or 'image'");
      });
      return;
    case 'file':
      fail(`${path}.source.type`, 'file sources are not supported by the Mistral proxy (send the document as base64, text or a URL)');
  }
  fail(`${path}.source.type`, `Input should be 'base64', 'text', 'url' or 'content' (got ${JSON.stringify(src.type) ?? 'nothing'})`);
}

// Keys that mean something to JavaScript objects rather than to JSON Schema: never copied into the request sent
// upstream, and never assigned where they could change an object's prototype.
const PROTO_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function withoutProtoKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutProtoKeys);
  if (!isJsonObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    if (PROTO_KEYS.has(key)) continue;
    const value = withoutProtoKeys(v[key]);
    out[key] = key === 'required' && Array.isArray(value) ? value.filter((r) => typeof r !== 'string' || !PROTO_KEYS.has(r)) : value;
  }
  return out;
}

/** Whether a schema holds any of those keys (or names one in `required`): most never do, and are then kept as is. */
function hasProtoKeys(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasProtoKeys);
  if (!isJsonObject(v)) return false;
  // for-in rather than Object.keys: no array per object (a plain object's prototype has no enumerable keys).
  for (const key in v) {
    if (PROTO_KEYS.has(key)) return true;
    const value = v[key];
    if (key === 'required' && Array.isArray(value) && value.some((r) => typeof r === 'string' && PROTO_KEYS.has(r))) return true;
    if (typeof value === 'object' && value !== null && hasProtoKeys(value)) return true;
  }
  return false;
}

function checkTool(t: unknown, i: number): void {
  if (!isJsonObject(t) || typeof t.name !== 'string') fail(`tools.${i}.name`, 'Field required');
  if (t.input_schema === undefined) return;
  if (!isJsonObject(t.input_schema)) fail(`tools.${i}.input_schema`, 'Input should be a JSON Schema object');
  if (t.input_schema.type !== undefined && t.input_schema.type !== 'object') fail(`tools.${i}.input_schema.type`, "Input should be 'object'");
  const { properties, required } = t.input_schema;
  if (properties !== undefined && properties !== null && !isJsonObject(properties)) fail(`tools.${i}.input_schema.properties`, 'Input should be an object');
  if (required !== undefined && required !== null && (!Array.isArray(required) || required.some((r) => typeof r !== 'string'))) {
    fail(`tools.${i}.input_schema.required`, 'Input should be an array of strings');
  }
  if (hasProtoKeys(t.input_schema)) t.input_schema = withoutProtoKeys(t.input_schema);
}

export function validateMessagesRequest(body: unknown, { countOnly = false } = {}): AnthropicRequest {
  if (!body || typeof body !== 'object' || Array.isArray(body)) fail('body', 'expected a JSON object');
  const req = body as Record<string, unknown>;
  if (typeof req.model !== 'string' || !req.model.trim()) fail('model', 'Field required (a non-empty string)');
  if (!countOnly) {
    if (typeof req.max_tokens !== 'number' || !Number.isInteger(req.max_tokens) || req.max_tokens < 0) {
      fail('max_tokens', 'Field required (a non-negative integer)');
    }
  }
  if (!Array.isArray(req.messages)) fail('messages', 'Field required (an array)');
  // count_tokens too: what /v1/messages refuses has no count either.
  if (req.messages.length === 0) fail('messages', 'at least one message is required');
  req.messages.forEach((m: unknown, i: number) => {
    if (!m || typeof m !== 'object') fail(`messages.${i}`, 'expected an object');
    const msg = m as Record<string, unknown>;
    if (typeof msg.role !== 'string' || !ROLES.has(msg.role)) fail(`messages.${i}.role`, "Input should be 'user', 'assistant' or 'system'");
    if (typeof msg.content === 'string') return;
    if (!Array.isArray(msg.content)) fail(`messages.${i}.content`, 'Input should be a string or an array of content blocks');
    msg.content.forEach((b: unknown, j: number) => {
      const path = `messages.${i}.content.${j}`;
      const block = checkBlock(b, path);
      if (block.type === 'tool_use' && (typeof block.id !== 'string' || typeof block.name !== 'string')) {
        fail(path, 'tool_use blocks need string id and name');
      }
      if (block.type === 'tool_result') {
        if (typeof block.tool_use_id !== 'string') fail(`${path}.tool_use_id`, 'Field required');
        const content = block.content;
        if (content !== undefined && content !== null && typeof content !== 'string') {
          if (!Array.isArray(content)) fail(`${path}.content`, 'Input should be a string or an array of content blocks');
          content.forEach((c: unknown, k: number) => checkBlock(c, `${path}.content.${k}`));
        }
      }
    });
  });
  if (req.system !== undefined && typeof req.system !== 'string') {
    if (!Array.isArray(req.system)) fail('system', 'Input should be a string or an array of text blocks');
    req.system.forEach((b: unknown, k: number) => {
      if (!isJsonObject(b) || b.type !== 'text') fail(`system.${k}`, "Input should be a text block ({type: 'text', text})");
      if (typeof b.text !== 'string') fail(`system.${k}.text`, 'Field required (a string)');
    });
  }
  if (req.tools !== undefined && req.tools !== null) {
    if (!Array.isArray(req.tools)) fail('tools', 'Input should be an array');
    req.tools.forEach(checkTool);
  }
  if (req.temperature !== undefined && req.temperature !== null && (typeof req.temperature !== 'number' || req.temperature < 0 || req.temperature > 1)) {
    fail('temperature', 'Input should be a number between 0 and 1');
  }
  if (req.stop_sequences !== undefined && !Array.isArray(req.stop_sequences)) fail('stop_sequences', 'Input should be an array of strings');
  return req as unknown as AnthropicRequest;
}
