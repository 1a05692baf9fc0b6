import type { Health } from '../app/contract/health.js';
import type { PacingState } from '../app/contract/pacing.js';
import type { SettingsPatch, TierModels } from '../app/contract/settings.js';

// Pure on purpose: the tray is the app's only always-visible UI, so its states are unit-tested without Electron.
// main.ts turns each item into a MenuItem and maps `id` to an action.

/** The Sonnet tier "Same as default model", as the window's picker calls it. */
export const SAME_AS_DEFAULT = 'default';

export interface TierPreset {
  id: string;
  name: string;
  tiers: { opus: string; sonnet: string; haiku: string };
}

// From the model list and prices in the translation reference (B.8, USD per 1M tokens in/out): Large 3 0.50/1.50,
// Medium 3.5 1.50/7.50 (the one with reasoning), Small 4 0.15/0.60, Ministral 8B 0.15/0.15. `-latest` aliases, so a
// preset follows Mistral's updates like the defaults do. Balanced is the app's default mapping.
export const TIER_PRESETS: readonly TierPreset[] = [
  { id: 'balanced', name: 'Balanced', tiers: { opus: 'mistral-large-latest', sonnet: SAME_AS_DEFAULT, haiku: 'mistral-small-latest' } },
  { id: 'all-large', name: 'All Large', tiers: { opus: 'mistral-large-latest', sonnet: 'mistral-large-latest', haiku: 'mistral-large-latest' } },
  { id: 'reasoning', name: 'Reasoning for Opus', tiers: { opus: 'mistral-medium-latest', sonnet: SAME_AS_DEFAULT, haiku: 'mistral-small-latest' } },
  { id: 'fast', name: 'Fast and cheap', tiers: { opus: 'mistral-small-latest', sonnet: 'mistral-small-latest', haiku: 'ministral-8b-latest' } },
];

export interface TrayModels {
  /** The default model (what the Sonnet tier follows when it is "same as default"). */
  current: string;
  /** Models to switch the default to (the window's full picker has the rest). */
  choices: string[];
  /** The effective tier mapping. */
  tiers: TierModels;
  /** The Sonnet tier follows the default model (nothing pins it): "Same as default model". */
  sonnetFollows: boolean;
  /** Every model id and alias the account offers; presets naming another model are left out. Empty: unknown. */
  available: string[];
  /** Set by an environment variable, which the app's settings cannot override: offered read-only. */
  pinned?: { defaultModel?: boolean; tiers?: boolean };
}

export interface TrayState {
  running: boolean;
  url: string | null;
  error: string | null;
  autoLaunch: boolean;
  /** A start or stop is in flight: the toggle is disabled so clicks cannot overlap. */
  busy?: boolean;
  /** The core's health (app/contract/health.ts), the same state the window's header shows. */
  health?: Health | null;
  /** The request pacer (what /status.pacing shows) while the proxy runs. */
  pacing?: Pick<PacingState, 'enabled' | 'waiting' | 'oldestWaitMs'> | null;
  /** Today's spend, already formatted in the user's currency, and the tightest budget's use (0–1), if any. */
  spend?: { today: string; budget: { period: 'day' | 'month'; fraction: number } | null } | null;
  models?: TrayModels | null;
}

export type TrayActionId =
  | 'status' | 'health-action' | 'start' | 'stop' | 'copy-url' | 'copy-setup' | 'set-model' | 'set-preset' | 'open-window' | 'auto-launch' | 'quit';

export interface TrayMenuItem {
  id?: TrayActionId;
  label?: string;
  type: 'normal' | 'separator' | 'checkbox' | 'radio' | 'submenu';
  enabled?: boolean;
  checked?: boolean;
  /** For 'set-model': the model id; for 'set-preset': the preset id; for 'health-action': the HealthAction. */
  value?: string;
  submenu?: TrayMenuItem[];
}

const MAX_MODEL_CHOICES = 12;

