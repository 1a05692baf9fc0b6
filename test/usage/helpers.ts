// Shared fixtures for the usage tests: temp database files and LogEntry builders.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogEntry } from '../../app/contract/usage.js';

export function tempDir(): { dir: string; file: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ccp-usage-'));
  return { dir, file: (name = 'usage.db') => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

let seq = 0;
export function entry(p: Partial<LogEntry> & { startedAt: number }): LogEntry {
  seq++;
  return {
    id: `req_test_${seq}_${Math.random().toString(36).slice(2, 8)}`,
    path: '/v1/messages',
    clientModel: 'claude-sonnet-4-5',
    mistralModel: 'mistral-large-latest',
    stream: false,
    status: 200,
    errorType: null,
    errorMessage: null,
    stopReason: 'end_turn',
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
    latencyMs: 1000,
    ttftMs: null,
    toolCount: 0,
    sessionId: null,
    costUsd: 0,
    ...p,
  };
}

/** Local wall-clock time → epoch ms. */
export const local = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0) => new Date(y, mo - 1, d, h, mi, s, ms).getTime();
