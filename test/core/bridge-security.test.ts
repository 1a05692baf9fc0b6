import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEvents, rawRequest, startCoreStack, tempDir, TOKEN, type CoreStack } from './core-stack.js';

// The bridge under /ui: nothing without the token, the token turns into an HttpOnly SameSite=Strict cookie, the
// proxy's Host/Origin guard covers it, static files never escape uiDir, and it is off unless asked for.

const SECRET = 'TOP-SECRET-OUTSIDE-UI-DIR';
let root: string;
let uiDir: string;
let stack: CoreStack;

beforeAll(async () => {
  root = tempDir('ccproxy-ui-');
  uiDir = join(root, 'ui');
  mkdirSync(join(uiDir, 'assets'), { recursive: true });
  writeFileSync(join(uiDir, 'index.html'), '<!doctype html><title>CCProxy UI</title>');
  writeFileSync(join(uiDir, 'assets', 'app.js'), 'console.log("ui")');
  writeFileSync(join(root, 'secret.txt'), SECRET);
  // A symlink inside uiDir that points outside it must not be followed out.
  symlinkSync(join(root, 'secret.txt'), join(uiDir, 'assets', 'link.txt'));
  stack = await startCoreStack({ bridge: { uiDir } });
});
afterAll(async () => stack?.close());

const auth = { 'x-ccproxy-ui-token': TOKEN };
const cookieOf = (setCookie: string | string[] | undefined) => [setCookie ?? []].flat().find((c) => c.startsWith('ccproxy_ui='));

