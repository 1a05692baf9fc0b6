import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { IpcChannels } from './preload.cjs';
import type { ProxyStatus } from './proxy-controller.js';

export const CHANNELS: IpcChannels = { statusGet: 'status:get', statusChanged: 'status:changed' };

/** Only our own bundled page may call in; a navigated or injected frame gets nothing. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, rendererUrl: string): boolean {
  const url = event.senderFrame?.url;
  return url !== undefined && url.split('#')[0] === rendererUrl;
}

export function registerIpc(ipcMain: IpcMain, rendererUrl: () => string, status: () => ProxyStatus): void {
  ipcMain.handle(CHANNELS.statusGet, (event) => {
    if (!isTrustedSender(event, rendererUrl())) throw new Error('untrusted sender');
    return status();
  });
}

export function pushStatus(contents: WebContents | undefined, status: ProxyStatus): void {
  if (contents && !contents.isDestroyed()) contents.send(CHANNELS.statusChanged, status);
}
