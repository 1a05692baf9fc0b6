import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configFromEnv } from '../../app/config.js';
import { startProxy, type RunningProxy } from '../../app/proxy/server.js';

// While Mistral works on an answer (seconds, in real use, for many requests at once) the proxy holds only the
// encoded body (off the JS heap) and what it needs to translate the answer back: not the parsed request nor its
// translation, which together are most of a request's memory. Measured on the live heap with requests held
// upstream (a bare upstream that reads each body and never answers; the strict mock would keep its own parsed copy
// in this same heap).

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const liveHeap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

const REQUESTS = 12;
// One text block of 1M characters outside Latin-1: a 2 MB two-byte string once parsed.
const TEXT_CHARS = 1_000_000;

let upstream: Server;
let proxy: RunningProxy;
const held: ServerResponse[] = [];
let onArrived: (() => void) | null = null;

beforeAll(async () => {
  upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      held.push(res);
      onArrived?.();
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const config = configFromEnv({
    MISTRAL_API_KEY: 'test-key-0123456789abcdef0123456789',
    MISTRAL_BASE_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`,
    CCPROXY_PORT: '0',
    CCPROXY_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccproxy-heap-')),
  });
  proxy = await startProxy({ config: () => config, version: 'test' });
});

afterAll(async () => {
  for (const res of held) res.destroy();
  await proxy.close(0);
  await new Promise((r) => upstream.close(r));
});

it('does not keep parsed requests on the heap while Mistral works on them', async () => {
  const port = new URL(proxy.url).port;
  const bodies = [false, true].map((stream) => Buffer.from(JSON.stringify({
    model: 'claude-sonnet-4-5',
    max_tokens: 1024,
    stream,
    system: 'You are a helpful assistant.',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'ж'.repeat(TEXT_CHARS) }] }],
    tools: [{ name: 'read_file', description: 'Reads a file.', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
  })));
  const before = liveHeap();

  const arrived = new Promise<void>((resolve) => {
    onArrived = () => {
      if (held.length === REQUESTS) resolve();
    };
  });
  const clients = Array.from({ length: REQUESTS }, (_, i) => {
    const body = bodies[i % 2];
    const req = request({
      host: '127.0.0.1', port, path: '/v1/messages', method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': body.length, 'x-api-key': 'x' },
    });
    req.on('error', () => undefined);
    req.on('response', (res) => res.resume());
    req.end(body);
    return req;
  });
  await arrived;
  const during = liveHeap();
  for (const c of clients) c.destroy();

  const parsedBytes = REQUESTS * TEXT_CHARS * 2;
  // The parsed text alone would be 24 MB; what stays per request (sockets, records, the response context) is small.
  expect(during - before).toBeLessThan(parsedBytes / 8);
});
