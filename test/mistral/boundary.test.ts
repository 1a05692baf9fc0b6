import { describe, expect, it } from 'vitest';
import { redactorFor } from '../../app/mistral/redact.js';
import { parseRetryAfter, retryAfterHeader } from '../../app/mistral/retry-after.js';
import { checkChunk, checkResponse, cleanUsage, MAX_TOKENS_PER_FIELD, UpstreamShapeError } from '../../app/mistral/shape.js';
import { mapUpstreamError } from '../../app/translate/errors.js';

describe('upstream boundary helpers', () => {
  it('Retry-After: seconds, fractions and HTTP dates; unreadable → null', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
    expect(retryAfterHeader(1200)).toBe('2');
    expect(retryAfterHeader(0)).toBe('1');
  });

  it('the redactor masks every occurrence of the key and leaves short keys alone', () => {
    const r = redactorFor('sk-abcdefgh12345678');
    expect(r('a sk-abcdefgh12345678 b sk-abcdefgh12345678')).toBe('a [redacted] b [redacted]');
    expect(redactorFor('abc')('abc')).toBe('abc');
  });

  it('the redactor masks the key in raw JSON text however JSON escapes spell it (JSON.parse would restore it)', () => {
    const key = 'sk-ab/cdEF12345678';
    const r = redactorFor(key);
    const escape = (c: string, upper: boolean) => {
      const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
      return `\\u${upper ? hex.toUpperCase() : hex}`;
    };
    const spellings = [
      [...key].map((c) => escape(c, false)).join(''),
      [...key].map((c, i) => (i % 3 ? c : escape(c, true))).join(''),
      key.replace('/', '\\/'),
    ];
    for (const spelled of spellings) {
      const json = `{"message":"a ${spelled} b","n":"\\n"}`;
      expect(JSON.parse(json).message).toBe(`a ${key} b`);
      expect(JSON.parse(r(json))).toEqual({ message: 'a [redacted] b', n: '\n' });
    }
    expect(r('{"m":"\\u0041 nothing to hide"}')).toBe('{"m":"\\u0041 nothing to hide"}');
  });

  it('usage is clamped to whole numbers in range; cached never exceeds the prompt', () => {
    expect(cleanUsage({ prompt_tokens: 1e308, completion_tokens: -1, total_tokens: Number.NaN, prompt_tokens_details: { cached_tokens: 1e308 } })).toMatchObject({
      prompt_tokens: MAX_TOKENS_PER_FIELD, completion_tokens: undefined, total_tokens: undefined, prompt_tokens_details: { cached_tokens: MAX_TOKENS_PER_FIELD },
    });
    expect(cleanUsage({ prompt_tokens: 10, prompt_tokens_details: { cached_tokens: 50 } })?.prompt_tokens_details?.cached_tokens).toBe(10);
  });

  it('chunks: null, non-objects and broken JSON are garbage; null tool calls dropped; a numeric tool name is a fault', () => {
    expect(checkChunk('null')).toEqual({ kind: 'garbage' });
    expect(checkChunk('42')).toEqual({ kind: 'garbage' });
    expect(checkChunk('{oops')).toEqual({ kind: 'garbage' });
    const v = checkChunk(JSON.stringify({ choices: [{ delta: { content: 'x', tool_calls: [null] } }] }));
    expect(v).toMatchObject({ kind: 'chunk', chunk: { choices: [{ delta: { content: 'x', tool_calls: [] } }] } });
    expect(() => checkChunk(JSON.stringify({ choices: [{ delta: { tool_calls: [{ function: { name: 5 } }] } }] }))).toThrow(UpstreamShapeError);
    expect(checkChunk(JSON.stringify({ object: 'error', message: 'boom' }))).toEqual({ kind: 'error', message: 'boom' });
  });

  it('responses: no choices or no message is a 502 api_error', () => {
    for (const bad of [null, [], { choices: [] }, { choices: 'x' }, { choices: [{ message: 'hi' }] }]) {
      expect(() => checkResponse(bad)).toThrow(expect.objectContaining({ status: 502, type: 'api_error' }));
    }
  });

  it('non-JSON error bodies become the status line, never the page', () => {
    expect(mapUpstreamError(502, '<html>…</html>', undefined, 'text/html').message).toBe('Mistral API: HTTP 502 Bad Gateway');
    expect(mapUpstreamError(500, 'plain text failure').message).toBe('Mistral API: HTTP 500 Internal Server Error');
    expect(mapUpstreamError(503, '', '4').headers).toEqual({ 'retry-after': '4' });
  });
});
