import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClaudeConnector } from '../../app/claude-settings/connection.js';
import { ClaudeSettingsError, ClaudeSettingsWriter, exportLines, previewWrite, settingsPathFor } from '../../app/claude-settings/index.js';

// Writing Claude Code's settings.json on real files: merge into `env` only, keep everything else byte-for-byte in
// meaning, refuse symlinks and unparseable files, back up, undo only our own write.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const home = () => {
  const d = mkdtempSync(join(tmpdir(), 'ccproxy-claude-home-'));
  dirs.push(d);
  return d;
};
const ENV = { ANTHROPIC_BASE_URL: 'http://127.0.0.1:7187', ANTHROPIC_AUTH_TOKEN: 'ccproxy' };
const userFile = (h: string) => settingsPathFor({ scope: 'user' }, h);
const put = (path: string, text: string) => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
};

describe('Claude Code settings.json', () => {
  it('creates ~/.claude/settings.json when missing; undo removes it again', async () => {
    const h = home();
    const path = userFile(h);
    expect(path).toBe(join(h, '.claude', 'settings.json'));
    const preview = await previewWrite(path, ENV);
    expect(preview).toMatchObject({ exists: false, upToDate: false, env: ENV });
    expect(preview.diff.every((l) => l.op === '+')).toBe(true);
    const writer = new ClaudeSettingsWriter();
    const res = await writer.write(path, ENV);
    expect(res.backupPath).toBeNull();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ env: ENV });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect((await previewWrite(path, ENV)).upToDate).toBe(true);
    expect(await writer.undo(res.undoId)).toEqual({ path, restored: 'removed' });
    expect(existsSync(path)).toBe(false);
  });

  it('keeps every other key and env entry, shows the diff, backs up the old file, and undo restores it exactly', async () => {
    const h = home();
    const path = userFile(h);
    const original = `{\n  "model": "opus",\n  "permissions": { "allow": ["Bash(npm test)"] },\n  "env": { "FOO": "bar", "ANTHROPIC_BASE_URL": "https://old.example" },\n  "hooks": {}\n}\n`;
    put(path, original);
    chmodSync(path, 0o640);
    const preview = await previewWrite(path, ENV);
    expect(preview.exists).toBe(true);
    expect(preview.env).toEqual(ENV);
    const added = preview.diff.filter((l) => l.op === '+').map((l) => l.text.trim());
    expect(added).toContain('"ANTHROPIC_BASE_URL": "http://127.0.0.1:7187",');
    expect(added.some((l) => l.includes('ANTHROPIC_AUTH_TOKEN'))).toBe(true);

    const writer = new ClaudeSettingsWriter(() => new Date(Date.UTC(2026, 0, 2, 3, 4, 5)));
    const res = await writer.write(path, ENV);
    expect(res.backupPath).toBe(`${path}.ccproxy-backup-20260102T030405Z`);
    expect(readFileSync(res.backupPath!, 'utf8')).toBe(original);
    const now = JSON.parse(readFileSync(path, 'utf8'));
    expect(now).toEqual({ model: 'opus', permissions: { allow: ['Bash(npm test)'] }, env: { FOO: 'bar', ...ENV }, hooks: {} });
    expect(Object.keys(now)).toEqual(['model', 'permissions', 'env', 'hooks']);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    // A second write in the same second gets its own backup.
    const again = await writer.write(path, { ...ENV, ANTHROPIC_AUTH_TOKEN: 'other' });
    expect(again.backupPath).toBe(`${path}.ccproxy-backup-20260102T030405Z-2`);
    expect(await writer.undo(again.undoId)).toEqual({ path, restored: 'previous' });
    expect(await writer.undo(res.undoId)).toEqual({ path, restored: 'previous' });
    expect(readFileSync(path, 'utf8')).toBe(original);
    // No temp files left behind.
    expect(readdirSync(join(h, '.claude')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a file it cannot parse, a non-object, a non-object env, and leaves them untouched', async () => {
    const h = home();
    const path = userFile(h);
    for (const bad of ['{ "env": { "A": 1, } ', '[1,2]', '{"env": "x"}']) {
      put(path, bad);
      await expect(previewWrite(path, ENV)).rejects.toThrow(ClaudeSettingsError);
      await expect(new ClaudeSettingsWriter().write(path, ENV)).rejects.toThrow(/will not overwrite/);
      expect(readFileSync(path, 'utf8')).toBe(bad);
    }
    expect(readdirSync(join(h, '.claude'))).toEqual(['settings.json']);
  });

  it('refuses to write through a symlink', async () => {
    const h = home();
    const real = join(h, 'dotfiles-settings.json');
    writeFileSync(real, '{"model":"x"}');
    mkdirSync(join(h, '.claude'));
    symlinkSync(real, userFile(h));
    await expect(new ClaudeSettingsWriter().write(userFile(h), ENV)).rejects.toThrow(/symbolic link/);
    expect(readFileSync(real, 'utf8')).toBe('{"model":"x"}');
  });

  it('undo leaves a file alone that changed after the write', async () => {
    const h = home();
    const path = userFile(h);
    put(path, '{"model":"a"}');
    const writer = new ClaudeSettingsWriter();
    const res = await writer.write(path, ENV);
    writeFileSync(path, '{"model":"edited by hand"}');
    await expect(writer.undo(res.undoId)).rejects.toThrow(/changed after CCProxy wrote it/);
    expect(readFileSync(path, 'utf8')).toBe('{"model":"edited by hand"}');
  });

  it('project scope needs an absolute folder', () => {
    expect(() => settingsPathFor({ scope: 'project', projectDir: 'rel' }, '/h')).toThrow(ClaudeSettingsError);
    expect(settingsPathFor({ scope: 'project', projectDir: '/work/p' }, '/h')).toBe('/work/p/.claude/settings.json');
  });

  it('export lines are shell-safe', () => {
    expect(exportLines(ENV)).toBe('export ANTHROPIC_BASE_URL=http://127.0.0.1:7187\nexport ANTHROPIC_AUTH_TOKEN=ccproxy');
    expect(exportLines({ X: "a b'c" })).toBe(`export X='a b'\\''c'`);
  });

  it('the connector reports Connected at the first request with a Claude Code session, and the file as configured', async () => {
    const h = home();
    const seen: unknown[] = [];
    const c = new ClaudeConnector({ baseUrl: () => 'http://127.0.0.1:7187', authToken: () => undefined, onConnected: (s) => seen.push(s), home: () => h });
    const handlers = c.handlers();
    expect(await handlers['claude.status']()).toMatchObject({ connectedAt: null, userSettingsConfigured: false });
    await handlers['claude.write']({ scope: 'user' });
    c.sawRequest(null, 1);
    expect(seen).toHaveLength(0);
    c.sawRequest('sess-1', 5);
    c.sawRequest('sess-2', 6);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toHaveLength(1);
    expect(await handlers['claude.status']()).toMatchObject({ connectedAt: 5, lastSessionId: 'sess-2', userSettingsConfigured: true });
    await expect(handlers['claude.write']({ scope: 'project', projectDir: 'x' })).rejects.toMatchObject({ status: 409 });
  });
});
