import type { AnthropicRequest } from './anthropic-types.js';
import { invalidRequest } from './errors.js';

// Checks what the translation relies on and answers like Anthropic does ("messages.0.role: …"); fields the proxy
// does not use are accepted untouched, since clients send many beta fields.

const ROLES = new Set(['user', 'assistant', 'system']);

function fail(path: string, message: string): never {
  throw invalidRequest(`${path}: ${message}`);
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
  req.messages.forEach((m: unknown, i: number) => {
    if (!m || typeof m !== 'object') fail(`messages.${i}`, 'expected an object');
    const msg = m as Record<string, unknown>;
    if (typeof msg.role !== 'string' || !ROLES.has(msg.role)) fail(`messages.${i}.role`, "Input should be 'user', 'assistant' or 'system'");
    if (typeof msg.content === 'string') return;
    if (!Array.isArray(msg.content)) fail(`messages.${i}.content`, 'Input should be a string or an array of content blocks');
    msg.content.forEach((b: unknown, j: number) => {
      if (!b || typeof b !== 'object' || typeof (b as { type?: unknown }).type !== 'string') {
        fail(`messages.${i}.content.${j}.type`, 'Field required');
      }
      const block = b as Record<string, unknown>;
      if (block.type === 'tool_use' && (typeof block.id !== 'string' || typeof block.name !== 'string')) {
        fail(`messages.${i}.content.${j}`, 'tool_use blocks need string id and name');
      }
      if (block.type === 'tool_result' && typeof block.tool_use_id !== 'string') {
        fail(`messages.${i}.content.${j}.tool_use_id`, 'Field required');
      }
      if (block.type === 'image' && (!block.source || typeof block.source !== 'object')) fail(`messages.${i}.content.${j}.source`, 'Field required');
    });
  });
  if (req.system !== undefined && typeof req.system !== 'string' && !Array.isArray(req.system)) {
    fail('system', 'Input should be a string or an array of text blocks');
  }
  if (req.tools !== undefined && req.tools !== null) {
    if (!Array.isArray(req.tools)) fail('tools', 'Input should be an array');
    req.tools.forEach((t: unknown, i: number) => {
      if (!t || typeof t !== 'object' || typeof (t as { name?: unknown }).name !== 'string') fail(`tools.${i}.name`, 'Field required');
    });
  }
  if (req.temperature !== undefined && req.temperature !== null && (typeof req.temperature !== 'number' || req.temperature < 0 || req.temperature > 1)) {
    fail('temperature', 'Input should be a number between 0 and 1');
  }
  if (req.stop_sequences !== undefined && !Array.isArray(req.stop_sequences)) fail('stop_sequences', 'Input should be an array of strings');
  return req as unknown as AnthropicRequest;
}
