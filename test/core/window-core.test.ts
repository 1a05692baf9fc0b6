import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { KeyCipher } from '../../app/settings/cipher.js';
import { errorReply, startMockMistral, text } from '../mock-mistral/index.js';
import { chats, startCoreStack, tempDir, waitUntil, type CoreStack } from './core-stack.js';

// What the window needs from the core, through the contract over the real HTTP bridge: tier sources and clearing a
// pinned Sonnet tier, session names in logs.recent after a restart, and health naming an unreadable stored key.

let stacks: CoreStack[] = [];
afterEach(async () => {
  for (const s of stacks.reverse()) await s.close();
  stacks = [];
});
const start = async (...args: Parameters<typeof startCoreStack>) => {
  const s = await startCoreStack(...args);
  stacks.push(s);
  return s;
};
const sentModel = (s: CoreStack) => (chats(s.mock).at(-1)!.body as { model: string }).model;
const ask = (s: CoreStack, model: string) =>
  s.messages({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': 'any', 'anthropic-version': '2023-06-01' });

describe('Claude tiers over the HTTP API', () => {
  it('each tier has its own source; tiers.sonnet: null un-pins Sonnet so it follows the default model again', async () => {
    const s = await start({ env: { CCPROXY_OPUS_MODEL: 'magistral-medium-latest' } });
    let view = await s.api.invoke('settings.get', undefined);
    expect(view.tierSources).toEqual({ haiku: 'default', sonnet: 'default', opus: 'env' });

    view = await s.api.invoke('settings.update', { tiers: { sonnet: 'codestral-latest', haiku: 'ministral-8b-latest' } });
    expect(view.tierSources).toEqual({ haiku: 'stored', sonnet: 'stored', opus: 'env' });
    expect(view.settings.tiers.sonnet).toBe('codestral-latest');

    // Pinned: a new default model leaves Sonnet where it is.
    view = await s.api.invoke('settings.update', { defaultModel: 'mistral-medium-latest' });
    expect(view.settings.tiers.sonnet).toBe('codestral-latest');

    // "Same as default model": null forgets the pin, on disk too.
    view = await s.api.invoke('settings.update', { tiers: { sonnet: null } });
    expect(view.tierSources.sonnet).toBe('default');
    expect(view.settings.tiers.sonnet).toBe('mistral-medium-latest');
    expect(s.settings.view().tierSources.sonnet).toBe('default');
    s.mock.enqueue(text('ok'));
    expect((await ask(s, 'claude-sonnet-4-5')).status).toBe(200);
    expect(sentModel(s)).toBe('mistral-medium-latest');

    // And it follows the next default change.
    view = await s.api.invoke('settings.update', { defaultModel: 'mistral-large-latest' });
    expect(view.settings.tiers.sonnet).toBe('mistral-large-latest');
    // Clearing a tier that was not pinned is a no-op; a non-model is still refused.
    expect((await s.api.invoke('settings.update', { tiers: { haiku: null } })).tierSources.haiku).toBe('default');
    await expect(s.api.invoke('settings.update', { tiers: { sonnet: 'not a model' } })).rejects.toThrow(/tiers\.sonnet/);
  });
});

describe('logs.recent from the ledger', () => {
  it('after a restart, entries still name their session\'s project', async () => {
    const mock = await startMockMistral();
    try {
      const dataDir = tempDir();
      const first = await start({ mock, dataDir });
      mock.enqueue(text('ok'));
      const res = await first.messages(
        { model: 'claude-sonnet-4-5', max_tokens: 16, system: 'Working directory: /home/dev/payments-api\nIs directory a git repo: Yes', messages: [{ role: 'user', content: 'hi' }] },
        { 'x-api-key': 'any', 'anthropic-version': '2023-06-01', 'x-claude-code-session-id': 'sess-restart' },
      );
      expect(res.status).toBe(200);
      await waitUntil(async () => (await first.api.invoke('logs.recent', { limit: 5 })).length === 1, 5_000, 'the record');
      await first.close();
      stacks = stacks.filter((x) => x !== first);

      const second = await start({ mock, dataDir });
      const [rec] = await second.api.invoke('logs.recent', { limit: 50 });
      expect(rec).toMatchObject({ sessionId: 'sess-restart', project: '/home/dev/payments-api' });
      const report = await second.api.invoke('usage.report', { preset: 'today' });
      expect(report.currentSession).toMatchObject({ sessionId: 'sess-restart', project: '/home/dev/payments-api', requests: 1 });
    } finally {
      for (const s of stacks) await s.close();
      stacks = [];
      await mock.close();
    }
  });
});

describe('health with a stored key that cannot be used', () => {
  const storeSealedKey = (dataDir: string) =>
    writeFileSync(join(dataDir, 'settings.json'), JSON.stringify({ apiKey: { encrypted: true, value: 'c2VhbGVk', last4: 'Q7z4' } }), { mode: 0o600 });

  it('a key that cannot be decrypted: "Stored key unreadable", why, and Re-enter key (not a generic Needs key)', async () => {
    const dataDir = tempDir();
    storeSealedKey(dataDir);
    const failing: KeyCipher = { available: () => true, encrypt: (p) => p, decrypt: () => { throw new Error('bad mac'); } };
    const s = await start({ dataDir, cipher: failing, env: { MISTRAL_API_KEY: undefined }, allowMissingKey: true });
    const health = await s.api.invoke('health.get', undefined);
    expect(health).toMatchObject({ code: 'needs_key', label: 'Stored key unreadable', action: 'add_key', actionLabel: 'Re-enter key' });
    expect(health.reason).toMatch(/stored API key could not be decrypted/);
    expect(health.reason).toMatch(/enter the key again/);
  });

  it('an encrypted key with no OS secret storage now says so too', async () => {
    const dataDir = tempDir();
    storeSealedKey(dataDir);
    const s = await start({ dataDir, env: { MISTRAL_API_KEY: undefined }, allowMissingKey: true });
    const health = await s.api.invoke('health.get', undefined);
    expect(health).toMatchObject({ label: 'Stored key unreadable', actionLabel: 'Re-enter key' });
    expect(health.reason).toMatch(/secret storage is not available/);
  });

  it('no key at all is still plain "Needs key"', async () => {
    const s = await start({ env: { MISTRAL_API_KEY: undefined }, allowMissingKey: true });
    expect(await s.api.invoke('health.get', undefined)).toMatchObject({ label: 'Needs key', actionLabel: 'Add API key' });
  });
});

describe('health from finished requests', () => {
  it('Mistral refusing the key turns health to key_rejected, and a good answer after it back to ready', async () => {
    const s = await start();
    await waitUntil(async () => (await s.api.invoke('health.get', undefined)).code === 'ready', 5_000, 'the start-up key test');
    s.mock.enqueue(errorReply(401));
    expect((await ask(s, 'claude-sonnet-4-5')).status).toBe(401);
    await waitUntil(async () => (await s.api.invoke('health.get', undefined)).code === 'key_rejected', 5_000, 'health after a 401 from Mistral');
    s.mock.enqueue(text('ok'));
    expect((await ask(s, 'claude-sonnet-4-5')).status).toBe(200);
    await waitUntil(async () => (await s.api.invoke('health.get', undefined)).code === 'ready', 5_000, 'health after a good answer');
  });
});
