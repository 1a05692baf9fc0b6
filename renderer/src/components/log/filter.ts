import type { LogEntry, PriceRow } from '../../../../app/contract/usage.js';
import type { Row } from './useLiveLog.js';

// The live log's filters and the detail drawer's derived facts, pure so they are unit-tested.

export interface LogFilter {
  errorsOnly: boolean;
  /** A client or Mistral model id; '' = any. */
  model: string;
  /** A session id; '' = any. */
  session: string;
  /** Case-insensitive; matched against id, models, status, error, session (id and project), stop reason. */
  text: string;
}

export const NO_FILTER: LogFilter = { errorsOnly: false, model: '', session: '', text: '' };

export const isError = (e: LogEntry) => e.status >= 400 || e.errorType !== null;

export function matches(row: Row, f: LogFilter): boolean {
  if (row.kind === 'pending') {
    const s = row.started;
    if (f.errorsOnly || f.session) return false;
    if (f.model && s.clientModel !== f.model && s.mistralModel !== f.model) return false;
    return !f.text || [s.id, s.clientModel, s.mistralModel].some((v) => v?.toLowerCase().includes(f.text.toLowerCase()));
  }
  const e = row.entry;
  if (f.errorsOnly && !isError(e)) return false;
  if (f.model && e.clientModel !== f.model && e.mistralModel !== f.model) return false;
  if (f.session && e.sessionId !== f.session) return false;
  if (!f.text) return true;
  const needle = f.text.toLowerCase();
  return [e.id, e.clientModel, e.mistralModel, String(e.status), e.errorType, e.errorMessage, e.sessionId, e.project, e.stopReason].some((v) => v?.toLowerCase().includes(needle));
}

export const isFiltered = (f: LogFilter) => f.errorsOnly || f.model !== '' || f.session !== '' || f.text.trim() !== '';

/** Distinct values for the filter menus, most frequent first. */
export function facets(rows: Row[]): { models: string[]; sessions: string[] } {
  const models = new Map<string, number>();
  const sessions = new Map<string, number>();
  for (const r of rows) {
    const e = r.kind === 'done' ? r.entry : null;
    for (const m of [r.kind === 'done' ? r.entry.clientModel : r.started.clientModel, r.kind === 'done' ? r.entry.mistralModel : r.started.mistralModel]) {
      if (m) models.set(m, (models.get(m) ?? 0) + 1);
    }
    if (e?.sessionId) sessions.set(e.sessionId, (sessions.get(e.sessionId) ?? 0) + 1);
  }
  const order = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([k]) => k);
  return { models: order(models), sessions: order(sessions) };
}

export interface CostPart { label: string; tokens: number; pricePerM: number; usd: number }

/** What the request's cost is made of, with the price table the core uses; null when the model has no price. */
export function costBreakdown(e: LogEntry, prices: PriceRow[]): CostPart[] | null {
  const p = prices.find((row) => row.model === e.mistralModel);
  if (!p) return null;
  const part = (label: string, tokens: number, pricePerM: number): CostPart => ({ label, tokens, pricePerM, usd: (tokens * pricePerM) / 1e6 });
  return [part('Input', e.inputTokens, p.inputUsd), part('Cached input', e.cachedTokens, p.cachedInputUsd), part('Output', e.outputTokens, p.outputUsd)];
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A curl command that sends a request like this one to the proxy. The prompt itself is not kept by the proxy, so
 * the body carries the same model, stream mode and max tokens with a placeholder message. No key: the proxy holds
 * the Mistral key, and a local proxy token (if any) is read from the shell's $ANTHROPIC_AUTH_TOKEN.
 */
export function curlFor(e: LogEntry, baseUrl: string): string {
  const body = { model: e.clientModel ?? 'claude-sonnet-4-5', max_tokens: Math.max(e.outputTokens, 1024), stream: e.stream, messages: [{ role: 'user', content: 'Hello' }] };
  return [
    `curl ${sq(`${baseUrl.replace(/\/$/, '')}${e.path}`)}`,
    `-H 'content-type: application/json'`,
    `-H 'anthropic-version: 2023-06-01'`,
    `-H "authorization: Bearer \${ANTHROPIC_AUTH_TOKEN:-ccproxy}"`,
    ...(e.sessionId ? [`-H ${sq(`x-claude-code-session-id: ${e.sessionId}`)}`] : []),
    ...(e.stream ? ['-N'] : []),
    `-d ${sq(JSON.stringify(body))}`,
  ].join(' \\\n  ');
}
