import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConfStore, testApiKey } from '../../app/settings/index.js';
import { startMockMistral, type MockMistral } from '../mock-mistral/index.js';

const KEY = 'sk-secret-KEY-abcdef0123456789';

/** Answers /v1/models with whatever status the path's first segment asks for; /hang never answers. */
function startStatusServer(): Promise<{ url: (status: number | 'hang') => string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const seg = req.url!.split('/')[1]!;
    if (seg === 'hang') return; // never answers
    const status = Number(seg);
    res.writeHead(status, { 'content-type': 'application/json' });
    // A hostile/buggy upstream echoing the key back must not leak it into the message.
    res.end(JSON.stringify({ message: `status ${status} for key ${req.headers.authorization?.slice(7)}` }));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: (s) => `http://127.0.0.1:${port}/${s}/v1`,
        close: () => new Promise((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
      });
    });
  });
}

let mock: MockMistral;
let statuses: Awaited<ReturnType<typeof startStatusServer>>;

beforeAll(async () => {
  mock = await startMockMistral();
  statuses = await startStatusServer();
});
afterAll(async () => {
  await mock.close();
  await statuses.close();
});

describe('testApiKey', () => {
  it('200 with a model list → ok with the count, against the strict mock', async () => {
    const r = await testApiKey(mock.url, mock.apiKey);
    expect(r.status).toBe('ok');
    expect(r.models).toBeGreaterThan(0);
    expect(r.message).toContain(`${r.models} model`);
    const req = mock.requests.at(-1)!;
    expect(req).toMatchObject({ method: 'GET', path: '/v1/models' });
    expect(req.headers.authorization).toBe(`Bearer ${mock.apiKey}`);
  });

  it('401 → bad_key (the mock rejects any other key)', async () => {
    const r = await testApiKey(mock.url, KEY);
    expect(r.status).toBe('bad_key');
    expect(r.message).toMatch(/401/);
    expect(r.message).not.toContain(KEY);
  });

  it.each([
    [402, 'no_credit'],
    [403, 'bad_key'],
    [404, 'error'],
    [429, 'error'],
    [500, 'error'],
    [301, 'error'],
  ] as const)('%i → %s, never echoing the key', async (status, expected) => {
    const r = await testApiKey(statuses.url(status), KEY);
    expect(r.status).toBe(expected);
    expect(r.message).not.toContain(KEY);
    expect(JSON.stringify(r)).not.toContain(KEY);
  });

  it('200 that is not a model list → error (wrong base URL)', async () => {
    const r = await testApiKey(statuses.url(200), KEY);
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/base URL/);
  });

  it('connection refused → unreachable', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await testApiKey(`http://127.0.0.1:${port}/v1`, KEY);
    expect(r.status).toBe('unreachable');
    expect(r.message).toMatch(/Could not reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    expect(r.message).not.toContain(KEY);
  });

  it('timeout → unreachable', async () => {
    const r = await testApiKey(statuses.url('hang'), KEY, undefined, { timeoutMs: 300 });
    expect(r).toEqual({ status: 'unreachable', message: expect.stringMatching(/no answer within 0.3 s/) });
  });

  it('empty key, bad base URL', async () => {
    expect((await testApiKey(mock.url, '  ')).status).toBe('bad_key');
    const r = await testApiKey('ftp://x', KEY);
    expect(r.status).toBe('error');
    expect(r.message).not.toContain(KEY);
  });

  it('SettingsStore.testKey uses the effective base URL and the stored key, or the key given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccproxy-testkey-'));
    try {
      const s = openConfStore(dir, { env: {}, projectVersion: '0.1.0' });
      expect((await s.testKey()).status).toBe('bad_key');
      s.update({ baseUrl: mock.url, apiKey: mock.apiKey });
      expect((await s.testKey()).status).toBe('ok');
      expect((await s.testKey(KEY)).status).toBe('bad_key');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
