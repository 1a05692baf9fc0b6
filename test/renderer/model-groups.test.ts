import { describe, expect, it } from 'vitest';
import type { ModelOption } from '../../app/contract/api.js';
import { groupModels, groupOf, optionText, priceLabel } from '../../renderer/src/components/settings/model-groups.js';

const m = (id: string, extra: Partial<ModelOption> = {}): ModelOption => ({ id, name: id, vision: false, reasoning: false, contextLength: 131072, ...extra });

describe('model picker groups', () => {
  it('groups, -latest first, dated snapshots last; search narrows', () => {
    const models = [m('mistral-large-2411'), m('codestral-2508'), m('mistral-large-latest'), m('devstral-latest'), m('codestral-latest'), m('magistral-medium-latest', { reasoning: true }), m('mistral-small-latest'), m('ministral-8b-latest')];
    expect(groupOf(m('mistral-medium-latest'))).toBe('Recommended');
    const groups = groupModels(models);
    expect(groups.map((g) => g.group)).toEqual(['Recommended', 'Coding', 'Reasoning', 'Small and fast', 'Dated snapshots']);
    expect(groups[1].models.map((x) => x.id)).toEqual(['codestral-latest', 'devstral-latest']);
    expect(groups.at(-1)!.models.map((x) => x.id)).toEqual(['codestral-2508', 'mistral-large-2411']);
    expect(groupModels(models, 'codes').flatMap((g) => g.models.map((x) => x.id))).toEqual(['codestral-latest', 'codestral-2508']);
  });

  it('labels carry context and price per 1M', () => {
    const prices = [{ model: 'mistral-large-latest', inputUsd: 0.5, outputUsd: 1.5, cachedInputUsd: 0.05, asOf: 'x', source: 'list' as const }];
    expect(optionText(m('mistral-large-latest'), prices)).toBe('mistral-large-latest · 128k · $0.50/$1.50');
    expect(priceLabel('mistral-large-latest', prices)).toBe('$0.50 in / $1.50 out per 1M');
    expect(priceLabel('acme', prices)).toBeNull();
  });
});

describe('hourly chart points', () => {
  it('24 local hours, requests/errors/cost per hour, other days ignored', async () => {
    const { hourPoints } = await import('../../renderer/src/components/dashboard/hourly.js');
    const day = new Date(2026, 10, 29).getTime();
    const at = (h: number, m = 0) => new Date(2026, 10, 29, h, m).getTime();
    const rows = [
      { startedAt: at(9, 5), costUsd: 0.01, status: 200, errorType: null },
      { startedAt: at(9, 50), costUsd: null, status: 401, errorType: 'authentication_error' },
      { startedAt: at(23, 59), costUsd: 0.5, status: 200, errorType: null },
      { startedAt: day - 1, costUsd: 9, status: 200, errorType: null },
    ];
    const points = hourPoints(rows, day);
    expect(points).toHaveLength(24);
    expect(points[9]).toEqual({ label: '09:00', costUsd: 0.01, requests: 2, errors: 1 });
    expect(points[23].requests).toBe(1);
    expect(points.reduce((n, p) => n + p.requests, 0)).toBe(3);
  });
});
