import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../app/proxy/records.js';
import { toLogEntry } from '../../app/usage/entry.js';
import {
  convertUsd, costNanoUsd, costUsd, LIST_PRICES_AS_OF, listPrices, nanoToDecimal, priceFor,
} from '../../app/usage/pricing.js';

const p = (model: string) => {
  const row = priceFor(model);
  if (!row) throw new Error(`no price for ${model}`);
  return row;
};

describe('priceFor', () => {
  it('knows the current ids and their aliases at the reference list prices', () => {
    const cases: Array<[string, number, number]> = [
      ['mistral-large-latest', 0.5, 1.5], ['mistral-large-2512', 0.5, 1.5],
      ['mistral-medium-latest', 1.5, 7.5], ['mistral-medium-3-5', 1.5, 7.5], ['mistral-medium-3', 1.5, 7.5],
      ['mistral-small-latest', 0.15, 0.6], ['mistral-small-2603', 0.15, 0.6],
      ['ministral-3b-latest', 0.1, 0.1], ['ministral-3b-2512', 0.1, 0.1],
      ['ministral-8b-latest', 0.15, 0.15], ['ministral-8b-2512', 0.15, 0.15],
      ['ministral-14b-latest', 0.2, 0.2], ['ministral-14b-2512', 0.2, 0.2],
      ['codestral-latest', 0.3, 0.9], ['codestral-2508', 0.3, 0.9],
      ['devstral-latest', 0.4, 2], ['devstral-medium-latest', 0.4, 2], ['devstral-2512', 0.4, 2],
      ['magistral-medium-latest', 2, 5], ['magistral-small-2509', 0.5, 1.5],
      ['voxtral-small-latest', 0.1, 0.4],
    ];
    for (const [id, input, output] of cases) {
      const row = p(id);
      expect([id, row.inputUsd, row.outputUsd, row.source, row.asOf]).toEqual([id, input, output, 'list', LIST_PRICES_AS_OF]);
    }
  });

  it('covers every model in the seed table, historical ones marked by date', () => {
    for (const id of ['mistral-large-latest', 'mistral-small-latest', 'mistral-medium-latest', 'codestral-latest', 'codestral-2405', 'open-mistral-7b', 'open-mixtral-8x7b', 'open-mixtral-8x22b']) {
      expect(priceFor(id), id).not.toBeNull();
    }
    expect([p('codestral-2405').inputUsd, p('codestral-2405').outputUsd, p('codestral-2405').asOf]).toEqual([0.2, 0.6, '2024-09-17']);
    expect([p('open-mistral-7b').inputUsd, p('open-mistral-7b').outputUsd]).toEqual([0.25, 0.25]);
    expect([p('open-mixtral-8x7b').inputUsd, p('open-mixtral-8x7b').outputUsd]).toEqual([0.7, 0.7]);
    expect([p('open-mixtral-8x22b').inputUsd, p('open-mixtral-8x22b').outputUsd]).toEqual([2, 6]);
  });

  it('prices cached input at 10% of input unless the catalogue says otherwise', () => {
    expect(p('mistral-large-latest').cachedInputUsd).toBe(0.05);
    expect(p('mistral-small-latest').cachedInputUsd).toBe(0.015);
    expect(p('zai-glm-5-2').cachedInputUsd).toBe(0.14);
  });

  it('returns null for unknown models and for no model, never a zero price', () => {
    expect(priceFor('mistral-large-9999')).toBeNull();
    expect(priceFor('gpt-4o')).toBeNull();
    expect(priceFor(null)).toBeNull();
    expect(priceFor('')).toBeNull();
  });

  it('lets overrides win and price unknown models; cached defaults to 10% of the override', () => {
    const ov = { 'mistral-large-latest': { input: 1, output: 2 }, 'my-finetune': { input: 3, output: 4, cachedInput: 0.5 } };
    expect(priceFor('mistral-large-latest', ov)).toMatchObject({ inputUsd: 1, outputUsd: 2, cachedInputUsd: 0.1, source: 'override', asOf: 'override' });
    expect(priceFor('my-finetune', ov)).toMatchObject({ inputUsd: 3, outputUsd: 4, cachedInputUsd: 0.5 });
    expect(priceFor('MISTRAL-LARGE-LATEST', ov)?.inputUsd).toBe(1);
    // An invalid override is ignored rather than producing a bogus price.
    expect(priceFor('mistral-large-latest', { 'mistral-large-latest': { input: -1, output: 2 } })?.inputUsd).toBe(0.5);
    const list = listPrices(ov);
    expect(list.find((r) => r.model === 'my-finetune')?.source).toBe('override');
    expect(list.find((r) => r.model === 'mistral-large-latest')?.source).toBe('override');
    expect(list.map((r) => r.model)).toEqual([...list.map((r) => r.model)].sort((a, b) => a.localeCompare(b)));
  });
});

