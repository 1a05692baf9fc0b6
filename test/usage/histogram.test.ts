import { describe, expect, it } from 'vitest';
import { bucketOf, bucketValue, percentileOf, TTFT_OFFSET } from '../../app/usage/histogram.js';

describe('latency histogram', () => {
  it('is exact below 100 ms and within 2.5% + 0.5 ms above', () => {
    for (let v = 0; v < 100; v++) expect(bucketValue(bucketOf(v))).toBe(v);
    let worst = 0;
    for (let v = 100; v < 3_000_000; v += 7) worst = Math.max(worst, Math.abs(bucketValue(bucketOf(v)) - v) - v * 0.025);
    expect(worst).toBeLessThanOrEqual(0.5);
  });

  it('is monotone, so the nearest-rank value lands in the reported bucket', () => {
    let prev = -1;
    let decreasing = 0;
    for (let v = 0; v < 200_000; v++) {
      const b = bucketOf(v);
      if (b < prev) decreasing++;
      prev = b;
    }
    expect(decreasing).toBe(0);
    expect(bucketOf(1e9)).toBeLessThan(TTFT_OFFSET);
    expect(bucketOf(-5)).toBe(0);
    expect(bucketOf(Number.NaN)).toBe(0);
  });

  it('computes nearest-rank percentiles from counts', () => {
    const values = [120, 130, 150, 800, 900, 1000, 5000, 9000, 20000, 60000];
    const counts = new Map<number, number>();
    for (const v of values) counts.set(bucketOf(v), (counts.get(bucketOf(v)) ?? 0) + 1);
    const hist = [...counts.entries()].sort((a, b) => a[0] - b[0]);
    const near = (got: number | null, want: number) => expect(Math.abs((got as number) - want)).toBeLessThanOrEqual(want * 0.025 + 0.5);
    near(percentileOf(hist, 0.5), 900); // rank 5
    near(percentileOf(hist, 0.9), 20000); // rank 9
    near(percentileOf(hist, 0.99), 60000); // rank 10
    near(percentileOf(hist, 0), 120);
    expect(percentileOf([], 0.5)).toBeNull();
  });
});
