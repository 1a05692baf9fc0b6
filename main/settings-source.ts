import { keyCipherFromSecretBox, type SecretBoxLike } from '../app/settings/cipher.js';
import { settingsFilePath, settingsStoreOptions } from '../app/settings/schema.js';
import { openWithRecovery, SettingsStore, type SettingsStorage } from '../app/settings/store.js';

// The desktop app's settings: the same SettingsStore as headless mode (app/settings), over electron-store with the
// API key sealed by Electron's safeStorage.

type Env = Record<string, string | undefined>;

/**
 * Opens the settings file `<dataDir>/settings.json` with electron-store, passed in as `StoreCtor` so this module
 * stays loadable without Electron (main.ts: `openAppSettings(ElectronStore, { dataDir: app.getPath('userData'),
 * secretBox: safeStorageBox(safeStorage, process.platform), env: process.env })`). electron-store fills
 * projectVersion (which drives the migrations) from app.getVersion(). An unreadable file is moved aside and
 * reported in the view's `recoveredFrom`.
 */
export function openAppSettings(
  StoreCtor: new (options: ReturnType<typeof settingsStoreOptions> & { name: string }) => SettingsStorage,
  opts: { dataDir: string; secretBox: SecretBoxLike; env: Env },
): SettingsStore {
  const { storage, recoveredFrom } = openWithRecovery(
    () => new StoreCtor({ ...settingsStoreOptions(opts.dataDir), name: 'settings' }),
    settingsFilePath(opts.dataDir),
  );
  return new SettingsStore(storage, { cipher: keyCipherFromSecretBox(opts.secretBox), recoveredFrom, env: opts.env });
}
