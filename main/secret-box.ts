// How secrets (the Mistral API key) are stored at rest. The interface and helpers are Electron-free so the core
// can use them with any box; only safe-storage-box.ts knows about Electron.

export interface SecretBox {
  isAvailable(): boolean;
  /** Returns base64 ciphertext. */
  encrypt(plain: string): string;
  /** Takes base64 ciphertext. */
  decrypt(b64: string): string;
}

export class SecretUnavailableError extends Error {}

const SEALED = 'enc:v1:';
const PLAIN = 'plain:';

export function isSealed(stored: string): boolean {
  return stored.startsWith(SEALED);
}

/**
 * Encrypts when the OS keychain is usable. Falling back to plaintext is the caller's explicit choice (say, after
 * warning the user), never a silent default; the prefix records which one happened so reads need no guessing.
 */
export function sealSecret(box: SecretBox, plain: string, opts: { allowPlaintext?: boolean } = {}): string {
  if (plain === '') return '';
  if (box.isAvailable()) return SEALED + box.encrypt(plain);
  if (opts.allowPlaintext) return PLAIN + plain;
  throw new SecretUnavailableError('OS secret storage is not available; refusing to store the secret in plaintext');
}

/** Unprefixed values are taken as plaintext so a key pasted by hand into the settings file still works. */
export function openSecret(box: SecretBox, stored: string): string {
  if (stored.startsWith(SEALED)) {
    if (!box.isAvailable()) throw new SecretUnavailableError('OS secret storage is not available; cannot decrypt the stored secret');
    return box.decrypt(stored.slice(SEALED.length));
  }
  if (stored.startsWith(PLAIN)) return stored.slice(PLAIN.length);
  return stored;
}
