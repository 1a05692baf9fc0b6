import { describe, expect, it } from 'vitest';
import type { Health } from '../../app/contract/health.js';
import {
  healthActionItem, presetMatches, TRAY_RUNS, presetPatch, TIER_PRESETS, trayMenu, trayTooltip, type TrayMenuItem, type TrayModels, type TrayState,
} from '../../main/tray-menu.js';

const stopped: TrayState = { running: false, url: null, error: null, autoLaunch: false };
const running: TrayState = { running: true, url: 'http://127.0.0.1:7187', error: null, autoLaunch: true };
const byId = (state: TrayState) => new Map(trayMenu(state).filter((i) => i.id).map((i) => [i.id, i]));

describe('tray menu', () => {
  it('stopped: offers Start, no Stop, URL copy disabled', () => {
    const items = byId(stopped);
    expect(items.get('status')).toMatchObject({ label: 'Stopped', enabled: false });
    expect(items.get('start')).toMatchObject({ label: 'Start proxy', enabled: true });
    expect(items.has('stop')).toBe(false);
    expect(items.get('copy-url')?.enabled).toBe(false);
    expect(items.get('auto-launch')).toMatchObject({ type: 'checkbox', checked: false });
  });

  it('running: shows the URL, offers Stop and URL copy, reflects auto-launch', () => {
    const items = byId(running);
    expect(items.get('status')?.label).toBe('Running on http://127.0.0.1:7187');
    expect(items.get('stop')).toMatchObject({ enabled: true });
    expect(items.has('start')).toBe(false);
    expect(items.get('copy-url')?.enabled).toBe(true);
    expect(items.get('auto-launch')?.checked).toBe(true);
    expect(trayTooltip(running)).toBe('CCProxy Desktop — Running on http://127.0.0.1:7187');
  });

  it('error: shows one shortened line and still offers Start', () => {
    const error = `MISTRAL_API_KEY is not set:\n${'x'.repeat(200)}`;
    const items = byId({ ...stopped, error });
    const label = items.get('status')!.label!;
    expect(label.startsWith('Error: MISTRAL_API_KEY is not set: x')).toBe(true);
    expect(label).not.toContain('\n');
    expect(label.length).toBeLessThanOrEqual('Error: '.length + 80);
    expect(label.endsWith('…')).toBe(true);
    expect(items.get('start')?.enabled).toBe(true);
    expect(trayTooltip({ ...stopped, error: 'port 7187 is already in use' })).toBe('CCProxy Desktop — Error: port 7187 is already in use');
  });

  it('busy: the start/stop toggle is disabled', () => {
    expect(byId({ ...stopped, busy: true }).get('start')?.enabled).toBe(false);
    expect(byId({ ...running, busy: true }).get('stop')?.enabled).toBe(false);
  });

  it('always has open-window and quit, ids are unique, separators have no id', () => {
    for (const state of [stopped, running]) {
      const menu = trayMenu(state);
      const ids = menu.flatMap((i) => (i.id ? [i.id] : []));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining(['open-window', 'quit']));
      expect(menu.at(-1)?.id).toBe('quit');
      for (const sep of menu.filter((i) => i.type === 'separator')) expect(sep.id).toBeUndefined();
    }
  });
});

const models = (over: Partial<TrayModels> = {}): TrayModels => ({
  current: 'mistral-large-latest',
  choices: ['codestral-latest', 'mistral-large-latest', 'mistral-small-latest'],
  tiers: { opus: 'mistral-large-latest', sonnet: 'mistral-large-latest', haiku: 'mistral-small-latest' },
  sonnetFollows: true,
  available: [],
  ...over,
});
const submenu = (state: TrayState) => trayMenu(state).find((i) => i.type === 'submenu')!.submenu!;
const radios = (items: TrayMenuItem[], id: string) => items.filter((i) => i.id === id).map((i) => [i.value, i.checked, i.enabled]);
const preset = (id: string) => TIER_PRESETS.find((p) => p.id === id)!;

