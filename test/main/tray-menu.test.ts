import { describe, expect, it } from 'vitest';
import { trayMenu, trayTooltip, type TrayState } from '../../main/tray-menu.js';

const stopped: TrayState = { running: false, url: null, error: null, autoLaunch: false };
const running: TrayState = { running: true, url: 'http://127.0.0.1:7187', error: null, autoLaunch: true };
const byId = (state: TrayState) => new Map(trayMenu(state).filter((i) => i.id).map((i) => [i.id, i]));

describe('tray menu', () => {
  it('stopped: offers Start, no Stop, URL copy disabled', () => {
    const items = byId(stopped);
    expect(items.get('status')).toMatchObject({ label: 'Stopped', enabled: false });
    expect(items.get('start')).toMatchObject({ label: 'Start proxy', enabled: true });
    expect(items.has('stop')).toBe(false);
    expect(items.get('copy-url')?.enabled).toBe(false);
    expect(items.get('auto-launch')).toMatchObject({ type: 'checkbox', checked: false });
  });

  it('running: shows the URL, offers Stop and URL copy, reflects auto-launch', () => {
    const items = byId(running);
    expect(items.get('status')?.label).toBe('Running on http://127.0.0.1:7187');
    expect(items.get('stop')).toMatchObject({ enabled: true });
    expect(items.has('start')).toBe(false);
    expect(items.get('copy-url')?.enabled).toBe(true);
    expect(items.get('auto-launch')?.checked).toBe(true);
    expect(trayTooltip(running)).toBe('CCProxy Desktop — Running on http://127.0.0.1:7187');
  });

  it('error: shows one shortened line and still offers Start', () => {
    const error = `MISTRAL_API_KEY is not set:\n${'x'.repeat(200)}`;
    const items = byId({ ...stopped, error });
    const label = items.get('status')!.label!;
    expect(label.startsWith('Error: MISTRAL_API_KEY is not set: x')).toBe(true);
    expect(label).not.toContain('\n');
    expect(label.length).toBeLessThanOrEqual('Error: '.length + 80);
    expect(label.endsWith('…')).toBe(true);
    expect(items.get('start')?.enabled).toBe(true);
    expect(trayTooltip({ ...stopped, error: 'port 7187 is already in use' })).toBe('CCProxy Desktop — Error: port 7187 is already in use');
  });

  it('busy: the start/stop toggle is disabled', () => {
    expect(byId({ ...stopped, busy: true }).get('start')?.enabled).toBe(false);
    expect(byId({ ...running, busy: true }).get('stop')?.enabled).toBe(false);
  });

  it('always has open-window and quit, ids are unique, separators have no id', () => {
    for (const state of [stopped, running]) {
      const menu = trayMenu(state);
      const ids = menu.flatMap((i) => (i.id ? [i.id] : []));
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining(['open-window', 'quit']));
      expect(menu.at(-1)?.id).toBe('quit');
      for (const sep of menu.filter((i) => i.type === 'separator')) expect(sep.id).toBeUndefined();
    }
  });
});
