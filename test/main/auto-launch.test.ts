import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyAutoLaunch, AUTOSTART_FILE, createAutoLaunch, desktopEntry, disableLinux, enableLinux, isEnabledLinux, linuxAutostartPath,
  quoteExecArg, type LoginItems,
} from '../../main/auto-launch.js';

/** An independent reading of the spec: undo the string escapes, then split and unquote the arguments. */
function parseExec(value: string): string[] {
  const unescaped = value.replace(/\\([sntr\\])/g, (_, c: string) => ({ s: ' ', n: '\n', t: '\t', r: '\r', '\\': '\\' })[c]!);
  const args: string[] = [];
  let i = 0;
  while (i < unescaped.length) {
    if (unescaped[i] === ' ') {
      i++;
      continue;
    }
    let arg = '';
    if (unescaped[i] === '"') {
      i++;
      while (unescaped[i] !== '"') {
        if (i >= unescaped.length) throw new Error('unterminated quote');
        if (unescaped[i] === '\\') i++;
        arg += unescaped[i++];
      }
      i++;
    } else {
      while (i < unescaped.length && unescaped[i] !== ' ') arg += unescaped[i++];
    }
    args.push(arg.replace(/%%/g, '%'));
  }
  return args;
}

const execLine = (content: string) => content.split('\n').find((l) => l.startsWith('Exec='))!.slice('Exec='.length);

describe('desktopEntry', () => {
  it('writes a valid autostart entry', () => {
    const content = desktopEntry('/opt/CCProxy/ccproxy-desktop', ['--hidden']);
    expect(content.split('\n')[0]).toBe('[Desktop Entry]');
    expect(content).toContain('\nType=Application\n');
    expect(content).toContain('\nName=CCProxy Desktop\n');
    expect(execLine(content)).toBe('/opt/CCProxy/ccproxy-desktop --hidden');
    expect(content.endsWith('\n')).toBe(true);
  });

  it('quotes per the spec, matching its own examples', () => {
    expect(quoteExecArg('/home/me/Apps/CCProxy Desktop.AppImage')).toBe('"/home/me/Apps/CCProxy Desktop.AppImage"');
    expect(quoteExecArg('a$b')).toBe('"a\\\\$b"'); // the spec: a literal $ in a quoted arg is written \\$
    expect(quoteExecArg('a\\b')).toBe('"a\\\\\\\\b"'); // the spec: a literal backslash is four backslashes
    expect(quoteExecArg('say "hi"')).toBe('"say \\\\"hi\\\\""');
    expect(quoteExecArg('100%')).toBe('100%%');
    expect(quoteExecArg('')).toBe('""');
    expect(quoteExecArg('--hidden')).toBe('--hidden');
  });

  it('round-trips awkward arguments', () => {
    const args = ['--hidden', 'two words', `it's`, 'back`tick`', '$HOME', 'C:\\path\\x', '50%', 'a\nb', 'tab\there', '~', 'x;y|z&', '(p)', '*?#', '<>', 'ünï'];
    const exec = '/home/me/My Apps/ccproxy.AppImage';
    expect(parseExec(execLine(desktopEntry(exec, args)))).toEqual([exec, ...args]);
  });
});

describe('linuxAutostartPath', () => {
  it('uses an absolute XDG_CONFIG_HOME', () => {
    expect(linuxAutostartPath({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/me')).toBe(`/x/cfg/autostart/${AUTOSTART_FILE}`);
  });
  it('falls back to ~/.config when unset, empty or relative', () => {
    for (const env of [{}, { XDG_CONFIG_HOME: '' }, { XDG_CONFIG_HOME: 'rel/cfg' }]) {
      expect(linuxAutostartPath(env, '/home/me')).toBe('/home/me/.config/autostart/ccproxy-desktop.desktop');
    }
  });
});

describe('linux enable/disable/isEnabled on a real directory', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'ccproxy-autostart-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('creates the directory, writes the entry, removes it, and is idempotent', () => {
    const dir = join(tempDir(), 'config', 'autostart');
    expect(isEnabledLinux(dir)).toBe(false);
    enableLinux(dir, '/opt/ccproxy', ['--hidden']);
    expect(isEnabledLinux(dir)).toBe(true);
    const file = join(dir, AUTOSTART_FILE);
    expect(readFileSync(file, 'utf8')).toBe(desktopEntry('/opt/ccproxy', ['--hidden']));
    enableLinux(dir, '/opt/ccproxy', ['--hidden']);
    expect(isEnabledLinux(dir)).toBe(true);
    disableLinux(dir);
    expect(isEnabledLinux(dir)).toBe(false);
    disableLinux(dir);
    expect(isEnabledLinux(dir)).toBe(false);
  });

  it('an entry hidden or disabled by the desktop does not count as enabled', () => {
    const dir = tempDir();
    writeFileSync(join(dir, AUTOSTART_FILE), `${desktopEntry('/opt/ccproxy')}Hidden=true\n`);
    expect(isEnabledLinux(dir)).toBe(false);
    writeFileSync(join(dir, AUTOSTART_FILE), desktopEntry('/opt/ccproxy').replace('X-GNOME-Autostart-enabled=true', 'X-GNOME-Autostart-enabled=false'));
    expect(isEnabledLinux(dir)).toBe(false);
  });

  it('createAutoLaunch on linux uses XDG_CONFIG_HOME and passes --hidden', () => {
    const cfg = tempDir();
    const loginItems: LoginItems = {
      getLoginItemSettings: () => { throw new Error('not on linux'); },
      setLoginItemSettings: () => { throw new Error('not on linux'); },
    };
    const auto = createAutoLaunch({ platform: 'linux', loginItems, execPath: '/apps/CCProxy.AppImage', env: { XDG_CONFIG_HOME: cfg }, home: '/nowhere', packaged: true });
    auto.setEnabled(true);
    expect(auto.isEnabled()).toBe(true);
    expect(execLine(readFileSync(join(cfg, 'autostart', AUTOSTART_FILE), 'utf8'))).toBe('/apps/CCProxy.AppImage --hidden');
    auto.setEnabled(false);
    expect(auto.isEnabled()).toBe(false);
  });
});

