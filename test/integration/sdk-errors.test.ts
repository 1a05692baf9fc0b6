import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.js';
import { contextOverflow, errorReply, mistralError, text, type Reply } from '../mock-mistral/index.js';
import { chats, rejection, sdk, user, withSdkStack } from './sdk-helpers.js';

// Every Mistral failure reaches the official SDK as the typed error it understands (reference C.9 / A.5), and bad
// client input is refused locally in Anthropic's shape without calling Mistral.

let stack: Stack;
let client: Anthropic;
// Pacing off: these tests check how each upstream error is mapped, so a 429 must reach the client rather than be
// retried by the proxy (pacing and its retries are tested in pacing.test.ts).
withSdkStack((s, c) => {
  stack = s;
  client = c;
}, { CCPROXY_PACING: 'off' });

const base = { model: 'claude-sonnet-5-5', max_tokens: 256, messages: [user('Hello')] } satisfies Anthropic.MessageCreateParamsNonStreaming;
type ErrorClass = abstract new (...args: never[]) => APIError;

/** Checks the SDK error class, status, type and the exact Anthropic error envelope. */
function expectAnthropicError(err: unknown, cls: ErrorClass, status: number, type: string, message?: string | RegExp): APIError {
  expect(err).toBeInstanceOf(cls);
  const e = err as APIError;
  expect(e.status).toBe(status);
  expect(e.type).toBe(type);
  expect(e.requestID).toMatch(/^req_/);
  expect(e.error).toEqual({ type: 'error', error: { type, message: expect.any(String) }, request_id: e.requestID });
  const msg = (e.error as { error: { message: string } }).error.message;
  if (typeof message === 'string') expect(msg).toBe(message);
  else if (message) expect(msg).toMatch(message);
  return e;
}

async function failWith(reply: Reply | Reply[], params: Anthropic.MessageCreateParamsNonStreaming = base): Promise<{ err: unknown; upstream: number }> {
  const before = chats(stack).length;
  stack.mock.enqueue(...(Array.isArray(reply) ? reply : [reply]));
  const err = await rejection(client.messages.create(params));
  return { err, upstream: chats(stack).length - before };
}

