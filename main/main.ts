import { app, clipboard, ipcMain, Menu, nativeImage, Tray, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAutoLaunch, HIDDEN_ARG } from './auto-launch.js';
import { pushStatus, registerIpc } from './ipc.js';
import { createProxyController } from './proxy-controller.js';
import { rendererUrl } from './renderer-location.js';
import { envSettingsSource, type DesktopSettings } from './settings-source.js';
import { trayMenu, trayTooltip, type TrayActionId } from './tray-menu.js';
import { createMainWindow, showWindow } from './window.js';

// Wiring only: every decision lives in a small module that is tested without Electron.

const here = dirname(fileURLToPath(import.meta.url));
// Quitting from the tray should feel immediate; a stream still running after this gets an SSE error.
const QUIT_GRACE_MS = 5_000;

// Until issue #3 brings electron-store, the app's own settings are empty and env vars configure everything.
const settings: DesktopSettings = {};

function run(): void {
  const controller = createProxyController({
    settings: envSettingsSource(process.env, () => settings),
    version: app.getVersion(),
  });
  const autoLaunch = createAutoLaunch({
    platform: process.platform,
    loginItems: app,
    execPath: process.env.APPIMAGE ?? process.execPath,
    env: process.env,
    home: homedir(),
  });

  let quitting = false;
  let stopped = false;
  let win: BrowserWindow | null = null;
  let tray: Tray | null = null;
  const asset = (name: string) => join(app.getAppPath(), 'build', name);

  const openWindow = () => {
    win ??= createMainWindow({
      appPath: app.getAppPath(),
      preload: join(here, 'preload.cjs'),
      icon: process.platform === 'linux' ? asset('icon.png') : undefined,
      isQuitting: () => quitting,
    });
    showWindow(win);
    // LSUIElement apps are never frontmost on their own; without this the window opens behind others.
    if (process.platform === 'darwin') app.focus({ steal: true });
  };

  const actions: Record<TrayActionId, () => void> = {
    status: () => undefined,
    start: () => void controller.start(),
    stop: () => void controller.stop(),
    'copy-url': () => {
      const url = controller.status().url;
      if (url) clipboard.writeText(url);
    },
    'open-window': openWindow,
    'auto-launch': () => {
      try {
        autoLaunch.setEnabled(!autoLaunch.isEnabled());
      } catch (err) {
        console.error('ccproxy: cannot change start-at-login:', err);
      }
      renderTray();
    },
    quit: () => app.quit(),
  };

  function renderTray(): void {
    if (!tray) return;
    const state = { ...controller.status(), autoLaunch: safeIsEnabled() };
    tray.setToolTip(trayTooltip(state));
    const template: MenuItemConstructorOptions[] = trayMenu(state).map((item) => {
      const id = item.id;
      return { ...item, click: id ? () => actions[id]() : undefined };
    });
    tray.setContextMenu(Menu.buildFromTemplate(template));
  }

  function safeIsEnabled(): boolean {
    try {
      return autoLaunch.isEnabled();
    } catch {
      return false;
    }
  }

  app.on('second-instance', openWindow);
  app.on('activate', openWindow);
  // The proxy lives in the tray: closing the last window must not quit.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('will-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    void controller
      .stop(QUIT_GRACE_MS)
      .catch((err) => console.error('ccproxy: stop failed:', err))
      .finally(() => {
        stopped = true;
        app.quit();
      });
  });

  controller.onChange((status) => {
    renderTray();
    pushStatus(win && !win.isDestroyed() ? win.webContents : undefined, status);
  });
  registerIpc(ipcMain, () => rendererUrl(app.getAppPath()), () => controller.status());

  void app.whenReady().then(async () => {
    if (process.platform === 'darwin') app.dock?.hide();
    const image = nativeImage.createFromPath(asset(process.platform === 'darwin' ? 'tray-Template.png' : 'tray.png'));
    tray = new Tray(image);
    if (process.platform === 'win32') tray.on('click', openWindow);
    renderTray();
    const atLogin = process.argv.includes(HIDDEN_ARG) || (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
    if (!atLogin) openWindow();
    await controller.start();
  });
}

app.setAppUserModelId('dev.ccproxy.desktop');
// A second launch (e.g. from the app menu while it sits in the tray) just brings the running one forward.
if (app.requestSingleInstanceLock()) run();
else app.quit();
