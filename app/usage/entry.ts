// RequestRecord (what the proxy produces) → LogEntry (what the log and ledger store): adds the cost.

import type { PriceOverride } from '../contract/settings.js';
import type { LogEntry } from '../contract/usage.js';
import type { RequestRecord } from '../proxy/records.js';
import { costUsd, priceFor } from './pricing.js';

/**
 * Prices a finished request. A request with no tokens at all (rejected, failed before Mistral answered,
 * cancelled early) costs exactly 0 even without a known price — nothing was billed. Otherwise an unknown model
 * gives `costUsd: null` ("unpriced"), never 0.
 */
export function toLogEntry(record: RequestRecord, overrides: Record<string, PriceOverride> = {}): LogEntry {
  const counts = { inputTokens: record.inputTokens, outputTokens: record.outputTokens, cachedTokens: record.cachedTokens };
  const billed = counts.inputTokens > 0 || counts.outputTokens > 0 || counts.cachedTokens > 0;
  let cost: number | null = 0;
  if (billed) {
    const price = priceFor(record.mistralModel, overrides);
    cost = price ? costUsd(price, counts) : null;
  }
  return { ...record, costUsd: cost };
}
