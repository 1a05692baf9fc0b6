import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { completion, mistralError, text } from '../mock-mistral/index.js';
import { chats, lastBody, PNG_1PX, rejection, sdk, user, withSdkStack } from './sdk-helpers.js';

// The official Anthropic SDK against the real proxy in front of the strict mock Mistral: plain requests,
// request-field mapping, usage and stop reasons.

let stack: Stack;
let client: Anthropic;
withSdkStack((s, c) => {
  stack = s;
  client = c;
});

const base = { model: 'claude-sonnet-5-5', max_tokens: 256, messages: [user('Hello')] } satisfies Anthropic.MessageCreateParamsNonStreaming;

describe('messages.create (non-streaming)', () => {
  it('answers an Anthropic Message with the Mistral model id and a request-id', async () => {
    stack.mock.enqueue(text('Hi there!'));
    const { data: msg, response, request_id } = await client.messages.create(base).withResponse();
    expect(msg.type).toBe('message');
    expect(msg.role).toBe('assistant');
    expect(msg.id).toMatch(/^msg_[A-Za-z0-9]+$/);
    expect(msg.content).toEqual([{ type: 'text', text: 'Hi there!' }]);
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.stop_sequence).toBeNull();
    // claude-sonnet-* maps to the default model; the response names the Mistral model that answered.
    expect(msg.model).toBe('mistral-large-latest');
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(request_id).toBe(response.headers.get('request-id'));
    const body = lastBody(stack);
    expect(body.model).toBe('mistral-large-latest');
    expect(body.stream).toBeUndefined();
    expect(body.messages).toEqual([{ role: 'user', content: 'Hello' }]);
    expect(body.max_tokens).toBe(256);
  });

  it('names the same model streamed or not when Mistral answers with a dated id; the record keeps the dated id', async () => {
    const dated = () => completion({ content: 'dated' }, { model: 'mistral-large-2512' });
    stack.mock.enqueue(dated());
    const plain = await client.messages.create(base);
    expect(plain.model).toBe('mistral-large-latest');
    expect(stack.records.at(-1)?.mistralModel).toBe('mistral-large-2512');
    stack.mock.enqueue(dated());
    const streamed = await client.messages.stream(base).finalMessage();
    expect(streamed.model).toBe(plain.model);
    expect(streamed.content).toEqual(plain.content);
    expect(stack.records.at(-1)?.mistralModel).toBe('mistral-large-2512');
  });

  it('passes Mistral model ids through unchanged', async () => {
    stack.mock.enqueue(text('small'));
    const msg = await client.messages.create({ ...base, model: 'mistral-small-latest' });
    expect(lastBody(stack).model).toBe('mistral-small-latest');
    expect(msg.model).toBe('mistral-small-latest');
  });

  it('maps usage: input = prompt − cached, cache_read = cached', async () => {
    stack.mock.enqueue(text('cached', { usage: { prompt_tokens: 1200, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 1000 } } }));
    const msg = await client.messages.create(base);
    expect(msg.usage).toMatchObject({ input_tokens: 200, output_tokens: 9, cache_read_input_tokens: 1000, cache_creation_input_tokens: 0 });
    const rec = stack.records.at(-1)!;
    expect(rec).toMatchObject({ inputTokens: 200, outputTokens: 9, cachedTokens: 1000, status: 200, errorType: null });
  });

  it.each([
    ['stop', 'end_turn'],
    ['length', 'max_tokens'],
    ['model_length', 'max_tokens'],
  ] as const)('maps finish_reason %s → stop_reason %s', async (finish, stop) => {
    stack.mock.enqueue(text('x', { finishReason: finish }));
    const msg = await client.messages.create(base);
    expect(msg.stop_reason).toBe(stop);
  });

  it('maps finish_reason tool_calls → stop_reason tool_use', async () => {
    stack.mock.enqueue(completion({ content: '', tool_calls: [{ id: 'abcDEF123', function: { name: 'get_time', arguments: '{}' } }] }, { finishReason: 'tool_calls' }));
    const msg = await client.messages.create({ ...base, tools: [{ name: 'get_time', input_schema: { type: 'object', properties: {} } }] });
    expect(msg.stop_reason).toBe('tool_use');
    expect(msg.content).toEqual([{ type: 'tool_use', id: 'toolu_abcDEF123_0_0', name: 'get_time', input: {} }]);
  });

  it('gives every response a unique message id and request id', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => client.messages.create(base).withResponse()));
    const msgIds = new Set(results.map((r) => r.data.id));
    const reqIds = new Set(results.map((r) => r.request_id));
    expect(msgIds.size).toBe(6);
    expect(reqIds.size).toBe(6);
    for (const id of reqIds) expect(id).toMatch(/^req_/);
  });

  it('client.beta.messages.create (sent as ?beta=true) works the same', async () => {
    stack.mock.enqueue(text('beta hello', { usage: { prompt_tokens: 50, completion_tokens: 3, prompt_tokens_details: { cached_tokens: 20 } } }));
    const before = stack.records.length;
    const msg = await client.beta.messages.create({
      ...base,
      betas: ['context-management-2025-06-27', 'interleaved-thinking-2025-05-14', 'some-future-beta-2099-01-01'],
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'beta hello' }]);
    expect(msg.model).toBe('mistral-large-latest');
    expect(msg.usage).toMatchObject({ input_tokens: 30, cache_read_input_tokens: 20, output_tokens: 3 });
    expect(stack.records.slice(before).map((r) => r.path)).toEqual(['/v1/messages']);
    expect(lastBody(stack).messages).toEqual([{ role: 'user', content: 'Hello' }]);
  });

  it('max_tokens 0 (cache pre-warm) answers locally without calling Mistral', async () => {
    const before = chats(stack).length;
    const msg = await client.messages.create({ ...base, max_tokens: 0 });
    expect(msg.content).toEqual([]);
    expect(msg.stop_reason).toBe('max_tokens');
    expect(chats(stack).length).toBe(before);
  });
});

