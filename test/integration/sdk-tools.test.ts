import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { completion, defaultAgent, text, toolCall, type RecordedRequest } from '../mock-mistral/index.js';
import { lastBody, sdk, user, withSdkStack } from './sdk-helpers.js';

// Tool definitions, names, ids and tool_choice through the official SDK, real proxy and strict mock.

let stack: Stack;
let client: Anthropic;
withSdkStack((s, c) => {
  stack = s;
  client = c;
});
afterEach(() => {
  stack.mock.streamOptions.fragmentToolCalls = false;
});

const MISTRAL_ID = /^[A-Za-z0-9]{9}$/;
const MISTRAL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const bash: Anthropic.Tool = {
  name: 'Bash',
  description: 'Run a shell command',
  input_schema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: { command: { type: 'string', description: 'the command' }, timeout: { type: 'number' } },
    required: ['command'],
    additionalProperties: false,
  },
};
const read: Anthropic.Tool = {
  name: 'Read',
  description: 'Read a file',
  input_schema: { type: 'object', properties: { file_path: { type: 'string' } }, required: ['file_path'] },
  cache_control: { type: 'ephemeral' },
};
const LONG_MCP = 'mcp__claude_in_chrome_extension_server__browser_navigate_to_url_and_wait_for_network_idle';
const DOTTED_MCP = 'mcp__my.server__do.thing';
const mcpTool = (name: string): Anthropic.Tool => ({ name, description: `MCP tool ${name}`, input_schema: { type: 'object', properties: { url: { type: 'string' } } } });

const base = { model: 'claude-sonnet-5-5', max_tokens: 1024 } as const;

/** The Mistral name the proxy sent for a tool whose description is `MCP tool <name>`. */
function upstreamToolName(req: RecordedRequest, clientName: string): string {
  const tools = (req.body as { tools: Array<{ function: { name: string; description: string } }> }).tools;
  const found = tools.find((t) => t.function.description === `MCP tool ${clientName}`);
  if (!found) throw new Error(`tool ${clientName} not in the upstream request`);
  return found.function.name;
}

describe('tool definitions', () => {
  it('strips $schema and Anthropic-only fields, drops server tools', async () => {
    await client.messages.create({
      ...base,
      messages: [user('hi')],
      tools: [bash, read, { type: 'web_search_20250305', name: 'web_search', max_uses: 3 }, { name: 'NoDesc', input_schema: { type: 'object' } }],
    });
    const body = lastBody(stack);
    expect(body.tools).toHaveLength(3);
    expect(body.tools[0]).toEqual({
      type: 'function',
      function: {
        name: 'Bash',
        description: 'Run a shell command',
        parameters: {
          type: 'object',
          properties: { command: { type: 'string', description: 'the command' }, timeout: { type: 'number' } },
          required: ['command'],
          additionalProperties: false,
        },
      },
    });
    expect(body.tools[1].function.name).toBe('Read');
    expect(body.tools[2].function).toMatchObject({ name: 'NoDesc', description: '', parameters: { type: 'object' } });
    expect(JSON.stringify(body.tools)).not.toMatch(/\$schema|cache_control|web_search/);
  });

  it('shortens long / invalid MCP names for Mistral and restores them in the response', async () => {
    stack.mock.setResponder((req) => toolCall(upstreamToolName(req, LONG_MCP), { url: 'https://example.com' }, 'Mcp123abc'));
    try {
      const msg = await client.messages.create({ ...base, messages: [user('open it')], tools: [mcpTool(LONG_MCP), mcpTool(DOTTED_MCP), bash] });
      const names = (lastBody(stack).tools as Array<{ function: { name: string } }>).map((t) => t.function.name);
      for (const n of names) expect(n).toMatch(MISTRAL_NAME);
      expect(names[0]).not.toBe(LONG_MCP);
      expect(names[1]).not.toBe(DOTTED_MCP);
      expect(names[2]).toBe('Bash');
      expect(msg.content).toEqual([{ type: 'tool_use', id: 'toolu_Mcp123abc_0_0', name: LONG_MCP, input: { url: 'https://example.com' } }]);
      expect(msg.stop_reason).toBe('tool_use');

      // Streaming restores the name too, and a dotted name round-trips.
      stack.mock.setResponder((req) => toolCall(upstreamToolName(req, DOTTED_MCP), { url: 'x' }));
      const streamed = await client.messages.stream({ ...base, messages: [user('open it')], tools: [mcpTool(LONG_MCP), mcpTool(DOTTED_MCP)] }).finalMessage();
      expect(streamed.content).toHaveLength(1);
      expect(streamed.content[0]).toMatchObject({ type: 'tool_use', name: DOTTED_MCP, input: { url: 'x' } });
    } finally {
      stack.mock.setResponder(defaultAgent);
    }
  });

  it('a history with long MCP tool_use names and tool_choice uses the same shortened names', async () => {
    await client.messages.create({
      ...base,
      tools: [mcpTool(LONG_MCP)],
      tool_choice: { type: 'tool', name: LONG_MCP },
      messages: [
        user('go'),
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01XyZabcdefGHIJKLmnop', name: LONG_MCP, input: { url: 'a' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01XyZabcdefGHIJKLmnop', content: 'done' }] },
      ],
    });
    const body = lastBody(stack);
    const short = body.tools[0].function.name;
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: short } });
    expect(body.messages[1].tool_calls[0].function.name).toBe(short);
    expect(body.messages[2]).toMatchObject({ role: 'tool', name: short });
  });
});

