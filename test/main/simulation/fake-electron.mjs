// A fake 'electron' for the launch SIMULATION of dist/main/main.js in plain Node (not Electron). It follows the
// behaviour Electron 45 documents for what main.ts uses, so an app that is wrong on a real desktop fails here too:
// - app: 'ready' comes after the main module has run; whenReady(); requestSingleInstanceLock() is a real lock
//   (a file in userData held by a live pid); quit() emits before-quit (cancellable), closes windows, emits
//   will-quit (cancellable), then exits 0; exit(code) exits at once without events.
// - safeStorage: before 'ready' the sync isEncryptionAvailable() is false (Windows/Linux) and encryptString throws;
//   the async API (45) works after 'ready' only. The "keychain" is an AES-256-GCM key in $FAKE_KEYRING, so a second
//   process decrypts what the first stored, and a replaced keyring makes decryption fail like a lost keychain.
// - BrowserWindow cannot be created before 'ready'; any method of a destroyed window throws "Object has been
//   destroyed". clipboard.writeText returns a promise (45); dialog.showErrorBox before 'ready' only prints (Linux).
// - protocol: registerSchemesAsPrivileged throws after 'ready'; handle() only after 'ready', once per scheme.
//   loadURL of a custom scheme asks its handler with a web Request and shows the Response as the document; an
//   unhandled scheme rejects (ERR_UNKNOWN_URL_SCHEME). The document's subresources (src/href) resolve relative to
//   it — only for a scheme registered as standard, as Chromium does — and go through the same handler. What the
//   window records: each document's status and response headers (its Content-Security-Policy) and subresources.
// - Tray.setContextMenu counts the menus handed to the OS.
// The test drives it over the Node IPC channel: {cmd, ...} messages, answered with {reply}.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const env = process.env;
const userData = env.FAKE_USER_DATA;
const log = { dialogs: [], errorBoxes: [], appMenu: 'default', unhandled: [], events: [] };
process.on('unhandledRejection', (err) => log.unhandled.push(String(err?.stack ?? err)));

let isReady = false;
let quitting = false;
const destroyedError = () => new TypeError('Object has been destroyed');

class App extends EventEmitter {
  isPackaged = env.FAKE_PACKAGED === '1';
  getVersion() { return JSON.parse(readFileSync(join(env.FAKE_APP_PATH, 'package.json'), 'utf8')).version; }
  getName() { return 'CCProxy Desktop'; }
  getPath(name) {
    if (name === 'userData') return userData;
    return join(userData, '..', name);
  }
  getAppPath() { return env.FAKE_APP_PATH; }
  setAppUserModelId() {}
  isReady() { return isReady; }
  whenReady() { return readyPromise; }
  focus() {}
  getLoginItemSettings() { return { openAtLogin: false, wasOpenedAtLogin: false }; }
  setLoginItemSettings() {}
  requestSingleInstanceLock() {
    const lock = join(userData, 'SingletonLock');
    mkdirSync(userData, { recursive: true });
    if (existsSync(lock)) {
      const pid = Number(readFileSync(lock, 'utf8'));
      let alive = false;
      try { process.kill(pid, 0); alive = true; } catch {}
      if (alive) return false;
    }
    writeFileSync(lock, String(process.pid));
    process.on('exit', () => rmSync(lock, { force: true }));
    return true;
  }
  quit() {
    if (quitting && this.#inWillQuit) return;
    const before = cancellable();
    log.events.push('before-quit');
    this.emit('before-quit', before);
    if (before.defaultPrevented) return;
    quitting = true;
    for (const win of [...windows]) if (!win.destroyedFlag) win.close();
    if (windows.some((w) => !w.destroyedFlag)) return; // a window refused to close: quit is cancelled
    const will = cancellable();
    this.#inWillQuit = true;
    log.events.push('will-quit');
    this.emit('will-quit', will);
    this.#inWillQuit = false;
    if (will.defaultPrevented) { quitting = false; return; }
    log.events.push('quit');
    this.emit('quit', {}, 0);
    setImmediate(() => process.exit(0));
  }
  #inWillQuit = false;
  exit(code = 0) { process.exit(code); }
}
const cancellable = () => ({ defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } });
export const app = new App();