export function spendLine(spend: NonNullable<TrayState['spend']>): string {
  const b = spend.budget;
  const pct = b ? ` · ${Math.round(b.fraction * 100)}% of ${b.period === 'day' ? 'daily' : 'monthly'} budget` : '';
  return `Today: ${spend.today}${pct}`;
}

/** "3 waiting for Mistral's rate limit" while the pacer holds requests back; null otherwise. */
export function pacingLine(state: TrayState): string | null {
  const p = state.pacing;
  if (!state.running || !p?.enabled || p.waiting <= 0) return null;
  const oldest = p.oldestWaitMs >= 1000 ? ` (longest ${Math.round(p.oldestWaitMs / 1000)} s)` : '';
  return `Pacing: ${p.waiting} waiting for Mistral's rate limit${oldest}`;
}

/** The model name without the provider's prefix and alias suffix, to keep menu lines short. */
const short = (id: string) => id.replace(/^mistral-/, '').replace(/-latest$/, '');

export function presetLabel(p: TierPreset): string {
  const sonnet = p.tiers.sonnet === SAME_AS_DEFAULT ? 'default model' : short(p.tiers.sonnet);
  return `${p.name} — Opus: ${short(p.tiers.opus)} · Sonnet: ${sonnet} · Haiku: ${short(p.tiers.haiku)}`;
}

/** Whether the settings are this preset ("same as default" only when the Sonnet tier really follows the default). */
export function presetMatches(p: TierPreset, m: Pick<TrayModels, 'tiers' | 'sonnetFollows'>): boolean {
  const sonnet = p.tiers.sonnet === SAME_AS_DEFAULT ? m.sonnetFollows : !m.sonnetFollows && m.tiers.sonnet === p.tiers.sonnet;
  return m.tiers.opus === p.tiers.opus && m.tiers.haiku === p.tiers.haiku && sonnet;
}

/**
 * The settings patch that applies a preset through the core's typed API. "Same as default" un-pins the Sonnet tier
 * (`sonnet: null`, so it follows the default model again) unless it already follows it.
 */
export function presetPatch(p: TierPreset, m: Pick<TrayModels, 'sonnetFollows'>): SettingsPatch {
  const patch: NonNullable<SettingsPatch['tiers']> = { opus: p.tiers.opus, haiku: p.tiers.haiku };
  if (p.tiers.sonnet !== SAME_AS_DEFAULT) patch.sonnet = p.tiers.sonnet;
  else if (!m.sonnetFollows) patch.sonnet = null;
  return { tiers: patch };
}

export function presetById(id: string | undefined): TierPreset | undefined {
  return TIER_PRESETS.find((p) => p.id === id);
}

const header = (label: string): TrayMenuItem => ({ label, type: 'normal', enabled: false });

function modelMenu(models: TrayModels): TrayMenuItem {
  const choices = [models.current, ...models.choices.filter((m) => m !== models.current)].slice(0, MAX_MODEL_CHOICES);
  const offered = new Set(models.available);
  const presets = TIER_PRESETS.filter((p) => offered.size === 0 || [p.tiers.opus, p.tiers.sonnet, p.tiers.haiku].every((m) => m === SAME_AS_DEFAULT || offered.has(m)));
  const active = presets.find((p) => presetMatches(p, models));
  const lockDefault = models.pinned?.defaultModel === true;
  const lockTiers = models.pinned?.tiers === true;
  const t = models.tiers;
  return {
    label: `Model: ${models.current}`,
    type: 'submenu',
    submenu: [
      header(lockDefault ? 'Default model (set by MISTRAL_MODEL)' : 'Default model'),
      ...choices.map((id): TrayMenuItem => ({ id: 'set-model', value: id, label: id, type: 'radio', checked: id === models.current, enabled: !lockDefault })),
      { type: 'separator' },
      header(lockTiers ? 'Claude tiers (set by CCPROXY_*_MODEL)' : 'Claude tiers'),
      ...presets.map((p): TrayMenuItem => ({ id: 'set-preset', value: p.id, label: presetLabel(p), type: 'radio', checked: p === active, enabled: !lockTiers })),
      // Radio groups need a checked item to tell the truth: a mapping made in the window shows as Custom.
      ...(active ? [] : [{
        label: `Custom — Opus: ${short(t.opus)} · Sonnet: ${models.sonnetFollows ? 'default model' : short(t.sonnet)} · Haiku: ${short(t.haiku)}`,
        type: 'radio' as const, checked: true, enabled: false,
      }]),
      { type: 'separator' },
      { id: 'open-window', label: 'More models and tiers…', type: 'normal', enabled: true },
    ],
  };
}

