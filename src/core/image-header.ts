/**
 * Reads an image's format, size and transparency from its header bytes, without decoding
 * pixels, so a frame can be judged in any runtime (browser, edge, Node) before it costs an
 * upload or a paid request. It also walks the file far enough to tell a complete file from a cut
 * one: a truncated upload is the most common "corrupt image" a user sends.
 */
import { crc32 } from './crc32.js';

/** The image formats DashScope accepts as frames. */
export type FrameFormat = 'jpeg' | 'png' | 'webp' | 'bmp';

/** Formats that are recognised only to name them in a message: none of them is accepted. */
export type UnsupportedImageFormat = 'gif' | 'avif' | 'heic' | 'svg' | 'tiff';

/** Every format the header reader recognises. */
export type ImageFormat = FrameFormat | UnsupportedImageFormat;

/** EXIF orientation: 1 is "as stored"; 5–8 swap width and height when displayed. */
export type ExifOrientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

/** What the header of a complete, readable frame says. */
export interface ImageHeader {
  readonly ok: true;
  readonly format: FrameFormat;
  /** Displayed width in pixels (EXIF orientation applied). */
  readonly width: number;
  /** Displayed height in pixels (EXIF orientation applied). */
  readonly height: number;
  /** Width as stored in the file, before orientation. */
  readonly storedWidth: number;
  /** Height as stored in the file, before orientation. */
  readonly storedHeight: number;
  /** EXIF orientation (JPEG only; 1 for every other format). */
  readonly orientation: ExifOrientation;
  /** Whether the image can hold transparency (alpha channel, tRNS chunk, alpha mask, ALPH). */
  readonly hasAlpha: boolean;
}

/** Why the header could not be read as a complete frame. */
export type ImageHeaderFailureReason = 'empty' | 'unsupported-format' | 'truncated' | 'corrupt';

/** What the reader learned before it failed (for example the size of a truncated JPEG). */
export type ImageHeaderPartial = Omit<ImageHeader, 'ok' | 'format'>;

/** A header that could not be read, and why. */
export interface ImageHeaderFailure {
  readonly ok: false;
  readonly reason: ImageHeaderFailureReason;
  /** The format, when the bytes were recognised (always set for `truncated` and `corrupt`). */
  readonly format?: ImageFormat;
  /** A short technical description, e.g. "no end-of-image marker". */
  readonly message: string;
  /** Size and alpha read before the failure, when the reader got that far. */
  readonly partial?: ImageHeaderPartial;
}

