// Sandboxed preloads must be CommonJS and may require only 'electron' (no relative files), so this file is
// self-contained at runtime; the `import type` lines vanish on compile.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { ProxyStatus } from './proxy-controller.js' with { 'resolution-mode': 'import' };

export type { ProxyStatus };

/** Channel names; main/ipc.ts types its handlers against this so the two sides cannot drift. */
export interface IpcChannels {
  statusGet: 'status:get';
  statusChanged: 'status:changed';
}

const STATUS_GET: IpcChannels['statusGet'] = 'status:get';
const STATUS_CHANGED: IpcChannels['statusChanged'] = 'status:changed';

/** What the renderer sees as `window.ccproxy`. */
export interface CcproxyApi {
  getStatus(): Promise<ProxyStatus>;
  /** Returns an unsubscribe function. */
  onStatus(listener: (status: ProxyStatus) => void): () => void;
}

const api: CcproxyApi = {
  getStatus: () => ipcRenderer.invoke(STATUS_GET) as Promise<ProxyStatus>,
  onStatus(listener) {
    // Wrapped so the renderer never receives the IpcRendererEvent (it exposes `sender`).
    const handler = (_event: IpcRendererEvent, status: ProxyStatus) => listener(status);
    ipcRenderer.on(STATUS_CHANGED, handler);
    return () => {
      ipcRenderer.removeListener(STATUS_CHANGED, handler);
    };
  },
};

contextBridge.exposeInMainWorld('ccproxy', api);
