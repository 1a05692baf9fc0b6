import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer (renderer/) builds to dist-renderer/ at the repo root. `base: './'` makes every asset URL relative,
// so the same build loads from ccproxy://app/ in Electron (main/app-protocol.ts) and from /ui/ on the headless bridge.
export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('./dist-renderer', import.meta.url)),
    emptyOutDir: true,
    // Desktop app: one chunk per kind is fine, no need to warn about recharts' size.
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
  },
});