describe('tool round trip', () => {
  it('turn 1 tool_use → turn 2 tool_result (is_error, block content) with 9-char ids upstream', async () => {
    stack.mock.enqueue(toolCall('Bash', { command: 'ls -la' }, 'K3j9xQ2ab', { content: 'Let me look.' }));
    const turn1 = await client.messages.create({ ...base, tools: [bash], messages: [user('list files')] });
    expect(turn1.stop_reason).toBe('tool_use');
    expect(turn1.content).toEqual([
      { type: 'text', text: 'Let me look.' },
      { type: 'tool_use', id: 'toolu_K3j9xQ2ab_0_0', name: 'Bash', input: { command: 'ls -la' } },
    ]);
    const use = turn1.content[1] as Anthropic.ToolUseBlock;

    stack.mock.enqueue(text('The command failed.'));
    const turn2 = await client.messages.create({
      ...base,
      tools: [bash],
      messages: [
        user('list files'),
        { role: 'assistant', content: turn1.content },
        {
          role: 'user',
          content: [{
            type: 'tool_result',
            tool_use_id: use.id,
            is_error: true,
            content: [{ type: 'text', text: 'ls: cannot open directory' }, { type: 'text', text: 'permission denied' }],
          }],
        },
      ],
    });
    expect(turn2.content).toEqual([{ type: 'text', text: 'The command failed.' }]);
    expect(turn2.stop_reason).toBe('end_turn');
    const msgs = lastBody(stack).messages;
    expect(msgs[1]).toEqual({
      role: 'assistant',
      content: 'Let me look.',
      tool_calls: [{ id: 'K3j9xQ2ab', type: 'function', function: { name: 'Bash', arguments: JSON.stringify({ command: 'ls -la' }) } }],
    });
    expect(msgs[2]).toEqual({ role: 'tool', tool_call_id: 'K3j9xQ2ab', name: 'Bash', content: 'Error: ls: cannot open directory\npermission denied' });
    expect(msgs).toHaveLength(3);
  });

  it('foreign tool ids (real Claude history) map to one stable 9-char id; trailing user text is kept', async () => {
    const foreign = 'toolu_01A09q90qw90lq917835lq9';
    const messages: Anthropic.MessageParam[] = [
      user('read it'),
      { role: 'assistant', content: [{ type: 'tool_use', id: foreign, name: 'Read', input: { file_path: '/a' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: foreign, content: 'contents of a' }, { type: 'text', text: 'now summarize' }] },
    ];
    stack.mock.enqueue(text('summary'));
    await client.messages.create({ ...base, tools: [read], messages });
    const first = lastBody(stack).messages;
    const id = first[1].tool_calls[0].id;
    expect(id).toMatch(MISTRAL_ID);
    expect(first[2]).toMatchObject({ role: 'tool', tool_call_id: id, name: 'Read' });
    expect(JSON.stringify(first)).toContain('now summarize');

    await client.messages.create({ ...base, tools: [read], messages });
    expect(lastBody(stack).messages[1].tool_calls[0].id).toBe(id);
  });

  it('a streamed tool_use id is accepted back in the next turn', async () => {
    stack.mock.enqueue(toolCall('Read', { file_path: '/etc/hosts' }, 'Zz9Yy8Xx7'));
    const turn1 = await client.messages.stream({ ...base, tools: [read], messages: [user('read hosts')] }).finalMessage();
    expect(turn1.content).toEqual([{ type: 'tool_use', id: 'toolu_Zz9Yy8Xx7_0_0', name: 'Read', input: { file_path: '/etc/hosts' } }]);
    const turn2 = await client.messages.stream({
      ...base,
      tools: [read],
      messages: [user('read hosts'), { role: 'assistant', content: turn1.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_Zz9Yy8Xx7_0_0', content: '127.0.0.1 localhost' }] }],
    }).finalMessage();
    // The mock's default agent answers a tool result with "Tool said: …".
    expect(turn2.content).toEqual([{ type: 'text', text: 'Tool said: 127.0.0.1 localhost' }]);
    expect(lastBody(stack).messages[2]).toEqual({ role: 'tool', tool_call_id: 'Zz9Yy8Xx7', name: 'Read', content: '127.0.0.1 localhost' });
  });
});

describe('tool results with images', () => {
  it('an image inside a tool_result travels in a user message after a short bridge (Mistral tool messages are text-only)', async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
    await client.messages.create({
      ...base,
      tools: [read],
      messages: [
        user('screenshot please'),
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_Img000001', name: 'Read', input: { file_path: '/shot.png' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_Img000001', content: [{ type: 'text', text: 'here it is' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png } }] }] },
      ],
    });
    const msgs = lastBody(stack).messages;
    expect(msgs[2]).toMatchObject({ role: 'tool', tool_call_id: 'Img000001', name: 'Read' });
    expect(msgs[2].content).toMatch(/^here it is\n/);
    expect(msgs.at(-1)).toEqual({ role: 'user', content: [{ type: 'image_url', image_url: `data:image/png;base64,${png}` }] });
  });

  it('a tool call without a result gets a synthesized one (no Mistral pairing error)', async () => {
    await client.messages.create({
      ...base,
      tools: [read],
      messages: [user('read'), { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_Lost00001', name: 'Read', input: {} }] }, user('never mind')],
    });
    const msgs = lastBody(stack).messages;
    expect(msgs[2]).toMatchObject({ role: 'tool', tool_call_id: 'Lost00001' });
    expect(msgs[2].content).toContain('interrupted');
  });
});

