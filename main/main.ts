import {
  app, clipboard, dialog, ipcMain, Menu, nativeImage, protocol, safeStorage, session, Tray, type BrowserWindow, type MenuItemConstructorOptions,
} from 'electron';
import ElectronStore from 'electron-store';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelOption } from '../app/contract/api.js';
import { enableJsonStringifyFastPath, holdYoungGenerationDuringStart, SEMI_SPACE_MB } from '../app/core/heap-flags.js';
import { CoreService } from '../app/core/service.js';
import { runSelfTest } from '../app/self-test.js';
import { settingsFilePath } from '../app/settings/schema.js';
import { APP_SCHEME, APP_SCHEME_PRIVILEGES, APP_URL, createAppHandler, rendererDir } from './app-protocol.js';
import { applyAutoLaunch, createAutoLaunch, HIDDEN_ARG } from './auto-launch.js';
import { coalesce } from './coalesce.js';
import { forwardEvents, isTrustedSender, registerContract } from './ipc.js';
import { allowPermission } from './permissions.js';
import { createProxyController } from './proxy-controller.js';
import { safeStorageBox, type AsyncSecretBox } from './safe-storage-box.js';
import { openAppSettings } from './settings-source.js';
import { prepareStoredKey, withKeyEncryption } from './stored-key.js';
import { trayModels, traySpend } from './tray-data.js';
import { presetById, presetPatch, trayMenu, trayTooltip, type TrayActionId, type TrayMenuItem, type TrayState } from './tray-menu.js';
import { createMainWindow, showWindow } from './window.js';

// Wiring only: the core (settings, proxy, ledger, events, the contract's handlers) is app/core's CoreService, shared
// with headless mode; every shell decision lives in a small module that is tested without Electron. Everything that
// touches safeStorage or shows a dialog runs after 'ready' (before it, safeStorage reports encryption unavailable on
// Windows and Linux, and an error box goes to the terminal on Linux).

const here = dirname(fileURLToPath(import.meta.url));
// Quitting from the tray should feel immediate; a stream still running after this gets an SSE error.
const QUIT_GRACE_MS = 5_000;
const TRAY_REFRESH_MS = 1_000;
const TRAY_MODELS_TTL_MS = 5 * 60_000;
export const SELF_TEST_ARG = '--self-test';

/** Ends the start-up hold on the young generation (a no-op until it began, and after the first call). */
let releaseYoungGeneration: () => void = () => undefined;

const logError = (what: string) => (err: unknown) => console.error(`ccproxy: ${what}:`, err);

/** Opens the settings (with the key decrypted ahead) and the core; a problem is shown, then the app exits. */
async function openCore(box: AsyncSecretBox): Promise<{ core: CoreService; keyError: string | null } | null> {
  try {
    await box.init();
    const dataDir = app.getPath('userData');
    const keyError = await prepareStoredKey(box, settingsFilePath(dataDir));
    const settings = openAppSettings(ElectronStore, { dataDir, secretBox: box, env: process.env });
    // Without a key the proxy still starts (requests get a clear error): the window is where the user enters it.
    return { core: new CoreService({ settings, version: app.getVersion(), allowMissingKey: true }), keyError };
  } catch (err) {
    dialog.showErrorBox('CCProxy Desktop cannot start', err instanceof Error ? err.message : String(err));
    app.exit(1);
    return null;
  }
}

