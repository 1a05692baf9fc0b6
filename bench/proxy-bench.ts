// `npm run bench`: what CCProxy adds to a request, against the direct request and against a floor (the least a
// translating Node proxy must do: bench/floor.ts), in ONE interleaved run so machine noise hits all three alike.
//
//   direct   the already-translated Mistral body straight to the upstream;
//   floor    the Claude Code request to bench/floor.ts (our translator in a bare node:http server);
//   product  the Claude Code request to the product, started through its public entry (`node dist/app/cli.js`,
//            env-configured, with its real settings store, SQLite ledger and log in a temporary data dir).
//
// Each process is separate, as in real use; everything is on loopback. Two bodies (a small one and a real captured
// Claude Code request), non-stream and stream, against two upstream behaviours (an instant burst, and the first token
// alone with the rest `FIRST_TOKEN_DELAY_MS` later). Latency runs one request at a time; throughput runs c=32.
// Reported: added p50/p99 (per-iteration differences to direct), time to first content, % of direct throughput,
// CPU µs per request per process (from /proc, immune to scheduling noise) and RSS idle/peak. Table, then JSON.
//
// Env: BENCH_ITERATIONS (150), BENCH_SECONDS per c=32 slot (1), BENCH_WARMUP_SECONDS of unmeasured load per target
// and case before anything is measured (2), BENCH_JSON=file to also write the JSON there,
// BENCH_PRODUCT_CLI=path of another build's cli.js (to compare builds in the same way),
// BENCH_PRODUCT_NODE_ARGS="--single-threaded-gc …" and BENCH_PRODUCT_ENV="MALLOC_ARENA_MAX=2 …" to try runtime
// settings on the product alone (the memory measurements in the README were taken this way; CCPROXY_HEAP_FLAGS=off in
// BENCH_PRODUCT_ENV runs it on V8's default heap sizing), BENCH_FLOOR_NODE_ARGS the same for the floor (default: the
// product's own heap flags, LAUNCH_FLAGS; empty for V8's defaults), BENCH_FIRST_TOKEN_DELAY_MS (5) for the pause,
// BENCH_PHASES=latency|throughput to run one phase (peak RSS is reached in the c=32 throughput phase), BENCH_ONLY=regexp
// to run only the cases whose name matches (latency: `cc 50KB sse burst`; throughput: `small burst c=32`),
// BENCH_SUSTAINED_SECONDS=70 to add a sustained c=32 phase per target (small body) and compare CPU per request in its
// first and last 10 s: the other phases last seconds, too short to show a cost that grows with time.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnthropicRequest } from '../app/translate/anthropic-types.js';
import { LAUNCH_FLAGS } from '../app/core/heap-flags.js';
import { ModelCatalog } from '../app/translate/models.js';
import { anthropicToMistral } from '../app/translate/request.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 150);
const WARMUP = 30;
const SLOT_MS = Number(process.env.BENCH_SECONDS ?? 1) * 1000;
const ROUNDS = 3;
/** Unmeasured load on every target and case first, so the JIT has compiled each one's hot code before anything is timed. */
const WARMUP_MS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2) * 1000;
const CONCURRENCY = 32;
/** Optional sustained c=32 phase per target (small body), ms; 0 = off. */
const SUSTAINED_MS = Number(process.env.BENCH_SUSTAINED_SECONDS ?? 0) * 1000;
const SUSTAINED_SLICE_MS = 10_000;
const FIRST_TOKEN_DELAY_MS = Number(process.env.BENCH_FIRST_TOKEN_DELAY_MS ?? 5);
const FIXTURE = '2.1.331-bash-turn2-2.json';
/** Which phases to run: `latency`, `throughput` (the c=32 one, where peak RSS is reached), or both (default). */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'latency,throughput').split(',').map((s) => s.trim()));
/** Only the cases whose name matches this regular expression (e.g. `cc.*burst`); all by default. */
const ONLY = new RegExp(process.env.BENCH_ONLY ?? '');
const root = new URL('../', import.meta.url).pathname;

