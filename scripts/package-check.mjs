#!/usr/bin/env node
// Packaging check (run by `npm test` after the UI build): electron-builder `--dir` against a STUB Electron
// distribution, offline, then checks the result and runs the packaged app's self-test on this Node (Electron 45's
// Node line, 24.21). A separate step rather than a vitest file: it needs dist/ AND dist-renderer/ built (the e2e
// step builds the UI), takes ~30-60 s of mostly I/O, and must not race vitest's parallel workers for the 2 cores.
//
// The stub is a directory (electronDist) holding a shell script named `electron` that carries Electron's fuse
// sentinel, `version`, and `resources/`: electron-builder 26 copies such an "unpacked Electron distribution" as is
// (ElectronFramework.selectElectron), renames the executable, flips the fuses in it, and writes
// resources/app.asar + app.asar.unpacked. Nothing is downloaded. What this cannot prove: that the real Electron
// binary starts; the launch simulation test (test/main/launch-simulation.test.ts) covers main.ts's behaviour.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(root, 'package.json'));
const asar = require('@electron/asar');
const { getCurrentFuseWire, FuseV1Options } = require('@electron/fuses');
const FuseState = { DISABLE: 48, ENABLE: 49 }; // '0' / '1' in the wire (@electron/fuses constants)

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
// Electron's default fuse wire (v1, 8 fuses): RunAsNode=1 CookieEncryption=0 NodeOptions=1 NodeCliInspect=1
// AsarIntegrity=0 OnlyLoadAppFromAsar=0 V8Snapshot=0 GrantFileProtocolExtraPrivileges=1.
const DEFAULT_WIRE = '10110001';
const TIMEOUT_MS = Number(process.env.CCPROXY_PACKAGE_TIMEOUT_MS ?? 240_000);

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
};

function makeStubElectron(dir, version) {
  mkdirSync(join(dir, 'resources'), { recursive: true });
  const exe = join(dir, 'electron');
  const body = `#!/bin/sh\n# stub Electron for offline packaging checks\necho "stub electron $*"\nexit 0\n# ${SENTINEL}`;
  writeFileSync(exe, Buffer.concat([Buffer.from(body), Buffer.from([1, DEFAULT_WIRE.length]), Buffer.from(DEFAULT_WIRE), Buffer.from('\n')]));
  chmodSync(exe, 0o755);
  writeFileSync(join(dir, 'version'), `v${version}`);
  writeFileSync(join(dir, 'LICENSE'), 'stub');
  writeFileSync(join(dir, 'LICENSES.chromium.html'), 'stub');
}

function duBytes(path) {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + duBytes(join(path, name)), 0);
}
const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

function build(configArgs, out, stub) {
  const started = Date.now();
  const cli = join(root, 'node_modules', 'electron-builder', 'cli.js');
  const res = spawnSync(process.execPath, [cli, '--dir', '--linux', '--x64', '--publish', 'never',
    `-c.electronDist=${stub}`, `-c.directories.output=${out}`, ...configArgs], {
    cwd: root, encoding: 'utf8', timeout: TIMEOUT_MS,
    env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
  });
  if (res.status !== 0) {
    console.error(res.stdout, res.stderr, res.error ?? '');
    throw new Error(`electron-builder failed (status ${res.status}${res.error ? `, ${res.error.message}` : ''})`);
  }
  return { dir: join(out, 'linux-unpacked'), seconds: (Date.now() - started) / 1000 };
}

function packageSize(unpacked) {
  const res = join(unpacked, 'resources');
  return duBytes(join(res, 'app.asar')) + (existsSync(join(res, 'app.asar.unpacked')) ? duBytes(join(res, 'app.asar.unpacked')) : 0);
}

