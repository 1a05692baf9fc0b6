import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenWindow } from '../../app/pacing/token-window.js';

// The ring-buffer window against the plain list of entries it replaced, on random sequences of operations.

const SPAN = 60_000;

/** The array-of-entries window the limiter used to keep: obviously right, O(n) per operation. */
class ListWindow {
  entries: Array<{ seq: number; at: number; tokens: number }> = [];
  private next = 0;
  add(at: number, tokens: number): number {
    this.entries.push({ seq: this.next, at, tokens });
    return this.next++;
  }
  set(seq: number, tokens: number): void {
    const e = this.entries.find((x) => x.seq === seq);
    if (e) e.tokens = tokens;
  }
  total(now: number): number {
    this.entries = this.entries.filter((e) => e.at > now - SPAN);
    return this.entries.reduce((s, e) => s + e.tokens, 0);
  }
  freeAt(tokens: number, limit: number, now: number): number {
    let used = this.total(now);
    if (used + tokens <= limit) return now;
    let free = now;
    for (const e of this.entries) {
      used -= e.tokens;
      free = e.at + SPAN;
      if (used + tokens <= limit) break;
    }
    return free;
  }
}

type Op =
  | { kind: 'add'; dt: number; tokens: number }
  | { kind: 'set'; back: number; tokens: number }
  | { kind: 'free'; dt: number; tokens: number; limit: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), dt: fc.integer({ min: 0, max: 20_000 }), tokens: fc.integer({ min: 0, max: 5000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set' as const), back: fc.integer({ min: 0, max: 300 }), tokens: fc.integer({ min: 0, max: 5000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('free' as const), dt: fc.integer({ min: 0, max: 30_000 }), tokens: fc.integer({ min: 0, max: 20_000 }), limit: fc.integer({ min: 1, max: 100_000 }) }) },
);

describe('TokenWindow', () => {
  it('answers as the list of entries does: totals, corrections, expiry and when tokens fit', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
        const ring = new TokenWindow(SPAN);
        const list = new ListWindow();
        const seqs: number[] = [];
        let now = 1_000_000;
        for (const o of ops) {
          if (o.kind === 'add') {
            now += o.dt;
            ring.expire(now); // as the limiter does before each admission
            const s = ring.add(now, o.tokens);
            expect(list.add(now, o.tokens)).toBe(s);
            seqs.push(s);
          } else if (o.kind === 'set') {
            const s = seqs.length ? seqs[Math.max(0, seqs.length - 1 - o.back)] : 0;
            ring.set(s, o.tokens);
            list.set(s, o.tokens);
          } else {
            now += o.dt;
            expect(ring.freeAt(o.tokens, o.limit, now)).toBe(list.freeAt(o.tokens, o.limit, now));
          }
          expect(ring.total(now)).toBe(list.total(now));
          expect(ring.size).toBe(list.entries.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every entry of a busy minute, then gives the space back', () => {
    const w = new TokenWindow(SPAN);
    const t0 = 1_000_000;
    // 100,000 requests within one minute: all count.
    for (let i = 0; i < 100_000; i++) w.add(t0 + i * 0.5, 1);
    expect(w.total(t0 + 50_000)).toBe(100_000);
    // Half of them out of the window.
    expect(w.total(t0 + 25_000 + SPAN)).toBe(50_000 - 1);
    // A quiet minute later: empty, and back to a small ring (what a capacity costs is not observable otherwise).
    expect(w.total(t0 + 3 * SPAN)).toBe(0);
    const seq = w.add(t0 + 3 * SPAN, 7);
    expect(seq).toBe(100_000);
    expect(w.total(t0 + 3 * SPAN)).toBe(7);
    expect((w as unknown as { at: Float64Array }).at.length).toBeLessThanOrEqual(128);
  });

  it('ignores a correction to an entry that has left the window', () => {
    const w = new TokenWindow(SPAN);
    const old = w.add(0, 100);
    w.add(SPAN - 1, 5);
    expect(w.total(SPAN)).toBe(5);
    w.set(old, 1000);
    expect(w.total(SPAN)).toBe(5);
  });
});
