/**
 * Makes the frame-preparation test images in the browser, at test time, from nothing: canvas
 * drawing, a seeded noise tile and a few spliced bytes. Nothing is downloaded and nothing large
 * is committed; the same functions feed the browser tests and `bench/frames`.
 *
 * Every picture is four coloured quadrants (red, green / blue, yellow, as displayed), so a test
 * can tell orientation, cropping and padding apart by sampling pixels of the output.
 */

/** The quadrant colours, as displayed: top-left, top-right, bottom-left, bottom-right. */
export const QUADRANT_COLOURS = {
  topLeft: [220, 40, 40],
  topRight: [40, 170, 60],
  bottomLeft: [40, 70, 220],
  bottomRight: [235, 205, 40],
} as const satisfies Record<string, readonly [number, number, number]>;

export type Rgb = readonly [number, number, number];

/** A generated image and what it is, for test names and the bench table. */
export interface TestImage {
  readonly name: string;
  readonly file: File;
}

type Canvas2D = OffscreenCanvasRenderingContext2D;

function rgb([r, g, b]: Rgb): string {
  return `rgb(${r}, ${g}, ${b})`;
}

/** A small fast PRNG, so the noise (and so the file sizes) are the same in every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 251×251 tile of grey noise (a prime size, so the repeats do not line up with 8×8 blocks). */
function noiseTile(seed: number, amplitude: number): OffscreenCanvas {
  const size = 251;
  const tile = new OffscreenCanvas(size, size);
  const ctx = tile.getContext('2d');
  if (!ctx) throw new Error('no 2d context');
  const data = ctx.createImageData(size, size);
  const random = mulberry32(seed);
  for (let i = 0; i < data.data.length; i += 4) {
    const v = random() < 0.5 ? 0 : 255;
    data.data[i] = v;
    data.data[i + 1] = v;
    data.data[i + 2] = v;
    data.data[i + 3] = Math.round(random() * amplitude);
  }
  ctx.putImageData(data, 0, 0);
  return tile;
}

/**
 * Draws the four quadrants over `width`×`height` (display coordinates), each a soft gradient
 * of its colour, plus photo-like detail when `noise` is on: a few shapes and film grain.
 */
function drawQuadrants(ctx: Canvas2D, width: number, height: number, noise: boolean): void {
  const halfW = width / 2;
  const halfH = height / 2;
  const quadrants: [number, number, Rgb][] = [
    [0, 0, QUADRANT_COLOURS.topLeft],
    [halfW, 0, QUADRANT_COLOURS.topRight],
    [0, halfH, QUADRANT_COLOURS.bottomLeft],
    [halfW, halfH, QUADRANT_COLOURS.bottomRight],
  ];
  for (const [x, y, colour] of quadrants) {
    const gradient = ctx.createLinearGradient(x, y, x + halfW, y + halfH);
    const [r, g, b] = colour;
    gradient.addColorStop(0, rgb([r * 0.9, g * 0.9, b * 0.9]));
    gradient.addColorStop(0.5, rgb(colour));
    gradient.addColorStop(1, rgb([Math.min(255, r * 1.08), Math.min(255, g * 1.08), b]));
    ctx.fillStyle = gradient;
    ctx.fillRect(x, y, halfW, halfH);
  }
  if (!noise) return;
  // Soft "objects" near the quadrant edges (away from the centres the tests sample).
  const random = mulberry32(7);
  for (let i = 0; i < 60; i++) {
    const cx = random() * width;
    const cy = random() * height;
    const radius = (0.01 + random() * 0.04) * Math.min(width, height);
    const inQuadrantCentre =
      Math.abs((cx % halfW) - halfW / 2) < halfW / 4 &&
      Math.abs((cy % halfH) - halfH / 2) < halfH / 4;
    if (inQuadrantCentre) continue;
    const shade = ctx.createRadialGradient(cx, cy, 0, cx, cy, radius);
    shade.addColorStop(0, `rgba(255, 255, 255, ${0.15 + random() * 0.25})`);
    shade.addColorStop(1, 'rgba(255, 255, 255, 0)');
    ctx.fillStyle = shade;
    ctx.fillRect(cx - radius, cy - radius, radius * 2, radius * 2);
  }
  const pattern = ctx.createPattern(noiseTile(42, 40), 'repeat');
  if (pattern) {
    ctx.fillStyle = pattern;
    ctx.fillRect(0, 0, width, height);
  }
}

function canvas(width: number, height: number): [OffscreenCanvas, Canvas2D] {
  const surface = new OffscreenCanvas(width, height);
  const ctx = surface.getContext('2d');
  if (!ctx) throw new Error('no 2d context');
  return [surface, ctx];
}

