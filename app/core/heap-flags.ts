import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

// V8 heap sizing for the proxy process, chosen with `npm run bench` (numbers in README "Performance").
//
// Node 24 lets V8 grow the young generation to 2 × 64 MB under load: at 32 concurrent 50 KB requests the product
// peaked at 260–380 MB RSS, of which ~134 MB was new space holding garbage between scavenges (the live heap after a
// full GC is ~30 MB). A smaller cap keeps the peak down; V8 reads it only when the heap is created, so it must be
// on the command line (or NODE_OPTIONS) of the process, not set from inside it. Where no command line can carry it
// (Electron's main process, no execve), the same bound is approached from inside by switching growth off at the cap
// (holdYoungGenerationDuringStart with capMb).

/** Young-generation cap, MB per semi-space. */
export const SEMI_SPACE_MB = 16;
export const LAUNCH_FLAGS = [`--max-semi-space-size=${SEMI_SPACE_MB}`] as const;

/** Set in the re-executed process (holding the caller's NODE_OPTIONS); `off` disables the re-exec (benchmarks). */
export const HEAP_FLAGS_ENV = 'CCPROXY_HEAP_FLAGS';

/**
 * For the headless entry: if the heap flags are not in effect, replaces this process by the same command with them
 * added to NODE_OPTIONS (process.execve: same pid, argv, stdio and environment otherwise, so signals, process
 * managers and `ps` see no difference). Returns only when nothing had to be done: already applied, set by the user
 * (any --max-semi-space-size of theirs wins), turned off with CCPROXY_HEAP_FLAGS=off, or no execve (Windows, Electron).
 * Must run before anything else: whatever the process did before is discarded.
 */
export function relaunchWithHeapFlags(): void {
  const env = process.env;
  const mark = env[HEAP_FLAGS_ENV];
  if (mark !== undefined && mark !== 'off') {
    // Re-executed: give children the caller's NODE_OPTIONS back.
    relaunched = true;
    const original = mark.startsWith('=') ? mark.slice(1) : undefined;
    if (original === undefined || original === '') delete env.NODE_OPTIONS;
    else env.NODE_OPTIONS = original;
    delete env[HEAP_FLAGS_ENV];
    return;
  }
  if (mark === 'off' || typeof process.execve !== 'function' || process.versions.electron) return;
  if (youngGenerationCapGiven()) return;
  const args = commandLine();
  if (!args) return;
  const nodeOptions = [env.NODE_OPTIONS, ...LAUNCH_FLAGS].filter(Boolean).join(' ');
  try {
    process.execve(process.execPath, args, { ...env, NODE_OPTIONS: nodeOptions, [HEAP_FLAGS_ENV]: `=${env.NODE_OPTIONS ?? ''}` });
  } catch {
    // Not allowed here (a sandbox, a missing binary): run on V8's defaults rather than not at all.
  }
}

/** This process's argv as it was typed (Linux keeps it in /proc; elsewhere rebuilt from Node's view of it). */
function commandLine(): string[] | null {
  try {
    const argv = readFileSync('/proc/self/cmdline', 'utf8').split('\0');
    if (argv.at(-1) === '') argv.pop();
    if (argv.length >= 2) return argv;
  } catch { /* not Linux */ }
  return process.argv.length >= 2 ? [process.execPath, ...process.execArgv, ...process.argv.slice(1)] : null;
}

/** V8's default (`node --v8-options`): the young generation doubles when a scavenge finds it too small. */
const SEMI_SPACE_GROWTH_FACTOR = 2;

/** Set in the re-executed process, whose NODE_OPTIONS no longer shows the cap it was started with. */
let relaunched = false;

/** Whether this process was given a young-generation cap at launch (its own, the re-exec's, or Electron's --js-flags). */
export function youngGenerationCapGiven(): boolean {
  if (relaunched) return true;
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? '', ...process.argv].join(' ');
  return /--max-semi-space-size\b/.test(given);
}

/** What `holdYoungGenerationDuringStart` does once released. */
export interface YoungGenerationAfterStart {
  /**
   * Stop the young generation's growth at this many MB per semi-space from inside the process, for a process whose
   * command line could not carry the cap (Electron's main process; headless where there is no execve). Ignored when
   * a cap was given at launch or with CCPROXY_HEAP_FLAGS=off.
   */
  capMb?: number;
}

/**
 * Keeps the young generation at its initial size until the returned function is called (when the proxy is up).
 * Start-up allocates in bursts (modules compiled, the settings schema, the ledger opened) and V8 doubles the young
 * generation at each busy scavenge, then keeps it: 2 × 8 MB committed and empty at idle. Start-up objects mostly
 * live on, so scavenging them from a small young generation costs nothing extra. V8 reads this flag at each resize,
 * so unlike the cap it can be set from inside a running process (the Electron main process included).
 *
 * With `capMb`, growth after release is governed instead of left to V8's default: after every GC (a 'gc'
 * PerformanceObserver) growth is switched off once the new space holds `capMb` per semi-space, and on again below
 * it. The observer runs after the GC that grew it, so a burst of scavenges before it runs can grow it one step
 * further (to 2 × capMb at worst, against 4 × for V8's default of 64 MB); test/core/heap-flags.test.ts measures it.
 */
export function holdYoungGenerationDuringStart(after: YoungGenerationAfterStart = {}): () => void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const cap = after.capMb;
    if (cap === undefined || process.env[HEAP_FLAGS_ENV] === 'off' || youngGenerationCapGiven()) {
      v8.setFlagsFromString(`--semi-space-growth-factor=${SEMI_SPACE_GROWTH_FACTOR}`);
      return;
    }
    governYoungGeneration(cap);
  };
}

/** Both semi-spaces, as V8 reports new space's size. */
const newSpaceBytes = (): number => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;

function governYoungGeneration(capMb: number): void {
  const limit = 2 * capMb * 1024 * 1024;
  let growing: boolean | null = null;
  const decide = () => {
    const grow = newSpaceBytes() < limit;
    if (grow === growing) return;
    growing = grow;
    v8.setFlagsFromString(`--semi-space-growth-factor=${grow ? SEMI_SPACE_GROWTH_FACTOR : 1}`);
  };
  decide();
  // Observing GC costs one entry per collection (a scavenge every few hundred requests under load).
  new PerformanceObserver(decide).observe({ entryTypes: ['gc'] });
}

/**
 * V8's JSON.stringify fast path. V8 13.8 turned it on by default (Chromium 138+, so Electron 45's main process
 * already runs with it); Node 24's V8 13.6 has it behind this flag. It halves the cost of serialising the Mistral
 * request (a 50 KB Claude Code body: ~180 → ~90 µs), and falls back to the general serialiser by itself for
 * anything unusual (toJSON, getters, proxies, replacers). Read at each call, so it can be set from inside the process
 * (Node and Electron both start V8 with --no-freeze-flags-after-init). Same output: test/core/v8-flags.test.ts.
 */
export function enableJsonStringifyFastPath(): void {
  v8.setFlagsFromString('--json-stringify-fast-path');
}
