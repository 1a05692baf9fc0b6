import { text } from '../mock-mistral/index.js';
import { chats, expect, proxied, test } from './fixtures.js';

test.describe('first run, no key', () => {
  test.use({ keySource: 'none' });

  test('enter a key, save: the view shows only its last 4 characters, never the key; test it; remove it', async ({ page, stack, mock, openApp, shot }) => {
    await openApp();
    // Without a key the app opens on Settings.
    await expect(page.getByRole('tab', { name: 'Settings' })).toHaveAttribute('aria-selected', 'true');
    const keyStatus = page.getByRole('status', { name: 'API key status' });
    await expect(keyStatus).toHaveText('Not set');
    // The proxy refuses until a key is set.
    expect((await proxied(stack)).status).toBe(401);

    // A wrong key tested before saving: "bad key", and nothing is stored.
    await page.getByLabel('Mistral API key').fill('wrong-key-0000');
    await page.getByRole('button', { name: 'Test key' }).click();
    await expect(page.getByRole('status', { name: 'Key test result' })).toContainText('Bad key');
    await expect(keyStatus).toHaveText('Not set');

    // Keyboard focus stays on the pressed button while it works (it is never disabled under the user's focus).
    await expect(page.getByRole('button', { name: 'Test key' })).toBeFocused();

    await page.getByLabel('Mistral API key').fill(mock.apiKey);
    await page.getByRole('button', { name: 'Save key' }).click();
    await expect(keyStatus).toHaveText(`Set, ends in …${mock.apiKey.slice(-4)}`);
    await expect(page.getByRole('button', { name: 'Save key' })).toBeFocused();
    await expect(page.getByLabel('Mistral API key')).toHaveValue('');
    expect(await page.content()).not.toContain(mock.apiKey);

    // "Test key" with nothing typed tests the stored key.
    await page.getByRole('button', { name: 'Test key' }).click();
    await expect(page.getByRole('status', { name: 'Key test result' })).toContainText('Key OK');
    expect(await page.content()).not.toContain(mock.apiKey);
    await shot('settings');

    // The key works at once.
    expect((await proxied(stack)).status).toBe(200);
    expect(chats(mock).at(-1)!.headers.authorization).toBe(`Bearer ${mock.apiKey}`);

    await page.getByRole('button', { name: 'Remove key' }).click();
    await expect(keyStatus).toHaveText('Not set');
    // Remove key is unavailable now: focus moves to where the next key is entered, not to the page.
    await expect(page.getByLabel('Mistral API key')).toBeFocused();
    expect((await proxied(stack)).status).toBe(401);
  });
});

test('the default model picked in the list is what the next proxied request uses upstream', async ({ page, stack, mock, openApp }) => {
  await openApp('settings');
  const picker = page.getByLabel('Default model');
  await expect(picker).toHaveValue('mistral-large-latest');
  // Populated from models.list, with capability badges.
  await expect(picker.locator('option[value="devstral-2512"]')).toHaveCount(1);
  // Grouped (dated snapshots apart), each option with its context size and price per 1M tokens.
  await expect(picker.locator('optgroup[label="Dated snapshots"] option[value="devstral-2512"]')).toHaveCount(1);
  await expect(picker.locator('optgroup[label="Recommended"] option').first()).toHaveText(/^mistral-large-latest · \d+k · \$\d+\.\d+\/\$\d+\.\d+$/);
  await picker.selectOption('devstral-2512');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Saved ✓ Changes apply to the next request.')).toBeVisible();
  await expect(page.locator('.field', { has: page.getByLabel('Default model') }).locator('.source')).toHaveText('stored');
  expect((await stack.api.invoke('settings.get', undefined)).settings.defaultModel).toBe('devstral-2512');

  expect((await proxied(stack, { model: 'claude-sonnet-4-5' })).status).toBe(200);
  expect((chats(mock).at(-1)!.body as { model: string }).model).toBe('devstral-2512');
  // The sonnet tier follows the default model until one is picked.
  await expect(page.getByLabel('Sonnet model').locator('option:checked')).toHaveText('Same as default model (devstral-2512)');

  // A tier mapping: haiku → codestral.
  await page.getByLabel('Haiku model').selectOption('codestral-2508');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Saved ✓')).toBeVisible();
  expect((await proxied(stack, { model: 'claude-haiku-4-5' })).status).toBe(200);
  expect((chats(mock).at(-1)!.body as { model: string }).model).toBe('codestral-2508');
});

