import { defaultModels, errorReply, text } from '../mock-mistral/index.js';
import { expect, proxied, test } from './fixtures.js';

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
  await expect(row.locator('td').nth(4)).toHaveText('2,000');
  await expect(row.locator('td').nth(5)).toHaveText('1,000');
  await expect(row.locator('td').nth(9)).toHaveText('$0.0025');
  // Newest first.
  await expect(rows.first()).toContainText('claude-sonnet-4-5');

  // A streamed request: stream yes, and a time to first token.
  expect((await proxied(stack, { model: 'claude-haiku-4-5', stream: true })).status).toBe(200);
  const streamed = rows.filter({ hasText: 'claude-haiku-4-5' });
  await expect(streamed).toBeVisible({ timeout: 1_000 });
  await expect(streamed.locator('td').nth(2)).toHaveText('yes');
  await expect(streamed.locator('td').nth(8)).toHaveText(/\d+ ms|\d+\.\d+ s/);

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
  await expect(unpriced.locator('td').nth(9)).toHaveText('no price');

  await expect(rows).toHaveCount(5);
  await shot('live-log');
});

test('costs follow the chosen currency', async ({ page, stack, mock, openApp }) => {
  await stack.api.invoke('settings.update', { currency: 'EUR', eurPerUsd: 0.5 });
  await openApp('log');
  mock.enqueue(text('now', usage(2000, 1000)));
  await proxied(stack);
  await expect(page.getByRole('table', { name: 'Recent requests' }).locator('tbody tr').first().locator('td').nth(9)).toHaveText('€0.0013');
});
