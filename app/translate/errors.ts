import { STATUS_CODES } from 'node:http';
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

/** Mistral's JSON error body, or null when the body is not JSON (a gateway's HTML page, plain text). */
function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Maps a non-2xx Mistral response to the Anthropic error a client's SDK understands (reference C.9). */
export function mapUpstreamError(status: number, bodyText: string, retryAfter?: string, contentType = ''): ApiError {
  const body = /html/i.test(contentType) ? null : parseBody(bodyText);
  const upstreamType = body && typeof body === 'object' ? String((body as Record<string, unknown>).type ?? '') : '';
  // A body that is not JSON is never quoted: it is a gateway's page, not Mistral's word, and can be any size.
  const statusLine = `HTTP ${status}${STATUS_CODES[status] ? ` ${STATUS_CODES[status]}` : ''}`;
  const flat = body === null ? '' : flattenMessage(body).replace(/\s+/g, ' ').trim();
  const detail = (flat.length > 2000 ? `${flat.slice(0, 2000)}…` : flat) || statusLine;
  const msg = (text: string) => `Mistral API: ${text}`;
  const headers: Record<string, string> = retryAfter ? { 'retry-after': retryAfter } : {};

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
  if (status === 429) return new ApiError(429, 'rate_limit_error', msg(detail), headers);
  if (status === 502 || status === 503) return new ApiError(529, 'overloaded_error', msg(detail), headers);
  if (status === 504) return new ApiError(504, 'timeout_error', msg(detail), headers);
  if (status >= 500) return new ApiError(500, 'api_error', msg(detail), headers);
  return new ApiError(400, 'invalid_request_error', msg(detail));
}