const fixture = JSON.parse(readFileSync(join(root, 'test/fixtures/claude-code', FIXTURE), 'utf8')) as { body: AnthropicRequest };
const small: AnthropicRequest = { model: 'claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user', content: 'Say hi.' }] };
const ccLabel = `cc ${(Buffer.byteLength(JSON.stringify(fixture.body)) / 1000).toFixed(0)}KB`;

// ---- processes -------------------------------------------------------------------------------------------------

const CLK_TCK = (() => {
  try { return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch { return 100; }
})();

/** User + system CPU, µs, from a /proc stat line (of a process or of one of its threads). */
function statCpuUs(path: string): number {
  const stat = readFileSync(path, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1e6) / CLK_TCK;
}

/** CPU time (user + system) of a process so far, µs. */
const cpuUs = (pid: number): number => statCpuUs(`/proc/${pid}/stat`);

/** CPU time of a process's main thread (its pid's own task) and of all its other threads (GC, JIT, libuv), µs. */
function threadCpuUs(pid: number): { main: number; other: number } {
  let main = 0;
  let other = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let us: number;
    try {
      us = statCpuUs(`/proc/${pid}/task/${tid}/stat`);
    } catch {
      continue; // the thread ended between the listing and the read
    }
    if (tid === String(pid)) main += us;
    else other += us;
  }
  return { main, other };
}

/** Resident set now and its peak (VmHWM), MB. */
function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

interface Proc { name: string; child: ChildProcess; port: number; pid: number; startMs: number }

function spawnProc(name: string, args: string[], env: NodeJS.ProcessEnv, portOf: (out: string) => number | null): Promise<Proc> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before listening: ${out}`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const port = portOf(out);
      if (port) resolve({ name, child, port, pid: child.pid!, startMs: performance.now() - started });
    });
  });
}

function compile(): { upstream: string; floor: string } {
  // The floor and the upstream run as compiled JS, like the product's dist/: no transpiler in their memory or their
  // start-up. Output under .tmp/ (git-ignored) so their imports resolve from the project's node_modules.
  const out = join(root, '.tmp/bench');
  execFileSync(process.execPath, [
    join(root, 'node_modules/typescript/bin/tsc'), '--ignoreConfig', '--outDir', out, '--rootDir', root, '--module', 'nodenext', '--moduleResolution', 'nodenext',
    '--target', 'es2023', '--skipLibCheck', '--types', 'node', join(root, 'bench/upstream.ts'), join(root, 'bench/floor.ts'),
  ], { cwd: root, stdio: 'inherit' });
  return { upstream: join(out, 'bench/upstream.js'), floor: join(out, 'bench/floor.js') };
}

// ---- client ----------------------------------------------------------------------------------------------------

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

interface Timing { total: number; ttfc: number }

/** One request; time to first content = first byte that carries generated text (the whole body when not streaming). */
function send(port: number, path: string, body: Buffer, marker: string | null): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let ttfc = 0;
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      res.on('data', (c: Buffer) => {
        if (!ttfc && marker && c.includes(marker)) ttfc = performance.now() - t0;
      });
      res.on('end', () => {
        const total = performance.now() - t0;
        if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode} from :${port}${path}`));
        else resolve({ total, ttfc: ttfc || total });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function setMode(upPort: number, mode: 'burst' | 'first-token'): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: upPort, path: '/__mode', method: 'POST' }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(JSON.stringify({ mode, delayMs: FIRST_TOKEN_DELAY_MS }));
  });
}

/** `CONCURRENCY` clients sending to `target` back to back for `ms`; resolves with the number of answers. */
async function load(target: { port: number; path: string; body: Buffer; marker: string | null }, ms: number): Promise<number> {
  const end = performance.now() + ms;
  let n = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (performance.now() < end) {
      await send(target.port, target.path, target.body, target.marker);
      n++;
    }
  }));
  return n;
}

