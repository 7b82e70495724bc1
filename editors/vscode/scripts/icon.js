#!/usr/bin/env node
// npm run icon: draws the extension's icon, icon.png (128×128, RGBA), with node's zlib
// alone: a rounded blue square bearing a white "c" with an amber cedilla under it (ç,
// for .ced). Shapes are distance fields sampled 8×8 times per pixel (anti-aliasing);
// the output is deterministic. tests/icon.js checks that icon.png holds exactly the
// pixels render() draws, so a change here needs `npm run icon` and a look at the result.
//
// Usage: node scripts/icon.js [OUT.png]   (default: icon.png of the extension)
'use strict';

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const SIZE = 128;
const SAMPLES = 8; // per axis, per pixel

const BACKGROUND_TOP = [0x2a, 0x6f, 0xb0];
const BACKGROUND_BOTTOM = [0x1b, 0x4a, 0x7e];
const LETTER = [0xff, 0xff, 0xff];
const CEDILLA = [0xf5, 0xb0, 0x2e];

// ---------------------------------------------------------------- shapes (signed distances, < 0 inside)

function roundedSquare(x, y, { left, top, size, radius }) {
  const cx = left + size / 2;
  const cy = top + size / 2;
  const qx = Math.abs(x - cx) - (size / 2 - radius);
  const qy = Math.abs(y - cy) - (size / 2 - radius);
  const outside = Math.hypot(Math.max(qx, 0), Math.max(qy, 0));
  return outside + Math.min(Math.max(qx, qy), 0) - radius;
}

// A stroke of width `width` with round ends along the circular arc of center (cx, cy)
// and radius r from angle `from` to angle `to` (radians, counterclockwise on screen
// means decreasing y; angles here are screen angles: 0 = right, π/2 = down).
function arcStroke(x, y, { cx, cy, r, from, to, width }) {
  const angle = Math.atan2(y - cy, x - cx);
  const span = (((to - from) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  const offset = (((angle - from) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
  let d;
  if (offset <= span) {
    d = Math.abs(Math.hypot(x - cx, y - cy) - r);
  } else {
    const end = (a) => Math.hypot(x - (cx + r * Math.cos(a)), y - (cy + r * Math.sin(a)));
    d = Math.min(end(from), end(to));
  }
  return d - width / 2;
}

// A stroke of width `width` with round ends from (x1, y1) to (x2, y2).
function segmentStroke(x, y, { x1, y1, x2, y2, width }) {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const t = Math.max(0, Math.min(1, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(x - (x1 + t * dx), y - (y1 + t * dy)) - width / 2;
}

const deg = (d) => (d * Math.PI) / 180;

const BACKGROUND = { left: 4, top: 4, size: 120, radius: 26 };
// The "c": an open ring, its gap on the right.
const C = { cx: 64, cy: 52, r: 29, from: deg(42), to: deg(318), width: 16 };
// The cedilla: a short stem down from the bottom of the "c", then a hook that curves
// right and back left.
const STEM = { x1: 64, y1: 84, x2: 64, y2: 95, width: 9 };
const HOOK = { cx: 62, cy: 102.5, r: 8, from: deg(-75), to: deg(140), width: 9 };

// The color (RGBA, 0..1) of one sample point.
function sample(x, y) {
  if (roundedSquare(x, y, BACKGROUND) > 0) return null;
  if (arcStroke(x, y, C) <= 0) return LETTER;
  if (segmentStroke(x, y, STEM) <= 0 || arcStroke(x, y, HOOK) <= 0) return CEDILLA;
  const t = (y - BACKGROUND.top) / BACKGROUND.size;
  return BACKGROUND_TOP.map((c, i) => c + (BACKGROUND_BOTTOM[i] - c) * t);
}

// The image: SIZE × SIZE RGBA pixels, rows top to bottom, non-premultiplied.
function render() {
  const pixels = Buffer.alloc(SIZE * SIZE * 4);
  for (let py = 0; py < SIZE; py++) {
    for (let px = 0; px < SIZE; px++) {
      const sum = [0, 0, 0];
      let covered = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const color = sample(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES);
          if (!color) continue;
          covered++;
          for (let i = 0; i < 3; i++) sum[i] += color[i];
        }
      }
      const o = (py * SIZE + px) * 4;
      if (covered) for (let i = 0; i < 3; i++) pixels[o + i] = Math.round(sum[i] / covered);
      pixels[o + 3] = Math.round((255 * covered) / (SAMPLES * SAMPLES));
    }
  }
  return pixels;
}

// ---------------------------------------------------------------- PNG

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let c = 0xffffffff;
  for (const b of buffer) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

// An RGBA image as a PNG: 8 bits per channel, color type 6, no interlacing, every row
// with filter 0 (none).
function encodePng(pixels, width, height) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // color type: RGBA
  header[10] = 0; // compression
  header[11] = 0; // filter method
  header[12] = 0; // no interlace
  const rows = Buffer.alloc(height * (1 + width * 4));
  for (let y = 0; y < height; y++) {
    rows[y * (1 + width * 4)] = 0;
    pixels.copy(rows, y * (1 + width * 4) + 1, y * width * 4, (y + 1) * width * 4);
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

module.exports = { SIZE, render, encodePng, crc32, PNG_SIGNATURE };

if (require.main === module) {
  const out = path.resolve(process.argv[2] || path.join(__dirname, '..', 'icon.png'));
  const png = encodePng(render(), SIZE, SIZE);
  fs.writeFileSync(out, png);
  console.log(`icon: ${out} (${SIZE}×${SIZE}, ${png.length} bytes)`);
}
