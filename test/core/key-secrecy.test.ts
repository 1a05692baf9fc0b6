import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS, type Channel } from '../../app/contract/api.js';
import { errorReply, mistralError, startMockMistral, text, type MockMistral } from '../mock-mistral/index.js';
import { msg, startCoreStack, waitUntil, type CoreStack, type EventCollector } from './core-stack.js';

// The API key, entered through the UI (settings.update over the bridge), must never come back out: not in any
// bridge answer, SSE event, log line, ledger byte or error body. The only place it may be is the 0600 settings
// file (headless has no OS keychain, by design).

const KEY = `mk-CANARY${randomBytes(12).toString('hex')}`;

let mock: MockMistral;
let stack: CoreStack;
let events: EventCollector;
const outputs: { what: string; text: string }[] = [];
const keep = (what: string, text: string) => outputs.push({ what, text });

async function bridgeCall(channel: Channel, body: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${stack.url}/ui/api/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ccproxy-ui-token': stack.token },
    body: body === undefined ? '' : JSON.stringify(body),
  });
  const text = await res.text();
  keep(`bridge ${channel} ${JSON.stringify(body)}`, text);
  return { status: res.status, text };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)]));
}

beforeAll(async () => {
  mock = await startMockMistral({ apiKey: KEY });
  stack = await startCoreStack({ mock, env: { MISTRAL_API_KEY: undefined }, allowMissingKey: true });
  events = await stack.events();
});
afterAll(async () => {
  await stack?.close();
  await mock?.close();
});

