import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

// The committed placeholders must stay what electron-builder and the tray expect: real RGBA PNGs of these sizes.
const BUILD = new URL('../../build/', import.meta.url);

function decode(name: string): { size: number; alpha: number[]; rgb: number[][] } {
  const png = readFileSync(new URL(name, BUILD));
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let size = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('ascii', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      size = data.readUInt32BE(0);
      expect(data.readUInt32BE(4)).toBe(size);
      expect([data[8], data[9]]).toEqual([8, 6]); // 8-bit RGBA
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const alpha: number[] = [];
  const rgb: number[][] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = y * (size * 4 + 1) + 1 + x * 4;
      rgb.push([raw[i], raw[i + 1], raw[i + 2]]);
      alpha.push(raw[i + 3]);
    }
  }
  return { size, alpha, rgb };
}

describe('build/ icons', () => {
  it.each([
    ['tray-Template.png', 16],
    ['tray-Template@2x.png', 32],
    ['tray.png', 16],
    ['tray@2x.png', 32],
    ['icon.png', 512],
  ])('%s is a %ipx RGBA PNG with something drawn on a transparent corner', (name, expected) => {
    const { size, alpha } = decode(name);
    expect(size).toBe(expected);
    expect(alpha[0]).toBe(0);
    expect(alpha.some((a) => a === 255)).toBe(true);
  });

  it('macOS template images are black plus alpha only', () => {
    for (const name of ['tray-Template.png', 'tray-Template@2x.png']) {
      const { rgb, alpha } = decode(name);
      rgb.forEach((px, i) => alpha[i] > 0 && expect(px).toEqual([0, 0, 0]));
    }
  });
});
