import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findStop, StopScanner } from '../../app/translate/stop-sequences.js';

describe('findStop', () => {
  it('picks the sequence completed first; on a tie the longer one', () => {
    expect(findStop('abcdef', ['def', 'bc'])).toEqual({ index: 1, sequence: 'bc' });
    expect(findStop('xab', ['b', 'ab'])).toEqual({ index: 1, sequence: 'ab' });
    expect(findStop('nothing', ['END', ''])).toBeNull();
  });
});

describe('StopScanner', () => {
  it('emits, however the text is split, exactly the text before the first match (property, seeded)', () => {
    const alphabet = fc.constantFrom('a', 'b', 'E', 'N', 'D', '\n');
    const str = (max: number) => fc.array(alphabet, { maxLength: max }).map((a) => a.join(''));
    fc.assert(
      fc.property(str(40), fc.array(str(4).filter((s) => s.length > 0), { minLength: 1, maxLength: 3 }), fc.array(fc.nat(40), { maxLength: 8 }), (text, stops, cuts) => {
        const points = [...new Set(cuts.map((c) => Math.min(c, text.length)))].sort((a, b) => a - b);
        const pieces: string[] = [];
        let at = 0;
        for (const p of [...points, text.length]) {
          pieces.push(text.slice(at, p));
          at = p;
        }
        const scanner = new StopScanner(stops);
        let out = '';
        let match: string | null = null;
        for (const piece of pieces) {
          const r = scanner.push(piece);
          out += r.emit;
          if (r.match !== null) {
            match = r.match;
            break;
          }
        }
        if (match === null) out += scanner.flush();
        const expected = findStop(text, stops);
        expect(out).toBe(expected ? text.slice(0, expected.index) : text);
        expect(match).toBe(expected ? expected.sequence : null);
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});
