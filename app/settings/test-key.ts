import type { KeyTestResult } from '../contract/settings.js';

// "Test key" in Settings: one cheap authenticated call, GET {baseUrl}/models, which lists models and costs nothing.
// Messages are for the user and never contain the key (any echo of it in an upstream body is masked).

export const TEST_KEY_TIMEOUT_MS = 10_000;

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; signal: AbortSignal; redirect: 'manual' }) => Promise<{
  status: number;
  text(): Promise<string>;
}>;

function upstreamMessage(body: string, apiKey: string): string {
  let msg = '';
  try {
    const j = JSON.parse(body) as { message?: unknown; detail?: unknown; error?: { message?: unknown } };
    const m = j.message ?? j.error?.message ?? (typeof j.detail === 'string' ? j.detail : undefined);
    if (typeof m === 'string') msg = m;
  } catch {
    // not JSON: no upstream detail
  }
  if (apiKey) msg = msg.split(apiKey).join('***');
  msg = msg.replace(/\s+/g, ' ').trim();
  return msg.length > 200 ? `${msg.slice(0, 200)}…` : msg;
}

function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  return e?.cause?.code ?? e?.code ?? 'network error';
}

/**
 * Checks a key against Mistral: 200 → ok (with the model count), 401 → bad_key, 402 → no_credit, 403 → bad_key
 * (the key exists but may not use the API, e.g. its workspace has no active plan), network failure or timeout →
 * unreachable, anything else → error.
 */
export async function testApiKey(
  baseUrl: string,
  apiKey: string,
  fetchImpl: FetchLike = fetch as unknown as FetchLike,
  opts: { timeoutMs?: number } = {},
): Promise<KeyTestResult> {
  const timeoutMs = opts.timeoutMs ?? TEST_KEY_TIMEOUT_MS;
  const key = apiKey.trim();
  if (!key) return { status: 'bad_key', message: 'No API key is set.' };
  if (/\s/.test(key)) return { status: 'bad_key', message: 'The API key contains whitespace; check that it was copied correctly.' };
  let url: URL;
  try {
    url = new URL(`${baseUrl.replace(/\/+$/, '')}/models`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
  } catch {
    return { status: 'error', message: `The base URL is not an http(s) URL (got "${baseUrl}").` };
  }
  const where = url.origin;
  let res: Awaited<ReturnType<FetchLike>>;
  let body: string;
  try {
    res = await fetchImpl(url.toString(), {
      method: 'GET',
      headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    body = await res.text();
  } catch (err) {
    return { status: 'unreachable', message: `Could not reach ${where}: ${networkReason(err, timeoutMs)}.` };
  }
  const detail = upstreamMessage(body, key);
  const suffix = detail ? ` (Mistral said: ${detail})` : '';
  switch (res.status) {
    case 200: {
      let models: number | undefined;
      try {
        const data = (JSON.parse(body) as { data?: unknown }).data;
        if (Array.isArray(data)) models = data.length;
      } catch {
        // fall through
      }
      if (models === undefined) return { status: 'error', message: `${where} answered 200 but not with a model list; is the base URL right?` };
      return { status: 'ok', message: `The key works: ${models} model${models === 1 ? '' : 's'} available.`, models };
    }
    case 401:
      return { status: 'bad_key', message: `Mistral rejected the key (401 Unauthorized); check it at https://console.mistral.ai/api-keys${suffix}.` };
    case 402:
      return { status: 'no_credit', message: `The key is valid but the account has no credit or plan (402 Payment Required)${suffix}.` };
    case 403:
      return { status: 'bad_key', message: `The key is not allowed to use the API (403 Forbidden); check the workspace's plan and the key's permissions${suffix}.` };
    case 301: case 302: case 303: case 307: case 308:
      return { status: 'error', message: `${where} redirects (HTTP ${res.status}); use the final URL as the base URL.` };
    case 404:
      return { status: 'error', message: `${url.pathname} was not found on ${where} (404); is the base URL right (it should end in /v1)?` };
    case 429:
      return { status: 'error', message: `Rate limited by Mistral (429); try again in a moment${suffix}.` };
    default:
      return { status: 'error', message: `Unexpected answer from ${where}: HTTP ${res.status}${suffix}.` };
  }
}
