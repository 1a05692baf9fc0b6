import type { IpcMain, WebContents } from 'electron';
import { describe, expect, it } from 'vitest';
import { CHANNELS, isTrustedSender, pushStatus, registerIpc } from '../../main/ipc.js';

const HOME = 'file:///Applications/CCProxy%20Desktop.app/Contents/Resources/app.asar/dist-renderer/index.html';
const status = { running: true, url: 'http://127.0.0.1:7187', error: null, busy: false };
const frame = (url: string) => ({ senderFrame: { url } }) as unknown as Parameters<typeof isTrustedSender>[0];

describe('ipc', () => {
  it('trusts only our own page (any #route), not other files, origins or a missing frame', () => {
    expect(isTrustedSender(frame(HOME), HOME)).toBe(true);
    expect(isTrustedSender(frame(`${HOME}#/settings`), HOME)).toBe(true);
    expect(isTrustedSender(frame('file:///tmp/evil.html'), HOME)).toBe(false);
    expect(isTrustedSender(frame('https://example.com/'), HOME)).toBe(false);
    expect(isTrustedSender({ senderFrame: null } as unknown as Parameters<typeof isTrustedSender>[0], HOME)).toBe(false);
  });

  it('status:get answers our page and rejects anyone else', async () => {
    const handlers = new Map<string, (event: unknown) => unknown>();
    const ipcMain = { handle: (channel: string, fn: (event: unknown) => unknown) => handlers.set(channel, fn) } as unknown as IpcMain;
    registerIpc(ipcMain, () => HOME, () => status);
    const handler = handlers.get(CHANNELS.statusGet)!;
    expect(await handler(frame(HOME))).toEqual(status);
    expect(() => handler(frame('file:///tmp/evil.html'))).toThrow(/untrusted/);
  });

  it('pushes status to a live window only', () => {
    const sent: unknown[] = [];
    const contents = (destroyed: boolean) => ({ isDestroyed: () => destroyed, send: (...args: unknown[]) => sent.push(args) }) as unknown as WebContents;
    pushStatus(contents(false), status);
    pushStatus(contents(true), status);
    pushStatus(undefined, status);
    expect(sent).toEqual([[CHANNELS.statusChanged, status]]);
  });
});
