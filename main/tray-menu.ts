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
}

export type TrayActionId = 'status' | 'start' | 'stop' | 'copy-url' | 'open-window' | 'auto-launch' | 'quit';

export interface TrayMenuItem {
  id?: TrayActionId;
  label?: string;
  type: 'normal' | 'separator' | 'checkbox';
  enabled?: boolean;
  checked?: boolean;
}

export const APP_NAME = 'CCProxy Desktop';

// Menu items render on one line; a long upstream error would stretch the menu across the screen.
const MAX_ERROR_CHARS = 80;

function shorten(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > MAX_ERROR_CHARS ? `${oneLine.slice(0, MAX_ERROR_CHARS - 1)}…` : oneLine;
}

export function statusLine(state: TrayState): string {
  const health = state.health;
  if (health && state.running && health.code !== 'ready') return health.label;
  if (state.running && state.url) return `Running on ${state.url}`;
  if (state.error) return `Error: ${shorten(state.error)}`;
  return 'Stopped';
}

export function trayTooltip(state: TrayState): string {
  const reason = state.health && state.running && state.health.code !== 'ready' ? `: ${shorten(state.health.reason)}` : '';
  return `${APP_NAME} — ${statusLine(state)}${reason}`;
}

export function trayMenu(state: TrayState): TrayMenuItem[] {
  const busy = state.busy === true;
  return [
    { id: 'status', label: statusLine(state), type: 'normal', enabled: false },
    { type: 'separator' },
    state.running
      ? { id: 'stop', label: 'Stop proxy', type: 'normal', enabled: !busy }
      : { id: 'start', label: 'Start proxy', type: 'normal', enabled: !busy },
    { id: 'copy-url', label: 'Copy proxy URL', type: 'normal', enabled: state.running && state.url !== null },
    { id: 'open-window', label: `Open ${APP_NAME}`, type: 'normal', enabled: true },
    { type: 'separator' },
    { id: 'auto-launch', label: 'Start at login', type: 'checkbox', enabled: true, checked: state.autoLaunch },
    { type: 'separator' },
    { id: 'quit', label: `Quit ${APP_NAME}`, type: 'normal', enabled: true },
  ];
}
