import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProxyController, type ProxyStatus } from '../../main/proxy-controller.js';
import { envSettingsSource, type DesktopSettings } from '../../main/settings-source.js';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function controllerWith(settings: DesktopSettings, env: Record<string, string> = { MISTRAL_API_KEY: 'test-key' }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'ccproxy-ctl-'));
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  // Upstream is never contacted: these tests only start, probe /health and stop.
  const controller = createProxyController({
    settings: envSettingsSource(env, () => ({ port: 0, dataDir, baseUrl: 'http://127.0.0.1:9', ...settings })),
    version: 'test',
  });
  cleanup.push(() => controller.stop(0));
  return controller;
}

describe('proxy controller', () => {
  it('starts on a real port, serves /health, stops, and reports every step', async () => {
    const controller = controllerWith({});
    const seen: ProxyStatus[] = [];
    controller.onChange((s) => seen.push(s));
    const started = await controller.start();
    expect(started).toMatchObject({ running: true, error: null, busy: false });
    expect(started.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${started.url}/health`)).status).toBe(200);

    const stopped = await controller.stop(0);
    expect(stopped).toEqual({ running: false, url: null, error: null, busy: false });
    await expect(fetch(`${started.url}/health`)).rejects.toThrow();
    expect(seen.map((s) => [s.running, s.busy])).toEqual([[false, true], [true, false], [true, true], [false, false]]);
  });

  it('a double start runs one server; stop when stopped is a no-op', async () => {
    const controller = controllerWith({});
    const [a, b] = await Promise.all([controller.start(), controller.start()]);
    expect(a.url).toBe(b.url);
    await controller.stop(0);
    expect((await controller.stop(0)).running).toBe(false);
  });

  it('a config error becomes a one-line status, not a crash', async () => {
    const controller = controllerWith({}, {});
    const status = await controller.start();
    expect(status.running).toBe(false);
    expect(status.error).toMatch(/^MISTRAL_API_KEY is not set/);
  });

  it('a busy port is reported like headless mode does, and a later start can succeed', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => blocker.close(resolve)));
    const port = (blocker.address() as { port: number }).port;
    const settings: DesktopSettings = { port };
    const controller = controllerWith(settings);
    expect((await controller.start()).error).toBe(`port ${port} is already in use`);
    settings.port = 0;
    const retry = await controller.start();
    expect(retry).toMatchObject({ running: true, error: null });
  });
});
