import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as C from '@mistralai/mistralai/models/components';
import {
  contextOverflow,
  defaultAgent,
  errorReply,
  startMockMistral,
  text,
  thinking,
  toolCall,
  validateChatBody,
  type MockMistral,
  type Reply,
} from './index.js';
import { defaultModels, indexModels } from './models.js';

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

const PNG =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Body = Record<string, any>;

const bashTool = () => ({
  type: 'function',
  function: {
    name: 'Bash',
    description: 'Run a shell command',
    parameters: {
      type: 'object',
      properties: {
        command: { type: 'string', description: 'The command' },
        timeout: { type: 'number', minimum: 0, exclusiveMaximum: 600000 },
        description: { type: 'string' },
      },
      required: ['command'],
      additionalProperties: false,
    },
  },
});

const readTool = () => ({
  type: 'function',
  function: {
    name: 'Read',
    description: 'Read a file',
    strict: false,
    parameters: {
      type: 'object',
      properties: {
        file_path: { type: 'string', format: 'uri' },
        mode: { type: ['string', 'null'], enum: ['a', 'b', null] },
        opts: { type: 'object', properties: { x: { anyOf: [{ type: 'integer' }, { type: 'boolean' }] } } },
        list: { type: 'array', items: { $ref: '#/definitions/item' }, minItems: 1 },
      },
      required: ['file_path'],
      definitions: { item: { type: 'string', pattern: '^[a-z]+$' } },
    },
  },
});

/** A fully valid multi-turn body using most features at once. */
function validBody(): Body {
  return {
    model: 'mistral-medium-latest',
    messages: [
      { role: 'system', content: 'You are a coding agent.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Look at these' },
          { type: 'image_url', image_url: PNG },
          { type: 'image_url', image_url: { url: 'https://example.com/a.jpg', detail: 'high' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: [{ type: 'text', text: 'Let me list the files.' }] },
          { type: 'text', text: 'Listing.' },
        ],
        tool_calls: [
          { id: 'abcDEF123', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' }, index: 0 },
          { id: 'XyZ987abc', type: 'function', function: { name: 'Read', arguments: { file_path: '/a' } }, index: 1 },
        ],
      },
      { role: 'tool', tool_call_id: 'abcDEF123', name: 'Bash', content: 'a.txt' },
      { role: 'tool', tool_call_id: 'XyZ987abc', name: 'Read', content: [{ type: 'text', text: 'hello' }] },
      { role: 'assistant', content: 'Done.' },
      { role: 'user', content: 'Thanks, now summarise as JSON' },
    ],
    tools: [bashTool(), readTool()],
    tool_choice: 'auto',
    parallel_tool_calls: true,
    temperature: 0.7,
    top_p: 1,
    max_tokens: 1024,
    stop: ['</done>'],
    random_seed: 42,
    presence_penalty: 0,
    frequency_penalty: 0,
    n: 1,
    response_format: {
      type: 'json_schema',
      json_schema: {
        name: 'summary',
        schema: { type: 'object', properties: { s: { type: 'string' } }, required: ['s'], additionalProperties: false },
        strict: true,
      },
    },
    prompt_cache_key: 'session-1',
    reasoning_effort: 'high',
    safe_prompt: false,
    stream: false,
  };
}

/** Minimal valid body. */
function simpleBody(extra: Body = {}): Body {
  return { model: 'mistral-large-latest', messages: [{ role: 'user', content: 'hi' }], ...extra };
}

let mock: MockMistral;

async function chat(body: unknown, opts: { key?: string | null; contentType?: string; signal?: AbortSignal } = {}) {
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/json' };
  if (opts.key !== null) headers.authorization = `Bearer ${opts.key ?? mock.apiKey}`;
  return fetch(`${mock.url}/chat/completions`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: opts.signal,
  });
}

async function chatJson(body: unknown) {
  const res = await chat(body);
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}

/** Strictly parses an SSE body: only `data: …` events separated by blank lines. */
function parseSse(raw: string): string[] {
  expect(raw.endsWith('\n\n')).toBe(true);
  const events = raw.slice(0, -2).split('\n\n');
  return events.map((e) => {
    expect(e.startsWith('data: ')).toBe(true);
    expect(e.includes('\n')).toBe(false);
    return e.slice('data: '.length);
  });
}

async function streamChunks(body: Body): Promise<{ chunks: any[]; raw: string; contentType: string | null }> {
  const res = await chat({ ...body, stream: true });
  expect(res.status).toBe(200);
  const raw = await res.text();
  const data = parseSse(raw);
  expect(data[data.length - 1]).toBe('[DONE]');
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
  return { chunks, raw, contentType: res.headers.get('content-type') };
}

