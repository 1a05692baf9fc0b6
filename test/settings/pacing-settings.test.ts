import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv } from '../../app/config.js';
import { openConfStore, SettingsValidationError } from '../../app/settings/index.js';

// Pacing and fallback settings: validated like the others, env > stored > default per field, and what the proxy runs with.

const KEY = 'sk-TESTkey-0123456789abcdefWXYZ';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ccproxy-pacing-settings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const open = (env: Record<string, string> = {}) => openConfStore(dir, { env: { MISTRAL_API_KEY: KEY, ...env }, projectVersion: '0.1.0' });

describe('pacing settings', () => {
  it('defaults: auto pacing, a 120 s wait bound, no fallbacks', () => {
    const store = open();
    const v = store.view();
    expect(v.settings.pacing).toEqual({ preset: 'auto', rps: 1, tpm: 500_000, maxWaitS: 120 });
    expect(v.settings.fallbacks).toEqual({ haiku: [], sonnet: [], opus: [] });
    expect(v.sources).toMatchObject({ pacing: 'default', fallbacks: 'default' });
    const cfg = store.toProxyConfig();
    expect(cfg.pacing).toEqual({ preset: 'auto', rps: 1, tpm: 500_000, maxWaitMs: 120_000 });
    expect(cfg.fallbacks).toEqual({ haiku: [], sonnet: [], opus: [] });
  });

  it('stored values reach the proxy config; a partial patch keeps the other fields', () => {
    const store = open();
    store.update({ pacing: { preset: 'custom', rps: 3 }, fallbacks: { sonnet: ['mistral-medium-latest', 'ministral-8b-latest'] } });
    store.update({ pacing: { maxWaitS: 30 } });
    const v = store.view();
    expect(v.settings.pacing).toEqual({ preset: 'custom', rps: 3, tpm: 500_000, maxWaitS: 30 });
    expect(v.sources).toMatchObject({ pacing: 'stored', fallbacks: 'stored' });
    const cfg = store.toProxyConfig();
    expect(cfg.pacing).toEqual({ preset: 'custom', rps: 3, tpm: 500_000, maxWaitMs: 30_000 });
    expect(cfg.fallbacks.sonnet).toEqual(['mistral-medium-latest', 'ministral-8b-latest']);
  });

  it('env vars win over stored values, per field', () => {
    open().update({ pacing: { preset: 'free', maxWaitS: 10 } });
    const store = open({ CCPROXY_PACING: 'tier2', CCPROXY_OPUS_FALLBACKS: 'mistral-medium-latest' });
    const v = store.view();
    expect(v.settings.pacing).toMatchObject({ preset: 'tier2', maxWaitS: 10 });
    expect(v.settings.fallbacks.opus).toEqual(['mistral-medium-latest']);
    expect(v.sources).toMatchObject({ pacing: 'env', fallbacks: 'env' });
    expect(store.toProxyConfig().pacing).toMatchObject({ preset: 'tier2', maxWaitMs: 10_000 });
  });

  it('bad values are refused with the field named, and nothing is stored', () => {
    const store = open();
    const bad = (patch: object, field: RegExp) => {
      let err: unknown;
      try {
        store.update(patch);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SettingsValidationError);
      expect((err as Error).message).toMatch(field);
    };
    bad({ pacing: { preset: 'gold' } }, /pacing\.preset must be one of auto, off, free/);
    bad({ pacing: { rps: 0 } }, /pacing\.rps must be a number from 0\.01/);
    bad({ pacing: { tpm: 1.5 } }, /pacing\.tpm must be a whole number/);
    bad({ pacing: { maxWaitS: -1 } }, /pacing\.maxWaitS/);
    bad({ pacing: { burst: 3 } }, /pacing\.burst is not a known setting/);
    bad({ fallbacks: { sonnet: ['ok-model', 'bad model'] } }, /fallbacks\.sonnet is not a valid model id/);
    bad({ fallbacks: { haiku: 'mistral-small-latest' } }, /fallbacks\.haiku must be a list/);
    bad({ fallbacks: { opus: ['a', 'b', 'c', 'd', 'e', 'f'] } }, /at most 5/);
    expect(store.view().sources).toMatchObject({ pacing: 'default', fallbacks: 'default' });
  });

  it('headless env vars are checked, each error naming its variable', () => {
    const base = { MISTRAL_API_KEY: KEY };
    expect(() => configFromEnv({ ...base, CCPROXY_PACING: 'fast' })).toThrow(/CCPROXY_PACING must be one of/);
    expect(() => configFromEnv({ ...base, CCPROXY_PACING_RPS: '0' })).toThrow(ConfigError);
    expect(() => configFromEnv({ ...base, CCPROXY_PACING_TPM: 'lots' })).toThrow(/CCPROXY_PACING_TPM/);
    expect(() => configFromEnv({ ...base, CCPROXY_PACING_MAX_WAIT_S: '601' })).toThrow(/CCPROXY_PACING_MAX_WAIT_S must be a number from 0 to 600/);
    expect(() => configFromEnv({ ...base, CCPROXY_SONNET_FALLBACKS: 'a,b c' })).toThrow(/CCPROXY_SONNET_FALLBACKS/);
    expect(configFromEnv({ ...base, CCPROXY_PACING: 'Tier-1', CCPROXY_HAIKU_FALLBACKS: ' ministral-3b-latest , ministral-8b-latest ' })).toMatchObject({
      pacing: { preset: 'tier1' },
      fallbacks: { haiku: ['ministral-3b-latest', 'ministral-8b-latest'], sonnet: [], opus: [] },
    });
  });
});
