import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../app/config.js';
import { startProxy, type RunningProxy } from '../../app/proxy/server.js';

// A streamed answer that arrives whole in one upstream read (the common case for short answers) is closed in the
// same pass that read it: the client gets the whole event sequence, and Mistral's body is still read to its end so
// the keep-alive connection is reused rather than cut.

const chunk = (delta: object, finish: string | null, usage?: object) =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'mistral-large-latest', choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
const burst = chunk({ role: 'assistant', content: 'Hello' }, null) + chunk({ content: ' there' }, null)
  + chunk({ content: '.' }, 'stop', { prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 }) + 'data: [DONE]\n\n';

let upstream: Server;
let connections = 0;
let proxy: RunningProxy;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(burst);
    });
  });
  upstream.on('connection', () => connections++);
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const config = configFromEnv({
    MISTRAL_API_KEY: 'test-key',
    MISTRAL_BASE_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`,
    CCPROXY_PORT: '0',
  });
  proxy = await startProxy({ config: () => config, version: 'test' });
});

afterAll(async () => {
  await proxy.close(0);
  await new Promise((r) => upstream.close(r));
});

describe('a streamed answer that arrives in one read', () => {
  it('is relayed whole, ends cleanly, and the upstream connection is reused', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${proxy.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      const events = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
      expect(events).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
      const deltas = [...text.matchAll(/"text":"([^"]*)"/g)].map((m) => m[1]).join('');
      expect(deltas).toBe('Hello there.');
      expect(text).toContain('"stop_reason":"end_turn"');
      expect(text).toContain('"output_tokens":3');
    }
    expect(connections).toBe(1);
  });
});
