import { BrowserWindow, shell } from 'electron';
import { hasRenderer, placeholderUrl, rendererIndex, rendererUrl } from './renderer-location.js';

export interface WindowOptions {
  appPath: string;
  preload: string;
  icon?: string;
  /** Closing only hides the window until the user quits from the tray. */
  isQuitting: () => boolean;
}

export function createMainWindow(opts: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 980,
    height: 700,
    // The renderer reflows down to 480 px wide (tested at that width).
    minWidth: 480,
    minHeight: 420,
    show: false,
    title: 'CCProxy Desktop',
    icon: opts.icon,
    webPreferences: { preload: opts.preload, contextIsolation: true, sandbox: true, nodeIntegration: false },
  });
  win.on('close', (event) => {
    if (opts.isQuitting()) return;
    event.preventDefault();
    win.hide();
  });
  const home = rendererUrl(opts.appPath);
  // The page is local and trusted; anything else it links to opens in the user's browser, never in this window.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event) => {
    if (event.url.split('#')[0] !== home) event.preventDefault();
  });
  const fallback = placeholderUrl(rendererIndex(opts.appPath));
  const load = hasRenderer(opts.appPath) ? win.loadURL(home) : win.loadURL(fallback);
  load.catch(() => win.loadURL(fallback).catch(() => undefined));
  return win;
}

export function showWindow(win: BrowserWindow): void {
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
