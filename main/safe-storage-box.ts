import type { SafeStorage } from 'electron';
import type { SecretBox } from './secret-box.js';

type Storage = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> &
  Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;

/**
 * SecretBox over Electron's safeStorage (Keychain / DPAPI / libsecret / kwallet). Takes the module as a parameter
 * so only main.ts loads 'electron'. The sync calls are deprecated in favour of async ones but still supported;
 * switch when the SecretBox interface goes async.
 */
export function safeStorageBox(storage: Storage, platform: NodeJS.Platform): SecretBox {
  return {
    isAvailable() {
      if (!storage.isEncryptionAvailable()) return false;
      // Linux without a keyring falls back to a hard-coded password: that is obfuscation, not encryption.
      return platform !== 'linux' || storage.getSelectedStorageBackend?.() !== 'basic_text';
    },
    encrypt: (plain) => storage.encryptString(plain).toString('base64'),
    decrypt: (b64) => storage.decryptString(Buffer.from(b64, 'base64')),
  };
}
