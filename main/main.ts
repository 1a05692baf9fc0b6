import {
  app, clipboard, dialog, ipcMain, Menu, nativeImage, safeStorage, Tray, type BrowserWindow, type MenuItemConstructorOptions,
} from 'electron';
import ElectronStore from 'electron-store';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreService } from '../app/core/service.js';
import { applyAutoLaunch, createAutoLaunch, HIDDEN_ARG } from './auto-launch.js';
import { forwardEvents, isTrustedSender, registerContract } from './ipc.js';
import { createProxyController } from './proxy-controller.js';
import { rendererUrl } from './renderer-location.js';
import { safeStorageBox } from './safe-storage-box.js';
import { openAppSettings } from './settings-source.js';
import { trayMenu, trayTooltip, type TrayActionId } from './tray-menu.js';
import { createMainWindow, showWindow } from './window.js';

// Wiring only: the core (settings, proxy, ledger, events, the contract's handlers) is app/core's CoreService, shared
// with headless mode; every shell decision lives in a small module that is tested without Electron.

const here = dirname(fileURLToPath(import.meta.url));
// Quitting from the tray should feel immediate; a stream still running after this gets an SSE error.
const QUIT_GRACE_MS = 5_000;

const logError = (what: string) => (err: unknown) => console.error(`ccproxy: ${what}:`, err);

/** A settings file or env value the core cannot work with is shown once, then the app exits: there is no tray yet. */
function openCore(): CoreService | null {
  try {
    const settings = openAppSettings(ElectronStore, {
      dataDir: app.getPath('userData'),
      secretBox: safeStorageBox(safeStorage, process.platform),
      env: process.env,
    });
    // Without a key the proxy still starts (requests get a clear error): the window is where the user enters it.
    return new CoreService({ settings, version: app.getVersion(), allowMissingKey: true });
  } catch (err) {
    dialog.showErrorBox('CCProxy Desktop cannot start', err instanceof Error ? err.message : String(err));
    app.exit(1);
    return null;
  }
}

function run(core: CoreService): void {
  const proxy = createProxyController(core);
  const autoLaunch = createAutoLaunch({
    platform: process.platform,
    loginItems: app,
    execPath: process.env.APPIMAGE ?? process.execPath,
    env: process.env,
    home: homedir(),
  });

  let quitting = false;
  let closed = false;
  let win: BrowserWindow | null = null;
  let tray: Tray | null = null;
  const asset = (name: string) => join(app.getAppPath(), 'build', name);
  const liveContents = () => (win && !win.isDestroyed() ? win.webContents : undefined);

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
    start: () => void proxy.start(),
    stop: () => void proxy.stop(),
    'copy-url': () => {
      const url = proxy.state().url;
      if (url) clipboard.writeText(url);
    },
    'open-window': openWindow,
    // Through the settings, like the window's switch: the 'settings.changed' event then applies it to the OS.
    'auto-launch': () => void core.handlers['settings.update']({ autoLaunch: !safeIsEnabled() }).catch(logError('cannot change start-at-login')),
    quit: () => app.quit(),
  };

  function safeIsEnabled(): boolean {
    try {
      return autoLaunch.isEnabled();
    } catch {
      return false;
    }
  }

  function renderTray(): void {
    if (!tray) return;
    const state = { ...proxy.state(), autoLaunch: safeIsEnabled() };
    tray.setToolTip(trayTooltip(state));
    const template: MenuItemConstructorOptions[] = trayMenu(state).map((item) => {
      const id = item.id;
      return { ...item, click: id ? () => actions[id]() : undefined };
    });
    tray.setContextMenu(Menu.buildFromTemplate(template));
  }

  app.on('second-instance', openWindow);
  app.on('activate', openWindow);
  // The proxy lives in the tray: closing the last window must not quit.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', () => {
    quitting = true;
  });
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    void core
      .close(QUIT_GRACE_MS)
      .catch(logError('stop failed'))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });

  proxy.onChange(renderTray);
  core.bus.on('settings.changed', (view) => {
    applyAutoLaunch(autoLaunch, view.settings.autoLaunch, logError('cannot change start-at-login'));
    renderTray();
  });
  registerContract(ipcMain, core.handlers, (event) => isTrustedSender(event, rendererUrl(app.getAppPath())));
  forwardEvents(core.bus, liveContents);

  void app.whenReady().then(async () => {
    if (process.platform === 'darwin') app.dock?.hide();
    const image = nativeImage.createFromPath(asset(process.platform === 'darwin' ? 'tray-Template.png' : 'tray.png'));
    tray = new Tray(image);
    if (process.platform === 'win32') tray.on('click', openWindow);
    // The stored setting is the source of truth: make the OS agree at every launch, not only when it changes.
    applyAutoLaunch(autoLaunch, (await core.handlers['settings.get']()).settings.autoLaunch, logError('cannot change start-at-login'));
    renderTray();
    const atLogin = process.argv.includes(HIDDEN_ARG) || (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
    if (!atLogin) openWindow();
    await proxy.start();
  });
}

app.setAppUserModelId('dev.ccproxy.desktop');
// A second launch (e.g. from the app menu while it sits in the tray) just brings the running one forward.
if (!app.requestSingleInstanceLock()) app.quit();
else {
  const core = openCore();
  if (core) run(core);
}
