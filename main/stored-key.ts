import { readFileSync } from 'node:fs';
import type { Handlers } from '../app/contract/api.js';
import type { AsyncSecretBox } from './safe-storage-box.js';

// The API key's async encryption, done before the sync settings store needs it (see safe-storage-box.ts).

type RawKey = string | { encrypted?: unknown; value?: unknown } | undefined;

/**
 * Reads the stored key straight from the settings file (before the store opens it) and prepares the box: a sealed
 * key is decrypted, a plaintext one (typed by hand, or stored while no keychain was there) is encrypted so the store
 * re-seals it on open. Returns why a sealed key cannot be decrypted, for the user to see, or null.
 */
export async function prepareStoredKey(box: AsyncSecretBox, settingsFile: string): Promise<string | null> {
  let raw: RawKey;
  try {
    raw = (JSON.parse(readFileSync(settingsFile, 'utf8')) as { apiKey?: RawKey }).apiKey;
  } catch {
    return null; // no file yet, or unreadable: the store reports and recovers that itself
  }
  if (typeof raw === 'string') {
    await box.prepareEncrypt(raw.trim());
    return null;
  }
  if (!raw || typeof raw.value !== 'string') return null;
  if (raw.encrypted !== true) {
    await box.prepareEncrypt(raw.value.trim());
    return null;
  }
  await box.prepareDecrypt(raw.value);
  const error = box.decryptError(raw.value);
  return error === null ? null : `The stored Mistral API key could not be decrypted (${error}). Enter it again in Settings.`;
}

/** The contract's handlers, with a new key encrypted (async) before 'settings.update' stores it. */
export function withKeyEncryption(handlers: Handlers, box: AsyncSecretBox): Handlers {
  const update = handlers['settings.update'];
  return {
    ...handlers,
    'settings.update': async (patch) => {
      const key = (patch as { apiKey?: unknown } | null)?.apiKey;
      if (typeof key === 'string' && key.trim()) await box.prepareEncrypt(key.trim());
      return update(patch);
    },
  };
}
