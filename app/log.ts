import { chmodSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';

// The structured log at $CCPROXY_DATA_DIR/ccproxy.log: one JSON line per request.
//
// Cheap on the request path: the line is appended to an in-memory buffer; the file is written asynchronously once
// 12 KB have gathered or every LOG_FLUSH_MS, whichever comes first (one write() per ~40 lines instead of one per
// request). The per-request line (`logLine`) is formatted here, in pino's exact shape, with one JSON.stringify:
// ~2 µs instead of ~12 µs through pino's generic path (redaction, hooks, serialisers) that its fixed, secret-free
// fields do not need, and gathered here into 12 KB pieces before it reaches the destination (sonic-boom measures
// its pending buffer on every write, which re-reads the whole growing string each time). Everything else goes
// through pino, after the lines gathered so far, so the file keeps the order things were logged in. A crash loses
// at most the last LOG_FLUSH_MS of lines; close() writes everything.
// Bounded on disk: rotated by size (ccproxy.log → .1 → .2 → .3, the oldest dropped), and a burst of identical
// refusals (same status, error, method and path) is written as its first line plus one summary line per window.
// Private: the file is created 0600 (an older 0644 one is tightened) in a directory created 0700.
// Secrets are redacted by path as a second line of defence; the code never passes the key or client credentials
// to the logger in the first place.

export const LOG_FILE = 'ccproxy.log';
/** The most a crash can lose of the log, ms (stated in the README). */
export const LOG_FLUSH_MS = 100;

export interface FileLogOptions {
  /** Rotate when the file reaches this size (default 10 MB). */
  maxBytes?: number;
  /** Rotated files kept beside the current one (default 3). */
  keep?: number;
  /** Summary window for repeated refusals, ms (default 10 s). */
  refusalWindowMs?: number;
}

type LineLevel = 'info' | 'warn';
type LineWriter = (level: LineLevel, fields: object, msg: string) => void;
const LEVEL_VALUE: Record<LineLevel, number> = { info: 30, warn: 40 };
const lineWriters = new WeakMap<Logger, LineWriter>();

/**
 * One log line of fixed, secret-free fields (the per-request line): written directly into the file log's buffer
 * when `logger` came from createFileLog, else through the logger itself. Same JSON either way.
 */
export function logLine(logger: Logger, level: LineLevel, fields: object, msg: string): void {
  const write = lineWriters.get(logger);
  if (write) write(level, fields, msg);
  else logger[level](fields, msg);
}

export interface FileLog {
  logger: Logger;
  path: string;
  /** Writes everything buffered (summaries of refusals included), then closes the file. */
  close(): Promise<void>;
}

const REFUSED = 'request refused';
/** Request lines gathered before they go to the destination in one write() call (its minLength). */
const GATHER_CHARS = 12 * 1024;
const MAX_REFUSAL_KEYS = 1000;

interface RefusalLine { req?: unknown; method?: unknown; path?: unknown; status?: unknown; error?: unknown }
interface RefusalRun { line: RefusalLine; count: number; lastReq: unknown; since: number }

export function createFileLog(dataDir: string, opts: FileLogOptions = {}): FileLog {
  const maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
  const keep = Math.max(1, opts.keep ?? 3);
  const windowMs = opts.refusalWindowMs ?? 10_000;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, LOG_FILE);
  for (let i = 0; i <= keep; i++) {
    try { chmodSync(i ? `${path}.${i}` : path, 0o600); } catch { /* absent */ }
  }
  let size = 0;
  try { size = statSync(path).size; } catch { /* new file */ }

  const dest = pino.destination({ dest: path, sync: false, mkdir: true, minLength: GATHER_CHARS, mode: 0o600 });
  let rotating = false;
  dest.on('write', (n: number) => {
    size += n;
    if (size < maxBytes || rotating) return;
    rotating = true;
    try {
      rmSync(`${path}.${keep}`, { force: true });
      for (let i = keep - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
      // Lines still in flight land in .1 (the descriptor follows the renamed file); reopen starts a new ccproxy.log.
      renameSync(path, `${path}.1`);
      dest.reopen();
      size = 0;
    } catch {
      /* rotation is best effort: a failed rename leaves the current file growing, it never stops logging */
    }
    rotating = false;
  });
  dest.on('error', () => { /* a full disk must not crash the proxy; lines are lost, requests are not */ });

  // Repeated refusals: the first of a kind is written as it comes; the rest of the window is counted, then written
  // as one summary line. A kind quiet for a whole window is forgotten, so its next refusal is written at once again.
  const runs = new Map<string, RefusalRun>();
  let dirty = false;
  // Request lines not yet handed to the destination (see the header comment).
  let gathered = '';
  const handOver = () => {
    if (!gathered) return;
    const text = gathered;
    gathered = '';
    dest.write(text);
  };
  let logger: Logger;
  const summarise = (all: boolean) => {
    const now = Date.now();
    for (const [key, run] of runs) {
      if (run.count > 0) {
        const { line } = run;
        logger.warn({ method: line.method, path: line.path, status: line.status, error: line.error, refused: run.count, last_req: run.lastReq, window_ms: now - run.since }, 'requests refused (repeated)');
        run.count = 0;
        run.since = now;
      } else if (all || now - run.since >= windowMs) {
        runs.delete(key);
      }
    }
  };

  logger = pino(
    {
      base: { app: 'ccproxy' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['apiKey', 'authorization', '["x-api-key"]', 'headers', 'err.apiKey'], censor: '[redacted]' },
      hooks: {
        logMethod(args, method) {
          dirty = true;
          handOver();
          const line = args[0] as unknown as RefusalLine;
          if (args[1] === REFUSED && line && typeof line === 'object') {
            let key = `${String(line.status)} ${String(line.error)} ${String(line.method)} ${String(line.path)}`;
            if (!runs.has(key) && runs.size >= MAX_REFUSAL_KEYS) key = `${String(line.status)} ${String(line.error)} *`;
            const run = runs.get(key);
            if (run) {
              run.count++;
              run.lastReq = line.req;
              return;
            }
            runs.set(key, { line: { method: line.method, path: line.path, status: line.status, error: line.error }, count: 0, lastReq: null, since: Date.now() });
          }
          method.apply(this, args);
        },
      },
    },
    dest,
  );

  const prefix = { info: `{"level":${LEVEL_VALUE.info},"time":"`, warn: `{"level":${LEVEL_VALUE.warn},"time":"` };
  lineWriters.set(logger, (level, fields, msg) => {
    if (logger.levelVal > LEVEL_VALUE[level]) return;
    const body = JSON.stringify(fields);
    dirty = true;
    gathered += `${prefix[level]}${new Date().toISOString()}","app":"ccproxy",${body.length > 2 ? `${body.slice(1, -1)},` : ''}"msg":${JSON.stringify(msg)}}\n`;
    if (gathered.length >= GATHER_CHARS) handOver();
  });

  const flushTimer = setInterval(() => {
    if (!dirty) return;
    dirty = false;
    handOver();
    try { dest.flush(); } catch { /* not open yet: the next tick retries */ dirty = true; }
  }, LOG_FLUSH_MS).unref();
  const summaryTimer = setInterval(() => summarise(false), windowMs).unref();

  let closing: Promise<void> | null = null;
  const close = () => (closing ??= (async () => {
    clearInterval(summaryTimer);
    summarise(true);
    clearInterval(flushTimer);
    handOver();
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      try {
        dest.flush(() => { clearTimeout(t); resolve(); });
      } catch {
        clearTimeout(t);
        resolve();
      }
    });
    try { dest.end(); } catch { /* already closed */ }
  })());

  return { logger, path, close };
}

/** The logger alone (callers that never close it, e.g. tests). */
export function createFileLogger(dataDir: string): Logger {
  return createFileLog(dataDir).logger;
}
