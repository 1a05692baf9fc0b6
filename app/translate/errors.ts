import type { AnthropicErrorType } from './anthropic-types.js';

/** An error that leaves the proxy as an Anthropic error body with a matching HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: AnthropicErrorType,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const invalidRequest = (message: string) => new ApiError(400, 'invalid_request_error', message);

export function errorBody(type: AnthropicErrorType, message: string, requestId?: string) {
  return { type: 'error' as const, error: { type, message }, ...(requestId ? { request_id: requestId } : {}) };
}

const OVERFLOW = /prompt contains (\d+) tokens?.*?too large for model with (\d+) maximum context length/i;

interface DetailItem { loc?: unknown[]; msg?: string; message?: string }

/** Mistral's `message` can be a string, an object with `detail[]`, or an array; flatten to one readable line. */
function flattenMessage(body: unknown): string {
  if (body == null) return '';
  if (typeof body === 'string') return body;
  if (Array.isArray(body)) return body.map(flattenMessage).filter(Boolean).join('; ');
  if (typeof body !== 'object') return String(body);
  const b = body as Record<string, unknown>;
  if (Array.isArray(b.detail)) {
    return (b.detail as DetailItem[])
      .map((d) => {
        const loc = Array.isArray(d.loc) ? d.loc.filter((p) => p !== 'body').join('.') : '';
        return `${loc ? `${loc}: ` : ''}${d.msg ?? d.message ?? JSON.stringify(d)}`;
      })
      .join('; ');
  }
  if (b.message !== undefined) return flattenMessage(b.message);
  if (typeof b.detail === 'string') return b.detail;
  if (b.error !== undefined) return flattenMessage(b.error);
  return JSON.stringify(body);
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.trim();
  }
}

/** Maps a non-2xx Mistral response to the Anthropic error a client's SDK understands (reference C.9). */
export function mapUpstreamError(status: number, bodyText: string, retryAfter?: string): ApiError {
  const body = parseBody(bodyText);
  const upstreamType = body && typeof body === 'object' ? String((body as Record<string, unknown>).type ?? '') : '';
  const detail = flattenMessage(body).slice(0, 2000) || `HTTP ${status}`;
  const msg = (text: string) => `Mistral API: ${text}`;

  const overflow = OVERFLOW.exec(detail);
  if (overflow) {
    return new ApiError(400, 'invalid_request_error', `prompt is too long: ${overflow[1]} tokens > ${overflow[2]} maximum`);
  }
  if (status === 404 || upstreamType === 'invalid_model') return new ApiError(404, 'not_found_error', msg(detail));
  if (status === 400 || status === 422) return new ApiError(400, 'invalid_request_error', msg(detail));
  if (status === 401) return new ApiError(401, 'authentication_error', msg(`invalid or missing Mistral API key (${detail})`));
  if (status === 402) return new ApiError(402, 'billing_error', msg(detail));
  if (status === 403) return new ApiError(403, 'permission_error', msg(detail));
  if (status === 413) return new ApiError(413, 'request_too_large', msg(detail));
  if (status === 429) {
    return new ApiError(429, 'rate_limit_error', msg(detail), retryAfter ? { 'retry-after': retryAfter } : {});
  }
  if (status === 502 || status === 503) return new ApiError(529, 'overloaded_error', msg(detail));
  if (status === 504) return new ApiError(504, 'timeout_error', msg(detail));
  if (status >= 500) return new ApiError(500, 'api_error', msg(detail));
  return new ApiError(400, 'invalid_request_error', msg(detail));
}

/** A failure to reach Mistral at all (DNS, refused, reset, timeout). */
export function mapNetworkError(err: unknown): ApiError {
  const e = err as { code?: string; name?: string; message?: string };
  const code = e?.code ?? e?.name ?? 'ERROR';
  if (code === 'ETIMEDOUT' || e?.name === 'TimeoutError') {
    return new ApiError(504, 'timeout_error', `Mistral API did not answer in time (${code})`);
  }
  return new ApiError(502, 'api_error', `Could not reach the Mistral API (${code})`);
}