describe('parallel tool calls', () => {
  const two = () => completion({
    content: '',
    tool_calls: [
      { id: 'Par1aaaaa', function: { name: 'Read', arguments: { file_path: '/one/with/a/rather/long/path.txt' } } },
      { id: 'Par2bbbbb', function: { name: 'Bash', arguments: { command: 'echo "two" && sleep 0', timeout: 5 } } },
    ],
  });
  const expected = [
    { type: 'tool_use', id: 'toolu_Par1aaaaa_0_0', name: 'Read', input: { file_path: '/one/with/a/rather/long/path.txt' } },
    { type: 'tool_use', id: 'toolu_Par2bbbbb_0_1', name: 'Bash', input: { command: 'echo "two" && sleep 0', timeout: 5 } },
  ];

  it('non-streaming: two tool_use blocks', async () => {
    stack.mock.enqueue(two());
    const msg = await client.messages.create({ ...base, tools: [read, bash], messages: [user('both')] });
    expect(msg.content).toEqual(expected);
    expect(msg.stop_reason).toBe('tool_use');
  });

  for (const fragment of [false, true]) {
    it(`streaming, ${fragment ? 'fragmented' : 'whole'} tool calls: two complete tool_use blocks with contiguous indices`, async () => {
      stack.mock.streamOptions.fragmentToolCalls = fragment;
      stack.mock.enqueue(two());
      const stream = client.messages.stream({ ...base, tools: [read, bash], messages: [user('both')] });
      const starts: Array<{ index: number; type: string }> = [];
      stream.on('streamEvent', (ev) => {
        if (ev.type === 'content_block_start') starts.push({ index: ev.index, type: ev.content_block.type });
      });
      const msg = await stream.finalMessage();
      expect(msg.content).toEqual(expected);
      expect(msg.stop_reason).toBe('tool_use');
      expect(starts).toEqual([{ index: 0, type: 'tool_use' }, { index: 1, type: 'tool_use' }]);
    });
  }

  it('both results go back as two tool messages in call order', async () => {
    await client.messages.create({
      ...base,
      tools: [read, bash],
      messages: [
        user('both'),
        { role: 'assistant', content: expected as Anthropic.ContentBlockParam[] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_Par2bbbbb', content: 'two' },
            { type: 'tool_result', tool_use_id: 'toolu_Par1aaaaa', content: 'one' },
          ],
        },
      ],
    });
    const msgs = lastBody(stack).messages;
    expect(msgs.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'Par1aaaaa', name: 'Read', content: 'one' },
      { role: 'tool', tool_call_id: 'Par2bbbbb', name: 'Bash', content: 'two' },
    ]);
  });
});

