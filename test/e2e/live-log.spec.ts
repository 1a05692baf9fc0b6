import { defaultModels, errorReply, text } from '../mock-mistral/index.js';
import { clippedCosts, expect, proxied, test } from './fixtures.js';

// A model the mock serves but no price table knows: its cost must read "no price", never $0.
const custom = { ...defaultModels()[0], id: 'acme-custom-1', name: 'acme-custom-1', aliases: [] };
test.use({ extraModels: [custom] });

const usage = (prompt: number, completion: number) => ({ usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } });

test('the live log shows recent requests on open and new ones within a second, with models, tokens and cost', async ({ page, stack, mock, openApp, shot }) => {
  // One request before the window opens: it comes from logs.recent.
  mock.enqueue(text('earlier', usage(100, 10)));
  expect((await proxied(stack, { model: 'claude-opus-4-1' })).status).toBe(200);

  await openApp('log');
  const rows = page.getByRole('table', { name: 'Recent requests' }).locator('tbody tr');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('claude-opus-4-1');

  // 2000 in / 1000 out on mistral-large-latest ($0.5 / $1.5 per M) = $0.0025.
  mock.enqueue(text('now', usage(2000, 1000)));
  const sent = Date.now();
  expect((await proxied(stack, { model: 'claude-sonnet-4-5' })).status).toBe(200);
  const row = rows.filter({ hasText: 'claude-sonnet-4-5' });
  await expect(row).toBeVisible({ timeout: 1_000 });
  expect(Date.now() - sent).toBeLessThan(1_000);
  await expect(row).toContainText('mistral-large-latest');
  await expect(row).toContainText('200');
  await expect(row.locator('td').nth(3)).toHaveText('2,000 / 1,000');
  await expect(row.locator('td').nth(5)).toHaveText('$0.0025');
  // Newest first.
  await expect(rows.first()).toContainText('claude-sonnet-4-5');

  // A streamed request: stream yes, and a time to first token.
  expect((await proxied(stack, { model: 'claude-haiku-4-5', stream: true })).status).toBe(200);
  const streamed = rows.filter({ hasText: 'claude-haiku-4-5' });
  await expect(streamed).toBeVisible({ timeout: 1_000 });
  await expect(streamed.locator('td').nth(1)).toContainText('stream');
  await expect(streamed.locator('td').nth(4)).toContainText(/TTFT (\d+ ms|\d+\.\d+ s)/);

  // An upstream error: status and error type.
  mock.enqueue(errorReply(403));
  expect((await proxied(stack, { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'forbidden?' }] })).status).toBe(403);
  const failed = rows.filter({ hasText: 'permission_error' });
  await expect(failed).toBeVisible({ timeout: 1_000 });
  await expect(failed).toContainText('403');

  // An unpriced model: "no price", not $0.
  expect((await proxied(stack, { model: 'acme-custom-1' })).status).toBe(200);
  const unpriced = rows.filter({ hasText: 'acme-custom-1' });
  await expect(unpriced).toBeVisible({ timeout: 1_000 });
  await expect(unpriced.locator('td').nth(5)).toHaveText('no price');

  await expect(rows).toHaveCount(5);
  // Every amount is shown whole (a six-decimal cost once ended in "…" in its column).
  expect(await clippedCosts(page)).toEqual([]);
  await shot('live-log');
});

test('costs follow the chosen currency', async ({ page, stack, mock, openApp }) => {
  await stack.api.invoke('settings.update', { currency: 'EUR', eurPerUsd: 0.5 });
  await openApp('log');
  mock.enqueue(text('now', usage(2000, 1000)));
  await proxied(stack);
  await expect(page.getByRole('table', { name: 'Recent requests' }).locator('tbody tr').first().locator('td').nth(5)).toHaveText('€0.0013');
});