function run(core: CoreService, box: AsyncSecretBox, keyError: string | null): void {
  // The window's pages, with their Content-Security-Policy header (app-protocol.ts).
  protocol.handle(APP_SCHEME, createAppHandler(rendererDir(app.getAppPath())));
  // Both handlers: most web APIs check a permission first and only then request it.
  session.defaultSession.setPermissionCheckHandler((_contents, permission, origin) => allowPermission(permission, origin));
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) => callback(allowPermission(permission, details.requestingUrl)));
  const proxy = createProxyController(core);
  const autoLaunch = createAutoLaunch({
    platform: process.platform,
    loginItems: app,
    execPath: process.env.APPIMAGE ?? process.execPath,
    env: process.env,
    home: homedir(),
    packaged: app.isPackaged,
    onSkipped: (reason) => console.warn(`ccproxy: ${reason}`),
  });

  let quitting = false;
  let closed = false;
  let win: BrowserWindow | null = null;
  let tray: Tray | null = null;
  const asset = (name: string) => join(app.getAppPath(), 'build', name);
  const liveContents = () => (win && !win.isDestroyed() ? win.webContents : undefined);

  const ensureWindow = (tab?: string): BrowserWindow | null => {
    // After quit starts, a window must not be (re)created: it would be destroyed mid-load, or throw.
    if (quitting) return null;
    if (win?.isDestroyed()) win = null;
    if (!win) {
      win = createMainWindow({
        preload: join(here, 'preload.cjs'),
        route: tab,
        icon: process.platform === 'linux' ? asset('icon.png') : undefined,
        isQuitting: () => quitting,
      });
      // Windows logoff/shutdown ends the process right after this: stop now so in-flight requests are cut and their
      // usage records written, instead of waiting for a quit sequence that will not come.
      win.on('session-end', () => {
        quitting = true;
        void core.close(0).catch(logError('stop at session end failed')).finally(() => {
          closed = true;
        });
      });
    }
    return win;
  };
  /** Shows the window, on a tab of the UI (its #route) when one is named. */
  const openWindow = (tab?: 'settings') => {
    const existed = win !== null && !win.isDestroyed();
    const w = ensureWindow(tab);
    if (!w) return;
    // Same page, new fragment: a same-document navigation the UI follows (hashchange), no reload.
    if (existed && tab) w.loadURL(`${APP_URL}#${tab}`).catch(logError('cannot show the settings'));
    showWindow(w);
    // LSUIElement apps are never frontmost on their own; without this the window opens behind others.
    if (process.platform === 'darwin') app.focus({ steal: true });
  };

  // Tray data that needs async core calls (spend, budgets, models); fetched by each refresh, read by renderTray.
  let extras: Pick<TrayState, 'spend' | 'models'> = {};
  // The model list is Mistral's /v1/models when the key works: asked again only after a settings change or every
  // few minutes, never per refresh (with Mistral unreachable each ask would be a network attempt).
  let models: { at: number; list: ModelOption[] } | null = null;
  let modelsStale = true;
  const loadExtras = async () => {
    const wantModels = modelsStale || !models || Date.now() - models.at > TRAY_MODELS_TTL_MS;
    modelsStale = false;
    const [view, report, budgets, list] = await Promise.allSettled([
      core.handlers['settings.get'](),
      core.handlers['usage.report']({ preset: 'today' }),
      core.handlers['budget.state'](),
      wantModels ? core.handlers['models.list']() : Promise.resolve(models!.list),
    ]);
    // Each part stands alone: a failing model list must not hide today's spend.
    for (const r of [view, report, budgets, list]) if (r.status === 'rejected') logError('tray refresh failed')(r.reason);
    // A failed ask waits for the next change or the TTL too, keeping what was known.
    if (wantModels) models = { at: Date.now(), list: list.status === 'fulfilled' ? list.value : (models?.list ?? []) };
    if (view.status !== 'fulfilled') return;
    extras = {
      spend: report.status === 'fulfilled' ? traySpend(report.value.totals.costUsd, view.value.settings, budgets.status === 'fulfilled' ? budgets.value : []) : extras.spend,
      models: trayModels(view.value, models?.list ?? []),
    };
  };
  // Health, spend and pacing change with every request: the menu follows at most once a second, and only a menu
  // that differs is handed to the OS.
  const refresh = coalesce(async () => {
    await loadExtras();
    renderTray();
  }, TRAY_REFRESH_MS, logError('tray refresh failed'));

  const actions: Record<TrayActionId, (value?: string) => void> = {
    status: () => undefined,
    'health-action': (action) => {
      if (action === 'start_proxy') void proxy.start();
      else if (action === 'test_key') void core.handlers['settings.testKey']({}).catch(logError('cannot test the key'));
      else openWindow('settings');
    },
    start: () => void proxy.start(),
    stop: () => void proxy.stop(),
    'copy-url': () => {
      const url = proxy.state().url;
      // Electron 45's clipboard.writeText returns a promise: a rejection must not become an unhandled one.
      if (url) void Promise.resolve(clipboard.writeText(url)).catch(logError('cannot copy the URL'));
    },
    // Asked at click time: the lines name the address the proxy listens on now.
    'copy-setup': () => {
      void core.handlers['claude.status']()
        .then(({ exportLines }) => (exportLines ? clipboard.writeText(exportLines) : undefined))
        .catch(logError('cannot copy the Claude Code setup'));
    },
    'set-model': (value) => {
      if (value) void core.handlers['settings.update']({ defaultModel: value }).catch(logError('cannot change the default model'));
    },
    'set-preset': (value) => {
      const preset = presetById(value);
      if (!preset) return;
      void core.handlers['settings.get']()
        .then((view) => core.handlers['settings.update'](presetPatch(preset, { sonnetFollows: view.tierSources.sonnet === 'default' })))
        .catch(logError('cannot apply the tier preset'));
    },
    'open-window': () => openWindow(),
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
    if (!tray || tray.isDestroyed()) return;
    if (quitting) {
      // The grace period: nothing in the menu may start, stop or reopen anything any more.
      tray.setToolTip('CCProxy Desktop — quitting…');
      tray.setContextMenu(Menu.buildFromTemplate([{ label: 'Quitting…', enabled: false }]));
      return;
    }
    const state: TrayState = { ...proxy.state(), autoLaunch: safeIsEnabled(), health: core.health.current(), ...extras };
    if (keyError && !state.error) state.error = keyError;
    const tooltip = trayTooltip(state);
    const items = trayMenu(state);
    const shown = JSON.stringify([tooltip, items]);
    if (shown === lastShown) return;
    lastShown = shown;
    tray.setToolTip(tooltip);
    const toTemplate = (item: TrayMenuItem): MenuItemConstructorOptions => {
      const { id, value, submenu, ...rest } = item;
      // Menu ids are unique per menu: a radio group's items carry their value in the id.
      const click = () => {
        if (quitting) return;
        // Electron flips a clicked radio or checkbox in the native menu itself: the next render must be sent even
        // if our state did not change (a refused update), or the menu would keep showing the click.
        lastShown = '';
        actions[id!](value);
        refresh.trigger();
      };
      return { ...rest, id: id && value ? `${id}:${value}` : id, submenu: submenu?.map(toTemplate), click: id ? click : undefined };
    };
    tray.setContextMenu(Menu.buildFromTemplate(items.map(toTemplate)));
  }
  let lastShown = '';

  app.on('second-instance', () => openWindow());
  app.on('activate', () => openWindow());
  // The proxy lives in the tray: closing the last window must not quit.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', () => {
    quitting = true;
    refresh.cancel();
    renderTray();
  });
  app.on('will-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    quitting = true;
    void core
      .close(QUIT_GRACE_MS)
      .catch(logError('stop failed'))
      .finally(() => {
        closed = true;
        app.quit();
      });
  });

  // The start/stop toggle answers a click at once; everything else (health, pacing, spend, models) is coalesced.
  let wasRunning = false;
  proxy.onChange(() => {
    const { busy, running } = proxy.state();
    // A started proxy answers models.list from Mistral rather than the built-in table.
    if (running !== wasRunning) modelsStale = true;
    wasRunning = running;
    if (busy) renderTray();
    else refresh.trigger();
  });
  core.bus.on('health.changed', refresh.trigger);
  core.bus.on('request.finished', refresh.trigger);
  core.bus.on('settings.changed', (view) => {
    // A key entered again replaces the one that could not be decrypted.
    if (keyError && view.apiKey.set) keyError = null;
    applyAutoLaunch(autoLaunch, view.settings.autoLaunch, logError('cannot change start-at-login'));
    modelsStale = true;
    refresh.trigger();
  });
  registerContract(ipcMain, withKeyEncryption(core.handlers, box), (event) => isTrustedSender(event, APP_URL));
  forwardEvents(core.bus, liveContents);

  const image = nativeImage.createFromPath(asset(process.platform === 'darwin' ? 'tray-Template.png' : 'tray.png'));
  tray = new Tray(image);
  // macOS shows the menu on click by itself; Windows and Linux (where the desktop reports clicks) open the window.
  if (process.platform !== 'darwin') tray.on('click', () => openWindow());
  void (async () => {
    // The stored setting is the source of truth: make the OS agree at every launch, not only when it changes.
    applyAutoLaunch(autoLaunch, (await core.handlers['settings.get']()).settings.autoLaunch, logError('cannot change start-at-login'));
    renderTray();
    refresh.trigger();
    const atLogin = process.argv.includes(HIDDEN_ARG) || (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
    // On Windows the window exists (hidden) from the start: it is what receives the session-end message.
    if (!atLogin || keyError) openWindow();
    else if (process.platform === 'win32') ensureWindow();
    await proxy.start();
    releaseYoungGeneration();
    if (keyError) {
      void dialog.showMessageBox({ type: 'warning', title: 'CCProxy Desktop', message: 'The stored API key cannot be used', detail: keyError })
        .catch(logError('cannot show the key warning'));
    }
  })().catch(logError('start failed')).finally(releaseYoungGeneration);
}