async function encode(
  surface: OffscreenCanvas,
  type: 'image/jpeg' | 'image/png' | 'image/webp',
  quality?: number,
): Promise<Uint8Array> {
  const blob = await surface.convertToBlob(quality === undefined ? { type } : { type, quality });
  return new Uint8Array(await blob.arrayBuffer());
}

function file(bytes: Uint8Array, name: string, type: string): File {
  return new File([bytes as Uint8Array<ArrayBuffer>], name, { type });
}

/** A camera-like photo: quadrants, gradients, shapes and grain, so it compresses like a photo. */
export async function makePhotoJpeg(
  width = 6000,
  height = 4000,
  quality = 0.92,
): Promise<TestImage> {
  const [surface, ctx] = canvas(width, height);
  drawQuadrants(ctx, width, height, true);
  const name = `photo-${width}x${height}.jpg`;
  return { name, file: file(await encode(surface, 'image/jpeg', quality), name, 'image/jpeg') };
}

/**
 * An APP1 segment holding a minimal big-endian EXIF block: IFD0 with one Orientation entry.
 * This is the segment a phone writes when it stores a portrait photo sideways.
 */
export function exifOrientationSegment(orientation: number): Uint8Array {
  // prettier-ignore
  const payload = [
    0x45, 0x78, 0x69, 0x66, 0x00, 0x00, // "Exif\0\0"
    0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08, // TIFF header: big-endian, IFD0 at 8
    0x00, 0x01, // one entry
    0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, orientation, 0x00, 0x00, // Orientation, SHORT, 1
    0x00, 0x00, 0x00, 0x00, // no next IFD
  ];
  const length = payload.length + 2;
  return new Uint8Array([0xff, 0xe1, length >> 8, length & 0xff, ...payload]);
}

/** Splices an EXIF orientation into JPEG bytes right after the start-of-image marker. */
export function withExifOrientation(jpeg: Uint8Array, orientation: number): Uint8Array {
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG');
  const segment = exifOrientationSegment(orientation);
  const out = new Uint8Array(jpeg.length + segment.length);
  out.set(jpeg.subarray(0, 2), 0);
  out.set(segment, 2);
  out.set(jpeg.subarray(2), 2 + segment.length);
  return out;
}

/**
 * A camera JPEG stored turned, with an EXIF orientation that tells viewers how to turn it back:
 * 6 ("rotate 90° clockwise to display", the usual portrait phone photo), 8 (90° anticlockwise)
 * or 3 (180°). Displayed, it is `width`×`height` with the quadrants in place; a decoder that
 * ignores the orientation gets every quadrant (and, for 6 and 8, the size) wrong.
 */
export async function makeExifRotatedJpeg(
  width = 800,
  height = 600,
  orientation: 3 | 6 | 8 = 6,
  noise = false,
): Promise<TestImage> {
  const quarterTurn = orientation !== 3;
  const [surface, ctx] = canvas(quarterTurn ? height : width, quarterTurn ? width : height);
  if (orientation === 6) {
    // Display (x, y) is stored at (y, width - x): a quarter turn anticlockwise.
    ctx.translate(0, width);
    ctx.rotate(-Math.PI / 2);
  } else if (orientation === 8) {
    // Display (x, y) is stored at (height - y, x): a quarter turn clockwise.
    ctx.translate(height, 0);
    ctx.rotate(Math.PI / 2);
  } else {
    ctx.translate(width, height);
    ctx.rotate(Math.PI);
  }
  drawQuadrants(ctx, width, height, noise);
  const bytes = withExifOrientation(await encode(surface, 'image/jpeg', 0.9), orientation);
  const name = `exif-orientation-${orientation}-${width}x${height}.jpg`;
  return { name, file: file(bytes, name, 'image/jpeg') };
}

/**
 * A PNG with an alpha channel: a transparent background with an opaque quadrant block in the
 * middle half (each quadrant colour where the full picture would have it) and a half-transparent
 * band along the bottom edge.
 */
export async function makeTransparentPng(width = 4000, height = 3000): Promise<TestImage> {
  const [surface, ctx] = canvas(width, height);
  ctx.save();
  ctx.translate(width / 4, height / 4);
  drawQuadrants(ctx, width / 2, height / 2, false);
  ctx.restore();
  ctx.fillStyle = 'rgba(0, 0, 0, 0.5)';
  ctx.fillRect(0, height * 0.9, width, height * 0.1);
  const name = `alpha-${width}x${height}.png`;
  return { name, file: file(await encode(surface, 'image/png'), name, 'image/png') };
}

