import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHANNELS } from '../../main/ipc.js';
import type { CcproxyApi } from '../../main/preload.cjs';

// Runs the preload as Electron will: compiled to CommonJS and evaluated with a sandbox-style require that only
// knows 'electron' (here a fake), so a relative require or an ESM leftover fails this test.
const source = readFileSync(new URL('../../main/preload.cts', import.meta.url), 'utf8');
const { outputText } = ts.transpileModule(source, {
  fileName: 'preload.cts',
  compilerOptions: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2023 },
});

const exposed = new Map<string, unknown>();
const listeners = new Map<string, (...args: unknown[]) => void>();
const invoked: string[] = [];
const required: string[] = [];
const fakeElectron = {
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: {
    invoke: async (channel: string) => {
      invoked.push(channel);
      return { running: true, url: 'http://127.0.0.1:7187', error: null, busy: false };
    },
    on: (channel: string, fn: (...args: unknown[]) => void) => listeners.set(channel, fn),
    removeListener: (channel: string, fn: unknown) => listeners.get(channel) === fn && listeners.delete(channel),
  },
};

describe('preload', () => {
  let api: CcproxyApi;
  beforeAll(() => {
    const sandboxRequire = (name: string) => {
      required.push(name);
      if (name !== 'electron') throw new Error(`sandboxed preload cannot require ${name}`);
      return fakeElectron;
    };
    const module = { exports: {} };
    new Function('require', 'module', 'exports', outputText)(sandboxRequire, module, module.exports);
    api = exposed.get('ccproxy') as CcproxyApi;
  });

  it('compiles to CommonJS that requires only electron', () => {
    expect(outputText).not.toMatch(/^\s*(import|export)\s/m);
    expect(required).toEqual(['electron']);
  });

  it('exposes only window.ccproxy, and getStatus invokes status:get', async () => {
    expect([...exposed.keys()]).toEqual(['ccproxy']);
    expect(await api.getStatus()).toMatchObject({ running: true });
    expect(invoked).toEqual([CHANNELS.statusGet]);
  });

  it('onStatus passes the status but never the IPC event, and unsubscribes', () => {
    const got: unknown[][] = [];
    const off = api.onStatus((...args) => got.push(args));
    const status = { running: false, url: null, error: null, busy: false };
    listeners.get(CHANNELS.statusChanged)!({ sender: 'secret' }, status);
    expect(got).toEqual([[status]]);
    off();
    expect(listeners.has(CHANNELS.statusChanged)).toBe(false);
  });
});
