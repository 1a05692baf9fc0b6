import { join } from 'node:path';
import config from '../../playwright.config.js';
import { APP_CSP, createAppHandler } from '../../main/app-protocol.js';
import { UI_MIN_HEIGHT, UI_MIN_WIDTH } from '../../main/window-options.js';
import { text } from '../mock-mistral/index.js';
import { expect, proxied, ROOT, test } from './fixtures.js';

// The Electron shell's page delivery, in real Chromium: the built UI's files come from the shell's own protocol
// handler (main/app-protocol.ts, what serves ccproxy://app/ in the app), here routed under the bridge's origin so
// the contract still reaches the headless core. So the UI is checked under the shell's CSP header and MIME types
// (module scripts are refused with a wrong one), at the window's minimum content size — with a classic 15 px
// scrollbar taking its width, as on Windows and most Linux desktops (headless Chromium's scrollbars take none).
// Not Electron: no preload (the bridge stands in for IPC), no native window frame.

const SCROLLBAR_CSS = '::-webkit-scrollbar { width: 15px; height: 15px; } ::-webkit-scrollbar-thumb { background: #888; }';

test.use({
  viewport: { width: UI_MIN_WIDTH, height: UI_MIN_HEIGHT },
  // Playwright hides scrollbars in headless Chromium; the window's page has them.
  launchOptions: { ...config.use?.launchOptions, ignoreDefaultArgs: ['--hide-scrollbars'] },
});

test('the UI from the shell\'s protocol handler: its CSP header, no violation, nothing sideways at the window\'s minimum size', async ({ page, stack, mock, openApp, shot }) => {
  const handler = createAppHandler(join(ROOT, 'dist-renderer'));
  const served: { path: string; status: number; type: string | null; csp: string | null }[] = [];
  await page.route((u) => u.href.startsWith(`${stack.url}/ui/`), async (route) => {
    const url = new URL(route.request().url());
    const rest = url.pathname.slice('/ui/'.length);
    // The contract (api, events) and the token exchange stay with the bridge.
    if (rest.startsWith('api/') || rest === 'events' || url.searchParams.has('token')) return route.continue();
    if (rest === 'test-scrollbar.css') return route.fulfill({ status: 200, contentType: 'text/css', body: SCROLLBAR_CSS });
    const res = await handler(new Request(`ccproxy://app/${rest}`, { method: route.request().method() }));
    served.push({ path: `/${rest}`, status: res.status, type: res.headers.get('content-type'), csp: res.headers.get('content-security-policy') });
    let body = Buffer.from(await res.arrayBuffer());
    // The stand-in for the OS's classic scrollbar: one more same-origin stylesheet (the CSP allows 'self').
    if (res.headers.get('content-type')?.startsWith('text/html')) {
      body = Buffer.from(body.toString('utf8').replace('</head>', '<link rel="stylesheet" href="./test-scrollbar.css"></head>'));
    }
    return route.fulfill({ status: res.status, headers: Object.fromEntries(res.headers), body });
  });

  const violations: string[] = [];
  page.on('console', (msg) => {
    if (/Content[- ]Security[- ]Policy|Refused to (load|apply|execute|connect)|MIME type/i.test(msg.text())) violations.push(msg.text());
  });
  page.on('pageerror', (err) => violations.push(`page error: ${err.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`Content-Security-Policy violation: ${e.violatedDirective} ${e.blockedURI}`));
  });

  const usage = { usage: { prompt_tokens: 1200, completion_tokens: 300, total_tokens: 1500 } };
  mock.enqueue(text('a', usage), text('b', usage));
  await proxied(stack, { model: 'claude-sonnet-4-5' }, { 'x-claude-code-session-id': 'shell-window-1' });
  await proxied(stack, { model: 'claude-opus-4-1', stream: true }, { 'x-claude-code-session-id': 'shell-window-1' });

  // The tokened URL sets the bridge's cookie and redirects (a redirect's target is not routed): load /ui/ again.
  await openApp();
  served.length = 0;
  await page.goto(`${stack.url}/ui/`);
  await expect(page.getByRole('heading', { name: 'CCProxy', level: 1 })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Requests' })).toContainText('2');
  const index = served.find((s) => s.path === '/');
  expect(index, JSON.stringify(served)).toMatchObject({ status: 200, type: 'text/html; charset=utf-8', csp: APP_CSP });
  expect(served.filter((s) => s.path.endsWith('.js')).every((s) => s.type === 'text/javascript; charset=utf-8')).toBe(true);
  expect(served.filter((s) => s.status !== 200)).toEqual([]);

  // The scrollbar really takes room, so the check below is about the narrower layout width the window gives.
  const metrics = () => page.evaluate(() => ({ inner: window.innerWidth, client: document.documentElement.clientWidth, scroll: document.documentElement.scrollWidth }));
  expect((await metrics()).inner).toBe(UI_MIN_WIDTH);
  for (const tab of ['Dashboard', 'Live log', 'Settings'] as const) {
    await page.getByRole('tab', { name: tab }).click();
    await expect(page.getByRole('tab', { name: tab })).toHaveAttribute('aria-selected', 'true');
    const m = await metrics();
    expect(m.client, `${tab}: a classic scrollbar is shown`).toBeLessThan(m.inner);
    expect(m.scroll - m.client, `${tab} scrolls sideways at the window's minimum size`).toBeLessThanOrEqual(0);
    await shot(`shell-min-size-${tab.toLowerCase().replace(' ', '-')}`);
  }
  await expect(page.getByRole('banner')).toBeVisible();
  expect(violations).toEqual([]);
});
