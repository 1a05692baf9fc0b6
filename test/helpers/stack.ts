import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { configFromEnv, type ProxyConfig } from '../../app/config.js';
import { createFileLogger } from '../../app/log.js';
import type { ClientOptions } from '../../app/mistral/client.js';
import type { RequestRecord } from '../../app/proxy/records.js';
import { startProxy, type RunningProxy } from '../../app/proxy/server.js';
import { startMockMistral, type MockMistral } from '../mock-mistral/index.js';

export interface Stack {
  mock: MockMistral;
  proxy: RunningProxy;
  config: ProxyConfig;
  /** Base URL clients use, e.g. http://127.0.0.1:PORT */
  url: string;
  records: RequestRecord[];
  dataDir: string;
  /** The proxy's file logger ($dataDir/ccproxy.log), when started with `log: true`. */
  logger?: Logger;
  close(): Promise<void>;
}

export interface StackOptions {
  pingIntervalMs?: number;
  mockOptions?: Parameters<typeof startMockMistral>[0];
  /** Log requests to $dataDir/ccproxy.log with the app's file logger. */
  log?: boolean;
  /** Upstream client options (retryDelayMs defaults to 10 here). */
  client?: ClientOptions;
}

/** A real proxy on an ephemeral loopback port, in front of the strict mock Mistral. */
export async function startStack(env: Record<string, string> = {}, opts: StackOptions = {}): Promise<Stack> {
  const mock = await startMockMistral(opts.mockOptions);
  const dataDir = mkdtempSync(join(tmpdir(), 'ccproxy-test-'));
  const config = configFromEnv({
    MISTRAL_API_KEY: mock.apiKey,
    MISTRAL_BASE_URL: mock.url,
    CCPROXY_PORT: '0',
    CCPROXY_DATA_DIR: dataDir,
    ...env,
  });
  const records: RequestRecord[] = [];
  const logger = opts.log ? createFileLogger(dataDir) : undefined;
  const proxy = await startProxy({
    config: () => config,
    version: 'test',
    logger,
    onRecord: (r) => records.push(r),
    client: { retryDelayMs: 10, ...opts.client },
    pingIntervalMs: opts.pingIntervalMs,
  });
  return {
    mock, proxy, config, url: proxy.url, records, dataDir, logger,
    async close() {
      await proxy.close(0);
      await mock.close();
      logger?.flush();
    },
  };
}
