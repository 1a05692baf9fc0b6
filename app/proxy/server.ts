import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import type { Logger } from 'pino';
import type { ApiError } from '../translate/errors.js';
import type { ProxyConfig } from '../config.js';
import { MistralClient, type ClientOptions } from '../mistral/client.js';
import { createProxyApp, type ProxyApp } from './app.js';
import { SHUTDOWN } from './messages.js';
import type { RecordSink, RequestRecord } from './records.js';

export interface StartOptions {
  config: () => ProxyConfig;
  version: string;
  logger?: Logger;
  onRecord?: RecordSink;
  onStarted?: (rec: RequestRecord) => void;
  admit?: (rec: RequestRecord) => ApiError | null;
  client?: ClientOptions;
  /** Extra routes mounted before the proxy's (e.g. the UI bridge under /ui). */
  mount?: (koa: Koa) => void;
  pingIntervalMs?: number;
}

export interface RunningProxy {
  url: string;
  port: number;
  app: ProxyApp;
  server: Server;
  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts streams with an SSE error. */
  close(graceMs?: number): Promise<void>;
}

function logRecord(logger: Logger, r: RequestRecord): void {
  const line = {
    req: r.id, path: r.path, model: r.clientModel, mistral_model: r.mistralModel, stream: r.stream, status: r.status,
    ms: r.latencyMs, ttft_ms: r.ttftMs, in: r.inputTokens, out: r.outputTokens, cached: r.cachedTokens,
    stop: r.stopReason, tools: r.toolCount, session: r.sessionId, error: r.errorType, error_message: r.errorMessage,
  };
  if (r.errorType && r.errorType !== 'client_closed') logger.warn(line, 'request failed');
  else logger.info(line, 'request');
}

export async function startProxy(opts: StartOptions): Promise<RunningProxy> {
  const client = new MistralClient(() => ({ baseUrl: opts.config().baseUrl, apiKey: opts.config().apiKey }), opts.client);
  const app = createProxyApp({
    config: opts.config,
    client,
    version: opts.version,
    pingIntervalMs: opts.pingIntervalMs,
    onStarted: opts.onStarted,
    admit: opts.admit,
    mount: opts.mount,
    onAccess: opts.logger ? (line) => (line.error ? opts.logger!.warn(line, 'request refused') : opts.logger!.info(line, 'request')) : undefined,
    onRecord: (r) => {
      if (opts.logger) logRecord(opts.logger, r);
      opts.onRecord?.(r);
    },
  });
  const server = createServer(app.koa.callback());
  // Long generations: never let Node's defaults cut a request that is still streaming.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  const { host, port } = opts.config();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${actualPort}`,
    port: actualPort,
    app,
    server,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = Date.now() + graceMs;
      while (app.active.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const controller of app.active) controller.abort(SHUTDOWN);
      await new Promise((r) => setTimeout(r, 50));
      server.closeAllConnections();
      await closed;
    },
  };
}
