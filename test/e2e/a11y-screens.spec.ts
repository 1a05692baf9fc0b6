import AxeBuilder from '@axe-core/playwright';
import { errorReply, text } from '../mock-mistral/index.js';
import { clippedCosts, expect, proxied, test, type Page } from './fixtures.js';

// Every screen in light and dark at 480 and 1280 px: no sideways scroll, an axe scan (WCAG 2.x A/AA) with no
// serious or critical violation, and a screenshot saved under test-results/screenshots/ for review.

const usage = (p: number, c: number) => ({ usage: { prompt_tokens: p, completion_tokens: c, total_tokens: p + c } });

async function scan(page: Page, what: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${what} scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0);
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`), what).toEqual([]);
}

for (const scheme of ['light', 'dark'] as const) {
  for (const width of [480, 1280]) {
    test.describe(`${scheme} ${width}px`, () => {
      test.use({ colorScheme: scheme, viewport: { width, height: 900 } });

      test(`every screen: no sideways scroll, no serious axe violation, screenshots (${scheme}, ${width})`, async ({ page, stack, mock, openApp, shot }) => {
        test.setTimeout(60_000);
        await stack.api.invoke('settings.update', { budgets: { dailyUsd: 0.004, monthlyUsd: 1 } });
        mock.enqueue(text('a', usage(4000, 800)), errorReply(400), text('b', usage(1500, 300)));
        await proxied(stack, { model: 'claude-sonnet-4-5', stream: true }, { 'x-claude-code-session-id': 'a11y-session-1' });
        await proxied(stack, { model: 'claude-haiku-4-5' }, { 'x-claude-code-session-id': 'a11y-session-1' });
        await proxied(stack, { model: 'claude-opus-4-1' }, { 'x-claude-code-session-id': 'a11y-session-2' });
        const name = (screen: string) => `${screen}-${scheme}-${width}`;

        await openApp('dashboard');
        await expect(page.getByRole('group', { name: 'Requests' })).toContainText('3');
        await expect(page.getByRole('main')).toBeVisible();
        await expect(page.getByRole('banner')).toBeVisible();
        await expect(page.getByRole('region', { name: 'Current session' })).toBeVisible();
        // The status dot beside "Ready" is drawn (its tone had no colour, leaving a blank gap).
        await expect(page.locator('.proxy-state .state-dot')).not.toHaveCSS('background-color', 'rgba(0, 0, 0, 0)');
        // Two sessions with the same first prompt are told apart, even when their ids share the first 8 characters.
        const sessionNames = await page.getByRole('region', { name: 'Top sessions' }).getByRole('button').allTextContents();
        expect(sessionNames).toHaveLength(2);
        expect(new Set(sessionNames).size, sessionNames.join(' | ')).toBe(2);
        // The totals leave no hole in their grid: the last tile reaches the grid's right edge.
        const [statsRight, lastRight] = await page.locator('.stats').evaluate((el) => [el.getBoundingClientRect().right, el.lastElementChild!.getBoundingClientRect().right]);
        expect(Math.abs(statsRight - lastRight)).toBeLessThan(1);
        await scan(page, name('dashboard'));
        await shot(name('dashboard'));
        // The chart's and the pacing card's table views (for keyboard and screen-reader users).
        await page.getByRole('region', { name: /Cost and requests by/ }).getByRole('button', { name: 'Show as table' }).click();
        await page.getByRole('region', { name: 'Rate-limit pacing' }).getByRole('button', { name: 'Show pacing as table' }).click();
        await expect(page.getByRole('table', { name: 'Pacing in this range' })).toBeVisible();
        // A table's last row has no rule under it, its row header included.
        await expect(page.getByRole('table', { name: 'Pacing in this range' }).locator('tbody tr').last().locator('th')).toHaveCSS('border-bottom-width', '0px');
        await scan(page, name('dashboard-tables'));
        await shot(name('dashboard-tables'));

        await page.getByRole('tab', { name: /Live log/ }).click();
        await expect(page.getByRole('table', { name: 'Recent requests' }).locator('tbody tr')).toHaveCount(3);
        // Amounts are shown whole at this width too.
        expect(await clippedCosts(page)).toEqual([]);
        // The two sessions that share a first prompt are told apart in the log's session filter too.
        const sessionOptions = await page.getByRole('combobox', { name: 'Session' }).locator('option').allTextContents();
        expect(sessionOptions).toHaveLength(3);
        expect(new Set(sessionOptions).size, sessionOptions.join(' | ')).toBe(3);
        if (width >= 1280) {
          // The error type is readable in full in the row, not cut to "invalid_requ…".
          const errText = page.getByRole('table', { name: 'Recent requests' }).locator('.err-text');
          await expect(errText).toHaveText('invalid_request_error');
          expect(await errText.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
        }
        await scan(page, name('live-log'));
        await shot(name('live-log'));
        await page.getByRole('table', { name: 'Recent requests' }).locator('tbody tr').filter({ hasText: 'invalid_request' }).getByRole('button').click();
        await expect(page.getByRole('dialog', { name: 'Request details' })).toBeVisible();
        await scan(page, name('log-detail'));
        await page.screenshot({ path: `test-results/screenshots/${name('log-detail')}.png` });
        await page.keyboard.press('Escape');

        await page.getByRole('tab', { name: 'Settings' }).click();
        await expect(page.getByRole('region', { name: 'Connect Claude Code' })).toBeVisible();
        await scan(page, name('settings'));
        await shot(name('settings'));
        // Connect Claude Code: the diff shown before anything is written.
        await page.getByRole('button', { name: 'Write to Claude Code settings…' }).click();
        await expect(page.getByRole('group', { name: 'Changes to Claude Code settings' })).toBeVisible();
        await scan(page, name('connect-preview'));
        await shot(name('connect-preview'));
      });
    });
  }
}

test.describe('first run', () => {
  test.use({ keySource: 'none' });
  for (const scheme of ['light', 'dark'] as const) {
    for (const width of [480, 1280]) {
      test(`first run (no key): settings and the empty dashboard, ${scheme}, ${width} px`, async ({ page, openApp, shot }) => {
        await page.emulateMedia({ colorScheme: scheme });
        await page.setViewportSize({ width, height: 900 });
        await openApp();
        await expect(page.getByRole('region', { name: 'Proxy status' })).toContainText('Needs key');
        await expect(page.getByRole('tab', { name: 'Settings' })).toHaveAttribute('aria-selected', 'true');
        await scan(page, `first-run-${scheme}-${width}`);
        await shot(`first-run-${scheme}-${width}`);
        // The empty dashboard offers Connect Claude Code.
        await page.getByRole('tab', { name: 'Dashboard' }).click();
        await expect(page.getByRole('region', { name: 'Connect Claude Code' })).toBeVisible();
        // The missing key is said once, in the status header with its fix, not again in a banner below it.
        await expect(page.getByRole('region', { name: 'Proxy status' })).toContainText('Needs key');
        await expect(page.getByText(/refused until you add one/)).toHaveCount(1);
        // An empty range says so in words, not with an all-zero chart and a "0%" error rate.
        await expect(page.getByRole('region', { name: /Cost and requests by/ })).toContainText('Nothing to chart yet: no requests in this range.');
        await expect(page.getByRole('figure')).toHaveCount(0);
        await expect(page.getByRole('group', { name: 'Error rate' })).toContainText('—');
        await scan(page, `first-run-dashboard-${scheme}-${width}`);
        await shot(`first-run-dashboard-${scheme}-${width}`);
      });
    }
  }
});
