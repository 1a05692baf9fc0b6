import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxyStatus } from '../../app/contract/api.js';
import { BridgeError } from '../../app/contract/http-client.js';
import { DEFAULT_SETTINGS } from '../../app/settings/index.js';
import { text } from '../mock-mistral/index.js';
import { chats, freePort, msg, startCoreStack, waitUntil, type CoreStack } from './core-stack.js';

// Settings edited through the contract apply to the running proxy without a restart of the app: the next request
// uses the new model / cap; a port change rebinds the listener.

let stack: CoreStack | null = null;
afterEach(async () => {
  if (stack) expect(stack.mock.violations()).toEqual([]);
  await stack?.close();
  stack = null;
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const lastChat = (s: CoreStack): any => chats(s.mock).at(-1)!.body;

/** Resolves with 'refused' if nothing listens on the port any more. */
function probe(port: number): Promise<'refused' | 'open'> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    sock.once('connect', () => {
      sock.destroy();
      resolve('open');
    });
    sock.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED' ? 'refused' : 'open'));
  });
}

describe('settings apply live', () => {
  it('defaultModel: the next request goes upstream with the new model, with no restart', async () => {
    stack = await startCoreStack();
    const port = stack.core.status().port;
    expect((await stack.messages(msg())).status).toBe(200);
    expect(lastChat(stack).model).toBe('mistral-large-latest');

    const view = await stack.api.invoke('settings.update', { defaultModel: 'mistral-small-latest' });
    expect(view.settings.defaultModel).toBe('mistral-small-latest');
    expect(view.settings.tiers.sonnet).toBe('mistral-small-latest'); // sonnet follows defaultModel
    expect(view.sources.defaultModel).toBe('stored');

    expect((await stack.messages(msg())).status).toBe(200);
    expect(lastChat(stack).model).toBe('mistral-small-latest');
    // A model id the client sends for no Claude tier falls back to the default too.
    expect((await stack.messages(msg({ model: 'claude-unknown' }))).status).toBe(200);
    expect(lastChat(stack).model).toBe('mistral-small-latest');
    expect(stack.core.status().port).toBe(port); // no rebind for a model change
    // Stored in the real settings file.
    expect(JSON.parse(readFileSync(stack.settings.path, 'utf8')).defaultModel).toBe('mistral-small-latest');
  });

  it('maxTokens: the cap changes for the next request', async () => {
    stack = await startCoreStack();
    expect((await stack.messages(msg({ max_tokens: 5000 }))).status).toBe(200);
    expect(lastChat(stack).max_tokens).toBe(5000);
    await stack.api.invoke('settings.update', { maxTokens: 300 });
    expect((await stack.messages(msg({ max_tokens: 5000 }))).status).toBe(200);
    expect(lastChat(stack).max_tokens).toBe(300);
    expect((await stack.messages(msg({ max_tokens: 100 }))).status).toBe(200);
    expect(lastChat(stack).max_tokens).toBe(100);
    await stack.api.invoke('settings.update', { maxTokens: 64 });
    expect((await stack.messages(msg({ max_tokens: 5000, stream: true }))).status).toBe(200);
    expect(lastChat(stack).max_tokens).toBe(64);
  });

  it('port: settings.update restarts the listener on the new port and emits proxy.status', async () => {
    const first = await freePort();
    stack = await startCoreStack({ env: { CCPROXY_PORT: undefined }, beforeCore: (s) => void s.update({ port: first }) });
    expect(stack.core.status()).toMatchObject({ running: true, port: first });
    const statuses: ProxyStatus[] = [];
    stack.core.bus.on('proxy.status', (s) => statuses.push(s));
    const events = await stack.events();
    expect((await stack.messages(msg())).status).toBe(200);

    const second = await freePort();
    const view = await stack.api.invoke('settings.update', { port: second });
    expect(view.settings.port).toBe(second);
    expect(view.sources.port).toBe('stored');
    // The window connected to the old port still hears about the change before the listener moves.
    await events.waitFor((e) => e.event === 'settings.changed' && (e.data as { settings: { port: number } }).settings.port === second);

    await waitUntil(() => statuses.find((s) => s.running && s.port === second), 5_000, 'proxy.status on the new port');
    expect(statuses.some((s) => !s.running)).toBe(true); // it stopped first
    expect(stack.core.status()).toMatchObject({ running: true, port: second, url: `http://127.0.0.1:${second}`, error: null });
    expect(await probe(first)).toBe('refused');
    const res = await fetch(`http://127.0.0.1:${second}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(msg()) });
    expect(res.status).toBe(200);
    // The bridge moved with it.
    expect((await stack.api.invoke('proxy.status', undefined)).port).toBe(second);
  });

  it('a port already in use: the proxy reports the error instead of dying, and a free port brings it back', async () => {
    const first = await freePort();
    stack = await startCoreStack({ env: { CCPROXY_PORT: undefined }, beforeCore: (s) => void s.update({ port: first }) });
    const statuses: ProxyStatus[] = [];
    stack.core.bus.on('proxy.status', (s) => statuses.push(s));
    // Occupy a port with a plain server, then ask the core to move there.
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    const busyPort = (busy.address() as { port: number }).port;
    try {
      stack.settings.update({ port: busyPort });
      const failed = await waitUntil(() => statuses.find((s) => !s.running && s.error !== null), 5_000, 'an error status');
      expect(failed.error).toBe(`port ${busyPort} is already in use`);
      expect(stack.core.status().running).toBe(false);
      const next = await freePort();
      stack.settings.update({ port: next });
      // Not running, so a settings change alone does not start it: proxy.start does (as the tray's "Start" would).
      const started = await stack.core.handlers['proxy.start'](undefined);
      expect(started).toMatchObject({ running: true, port: next, error: null });
    } finally {
      await new Promise<void>((r) => busy.close(() => r()));
    }
  });

  it('precedence env > stored > default is visible in settings.get sources, and env wins for requests', async () => {
    stack = await startCoreStack({
      env: { MISTRAL_MODEL: 'codestral-latest' },
      beforeCore: (s) => void s.update({ defaultModel: 'mistral-small-latest', maxTokens: 777 }),
    });
    const view = await stack.api.invoke('settings.get', undefined);
    expect(view.sources).toMatchObject({ defaultModel: 'env', maxTokens: 'stored', port: 'env', baseUrl: 'env', host: 'default', currency: 'default', budgets: 'default' });
    expect(view.settings).toMatchObject({ defaultModel: 'codestral-latest', maxTokens: 777, host: DEFAULT_SETTINGS.host, port: 0, baseUrl: stack.mock.url });
    expect(view.apiKey).toMatchObject({ set: true, source: 'env', last4: stack.mock.apiKey.slice(-4) });
    expect((await stack.messages(msg({ max_tokens: 5000 }))).status).toBe(200);
    expect(lastChat(stack)).toMatchObject({ model: 'codestral-latest', max_tokens: 777 });

    // Storing a value the env overrides keeps the env value effective.
    const after = await stack.api.invoke('settings.update', { defaultModel: 'ministral-8b-latest', currency: 'EUR' });
    expect(after.settings.defaultModel).toBe('codestral-latest');
    expect(after.sources).toMatchObject({ defaultModel: 'env', currency: 'stored' });
    expect((await stack.messages(msg())).status).toBe(200);
    expect(lastChat(stack).model).toBe('codestral-latest');
    expect(JSON.parse(readFileSync(stack.settings.path, 'utf8'))).toMatchObject({ defaultModel: 'ministral-8b-latest', currency: 'EUR', maxTokens: 777 });
  });

  it('an invalid patch: the bridge answers 400 naming every problem, and nothing is stored', async () => {
    stack = await startCoreStack();
    await stack.api.invoke('settings.update', { maxTokens: 1000 });
    const fileBefore = readFileSync(stack.settings.path, 'utf8');
    const viewBefore = await stack.api.invoke('settings.get', undefined);
    const changed: unknown[] = [];
    stack.core.bus.on('settings.changed', (v) => changed.push(v));

    const err = await stack.api.invoke('settings.update', { maxTokens: 2000, port: 99999, defaultModel: 'bad model!', bogus: 1 } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BridgeError);
    const e = err as BridgeError;
    expect(e.status).toBe(400);
    expect(e.type).toBe('invalid_request_error');
    expect(e.message).toMatch(/port must be a whole number from 0 to 65535 \(got 99999\)/);
    expect(e.message).toMatch(/defaultModel is not a valid model id/);
    expect(e.message).toMatch(/bogus is not a known setting/);

    // The raw HTTP answer is Anthropic-shaped JSON with status 400.
    const raw = await fetch(`${stack.url}/ui/api/settings.update`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ccproxy-ui-token': stack.token }, body: JSON.stringify({ budgets: { dailyUsd: -1 } }) });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringMatching(/budgets\.dailyUsd must be a number ≥ 0 or null/) } });

    // Malformed JSON is the client's mistake too: 400, not a 500.
    const broken = await fetch(`${stack.url}/ui/api/settings.update`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ccproxy-ui-token': stack.token }, body: '{"maxTokens": 12' });
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });

    expect(readFileSync(stack.settings.path, 'utf8')).toBe(fileBefore);
    expect(await stack.api.invoke('settings.get', undefined)).toEqual(viewBefore);
    await new Promise((r) => setTimeout(r, 20));
    expect(changed).toEqual([]);
    stack.mock.enqueue(text('still fine'));
    expect((await stack.messages(msg({ max_tokens: 5000 }))).status).toBe(200);
    expect(lastChat(stack).max_tokens).toBe(1000);
  });
});
