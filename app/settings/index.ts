// The settings module: schema + migrations (schema.ts), env > stored > default (effective.ts), patch validation
// (validate.ts), the store over conf/electron-store (store.ts), key sealing (cipher.ts) and the key test (test-key.ts).
export { DEFAULT_SETTINGS, EUR_PER_USD_PLACEHOLDER, SETTING_KEYS, SETTINGS_MIGRATIONS, SETTINGS_SCHEMA, STORED_KEYS, migrateV0, settingsFilePath, settingsStoreOptions, type StoredApiKey, type StoredSettings } from './schema.js';
export { API_KEY_ENV, SETTING_ENV, TIER_ENV, resolveSettings, type Env } from './effective.js';
export { SettingsValidationError, validatePatch } from './validate.js';
export { NO_CIPHER, keyCipherFromSecretBox, type KeyCipher, type SecretBoxLike } from './cipher.js';
export { SettingsStore, openConfStorage, openConfStore, openWithRecovery, type EffectiveSettings, type SettingsListener, type SettingsStorage, type SettingsStoreOptions } from './store.js';
export { TEST_KEY_TIMEOUT_MS, testApiKey, type FetchLike } from './test-key.js';