describe('upstream HTTP errors → Anthropic errors', () => {
  it('401 → AuthenticationError', async () => {
    const { err } = await failWith(errorReply(401));
    expectAnthropicError(err, Anthropic.AuthenticationError, 401, 'authentication_error', /Mistral API key/);
  });

  it('402 → 402 billing_error (PaymentRequiredError)', async () => {
    const { err } = await failWith(errorReply(402));
    expectAnthropicError(err, Anthropic.PaymentRequiredError, 402, 'billing_error', /Payment required/);
  });

  it('403 → PermissionDeniedError', async () => {
    const { err } = await failWith(errorReply(403));
    expectAnthropicError(err, Anthropic.PermissionDeniedError, 403, 'permission_error', 'Mistral API: Forbidden');
  });

  it('404 → NotFoundError', async () => {
    const { err } = await failWith(errorReply(404));
    expectAnthropicError(err, Anthropic.NotFoundError, 404, 'not_found_error');
  });

  it('400 invalid_model → 404 not_found_error', async () => {
    const { err } = await failWith(errorReply(400, mistralError('Invalid model: mistral-nope', 'invalid_model', '1500')));
    expectAnthropicError(err, Anthropic.NotFoundError, 404, 'not_found_error', 'Mistral API: Invalid model: mistral-nope');
  });

  it('422 → 400 BadRequestError', async () => {
    const { err } = await failWith(errorReply(422));
    expectAnthropicError(err, Anthropic.BadRequestError, 400, 'invalid_request_error', 'Mistral API: Unprocessable entity');
  });

  it('413 → ContentTooLargeError request_too_large', async () => {
    const { err } = await failWith(errorReply(413));
    expectAnthropicError(err, Anthropic.ContentTooLargeError, 413, 'request_too_large');
  });

  it('429 → RateLimitError with Retry-After preserved', async () => {
    // A Retry-After beyond the proxy's retry budget: no retry, the client gets the wait.
    const { err, upstream } = await failWith(errorReply(429, undefined, { 'retry-after': '17' }));
    const e = expectAnthropicError(err, Anthropic.RateLimitError, 429, 'rate_limit_error', /rate limit/i);
    expect(e.headers?.get('retry-after')).toBe('17');
    expect(e.headers?.get('x-should-retry')).toBeNull();
    expect(upstream).toBe(1);
    // The mock's default 429 carries Retry-After: 1: retried within the bound, then passed on, with "don't retry on top".
    const again = await failWith([errorReply(429), errorReply(429), errorReply(429)]);
    expect(again.upstream).toBe(3);
    expect((again.err as APIError).headers?.get('retry-after')).toBe('1');
    expect((again.err as APIError).headers?.get('x-should-retry')).toBe('false');
  });

  it('429 on a streaming request is an HTTP error before any SSE (SDK stream rejects with RateLimitError)', async () => {
    stack.mock.enqueue(errorReply(429, undefined, { 'retry-after': '60' }));
    const err = await rejection(client.messages.stream(base).finalMessage());
    expectAnthropicError(err, Anthropic.RateLimitError, 429, 'rate_limit_error');
  });

  it('500 → InternalServerError api_error (not retried)', async () => {
    const { err, upstream } = await failWith(errorReply(500));
    expectAnthropicError(err, Anthropic.InternalServerError, 500, 'api_error', 'Mistral API: Internal server error');
    expect(upstream).toBe(1);
  });

  it('503 three times (proxy retries twice) → 529 OverloadedError', async () => {
    const { err, upstream } = await failWith([errorReply(503), errorReply(503), errorReply(503)]);
    expectAnthropicError(err, Anthropic.OverloadedError, 529, 'overloaded_error', 'Mistral API: Service unavailable');
    expect(upstream).toBe(3);
  });

  it('502 → 529 OverloadedError, not retried (Mistral may have worked on it)', async () => {
    const { err, upstream } = await failWith(errorReply(502));
    expectAnthropicError(err, Anthropic.OverloadedError, 529, 'overloaded_error', 'Mistral API: Bad gateway');
    expect(upstream).toBe(1);
  });

  it('503 then success: the retry is invisible to the client', async () => {
    const before = chats(stack).length;
    stack.mock.enqueue(errorReply(503), text('after retry'));
    const msg = await client.messages.create(base);
    expect(msg.content).toEqual([{ type: 'text', text: 'after retry' }]);
    expect(chats(stack).length - before).toBe(2);
  });

  it('504 → GatewayTimeoutError timeout_error', async () => {
    const { err } = await failWith(errorReply(504));
    expectAnthropicError(err, Anthropic.GatewayTimeoutError, 504, 'timeout_error');
  });

  it('network failure after the request was sent (socket destroyed) → 502 api_error, never re-sent', async () => {
    const { err, upstream } = await failWith({ kind: 'destroy' });
    expectAnthropicError(err, Anthropic.InternalServerError, 502, 'api_error', /Could not reach the Mistral API/);
    expect(upstream).toBe(1);
  });

  it('network failure on a streaming request → 502 api_error before any SSE', async () => {
    stack.mock.enqueue({ kind: 'destroy' });
    const err = await rejection(client.messages.stream(base).finalMessage());
    expectAnthropicError(err, Anthropic.InternalServerError, 502, 'api_error');
  });

  it('context overflow → 400 "prompt is too long: N tokens > M maximum"', async () => {
    const { err } = await failWith(contextOverflow(300_512, 262_144));
    expectAnthropicError(err, Anthropic.BadRequestError, 400, 'invalid_request_error', 'prompt is too long: 300512 tokens > 262144 maximum');
    stack.mock.enqueue(contextOverflow(140_000, 131_072));
    const streamErr = await rejection(client.messages.stream(base).finalMessage());
    expectAnthropicError(streamErr, Anthropic.BadRequestError, 400, 'invalid_request_error', 'prompt is too long: 140000 tokens > 131072 maximum');
  });

  it('non-streaming finish_reason error → 500 api_error', async () => {
    const { err } = await failWith(text('broken', { finishReason: 'error' }));
    expectAnthropicError(err, Anthropic.InternalServerError, 500, 'api_error');
  });

  it('a 200 whose body is not JSON → 502 api_error', async () => {
    const { err } = await failWith({ kind: 'json', status: 200, body: '<html>gateway page</html>' });
    expectAnthropicError(err, Anthropic.InternalServerError, 502, 'api_error', /not valid JSON/);
  });

  it('errors are counted on /status with last_error', async () => {
    await failWith(errorReply(403));
    const status = (await (await fetch(`${stack.url}/status`)).json()) as { last_error: { status: number; type: string; message: string }; requests: { client_errors: number; upstream_errors: number } };
    expect(status.last_error).toMatchObject({ status: 403, type: 'permission_error', message: 'Mistral API: Forbidden' });
    expect(status.requests.client_errors).toBeGreaterThan(0);
    expect(status.requests.upstream_errors).toBeGreaterThan(0);
  });
});

