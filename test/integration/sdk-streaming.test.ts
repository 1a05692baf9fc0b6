import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { text, thinking, toolCall } from '../mock-mistral/index.js';
import { chats, lastBody, rejection, sdk, user, waitFor, withSdkStack } from './sdk-helpers.js';

// Streaming through the official SDK: the event contract (A.4), thinking (C.8), mid-stream failures (C.7).

let stack: Stack;
let client: Anthropic;
withSdkStack((s, c) => {
  stack = s;
  client = c;
}, {}, { pingIntervalMs: 60 });

const base = { model: 'claude-sonnet-5-5', max_tokens: 1024, messages: [user('Hello')] } satisfies Anthropic.MessageCreateParamsNonStreaming;

let seq = 0;
/** A Mistral chat.completion.chunk. */
function chunk(delta: object, finish: string | null = null, usage?: object): object {
  return {
    id: `chunk${++seq}`, object: 'chat.completion.chunk', created: 1_775_000_000, model: 'mistral-large-latest',
    choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}),
  };
}

describe('event contract', () => {
  it('emits message_start, contiguous blocks, message_delta with usage, message_stop', async () => {
    stack.mock.enqueue(toolCall('Bash', { command: 'pwd' }, 'Evt000001', { content: 'Checking the directory.', usage: { prompt_tokens: 90, completion_tokens: 20 } }));
    const stream = client.messages.stream({ ...base, tools: [{ name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }] });
    const events: Anthropic.MessageStreamEvent[] = [];
    stream.on('streamEvent', (ev) => events.push(ev));
    const msg = await stream.finalMessage();
    const types = events.map((e) => (e.type === 'content_block_delta' ? `delta:${e.delta.type}` : e.type));
    expect(types[0]).toBe('message_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    const starts = events.filter((e): e is Anthropic.RawContentBlockStartEvent => e.type === 'content_block_start');
    expect(starts.map((s) => [s.index, s.content_block.type])).toEqual([[0, 'text'], [1, 'tool_use']]);
    const delta = events.find((e): e is Anthropic.RawMessageDeltaEvent => e.type === 'message_delta')!;
    expect(delta.delta.stop_reason).toBe('tool_use');
    expect(delta.usage).toMatchObject({ input_tokens: 90, output_tokens: 20 });
    expect(msg.content).toEqual([
      { type: 'text', text: 'Checking the directory.' },
      { type: 'tool_use', id: 'toolu_Evt000001_0_0', name: 'Bash', input: { command: 'pwd' } },
    ]);
  });

  it('sends keep-alive pings while upstream is quiet, and the SDK ignores them', async () => {
    stack.mock.enqueue({
      kind: 'sse',
      delayMs: 150,
      chunks: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'slow ' }), chunk({ content: 'answer' }, 'stop', { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 }), '[DONE]'],
    });
    const res = await fetch(`${stack.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ ...base, stream: true }),
    });
    const raw = await res.text();
    expect(raw).toMatch(/^event: message_start\n/);
    expect(raw).toContain('event: ping\ndata: {"type":"ping"}\n\n');
    expect(raw).not.toContain('[DONE]');
    // Every SSE frame has an event: line.
    for (const frame of raw.trim().split('\n\n')) expect(frame).toMatch(/^event: [a-z_]+\ndata: \{/);

    stack.mock.enqueue({
      kind: 'sse',
      delayMs: 110,
      chunks: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'pinged ' }), chunk({ content: 'fine' }, 'stop', { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 }), '[DONE]'],
    });
    const msg = await client.messages.stream(base).finalMessage();
    expect(msg.content).toEqual([{ type: 'text', text: 'pinged fine' }]);
  });

  it('an assistant prefill is sent with prefix:true and its echo stripped (stream and non-stream)', async () => {
    const messages: Anthropic.MessageParam[] = [user('Give me JSON'), { role: 'assistant', content: '{"result":' }];
    stack.mock.enqueue(text('{"result": 42}'));
    const streamed = await client.messages.stream({ ...base, messages }).finalMessage();
    expect(lastBody(stack).messages.at(-1)).toEqual({ role: 'assistant', content: '{"result":', prefix: true });
    expect(streamed.content).toEqual([{ type: 'text', text: ' 42}' }]);
    stack.mock.enqueue(text('{"result": 43}'));
    const whole = await client.messages.create({ ...base, messages });
    expect(whole.content).toEqual([{ type: 'text', text: ' 43}' }]);
  });
});

describe('thinking', () => {
  const reasoning = { ...base, model: 'mistral-medium-latest' };

  it('adaptive thinking → reasoning_effort high; non-stream answer has thinking first, then text', async () => {
    stack.mock.enqueue(thinking('The user greets me. I should greet back.', 'Hello to you!', { usage: { prompt_tokens: 20, completion_tokens: 30 } }));
    const msg = await client.messages.create({ ...reasoning, thinking: { type: 'adaptive' } });
    expect(lastBody(stack).reasoning_effort).toBe('high');
    expect(lastBody(stack).model).toBe('mistral-medium-latest');
    expect(msg.model).toBe('mistral-medium-latest');
    expect(msg.content).toHaveLength(2);
    expect(msg.content[0]).toMatchObject({ type: 'thinking', thinking: 'The user greets me. I should greet back.' });
    expect(typeof (msg.content[0] as Anthropic.ThinkingBlock).signature).toBe('string');
    expect(msg.content[1]).toEqual({ type: 'text', text: 'Hello to you!' });
    expect(msg.usage.output_tokens).toBe(30);
  });

  it('streaming: thinking_delta… then signature_delta closes the thinking block, then text', async () => {
    stack.mock.enqueue(thinking('Let me think about this carefully, step by step.', 'The answer is 4.'));
    const stream = client.messages.stream({ ...reasoning, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [user('2+2?')] });
    const seen: string[] = [];
    stream.on('streamEvent', (ev) => {
      if (ev.type === 'content_block_start') seen.push(`start:${ev.index}:${ev.content_block.type}`);
      else if (ev.type === 'content_block_delta') seen.push(`${ev.delta.type}:${ev.index}`);
      else if (ev.type === 'content_block_stop') seen.push(`stop:${ev.index}`);
    });
    const msg = await stream.finalMessage();
    expect(lastBody(stack).reasoning_effort).toBe('high');
    const compact = seen.filter((s, i) => s !== seen[i - 1]);
    expect(compact).toEqual(['start:0:thinking', 'thinking_delta:0', 'signature_delta:0', 'stop:0', 'start:1:text', 'text_delta:1', 'stop:1']);
    expect(msg.content[0]).toMatchObject({ type: 'thinking', thinking: 'Let me think about this carefully, step by step.' });
    expect((msg.content[0] as Anthropic.ThinkingBlock).signature.length).toBeGreaterThan(0);
    expect(msg.content[1]).toEqual({ type: 'text', text: 'The answer is 4.' });
  });

  it('thinking blocks sent back are replayed as ThinkChunks to a reasoning model', async () => {
    await client.messages.create({
      ...reasoning,
      thinking: { type: 'adaptive' },
      messages: [
        user('2+2?'),
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'simple sum', signature: 'ccproxy-mistral' }, { type: 'text', text: '4' }] },
        user('and 3+3?'),
      ],
    });
    expect(lastBody(stack).messages[1]).toEqual({
      role: 'assistant',
      content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'simple sum' }] }, { type: 'text', text: '4' }],
    });
  });

  it('thinking on a non-reasoning model sends no reasoning_effort', async () => {
    await client.messages.create({ ...base, model: 'mistral-large-latest', thinking: { type: 'adaptive' } });
    expect(lastBody(stack)).not.toHaveProperty('reasoning_effort');
  });
});

describe('mid-stream failures', () => {
  async function expectNextRequestWorks() {
    stack.mock.enqueue(text('still alive'));
    const msg = await client.messages.stream(base).finalMessage();
    expect(msg.content).toEqual([{ type: 'text', text: 'still alive' }]);
  }

  it('upstream ends without finish_reason and without [DONE] → SDK raises APIError; next request works', async () => {
    stack.mock.enqueue({ kind: 'sse', chunks: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'partial ans' })] });
    const stream = client.messages.stream(base);
    const texts: string[] = [];
    stream.on('text', (t) => texts.push(t));
    const err = await rejection(stream.finalMessage());
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe('api_error');
    expect(String((err as Error).message)).toMatch(/ended before it finished/);
    expect(texts.join('')).toBe('partial ans');
    const rec = await waitFor(() => stack.records.at(-1)?.errorType ? stack.records.at(-1) : null);
    expect(rec).toMatchObject({ status: 200, errorType: 'api_error', stream: true });
    await expectNextRequestWorks();
  });

  it("finish_reason 'error' → SDK raises APIError (api_error)", async () => {
    stack.mock.enqueue(text('half an answ', { finishReason: 'error' }));
    const err = await rejection(client.messages.stream(base).finalMessage());
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe('api_error');
    await expectNextRequestWorks();
  });

  it('an error object inside the stream → APIError carrying Mistral’s message', async () => {
    stack.mock.enqueue({
      kind: 'sse',
      chunks: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'abc' }), { object: 'error', message: 'Service tier capacity exceeded', type: 'service_tier_capacity_exceeded', param: null, code: '3505' }],
    });
    const err = await rejection(client.messages.stream(base).finalMessage());
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as Error).message).toContain('Service tier capacity exceeded');
    await expectNextRequestWorks();
  });

  it('raw create({stream:true}) iteration also throws on the error event, after the open block was closed', async () => {
    stack.mock.enqueue({ kind: 'sse', chunks: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'xyz' })] });
    const events: string[] = [];
    const iterate = async () => {
      const s = await client.messages.create({ ...base, stream: true });
      for await (const ev of s) events.push(ev.type);
    };
    const err = await rejection(iterate());
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(events).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop']);
  });
});

describe('mid-stream stall', () => {
  it('an upstream that goes silent past the idle limit ends the stream with an error event; upstream is closed', async () => {
    const idle = await startStack({}, { client: { idleTimeoutMs: 300 } });
    try {
      const c = sdk(idle);
      idle.mock.enqueue({ kind: 'sse', hangAfter: true, chunks: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'then silence' })] });
      const err = await rejection(c.messages.stream(base).finalMessage());
      expect(err).toBeInstanceOf(Anthropic.APIError);
      expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe('timeout_error');
      expect((err as Error).message).toMatch(/Mistral API stream went silent/);
      const index = idle.mock.requests.findIndex((r) => r.path === '/v1/chat/completions');
      expect(await idle.mock.waitForAbort(index, 2_000)).toBe(true);
      idle.mock.enqueue(text('recovered'));
      expect((await c.messages.create(base)).content).toEqual([{ type: 'text', text: 'recovered' }]);
      expect(chats(idle)).toHaveLength(2);
      expect(idle.mock.violations()).toEqual([]);
    } finally {
      await idle.close();
    }
  });
});

describe('upstream silence before headers, and shutdown', () => {
  it('an upstream that never answers → 504 GatewayTimeoutError, never re-sent; the attempt closed upstream', async () => {
    const idle = await startStack({}, { client: { nonStreamTimeoutMs: 300 } });
    try {
      idle.mock.enqueue({ kind: 'hang' });
      const err = await rejection(sdk(idle).messages.create(base));
      expect(err).toBeInstanceOf(Anthropic.GatewayTimeoutError);
      expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
      expect(chats(idle)).toHaveLength(1);
      for (let i = 0; i < idle.mock.requests.length; i++) expect(await idle.mock.waitForAbort(i, 1_000)).toBe(true);
      expect(idle.mock.violations()).toEqual([]);
    } finally {
      await idle.close();
    }
  });

  it('a proxy shutdown cuts a long stream with an error event the SDK raises', async () => {
    const s = await startStack();
    try {
      const chunks = [chunk({ role: 'assistant', content: '' }), ...Array.from({ length: 50 }, (_, i) => chunk({ content: `t${i} ` })), chunk({ content: '' }, 'stop'), '[DONE]'];
      s.mock.enqueue({ kind: 'sse', delayMs: 40, chunks });
      const stream = sdk(s).messages.stream(base);
      const first = new Promise<void>((resolve) => stream.once('text', () => resolve()));
      const done = rejection(stream.finalMessage());
      await first;
      await s.proxy.close(50);
      const err = await done;
      expect(err).toBeInstanceOf(Anthropic.APIError);
      expect((err as InstanceType<typeof Anthropic.APIError>).type).toBe('overloaded_error');
      expect((err as Error).message).toMatch(/shutting down/);
      expect(s.mock.violations()).toEqual([]);
    } finally {
      await s.mock.close();
    }
  });
});