/**
 * Reads format, size, orientation and alpha from an image's bytes. Never throws: anything that
 * is not a complete JPEG, PNG, WebP or BMP comes back as an {@link ImageHeaderFailure}.
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader | ImageHeaderFailure {
  if (bytes.length === 0) return fail('empty', undefined, 'the file has no bytes');
  const format = sniffFormat(bytes);
  switch (format) {
    case 'jpeg':
      return readJpeg(bytes);
    case 'png':
      return readPng(bytes);
    case 'webp':
      return readWebp(bytes);
    case 'bmp':
      return readBmp(bytes);
    case undefined:
      return fail('unsupported-format', undefined, 'not a recognised image format');
    default:
      return fail('unsupported-format', format, `${format} images are not accepted`);
  }
}

// ---------------------------------------------------------------------------------------------
// Byte helpers. Callers check bounds first; `?? 0` only satisfies the type checker.

const u8 = (b: Uint8Array, i: number): number => b[i] ?? 0;
const u16be = (b: Uint8Array, i: number): number => (u8(b, i) << 8) | u8(b, i + 1);
const u16le = (b: Uint8Array, i: number): number => u8(b, i) | (u8(b, i + 1) << 8);
const u24le = (b: Uint8Array, i: number): number =>
  u8(b, i) | (u8(b, i + 1) << 8) | (u8(b, i + 2) << 16);
const u32be = (b: Uint8Array, i: number): number =>
  ((u8(b, i) << 24) | (u8(b, i + 1) << 16) | (u8(b, i + 2) << 8) | u8(b, i + 3)) >>> 0;
const u32le = (b: Uint8Array, i: number): number =>
  (u8(b, i) | (u8(b, i + 1) << 8) | (u8(b, i + 2) << 16) | (u8(b, i + 3) << 24)) >>> 0;
const i32le = (b: Uint8Array, i: number): number => u32le(b, i) | 0;
const ascii = (b: Uint8Array, start: number, length: number): string => {
  let text = '';
  for (let i = start; i < start + length && i < b.length; i++)
    text += String.fromCharCode(u8(b, i));
  return text;
};
const startsWith = (b: Uint8Array, magic: readonly number[], at = 0): boolean =>
  magic.every((value, i) => b[at + i] === value);

function fail(
  reason: ImageHeaderFailureReason,
  format: ImageFormat | undefined,
  message: string,
  partial?: ImageHeaderPartial,
): ImageHeaderFailure {
  return {
    ok: false,
    reason,
    message,
    ...(format === undefined ? {} : { format }),
    ...(partial === undefined ? {} : { partial }),
  };
}

function sized(
  storedWidth: number,
  storedHeight: number,
  hasAlpha: boolean,
  orientation: ExifOrientation = 1,
): ImageHeaderPartial {
  const swapped = orientation >= 5;
  return {
    width: swapped ? storedHeight : storedWidth,
    height: swapped ? storedWidth : storedHeight,
    storedWidth,
    storedHeight,
    orientation,
    hasAlpha,
  };
}

function success(format: FrameFormat, partial: ImageHeaderPartial): ImageHeader {
  return { ok: true, format, ...partial };
}

// ---------------------------------------------------------------------------------------------
// Format sniffing

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;
const BMP_HEADER_SIZES: ReadonlySet<number> = new Set([12, 40, 52, 56, 64, 108, 124]);
const HEIF_BRANDS: ReadonlySet<string> = new Set([
  'heic',
  'heix',
  'heim',
  'heis',
  'hevc',
  'hevx',
  'hevm',
  'hevs',
  'mif1',
  'msf1',
]);

function sniffFormat(b: Uint8Array): ImageFormat | undefined {
  if (startsWith(b, [0xff, 0xd8])) return 'jpeg';
  if (b.length >= 4 && startsWith(b, PNG_SIGNATURE.slice(0, Math.min(b.length, 8)))) return 'png';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  if (ascii(b, 0, 2) === 'BM' && (b.length < 18 || BMP_HEADER_SIZES.has(u32le(b, 14)))) {
    return 'bmp';
  }
  if (ascii(b, 0, 4) === 'GIF8') return 'gif';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) {
    return 'tiff';
  }
  if (ascii(b, 4, 4) === 'ftyp') return sniffIsoBrand(b);
  if (looksLikeSvg(b)) return 'svg';
  return undefined;
}

/** AVIF and HEIC are both ISO-BMFF files; the brands in the `ftyp` box tell them apart. */
function sniffIsoBrand(b: Uint8Array): ImageFormat | undefined {
  const boxEnd = Math.min(b.length, u32be(b, 0));
  const brands = [ascii(b, 8, 4)];
  for (let i = 16; i + 4 <= boxEnd; i += 4) brands.push(ascii(b, i, 4));
  if (brands.some((brand) => brand === 'avif' || brand === 'avis')) return 'avif';
  if (brands.some((brand) => HEIF_BRANDS.has(brand))) return 'heic';
  return undefined;
}

/**
 * Text whose first element is `<svg`, after an optional XML declaration, comments and a doctype.
 * A plain scan, not a regular expression: nested lazy patterns backtrack badly on crafted input.
 */
function looksLikeSvg(b: Uint8Array): boolean {
  const head = new TextDecoder('utf-8').decode(b.subarray(0, 4096));
  let pos = head.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    while (pos < head.length && /\s/.test(head.charAt(pos))) pos++;
    const closer = head.startsWith('<?', pos)
      ? '?>'
      : head.startsWith('<!--', pos)
        ? '-->'
        : head.startsWith('<!', pos)
          ? '>'
          : undefined;
    if (closer === undefined) break;
    const close = head.indexOf(closer, pos + 2);
    if (close < 0) return false;
    pos = close + closer.length;
  }
  return /^<svg[\s>]/i.test(head.slice(pos, pos + 5));
}

// ---------------------------------------------------------------------------------------------
// JPEG: walk the marker segments to the frame header (SOFn), then on through the entropy-coded
// scans to the end-of-image marker, so a cut file is never taken for a whole one.

