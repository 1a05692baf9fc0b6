import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CoreService } from '../../app/core/service.js';
import { openConfStore } from '../../app/settings/store.js';

// The window is where settings get fixed, so a bad setting must not stop the app (allowMissingKey) from running.

let core: CoreService | null = null;
afterEach(async () => {
  await core?.close(0);
  core = null;
});

describe('CoreService with unusable settings', () => {
  it('refuses to construct in strict (headless) mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccproxy-degraded-'));
    expect(() => new CoreService({ settings: openConfStore(dir, { env: { MISTRAL_API_KEY: 'k', MISTRAL_MAX_TOKENS: 'lots' } }), version: 't' })).toThrow(/MISTRAL_MAX_TOKENS/);
  });

  it('runs on defaults in app mode, reports the problem and answers requests with it until fixed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccproxy-degraded-'));
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ baseUrl: 'ftp://nowhere' }), { mode: 0o600 });
    const settings = openConfStore(dir, { env: { MISTRAL_API_KEY: 'k', CCPROXY_PORT: '0' } });
    core = new CoreService({ settings, version: 't', allowMissingKey: true });
    expect(core.status().error).toMatch(/baseUrl|http/i);
    const status = await core.handlers['proxy.start']();
    expect(status.running).toBe(true);
    const ask = () => fetch(`${core!.status().url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }) });
    const refused = await ask();
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.message).toMatch(/settings need attention: .*baseUrl/);
    // Fixed from the window: the next request goes upstream (nothing listens there, so a 502 — not the settings error).
    await core.handlers['settings.update']({ baseUrl: 'http://127.0.0.1:9/v1' });
    const after = await ask();
    expect((await after.json()).error.message).not.toMatch(/settings need attention/);
  });
});

