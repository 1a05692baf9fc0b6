import type { AnthropicRequest } from './anthropic-types.js';

// Mistral has no token-counting endpoint, so count_tokens is answered locally (never a paid call). Mistral's
// tokenizers average about 3.5–4 characters per token on English prose and code; images cost about one token per
// 28×28 pixel patch, capped (reference C.10).

const CHARS_PER_TOKEN = 3.6;
const PER_MESSAGE_OVERHEAD = 4;
const IMAGE_FALLBACK_TOKENS = 1_200;
const IMAGE_MAX_TOKENS = 3_025;

/** Width and height from the header of a base64 PNG, GIF, WebP or JPEG, when it can be read cheaply. */
export function imageSize(base64: string): { width: number; height: number } | null {
  const bytes = Buffer.from(base64.slice(0, 80_000), 'base64');
  if (bytes.length > 24 && bytes.readUInt32BE(0) === 0x89504e47) return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  if (bytes.length > 10 && bytes.toString('ascii', 0, 3) === 'GIF') return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  if (bytes.length > 30 && bytes.toString('ascii', 8, 12) === 'WEBP' && bytes.toString('ascii', 12, 16) === 'VP8X') {
    return { width: 1 + bytes.readUIntLE(24, 3), height: 1 + bytes.readUIntLE(27, 3) };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    let i = 2;
    while (i + 9 < bytes.length) {
      if (bytes[i] !== 0xff) return null;
      const marker = bytes[i + 1];
      const len = bytes.readUInt16BE(i + 2);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        return { width: bytes.readUInt16BE(i + 7), height: bytes.readUInt16BE(i + 5) };
      }
      i += 2 + len;
    }
  }
  return null;
}

function imageTokens(source: unknown): number {
  const src = source as { type?: string; data?: string } | undefined;
  if (src?.type !== 'base64' || typeof src.data !== 'string') return IMAGE_FALLBACK_TOKENS;
  const size = imageSize(src.data);
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
