import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Limiter, PacingRefusal, type Ticket } from '../../app/pacing/limiter.js';
import { PACING_DEFAULTS, type PacingConfig } from '../../app/pacing/presets.js';

// The limiter on a fake clock: order, spacing, the token window, the wait bound and learning from Mistral.

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

const cfg = (over: Partial<PacingConfig>): (() => PacingConfig) => () => ({ ...PACING_DEFAULTS, ...over });
const signal = () => new AbortController().signal;
const far = () => Date.now() + 600_000;

async function drain(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

describe('Limiter', () => {
  it('admits first come, first served, spaced 1/rps apart (plus a small guard)', async () => {
    const lim = new Limiter(cfg({ preset: 'free' }));
    const admitted: Array<{ i: number; at: number }> = [];
    const all = Array.from({ length: 5 }, (_, i) => lim.acquire(100, { signal: signal(), deadline: far() }).then(() => admitted.push({ i, at: Date.now() })));
    await drain(10_000);
    await Promise.all(all);
    expect(admitted.map((a) => a.i)).toEqual([0, 1, 2, 3, 4]);
    const gaps = admitted.slice(1).map((a, k) => a.at - admitted[k].at);
    for (const g of gaps) {
      expect(g).toBeGreaterThanOrEqual(1000);
      expect(g).toBeLessThanOrEqual(1100);
    }
    expect(lim.snapshot().totals).toMatchObject({ admitted: 5, paced: 4 });
  });

  it('auto and off do not pace at all', async () => {
    for (const preset of ['auto', 'off'] as const) {
      const lim = new Limiter(cfg({ preset }));
      const t0 = Date.now();
      await Promise.all(Array.from({ length: 10 }, () => lim.acquire(1, { signal: signal(), deadline: t0 })));
      expect(Date.now()).toBe(t0);
    }
  });

  it('keeps the tokens of the last minute under the limit; an oversized request goes alone', async () => {
    const lim = new Limiter(cfg({ preset: 'custom', rps: 100, tpm: 1000 }));
    const t0 = Date.now();
    await lim.acquire(600, { signal: signal(), deadline: far() });
    let second = 0;
    const p = lim.acquire(600, { signal: signal(), deadline: far() }).then(() => (second = Date.now()));
    await drain(59_000);
    expect(second).toBe(0);
    await drain(2_000);
    await p;
    expect(second - t0).toBe(60_000);
    // Bigger than the whole limit: waits for an empty window, then goes.
    let big = 0;
    const q = lim.acquire(5000, { signal: signal(), deadline: far() }).then(() => (big = Date.now()));
    await drain(61_000);
    await q;
    expect(big - second).toBe(60_000);
  });

  it('settle() corrects the estimate with the real tokens', async () => {
    const lim = new Limiter(cfg({ preset: 'custom', rps: 100, tpm: 1000 }));
    const t = await lim.acquire(900, { signal: signal(), deadline: far() });
    lim.settle(t, 100);
    const t0 = Date.now();
    const p = lim.acquire(800, { signal: signal(), deadline: far() });
    await drain(100);
    await p;
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(lim.tokensLastMinute()).toBe(900);
  });

  it('refuses at once, with retry-after, a request whose turn would come after its deadline', async () => {
    const lim = new Limiter(cfg({ preset: 'free' }));
    const deadline = Date.now() + 1500;
    const t0 = Date.now();
    const ps = Array.from({ length: 4 }, () => lim.acquire(1, { signal: signal(), deadline }));
    // The two that cannot make it are refused before any time passes, with a retry-after in seconds.
    const late = await Promise.allSettled([ps[2], ps[3]]);
    expect(Date.now()).toBe(t0);
    for (const r of late) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as PacingRefusal;
      expect(err).toBeInstanceOf(PacingRefusal);
      expect(Number(err.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    await drain(1_100);
    await expect(Promise.all([ps[0], ps[1]])).resolves.toHaveLength(2);
    expect(lim.snapshot().totals.rejected).toBe(2);
  });

  it('a waiter whose signal aborts leaves the queue', async () => {
    const lim = new Limiter(cfg({ preset: 'free' }));
    await lim.acquire(1, { signal: signal(), deadline: far() });
    const ac = new AbortController();
    const p = lim.acquire(1, { signal: ac.signal, deadline: far() });
    expect(lim.waiting).toBe(1);
    ac.abort('client');
    await expect(p).rejects.toBe('client');
    expect(lim.waiting).toBe(0);
  });

  it('a 429 blocks everyone until Retry-After and, in auto mode, starts pacing at the free rate', async () => {
    const lim = new Limiter(cfg({ preset: 'auto' }));
    const t = await lim.acquire(1, { signal: signal(), deadline: far() });
    expect(lim.snapshot().limits.rps).toBeNull();
    const { retryAfterMs } = lim.report(t, 429, { 'retry-after': '3' });
    expect(retryAfterMs).toBe(3000);
    expect(lim.snapshot()).toMatchObject({ limits: { rps: 1 }, blockedUntil: Date.now() + 3000, totals: { upstream429: 1 } });
    const t0 = Date.now();
    const p = lim.acquire(1, { signal: signal(), deadline: far() });
    await drain(3_100);
    await p;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
    // A quiet minute later auto mode lifts the cap again.
    await drain(61_000);
    expect(lim.snapshot().limits.rps).toBeNull();
  });

  it('tightens a preset on 429 and relaxes it back after successes', async () => {
    const lim = new Limiter(cfg({ preset: 'tier1' }));
    let t: Ticket = await lim.acquire(1, { signal: signal(), deadline: far() });
    lim.report(t, 429, { 'retry-after': '1' });
    expect(lim.snapshot().limits.rps).toBe(1.5);
    for (let i = 0; i < 30; i++) {
      const p = lim.acquire(1, { signal: signal(), deadline: far() });
      await drain(1_000);
      t = await p;
      lim.report(t, 200, {});
    }
    expect(lim.snapshot().limits.rps).toBe(2);
  });

  it('learns the token limit from Mistral\'s x-ratelimitbysize headers', async () => {
    const lim = new Limiter(cfg({ preset: 'free' }));
    const t = await lim.acquire(1, { signal: signal(), deadline: far() });
    lim.report(t, 200, { 'x-ratelimitbysize-limit-minute': '200000', 'x-ratelimitbysize-remaining-minute': '150000' });
    expect(lim.snapshot()).toMatchObject({ limits: { tpm: 200_000 }, configured: { tpm: 500_000 }, learned: { tpm: 200_000, remainingTokens: 150_000 } });
  });

  it('a PacingRefusal is an Anthropic 429 rate_limit_error with retry-after', () => {
    const e = new PacingRefusal(7, 'busy');
    expect(e).toMatchObject({ status: 429, type: 'rate_limit_error', headers: { 'retry-after': '7' } });
  });
});

describe('Limiter wait bound of 0', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 2_000_000 });
  });
  it('lets a request through that need not wait, even past its (zero) deadline; refuses one that must wait', async () => {
    const lim = new Limiter(() => ({ ...PACING_DEFAULTS, preset: 'free', maxWaitMs: 0 }));
    const deadline = Date.now() - 5;
    await expect(lim.acquire(1, { signal: new AbortController().signal, deadline })).resolves.toMatchObject({ queuedMs: 0 });
    await expect(lim.acquire(1, { signal: new AbortController().signal, deadline: Date.now() })).rejects.toBeInstanceOf(PacingRefusal);
  });
});
