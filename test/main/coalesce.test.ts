import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalesce } from '../../main/coalesce.js';

describe('coalesce (the tray\'s refresh throttle)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a burst of triggers runs once at once and once at the interval\'s end, never twice at a time', async () => {
    let runs = 0;
    let active = 0;
    let maxActive = 0;
    const c = coalesce(async () => {
      runs++;
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 300));
      active--;
    }, 1000);
    for (let i = 0; i < 50; i++) {
      c.trigger();
      await vi.advanceTimersByTimeAsync(10);
    }
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
    // Idle for longer than the interval: the next trigger runs at once.
    c.trigger();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(3);
  });

  it('a run slower than the interval is followed by one more run, not by overlapping ones', async () => {
    let runs = 0;
    const c = coalesce(async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 2500));
    }, 1000);
    c.trigger();
    await vi.advanceTimersByTimeAsync(100);
    c.trigger();
    c.trigger();
    await vi.advanceTimersByTimeAsync(2000);
    expect(runs).toBe(1);
    await vi.advanceTimersByTimeAsync(600);
    expect(runs).toBe(2);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(2);
  });

  it('an error is reported and does not stop later runs; cancel drops the pending run', async () => {
    const errors: unknown[] = [];
    let runs = 0;
    const c = coalesce(() => {
      runs++;
      throw new Error('boom');
    }, 1000, (e) => errors.push(e));
    c.trigger();
    await vi.advanceTimersByTimeAsync(0);
    c.trigger();
    await vi.advanceTimersByTimeAsync(1500);
    expect(runs).toBe(2);
    expect(errors).toHaveLength(2);
    c.trigger();
    c.cancel();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(2);
  });
});