/** A small opaque PNG (an icon), below the 360 px minimum on both sides. */
export async function makeSmallPng(size = 300): Promise<TestImage> {
  const [surface, ctx] = canvas(size, size);
  drawQuadrants(ctx, size, size, false);
  // Opaque canvases still encode an alpha channel; a solid background is what makes the PNG
  // an opaque image in fact, and the test checks the header says so after re-encoding anyway.
  const name = `icon-${size}x${size}.png`;
  return { name, file: file(await encode(surface, 'image/png'), name, 'image/png') };
}

/** A lossy WebP that already meets every rule (so it can be kept as is). */
export async function makeSquareWebp(size = 2000): Promise<TestImage> {
  const [surface, ctx] = canvas(size, size);
  drawQuadrants(ctx, size, size, false);
  const name = `square-${size}x${size}.webp`;
  return { name, file: file(await encode(surface, 'image/webp', 0.8), name, 'image/webp') };
}

/** A panorama too wide for any scale to fit both sides into [360, 2000]. */
export async function makePanoramaJpeg(width = 4000, height = 300): Promise<TestImage> {
  const [surface, ctx] = canvas(width, height);
  drawQuadrants(ctx, width, height, false);
  const name = `panorama-${width}x${height}.jpg`;
  return { name, file: file(await encode(surface, 'image/jpeg', 0.9), name, 'image/jpeg') };
}

/** A JPEG cut off at 60 % of its bytes, like an interrupted download. */
export async function makeTruncatedJpeg(): Promise<TestImage> {
  const [surface, ctx] = canvas(1200, 800);
  drawQuadrants(ctx, 1200, 800, true);
  const bytes = await encode(surface, 'image/jpeg', 0.9);
  const name = 'truncated-1200x800.jpg';
  return { name, file: file(bytes.slice(0, Math.floor(bytes.length * 0.6)), name, 'image/jpeg') };
}

/** RGBA pixels of the quadrant picture; with `transparentBorder`, only the middle is opaque. */
function quadrantPixels(
  width: number,
  height: number,
  transparentBorder: boolean,
): Uint8ClampedArray {
  const [, ctx] = canvas(width, height);
  if (transparentBorder) {
    ctx.translate(width / 4, height / 4);
    drawQuadrants(ctx, width / 2, height / 2, false);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  } else {
    drawQuadrants(ctx, width, height, false);
  }
  return ctx.getImageData(0, 0, width, height).data;
}

/**
 * A BMP written byte by byte: 24-bit BGR (BITMAPINFOHEADER), or with `alpha` 32-bit BGRA with
 * an alpha mask (BITMAPV4HEADER, BI_BITFIELDS) and a transparent border around the quadrants.
 */
export function makeBmp(width: number, height: number, alpha = false): TestImage {
  const pixels = quadrantPixels(width, height, alpha);
  const headerSize = alpha ? 108 : 40;
  const bytesPerPixel = alpha ? 4 : 3;
  const rowSize = Math.ceil((width * bytesPerPixel) / 4) * 4;
  const pixelOffset = 14 + headerSize;
  const bytes = new Uint8Array(pixelOffset + rowSize * height);
  const view = new DataView(bytes.buffer);
  bytes[0] = 0x42; // "BM"
  bytes[1] = 0x4d;
  view.setUint32(2, bytes.length, true);
  view.setUint32(10, pixelOffset, true);
  view.setUint32(14, headerSize, true);
  view.setInt32(18, width, true);
  view.setInt32(22, height, true); // positive: rows bottom-up
  view.setUint16(26, 1, true);
  view.setUint16(28, bytesPerPixel * 8, true);
  view.setUint32(30, alpha ? 3 : 0, true); // BI_BITFIELDS or BI_RGB
  view.setUint32(34, rowSize * height, true);
  if (alpha) {
    view.setUint32(54, 0x00ff0000, true);
    view.setUint32(58, 0x0000ff00, true);
    view.setUint32(62, 0x000000ff, true);
    view.setUint32(66, 0xff000000, true);
    view.setUint32(70, 0x73524742, true); // "sRGB"
  }
  for (let y = 0; y < height; y++) {
    let to = pixelOffset + (height - 1 - y) * rowSize;
    for (let x = 0; x < width; x++) {
      const from = (y * width + x) * 4;
      bytes[to++] = pixels[from + 2] ?? 0;
      bytes[to++] = pixels[from + 1] ?? 0;
      bytes[to++] = pixels[from] ?? 0;
      if (alpha) bytes[to++] = pixels[from + 3] ?? 0;
    }
  }
  const name = `${alpha ? 'alpha-32bit' : 'rgb-24bit'}-${width}x${height}.bmp`;
  return { name, file: file(bytes, name, 'image/bmp') };
}

