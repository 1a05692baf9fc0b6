import { readFileSync } from 'node:fs';
import { text } from '../mock-mistral/index.js';
import { expect, proxied, test } from './fixtures.js';
import { parseCsv } from '../../app/usage/export.js';

const usage = (prompt: number, completion: number) => ({ usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } });

test('dashboard: totals, chart, breakdowns update live; CSV and JSON export download files', async ({ page, stack, mock, openApp, shot }) => {
  // Two requests before opening: 2 × (2000 in, 1000 out) on mistral-large-latest = 2 × $0.0025.
  mock.enqueue(text('a', usage(2000, 1000)), text('b', usage(2000, 1000)));
  await proxied(stack, { model: 'claude-sonnet-4-5' }, { 'x-claude-code-session-id': 'session-e2e-1' });
  await proxied(stack, { model: 'claude-sonnet-4-5' }, { 'x-claude-code-session-id': 'session-e2e-1' });

  await openApp('dashboard');
  const totals = page.getByLabel('Totals');
  await expect(totals.getByRole('group', { name: 'Requests' })).toContainText('2');
  await expect(totals.getByRole('group', { name: 'Cost' })).toContainText('$0.0050');
  await expect(totals.getByRole('group', { name: 'Tokens' })).toContainText('6K');
  await expect(totals.getByRole('group', { name: 'Error rate' })).toContainText('0%');
  await expect(totals.getByRole('group', { name: 'Unpriced' })).toContainText('0');

  // The chart: an SVG with a cost bar for today and the requests line.
  const chart = page.getByRole('figure', { name: /Cost and requests per day/ });
  await expect(chart.locator('.recharts-wrapper > svg.recharts-surface')).toBeVisible();
  await expect(chart.locator('.recharts-bar-rectangle path, .recharts-bar-rectangle rect').first()).toBeVisible();
  await expect(chart.locator('path.recharts-line-curve')).toHaveCount(1);

  await expect(page.getByRole('table', { name: 'By Mistral model' })).toContainText('mistral-large-latest');
  await expect(page.getByRole('table', { name: 'By client model' })).toContainText('claude-sonnet-4-5');

  // A new request while the dashboard is open updates it without a reload.
  mock.enqueue(text('c', usage(1000, 0)));
  await proxied(stack, { model: 'claude-haiku-4-5' });
  await expect(totals.getByRole('group', { name: 'Requests' })).toContainText('3');
  await expect(page.getByRole('table', { name: 'By client model' })).toContainText('claude-haiku-4-5');

  // Range picker.
  await page.getByRole('radio', { name: 'Today' }).check();
  await expect(page.getByRole('radio', { name: 'Today' })).toBeChecked();
  await expect(totals.getByRole('group', { name: 'Requests' })).toContainText('3');
  // Today is charted per hour; its table counts the requests in their hour.
  const hourly = page.getByRole('figure', { name: /Cost and requests per hour, 24 hours/ });
  await expect(hourly).toBeVisible();
  await page.getByRole('button', { name: 'Show as table' }).click();
  // (Hours from the logged requests themselves, so a test run across an hour boundary still agrees.)
  const logged = await stack.api.invoke('logs.recent', { limit: 10 });
  const h = new Date(logged[0].startedAt).getHours();
  const inHour = logged.filter((e) => new Date(e.startedAt).getHours() === h).length;
  const hourRow = page.getByRole('table', { name: 'Cost and requests per hour' }).getByRole('row', { name: new RegExp(`^${String(h).padStart(2, '0')}:00`) });
  await expect(hourRow.locator('td').first()).toHaveText(String(inHour));
  await page.getByRole('button', { name: 'Show chart' }).click();
  await page.getByRole('radio', { name: '30 days' }).check();
  await expect(chart).toHaveAccessibleName(/30 days/);
  await page.getByRole('radio', { name: '7 days' }).check();
  await expect(chart).toHaveAccessibleName(/7 days/);
  await shot('dashboard');

  // Export CSV: a file with the header row and one line per request.
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
  expect(csv.suggestedFilename()).toMatch(/^ccproxy-usage-\d{4}-\d{2}-\d{2}\.csv$/);
  const lines = readFileSync((await csv.path())!, 'utf8').trim().split(/\r\n/);
  expect(lines[0]).toBe('id,started_at,path,client_model,mistral_model,stream,status,error_type,error_message,stop_reason,input_tokens,output_tokens,cached_tokens,cost_usd,latency_ms,ttft_ms,tool_count,session_id,project,queued_ms,retries,fallback_from,fallback_reason');
  expect(lines).toHaveLength(4);

  const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
  expect(json.suggestedFilename()).toMatch(/\.json$/);
  const entries = JSON.parse(readFileSync((await json.path())!, 'utf8')) as Array<{ clientModel: string }>;
  expect(entries.map((e) => e.clientModel).sort()).toEqual(['claude-haiku-4-5', 'claude-sonnet-4-5', 'claude-sonnet-4-5']);
});

