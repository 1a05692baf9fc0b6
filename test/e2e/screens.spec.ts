import { text } from '../mock-mistral/index.js';
import { expect, proxied, test } from './fixtures.js';

// Screenshots of every tab with some data, in the dark theme (the other specs cover the light one), for review.
test.use({ colorScheme: 'dark' });

test('dark theme: every tab renders with data', async ({ page, stack, mock, openApp, shot }) => {
  await stack.api.invoke('settings.update', { budgets: { dailyUsd: 0.01, monthlyUsd: 1 } });
  const usage = (p: number, c: number) => ({ usage: { prompt_tokens: p, completion_tokens: c, total_tokens: p + c } });
  mock.enqueue(text('a', usage(4000, 800)), text('b', usage(1500, 300)));
  await proxied(stack, { model: 'claude-sonnet-4-5' }, { 'x-claude-code-session-id': 'dark-session' });
  await proxied(stack, { model: 'claude-opus-4-1', stream: true }, { 'x-claude-code-session-id': 'dark-session' });
  await openApp('dashboard');
  await expect(page.getByRole('group', { name: 'Requests' })).toContainText('2');
  await shot('dark-dashboard');
  await page.getByRole('tab', { name: 'Live log' }).click();
  await expect(page.getByRole('table', { name: 'Recent requests' }).locator('tbody tr')).toHaveCount(2);
  await shot('dark-live-log');
  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Add price override' }).click();
  await page.getByText(/Prices in use/).click();
  await shot('dark-settings');
});
