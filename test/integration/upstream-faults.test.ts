import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { errorReply, startMockMistral, text, type Reply } from '../mock-mistral/index.js';
import { chats, rejection, sdk, user, waitFor } from './sdk-helpers.js';

// A fault-injecting Mistral (the strict mock with raw replies) against the real proxy over real sockets: time,
// retries, redirects, malformed output, backpressure and key redaction at the upstream boundary.

const base = { model: 'claude-sonnet-5-5', max_tokens: 256, messages: [user('Hello')] } satisfies Anthropic.MessageCreateParamsNonStreaming;

const chunk = (delta: object, finish: string | null = null, extra: object = {}) => ({
  id: 'c', object: 'chat.completion.chunk', created: 1, model: 'mistral-large-latest', choices: [{ index: 0, delta, finish_reason: finish }], ...extra,
});
const sseBody = (payloads: Array<object | string>) => payloads.map((p) => `data: ${typeof p === 'string' ? p : JSON.stringify(p)}\n\n`).join('');

/** Raw POST to the proxy; resolves with status, headers and the whole body text. */
async function post(stack: Stack, body: object) {
  const res = await fetch(`${stack.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The SSE events of a body, as [event, data] pairs. */
function events(body: string): Array<[string, { type: string; error?: { type: string; message: string } }]> {
  return body.split('\n\n').filter(Boolean).map((block) => {
    const ev = /^event: (.*)$/m.exec(block)?.[1] ?? '';
    return [ev, JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null')];
  });
}

describe('time: a stalled Mistral is a prompt 504 timeout_error, and the POST is never re-sent', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({}, { pingIntervalMs: 100, client: { firstByteTimeoutMs: 600, nonStreamTimeoutMs: 600, idleTimeoutMs: 600 } });
  });
  afterAll(async () => stack.close());

  it('streaming: headers and pings while Mistral is silent, then an SSE timeout_error; one upstream POST', async () => {
    const before = chats(stack).length;
    stack.mock.enqueue({ kind: 'hang' });
    const started = Date.now();
    const res = await fetch(`${stack.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...base, stream: true }) });
    // The head start: the client has its 200 long before the upstream timeout.
    expect(Date.now() - started).toBeLessThan(590);
    expect(res.status).toBe(200);
    const evs = events(await res.text());
    expect(evs[0][0]).toBe('ping');
    expect(evs.at(-1)).toEqual(['error', { type: 'error', error: { type: 'timeout_error', message: expect.stringMatching(/did not answer in time/) } }]);
    expect(chats(stack).length - before).toBe(1);
    const index = stack.mock.requests.lastIndexOf(chats(stack).at(-1)!);
    expect(await stack.mock.waitForAbort(index, 2_000)).toBe(true);
    expect(stack.records.at(-1)).toMatchObject({ errorType: 'timeout_error', upstream: { attempts: 1 } });
  });

  it('non-streaming: no answer → 504 timeout_error; one upstream POST', async () => {
    const before = chats(stack).length;
    stack.mock.enqueue({ kind: 'hang' });
    const r = await post(stack, base);
    expect(r.status).toBe(504);
    expect(JSON.parse(r.text)).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
    expect(chats(stack).length - before).toBe(1);
  });

  it('non-streaming: headers then silence, or a body trickling forever → 504 at the deadline; one upstream POST', async () => {
    for (const trickle of [false, true]) {
      const before = chats(stack).length;
      stack.mock.enqueue({
        kind: 'raw',
        handle: async ({ res }) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"id":"x",');
          while (trickle && !res.destroyed) {
            res.write(' ');
            await new Promise((r) => setTimeout(r, 50));
          }
        },
      });
      const started = Date.now();
      const r = await post(stack, base);
      expect(r.status).toBe(504);
      expect(JSON.parse(r.text)).toMatchObject({ type: 'error', error: { type: 'timeout_error' } });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(chats(stack).length - before).toBe(1);
    }
  });

  it('streaming: silence mid-stream past the idle limit → SSE timeout_error', async () => {
    stack.mock.enqueue({ kind: 'sse', hangAfter: true, chunks: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'then silence' })] });
    const err = await rejection(sdk(stack).messages.stream(base).finalMessage());
    expect((err as APIError).type).toBe('timeout_error');
  });
});