beforeAll(async () => {
  mock = await startMockMistral();
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => {
  mock.requests.length = 0;
  mock.setResponder(defaultAgent);
  mock.streamOptions.chunkDelayMs = 0;
  mock.streamOptions.fragmentToolCalls = false;
  mock.streamOptions.splitText = 16;
});

// ---------------------------------------------------------------------------------------------
// routing, auth, models
// ---------------------------------------------------------------------------------------------

describe('routing and auth', () => {
  it('exposes a loopback /v1 base url and the default key', () => {
    expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(mock.apiKey).toBe('test-mistral-key');
  });

  it('rejects a wrong or missing key with 401 {message, request_id}', async () => {
    for (const key of ['wrong', null]) {
      const res = await chat(simpleBody(), { key });
      expect(res.status).toBe(401);
      const j = (await res.json()) as any;
      expect(j.message).toBe('Unauthorized');
      expect(j.request_id).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(mock.requests).toHaveLength(2);
    expect(mock.violations()).toEqual([]);
  });

  it('serves GET /v1/models in ModelList shape (requires auth)', async () => {
    const unauth = await fetch(`${mock.url}/models`);
    expect(unauth.status).toBe(401);
    const res = await fetch(`${mock.url}/models`, { headers: { authorization: `Bearer ${mock.apiKey}` } });
    expect(res.status).toBe(200);
    const j = (await res.json()) as any;
    expect(j.object).toBe('list');
    const parsed = C.ModelList$inboundSchema.parse(j);
    expect(parsed.data?.length).toBe(j.data.length);
    const large = j.data.find((m: any) => m.id === 'mistral-large-2512');
    expect(large.aliases).toContain('mistral-large-latest');
    expect(large.capabilities.vision).toBe(true);
    expect(large.capabilities.reasoning).toBe(false);
    expect(large.max_context_length).toBe(262144);
    const medium = j.data.find((m: any) => m.aliases.includes('mistral-medium-latest'));
    expect(medium.id).toBe('mistral-medium-3-5');
    expect(medium.capabilities.reasoning).toBe(true);
    const codestral = j.data.find((m: any) => m.aliases.includes('codestral-latest'));
    expect(codestral.capabilities.vision).toBe(false);
    expect(codestral.max_context_length).toBe(131072);
    for (const id of ['ministral-8b-latest', 'devstral-medium-latest']) {
      expect(j.data.some((m: any) => m.id === id || m.aliases.includes(id))).toBe(true);
    }
    for (const id of ['open-mistral-7b', 'open-mixtral-8x7b', 'open-mixtral-8x22b', 'codestral-2405']) {
      const m = j.data.find((x: any) => x.id === id);
      expect(m.capabilities.vision).toBe(false);
    }
    const one = await fetch(`${mock.url}/models/mistral-small-latest`, { headers: { authorization: `Bearer ${mock.apiKey}` } });
    expect(((await one.json()) as any).id).toBe('mistral-small-2603');
  });

  it('answers 404 for unknown paths', async () => {
    const res = await fetch(`${mock.url}/messages`, { method: 'POST', headers: { authorization: `Bearer ${mock.apiKey}` } });
    expect(res.status).toBe(404);
    await res.text();
  });

  it('honours a custom api key and custom model list', async () => {
    const m2 = await startMockMistral({ apiKey: 'k2', models: [{ ...defaultModels()[0], id: 'only-model', aliases: ['om'] }] });
    try {
      const ok = await fetch(`${m2.url}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer k2', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'om', messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(ok.status).toBe(200);
      await ok.text();
      const bad = await fetch(`${m2.url}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer k2', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mistral-large-latest', messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as any).type).toBe('invalid_model');
    } finally {
      await m2.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// strict validation
// ---------------------------------------------------------------------------------------------

describe('valid requests', () => {
  it('accepts a full multi-turn body (tools, tool results, thinking, images, response_format) with zero violations', async () => {
    const body = validBody();
    const { status, json } = await chatJson(body);
    expect(status).toBe(200);
    expect(mock.violations()).toEqual([]);
    expect(json.object).toBe('chat.completion');
    expect(mock.requests[0].body).toEqual(body);
    expect(mock.requests[0].stream).toBe(false);
    expect(mock.requests[0].aborted).toBe(false);
  });

  it('accepts the variants the proxy legitimately produces', async () => {
    const variants: Body[] = [
      simpleBody(),
      simpleBody({ stream: true }),
      simpleBody({ temperature: 0, top_p: 0.5, max_tokens: 0, stop: 'STOP', tool_choice: 'any', tools: [bashTool()] }),
      simpleBody({ tool_choice: { type: 'function', function: { name: 'Bash' } }, tools: [bashTool()], parallel_tool_calls: false }),
      simpleBody({ tool_choice: 'none', tools: [bashTool()], reasoning_effort: null, temperature: null, max_tokens: null }),
      simpleBody({ model: 'mistral-small-latest', reasoning_effort: 'none', response_format: { type: 'json_object' } }),
      // prefill: trailing assistant with prefix:true
      simpleBody({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: '{"a":', prefix: true }] }),
      // system as text chunks; assistant content + tool_calls together; tool result then assistant
      {
        model: 'codestral-latest',
        messages: [
          { role: 'system', content: [{ type: 'text', text: 'sys' }] },
          { role: 'user', content: 'go' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'AAAAAAAA1', function: { name: 'Bash', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'AAAAAAAA1', content: '' },
          { role: 'assistant', content: 'done' },
          { role: 'user', content: [{ type: 'text', text: 'more' }] },
          { role: 'assistant', content: '', tool_calls: [{ id: 'BBBBBBBB2', type: 'function', function: { name: 'Bash', arguments: '{}' }, index: 0 }] },
          { role: 'tool', tool_call_id: 'BBBBBBBB2', name: 'Bash', content: 'ok' },
        ],
        tools: [bashTool()],
      },
      // 8 images is the maximum
      simpleBody({ messages: [{ role: 'user', content: Array.from({ length: 8 }, () => ({ type: 'image_url', image_url: PNG })) }] }),
      // 128 tools is the maximum
      simpleBody({ tools: Array.from({ length: 128 }, (_, i) => ({ type: 'function', function: { name: `t_${i}`, parameters: {} } })) }),
    ];
    for (const v of variants) {
      const res = await chat(v);
      const txt = await res.text();
      expect({ status: res.status, txt: res.status === 200 ? '' : txt }).toEqual({ status: 200, txt: '' });
    }
    expect(mock.violations()).toEqual([]);
  });
});

interface SchemaCase {
  name: string;
  mutate: (b: Body) => void;
  type: string;
  loc: Array<string | number>;
}

const schemaCases: SchemaCase[] = [
  { name: 'metadata', mutate: (b) => (b.metadata = { a: 1 }), type: 'extra_forbidden', loc: ['body', 'metadata'] },
  { name: 'stream_options', mutate: (b) => (b.stream_options = { include_usage: true }), type: 'extra_forbidden', loc: ['body', 'stream_options'] },
  { name: 'top_k', mutate: (b) => (b.top_k = 5), type: 'extra_forbidden', loc: ['body', 'top_k'] },
  { name: 'user', mutate: (b) => (b.user = 'u1'), type: 'extra_forbidden', loc: ['body', 'user'] },
  { name: 'max_completion_tokens', mutate: (b) => (b.max_completion_tokens = 5), type: 'extra_forbidden', loc: ['body', 'max_completion_tokens'] },
  { name: 'seed', mutate: (b) => (b.seed = 5), type: 'extra_forbidden', loc: ['body', 'seed'] },
  { name: 'system (Anthropic field)', mutate: (b) => (b.system = 'x'), type: 'extra_forbidden', loc: ['body', 'system'] },
  { name: 'name on user', mutate: (b) => (b.messages[1].name = 'bob'), type: 'extra_forbidden', loc: ['body', 'messages', 1, 'user', 'name'] },
  { name: 'name on system', mutate: (b) => (b.messages[0].name = 'x'), type: 'extra_forbidden', loc: ['body', 'messages', 0, 'system', 'name'] },
  { name: 'name on assistant', mutate: (b) => (b.messages[5].name = 'x'), type: 'extra_forbidden', loc: ['body', 'messages', 5, 'assistant', 'name'] },
  { name: 'tool_calls:null on user', mutate: (b) => (b.messages[6].tool_calls = null), type: 'extra_forbidden', loc: ['body', 'messages', 6, 'user', 'tool_calls'] },
  { name: 'reasoning_content on assistant', mutate: (b) => (b.messages[5].reasoning_content = 'hm'), type: 'extra_forbidden', loc: ['body', 'messages', 5, 'assistant', 'reasoning_content'] },
  { name: 'tool_call_id on assistant', mutate: (b) => (b.messages[5].tool_call_id = 'abcDEF123'), type: 'extra_forbidden', loc: ['body', 'messages', 5, 'assistant', 'tool_call_id'] },
  { name: 'is_error on tool', mutate: (b) => (b.messages[3].is_error = true), type: 'extra_forbidden', loc: ['body', 'messages', 3, 'tool', 'is_error'] },
  {
    name: 'cache_control on a user text chunk',
    mutate: (b) => (b.messages[1].content[0].cache_control = { type: 'ephemeral' }),
    type: 'extra_forbidden', loc: ['body', 'messages', 1, 'user', 'content', 0, 'cache_control'],
  },
  {
    name: 'cache_control on a system text chunk',
    mutate: (b) => (b.messages[0].content = [{ type: 'text', text: 's', cache_control: { type: 'ephemeral' } }]),
    type: 'extra_forbidden', loc: ['body', 'messages', 0, 'system', 'content', 0, 'cache_control'],
  },
  {
    name: 'signature-like extra on a thinking item',
    mutate: (b) => (b.messages[2].content[0].thinking[0].signature = 'sig'),
    type: 'extra_forbidden', loc: ['body', 'messages', 2, 'assistant', 'content', 0, 'thinking', 0, 'signature'],
  },
  { name: 'extra key in image_url object', mutate: (b) => (b.messages[1].content[2].image_url.media_type = 'image/png'), type: 'extra_forbidden', loc: ['body', 'messages', 1, 'user', 'content', 2, 'image_url', 'media_type'] },
  { name: 'cache_control on tool', mutate: (b) => (b.tools[0].cache_control = { type: 'ephemeral' }), type: 'extra_forbidden', loc: ['body', 'tools', 0, 'cache_control'] },
  { name: 'input_schema in function', mutate: (b) => (b.tools[0].function.input_schema = {}), type: 'extra_forbidden', loc: ['body', 'tools', 0, 'function', 'input_schema'] },
  { name: 'extra key in tool_call', mutate: (b) => (b.messages[2].tool_calls[0].extra = 1), type: 'extra_forbidden', loc: ['body', 'messages', 2, 'assistant', 'tool_calls', 0, 'extra'] },
  { name: 'extra key in tool_call.function', mutate: (b) => (b.messages[2].tool_calls[0].function.input = {}), type: 'extra_forbidden', loc: ['body', 'messages', 2, 'assistant', 'tool_calls', 0, 'function', 'input'] },
  { name: 'extra key in response_format', mutate: (b) => (b.response_format.strict = true), type: 'extra_forbidden', loc: ['body', 'response_format', 'strict'] },
  { name: 'extra key in json_schema', mutate: (b) => (b.response_format.json_schema.additionalProperties = false), type: 'extra_forbidden', loc: ['body', 'response_format', 'json_schema', 'additionalProperties'] },
  { name: 'extra key in tool_choice', mutate: (b) => (b.tool_choice = { type: 'function', function: { name: 'Bash' }, disable_parallel_tool_use: true }), type: 'extra_forbidden', loc: ['body', 'tool_choice', 'disable_parallel_tool_use'] },
  { name: 'Anthropic tool_choice value', mutate: (b) => (b.tool_choice = 'tool'), type: 'enum', loc: ['body', 'tool_choice'] },
  { name: 'bad reasoning_effort', mutate: (b) => (b.reasoning_effort = 'max'), type: 'enum', loc: ['body', 'reasoning_effort'] },
  { name: 'bad response_format type', mutate: (b) => (b.response_format = { type: 'xml' }), type: 'enum', loc: ['body', 'response_format', 'type'] },
  { name: 'bad image detail', mutate: (b) => (b.messages[1].content[2].image_url.detail = 'ultra'), type: 'enum', loc: ['body', 'messages', 1, 'user', 'content', 2, 'image_url', 'detail'] },
  { name: 'tools: []', mutate: (b) => (b.tools = []), type: 'too_short', loc: ['body', 'tools'] },
  { name: 'stop: []', mutate: (b) => (b.stop = []), type: 'too_short', loc: ['body', 'stop'] },
  { name: 'top_p 0', mutate: (b) => (b.top_p = 0), type: 'greater_than', loc: ['body', 'top_p'] },
  { name: 'top_p 1.5', mutate: (b) => (b.top_p = 1.5), type: 'less_than_equal', loc: ['body', 'top_p'] },
  { name: 'temperature 2', mutate: (b) => (b.temperature = 2), type: 'less_than_equal', loc: ['body', 'temperature'] },
  { name: 'temperature -0.1', mutate: (b) => (b.temperature = -0.1), type: 'greater_than_equal', loc: ['body', 'temperature'] },
  { name: 'max_tokens -1', mutate: (b) => (b.max_tokens = -1), type: 'greater_than_equal', loc: ['body', 'max_tokens'] },
  { name: 'max_tokens 1.5', mutate: (b) => (b.max_tokens = 1.5), type: 'int_type', loc: ['body', 'max_tokens'] },
  { name: 'stream null', mutate: (b) => (b.stream = null), type: 'bool_type', loc: ['body', 'stream'] },
  { name: 'parallel_tool_calls null', mutate: (b) => (b.parallel_tool_calls = null), type: 'bool_type', loc: ['body', 'parallel_tool_calls'] },
  { name: 'tool_choice null', mutate: (b) => (b.tool_choice = null), type: 'string_type', loc: ['body', 'tool_choice', 'str'] },
  { name: 'function.description null', mutate: (b) => (b.tools[0].function.description = null), type: 'string_type', loc: ['body', 'tools', 0, 'function', 'description'] },
  { name: 'function.parameters missing', mutate: (b) => delete b.tools[0].function.parameters, type: 'missing', loc: ['body', 'tools', 0, 'function', 'parameters'] },
  { name: 'prefix null', mutate: (b) => (b.messages[5].prefix = null), type: 'bool_type', loc: ['body', 'messages', 5, 'assistant', 'prefix'] },
  { name: 'system content null', mutate: (b) => (b.messages[0].content = null), type: 'string_type', loc: ['body', 'messages', 0, 'system', 'content', 'str'] },
  { name: 'tool content missing', mutate: (b) => delete b.messages[3].content, type: 'missing', loc: ['body', 'messages', 3, 'tool', 'content'] },
  { name: 'text chunk text is a number', mutate: (b) => (b.messages[1].content[0].text = 5), type: 'string_type', loc: ['body', 'messages', 1, 'user', 'content', 0, 'text'] },
  { name: 'tool_call arguments null', mutate: (b) => (b.messages[2].tool_calls[0].function.arguments = null), type: 'dict_type', loc: ['body', 'messages', 2, 'assistant', 'tool_calls', 0, 'function', 'arguments', 'dict'] },
  { name: 'tool_call id null', mutate: (b) => (b.messages[2].tool_calls[0].id = null), type: 'string_type', loc: ['body', 'messages', 2, 'assistant', 'tool_calls', 0, 'id'] },
  { name: 'unknown role', mutate: (b) => (b.messages[0].role = 'developer'), type: 'union_tag_invalid', loc: ['body', 'messages', 0] },
  { name: 'missing role', mutate: (b) => delete b.messages[0].role, type: 'union_tag_not_found', loc: ['body', 'messages', 0] },
  { name: 'Anthropic image block', mutate: (b) => (b.messages[1].content[1] = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'x' } }), type: 'union_tag_invalid', loc: ['body', 'messages', 1, 'user', 'content', 1] },
  { name: 'Anthropic tool_result block', mutate: (b) => (b.messages[6].content = [{ type: 'tool_result', tool_use_id: 'x', content: 'y' }]), type: 'union_tag_invalid', loc: ['body', 'messages', 6, 'user', 'content', 0] },
  { name: 'image chunk in system', mutate: (b) => (b.messages[0].content = [{ type: 'image_url', image_url: PNG }]), type: 'union_tag_invalid', loc: ['body', 'messages', 0, 'system', 'content', 0] },
  { name: 'non-function tool type', mutate: (b) => (b.tools[0].type = 'custom'), type: 'union_tag_invalid', loc: ['body', 'tools', 0] },
  { name: 'missing model', mutate: (b) => delete b.model, type: 'missing', loc: ['body', 'model'] },
  { name: 'messages not a list', mutate: (b) => (b.messages = 'hi'), type: 'list_type', loc: ['body', 'messages'] },
];

describe('schema violations → 422 extra_forbidden / type errors', () => {
  it.each(schemaCases)('$name', async ({ mutate, type, loc }) => {
    const body = validBody();
    mutate(body);
    const { status, json } = await chatJson(body);
    expect(status).toBe(422);
    expect(json.object).toBe('error');
    expect(json.type).toBe('invalid_request_error');
    expect(json.param).toBeNull();
    expect(json.code).toBeNull();
    const detail = json.message.detail as Array<{ type: string; loc: unknown[]; msg: string }>;
    expect(detail).toContainEqual(expect.objectContaining({ type, loc }));
    for (const d of detail) expect(typeof d.msg).toBe('string');
    expect(mock.requests[0].violations.length).toBeGreaterThan(0);
    expect(mock.violations().some((v) => v.startsWith(`422 ${type} at ${loc.join('.')}`))).toBe(true);
  });

  it('reports extra_forbidden exactly like the hosted API', async () => {
    const { json } = await chatJson(simpleBody({ metadata: { trace: 'x' } }));
    expect(json).toEqual({
      object: 'error',
      message: { detail: [{ type: 'extra_forbidden', loc: ['body', 'metadata'], msg: 'Extra inputs are not permitted', input: { trace: 'x' } }] },
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
  });

  it('reports every problem of a body at once', async () => {
    const body = validBody();
    body.metadata = {};
    body.messages[1].name = 'x';
    body.tools[0].cache_control = {};
    const { json } = await chatJson(body);
    expect(json.message.detail.map((d: any) => d.loc.join('.'))).toEqual([
      'body.metadata',
      'body.messages.1.user.name',
      'body.tools.0.cache_control',
    ]);
    expect(mock.requests[0].violations).toHaveLength(3);
  });

  it('rejects bad JSON with 400 and a non-JSON content type with 422', async () => {
    const r1 = await chat('{"model": ');
    expect(r1.status).toBe(400);
    expect(((await r1.json()) as any).object).toBe('error');
    const r2 = await chat(JSON.stringify(simpleBody()), { contentType: 'text/plain' });
    expect(r2.status).toBe(422);
    await r2.text();
    expect(mock.violations()).toHaveLength(2);
  });
});

interface RuleCase {
  name: string;
  body: () => Body;
  message: string | RegExp;
  type?: string;
  code?: string | null;
}

const conv = (...messages: Body[]) => messages;
const u = (content: unknown = 'hi'): Body => ({ role: 'user', content });
const a = (content: unknown = 'ok', extra: Body = {}): Body => ({ role: 'assistant', content, ...extra });
const tcall = (id: unknown, name = 'Bash', args: unknown = '{}'): Body => ({ id, type: 'function', function: { name, arguments: args } });
const tres = (id: unknown, content = 'r', extra: Body = {}): Body => ({ role: 'tool', tool_call_id: id, content, ...extra });
const withMsgs = (messages: Body[], extra: Body = {}): Body => ({ model: 'mistral-large-latest', messages, tools: [bashTool()], ...extra });

const ruleCases: RuleCase[] = [
  {
    name: 'Anthropic tool id on assistant tool_calls',
    body: () => withMsgs(conv(u(), a('', { tool_calls: [tcall('toolu_01')] }), tres('toolu_01'))),
    message: 'Tool call id was toolu_01 but must be a-z, A-Z, 0-9, with a length of 9.', type: 'invalid_function_call', code: '3280',
  },
  {
    name: 'bad tool_call_id on tool message',
    body: () => withMsgs(conv(u(), a('', { tool_calls: [tcall('abcDEF123')] }), tres('call_abc'))),
    message: 'Unexpected tool call id call_abc in tool results', type: 'invalid_request_message_order', code: '3230',
  },
  {
    name: 'tool_call_id 8 chars on both sides',
    body: () => withMsgs(conv(u(), a('', { tool_calls: [tcall('abcDEF12')] }), tres('abcDEF12'))),
    message: 'Tool call id was abcDEF12 but must be a-z, A-Z, 0-9, with a length of 9.', type: 'invalid_function_call', code: '3280',
  },
  {
    name: 'placeholder id "null"',
    body: () => withMsgs(conv(u(), a('', { tool_calls: [tcall('null')] }), tres('null'))),
    message: 'Tool call id has to be defined in serving mode.', type: 'invalid_function_call', code: '3280',
  },
  {
    name: 'missing tool_call_id on tool message',
    body: () => withMsgs(conv(u(), a('', { tool_calls: [tcall('abcDEF123')] }), { role: 'tool', content: 'x' }, a('x'), u())),
    message: 'Not the same number of function calls and responses',
  },
  {
    name: 'user after tool',
    body: () => withMsgs(conv(u(), a('', { tool_calls: [tcall('abcDEF123')] }), tres('abcDEF123'), u('next'))),
    message: "Unexpected role 'user' after role 'tool'", type: 'invalid_request_message_order', code: '3230',
  },
  {
    name: 'tool after user',
    body: () => withMsgs(conv(u(), tres('abcDEF123'))),
    message: "Unexpected role 'tool' after role 'user'", type: 'invalid_request_message_order', code: '3230',
  },
  {
    name: 'system after assistant',
    body: () => withMsgs(conv(u(), a('x'), { role: 'system', content: 'late' }, u())),
    message: "Unexpected role 'system' after role 'assistant'", type: 'invalid_request_message_order', code: '3230',
  },
  {
    name: 'last message assistant without prefix',
    body: () => withMsgs(conv(u(), a('x'))),
    message: 'Expected last role User or Tool (or Assistant with prefix True) for serving but got assistant',
    type: 'invalid_request_message_order', code: '3230',
  },
  {
    name: 'prefix not on the last message',
    body: () => withMsgs(conv(u(), a('x', { prefix: true }), u())),
    message: 'Assistant message with prefix True must be last message',
  },
  {
    name: 'prefix with empty content',
    body: () => withMsgs(conv(u(), a('', { prefix: true }))),
    message: 'Assistant message must have either content or tool_calls, but not none.',
  },
  {
    name: 'empty assistant content string',
    body: () => withMsgs(conv(u(), a(''), u())),
    message: 'Assistant message must have either content or tool_calls, but not none.',
  },
  {
    name: 'empty assistant content array with empty tool_calls',
    body: () => withMsgs(conv(u(), a([], { tool_calls: [] }), u())),
    message: 'Assistant message must have either content or tool_calls, but not none.',
  },
  {
    name: 'assistant without content key',
    body: () => withMsgs(conv(u(), { role: 'assistant' }, u())),
    message: 'Assistant message must have either content or tool_calls, but not none.',
  },
  {
    name: 'empty system prompt',
    body: () => withMsgs(conv({ role: 'system', content: '' }, u())),
    message: 'System prompt must have content',
  },
  {
    name: 'missing tool result',
    body: () => withMsgs(conv(u(), a('', { tool_calls: [tcall('abcDEF123'), tcall('abcDEF124')] }), tres('abcDEF123'), a('x'), u())),
    message: 'Not the same number of function calls and responses', type: 'invalid_request_error', code: null,
  },
  {
    name: 'missing tool result at the end',
    body: () => withMsgs(conv(u(), a('', { tool_calls: [tcall('abcDEF123'), tcall('abcDEF124')] }), tres('abcDEF123'))),
    message: 'Not the same number of function calls and responses',
  },
  {
    name: 'tool calls answered by a user message',
    body: () => withMsgs(conv(u(), a('', { tool_calls: [tcall('abcDEF123')] }), u('here is the result'))),
    message: 'Not the same number of function calls and responses',
  },
  {
    name: 'orphan tool result',
    body: () => withMsgs(conv(u(), a('x'), tres('abcDEF123'))),
    message: 'Unexpected tool call id abcDEF123 in tool results',
  },
  {
    name: 'duplicate tool result',
    body: () => withMsgs(conv(u(), a('', { tool_calls: [tcall('abcDEF123')] }), tres('abcDEF123'), tres('abcDEF123'))),
    message: 'Duplicate tool call id abcDEF123 in tool results',
  },
  {
    name: 'duplicate ids in one assistant message',
    body: () => withMsgs(conv(u(), a('', { tool_calls: [tcall('abcDEF123'), tcall('abcDEF123')] }), tres('abcDEF123'), tres('abcDEF124'))),
    message: 'Duplicate tool call id abcDEF123 in assistant message',
  },
  {
    name: 'single assistant message',
    body: () => withMsgs(conv(a('x', { prefix: true }))),
    message: 'Conversation must start with a user message or system message',
  },
  {
    name: 'no messages',
    body: () => withMsgs([]),
    message: 'Conversation must have at least one message',
  },
  {
    name: 'invalid tool name',
    body: () => ({ ...simpleBody(), tools: [{ type: 'function', function: { name: 'mcp server.tool', parameters: {} } }] }),
    message: 'Function name was mcp server.tool but must be a-z, A-Z, 0-9, or contain underscores and dashes, with a maximum length of 64.',
  },
  {
    name: 'tool name longer than 64',
    body: () => ({ ...simpleBody(), tools: [{ type: 'function', function: { name: 'x'.repeat(65), parameters: {} } }] }),
    message: /^Function name was x{65} but must be/,
  },
  {
    name: 'invalid function name in tool_calls',
    body: () => withMsgs(conv(u(), a('', { tool_calls: [tcall('abcDEF123', 'mcp:tool')] }), tres('abcDEF123'))),
    message: /^Function name was mcp:tool but must be/, type: 'invalid_function_call', code: '3280',
  },
  {
    name: 'invalid name on tool message',
    body: () => withMsgs(conv(u(), a('', { tool_calls: [tcall('abcDEF123')] }), tres('abcDEF123', 'r', { name: 'a b' }))),
    message: /^Function name was a b but must be/,
  },
  {
    name: 'tool arguments not JSON',
    body: () => withMsgs(conv(u(), a('', { tool_calls: [tcall('abcDEF123', 'Bash', '{"command": ')] }), tres('abcDEF123'))),
    message: /^Tool call arguments are not valid JSON/, type: 'invalid_function_call', code: '3280',
  },
  {
    name: '$schema in tool parameters',
    body: () => ({ ...simpleBody(), tools: [{ type: 'function', function: { name: 'T', parameters: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: {} } } }] }),
    message: 'Grammar error: at 3(11): failed to compile JSON schema',
  },
  {
    name: '$id nested in tool parameters',
    body: () => ({ ...simpleBody(), tools: [{ type: 'function', function: { name: 'T', parameters: { type: 'object', properties: { a: { $id: 'x', type: 'string' } } } } }] }),
    message: 'Grammar error: at 3(11): failed to compile JSON schema',
  },
  {
    name: 'draft-4 boolean exclusiveMinimum',
    body: () => ({ ...simpleBody(), tools: [{ type: 'function', function: { name: 'T', parameters: { type: 'object', properties: { n: { type: 'number', minimum: 0, exclusiveMinimum: true } } } } }] }),
    message: "Invalid tool schema: True is not of type 'number'",
  },
  {
    name: 'invalid JSON-schema type',
    body: () => ({ ...simpleBody(), tools: [{ type: 'function', function: { name: 'T', parameters: { type: 'object', properties: { n: { type: 'str' } } } } }] }),
    message: "Invalid tool schema: 'str' is not valid under any of the given schemas",
  },
  {
    name: 'required not an array',
    body: () => ({ ...simpleBody(), tools: [{ type: 'function', function: { name: 'T', parameters: { type: 'object', required: 'a' } } }] }),
    message: "Invalid tool schema: 'a' is not of type 'array'",
  },
  {
    name: '$schema in response_format schema',
    body: () => simpleBody({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { $schema: 'x', type: 'object' } } } }),
    message: 'Grammar error: at 3(11): failed to compile JSON schema',
  },
  {
    name: 'more than 128 tools',
    body: () => simpleBody({ tools: Array.from({ length: 129 }, (_, i) => ({ type: 'function', function: { name: `t${i}`, parameters: {} } })) }),
    message: 'Too many tools: 129 provided, the maximum is 128.',
  },
  {
    name: 'duplicate tool names',
    body: () => simpleBody({ tools: [bashTool(), bashTool()] }),
    message: 'Duplicate tool name Bash',
  },
  {
    name: 'tool_choice names an unknown function',
    body: () => simpleBody({ tools: [bashTool()], tool_choice: { type: 'function', function: { name: 'Nope' } } }),
    message: 'tool_choice names function Nope, which is not in tools',
  },
  {
    name: 'more than 8 images',
    body: () => simpleBody({ messages: [u(Array.from({ length: 9 }, () => ({ type: 'image_url', image_url: PNG })))] }),
    message: 'Too many images in request: 9 provided, the maximum is 8.',
  },
  {
    name: 'image as a bare base64 string',
    body: () => simpleBody({ messages: [u([{ type: 'image_url', image_url: 'iVBORw0KGgo=' }])] }),
    message: /^Invalid image URL: iVBORw0KGgo=/,
  },
  {
    name: 'image with unsupported media type',
    body: () => simpleBody({ messages: [u([{ type: 'image_url', image_url: 'data:image/bmp;base64,Qk0=' }])] }),
    message: /^Invalid image URL: data:image\/bmp/,
  },
  {
    name: 'image file:// URL',
    body: () => simpleBody({ messages: [u([{ type: 'image_url', image_url: { url: 'file:///tmp/a.png' } }])] }),
    message: /^Invalid image URL: file:/,
  },
  {
    name: 'image data URI without base64 marker',
    body: () => simpleBody({ messages: [u([{ type: 'image_url', image_url: 'data:image/png,abc' }])] }),
    message: /^Invalid image URL/,
  },
  {
    name: 'images sent to a text-only model',
    body: () => ({ ...simpleBody({ messages: [u([{ type: 'text', text: 'x' }, { type: 'image_url', image_url: PNG }])] }), model: 'codestral-latest' }),
    message: 'Model codestral-latest does not support image input.',
  },
  {
    name: 'image inside a tool message',
    body: () => withMsgs(conv(u(), a('', { tool_calls: [tcall('abcDEF123')] }), { role: 'tool', tool_call_id: 'abcDEF123', content: [{ type: 'image_url', image_url: PNG }] })),
    message: 'Unexpected chunk type image_url in tool message',
  },
  {
    name: 'thinking chunk in a user message',
    body: () => simpleBody({ messages: [u([{ type: 'thinking', thinking: [{ type: 'text', text: 'x' }] }])] }),
    message: 'Unexpected chunk type thinking in user message',
  },
  {
    name: 'image chunk in an assistant message',
    body: () => withMsgs(conv(u(), a([{ type: 'image_url', image_url: PNG }]), u())),
    message: 'Unexpected chunk type image_url in assistant message',
  },
  {
    name: 'reasoning_effort on a non-reasoning model',
    body: () => simpleBody({ reasoning_effort: 'high' }),
    message: 'Model mistral-large-latest does not support reasoning_effort',
  },
  {
    name: 'unknown model',
    body: () => ({ ...simpleBody(), model: 'claude-sonnet-4-5' }),
    message: 'Invalid model: claude-sonnet-4-5', type: 'invalid_model', code: '1500',
  },
];

describe('Mistral rules → 400 with the real message/type/code', () => {
  it.each(ruleCases)('$name', async ({ body, message, type, code }) => {
    const { status, json } = await chatJson(body());
    expect(status).toBe(400);
    expect(json.object).toBe('error');
    expect(json.param).toBeNull();
    if (typeof message === 'string') expect(json.message).toBe(message);
    else expect(json.message).toMatch(message);
    expect(json.type).toBe(type ?? json.type);
    if (code !== undefined) expect(json.code).toBe(code);
    expect(mock.requests[0].violations.length).toBeGreaterThan(0);
    expect(mock.violations()[0]).toContain(json.message);
  });

  it('uses the exact hosted-API bodies for id and role-order errors', async () => {
    const r1 = await chatJson(withMsgs(conv(u(), a('', { tool_calls: [tcall('toolu_01')] }), tres('toolu_01'))));
    expect(r1.json).toEqual({
      object: 'error',
      message: 'Tool call id was toolu_01 but must be a-z, A-Z, 0-9, with a length of 9.',
      type: 'invalid_function_call',
      param: null,
      code: '3280',
    });
    const r2 = await chatJson(withMsgs(conv(u(), a('', { tool_calls: [tcall('abcDEF123')] }), tres('abcDEF123'), u())));
    expect(r2.json).toEqual({
      object: 'error',
      message: "Unexpected role 'user' after role 'tool'",
      type: 'invalid_request_message_order',
      param: null,
      code: '3230',
    });
    const r3 = await chatJson({ ...simpleBody(), model: 'no-such-model' });
    expect(r3.json).toEqual({ object: 'error', message: 'Invalid model: no-such-model', type: 'invalid_model', param: null, code: '1500' });
  });

  it('records schema violations before rule violations and answers 422 then', async () => {
    const body = withMsgs(conv(u(), a('', { tool_calls: [tcall('toolu_01')] }), tres('toolu_01')));
    body.metadata = {};
    const { status } = await chatJson(body);
    expect(status).toBe(422);
    const v = mock.requests[0].violations;
    expect(v[0]).toMatch(/^422 extra_forbidden at body\.metadata/);
    expect(v.some((x) => x.includes('Tool call id was toolu_01'))).toBe(true);
  });

  it('options: userAfterTool and toolImages relax the corresponding rules', async () => {
    const m2 = await startMockMistral({ userAfterTool: true, toolImages: true });
    try {
      const body = withMsgs(conv(
        u(),
        a('', { tool_calls: [tcall('abcDEF123')] }),
        { role: 'tool', tool_call_id: 'abcDEF123', content: [{ type: 'text', text: 'see' }, { type: 'image_url', image_url: PNG }] },
        u('next'),
      ));
      const res = await fetch(`${m2.url}/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${m2.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      await res.text();
      expect(m2.violations()).toEqual([]);
    } finally {
      await m2.close();
    }
  });

  it('rejected requests do not consume queued replies or advance chatIndex', async () => {
    const m2 = await startMockMistral();
    try {
      const seen: number[] = [];
      m2.setResponder((_req, i) => {
        seen.push(i);
        return text('from responder');
      });
      m2.enqueue(text('queued'));
      const post = async (body: Body) => {
        const res = await fetch(`${m2.url}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${m2.apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: res.status, json: (await res.json()) as any };
      };
      const bad = await post(simpleBody({ metadata: {} }));
      expect(bad.status).toBe(422);
      expect((await post(simpleBody())).json.choices[0].message.content).toBe('queued');
      expect((await post(simpleBody())).json.choices[0].message.content).toBe('from responder');
      // chatIndex counts requests that reached the queue/responder (the queued one was #0)
      expect(seen).toEqual([1]);
    } finally {
      await m2.close();
    }
  });
});

describe('validator internals', () => {
  it('accepts a valid ~100 KB conversation (30 tool rounds with thinking)', () => {
    const models = indexModels(defaultModels());
    const body = validBody();
    body.messages.pop();
    for (let i = 0; i < 30; i++) {
      const id = `id${String(i).padStart(7, '0')}`;
      body.messages.push(
        u([{ type: 'text', text: 'u'.repeat(1200) }]),
        a([{ type: 'thinking', thinking: [{ type: 'text', text: 't'.repeat(300) }] }, { type: 'text', text: 'a'.repeat(600) }], {
          tool_calls: [tcall(id, 'Bash', JSON.stringify({ command: 'c'.repeat(200) }))],
        }),
        tres(id, 'r'.repeat(800), { name: 'Bash' }),
        a('ok'),
      );
    }
    body.messages.push(u('go'));
    const raw = JSON.stringify(body);
    expect(raw.length).toBeGreaterThan(100_000);
    // (Its speed is not asserted here: timing belongs in a benchmark, not in a test on a shared 2-core machine.)
    const r = validateChatBody(JSON.parse(raw), { models });
    expect(r.schema).toEqual([]);
    expect(r.rules).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// response shapes
// ---------------------------------------------------------------------------------------------

describe('non-streaming responses', () => {
  it('renders a text completion in chat.completion shape', async () => {
    mock.enqueue(text('Hello there', { usage: { prompt_tokens: 100, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 64 } } }));
    const { status, json } = await chatJson(simpleBody({ model: 'mistral-small-latest' }));
    expect(status).toBe(200);
    expect(json.id).toMatch(/^[0-9a-f]{32}$/);
    expect(json.object).toBe('chat.completion');
    expect(Number.isInteger(json.created)).toBe(true);
    expect(json.model).toBe('mistral-small-latest');
    expect(json.choices).toEqual([
      { index: 0, message: { role: 'assistant', content: 'Hello there', tool_calls: null }, finish_reason: 'stop' },
    ]);
    expect(json.usage).toEqual({ prompt_tokens: 100, completion_tokens: 5, total_tokens: 105, prompt_tokens_details: { cached_tokens: 64 } });
    const parsed = C.ChatCompletionResponse$inboundSchema.parse(json);
    expect(parsed.choices[0].message?.content).toBe('Hello there');
  });

  it('renders tool calls with 9-char ids, JSON-string arguments and indices', async () => {
    mock.enqueue({
      kind: 'completion',
      message: {
        content: 'Running both.',
        tool_calls: [
          { id: 'abcDEF123', function: { name: 'Bash', arguments: { command: 'ls' } } },
          { function: { name: 'Read', arguments: '{"file_path":"/a"}' } },
        ],
      },
    });
    const { json } = await chatJson(simpleBody({ tools: [bashTool(), readTool()] }));
    const choice = json.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe('Running both.');
    expect(choice.message.tool_calls).toHaveLength(2);
    expect(choice.message.tool_calls[0]).toEqual({ id: 'abcDEF123', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' }, index: 0 });
    expect(choice.message.tool_calls[1].id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(choice.message.tool_calls[1].index).toBe(1);
    expect(choice.message.tool_calls[1].function.arguments).toBe('{"file_path":"/a"}');
    C.ChatCompletionResponse$inboundSchema.parse(json);
  });

  it('renders thinking as a content array and computes default usage', async () => {
    mock.enqueue(thinking('Let me think.', 'Answer.'));
    const { json } = await chatJson(simpleBody({ model: 'mistral-medium-latest', reasoning_effort: 'high' }));
    expect(json.choices[0].message.content).toEqual([
      { type: 'thinking', thinking: [{ type: 'text', text: 'Let me think.' }] },
      { type: 'text', text: 'Answer.' },
    ]);
    expect(json.usage.prompt_tokens).toBeGreaterThan(0);
    expect(json.usage.completion_tokens).toBeGreaterThan(0);
    expect(json.usage.total_tokens).toBe(json.usage.prompt_tokens + json.usage.completion_tokens);
    expect(json.usage.prompt_tokens_details).toEqual({ cached_tokens: 0 });
    C.ChatCompletionResponse$inboundSchema.parse(json);
  });

  it('passes finishReason and model overrides through', async () => {
    mock.enqueue({ kind: 'completion', message: { content: 'cut' }, finishReason: 'model_length', model: 'mistral-large-2512' });
    const { json } = await chatJson(simpleBody());
    expect(json.choices[0].finish_reason).toBe('model_length');
    expect(json.model).toBe('mistral-large-2512');
  });

  it('toolCall() helper builds a tool_calls completion', async () => {
    mock.enqueue(toolCall('Bash', { command: 'pwd' }, 'Zz9Zz9Zz9'));
    const { json } = await chatJson(simpleBody({ tools: [bashTool()] }));
    expect(json.choices[0].message.tool_calls[0]).toMatchObject({ id: 'Zz9Zz9Zz9', function: { name: 'Bash', arguments: '{"command":"pwd"}' } });
    expect(json.choices[0].finish_reason).toBe('tool_calls');
  });
});

describe('streaming responses', () => {
  it('streams text as data-only SSE: role chunk, split pieces, final finish_reason+usage, [DONE]', async () => {
    mock.streamOptions.splitText = 5;
    const message = 'Hello world, this is streamed.';
    mock.enqueue(text(message, { usage: { prompt_tokens: 1000, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 896 } } }));
    const { chunks, raw, contentType } = await streamChunks(simpleBody());
    expect(contentType).toMatch(/^text\/event-stream/);
    expect(raw).not.toMatch(/^event:/m);
    expect(mock.requests[0].stream).toBe(true);
    for (const c of chunks) {
      expect(c.object).toBe('chat.completion.chunk');
      expect(c.model).toBe('mistral-large-latest');
      expect(c.id).toBe(chunks[0].id);
      C.CompletionChunk$inboundSchema.parse(c);
    }
    expect(chunks[0].choices[0]).toEqual({ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null });
    const middle = chunks.slice(1, -1);
    expect(middle.map((c) => c.choices[0].delta.content)).toEqual(message.match(/.{1,5}/g));
    for (const c of middle) {
      expect(c.choices[0].finish_reason).toBeNull();
      expect(c.usage).toBeUndefined();
    }
    const last = chunks[chunks.length - 1];
    expect(last.choices[0].finish_reason).toBe('stop');
    expect(last.usage).toEqual({ prompt_tokens: 1000, completion_tokens: 9, total_tokens: 1009, prompt_tokens_details: { cached_tokens: 896 } });
    // opaque padding field, as in Mistral's own fixtures
    expect(chunks.some((c) => typeof c.p === 'string')).toBe(true);
  });

  it('streams thinking in three phases: ThinkChunks, transition [closing Think, Text], then strings', async () => {
    mock.streamOptions.splitText = 4;
    mock.enqueue(thinking('abcdefghij', 'ANSWER-TEXT'));
    const { chunks } = await streamChunks(simpleBody({ model: 'mistral-small-latest', reasoning_effort: 'high' }));
    const deltas = chunks.slice(1, -1).map((c) => c.choices[0].delta.content);
    // phase 1
    const phase1 = deltas.filter((d) => Array.isArray(d) && d.length === 1 && d[0].type === 'thinking' && !d[0].closed);
    expect(phase1.map((d) => d[0].thinking[0].text).join('')).toBe('abcdefghij');
    expect(phase1).toHaveLength(3);
    // phase 2
    const tIdx = deltas.findIndex((d) => Array.isArray(d) && d.length === 2);
    expect(tIdx).toBe(3);
    expect(deltas[tIdx][0]).toMatchObject({ type: 'thinking', closed: true });
    expect(deltas[tIdx][1]).toEqual({ type: 'text', text: 'ANSW' });
    // phase 3
    const rest = deltas.slice(tIdx + 1);
    expect(rest.every((d) => typeof d === 'string')).toBe(true);
    expect('ANSW' + rest.join('')).toBe('ANSWER-TEXT');
    for (const c of chunks) C.CompletionChunk$inboundSchema.parse(c);
  });

  it('streams whole tool calls in one chunk (parallel calls get index 0,1)', async () => {
    mock.enqueue({
      kind: 'completion',
      message: {
        tool_calls: [
          { id: 'abcDEF123', function: { name: 'Bash', arguments: { command: 'ls' } } },
          { id: 'ghiJKL456', function: { name: 'Read', arguments: { file_path: '/x' } } },
        ],
      },
    });
    const { chunks } = await streamChunks(simpleBody({ tools: [bashTool(), readTool()] }));
    const withCalls = chunks.filter((c) => c.choices[0].delta.tool_calls);
    expect(withCalls).toHaveLength(1);
    expect(withCalls[0].choices[0].delta.tool_calls).toEqual([
      { id: 'abcDEF123', function: { name: 'Bash', arguments: '{"command":"ls"}' }, index: 0 },
      { id: 'ghiJKL456', function: { name: 'Read', arguments: '{"file_path":"/x"}' }, index: 1 },
    ]);
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('tool_calls');
    expect(chunks[chunks.length - 1].usage.total_tokens).toBeGreaterThan(0);
  });

  it('streams fragmented tool calls like Mistral fixtures ("null"/absent ids, empty names on continuations)', async () => {
    mock.streamOptions.fragmentToolCalls = true;
    mock.streamOptions.splitText = 6;
    const args1 = { command: 'echo hello world', description: 'run it' };
    const args2 = { file_path: '/etc/hosts' };
    mock.enqueue({
      kind: 'completion',
      message: {
        content: 'Sure.',
        tool_calls: [
          { id: 'abcDEF123', function: { name: 'Bash', arguments: args1 } },
          { id: 'ghiJKL456', function: { name: 'Read', arguments: args2 } },
        ],
      },
    });
    const { chunks } = await streamChunks(simpleBody({ tools: [bashTool(), readTool()] }));
    const frags = chunks.flatMap((c) => c.choices[0].delta.tool_calls ?? []);
    for (const c of chunks) C.CompletionChunk$inboundSchema.parse(c);
    expect(frags[0]).toEqual({ id: 'abcDEF123', function: { name: 'Bash', arguments: '' }, index: 0 });
    const cont = frags.filter((f) => f.index === 0).slice(1);
    expect(cont.length).toBeGreaterThan(2);
    for (const f of cont) {
      expect(f.function.name).toBe('');
      expect(f.id === undefined || f.id === 'null').toBe(true);
    }
    expect(cont.some((f) => f.id === 'null')).toBe(true);
    expect(cont.some((f) => !('id' in f))).toBe(true);
    expect(JSON.parse(cont.map((f) => f.function.arguments).join(''))).toEqual(args1);
    const second = frags.filter((f) => f.index === 1);
    expect(second[0]).toEqual({ id: 'ghiJKL456', function: { name: 'Read', arguments: '' }, index: 1 });
    expect(JSON.parse(second.slice(1).map((f) => f.function.arguments).join(''))).toEqual(args2);
    // text comes before the calls
    const firstCall = chunks.findIndex((c) => c.choices[0].delta.tool_calls);
    const textBefore = chunks.slice(1, firstCall).map((c) => c.choices[0].delta.content).join('');
    expect(textBefore).toBe('Sure.');
    expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('tool_calls');
  });

  it('ends with finish_reason "error" when asked', async () => {
    mock.enqueue({ kind: 'completion', message: { content: 'partial' }, finishReason: 'error' });
    const { chunks } = await streamChunks(simpleBody());
    const last = chunks[chunks.length - 1];
    expect(last.choices[0].finish_reason).toBe('error');
    expect(last.usage).toBeDefined();
  });

  it('honours chunkDelayMs', async () => {
    mock.streamOptions.chunkDelayMs = 20;
    mock.streamOptions.splitText = 2;
    mock.enqueue(text('abcdef'));
    const t0 = Date.now();
    await streamChunks(simpleBody());
    expect(Date.now() - t0).toBeGreaterThanOrEqual(80);
  });

  it('a raw sse reply sends objects as data: JSON and strings as data: <s>', async () => {
    mock.enqueue({ kind: 'sse', chunks: [{ a: 1 }, '[DONE]'], delayMs: 1 });
    const res = await chat(simpleBody({ stream: true }));
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(await res.text()).toBe('data: {"a":1}\n\ndata: [DONE]\n\n');
  });
});

describe('error replies', () => {
  it('429 has the rate-limit body and a Retry-After header', async () => {
    mock.enqueue(errorReply(429));
    const { status, headers, json } = await chatJson(simpleBody());
    expect(status).toBe(429);
    expect(headers.get('retry-after')).toBe('1');
    expect(json).toEqual({ object: 'error', message: 'Requests rate limit exceeded', type: 'rate_limit_exceeded', param: null, code: '3505' });
  });

  it('contextOverflow() gives the hosted wording', async () => {
    mock.enqueue(contextOverflow(300000, 131072));
    const { status, json } = await chatJson(simpleBody());
    expect(status).toBe(400);
    expect(json).toEqual({
      object: 'error',
      message: 'Prompt contains 300000 tokens, too large for model with 131072 maximum context length',
      type: 'invalid_request_error',
      param: null,
      code: null,
    });
    expect(mock.violations()).toEqual([]);
  });

  it('has Mistral-shaped default bodies for other statuses, and custom bodies/headers', async () => {
    for (const status of [401, 402, 403, 404, 500, 502, 503, 504]) {
      mock.enqueue(errorReply(status));
      const r = await chatJson(simpleBody());
      expect(r.status).toBe(status);
      expect(typeof r.json.message).toBe('string');
      if (status !== 401) expect(r.json.object).toBe('error');
    }
    mock.enqueue(errorReply(429, { message: 'custom' }, { 'retry-after': '7' }));
    const r = await chatJson(simpleBody());
    expect(r.json).toEqual({ message: 'custom' });
    expect(r.headers.get('retry-after')).toBe('7');
  });

  it('json reply sends any status/body/headers verbatim', async () => {
    mock.enqueue({ kind: 'json', status: 418, body: { weird: true }, headers: { 'x-test': 'yes' } });
    const { status, headers, json } = await chatJson(simpleBody());
    expect(status).toBe(418);
    expect(headers.get('x-test')).toBe('yes');
    expect(json).toEqual({ weird: true });
  });
});

describe('aborts, hangs and network failures', () => {
  it('detects a client abort of a hanging request', async () => {
    mock.enqueue({ kind: 'hang' });
    const ac = new AbortController();
    const p = chat(simpleBody(), { signal: ac.signal }).catch((e: unknown) => e);
    while (mock.requests.length === 0 || mock.requests[0].body === undefined) await new Promise((r) => setTimeout(r, 5));
    expect(mock.requests[0].aborted).toBe(false);
    ac.abort();
    expect(await mock.waitForAbort(0, 2000)).toBe(true);
    expect(mock.requests[0].aborted).toBe(true);
    expect(await p).toBeInstanceOf(Error);
  });

  it('detects a client abort mid-stream (hangAfter keeps the socket open)', async () => {
    mock.enqueue({ kind: 'sse', chunks: [{ choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }] }], hangAfter: true });
    const ac = new AbortController();
    const res = await chat(simpleBody({ stream: true }), { signal: ac.signal });
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('data: ');
    ac.abort();
    expect(await mock.waitForAbort(0, 2000)).toBe(true);
  });

  it('waitForAbort resolves false on timeout and completed requests are not aborted', async () => {
    await chatJson(simpleBody());
    expect(await mock.waitForAbort(0, 50)).toBe(false);
    expect(mock.requests[0].aborted).toBe(false);
  });

  it('destroy reply kills the socket (fetch fails) without marking the request aborted', async () => {
    mock.enqueue({ kind: 'destroy' });
    const err = await chat(simpleBody()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(mock.requests[0].aborted).toBe(false);
  });
});

describe('queue, responder and default agent', () => {
  it('serves queued replies in order, then the responder with chatIndex', async () => {
    mock.enqueue(text('one'), text('two'));
    const calls: Array<[string, number]> = [];
    mock.setResponder((req, i) => {
      calls.push([req.path, i]);
      return text(`responder`);
    });
    const got: string[] = [];
    for (let i = 0; i < 4; i++) got.push((await chatJson(simpleBody())).json.choices[0].message.content);
    expect(got).toEqual(['one', 'two', 'responder', 'responder']);
    expect(calls.map((c) => c[0])).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
    // chatIndex is global to the mock: consecutive, and the queued replies took the two before
    expect(calls[1][1]).toBe(calls[0][1] + 1);
  });

  it('supports async responders', async () => {
    mock.setResponder(async () => {
      await new Promise((r) => setTimeout(r, 5));
      return text('async');
    });
    expect((await chatJson(simpleBody())).json.choices[0].message.content).toBe('async');
  });

  it('default agent: ok / RUN_BASH tool call / Tool said', async () => {
    const r1 = await chatJson(simpleBody());
    expect(r1.json.choices[0].message.content).toBe('ok');

    const r2 = await chatJson(withMsgs([u('please RUN_BASH:echo hi there\nthanks')]));
    const call = r2.json.choices[0].message.tool_calls[0];
    expect(call.function.name).toBe('Bash');
    expect(JSON.parse(call.function.arguments)).toEqual({ command: 'echo hi there', description: 'run it' });
    expect(call.id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(r2.json.choices[0].finish_reason).toBe('tool_calls');

    // no Bash tool → plain ok
    const r3 = await chatJson(simpleBody({ messages: [u('RUN_BASH:ls')] }));
    expect(r3.json.choices[0].message.content).toBe('ok');

    const long = 'x'.repeat(300);
    const r4 = await chatJson(withMsgs(conv(u('RUN_BASH:ls'), a('', { tool_calls: [tcall(call.id, 'Bash', call.function.arguments)] }), tres(call.id, long))));
    expect(r4.json.choices[0].message.content).toBe(`Tool said: ${'x'.repeat(200)}`);

    // streaming works with the default agent too
    const { chunks } = await streamChunks(withMsgs([u([{ type: 'text', text: 'RUN_BASH:pwd' }])]));
    expect(chunks.some((c) => c.choices[0].delta.tool_calls)).toBe(true);
    expect(mock.violations()).toEqual([]);
  });

  it('records every request (chat and models) in order', async () => {
    await chatJson(simpleBody());
    await (await fetch(`${mock.url}/models`, { headers: { authorization: `Bearer ${mock.apiKey}` } })).text();
    expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/chat/completions', 'GET /v1/models']);
    expect(mock.requests[0].headers.authorization).toBe(`Bearer ${mock.apiKey}`);
  });
});

// Make sure a Reply union value type-checks for consumers.
const _replies: Reply[] = [text('x'), toolCall('a', {}), thinking('t', 'x'), contextOverflow(1, 2), errorReply(500), { kind: 'hang' }, { kind: 'destroy' }];
void _replies;
