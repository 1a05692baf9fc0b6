import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { afterAll, describe, expect, it } from 'vitest';
import { enableJsonStringifyFastPath } from '../../app/core/heap-flags.js';
import type { AnthropicRequest } from '../../app/translate/anthropic-types.js';
import { ModelCatalog } from '../../app/translate/models.js';
import { anthropicToMistral } from '../../app/translate/request.js';

// The product turns on V8's JSON.stringify fast path (app/core/heap-flags.ts). It must write exactly what the
// general serialiser writes: compared here value by value, the flag toggled in this process.
const withFlag = (on: boolean, f: () => string): string => {
  v8.setFlagsFromString(on ? '--json-stringify-fast-path' : '--no-json-stringify-fast-path');
  return f();
};
const both = (value: unknown) => [withFlag(false, () => JSON.stringify(value)), withFlag(true, () => JSON.stringify(value))];

// Back to what test/setup-runtime.ts set for this process.
afterAll(() => enableJsonStringifyFastPath());

describe('JSON.stringify fast path', () => {
  it('is a flag this V8 knows, and the product can set it at run time', () => {
    expect(() => enableJsonStringifyFastPath()).not.toThrow();
  });

  it('writes the same text as the general serialiser for any JSON value', () => {
    fc.assert(fc.property(fc.jsonValue({ stringUnit: 'binary', maxDepth: 6 }), (value) => {
      const [slow, fast] = both(value);
      expect(fast).toBe(slow);
    }), { seed: 7, numRuns: 1000 });
  });

  it('writes the same text for what the fast path must hand back (toJSON, getters, undefined, symbols, sparse arrays, big numbers)', () => {
    const values: unknown[] = [
      { a: undefined, b: () => 1, c: Symbol('x'), d: [undefined, () => 2], e: new Date(0), f: { toJSON: () => 'j' } },
      Object.defineProperty({ x: 1 }, 'g', { get: () => 'getter', enumerable: true }),
      Object.assign(Object.create({ inherited: 1 }), { own: 2 }),
      [1, , 3], [NaN, Infinity, -0, 1e21, 5e-324, 2 ** 53], { '\ud800': '\udfff', 'é→😀': 'x' },
      new Map([[1, 2]]), new Set([1]), Object.create(null), { n: null, nested: { deep: [[[{}]]] } },
      new Proxy({ p: 1 }, {}), [new Uint8Array([1, 2])], { big: 'x'.repeat(70_000) + '…' },
    ];
    for (const value of values) {
      const [slow, fast] = both(value);
      expect(fast).toBe(slow);
    }
  });

  it('refuses what cannot be JSON the same way (cycles, BigInt)', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const cyclicArray: unknown[] = [1];
    cyclicArray.push(cyclicArray);
    for (const value of [cyclic, cyclicArray, { n: 10n }]) {
      for (const on of [false, true]) {
        expect(() => withFlag(on, () => JSON.stringify(value)), `fast path ${on}`).toThrow(TypeError);
      }
    }
  });

  it('writes the same Mistral bodies for every captured Claude Code request', () => {
    const dir = new URL('../fixtures/claude-code/', import.meta.url);
    const catalog = new ModelCatalog();
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    let compared = 0;
    for (const file of files) {
      const body = (JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { body?: AnthropicRequest }).body;
      if (!body?.messages) continue;
      const model = 'mistral-large-latest';
      const translated = anthropicToMistral(body, { model, caps: catalog.capsOf(model), maxTokensCap: 16384 }).body;
      const [slow, fast] = both(translated);
      expect(fast, file).toBe(slow);
      compared++;
    }
    expect(compared).toBeGreaterThan(3);
  });
});
