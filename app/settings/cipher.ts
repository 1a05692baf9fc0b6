// How the API key is sealed at rest. Structurally the same job as main/secret-box.ts's SecretBox (which wraps
// Electron's safeStorage); `keyCipherFromSecretBox` adapts one without app/ importing main/ or Electron.

export interface KeyCipher {
  /** False when no real OS-backed encryption is usable (then the key is stored in plaintext in a 0600 file). */
  available(): boolean;
  /** Returns ciphertext as a string (base64 for safeStorage). */
  encrypt(plain: string): string;
  decrypt(cipher: string): string;
}

/** Anything shaped like main/secret-box.ts SecretBox. */
export interface SecretBoxLike {
  isAvailable(): boolean;
  encrypt(plain: string): string;
  decrypt(b64: string): string;
}

export function keyCipherFromSecretBox(box: SecretBoxLike): KeyCipher {
  return {
    available: () => box.isAvailable(),
    encrypt: (plain) => box.encrypt(plain),
    decrypt: (cipher) => box.decrypt(cipher),
  };
}

/** Headless mode: no OS keychain; keys are stored in plaintext, protected by the file's 0600 mode. */
export const NO_CIPHER: KeyCipher = {
  available: () => false,
  encrypt: () => {
    throw new Error('no cipher available');
  },
  decrypt: () => {
    throw new Error('no cipher available');
  },
};