describe('tray: spend, pacing and Claude Code setup', () => {
  it('shows today\'s spend with the budget in use, and Copy Claude Code setup while running', () => {
    const labels = trayMenu({ ...running, spend: { today: '$0.42', budget: { period: 'day', fraction: 0.42 } } }).map((i) => i.label);
    expect(labels).toContain('Today: $0.42 · 42% of daily budget');
    expect(trayMenu({ ...running, spend: { today: '€1.10', budget: { period: 'month', fraction: 1.2 } } }).map((i) => i.label)).toContain('Today: €1.10 · 120% of monthly budget');
    expect(trayMenu({ ...running, spend: { today: '$0.00', budget: null } }).map((i) => i.label)).toContain('Today: $0.00');
    expect(byId(running).get('copy-setup')).toMatchObject({ label: 'Copy Claude Code setup', enabled: true });
    expect(byId(stopped).get('copy-setup')?.enabled).toBe(false);
  });

  it('a pacing line right after the status and health lines while requests wait for Mistral\'s rate limit', () => {
    const pacing = { enabled: true, waiting: 3, oldestWaitMs: 4200 };
    const items = trayMenu({ ...running, health: { code: 'unreachable', label: 'Mistral unreachable', reason: 'r', action: null, actionLabel: null, verified: false }, pacing });
    expect(items.slice(0, 3).map((i) => i.label)).toEqual(['Running on http://127.0.0.1:7187', '⚠ Mistral unreachable', "⏳ Pacing: 3 waiting for Mistral's rate limit (longest 4 s)"]);
    expect(items[2]!.enabled).toBe(false);
    expect(trayTooltip({ ...running, pacing })).toBe('CCProxy Desktop — Running on http://127.0.0.1:7187 · 3 waiting');
    // Nothing waiting, pacing off, or the proxy stopped: no line.
    for (const state of [{ ...running, pacing: { ...pacing, waiting: 0 } }, { ...running, pacing: { ...pacing, enabled: false } }, { ...stopped, pacing }]) {
      expect(trayMenu(state).some((i) => i.label?.includes('Pacing'))).toBe(false);
    }
  });
});

describe('tray: health', () => {
  const health = (code: Health['code'], label: string, action: Health['action'], actionLabel: string | null): Health =>
    ({ code, label, reason: 'why', action, actionLabel, verified: false });

  it('the one action that fixes a non-Ready health sits under its line: run by the tray, or opening Settings (…)', () => {
    const cases: [Health, string][] = [
      [health('needs_key', 'Needs key', 'add_key', 'Add API key'), 'Add API key…'],
      [health('key_rejected', 'Key rejected', 'replace_key', 'Replace key'), 'Replace key…'],
      [health('paused_budget', 'Paused by budget', 'raise_budget', 'Raise limit…'), 'Raise limit…'],
      [health('unreachable', 'Mistral unreachable', 'test_key', 'Try again'), 'Try again'],
    ];
    for (const [h, label] of cases) {
      const items = trayMenu({ ...running, health: h });
      expect(items[1]).toMatchObject({ label: `⚠ ${h.label}`, enabled: false });
      expect(items[2]).toEqual({ id: 'health-action', value: h.action, label, type: 'normal', enabled: true });
      expect(healthActionItem({ ...running, health: h, busy: true })?.enabled).toBe(false);
    }
    // Ready, or stopped (the status line and Start proxy say it): no health line, no action.
    expect(healthActionItem({ ...running, health: health('ready', 'Ready', 'test_key', 'Check now') })).toBeNull();
    expect(healthActionItem({ ...stopped, health: health('stopped', 'Proxy stopped', 'start_proxy', 'Start proxy') })).toBeNull();
    expect(TRAY_RUNS).toEqual(new Set(['start_proxy', 'test_key']));
  });
});

