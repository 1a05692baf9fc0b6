import { describe, expect, it } from 'vitest';
import { safeStorageBox } from '../../main/safe-storage-box.js';
import { isSealed, openSecret, sealSecret, SecretUnavailableError, type SecretBox } from '../../main/secret-box.js';

/** Reversible and visibly not plaintext, so a test can tell whether encryption happened. */
function fakeBox(available = true): SecretBox & { available: boolean } {
  return {
    available,
    isAvailable() { return this.available; },
    encrypt: (plain) => Buffer.from(`fake:${plain}`).toString('base64'),
    decrypt: (b64) => Buffer.from(b64, 'base64').toString().replace(/^fake:/, ''),
  };
}

describe('sealSecret / openSecret', () => {
  it('round-trips through the box and never stores the plaintext', () => {
    const box = fakeBox();
    const stored = sealSecret(box, 'sk-secret-123');
    expect(isSealed(stored)).toBe(true);
    expect(stored).not.toContain('sk-secret-123');
    expect(openSecret(box, stored)).toBe('sk-secret-123');
  });

  it('refuses plaintext unless the caller opts in, and marks it', () => {
    const box = fakeBox(false);
    expect(() => sealSecret(box, 'sk-1')).toThrow(SecretUnavailableError);
    const stored = sealSecret(box, 'sk-1', { allowPlaintext: true });
    expect(isSealed(stored)).toBe(false);
    expect(stored).toBe('plain:sk-1');
    expect(openSecret(box, stored)).toBe('sk-1');
  });

  it('reads a hand-pasted unprefixed key as is, and an empty secret stays empty', () => {
    expect(openSecret(fakeBox(), 'sk-pasted')).toBe('sk-pasted');
    expect(sealSecret(fakeBox(false), '')).toBe('');
    expect(openSecret(fakeBox(), '')).toBe('');
  });

  it('fails clearly when the keychain went away after sealing', () => {
    const box = fakeBox();
    const stored = sealSecret(box, 'sk-2');
    box.available = false;
    expect(() => openSecret(box, stored)).toThrow(SecretUnavailableError);
  });
});

describe('safeStorageBox', () => {
  const storage = (backend: string, available = true) => ({
    isEncryptionAvailable: () => available,
    encryptString: (s: string) => Buffer.from([...Buffer.from(s)].reverse()),
    decryptString: (b: Buffer) => Buffer.from([...b].reverse()).toString(),
    getSelectedStorageBackend: () => backend as 'basic_text',
  });

  it('encodes ciphertext as base64 and decodes it back', () => {
    const box = safeStorageBox(storage('gnome_libsecret'), 'linux');
    expect(box.isAvailable()).toBe(true);
    const b64 = box.encrypt('héllo');
    expect(b64).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(box.decrypt(b64)).toBe('héllo');
  });

  it('treats the Linux basic_text fallback as unavailable', () => {
    expect(safeStorageBox(storage('basic_text'), 'linux').isAvailable()).toBe(false);
    expect(safeStorageBox(storage('unknown'), 'darwin').isAvailable()).toBe(true);
    expect(safeStorageBox(storage('gnome_libsecret', false), 'linux').isAvailable()).toBe(false);
  });
});
