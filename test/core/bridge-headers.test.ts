import { chromium } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../scripts/chromium.mjs';
import { rawRequest, startCoreStack, TOKEN, type CoreStack } from './core-stack.js';

// The bridge's security headers on every /ui response, and the placeholder page (served when the UI is not built)
// running in Chromium under its hash-based CSP without a violation. The built UI is checked in
// test/e2e/security-headers.spec.ts.

let stack: CoreStack;
beforeAll(async () => {
  stack = await startCoreStack({ bridge: {} });
});
afterAll(async () => stack?.close());

describe('bridge security headers', () => {
  it('every /ui answer (page, API, refusals) carries CSP default-src self and Referrer-Policy: no-referrer', async () => {
    const cases: [string, string, Record<string, string>][] = [
      ['GET', '/ui/', { 'x-ccproxy-ui-token': TOKEN }],
      ['POST', '/ui/api/proxy.status', { 'x-ccproxy-ui-token': TOKEN, 'content-type': 'application/json' }],
      ['GET', '/ui/', {}],
    ];
    for (const [method, path, headers] of cases) {
      const res = await rawRequest(stack.url, path, { method, headers, body: method === 'POST' ? '{}' : undefined });
      expect(res.headers['content-security-policy'], `${method} ${path}`).toMatch(/^default-src 'self'/);
      expect(res.headers['content-security-policy']).not.toMatch(/unsafe-(inline|eval)/);
      expect(res.headers['referrer-policy'], `${method} ${path}`).toBe('no-referrer');
    }
  });

  it('the placeholder page runs in Chromium with no CSP violation (its inline script and style are allowed by hash)', async () => {
    const browser = await chromium.launch({ executablePath: findChromium() ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (msg) => {
        if (/Content[- ]Security[- ]Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
      });
      await page.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => console.error(`Content-Security-Policy violation: ${e.violatedDirective}`));
      });
      await page.goto(`${stack.url}/ui/?token=${TOKEN}`);
      // The inline script ran (it fills #status from the API) and the inline style applied (the pre background).
      await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('"running"'));
      expect(await page.$eval('pre', (el) => getComputedStyle(el).backgroundColor)).toBe('rgb(244, 244, 244)');
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
