import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatPayload, MistralClient, readText, type AttemptInfo } from '../../app/mistral/client.js';
import { errorReply, startMockMistral, text, type MockMistral } from '../mock-mistral/index.js';

// The seam the pacing limiter and fallback models build on: a typed result, a hook before every attempt, every
// upstream answer observed. Real sockets against the strict mock.

const body = chatPayload({ model: 'mistral-large-latest', messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 16 });

describe('MistralClient.chat seam', () => {
  let mock: MockMistral;
  let client: MistralClient;
  beforeAll(async () => {
    mock = await startMockMistral();
    client = new MistralClient(() => ({ baseUrl: mock.url, apiKey: mock.apiKey }), { retryDelayMs: 5 });
  });
  afterAll(async () => {
    client.destroy();
    await mock.close();
  });

  it('beforeAttempt runs before every attempt and learns why the last one failed; onResponse sees each answer', async () => {
    mock.enqueue(errorReply(503, undefined, { 'retry-after': '0' }), text('fine'));
    const seen: AttemptInfo[] = [];
    const statuses: number[] = [];
    const result = await client.chat(body, {
      signal: new AbortController().signal,
      beforeAttempt: (info) => void seen.push({ ...info }),
      onResponse: ({ status }) => void statuses.push(status),
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(JSON.parse(await readText(result.body)).choices[0].message.content).toBe('fine');
    expect(seen.map((s) => s.attempt)).toEqual([1, 2]);
    expect(seen[0].previous).toBeNull();
    expect(seen[1].previous).toMatchObject({ status: 503, retryAfterMs: 0, sent: true });
    expect(statuses).toEqual([503, 200]);
    expect(result).toMatchObject({ attempts: 2 });
  });

  it('a failure is a typed result with status, retry-after and the ready Anthropic error; retries: 0 leaves them to the caller', async () => {
    mock.enqueue(errorReply(429, undefined, { 'retry-after': '3' }));
    const result = await client.chat(body, { signal: new AbortController().signal, retries: 0 });
    expect(result).toMatchObject({ ok: false, kind: 'http', status: 429, retryAfterMs: 3000, sent: true, attempts: 1, retryWaitMs: 0 });
    if (result.ok) return;
    expect(result.error).toMatchObject({ status: 429, type: 'rate_limit_error', headers: { 'retry-after': '3' } });
  });

  it('an ApiError thrown by beforeAttempt (e.g. a pacing queue past its bound) ends the call with it', async () => {
    const before = mock.requests.length;
    const refusal = Object.assign(new Error('queue full'), { status: 429 });
    await expect(client.chat(body, { signal: new AbortController().signal, beforeAttempt: () => { throw refusal; } })).rejects.toBe(refusal);
    expect(mock.requests.length).toBe(before);
  });
});