test('invalid values: the core\'s validation errors show next to the fields and nothing is saved', async ({ page, stack, mock, openApp, shot }) => {
  await openApp('settings');
  await page.getByLabel('Max tokens').fill('0');
  await page.getByLabel('Base URL').fill('not a url');
  await page.getByRole('button', { name: 'Save settings' }).click();

  const summary = page.locator('.save-bar').getByRole('alert');
  // Readable: the fields' labels, not the core's setting paths; focus moves to the first invalid field.
  await expect(summary).toContainText('Max tokens must be a whole number from 1 to 1000000 (got 0)');
  await expect(summary).toContainText('Base URL must be an http(s) URL');
  await expect(summary).not.toContainText('maxTokens');
  await expect(page.getByLabel('Base URL')).toBeFocused();
  await expect(page.getByLabel('Max tokens')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Max tokens')).toHaveAccessibleDescription(/must be a whole number from 1 to 1000000/);
  await expect(page.getByLabel('Base URL')).toHaveAccessibleDescription(/must be an http\(s\) URL/);
  await shot('settings-validation');
  const view = await stack.api.invoke('settings.get', undefined);
  expect(view.settings.maxTokens).toBe(16384);
  expect(view.settings.baseUrl).toBe(mock.url);

  // Fixing them saves.
  await page.getByLabel('Max tokens').fill('4096');
  await page.getByLabel('Base URL').fill(mock.url);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Saved ✓')).toBeVisible();
  // Focus stays on the pressed button (it is never disabled under the user's focus).
  await expect(page.getByRole('button', { name: 'Save settings' })).toBeFocused();
  await expect(page.getByLabel('Max tokens')).not.toHaveAttribute('aria-invalid', 'true');
  expect((await stack.api.invoke('settings.get', undefined)).settings.maxTokens).toBe(4096);
});

test('env-sourced settings are read-only and say which variable sets them; sources are shown', async ({ page, openApp }) => {
  await openApp('settings');
  // The fixture starts the core with CCPROXY_PORT=0 (an ephemeral port) in its environment.
  await expect(page.getByLabel('Port', { exact: true })).toBeDisabled();
  await expect(page.getByText('Set by CCPROXY_PORT; unset it to edit here.')).toBeVisible();
  await expect(page.getByLabel('Max tokens')).toBeEnabled();
  // Base URL and the key were stored before start; the rest are defaults.
  await expect(page.locator('.field', { has: page.getByLabel('Base URL') }).locator('.source')).toHaveText('stored');
  await expect(page.locator('.field', { has: page.getByLabel('Max tokens') }).locator('.source')).toHaveText('default');
  await expect(page.locator('.field', { has: page.getByLabel('Port', { exact: true }) }).locator('.source')).toHaveText('env');
});

test('budgets: a monthly limit under the daily one is flagged; a blank-vs-null error reads as words', async ({ page, openApp }) => {
  await openApp('settings');
  await page.getByLabel('Daily budget (USD)').fill('10');
  await page.getByLabel('Monthly budget (USD)').fill('5');
  await expect(page.getByLabel('Monthly budget (USD)')).toHaveAccessibleDescription(/Lower than the daily budget/);
  await page.getByLabel('Daily budget (USD)').fill('-3');
  await page.getByRole('button', { name: 'Save settings' }).click();
  const summary = page.locator('.save-bar').getByRole('alert');
  await expect(summary).toContainText('Daily budget');
  await expect(summary).not.toContainText('budgets.dailyUsd');
  await expect(summary).not.toContainText('null');
  await expect(page.getByLabel('Daily budget (USD)')).toBeFocused();
});

test('model picker: search narrows the list, the selection shows context, capabilities and price; Sonnet can be "Same as default model"', async ({ page, stack, mock, openApp, shot }) => {
  await openApp('settings');
  const picker = page.getByLabel('Default model');
  const search = page.locator('.field', { has: picker }).getByRole('searchbox', { name: 'Search the model list' });
  await search.fill('codestral');
  await expect(page.locator('.field', { has: picker }).getByRole('status')).toContainText(/\d+ models? match/);
  const ids = await picker.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(ids.filter((id) => id !== 'mistral-large-latest').every((id) => id.includes('codestral'))).toBe(true);
  await picker.selectOption('codestral-latest');
  await expect(page.locator('.field', { has: picker }).locator('.badges')).toContainText(/context/);
  await expect(page.locator('.field', { has: picker }).locator('.badges')).toContainText(/per 1M/);
  await shot('settings-model-picker');

  // Sonnet says it follows the default model, and moves with it.
  const sonnet = page.getByLabel('Sonnet model');
  await expect(sonnet.locator('option:checked')).toHaveText('Same as default model (codestral-latest)');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Saved ✓')).toBeVisible();
  mock.enqueue(text('ok'));
  expect((await proxied(stack, { model: 'claude-sonnet-4-5' })).status).toBe(200);
  expect((chats(mock).at(-1)!.body as { model: string }).model).toBe('codestral-latest');
  // Still following (not pinned): a later default change through the API carries the Sonnet tier along.
  await stack.api.invoke('settings.update', { defaultModel: 'mistral-medium-latest' });
  expect((await stack.api.invoke('settings.get', undefined)).settings.tiers.sonnet).toBe('mistral-medium-latest');
});

test('tier mapping: a source badge per tier; "Same as default model" un-pins a pinned Sonnet tier, which then follows the default', async ({ page, stack, mock, openApp, shot }) => {
  await openApp('settings');
  const badge = (tier: string) => page.locator('.field', { has: page.getByLabel(`${tier} model`, { exact: true }) }).locator('.source');
  await expect(badge('Haiku')).toHaveText('default');
  await expect(badge('Sonnet')).toHaveText('default');
  await expect(badge('Opus')).toHaveText('default');

  // Pin Sonnet to codestral: only its badge turns "stored".
  await page.getByLabel('Sonnet model').selectOption('codestral-latest');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Saved ✓')).toBeVisible();
  await expect(badge('Sonnet')).toHaveText('stored');
  await expect(badge('Haiku')).toHaveText('default');
  await expect(badge('Opus')).toHaveText('default');
  await shot('settings-tiers-pinned');
  // Pinned: a new default model does not move it.
  await page.getByLabel('Default model').selectOption('mistral-medium-latest');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Saved ✓')).toBeVisible();
  await expect(page.getByLabel('Sonnet model')).toHaveValue('codestral-latest');

  // "Same as default model" really un-pins it: stored setting gone, Sonnet requests go to the default model.
  await page.getByLabel('Sonnet model').selectOption({ label: 'Same as default model (mistral-medium-latest)' });
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Saved ✓')).toBeVisible();
  await expect(badge('Sonnet')).toHaveText('default');
  await expect(page.getByLabel('Sonnet model').locator('option:checked')).toHaveText('Same as default model (mistral-medium-latest)');
  const view = await stack.api.invoke('settings.get', undefined);
  expect(view.tierSources.sonnet).toBe('default');
  mock.enqueue(text('ok'));
  expect((await proxied(stack, { model: 'claude-sonnet-4-5' })).status).toBe(200);
  expect((chats(mock).at(-1)!.body as { model: string }).model).toBe('mistral-medium-latest');
  // And it follows the next default.
  await page.getByLabel('Default model').selectOption('devstral-2512');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Saved ✓')).toBeVisible();
  expect((await stack.api.invoke('settings.get', undefined)).settings.tiers.sonnet).toBe('devstral-2512');
});

test.describe('a tier set by the environment', () => {
  test.use({ coreEnv: { CCPROXY_OPUS_MODEL: 'magistral-medium-latest' } });
  test('only that tier says env and is read-only, naming its variable; the others stay editable', async ({ page, openApp }) => {
    await openApp('settings');
    const field = (tier: string) => page.locator('.field', { has: page.getByLabel(`${tier} model`, { exact: true }) });
    await expect(field('Opus').locator('.source')).toHaveText('env');
    await expect(page.getByLabel('Opus model', { exact: true })).toBeDisabled();
    await expect(field('Opus')).toContainText('Set by CCPROXY_OPUS_MODEL; unset it to edit here.');
    await expect(field('Haiku').locator('.source')).toHaveText('default');
    await expect(page.getByLabel('Haiku model', { exact: true })).toBeEnabled();
    await expect(field('Sonnet').locator('.source')).toHaveText('default');
  });
});
