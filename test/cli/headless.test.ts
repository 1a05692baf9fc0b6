import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnCli, waitUntil } from '../helpers/cli-process.js';
import { startMockMistral, type MockMistral } from '../mock-mistral/index.js';

// `npm run headless` as a user runs it: a real process, configured by env vars, stopped by signals.


const run = (env: Record<string, string>) => spawnCli([], env);
const waitFor = (cond: () => boolean, ms?: number) => waitUntil(cond, 'the condition', ms);

let mock: MockMistral | null = null;
afterEach(async () => {
  await mock?.close();
  mock = null;
});

describe('npm run headless', () => {
  it('refuses to start without a key, in one clear line', async () => {
    const p = run({ CCPROXY_PORT: '0' });
    expect(await p.exit).toBe(2);
    expect(p.out().trim()).toMatch(/^ccproxy: No Mistral API key: .*MISTRAL_API_KEY.*console\.mistral\.ai\/api-keys.*$/);
    expect(p.out().trim().split('\n')).toHaveLength(1);
  });

  it.each([
    [{ CCPROXY_PORT: '99999' }, /CCPROXY_PORT must be a whole number from 0 to 65535/],
    [{ MISTRAL_MAX_TOKENS: 'lots' }, /MISTRAL_MAX_TOKENS must be a whole number/],
    [{ MISTRAL_BASE_URL: 'ftp://x' }, /MISTRAL_BASE_URL must be an http\(s\) URL/],
    [{ PROVIDER: 'openai' }, /PROVIDER must be "mistral"/],
  ])('rejects a bad value %o', async (env, message) => {
    const p = run({ MISTRAL_API_KEY: 'k', ...env });
    expect(await p.exit).toBe(2);
    expect(p.out()).toMatch(message);
    expect(p.out().trim().split('\n')).toHaveLength(1);
  });

  it('serves, lets an in-flight stream finish on SIGTERM, logs without the key, exits 0', async () => {
    mock = await startMockMistral();
    mock.streamOptions.chunkDelayMs = 60;
    const dataDir = mkdtempSync(join(tmpdir(), 'ccproxy-cli-'));
    const p = run({ MISTRAL_API_KEY: mock.apiKey, MISTRAL_BASE_URL: mock.url, CCPROXY_PORT: '0', CCPROXY_DATA_DIR: dataDir, CCPROXY_HOST: '127.0.0.1' });
    await waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(p.out()));
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(p.out())![1];

    const health = await fetch(`${url}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });

    mock.enqueue({ kind: 'completion', message: { content: 'one two three four five six seven eight nine ten eleven twelve' } });
    const res = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'count' }] }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read(); // the stream is under way
    p.child.kill('SIGTERM');
    let body = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        body += Buffer.from(value).toString();
      }
    } catch (err) {
      throw new Error(`stream cut: ${(err as Error).message}; proxy said: ${p.out()}`);
    }
    expect(body, p.out()).toContain("event: message_stop");
    expect(await p.exit).toBe(0);
    expect(p.out()).toContain('stopped');

    const log = readFileSync(join(dataDir, 'ccproxy.log'), 'utf8');
    expect(log).not.toContain(mock.apiKey);
    const lines = log.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((l) => l.path === '/v1/messages' && l.status === 200 && l.stream === true)).toBe(true);
  });

  it('cuts a stream that outlives the grace period with an SSE error, then exits 0', async () => {
    mock = await startMockMistral();
    mock.enqueue({ kind: 'sse', chunks: [{ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'mistral-large-latest', choices: [{ index: 0, delta: { role: 'assistant', content: 'partial' }, finish_reason: null }] }], hangAfter: true });
    const p = run({ MISTRAL_API_KEY: mock.apiKey, MISTRAL_BASE_URL: mock.url, CCPROXY_PORT: '0', CCPROXY_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccproxy-cli-')), CCPROXY_SHUTDOWN_GRACE_MS: '200' });
    await waitFor(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(p.out()));
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(p.out())![1];
    const res = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hang' }] }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    p.child.kill('SIGTERM');
    let body = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      body += Buffer.from(value).toString();
    }
    expect(body).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"overloaded_error","message":"CCProxy is shutting down; retry the request"\}\}/);
    expect(await p.exit).toBe(0);
  });
});
