#!/usr/bin/env node
/**
 * Writes the frame-check test images to test/fixtures/frames/ (run with `npm run images`).
 *
 * Every fixture is made here from nothing, so the folder can be rebuilt at any time and nothing is
 * downloaded:
 * - PNG and BMP are written byte by byte in plain JavaScript (node:zlib for PNG's deflate), so
 *   their colour type, palette, tRNS chunk, header version and alpha mask are exactly what the
 *   tests expect.
 * - JPEG, WebP and GIF come from ffmpeg's test patterns (Debian's `ffmpeg` at /usr/bin/ffmpeg, or
 *   set FFMPEG=/path/to/ffmpeg). ffmpeg cannot write EXIF, so the script splices an APP1 "Exif"
 *   segment with orientation 6 into a 480×640 JPEG; it also cuts a JPEG in half for the
 *   truncated case.
 * - Bad inputs: a text file named `.png`, an SVG, a GIF, an empty file.
 *
 * The whole folder stays well under 1 MB (the 400×400 24-bit BMP is the biggest file: BMP is not
 * compressed). Cases that need huge files (over 10 MB) are built inside the tests from these
 * small ones. The output of ffmpeg may differ by a few bytes between ffmpeg versions; the tests
 * only depend on what the headers say (format, size, alpha), never on exact bytes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'test', 'fixtures', 'frames');
const ffmpeg = process.env.FFMPEG ?? '/usr/bin/ffmpeg';

// ---------------------------------------------------------------------------------------------
// PNG

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * A PNG from a pixel function. `colorType` 2 = RGB, 6 = RGBA, 3 = palette (pixel returns an
 * index). Rows use the Sub filter so smooth gradients compress to a few kilobytes.
 */
function makePng({ width, height, colorType, pixel, palette, transparency }) {
  const channels = { 2: 3, 6: 4, 3: 1 }[colorType];
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  const row = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const value = pixel(x, y);
      const channelValues = colorType === 3 ? [value] : value;
      for (let c = 0; c < channels; c++) row[x * channels + c] = channelValues[c] ?? 0;
    }
    const offset = y * (stride + 1);
    raw[offset] = 1; // Sub filter: each byte minus the byte one pixel to the left.
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? row[i - channels] : 0;
      raw[offset + 1 + i] = (row[i] - left) & 0xff;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = colorType;
  const chunks = [pngChunk('IHDR', ihdr)];
  if (palette) chunks.push(pngChunk('PLTE', Buffer.from(palette.flat())));
  if (transparency) chunks.push(pngChunk('tRNS', Buffer.from(transparency)));
  chunks.push(pngChunk('IDAT', deflateSync(raw, { level: 9 })));
  chunks.push(pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks]);
}

const gradientRgb = (w, h) => (x, y) => [Math.floor((x / w) * 255), Math.floor((y / h) * 255), 128];
const gradientRgba = (w, h) => (x, y) => [
  Math.floor((x / w) * 255),
  64,
  Math.floor((y / h) * 255),
  Math.floor((x / w) * 255), // transparent on the left, opaque on the right
];

// ---------------------------------------------------------------------------------------------
// BMP

/**
 * A bottom-up BMP. 24-bit uses a BITMAPINFOHEADER (40 bytes, BI_RGB); 32-bit uses a
 * BITMAPV4HEADER (108 bytes, BI_BITFIELDS) with an alpha mask of 0xff000000.
 */
