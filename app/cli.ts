#!/usr/bin/env node
import { ConfigError, configFromEnv } from './config.js';
import { createFileLogger } from './log.js';
import { startProxy } from './proxy/server.js';
import { VERSION } from './version.js';

// `npm run headless`: the proxy in the foreground, configured from env vars. Ctrl-C / SIGTERM drain in-flight
// requests (streams get a grace period, then an SSE error) and exit 0.

async function main(): Promise<void> {
  let config;
  try {
    config = configFromEnv(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`ccproxy: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createFileLogger(config.dataDir);
  let proxy;
  try {
    proxy = await startProxy({ config: () => config, version: VERSION, logger });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? `port ${config.port} is already in use (set CCPROXY_PORT)` : e.code === 'EACCES' ? `no permission to listen on ${config.host}:${config.port}` : e.message;
    console.error(`ccproxy: cannot start: ${why}`);
    process.exit(1);
  }
  console.log(`ccproxy ${VERSION} listening on ${proxy.url} → ${config.baseUrl} (default model ${config.defaultModel})`);
  console.log(`  use it: ANTHROPIC_BASE_URL=${proxy.url.replace('127.0.0.1', 'localhost')} ANTHROPIC_API_KEY=any claude`);
  console.log(`  log: ${config.dataDir}/ccproxy.log`);
  logger.info({ url: proxy.url, upstream: config.baseUrl, version: VERSION }, 'started');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      console.error('ccproxy: forced exit');
      process.exit(1);
    }
    stopping = true;
    console.log(`ccproxy: ${signal}, finishing in-flight requests…`);
    await proxy.close(Number(process.env.CCPROXY_SHUTDOWN_GRACE_MS ?? 10_000));
    logger.info({ signal }, 'stopped');
    logger.flush();
    console.log('ccproxy: stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

void main();