test('at 980 px every column fits; filters, pause and the detail drawer (click or Enter) with cost breakdown, full error and curl', async ({ page, stack, mock, openApp, shot, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.setViewportSize({ width: 980, height: 700 });
  mock.enqueue(text('one', usage(2000, 1000)));
  await proxied(stack, { model: 'claude-sonnet-4-5', stream: true, tools: [{ name: 'Bash', input_schema: { type: 'object', properties: {} } }] }, { 'x-claude-code-session-id': 'sess-alpha-1234' });
  mock.enqueue(errorReply(403));
  await proxied(stack, { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'x' }] }, { 'x-claude-code-session-id': 'sess-beta-5678' });
  mock.enqueue(text('three', usage(10, 5)));
  await proxied(stack, { model: 'claude-opus-4-1' });
  await openApp('log');
  const table = page.getByRole('table', { name: 'Recent requests' });
  const rows = table.locator('tbody tr');
  await expect(rows).toHaveCount(3);

  // Fits: no sideways scroll, and the cost column is inside the window.
  const wrap = page.locator('.table-wrap');
  expect(await wrap.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
  const costBox = await rows.first().locator('td').last().boundingBox();
  expect(costBox!.x + costBox!.width).toBeLessThanOrEqual(980);
  await shot('live-log-980');

  // Filters: errors only, model, session, text.
  await page.getByLabel('Errors only').check();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('permission_error');
  await page.getByLabel('Errors only').uncheck();
  await page.getByRole('combobox', { name: 'Model' }).selectOption('claude-opus-4-1');
  await expect(rows).toHaveCount(1);
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByRole('combobox', { name: 'Session' }).selectOption('sess-alpha-1234');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText('claude-sonnet-4-5');
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByRole('searchbox', { name: 'Search requests' }).fill('zzz-nothing');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveText('No request matches the filters.');
  await page.getByRole('searchbox', { name: 'Search requests' }).fill('haiku');
  await expect(rows).toHaveCount(1);
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(rows).toHaveCount(3);

  // Pause: new requests wait until Resume.
  await page.getByRole('button', { name: 'Pause' }).click();
  mock.enqueue(text('four'));
  await proxied(stack, { model: 'claude-sonnet-4-5' });
  await expect(page.getByRole('button', { name: 'Resume (1 new)' })).toBeVisible();
  await expect(rows).toHaveCount(3);
  await page.getByRole('button', { name: 'Resume (1 new)' }).click();
  await expect(rows).toHaveCount(4);

  // The drawer by keyboard: Enter on the row's button; Escape returns focus to it.
  const failedOpener = rows.filter({ hasText: 'permission_error' }).getByRole('button');
  await failedOpener.focus();
  await page.keyboard.press('Enter');
  const drawer = page.getByRole('dialog', { name: 'Request details' });
  await expect(drawer).toBeVisible();
  await expect(drawer.getByRole('button', { name: 'Close details' })).toBeFocused();
  await expect(drawer).toContainText('claude-haiku-4-5 → mistral-small-latest');
  await expect(drawer.getByRole('group', { name: 'Error' })).toContainText('permission_error:');
  await expect(drawer).toContainText('sess-beta-5678');
  await page.keyboard.press('Escape');
  await expect(drawer).toHaveCount(0);
  await expect(failedOpener).toBeFocused();

  // By click: the streamed request with tools, timings, tokens and the cost's parts; curl without the key.
  await rows.filter({ hasText: 'claude-sonnet-4-5' }).filter({ hasText: '2,000' }).locator('td').first().click();
  await expect(drawer).toContainText(/req_ccproxy_[0-9a-f]{24}/);
  await expect(drawer).toContainText('end_turn');
  await expect(drawer).toContainText('streaming');
  await expect(drawer.locator('dd').nth(5)).toHaveText('1');
  await expect(drawer).toContainText('2,000 in · 1,000 out · 0 cached');
  await expect(drawer).toContainText(/first token \d/);
  const parts = drawer.getByRole('table', { name: 'Cost breakdown' });
  await expect(parts.getByRole('row', { name: /Input/ }).first()).toContainText('$0.001');
  await expect(parts.getByRole('row', { name: /Output/ })).toContainText('$0.0015');
  await shot('live-log-drawer');
  await drawer.getByRole('button', { name: 'Copy as curl' }).click();
  const curl = await page.evaluate(() => navigator.clipboard.readText());
  expect(curl).toContain(`curl '${stack.url}/v1/messages'`);
  expect(curl).toContain('"model":"claude-sonnet-4-5"');
  expect(curl).not.toContain(mock.apiKey);
  expect(await page.content()).not.toContain(mock.apiKey);
});

test('a session on the dashboard opens the log filtered to it', async ({ page, stack, mock, openApp }) => {
  mock.enqueue(text('a'), text('b'), text('c'));
  await proxied(stack, { system: 'You are Claude Code.\nWorking directory: /home/dev/shop-api\n' }, { 'x-claude-code-session-id': 'sess-one-aaaa' });
  await proxied(stack, {}, { 'x-claude-code-session-id': 'sess-two-bbbb' });
  await proxied(stack, {}, { 'x-claude-code-session-id': 'sess-two-bbbb' });
  await openApp('dashboard');
  // Named by its project (the working directory's folder), the other by its first prompt.
  const top = page.getByRole('table', { name: 'Top sessions' });
  await expect(top.getByRole('button', { name: /sess-one-aaaa/ })).toHaveText('shop-api');
  await expect(top.getByRole('button', { name: /sess-two-bbbb/ })).toHaveText('hello');
  await page.getByRole('button', { name: 'Open the log for session sess-one-aaaa' }).click();
  await expect(page.getByRole('tab', { name: /Live log/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('combobox', { name: 'Session' })).toHaveValue('sess-one-aaaa');
  await expect(page.getByRole('table', { name: 'Recent requests' }).locator('tbody tr')).toHaveCount(1);
});

test('requests loaded from the ledger (logs.recent) name their session by project, in the row, the session filter and the drawer', async ({ page, stack, mock, openApp }) => {
  const system = 'You are Claude Code.\n<env>\nWorking directory: /home/dev/inventory-service\nIs directory a git repo: Yes\n</env>';
  mock.enqueue(text('a'), text('b'));
  await proxied(stack, { system }, { 'x-claude-code-session-id': 'sess-from-ledger' });
  // The session's later requests do not repeat it: the name comes from the ledger's session record.
  await proxied(stack, {}, { 'x-claude-code-session-id': 'sess-from-ledger' });
  const recent = await stack.api.invoke('logs.recent', { limit: 10 });
  expect(recent.map((e) => e.project)).toEqual(['/home/dev/inventory-service', '/home/dev/inventory-service']);

  await openApp('log');
  const rows = page.getByRole('table', { name: 'Recent requests' }).locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('inventory-service');
  await expect(page.getByRole('combobox', { name: 'Session' }).locator('option', { hasText: 'inventory-service' })).toHaveCount(1);
  await rows.first().getByRole('button', { name: /Show details|claude/ }).first().click();
  await expect(page.getByRole('dialog', { name: 'Request details' })).toContainText('/home/dev/inventory-service');
});
