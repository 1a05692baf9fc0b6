import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHANNELS } from '../../app/contract/api.js';
import { EVENT_CHANNEL, ipcChannel } from '../../main/ipc.js';
import { APP_SCHEME, APP_URL } from '../../main/app-protocol.js';
import type { TrayMenuItem } from '../../main/tray-menu.js';

// Electron's binary cannot run here, so main.ts is driven against a fake 'electron' that mimics the few events
// and objects it uses. This checks the wiring (tray ↔ CoreService ↔ IPC ↔ window ↔ quit), not Electron itself.
type Fn = (...args: any[]) => any;
type MenuItem = TrayMenuItem & { click?: () => void };

const fake = vi.hoisted(() => {
  // Belt and braces: if the mock failed to apply, electron's index.js must not start a download.
  process.env.ELECTRON_OVERRIDE_DIST_PATH = '/nonexistent-electron-dist';
  class Emitter {
    handlers = new Map<string, Fn[]>();
    on(event: string, fn: Fn) {
      this.handlers.set(event, [...(this.handlers.get(event) ?? []), fn]);
      return this;
    }
    emit(event: string, ...args: unknown[]) {
      for (const fn of this.handlers.get(event) ?? []) fn(...args);
    }
  }
  const cancellable = () => {
    const e = { prevented: false, preventDefault: () => (e.prevented = true) };
    return e;
  };
  let ready!: () => void;
  const whenReady = new Promise<void>((resolve) => (ready = resolve));
  class FakeApp extends Emitter {
    exited = false;
    getVersion = () => '9.9.9';
    getPath = (name: string) => `${process.env.FAKE_ELECTRON_PATHS}/${name}`;
    exit = (code: number) => {
      throw new Error(`app.exit(${code}) during the wiring test`);
    };
    getAppPath = () => '/nonexistent-app';
    requestSingleInstanceLock = () => true;
    setAppUserModelId = () => undefined;
    isPackaged = true;
    whenReady = () => whenReady;
    focus = () => undefined;
    dock = { hide: () => undefined };
    getLoginItemSettings = () => ({ openAtLogin: false, wasOpenedAtLogin: false });
    setLoginItemSettings = () => undefined;
    // Electron's order: before-quit, windows close, will-quit (cancellable), then exit.
    quit() {
      this.emit('before-quit', cancellable());
      for (const win of windows) win.close();
      const event = cancellable();
      this.emit('will-quit', event);
      if (!event.prevented) this.exited = true;
    }
  }
  const windows: FakeWindow[] = [];
  class FakeWindow extends Emitter {
    visible = false;
    destroyed = false;
    loaded: string[] = [];
    webContents = {
      setWindowOpenHandler: () => undefined,
      on: () => undefined,
      isDestroyed: () => this.destroyed,
      sent: [] as unknown[],
      send: (...args: unknown[]) => this.webContents.sent.push(args),
    };
    constructor(public options: { webPreferences: Record<string, unknown> }) {
      super();
      windows.push(this);
    }
    loadURL = async (url: string) => void this.loaded.push(url);
    show = () => void (this.visible = true);
    hide = () => void (this.visible = false);
    focus = () => undefined;
    isMinimized = () => false;
    restore = () => undefined;
    isDestroyed = () => this.destroyed;
    close() {
      const event = cancellable();
      this.emit('close', event);
      if (!event.prevented) this.destroyed = true;
    }
  }
  const trays: FakeTray[] = [];
  class FakeTray extends Emitter {
    tooltip = '';
    menu: MenuItem[] = [];
    constructor() {
      super();
      trays.push(this);
    }
    isDestroyed = () => false;
    setToolTip = (text: string) => void (this.tooltip = text);
    setContextMenu = (menu: MenuItem[]) => void (this.menu = menu);
  }
  const app = new FakeApp();
  const protocols = { privileged: [] as unknown[], handlers: new Map<string, (request: Request) => Promise<Response>>() };
  const clipboardText: string[] = [];
  const ipcHandlers = new Map<string, Fn>();
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    Tray: FakeTray,
    Menu: { buildFromTemplate: (template: MenuItem[]) => template, setApplicationMenu: () => undefined },
    nativeImage: { createFromPath: (path: string) => ({ path }) },
    clipboard: { writeText: async (text: string) => void clipboardText.push(text) },
    ipcMain: { handle: (channel: string, fn: Fn) => ipcHandlers.set(channel, fn) },
    // A reversible stand-in for the OS keychain, so the test can see the key was sealed.
    safeStorage: {
      isAsyncEncryptionAvailable: async () => true,
      getSelectedStorageBackend: () => 'gnome_libsecret',
      encryptStringAsync: async (plain: string) => Buffer.from(`sealed:${plain}`).reverse(),
      decryptStringAsync: async (sealed: Buffer) => ({ result: Buffer.from(sealed).reverse().toString().slice('sealed:'.length), shouldReEncrypt: false }),
    },
    dialog: {
      showErrorBox: (title: string, content: string) => {
        throw new Error(`error box during the wiring test: ${title}: ${content}`);
      },
    },
    shell: { openExternal: async () => undefined },
    session: { defaultSession: { setPermissionCheckHandler: () => undefined, setPermissionRequestHandler: () => undefined } },
    protocol: {
      registerSchemesAsPrivileged: (schemes: unknown[]) => void protocols.privileged.push(...schemes),
      handle: (scheme: string, fn: (request: Request) => Promise<Response>) => void protocols.handlers.set(scheme, fn),
    },
  };
  return { electron, app, ready, windows, trays, clipboardText, ipcHandlers, protocols };
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));
// electron-store loads the real 'electron' package at runtime; conf takes the same options (it names the file
// `configName` where electron-store says `name`, and electron-store fills projectVersion from app.getVersion()).
vi.mock('electron-store', async () => {
  const { default: Conf } = await import('conf');
  class FakeElectronStore extends Conf<Record<string, unknown>> {
    constructor({ name, ...rest }: { name: string } & Record<string, unknown>) {
      super({ ...rest, configName: name, projectVersion: '9.9.9' });
    }
  }
  return { default: FakeElectronStore };
});

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};
const tray = () => fake.trays[0]!;
const item = (id: string) => tray().menu.find((i) => i.id === id);
const click = (id: string) => item(id)!.click!();
const url = () => fake.trays[0]?.tooltip.match(/Running on (\S+)/)?.[1];
const OUR_PAGE = { senderFrame: { url: APP_URL } };
const invoke = (channel: string, request?: unknown, event: unknown = OUR_PAGE) => fake.ipcHandlers.get(ipcChannel(channel as never))!(event, request);

