import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { jsonBytes } from '../../app/mistral/json-bytes.js';

// The body Mistral receives must be the same JSON value as JSON.stringify's, in bytes any JSON (UTF-8) parser reads.
const asUtf8 = (b: Buffer) => new TextDecoder('utf-8', { fatal: true }).decode(b);

describe('jsonBytes', () => {
  it('is ASCII and parses to the same value as JSON.stringify, for any JSON value and any UTF-16 text', () => {
    fc.assert(fc.property(fc.jsonValue({ stringUnit: 'binary' }), (value) => {
      const bytes = jsonBytes(value);
      expect(bytes.every((b) => b < 0x80)).toBe(true);
      expect(JSON.parse(asUtf8(bytes))).toEqual(JSON.parse(JSON.stringify(value)));
    }), { seed: 11, numRuns: 500 });
  });

  it('writes the same bytes as escaping with replace() first (the implementation it replaced), runs of any length', () => {
    const byReplace = (value: unknown) =>
      Buffer.from(JSON.stringify(value).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), 'latin1');
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('a', '"', '\\', '\n', '\u007f', '\u0080', 'é', '中', '😀', '\ud800'), fc.string({ unit: 'binary', maxLength: 3 })) });
    fc.assert(fc.property(fc.oneof(text, fc.jsonValue({ stringUnit: 'binary' })), (value) => {
      expect(jsonBytes(value).equals(byReplace(value))).toBe(true);
    }), { seed: 12, numRuns: 1000 });
  });

  it('keeps emoji, accents, CJK and lone surrogates exactly', () => {
    const value = { s: 'é → … — 😀 中文 \ud800 end', k: ['\u0080', '\uffff', '\u007f'] };
    const text = asUtf8(jsonBytes(value));
    expect(text).toContain('\\u00e9');
    expect(text).toContain('\\ud83d\\ude00');
    expect(text).toContain('\\ud800');
    expect(JSON.parse(text)).toEqual(value);
  });

  it('leaves an ASCII body byte-for-byte as JSON.stringify writes it', () => {
    const value = { model: 'mistral-large-latest', messages: [{ role: 'user', content: 'Say "hi"\n\\' }] };
    expect(jsonBytes(value).toString('latin1')).toBe(JSON.stringify(value));
  });

  it('carries a real Claude Code request (non-ASCII in its prompt) unchanged', () => {
    const body = JSON.parse(readFileSync(new URL('../fixtures/claude-code/2.1.331-bash-turn2-2.json', import.meta.url), 'utf8')).body as unknown;
    expect(JSON.stringify(body)).toMatch(/[^\x00-\x7f]/);
    expect(JSON.parse(asUtf8(jsonBytes(body)))).toEqual(body);
  });
});