function selfTest(box: AsyncSecretBox): void {
  void app.whenReady()
    .then(async () => {
      await box.init();
      const result = await runSelfTest({
        version: app.getVersion(),
        openSettings: (dataDir, env) => openAppSettings(ElectronStore, { dataDir, secretBox: box, env }),
        secretBox: box,
        prepareSecret: (plain) => box.prepareEncrypt(plain),
        roundTrip: async (plain) => (await safeStorage.decryptStringAsync(await safeStorage.encryptStringAsync(plain))).result,
      });
      app.exit(result.ok ? 0 : 1);
    })
    .catch((err: unknown) => {
      console.error('ccproxy: self-test failed to run:', err);
      app.exit(1);
    });
}

// No application menu: the default one (Reload, Toggle DevTools…) must not ship in the window.
Menu.setApplicationMenu(null);
// Only possible before 'ready'.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
app.setAppUserModelId('dev.ccproxy.desktop');
const box = safeStorageBox(safeStorage, process.platform);
if (process.argv.includes(SELF_TEST_ARG)) selfTest(box);
// A second launch (e.g. from the app menu while it sits in the tray) just brings the running one forward.
else if (!app.requestSingleInstanceLock()) app.quit();
else {
  // As in headless (app/core/heap-flags.ts): a young generation kept small while starting, not left doubled at idle,
  // and capped once running. The cap cannot be on the main process's command line (V8 reads it when the heap is
  // created, and the OS launchers pass no --js-flags), so its growth is stopped from inside (README, Memory).
  releaseYoungGeneration = holdYoungGenerationDuringStart({ capMb: SEMI_SPACE_MB });
  // On by default in Electron 45's V8 already; set anyway so the main process never depends on that default.
  enableJsonStringifyFastPath();
  void app.whenReady()
    .then(() => openCore(box))
    .then((opened) => {
      if (opened) run(opened.core, box, opened.keyError);
    });
}
