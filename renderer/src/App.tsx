import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { BudgetBanner } from './components/BudgetBanner.js';
import { DashboardTab } from './components/dashboard/DashboardTab.js';
import { LiveLogTab } from './components/log/LiveLogTab.js';
import { useLiveLog } from './components/log/useLiveLog.js';
import { SettingsTab } from './components/settings/SettingsTab.js';
import { StatusHeader, type NavigateAction } from './components/StatusHeader.js';
import { SettingsProvider, useSettings } from './settings-context.js';

const TABS = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'log', label: 'Live log' },
  { id: 'settings', label: 'Settings' },
] as const;
type TabId = (typeof TABS)[number]['id'];

const fromHash = (): TabId | null => {
  const h = location.hash.replace(/^#/, '');
  return TABS.some((t) => t.id === h) ? (h as TabId) : null;
};

export function App() {
  return (
    <SettingsProvider>
      <Shell />
    </SettingsProvider>
  );
}

function Shell() {
  const [tab, setTab] = useState<TabId>(() => fromHash() ?? 'dashboard');
  const log = useLiveLog();
  const { view } = useSettings();
  const tabRefs = useRef<Record<string, HTMLButtonElement | null>>({});
  /** The log's session filter, set when a session is opened from the dashboard. */
  const [logSession, setLogSession] = useState<string | undefined>(undefined);

  // First run without a key: open Settings (unless the URL asked for a tab).
  const decided = useRef(fromHash() !== null);
  useEffect(() => {
    if (decided.current || !view) return;
    decided.current = true;
    if (!view.apiKey.set) setTab('settings');
  }, [view]);

  useEffect(() => {
    const onHash = () => {
      const t = fromHash();
      if (t) setTab(t);
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);

  const select = (t: TabId, focus = false) => {
    decided.current = true;
    setTab(t);
    history.replaceState(null, '', `#${t}`);
    if (focus) tabRefs.current[t]?.focus();
  };

  // The header's fix-it action: open Settings at the field that fixes the state.
  const navigate = (action: NavigateAction | 'raise_monthly') => {
    select('settings');
    const target = action === 'raise_budget' ? 'dailyUsd' : action === 'raise_monthly' ? 'monthlyUsd' : action === 'open_settings' ? 'settings-heading' : 'api-key';
    const focus = (tries: number) => {
      const el = document.getElementById(target) ?? document.getElementById('key-heading');
      if (el) {
        if (el.tagName.startsWith('H')) el.setAttribute('tabindex', '-1');
        el.focus();
        el.scrollIntoView({ block: 'center' });
      } else if (tries > 0) setTimeout(() => focus(tries - 1), 50);
    };
    setTimeout(() => focus(20), 0);
  };

  const onKey = (e: KeyboardEvent) => {
    const i = TABS.findIndex((t) => t.id === tab);
    const next = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? TABS.length - 1 : null;
    if (next === null) return;
    e.preventDefault();
    select(TABS[(next + TABS.length) % TABS.length].id, true);
  };

  return (
    <div className="app">
      <StatusHeader onNavigate={navigate} />
      <nav className="tabs" role="tablist" aria-label="Sections" onKeyDown={onKey}>
        {TABS.map((t) => (
          <button
            key={t.id}
            ref={(el) => {
              tabRefs.current[t.id] = el;
            }}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            className={tab === t.id ? 'tab active' : 'tab'}
            onClick={() => select(t.id)}
          >
            {t.label}
            {t.id === 'log' && log.rows.length > 0 && <span className="tab-count">{log.rows.length}</span>}
          </button>
        ))}
      </nav>
      <BudgetBanner
        onRaise={(period) => navigate(period === 'day' ? 'raise_budget' : 'raise_monthly')}
        onOpenSettings={tab === 'settings' ? undefined : () => navigate('open_settings')}
      />
      <main className="panel">
        <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
          {tab === 'dashboard' && (
            <DashboardTab
              onOpenSession={(id) => {
                setLogSession(id);
                select('log');
              }}
            />
          )}
          {tab === 'log' && <LiveLogTab log={log} session={logSession} onSessionChange={setLogSession} />}
          {tab === 'settings' && <SettingsTab />}
        </div>
      </main>
    </div>
  );
}
