// `npm run bench:pacing`: a burst of Claude Code requests against a mock Mistral that enforces a rate limit
// (429 + Retry-After past it), through the real proxy, three ways:
//   free  — pacing to the free tier (1 request/s): total time vs the ideal schedule (request k leaves at k/rps);
//   auto  — the default: no cap until Mistral's first 429, then retries and paces (the client should see no 429);
//   off   — no pacing: how many 429s reach the client.
// Times are printed, never asserted (shared, noisy machine). BENCH_BURST (default 20) and BENCH_RPS (default 1).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv } from '../app/config.js';
import { startProxy } from '../app/proxy/server.js';
import { startMockMistral } from '../test/mock-mistral/index.js';

const BURST = Number(process.env.BENCH_BURST ?? 20);
const RPS = Number(process.env.BENCH_RPS ?? 1);
const fixture = JSON.parse(readFileSync(new URL('../test/fixtures/claude-code/2.1.331-bash-turn1-1.json', import.meta.url), 'utf8')) as { path: string; headers: Record<string, string>; body: object };

interface Run { mode: string; totalS: number; ok: number; client429: number; upstream429: number; retries: number }

async function run(mode: 'free' | 'auto' | 'off'): Promise<Run & { singleS: number }> {
  const mock = await startMockMistral({ rateLimit: { rps: RPS } });
  const dataDir = mkdtempSync(join(tmpdir(), 'ccproxy-bench-pacing-'));
  const config = configFromEnv({
    MISTRAL_API_KEY: mock.apiKey, MISTRAL_BASE_URL: mock.url, CCPROXY_PORT: '0', CCPROXY_DATA_DIR: dataDir,
    CCPROXY_PACING: mode === 'free' ? (RPS === 1 ? 'free' : 'custom') : mode, CCPROXY_PACING_RPS: String(RPS),
  });
  let retries = 0;
  const proxy = await startProxy({ config: () => config, version: 'bench', onRecord: (r) => (retries += r.retries ?? 0) });
  const send = async () => {
    const res = await fetch(`${proxy.url}${fixture.path}`, {
      method: 'POST',
      headers: { ...fixture.headers, 'content-type': 'application/json', host: new URL(proxy.url).host },
      body: JSON.stringify({ ...fixture.body, stream: true }),
    });
    await res.text();
    return res.status;
  };
  try {
    // One request alone, to know the service time the ideal schedule adds to its last departure.
    const t1 = performance.now();
    await send();
    const singleS = (performance.now() - t1) / 1000;
    await new Promise((r) => setTimeout(r, 2_000)); // let the rate window empty
    const before = mock.rateLimited();
    const t0 = performance.now();
    const statuses = await Promise.all(Array.from({ length: BURST }, send));
    const totalS = (performance.now() - t0) / 1000;
    return {
      mode, totalS, singleS, ok: statuses.filter((s) => s === 200).length, client429: statuses.filter((s) => s === 429).length,
      upstream429: mock.rateLimited() - before, retries,
    };
  } finally {
    await proxy.close(0);
    await mock.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results = [];
for (const mode of ['free', 'auto', 'off'] as const) results.push(await run(mode));
const single = Math.min(...results.map((r) => r.singleS));
const ideal = (BURST - 1) / RPS + single;
console.log(`burst of ${BURST} concurrent Claude Code requests (stream), mock Mistral limited to ${RPS} request/s`);
console.log(`ideal schedule: last request leaves at ${((BURST - 1) / RPS).toFixed(2)} s, + ${single.toFixed(3)} s service = ${ideal.toFixed(2)} s`);
console.log('mode   total_s  vs_ideal  ok  429_to_client  429_from_mistral  proxy_retries');
for (const r of results) {
  console.log(`${r.mode.padEnd(6)} ${r.totalS.toFixed(2).padStart(7)}  ${(r.totalS / ideal).toFixed(3).padStart(8)}  ${String(r.ok).padStart(2)}  ${String(r.client429).padStart(13)}  ${String(r.upstream429).padStart(16)}  ${String(r.retries).padStart(13)}`);
}
