import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Conf from 'conf';
// Type-only: electron-store imports 'electron' at runtime, which cannot load outside Electron.
import type ElectronStore from 'electron-store';
import { describe, expect, it } from 'vitest';
import { settingsFilePath, settingsStoreOptions, SettingsStore, type SettingsStorage } from '../../app/settings/index.js';
import { openAppSettings } from '../../main/settings-source.js';

type StoreOptions = ConstructorParameters<typeof ElectronStore<Record<string, unknown>>>[0];

describe('electron-store takes the same options', () => {
  it('type-checks: the shared options + name are electron-store options, and an instance is a SettingsStorage', () => {
    const opts: StoreOptions = { ...settingsStoreOptions('/tmp/x'), name: 'settings' };
    const asStorage = (s: ElectronStore<Record<string, unknown>>): SettingsStorage => s;
    expect(opts.name).toBe('settings');
    expect(typeof asStorage).toBe('function');
    // What main.ts will write (never called here: constructing electron-store needs Electron).
    const wiring = (ES: typeof ElectronStore) => openAppSettings(ES, { dataDir: '/tmp/x', secretBox: { isAvailable: () => false, encrypt: String, decrypt: String }, env: {} });
    expect(typeof wiring).toBe('function');
  });

  it('openAppSettings builds the store the way main/ does (conf standing in for electron-store, which maps name → configName)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccproxy-es-'));
    try {
      class FakeElectronStore extends Conf<Record<string, unknown>> {
        constructor(o: StoreOptions & { name: string }) {
          const { name, ...rest } = o;
          super({ ...rest, configName: name, projectVersion: '0.1.0' });
        }
      }
      const cipher = { isAvailable: () => true, encrypt: (s: string) => Buffer.from(s).toString('base64'), decrypt: (b: string) => Buffer.from(b, 'base64').toString() };
      const store = openAppSettings(FakeElectronStore, { dataDir: dir, secretBox: cipher, env: {} });
      expect(store).toBeInstanceOf(SettingsStore);
      expect(store.path).toBe(settingsFilePath(dir));
      store.update({ apiKey: 'sk-abc-1234', port: 9100 });
      expect(store.view().apiKey).toMatchObject({ encrypted: true, last4: '1234' });
      if (process.platform !== 'win32') expect(statSync(store.path).mode & 0o777).toBe(0o600);
      expect(store.toProxyConfig({})).toMatchObject({ apiKey: 'sk-abc-1234', port: 9100 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
