import { enableJsonStringifyFastPath } from '../app/core/heap-flags.js';

// Every test process runs the core with the V8 settings the product's entries apply (app/cli.ts, main/main.ts), so
// the tests exercise the runtime users get, not Node's defaults.
enableJsonStringifyFastPath();