describe('a wrong Mistral key and an unknown model against the real mock', () => {
  it('wrong MISTRAL_API_KEY → AuthenticationError', async () => {
    const s = await startStack({ MISTRAL_API_KEY: 'not-the-mock-key' });
    try {
      const err = await rejection(sdk(s).messages.create(base));
      expectAnthropicError(err, Anthropic.AuthenticationError, 401, 'authentication_error');
      expect(s.mock.violations()).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it('a model Mistral does not know → 404 NotFoundError', async () => {
    const s = await startStack();
    try {
      const err = await rejection(sdk(s).messages.create({ ...base, model: 'mistral-imaginary-9000' }));
      expectAnthropicError(err, Anthropic.NotFoundError, 404, 'not_found_error', /Invalid model: mistral-imaginary-9000/);
      // The mock refused the model id (its only complaint).
      expect(s.mock.violations()).toEqual([expect.stringMatching(/invalid_model/)]);
    } finally {
      await s.close();
    }
  });
});

describe('bad client input is refused locally (no upstream call)', () => {
  async function raw(body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
    const before = stack.mock.requests.length;
    const res = await fetch(`${stack.url}/v1/messages`, { method: 'POST', headers: { 'anthropic-version': '2023-06-01', ...headers }, body });
    const json = (await res.json()) as { type: string; error: { type: string; message: string }; request_id: string };
    expect(stack.mock.requests.length).toBe(before);
    expect(json).toEqual({ type: 'error', error: { type: json.error.type, message: expect.any(String) }, request_id: res.headers.get('request-id') });
    return { status: res.status, json };
  }

  it('missing model → 400', async () => {
    const before = stack.mock.requests.length;
    const err = await rejection(client.messages.create({ max_tokens: 10, messages: [user('x')] } as unknown as Anthropic.MessageCreateParamsNonStreaming));
    expectAnthropicError(err, Anthropic.BadRequestError, 400, 'invalid_request_error', /^model: /);
    expect(stack.mock.requests.length).toBe(before);
  });

  it('messages not an array → 400', async () => {
    const before = stack.mock.requests.length;
    const err = await rejection(client.messages.create({ ...base, messages: 'hello' } as unknown as Anthropic.MessageCreateParamsNonStreaming));
    expectAnthropicError(err, Anthropic.BadRequestError, 400, 'invalid_request_error', /^messages: /);
    expect(stack.mock.requests.length).toBe(before);
  });

  it('missing max_tokens, bad role, bad temperature → 400', async () => {
    for (const [params, path] of [
      [{ model: 'claude-sonnet-5-5', messages: [user('x')] }, /^max_tokens: /],
      [{ ...base, messages: [{ role: 'robot', content: 'x' }] }, /^messages\.0\.role: /],
      [{ ...base, temperature: 7 }, /^temperature: /],
      [{ ...base, messages: [] }, /^messages: /],
    ] as const) {
      const before = stack.mock.requests.length;
      const err = await rejection(client.messages.create(params as unknown as Anthropic.MessageCreateParamsNonStreaming));
      expectAnthropicError(err, Anthropic.BadRequestError, 400, 'invalid_request_error', path);
      expect(stack.mock.requests.length).toBe(before);
    }
  });

  it('invalid JSON → 400', async () => {
    const { status, json } = await raw('{"model": "claude-sonnet-5-5", ');
    expect(status).toBe(400);
    expect(json.error.type).toBe('invalid_request_error');
    expect(json.error.message).toMatch(/not valid JSON/);
  });

  it('empty body and a JSON array → 400', async () => {
    expect((await raw('')).status).toBe(400);
    expect((await raw('[1,2]')).status).toBe(400);
  });

  it('wrong content-type → 415', async () => {
    const { status, json } = await raw(JSON.stringify(base), { 'content-type': 'text/plain' });
    expect(status).toBe(415);
    expect(json.error.type).toBe('invalid_request_error');
  });

  it('an unknown endpoint → 404 not_found_error', async () => {
    const res = await fetch(`${stack.url}/v1/complete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('the proxy keeps serving after all of the above', async () => {
    stack.mock.enqueue(text('fine'));
    expect((await client.messages.create(base)).content).toEqual([{ type: 'text', text: 'fine' }]);
  });
});