let resolveReady;
const readyPromise = new Promise((r) => (resolveReady = r));
// Electron emits 'ready' after the main script has finished its synchronous part (and the first ticks).
setTimeout(() => {
  isReady = true;
  app.emit('will-finish-launching');
  app.emit('ready', {}, {});
  resolveReady();
}, Number(env.FAKE_READY_DELAY_MS ?? 50));

// ---- safeStorage (Linux behaviour: unavailable until 'ready') ---------------------------------------------
function keyringKey() {
  const file = env.FAKE_KEYRING;
  if (!existsSync(file)) { mkdirSync(dirname(file), { recursive: true }); writeFileSync(file, randomBytes(32).toString('hex')); }
  return Buffer.from(readFileSync(file, 'utf8'), 'hex');
}
function seal(plain) {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', keyringKey(), iv);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return Buffer.concat([Buffer.from('v11'), iv, c.getAuthTag(), body]);
}
function unseal(buf) {
  if (buf.subarray(0, 3).toString() !== 'v11') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString. Ciphertext does not appear to be encrypted.');
  const d = createDecipheriv('aes-256-gcm', keyringKey(), buf.subarray(3, 15));
  d.setAuthTag(buf.subarray(15, 31));
  try {
    return Buffer.concat([d.update(buf.subarray(31)), d.final()]).toString('utf8');
  } catch {
    throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
  }
}
const keyringUp = () => isReady && env.FAKE_KEYRING_DOWN !== '1';
export const safeStorage = {
  isEncryptionAvailable: () => keyringUp(),
  encryptString(plain) { if (!keyringUp()) throw new Error('Error while encrypting the text provided to safeStorage.encryptString. Encryption is not available.'); return seal(plain); },
  decryptString(buf) { if (!keyringUp()) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString. Decryption is not available.'); return unseal(buf); },
  async isAsyncEncryptionAvailable() { return keyringUp(); },
  async encryptStringAsync(plain) {
    if (!isReady) throw new Error('safeStorage cannot be used before the app is ready');
    if (!keyringUp()) throw new Error('Encryption is not available.');
    return seal(plain);
  },
  async decryptStringAsync(buf) {
    if (!isReady) throw new Error('safeStorage cannot be used before the app is ready');
    if (!keyringUp()) throw new Error('Decryption is not available.');
    return { result: unseal(buf), shouldReEncrypt: false };
  },
  getSelectedStorageBackend: () => (isReady ? 'gnome_libsecret' : 'unknown'),
  setUsePlainTextEncryption() {},
};

// ---- protocol ------------------------------------------------------------------------------------------------
const privileged = new Map();
const protocolHandlers = new Map();
export const protocol = {
  registerSchemesAsPrivileged(schemes) {
    if (isReady) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
    for (const s of schemes) privileged.set(s.scheme, { ...s.privileges });
    log.privileged = Object.fromEntries(privileged);
  },
  handle(scheme, handler) {
    if (!isReady) throw new Error('protocol.handle cannot be used before the app is ready');
    if (protocolHandlers.has(scheme)) throw new Error(`Failed to register protocol: ${scheme}`);
    protocolHandlers.set(scheme, handler);
  },
  isProtocolHandled: (scheme) => protocolHandlers.has(scheme),
};
const BUILTIN_SCHEMES = new Set(['http', 'https', 'file', 'data', 'about', 'blob']);
async function request(url) {
  const scheme = new URL(url).protocol.slice(0, -1);
  const handler = protocolHandlers.get(scheme);
  if (!handler) throw new Error(`ERR_UNKNOWN_URL_SCHEME (-302) loading '${url}'`);
  const res = await handler(new Request(url));
  return { url, status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}
async function loadDocument(url) {
  const scheme = new URL(url).protocol.slice(0, -1);
  if (BUILTIN_SCHEMES.has(scheme)) return { url, status: 200, headers: {}, subresources: [] };
  const doc = await request(url);
  const refs = [...doc.body.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  const standard = privileged.get(scheme)?.standard === true;
  const subresources = [];
  for (const ref of refs) {
    // A non-standard scheme has no hierarchy for Chromium: relative references do not resolve.
    if (!standard && !/^[a-z][a-z0-9+.-]*:/i.test(ref)) { subresources.push({ ref, status: 'unresolved' }); continue; }
    const sub = await request(new URL(ref, url).href);
    subresources.push({ ref, url: sub.url, status: sub.status, type: sub.headers['content-type'] });
  }
  return { url, status: doc.status, headers: doc.headers, subresources };
}

// ---- windows, tray, menus --------------------------------------------------------------------------------
const windows = [];
export class BrowserWindow extends EventEmitter {
  destroyedFlag = false;
  visible = false;
  loaded = [];
  constructor(options) {
    super();
    if (!isReady) throw new Error('Cannot create BrowserWindow before app is ready');
    this.options = options;
    const self = this;
    this.webContents = Object.assign(new EventEmitter(), {
      setWindowOpenHandler() {},
      isDestroyed: () => self.destroyedFlag,
      send(...args) { if (self.destroyedFlag) throw destroyedError(); },
    });
    windows.push(this);
  }
  #live() { if (this.destroyedFlag) throw destroyedError(); }
  documents = [];
  loadURL(url) {
    this.#live();
    this.loaded.push(url);
    // Only the fragment differs: a same-document navigation (hashchange in the page), nothing is requested.
    if (this.url && url.includes('#') && url.split('#')[0] === this.url.split('#')[0]) {
      this.url = url;
      return Promise.resolve();
    }
    // Chromium never sends the fragment to the protocol handler.
    return loadDocument(url.split('#')[0]).then((doc) => {
      this.documents.push(doc);
      this.url = url;
    });
  }
  show() { this.#live(); this.visible = true; }
  hide() { this.#live(); this.visible = false; }
  focus() { this.#live(); }
  isMinimized() { this.#live(); return false; }
  restore() { this.#live(); }
  isDestroyed() { return this.destroyedFlag; }
  close() {
    this.#live();
    const e = cancellable();
    this.emit('close', e);
    if (e.defaultPrevented) return;
    this.destroyedFlag = true;
    this.visible = false;
    this.emit('closed');
    if (!quitting && windows.every((w) => w.destroyedFlag)) app.emit('window-all-closed');
  }
  static getAllWindows() { return windows.filter((w) => !w.destroyedFlag); }
}

const trays = [];
export class Tray extends EventEmitter {
  tooltip = '';
  menu = [];
  destroyed = false;
  constructor(image) {
    super();
    if (!isReady) throw new Error('Cannot create Tray before app is ready');
    this.image = image;
    trays.push(this);
  }
  setToolTip(t) { this.tooltip = t; }
  menuBuilds = 0;
  setContextMenu(m) { this.menu = m ?? []; this.menuBuilds++; }
  isDestroyed() { return this.destroyed; }
  destroy() { this.destroyed = true; }
}
export const Menu = {
  buildFromTemplate: (template) => template.map((i) => ({ ...i })),
  setApplicationMenu(menu) { log.appMenu = menu === null ? null : 'custom'; log.appMenuBeforeReady = !isReady; },
};
export const nativeImage = { createFromPath: (path) => ({ path, isEmpty: () => !existsSync(path) }) };
const clipboardText = [];
export const clipboard = {
  writeText(text) {
    if (env.FAKE_CLIPBOARD_FAIL === '1') return Promise.reject(new Error('clipboard unavailable'));
    clipboardText.push(text);
    return Promise.resolve();
  },
};
const ipcHandlers = new Map();
export const ipcMain = Object.assign(new EventEmitter(), {
  handle(channel, fn) {
    if (ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    ipcHandlers.set(channel, fn);
  },
  removeHandler(channel) { ipcHandlers.delete(channel); },
});
export const dialog = {
  showErrorBox(title, content) { log.errorBoxes.push({ title, content, beforeReady: !isReady }); if (!isReady) process.stderr.write(`${title}\n${content}\n`); },
  async showMessageBox(options) { log.dialogs.push(options); return { response: 0, checkboxChecked: false }; },
};
export const shell = { openExternal: async () => undefined };
// Electron grants every permission unless the app sets handlers (which it may do only after 'ready').
const permissionHandlers = { check: null, request: null };
export const session = {
  defaultSession: {
    setPermissionCheckHandler(fn) { if (!isReady) throw new Error('session used before ready'); permissionHandlers.check = fn; },
    setPermissionRequestHandler(fn) { if (!isReady) throw new Error('session used before ready'); permissionHandlers.request = fn; },
  },
};
export const powerMonitor = new EventEmitter();
export default { app, safeStorage, BrowserWindow, Tray, Menu, nativeImage, clipboard, ipcMain, dialog, shell, powerMonitor, protocol, session };

// ---- the test's control channel ---------------------------------------------------------------------------
const menuItem = (i) => ({ id: i.id, label: i.label, type: i.type, enabled: i.enabled !== false, checked: i.checked, submenu: i.submenu?.map(menuItem) });
const findItem = (items, id) => {
  for (const i of items ?? []) {
    if (i.id === id) return { item: i, siblings: items };
    const inner = findItem(i.submenu, id);
    if (inner) return inner;
  }
  return undefined;
};
// What the OS menu does on a click before the app hears of it: a checkbox flips, a radio becomes the checked one of
// its group (the adjacent radio items).
function flip({ item, siblings }) {
  if (item.type === 'checkbox') item.checked = !item.checked;
  if (item.type !== 'radio') return;
  const at = siblings.indexOf(item);
  let start = at;
  while (start > 0 && siblings[start - 1].type === 'radio') start--;
  for (let i = start; i < siblings.length && siblings[i].type === 'radio'; i++) siblings[i].checked = false;
  item.checked = true;
}
const state = () => {
  const tray = trays[0];
  return {
    ready: isReady,
    quitting,
    tooltip: tray?.tooltip ?? null,
    menu: (tray?.menu ?? []).map(menuItem),
    menuBuilds: tray?.menuBuilds ?? 0,
    windows: windows.map((w) => ({
      visible: w.visible, destroyed: w.destroyedFlag, menuBar: w.options?.autoHideMenuBar, url: w.url ?? null, documents: w.documents,
      options: { width: w.options?.width, height: w.options?.height, minWidth: w.options?.minWidth, minHeight: w.options?.minHeight, useContentSize: w.options?.useContentSize },
    })),
    clipboard: clipboardText,
    ...log,
  };
};
process.on('message', async (msg) => {
  try {
    let reply;
    if (msg.cmd === 'state') reply = state();
    else if (msg.cmd === 'invoke') {
      const handler = ipcHandlers.get(`ccproxy:${msg.channel}`);
      // The call comes from the page the window shows (or a given one, to test the sender check).
      const url = msg.senderUrl ?? windows.filter((w) => !w.destroyedFlag).at(-1)?.url;
      if (!url) throw new Error('no window page to invoke from');
      reply = await handler({ senderFrame: { url } }, msg.request);
    } else if (msg.cmd === 'click') {
      const found = findItem(trays[0]?.menu, msg.item);
      if (!found) throw new Error(`no tray item ${msg.item}`);
      if (found.item.enabled === false) throw new Error(`tray item ${msg.item} is disabled`);
      flip(found);
      found.item.click?.();
      reply = true;
    } else if (msg.cmd === 'permission') {
      // As Chromium asks: a check with the requesting origin, then a request with the requesting URL.
      const u = new URL(msg.url);
      const origin = `${u.protocol}//${u.host}`;
      const contents = windows.at(-1)?.webContents ?? null;
      const check = permissionHandlers.check ? permissionHandlers.check(contents, msg.permission, origin, { requestingUrl: msg.url }) : true;
      const request = permissionHandlers.request
        ? await new Promise((resolve) => permissionHandlers.request(contents, msg.permission, resolve, { requestingUrl: msg.url, isMainFrame: true }))
        : true;
      reply = { check, request };
    } else if (msg.cmd === 'tray-click') { trays[0]?.emit('click', {}); reply = true; }
    else if (msg.cmd === 'second-instance') { app.emit('second-instance', {}, [], process.cwd()); reply = true; }
    else if (msg.cmd === 'activate') { app.emit('activate', {}, false); reply = true; }
    else if (msg.cmd === 'close-window') { windows.at(-1)?.close(); reply = true; }
    else if (msg.cmd === 'session-end') {
      // Windows: WM_ENDSESSION reaches every top-level window; the process is killed soon after, no quit events.
      for (const w of windows) if (!w.destroyedFlag) w.emit('session-end', { reasons: ['logoff'] });
      reply = windows.length;
    }
    else if (msg.cmd === 'quit') { app.quit(); reply = true; }
    else throw new Error(`unknown command ${msg.cmd}`);
    process.send?.({ id: msg.id, reply });
  } catch (err) {
    process.send?.({ id: msg.id, error: String(err?.stack ?? err) });
  }
});
