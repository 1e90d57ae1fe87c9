/**
 * Writes an opaque RGB PNG (colour type 2) from canvas pixels. Browsers' canvas encoders always
 * write RGBA PNGs, even for fully opaque canvases, and DashScope refuses any PNG with an alpha
 * channel; so a PNG frame is written here: Paeth-filtered rows, deflated with the platform's
 * `CompressionStream` (browsers, workers, Deno, Node ≥ 18).
 */
import { crc32 } from './crc32.js';

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

async function zlibDeflate(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new CompressionStream('deflate'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Paeth predictor (PNG spec §9.4). */
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/**
 * Encodes `rgba` (4 bytes per pixel, row by row, as from `getImageData`) as an 8-bit RGB PNG.
 * The alpha bytes are dropped: flatten the image onto a background first.
 */
export async function encodeOpaquePng(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
): Promise<Uint8Array> {
  const stride = width * 3;
  // Row y of the unfiltered RGB image, then the filtered rows (filter byte + data) for IDAT.
  const rgb = new Uint8Array(stride * height);
  for (let from = 0, to = 0; to < rgb.length; from += 4, to += 3) {
    rgb[to] = rgba[from] as number;
    rgb[to + 1] = rgba[from + 1] as number;
    rgb[to + 2] = rgba[from + 2] as number;
  }
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const above = row - stride;
    let out = y * (stride + 1);
    raw[out++] = 4; // Paeth
    for (let x = 0; x < stride; x++) {
      const a = x >= 3 ? (rgb[row + x - 3] as number) : 0;
      const b = y > 0 ? (rgb[above + x] as number) : 0;
      const c = y > 0 && x >= 3 ? (rgb[above + x - 3] as number) : 0;
      raw[out++] = ((rgb[row + x] as number) - paeth(a, b, c)) & 0xff;
    }
  }

  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB, no alpha
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', await zlibDeflate(raw)),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
