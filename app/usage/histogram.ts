// Latency histograms: how percentiles stay fast on millions of rows.
//
// Each request's latency (and TTFT) falls in one bucket; rollup tables keep a count per (period, bucket), so a
// percentile over any range reads a few hundred rows instead of sorting every request. Buckets are exact 1 ms
// steps below LINEAR_MAX ms and log-spaced by RATIO above, so a reported percentile is the geometric middle of
// the bucket holding the nearest-rank value: within ±2.5% of the exact value (sqrt(1.05) − 1 ≈ 2.47%) plus
// 0.5 ms of rounding, and exact below 100 ms. ~430 buckets cover 0 ms to 11 days.

export const LINEAR_MAX = 100;
export const RATIO = 1.05;
const LN_RATIO = Math.log(RATIO);
/** TTFT buckets share the tables with total-latency buckets, offset by this much. */
export const TTFT_OFFSET = 1000;

/** Bucket of a latency in ms (negative/non-finite → 0). Max index for 1e9 ms is ~430, below TTFT_OFFSET. */
export function bucketOf(ms: number): number {
  const v = Number.isFinite(ms) && ms > 0 ? Math.round(ms) : 0;
  if (v < LINEAR_MAX) return v;
  return LINEAR_MAX + Math.floor(Math.log(v / LINEAR_MAX) / LN_RATIO + 1e-12);
}

/** Representative ms for a bucket: exact below LINEAR_MAX, else the geometric middle of [lower, lower × RATIO). */
export function bucketValue(bucket: number): number {
  if (bucket < LINEAR_MAX) return bucket;
  const lower = LINEAR_MAX * RATIO ** (bucket - LINEAR_MAX);
  return Math.round(lower * Math.sqrt(RATIO));
}

/**
 * Nearest-rank percentile (rank = ceil(p × N)) over sorted [bucket, count] pairs.
 * Returns null when the histogram is empty.
 */
export function percentileOf(hist: Array<[number, number]>, p: number): number | null {
  let total = 0;
  for (const [, n] of hist) total += n;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const [bucket, n] of hist) {
    seen += n;
    if (seen >= rank) return bucketValue(bucket);
  }
  return bucketValue(hist[hist.length - 1][0]);
}
