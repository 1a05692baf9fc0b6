import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { completion, defaultAgent, text, toolCall } from '../mock-mistral/index.js';
import { anthropicRequest } from '../translate/anthropic-arbitraries.js';
import { CHAT_PATH, chats, lastBody, rejection, user, waitFor, withSdkStack } from './sdk-helpers.js';

// Anthropic semantics the translation must keep (issue 7), each through the official SDK → proxy → strict mock.

let stack: Stack;
let client: Anthropic;
withSdkStack((s, c) => {
  stack = s;
  client = c;
});
afterEach(() => {
  stack.mock.setResponder(defaultAgent);
  stack.mock.streamOptions.fragmentToolCalls = false;
  stack.mock.streamOptions.splitText = 16;
});

const base = { model: 'claude-sonnet-4-6', max_tokens: 200 } as const;

const bash: Anthropic.Tool = {
  name: 'Bash',
  input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
};

/** A raw Mistral stream chunk, for scripted upstream streams. */
const chunk = (delta: object, finish: string | null = null, usage?: object) => ({
  id: 'cmpl1', object: 'chat.completion.chunk', created: 1, model: 'mistral-large-2512',
  choices: [{ index: 0, delta, finish_reason: finish }],
  ...(usage ? { usage } : {}),
});

async function badRequest(p: Promise<unknown>): Promise<APIError> {
  const err = await rejection(p);
  expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  const api = err as APIError;
  expect(api.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  return api;
}

const errorMessage = (err: APIError) => (err.error as { error: { message: string } }).error.message;

describe('an empty final user turn', () => {
  const history: Anthropic.MessageParam[] = [user('write a haiku'), { role: 'assistant', content: 'Autumn moonlight' }];
  const empties: Array<[string, Anthropic.MessageParam['content']]> = [
    ['""', ''],
    ['[]', []],
    ['only blocks the proxy drops', [{ type: 'web_search_tool_result', tool_use_id: 'srvtoolu_01', content: [] }]],
  ];
  for (const [label, content] of empties) {
    it(`is a 400 invalid_request_error, never a prefill of the previous assistant turn (content ${label})`, async () => {
      const before = chats(stack).length;
      const err = await badRequest(client.messages.create({ ...base, messages: [...history, { role: 'user', content }] }));
      expect(errorMessage(err)).toContain('all messages must have non-empty content except for the optional final assistant message');
      await badRequest(client.messages.stream({ ...base, messages: [...history, { role: 'user', content }] }).finalMessage());
      expect(chats(stack).length).toBe(before);
    });
  }
});

describe('consecutive same-role turns', () => {
  it('two assistant turns with a tool call each are merged: both calls keep their own results, none is interrupted', async () => {
    stack.mock.enqueue(text('both done'));
    const msg = await client.messages.create({
      ...base,
      tools: [bash],
      messages: [
        user('run two things'),
        { role: 'assistant', content: [{ type: 'text', text: 'First.' }, { type: 'tool_use', id: 'toolu_One000001', name: 'Bash', input: { command: 'echo 1' } }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_Two000002', name: 'Bash', input: { command: 'echo 2' } }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_One000001', content: 'one' },
            { type: 'tool_result', tool_use_id: 'toolu_Two000002', content: 'two' },
          ],
        },
      ],
    });
    expect(msg.content).toEqual([{ type: 'text', text: 'both done' }]);
    const msgs = lastBody(stack).messages;
    expect(msgs).toEqual([
      { role: 'user', content: 'run two things' },
      {
        role: 'assistant',
        content: 'First.',
        tool_calls: [
          { id: 'One000001', type: 'function', function: { name: 'Bash', arguments: '{"command":"echo 1"}' } },
          { id: 'Two000002', type: 'function', function: { name: 'Bash', arguments: '{"command":"echo 2"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'One000001', name: 'Bash', content: 'one' },
      { role: 'tool', tool_call_id: 'Two000002', name: 'Bash', content: 'two' },
    ]);
    expect(JSON.stringify(msgs)).not.toContain('interrupted');
  });

  it('two user turns in a row are one turn (their results and text both arrive)', async () => {
    stack.mock.enqueue(text('ok'));
    await client.messages.create({
      ...base,
      tools: [bash],
      messages: [
        user('go'),
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_Uuu000001', name: 'Bash', input: { command: 'ls' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_Uuu000001', content: 'a b' }] },
        { role: 'user', content: 'and then?' },
      ],
    });
    const msgs = lastBody(stack).messages;
    expect(msgs.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(msgs[2]).toMatchObject({ tool_call_id: 'Uuu000001', content: 'a b\n\nand then?' });
  });
});

describe('max_tokens: 0', () => {
  it('with stream:true answers an SSE stream (message_start … message_stop) and sends nothing upstream', async () => {
    const before = chats(stack).length;
    const stream = client.messages.stream({ ...base, max_tokens: 0, messages: [user('warm the cache')] });
    const types: string[] = [];
    stream.on('streamEvent', (ev) => types.push(ev.type));
    const msg = await stream.finalMessage();
    expect(types).toEqual(['message_start', 'message_delta', 'message_stop']);
    expect(msg).toMatchObject({ type: 'message', role: 'assistant', content: [], stop_reason: 'max_tokens', stop_sequence: null });
    const { response } = await client.messages.create({ ...base, max_tokens: 0, stream: true, messages: [user('again')] }).withResponse();
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(chats(stack).length).toBe(before);
  });
});

describe('tool_use ids', () => {
  it('stay unique when Mistral reuses a call id in a later turn, and each turn gets its own id back', async () => {
    const messages: Anthropic.MessageParam[] = [user('look twice')];
    stack.mock.enqueue(toolCall('Bash', { command: 'ls' }, 'SameId123'));
    const turn1 = await client.messages.create({ ...base, tools: [bash], messages });
    const id1 = (turn1.content[0] as Anthropic.ToolUseBlock).id;
    messages.push({ role: 'assistant', content: turn1.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: id1, content: 'first listing' }] });

    stack.mock.enqueue(toolCall('Bash', { command: 'ls -a' }, 'SameId123'));
    const turn2 = await client.messages.stream({ ...base, tools: [bash], messages }).finalMessage();
    const id2 = (turn2.content[0] as Anthropic.ToolUseBlock).id;
    expect(id2).not.toBe(id1);
    messages.push({ role: 'assistant', content: turn2.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: id2, content: 'second listing' }] });

    stack.mock.enqueue(text('done'));
    const turn3 = await client.messages.create({ ...base, tools: [bash], messages });
    expect(turn3.content).toEqual([{ type: 'text', text: 'done' }]);
    // Mistral sees, in each turn, the id it produced there, and each result under its own call.
    const msgs = lastBody(stack).messages;
    expect(msgs.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'tool', 'assistant', 'tool']);
    expect(msgs[1].tool_calls[0]).toMatchObject({ id: 'SameId123', function: { arguments: '{"command":"ls"}' } });
    expect(msgs[2]).toMatchObject({ tool_call_id: 'SameId123', content: 'first listing' });
    expect(msgs[3].tool_calls[0]).toMatchObject({ id: 'SameId123', function: { arguments: '{"command":"ls -a"}' } });
    expect(msgs[4]).toMatchObject({ tool_call_id: 'SameId123', content: 'second listing' });
  });

  it('two calls of one response with the same Mistral id get distinct ids that both map back', async () => {
    stack.mock.enqueue(completion({ content: '', tool_calls: [
      { id: 'DupDup123', function: { name: 'Bash', arguments: { command: 'a' } } },
      { id: 'DupDup123', function: { name: 'Bash', arguments: { command: 'b' } } },
    ] }));
    const turn1 = await client.messages.create({ ...base, tools: [bash], messages: [user('two')] });
    const [a, b] = turn1.content as Anthropic.ToolUseBlock[];
    expect(a.id).not.toBe(b.id);
    stack.mock.enqueue(text('ok'));
    await client.messages.create({
      ...base,
      tools: [bash],
      messages: [user('two'), { role: 'assistant', content: turn1.content }, { role: 'user', content: [
        { type: 'tool_result', tool_use_id: b.id, content: 'B' },
        { type: 'tool_result', tool_use_id: a.id, content: 'A' },
      ] }],
    });
    const msgs = lastBody(stack).messages;
    const [callA, callB] = msgs[1].tool_calls;
    expect(callA.id).not.toBe(callB.id);
    expect(msgs[2]).toMatchObject({ tool_call_id: callA.id, content: 'A' });
    expect(msgs[3]).toMatchObject({ tool_call_id: callB.id, content: 'B' });
  });
});

