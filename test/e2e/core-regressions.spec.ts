import { expect, test } from './fixtures.js';

// Regression: app/proxy/upstream-models.ts used to fetch Mistral's /models with `AbortSignal.timeout(10_000)` on a got stream. The
// abort listener outlives the finished request, so 10 s later got destroys the stream with a TimeoutError that
// nobody listens for: an uncaught exception that kills the headless process (exit 1). Opening Settings (models.list)
// or any GET /v1/models triggers it.
test('the headless core is still up 11 s after the Settings tab listed the models', async ({ page, stack, openApp }) => {
  test.setTimeout(40_000);
  await openApp('settings');
  await expect(page.getByLabel('Default model').locator('option[value="devstral-2512"]')).toHaveCount(1);
  await page.waitForTimeout(11_000);
  const health = await fetch(`${stack.url}/health`).catch((err: Error) => err);
  expect(health instanceof Response ? health.status : String(health)).toBe(200);
});
