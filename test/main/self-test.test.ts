import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runSelfTest } from '../../app/self-test.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('ccproxy --self-test', () => {
  it('checks secret box, settings, ledger and proxy from the compiled CLI, one line each, exit 0', async () => {
    // The user's own key, port and data dir must not change what is checked.
    const env = { ...process.env, MISTRAL_API_KEY: 'x', CCPROXY_PORT: '1', CCPROXY_DATA_DIR: '/nonexistent/ccproxy' };
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'dist/app/cli.js'), '--self-test'], { env });
    const lines = stdout.trim().split('\n');
    expect(lines.slice(1, 5).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual(['ok secret-box', 'ok settings', 'ok ledger', 'ok proxy']);
    expect(stdout).toMatch(/GET \/health 200/);
    expect(lines.at(-1)).toBe('self-test passed');
  });

  it('reports a failing part with FAIL and its reason, and the result is not ok', async () => {
    const out: string[] = [];
    const broken = { isAvailable: () => true, encrypt: (s: string) => s, decrypt: (s: string) => s };
    const result = await runSelfTest({ version: 't', secretBox: broken, out: (l) => out.push(l) });
    expect(result.ok).toBe(false);
    expect(out.find((l) => l.startsWith('FAIL secret-box'))).toMatch(/ciphertext contains the plaintext/);
    expect(out.at(-1)).toMatch(/self-test FAILED \(secret-box/);
  });
});
