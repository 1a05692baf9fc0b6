import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { text } from '../mock-mistral/index.js';
import { startCoreStack, type CoreStack } from './core-stack.js';

// The host setting changed from the UI (not the env): a non-loopback address without CCPROXY_AUTH_TOKEN is refused
// before the listener restarts, so the proxy (and the UI bridge it serves) stays up on its old address and says why.

let stack: CoreStack;
beforeAll(async () => {
  stack = await startCoreStack({ bridge: {} });
});
afterAll(async () => stack?.close());

describe('host setting without a token', () => {
  it('0.0.0.0 is not applied: still listening on loopback, the status names CCPROXY_AUTH_TOKEN', async () => {
    const before = stack.url;
    await stack.api.invoke('settings.update', { host: '0.0.0.0' });
    await new Promise((r) => setTimeout(r, 300));
    const status = await stack.api.invoke('proxy.status', undefined);
    expect(status.running).toBe(true);
    expect(status.url).toBe(before);
    expect(status.error).toMatch(/CCPROXY_AUTH_TOKEN/);
    expect((await fetch(`${before}/health`)).status).toBe(200);
    const res = await stack.messages({ model: 'claude-sonnet-5-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/CCPROXY_AUTH_TOKEN/);
    // Back to loopback: requests flow again.
    await stack.api.invoke('settings.update', { host: '127.0.0.1' });
    await new Promise((r) => setTimeout(r, 300));
    expect((await stack.api.invoke('proxy.status', undefined)).error).toBeNull();
    stack.mock.enqueue(text('back'));
    expect((await stack.messages({ model: 'claude-sonnet-5-5', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] })).status).toBe(200);
  });
});
