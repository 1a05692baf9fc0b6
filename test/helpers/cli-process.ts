import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';

// The headless product as a user runs it: the compiled CLI (dist/app/cli.js, built by the vitest global set-up)
// in its own process, with its output collected and its exit awaited.

export const ROOT = new URL('../../', import.meta.url).pathname;

export interface CliRun { child: ChildProcess; out: () => string; exit: Promise<number | null> }

/** Collects a child's stdout + stderr and its exit code. */
export function watchProcess(child: ChildProcess): CliRun {
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => out, exit };
}

/** Starts `node dist/app/cli.js …args` with only PATH and HOME inherited (then `env`). */
export function spawnCli(args: string[], env: Record<string, string>): CliRun {
  return watchProcess(spawn(process.execPath, ['dist/app/cli.js', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
}

/** Polls until `fn` returns a truthy value, which it returns; fails naming `what` after `ms`. */
export async function waitUntil<T>(fn: () => T | null | undefined | false, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
