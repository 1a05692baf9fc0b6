import type { Health } from '../app/contract/health.js';

// Pure on purpose: the tray is the app's only always-visible UI, so its states are unit-tested without Electron.
// main.ts turns each item into a MenuItem and maps `id` to an action.

export interface TrayState {
  running: boolean;
  url: string | null;
  error: string | null;
  autoLaunch: boolean;
  /** A start or stop is in flight: the toggle is disabled so clicks cannot overlap. */
  busy?: boolean;
  /** The core's health (app/contract/health.ts), the same state the window's header shows. */
  health?: Health | null;
  /** Today's spend, already formatted in the user's currency, and the daily budget's use (0–1), if any. */
  spend?: { today: string; dailyFraction: number | null } | null;
  /** The default model and the ones to switch to (the window's full picker has the rest). */
  models?: { current: string; choices: string[] } | null;
}

export type TrayActionId = 'status' | 'start' | 'stop' | 'copy-url' | 'copy-setup' | 'set-model' | 'open-window' | 'auto-launch' | 'quit';

export interface TrayMenuItem {
  id?: TrayActionId;
  label?: string;
  type: 'normal' | 'separator' | 'checkbox' | 'radio' | 'submenu';
  enabled?: boolean;
  checked?: boolean;
  /** For 'set-model': the model id to switch the default to. */
  value?: string;
  submenu?: TrayMenuItem[];
}

const MAX_MODEL_CHOICES = 12;

export function spendLine(spend: NonNullable<TrayState['spend']>): string {
  const pct = spend.dailyFraction === null ? '' : ` · ${Math.round(spend.dailyFraction * 100)}% of daily budget`;
  return `Today: ${spend.today}${pct}`;
}

function modelMenu(models: NonNullable<TrayState['models']>): TrayMenuItem {
  const choices = [models.current, ...models.choices.filter((m) => m !== models.current)].slice(0, MAX_MODEL_CHOICES);
  return {
    label: `Default model: ${models.current}`,
    type: 'submenu',
    submenu: choices.map((id) => ({ id: 'set-model', value: id, label: id, type: 'radio', checked: id === models.current, enabled: true })),
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

export function trayTooltip(state: TrayState): string {
  const health = healthLine(state);
  return `${APP_NAME} — ${statusLine(state)}${health ? ` · ${health}: ${shorten(state.health!.reason)}` : ''}`;
}

export function trayMenu(state: TrayState): TrayMenuItem[] {
  const busy = state.busy === true;
  return [
    { id: 'status', label: statusLine(state), type: 'normal', enabled: false },
    ...(healthLine(state) ? [{ label: `⚠ ${healthLine(state)}`, type: 'normal' as const, enabled: false }] : []),
    ...(state.spend ? [{ label: spendLine(state.spend), type: 'normal' as const, enabled: false }] : []),
    { type: 'separator' },
    state.running
      ? { id: 'stop', label: 'Stop proxy', type: 'normal', enabled: !busy }
      : { id: 'start', label: 'Start proxy', type: 'normal', enabled: !busy },
    { id: 'copy-url', label: 'Copy proxy URL', type: 'normal', enabled: state.running && state.url !== null },
    { id: 'copy-setup', label: 'Copy Claude Code setup', type: 'normal', enabled: state.running && state.url !== null },
    ...(state.models ? [modelMenu(state.models)] : []),
    { id: 'open-window', label: `Open ${APP_NAME}`, type: 'normal', enabled: true },
    { type: 'separator' },
    { id: 'auto-launch', label: 'Start at login', type: 'checkbox', enabled: true, checked: state.autoLaunch },
    { type: 'separator' },
    { id: 'quit', label: `Quit ${APP_NAME}`, type: 'normal', enabled: true },
  ];
}