describe('a tool call cut by length', () => {
  const cut = () => completion(
    { content: 'Deleting.', tool_calls: [{ id: 'CutCut123', function: { name: 'Bash', arguments: '{"command": "rm -rf /tmp/build' } }] },
    { finishReason: 'length' },
  );

  it('non-streaming: stop_reason max_tokens and no tool_use with repaired input', async () => {
    stack.mock.enqueue(cut());
    const msg = await client.messages.create({ ...base, tools: [bash], messages: [user('clean up')] });
    expect(msg.stop_reason).toBe('max_tokens');
    expect(msg.content).toEqual([{ type: 'text', text: 'Deleting.' }]);
  });

  for (const fragment of [false, true]) {
    it(`streaming (${fragment ? 'fragmented' : 'whole'} call): stop_reason max_tokens and no tool_use block`, async () => {
      stack.mock.streamOptions.fragmentToolCalls = fragment;
      stack.mock.enqueue(cut());
      const stream = client.messages.stream({ ...base, tools: [bash], messages: [user('clean up')] });
      const starts: string[] = [];
      stream.on('streamEvent', (ev) => {
        if (ev.type === 'content_block_start') starts.push(ev.content_block.type);
      });
      const msg = await stream.finalMessage();
      expect(msg.stop_reason).toBe('max_tokens');
      expect(starts).toEqual(['text']);
      expect(msg.content).toEqual([{ type: 'text', text: 'Deleting.' }]);
    });
  }

  it('a complete call before the cut is kept, still as max_tokens', async () => {
    stack.mock.enqueue(completion({ content: '', tool_calls: [
      { id: 'Whole0001', function: { name: 'Bash', arguments: '{"command":"ls"}' } },
      { id: 'Half00002', function: { name: 'Bash', arguments: '{"comm' } },
    ] }, { finishReason: 'length' }));
    const msg = await client.messages.stream({ ...base, tools: [bash], messages: [user('go')] }).finalMessage();
    expect(msg.stop_reason).toBe('max_tokens');
    expect(msg.content).toEqual([{ type: 'tool_use', id: 'toolu_Whole0001_0_0', name: 'Bash', input: { command: 'ls' } }]);
  });
});

