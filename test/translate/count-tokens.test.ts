import { describe, expect, it } from 'vitest';
import { estimateInputTokens, imageDimensions } from '../../app/translate/count-tokens.js';

// Images are sized from their headers (image-size) and cost one token per 28×28 patch, capped.

function png(width: number, height: number): string {
  const b = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(b, 0);
  b.writeUInt32BE(13, 8);
  b.write('IHDR', 12, 'ascii');
  b.writeUInt32BE(width, 16);
  b.writeUInt32BE(height, 20);
  b[24] = 8;
  b[25] = 6;
  return b.toString('base64');
}

function gif(width: number, height: number): string {
  const b = Buffer.alloc(13);
  b.write('GIF89a', 0, 'ascii');
  b.writeUInt16LE(width, 6);
  b.writeUInt16LE(height, 8);
  return b.toString('base64');
}

/** A JPEG whose frame header (SOF0) comes after `exifBytes` of APP1 data, as camera photos do. */
function jpeg(width: number, height: number, exifBytes: number): string {
  // SOI, then the JFIF APP0 segment every real JPEG starts with.
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00])];
  let left = exifBytes;
  while (left > 0) {
    const n = Math.min(left, 65_000);
    const seg = Buffer.alloc(4 + n);
    seg[0] = 0xff;
    seg[1] = 0xe1;
    seg.writeUInt16BE(n + 2, 2);
    parts.push(seg);
    left -= n;
  }
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  parts.push(sof, Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts).toString('base64');
}

const withImage = (data: string, media = 'image/png') => ({
  messages: [{ role: 'user' as const, content: [{ type: 'image' as const, source: { type: 'base64' as const, media_type: media as 'image/png', data } }] }],
});

describe('image sizes for count_tokens', () => {
  it('reads PNG, GIF and JPEG headers, including a JPEG whose frame header is past 64 KiB of EXIF', () => {
    expect(imageDimensions(png(560, 280))).toEqual({ width: 560, height: 280 });
    expect(imageDimensions(gif(30, 20))).toEqual({ width: 30, height: 20 });
    expect(imageDimensions(jpeg(1024, 768, 0))).toEqual({ width: 1024, height: 768 });
    expect(imageDimensions(jpeg(640, 480, 150_000))).toEqual({ width: 640, height: 480 });
    expect(imageDimensions(Buffer.from('not an image at all').toString('base64'))).toBeNull();
  });

  it('charges one token per 28×28 patch, capped, and a fallback for unreadable images', () => {
    const base = estimateInputTokens(withImage(png(28, 28)));
    expect(estimateInputTokens(withImage(png(560, 560))) - base).toBe(400 - 1);
    expect(estimateInputTokens(withImage(png(4000, 4000))) - base).toBe(3_025 - 1);
    expect(estimateInputTokens(withImage(Buffer.from('garbage').toString('base64'))) - base).toBe(1_200 - 1);
  });
});
