#!/usr/bin/env node
import { enableJsonStringifyFastPath, holdYoungGenerationDuringStart, relaunchWithHeapFlags, SEMI_SPACE_MB } from './core/heap-flags.js';

// The `ccproxy` bin and `npm run headless`: first the V8 heap settings (a re-exec before anything is loaded, and a
// small young generation while starting, V8's JSON.stringify fast path: see core/heap-flags.ts), then the headless
// core (headless.ts).
relaunchWithHeapFlags();
enableJsonStringifyFastPath();
const release = holdYoungGenerationDuringStart({ capMb: SEMI_SPACE_MB });
try {
  await (await import('./headless.js')).main();
} finally {
  release();
}