describe('createAutoLaunch: moved executable and dev runs', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'ccproxy-autostart-'));
    dirs.push(d);
    return d;
  };
  const noLoginItems: LoginItems = {
    getLoginItemSettings: () => { throw new Error('not on linux'); },
    setLoginItemSettings: () => { throw new Error('not on linux'); },
  };

  it('rewrites the Linux entry when the executable path changed (a renamed AppImage after an update)', () => {
    const cfg = tempDir();
    const env = { XDG_CONFIG_HOME: cfg };
    const v1 = createAutoLaunch({ platform: 'linux', loginItems: noLoginItems, execPath: '/apps/ccproxy-desktop-0.1.0.AppImage', env, home: '/nowhere', packaged: true });
    v1.setEnabled(true);
    const v2 = createAutoLaunch({ platform: 'linux', loginItems: noLoginItems, execPath: '/apps/ccproxy-desktop-0.2.0.AppImage', env, home: '/nowhere', packaged: true });
    expect(v2.isEnabled()).toBe(true);
    expect(v2.isCurrent?.()).toBe(false);
    expect(applyAutoLaunch(v2, true)).toBe(true);
    expect(execLine(readFileSync(join(cfg, 'autostart', AUTOSTART_FILE), 'utf8'))).toBe('/apps/ccproxy-desktop-0.2.0.AppImage --hidden');
    expect(v2.isCurrent?.()).toBe(true);
  });

  it('a dev run (not packaged) registers nothing at login, but can still turn it off', () => {
    const cfg = tempDir();
    const skipped: string[] = [];
    const dev = createAutoLaunch({ platform: 'linux', loginItems: noLoginItems, execPath: '/repo/node_modules/electron/dist/electron', env: { XDG_CONFIG_HOME: cfg }, home: '/nowhere', packaged: false, onSkipped: (r) => skipped.push(r) });
    expect(applyAutoLaunch(dev, true)).toBe(false);
    expect(existsSync(join(cfg, 'autostart', AUTOSTART_FILE))).toBe(false);
    expect(skipped.length).toBe(1);
    enableLinux(join(cfg, 'autostart'), '/opt/ccproxy');
    expect(applyAutoLaunch(dev, false)).toBe(false);
    expect(existsSync(join(cfg, 'autostart', AUTOSTART_FILE))).toBe(false);

    const calls: unknown[] = [];
    const loginItems = {
      getLoginItemSettings: () => ({ openAtLogin: false }) as ReturnType<LoginItems['getLoginItemSettings']>,
      setLoginItemSettings: (s: unknown) => void calls.push(s),
    };
    const devWin = createAutoLaunch({ platform: 'win32', loginItems, execPath: 'C:\\electron.exe', env: {}, home: 'C:\\Users\\me', packaged: false });
    devWin.setEnabled(true);
    expect(calls).toEqual([]);
  });
});

describe('createAutoLaunch on macOS/Windows', () => {
  it('goes through login items with the same path and args for reads and writes', () => {
    let open = false;
    const calls: unknown[] = [];
    const loginItems = {
      getLoginItemSettings: (q?: unknown) => { calls.push(['get', q]); return { openAtLogin: open } as ReturnType<LoginItems['getLoginItemSettings']>; },
      setLoginItemSettings: (s: { openAtLogin?: boolean }) => { calls.push(['set', s]); open = s.openAtLogin ?? false; },
    };
    for (const platform of ['darwin', 'win32'] as const) {
      calls.length = 0;
      const auto = createAutoLaunch({ platform, loginItems, execPath: 'C:\\Apps\\CCProxy.exe', env: {}, home: 'C:\\Users\\me', packaged: true });
      auto.setEnabled(true);
      expect(auto.isEnabled()).toBe(true);
      auto.setEnabled(false);
      expect(auto.isEnabled()).toBe(false);
      const query = { path: 'C:\\Apps\\CCProxy.exe', args: ['--hidden'] };
      expect(calls[0]).toEqual(['set', { openAtLogin: true, ...query }]);
      expect(calls[1]).toEqual(['get', query]);
    }
  });
});

describe('applyAutoLaunch (on settings.changed)', () => {
  it('writes to the OS only when the setting differs, and reports the OS state', () => {
    let on = false;
    const writes: boolean[] = [];
    const auto = { isEnabled: () => on, setEnabled: (v: boolean) => void writes.push((on = v)) };
    expect(applyAutoLaunch(auto, false)).toBe(false);
    expect(writes).toEqual([]);
    expect(applyAutoLaunch(auto, true)).toBe(true);
    expect(applyAutoLaunch(auto, true)).toBe(true);
    expect(writes).toEqual([true]);
  });

  it('a failing OS call is reported, not thrown', () => {
    const errors: unknown[] = [];
    const auto = { isEnabled: () => false, setEnabled: () => { throw new Error('EACCES'); } };
    expect(applyAutoLaunch(auto, true, (e) => errors.push(e))).toBe(false);
    expect(errors).toHaveLength(1);
    const broken = { isEnabled: (): boolean => { throw new Error('no login items'); }, setEnabled: () => undefined };
    expect(applyAutoLaunch(broken, true, () => undefined)).toBe(false);
  });
});
