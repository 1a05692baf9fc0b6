import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The same module runs from the source tree (app/…, under vitest) and compiled (dist/app/…, in the product and the
// package), so files beside package.json are found by walking up to it rather than by a fixed relative path.

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'ccproxy-desktop') return dir;
      } catch {
        // not ours; keep walking
      }
    }
    if (dirname(dir) === dir) return start;
  }
}

/** The directory holding the project's package.json (the app's root inside a package, too). */
export const PACKAGE_ROOT: string = findRoot(dirname(fileURLToPath(import.meta.url)));
