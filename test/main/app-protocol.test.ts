import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_CSP, APP_URL, assetPath, createAppHandler, placeholderPage, rendererDir } from '../../main/app-protocol.js';
import { isAppPage, UI_MIN_WIDTH, windowOptions } from '../../main/window-options.js';

describe('ccproxy://app/ (the window\'s pages)', () => {
  const appPath = mkdtempSync(join(tmpdir(), 'ccproxy app '));
  const root = rendererDir(appPath);
  beforeAll(() => {
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><script type="module" crossorigin src="./assets/index.js"></script>');
    writeFileSync(join(root, 'assets', 'index.js'), 'console.log(1)');
    writeFileSync(join(root, 'assets', 'index.css'), 'body{}');
    writeFileSync(join(appPath, 'secret.txt'), 'not for the page');
  });
  afterAll(() => rmSync(appPath, { recursive: true, force: true }));
  const handler = createAppHandler(root);
  const get = (url: string, init?: RequestInit) => handler(new Request(url, init));

  it('serves the build with the Content-Security-Policy header and the MIME type module scripts need', async () => {
    for (const url of [APP_URL, 'ccproxy://app/', 'ccproxy://APP/index.html']) {
      const res = await get(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toBe(APP_CSP);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const js = await get('ccproxy://app/assets/index.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
    expect((await get('ccproxy://app/assets/index.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const head = await get('ccproxy://app/assets/index.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('the policy allows only the app\'s own resources: no inline or eval script, no plugins, no framing, no form posts', () => {
    const directives = new Map(APP_CSP.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name!, values]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(APP_CSP).not.toMatch(/unsafe-inline|unsafe-eval|\*|data:|https?:/);
    for (const [name, value] of [['object-src', "'none'"], ['base-uri', "'none'"], ['form-action', "'none'"], ['frame-ancestors', "'none'"]]) {
      expect(directives.get(name!), name).toEqual([value]);
    }
  });

  it('nothing outside the build: traversal (plain, encoded, backslash), other hosts, other schemes, odd methods', async () => {
    for (const url of [
      'ccproxy://app/../secret.txt', 'ccproxy://app/%2e%2e/secret.txt', 'ccproxy://app/assets%2F..%2F..%2Fsecret.txt',
      'ccproxy://app/..%5Csecret.txt', 'ccproxy://app/%00index.html', 'ccproxy://other/index.html', 'ccproxy://app/%E0%A4%A',
      'ccproxy://app/missing.js', 'ccproxy://app/assets', 'ccproxy://app/index.html/x',
    ]) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expect(await res.text(), url).not.toContain('not for the page');
    }
    expect(assetPath(root, 'file:///etc/passwd')).toBeNull();
    expect(assetPath(root, 'ccproxy://app/assets/index.js')).toBe(join(root, 'assets', 'index.js'));
    expect((await get(APP_URL, { method: 'POST', body: 'x' })).status).toBe(405);
  });

  it('without a build, index.html is a placeholder page with its own strict CSP (its one style allowed by hash)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ccproxy-nobuild-'));
    try {
      const res = await createAppHandler(join(empty, 'dist-renderer'))(new Request(APP_URL));
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+';/);
      expect(csp).not.toContain('unsafe');
      expect(await res.text()).toContain(join(empty, 'dist-renderer', 'index.html'));
      expect((await createAppHandler(join(empty, 'dist-renderer'))(new Request('ccproxy://app/assets/x.js'))).status).toBe(404);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    const page = placeholderPage('/x/<b>&"evil"/index.html');
    expect(page.html).not.toContain('<b>');
    expect(page.html).toContain('&#60;b&#62;&#38;&#34;evil&#34;');
  });
});

describe('the main window', () => {
  it('its content area cannot get narrower than the UI\'s 480 px minimum', () => {
    const o = windowOptions({ preload: '/p/preload.cjs' });
    expect(UI_MIN_WIDTH).toBe(480);
    // minWidth/minHeight constrain the page (not the frame) only with useContentSize.
    expect(o).toMatchObject({ useContentSize: true, minWidth: UI_MIN_WIDTH, width: 980, height: 700 });
    expect(o.width!).toBeGreaterThanOrEqual(o.minWidth!);
    expect(o.webPreferences).toMatchObject({ preload: '/p/preload.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
  });

  it('only our page (and its #routes) may be shown in it', () => {
    expect(isAppPage(APP_URL)).toBe(true);
    expect(isAppPage(`${APP_URL}#settings`)).toBe(true);
    for (const url of ['ccproxy://app/assets/index.js', 'file:///tmp/index.html', 'https://example.com/', 'ccproxy://app/index.html?x=1']) expect(isAppPage(url), url).toBe(false);
  });
});
