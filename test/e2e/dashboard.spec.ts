import { readFileSync } from 'node:fs';
import { text } from '../mock-mistral/index.js';
import { expect, proxied, test } from './fixtures.js';

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
  expect(lines[0]).toBe('id,started_at,path,client_model,mistral_model,stream,status,error_type,error_message,stop_reason,input_tokens,output_tokens,cached_tokens,cost_usd,latency_ms,ttft_ms,tool_count,session_id');
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
  await page.getByRole('button', { name: 'Show as table' }).click();
  const table = page.getByRole('table', { name: 'Cost and requests per day' });
  await expect(table.locator('tbody tr')).toHaveCount(7);
  await expect(table.locator('tbody tr').last()).toContainText('$0.0025');
  await expect(page.getByRole('button', { name: 'Show chart' })).toBeFocused();
});
