import { readFileSync } from 'node:fs';
import Anthropic from '@anthropic-ai/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { errorReply, text } from '../mock-mistral/index.js';
import { CHAT_PATH } from './sdk-helpers.js';

// Pacing against a mock that enforces Mistral's per-workspace limits (429 + Retry-After past them). Counts are
// asserted, never times: the machine is shared and noisy (the time ratio is the benchmark's job: bench/pacing.ts).

interface Fixture { path: string; headers: Record<string, string>; body: Record<string, unknown> }
const fixture = JSON.parse(readFileSync(new URL('../fixtures/claude-code/2.1.331-bash-turn1-1.json', import.meta.url), 'utf8')) as Fixture;

let stack: Stack | null = null;
afterEach(async () => {
  if (stack) expect(stack.mock.violations()).toEqual([]);
  await stack?.close();
  stack = null;
});

/** One Claude Code-shaped request, as Claude Code sends it (beta path, its headers), streaming or not. */
async function claudeCodeRequest(s: Stack, stream: boolean): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${s.url}${fixture.path}`, {
    method: 'POST',
    headers: { ...fixture.headers, 'content-type': 'application/json', host: new URL(s.url).host },
    body: JSON.stringify({ ...fixture.body, stream }),
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

const chatCount = (s: Stack) => s.mock.requests.filter((r) => r.path === CHAT_PATH).length;

describe('pacing to a 1 request/s workspace', () => {
  it('a burst of 20 concurrent Claude Code requests at 1 RPS (preset free): all answered, zero 429s anywhere', async () => {
    stack = await startStack({ CCPROXY_PACING: 'free' }, { mockOptions: { rateLimit: { rps: 1 } }, pingIntervalMs: 3_000 });
    const s = stack;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => claudeCodeRequest(s, i % 4 !== 3)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    for (const [i, r] of results.entries()) {
      if (i % 4 !== 3) expect(r.text).toContain('event: message_stop');
      else expect(JSON.parse(r.text).type).toBe('message');
    }
    // Paced, so Mistral (nearly) never had to refuse anything. On a loaded machine one arrival can come a few tens of
    // ms early; the proxy then retried it itself, invisibly. (An unpaced burst gets 19 refusals: see below.)
    expect(s.mock.rateLimited()).toBeLessThanOrEqual(2);
    expect(chatCount(s)).toBe(20 + s.mock.rateLimited());
    expect(s.records.reduce((n, r) => n + (r.retries ?? 0), 0)).toBe(s.mock.rateLimited());
    // Nearly all of them waited their turn, and the log says how long.
    expect(s.records.filter((r) => (r.queuedMs ?? 0) > 0).length).toBeGreaterThanOrEqual(18);
    // A stream that waited longer than a ping interval got its headers and pings first (no client timeout).
    const waitedLong = results.filter((r, i) => i % 4 !== 3 && r.text.indexOf('event: ping') >= 0 && r.text.indexOf('event: ping') < r.text.indexOf('event: message_start'));
    expect(waitedLong.length).toBeGreaterThan(0);
    const status = (await (await fetch(`${s.url}/status`)).json()) as { pacing: { preset: string; limits: { rps: number }; totals: { paced: number; upstream429: number } } };
    expect(status.pacing.preset).toBe('free');
    // The preset's 1 RPS, unless a late arrival met a 429: then pacing backs off below it (never above it).
    if (s.mock.rateLimited() === 0) expect(status.pacing.limits.rps).toBe(1);
    else expect(status.pacing.limits.rps).toBeGreaterThan(0.5), expect(status.pacing.limits.rps).toBeLessThanOrEqual(1);
    expect(status.pacing.totals.paced).toBeGreaterThanOrEqual(18);
    expect(status.pacing.totals.upstream429).toBe(s.mock.rateLimited());
  }, 90_000);

  it('auto (the default): the first 429s are retried by the proxy and pacing sets in; the client sees none', async () => {
    stack = await startStack({}, { mockOptions: { rateLimit: { rps: 2 } } });
    const s = stack;
    const client = new Anthropic({ baseURL: s.url, apiKey: 'x', maxRetries: 0 });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 50, messages: [{ role: 'user', content: `hi ${i}` }] })));
    expect(answers.every((a) => a.type === 'message')).toBe(true);
    expect(s.mock.rateLimited()).toBeGreaterThan(0);
    expect(s.records.every((r) => r.status === 200)).toBe(true);
    expect(s.records.reduce((n, r) => n + (r.retries ?? 0), 0)).toBe(s.mock.rateLimited());
    const status = (await (await fetch(`${s.url}/status`)).json()) as { pacing: { preset: string; limits: { rps: number | null } } };
    expect(status.pacing.preset).toBe('auto');
    // Learned from the 429s: a finite rate is now in force.
    expect(status.pacing.limits.rps).not.toBeNull();
  }, 90_000);

  it('pacing off: the same kind of burst shows Mistral\'s 429s to the client (past the client\'s own few retries)', async () => {
    stack = await startStack({ CCPROXY_PACING: 'off' }, { mockOptions: { rateLimit: { rps: 1 } } });
    const s = stack;
    const results = await Promise.all(Array.from({ length: 5 }, () => claudeCodeRequest(s, false)));
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    expect(s.mock.rateLimited()).toBeGreaterThanOrEqual(4);
    expect(JSON.parse(limited[0].text).error.type).toBe('rate_limit_error');
    expect(limited[0].headers.get('retry-after')).toMatch(/^\d+$/);
  }, 30_000);

  it('the wait is bounded: requests whose turn would come too late get a 429 with retry-after at once', async () => {
    stack = await startStack({ CCPROXY_PACING: 'free', CCPROXY_PACING_MAX_WAIT_S: '2' }, { mockOptions: { rateLimit: { rps: 1 } } });
    const s = stack;
    const client = new Anthropic({ baseURL: s.url, apiKey: 'x', maxRetries: 0 });
    const settled = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => client.messages.create({ model: 'claude-haiku-4-6', max_tokens: 20, messages: [{ role: 'user', content: `q${i}` }] })));
    const ok = settled.filter((r) => r.status === 'fulfilled');
    const refused = settled.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(Anthropic.RateLimitError);
      expect(Number((r.reason as InstanceType<typeof Anthropic.RateLimitError>).headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // The refused ones never reached Mistral, and Mistral refused nothing.
    expect(chatCount(s)).toBe(ok.length);
    expect(s.mock.rateLimited()).toBe(0);
  }, 30_000);

  it('a 429 from Mistral is retried after its Retry-After, and the record counts the retry', async () => {
    stack = await startStack({ CCPROXY_PACING: 'tier4' });
    const s = stack;
    s.mock.enqueue(errorReply(429, undefined, { 'retry-after': '1' }), text('second time lucky'));
    const client = new Anthropic({ baseURL: s.url, apiKey: 'x', maxRetries: 0 });
    const msg = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.content).toEqual([{ type: 'text', text: 'second time lucky' }]);
    expect(chatCount(s)).toBe(2);
    expect(s.records[0]).toMatchObject({ status: 200, retries: 1, upstream: { attempts: 2 } });
    // It waited out the Retry-After (about a second) before trying again.
    expect(s.records[0].upstream!.retryWaitMs + (s.records[0].queuedMs ?? 0)).toBeGreaterThan(500);
  }, 30_000);
});

describe('a streaming client that waits', () => {
  it('gets its headers and pings while it waits; the SDK streams every answer normally', async () => {
    stack = await startStack({ CCPROXY_PACING: 'free' }, { pingIntervalMs: 400 });
    const s = stack;
    const client = new Anthropic({ baseURL: s.url, apiKey: 'x', maxRetries: 0, timeout: 20_000 });
    const texts = await Promise.all(Array.from({ length: 3 }, (_, i) => client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{ role: 'user', content: `s${i}` }] }).finalText()));
    expect(texts).toEqual(['ok', 'ok', 'ok']);
    // The last one waited about two seconds: long enough for pings before its answer.
    expect(Math.max(...s.records.map((r) => r.queuedMs ?? 0))).toBeGreaterThan(1000);
  }, 30_000);

  it('a failure after the headers went out arrives as an SSE error event the SDK raises', async () => {
    stack = await startStack({ CCPROXY_PACING: 'free' }, { pingIntervalMs: 300 });
    const s = stack;
    s.mock.setResponder((_req, i) => (i === 0 ? text('first') : errorReply(400, { object: 'error', message: 'Bad request: nope', type: 'invalid_request_error', param: null, code: null })));
    const client = new Anthropic({ baseURL: s.url, apiKey: 'x', maxRetries: 0 });
    const first = client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{ role: 'user', content: 'a' }] });
    const second = client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{ role: 'user', content: 'b' }] }).finalMessage();
    await first;
    const err = await second.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    // Not an HTTP 400: the status line was already 200, so the error came in the stream.
    expect(err).not.toBeInstanceOf(Anthropic.BadRequestError);
    expect(String((err as Error).message)).toMatch(/nope/);
    expect(s.records.find((r) => r.errorType === 'invalid_request_error')).toMatchObject({ stream: true });
  }, 30_000);
});

describe('fallback models', () => {
  it('primary overloaded → the fallback answers; the response and the record name it', async () => {
    stack = await startStack({ CCPROXY_SONNET_FALLBACKS: 'mistral-medium-latest, ministral-8b-latest' });
    const s = stack;
    s.mock.setResponder((req) => ((req.body as { model: string }).model === 'mistral-large-latest' ? errorReply(503) : text('from the fallback')));
    const client = new Anthropic({ baseURL: s.url, apiKey: 'x', maxRetries: 0 });
    const msg = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.content).toEqual([{ type: 'text', text: 'from the fallback' }]);
    expect(msg.model).toBe('mistral-medium-latest');
    expect(s.records[0]).toMatchObject({ status: 200, mistralModel: 'mistral-medium-latest', fallbackFrom: 'mistral-large-latest', fallbackReason: 'overloaded' });

    // Streaming too: message_start carries the model that answered.
    const stream = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 20, stream: true, messages: [{ role: 'user', content: 'hi' }] });
    let started = '';
    for await (const ev of stream) if (ev.type === 'message_start') started = ev.message.model;
    expect(started).toBe('mistral-medium-latest');
  }, 30_000);

  it('a model Mistral does not serve falls back; without fallbacks the error is passed on', async () => {
    stack = await startStack({ CCPROXY_HAIKU_FALLBACKS: 'ministral-8b-latest' });
    const s = stack;
    s.mock.setResponder((req) => ((req.body as { model: string }).model === 'mistral-small-latest'
      ? errorReply(400, { object: 'error', message: 'Invalid model: mistral-small-latest', type: 'invalid_model', param: null, code: '1500' })
      : text('small enough')));
    const client = new Anthropic({ baseURL: s.url, apiKey: 'x', maxRetries: 0 });
    const msg = await client.messages.create({ model: 'claude-haiku-4-6', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    expect(msg.model).toBe('ministral-8b-latest');
    expect(s.records[0]).toMatchObject({ fallbackFrom: 'mistral-small-latest', fallbackReason: 'model_unavailable' });
    // sonnet has no fallbacks: a plain 503 → 529 as before.
    s.mock.setResponder(() => errorReply(503));
    await expect(client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] })).rejects.toBeInstanceOf(Anthropic.InternalServerError);
  }, 30_000);
});
