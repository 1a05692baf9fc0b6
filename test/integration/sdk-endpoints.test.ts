import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { defaultModels, errorReply, text } from '../mock-mistral/index.js';
import { PNG_1PX, rejection, sdk, user, withSdkStack } from './sdk-helpers.js';

// count_tokens, /v1/models, /health and /status through the official SDK (or plain fetch where the SDK has no call).

let stack: Stack;
let client: Anthropic;
// Pacing off: the /status test expects Mistral's 429 to reach the client as its last error.
withSdkStack((s, c) => {
  stack = s;
  client = c;
}, { CCPROXY_PACING: 'off' });

// Each Mistral model is listed under its own id and then as `claude-<id>` (for claude*-only model pickers).
const MOCK_IDS = defaultModels().flatMap((m) => [m.id, `claude-${m.id}`]);

describe('count_tokens', () => {
  it('answers locally with a plausible count that grows with the input', async () => {
    const before = stack.mock.requests.length;
    const small = await client.messages.countTokens({ model: 'claude-sonnet-5-5', messages: [user('Hello')] });
    const sentence = 'The quick brown fox jumps over the lazy dog. ';
    const big = await client.messages.countTokens({ model: 'claude-sonnet-5-5', messages: [user(sentence.repeat(100))] });
    const withSystemAndTools = await client.messages.countTokens({
      model: 'claude-sonnet-5-5',
      system: 'You are a helpful assistant.'.repeat(10),
      messages: [user(sentence.repeat(100))],
      tools: [{ name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }],
    });
    const withImage = await client.messages.countTokens({
      model: 'claude-sonnet-5-5',
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1PX } }, { type: 'text', text: 'Hello' }] }],
    });
    expect(small.input_tokens).toBeGreaterThan(0);
    expect(small.input_tokens).toBeLessThan(50);
    // 4,500 characters of English: roughly 1,000–1,500 tokens.
    expect(big.input_tokens).toBeGreaterThan(900);
    expect(big.input_tokens).toBeLessThan(1_600);
    expect(withSystemAndTools.input_tokens).toBeGreaterThan(big.input_tokens);
    expect(withImage.input_tokens).toBeGreaterThan(small.input_tokens);
    expect(Number.isInteger(big.input_tokens)).toBe(true);
    expect(stack.mock.requests.length).toBe(before);
  });

  it('beta.messages.countTokens (?beta=true) works too, without upstream calls', async () => {
    const before = stack.mock.requests.length;
    const res = await client.beta.messages.countTokens({ model: 'claude-haiku-5-0', messages: [user('Hi there, how are you?')], betas: ['token-counting-2024-11-01'] });
    expect(res.input_tokens).toBeGreaterThan(0);
    expect(stack.mock.requests.length).toBe(before);
  });

  it('bad input is a 400 BadRequestError', async () => {
    const err = await rejection(client.messages.countTokens({ messages: [user('x')] } as unknown as Anthropic.MessageCountTokensParams));
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  });
});

describe('GET /v1/models', () => {
  it('models.list() returns Anthropic-shaped entries built from Mistral /v1/models', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(MOCK_IDS);
    for (const m of page.data) {
      expect(m.type).toBe('model');
      expect(m.display_name).toMatch(/Mistral via CCProxy/);
      expect(new Date(m.created_at).toISOString()).toBe(m.created_at);
    }
    expect(page.data[0].created_at).toBe(new Date(1_775_000_000 * 1000).toISOString());
    expect(page.has_more).toBe(false);
    expect(page.first_id).toBe(MOCK_IDS[0]);
    expect(page.last_id).toBe(MOCK_IDS.at(-1));
    const upstream = stack.mock.requests.filter((r) => r.path === '/v1/models');
    expect(upstream.length).toBeGreaterThanOrEqual(1);
    expect(upstream[0].method).toBe('GET');
  });

  it('auto-pagination with a small limit visits every model once, in order', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list({ limit: 3 })) ids.push(m.id);
    expect(ids).toEqual(MOCK_IDS);
  });

  it('before_id pages backwards', async () => {
    const last = MOCK_IDS.at(-1)!;
    const first = await client.models.list({ before_id: last, limit: 3 });
    expect(first.data.map((m) => m.id)).toEqual(MOCK_IDS.slice(-4, -1));
    expect(first.has_more).toBe(true);
    const ids: string[] = [];
    for await (const m of client.models.list({ before_id: last, limit: 3 })) ids.push(m.id);
    expect(new Set(ids)).toEqual(new Set(MOCK_IDS.slice(0, -1)));
    expect(ids).toHaveLength(MOCK_IDS.length - 1);
  });

  it('models.retrieve knows Mistral ids, aliases and Claude tier names; unknown → NotFoundError', async () => {
    expect(await client.models.retrieve('mistral-large-2512')).toMatchObject({ type: 'model', id: 'mistral-large-2512' });
    // Aliases (the ids users configure) resolve too, and Claude tier names resolve through the tier mapping.
    expect(await client.models.retrieve('mistral-large-latest')).toMatchObject({ type: 'model', id: 'mistral-large-latest', display_name: expect.stringMatching(/^mistral-large-2512 /) });
    expect(await client.models.retrieve('claude-opus-5-0')).toMatchObject({ type: 'model', id: 'claude-opus-5-0' });
    const err = await rejection(client.models.retrieve('no-such-model'));
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect((err as APIError).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });
});

describe('/health and /status', () => {
  it('GET /health', async () => {
    const res = await fetch(`${stack.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(res.headers.get('request-id')).toMatch(/^req_/);
  });

  it('GET /status reports counts and last_error, never the API key', async () => {
    stack.mock.enqueue(text('one'), errorReply(429, undefined, { 'retry-after': '60' }));
    await client.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 10, messages: [user('a')] });
    await rejection(client.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 10, messages: [user('b')] }));
    const res = await fetch(`${stack.url}/status`);
    expect(res.status).toBe(200);
    const raw = await res.text();
    expect(raw).not.toContain(stack.mock.apiKey);
    expect(raw).not.toContain(stack.config.apiKey);
    const status = JSON.parse(raw);
    expect(status).toMatchObject({
      status: 'ok',
      provider: 'mistral',
      api_key_set: true,
      upstream: stack.mock.url,
      models: { default: 'mistral-large-latest', max_tokens: 16384 },
    });
    expect(status.requests.total).toBeGreaterThanOrEqual(2);
    expect(status.requests.ok).toBeGreaterThanOrEqual(1);
    expect(status.requests.client_errors).toBeGreaterThanOrEqual(1);
    expect(status.requests.in_flight).toBe(0);
    expect(status.requests.input_tokens).toBeGreaterThan(0);
    expect(status.last_error).toMatchObject({ status: 429, type: 'rate_limit_error' });
    expect(typeof status.last_error.at).toBe('string');
  });
});