describe('messages.stream(...).finalMessage()', () => {
  it('accumulates text, stop reason, model and usage', async () => {
    stack.mock.enqueue(text('Streaming is fun and works well with SSE.', { usage: { prompt_tokens: 300, completion_tokens: 12, prompt_tokens_details: { cached_tokens: 100 } } }));
    const stream = client.messages.stream(base);
    const deltas: string[] = [];
    stream.on('text', (t) => deltas.push(t));
    const msg = await stream.finalMessage();
    expect(msg.content).toEqual([{ type: 'text', text: 'Streaming is fun and works well with SSE.' }]);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('Streaming is fun and works well with SSE.');
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.model).toBe('mistral-large-latest');
    expect(msg.usage).toMatchObject({ input_tokens: 200, cache_read_input_tokens: 100, output_tokens: 12, cache_creation_input_tokens: 0 });
    expect(lastBody(stack).stream).toBe(true);
    const rec = stack.records.at(-1)!;
    expect(rec).toMatchObject({ stream: true, status: 200, inputTokens: 200, cachedTokens: 100, outputTokens: 12, stopReason: 'end_turn' });
  });

  it('maps length → max_tokens when streaming', async () => {
    stack.mock.enqueue(text('cut', { finishReason: 'length' }));
    const msg = await client.messages.stream(base).finalMessage();
    expect(msg.stop_reason).toBe('max_tokens');
  });

  it('beta.messages.stream works too', async () => {
    stack.mock.enqueue(text('beta stream'));
    const msg = await client.beta.messages.stream({ ...base, betas: ['claude-code-20250219'] }).finalMessage();
    expect(msg.content).toEqual([{ type: 'text', text: 'beta stream' }]);
  });

  it('streams carry a request-id header', async () => {
    stack.mock.enqueue(text('hdr'));
    const { response } = await client.messages.create({ ...base, stream: true }).withResponse();
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await response.text();
  });
});