test('the chart has a table view with the same numbers, and no tab stops of its own', async ({ page, stack, mock, openApp }) => {
  mock.enqueue(text('a', { usage: { prompt_tokens: 2000, completion_tokens: 1000, total_tokens: 3000 } }));
  await proxied(stack);
  await openApp('dashboard');
  const chart = page.getByRole('figure', { name: /Cost and requests per day/ });
  await expect(chart.locator('.recharts-wrapper > svg.recharts-surface')).toBeVisible();
  expect(await chart.locator('[tabindex="0"]').count()).toBe(0);
  // By keyboard, Tab from the toggle leaves the chart at once (Recharts' portal layers were tab stops in Chromium).
  await page.getByRole('button', { name: 'Show as table' }).focus();
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement?.closest('figure') === null)).toBe(true);
  await expect(page.getByRole('button', { name: 'Show pacing as table' })).toBeFocused();
  await page.getByRole('button', { name: 'Show as table' }).click();
  const table = page.getByRole('table', { name: 'Cost and requests per day' });
  await expect(table.locator('tbody tr')).toHaveCount(7);
  await expect(table.locator('tbody tr').last()).toContainText('$0.0025');
  await expect(page.getByRole('button', { name: 'Show chart' })).toBeFocused();
});

test('the current session tile: the latest Claude Code session by project, its cost in the chosen currency, requests, tokens; it opens the log filtered to it', async ({ page, stack, mock, openApp, shot }) => {
  await stack.api.invoke('settings.update', { currency: 'EUR', eurPerUsd: 0.5 });
  const cc = (project: string) => ({ system: `You are Claude Code.\n<env>\nWorking directory: ${project}\nIs directory a git repo: Yes\n</env>` });
  // An older, costlier session, then the current one (two requests: 2000 in / 1000 out each = $0.0025 each).
  mock.enqueue(text('a', usage(20000, 10000)), text('b', usage(2000, 1000)), text('c', usage(2000, 1000)));
  await proxied(stack, cc('/home/dev/old-project'), { 'x-claude-code-session-id': 'sess-old' });
  await proxied(stack, cc('/home/dev/payments-api'), { 'x-claude-code-session-id': 'sess-current' });
  await proxied(stack, {}, { 'x-claude-code-session-id': 'sess-current' });
  // A request outside Claude Code does not change the current session.
  await proxied(stack);

  await openApp('dashboard');
  const tile = page.getByRole('region', { name: 'Current session' });
  await expect(tile.getByRole('button', { name: /^payments-api/ })).toBeVisible();
  // $0.0050 at 0.5 EUR per USD.
  await expect(tile.getByRole('definition').first()).toHaveText('€0.0025');
  await expect(tile).toContainText('Requests2');
  await expect(tile).toContainText('Tokens6K');
  await shot('dashboard-current-session');

  await tile.getByRole('button', { name: /^payments-api/ }).click();
  await expect(page.getByRole('tab', { name: /Live log/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('combobox', { name: 'Session' })).toHaveValue('sess-current');
  await expect(page.getByRole('combobox', { name: 'Session' }).locator('option:checked')).toHaveText('payments-api');
  await expect(page.getByRole('table', { name: 'Recent requests' }).locator('tbody tr')).toHaveCount(2);
});

test('pacing: requests paced and time waited in the range, from the ledger, with a table view; the CSV carries the wait', async ({ page, stack, openApp, shot }) => {
  test.setTimeout(45_000);
  // The free tier's 1 request/s: of three at once, two wait their turn (about 1 s and 2 s).
  await stack.api.invoke('settings.update', { pacing: { preset: 'free' } });
  const answers = await Promise.all([proxied(stack), proxied(stack), proxied(stack)]);
  expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
  const logged = await stack.api.invoke('logs.recent', { limit: 10 });
  const waited = logged.reduce((n, e) => n + (e.queuedMs ?? 0), 0);
  const paced = logged.filter((e) => (e.queuedMs ?? 0) > 0).length;
  expect(waited).toBeGreaterThan(1000);
  expect(paced).toBeGreaterThanOrEqual(2);

  await openApp('dashboard');
  const card = page.getByRole('region', { name: 'Rate-limit pacing' });
  await expect(card.getByRole('definition').nth(0)).toHaveText(String(paced));
  await expect(card.getByRole('definition').nth(1)).toHaveText(`${(waited / 1000).toFixed(2)} s`);
  await shot('dashboard-pacing');
  await card.getByRole('button', { name: 'Show pacing as table' }).click();
  const table = card.getByRole('table', { name: 'Pacing in this range' });
  await expect(table.getByRole('row', { name: /Requests paced/ }).getByRole('cell').first()).toHaveText(String(paced));
  await expect(card.getByRole('button', { name: 'Show pacing figures' })).toBeFocused();

  const csv = await stack.api.invoke('usage.export', { format: 'csv', preset: 'today' });
  const [header, ...rows] = parseCsv(csv.content).filter((r) => r.length > 1);
  const queued = rows.map((r) => Number(r[header.indexOf('queued_ms')]));
  expect(queued.filter((q) => q > 0)).toHaveLength(paced);
  expect(queued.reduce((a, b) => a + b, 0)).toBe(waited);
});