const isStandaloneMarker = (m: number): boolean => m === 0x01 || (m >= 0xd0 && m <= 0xd7);
/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
const isStartOfFrame = (m: number): boolean =>
  m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function readJpeg(b: Uint8Array): ImageHeader | ImageHeaderFailure {
  const n = b.length;
  let orientation: ExifOrientation = 1;
  let frame: ImageHeaderPartial | undefined;
  const truncated = (where: string) => fail('truncated', 'jpeg', `the file ends ${where}`, frame);
  const corrupt = (what: string) => fail('corrupt', 'jpeg', what, frame);

  let pos = 2;
  for (;;) {
    // Like libjpeg, skip stray bytes before a marker, then any number of 0xFF fill bytes.
    while (pos < n && b[pos] !== 0xff) pos++;
    while (pos < n && b[pos] === 0xff) pos++;
    if (pos >= n) {
      return truncated(frame ? 'before the end-of-image marker' : 'before the frame header');
    }
    const marker = u8(b, pos);
    const segmentStart = pos + 1;
    if (marker === 0x00) return corrupt('a 0xFF00 byte pair outside the image data');
    if (marker === 0xd8) return corrupt('a second start-of-image marker');
    if (marker === 0xd9) {
      return frame ? success('jpeg', frame) : corrupt('the image ends before its frame header');
    }
    if (isStandaloneMarker(marker)) {
      pos = segmentStart;
      continue;
    }
    if (segmentStart + 2 > n) return truncated('inside a segment header');
    const length = u16be(b, segmentStart);
    if (length < 2) return corrupt(`a segment with an impossible length (${length})`);
    const end = segmentStart + length;
    if (end > n) return truncated('inside a segment');
    const body = segmentStart + 2;

    if (marker === 0xe1 && !frame && orientation === 1) {
      orientation = readExifOrientation(b, body, end) ?? 1;
    } else if (isStartOfFrame(marker) && !frame) {
      if (length < 8) return corrupt('a frame header that is too short');
      const height = u16be(b, body + 1);
      const width = u16be(b, body + 3);
      if (width === 0 || height === 0) {
        return corrupt(`a frame header with a zero side (${width}×${height})`);
      }
      frame = sized(width, height, false, orientation);
    } else if (marker === 0xda) {
      if (!frame) return corrupt('image data before the frame header');
      const next = skipEntropyCodedData(b, end);
      if (next === undefined) return truncated('inside the image data');
      pos = next;
      continue;
    }
    pos = end;
  }
}

/** Returns the offset of the next real marker after a scan, or undefined at end of data. */
function skipEntropyCodedData(b: Uint8Array, from: number): number | undefined {
  let pos = from;
  for (;;) {
    const ff = b.indexOf(0xff, pos);
    if (ff < 0 || ff + 1 >= b.length) return undefined;
    const next = u8(b, ff + 1);
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) {
      pos = ff + 2; // a stuffed 0xFF byte or a restart marker: still image data
    } else if (next === 0xff) {
      pos = ff + 1; // fill byte before a marker
    } else {
      return ff;
    }
  }
}

/** The Orientation tag (0x0112) from an APP1 "Exif" segment's IFD0, if there is a valid one. */
function readExifOrientation(
  b: Uint8Array,
  start: number,
  end: number,
): ExifOrientation | undefined {
  if (end - start < 14 || ascii(b, start, 6) !== 'Exif\0\0') return undefined;
  const tiff = start + 6;
  const order = ascii(b, tiff, 2);
  if (order !== 'II' && order !== 'MM') return undefined;
  const little = order === 'II';
  const r16 = (i: number) => (little ? u16le(b, i) : u16be(b, i));
  const r32 = (i: number) => (little ? u32le(b, i) : u32be(b, i));
  if (r16(tiff + 2) !== 42) return undefined;
  const ifd = tiff + r32(tiff + 4);
  if (ifd + 2 > end) return undefined;
  const count = r16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return undefined;
    if (r16(entry) !== 0x0112) continue;
    if (r16(entry + 2) !== 3 || r32(entry + 4) !== 1) return undefined; // SHORT, count 1
    const value = r16(entry + 8);
    return value >= 1 && value <= 8 ? (value as ExifOrientation) : undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// PNG: signature, IHDR (checked against its CRC), then every chunk up to IEND.

const PNG_BIT_DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16], // greyscale
  2: [8, 16], // RGB
  3: [1, 2, 4, 8], // palette
  4: [8, 16], // greyscale + alpha
  6: [8, 16], // RGBA
};