describe('retries: only what was not sent, 429/503 honouring Retry-After within a bound', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({}, { client: { retryDelayMs: 10, retryBudgetMs: 1_500 } });
  });
  afterAll(async () => stack.close());

  it('a 429 with Retry-After: 1 is retried no sooner than 1 s later; the record shows the attempts and the wait', async () => {
    const before = stack.mock.requests.length;
    const at: number[] = [];
    const stamp = (reply: Reply): Reply => ({ kind: 'raw', handle: async (ctx) => {
      at.push(Date.now());
      if (reply.kind === 'error') {
        ctx.res.writeHead(reply.status, { 'content-type': 'application/json', 'retry-after': '1' });
        ctx.res.end(JSON.stringify({ object: 'error', message: 'Requests rate limit exceeded', type: 'rate_limit_exceeded', param: null, code: '3505' }));
      } else {
        ctx.res.writeHead(200, { 'content-type': 'application/json' });
        ctx.res.end(JSON.stringify({ id: 'x', object: 'chat.completion', created: 1, model: 'mistral-large-latest', choices: [{ index: 0, message: { role: 'assistant', content: 'waited' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } }));
      }
    } });
    stack.mock.enqueue(stamp(errorReply(429)), stamp(text('waited')));
    const msg = await sdk(stack).messages.create(base);
    expect(msg.content).toEqual([{ type: 'text', text: 'waited' }]);
    expect(stack.mock.requests.length - before).toBe(2);
    expect(at[1] - at[0]).toBeGreaterThanOrEqual(950);
    const rec = await waitFor(() => stack.records.find((r) => r.upstream?.attempts === 2));
    expect(rec.upstream).toMatchObject({ attempts: 2 });
    expect(rec.upstream!.retryWaitMs).toBeGreaterThanOrEqual(1_000);
  });

  it('retries stop at the time bound: the client gets retry-after and x-should-retry: false', async () => {
    const before = chats(stack).length;
    // Each 429 asks for 1 s; the bound is 1.5 s in all, so one wait, two attempts (the count bound would allow three).
    stack.mock.enqueue(errorReply(429), errorReply(429));
    const err = (await rejection(sdk(stack).messages.create(base))) as APIError;
    expect(err.status).toBe(429);
    expect(err.headers?.get('retry-after')).toBe('1');
    expect(err.headers?.get('x-should-retry')).toBe('false');
    expect(chats(stack).length - before).toBe(2);
  });

  it('a 503 with a Retry-After beyond the bound is passed on at once (529 with retry-after), not waited for', async () => {
    const before = chats(stack).length;
    stack.mock.enqueue(errorReply(503, undefined, { 'retry-after': '30' }));
    const err = (await rejection(sdk(stack).messages.create(base))) as APIError;
    expect(err.status).toBe(529);
    expect(err.headers?.get('retry-after')).toBe('30');
    expect(err.headers?.get('x-should-retry')).toBeNull();
    expect(chats(stack).length - before).toBe(1);
  });

  it('a reset after the body was sent and a 502 are not retried (one POST each)', async () => {
    for (const reply of [{ kind: 'destroy' } as Reply, errorReply(502)]) {
      const before = chats(stack).length;
      stack.mock.enqueue(reply);
      const err = (await rejection(sdk(stack).messages.create(base))) as APIError;
      expect(err.status).toBeGreaterThanOrEqual(500);
      expect(chats(stack).length - before).toBe(1);
    }
  });

  it('connection refused (nothing was sent) is retried within the bound, then 502 with x-should-retry: false', async () => {
    const dead = await startMockMistral();
    const url = dead.url;
    await dead.close();
    const s = await startStack({ MISTRAL_BASE_URL: url }, { client: { retryDelayMs: 20 } });
    try {
      const err = (await rejection(sdk(s).messages.create(base))) as APIError;
      expect(err.status).toBe(502);
      expect((err.error as { error: { message: string } }).error.message).toMatch(/Could not reach the Mistral API \(ECONNREFUSED\)/);
      expect(err.headers?.get('x-should-retry')).toBe('false');
      expect(s.records.at(-1)?.upstream?.attempts).toBe(3);
    } finally {
      await s.close();
    }
  });
});

describe('redirects are never followed', () => {
  it('a 307 to another origin → 502 api_error naming the location; the other origin receives nothing', async () => {
    const stack = await startStack();
    const elsewhere = await startMockMistral({ apiKey: stack.mock.apiKey });
    try {
      for (const status of [302, 307]) {
        stack.mock.enqueue({ kind: 'raw', handle: ({ res }) => {
          res.writeHead(status, { location: `${elsewhere.url}/chat/completions`, 'content-length': '0' });
          res.end();
        } });
        const err = (await rejection(sdk(stack).messages.create(base))) as APIError;
        expect(err.status).toBe(502);
        expect(err.type).toBe('api_error');
        expect((err.error as { error: { message: string } }).error.message).toContain(`${elsewhere.url}/chat/completions`);
      }
      expect(elsewhere.requests).toEqual([]);
    } finally {
      await elsewhere.close();
      await stack.close();
    }
  });
});

