import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { logLine } from '../log.js';
import type { ApiError } from '../translate/errors.js';
import { checkBindPolicy, inboundLimits, isLoopbackHost, isWildcardHost, type ProxyConfig } from '../config.js';
import { errorBody } from '../translate/errors.js';
import type { AnthropicErrorType } from '../translate/anthropic-types.js';
import { MistralClient, type ClientOptions } from '../mistral/client.js';
import { createProxyApp, type ProxyApp } from './app.js';
import { interfaceHosts } from './guard.js';
import { markTimedOut } from './body.js';
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
  /** The URL to use from this machine (a loopback address even for a wildcard bind). */
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
    ...(r.upstream && (r.upstream.attempts > 1 || r.upstream.skippedLines > 0)
      ? { attempts: r.upstream.attempts, retry_wait_ms: r.upstream.retryWaitMs, skipped_lines: r.upstream.skippedLines }
      : {}),
    queued_ms: r.queuedMs, retries: r.retries, fallback_from: r.fallbackFrom, fallback_reason: r.fallbackReason,
  };
  if (r.errorType && r.errorType !== 'client_closed') logLine(logger, 'warn', line, 'request failed');
  else logLine(logger, 'info', line, 'request');
}

const urlOf = (host: string, port: number) => `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;

/** For a non-loopback bind: the URLs other machines can use (from the network interfaces); else none. */
export function reachableUrls(host: string, port: number): string[] {
  if (isLoopbackHost(host)) return [];
  const bare = host.replace(/^\[|\]$/g, '');
  const hosts = isWildcardHost(host) ? interfaceHosts({ external: true, v6: bare.includes(':') }) : [bare];
  return hosts.map((h) => urlOf(h, port));
}

function rawErrorResponse(status: number, reason: string, type: AnthropicErrorType, message: string): string {
  const body = JSON.stringify(errorBody(type, message));
  return `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`;
}

/** Writes a raw answer on a socket the HTTP server will not serve, and closes it (at the latest a second later). */
function answerAndClose(socket: Socket, response: string): void {
  socket.on('error', () => undefined);
  socket.end(response);
  setTimeout(() => socket.destroy(), 1_000).unref();
}

/** Errors Node's HTTP parser raises before (or while) a request reaches Koa, answered in the Anthropic shape. */
function clientErrorResponse(code: string | undefined): string {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return rawErrorResponse(408, 'Request Timeout', 'timeout_error', 'the request did not arrive in time; the connection is closed');
  if (code === 'HPE_HEADER_OVERFLOW') return rawErrorResponse(431, 'Request Header Fields Too Large', 'invalid_request_error', 'request headers are too large');
  return rawErrorResponse(400, 'Bad Request', 'invalid_request_error', 'malformed HTTP request');
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
  const startConfig = opts.config();
  checkBindPolicy(startConfig);
  const limits = inboundLimits(startConfig);
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  // Node's header/request timeouts only run until a request has fully arrived, so a response may stream for as
  // long as the generation lasts; they are checked on this interval.
  const server = createServer({
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout,
    keepAliveTimeout: 65_000,
    connectionsCheckingInterval: Math.max(50, Math.min(5_000, Math.floor(headersTimeout / 4))),
    // Node answers an HTTP/1.1 request without Host with its own bare 400; the guard refuses it in the Anthropic shape.
    requireHostHeader: false,
  }, app.koa.callback());

  // Requests Node answers itself otherwise, with an empty body or none: an `Expect` other than 100-continue (bare
  // 417) and CONNECT (connection closed without a word).
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    const body = JSON.stringify(errorBody('invalid_request_error', `Expect: ${String(req.headers.expect).slice(0, 100)} is not supported (only 100-continue)`));
    res.writeHead(417, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
    res.end(body);
  });
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    answerAndClose(socket, rawErrorResponse(405, 'Method Not Allowed', 'invalid_request_error', 'CONNECT is not supported: this is not a forward proxy'));
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') markTimedOut(socket);
    // Node's own handler writes a plain-text answer in the same case: no response of this request has started.
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (socket.writable && !inFlight?.headersSent && err.code !== 'ECONNRESET') socket.write(clientErrorResponse(err.code));
    socket.destroy();
  });

  // A cap on open client connections (each may hold an upstream connection and buffers). A connection past it
  // is answered 529 overloaded_error, which SDKs retry with backoff, and never reaches the HTTP parser.
  const open = new Set<Socket>();
  const httpListeners = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    if (open.size >= limits.maxConnections) {
      socket.resume();
      answerAndClose(socket, rawErrorResponse(529, 'Overloaded', 'overloaded_error', `CCProxy has ${limits.maxConnections} open connections (CCPROXY_MAX_CONNECTIONS); retry shortly`));
      return;
    }
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    for (const listener of httpListeners) listener.call(server, socket);
  });

  const { host, port } = startConfig;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  const bare = host.replace(/^\[|\]$/g, '');
  // "Every interface" is not an address a client can use; this machine reaches it on loopback.
  const localHost = isWildcardHost(host) ? (bare.includes(':') ? '::1' : '127.0.0.1') : bare;
  return {
    url: urlOf(localHost, actualPort),
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
      // Idle keep-alive sockets to Mistral would otherwise keep the process alive for their timeout.
      client.destroy();
    },
  };
}
