import { text } from '../mock-mistral/index.js';
import { expect, proxied, test } from './fixtures.js';

test('a budget set in Settings warns with a banner when spend crosses 80%, and the dashboard shows the bar', async ({ page, stack, mock, openApp, shot }) => {
  await openApp('settings');
  // A price override makes one input token cost $1 (1,000,000 USD per million tokens), so spend is easy to steer.
  await page.getByRole('button', { name: 'Add price override' }).click();
  await page.getByLabel('Override 1 model').fill('mistral-large-latest');
  await page.getByLabel('Override 1 input price').fill('1000000');
  await page.getByLabel('Override 1 output price').fill('0');
  await page.getByLabel('Daily budget (USD)').fill('100');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Saved ✓')).toBeVisible();
  const saved = (await stack.api.invoke('settings.get', undefined)).settings;
  expect(saved.budgets.dailyUsd).toBe(100);
  expect(saved.pricingOverrides['mistral-large-latest']).toEqual({ input: 1_000_000, output: 0 });
  await expect(page.getByRole('alert')).toHaveCount(0);

  // $50: under 80%, no banner.
  mock.enqueue(text('a', { usage: { prompt_tokens: 50, completion_tokens: 1, total_tokens: 51 } }));
  await proxied(stack);
  await page.getByRole('tab', { name: 'Dashboard' }).click();
  const bar = page.getByRole('progressbar', { name: 'Daily budget' });
  await expect(bar).toHaveAttribute('aria-valuenow', '50');
  await expect(page.getByRole('alert')).toHaveCount(0);

  // +$35 = $85: the core emits budget.warning and the banner appears at once.
  mock.enqueue(text('b', { usage: { prompt_tokens: 35, completion_tokens: 1, total_tokens: 36 } }));
  await proxied(stack);
  const banner = page.getByRole('alert').filter({ hasText: 'Daily budget warning' });
  await expect(banner).toBeVisible();
  await expect(banner).toContainText('85% used ($85.00 of $100.00)');
  await expect(bar).toHaveAttribute('aria-valuenow', '85');
  await shot('budget-warning');

  // The banner is app-wide and survives switching tabs; it can be dismissed.
  await page.getByRole('tab', { name: 'Live log' }).click();
  await expect(banner).toBeVisible();
  await page.getByRole('button', { name: 'Dismiss daily budget warning' }).click();
  await expect(banner).toHaveCount(0);
});

test('a budget already past 80% when the window opens shows the banner too', async ({ page, stack, mock, openApp }) => {
  await stack.api.invoke('settings.update', { pricingOverrides: { 'mistral-large-latest': { input: 1_000_000, output: 0 } }, budgets: { dailyUsd: 100, refuseOverLimit: true } });
  mock.enqueue(text('a', { usage: { prompt_tokens: 120, completion_tokens: 1, total_tokens: 121 } }));
  await proxied(stack);
  await openApp();
  // Refusing: the status header says so (with its Raise limit…), not a banner as well; the Budgets panel has the amounts.
  await expect(page.getByRole('region', { name: 'Proxy status' })).toContainText('Paused by budget');
  await expect(page.getByRole('region', { name: 'Budgets' })).toContainText('$120.00 of $100.00');
  await expect(page.getByRole('alert').filter({ hasText: 'Daily budget' })).toHaveCount(0);
  // Refusal is the core's job: the next request is a 402.
  expect((await proxied(stack)).status).toBe(402);
});

test('the banner speaks the chosen currency, "Raise limit…" opens the field, and a dismissal survives a reload', async ({ page, stack, mock, openApp }) => {
  await stack.api.invoke('settings.update', { currency: 'EUR', eurPerUsd: 0.5, pricingOverrides: { 'mistral-large-latest': { input: 1_000_000, output: 0 } }, budgets: { dailyUsd: 100 } });
  mock.enqueue(text('a', { usage: { prompt_tokens: 90, completion_tokens: 1, total_tokens: 91 } }));
  await proxied(stack);
  await openApp('log');
  const banner = page.getByRole('alert').filter({ hasText: 'Daily budget warning' });
  await expect(banner).toContainText('90% used (€45.00 of €50.00)');
  // The dashboard's budget bars too.
  await page.getByRole('tab', { name: 'Dashboard' }).click();
  await expect(page.locator('.budget', { has: page.getByRole('progressbar', { name: 'Daily budget' }) })).toContainText('€45.00 of €50.00 · 90%');
  await banner.getByRole('button', { name: 'Raise limit…' }).click();
  await expect(page.getByLabel('Daily budget (USD)')).toBeFocused();
  // The limit is kept in USD; with costs in EUR the field says what it is in euros, and follows edits.
  await expect(page.getByLabel('Daily budget (USD)')).toHaveAccessibleDescription(/≈ €50\.00 at your rate/);
  await page.getByLabel('Daily budget (USD)').fill('120');
  await expect(page.getByLabel('Daily budget (USD)')).toHaveAccessibleDescription(/≈ €60\.00 at your rate/);
  await page.getByRole('button', { name: 'Dismiss daily budget warning' }).click();
  await expect(banner).toHaveCount(0);
  await page.reload();
  await expect(page.getByRole('heading', { name: 'CCProxy', level: 1 })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Proxy status' })).toContainText('Ready');
  await expect(banner).toHaveCount(0);
});
