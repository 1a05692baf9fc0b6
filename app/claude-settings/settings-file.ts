import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ClaudeSettingsPreview, ClaudeTarget, ClaudeWriteResult, DiffLine } from '../contract/claude.js';
import { lineDiff } from './diff.js';
import { isJsonObject } from '../json-object.js';

// Claude Code reads `env` from ~/.claude/settings.json (user scope) or <project>/.claude/settings.json and applies
// it to every session. Writing there connects Claude Code without touching the user's shell. The file belongs to
// the user and to Claude Code, so: only keys inside `env` that we set change; every other key and env entry stays;
// a symlink or a file we cannot parse is refused, never replaced; the previous file is copied aside first; the
// write is atomic (temp file + rename); undo only puts the old file back if nobody changed ours in between.

export class ClaudeSettingsError extends Error {}

type Json = Record<string, unknown>;

interface Loaded { path: string; exists: boolean; text: string; data: Json; mode: number | null }

export function settingsPathFor(target: ClaudeTarget, home: string): string {
  if (target.scope === 'project') {
    const dir = target.projectDir?.trim();
    if (!dir || !isAbsolute(dir)) throw new ClaudeSettingsError('Choose the project folder (an absolute path) whose .claude/settings.json should be written.');
    return join(resolve(dir), '.claude', 'settings.json');
  }
  return join(home, '.claude', 'settings.json');
}

async function refuseLink(path: string, what: string): Promise<boolean> {
  try {
    const st = await lstat(path);
    if (st.isSymbolicLink()) throw new ClaudeSettingsError(`${what} ${path} is a symbolic link; CCProxy does not write through links. Edit the file it points to yourself, or replace the link with a regular file.`);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function load(path: string): Promise<Loaded> {
  if (!(await refuseLink(path, 'The settings file'))) return { path, exists: false, text: '', data: {}, mode: null };
  const st = await stat(path);
  if (!st.isFile()) throw new ClaudeSettingsError(`${path} is not a regular file.`);
  const text = await readFile(path, 'utf8');
  let data: unknown = {};
  if (text.trim() !== '') {
    try {
      data = JSON.parse(text);
    } catch (err) {
      throw new ClaudeSettingsError(`${path} is not valid JSON (${(err as Error).message}); CCProxy will not overwrite it. Fix the file or move it aside, then try again.`);
    }
  }
  if (!isJsonObject(data)) throw new ClaudeSettingsError(`${path} does not hold a JSON object; CCProxy will not overwrite it.`);
  if (data.env !== undefined && !isJsonObject(data.env)) throw new ClaudeSettingsError(`The "env" entry in ${path} is not an object; CCProxy will not overwrite it.`);
  return { path, exists: true, text, data, mode: st.mode & 0o777 };
}

function merged(data: Json, env: Record<string, string>): Json {
  const before = isJsonObject(data.env) ? data.env : {};
  return { ...data, env: { ...before, ...env } };
}

const render = (data: Json) => `${JSON.stringify(data, null, 2)}\n`;

function changedEnv(data: Json, env: Record<string, string>): Record<string, string> {
  const before = isJsonObject(data.env) ? data.env : {};
  return Object.fromEntries(Object.entries(env).filter(([k, v]) => before[k] !== v));
}

export async function previewWrite(path: string, env: Record<string, string>): Promise<ClaudeSettingsPreview> {
  const file = await load(path);
  const changes = changedEnv(file.data, env);
  const before = file.exists ? file.text : '';
  const after = render(merged(file.data, env));
  const diff: DiffLine[] = lineDiff(before, after);
  return { path, exists: file.exists, env: changes, upToDate: Object.keys(changes).length === 0, diff };
}

export async function envOf(path: string): Promise<Record<string, unknown> | null> {
  try {
    const file = await load(path);
    return isJsonObject(file.data.env) ? file.data.env : null;
  } catch {
    return null;
  }
}

const stamp = (t: Date) => t.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

async function atomicWrite(path: string, text: string, mode: number): Promise<void> {
  const tmp = `${path}.ccproxy-${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode, flag: 'wx' });
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

interface UndoEntry { path: string; backupPath: string | null; written: string }

/** Writes and undoes; remembers what it wrote (in memory) so an undo never clobbers a later edit. */
export class ClaudeSettingsWriter {
  private readonly undos = new Map<string, UndoEntry>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  async write(path: string, env: Record<string, string>): Promise<ClaudeWriteResult> {
    const file = await load(path);
    const text = render(merged(file.data, env));
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    let backupPath: string | null = null;
    if (file.exists) {
      backupPath = `${path}.ccproxy-backup-${stamp(this.now())}`;
      for (let n = 2; await lstat(backupPath).then(() => true, () => false); n++) backupPath = `${path}.ccproxy-backup-${stamp(this.now())}-${n}`;
      await copyFile(path, backupPath, constants.COPYFILE_EXCL);
    }
    await atomicWrite(path, text, file.mode ?? 0o600);
    const undoId = randomBytes(8).toString('hex');
    this.undos.set(undoId, { path, backupPath, written: text });
    return { path, backupPath, undoId };
  }

  async undo(undoId: string): Promise<{ path: string; restored: 'previous' | 'removed' }> {
    const entry = this.undos.get(undoId);
    if (!entry) throw new ClaudeSettingsError('Nothing to undo (CCProxy only undoes its own latest write while it keeps running).');
    const { path, backupPath, written } = entry;
    if (await refuseLink(path, 'The settings file')) {
      const now = await readFile(path, 'utf8');
      if (now !== written) {
        throw new ClaudeSettingsError(`${path} changed after CCProxy wrote it, so it was left alone.${backupPath ? ` The previous version is in ${backupPath}.` : ''}`);
      }
    }
    this.undos.delete(undoId);
    if (backupPath) {
      const previous = await readFile(backupPath, 'utf8');
      const mode = (await stat(backupPath)).mode & 0o777;
      await atomicWrite(path, previous, mode);
      return { path, restored: 'previous' };
    }
    await unlink(path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    return { path, restored: 'removed' };
  }
}
