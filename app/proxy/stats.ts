import type { RequestRecord } from './records.js';

/** Counters behind GET /status. */
export class ProxyStats {
  readonly startedAt = Date.now();
  total = 0;
  ok = 0;
  clientErrors = 0;
  upstreamErrors = 0;
  clientClosed = 0;
  inFlight = 0;
  inputTokens = 0;
  outputTokens = 0;
  lastError: { at: string; status: number; type: string; message: string } | null = null;

  add(record: RequestRecord): void {
    this.total++;
    this.inputTokens += record.inputTokens + record.cachedTokens;
    this.outputTokens += record.outputTokens;
    if (record.errorType === 'client_closed') this.clientClosed++;
    else if (record.status < 400 && !record.errorType) this.ok++;
    else if (record.status >= 500 || record.errorType === 'overloaded_error' || record.errorType === 'api_error') this.upstreamErrors++;
    else this.clientErrors++;
    if (record.errorType && record.errorType !== 'client_closed') {
      this.lastError = { at: new Date().toISOString(), status: record.status, type: record.errorType, message: record.errorMessage ?? '' };
    }
  }

  snapshot() {
    return {
      total: this.total,
      ok: this.ok,
      client_errors: this.clientErrors,
      upstream_errors: this.upstreamErrors,
      client_closed: this.clientClosed,
      in_flight: this.inFlight,
      input_tokens: this.inputTokens,
      output_tokens: this.outputTokens,
    };
  }
}