function makeBmp({ width, height, bitsPerPixel, pixel }) {
  const withAlpha = bitsPerPixel === 32;
  const headerSize = withAlpha ? 108 : 40;
  const rowSize = Math.floor((bitsPerPixel * width + 31) / 32) * 4;
  const pixelOffset = 14 + headerSize;
  const fileSize = pixelOffset + rowSize * height;
  const out = Buffer.alloc(fileSize);
  out.write('BM', 0, 'latin1');
  out.writeUInt32LE(fileSize, 2);
  out.writeUInt32LE(pixelOffset, 10);
  out.writeUInt32LE(headerSize, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(height, 22); // positive: bottom-up rows
  out.writeUInt16LE(1, 26); // planes
  out.writeUInt16LE(bitsPerPixel, 28);
  out.writeUInt32LE(withAlpha ? 3 : 0, 30); // BI_BITFIELDS : BI_RGB
  out.writeUInt32LE(rowSize * height, 34);
  out.writeInt32LE(2835, 38); // 72 dpi
  out.writeInt32LE(2835, 42);
  if (withAlpha) {
    out.writeUInt32LE(0x00ff0000, 54); // red mask
    out.writeUInt32LE(0x0000ff00, 58); // green mask
    out.writeUInt32LE(0x000000ff, 62); // blue mask
    out.writeUInt32LE(0xff000000, 66); // alpha mask
    out.write('BGRs', 70, 'latin1'); // LCS_WINDOWS_COLOR_SPACE, stored little-endian
  }
  const bytesPerPixel = bitsPerPixel / 8;
  for (let y = 0; y < height; y++) {
    const rowStart = pixelOffset + (height - 1 - y) * rowSize;
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = pixel(x, y);
      const at = rowStart + x * bytesPerPixel;
      out[at] = b;
      out[at + 1] = g;
      out[at + 2] = r;
      if (withAlpha) out[at + 3] = a;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// ffmpeg-made images

let workDir;

/** Runs ffmpeg on a lavfi source and returns the file it wrote. */
function ffmpegImage(source, outputName, codecArgs) {
  const target = join(workDir, outputName);
  execFileSync(
    ffmpeg,
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      source,
      '-frames:v',
      '1',
      ...codecArgs,
      '-update',
      '1',
      target,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return readFileSync(target);
}

const jpeg = (source, name, quality = 8) =>
  ffmpegImage(source, name, ['-c:v', 'mjpeg', '-q:v', String(quality), '-pix_fmt', 'yuvj420p']);

/** An APP1 segment holding a big-endian TIFF/EXIF block with one tag: Orientation. */
function exifOrientationSegment(orientation) {
  const tiff = Buffer.alloc(8 + 2 + 12 + 4);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4); // IFD0 right after the header
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14); // count
  tiff.writeUInt16BE(orientation, 18); // value, left-justified in the 4-byte field
  tiff.writeUInt32BE(0, 22); // no next IFD
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const segment = Buffer.alloc(4 + payload.length);
  segment[0] = 0xff;
  segment[1] = 0xe1;
  segment.writeUInt16BE(2 + payload.length, 2);
  payload.copy(segment, 4);
  return segment;
}

/** Puts a segment right after SOI (where EXIF readers look first). */
function spliceAfterSoi(jpegBytes, segment) {
  return Buffer.concat([jpegBytes.subarray(0, 2), segment, jpegBytes.subarray(2)]);
}

// ---------------------------------------------------------------------------------------------

function main() {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  workDir = mkdtempSync(join(tmpdir(), 'kfv-images-'));
  const write = (name, bytes) => writeFileSync(join(outDir, name), bytes);

  try {
    // Valid frames.
    write('valid-640x480.jpg', jpeg('testsrc2=size=640x480', 'a.jpg'));
    write(
      'valid-2000x1000.jpg',
      jpeg(
        'color=c=steelblue:size=2000x1000,drawbox=x=200:y=100:w=600:h=400:color=orange:t=fill',
        'b.jpg',
        20,
      ),
    );
    write(
      'valid-rgb-512x512.png',
      makePng({ width: 512, height: 512, colorType: 2, pixel: gradientRgb(512, 512) }),
    );
    write(
      'valid-lossy-600x400.webp',
      ffmpegImage('testsrc2=size=600x400', 'c.webp', [
        '-c:v',
        'libwebp',
        '-lossless',
        '0',
        '-q:v',
        '50',
      ]),
    );
    write(
      'valid-24bit-400x400.bmp',
      makeBmp({
        width: 400,
        height: 400,
        bitsPerPixel: 24,
        pixel: (x, y) => [x % 256, y % 256, 90, 255],
      }),
    );

    // Transparency.
    write(
      'alpha-rgba-512x512.png',
      makePng({ width: 512, height: 512, colorType: 6, pixel: gradientRgba(512, 512) }),
    );
    write(
      'alpha-palette-trns-400x400.png',
      makePng({
        width: 400,
        height: 400,
        colorType: 3,
        pixel: (x, y) => ((x >> 5) + (y >> 5)) % 4,
        palette: [
          [255, 0, 0],
          [0, 255, 0],
          [0, 0, 255],
          [255, 255, 255],
        ],
        transparency: [255, 255, 255, 0], // the white entry is fully transparent
      }),
    );
    write(
      'alpha-rgba-300x300.png',
      makePng({ width: 300, height: 300, colorType: 6, pixel: gradientRgba(300, 300) }),
    );
    write(
      'alpha-lossless-400x400.webp',
      ffmpegImage('color=c=red@0.5:size=400x400,format=rgba', 'd.webp', [
        '-c:v',
        'libwebp',
        '-lossless',
        '1',
        '-pix_fmt',
        'bgra',
      ]),
    );
    write(
      'alpha-lossy-400x400.webp',
      ffmpegImage('color=c=blue@0.4:size=400x400,format=rgba', 'e.webp', [
        '-c:v',
        'libwebp',
        '-lossless',
        '0',
        '-q:v',
        '50',
        '-pix_fmt',
        'yuva420p',
      ]),
    );
    write(
      'alpha-32bit-64x48.bmp',
      makeBmp({
        width: 64,
        height: 48,
        bitsPerPixel: 32,
        pixel: (x, y) => [200, x * 4, y * 5, x * 4],
      }),
    );

    // Sizes.
    write('small-300x300.jpg', jpeg('testsrc2=size=300x300', 'f.jpg'));
    write(
      'wide-2400x400.png',
      makePng({ width: 2400, height: 400, colorType: 2, pixel: gradientRgb(2400, 400) }),
    );

    // EXIF orientation 6: stored 480×640, shown rotated 90° clockwise as 640×480.
    const portrait = jpeg('testsrc2=size=480x640', 'g.jpg');
    write('exif-orientation-6-480x640.jpg', spliceAfterSoi(portrait, exifOrientationSegment(6)));

    // Broken and unsupported inputs.
    const whole = readFileSync(join(outDir, 'valid-640x480.jpg'));
    write('truncated-640x480.jpg', whole.subarray(0, Math.floor(whole.length / 2)));
    write('text-named.png', 'This is a text file that someone named .png.\n');
    write('pattern-120x80.gif', ffmpegImage('testsrc2=size=120x80', 'h.gif', ['-c:v', 'gif']));
    write(
      'drawing.svg',
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480" viewBox="0 0 640 480">\n' +
        '  <rect width="640" height="480" fill="steelblue"/>\n' +
        '</svg>\n',
    );
    write('empty.jpg', Buffer.alloc(0));
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  let total = 0;
  for (const name of readdirSync(outDir).sort()) {
    const size = statSync(join(outDir, name)).size;
    total += size;
    console.log(`${String(size).padStart(8)}  ${name}`);
  }
  console.log(`${String(total).padStart(8)}  total in ${outDir}`);
}

main();