describe('tray: Model submenu', () => {
  it('switches the default model: the current one first and checked', () => {
    const items = submenu({ ...running, models: models() });
    expect(radios(items, 'set-model')).toEqual([['mistral-large-latest', true, true], ['codestral-latest', false, true], ['mistral-small-latest', false, true]]);
    expect(trayMenu({ ...running, models: models() }).find((i) => i.type === 'submenu')!.label).toBe('Model: mistral-large-latest');
  });

  it('offers tier presets; the one matching the settings is checked ("same as default" only for a following Sonnet tier)', () => {
    const items = submenu({ ...running, models: models() });
    expect(radios(items, 'set-preset')).toEqual([['balanced', true, true], ['all-large', false, true], ['reasoning', false, true], ['fast', false, true]]);
    expect(items.find((i) => i.value === 'balanced')!.label).toBe('Balanced — Opus: large · Sonnet: default model · Haiku: small');
    const allLarge = submenu({ ...running, models: models({ tiers: { opus: 'mistral-large-latest', sonnet: 'mistral-large-latest', haiku: 'mistral-large-latest' }, sonnetFollows: false }) });
    expect(radios(allLarge, 'set-preset').filter(([, checked]) => checked)).toEqual([['all-large', true, true]]);
    // A Sonnet tier pinned — even to the default model's id — does not follow it: not Balanced.
    const pinnedSonnet = { tiers: { opus: 'mistral-large-latest', sonnet: 'mistral-large-latest', haiku: 'mistral-small-latest' }, sonnetFollows: false };
    expect(presetMatches(preset('balanced'), pinnedSonnet)).toBe(false);
    // And a following Sonnet tier is not a preset that names a model for it.
    expect(presetMatches(preset('all-large'), { tiers: { opus: 'mistral-large-latest', sonnet: 'mistral-large-latest', haiku: 'mistral-large-latest' }, sonnetFollows: true })).toBe(false);
  });

  it('a mapping made in the window shows as a checked, disabled Custom line', () => {
    const items = submenu({ ...running, models: models({ tiers: { opus: 'codestral-latest', sonnet: 'mistral-large-latest', haiku: 'ministral-3b-latest' } }) });
    expect(radios(items, 'set-preset').every(([, checked]) => !checked)).toBe(true);
    const custom = items.find((i) => i.label?.startsWith('Custom'))!;
    expect(custom).toMatchObject({ type: 'radio', checked: true, enabled: false, label: 'Custom — Opus: codestral · Sonnet: default model · Haiku: ministral-3b' });
  });

  it('leaves out presets naming a model the account does not offer', () => {
    const available = ['mistral-large-latest', 'mistral-small-latest', 'mistral-large-2512'];
    expect(radios(submenu({ ...running, models: models({ available }) }), 'set-preset').map(([v]) => v)).toEqual(['balanced', 'all-large']);
  });

  it('settings pinned by environment variables are shown read-only', () => {
    const items = submenu({ ...running, models: models({ pinned: { defaultModel: true, tiers: true } }) });
    expect(items.filter((i) => i.id === 'set-model' || i.id === 'set-preset').every((i) => i.enabled === false)).toBe(true);
    expect(items.map((i) => i.label)).toEqual(expect.arrayContaining(['Default model (set by MISTRAL_MODEL)', 'Claude tiers (set by CCPROXY_*_MODEL)']));
  });

  it('a preset becomes a tiers patch for settings.update; "same as default" un-pins the Sonnet tier (null)', () => {
    expect(presetPatch(preset('balanced'), { sonnetFollows: true })).toEqual({ tiers: { opus: 'mistral-large-latest', haiku: 'mistral-small-latest' } });
    expect(presetPatch(preset('balanced'), { sonnetFollows: false })).toEqual({ tiers: { opus: 'mistral-large-latest', haiku: 'mistral-small-latest', sonnet: null } });
    expect(presetPatch(preset('fast'), { sonnetFollows: true })).toEqual({ tiers: { opus: 'mistral-small-latest', sonnet: 'mistral-small-latest', haiku: 'ministral-8b-latest' } });
    // Every preset matches the settings its own patch produces (as the core resolves it: null = follow the default).
    const defaultModel = 'mistral-medium-latest';
    for (const start of [true, false]) {
      for (const p of TIER_PRESETS) {
        const t = presetPatch(p, { sonnetFollows: start }).tiers!;
        const follows = t.sonnet === null || (t.sonnet === undefined && start);
        const tiers = { opus: t.opus!, haiku: t.haiku!, sonnet: follows ? defaultModel : t.sonnet! };
        expect(presetMatches(p, { tiers, sonnetFollows: follows }), p.id).toBe(true);
      }
    }
  });
});
