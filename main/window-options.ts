import type { BrowserWindowConstructorOptions } from 'electron';
import { APP_URL } from './app-protocol.js';

// The main window's options and navigation rule, Electron-free so they are unit-tested.

/** The narrowest page the window's UI is built and tested for (renderer/src/styles.css, the e2e screens at 480 px). */
export const UI_MIN_WIDTH = 480;
export const UI_MIN_HEIGHT = 420;

export function windowOptions(opts: { preload: string; icon?: string }): BrowserWindowConstructorOptions {
  return {
    width: 980,
    height: 700,
    // Sizes are the page's, not the frame's: with useContentSize the minimum applies to the content area, so the
    // page is never narrower than the UI's 480 px whatever the OS's borders and title bar take.
    useContentSize: true,
    minWidth: UI_MIN_WIDTH,
    minHeight: UI_MIN_HEIGHT,
    show: false,
    title: 'CCProxy Desktop',
    icon: opts.icon,
    webPreferences: { preload: opts.preload, contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
  };
}

/** Our page (any #route of it) and nothing else may be shown in the window. */
export function isAppPage(url: string): boolean {
  return url.split('#')[0] === APP_URL;
}

