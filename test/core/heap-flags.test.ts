import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli-process.js';

// The young generation stays at its initial size while the core starts, and grows again under load once released
// (README "Performance"). Observed in a fresh Node process (the compiled module, the product's Node), whose heap has
// not grown yet: new space as V8 reports it after the same churn with and without the hold, then released.

const script = `
import v8 from 'node:v8';
import { holdYoungGenerationDuringStart } from './dist/app/core/heap-flags.js';
const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
// Objects that survive a scavenge or two, as a start-up's or a busy proxy's do.
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
