import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileLog, LOG_FLUSH_MS, logLine } from '../../app/log.js';

// ccproxy.log as a file on disk: private, bounded by rotation, refusal floods summarised, and written within a
// short interval even if the process is never closed (what a crash leaves behind).

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ccp-log-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const requestLine = (i: number) => ({ req: `req_${i}`, path: '/v1/messages', model: 'claude-sonnet-4-5', status: 200, ms: 12, in: 100, out: 5, pad: 'z'.repeat(200) });

describe('ccproxy.log', () => {
  it('is created 0600 in a 0700 directory under umask 000, and an old 0644 file is tightened', async () => {
    const old = process.umask(0);
    try {
      const dir = join(tmp(), 'data');
      const log = createFileLog(dir);
      log.logger.info({ req: 'a' }, 'request');
      await log.close();
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(log.path).mode & 0o777).toBe(0o600);
      const dir2 = tmp();
      writeFileSync(join(dir2, 'ccproxy.log'), '', { mode: 0o644 });
      const log2 = createFileLog(dir2);
      expect(statSync(log2.path).mode & 0o777).toBe(0o600);
      await log2.close();
    } finally {
      process.umask(old);
    }
  });

  it('reaches the disk within the flush interval without close() (what a SIGKILL leaves)', async () => {
    const log = createFileLog(tmp());
    log.logger.info(requestLine(1), 'request');
    await sleep(LOG_FLUSH_MS * 5 + 200);
    expect(lines(log.path).map((l) => l.req)).toEqual(['req_1']);
    await log.close();
  });

  it('rotates by size, keeps 3 old files, never loses a line in between, all 0600', async () => {
    const dir = tmp();
    const log = createFileLog(dir, { maxBytes: 20_000 });
    const N = 600; // ~200 KB of lines: many rotations
    for (let i = 0; i < N; i++) {
      log.logger.info(requestLine(i), 'request');
      if (i % 50 === 0) await sleep(5);
    }
    await log.close();
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['ccproxy.log', 'ccproxy.log.1', 'ccproxy.log.2', 'ccproxy.log.3']);
    for (const f of files) {
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, f)).size).toBeLessThan(20_000 + 20_000);
    }
    // The kept files hold the newest lines, in order, without gaps.
    const kept = ['ccproxy.log.3', 'ccproxy.log.2', 'ccproxy.log.1', 'ccproxy.log'].flatMap((f) => lines(join(dir, f))).map((l) => Number(String(l.req).slice(4)));
    expect(kept[kept.length - 1]).toBe(N - 1);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, i) => N - kept.length + i));
  });

  it('a flood of identical refusals is one line plus one summary per window; other lines are untouched', async () => {
    const log = createFileLog(tmp(), { refusalWindowMs: 500 });
    const refusal = (i: number, path = '/v1/messages') => ({ req: `req_r${i}`, method: 'POST', path, status: 403, ms: 0, error: 'permission_error' });
    for (let i = 0; i < 500; i++) log.logger.warn(refusal(i), 'request refused');
    log.logger.warn(refusal(999, '/other'), 'request refused');
    log.logger.info(requestLine(1), 'request');
    await sleep(750); // between the window's first tick (500 ms) and its second (1000 ms)
    log.logger.warn(refusal(1000), 'request refused'); // after a summary: counted into the next window
    await log.close();
    const all = lines(log.path);
    const refused = all.filter((l) => l.msg === 'request refused');
    expect(refused.map((l) => l.req)).toEqual(['req_r0', 'req_r999']);
    const summaries = all.filter((l) => l.msg === 'requests refused (repeated)');
    expect(summaries.map((l) => l.refused)).toEqual([499, 1]);
    expect(summaries[0]).toMatchObject({ path: '/v1/messages', status: 403, error: 'permission_error', last_req: 'req_r499' });
    expect(all.filter((l) => l.msg === 'request')).toHaveLength(1);
    expect(all.length).toBe(5);
  });

  it('redacts credentials passed by mistake', async () => {
    const log = createFileLog(tmp());
    log.logger.info({ apiKey: 'sk-secret', authorization: 'Bearer sk-secret', headers: { 'x-api-key': 'sk-secret' } }, 'oops');
    await log.close();
    expect(readFileSync(log.path, 'utf8')).not.toContain('sk-secret');
  });
});

describe('logLine (the per-request line, formatted without pino)', () => {
  it('writes the same JSON as pino, key for key and in the same order, and honours the level', async () => {
    const dir = tmp();
    const log = createFileLog(dir);
    const fields = { req: 'req_1', model: 'claude-sonnet-4-5', stream: false, status: 200, ttft_ms: null, skipped: undefined, error_message: 'quote " and \u00e9 and \n' };
    log.logger.info(fields, 'request');
    logLine(log.logger, 'info', fields, 'request');
    log.logger.warn(fields, 'request failed');
    logLine(log.logger, 'warn', fields, 'request failed');
    log.logger.level = 'warn';
    logLine(log.logger, 'info', fields, 'not written');
    await log.close();
    const raw = readFileSync(log.path, 'utf8').split('\n').filter(Boolean);
    expect(raw).toHaveLength(4);
    const noTime = (l: string) => l.replace(/"time":"[^"]+"/, '"time":"T"');
    expect(noTime(raw[1])).toBe(noTime(raw[0]));
    expect(noTime(raw[3])).toBe(noTime(raw[2]));
    expect(JSON.parse(raw[1])).toMatchObject({ level: 30, app: 'ccproxy', msg: 'request', error_message: 'quote " and \u00e9 and \n' });
    expect(Date.parse(JSON.parse(raw[1]).time as string)).toBeGreaterThan(0);
  });

  it('gathered lines keep their order with pino lines, and reach the disk within the flush interval without close()', async () => {
    const log = createFileLog(tmp());
    const want: string[] = [];
    for (let i = 0; i < 300; i++) {
      // ~80 KB of request lines: several 12 KB hand-overs, with pino's own lines in between.
      logLine(log.logger, 'info', requestLine(i), 'request');
      want.push(`req_${i}`);
      if (i % 37 === 0) {
        log.logger.warn({ req: `pino_${i}` }, 'something else');
        want.push(`pino_${i}`);
      }
    }
    logLine(log.logger, 'info', requestLine(300), 'request');
    want.push('req_300');
    await sleep(LOG_FLUSH_MS * 5 + 200);
    expect(lines(log.path).map((l) => l.req)).toEqual(want);
    await log.close();
  });
});
