import { text } from '../mock-mistral/index.js';
import { expect, proxied, test } from './fixtures.js';

// The UI over HTTP is served with a Content-Security-Policy (same-origin only) and Referrer-Policy: no-referrer,
// and the built UI works under it: every tab renders with data (charts included) and Chromium reports no CSP
// violation, neither as a console message nor as a securitypolicyviolation event.

test('the UI is served with CSP and Referrer-Policy, and runs without a single CSP violation', async ({ page, stack, mock, openApp }) => {
  const violations: string[] = [];
  page.on('console', (msg) => {
    if (/Content[- ]Security[- ]Policy|Refused to (load|apply|execute|connect)/i.test(msg.text())) violations.push(msg.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Content-Security-Policy violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const documents: Record<string, string>[] = [];
  page.on('response', (res) => {
    if (res.request().resourceType() === 'document') documents.push(res.headers());
  });

  const usage = (p: number, c: number) => ({ usage: { prompt_tokens: p, completion_tokens: c, total_tokens: p + c } });
  mock.enqueue(text('a', usage(4000, 800)), text('b', usage(1500, 300)));
  await proxied(stack, { model: 'claude-sonnet-4-5' });
  await proxied(stack, { model: 'claude-opus-4-1', stream: true });

  await openApp('dashboard');
  await expect(page.getByRole('group', { name: 'Requests' })).toContainText('2');
  await expect(page.locator('svg.recharts-surface').first()).toBeVisible();
  await page.getByRole('tab', { name: 'Live log' }).click();
  await expect(page.getByRole('table', { name: 'Recent requests' }).locator('tbody tr')).toHaveCount(2);
  // A live event arrives over the EventSource (connect-src) while the page is open.
  mock.enqueue(text('c', usage(10, 5)));
  await proxied(stack, { model: 'claude-haiku-4-5' });
  await expect(page.getByRole('table', { name: 'Recent requests' }).locator('tbody tr')).toHaveCount(3);
  await page.getByRole('tab', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'Add price override' }).click();
  await page.getByText(/Prices in use/).click();
  await page.getByRole('tab', { name: 'Dashboard' }).click();
  await expect(page.locator('svg.recharts-surface').first()).toBeVisible();

  const doc = documents.at(-1)!;
  expect(doc['content-security-policy']).toMatch(/^default-src 'self'(;|$)/);
  expect(doc['content-security-policy']).not.toContain('unsafe-inline');
  expect(doc['content-security-policy']).not.toContain('unsafe-eval');
  expect(doc['referrer-policy']).toBe('no-referrer');
  expect(violations).toEqual([]);
});
