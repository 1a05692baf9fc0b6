import { errorReply, text } from '../mock-mistral/index.js';
import { expect, proxied, test } from './fixtures.js';

// The header's health follows real outcomes: the key test run when a key is saved, the last upstream answer, and
// the budget; each state names its fix, and the fix button leads there.

test.describe('first run', () => {
  test.use({ keySource: 'none' });

  test('Needs key → (wrong key saved) Key rejected → (right key) Ready; the action focuses the key field', async ({ page, mock, openApp, shot }) => {
    await openApp('dashboard');
    const status = page.getByRole('region', { name: 'Proxy status' });
    await expect(status).toContainText('Needs key');
    await expect(status).toContainText('No Mistral API key is set');
    await shot('health-needs-key');
    await status.getByRole('button', { name: 'Add API key' }).click();
    const key = page.getByRole('textbox', { name: 'Mistral API key' });
    await expect(key).toBeFocused();

    await key.fill('sk-wrong-key-0000');
    await page.getByRole('button', { name: 'Save key' }).click();
    await expect(status).toContainText('Key rejected');
    await expect(status.getByRole('button', { name: 'Replace key' })).toBeVisible();
    await shot('health-key-rejected');

    await key.fill(mock.apiKey);
    await page.getByRole('button', { name: 'Save key' }).click();
    await expect(status).toContainText('Ready');
    await expect(status).not.toContainText('Key rejected');
    expect(await page.content()).not.toContain(mock.apiKey);
  });
});

test('a real 401 from Mistral turns the header to Key rejected; the next good answer back to Ready', async ({ page, stack, mock, openApp }) => {
  await openApp('log');
  const status = page.getByRole('region', { name: 'Proxy status' });
  await expect(status.locator('[data-health]')).toHaveText('Ready');
  mock.enqueue(errorReply(401));
  expect((await proxied(stack)).status).toBe(401);
  await expect(status).toContainText('Key rejected');
  mock.enqueue(text('fine'));
  expect((await proxied(stack)).status).toBe(200);
  await expect(status.locator('[data-health]')).toHaveText('Ready');
});

test('an unreachable Mistral says so (key test on save), and Try again re-checks', async ({ page, stack, mock, openApp, shot }) => {
  await openApp('dashboard');
  const status = page.getByRole('region', { name: 'Proxy status' });
  await stack.api.invoke('settings.update', { baseUrl: 'http://127.0.0.1:9/v1' });
  await expect(status).toContainText('Mistral unreachable');
  await shot('health-unreachable');
  // A real request confirms it (the proxy answers 502 naming the cause).
  expect((await proxied(stack)).status).toBe(502);
  await expect(status).toContainText('Mistral unreachable');
  // Try again runs a key test against the same (still dead) address: still unreachable, focus stays put.
  const again = status.getByRole('button', { name: 'Try again' });
  await again.click();
  await expect(again).toBeEnabled();
  await expect(status).toContainText('Mistral unreachable');
  await stack.api.invoke('settings.update', { baseUrl: mock.url });
  await expect(status.locator('[data-health]')).toHaveText('Ready');
});

test('Paused by budget while requests are refused; "Raise limit…" opens the daily budget field', async ({ page, stack, mock, openApp, shot }) => {
  await stack.api.invoke('settings.update', { pricingOverrides: { 'mistral-large-latest': { input: 1_000_000, output: 0 } }, budgets: { dailyUsd: 10, refuseOverLimit: true } });
  await openApp('dashboard');
  const status = page.getByRole('region', { name: 'Proxy status' });
  mock.enqueue(text('a', { usage: { prompt_tokens: 20, completion_tokens: 1, total_tokens: 21 } }));
  await proxied(stack);
  await expect(status).toContainText('Paused by budget');
  expect((await proxied(stack)).status).toBe(402);
  // The dashboard follows (it refreshes on finished requests); the header alone says "paused", no banner repeats it.
  await expect(page.getByRole('region', { name: 'Budgets' })).toContainText('$20.00 of $10.00');
  await expect(page.getByRole('alert').filter({ hasText: 'budget' })).toHaveCount(0);
  await shot('health-paused-by-budget');
  await status.getByRole('button', { name: 'Raise limit…' }).click();
  await expect(page.getByLabel('Daily budget (USD)')).toBeFocused();
  // Raising the limit lifts the pause at once.
  await stack.api.invoke('settings.update', { budgets: { dailyUsd: 1000 } });
  await expect(status.locator('[data-health]')).toHaveText('Ready');
});

test.describe('a stored key the core cannot decrypt', () => {
  // Sealed by a desktop build's OS keychain; headless has no keychain to open it with.
  test.use({ keySource: 'none', settingsFile: { apiKey: { encrypted: true, value: 'c2VhbGVkLWJ5LWtleWNoYWlu', last4: 'Q7z4' } } });

  test('says the stored key could not be read and why, not a generic "Needs key"; Re-enter key fixes it', async ({ page, mock, openApp, shot }) => {
    await openApp('dashboard');
    const status = page.getByRole('region', { name: 'Proxy status' });
    await expect(status.locator('[data-health]')).toHaveText('Stored key unreadable');
    await expect(status).toContainText('The stored API key is encrypted, but the OS secret storage is not available now');
    await expect(status).toContainText('enter the key again in Settings');
    await shot('health-key-unreadable');
    await status.getByRole('button', { name: 'Re-enter key' }).click();
    const key = page.getByRole('textbox', { name: 'Mistral API key' });
    await expect(key).toBeFocused();
    // The key card agrees: the key is saved but cannot be read.
    await expect(page.getByRole('status', { name: 'API key status' })).toHaveText('Saved, but it cannot be read');
    await expect(key).toHaveAccessibleDescription(/OS secret storage is not available/);
    await shot('settings-key-unreadable');
    await key.fill(mock.apiKey);
    await page.getByRole('button', { name: 'Save key' }).click();
    await expect(status.locator('[data-health]')).toHaveText('Ready');
    await expect(page.getByRole('status', { name: 'API key status' })).toHaveText(`Set, ends in …${mock.apiKey.slice(-4)}`);
  });
});
