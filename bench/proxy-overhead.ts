// `npm run bench`: what the proxy adds to a request, measured side by side with a direct baseline in one run.
// A canned, instant "Mistral" on loopback answers both paths; the client sends
//   direct: the already-translated Mistral body straight to the upstream, and
//   proxy:  the original Claude Code request (a real captured fixture) to the proxy, which translates, forwards
//           and translates back.
// Runs are interleaved (A, B, A, B…) so machine noise hits both sides alike; the difference of medians is the
// proxy's cost. Streaming and non-streaming are both measured.
import { readFileSync } from 'node:fs';
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { configFromEnv } from '../app/config.js';
import { startProxy } from '../app/proxy/server.js';
import type { AnthropicRequest } from '../app/translate/anthropic-types.js';
import { ModelCatalog } from '../app/translate/models.js';
import { anthropicToMistral } from '../app/translate/request.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 400);
const WARMUP = 50;

const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/claude-code/2.1.331-bash-turn2-2.json', import.meta.url), 'utf8')) as { body: AnthropicRequest };

const completion = JSON.stringify({
  id: 'bench', object: 'chat.completion', created: 0, model: 'mistral-large-latest',
  choices: [{ index: 0, message: { role: 'assistant', content: 'The command printed CCPROXY_MARKER_42.', tool_calls: null }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 15000, completion_tokens: 12, total_tokens: 15012 },
});
const chunks = ['The ', 'command ', 'printed ', 'CCPROXY_', 'MARKER_42.'];
const sseBody =
  [{ role: 'assistant', content: '' }, ...chunks.map((c) => ({ content: c }))]
    .map((delta, i) => `data: ${JSON.stringify({ id: 'bench', object: 'chat.completion.chunk', created: 0, model: 'mistral-large-latest', choices: [{ index: 0, delta, finish_reason: i === chunks.length ? 'stop' : null }], ...(i === chunks.length ? { usage: { prompt_tokens: 15000, completion_tokens: 12, total_tokens: 15012 } } : {}) })}\n\n`)
    .join('') + 'data: [DONE]\n\n';

function startUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const stream = Buffer.concat(parts).includes('"stream":true');
      res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
      res.end(stream ? sseBody : completion);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function post(port: number, path: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.on('data', () => {});
      res.on('end', () => (res.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];

async function main() {
  const upstream = await startUpstream();
  const upPort = (upstream.address() as AddressInfo).port;
  const config = configFromEnv({ MISTRAL_API_KEY: 'bench-key', MISTRAL_BASE_URL: `http://127.0.0.1:${upPort}/v1`, CCPROXY_PORT: '0', CCPROXY_DATA_DIR: '/tmp/ccproxy-bench' });
  const proxy = await startProxy({ config: () => config, version: 'bench' });
  const catalog = new ModelCatalog();

  console.log(`fixture: Claude Code 2.1.331 turn 2 (${(JSON.stringify(fixture.body).length / 1024).toFixed(0)} KiB request), ${ITERATIONS} interleaved iterations per mode`);
  console.log('mode          direct median  proxy median  added median  added p95   ratio');
  const small: AnthropicRequest = { model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'Say hi.' }] };
  const cases: Array<[string, AnthropicRequest, boolean]> = [
    ['small', small, false],
    ['small sse', small, true],
    ['cc 48KiB', fixture.body, false],
    ['cc 48KiB sse', fixture.body, true],
  ];
  for (const [label, body, stream] of cases) {
    const anthropic = JSON.stringify({ ...body, stream });
    const model = 'mistral-large-latest';
    const mistral = JSON.stringify(anthropicToMistral({ ...body, stream }, { model, caps: catalog.capsOf(model), maxTokensCap: 16384 }).body);
    const direct: number[] = [];
    const viaProxy: number[] = [];
    for (let i = 0; i < WARMUP + ITERATIONS; i++) {
      const d = await post(upPort, '/v1/chat/completions', mistral);
      const p = await post(proxy.port, '/v1/messages?beta=true', anthropic);
      if (i >= WARMUP) {
        direct.push(d);
        viaProxy.push(p);
      }
    }
    const added = viaProxy.map((p, i) => p - direct[i]);
    console.log(
      `${label.padEnd(14)}${median(direct).toFixed(3).padStart(10)} ms${median(viaProxy).toFixed(3).padStart(11)} ms${median(added).toFixed(3).padStart(11)} ms${p95(added).toFixed(3).padStart(9)} ms${(median(viaProxy) / median(direct)).toFixed(2).padStart(8)}x`,
    );
  }
  await proxy.close(0);
  upstream.close();
  agent.destroy();
}

void main();
