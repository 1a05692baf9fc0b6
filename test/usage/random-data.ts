// A seeded pseudo-random dataset with awkward timestamps (exact midnights, slot edges, DST days) for
// comparing the ledger's rollup queries against the naive oracle.
import type { LogEntry, TimeRange } from '../../app/contract/usage.js';
import { costUsd, priceFor } from '../../app/usage/pricing.js';
import { addLocalDays, SLOT_MS, startOfLocalDay } from '../../app/usage/time.js';
import { entry } from './helpers.js';

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODELS = ['mistral-large-latest', 'mistral-small-latest', 'codestral-latest', 'unknown-model-x', null];
const CLIENTS = ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1', null];

export function randomEntries(start: number, days: number, count: number, seed = 1): LogEntry[] {
  const r = rng(seed);
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const end = addLocalDays(start, days);
  const out: LogEntry[] = [];
  for (let i = 0; i < count; i++) {
    let t = start + Math.floor(r() * (end - start));
    const shape = r();
    if (shape < 0.05) t = startOfLocalDay(t); // exactly midnight
    else if (shape < 0.1) t = Math.floor(t / SLOT_MS) * SLOT_MS; // exactly on a slot edge
    else if (shape < 0.12) t = Math.floor(t / SLOT_MS) * SLOT_MS - 1; // just before one
    const model = pick(MODELS);
    const kind = r();
    const status = kind < 0.1 ? 500 : kind < 0.15 ? 499 : kind < 0.2 ? 400 : 200;
    const errorType = status === 500 ? 'api_error' : status === 499 ? 'client_closed' : status === 400 ? 'invalid_request_error' : null;
    const inputTokens = Math.floor(r() * 50_000);
    const outputTokens = Math.floor(r() * 4000);
    const cachedTokens = r() < 0.5 ? Math.floor(r() * 100_000) : 0;
    const price = priceFor(model);
    const cost = price ? costUsd(price, { inputTokens, outputTokens, cachedTokens }) : null;
    const stream = r() < 0.7;
    out.push(entry({
      startedAt: t, mistralModel: model, clientModel: pick(CLIENTS), status, errorType, stream,
      inputTokens, outputTokens, cachedTokens, costUsd: cost,
      latencyMs: Math.floor(Math.exp(4 + r() * 7)), ttftMs: stream ? Math.floor(Math.exp(3 + r() * 5)) : null,
      sessionId: r() < 0.8 ? `sess-${Math.floor(r() * 25)}` : null,
      toolCount: Math.floor(r() * 3),
    }));
  }
  return out;
}

export function randomRanges(start: number, days: number, count: number, seed = 2): TimeRange[] {
  const r = rng(seed);
  const end = addLocalDays(start, days);
  const snap = (t: number) => {
    const s = r();
    if (s < 0.25) return startOfLocalDay(t);
    if (s < 0.45) return Math.floor(t / SLOT_MS) * SLOT_MS;
    return t;
  };
  const ranges: TimeRange[] = [
    { from: start, to: end },
    { from: start - 86_400_000, to: end + 86_400_000 },
    { from: start + 1, to: end - 1 },
  ];
  while (ranges.length < count) {
    const a = snap(start - 3_600_000 + Math.floor(r() * (end - start + 7_200_000)));
    const len = r() < 0.3 ? Math.floor(r() * 3_600_000) : Math.floor(r() * (end - start));
    ranges.push({ from: a, to: snap(a + len) });
  }
  return ranges;
}