function readPng(b: Uint8Array): ImageHeader | ImageHeaderFailure {
  const n = b.length;
  if (n < 33) return fail('truncated', 'png', 'the file ends inside the PNG header');
  if (!startsWith(b, PNG_SIGNATURE)) return fail('corrupt', 'png', 'a damaged PNG signature');
  if (u32be(b, 8) !== 13 || ascii(b, 12, 4) !== 'IHDR') {
    return fail('corrupt', 'png', 'the first chunk is not a valid IHDR');
  }
  if (crc32(b, 12, 29) !== u32be(b, 29)) {
    return fail('corrupt', 'png', 'the IHDR checksum does not match');
  }
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  const bitDepth = u8(b, 24);
  const colorType = u8(b, 25);
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    return fail('corrupt', 'png', `impossible dimensions (${width}×${height})`);
  }
  if (!PNG_BIT_DEPTHS[colorType]?.includes(bitDepth)) {
    return fail('corrupt', 'png', `colour type ${colorType} with bit depth ${bitDepth}`);
  }
  let hasAlpha = colorType === 4 || colorType === 6;
  let sawPalette = false;
  let sawData = false;
  const state = () => sized(width, height, hasAlpha);

  let pos = 33;
  for (;;) {
    if (pos + 12 > n) return fail('truncated', 'png', 'the file ends before IEND', state());
    const length = u32be(b, pos);
    const type = ascii(b, pos + 4, 4);
    if (length > 0x7fffffff) return fail('corrupt', 'png', `a chunk of impossible length`, state());
    if (!/^[A-Za-z]{4}$/.test(type)) return fail('corrupt', 'png', 'a damaged chunk type', state());
    if (pos + 12 + length > n) {
      return fail('truncated', 'png', `the file ends inside a ${type} chunk`, state());
    }
    if (type === 'IEND') {
      return sawData ? success('png', state()) : fail('corrupt', 'png', 'no IDAT chunk', state());
    }
    if (type === 'PLTE') sawPalette = true;
    if (type === 'IDAT') {
      if (colorType === 3 && !sawPalette) {
        return fail('corrupt', 'png', 'a palette image without a PLTE chunk', state());
      }
      sawData = true;
    }
    // A tRNS chunk (before the image data) makes greyscale, RGB or palette images transparent.
    if (type === 'tRNS' && !sawData && (colorType === 0 || colorType === 2 || colorType === 3)) {
      hasAlpha = true;
    }
    pos += 12 + length;
  }
}

// ---------------------------------------------------------------------------------------------
// WebP: a RIFF container holding VP8 (lossy, opaque), VP8L (lossless, alpha bit in its header)
// or VP8X (extended: canvas size and an alpha flag, then ALPH/VP8/VP8L/ANIM chunks).

function readWebp(b: Uint8Array): ImageHeader | ImageHeaderFailure {
  const n = b.length;
  const riffEnd = 8 + u32le(b, 4);
  if (riffEnd < 20) return fail('corrupt', 'webp', 'a RIFF size too small for a WebP image');
  if (n < 20) return fail('truncated', 'webp', 'the file ends inside the WebP header');

  const first = ascii(b, 12, 4);
  const firstBody = 20;
  let partial: ImageHeaderPartial | undefined;
  let hasImageData = false;
  if (first === 'VP8 ') {
    if (n < firstBody + 10) return fail('truncated', 'webp', 'the file ends inside the VP8 header');
    const lossy = readVp8(b, firstBody);
    if (typeof lossy === 'string') return fail('corrupt', 'webp', lossy);
    partial = lossy;
    hasImageData = true;
  } else if (first === 'VP8L') {
    if (n < firstBody + 5) return fail('truncated', 'webp', 'the file ends inside the VP8L header');
    const lossless = readVp8l(b, firstBody);
    if (typeof lossless === 'string') return fail('corrupt', 'webp', lossless);
    partial = lossless;
    hasImageData = true;
  } else if (first === 'VP8X') {
    if (n < firstBody + 10)
      return fail('truncated', 'webp', 'the file ends inside the VP8X header');
    const flags = u8(b, firstBody);
    partial = sized(u24le(b, firstBody + 4) + 1, u24le(b, firstBody + 7) + 1, (flags & 0x10) !== 0);
  } else {
    return fail('corrupt', 'webp', `an unexpected first chunk (${JSON.stringify(first)})`);
  }

  if (riffEnd > n) {
    return fail('truncated', 'webp', 'the file is shorter than its RIFF header says', partial);
  }
  // Walk every chunk: the last one must end where the RIFF header says the file ends.
  let pos = 12;
  let chunkIndex = 0;
  while (pos < riffEnd) {
    const type = ascii(b, pos, 4);
    const size = u32le(b, pos + 4);
    const end = pos + 8 + size + (size & 1);
    if (pos + 8 > riffEnd || pos + 8 + size > riffEnd) {
      return fail('corrupt', 'webp', `a ${type.trim()} chunk runs past the RIFF size`, partial);
    }
    if (chunkIndex > 0) {
      if (type === 'ALPH') partial = { ...partial, hasAlpha: true };
      if (type === 'VP8L' && size >= 5) {
        const lossless = readVp8l(b, pos + 8);
        if (typeof lossless !== 'string' && lossless.hasAlpha)
          partial = { ...partial, hasAlpha: true };
      }
      if (type === 'VP8 ' || type === 'VP8L' || type === 'ANMF') hasImageData = true;
    }
    pos = end;
    chunkIndex++;
  }
  if (!hasImageData) return fail('corrupt', 'webp', 'no image data chunk', partial);
  return success('webp', partial);
}

