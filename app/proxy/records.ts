import type { AnthropicErrorType, StopReason } from '../translate/anthropic-types.js';

/** One proxied request, as the log, the status counters and (later) the usage ledger see it. */
export interface RequestRecord {
  id: string;
  startedAt: number;
  path: string;
  clientModel: string | null;
  mistralModel: string | null;
  stream: boolean;
  status: number;
  errorType: AnthropicErrorType | 'client_closed' | null;
  errorMessage: string | null;
  stopReason: StopReason | null;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  latencyMs: number;
  /** Time to the first content from Mistral (streams), or null. */
  ttftMs: number | null;
  toolCount: number;
  sessionId: string | null;
}

export type RecordSink = (record: RequestRecord) => void;
