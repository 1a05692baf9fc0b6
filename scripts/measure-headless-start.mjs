#!/usr/bin/env node
// Headless start time to a 200 from GET /health, and idle RSS, for one or more ways of starting the proxy, run
// interleaved (A B A B …) so machine noise hits all alike; read the medians as ratios on a shared machine.
// Usage: node scripts/measure-headless-start.mjs [runs] -- <cwd> <cmd> [args…] [-- <cwd> <cmd> [args…]]
// Default: this checkout's `node dist/app/cli.js` on the Node running this script.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const runs = Number(argv[0] && argv[0] !== '--' ? argv.shift() : 7);
const targets = [];
for (const part of argv.join('\u0000').split(/(?:^|\u0000)--(?:\u0000|$)/).filter(Boolean)) {
  const [cwd, cmd, ...args] = part.split('\u0000');
  targets.push({ cwd, cmd, args });
}
if (!targets.length) targets.push({ cwd: fileURLToPath(new URL('..', import.meta.url)), cmd: process.execPath, args: ['dist/app/cli.js'] });

const freePort = () => new Promise((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// CPU seconds (user + system) the process used: unlike wall time, other load on the machine barely moves it.
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime, stime in clock ticks (100 Hz)
};
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;

async function once(t) {
  const port = await freePort();
  const data = mkdtempSync(join(tmpdir(), 'ccproxy-start-'));
  const started = performance.now();
  const child = spawn(t.cmd, t.args, { cwd: t.cwd, stdio: 'ignore', env: { ...process.env, CCPROXY_PORT: String(port), CCPROXY_DATA_DIR: data, MISTRAL_API_KEY: 'measure-key' } });
  let ms = NaN;
  let cpu = NaN;
  for (let i = 0; i < 3000; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.status === 200) { ms = performance.now() - started; cpu = cpuMs(child.pid); break; }
    } catch { /* not listening yet */ }
    await sleep(5);
  }
  await sleep(2000); // idle
  // The product process: with `node --import tsx` it is the same pid; npm would add a wrapper, so none is used here.
  const rss = rssMb(child.pid);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  rmSync(data, { recursive: true, force: true });
  return { ms, rss, cpu };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = targets.map(() => []);
for (let r = 0; r < runs; r++) for (const [i, t] of targets.entries()) results[i].push(await once(t));
for (const [i, t] of targets.entries()) {
  const ms = median(results[i].map((x) => x.ms));
  const rss = median(results[i].map((x) => x.rss));
  const cpu = median(results[i].map((x) => x.cpu));
  console.log(`${[t.cmd, ...t.args].join(' ')}  (cwd ${t.cwd}): start→/health median ${ms.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms CPU; idle RSS median ${rss.toFixed(1)} MB  [wall ${results[i].map((x) => x.ms.toFixed(0)).join(' ')}]`);
}
if (targets.length > 1) {
  const base = median(results[0].map((x) => x.ms));
  const baseCpu = median(results[0].map((x) => x.cpu));
  for (let i = 1; i < targets.length; i++) {
    console.log(`ratio ${i}/0: wall ${(median(results[i].map((x) => x.ms)) / base).toFixed(2)}, CPU ${(median(results[i].map((x) => x.cpu)) / baseCpu).toFixed(2)}`);
  }
}
