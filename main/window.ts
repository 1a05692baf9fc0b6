import { BrowserWindow, shell } from 'electron';
import { APP_URL } from './app-protocol.js';
import { isAppPage, windowOptions } from './window-options.js';

export interface WindowOptions {
  preload: string;
  icon?: string;
  /** The UI's tab to open on (its #route), e.g. 'settings'. */
  route?: string;
  /** Closing only hides the window until the user quits from the tray. */
  isQuitting: () => boolean;
}

export function createMainWindow(opts: WindowOptions): BrowserWindow {
  const win = new BrowserWindow(windowOptions(opts));
  win.on('close', (event) => {
    if (opts.isQuitting()) return;
    event.preventDefault();
    win.hide();
  });
  // The page is local and trusted; anything else it links to opens in the user's browser, never in this window.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event) => {
    if (!isAppPage(event.url)) event.preventDefault();
  });
  // ccproxy://app/ serves the built UI, or a placeholder page when it is absent (app-protocol.ts).
  win.loadURL(opts.route ? `${APP_URL}#${opts.route}` : APP_URL).catch((err: unknown) => console.error('ccproxy: the window cannot load its page:', err));
  return win;
}

export function showWindow(win: BrowserWindow): void {
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