describe('bridge authentication', () => {
  it('every /ui path without the token is 401 (api, events, static, unknown), Anthropic-shaped', async () => {
    const cases: Array<[string, string]> = [
      ['GET', '/ui'], ['GET', '/ui/'], ['GET', '/ui/index.html'], ['GET', '/ui/assets/app.js'], ['GET', '/ui/events'],
      ['POST', '/ui/api/settings.get'], ['POST', '/ui/api/usage.export'], ['POST', '/ui/api/no.such'], ['GET', '/ui/nope'],
      ['DELETE', '/ui/api/settings.get'], ['GET', '/ui/?token='], ['GET', '/ui/../ui/index.html'],
    ];
    for (const [method, path] of cases) {
      const res = await rawRequest(stack.url, path, { method, headers: method === 'POST' ? { 'content-type': 'application/json' } : {}, body: method === 'POST' ? '{}' : undefined });
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(JSON.parse(res.body), `${method} ${path}`).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      expect(res.body).not.toContain('CCProxy UI');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('a wrong token is 401 as header, cookie or query (and sets no cookie); a right one in a POST query is not enough', async () => {
    const wrong = 'f'.repeat(64);
    expect((await rawRequest(stack.url, '/ui/api/settings.get', { method: 'POST', headers: { 'content-type': 'application/json', 'x-ccproxy-ui-token': wrong } })).status).toBe(401);
    expect((await rawRequest(stack.url, '/ui/api/settings.get', { method: 'POST', headers: { 'content-type': 'application/json', 'x-ccproxy-ui-token': TOKEN.slice(0, -1) } })).status).toBe(401);
    expect((await rawRequest(stack.url, '/ui/events', { headers: { cookie: `ccproxy_ui=${wrong}` } })).status).toBe(401);
    const q = await rawRequest(stack.url, `/ui/?token=${wrong}`);
    expect(q.status).toBe(401);
    expect(q.headers['set-cookie']).toBeUndefined();
    expect((await rawRequest(stack.url, `/ui/api/settings.get?token=${TOKEN}`, { method: 'POST', headers: { 'content-type': 'application/json' } })).status).toBe(401);
  });

  it('?token= sets an HttpOnly SameSite=Strict cookie scoped to /ui and redirects to /ui/; the cookie then works for api and events', async () => {
    const res = await rawRequest(stack.url, `/ui/?token=${TOKEN}`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/ui/');
    const cookie = cookieOf(res.headers['set-cookie'])!;
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(new RegExp(`^ccproxy_ui=${TOKEN};`));
    expect(cookie).toMatch(/;\s*httponly/i);
    expect(cookie).toMatch(/;\s*samesite=strict/i);
    expect(cookie).toMatch(/;\s*path=\/ui(;|$)/i);
    const jar = cookie.split(';')[0];

    const page = await rawRequest(stack.url, '/ui/', { headers: { cookie: jar } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('CCProxy UI');
    expect(page.headers['content-type']).toMatch(/text\/html/);

    const api = await rawRequest(stack.url, '/ui/api/proxy.status', { method: 'POST', headers: { cookie: jar, 'content-type': 'application/json' } });
    expect(api.status).toBe(200);
    expect(JSON.parse(api.body).result).toMatchObject({ running: true, version: 'test' });

    const events = await openEvents(`${stack.url}/ui/events`, { cookie: jar });
    try {
      await stack.api.invoke('settings.update', { currency: 'EUR' });
      await events.waitFor((e) => e.event === 'settings.changed');
    } finally {
      events.close();
    }
  });
});

describe('bridge behind the proxy guard', () => {
  it('a foreign Origin, a cross-site fetch or a foreign Host is 403 even with the token; a local Origin is fine', async () => {
    const post = (headers: Record<string, string>) => rawRequest(stack.url, '/ui/api/settings.get', { method: 'POST', headers: { 'content-type': 'application/json', ...auth, ...headers } });
    const evil = await post({ origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body)).toMatchObject({ error: { type: 'permission_error' } });
    expect((await post({ origin: 'null' })).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post({ host: 'evil.example' })).status).toBe(403);
    expect((await rawRequest(stack.url, `/ui/?token=${TOKEN}`, { headers: { host: 'rebind.example:80' } })).status).toBe(403);
    expect((await rawRequest(stack.url, '/ui/events', { headers: { ...auth, origin: 'https://evil.example' } })).status).toBe(403);
    // A form post (no preflight) is refused by content type.
    expect((await rawRequest(stack.url, '/ui/api/settings.update', { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: '{"currency":"EUR"}' })).status).toBe(415);
    // Unknown or malformed channel names are 404, not a 500.
    for (const name of ['no.such', '%E0%A4%A', '%zz', 'settings.get%00']) {
      const res = await rawRequest(stack.url, `/ui/api/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth } });
      expect(res.status, name).toBe(404);
      expect(JSON.parse(res.body)).toMatchObject({ error: { type: 'not_found_error' } });
    }
    const local = await post({ origin: stack.url });
    expect(local.status).toBe(200);
  });

  it('static files never come from outside uiDir (.., encoded .., encoded slashes, symlinks out)', async () => {
    const paths = [
      '/ui/../secret.txt', '/ui/../../secret.txt', '/ui/assets/../../secret.txt', '/ui/%2e%2e/secret.txt', '/ui/%2E%2E/secret.txt',
      '/ui/..%2fsecret.txt', '/ui/%2e%2e%2fsecret.txt', '/ui/assets/..%2f..%2fsecret.txt', '/ui/..%5csecret.txt', '/ui/assets/link.txt',
      `/ui/${'../'.repeat(12)}etc/passwd`, '/ui/%2e%2e/%2e%2e/package.json', '/ui/../package.json', `/ui/${root}/secret.txt`,
    ];
    for (const path of paths) {
      const res = await rawRequest(stack.url, path, { headers: auth });
      expect(res.body, path).not.toContain(SECRET);
      expect(res.body, path).not.toContain('root:');
      expect(res.body, path).not.toContain('"dependencies"');
      expect([400, 404], `${path} → ${res.status}`).toContain(res.status);
    }
    // Directories are not files: 404, not a 500.
    for (const dir of ['/ui/assets', '/ui/assets/', '/ui/..', '/ui/%2e%2e']) expect((await rawRequest(stack.url, dir, { headers: auth })).status, dir).toBe(404);
    const js = await rawRequest(stack.url, '/ui/assets/app.js', { headers: auth });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/text\/javascript/);
    expect(js.headers['x-content-type-options']).toBe('nosniff');
  });

  it('a uiDir reached through a symlink (as installs often are) still serves its files', async () => {
    const link = join(root, 'ui-link');
    symlinkSync(uiDir, link);
    const linked = await startCoreStack({ mock: stack.mock, bridge: { uiDir: link } });
    try {
      const page = await rawRequest(linked.url, '/ui/', { headers: auth });
      expect(page.status).toBe(200);
      expect(page.body).toContain('CCProxy UI');
      expect((await rawRequest(linked.url, '/ui/assets/app.js', { headers: auth })).status).toBe(200);
      expect((await rawRequest(linked.url, '/ui/../secret.txt', { headers: auth })).status).toBe(404);
      expect((await rawRequest(linked.url, '/ui/assets/link.txt', { headers: auth })).status).toBe(404);
    } finally {
      await linked.close();
    }
  });

  it('without a built UI, /ui/ serves the placeholder and other files are 404', async () => {
    const bare = await startCoreStack({ mock: stack.mock });
    try {
      const page = await rawRequest(bare.url, '/ui/', { headers: auth });
      expect(page.status).toBe(200);
      expect(page.body).toContain('dist-renderer/');
      expect((await rawRequest(bare.url, '/ui/assets/app.js', { headers: auth })).status).toBe(404);
      expect((await rawRequest(bare.url, '/ui/../secret.txt', { headers: auth })).status).toBe(404);
    } finally {
      await bare.close();
    }
  });
});

describe('bridge on/off and the local proxy token', () => {
  it('off unless asked for: without `bridge`, every /ui path is 404 (even with the token)', async () => {
    const off = await startCoreStack({ mock: stack.mock, bridge: false });
    try {
      expect(off.core.bridge).toBeNull();
      for (const [method, path] of [['GET', '/ui'], ['GET', '/ui/'], ['GET', `/ui/?token=${TOKEN}`], ['GET', '/ui/events'], ['POST', '/ui/api/settings.get']]) {
        const res = await rawRequest(off.url, path, { method, headers: { ...auth, 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
        expect(res.status, path).toBe(404);
        expect(res.headers['set-cookie']).toBeUndefined();
      }
      expect((await off.messages({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
    } finally {
      await off.close();
    }
  });

  it('with CCPROXY_AUTH_TOKEN: the bridge needs only its own token, /v1 still needs the proxy token (and not the UI one)', async () => {
    const local = 'local-proxy-token-123';
    const s = await startCoreStack({ mock: stack.mock, env: { CCPROXY_AUTH_TOKEN: local } });
    try {
      expect((await s.api.invoke('proxy.status', undefined)).running).toBe(true);
      const redirect = await rawRequest(s.url, `/ui/?token=${TOKEN}`);
      expect(redirect.status).toBe(302);
      const body = JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
      const headers = { 'content-type': 'application/json' };
      const none = await rawRequest(s.url, '/v1/messages', { method: 'POST', headers, body });
      expect(none.status).toBe(401);
      expect(JSON.parse(none.body).error.message).toMatch(/CCPROXY_AUTH_TOKEN/);
      expect((await rawRequest(s.url, '/v1/messages', { method: 'POST', headers: { ...headers, ...auth }, body })).status).toBe(401);
      expect((await rawRequest(s.url, '/v1/messages', { method: 'POST', headers: { ...headers, cookie: `ccproxy_ui=${TOKEN}` }, body })).status).toBe(401);
      expect((await rawRequest(s.url, '/v1/messages', { method: 'POST', headers: { ...headers, 'x-api-key': local }, body })).status).toBe(200);
      // And the proxy token does not open the bridge.
      expect((await rawRequest(s.url, '/ui/api/settings.get', { method: 'POST', headers: { ...headers, 'x-api-key': local, authorization: `Bearer ${local}` } })).status).toBe(401);
    } finally {
      await s.close();
    }
  });

  it('a random 64-hex token is generated when none is given, and urlFor prints it', async () => {
    const s = await startCoreStack({ mock: stack.mock, core: { bridge: { uiDir } } });
    try {
      const token = s.core.bridge!.token;
      expect(token).toMatch(/^[0-9a-f]{64}$/);
      expect(token).not.toBe(TOKEN);
      expect(s.core.bridge!.urlFor(s.url)).toBe(`${s.url}/ui/?token=${token}`);
      expect((await rawRequest(s.url, '/ui/', { headers: { 'x-ccproxy-ui-token': token } })).status).toBe(200);
      expect((await rawRequest(s.url, '/ui/', { headers: auth })).status).toBe(401);
    } finally {
      await s.close();
    }
  });
});
