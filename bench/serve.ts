// Child processes for the benchmark: `serve.ts upstream` (a canned, instant Mistral) or
// `serve.ts proxy <upstreamPort>` (the real proxy). Each prints its port on the first stdout line.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv } from '../app/config.js';
import { CoreService } from '../app/core/service.js';
import { startProxy } from '../app/proxy/server.js';
import { openConfStore } from '../app/settings/store.js';

const completion = JSON.stringify({
  id: 'bench', object: 'chat.completion', created: 0, model: 'mistral-large-latest',
  choices: [{ index: 0, message: { role: 'assistant', content: 'The command printed CCPROXY_MARKER_42.', tool_calls: null }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 15000, completion_tokens: 12, total_tokens: 15012 },
});
const pieces = ['The ', 'command ', 'printed ', 'CCPROXY_', 'MARKER_42.'];
const sseBody =
  [{ role: 'assistant', content: '' }, ...pieces.map((c) => ({ content: c }))]
    .map((delta, i) => `data: ${JSON.stringify({ id: 'bench', object: 'chat.completion.chunk', created: 0, model: 'mistral-large-latest', choices: [{ index: 0, delta, finish_reason: i === pieces.length ? 'stop' : null }], ...(i === pieces.length ? { usage: { prompt_tokens: 15000, completion_tokens: 12, total_tokens: 15012 } } : {}) })}\n\n`)
    .join('') + 'data: [DONE]\n\n';

if (process.argv[2] === 'upstream') {
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const stream = Buffer.concat(parts).includes('"stream":true');
      res.writeHead(200, { 'content-type': stream ? 'text/event-stream' : 'application/json' });
      res.end(stream ? sseBody : completion);
    });
  });
  server.listen(0, '127.0.0.1', () => console.log((server.address() as AddressInfo).port));
} else {
  // The whole core, as users run it: settings store, usage ledger (SQLite), budgets, event bus, log file.
  const dataDir = mkdtempSync(join(tmpdir(), 'ccproxy-bench-'));
  const env = { MISTRAL_API_KEY: 'bench-key', MISTRAL_BASE_URL: `http://127.0.0.1:${process.argv[3]}/v1`, CCPROXY_PORT: '0', CCPROXY_DATA_DIR: dataDir };
  if (process.env.BENCH_BARE) {
    // Only the proxy (no settings store, ledger or log), to see what the core's bookkeeping costs.
    const config = configFromEnv(env);
    console.log((await startProxy({ config: () => config, version: 'bench' })).port);
  } else {
    const core = new CoreService({ settings: openConfStore(dataDir, { env }), version: 'bench' });
    await core.start();
    console.log(core.status().port);
  }
}

// A clean exit on SIGTERM lets `--cpu-prof` write its profile when the benchmark is profiled.
process.on('SIGTERM', () => process.exit(0));

// The benchmark asks for CPU time over IPC, to report cost per request independent of scheduling noise.
process.on('message', (m) => {
  if (m === 'cpu') process.send?.(process.cpuUsage());
});
