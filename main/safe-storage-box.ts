import type { SafeStorage } from 'electron';
import type { SecretBox } from './secret-box.js';

type Storage = Pick<SafeStorage, 'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync'> &
  Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;

/**
 * A SecretBox over Electron 45's async safeStorage (Keychain / DPAPI / libsecret / kwallet); the sync calls are
 * deprecated and, before 'ready', report encryption unavailable on Windows and Linux. The settings store seals and
 * opens the key synchronously, so the async work is done ahead: `init()` after 'ready', then `prepareDecrypt` for
 * the stored ciphertext and `prepareEncrypt` for a key about to be stored; the sync methods answer from those
 * results and throw for anything not prepared (never a silent plaintext). Takes the module as a parameter so only
 * main.ts loads 'electron'.
 */
export interface AsyncSecretBox extends SecretBox {
  /** Call after app 'ready'. Resolves with whether real OS encryption is usable. */
  init(): Promise<boolean>;
  prepareEncrypt(plain: string): Promise<void>;
  /** Never rejects: a failure is remembered and thrown by decrypt(); `decryptError` says why. */
  prepareDecrypt(b64: string): Promise<void>;
  decryptError(b64: string): string | null;
}

export function safeStorageBox(storage: Storage, platform: NodeJS.Platform): AsyncSecretBox {
  let available = false;
  const sealed = new Map<string, string>();
  const opened = new Map<string, { plain: string } | { error: string }>();

  return {
    async init() {
      const os = await storage.isAsyncEncryptionAvailable();
      // Linux without a keyring falls back to a hard-coded password: that is obfuscation, not encryption.
      available = os && (platform !== 'linux' || storage.getSelectedStorageBackend?.() !== 'basic_text');
      return available;
    },
    isAvailable: () => available,
    async prepareEncrypt(plain) {
      if (!available || sealed.has(plain)) return;
      const b64 = (await storage.encryptStringAsync(plain)).toString('base64');
      sealed.set(plain, b64);
      opened.set(b64, { plain });
    },
    async prepareDecrypt(b64) {
      if (opened.has(b64)) return;
      try {
        if (!available) throw new Error('OS secret storage is not available');
        const { result } = await storage.decryptStringAsync(Buffer.from(b64, 'base64'));
        opened.set(b64, { plain: result });
      } catch (err) {
        opened.set(b64, { error: err instanceof Error ? err.message : String(err) });
      }
    },
    decryptError(b64) {
      const r = opened.get(b64);
      return r && 'error' in r ? r.error : null;
    },
    encrypt(plain) {
      const b64 = sealed.get(plain);
      if (b64 === undefined) throw new Error('internal: the key was not encrypted ahead (prepareEncrypt)');
      return b64;
    },
    decrypt(b64) {
      const r = opened.get(b64);
      if (!r) throw new Error('internal: the key was not decrypted ahead (prepareDecrypt)');
      if ('error' in r) throw new Error(r.error);
      return r.plain;
    },
  };
}
