import { describe, expect, it } from 'vitest';
import { jsonDepthExceeds, valueDepthExceeds } from '../../app/proxy/body.js';

// The nesting pre-check skips strings natively; escaped quotes and backslash runs must not throw it off.

describe('jsonDepthExceeds', () => {
  it.each([
    ['[[[]]]', 3, false],
    ['[[[[]]]]', 3, true],
    ['{"a":"[[[[[["}', 1, false],
    ['{"a":"x\\\\","b":[[]]}', 3, false],
    ['{"a":"x\\\\","b":[[[]]]}', 3, true],
    ['{"a":"q\\"[[[[[\\"","b":1}', 1, false],
    ['{"a":"\\\\\\"[[[[","b":[1]}', 2, false],
    ['"unterminated [[[[', 1, false],
  ])('%s with max %d → %s', (text, max, want) => {
    expect(jsonDepthExceeds(Buffer.from(text), max)).toBe(want);
  });

  it('agrees with the real nesting of a parsed document', () => {
    const deep = (n: number): unknown => (n === 0 ? 'x"[{' : { k: [deep(n - 1)], s: '\\"]}' });
    const text = JSON.stringify(deep(40)); // 80 levels of objects and arrays
    expect(jsonDepthExceeds(Buffer.from(text), 80)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from(text), 79)).toBe(true);
  });
});

describe('valueDepthExceeds (the check on small bodies, after parsing)', () => {
  it.each([
    ['[[[]]]', 3],
    ['[[[[]]]]', 3],
    ['{"a":"[[[[[["}', 1],
    ['{"a":{"b":[1,{"c":[]}]},"d":[[[]]]}', 4],
    ['{"a":{"b":[1,{"c":[]}]},"d":[[[]]]}', 3],
    ['1', 0],
  ])('agrees with the byte scan: %s with max %d', (text, max) => {
    expect(valueDepthExceeds(JSON.parse(text), max)).toBe(jsonDepthExceeds(Buffer.from(text), max));
  });

  it('agrees with the real nesting of a parsed document', () => {
    const deep = (n: number): unknown => (n === 0 ? 'x' : { k: [deep(n - 1)], s: 1 });
    const value = deep(40); // 80 levels
    expect(valueDepthExceeds(value, 80)).toBe(false);
    expect(valueDepthExceeds(value, 79)).toBe(true);
  });
});
