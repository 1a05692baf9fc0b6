import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TrayMenuItem } from '../../main/tray-menu.js';

// Electron's binary cannot run here, so main.ts is driven against a fake 'electron' that mimics the few events
// and objects it uses. This checks the wiring (tray ↔ proxy ↔ window ↔ quit), not Electron itself.
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
    getAppPath = () => '/nonexistent-app';
    requestSingleInstanceLock = () => true;
    setAppUserModelId = () => undefined;
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
    setToolTip = (text: string) => void (this.tooltip = text);
    setContextMenu = (menu: MenuItem[]) => void (this.menu = menu);
  }
  const app = new FakeApp();
  const clipboardText: string[] = [];
  const ipcHandlers = new Map<string, Fn>();
  const electron = {
    app,
    BrowserWindow: FakeWindow,
    Tray: FakeTray,
    Menu: { buildFromTemplate: (template: MenuItem[]) => template },
    nativeImage: { createFromPath: (path: string) => ({ path }) },
    clipboard: { writeText: (text: string) => clipboardText.push(text) },
    ipcMain: { handle: (channel: string, fn: Fn) => ipcHandlers.set(channel, fn) },
    shell: { openExternal: async () => undefined },
  };
  return { electron, app, ready, windows, trays, clipboardText, ipcHandlers };
});

vi.mock('electron', () => ({ ...fake.electron, default: fake.electron }));

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};
const tray = () => fake.trays[0]!;
const item = (id: string) => tray().menu.find((i) => i.id === id);
const click = (id: string) => item(id)!.click!();
const url = () => fake.trays[0]?.tooltip.match(/Running on (\S+)/)?.[1];

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

  it('opens a locked-down window that falls back to the placeholder page', () => {
    const win = fake.windows[0]!;
    expect(win.visible).toBe(true);
    expect(win.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(String(win.options.webPreferences.preload)).toMatch(/main[/\\]preload\.cjs$/);
    expect(win.loaded[0]).toMatch(/^data:text\/html/);
  });

  it('stop and start from the tray, and copy the URL', async () => {
    const before = url()!;
    click('stop');
    await until(() => tray().tooltip.endsWith('Stopped'), 'stop');
    await expect(fetch(`${before}/health`)).rejects.toThrow();
    expect(fake.windows[0]!.webContents.sent.at(-1)).toEqual(['status:changed', expect.objectContaining({ running: false })]);
    click('start');
    await until(() => url() !== undefined, 'restart');
    click('copy-url');
    expect(fake.clipboardText).toEqual([url()]);
  });

  it('toggles start-at-login through the XDG autostart file', () => {
    const file = join(dir, 'config', 'autostart', 'ccproxy-desktop.desktop');
    click('auto-launch');
    expect(existsSync(file)).toBe(true);
    expect(item('auto-launch')?.checked).toBe(true);
    click('auto-launch');
    expect(existsSync(file)).toBe(false);
    expect(item('auto-launch')?.checked).toBe(false);
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