function readVp8(b: Uint8Array, at: number): ImageHeaderPartial | string {
  if ((u8(b, at) & 1) !== 0) return 'a VP8 stream that does not start with a key frame';
  if (!startsWith(b, [0x9d, 0x01, 0x2a], at + 3)) return 'a damaged VP8 start code';
  const width = u16le(b, at + 6) & 0x3fff;
  const height = u16le(b, at + 8) & 0x3fff;
  if (width === 0 || height === 0) return `a VP8 frame with a zero side (${width}×${height})`;
  return sized(width, height, false);
}

function readVp8l(b: Uint8Array, at: number): ImageHeaderPartial | string {
  if (u8(b, at) !== 0x2f) return 'a damaged VP8L signature';
  const bits = u32le(b, at + 1);
  if (bits >>> 29 !== 0) return 'an unknown VP8L version';
  return sized((bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1, ((bits >>> 28) & 1) === 1);
}

// ---------------------------------------------------------------------------------------------
// BMP: file header + DIB header (BITMAPCOREHEADER, BITMAPINFOHEADER, V2–V5, OS/2 v2). A negative
// height means the rows are stored top-down. 16/32-bit images are transparent when an alpha mask
// is present and non-zero (V3+ headers, or BI_ALPHABITFIELDS after a BITMAPINFOHEADER).

const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_ALPHABITFIELDS = 6;
const BMP_BIT_COUNTS: ReadonlySet<number> = new Set([1, 4, 8, 16, 24, 32]);

function readBmp(b: Uint8Array): ImageHeader | ImageHeaderFailure {
  const n = b.length;
  if (n < 18) return fail('truncated', 'bmp', 'the file ends inside the BMP header');
  const headerSize = u32le(b, 14);
  if (n < 14 + headerSize) return fail('truncated', 'bmp', 'the file ends inside the DIB header');
  const pixelOffset = u32le(b, 10);
  const core = headerSize === 12;
  const width = core ? u16le(b, 18) : i32le(b, 18);
  const signedHeight = core ? u16le(b, 20) : i32le(b, 22);
  const planes = core ? u16le(b, 22) : u16le(b, 26);
  const bitCount = core ? u16le(b, 24) : u16le(b, 28);
  const compression = core ? 0 : u32le(b, 30);
  const height = Math.abs(signedHeight);

  if (width <= 0 || height === 0) {
    return fail('corrupt', 'bmp', `impossible dimensions (${width}×${signedHeight})`);
  }
  if (planes !== 1) return fail('corrupt', 'bmp', `${planes} colour planes (must be 1)`);
  if (compression === 4 || compression === 5) {
    return fail('unsupported-format', 'bmp', 'a BMP that wraps JPEG or PNG data');
  }
  if (!BMP_BIT_COUNTS.has(bitCount)) return fail('corrupt', 'bmp', `${bitCount} bits per pixel`);
  if (compression > BI_ALPHABITFIELDS) {
    return fail('corrupt', 'bmp', `unknown compression ${compression}`);
  }
  const rle = compression === BI_RLE8 || compression === BI_RLE4;
  if (rle && signedHeight < 0) return fail('corrupt', 'bmp', 'a top-down image with RLE rows');

  let hasAlpha = false;
  const alphaMaskInHeader = headerSize >= 56 && headerSize !== 64;
  if ((bitCount === 16 || bitCount === 32) && !rle) {
    if (alphaMaskInHeader || (headerSize === 40 && compression === BI_ALPHABITFIELDS)) {
      if (n < 70) return fail('truncated', 'bmp', 'the file ends inside the colour masks');
      hasAlpha = u32le(b, 66) !== 0;
    }
  }
  const partial = sized(width, height, hasAlpha);

  if (pixelOffset < 14 + headerSize) {
    return fail('corrupt', 'bmp', 'pixel data that overlaps the header', partial);
  }
  const rowSize = Math.floor((bitCount * width + 31) / 32) * 4;
  const pixelBytes = rle ? u32le(b, 34) : rowSize * height;
  if (pixelOffset + pixelBytes > n) {
    return fail('truncated', 'bmp', 'the file ends inside the pixel data', partial);
  }
  return success('bmp', partial);
}
