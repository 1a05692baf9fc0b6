// The request pacer's state, as /status and the UI see it. Rates are null when there is no cap (JSON has no Infinity).

export interface PacingTotals {
  /** Requests let through to Mistral (each attempt counts). */
  admitted: number;
  /** Requests that had to wait for their turn: each one a 429 that was not provoked. */
  paced: number;
  /** Total time requests spent waiting (queue + Retry-After), ms. */
  waitMs: number;
  /** Upstream attempts repeated by the proxy after a 429 (the client never saw them). */
  retries: number;
  /** 429s Mistral answered. */
  upstream429: number;
  /** Requests answered 429 by the proxy because their wait would pass the bound. */
  rejected: number;
  /** Requests answered by a fallback model. */
  fallbacks: number;
}

export interface PacingState {
  preset: string;
  /** False when pacing is off (requests go straight through, 429s are passed on). */
  enabled: boolean;
  /** Requests waiting for their turn right now. */
  waiting: number;
  /** How long the oldest waiting request has waited, ms (0 when none). */
  oldestWaitMs: number;
  /** The caps in force now: the preset's, tightened after 429s or replaced by what Mistral's headers said. */
  limits: { rps: number | null; tpm: number | null };
  /** The caps the preset (or custom setting) asks for. */
  configured: { rps: number | null; tpm: number | null };
  /** What Mistral told us: tokens per minute and remaining from its rate-limit headers, and when. */
  learned: { tpm: number | null; remainingTokens: number | null; at: number | null };
  /** Epoch ms until which nothing is sent (a Retry-After in force), or null. */
  blockedUntil: number | null;
  /** Tokens (input + output) counted against the last minute. */
  tokensLastMinute: number;
  /** The longest a request may wait, ms. */
  maxWaitMs: number;
  totals: PacingTotals;
}
