import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, ROOT, test } from './fixtures.js';

// "Connect Claude Code" end to end: the card writes the proxy's setup into HOME/.claude/settings.json (merging
// its env block, keeping everything else, with a backup and Undo), then the REAL Claude Code CLI runs with that
// HOME and no ANTHROPIC_* variable at all: its request reaches the proxy only because of the written settings, and
// the card turns to "Connected ✓". Claude Code runs offline as in test/e2e-cli/claude-code.test.ts.

const CLAUDE = join(ROOT, 'node_modules/.bin/claude');

function runClaude(home: string, mockUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'ccproxy-e2e-cwd-'));
  const trap = `http://${new URL(mockUrl).host}`;
  const env: Record<string, string> = {
    HOME: home,
    PATH: '/usr/local/bin:/usr/bin:/bin',
    SHELL: existsSync('/bin/bash') ? '/bin/bash' : '/usr/bin/bash',
    TMPDIR: tmpdir(),
    LANG: 'C.UTF-8',
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_MAX_RETRIES: '0',
    // Anything that is not the proxy lands on the mock's trap (and is refused) instead of leaving the machine.
    HTTPS_PROXY: trap,
    HTTP_PROXY: trap,
    NO_PROXY: '127.0.0.1,localhost',
  };
  expect(Object.keys(env).filter((k) => k.startsWith('ANTHROPIC_'))).toEqual([]);
  return new Promise((resolve, reject) => {
    const child = spawn(CLAUDE, ['-p', 'Say ok.', '--output-format', 'json'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('Write to Claude Code settings: diff, backup, other keys kept, Undo; then the real CLI connects through it', async ({ page, stack, mock, openApp, shot }) => {
  test.setTimeout(120_000);
  const settingsPath = join(stack.home, '.claude', 'settings.json');
  mkdirSync(join(stack.home, '.claude'));
  const original = `${JSON.stringify({ model: 'opus', permissions: { allow: ['Bash(ls)'] }, env: { KEEP_ME: '1' } }, null, 2)}\n`;
  writeFileSync(settingsPath, original);

  await openApp('settings');
  const card = page.getByRole('region', { name: 'Connect Claude Code' });
  await expect(card.getByRole('status', { name: 'Claude Code connection' })).toHaveText('Not connected yet');
  await expect(card.getByLabel('Shell setup lines')).toHaveText(`export ANTHROPIC_BASE_URL=${stack.url}\nexport ANTHROPIC_AUTH_TOKEN=ccproxy`);

  // Preview: the diff adds the two env entries; nothing is written yet.
  await card.getByRole('button', { name: 'Write to Claude Code settings…' }).click();
  const diff = card.getByLabel('Diff');
  await expect(diff).toContainText(`+     "ANTHROPIC_BASE_URL": "${stack.url}"`);
  await expect(diff).toContainText('"KEEP_ME": "1"');
  expect(readFileSync(settingsPath, 'utf8')).toBe(original);
  await shot('connect-preview');
  // Keyboard focus follows the steps and never falls to the page: Cancel returns it to the button that opened the diff.
  await expect(card.getByRole('button', { name: 'Write settings' })).toBeFocused();
  await card.getByRole('button', { name: 'Cancel' }).click();
  await expect(diff).toHaveCount(0);
  await expect(card.getByRole('button', { name: 'Write to Claude Code settings…' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(diff).toBeVisible();

  // Write: merged, backup kept; Undo puts the original back; write again for the CLI run.
  await card.getByRole('button', { name: 'Write settings' }).click();
  const written = card.getByRole('status', { name: 'Claude Code settings written' });
  await expect(written).toContainText('Saved ✓');
  await expect(written).toContainText('.ccproxy-backup-');
  const merged = JSON.parse(readFileSync(settingsPath, 'utf8'));
  expect(merged).toEqual({ model: 'opus', permissions: { allow: ['Bash(ls)'] }, env: { KEEP_ME: '1', ANTHROPIC_BASE_URL: stack.url, ANTHROPIC_AUTH_TOKEN: 'ccproxy' } });
  await expect(card.getByRole('button', { name: 'Undo' })).toBeFocused();
  await card.getByRole('button', { name: 'Undo' }).click();
  await expect(card).toContainText('Undone: the previous file is back');
  await expect(card.getByRole('button', { name: 'Write to Claude Code settings…' })).toBeFocused();
  expect(readFileSync(settingsPath, 'utf8')).toBe(original);
  await card.getByRole('button', { name: 'Write to Claude Code settings…' }).click();
  await card.getByRole('button', { name: 'Write settings' }).click();
  await expect(written).toContainText('Saved ✓');

  // The real Claude Code CLI, configured only by the file just written.
  const run = await runClaude(stack.home, mock.url);
  const info = `exit ${run.code}\nstdout: ${run.stdout.slice(0, 1500)}\nstderr: ${run.stderr.slice(0, 1500)}`;
  expect(run.code, info).toBe(0);
  expect(JSON.parse(run.stdout).is_error, info).toBe(false);
  const logged = await stack.api.invoke('logs.recent', { limit: 50 });
  expect(logged.length, info).toBeGreaterThan(0);
  expect(logged.every((e) => e.status === 200 && e.sessionId !== null), JSON.stringify(logged)).toBe(true);
  expect(mock.requests.filter((r) => r.path === '/v1/chat/completions').length).toBeGreaterThan(0);
  expect(mock.violations()).toEqual([]);

  await expect(card.getByRole('status', { name: 'Claude Code connection' })).toHaveText('Connected ✓');
  await expect(card).toContainText("Claude Code's first request arrived at");
  await shot('connect-connected');
});

test('a settings.json that cannot be parsed is refused and left untouched', async ({ page, stack, openApp }) => {
  const settingsPath = join(stack.home, '.claude', 'settings.json');
  mkdirSync(join(stack.home, '.claude'));
  writeFileSync(settingsPath, '{ "env": { ');
  await openApp('settings');
  const card = page.getByRole('region', { name: 'Connect Claude Code' });
  await card.getByRole('button', { name: 'Write to Claude Code settings…' }).click();
  await expect(card.getByRole('alert')).toContainText('is not valid JSON');
  await expect(card.getByRole('alert')).toContainText('will not overwrite it');
  expect(readFileSync(settingsPath, 'utf8')).toBe('{ "env": { ');
});
