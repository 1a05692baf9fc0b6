import type { IncomingHttpHeaders } from 'node:http';

// What Mistral's response headers say about its limits. Mistral reports its token limits as
// `x-ratelimitbysize-limit-minute` / `x-ratelimitbysize-remaining-minute` (plus `-month`) and `ratelimitbysize-reset`
// (seconds); the OpenAI-style `x-ratelimit-limit-tokens` / `x-ratelimit-remaining-tokens` are read too, in case a
// gateway in between rewrites them. A 429 carries `Retry-After` (seconds or an HTTP date).

const one = (h: IncomingHttpHeaders, name: string): string | undefined => {
  const v = h[name];
  return (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
};

const count = (v: string | undefined): number | null => {
  if (v === undefined || !/^\d+(\.\d+)?$/.test(v)) return null;
  return Number(v);
};

export interface RateHeaders {
  tpmLimit: number | null;
  tpmRemaining: number | null;
  /** Seconds until the token window resets, when given. */
  resetS: number | null;
}

export function readRateHeaders(h: IncomingHttpHeaders): RateHeaders {
  return {
    tpmLimit: count(one(h, 'x-ratelimitbysize-limit-minute')) ?? count(one(h, 'x-ratelimit-limit-tokens')) ?? count(one(h, 'x-ratelimit-limit-tokens-minute')),
    tpmRemaining: count(one(h, 'x-ratelimitbysize-remaining-minute')) ?? count(one(h, 'x-ratelimit-remaining-tokens')) ?? count(one(h, 'x-ratelimit-remaining-tokens-minute')),
    resetS: count(one(h, 'ratelimitbysize-reset')) ?? count(one(h, 'x-ratelimitbysize-reset')),
  };
}

/** Retry-After (or retry-after-ms) in ms, or null when absent or unreadable. */
export function retryAfterMs(h: IncomingHttpHeaders, now = Date.now()): number | null {
  const ms = count(one(h, 'retry-after-ms'));
  if (ms !== null) return ms;
  const v = one(h, 'retry-after');
  if (v === undefined) return null;
  const s = count(v);
  if (s !== null) return s * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}
