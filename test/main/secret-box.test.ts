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

describe('safeStorageBox (async safeStorage, prepared ahead)', () => {
  const storage = (backend: string, available = true) => ({
    isAsyncEncryptionAvailable: async () => available,
    encryptStringAsync: async (s: string) => Buffer.from([...Buffer.from(s)].reverse()),
    decryptStringAsync: async (b: Buffer) => {
      if (b[0] === 0xff) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return { result: Buffer.from([...b].reverse()).toString(), shouldReEncrypt: false };
    },
    getSelectedStorageBackend: () => backend as 'basic_text',
  });

  it('is unavailable until init(), then encrypts and decrypts what was prepared, as base64', async () => {
    const box = safeStorageBox(storage('gnome_libsecret'), 'linux');
    expect(box.isAvailable()).toBe(false);
    expect(await box.init()).toBe(true);
    await box.prepareEncrypt('héllo');
    const b64 = box.encrypt('héllo');
    expect(b64).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(box.decrypt(b64)).toBe('héllo');
    const other = Buffer.from('dlrow').toString('base64');
    expect(() => box.decrypt(other)).toThrow(/not decrypted ahead/);
    await box.prepareDecrypt(other);
    expect(box.decrypt(other)).toBe('world');
    expect(() => box.encrypt('unprepared')).toThrow(/not encrypted ahead/);
  });

  it('remembers a decryption failure and reports it', async () => {
    const box = safeStorageBox(storage('gnome_libsecret'), 'linux');
    await box.init();
    const bad = Buffer.from([0xff, 1, 2]).toString('base64');
    await box.prepareDecrypt(bad);
    expect(box.decryptError(bad)).toMatch(/decrypting/);
    expect(() => box.decrypt(bad)).toThrow(/decrypting/);
  });

  it('treats the Linux basic_text fallback as unavailable', async () => {
    const linuxBasic = safeStorageBox(storage('basic_text'), 'linux');
    expect(await linuxBasic.init()).toBe(false);
    expect(await safeStorageBox(storage('unknown'), 'darwin').init()).toBe(true);
    expect(await safeStorageBox(storage('gnome_libsecret', false), 'linux').init()).toBe(false);
  });
});
