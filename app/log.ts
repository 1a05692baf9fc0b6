import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

/**
 * The structured log at $CCPROXY_DATA_DIR/ccproxy.log: one JSON line per request. Writes are asynchronous so the
 * request path never waits on the disk. Secrets are redacted by path as a second line of defence; the code never
 * passes the key or client credentials to the logger in the first place.
 */
export function createFileLogger(dataDir: string): Logger {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const dest = pino.destination({ dest: join(dataDir, 'ccproxy.log'), sync: false, mkdir: true });
  return pino(
    {
      base: { app: 'ccproxy' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['apiKey', '*.apiKey', 'authorization', '*.authorization', '*["x-api-key"]', 'headers'], censor: '[redacted]' },
    },
    dest,
  );
}
