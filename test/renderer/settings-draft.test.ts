import { describe, expect, it } from 'vitest';
import type { SettingsView } from '../../app/contract/settings.js';
import { buildPatch, problemsByField, toDraft } from '../../renderer/src/components/settings/draft.js';

// The settings form: what it sends (only changed, editable fields) and how the core's message maps to fields.

const view: SettingsView = {
  settings: {
    baseUrl: 'https://api.mistral.ai/v1', defaultModel: 'mistral-large-latest', maxTokens: 16384,
    tiers: { haiku: 'mistral-small-latest', sonnet: 'mistral-large-latest', opus: 'mistral-large-latest' },
    port: 7187, host: '127.0.0.1', autoLaunch: false, budgets: { dailyUsd: null, monthlyUsd: 20, refuseOverLimit: false },
    logRetentionDays: 90, pricingOverrides: { 'x-1': { input: 1, output: 2 } }, currency: 'USD', eurPerUsd: 0.92,
    pacing: { preset: 'auto', rps: 1, tpm: 500000, maxWaitS: 120 }, fallbacks: { haiku: [], sonnet: [], opus: [] },
  },
  apiKey: { set: false, last4: null, source: 'default', encrypted: false },
  sources: {
    baseUrl: 'stored', defaultModel: 'default', maxTokens: 'default', tiers: 'default', port: 'env', host: 'default', autoLaunch: 'default',
    budgets: 'stored', logRetentionDays: 'default', pricingOverrides: 'stored', currency: 'default', eurPerUsd: 'default',
    pacing: 'default', fallbacks: 'default',
  },
  tierSources: { haiku: 'default', sonnet: 'default', opus: 'default' },
  recoveredFrom: null,
};

describe('settings draft', () => {
  it('an untouched form sends nothing', () => {
    expect(buildPatch(toDraft(view), view)).toEqual({});
  });

  it('sends only changed fields, never env-sourced ones; blank budget = no limit; bad numbers reach the core as such', () => {
    const d = { ...toDraft(view), maxTokens: '0', port: '9999', monthlyUsd: '', dailyUsd: 'abc', opus: 'devstral-2512', prices: [] };
    expect(buildPatch(d, view)).toEqual({
      maxTokens: 0,
      tiers: { opus: 'devstral-2512' },
      budgets: { monthlyUsd: null, dailyUsd: 'abc' },
      pricingOverrides: {},
    });
    expect(buildPatch({ ...toDraft(view), maxTokens: ' 12x ' }, view)).toEqual({ maxTokens: '12x' });
  });

  it('price overrides: empty rows are ignored, cached price optional', () => {
    const d = { ...toDraft(view), prices: [{ model: 'x-1', input: '1', output: '2', cachedInput: '0.5' }, { model: '', input: '', output: '', cachedInput: '' }] };
    expect(buildPatch(d, view)).toEqual({ pricingOverrides: { 'x-1': { input: 1, output: 2, cachedInput: 0.5 } } });
  });

  it('maps the core\'s validation message to fields', () => {
    const msg = 'Invalid settings: baseUrl must be an http(s) URL (got "a; b"); maxTokens must be a whole number from 1 to 1000000 (got 0); tiers.haiku is not a valid model id; pricingOverrides.x-1.input must be a number ≥ 0 (got -1)';
    expect(problemsByField(msg)).toEqual({
      baseUrl: 'must be an http(s) URL (got "a; b")',
      maxTokens: 'must be a whole number from 1 to 1000000 (got 0)',
      haiku: 'is not a valid model id',
      prices: 'x-1.input must be a number ≥ 0 (got -1)',
    });
    expect(problemsByField('something else broke')).toEqual({});
  });
});

describe('readable save errors', () => {
  it('names fields by their labels and never says null', async () => {
    const { readableError, budgetWarning } = await import('../../renderer/src/components/settings/draft.js');
    const msg = 'Invalid settings: budgets.dailyUsd must be a number > 0 or null (got -3); maxTokens must be a whole number from 1 to 1000000 (got 0)';
    const text = readableError(msg);
    expect(text).toContain('Daily budget must be a number > 0 or left blank (got -3)');
    expect(text).toContain('Max tokens must be a whole number');
    expect(text).not.toMatch(/budgets\.|null|maxTokens/);
    expect(budgetWarning({ dailyUsd: '10', monthlyUsd: '5' })).toMatch(/Lower than the daily/);
    expect(budgetWarning({ dailyUsd: '10', monthlyUsd: '' })).toBeNull();
  });
});
