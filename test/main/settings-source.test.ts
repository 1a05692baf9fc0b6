import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../app/config.js';
import { envSettingsSource, settingsToEnv } from '../../main/settings-source.js';

describe('envSettingsSource', () => {
  it('builds the config from env vars alone', () => {
    const config = envSettingsSource({ MISTRAL_API_KEY: 'env-key', CCPROXY_PORT: '9000' }, () => ({})).load();
    expect(config).toMatchObject({ apiKey: 'env-key', port: 9000, host: '127.0.0.1' });
  });

  it('settings win over env vars, and empty settings do not erase env values', () => {
    const env = { MISTRAL_API_KEY: 'env-key', MISTRAL_MODEL: 'mistral-small-latest', CCPROXY_PORT: '9000' };
    const config = envSettingsSource(env, () => ({ apiKey: 'ui-key', port: 0, defaultModel: '' })).load();
    expect(config).toMatchObject({ apiKey: 'ui-key', port: 0, defaultModel: 'mistral-small-latest' });
  });

  it('reads settings on every load so a restart picks up changes', () => {
    let port = 8001;
    const source = envSettingsSource({ MISTRAL_API_KEY: 'k' }, () => ({ port }));
    expect(source.load().port).toBe(8001);
    port = 8002;
    expect(source.load().port).toBe(8002);
  });

  it('settings get the same validation as env vars', () => {
    expect(() => envSettingsSource({}, () => ({})).load()).toThrow(ConfigError);
    expect(() => envSettingsSource({ MISTRAL_API_KEY: 'k' }, () => ({ port: 70000 })).load()).toThrow(/CCPROXY_PORT/);
    expect(() => envSettingsSource({ MISTRAL_API_KEY: 'k' }, () => ({ baseUrl: 'ftp://x' })).load()).toThrow(/MISTRAL_BASE_URL/);
  });

  it('maps every setting to its env var', () => {
    expect(settingsToEnv({ apiKey: 'a', baseUrl: 'http://b', defaultModel: 'm', port: 1, host: 'h', dataDir: '/d' })).toEqual({
      MISTRAL_API_KEY: 'a', MISTRAL_BASE_URL: 'http://b', MISTRAL_MODEL: 'm', CCPROXY_PORT: '1', CCPROXY_HOST: 'h', CCPROXY_DATA_DIR: '/d',
    });
  });
});
