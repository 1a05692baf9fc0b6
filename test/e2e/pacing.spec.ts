import { expect, proxied, test } from './fixtures.js';

// While requests wait for their turn within Mistral's rate limit, the header says so, and the pill goes away once
// the queue has drained (every request then answered, none refused).

test('the header shows "Pacing: n waiting" while requests queue at 1 request/s, then clears', async ({ page, stack, openApp, shot }) => {
  await stack.api.invoke('settings.update', { pacing: { preset: 'free' } });
  await openApp();
  const header = page.getByRole('region', { name: 'Proxy status' });
  await expect(header).not.toContainText('Pacing:');

  const burst = Promise.all(Array.from({ length: 5 }, () => proxied(stack)));
  await expect(header.getByText(/Pacing: [1-4] waiting/)).toBeVisible({ timeout: 4_000 });
  await shot('header-pacing');
  const answers = await burst;
  expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  await expect(header).not.toContainText('Pacing:', { timeout: 5_000 });
});
