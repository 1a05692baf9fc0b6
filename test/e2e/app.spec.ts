import { expect, test } from './fixtures.js';

// `npm run headless -- --ui` as a user runs it, with the key and base URL from the environment.
test.use({ keySource: 'env' });

test('401 without the token; the tokened URL opens the app; env-set key and URL are read-only; no Stop in headless mode (it would cut off the page)', async ({ page, stack, mock, shot }) => {
  const denied = await page.goto(`${stack.url}/ui/`);
  expect(denied!.status()).toBe(401);
  await expect(page.getByRole('heading', { name: 'CCProxy' })).toHaveCount(0);

  const opened = await page.goto(`${stack.url}/ui/?token=${stack.token}`);
  expect(opened!.status()).toBe(200);
  expect(new URL(page.url()).pathname).toBe('/ui/'); // the token is not left in the address bar
  await expect(page.getByRole('heading', { name: 'CCProxy', level: 1 })).toBeVisible();
  const status = page.getByRole('region', { name: 'Proxy status' });
  await expect(status).toContainText('Ready');
  await expect(status).toContainText(stack.url);
  await expect(page.getByText('v0.1.0')).toBeVisible();

  await page.getByRole('tab', { name: 'Settings' }).click();
  await expect(page.getByRole('status', { name: 'API key status' })).toHaveText(`Set, ends in …${mock.apiKey.slice(-4)}`);
  await expect(page.getByText('Set by MISTRAL_API_KEY')).toBeVisible();
  await expect(page.getByRole('textbox', { name: 'Mistral API key' })).toBeHidden();
  await expect(page.getByLabel('Base URL')).toBeDisabled();
  await expect(page.getByText('Set by MISTRAL_BASE_URL')).toBeVisible();
  await page.getByRole('tabpanel', { name: 'Settings' }).getByRole('button', { name: 'Test key' }).click();
  await expect(page.getByRole('status', { name: 'Key test result' })).toContainText('Key OK');
  // The header hears of the test too: the key is no longer "not checked".
  await expect(status).not.toContainText('not been checked');
  expect(await page.content()).not.toContain(mock.apiKey);

  // Over the HTTP bridge the proxy serves this very page (proxy.stop is refused there), so no Stop is offered.
  await expect(page.getByRole('button', { name: 'Stop', exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Start', exact: true })).toHaveCount(0);
  // Start at login registers the desktop app with the OS: nothing headless could do.
  await expect(page.getByRole('switch', { name: 'Start at login' })).toHaveCount(0);
  await expect(page.getByLabel('Host')).toBeVisible();
  await expect(status).toContainText('Ready');
  await shot('header-headless');
});
