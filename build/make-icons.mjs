#!/usr/bin/env node
// Writes the placeholder PNG icons with Node built-ins only, so they can be regenerated anywhere without an image
// toolchain. Run: node build/make-icons.mjs   (the outputs are committed; replace them with real art later).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const OUT = dirname(fileURLToPath(import.meta.url));

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** RGBA pixels (size*size*4) → PNG bytes: 8-bit RGBA, no interlace, filter 0 on every row. */
export function encodePng(size, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rgba.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// The glyph, in unit coordinates: a "C" ring open to the right with a dot in it (traffic passing through).
function inGlyph(x, y) {
  const dx = x - 0.5;
  const dy = y - 0.5;
  const r = Math.hypot(dx, dy);
  const ring = r > 0.27 && r < 0.42 && !(dx > 0 && Math.abs(dy) < 0.16);
  return ring || r < 0.1;
}

function inRoundedSquare(x, y, radius = 0.22) {
  const cx = Math.min(Math.max(x, radius), 1 - radius);
  const cy = Math.min(Math.max(y, radius), 1 - radius);
  return Math.hypot(x - cx, y - cy) <= radius;
}

/** Supersampled 4×4 per pixel so the small sizes are anti-aliased. */
function render(size, paint) {
  const SS = 4;
  const out = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < SS; sy++) {
        for (let sx = 0; sx < SS; sx++) {
          const [r, g, b, a] = paint((px + (sx + 0.5) / SS) / size, (py + (sy + 0.5) / SS) / size);
          acc[0] += r * a;
          acc[1] += g * a;
          acc[2] += b * a;
          acc[3] += a;
        }
      }
      const i = (py * size + px) * 4;
      const alpha = acc[3] / (SS * SS);
      out[i] = alpha ? Math.round(acc[0] / acc[3]) : 0;
      out[i + 1] = alpha ? Math.round(acc[1] / acc[3]) : 0;
      out[i + 2] = alpha ? Math.round(acc[2] / acc[3]) : 0;
      out[i + 3] = Math.round(alpha * 255);
    }
  }
  return out;
}

const CLEAR = [0, 0, 0, 0];
const ORANGE = [250, 82, 15, 1];
const WHITE = [255, 255, 255, 1];

// macOS template images: black plus alpha only; the system tints them for light and dark menu bars.
const template = (x, y) => (inGlyph(x, y) ? [0, 0, 0, 1] : CLEAR);
const colored = (x, y) => (!inRoundedSquare(x, y) ? CLEAR : inGlyph(x, y) ? WHITE : ORANGE);

const outputs = [
  ['tray-Template.png', 16, template],
  ['tray-Template@2x.png', 32, template],
  ['tray.png', 16, colored],
  ['tray@2x.png', 32, colored],
  // electron-builder refuses a macOS icon under 512 px (256 is enough for Windows and Linux).
  ['icon.png', 512, colored],
];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [name, size, paint] of outputs) {
    writeFileSync(join(OUT, name), encodePng(size, render(size, paint)));
    console.log(`wrote build/${name} (${size}x${size})`);
  }
}
