import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { text } from '../mock-mistral/index.js';
import { chats, lastBody, PNG_1PX, rejection, user, withSdkStack } from './sdk-helpers.js';

// Hostile input at the front door: method probes, deep nesting, tool schemas that are not objects or carry
// prototype keys, images with bad media types or bytes. Each is a clear Anthropic-shaped 4xx, nothing reaches
// Mistral, and nothing pollutes the proxy's objects.

let stack: Stack;
let client: Anthropic;
withSdkStack((s, c) => {
  stack = s;
  client = c;
});

const MODEL = 'claude-sonnet-5-5';
const post = (path: string, raw: string, headers: Record<string, string> = {}) =>
  fetch(`${stack.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: raw });

async function expectError(res: Response, status: number, type: string, message?: RegExp) {
  expect(res.status, `${res.url}`).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const json = await res.json();
  expect(json).toMatchObject({ type: 'error', error: { type } });
  if (message) expect(json.error.message).toMatch(message);
  return json;
}

describe('method probes', () => {
  it('a known path with another method → 405 invalid_request_error with an allow header', async () => {
    const before = stack.mock.requests.length;
    const probes: [string, string, string][] = [
      ['PUT', '/v1/messages', 'POST'], ['DELETE', '/v1/messages', 'POST'], ['PATCH', '/v1/messages', 'POST'], ['GET', '/v1/messages', 'POST'],
      ['GET', '/v1/messages/count_tokens', 'POST'], ['PUT', '/v1/messages?beta=true', 'POST'],
      ['POST', '/health', 'HEAD, GET'], ['DELETE', '/health', 'HEAD, GET'], ['POST', '/status', 'HEAD, GET'],
      ['POST', '/v1/models', 'HEAD, GET'], ['DELETE', '/v1/models/mistral-large-latest', 'HEAD, GET'],
    ];
    for (const [method, path, allow] of probes) {
      const res = await fetch(`${stack.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
      await expectError(res, 405, 'invalid_request_error', new RegExp(`${method} is not allowed`));
      expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow);
      expect(res.headers.get('request-id')).toMatch(/^req_/);
    }
    // A POST without any content type is still a 405 (nothing would run), not a content-type complaint.
    await expectError(await fetch(`${stack.url}/health`, { method: 'POST' }), 405, 'invalid_request_error');
    expect(stack.mock.requests.length).toBe(before);
  });

  it('OPTIONS lists the methods (204 + allow), with no body', async () => {
    const res = await fetch(`${stack.url}/v1/messages`, { method: 'OPTIONS' });
    expect(res.status).toBe(204);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.text()).toBe('');
  });

  it('unknown paths, under /v1 and elsewhere, whatever the method → 404 not_found_error JSON', async () => {
    for (const [method, path] of [['GET', '/v1/complete'], ['POST', '/v1/complete'], ['POST', '/v1/messages/batches'], ['DELETE', '/v1/files/x'], ['GET', '/v2/messages'], ['PUT', '/'], ['GET', '/favicon.ico']]) {
      const res = await fetch(`${stack.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
      await expectError(res, 404, 'not_found_error');
    }
  });
});

describe('request bodies', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const withToolInput = (input: string) =>
    `{"model":"${MODEL}","max_tokens":16,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"t","input":{"x":${input}}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"ok"}]}]}`;

  it('deep nesting → 400 invalid_request_error (messages and count_tokens), never a 500', async () => {
    const before = stack.mock.requests.length;
    for (const depth of [200, 10_000, 1_000_000]) {
      await expectError(await post('/v1/messages', withToolInput(nested(depth))), 400, 'invalid_request_error', /nests deeper than 128 levels/);
      await expectError(await post('/v1/messages/count_tokens', withToolInput(nested(depth))), 400, 'invalid_request_error', /nests deeper/);
    }
    await expectError(await post('/v1/messages', `{"model":"${MODEL}","max_tokens":16,"messages":[{"role":"user","content":"hi"}],"metadata":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`), 400, 'invalid_request_error', /nests deeper/);
    expect(stack.mock.requests.length).toBe(before);
    // Brackets inside strings do not count; moderate nesting passes.
    stack.mock.enqueue(text('fine'));
    const ok = await post('/v1/messages', withToolInput(`{"s":"${'['.repeat(5000)}","deep":${nested(60)}}`));
    expect(ok.status).toBe(200);
  });

  it.each([
    ['an array', []], ['a string', 'object'], ['a number', 5], ['null', null], ['type string', { type: 'string' }],
  ])('input_schema that is %s → 400 naming tools.0.input_schema', async (_, schema) => {
    const before = stack.mock.requests.length;
    const err = await rejection(client.messages.create({ model: MODEL, max_tokens: 16, messages: [user('hi')], tools: [{ name: 't', input_schema: schema as never }] }));
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as APIError).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/^tools\.0\.input_schema/) } });
    expect(stack.mock.requests.length).toBe(before);
  });

  it('__proto__, constructor and prototype keys in tool schemas are never forwarded and pollute nothing', async () => {
    // Raw JSON text: in a JS object literal "__proto__" would set the prototype instead of being a key.
    const schema = '{"type":"object","__proto__":{"polluted":"yes","type":"string"},"constructor":{"prototype":{"polluted":"yes"}},'
      + '"properties":{"__proto__":{"type":"string"},"constructor":{"type":"string"},"prototype":{"type":"string"},"path":{"type":"string","__proto__":{"x":1}}},'
      + '"required":["path","__proto__","constructor"]}';
    const raw = `{"model":"${MODEL}","max_tokens":16,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"read","description":"r","input_schema":${schema}}]}`;
    stack.mock.enqueue(text('clean'));
    const res = await post('/v1/messages', raw);
    expect(res.status).toBe(200);
    const params = lastBody(stack).tools[0].function.parameters;
    expect(params).toEqual({ type: 'object', properties: { path: { type: 'string' } }, required: ['path'] });
    const sent = JSON.stringify(stack.mock.requests.at(-1)!.body);
    expect(sent).not.toMatch(/__proto__|constructor|prototype|polluted/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('images', () => {
  const image = (source: object) => ({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: [{ type: 'image', source }, { type: 'text', text: 'what is it?' }] }] });
  const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]).toString('base64');

  it.each([
    ['an unsupported media type', { type: 'base64', media_type: 'image/bmp', data: PNG_1PX }, /media_type: Input should be 'image\/jpeg', 'image\/png', 'image\/gif' or 'image\/webp'/],
    ['a non-image media type', { type: 'base64', media_type: 'text/html', data: PNG_1PX }, /media_type/],
    ['no media type', { type: 'base64', data: PNG_1PX }, /media_type/],
    ['data that is not base64', { type: 'base64', media_type: 'image/png', data: 'not base64 at all!' }, /data: is not valid base64/],
    ['a data: URL instead of base64', { type: 'base64', media_type: 'image/png', data: `data:image/png;base64,${PNG_1PX}` }, /not valid base64/],
    ['unpadded base64', { type: 'base64', media_type: 'image/png', data: PNG_1PX.replace(/=+$/, '') }, /not valid base64/],
    ['empty data', { type: 'base64', media_type: 'image/png', data: '' }, /data: Field required/],
    ['PNG bytes labelled JPEG', { type: 'base64', media_type: 'image/jpeg', data: PNG_1PX }, /specified using the image\/jpeg media type, but the image appears to be a image\/png image/],
    ['JPEG bytes labelled PNG', { type: 'base64', media_type: 'image/png', data: JPEG_HEAD }, /appears to be a image\/jpeg image/],
    ['bytes that are no image', { type: 'base64', media_type: 'image/png', data: Buffer.from('hello world, not an image').toString('base64') }, /not a image\/png image/],
    ['a url source that is not http(s)', { type: 'url', url: 'file:///etc/passwd' }, /source\.url: Input should be an http\(s\) URL/],
    ['an unknown source type', { type: 'file', file_id: 'f' }, /source\.type: Input should be 'base64' or 'url'/],
  ])('%s → 400 with a clear message, nothing sent upstream', async (_, source, message) => {
    const before = stack.mock.requests.length;
    const json = await expectError(await post('/v1/messages', JSON.stringify(image(source))), 400, 'invalid_request_error', message);
    expect(json.error.message).toMatch(/^messages\.0\.content\.0\.source/);
    expect(stack.mock.requests.length).toBe(before);
  });

  it('a bad image inside a tool_result is caught too; a good PNG passes', async () => {
    const body = (data: string) => ({
      model: MODEL, max_tokens: 16,
      messages: [
        { role: 'user', content: 'look' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'shot', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data } }] }] },
      ],
      tools: [{ name: 'shot', input_schema: { type: 'object', properties: {} } }],
    });
    await expectError(await post('/v1/messages', JSON.stringify(body('%%%%'))), 400, 'invalid_request_error', /^messages\.2\.content\.0\.content\.0\.source\.data/);
    const before = chats(stack).length;
    stack.mock.enqueue(text('a pixel'));
    const res = await post('/v1/messages', JSON.stringify(body(PNG_1PX)));
    expect(res.status).toBe(200);
    expect(chats(stack).length).toBe(before + 1);
  });
});

describe('malformed blocks inside blocks', () => {
  const toolTurn = (result: unknown) => [
    { role: 'user', content: 'run it' },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'run', input: {} }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: result }] },
  ];
  const doc = (source: unknown, extra: object = {}) => [{ role: 'user', content: [{ type: 'document', source, ...extra }, { type: 'text', text: 'summarise' }] }];
  const tools = [{ name: 'run', input_schema: { type: 'object', properties: {} } }];
  // Each used to be a TypeError in the translator (500 "internal proxy error") or a garbage field sent to Mistral.
  const cases: Array<[string, object, RegExp]> = [
    ['a null block in a tool_result', { messages: toolTurn([null]), tools }, /^messages\.2\.content\.0\.content\.0\.type: /],
    ['a tool_result whose content is a number', { messages: toolTurn(5), tools }, /^messages\.2\.content\.0\.content: /],
    ['a text block without text in a tool_result', { messages: toolTurn([{ type: 'text' }]), tools }, /^messages\.2\.content\.0\.content\.0\.text: /],
    ['a document of content: null', { messages: doc({ type: 'content', content: null }) }, /^messages\.0\.content\.0\.source\.content: /],
    ['a document of content: [null]', { messages: doc({ type: 'content', content: [null] }) }, /^messages\.0\.content\.0\.source\.content\.0\.type: /],
    ['a document of content holding a document', { messages: doc({ type: 'content', content: [{ type: 'document', source: { type: 'text', data: 'x' } }] }) }, /^messages\.0\.content\.0\.source\.content\.0\.type: /],
    ['a document of content: null inside a tool_result', { messages: toolTurn([{ type: 'document', source: { type: 'content', content: null } }]), tools }, /^messages\.2\.content\.0\.content\.0\.source\.content: /],
    ['a base64 PDF without data', { messages: doc({ type: 'base64', media_type: 'application/pdf' }) }, /^messages\.0\.content\.0\.source\.data: /],
    ['a base64 document that is not a PDF', { messages: doc({ type: 'base64', media_type: 'text/html', data: 'PGI+' }) }, /^messages\.0\.content\.0\.source\.media_type: /],
    ['a text document without data', { messages: doc({ type: 'text', media_type: 'text/plain' }) }, /^messages\.0\.content\.0\.source\.data: /],
    ['a URL document whose url is a number', { messages: doc({ type: 'url', url: 5 }) }, /^messages\.0\.content\.0\.source\.url: /],
    ['a document without a source', { messages: [{ role: 'user', content: [{ type: 'document' }] }] }, /^messages\.0\.content\.0\.source: /],
    ['a search_result whose content is [null]', { messages: [{ role: 'user', content: [{ type: 'search_result', title: 't', source: 's', content: [null] }] }] }, /^messages\.0\.content\.0\.content\.0: /],
    ['a system prompt of bare strings', { messages: [user('hi')], system: ['You are a pirate.'] }, /^system\.0: /],
    ['a system text block without text', { messages: [user('hi')], system: [{ type: 'text' }] }, /^system\.0\.text: /],
    ['a tool schema whose properties is a string', { messages: [user('hi')], tools: [{ name: 'run', input_schema: { type: 'object', properties: 'x' } }] }, /^tools\.0\.input_schema\.properties: /],
    ['no messages at all', { messages: [] }, /^messages: at least one message/],
    ['a tool schema whose required is not a list of names', { messages: [user('hi')], tools: [{ name: 'run', input_schema: { type: 'object', required: [1] } }] }, /^tools\.0\.input_schema\.required: /],
  ];
  for (const [name, body, message] of cases) {
    it(`${name} → 400 invalid_request_error naming the field, streamed or not, and nothing reaches Mistral`, async () => {
      const before = chats(stack).length;
      for (const stream of [false, true]) {
        await expectError(await post('/v1/messages?beta=true', JSON.stringify({ model: MODEL, max_tokens: 16, stream, ...body })), 400, 'invalid_request_error', message);
      }
      await expectError(await post('/v1/messages/count_tokens?beta=true', JSON.stringify({ model: MODEL, ...body })), 400, 'invalid_request_error', message);
      expect(chats(stack).length).toBe(before);
    });
  }

  it('well-formed documents, search results and nested tool_result blocks still go through', async () => {
    const before = chats(stack).length;
    stack.mock.enqueue(text('read'));
    const res = await post('/v1/messages', JSON.stringify({
      model: MODEL, max_tokens: 16, tools, system: [{ type: 'text', text: 'Be brief.' }],
      messages: [
        { role: 'user', content: [
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQK' }, title: 'a.pdf' },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain' } },
          { type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } },
          { type: 'document', source: { type: 'content', content: [{ type: 'text', text: 'inner' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_1PX } }] } },
          { type: 'search_result', title: 't', source: 'https://example.com', content: [{ type: 'text', text: 'found' }] },
          { type: 'text', text: 'run it' },
        ] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'run', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'ok' }, { type: 'document', source: { type: 'text', data: 'log' } }] }] },
      ],
    }));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(chats(stack).length).toBe(before + 1);
  });
});