export const APP_NAME = 'CCProxy Desktop';

// Menu items render on one line; a long upstream error would stretch the menu across the screen.
const MAX_ERROR_CHARS = 80;

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_ERROR_CHARS ? `${oneLine.slice(0, MAX_ERROR_CHARS - 1)}…` : oneLine;
}

export function statusLine(state: TrayState): string {
  if (state.running && state.url) return `Running on ${state.url}`;
  if (state.error) return `Error: ${shorten(state.error)}`;
  return 'Stopped';
}

/** The health (app/contract/health.ts) when it is not Ready, e.g. "Needs key"; null otherwise. */
export function healthLine(state: TrayState): string | null {
  const h = state.health;
  return h && state.running && h.code !== 'ready' ? h.label : null;
}

/** Health actions the tray runs itself; the others open the window's Settings. */
export const TRAY_RUNS: ReadonlySet<string> = new Set(['start_proxy', 'test_key']);

/** The one action that fixes a non-Ready health, as a menu item ("Add API key…" opens Settings). */
export function healthActionItem(state: TrayState): TrayMenuItem | null {
  const h = state.health;
  if (!healthLine(state) || !h?.action || !h.actionLabel) return null;
  const label = TRAY_RUNS.has(h.action) || h.actionLabel.endsWith('…') ? h.actionLabel : `${h.actionLabel}…`;
  return { id: 'health-action', value: h.action, label, type: 'normal', enabled: state.busy !== true };
}

export function trayTooltip(state: TrayState): string {
  const health = healthLine(state);
  const waiting = pacingLine(state) ? ` · ${state.pacing!.waiting} waiting` : '';
  return `${APP_NAME} — ${statusLine(state)}${health ? ` · ${health}: ${shorten(state.health!.reason)}` : ''}${waiting}`;
}

export function trayMenu(state: TrayState): TrayMenuItem[] {
  const busy = state.busy === true;
  const health = healthLine(state);
  const pacing = pacingLine(state);
  const fix = healthActionItem(state);
  const canConnect = state.running && state.url !== null;
  return [
    { id: 'status', label: statusLine(state), type: 'normal', enabled: false },
    ...(health ? [header(`⚠ ${health}`)] : []),
    ...(fix ? [fix] : []),
    ...(pacing ? [header(`⏳ ${pacing}`)] : []),
    ...(state.spend ? [header(spendLine(state.spend))] : []),
    { type: 'separator' },
    state.running
      ? { id: 'stop', label: 'Stop proxy', type: 'normal', enabled: !busy }
      : { id: 'start', label: 'Start proxy', type: 'normal', enabled: !busy },
    { id: 'copy-url', label: 'Copy proxy URL', type: 'normal', enabled: canConnect },
    { id: 'copy-setup', label: 'Copy Claude Code setup', type: 'normal', enabled: canConnect },
    ...(state.models ? [modelMenu(state.models)] : []),
    { id: 'open-window', label: `Open ${APP_NAME}`, type: 'normal', enabled: true },
    { type: 'separator' },
    { id: 'auto-launch', label: 'Start at login', type: 'checkbox', enabled: true, checked: state.autoLaunch },
    { type: 'separator' },
    { id: 'quit', label: `Quit ${APP_NAME}`, type: 'normal', enabled: true },
  ];
}
