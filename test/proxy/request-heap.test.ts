import { createServer, request, type ClientRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, expect, it } from 'vitest';
import { configFromEnv } from '../../app/config.js';
import { startProxy, type RunningProxy } from '../../app/proxy/server.js';

// While Mistral works on an answer (seconds, in real use, for many requests at once) the proxy holds only the
// encoded body (off the JS heap) and what it needs to translate the answer back: not the parsed request nor its
// translation, which together are most of a request's memory. With fallback models the parsed request is kept
// until Mistral answers (a fallback may need it translated again), and not while the answer streams. Measured on
// the live heap with requests held upstream by a bare upstream that reads each body and never finishes (the strict
// mock would keep its own parsed copy in this same heap).

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
const PARSED_BYTES = REQUESTS * TEXT_CHARS * 2;

const firstChunk = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'mistral-large-latest', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hi' }, finish_reason: null }] })}\n\n`;

let upstream: Server | null = null;
let proxy: RunningProxy | null = null;
const held: ServerResponse[] = [];
const clients: ClientRequest[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const res of held.splice(0)) res.destroy();
  await proxy?.close(0);
  await new Promise((r) => (upstream ? upstream.close(r) : r(undefined)));
  proxy = null;
  upstream = null;
});

/** A proxy in front of an upstream that never finishes: it only reads bodies, or also starts each stream. */
async function start(upstreamAnswers: 'nothing' | 'first chunk', env: Record<string, string> = {}) {
  upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      held.push(res);
      if (upstreamAnswers === 'first chunk') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(firstChunk);
      }
    });
  });
  await new Promise<void>((r) => upstream!.listen(0, '127.0.0.1', r));
  const config = configFromEnv({
    MISTRAL_API_KEY: 'test-key-0123456789abcdef0123456789',
    MISTRAL_BASE_URL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`,
    CCPROXY_PORT: '0',
    CCPROXY_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccproxy-heap-')),
    ...env,
  });
  proxy = await startProxy({ config: () => config, version: 'test' });
}

const bodyOf = (stream: boolean) => Buffer.from(JSON.stringify({
  model: 'claude-sonnet-4-5',
  max_tokens: 1024,
  stream,
  system: 'You are a helpful assistant.',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'ж'.repeat(TEXT_CHARS) }] }],
  tools: [{ name: 'read_file', description: 'Reads a file.', input_schema: { type: 'object', properties: { path: { type: 'string' } } } }],
}));

/** Sends the bodies at once; resolves when each is where `until` says (held upstream, or streaming to its client). */
function sendAll(bodies: Buffer[], until: 'upstream' | 'first content'): Promise<unknown> {
  const port = new URL(proxy!.url).port;
  return Promise.all(bodies.map((body) => new Promise<void>((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path: '/v1/messages', method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': body.length },
    });
    clients.push(req);
    req.on('error', reject);
    req.on('response', (res) => {
      res.on('data', (d: Buffer) => {
        if (until === 'first content' && d.includes('content_block_delta')) resolve();
      });
    });
    req.end(body);
    if (until === 'upstream') {
      const poll = setInterval(() => {
        if (held.length === bodies.length) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    }
  })));
}

it('does not keep parsed requests on the heap while Mistral works on them', async () => {
  await start('nothing');
  const bodies = Array.from({ length: REQUESTS }, (_, i) => bodyOf(i % 2 === 1));
  const before = liveHeap();
  await sendAll(bodies, 'upstream');
  const during = liveHeap();
  // The parsed text alone would be 24 MB; what stays per request (sockets, records, the response context) is small.
  expect(during - before).toBeLessThan(PARSED_BYTES / 8);
});

it('with fallback models, lets the parsed request go once Mistral answers', async () => {
  await start('first chunk', { CCPROXY_SONNET_FALLBACKS: 'mistral-medium-latest' });
  const bodies = Array.from({ length: REQUESTS }, () => bodyOf(true));
  const before = liveHeap();
  await sendAll(bodies, 'first content');
  const during = liveHeap();
  expect(during - before).toBeLessThan(PARSED_BYTES / 8);
});