describe('request mapping', () => {
  it('system prompt as a string becomes the first system message', async () => {
    await client.messages.create({ ...base, system: 'You are terse.' });
    expect(lastBody(stack).messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hello' },
    ]);
  });

  it('system blocks with cache_control are joined and the cache_control dropped', async () => {
    await client.messages.create({
      ...base,
      system: [
        { type: 'text', text: 'You are Claude Code.' },
        { type: 'text', text: 'Be careful with files.', cache_control: { type: 'ephemeral' } },
      ],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello', cache_control: { type: 'ephemeral', ttl: '1h' } }] }],
    });
    const body = lastBody(stack);
    expect(body.messages[0]).toEqual({ role: 'system', content: 'You are Claude Code.\n\nBe careful with files.' });
    expect(body.messages[1]).toEqual({ role: 'user', content: 'Hello' });
    expect(JSON.stringify(body)).not.toContain('cache_control');
  });

  it('mid-conversation role "system" messages reach Mistral', async () => {
    await client.messages.create({
      ...base,
      system: 'top system',
      messages: [
        user('first question'),
        { role: 'assistant', content: 'first answer' },
        { role: 'system', content: 'MID-CONVERSATION REMINDER: the user prefers French.' },
        user('second question'),
      ],
    });
    const body = lastBody(stack);
    expect(body.messages[0]).toEqual({ role: 'system', content: 'top system' });
    const rest = JSON.stringify(body.messages.slice(1));
    expect(rest).toContain('MID-CONVERSATION REMINDER: the user prefers French.');
    expect(body.messages.at(-1).role).toBe('user');
    expect(JSON.stringify(body.messages.at(-1).content)).toContain('second question');
  });

  it('drops redacted_thinking and server-tool blocks from history', async () => {
    await client.messages.create({
      ...base,
      messages: [
        user('search something'),
        {
          role: 'assistant',
          content: [
            { type: 'redacted_thinking', data: 'opaque' },
            { type: 'server_tool_use', id: 'srvtoolu_01', name: 'web_search', input: { query: 'q' } },
            { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [] },
            { type: 'text', text: 'found it' },
          ],
        },
        user('thanks'),
      ],
    });
    expect(lastBody(stack).messages).toEqual([
      { role: 'user', content: 'search something' },
      { role: 'assistant', content: 'found it' },
      { role: 'user', content: 'thanks' },
    ]);
  });

  it('ignores metadata, context_management, output_config effort and unknown fields', async () => {
    await client.beta.messages.create({
      ...base,
      metadata: { user_id: JSON.stringify({ device_id: 'd', session_id: 'sess-1234' }) },
      context_management: { edits: [{ type: 'clear_tool_uses_20250919' }] },
      output_config: { effort: 'low' },
      service_tier: 'auto',
      betas: ['context-management-2025-06-27'],
      // Fields no SDK type knows about yet.
      ...({ top_k: 5, some_future_field: { a: 1 }, speed: 'fast', cache_control: { type: 'ephemeral' } } as object),
    });
    const body = lastBody(stack);
    const allowed = ['model', 'messages', 'max_tokens', 'prompt_cache_key', 'stream', 'temperature', 'top_p', 'stop', 'tools', 'tool_choice', 'parallel_tool_calls', 'reasoning_effort', 'response_format'];
    for (const key of Object.keys(body)) expect(allowed).toContain(key);
    for (const key of ['metadata', 'context_management', 'output_config', 'top_k', 'some_future_field', 'service_tier', 'speed', 'cache_control']) {
      expect(body).not.toHaveProperty(key);
    }
    // mistral-large is not a reasoning model: effort does not turn reasoning on.
    expect(body.reasoning_effort).toBeUndefined();
  });

  it('output_config.format json_schema becomes response_format', async () => {
    stack.mock.enqueue(text('{"answer":42}'));
    const msg = await client.messages.create({
      ...base,
      output_config: { format: { type: 'json_schema', schema: { type: 'object', properties: { answer: { type: 'integer' } }, required: ['answer'], additionalProperties: false } } },
    });
    expect(msg.content).toEqual([{ type: 'text', text: '{"answer":42}' }]);
    const body = lastBody(stack);
    expect(body.response_format).toMatchObject({ type: 'json_schema', json_schema: { schema: { type: 'object', properties: { answer: { type: 'integer' } } } } });
  });

  it('temperature, top_p and stop_sequences map to temperature, top_p and stop', async () => {
    await client.messages.create({ ...base, stop_sequences: ['END', '\n\nHuman:'], ...({ temperature: 0.3, top_p: 0.9 } as object) });
    const body = lastBody(stack);
    expect(body.temperature).toBe(0.3);
    expect(body.top_p).toBe(0.9);
    expect(body.stop).toEqual(['END', '\n\nHuman:']);
  });

  it('uses the Claude Code session id as prompt_cache_key', async () => {
    await client.messages.create(base, { headers: { 'x-claude-code-session-id': '6f1c0e3a-0000-4000-8000-000000000001' } });
    expect(lastBody(stack).prompt_cache_key).toBe('6f1c0e3a-0000-4000-8000-000000000001');
  });
});

