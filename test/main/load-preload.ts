import { readFileSync } from 'node:fs';
import ts from 'typescript';
import type { CoreApi } from '../../app/contract/api.js';

// Runs the preload as Electron will: compiled to CommonJS and evaluated with a sandbox-style require that only
// knows 'electron' (here a fake), so a relative require or an ESM leftover fails the tests that use it.

export const preloadSource = readFileSync(new URL('../../main/preload.cts', import.meta.url), 'utf8');
export const preloadJs = ts.transpileModule(preloadSource, {
  fileName: 'preload.cts',
  compilerOptions: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2023 },
}).outputText;

type Fn = (...args: any[]) => any;

/** A fake ipcRenderer: `invoke` goes to `onInvoke`, `emit` plays the main process sending to the window. */
export class FakeIpcRenderer {
  readonly invoked: Array<[string, unknown]> = [];
  readonly listeners = new Map<string, Set<Fn>>();
  constructor(public onInvoke: (channel: string, request: unknown) => unknown = () => ({ result: null })) {}
  invoke = async (channel: string, ...args: unknown[]) => {
    this.invoked.push([channel, args[0]]);
    return this.onInvoke(channel, args[0]);
  };
  on = (channel: string, fn: Fn) => {
    if (!this.listeners.has(channel)) this.listeners.set(channel, new Set());
    this.listeners.get(channel)!.add(fn);
    return this;
  };
  removeListener = (channel: string, fn: Fn) => {
    this.listeners.get(channel)?.delete(fn);
    if (this.listeners.get(channel)?.size === 0) this.listeners.delete(channel);
    return this;
  };
  count(channel: string): number {
    return this.listeners.get(channel)?.size ?? 0;
  }
  /** What webContents.send(channel, ...args) delivers: the IpcRendererEvent first. */
  emit(channel: string, ...args: unknown[]): void {
    for (const fn of [...(this.listeners.get(channel) ?? [])]) fn({ sender: 'secret-sender', senderId: 0 }, ...args);
  }
}

export interface LoadedPreload {
  api: CoreApi;
  exposed: Map<string, unknown>;
  required: string[];
  exports: Record<string, unknown>;
  ipcRenderer: FakeIpcRenderer;
}

export function loadPreload(ipcRenderer = new FakeIpcRenderer()): LoadedPreload {
  const exposed = new Map<string, unknown>();
  const required: string[] = [];
  const fakeElectron = {
    contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
    ipcRenderer,
  };
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name !== 'electron') throw new Error(`sandboxed preload cannot require ${name}`);
    return fakeElectron;
  };
  const module = { exports: {} as Record<string, unknown> };
  new Function('require', 'module', 'exports', preloadJs)(sandboxRequire, module, module.exports);
  return { api: exposed.get('ccproxy') as CoreApi, exposed, required, exports: module.exports, ipcRenderer };
}
