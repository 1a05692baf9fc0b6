import type { ModelOption } from '../app/contract/api.js';
import { money } from '../app/contract/money.js';
import type { SettingsView } from '../app/contract/settings.js';
import type { BudgetState } from '../app/contract/usage.js';
import type { TrayModels, TrayState } from './tray-menu.js';

// Turns the core's typed answers (settings.get, usage.report, budget.state, models.list) into the tray's state.
// Pure, so what the tray says about money and models is unit-tested without Electron.

/** Today's spend in the user's currency, and the budget closest to its limit (the one that will refuse first). */
export function traySpend(todayUsd: number, settings: Pick<SettingsView['settings'], 'currency' | 'eurPerUsd'>, budgets: BudgetState[]): NonNullable<TrayState['spend']> {
  const tightest = [...budgets].sort((a, b) => b.fraction - a.fraction)[0];
  return {
    today: money(todayUsd, settings),
    budget: tightest ? { period: tightest.period, fraction: tightest.fraction } : null,
  };
}

/** The Model submenu's data: `-latest` aliases to switch the default to, the tiers, and what the account offers. */
export function trayModels(view: SettingsView, models: ModelOption[]): TrayModels {
  const ids = models.flatMap((m) => [m.id, ...(m.aliases ?? [])]);
  return {
    current: view.settings.defaultModel,
    choices: [...new Set(ids.filter((id) => id.endsWith('-latest')))],
    tiers: { ...view.settings.tiers },
    sonnetFollows: view.tierSources.sonnet === 'default',
    available: [...new Set(ids)],
    pinned: { defaultModel: view.sources.defaultModel === 'env', tiers: Object.values(view.tierSources).includes('env') },
  };
}