describe('main.ts wiring (fake electron)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ccproxy-main-'));
  const saved = { ...process.env };
  beforeAll(async () => {
    Object.assign(process.env, {
      MISTRAL_API_KEY: 'test-key',
      MISTRAL_BASE_URL: 'http://127.0.0.1:9',
      CCPROXY_PORT: '0',
      CCPROXY_DATA_DIR: join(dir, 'data'),
      XDG_CONFIG_HOME: join(dir, 'config'), // keeps the auto-launch click away from the real ~/.config
      FAKE_ELECTRON_PATHS: join(dir, 'electron'),
    });
    await import('../../main/main.js');
    fake.ready();
    await until(() => url() !== undefined, 'the proxy to start');
  });
  afterAll(() => {
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts the proxy at launch and shows it in the tray', async () => {
    expect(tray().tooltip).toMatch(/^CCProxy Desktop — Running on http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url()}/health`)).status).toBe(200);
  });

  it('opens a locked-down window on ccproxy://app/, which serves a placeholder page (with its CSP) without a UI build', async () => {
    const win = fake.windows[0]!;
    expect(win.visible).toBe(true);
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(String(win.options.webPreferences.preload)).toMatch(/main[/\\]preload\.cjs$/);
    expect(win.loaded[0]).toBe(APP_URL);
    expect(fake.protocols.privileged).toEqual([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, corsEnabled: true } }]);
    const page = await fake.protocols.handlers.get(APP_SCHEME)!(new Request(APP_URL));
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-/);
    expect(await page.text()).toContain('/nonexistent-app/dist-renderer/index.html');
  });

  it('stop and start from the tray, and copy the URL', async () => {
    const before = url()!;
    click('stop');
    await until(() => tray().tooltip.endsWith('Stopped'), 'stop');
    await expect(fetch(`${before}/health`)).rejects.toThrow();
    // The window hears it too (the bus delivers on the next macrotask, so wait for it).
    const sent = fake.windows[0]!.webContents.sent as unknown[][];
    await until(() => sent.some(([ch, name, payload]) => ch === EVENT_CHANNEL && name === 'proxy.status' && (payload as { running: boolean }).running === false), 'the stop event in the window');
    click('start');
    await until(() => url() !== undefined, 'restart');
    click('copy-url');
    expect(fake.clipboardText).toEqual([url()]);
  });

  it('the window reaches every contract channel over IPC; other pages get nothing', async () => {
    expect([...fake.ipcHandlers.keys()].sort()).toEqual(CHANNELS.map((c) => ipcChannel(c)).sort());
    expect(await invoke('proxy.status')).toEqual({ result: expect.objectContaining({ running: true, url: url(), version: '9.9.9' }) });
    expect(await invoke('settings.get', undefined, { senderFrame: { url: 'file:///tmp/evil.html' } })).toEqual({ error: { type: 'permission_error', message: 'untrusted sender' } });
    expect(await invoke('settings.update', { port: 'x' })).toEqual({ error: { type: 'invalid_request_error', message: expect.any(String) } });
  });

  it('a key entered in the window is sealed with safeStorage in userData/settings.json and never sent back', async () => {
    const reply = (await invoke('settings.update', { apiKey: 'sk-window-key-9876' })) as { result: unknown };
    expect(JSON.stringify(reply)).not.toContain('sk-window-key');
    const file = readFileSync(join(dir, 'electron', 'userData', 'settings.json'), 'utf8');
    expect(file).not.toContain('sk-window-key');
    expect(JSON.parse(file).apiKey).toMatchObject({ encrypted: true, last4: '9876' });
  });

  it('toggles start-at-login through the settings and the XDG autostart file, from the tray or the window', async () => {
    const file = join(dir, 'config', 'autostart', 'ccproxy-desktop.desktop');
    click('auto-launch');
    await until(() => existsSync(file) && item('auto-launch')?.checked === true, 'autostart on');
    expect(((await invoke('settings.get')) as { result: { settings: { autoLaunch: boolean } } }).result.settings.autoLaunch).toBe(true);
    click('auto-launch');
    await until(() => !existsSync(file) && item('auto-launch')?.checked === false, 'autostart off');
    await invoke('settings.update', { autoLaunch: true });
    await until(() => existsSync(file) && item('auto-launch')?.checked === true, 'autostart on from the window');
    await invoke('settings.update', { autoLaunch: false });
    await until(() => !existsSync(file), 'autostart off from the window');
  });

  it('closing the window hides it; a second instance brings it back', () => {
    const win = fake.windows[0]!;
    win.close();
    expect(win.destroyed).toBe(false);
    expect(win.visible).toBe(false);
    fake.app.emit('second-instance');
    expect(win.visible).toBe(true);
    expect(fake.windows).toHaveLength(1);
  });

  it('quit from the tray stops the proxy before the app exits', async () => {
    const running = url()!;
    click('quit');
    expect(fake.app.exited).toBe(false);
    await until(() => fake.app.exited, 'exit');
    expect(fake.windows[0]!.destroyed).toBe(true);
    await expect(fetch(`${running}/health`)).rejects.toThrow();
  });
});