describe('costUsd', () => {
  it('is exact for known prices', () => {
    const large = p('mistral-large-latest');
    expect(costUsd(large, { inputTokens: 1_000_000, outputTokens: 0, cachedTokens: 0 })).toBe(0.5);
    expect(costUsd(large, { inputTokens: 0, outputTokens: 1_000_000, cachedTokens: 0 })).toBe(1.5);
    expect(costUsd(large, { inputTokens: 0, outputTokens: 0, cachedTokens: 1_000_000 })).toBe(0.05);
    // 1234 × 0.50 + 567 × 1.50 + 8900 × 0.05 micro-dollars = 617 + 850.5 + 445 = 1912.5 µ$.
    expect(costNanoUsd(large, { inputTokens: 1234, outputTokens: 567, cachedTokens: 8900 })).toBe(1_912_500);
    const small = p('mistral-small-latest');
    // 0.15 and 0.015 are not exact in binary floating point; the integer path still gives exact results.
    expect(costUsd(small, { inputTokens: 3, outputTokens: 0, cachedTokens: 7 })).toBe(0.000000555);
    let sum = 0;
    for (let i = 0; i < 1000; i++) sum += costNanoUsd(small, { inputTokens: 1, outputTokens: 1, cachedTokens: 0 });
    expect(sum).toBe(750_000); // 1000 × 0.75 µ$
  });

  it('handles huge counts without losing precision', () => {
    const row = p('magistral-medium-latest');
    expect(costUsd(row, { inputTokens: 10_000_000_000, outputTokens: 0, cachedTokens: 0 })).toBe(20_000);
  });

  it('ignores negative or non-finite token counts', () => {
    expect(costUsd(p('mistral-large-latest'), { inputTokens: -5, outputTokens: Number.NaN, cachedTokens: 0 })).toBe(0);
  });

  it('converts to EUR with the configured rate', () => {
    expect(convertUsd(1.5, 'USD', 0.9)).toBe(1.5);
    expect(convertUsd(1.5, 'EUR', 0.9)).toBe(1.35);
    expect(convertUsd(0.1, 'EUR', 0.3)).toBe(0.03);
  });

  it('prints exact decimals for exports', () => {
    expect(nanoToDecimal(500_000_000)).toBe('0.5');
    expect(nanoToDecimal(15)).toBe('0.000000015');
    expect(nanoToDecimal(12_000_000_000)).toBe('12');
    expect(nanoToDecimal(0)).toBe('0');
  });
});

describe('toLogEntry', () => {
  const base: RequestRecord = {
    id: 'r1', startedAt: 0, path: '/v1/messages', clientModel: 'claude-opus-4', mistralModel: 'mistral-large-latest',
    stream: true, status: 200, errorType: null, errorMessage: null, stopReason: 'end_turn', inputTokens: 1_000_000,
    outputTokens: 0, cachedTokens: 0, latencyMs: 10, ttftMs: 5, toolCount: 0, sessionId: null,
  };

  it('adds the cost', () => {
    expect(toLogEntry(base).costUsd).toBe(0.5);
    expect(toLogEntry(base, { 'mistral-large-latest': { input: 2, output: 2 } }).costUsd).toBe(2);
  });

  it('unknown model with tokens → null (unpriced); no tokens → 0 whatever the model', () => {
    expect(toLogEntry({ ...base, mistralModel: 'mystery-1' }).costUsd).toBeNull();
    expect(toLogEntry({ ...base, mistralModel: null, inputTokens: 0, status: 400, errorType: 'invalid_request_error' }).costUsd).toBe(0);
  });
});
