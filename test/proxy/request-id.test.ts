import { describe, expect, it } from 'vitest';
import { newRequestId } from '../../app/proxy/request-id.js';

// Request ids keep their old shape (24 hex digits) and now sort by time, so the ledger's unique index on them grows
// at one end (see app/proxy/request-id.ts).

describe('newRequestId', () => {
  it('is req_ccproxy_ and 24 hex digits, the time first', () => {
    const at = Date.UTC(2026, 10, 29, 12, 0, 0, 123);
    const id = newRequestId(at);
    expect(id).toMatch(/^req_ccproxy_[0-9a-f]{24}$/);
    expect(parseInt(id.slice('req_ccproxy_'.length, 'req_ccproxy_'.length + 12), 16)).toBe(at);
  });

  it('sorts later ids after earlier ones, as strings (what the index compares)', () => {
    let at = Date.UTC(2024, 0, 1);
    let previous = newRequestId(at);
    for (let i = 0; i < 2000; i++) {
      at += 1 + Math.floor(Math.random() * 10_000_000);
      const id = newRequestId(at);
      expect(id > previous).toBe(true);
      previous = id;
    }
  });

  it('stays unique within one millisecond', () => {
    const at = Date.now();
    const ids = new Set(Array.from({ length: 20_000 }, () => newRequestId(at)));
    expect(ids.size).toBe(20_000);
  });

  it('uses the clock by default', () => {
    const before = Date.now();
    const t = parseInt(newRequestId().slice(12, 24), 16);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(Date.now());
  });
});
