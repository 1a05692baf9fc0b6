import { readFileSync, existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { errorReply, text } from '../mock-mistral/index.js';
import { rejection, sdk, user, waitFor } from './sdk-helpers.js';

// The local guard (DNS rebinding, cross-site browsers, simple-request content types, optional local token) and the
// structured request log.

const body = JSON.stringify({ model: 'claude-sonnet-5-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
const base = { model: 'claude-sonnet-5-5', max_tokens: 16, messages: [user('hi')] } satisfies Anthropic.MessageCreateParamsNonStreaming;

/** A raw HTTP request, so the Host header can be anything. */
function raw(url: string, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; json: { type?: string; error?: { type: string; message: string } } }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(parts).toString('utf8') || '{}') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('guard without a local token', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ CCPROXY_ALLOWED_HOSTS: 'ccproxy.lan' });
  });
  afterAll(async () => stack.close());

  const post = (headers: Record<string, string>) =>
    raw(stack.url, { method: 'POST', path: '/v1/messages', headers: { 'content-length': String(Buffer.byteLength(body)), ...headers }, body });

  it('Host: evil.example.com → 403 permission_error, nothing sent upstream', async () => {
    const before = stack.mock.requests.length;
    const port = new URL(stack.url).port;
    // The last ones are a loopback name with something after it that is not a port.
    for (const host of ['evil.example.com', `evil.example.com:${port}`, 'localhost.evil.example.com', '[::1]evil.example.com', 'localhost:evil.example.com', `[::1]:${port}x`, 'localhost:']) {
      const res = await post({ host, 'content-type': 'application/json' });
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    }
    const health = await raw(stack.url, { path: '/health', headers: { host: 'evil.example.com' } });
    expect(health.status).toBe(403);
    expect(stack.mock.requests.length).toBe(before);
  });

  it('a refusal closes its connection, so refused clients cannot hold the server\'s connection slots', async () => {
    const { connect } = await import('node:net');
    const u = new URL(stack.url);
    const cases = [
      `GET /health HTTP/1.1\r\nHost: rebind.evil.example\r\n\r\n`,
      `GET /health HTTP/1.1\r\nHost: localhost\r\nOrigin: https://evil.example\r\n\r\n`,
      `POST /v1/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi`,
    ];
    for (const raw of cases) {
      const got = await new Promise<{ text: string; closed: boolean }>((resolve, reject) => {
        const socket = connect(Number(u.port), u.hostname);
        let text = '';
        const timer = setTimeout(() => { socket.destroy(); resolve({ text, closed: false }); }, 2_000);
        socket.on('data', (c) => { text += c.toString('latin1'); });
        socket.on('end', () => { clearTimeout(timer); resolve({ text, closed: true }); });
        socket.on('error', reject);
        socket.write(raw);
      });
      expect(got.text, raw).toMatch(/^HTTP\/1\.1 (403|415) /);
      expect(got.text.toLowerCase(), raw).toContain('connection: close');
      expect(got.closed, raw).toBe(true);
    }
  });

  it('loopback names and CCPROXY_ALLOWED_HOSTS are accepted', async () => {
    const port = new URL(stack.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `ccproxy.lan:${port}`, 'app.localhost']) {
      const res = await post({ host, 'content-type': 'application/json' });
      expect(res.status, host).toBe(200);
    }
    expect(stack.mock.violations()).toEqual([]);
  });

  it('Origin: https://evil.example.com → 403; a local Origin is fine', async () => {
    const before = stack.mock.requests.length;
    const bad = await fetch(`${stack.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://evil.example.com' }, body });
    expect(bad.status).toBe(403);
    expect(await bad.json()).toMatchObject({ type: 'error', error: { type: 'permission_error' } });
    const nullOrigin = await fetch(`${stack.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'null' }, body });
    expect(nullOrigin.status).toBe(403);
    const crossSite = await fetch(`${stack.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' }, body });
    expect(crossSite.status).toBe(403);
    expect(stack.mock.requests.length).toBe(before);
    const good = await fetch(`${stack.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://localhost:5173' }, body });
    expect(good.status).toBe(200);
  });

  it('POST with text/plain or a form content type → 415', async () => {
    const before = stack.mock.requests.length;
    for (const ct of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await fetch(`${stack.url}/v1/messages`, { method: 'POST', headers: { 'content-type': ct }, body });
      expect(res.status, ct).toBe(415);
      expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    }
    const count = await fetch(`${stack.url}/v1/messages/count_tokens`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body });
    expect(count.status).toBe(415);
    expect(stack.mock.requests.length).toBe(before);
  });

  it('the SDK (which sends Authorization: Bearer anything) is accepted when no token is configured', async () => {
    stack.mock.enqueue(text('open'));
    expect((await sdk(stack).messages.create(base)).content).toEqual([{ type: 'text', text: 'open' }]);
  });
});