/**
 * A GIF89a written byte by byte (browsers decode GIF but cannot encode it). The LZW stream
 * uses 8-bit codes and a clear code every 126 pixels, so the code width never grows and every
 * code is one byte: valid, if not compressed.
 */
export function makeGif(width: number, height: number): TestImage {
  const colours: Rgb[] = [
    QUADRANT_COLOURS.topLeft,
    QUADRANT_COLOURS.topRight,
    QUADRANT_COLOURS.bottomLeft,
    QUADRANT_COLOURS.bottomRight,
  ];
  const CLEAR = 128;
  const END = 129;
  const codes: number[] = [CLEAR];
  let sinceClear = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (sinceClear === 126) {
        codes.push(CLEAR);
        sinceClear = 0;
      }
      codes.push((y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1));
      sinceClear++;
    }
  }
  codes.push(END);
  const out: number[] = [...'GIF89a'].map((c) => c.charCodeAt(0));
  out.push(width & 0xff, width >> 8, height & 0xff, height >> 8, 0xf6, 0, 0); // 128-colour table
  for (let i = 0; i < 128; i++) out.push(...(colours[i] ?? [0, 0, 0]));
  out.push(0x2c, 0, 0, 0, 0, width & 0xff, width >> 8, height & 0xff, height >> 8, 0);
  out.push(7); // LZW minimum code size: 7 bits, so codes are 8 bits wide
  for (let i = 0; i < codes.length; i += 255) {
    const block = codes.slice(i, i + 255);
    out.push(block.length, ...block);
  }
  out.push(0, 0x3b);
  const name = `pattern-${width}x${height}.gif`;
  return { name, file: file(new Uint8Array(out), name, 'image/gif') };
}

/** A text file someone renamed to `.png`. */
export function makeTextNamedPng(): TestImage {
  const name = 'notes.png';
  return {
    name,
    file: new File(['These are my notes, not a picture.\n'], name, { type: 'image/png' }),
  };
}

/** The start of an iPhone HEIC photo: an ISO-BMFF `ftyp` box with the `heic` brand. */
export function makeHeicLike(): TestImage {
  const bytes = new Uint8Array([
    0x00, 0x00, 0x00, 0x18, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63, 0x00, 0x00, 0x00, 0x00,
    0x6d, 0x69, 0x66, 0x31, 0x68, 0x65, 0x69, 0x63, 0x00, 0x00, 0x00, 0x00,
  ]);
  const name = 'IMG_0001.HEIC';
  return { name, file: file(bytes, name, 'image/heic') };
}

/** A small SVG drawing. */
export function makeSvg(): TestImage {
  const name = 'logo.svg';
  const text =
    '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><rect width="400" height="400" fill="red"/></svg>';
  return { name, file: new File([text], name, { type: 'image/svg+xml' }) };
}

/** Every image the bench runs, in table order. */
export async function makeBenchImages(): Promise<TestImage[]> {
  return [
    await makePhotoJpeg(),
    // A portrait phone photo: stored 6000×4000, shown 4000×6000 (EXIF orientation 6).
    await makeExifRotatedJpeg(4000, 6000, 6, true),
    await makeTransparentPng(),
    await makeSmallPng(),
    await makeSquareWebp(),
    await makePanoramaJpeg(),
  ];
}

/** Decoded pixels of an image, to sample colours at known positions. */
export interface Pixels {
  readonly width: number;
  readonly height: number;
  /** The mean colour of a `size`×`size` square centred on (x, y), clipped to the image. */
  at(x: number, y: number, size?: number): Rgb;
}

/** Decodes an image (as a browser would show it) for {@link Pixels.at}. */
export async function readPixels(blob: Blob): Promise<Pixels> {
  const bitmap = await createImageBitmap(blob);
  const [surface, ctx] = canvas(bitmap.width, bitmap.height);
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const { width, height } = surface;
  const data = ctx.getImageData(0, 0, width, height).data;
  return {
    width,
    height,
    at(x, y, size = 9) {
      const left = Math.max(0, Math.round(x - size / 2));
      const top = Math.max(0, Math.round(y - size / 2));
      const right = Math.min(width, left + size);
      const bottom = Math.min(height, top + size);
      let red = 0;
      let green = 0;
      let blue = 0;
      for (let row = top; row < bottom; row++) {
        for (let column = left; column < right; column++) {
          const i = (row * width + column) * 4;
          red += data[i] ?? 0;
          green += data[i + 1] ?? 0;
          blue += data[i + 2] ?? 0;
        }
      }
      const count = Math.max(1, (right - left) * (bottom - top));
      return [Math.round(red / count), Math.round(green / count), Math.round(blue / count)];
    },
  };
}

/** The largest per-channel difference between two colours. */
export function colourDistance(a: Rgb, b: Rgb): number {
  return Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2]));
}
