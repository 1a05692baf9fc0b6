import { describe, expect, it } from 'vitest';
import type { ModelOption } from '../../app/contract/api.js';
import type { SettingsView } from '../../app/contract/settings.js';
import { DEFAULT_SETTINGS } from '../../app/settings/schema.js';
import { money } from '../../app/contract/money.js';
import { trayModels, traySpend } from '../../main/tray-data.js';

const view = (over: Partial<SettingsView> = {}): SettingsView => ({
  settings: structuredClone(DEFAULT_SETTINGS) as SettingsView['settings'],
  apiKey: { set: true, last4: 'abcd', source: 'stored', encrypted: true },
  sources: Object.fromEntries(Object.keys(DEFAULT_SETTINGS).map((k) => [k, 'default'])) as SettingsView['sources'],
  tierSources: { haiku: 'default', sonnet: 'default', opus: 'default' },
  recoveredFrom: null,
  ...over,
});

describe('tray data from the core\'s typed answers', () => {
  it('spend: in the user\'s currency, small amounts keep two significant digits, the tightest budget', () => {
    // The tray shows amounts with the window's money().
    expect(money(0, { currency: 'USD', eurPerUsd: 0.92 })).toBe(new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' }).format(0));
    expect(money(0.000123, { currency: 'USD', eurPerUsd: 0.92 })).toMatch(/0\.00012/);
    expect(money(2, { currency: 'EUR', eurPerUsd: 0.5 })).toMatch(/1\.00/);
    expect(money(2, { currency: 'EUR', eurPerUsd: 0.5 })).toContain('€');
    expect(traySpend(2, { currency: 'EUR', eurPerUsd: 0.5 }, []).today).toBe(money(2, { currency: 'EUR', eurPerUsd: 0.5 }));
    const spend = traySpend(1.5, { currency: 'USD', eurPerUsd: 1 }, [
      { period: 'day', spentUsd: 1.5, limitUsd: 10, fraction: 0.15 },
      { period: 'month', spentUsd: 45, limitUsd: 50, fraction: 0.9 },
    ]);
    expect(spend.budget).toEqual({ period: 'month', fraction: 0.9 });
    expect(traySpend(0, { currency: 'USD', eurPerUsd: 1 }, []).budget).toBeNull();
  });

  it('models: -latest ids and aliases to switch to, every id the account offers, env-pinned settings flagged', () => {
    const list: ModelOption[] = [
      { id: 'mistral-large-2512', name: 'Large', vision: true, reasoning: false, contextLength: 262144, aliases: ['mistral-large-latest'] },
      { id: 'codestral-latest', name: 'Codestral', vision: false, reasoning: false, contextLength: 131072 },
      { id: 'codestral-2508', name: 'Codestral', vision: false, reasoning: false, contextLength: 131072, aliases: ['codestral-latest'] },
    ];
    const v = view();
    v.sources.defaultModel = 'env';
    const m = trayModels(v, list);
    expect(m.current).toBe(DEFAULT_SETTINGS.defaultModel);
    expect(m.choices).toEqual(['mistral-large-latest', 'codestral-latest']);
    expect(m.available).toEqual(['mistral-large-2512', 'mistral-large-latest', 'codestral-latest', 'codestral-2508']);
    expect(m.tiers).toEqual(DEFAULT_SETTINGS.tiers);
    expect(m.sonnetFollows).toBe(true);
    expect(m.pinned).toEqual({ defaultModel: true, tiers: false });
    const pinned = view({ tierSources: { haiku: 'env', sonnet: 'stored', opus: 'default' } });
    expect(trayModels(pinned, list)).toMatchObject({ sonnetFollows: false, pinned: { defaultModel: false, tiers: true } });
  });
});
