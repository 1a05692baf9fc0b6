import type { Context } from 'koa';
import { ApiError, invalidRequest } from '../translate/errors.js';

/** Anthropic's documented request limit for /v1/messages. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

export interface JsonBody { value: unknown; bytes: number }

/** The raw request body, refusing oversize bodies before buffering them (by Content-Length, then by count). */
export async function readRawBody(ctx: Context, limit: number): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) throw new ApiError(413, 'request_too_large', `request body exceeds ${limit} bytes`);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new ApiError(413, 'request_too_large', `request body exceeds ${limit} bytes`);
    parts.push(chunk as Buffer);
  }
  return Buffer.concat(parts, size);
}

/** Reads and parses the JSON request body. */
export async function readJsonBody(ctx: Context, limit = MAX_BODY_BYTES): Promise<JsonBody> {
  const raw = await readRawBody(ctx, limit);
  if (raw.length === 0) throw invalidRequest('request body is empty; expected a JSON object');
  try {
    return { value: JSON.parse(raw.toString('utf8')), bytes: raw.length };
  } catch (err) {
    throw invalidRequest(`request body is not valid JSON: ${(err as Error).message}`);
  }
}
