import type { Logger } from 'pino';
import { ConfigError, type ProxyConfig } from '../app/config.js';
import { createFileLogger } from '../app/log.js';
import { startProxy, type RunningProxy, type StartOptions } from '../app/proxy/server.js';
import type { SettingsSource } from './settings-source.js';

// Owns the proxy's lifecycle for the shell. Electron-free so start/stop/error states are tested in plain Node.

export interface ProxyStatus {
  running: boolean;
  url: string | null;
  error: string | null;
  busy: boolean;
}

export interface ProxyController {
  status(): ProxyStatus;
  start(): Promise<ProxyStatus>;
  stop(graceMs?: number): Promise<ProxyStatus>;
  onChange(listener: (status: ProxyStatus) => void): () => void;
}

export interface ControllerOptions {
  settings: SettingsSource;
  version: string;
  start?: (opts: StartOptions) => Promise<RunningProxy>;
  logger?: (config: ProxyConfig) => Logger | undefined;
}

/** One line a tray menu can show; the same wording as headless mode for the common failures. */
export function describeStartError(err: unknown, config: ProxyConfig | null): string {
  if (err instanceof ConfigError) return err.message;
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EADDRINUSE') return `port ${config?.port} is already in use`;
  if (e?.code === 'EACCES') return `no permission to listen on ${config?.host}:${config?.port}`;
  return e instanceof Error ? e.message : String(err);
}

export function createProxyController(opts: ControllerOptions): ProxyController {
  const start = opts.start ?? startProxy;
  // One logger per data dir: each pino destination holds a file descriptor, and restarts must not leak them.
  const loggers = new Map<string, Logger>();
  const loggerFor = opts.logger ?? ((config: ProxyConfig) => {
    let logger = loggers.get(config.dataDir);
    if (!logger) loggers.set(config.dataDir, (logger = createFileLogger(config.dataDir)));
    return logger;
  });
  const listeners = new Set<(status: ProxyStatus) => void>();
  let proxy: RunningProxy | null = null;
  let state: ProxyStatus = { running: false, url: null, error: null, busy: false };
  // Serialises start/stop so a double click in the tray cannot start two servers.
  let queue: Promise<unknown> = Promise.resolve();

  const set = (next: Partial<ProxyStatus>) => {
    state = { ...state, ...next };
    for (const listener of listeners) listener(state);
  };
  const serial = (job: () => Promise<void>): Promise<ProxyStatus> => {
    const run = queue.then(job, job).then(() => state);
    queue = run.catch(() => undefined);
    return run;
  };

  return {
    status: () => state,
    start: () =>
      serial(async () => {
        if (proxy) return;
        set({ busy: true });
        let config: ProxyConfig | null = null;
        try {
          config = opts.settings.load();
          const frozen = config;
          // The config is read once per start: settings changes take effect on the next restart, by design.
          proxy = await start({ config: () => frozen, version: opts.version, logger: loggerFor(frozen) });
          set({ running: true, url: proxy.url, error: null, busy: false });
        } catch (err) {
          set({ running: false, url: null, error: describeStartError(err, config), busy: false });
        }
      }),
    stop: (graceMs) =>
      serial(async () => {
        if (!proxy) return;
        set({ busy: true });
        const closing = proxy;
        proxy = null;
        try {
          await closing.close(graceMs);
        } finally {
          set({ running: false, url: null, busy: false });
          for (const logger of loggers.values()) logger.flush();
        }
      }),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
