import { createContext, useContext, useMemo, type ReactNode } from 'react';
import type { SettingsView } from '../../app/contract/settings.js';
import type { CurrencyInfo } from './format.js';
import { useEvent, useInvoke } from './hooks.js';

// The settings view, loaded once and kept current by 'settings.changed' (another window, the tray, a save here).

interface SettingsState {
  view: SettingsView | null;
  error: string | null;
  setView: (view: SettingsView) => void;
}

const Ctx = createContext<SettingsState>({ view: null, error: null, setView: () => undefined });

export function SettingsProvider({ children }: { children: ReactNode }) {
  const loaded = useInvoke('settings.get', undefined);
  useEvent('settings.changed', (view) => loaded.set(view));
  const value = useMemo(() => ({ view: loaded.data, error: loaded.error, setView: loaded.set }), [loaded.data, loaded.error, loaded.set]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export const useSettings = () => useContext(Ctx);

/** The currency costs are shown in (USD until the settings have loaded). */
export function useCurrency(): CurrencyInfo {
  const { view } = useSettings();
  const currency = view?.settings.currency ?? 'USD';
  const eurPerUsd = view?.settings.eurPerUsd ?? 1;
  return useMemo(() => ({ currency, eurPerUsd }), [currency, eurPerUsd]);
}
