import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { LoginItemSettings, Settings } from 'electron';

// Start-at-login. macOS and Windows have an OS API (Electron's login items); Linux has none, so we write an XDG
// autostart entry ourselves. Everything except the login-item adapter runs in plain Node and is tested on a temp dir.

export const AUTOSTART_FILE = 'ccproxy-desktop.desktop';

/** Passed on login so the app starts in the tray instead of opening its window. */
export const HIDDEN_ARG = '--hidden';

// Desktop Entry spec, "The Exec key": an argument containing any of these must be quoted.
const RESERVED = /[\s"'\\><~|&;$*?#()`]/;

/** Quotes one Exec argument per the Desktop Entry spec (quoting rule first, then the string escape rule). */
export function quoteExecArg(arg: string): string {
  const quoted = arg === '' || RESERVED.test(arg) ? `"${arg.replace(/(["`$\\])/g, '\\$1')}"` : arg;
  // '%' starts a field code; a literal one is '%%'. Then the generic string escapes, which double every
  // backslash the quoting rule just added (so a literal '$' is written '\\$', as the spec's own example shows).
  return quoted
    .replace(/%/g, '%%')
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(/\r/g, '\\r');
}

export function desktopEntry(execPath: string, args: readonly string[] = []): string {
  const exec = [execPath, ...args].map(quoteExecArg).join(' ');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Version=1.5',
    'Name=CCProxy Desktop',
    'Comment=Local Anthropic API proxy for Mistral AI',
    `Exec=${exec}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** The autostart directory per the XDG Base Directory spec: a relative XDG_CONFIG_HOME is invalid and ignored. */
export function linuxAutostartDir(env: Record<string, string | undefined>, home: string): string {
  const xdg = env.XDG_CONFIG_HOME?.trim();
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.config'), 'autostart');
}

export function linuxAutostartPath(env: Record<string, string | undefined>, home: string): string {
  return join(linuxAutostartDir(env, home), AUTOSTART_FILE);
}

export function enableLinux(dir: string, execPath: string, args: readonly string[] = []): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, AUTOSTART_FILE), desktopEntry(execPath, args));
}

export function disableLinux(dir: string): void {
  rmSync(join(dir, AUTOSTART_FILE), { force: true });
}

/** Session managers skip entries marked Hidden or GNOME-disabled, so such a file does not count as enabled. */
export function isEnabledLinux(dir: string): boolean {
  const file = join(dir, AUTOSTART_FILE);
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  return !/^Hidden\s*=\s*true\s*$/m.test(text) && !/^X-GNOME-Autostart-enabled\s*=\s*false\s*$/m.test(text);
}

export interface AutoLaunch {
  isEnabled(): boolean;
  setEnabled(on: boolean): void;
  /** False when an enabled entry starts something else than this executable (an AppImage renamed by an update). */
  isCurrent?(): boolean;
}

/** The slice of Electron's `app` the adapter needs; passed in so this file never loads 'electron' at runtime. */
export interface LoginItems {
  getLoginItemSettings(options?: { path?: string; args?: string[] }): LoginItemSettings;
  setLoginItemSettings(settings: Settings): void;
}

export interface AutoLaunchOptions {
  platform: NodeJS.Platform;
  loginItems: LoginItems;
  /** On Linux AppImage builds pass $APPIMAGE: process.execPath points into a mount that vanishes on exit. */
  execPath: string;
  env: Record<string, string | undefined>;
  home: string;
  /**
   * app.isPackaged. A dev run's executable is the bare `electron` binary, which would open Electron's default app
   * at login: nothing is registered then (turning it off still works).
   */
  packaged: boolean;
  onSkipped?: (reason: string) => void;
}

export function createAutoLaunch(opts: AutoLaunchOptions): AutoLaunch {
  const args = [HIDDEN_ARG];
  const skipDev = () => opts.onSkipped?.('start at login is only registered by the installed app, not by a dev run');
  if (opts.platform === 'linux') {
    const dir = linuxAutostartDir(opts.env, opts.home);
    return {
      isEnabled: () => isEnabledLinux(dir),
      setEnabled: (on) => {
        if (!on) disableLinux(dir);
        else if (!opts.packaged) skipDev();
        else enableLinux(dir, opts.execPath, args);
      },
      isCurrent: () => {
        try {
          return readFileSync(join(dir, AUTOSTART_FILE), 'utf8') === desktopEntry(opts.execPath, args);
        } catch {
          return false;
        }
      },
    };
  }
  // Windows matches the registry entry by path and args, so reads must pass the same ones the write used.
  const query = { path: opts.execPath, args };
  return {
    isEnabled: () => opts.loginItems.getLoginItemSettings(query).openAtLogin,
    setEnabled: (on) => {
      if (on && !opts.packaged) skipDev();
      else opts.loginItems.setLoginItemSettings({ openAtLogin: on, ...query });
    },
  };
}

/**
 * Makes the OS match the `autoLaunch` setting (called on every 'settings.changed'); touches the OS only when they
 * differ. Returns the OS state afterwards; a failure (no permission, read-only autostart dir) is reported, not thrown.
 */
export function applyAutoLaunch(autoLaunch: AutoLaunch, wanted: boolean, onError: (err: unknown) => void = () => undefined): boolean {
  try {
    const enabled = autoLaunch.isEnabled();
    // A stale entry (the executable moved or was renamed) is rewritten, or login would start nothing.
    if (enabled !== wanted || (wanted && autoLaunch.isCurrent?.() === false)) autoLaunch.setEnabled(wanted);
    return autoLaunch.isEnabled();
  } catch (err) {
    onError(err);
    try {
      return autoLaunch.isEnabled();
    } catch {
      return false;
    }
  }
}
