import type { RequestFacts } from '../contract/usage.js';
import type { FallbackReason } from '../pacing/policy.js';
import type { AnthropicErrorType, StopReason } from '../translate/anthropic-types.js';

/** One proxied request, as the log, the status counters and the usage ledger see it. */
export interface RequestRecord extends RequestFacts {
  errorType: AnthropicErrorType | 'client_closed' | null;
  stopReason: StopReason | null;
  /** How the upstream call went: attempts (1 = no retry), time waited between them, SSE lines skipped as garbage. */
  upstream?: { attempts: number; retryWaitMs: number; skippedLines: number };
  fallbackReason?: FallbackReason | null;
}

export type RecordSink = (record: RequestRecord) => void;
