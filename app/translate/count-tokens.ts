import { imageSize } from 'image-size';
import type { AnthropicRequest } from './anthropic-types.js';

// Mistral has no token-counting endpoint, so count_tokens is answered locally (never a paid call). Mistral's
// tokenizers average about 3.5–4 characters per token on English prose and code; images cost about one token per
// 28×28 pixel patch, capped (reference C.10).

const CHARS_PER_TOKEN = 3.6;
const PER_MESSAGE_OVERHEAD = 4;
const IMAGE_FALLBACK_TOKENS = 1_200;
const IMAGE_MAX_TOKENS = 3_025;

/**
 * Width and height of a base64 image (PNG, GIF, WebP, JPEG, …), read by the `image-size` library. Most headers sit in
 * the first kilobytes, so a prefix is tried first; JPEG can put its frame header after large EXIF/ICC blocks, so the
 * whole image is read if the prefix was not enough.
 */
export function imageDimensions(base64: string): { width: number; height: number } | null {
  const PREFIX_CHARS = 87_384; // 64 KiB of bytes, a multiple of 4 base64 characters
  for (const text of base64.length > PREFIX_CHARS ? [base64.slice(0, PREFIX_CHARS), base64] : [base64]) {
    try {
      const { width, height } = imageSize(Buffer.from(text, 'base64'));
      if (width && height) return { width, height };
    } catch {
      // truncated or unknown: try the whole image, then give up
    }
  }
  return null;
}

function imageTokens(source: unknown): number {
  const src = source as { type?: string; data?: string } | undefined;
  if (src?.type !== 'base64' || typeof src.data !== 'string') return IMAGE_FALLBACK_TOKENS;
  const size = imageDimensions(src.data);
  if (!size) return IMAGE_FALLBACK_TOKENS;
  return Math.min(IMAGE_MAX_TOKENS, Math.ceil((size.width * size.height) / 784));
}

function walk(value: unknown, acc: { chars: number; images: number }): void {
  if (typeof value === 'string') acc.chars += value.length;
  else if (Array.isArray(value)) for (const v of value) walk(v, acc);
  else if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if (obj.type === 'image') {
      acc.images += imageTokens(obj.source);
      return;
    }
    for (const [key, v] of Object.entries(obj)) {
      if (key === 'cache_control' || key === 'signature' || key === 'type' || key === 'id' || key === 'tool_use_id') continue;
      walk(v, acc);
    }
  }
}

/** An estimate of the prompt tokens for system + messages + tools. */
export function estimateInputTokens(req: Pick<AnthropicRequest, 'system' | 'messages' | 'tools'>): number {
  const acc = { chars: 0, images: 0 };
  walk(req.system, acc);
  walk(req.messages, acc);
  if (req.tools?.length) acc.chars += JSON.stringify(req.tools).length;
  const messages = Array.isArray(req.messages) ? req.messages.length : 0;
  return Math.ceil(acc.chars / CHARS_PER_TOKEN) + acc.images + messages * PER_MESSAGE_OVERHEAD + 3;
}
