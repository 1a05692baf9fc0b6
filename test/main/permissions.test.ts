import { describe, expect, it } from 'vitest';
import { allowPermission, isAppOrigin } from '../../main/permissions.js';

describe('window permissions', () => {
  it('our page may write the clipboard and nothing else', () => {
    expect(allowPermission('clipboard-sanitized-write', 'ccproxy://app')).toBe(true);
    expect(allowPermission('clipboard-sanitized-write', 'ccproxy://app/index.html#settings')).toBe(true);
    for (const p of ['clipboard-read', 'notifications', 'media', 'display-capture', 'geolocation', 'openExternal', 'local-network-access', 'unknown']) {
      expect(allowPermission(p, 'ccproxy://app'), p).toBe(false);
    }
  });

  it('no other origin gets anything, whatever it looks like', () => {
    for (const origin of ['https://example.com', 'file:///tmp/x.html', 'ccproxy://other', 'ccproxy://app.evil.com', 'http://127.0.0.1:7187', 'null', '', undefined, null]) {
      expect(isAppOrigin(origin), String(origin)).toBe(false);
      expect(allowPermission('clipboard-sanitized-write', origin), String(origin)).toBe(false);
    }
    expect(isAppOrigin('CCPROXY://APP/')).toBe(true);
  });
});