describe('tool_choice', () => {
  const cases: Array<[string, Anthropic.ToolChoice, object]> = [
    ['auto', { type: 'auto' }, { tool_choice: 'auto' }],
    ['any', { type: 'any' }, { tool_choice: 'any' }],
    ['tool', { type: 'tool', name: 'Bash' }, { tool_choice: { type: 'function', function: { name: 'Bash' } } }],
    ['none', { type: 'none' }, { tool_choice: 'none' }],
    ['auto + disable_parallel_tool_use', { type: 'auto', disable_parallel_tool_use: true }, { tool_choice: 'auto', parallel_tool_calls: false }],
    ['any + disable_parallel_tool_use', { type: 'any', disable_parallel_tool_use: true }, { tool_choice: 'any', parallel_tool_calls: false }],
    ['tool + disable_parallel_tool_use', { type: 'tool', name: 'Read', disable_parallel_tool_use: true }, { tool_choice: { type: 'function', function: { name: 'Read' } }, parallel_tool_calls: false }],
  ];
  for (const [label, choice, want] of cases) {
    it(`${label}`, async () => {
      await client.messages.create({ ...base, tools: [bash, read], tool_choice: choice, messages: [user('pick')] });
      const body = lastBody(stack);
      expect({ tool_choice: body.tool_choice, ...(body.parallel_tool_calls !== undefined ? { parallel_tool_calls: body.parallel_tool_calls } : {}) }).toEqual(want);
    });
  }

  it('no tool_choice → no tool_choice or parallel_tool_calls upstream beyond the default', async () => {
    await client.messages.create({ ...base, tools: [bash], messages: [user('pick')] });
    const body = lastBody(stack);
    expect(body.parallel_tool_calls).toBeUndefined();
    expect([undefined, 'auto']).toContain(body.tool_choice);
  });
});
