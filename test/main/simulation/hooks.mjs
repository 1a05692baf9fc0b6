// Loaded with `node --import` by the launch simulation: every `import 'electron'` (main.ts, electron-store) gets the
// fake Electron in this folder instead of the npm package (whose index.js only exports the binary's path).
import { registerHooks } from 'node:module';

const fake = new URL('./fake-electron.mjs', import.meta.url).href;
registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier === 'electron') return { url: fake, shortCircuit: true };
    return nextResolve(specifier, context);
  },
});