/** A case's name, as BENCH_ONLY matches it: `cc 50KB sse burst` (latency), `small burst c=32` (throughput). */
const caseName = (label: string, stream: boolean, suffix: string) => `${label}${stream ? ' sse' : ''} ${suffix}`;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
};

// ---- run -------------------------------------------------------------------------------------------------------

interface Target { name: 'direct' | 'floor' | 'product'; port: number; path: string; body: Buffer; marker: string | null; pid: number }

/** `load` on one target, with what it cost that target's process: answers, wall ms, CPU µs (all, main thread, others). */
async function measuredLoad(target: Target, ms: number): Promise<{ n: number; ms: number; cpu: number; main: number; other: number }> {
  const c0 = cpuUs(target.pid);
  const t0 = threadCpuUs(target.pid);
  const start = performance.now();
  const n = await load(target, ms);
  const wall = performance.now() - start;
  const t1 = threadCpuUs(target.pid);
  return { n, ms: wall, cpu: cpuUs(target.pid) - c0, main: t1.main - t0.main, other: t1.other - t0.other };
}

async function main(): Promise<void> {
  if (!existsSync(join(root, 'dist/app/cli.js'))) throw new Error('dist/app/cli.js is missing: run `npm run build:main` (npm run bench does)');
  if (process.version !== 'v24.21.0') console.warn(`warning: running on Node ${process.version}, not the product's pinned v24.21.0 (use npm run bench)`);
  const dir = mkdtempSync(join(tmpdir(), 'ccproxy-bench-'));
  const files = compile();
  const portLine = (out: string) => (/^(\d+)\n/.exec(out) ? Number(/^(\d+)\n/.exec(out)![1]) : null);
  const baseEnv = { PATH: process.env.PATH ?? '', HOME: dir };
  const upstream = await spawnProc('upstream', [files.upstream], baseEnv, portLine);
  // Like for like: the floor runs on the heap flags the product launches itself with (app/core/heap-flags.ts), so
  // its memory and GC cost are what a minimal proxy pays on the same runtime. BENCH_FLOOR_NODE_ARGS= (empty) runs it
  // on V8's defaults instead.
  const floorNodeArgs = (process.env.BENCH_FLOOR_NODE_ARGS ?? LAUNCH_FLAGS.join(' ')).split(/\s+/).filter(Boolean);
  const floorArgs = [...floorNodeArgs, files.floor, String(upstream.port)];
  const floor = await spawnProc('floor', floorArgs, baseEnv, portLine);
  const productEnv: NodeJS.ProcessEnv = {
    ...baseEnv, MISTRAL_API_KEY: 'bench-key', MISTRAL_BASE_URL: `http://127.0.0.1:${upstream.port}/v1`, CCPROXY_PORT: '0',
    CCPROXY_HOST: '127.0.0.1', CCPROXY_DATA_DIR: join(dir, 'data'),
  };
  for (const kv of (process.env.BENCH_PRODUCT_ENV ?? '').split(/\s+/).filter(Boolean)) {
    const i = kv.indexOf('=');
    productEnv[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const productArgs = [...(process.env.BENCH_PRODUCT_NODE_ARGS ?? '').split(/\s+/).filter(Boolean), process.env.BENCH_PRODUCT_CLI ?? 'dist/app/cli.js'];
  const product = await spawnProc('product', productArgs, productEnv, (out) => {
    const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    return m ? Number(m[1]) : null;
  });
  // Start to /health answering, as a user would see it.
  const t0 = performance.now();
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${product.port}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  const startToHealthMs = product.startMs + (performance.now() - t0);
  await new Promise((r) => setTimeout(r, 1000));
  const idle = { floor: rssMb(floor.pid).rss, product: rssMb(product.pid).rss };

  const catalog = new ModelCatalog();
  const targetsFor = (body: AnthropicRequest, stream: boolean): Target[] => {
    const anthropic = Buffer.from(JSON.stringify({ ...body, stream }));
    const model = 'mistral-large-latest';
    const mistral = Buffer.from(JSON.stringify(anthropicToMistral({ ...body, stream }, { model, caps: catalog.capsOf(model), maxTokensCap: 16384 }).body));
    return [
      { name: 'direct', port: upstream.port, path: '/v1/chat/completions', body: mistral, marker: stream ? '"content":"The"' : null, pid: upstream.pid },
      { name: 'floor', port: floor.port, path: '/v1/messages?beta=true', body: anthropic, marker: stream ? 'content_block_delta' : null, pid: floor.pid },
      { name: 'product', port: product.port, path: '/v1/messages?beta=true', body: anthropic, marker: stream ? 'content_block_delta' : null, pid: product.pid },
    ];
  };
  const bodies: Array<[string, AnthropicRequest]> = [['small', small], [ccLabel, fixture.body]];

  console.log(`CCProxy benchmark — Node ${process.version}, ${ITERATIONS} interleaved iterations per case (c=1), c=${CONCURRENCY} for ${SLOT_MS / 1000}s × ${ROUNDS} rounds per target`);
  console.log(`bodies: small, ${ccLabel} (test/fixtures/claude-code/${FIXTURE}); upstream: burst | first-token (rest after ${FIRST_TOKEN_DELAY_MS} ms)`);
  console.log(`floor runtime: node ${floorNodeArgs.length ? floorNodeArgs.join(' ') : '(V8 defaults)'}${process.env.BENCH_FLOOR_NODE_ARGS === undefined ? ' (the product\'s heap flags)' : ''}`);
  if (productArgs.length > 1 || process.env.BENCH_PRODUCT_ENV) console.log(`product runtime: node ${productArgs.join(' ')} ${process.env.BENCH_PRODUCT_ENV ?? ''}`);

  // Warm-up: a long-running proxy is measured in its steady state. A process answers its first few thousand requests
  // on code V8 has not optimised yet, and its optimising compiler's background threads add CPU meanwhile; the product
  // has far more code to compile than the floor, so a short warm-up charged the product for its JIT. Each target gets
  // the same unmeasured c=${CONCURRENCY} load on every body, plain and streamed, on both upstream behaviours.
  for (const mode of ['first-token', 'burst'] as const) {
    await setMode(upstream.port, mode);
    for (const [label, body] of bodies) {
      for (const stream of [false, true]) {
        if (!ONLY.test(caseName(label, stream, mode)) && !ONLY.test(caseName(label, stream, `burst c=${CONCURRENCY}`))) continue;
        for (const target of targetsFor(body, stream)) await load(target, WARMUP_MS / 2);
      }
    }
  }

  // Latency, one at a time, interleaved (the order rotates every iteration).
  interface LatencyRow { case: string; direct: { p50: number; ttfcP50: number }; floor: Added; product: Added }
  interface Added { p50: number; p99: number; ttfcP50: number; ttfcP99: number }
  const latency: LatencyRow[] = [];
  for (const mode of PHASES.has('latency') ? (['burst', 'first-token'] as const) : []) {
    await setMode(upstream.port, mode);
    for (const [label, body] of bodies) {
      for (const stream of [false, true]) {
        if (!ONLY.test(caseName(label, stream, mode))) continue;
        const targets = targetsFor(body, stream);
        const t: Record<string, Timing[]> = { direct: [], floor: [], product: [] };
        for (let i = 0; i < WARMUP + ITERATIONS; i++) {
          for (let k = 0; k < 3; k++) {
            const target = targets[(i + k) % 3];
            const r = await send(target.port, target.path, target.body, target.marker);
            if (i >= WARMUP) t[target.name].push(r);
          }
        }
        const added = (name: 'floor' | 'product'): Added => {
          const d = t[name].map((r, i) => r.total - t.direct[i].total);
          const f = t[name].map((r, i) => r.ttfc - t.direct[i].ttfc);
          return { p50: pct(d, 0.5), p99: pct(d, 0.99), ttfcP50: pct(f, 0.5), ttfcP99: pct(f, 0.99) };
        };
        latency.push({
          case: caseName(label, stream, mode),
          direct: { p50: pct(t.direct.map((r) => r.total), 0.5), ttfcP50: pct(t.direct.map((r) => r.ttfc), 0.5) },
          floor: added('floor'),
          product: added('product'),
        });
      }
    }
  }

  // Throughput at c=32, burst upstream; targets take turns (ROUNDS rounds) so drift hits all.
  await setMode(upstream.port, 'burst');
  interface ThroughputRow {
    case: string; rps: Record<string, number>; cpuUsPerReq: Record<string, number>;
    /** The same CPU split into the main thread and the process's other threads (V8's GC and compiler helpers, libuv). */
    threadCpuUsPerReq: Record<string, { main: number; other: number }>;
    floorPctOfDirect: number; productPctOfDirect: number;
  }
  const throughput: ThroughputRow[] = [];
  const processes = { upstream, floor, product };
  for (const [label, body] of PHASES.has('throughput') ? bodies : []) {
    for (const stream of [false, true]) {
      if (!ONLY.test(caseName(label, stream, `burst c=${CONCURRENCY}`))) continue;
      const targets = targetsFor(body, stream);
      const count: Record<string, number> = { direct: 0, floor: 0, product: 0 };
      const time: Record<string, number> = { direct: 0, floor: 0, product: 0 };
      const cpu: Record<string, number> = { direct: 0, floor: 0, product: 0 };
      const threads: Record<string, { main: number; other: number }> = { direct: { main: 0, other: 0 }, floor: { main: 0, other: 0 }, product: { main: 0, other: 0 } };
      for (let round = 0; round < ROUNDS; round++) {
        for (const target of targets) {
          const m = await measuredLoad(target, SLOT_MS);
          time[target.name] += m.ms;
          count[target.name] += m.n;
          cpu[target.name] += m.cpu;
          threads[target.name].main += m.main;
          threads[target.name].other += m.other;
        }
      }
      const rps = Object.fromEntries(Object.keys(count).map((k) => [k, (count[k] / time[k]) * 1000]));
      throughput.push({
        case: `${label}${stream ? ' sse' : ''}`,
        rps,
        cpuUsPerReq: Object.fromEntries(Object.keys(count).map((k) => [k === 'direct' ? 'upstream' : k, cpu[k] / count[k]])),
        threadCpuUsPerReq: Object.fromEntries(Object.keys(count).map((k) => [k === 'direct' ? 'upstream' : k, { main: threads[k].main / count[k], other: threads[k].other / count[k] }])),
        floorPctOfDirect: (rps.floor / rps.direct) * 100,
        productPctOfDirect: (rps.product / rps.direct) * 100,
      });
    }
  }
  await new Promise((r) => setTimeout(r, 1000));
  const memory = {
    floor: { idleMb: idle.floor, peakMb: rssMb(floor.pid).peak, afterMb: rssMb(floor.pid).rss },
    product: { idleMb: idle.product, peakMb: rssMb(product.pid).peak, afterMb: rssMb(product.pid).rss },
  };

  // Sustained load (opt-in): floor and product in turn, the small body at c=32 for SUSTAINED_MS each, in 10 s slices.
  interface Slice { rps: number; cpuUsPerReq: number }
  const sustained: Array<{ target: string; seconds: number; first: Slice; last: Slice }> = [];
  if (SUSTAINED_MS > 0) {
    for (const target of targetsFor(small, false).filter((t) => t.name !== 'direct')) {
      const slices: Slice[] = [];
      for (let elapsed = 0; elapsed < SUSTAINED_MS; elapsed += SUSTAINED_SLICE_MS) {
        const m = await measuredLoad(target, Math.min(SUSTAINED_SLICE_MS, SUSTAINED_MS - elapsed));
        slices.push({ rps: (m.n / m.ms) * 1000, cpuUsPerReq: m.cpu / m.n });
      }
      sustained.push({ target: target.name, seconds: SUSTAINED_MS / 1000, first: slices[0], last: slices[slices.length - 1] });
    }
  }

  // ---- report ----
  const f = (x: number, w = 7, d = 2) => x.toFixed(d).padStart(w);
  console.log('\nLatency (ms; "added" = per-iteration difference to direct; TTFC = time to first content)');
  console.log('case                        direct  | floor added        | product added      | TTFC direct | TTFC added floor  product');
  console.log('                            p50     | p50     p99        | p50     p99        | p50         | p50      p50      p99');
  for (const r of latency) {
    console.log(`${r.case.padEnd(26)}${f(r.direct.p50, 8)}  |${f(r.floor.p50, 8)}${f(r.floor.p99, 8)}    |${f(r.product.p50, 8)}${f(r.product.p99, 8)}    |${f(r.direct.ttfcP50, 8)}     |${f(r.floor.ttfcP50, 8)} ${f(r.product.ttfcP50, 8)} ${f(r.product.ttfcP99, 8)}`);
  }
  console.log(`\nThroughput at c=${CONCURRENCY} (burst upstream)`);
  console.log('case            direct req/s  floor % of direct  product % of direct | CPU µs/req: upstream  floor  product  product/floor');
  for (const r of throughput) {
    console.log(`${r.case.padEnd(16)}${f(r.rps.direct, 10, 0)}    ${f(r.floorPctOfDirect, 12, 1)}%     ${f(r.productPctOfDirect, 12, 1)}%        | ${f(r.cpuUsPerReq.upstream, 14, 0)}${f(r.cpuUsPerReq.floor, 8, 0)}${f(r.cpuUsPerReq.product, 8, 0)}${f(r.cpuUsPerReq.product / r.cpuUsPerReq.floor, 10, 2)}x`);
  }
  console.log('CPU µs/req by thread (main thread + other threads: V8 GC and compiler helpers, libuv)');
  for (const r of throughput) {
    const t = r.threadCpuUsPerReq;
    console.log(`${r.case.padEnd(16)}floor ${f(t.floor.main, 6, 0)} + ${f(t.floor.other, 4, 0)}   product ${f(t.product.main, 6, 0)} + ${f(t.product.other, 4, 0)}`);
  }
  console.log(`\nMemory (MB RSS)   idle    peak    after load`);
  for (const [name, m] of Object.entries(memory)) console.log(`${name.padEnd(16)}${f(m.idleMb, 7, 1)} ${f(m.peakMb, 7, 1)} ${f(m.afterMb, 7, 1)}`);
  console.log(`product start → /health: ${startToHealthMs.toFixed(0)} ms`);
  if (sustained.length) {
    console.log(`\nSustained c=${CONCURRENCY}, small body, ${SUSTAINED_MS / 1000} s per target: first vs last ${SUSTAINED_SLICE_MS / 1000} s`);
    for (const r of sustained) {
      console.log(`${r.target.padEnd(8)} ${f(r.first.rps, 7, 0)} → ${f(r.last.rps, 7, 0)} req/s   ${f(r.first.cpuUsPerReq, 6, 0)} → ${f(r.last.cpuUsPerReq, 6, 0)} µs CPU/req`);
    }
  }
  const json = { node: process.version, fixture: FIXTURE, iterations: ITERATIONS, concurrency: CONCURRENCY, firstTokenDelayMs: FIRST_TOKEN_DELAY_MS, floorNodeArgs, productArgs, productEnv: process.env.BENCH_PRODUCT_ENV ?? '', startToHealthMs, latency, throughput, memory, sustained };
  console.log('\nJSON');
  console.log(JSON.stringify(json));
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(json, null, 2));

  for (const p of Object.values(processes)) p.child.kill('SIGTERM');
  agent.destroy();
  await new Promise((r) => setTimeout(r, 300));
  rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
