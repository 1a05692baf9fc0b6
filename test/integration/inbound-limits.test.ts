import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { text } from '../mock-mistral/index.js';
import { chats, sdk, user, waitFor } from './sdk-helpers.js';

// The inbound side under slow and stuck clients, over raw sockets: a body that stalls or trickles, headers that
// never finish, too many connections. Each is answered in the Anthropic shape and its socket closed, while a
// response stream may still last longer than every one of these limits.

interface Raw { socket: Socket; received: () => string; closed: Promise<void> }

function open(url: string): Promise<Raw> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port) }, () => resolve({ socket, received: () => data, closed }));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (data += d));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('error', reject);
  });
}

function head(port: string, length: number, path = '/v1/messages'): string {
  return `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;
}

/** Status line and JSON body of a raw HTTP/1.1 answer. */
function parse(raw: string): { status: number; headers: string; json: { type?: string; error?: { type: string; message: string } } } {
  const [headers, ...rest] = raw.split('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1] ?? 0), headers: headers.toLowerCase(), json: JSON.parse(rest.join('\r\n\r\n') || '{}') };
}

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms))]);

const body = JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });

describe('inbound limits', () => {
  let stack: Stack;
  let port: string;
  beforeAll(async () => {
    stack = await startStack({
      CCPROXY_BODY_TIMEOUT_MS: '400',
      CCPROXY_REQUEST_TIMEOUT_MS: '1500',
      CCPROXY_HEADERS_TIMEOUT_MS: '600',
      CCPROXY_MAX_CONNECTIONS: '6',
    });
    port = new URL(stack.url).port;
  });
  afterAll(async () => stack.close());

  it('a body that stalls → 408 timeout_error after the idle timeout, and the socket is closed', async () => {
    const before = stack.mock.requests.length;
    const c = await open(stack.url);
    c.socket.write(head(port, body.length) + body.slice(0, 20));
    await within(c.closed, 10_000, 'closing the stalled connection');
    const res = parse(c.received());
    expect(res.status).toBe(408);
    expect(res.headers).toContain('connection: close');
    expect(res.json).toMatchObject({ type: 'error', error: { type: 'timeout_error', message: expect.stringMatching(/stalled/) } });
    expect(stack.mock.requests.length).toBe(before);
    const rec = await waitFor(() => stack.records.find((r) => r.status === 408));
    expect(rec.errorType).toBe('timeout_error');
  });

  it('a body that trickles (a byte well inside the idle timeout, forever) → 408 once the request timeout passes', async () => {
    const c = await open(stack.url);
    c.socket.write(head(port, 100_000));
    const drip = setInterval(() => c.socket.writable && c.socket.write(' '), 100);
    try {
      await within(c.closed, 10_000, 'closing the trickling connection');
    } finally {
      clearInterval(drip);
    }
    const res = parse(c.received());
    expect(res.status).toBe(408);
    expect(res.json).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
  });

  it('headers that never finish → 408 in the Anthropic shape, socket closed', async () => {
    const c = await open(stack.url);
    c.socket.write(`POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\n`);
    await within(c.closed, 10_000, 'closing the connection with unfinished headers');
    const res = parse(c.received());
    expect(res.status).toBe(408);
    expect(res.json).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
  });

  it('a malformed request line → 400 invalid_request_error JSON, not plain text', async () => {
    const c = await open(stack.url);
    c.socket.write('HELLO\r\n\r\n');
    await within(c.closed, 10_000, 'closing the malformed connection');
    const res = parse(c.received());
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('requests Node would answer itself (no Host, an unknown Expect, CONNECT) get the Anthropic shape and a close', async () => {
    const port = new URL(stack.url).port;
    const cases: Array<[string, number, string]> = [
      ['GET /health HTTP/1.1\r\n\r\n', 403, 'permission_error'],
      [`POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nExpect: bogus\r\n\r\n`, 417, 'invalid_request_error'],
      [`CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n`, 405, 'invalid_request_error'],
    ];
    for (const [request, status, type] of cases) {
      const c = await open(stack.url);
      c.socket.write(request);
      await within(c.closed, 10_000, `closing after ${request.split(' ')[0]}`);
      const res = parse(c.received());
      expect(res.status, request).toBe(status);
      expect(res.headers, request).toContain('connection: close');
      expect(res.json, request).toMatchObject({ type: 'error', error: { type } });
    }
    expect((await fetch(`${stack.url}/health`)).status).toBe(200);
  });

  it('a response stream may outlast every inbound limit (body idle, request, headers)', async () => {
    stack.mock.streamOptions.splitText = 4;
    stack.mock.streamOptions.chunkDelayMs = 150;
    try {
      const words = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen';
      stack.mock.enqueue(text(words));
      const started = Date.now();
      const message = await sdk(stack).messages.stream({ model: 'claude-sonnet-5-5', max_tokens: 200, messages: [user('count slowly')] }).finalMessage();
      expect(Date.now() - started).toBeGreaterThan(2_000); // longer than the 1.5 s request timeout
      expect(message.content).toEqual([{ type: 'text', text: words }]);
      expect(message.stop_reason).toBe('end_turn');
    } finally {
      stack.mock.streamOptions.chunkDelayMs = 0;
      stack.mock.streamOptions.splitText = 16;
    }
  });

  it('past CCPROXY_MAX_CONNECTIONS a new connection gets 529 overloaded_error and is closed; capacity comes back', async () => {
    const held: Raw[] = [];
    try {
      for (let i = 0; i < 6; i++) held.push(await open(stack.url));
      // Each held connection has started a request, so the server surely counts them.
      for (const c of held) c.socket.write(head(port, body.length));
      const extra = await open(stack.url);
      await within(extra.closed, 5_000, 'closing the connection past the cap');
      const res = parse(extra.received());
      expect(res.status).toBe(529);
      expect(res.json).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: expect.stringMatching(/CCPROXY_MAX_CONNECTIONS/) } });
    } finally {
      for (const c of held) c.socket.destroy();
    }
    await waitFor(() => held.every((c) => c.socket.destroyed));
    await new Promise((r) => setTimeout(r, 100));
    stack.mock.enqueue(text('back'));
    expect((await sdk(stack).messages.create({ model: 'claude-sonnet-5-5', max_tokens: 16, messages: [user('hi')] })).content).toEqual([{ type: 'text', text: 'back' }]);
    expect(stack.mock.violations()).toEqual([]);
  });

  it('a client that hangs up during its upload is recorded as client_closed (499), not a 500', async () => {
    const before = stack.records.length;
    const upstreamBefore = chats(stack).length;
    const c = await open(stack.url);
    c.socket.write(head(port, body.length) + body.slice(0, 30));
    await new Promise((r) => setTimeout(r, 100));
    c.socket.destroy();
    const rec = await waitFor(() => stack.records.slice(before).find((r) => r.status !== 0));
    expect(rec).toMatchObject({ status: 499, errorType: 'client_closed' });
    expect(chats(stack).length).toBe(upstreamBefore);
  });
});
