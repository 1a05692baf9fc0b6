// Public surface of the usage ledger (pricing, storage, dashboard queries, budgets).
export { BudgetTracker, type BudgetCheck, type BudgetTrackerOptions } from './budget.js';
export { toLogEntry } from './entry.js';
export { CSV_COLUMNS, parseCsv } from './export.js';
export { bucketOf, bucketValue, percentileOf } from './histogram.js';
export { UsageLedger, type UsageLedgerOptions } from './ledger.js';
export {
  CACHED_INPUT_FRACTION, convertUsd, costNanoUsd, costUsd, LIST_PRICES_AS_OF, listPrices, priceFor, type TokenCounts,
} from './pricing.js';
export { NO_MODEL, planRange, UsageQueries, type ReportOptions } from './queries.js';
export { SCHEMA_VERSION } from './schema.js';
export { localDayKey, rangeFor, startOfLocalDay } from './time.js';
