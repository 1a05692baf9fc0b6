import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The core must run headless in plain Node (and in tests); one stray 'electron' import would break that.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') yield* sourceFiles(path);
    else if (entry.isFile() && SOURCE.test(entry.name)) yield path;
  }
}

/** TypeScript's own import scanner: static imports, re-exports, import types, require() and import(), not comments. */
function electronImports(text: string): string[] {
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((f) => f.fileName)
    .filter((name) => name === 'electron' || name.startsWith('electron/'));
}

describe("app/ never imports 'electron'", () => {
  it('the scanner catches every import form and ignores comments and strings', () => {
    const forms = [
      "import { app } from 'electron';",
      "import 'electron';",
      "import type { App } from 'electron';",
      "export { app } from 'electron';",
      "const e = require('electron');",
      "const e = await import('electron');",
      "type T = import('electron').App;",
      'import { ipcMain } from "electron/main";',
    ];
    for (const form of forms) expect(electronImports(form), form).toEqual([expect.stringMatching(/^electron/)]);
    const harmless = "// nothing here imports 'electron'\nconst s = \"require('electron')\";\nimport x from 'electron-store-like';";
    expect(electronImports(harmless)).toEqual([]);
  });

  it('no file under app/ imports it', () => {
    const offenders: string[] = [];
    let scanned = 0;
    for (const file of sourceFiles(join(ROOT, 'app'))) {
      scanned++;
      if (electronImports(readFileSync(file, 'utf8')).length) offenders.push(relative(ROOT, file));
    }
    expect(scanned).toBeGreaterThan(0);
    expect(offenders).toEqual([]);
  });
});