describe('max_tokens cap', () => {
  it('caps max_tokens at MISTRAL_MAX_TOKENS', async () => {
    const capped = await startStack({ MISTRAL_MAX_TOKENS: '1000' });
    try {
      const c = sdk(capped);
      // Claude Code's default of 32000 needs streaming in the SDK (long-request guard).
      await c.messages.stream({ ...base, max_tokens: 32000 }).finalMessage();
      expect(lastBody(capped).max_tokens).toBe(1000);
      await c.messages.create({ ...base, max_tokens: 4000 });
      expect(lastBody(capped).max_tokens).toBe(1000);
      await c.messages.create({ ...base, max_tokens: 500 });
      expect(lastBody(capped).max_tokens).toBe(500);
      expect(capped.mock.violations()).toEqual([]);
    } finally {
      await capped.close();
    }
  });
});

describe('images', () => {
  it('base64 and URL images reach a vision model as image_url chunks', async () => {
    stack.mock.enqueue(text('I see a pixel.'));
    const msg = await client.messages.create({
      ...base,
      model: 'mistral-large-latest',
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'What is in these images?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1PX } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        ],
      }],
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'I see a pixel.' }]);
    const content = lastBody(stack).messages[0].content;
    expect(content).toEqual([
      { type: 'text', text: 'What is in these images?' },
      { type: 'image_url', image_url: `data:image/png;base64,${PNG_1PX}` },
      { type: 'image_url', image_url: 'https://example.com/cat.jpg' },
    ]);
  });

  it('an image to a text-only model (codestral-latest) is a 400 without any upstream request', async () => {
    const before = stack.mock.requests.length;
    const err = await rejection(client.messages.create({
      ...base,
      model: 'codestral-latest',
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1PX } }, { type: 'text', text: 'hi' }] }],
    }));
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    const e = err as InstanceType<typeof Anthropic.BadRequestError>;
    expect(e.status).toBe(400);
    expect(e.type).toBe('invalid_request_error');
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(e.message).toMatch(/codestral-latest/);
    expect(e.requestID).toMatch(/^req_/);
    expect(stack.mock.requests.length).toBe(before);
  });
});

describe('upstream error bodies reach the SDK intact', () => {
  it('a 422 detail[] is flattened into a readable message', async () => {
    stack.mock.enqueue({
      kind: 'error',
      status: 422,
      body: { object: 'error', message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'messages', 0, 'foo'], msg: 'Extra inputs are not permitted', input: 1 }] }, type: 'invalid_request_error', param: null, code: null },
    });
    const err = (await rejection(client.messages.create(base))) as InstanceType<typeof Anthropic.BadRequestError>;
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error).toEqual({
      type: 'error',
      error: { type: 'invalid_request_error', message: 'Mistral API: messages.0.foo: Extra inputs are not permitted' },
      request_id: err.requestID,
    });
  });

  it('a plain Mistral 400 keeps its message', async () => {
    stack.mock.enqueue({ kind: 'error', status: 400, body: mistralError('Assistant message must have either content or tool_calls', 'invalid_request_message_order', '3230') });
    const err = (await rejection(client.messages.create(base))) as InstanceType<typeof Anthropic.BadRequestError>;
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(err.error).toMatchObject({ error: { type: 'invalid_request_error', message: 'Mistral API: Assistant message must have either content or tool_calls' } });
  });
});