describe('the API key never leaks', () => {
  it('without a key the core still starts on the configured address and upstream, and answers 401 naming the key', async () => {
    const status = (await (await fetch(`${stack.url}/status`)).json()) as { upstream: string; api_key_set: boolean };
    expect(status).toMatchObject({ upstream: mock.url, api_key_set: false });
    const res = await stack.messages(msg());
    expect(res.status).toBe(401);
    const body = await res.text();
    keep('no-key 401', body);
    expect(JSON.parse(body)).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: expect.stringMatching(/Mistral API key/) } });
    expect(mock.requests).toHaveLength(0);
  });

  it('a key set through settings.update is used for the next request, and only last 4 chars are shown', async () => {
    const { status, text: body } = await bridgeCall('settings.update', { apiKey: KEY });
    expect(status).toBe(200);
    expect(JSON.parse(body).result.apiKey).toEqual({ set: true, last4: KEY.slice(-4), source: 'stored', encrypted: false });

    mock.enqueue(text('non-stream answer', { usage: { prompt_tokens: 10, completion_tokens: 5 } }));
    const ok = await stack.messages(msg(), { 'x-claude-code-session-id': 'leak-session' });
    expect(ok.status).toBe(200);
    keep('non-stream 200', await ok.text());
    expect(mock.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);

    mock.enqueue(text('stream answer'));
    const streamed = await stack.messages(msg({ stream: true }));
    expect(streamed.status).toBe(200);
    keep('stream 200', await streamed.text());
  });

  it('failed requests: upstream 401/400/503, bad bodies and guard refusals carry no key', async () => {
    mock.enqueue(errorReply(401));
    const r401 = await stack.messages(msg());
    expect(r401.status).toBe(401);
    keep('upstream 401', await r401.text());

    mock.enqueue(errorReply(400, mistralError('Bad tool schema', 'invalid_request_error')));
    const r400 = await stack.messages(msg({ stream: true }));
    expect(r400.status).toBe(400);
    keep('upstream 400', await r400.text());

    mock.enqueue(errorReply(503), errorReply(503), errorReply(503));
    const r529 = await stack.messages(msg());
    expect(r529.status).toBe(529);
    keep('upstream 503', await r529.text());

    // A stream that breaks mid-way.
    const chunk = { id: 'x', object: 'chat.completion.chunk', created: 1, model: 'mistral-large-latest', choices: [{ index: 0, delta: { role: 'assistant', content: 'half' }, finish_reason: null }] };
    mock.enqueue({ kind: 'sse', chunks: [chunk, { object: 'error', message: 'upstream fell over', type: 'internal_server_error' }] });
    const broken = await stack.messages(msg({ stream: true }));
    keep('stream error', await broken.text());

    const bad = await stack.messages({ model: 'claude-sonnet-4-5', messages: 'nope' });
    expect(bad.status).toBe(400);
    keep('invalid body', await bad.text());

    const foreign = await fetch(`${stack.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example' }, body: JSON.stringify(msg()) });
    expect(foreign.status).toBe(403);
    keep('guard 403', await foreign.text());

    // The key spelled with JSON escapes, which JSON.parse turns back into the key: in an error body, a non-stream
    // answer and a stream event (every other character escaped, hex in both cases).
    const esc = [...KEY].map((c, i) => (i % 2 ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)).map((c, i) => (i % 4 === 0 ? c.toUpperCase().replace('\\U', '\\u') : c)).join('');
    expect(JSON.parse(`"${esc}"`)).toBe(KEY);
    const rawReply = (status: number, body: string) => ({ kind: 'raw' as const, handle: ({ res }: { res: import('node:http').ServerResponse }) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    } });
    mock.enqueue(rawReply(401, `{"message":"Invalid key ${esc}","type":"invalid_api_key"}`));
    const escError = await stack.messages(msg());
    expect(escError.status).toBe(401);
    keep('upstream 401 with an escaped key', await escError.text());
    mock.enqueue(rawReply(200, `{"id":"e","object":"chat.completion","created":1,"model":"mistral-large-latest","choices":[{"index":0,"message":{"role":"assistant","content":"your key: ${esc}"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}`));
    const escAnswer = await stack.messages(msg());
    expect(escAnswer.status).toBe(200);
    keep('non-stream answer with an escaped key', await escAnswer.text());
    mock.enqueue({ kind: 'sse', chunks: [
      `{"id":"e","object":"chat.completion.chunk","created":1,"model":"mistral-large-latest","choices":[{"index":0,"delta":{"role":"assistant","content":"key: ${esc}"},"finish_reason":null}]}`,
      { id: 'e', object: 'chat.completion.chunk', created: 1, model: 'mistral-large-latest', choices: [{ index: 0, delta: { content: '.' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } },
      '[DONE]',
    ] });
    const escStream = await stack.messages(msg({ stream: true }));
    expect(escStream.status).toBe(200);
    keep('stream event with an escaped key', await escStream.text());
    mock.enqueue({ kind: 'sse', chunks: [chunk, `{"object":"error","message":"bad key ${esc}","type":"invalid_api_key"}`] });
    const escStreamError = await stack.messages(msg({ stream: true }));
    keep('stream error with an escaped key', await escStreamError.text());

    // Network failure upstream after the request was sent (the mock destroys the socket; never re-sent, mapped).
    mock.enqueue({ kind: 'destroy' });
    const net = await stack.messages(msg());
    expect(net.status).toBeGreaterThanOrEqual(500);
    keep('network failure', await net.text());
  });

  it('every bridge channel answers without the key', async () => {
    const requests: Record<Channel, unknown[]> = {
      'settings.get': [undefined],
      'settings.update': [{ currency: 'EUR' }, { apiKey: '' }, { apiKey: `${KEY} with space` }],
      'settings.testKey': [{}, { apiKey: 'some-wrong-key' }],
      'proxy.status': [undefined],
      'proxy.start': [undefined],
      'proxy.stop': [undefined],
      'models.list': [undefined],
      'logs.recent': [{ limit: 50 }],
      'usage.report': [{ preset: 'today' }],
      'usage.export': [{ format: 'csv', preset: 'today' }, { format: 'json', preset: 'today' }],
      'pricing.list': [undefined],
      'budget.state': [undefined],
      'health.get': [undefined],
      'claude.status': [undefined],
      'claude.preview': [{ scope: 'user' }],
      // Refused (not an absolute folder) and unknown: this test must never write into the runner's real HOME.
      'claude.write': [{ scope: 'project', projectDir: 'relative/dir' }],
      'claude.undo': [{ undoId: 'none' }],
    };
    for (const channel of CHANNELS) for (const body of requests[channel]) await bridgeCall(channel, body);
    // The key test really used the key, and reported it without echoing it.
    const tested = outputs.filter((o) => o.what.startsWith('bridge settings.testKey {}'));
    expect(JSON.parse(tested[0].text).result.status).toBe('ok');
    // A rejected key patch does not quote the key it was given.
    const rejected = outputs.find((o) => o.what.includes('with space'))!;
    expect(JSON.parse(rejected.text).error.message).toMatch(/apiKey contains whitespace/);
    // proxy.stop over the bridge would close the listener that serves the bridge itself (cutting its own answer and
    // stranding the UI): it is refused with a clear message, and the proxy keeps running.
    const stopped = await bridgeCall('proxy.stop', undefined);
    expect(stopped.status).toBe(409);
    expect(JSON.parse(stopped.text).error.message).toMatch(/stop the ccproxy process instead/);
    expect(stack.core.status().running).toBe(true);
    expect((await stack.messages(msg())).status).toBe(200);
  });

  it('SSE events, ccproxy.log, the ledger files and every other file hold no key; the settings file is 0600', async () => {
    await waitUntil(() => events.of('request.finished').length >= 8, 5_000, 'request.finished events');
    keep('sse', events.text());
    expect(events.of('settings.changed').length).toBeGreaterThan(0);
    expect(events.of('request.started').length).toBeGreaterThan(0);
    await stack.core.close(0); // flushes the log and closes the database (WAL checkpoint)

    for (const o of outputs) expect(o.text.includes(KEY), `${o.what} leaked the key: ${o.text.slice(0, 300)}`).toBe(false);
    // Not even a large piece of it (a prefix or suffix beyond the shown last 4).
    const middle = KEY.slice(4, -4);
    for (const o of outputs) expect(o.text.includes(middle), `${o.what} leaked part of the key`).toBe(false);

    const log = readFileSync(join(stack.dataDir, 'ccproxy.log'), 'utf8');
    expect(log.split('\n').filter(Boolean).length).toBeGreaterThan(5);
    const settingsFile = stack.settings.path;
    const files = filesUnder(stack.dataDir);
    expect(files).toEqual(expect.arrayContaining([settingsFile, join(stack.dataDir, 'ccproxy.log'), join(stack.dataDir, 'usage.sqlite')]));
    for (const f of files) {
      const bytes = readFileSync(f);
      if (f === settingsFile) continue;
      expect(bytes.includes(KEY), `${f} holds the key`).toBe(false);
      expect(bytes.includes(Buffer.from(KEY, 'utf16le')), `${f} holds the key (UTF-16)`).toBe(false);
    }
    // Headless, no keychain: the key is in the settings file by design, owner-only.
    expect(readFileSync(settingsFile, 'utf8')).toContain(KEY);
    expect(statSync(settingsFile).mode & 0o777).toBe(0o600);
  });
});
