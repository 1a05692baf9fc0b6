import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text } from '../mock-mistral/index.js';
import { startCoreStack, type CoreStack } from './core-stack.js';

// The host setting changed from the UI (not the env): a non-loopback address without CCPROXY_AUTH_TOKEN is refused
// when it is saved, so the proxy (and the UI bridge it serves) stays up on its address, says why, and the next start
// does not meet a stored address it would have to refuse (headless would exit before serving the UI to undo it).

let stack: CoreStack;
beforeAll(async () => {
  stack = await startCoreStack({ bridge: {} });
});
afterAll(async () => stack?.close());

describe('host setting without a token', () => {
  it('0.0.0.0 is refused and not saved: still listening on loopback, the error names CCPROXY_AUTH_TOKEN and the field', async () => {
    const before = stack.url;
    for (const host of ['0.0.0.0', '::', '192.168.1.20']) {
      const err = await stack.api.invoke('settings.update', { host }).then(() => null, (e: Error) => e);
      expect(err?.message, host).toMatch(/^Invalid settings: host .*CCPROXY_AUTH_TOKEN/);
    }
    expect((await stack.api.invoke('settings.get', undefined)).settings.host).toBe('127.0.0.1');
    const status = await stack.api.invoke('proxy.status', undefined);
    expect(status.running).toBe(true);
    expect(status.url).toBe(before);
    expect(status.error).toBeNull();
    stack.mock.enqueue(text('still here'));
    expect((await stack.messages({ model: 'claude-sonnet-5-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
  });
});