describe('guard with CCPROXY_AUTH_TOKEN', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ CCPROXY_AUTH_TOKEN: 't' });
  });
  afterAll(async () => stack.close());

  it('requests without the token (or with a wrong one) → 401 AuthenticationError', async () => {
    const before = stack.mock.requests.length;
    for (const apiKey of ['anything', 'tt', 'T']) {
      const err = await rejection(sdk(stack, { apiKey }).messages.create(base));
      expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
      expect((err as APIError).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    }
    const none = await fetch(`${stack.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(none.status).toBe(401);
    const models = await fetch(`${stack.url}/v1/models`);
    expect(models.status).toBe(401);
    const status = await fetch(`${stack.url}/status`);
    expect(status.status).toBe(401);
    expect(stack.mock.requests.length).toBe(before);
  });

  it('Bearer t (SDK apiKey / authToken) and x-api-key t are accepted', async () => {
    stack.mock.enqueue(text('bearer ok'), text('auth token ok'), text('x-api-key ok'));
    expect((await sdk(stack, { apiKey: 't' }).messages.create(base)).content).toEqual([{ type: 'text', text: 'bearer ok' }]);
    const viaAuthToken = new Anthropic({ baseURL: stack.url, authToken: 't', apiKey: null, maxRetries: 0 });
    expect((await viaAuthToken.messages.create(base)).content).toEqual([{ type: 'text', text: 'auth token ok' }]);
    const res = await fetch(`${stack.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 't' }, body });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ content: [{ type: 'text', text: 'x-api-key ok' }] });
    expect((await sdk(stack, { apiKey: 't' }).models.list()).data.length).toBeGreaterThan(0);
    // The local token is never forwarded to Mistral; the proxy's own key is.
    for (const r of stack.mock.requests) expect(r.headers.authorization).toBe(`Bearer ${stack.mock.apiKey}`);
    expect(stack.mock.violations()).toEqual([]);
  });

  it('/health stays open without the token', async () => {
    const res = await fetch(`${stack.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});

describe('request log', () => {
  it('writes one JSON line per request (refusals too) to ccproxy.log and never the API key', async () => {
    const stack = await startStack({ CCPROXY_AUTH_TOKEN: 'local-secret-token', CCPROXY_PACING: 'off' }, { log: true });
    try {
      const client = sdk(stack, { apiKey: 'local-secret-token' });
      // Retry-After beyond the proxy's retry budget: answered at once, not retried.
      stack.mock.enqueue(text('one'), text('two'), errorReply(429, undefined, { 'retry-after': '60' }));
      await client.messages.create(base);
      await client.messages.stream(base).finalMessage();
      await rejection(client.messages.create(base));
      await client.messages.countTokens({ model: 'claude-sonnet-5-5', messages: [user('x')] });
      await rejection(sdk(stack, { apiKey: 'wrong' }).messages.create(base));
      expect(stack.records).toHaveLength(3);
      stack.logger!.flush();
      const file = join(stack.dataDir, 'ccproxy.log');
      const lines = await waitFor(() => {
        if (!existsSync(file)) return null;
        const l = readFileSync(file, 'utf8').split('\n').filter(Boolean);
        return l.length >= 5 ? l : null;
      });
      expect(lines).toHaveLength(5);
      const all = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const entries = all.filter((e) => e.path === '/v1/messages' && e.status !== 401);
      expect(entries.map((e) => e.req)).toEqual(stack.records.map((r) => r.id));
      expect(entries.map((e) => e.status)).toEqual([200, 200, 429]);
      expect(entries[0]).toMatchObject({ app: 'ccproxy', path: '/v1/messages', model: 'claude-sonnet-5-5', mistral_model: 'mistral-large-latest', stream: false, error: null });
      expect(entries[1]).toMatchObject({ stream: true, stop: 'end_turn' });
      expect(entries[2]).toMatchObject({ error: 'rate_limit_error', level: 40 });
      expect(all[3]).toMatchObject({ method: 'POST', path: '/v1/messages/count_tokens', status: 200, error: null });
      expect(all[4]).toMatchObject({ method: 'POST', path: '/v1/messages', status: 401, error: 'authentication_error', level: 40 });
      const text_ = readFileSync(file, 'utf8');
      expect(text_).not.toContain(stack.mock.apiKey);
      expect(text_).not.toContain('local-secret-token');
      expect(stack.mock.violations()).toEqual([]);
    } finally {
      await stack.close();
    }
  });
});

describe('a deliberate non-loopback bind', () => {
  it('accepts its own address as Host, still refuses other names', async () => {
    const { configFromEnv } = await import('../../app/config.js');
    expect(configFromEnv({ MISTRAL_API_KEY: 'k', CCPROXY_HOST: '192.168.1.20' }).allowedHosts).toEqual(['192.168.1.20']);
    expect(configFromEnv({ MISTRAL_API_KEY: 'k', CCPROXY_HOST: '0.0.0.0' }).allowedHosts).toEqual([]);
    expect(configFromEnv({ MISTRAL_API_KEY: 'k', CCPROXY_HOST: '127.0.0.1', CCPROXY_ALLOWED_HOSTS: 'Box.Lan' }).allowedHosts).toEqual(['box.lan', '127.0.0.1']);
  });
});
