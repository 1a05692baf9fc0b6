// `npm run bench:limiter`: what one admission costs the pacing limiter as its one-minute token window fills, on a
// simulated clock (no sockets, no waiting). Requests arrive at BENCH_RATE per simulated second (default 4000, about
// the product's own c=32 rate on small requests here); every 50,000 admissions it prints the CPU µs per admission
// and the heap in use. Flat numbers once the window is full (past 60 simulated seconds) mean constant cost per
// request; the array-of-objects window this replaced went from ~1 µs to ~172 µs per admission at that point.
// Printed, never asserted (shared, noisy machine).
import { Limiter } from '../app/pacing/limiter.js';
import { PACING_DEFAULTS } from '../app/pacing/presets.js';

const RATE = Number(process.env.BENCH_RATE ?? 4000);
const TOTAL = 600_000;
const STEP = 50_000;

let now = 1_000_000;
const limiter = new Limiter(() => PACING_DEFAULTS, () => now);
limiter.onChange(() => {});
const signal = new AbortController().signal;

console.log(`pacing limiter (preset ${PACING_DEFAULTS.preset}), ${RATE} admissions per simulated second`);
console.log('admissions  simulated s  window  CPU µs/admission  heap used MB');
let cpu = process.cpuUsage();
for (let i = 1; i <= TOTAL; i++) {
  now += 1000 / RATE;
  const ticket = await limiter.acquire(500, { signal, deadline: now + 120_000 });
  limiter.report(ticket, 200, {});
  limiter.settle(ticket, 700);
  if (i % STEP === 0) {
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    const perAdmission = (used.user + used.system) / STEP;
    const window = Math.min(i, RATE * 60);
    console.log(`${String(i).padStart(10)}  ${(i / RATE).toFixed(0).padStart(11)}  ${String(window).padStart(6)}  ${perAdmission.toFixed(2).padStart(16)}  ${(process.memoryUsage().heapUsed / 1048576).toFixed(1).padStart(12)}`);
  }
}
