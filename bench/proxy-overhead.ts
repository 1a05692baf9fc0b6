// `npm run bench`: what the proxy adds to a request, measured side by side with a direct baseline in one run.
// A canned, instant "Mistral" on loopback answers both paths. As in real use, the client (this process), the
// proxy and the upstream are three processes (`bench/serve.ts`). The client sends
//   direct: the already-translated Mistral body straight to the upstream, and
//   proxy:  the original Claude Code request (a real captured fixture) to the proxy, which translates, forwards
//           and translates back.
// Runs are interleaved (A, B, A, B…) so machine noise hits both sides alike; the difference of medians is the
// proxy's cost. Streaming and non-streaming are both measured.
import { readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import type { AnthropicRequest } from '../app/translate/anthropic-types.js';
import { ModelCatalog } from '../app/translate/models.js';
import { anthropicToMistral } from '../app/translate/request.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 400);
const WARMUP = 50;

const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/claude-code/2.1.331-bash-turn2-2.json', import.meta.url), 'utf8')) as { body: AnthropicRequest };

const serve = new URL('./serve.ts', import.meta.url).pathname;
const passthrough = new URL('./passthrough.ts', import.meta.url).pathname;

/** Starts a bench server in its own process and resolves with its port. */
function spawnServer(args: string[]): Promise<{ port: number; child: ChildProcess }> {
  // BENCH_PROFILE=dir writes a CPU profile of the proxy process there.
  const profile = args[0] === 'proxy' && process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const script = args[0] === 'passthrough' ? passthrough : serve;
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', script, ...args.slice(args[0] === 'passthrough' ? 1 : 0)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (d: Buffer) => resolve({ port: Number(d.toString().trim().split('\n')[0]), child }));
  });
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

/** CPU time (user + system, µs) a bench server has used so far, asked over its IPC channel. */
function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve((m as { user: number; system: number }).user + (m as { user: number; system: number }).system));
    child.send('cpu');
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];

async function main() {
  const upstream = await spawnServer(['upstream']);
  const upPort = upstream.port;
  const proxy = await spawnServer(['proxy', String(upPort)]);
  const floor = await spawnServer(['passthrough', String(upPort)]);
  const catalog = new ModelCatalog();

  console.log(`fixture: Claude Code 2.1.331 turn 2 (${(JSON.stringify(fixture.body).length / 1024).toFixed(0)} KiB request), ${ITERATIONS} interleaved iterations per mode`);
  console.log('                 direct    passthrough floor         CCProxy              CCProxy added       CCProxy/');
  console.log('mode             median    median   added   cpu/req    median   cpu/req    median   p95      direct');
  const small: AnthropicRequest = { model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'Say hi.' }] };
  const cases: Array<[string, AnthropicRequest, boolean]> = [
    ['small', small, false],
    ['small sse', small, true],
    ['cc 48KiB', fixture.body, false],
    ['cc 48KiB sse', fixture.body, true],
  ];
  const row = (label: string, direct: number[], floorMs: number[], viaProxy: number[], floorCpu: number, proxyCpu: number) => {
    const addedFloor = floorMs.map((f, i) => f - direct[i]);
    const added = viaProxy.map((p, i) => p - direct[i]);
    const ms = (x: number) => x.toFixed(3).padStart(8);
    console.log(`${label.padEnd(14)}${ms(median(direct))}  ${ms(median(floorMs))}${ms(median(addedFloor))}${ms(floorCpu)}  ${ms(median(viaProxy))}${ms(proxyCpu)}  ${ms(median(added))}${ms(p95(added))}  ${(median(viaProxy) / median(direct)).toFixed(2).padStart(6)}x`);
  };
  for (const [label, body, stream] of cases) {
    const anthropic = JSON.stringify({ ...body, stream });
    const model = 'mistral-large-latest';
    const mistral = JSON.stringify(anthropicToMistral({ ...body, stream }, { model, caps: catalog.capsOf(model), maxTokensCap: 16384 }).body);
    const direct: number[] = [];
    const floorMs: number[] = [];
    const viaProxy: number[] = [];
    let floorCpu = 0;
    let proxyCpu = 0;
    for (let i = 0; i < WARMUP + ITERATIONS; i++) {
      if (i === WARMUP) [floorCpu, proxyCpu] = [await cpuOf(floor.child), await cpuOf(proxy.child)];
      const d = await post(upPort, '/v1/chat/completions', mistral);
      const f = await post(floor.port, '/v1/chat/completions', mistral);
      const p = await post(proxy.port, '/v1/messages?beta=true', anthropic);
      if (i >= WARMUP) {
        direct.push(d);
        floorMs.push(f);
        viaProxy.push(p);
      }
    }
    floorCpu = (await cpuOf(floor.child)) - floorCpu;
    proxyCpu = (await cpuOf(proxy.child)) - proxyCpu;
    row(label, direct, floorMs, viaProxy, floorCpu / ITERATIONS / 1000, proxyCpu / ITERATIONS / 1000);
  }
  console.log('(ms. "added" = median of per-iteration differences against the direct request of the same iteration;');
  console.log(' cpu/req = CPU time the server process spent per request, from process.cpuUsage(): immune to scheduling noise)');
  floor.child.kill();
  proxy.child.kill();
  upstream.child.kill();
  agent.destroy();
}

void main();
