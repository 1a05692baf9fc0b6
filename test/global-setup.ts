import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Tests that start the product as a process run what ships: the compiled dist/ (no transpiler at run time).
// Build it once per vitest run so those tests never run a stale build.
export default function setup(): void {
  if (process.env.CCPROXY_TEST_SKIP_BUILD === '1') return;
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
