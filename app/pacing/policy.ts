import type { ChatPayload, ChatResult, MistralClient } from '../mistral/client.js';
import type { ApiError } from '../translate/errors.js';
import type { Limiter, Ticket } from './limiter.js';

// Pacing and fallback models around the upstream chat call, through the client's seam (app/mistral/client.ts):
//  1. before every attempt (the first included) the request waits for its turn in the limiter (bounded by the
//     deadline; past it the limiter's 429 ends the call);
//  2. every answer teaches the limiter (429 + Retry-After, x-ratelimitbysize-* headers); the client retries a
//     429/503 after its Retry-After within its own bounds, and the retry goes first in the queue;
//  3. a 429 past the deadline, an overload (502/503/529) or a model Mistral does not serve moves on to the next
//     fallback model, if any; otherwise the client's ready Anthropic error is the answer.

export type FallbackReason = 'rate_limited' | 'overloaded' | 'model_unavailable';

/** What pacing did, filled in as it goes (so a failed request is recorded with its waits and retries too). */
export interface PacingOutcome {
  queuedMs?: number;
  retries?: number;
  /** The model first asked for, when another one answered (or was tried). */
  fallbackFrom?: string | null;
  fallbackReason?: FallbackReason | null;
}

export interface PacedChatOptions<T extends { payload: ChatPayload }> {
  client: MistralClient;
  limiter: Limiter;
  /** Primary model first, then the fallbacks in order. */
  models: string[];
  /** The upstream request for a model, encoded (re-translated per model: capabilities differ). */
  translate: (model: string) => T;
  /** Estimated tokens the request will count against the per-minute limit. */
  tokens: number;
  signal: AbortSignal;
  /** Epoch ms past which the request must not wait. */
  deadline: number;
  outcome: PacingOutcome;
  now?: () => number;
}

export interface PacedChat<T> {
  result: ChatResult;
  translation: T;
  model: string;
  /** Tell the limiter the real tokens once the response is complete. */
  settle(tokens: number): void;
}

const MODEL_GONE = /invalid model|model .*(not found|not available|unavailable|does not exist)|no such model|unknown model/i;
const CAPACITY = /capacity exceeded|overloaded/i;

function classify(status: number | null, err: ApiError): FallbackReason | null {
  if (status === 502 || status === 503 || status === 529) return 'overloaded';
  if (status === 404 || ((status === 400 || status === 422) && MODEL_GONE.test(err.message)) || (err.status === 404 && status !== null)) return 'model_unavailable';
  if (status === 429) return CAPACITY.test(err.message) ? 'overloaded' : 'rate_limited';
  return null;
}

export async function chatPaced<T extends { payload: ChatPayload }>(o: PacedChatOptions<T>): Promise<PacedChat<T>> {
  const { limiter, outcome } = o;
  let last: PacedChat<T> | null = null;
  for (let i = 0; i < o.models.length; i++) {
    const model = o.models[i];
    const translation = o.translate(model);
    let ticket: Ticket | null = null;
    const result = await o.client.chat(translation.payload, {
      signal: o.signal,
      // Retries (429/503 after Retry-After) stay within the client's own count and time bounds: one retry policy.
      beforeAttempt: async ({ attempt }) => {
        ticket = await limiter.acquire(o.tokens, { signal: o.signal, deadline: o.deadline, retry: attempt > 1, ignoreBlock: i > 0 && attempt === 1 });
        outcome.queuedMs = (outcome.queuedMs ?? 0) + ticket.queuedMs;
      },
      onResponse: ({ status, headers }) => {
        if (ticket) limiter.report(ticket, status, headers);
      },
    });
    const retried = Math.max(0, result.attempts - 1);
    outcome.retries = (outcome.retries ?? 0) + retried;
    limiter.totals.retries += retried;
    const t: Ticket | null = ticket;
    const settle = (tokens: number) => {
      if (t) limiter.settle(t, tokens);
    };
    if (result.ok) {
      if (i > 0) limiter.totals.fallbacks++;
      return { result, translation, model, settle };
    }
    // Nothing came back (network, timeout): the tokens were not used.
    if (result.status === null && t) limiter.settle(t, 0);
    last = { result, translation, model, settle };
    const reason = classify(result.status, result.error);
    if (!reason || i + 1 >= o.models.length) return last;
    outcome.fallbackFrom ??= o.models[0];
    outcome.fallbackReason ??= reason;
  }
  if (!last) throw new Error('chatPaced: no model to send the request to');
  return last;
}