const main = async () => {
  for (const needed of ['dist/app/cli.js', 'dist/main/main.js', 'dist-renderer/index.html']) {
    if (!existsSync(join(root, needed))) throw new Error(`${needed} is missing: run \`npm run build\` first`);
  }
  const electronVersion = require('electron/package.json').version;
  const work = mkdtempSync(join(tmpdir(), 'ccproxy-package-'));
  try {
    const stub = join(work, 'electron-dist');
    makeStubElectron(stub, electronVersion);

    // Before (size report only): the config as it was before the trimming, from git (CCPROXY_PACKAGE_BEFORE=<commit>).
    let before = null;
    if (process.env.CCPROXY_PACKAGE_BEFORE) {
      const oldConfig = join(work, 'before.yml');
      writeFileSync(oldConfig, execFileSync('git', ['show', `${process.env.CCPROXY_PACKAGE_BEFORE}:electron-builder.yml`], { cwd: root }));
      before = build(['--config', oldConfig, '-c.npmRebuild=false'], join(work, 'before'), stub);
    }
    const after = build([], join(work, 'after'), stub);
    const resources = join(after.dir, 'resources');
    const asarPath = join(resources, 'app.asar');
    const files = asar.listPackage(asarPath, { isPack: false }).map((f) => f.replaceAll('\\', '/').replace(/^\//, ''));
    const has = (p) => files.includes(p);
    const unpackedDir = join(resources, 'app.asar.unpacked');
    const unpacked = existsSync(unpackedDir) ? listTree(unpackedDir) : [];

    console.log(`package check: electron-builder --dir (stub Electron ${electronVersion}) in ${after.seconds.toFixed(1)} s, ${files.length} entries in app.asar`);
    // What must be there.
    for (const p of ['package.json', 'dist/app/cli.js', 'dist/app/self-test.js', 'dist/main/main.js', 'dist/main/preload.cjs', 'dist-renderer/index.html', 'build/tray.png', 'build/tray@2x.png', 'build/tray-Template.png', 'build/icon.png']) {
      check(has(p), `asar holds ${p}`);
    }
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    for (const dep of Object.keys(pkg.dependencies)) check(has(`node_modules/${dep}/package.json`), `asar holds production dependency ${dep}`);
    check(unpacked.includes('node_modules/better-sqlite3/prebuilds/linux-x64.node'), 'better-sqlite3 linux-x64 .node is unpacked (app.asar.unpacked)');
    check(!unpacked.concat(files).some((p) => /prebuilds\/(win32-|darwin-|linux-arm64|linuxmusl-arm64)/.test(p)), 'no other platform\'s better-sqlite3 prebuild is packed');
    check(!unpacked.concat(files).some((p) => p.startsWith('node_modules/better-sqlite3/deps/') || p.startsWith('node_modules/better-sqlite3/src/')), 'no SQLite/addon C sources');
    // What must not.
    for (const dev of ['react', 'react-dom', 'recharts', 'tsx', 'esbuild', 'typescript', 'vite', 'vitest', 'electron', 'electron-builder', '@anthropic-ai/sdk', '@mistralai/mistralai', 'node', 'node-addon-api', 'zod', 'playwright']) {
      check(!files.some((p) => p.startsWith(`node_modules/${dev}/`)), `no ${dev} (dev-only)`);
    }
    check(!files.some((p) => /^(test|dist\/test|bench|dist\/bench|app|main|renderer|scripts)\//.test(p)), 'no tests, benches, scripts or TS source folders');
    check(!files.some((p) => /\.(map|ts|mts|cts)$/.test(p)), 'no .ts sources, .d.ts or source maps');
    check(!files.some((p) => /\.(c|cc|cpp|h|hpp|gyp|gypi)$/.test(p)) && !unpacked.some((p) => /\.(c|cc|cpp|h|hpp|gyp|gypi)$/.test(p)), 'no native sources (.c, .cc, .h, .gyp)');

    // Fuses were flipped in the (stub) binary the way electron-builder.yml says.
    {
      const wire = await getCurrentFuseWire(join(after.dir, 'ccproxy-desktop'));
      const want = { RunAsNode: false, EnableCookieEncryption: true, EnableNodeOptionsEnvironmentVariable: false, EnableNodeCliInspectArguments: false, OnlyLoadAppFromAsar: true, GrantFileProtocolExtraPrivileges: false };
      for (const [name, on] of Object.entries(want)) {
        check(wire[FuseV1Options[name]] === (on ? FuseState.ENABLE : FuseState.DISABLE), `fuse ${name} ${on ? 'on' : 'off'}`);
      }

      const afterBytes = packageSize(after.dir);
      if (before) console.log(`package size (app.asar + app.asar.unpacked): before trimming ${mb(packageSize(before.dir))}, after ${mb(afterBytes)}`);
      else console.log(`package size (app.asar + app.asar.unpacked): ${mb(afterBytes)} (CCPROXY_PACKAGE_BEFORE=<commit> also builds that commit's config)`);

      // The self-test from the packaged tree: the asar extracted with its unpacked files put back, the way Electron's
      // asar support presents them to the app, run on this Node (24.21, Electron 45's).
      const tree = join(work, 'app');
      asar.extractAll(asarPath, tree);
      if (existsSync(unpackedDir)) cpSync(unpackedDir, tree, { recursive: true });
      const selfTest = spawnSync(process.execPath, [join(tree, 'dist/app/cli.js'), '--self-test'], {
        encoding: 'utf8', timeout: 60_000, env: { ...process.env, MISTRAL_API_KEY: '', CCPROXY_DATA_DIR: '' },
      });
      process.stdout.write(selfTest.stdout.replace(/^/gm, '  | '));
      if (selfTest.stderr) process.stdout.write(selfTest.stderr.replace(/^/gm, '  ! '));
      check(selfTest.status === 0, `self-test from the packaged tree on Node ${process.version} exits 0`);
      check(/ok\s+ledger/.test(selfTest.stdout) && /ok\s+proxy/.test(selfTest.stdout), 'self-test reports the ledger and proxy checks');
    }
  } finally {
    if (process.env.CCPROXY_PACKAGE_KEEP !== '1') rmSync(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
};

function listTree(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? listTree(p, base) : [relative(base, p).replaceAll('\\', '/')];
  });
}

Promise.resolve()
  .then(main)
  .then(() => {
    if (failures.length) {
      console.error(`package check: ${failures.length} failed`);
      process.exit(1);
    }
    console.log('package check: all passed');
  })
  .catch((err) => {
    console.error(`package check: ${err.message}`);
    process.exit(1);
  });