describe('malformed upstream output', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => stack.close());

  const raw = (status: number, body: string | Buffer, headers: Record<string, string> = {}): Reply => ({
    kind: 'raw',
    handle: ({ res }) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
    },
  });

  it('a gateway HTML 502 or a plain-text 503 → a short readable message, never the page', async () => {
    stack.mock.enqueue(raw(502, '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>', { 'content-type': 'text/html' }));
    const err = (await rejection(sdk(stack).messages.create(base))) as APIError;
    expect((err.error as { error: { message: string } }).error.message).toBe('Mistral API: HTTP 502 Bad Gateway');
    stack.mock.enqueue(raw(503, 'upstream connect error or disconnect/reset before headers', { 'content-type': 'text/plain', 'retry-after': '60' }));
    const err2 = (await rejection(sdk(stack).messages.create(base))) as APIError;
    expect((err2.error as { error: { message: string } }).error.message).toBe('Mistral API: HTTP 503 Service Unavailable');
  });

  it('data: null, tool_calls: [null] and garbage lines are skipped and counted; the stream completes', async () => {
    stack.mock.enqueue({ kind: 'raw', handle: ({ res }) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`${sseBody([chunk({ role: 'assistant', content: '' }), 'null', chunk({ content: 'Hel', tool_calls: [null] }), '{not json', '42'])}garbage line\n\n${sseBody([chunk({ content: 'lo' }), chunk({ content: '' }, 'stop', { usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 } }), '[DONE]'])}`);
    } });
    const msg = await sdk(stack).messages.stream(base).finalMessage();
    expect(msg.content).toEqual([{ type: 'text', text: 'Hello' }]);
    const rec = await waitFor(() => stack.records.at(-1)?.stopReason ? stack.records.at(-1) : null);
    expect(rec.upstream?.skippedLines).toBe(4);
  });

  it('a tool call whose name is not a string → an api_error event (stream) or 502 api_error (non-stream), never a tool_use', async () => {
    stack.mock.enqueue({ kind: 'sse', chunks: [chunk({ role: 'assistant', content: '' }), chunk({ tool_calls: [{ id: 'abcDEF123', index: 0, function: { name: 12345, arguments: '{}' } }] }, 'tool_calls'), '[DONE]'] });
    const err = (await rejection(sdk(stack).messages.stream(base).finalMessage())) as APIError;
    expect(err.type).toBe('api_error');
    expect(err.message).toMatch(/malformed response/);
    stack.mock.enqueue(raw(200, JSON.stringify({ id: 'x', model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'abcDEF123', function: { name: 7, arguments: '{}' } }] }, finish_reason: 'tool_calls' }] })));
    const err2 = (await rejection(sdk(stack).messages.create(base))) as APIError;
    expect(err2.status).toBe(502);
    expect(err2.type).toBe('api_error');
  });

  it('shape-invalid 200 bodies, a reset mid-body, a short body and bad gzip → 502 api_error with a plain message', async () => {
    const cases: Array<[Reply, RegExp]> = [
      [raw(200, JSON.stringify({ choices: 'none' })), /malformed response \(no choices\)/],
      [raw(200, JSON.stringify({ choices: [{ message: 'hi' }] })), /malformed response/],
      [raw(200, 'null'), /malformed response/],
      [{ kind: 'raw', handle: ({ res, selfDestroy }) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"id":"x","choices":[');
        setTimeout(() => {
          selfDestroy();
          res.socket?.destroy();
        }, 20);
      } }, /cut off/],
      [{ kind: 'raw', handle: ({ res, selfDestroy }) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.write('{"id":"x"');
        setTimeout(() => {
          selfDestroy();
          res.socket?.destroy();
        }, 20);
      } }, /cut off/],
      [raw(200, Buffer.concat([gzipSync('{"id":"x","choices":[]}').subarray(0, 12), Buffer.from('garbage')]), { 'content-encoding': 'gzip' }), /could not be decompressed|cut off/],
    ];
    for (const [reply, message] of cases) {
      stack.mock.enqueue(reply);
      const err = (await rejection(sdk(stack).messages.create(base))) as APIError;
      expect(err.status).toBe(502);
      expect(err.type).toBe('api_error');
      expect((err.error as { error: { message: string } }).error.message).toMatch(message);
    }
    // A well-formed gzip answer is still understood.
    stack.mock.enqueue(raw(200, gzipSync(JSON.stringify({ id: 'x', model: 'mistral-large-latest', choices: [{ index: 0, message: { role: 'assistant', content: 'zipped' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } })), { 'content-encoding': 'gzip' }));
    expect((await sdk(stack).messages.create(base)).content).toEqual([{ type: 'text', text: 'zipped' }]);
  });

  it('absurd usage numbers are clamped before the record (and the ledger)', async () => {
    stack.mock.enqueue(text('big', { usage: { prompt_tokens: 1e308, completion_tokens: -5, total_tokens: 1e308 } }));
    const msg = await sdk(stack).messages.create(base);
    expect(msg.usage.input_tokens).toBeLessThanOrEqual(10_000_000);
    expect(msg.usage.output_tokens).toBe(0);
    const rec = stack.records.at(-1)!;
    expect(Number.isFinite(rec.inputTokens) && rec.inputTokens <= 10_000_000).toBe(true);
  });
});

