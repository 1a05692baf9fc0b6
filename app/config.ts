import { homedir } from 'node:os';
import { join } from 'node:path';
import { fallbacksFromEnv, pacingFromEnv, type FallbackModels, type PacingConfig } from './pacing/presets.js';
import type { TierMapping } from './translate/models.js';

/** Everything the proxy core needs to run; built from env vars in headless mode, from settings in the app. */
export interface ProxyConfig {
  apiKey: string;
  baseUrl: string;
  defaultModel: string;
  maxTokens: number;
  tiers: TierMapping;
  port: number;
  host: string;
  dataDir: string;
  /** When set, every /v1 request must present it as x-api-key or Bearer token. */
  authToken?: string;
  /** Extra Host header names accepted besides the loopback names (for a deliberate non-loopback bind). */
  allowedHosts: string[];
  /** Limits on the inbound side (clients → proxy); defaults in INBOUND_DEFAULTS. */
  inbound?: Partial<InboundLimits>;
  /** Request pacing to Mistral's rate limits (CCPROXY_PACING*). */
  pacing: PacingConfig;
  /** Ordered fallback models per tier (CCPROXY_<TIER>_FALLBACKS). */
  fallbacks: FallbackModels;
}

/**
 * Limits on what a client may hold open while it is still *sending*. None of them bounds a response: a long
 * generation may stream for as long as it takes (the upstream side has its own timeouts).
 */
export interface InboundLimits {
  /** A request body that sends no byte for this long is answered 408 and its socket closed. */
  bodyIdleTimeoutMs: number;
  /** The whole request (headers and body) must have arrived within this (Node's server.requestTimeout). */
  requestTimeoutMs: number;
  /** Request headers must have arrived within this (Node's server.headersTimeout). */
  headersTimeoutMs: number;
  /** Open client connections at once; past it a new connection gets 503 overloaded_error and is closed. */
  maxConnections: number;
}

export const INBOUND_DEFAULTS: InboundLimits = {
  bodyIdleTimeoutMs: 30_000,
  requestTimeoutMs: 300_000,
  headersTimeoutMs: 30_000,
  maxConnections: 256,
};

export function inboundLimits(config: Pick<ProxyConfig, 'inbound'>): InboundLimits {
  return { ...INBOUND_DEFAULTS, ...config.inbound };
}

const LOOPBACK_NAMES = new Set(['localhost', '::1', '[::1]']);

/** True for an address only this machine can reach: 127.0.0.0/8, ::1, localhost (and ::ffff:127.x). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase();
  if (LOOPBACK_NAMES.has(h) || h.endsWith('.localhost')) return true;
  const v4 = h.replace(/^\[?::ffff:/, '').replace(/\]$/, '');
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/** True for the "every interface" addresses. */
export const isWildcardHost = (host: string): boolean => ['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0'].includes(host.trim().toLowerCase());

/**
 * A listener other machines can reach must not serve a paid key to anyone who finds it: without a local token it
 * refuses to start (a ConfigError naming what to set).
 */
export function checkBindPolicy(config: Pick<ProxyConfig, 'host' | 'authToken'>): void {
  if (isLoopbackHost(config.host) || config.authToken) return;
  throw new ConfigError(`CCPROXY_HOST=${config.host} is reachable from other machines: set CCPROXY_AUTH_TOKEN (clients then send it as their API key), or keep CCPROXY_HOST=127.0.0.1`);
}

export class ConfigError extends Error {}

export const DEFAULTS = {
  baseUrl: 'https://api.mistral.ai/v1',
  model: 'mistral-large-latest',
  maxTokens: 16384,
  port: 7187,
  host: '127.0.0.1',
  haikuModel: 'mistral-small-latest',
  opusModel: 'mistral-large-latest',
} as const;

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return Number(raw);
}

function url(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim() || fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL (got "${raw}")`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL (got "${raw}")`);
  return raw.replace(/\/+$/, '');
}

function modelName(env: Env, name: string, fallback: string): string {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(raw)) throw new ConfigError(`${name} is not a valid model id (got "${raw}")`);
  return raw;
}

/** Reads the documented env vars; any bad value is one clear line, before anything starts. */
export function configFromEnv(env: Env = process.env): ProxyConfig {
  const provider = env.PROVIDER?.trim().toLowerCase();
  if (provider && provider !== 'mistral') throw new ConfigError(`PROVIDER must be "mistral" (got "${env.PROVIDER}")`);
  const apiKey = env.MISTRAL_API_KEY?.trim();
  if (!apiKey) throw new ConfigError('MISTRAL_API_KEY is not set: get a key at https://console.mistral.ai/api-keys and export MISTRAL_API_KEY=…');
  if (/\s/.test(apiKey)) throw new ConfigError('MISTRAL_API_KEY contains whitespace; check that it was copied correctly');
  const defaultModel = modelName(env, 'MISTRAL_MODEL', DEFAULTS.model);
  const host = env.CCPROXY_HOST?.trim() || DEFAULTS.host;
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) throw new ConfigError(`CCPROXY_HOST is not a valid host (got "${host}")`);
  const authToken = env.CCPROXY_AUTH_TOKEN?.trim() || undefined;
  const fail = (message: string): never => {
    throw new ConfigError(message);
  };
  return {
    apiKey,
    baseUrl: url(env, 'MISTRAL_BASE_URL', DEFAULTS.baseUrl),
    defaultModel,
    maxTokens: int(env, 'MISTRAL_MAX_TOKENS', DEFAULTS.maxTokens, 1, 1_000_000),
    tiers: {
      haiku: modelName(env, 'CCPROXY_HAIKU_MODEL', DEFAULTS.haikuModel),
      sonnet: modelName(env, 'CCPROXY_SONNET_MODEL', defaultModel),
      opus: modelName(env, 'CCPROXY_OPUS_MODEL', DEFAULTS.opusModel),
    },
    port: int(env, 'CCPROXY_PORT', DEFAULTS.port, 0, 65535),
    host,
    dataDir: env.CCPROXY_DATA_DIR?.trim() || join(homedir(), '.ccproxy'),
    authToken,
    inbound: {
      bodyIdleTimeoutMs: int(env, 'CCPROXY_BODY_TIMEOUT_MS', INBOUND_DEFAULTS.bodyIdleTimeoutMs, 100, 3_600_000),
      requestTimeoutMs: int(env, 'CCPROXY_REQUEST_TIMEOUT_MS', INBOUND_DEFAULTS.requestTimeoutMs, 100, 3_600_000),
      headersTimeoutMs: int(env, 'CCPROXY_HEADERS_TIMEOUT_MS', INBOUND_DEFAULTS.headersTimeoutMs, 100, 3_600_000),
      maxConnections: int(env, 'CCPROXY_MAX_CONNECTIONS', INBOUND_DEFAULTS.maxConnections, 1, 100_000),
    },
    // An address the user bound on purpose is a fine Host; a rebinding attack arrives with a domain name instead.
    allowedHosts: [
      ...(env.CCPROXY_ALLOWED_HOSTS ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
      ...(isWildcardHost(host) ? [] : [host.toLowerCase().startsWith('[') || !host.includes(':') ? host.toLowerCase() : `[${host.toLowerCase()}]`]),
    ],
    pacing: pacingFromEnv(env, fail),
    fallbacks: fallbacksFromEnv(env, fail),
  };
}
