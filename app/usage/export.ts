// Export formats for ledger rows. CSV follows RFC 4180: CRLF line ends, a header row, fields quoted when they
// hold a comma, quote, CR or LF, with quotes doubled. Times are ISO 8601 (UTC); money is exact decimal USD.

import type { LogEntry } from '../contract/usage.js';

export const CSV_COLUMNS = [
  'id', 'started_at', 'path', 'client_model', 'mistral_model', 'stream', 'status', 'error_type', 'error_message',
  'stop_reason', 'input_tokens', 'output_tokens', 'cached_tokens', 'cost_usd', 'latency_ms', 'ttft_ms', 'tool_count',
  'session_id', 'project', 'queued_ms', 'retries', 'fallback_from', 'fallback_reason',
] as const;

export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line (with CRLF) for an entry; `costText` is the exact decimal cost or '' when unpriced. */
export function csvLine(e: LogEntry, costText: string): string {
  return [
    e.id, new Date(e.startedAt).toISOString(), e.path, e.clientModel, e.mistralModel, e.stream, e.status, e.errorType,
    e.errorMessage, e.stopReason, e.inputTokens, e.outputTokens, e.cachedTokens, costText, e.latencyMs, e.ttftMs,
    e.toolCount, e.sessionId, e.project, e.queuedMs ?? 0, e.retries ?? 0, e.fallbackFrom, e.fallbackReason,
  ].map((v, i) => (i === 13 ? v as string : csvField(v as string | number | boolean | null))).join(',') + '\r\n';
}

export const CSV_HEADER = CSV_COLUMNS.join(',') + '\r\n';

/** Minimal RFC 4180 parser (used by tests and any re-import): returns rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += c; i++; continue;
    }
    if (c === '"') { quoted = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i += 2; continue; }
    if (c === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; continue; }
    field += c; i++;
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row); }
  return rows;
}