describe('memory bounds: backpressure and caps', () => {
  it('a client that does not read pauses the reading of Mistral: the upstream cannot push the whole stream', async () => {
    const stack = await startStack({ MISTRAL_MAX_TOKENS: '100000' });
    try {
      const TOTAL = 64 * 2 ** 20;
      let written = 0;
      let finished = false;
      const piece = `data: ${JSON.stringify(chunk({ content: 'x'.repeat(4000) }))}\n\n`;
      stack.mock.enqueue({ kind: 'raw', handle: async ({ res }) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: '' }))}\n\n`);
        while (written < TOTAL && !res.destroyed) {
          written += piece.length;
          if (!res.write(piece)) await new Promise((r) => { res.once('drain', r); res.once('close', r); });
        }
        finished = true;
        res.end(`data: ${JSON.stringify(chunk({ content: '' }, 'stop'))}\n\ndata: [DONE]\n\n`);
      } });
      const { request } = await import('node:http');
      const req = request(`${stack.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' } });
      const res = await new Promise<import('node:http').IncomingMessage>((resolve) => {
        req.on('response', resolve);
        req.end(JSON.stringify({ ...base, max_tokens: 100000, stream: true }));
      });
      res.pause();
      await new Promise((r) => setTimeout(r, 1_500));
      const whilePaused = written;
      expect(finished).toBe(false);
      expect(whilePaused).toBeLessThan(TOTAL / 2);
      // Reading again lets it all through.
      let received = 0;
      res.on('data', (d: Buffer) => (received += d.length));
      const ended = new Promise((r) => res.on('end', r));
      res.resume();
      await ended;
      expect(finished).toBe(true);
      expect(received).toBeGreaterThan(TOTAL * 0.9);
    } finally {
      await stack.close();
    }
  }, 60_000);

  it('an SSE line past the cap fails the stream with an error event instead of growing memory', async () => {
    const stack = await startStack();
    try {
      stack.mock.enqueue({ kind: 'raw', handle: async ({ res }) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify(chunk({ role: 'assistant', content: '' }))}\n\n`);
        res.write(`data: ${JSON.stringify(chunk({ content: 'y'.repeat(2 * 2 ** 20) }))}`);
        res.end('\n\ndata: [DONE]\n\n');
      } });
      const err = (await rejection(sdk(stack).messages.stream(base).finalMessage())) as APIError;
      expect(err.type).toBe('api_error');
      expect(err.message).toMatch(/larger than/);
    } finally {
      await stack.close();
    }
  });
});

describe('the Mistral key never leaves through upstream-derived strings', () => {
  it('an SSE error, an error body and a Location quoting the key are redacted for the client, the record and the log', async () => {
    const stack = await startStack({}, { log: true });
    const key = stack.mock.apiKey;
    try {
      stack.mock.enqueue({ kind: 'sse', chunks: [chunk({ role: 'assistant', content: '' }), chunk({ content: 'hi' }), { object: 'error', message: `invalid key ${key} for model`, type: 'invalid_request_error', param: null, code: null }] });
      const streamed = await post(stack, { ...base, stream: true });
      stack.mock.enqueue(errorReply(500, { object: 'error', message: `oops ${key}`, type: 'internal_server_error', param: null, code: null }));
      const plain = await post(stack, base);
      stack.mock.enqueue({ kind: 'raw', handle: ({ res }) => {
        res.writeHead(302, { location: `https://elsewhere.example/?key=${key}`, 'content-length': '0' });
        res.end();
      } });
      const redirected = await post(stack, base);
      for (const r of [streamed, plain, redirected]) {
        expect(r.text).not.toContain(key);
        expect(r.text).toContain('[redacted]');
      }
      stack.logger!.flush();
      await new Promise((r) => setTimeout(r, 200));
      const log = readFileSync(join(stack.dataDir, 'ccproxy.log'), 'utf8');
      expect(log).toContain('[redacted]');
      expect(log).not.toContain(key);
      for (const rec of stack.records) expect(JSON.stringify(rec)).not.toContain(key);
    } finally {
      await stack.close();
    }
  });
});