describe('tool_choice', () => {
  it('naming a tool that is not forwarded (an Anthropic server tool) is a clear 400, nothing upstream', async () => {
    const before = chats(stack).length;
    const tools = [bash, { type: 'web_search_20250305', name: 'web_search', max_uses: 3 }] as Anthropic.ToolUnion[];
    const err = await badRequest(client.messages.create({ ...base, tools, tool_choice: { type: 'tool', name: 'web_search' }, messages: [user('search')] }));
    expect(errorMessage(err)).toMatch(/tool_choice.*web_search/);
    await badRequest(client.messages.create({ ...base, tool_choice: { type: 'tool', name: 'Bash' }, messages: [user('no tools at all')] }));
    expect(chats(stack).length).toBe(before);
    // A forwarded tool is still named upstream.
    await client.messages.create({ ...base, tools, tool_choice: { type: 'tool', name: 'Bash' }, messages: [user('run')] });
    expect(lastBody(stack).tool_choice).toEqual({ type: 'function', function: { name: 'Bash' } });
  });
});

describe('/v1/models', () => {
  it('offers claude-<mistral id> aliases next to the raw ids; a claude*-only picker can use each', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list({ limit: 100 })) ids.push(m.id);
    const claudeOnly = ids.filter((id) => id.startsWith('claude') || id.startsWith('anthropic'));
    expect(claudeOnly.length).toBeGreaterThan(0);
    expect(claudeOnly).toContain('claude-codestral-2508');
    for (const alias of claudeOnly) expect(ids).toContain(alias.slice('claude-'.length));
    expect(await client.models.retrieve('claude-codestral-2508')).toMatchObject({ id: 'claude-codestral-2508', display_name: expect.stringMatching(/^codestral-2508 /) });
    stack.mock.enqueue(text('hi'));
    const msg = await client.messages.create({ ...base, model: 'claude-codestral-2508', messages: [user('hi')] });
    expect(lastBody(stack).model).toBe('codestral-2508');
    expect(msg.model).toBe('codestral-2508');
  });
});

