import type { Currency } from './settings.js';

/** One proxied request: what the proxy measures (app/proxy/records.ts narrows the string unions). */
export interface RequestFacts {
  id: string;
  startedAt: number;
  path: string;
  clientModel: string | null;
  mistralModel: string | null;
  stream: boolean;
  status: number;
  errorType: string | null;
  errorMessage: string | null;
  stopReason: string | null;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  latencyMs: number;
  /** Time to the first content from Mistral (streams), or null. */
  ttftMs: number | null;
  toolCount: number;
  sessionId: string | null;
  /** The Claude Code session's project: its working directory, or its first prompt; null without a session. */
  project?: string | null;
  /** Time spent waiting for a turn under the rate limit (queue and Retry-After), ms. */
  queuedMs?: number;
  /** Upstream attempts the proxy repeated after a 429 (invisible to the client). */
  retries?: number;
  /** The model first chosen, when a fallback model answered instead (mistralModel says which); else null. */
  fallbackFrom?: string | null;
  /** Why it fell back: 'rate_limited' | 'overloaded' | 'model_unavailable'; else null. */
  fallbackReason?: string | null;
}

/** A request as the live log and the ledger see it: the facts plus their cost. */
export interface LogEntry extends RequestFacts {
  /** USD; null when the model has no known price (never silently 0). */
  costUsd: number | null;
}

export interface TimeRange { from: number; to: number }

export type RangePreset = 'today' | '7d' | '30d';

export interface UsageTotals {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costUsd: number;
  /** Requests whose model had no price, so costUsd excludes them. */
  unpricedRequests: number;
}

export interface DayBucket extends UsageTotals { day: string }
export interface ModelBucket extends UsageTotals { model: string }
export interface LatencyStats { p50: number | null; p90: number | null; p99: number | null; ttftP50: number | null; ttftP90: number | null }
export interface SessionBucket extends UsageTotals {
  sessionId: string;
  firstAt: number;
  lastAt: number;
  /** Its project (working directory, or first prompt) as its first request stated it; null when unknown. */
  project: string | null;
}

/** What pacing did for the requests in a range (from the ledger's pacing columns). */
export interface PacingUsage {
  /** Requests that waited for their turn under the rate limit instead of drawing a 429 from Mistral. */
  paced: number;
  /** Total time those requests waited (queue and Retry-After), ms. */
  waitMs: number;
  /** Upstream attempts the proxy repeated after a 429 (the client never saw those 429s). */
  retries: number;
  /** Requests answered by a fallback model. */
  fallbacks: number;
}

export interface UsageReport {
  range: TimeRange;
  totals: UsageTotals;
  byDay: DayBucket[];
  byModel: ModelBucket[];
  byClientModel: ModelBucket[];
  latency: LatencyStats;
  errorRate: number;
  topSessions: SessionBucket[];
  /** The most recent Claude Code session (whatever the range), with its totals over all kept records; null if none. */
  currentSession: SessionBucket | null;
  pacing: PacingUsage;
  currency: Currency;
  eurPerUsd: number;
}

export interface PriceRow {
  model: string;
  inputUsd: number;
  outputUsd: number;
  cachedInputUsd: number;
  /** Date the list price was taken (YYYY-MM-DD), or 'override'. */
  asOf: string;
  source: 'list' | 'override';
}

export interface BudgetState {
  period: 'day' | 'month';
  spentUsd: number;
  limitUsd: number;
  fraction: number;
}
