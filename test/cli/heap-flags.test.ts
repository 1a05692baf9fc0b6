import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LAUNCH_FLAGS } from '../../app/core/heap-flags.js';
import { spawnCli, waitUntil, type CliRun } from '../helpers/cli-process.js';

// The headless entry runs with the measured young-generation cap (README "Performance"): it re-executes itself once
// with the flag in NODE_OPTIONS, keeping its pid and command line, so signals and process managers see one process.
// Observed from outside, through /proc (Linux).

const running: CliRun[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) {
    p.child.kill('SIGTERM');
    await p.exit;
  }
});

const proc = (pid: number, what: 'environ' | 'cmdline') => readFileSync(`/proc/${pid}/${what}`, 'utf8').split('\0').filter(Boolean);
const nodeOptions = (pid: number) => proc(pid, 'environ').find((kv) => kv.startsWith('NODE_OPTIONS='))?.slice('NODE_OPTIONS='.length);

async function start(env: Record<string, string> = {}): Promise<CliRun> {
  const p = spawnCli([], { MISTRAL_API_KEY: 'k', CCPROXY_PORT: '0', CCPROXY_HOST: '127.0.0.1', CCPROXY_DATA_DIR: mkdtempSync(join(tmpdir(), 'ccproxy-heap-')), ...env });
  running.push(p);
  await waitUntil(() => /listening on http:\/\/127\.0\.0\.1:\d+/.test(p.out()), 'the listening line');
  return p;
}

describe.runIf(process.platform === 'linux')('the headless process runs with the heap flags', () => {
  it('same pid and command line, the flags added to NODE_OPTIONS (the caller’s own options kept)', async () => {
    const p = await start({ NODE_OPTIONS: '--stack-trace-limit=50' });
    expect(proc(p.child.pid!, 'cmdline').slice(1)).toEqual(['dist/app/cli.js']);
    expect(nodeOptions(p.child.pid!)).toBe(['--stack-trace-limit=50', ...LAUNCH_FLAGS].join(' '));
    expect(p.out()).not.toMatch(/warning|error/i);
  });

  it('a cap the user set wins, and CCPROXY_HEAP_FLAGS=off runs on V8 defaults', async () => {
    const own = await start({ NODE_OPTIONS: '--max-semi-space-size=2' });
    expect(nodeOptions(own.child.pid!)).toBe('--max-semi-space-size=2');
    const off = await start({ CCPROXY_HEAP_FLAGS: 'off' });
    expect(nodeOptions(off.child.pid!)).toBeUndefined();
  });
});
