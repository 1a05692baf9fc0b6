import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli-process.js';

// The young generation stays at its initial size while the core starts, and grows again under load once released
// (README "Performance"). Observed in a fresh Node process (the compiled module, the product's Node), whose heap has
// not grown yet: new space as V8 reports it after the same churn with and without the hold, then released.

/** What both scripts below start with: the compiled module and new space's size as V8 reports it. */
const PRELUDE = `
import v8 from 'node:v8';
import { holdYoungGenerationDuringStart } from './dist/app/core/heap-flags.js';
const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
`;

const script = `${PRELUDE}// Objects that survive a scavenge or two, as a start-up's or a busy proxy's do.
const churn = () => { const keep = new Array(20000); for (let i = 0; i < 300000; i++) keep[i % keep.length] = { s: 'x'.repeat(40) + i }; };
if (process.argv.includes('--hold')) {
  const release = holdYoungGenerationDuringStart();
  churn();
  const held = newSpace();
  release();
  churn();
  console.log(JSON.stringify({ held, released: newSpace() }));
} else {
  churn();
  console.log(JSON.stringify({ free: newSpace() }));
}
`;

describe('holdYoungGenerationDuringStart', () => {
  it('keeps new space at its initial size while held; it grows again once released', () => {
    const run = (...args: string[]) => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { cwd: ROOT, encoding: 'utf8' })) as Record<string, number>;
    const { free } = run();
    const { held, released } = run('--hold');
    expect(held).toBeLessThan(free);
    expect(released).toBeGreaterThan(held);
  });
});

// Where the cap cannot be on the command line (Electron's main process, headless without execve) the young generation
// is governed from inside after release. A fresh process without any cap, under a load whose objects survive
// scavenges (a rolling window, like requests in flight), as long as the default takes to grow new space past 4 × 16 MB.
const governed = `${PRELUDE}const capMb = process.argv.includes('--cap') ? 16 : undefined;
holdYoungGenerationDuringStart({ capMb })();
const live = [];
let i = 0, max = 0;
const end = Date.now() + 2500;
const tick = () => {
  for (let k = 0; k < 2000; k++) { live.push({ a: 'x'.repeat(50) + i, b: [i, i + 1], c: { d: i } }); i++; if (live.length > 40000) live.splice(0, 1000); }
  max = Math.max(max, newSpace());
  // Returns by itself: the GC observer must not keep a process alive.
  if (Date.now() < end) setImmediate(tick); else console.log(JSON.stringify({ max }));
};
tick();
`;

describe('holdYoungGenerationDuringStart({ capMb })', () => {
  it('stops the young generation growing past the cap (one step over at worst) where V8 alone grows it to 4 × that', () => {
    const run = (...args: string[]) => JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', governed, '--', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })) as { max: number };
    const MB = 1024 * 1024;
    const free = run().max;
    const capped = run('--cap').max;
    expect(free).toBeGreaterThan(4 * 16 * MB);
    // new_space counts both semi-spaces (plus a page or two V8 adds while a scavenge runs).
    expect(capped).toBeLessThanOrEqual(2 * 2 * 16 * MB + 8 * MB);
  });
});
