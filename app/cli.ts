#!/usr/bin/env node
import { relaunchWithHeapFlags } from './core/heap-flags.js';

// The `ccproxy` bin and `npm run headless`: first the V8 heap flags (a re-exec, before anything is loaded: see
// core/heap-flags.ts), then the headless core (headless.ts).
relaunchWithHeapFlags();
await import('./headless.js');
