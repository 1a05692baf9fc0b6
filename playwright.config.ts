import { defineConfig } from '@playwright/test';
import { findChromium } from './scripts/chromium.mjs';

// E2E: the built renderer (run `vite build` first) served by a real core with the HTTP bridge, in front of the
// strict mock Mistral, driven in Debian's Chromium. `npx playwright install` cannot work here, so the system
// browser is used. Each browser launch gets a fresh temporary profile (Playwright's default for launch(); a
// --user-data-dir flag is not allowed there), so no state leaks between runs.
export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 30_000,
  expect: { timeout: 5_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 860 },
    locale: 'en-US',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: findChromium() ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
        '--disable-quic',
      ],
    },
  },
});