describe('stop_sequences', () => {
  it('non-streaming: the text is cut at the first sequence completed; stop_reason stop_sequence with that sequence', async () => {
    stack.mock.enqueue(text('The answer is 42.\nEND\nHuman: more'));
    const msg = await client.messages.create({ ...base, stop_sequences: ['Human:', '\nEND'], messages: [user('q')] });
    expect(lastBody(stack).stop).toEqual(['Human:', '\nEND']);
    expect(msg.content).toEqual([{ type: 'text', text: 'The answer is 42.' }]);
    expect(msg.stop_reason).toBe('stop_sequence');
    expect(msg.stop_sequence).toBe('\nEND');
  });

  it('a fifth sequence (Mistral gets at most 4) is still matched by the proxy', async () => {
    stack.mock.enqueue(text('one two three'));
    const msg = await client.messages.create({ ...base, stop_sequences: ['a1', 'b2', 'c3', 'd4', ' two'], messages: [user('q')] });
    expect(lastBody(stack).stop).toEqual(['a1', 'b2', 'c3', 'd4']);
    expect(msg).toMatchObject({ content: [{ type: 'text', text: 'one' }], stop_reason: 'stop_sequence', stop_sequence: ' two' });
  });

  it('no match keeps the normal stop_reason and a null stop_sequence', async () => {
    stack.mock.enqueue(text('nothing to see, EN D'));
    const msg = await client.messages.create({ ...base, stop_sequences: ['END'], messages: [user('q')] });
    expect(msg).toMatchObject({ content: [{ type: 'text', text: 'nothing to see, EN D' }], stop_reason: 'end_turn', stop_sequence: null });
    stack.mock.streamOptions.splitText = 1;
    stack.mock.enqueue(text('nothing to see, EN D'));
    const streamed = await client.messages.stream({ ...base, stop_sequences: ['END'], messages: [user('q')] }).finalMessage();
    expect(streamed).toMatchObject({ content: [{ type: 'text', text: 'nothing to see, EN D' }], stop_reason: 'end_turn', stop_sequence: null });
  });

  it('streaming: a sequence split across chunks cuts the text, ends the message and aborts upstream', async () => {
    stack.mock.enqueue({
      kind: 'sse',
      delayMs: 30,
      hangAfter: true,
      chunks: [
        chunk({ role: 'assistant', content: '' }),
        chunk({ content: 'Hello wor' }),
        chunk({ content: 'ld ST' }),
        chunk({ content: 'OP and' }),
        ...Array.from({ length: 50 }, () => chunk({ content: ' more' })),
        chunk({ content: '' }, 'stop', { prompt_tokens: 10, completion_tokens: 60, total_tokens: 70 }),
        '[DONE]',
      ],
    });
    const stream = client.messages.stream({ ...base, stop_sequences: ['STOP'], messages: [user('q')] });
    const deltas: string[] = [];
    stream.on('text', (t) => deltas.push(t));
    const msg = await stream.finalMessage();
    expect(deltas.join('')).toBe('Hello world ');
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello world ' }]);
    expect(msg.stop_reason).toBe('stop_sequence');
    expect(msg.stop_sequence).toBe('STOP');
    // Not sent upstream for a stream: Mistral would stop silently and the answer could not say stop_sequence.
    expect(lastBody(stack).stop).toBeUndefined();
    const index = stack.mock.requests.findLastIndex((r) => r.path === CHAT_PATH);
    expect(await stack.mock.waitForAbort(index)).toBe(true);
    const rec = await waitFor(() => stack.records.find((r) => r.stopReason === 'stop_sequence'));
    expect(rec.outputTokens).toBeGreaterThan(0);
  });

  it('streaming with whole text: tool calls after the sequence are not emitted', async () => {
    stack.mock.enqueue(completion({ content: 'Run it? STOP', tool_calls: [{ id: 'Never0001', function: { name: 'Bash', arguments: { command: 'ls' } } }] }));
    const msg = await client.messages.stream({ ...base, tools: [bash], stop_sequences: ['STOP'], messages: [user('q')] }).finalMessage();
    expect(msg.content).toEqual([{ type: 'text', text: 'Run it? ' }]);
    expect(msg).toMatchObject({ stop_reason: 'stop_sequence', stop_sequence: 'STOP' });
  });
});

describe('random SDK-valid requests over HTTP (seeded sample of the translator property)', () => {
  it('each gets an answer or a 400 invalid_request_error; the strict mock never sees a body it rejects', async () => {
    const outcomes = { ok: 0, refused: 0 };
    for (const params of fc.sample(anthropicRequest, { seed: 7, numRuns: 40 })) {
      const body = { ...params, max_tokens: Math.min(params.max_tokens, 1000) };
      try {
        if (body.stream) await client.messages.stream(body).finalMessage();
        else await client.messages.create({ ...body, stream: false });
        outcomes.ok++;
      } catch (err) {
        expect(err).toBeInstanceOf(Anthropic.BadRequestError);
        expect((err as APIError).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
        outcomes.refused++;
      }
      expect(stack.mock.violations()).toEqual([]);
    }
    expect(outcomes.ok).toBeGreaterThan(10);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
