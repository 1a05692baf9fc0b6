import { ConfigError } from '../config.js';

/** Timeouts and the retry bound of the upstream client. Every field has a default; env vars override them. */
export interface ClientOptions {
  /** Most extra attempts for one call (only for what provably was not sent, or a 429/503 answer). */
  retries?: number;
  /** Base of the exponential back-off between attempts (Retry-After, when larger, wins). */
  retryDelayMs?: number;
  /** Most time one call may spend waiting between attempts, Retry-After included; past it the proxy gives up. */
  retryBudgetMs?: number;
  connectTimeoutMs?: number;
  /** Streaming: from the request being sent to Mistral's response headers. */
  firstByteTimeoutMs?: number;
  /** Streaming: most silence between two reads once the stream runs. */
  idleTimeoutMs?: number;
  /** Non-streaming: the whole call, headers and body (Mistral sends the headers only once the answer is ready). */
  nonStreamTimeoutMs?: number;
}

export type ResolvedClientOptions = Required<ClientOptions>;

// Chosen below the clients' own limits (the Anthropic SDK and Claude Code give up after 600 s) so that the proxy, not
// the client, reports a stalled Mistral, with a typed 504 the client understands.
export const CLIENT_DEFAULTS: ResolvedClientOptions = {
  retries: 2,
  retryDelayMs: 500,
  retryBudgetMs: 10_000,
  connectTimeoutMs: 10_000,
  firstByteTimeoutMs: 120_000,
  idleTimeoutMs: 120_000,
  nonStreamTimeoutMs: 300_000,
};

const ENV: Record<keyof ClientOptions, string> = {
  retries: 'CCPROXY_UPSTREAM_RETRIES',
  retryDelayMs: 'CCPROXY_UPSTREAM_RETRY_DELAY_MS',
  retryBudgetMs: 'CCPROXY_UPSTREAM_RETRY_BUDGET_MS',
  connectTimeoutMs: 'CCPROXY_UPSTREAM_CONNECT_TIMEOUT_MS',
  firstByteTimeoutMs: 'CCPROXY_UPSTREAM_FIRST_BYTE_TIMEOUT_MS',
  idleTimeoutMs: 'CCPROXY_UPSTREAM_IDLE_TIMEOUT_MS',
  nonStreamTimeoutMs: 'CCPROXY_UPSTREAM_TIMEOUT_MS',
};

/** Options from the environment over the defaults; a bad value is one clear ConfigError naming the variable. */
export function clientOptionsFromEnv(env: Record<string, string | undefined> = process.env): ResolvedClientOptions {
  const out = { ...CLIENT_DEFAULTS };
  for (const [field, name] of Object.entries(ENV) as Array<[keyof ClientOptions, string]>) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const max = field === 'retries' ? 10 : 3_600_000;
    const min = field === 'retries' || field === 'retryDelayMs' || field === 'retryBudgetMs' ? 0 : 1;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
    }
    out[field] = Number(raw);
  }
  return out;
}
