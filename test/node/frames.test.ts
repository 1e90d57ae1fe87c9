import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  FRAME_RULES,
  KeyframeVideoError,
  checkFrame,
  checkFrameBytes,
  checkFramePair,
  decodeDataUrl,
  encodeDataUrl,
  frameCheckError,
  readImageHeader,
  type FrameCheck,
  type FrameProblemReason,
  type FrameRules,
} from '../../src/core/index.js';

// Fixtures come from `npm run images` (scripts/make-test-images.js).
const FIXTURES = new URL('../fixtures/frames/', import.meta.url);
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, FIXTURES)));
const asFile = (name: string, type = '', bytes = fixture(name)): File =>
  new File([bytes.slice()], name, { type });
const MIME = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', bmp: 'image/bmp' };
const reasonsOf = (check: FrameCheck): FrameProblemReason[] => check.problems.map((p) => p.reason);
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

// ---------------------------------------------------------------------------------------------
// Byte builders for cases that should not be committed as files (huge, or one-off variants).

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A valid JPEG made larger than `minBytes` with COM (comment) segments after SOI. */
function jpegWithComments(jpeg: Uint8Array, minBytes: number): Uint8Array {
  const segment = new Uint8Array(65535 + 2);
  segment.set([0xff, 0xfe, 0xff, 0xff]); // COM, length 65535
  segment.fill(0x41, 4);
  const count = Math.ceil((minBytes - jpeg.length) / segment.length) + 1;
  return concat(jpeg.subarray(0, 2), ...Array<Uint8Array>(count).fill(segment), jpeg.subarray(2));
}

/** An APP1 EXIF segment with one Orientation tag, in either byte order. */
function exifSegment(orientation: number, order: 'II' | 'MM'): Uint8Array {
  const tiff = new DataView(new ArrayBuffer(26));
  const little = order === 'II';
  tiff.setUint8(0, order.charCodeAt(0));
  tiff.setUint8(1, order.charCodeAt(1));
  tiff.setUint16(2, 42, little);
  tiff.setUint32(4, 8, little);
  tiff.setUint16(8, 1, little);
  tiff.setUint16(10, 0x0112, little);
  tiff.setUint16(12, 3, little);
  tiff.setUint32(14, 1, little);
  tiff.setUint16(18, orientation, little);
  const payload = concat(new TextEncoder().encode('Exif\0\0'), new Uint8Array(tiff.buffer));
  const header = new Uint8Array([
    0xff,
    0xe1,
    (payload.length + 2) >> 8,
    (payload.length + 2) & 0xff,
  ]);
  return concat(header, payload);
}

const spliceAfterSoi = (jpeg: Uint8Array, segment: Uint8Array): Uint8Array =>
  concat(jpeg.subarray(0, 2), segment, jpeg.subarray(2));

/** A PNG chunk with a correct CRC. */
function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Inserts a chunk just before IEND (the last 12 bytes of a PNG). */
const pngWithChunk = (png: Uint8Array, chunk: Uint8Array): Uint8Array =>
  concat(png.subarray(0, png.length - 12), chunk, png.subarray(png.length - 12));

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The first bytes of an ISO-BMFF file with the given `ftyp` brands. */
function ftyp(major: string, ...compatible: string[]): Uint8Array {
  const body = ascii(major + '\0\0\0\0' + compatible.join(''));
  const box = concat(new Uint8Array(4), ascii('ftyp'), body);
  new DataView(box.buffer).setUint32(0, box.length);
  return concat(box, new Uint8Array(64));
}

/** A small deterministic PRNG (mulberry32), so the property loops are reproducible. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------------------------------------

describe('FRAME_RULES', () => {
  it('holds the DashScope limits as frozen data', () => {
    expect(FRAME_RULES.formats.map((rule) => rule.format)).toEqual(['jpeg', 'png', 'bmp', 'webp']);
    expect(FRAME_RULES.formats.flatMap((rule) => rule.extensions)).toEqual(
      expect.arrayContaining(['jpg', 'jpeg', 'png', 'bmp', 'webp']),
    );
    expect(FRAME_RULES.formats.map((rule) => rule.mimeTypes[0])).toEqual([
      'image/jpeg',
      'image/png',
      'image/bmp',
      'image/webp',
    ]);
    expect(FRAME_RULES).toMatchObject({
      minSide: 360,
      maxSide: 2000,
      maxBytes: 10 * 1024 * 1024,
      allowAlpha: false,
      pairAspectTolerance: 0.05,
    });
    expect(Object.isFrozen(FRAME_RULES)).toBe(true);
    expect(Object.isFrozen(FRAME_RULES.formats)).toBe(true);
    expect(Object.isFrozen(FRAME_RULES.formats[0])).toBe(true);
  });
});

describe('reading the fixtures', () => {
  const cases = [
    { file: 'valid-640x480.jpg', format: 'jpeg', width: 640, height: 480, alpha: false },
    { file: 'valid-2000x1000.jpg', format: 'jpeg', width: 2000, height: 1000, alpha: false },
    { file: 'valid-rgb-512x512.png', format: 'png', width: 512, height: 512, alpha: false },
    { file: 'valid-lossy-600x400.webp', format: 'webp', width: 600, height: 400, alpha: false },
    { file: 'valid-24bit-400x400.bmp', format: 'bmp', width: 400, height: 400, alpha: false },
    { file: 'alpha-rgba-512x512.png', format: 'png', width: 512, height: 512, alpha: true },
    { file: 'alpha-palette-trns-400x400.png', format: 'png', width: 400, height: 400, alpha: true },
    { file: 'alpha-rgba-300x300.png', format: 'png', width: 300, height: 300, alpha: true },
    { file: 'alpha-lossless-400x400.webp', format: 'webp', width: 400, height: 400, alpha: true },
    { file: 'alpha-lossy-400x400.webp', format: 'webp', width: 400, height: 400, alpha: true },
    { file: 'alpha-32bit-64x48.bmp', format: 'bmp', width: 64, height: 48, alpha: true },
    { file: 'small-300x300.jpg', format: 'jpeg', width: 300, height: 300, alpha: false },
    { file: 'wide-2400x400.png', format: 'png', width: 2400, height: 400, alpha: false },
  ] as const;

  it.each(cases)('$file: $format $width×$height, alpha $alpha', async (c) => {
    const bytes = fixture(c.file);
    expect(readImageHeader(bytes)).toEqual({
      ok: true,
      format: c.format,
      width: c.width,
      height: c.height,
      storedWidth: c.width,
      storedHeight: c.height,
      orientation: 1,
      hasAlpha: c.alpha,
    });
    const expected = {
      format: c.format,
      mime: MIME[c.format],
      width: c.width,
      height: c.height,
      orientation: 1,
      hasAlpha: c.alpha,
      bytes: bytes.length,
    };
    const fromFile = await checkFrame(asFile(c.file, MIME[c.format]));
    const fromDataUrl = await checkFrame(encodeDataUrl(bytes, MIME[c.format]));
    const fromBytes = checkFrameBytes(bytes);
    expect(fromFile).toMatchObject(expected);
    expect(fromDataUrl).toEqual(fromFile);
    expect(fromBytes).toEqual(fromFile);
  });

  it.each(cases.filter((c) => c.file.startsWith('valid-')))(
    '$file passes every rule',
    async (c) => {
      const check = await checkFrame(asFile(c.file, MIME[c.format]));
      expect(check.problems).toEqual([]);
      expect(check.ok).toBe(true);
    },
  );

  it('applies EXIF orientation 6: stored 480×640, displayed 640×480', async () => {
    const bytes = fixture('exif-orientation-6-480x640.jpg');
    expect(readImageHeader(bytes)).toEqual({
      ok: true,
      format: 'jpeg',
      width: 640,
      height: 480,
      storedWidth: 480,
      storedHeight: 640,
      orientation: 6,
      hasAlpha: false,
    });
    const check = await checkFrame(asFile('exif-orientation-6-480x640.jpg', 'image/jpeg'));
    expect(check).toMatchObject({ ok: true, width: 640, height: 480, orientation: 6 });
  });

  it('reads EXIF orientation in both byte orders, swapping sides only for 5–8', () => {
    const jpeg = fixture('valid-640x480.jpg');
    for (const order of ['II', 'MM'] as const) {
      for (let orientation = 1; orientation <= 8; orientation++) {
        const header = readImageHeader(spliceAfterSoi(jpeg, exifSegment(orientation, order)));
        const swapped = orientation >= 5;
        expect(header, `${order} ${orientation}`).toMatchObject({
          ok: true,
          orientation,
          width: swapped ? 480 : 640,
          height: swapped ? 640 : 480,
          storedWidth: 640,
          storedHeight: 480,
        });
      }
    }
    // An out-of-range value is ignored, as browsers do.
    expect(readImageHeader(spliceAfterSoi(jpeg, exifSegment(9, 'II')))).toMatchObject({
      ok: true,
      orientation: 1,
    });
  });

  it('names unsupported formats it recognises', () => {
    const named = [
      [fixture('pattern-120x80.gif'), 'gif'],
      [fixture('drawing.svg'), 'svg'],
      [ftyp('avif', 'mif1', 'avif'), 'avif'],
      [ftyp('heic', 'mif1', 'heic'), 'heic'],
      [ftyp('mif1', 'mif1', 'avif'), 'avif'],
      [concat(new Uint8Array([0x49, 0x49, 0x2a, 0x00]), new Uint8Array(60)), 'tiff'],
      [concat(new Uint8Array([0x4d, 0x4d, 0x00, 0x2a]), new Uint8Array(60)), 'tiff'],
    ] as const;
    for (const [bytes, format] of named) {
      expect(readImageHeader(bytes)).toMatchObject({
        ok: false,
        reason: 'unsupported-format',
        format,
      });
    }
    expect(readImageHeader(fixture('text-named.png'))).toEqual({
      ok: false,
      reason: 'unsupported-format',
      message: 'not a recognised image format',
    });
    expect(readImageHeader(new Uint8Array(0))).toMatchObject({ ok: false, reason: 'empty' });
  });

  it('reports a truncated JPEG as truncated, keeping the size it read', () => {
    expect(readImageHeader(fixture('truncated-640x480.jpg'))).toMatchObject({
      ok: false,
      reason: 'truncated',
      format: 'jpeg',
      partial: { width: 640, height: 480 },
    });
  });

  it('walks multi-scan JPEGs: stuffed bytes, restart markers, fill bytes, tables between scans', () => {
    const segment = (marker: number, payload: number[]) => [
      0xff,
      marker,
      (payload.length + 2) >> 8,
      (payload.length + 2) & 0xff,
      ...payload,
    ];
    const sof2 = segment(0xc2, [8, 0x01, 0xe0, 0x02, 0x80, 1, 1, 0x11, 0]); // 640×480, progressive
    const dht = segment(0xc4, Array<number>(20).fill(1));
    const sos = segment(0xda, [1, 1, 0x00, 0, 63, 0]);
    const scan = [0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56, 0xff, 0xd7, 0x00, 0xff, 0xff];
    const body = [
      0xff,
      0xd8,
      0xff,
      0xff,
      ...sof2,
      ...dht,
      ...sos,
      ...scan,
      ...dht,
      ...sos,
      ...scan,
    ];
    const whole = new Uint8Array([...body, 0xff, 0xd9]);
    expect(readImageHeader(whole)).toMatchObject({ ok: true, width: 640, height: 480 });
    // Bytes after the end-of-image marker (camera trailers) do not matter.
    expect(readImageHeader(concat(whole, ascii('trailer')))).toMatchObject({ ok: true });
    // Without its end-of-image marker, the same file is cut off.
    expect(readImageHeader(new Uint8Array(body))).toMatchObject({
      ok: false,
      reason: 'truncated',
      partial: { width: 640, height: 480 },
    });
    // A scan before any frame header is damage, not truncation.
    const noFrame = new Uint8Array([0xff, 0xd8, ...sos, ...scan, 0xff, 0xd9]);
    expect(readImageHeader(noFrame)).toMatchObject({ ok: false, reason: 'corrupt' });
  });

  it('tells a top-down BMP (negative height) and finds BMP alpha masks only where they exist', () => {
    const bmp = fixture('valid-24bit-400x400.bmp');
    const topDown = bmp.slice();
    new DataView(topDown.buffer).setInt32(22, -400, true);
    expect(readImageHeader(topDown)).toMatchObject({ ok: true, width: 400, height: 400 });

    const alpha = fixture('alpha-32bit-64x48.bmp');
    const zeroMask = alpha.slice();
    new DataView(zeroMask.buffer).setUint32(66, 0, true);
    expect(readImageHeader(zeroMask)).toMatchObject({ ok: true, hasAlpha: false });
  });

  it('treats a tRNS chunk after the image data as no alpha, and before it as alpha', () => {
    const png = fixture('valid-rgb-512x512.png');
    const trns = pngChunk('tRNS', new Uint8Array([0, 0, 0, 0, 0, 0]));
    expect(readImageHeader(pngWithChunk(png, trns))).toMatchObject({ ok: true, hasAlpha: false });
    const beforeData = concat(png.subarray(0, 33), trns, png.subarray(33));
    expect(readImageHeader(beforeData)).toMatchObject({ ok: true, hasAlpha: true });
  });
});

// ---------------------------------------------------------------------------------------------

interface BadCase {
  name: string;
  input: () => File | Blob | Uint8Array | string;
  options?: { name?: string; type?: string; rules?: Partial<FrameRules> };
  reasons: FrameProblemReason[];
  /** Text that must appear in the problems' messages. */
  mentions: (string | RegExp)[];
}

const validPng = () => fixture('valid-rgb-512x512.png');
const validJpeg = () => fixture('valid-640x480.jpg');

const badCases: BadCase[] = [
  {
    name: 'an empty file',
    input: () => asFile('empty.jpg', 'image/jpeg'),
    reasons: ['empty'],
    mentions: ['empty (0 bytes)'],
  },
  {
    name: 'a text file named .png',
    input: () => asFile('text-named.png', 'image/png'),
    reasons: ['unsupported-format'],
    mentions: [
      'labelled image/png',
      'not an image',
      'Use an image in JPEG, PNG, BMP or WebP format.',
    ],
  },
  {
    name: 'a GIF',
    input: () => asFile('pattern-120x80.gif', 'image/gif'),
    reasons: ['unsupported-format'],
    mentions: ['GIF images are not accepted'],
  },
  {
    name: 'an SVG',
    input: () => asFile('drawing.svg', 'image/svg+xml'),
    reasons: ['unsupported-format'],
    mentions: ['SVG images are not accepted'],
  },
  {
    name: 'an AVIF (built header)',
    input: () => ftyp('avif', 'mif1', 'avif'),
    reasons: ['unsupported-format'],
    mentions: ['AVIF images are not accepted'],
  },
  {
    name: 'a HEIC (built header)',
    input: () => ftyp('heic', 'mif1', 'heic'),
    reasons: ['unsupported-format'],
    mentions: ['HEIC/HEIF images are not accepted'],
  },
  {
    name: 'a 300×300 JPEG',
    input: () => asFile('small-300x300.jpg', 'image/jpeg'),
    reasons: ['too-small'],
    mentions: ['The image is 300×300 pixels; each side must be at least 360. Use a larger image.'],
  },
  {
    name: 'a 2400×400 PNG',
    input: () => asFile('wide-2400x400.png', 'image/png'),
    reasons: ['too-large'],
    mentions: ['2400×400 pixels; each side must be at most 2000'],
  },
  {
    name: 'an RGBA PNG',
    input: () => asFile('alpha-rgba-512x512.png', 'image/png'),
    reasons: ['alpha'],
    mentions: [
      'PNG with transparency is not accepted: flatten it onto a background or save as JPEG.',
    ],
  },
  {
    name: 'a palette PNG with tRNS',
    input: () => asFile('alpha-palette-trns-400x400.png', 'image/png'),
    reasons: ['alpha'],
    mentions: ['PNG with transparency'],
  },
  {
    name: 'a lossless WebP with alpha (VP8L)',
    input: () => asFile('alpha-lossless-400x400.webp', 'image/webp'),
    reasons: ['alpha'],
    mentions: ['WebP with transparency'],
  },
  {
    name: 'a lossy WebP with alpha (VP8X + ALPH)',
    input: () => asFile('alpha-lossy-400x400.webp', 'image/webp'),
    reasons: ['alpha'],
    mentions: ['WebP with transparency'],
  },
  {
    name: 'a 64×48 32-bit BMP with an alpha mask',
    input: () => asFile('alpha-32bit-64x48.bmp', 'image/bmp'),
    reasons: ['too-small', 'alpha'],
    mentions: ['64×48', 'BMP with transparency'],
  },
  {
    name: 'a 300×300 PNG with alpha (two problems)',
    input: () => asFile('alpha-rgba-300x300.png', 'image/png'),
    reasons: ['too-small', 'alpha'],
    mentions: ['300×300', 'PNG with transparency'],
  },
  {
    name: 'a JPEG cut in half',
    input: () => asFile('truncated-640x480.jpg', 'image/jpeg'),
    reasons: ['truncated'],
    mentions: ['JPEG file is incomplete', 'Use the complete file'],
  },
  {
    name: 'a PNG cut before IEND',
    input: () => validPng().subarray(0, 2000),
    reasons: ['truncated'],
    mentions: ['PNG file is incomplete'],
  },
  {
    name: 'a PNG whose IHDR checksum is wrong',
    input: () => {
      const png = validPng().slice();
      png[30] = (png[30] ?? 0) ^ 0xff;
      return png;
    },
    reasons: ['corrupt'],
    mentions: ['PNG file is damaged (the IHDR checksum does not match)'],
  },
  {
    name: 'a JPEG with a zero-length segment',
    input: () => concat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x00]), new Uint8Array(40)),
    reasons: ['corrupt'],
    mentions: ['JPEG file is damaged'],
  },
  {
    name: 'a JPEG named .png',
    input: () => asFile('photo.png', '', validJpeg()),
    reasons: ['format-mismatch'],
    mentions: ['The file name ends in .png but the content is a JPEG image. Rename it to .jpg.'],
  },
  {
    name: 'a PNG labelled image/jpeg',
    input: () => asFile('picture.png', 'image/jpeg', validPng()),
    reasons: ['format-mismatch'],
    mentions: ['labelled image/jpeg but the content is a PNG image. Send it as image/png.'],
  },
  {
    name: 'bytes whose options name and type both lie',
    input: () => validPng(),
    options: { name: 'frame.webp', type: 'image/webp' },
    reasons: ['format-mismatch', 'format-mismatch'],
    mentions: ['ends in .webp', 'labelled image/webp'],
  },
  {
    name: 'a data URL without the data: prefix',
    input: () => `image/png;base64,${base64(validPng())}`,
    reasons: ['invalid-data-url'],
    mentions: ['does not start with "data:"'],
  },
  {
    name: 'a data URL with a text/plain media type',
    input: () => `data:text/plain;base64,${base64(validPng())}`,
    reasons: ['invalid-data-url'],
    mentions: ['media type is text/plain, not an image type'],
  },
  {
    name: 'a data URL with invalid base64',
    input: () => `data:image/png;base64,${base64(validPng()).replace('A', '*')}`,
    reasons: ['invalid-data-url'],
    mentions: ['invalid character ("*")'],
  },
  {
    name: 'a data URL with line breaks in its base64',
    input: () => `data:image/png;base64,${base64(validPng()).replace(/(.{76})/g, '$1\n')}`,
    reasons: ['invalid-data-url'],
    mentions: ['whitespace'],
  },
  {
    name: 'a data URL that is not base64',
    input: () => `data:image/png,${encodeURIComponent('not base64')}`,
    reasons: ['invalid-data-url'],
    mentions: ['not base64-encoded'],
  },
  {
    name: 'a data URL saying image/png around JPEG bytes',
    input: () => encodeDataUrl(validJpeg(), 'image/png'),
    reasons: ['format-mismatch'],
    mentions: [
      'The data URL says image/png but the content is a JPEG image',
      'data:image/jpeg;base64,',
    ],
  },
  {
    name: 'a JPEG over 10 MB',
    input: () =>
      asFile('big.jpg', 'image/jpeg', jpegWithComments(validJpeg(), 10 * 1024 * 1024 + 1)),
    reasons: ['file-too-large'],
    mentions: ['the limit is 10 MB'],
  },
  {
    name: 'a BMP when the rules leave BMP out',
    input: () => asFile('valid-24bit-400x400.bmp', 'image/bmp'),
    options: { rules: { formats: FRAME_RULES.formats.filter((rule) => rule.format !== 'bmp') } },
    reasons: ['unsupported-format'],
    mentions: ['BMP images are not accepted here. Convert it to JPEG, PNG or WebP.'],
  },
];

describe('bad frames: every problem reason, each on the error with its field', () => {
  it('has at least 15 distinct bad inputs covering every reason', () => {
    expect(badCases.length).toBeGreaterThanOrEqual(15);
    const covered = new Set(badCases.flatMap((c) => c.reasons));
    const all: FrameProblemReason[] = [
      'empty',
      'unsupported-format',
      'format-mismatch',
      'too-small',
      'too-large',
      'file-too-large',
      'alpha',
      'truncated',
      'corrupt',
      'invalid-data-url',
    ];
    expect([...covered].sort()).toEqual([...all].sort());
  });

  it.each(badCases.map((c, index) => ({ ...c, index })))('$name', async (c) => {
    const check = await checkFrame(c.input(), c.options);
    expect(reasonsOf(check)).toEqual(c.reasons);
    expect(check.ok).toBe(false);
    const text = check.problems.map((problem) => problem.message).join('\n');
    for (const mention of c.mentions) {
      if (typeof mention === 'string') expect(text).toContain(mention);
      else expect(text).toMatch(mention);
    }

    const param = c.index % 2 === 0 ? 'input.first_frame_url' : 'input.last_frame_url';
    const error = frameCheckError(check, param);
    expect(error).toBeInstanceOf(KeyframeVideoError);
    expect(error?.code).toBe('InvalidParameter');
    expect(error?.status).toBe(400);
    expect(error?.param).toBe(param);
    expect(error?.retryable).toBe(false);
    expect(error?.message).toMatch(
      param === 'input.first_frame_url'
        ? /^The first frame cannot be used\. /
        : /^The last frame cannot be used\. /,
    );
    for (const problem of check.problems) expect(error?.message).toContain(problem.message);
    expect(error?.detail).toBe(c.reasons.join(', '));
    expect(error?.cause).toBe(check);
  });

  it('reports every problem of one file at once', async () => {
    // A 300×300 RGBA PNG padded past 10 MB with a private chunk, named and labelled as JPEG.
    const padded = pngWithChunk(
      fixture('alpha-rgba-300x300.png'),
      pngChunk('prVt', new Uint8Array(10 * 1024 * 1024)),
    );
    const check = await checkFrame(asFile('holiday.jpg', 'image/jpeg', padded));
    expect(reasonsOf(check)).toEqual([
      'format-mismatch',
      'format-mismatch',
      'too-small',
      'alpha',
      'file-too-large',
    ]);
    expect(check).toMatchObject({ format: 'png', width: 300, height: 300, hasAlpha: true });
    expect(check.bytes).toBe(padded.length);
  });

  it('reports a bad media type and bad base64 of one data URL together', async () => {
    const check = await checkFrame('data:application/pdf;base64,%%%%');
    expect(reasonsOf(check)).toEqual(['invalid-data-url', 'invalid-data-url']);
    expect(check.problems[0]?.message).toContain('application/pdf');
    expect(check.problems[1]?.message).toContain('invalid character ("%")');
  });

  it('checks a data URL over 10 MB (a 14 MB string) without trouble', async () => {
    const big = jpegWithComments(validJpeg(), 10 * 1024 * 1024 + 1);
    const url = encodeDataUrl(big, 'image/jpeg');
    expect(url.length).toBeGreaterThan(13_900_000);
    const check = await checkFrame(url);
    expect(reasonsOf(check)).toEqual(['file-too-large']);
    expect(check).toMatchObject({ format: 'jpeg', width: 640, height: 480, bytes: big.length });
    expect(frameCheckError(check, 'input.last_frame_url')?.param).toBe('input.last_frame_url');
  });

  it('keeps the size of a truncated file so size problems are reported too', async () => {
    const cut = fixture('small-300x300.jpg');
    const check = await checkFrame(cut.subarray(0, Math.floor(cut.length * 0.6)));
    expect(reasonsOf(check)).toEqual(['truncated', 'too-small']);
    expect(check).toMatchObject({ format: 'jpeg', width: 300, height: 300 });
  });
});

describe('inputs and rule overrides', () => {
  it('takes a Blob with no name, and lets options name and type a Uint8Array', async () => {
    const blob = new Blob([validPng().slice()], { type: 'image/jpeg' });
    expect(reasonsOf(await checkFrame(blob))).toEqual(['format-mismatch']);
    expect(reasonsOf(await checkFrame(blob, { type: 'image/png' }))).toEqual([]);
    expect(reasonsOf(await checkFrame(validPng(), { name: 'a.PNG', type: 'image/png' }))).toEqual(
      [],
    );
    // Generic labels and non-image extensions say nothing about the format.
    expect(reasonsOf(checkFrameBytes(validPng(), { type: 'application/octet-stream' }))).toEqual(
      [],
    );
    expect(reasonsOf(checkFrameBytes(validPng(), { name: 'frame.v2' }))).toEqual([]);
    expect(reasonsOf(checkFrameBytes(validJpeg(), { name: 'x.jfif', type: 'image/jpg' }))).toEqual(
      [],
    );
  });

  it('accepts data URLs with parameters and an upper-case media type', async () => {
    const check = await checkFrame(`data:IMAGE/PNG;name=frame.png;base64,${base64(validPng())}`, {
      name: 'frame.png',
    });
    expect(check).toMatchObject({ ok: true, format: 'png', mime: 'image/png' });
  });

  it('applies partial rule overrides (the later [240, 8000] range, alpha, a byte cap)', async () => {
    const wider = { minSide: 240, maxSide: 8000 };
    expect((await checkFrame(fixture('small-300x300.jpg'), { rules: wider })).ok).toBe(true);
    expect((await checkFrame(fixture('wide-2400x400.png'), { rules: wider })).ok).toBe(true);
    expect(
      (await checkFrame(fixture('alpha-rgba-512x512.png'), { rules: { allowAlpha: true } })).ok,
    ).toBe(true);
    const capped = checkFrameBytes(validJpeg(), { rules: { maxBytes: 1000 } });
    expect(reasonsOf(capped)).toEqual(['file-too-large']);
    expect(capped.problems[0]?.message).toMatch(/^The file is 0\.0 MB|^The file is [\d,]+ bytes/);
    expect(FRAME_RULES.minSide).toBe(360);
  });

  it('names exact byte counts when the sizes round to the same megabytes', () => {
    const bytes = jpegWithComments(validJpeg(), 10 * 1024 * 1024 + 1);
    const check = checkFrameBytes(bytes, { rules: { maxBytes: bytes.length - 1 } });
    expect(reasonsOf(check)).toEqual(['file-too-large']);
    expect(check.problems[0]?.message).toContain(
      `The file is ${bytes.length.toLocaleString('en-US')} bytes; the limit is ${(bytes.length - 1).toLocaleString('en-US')} bytes`,
    );
    // Sizes that differ in megabytes are shown in megabytes.
    const plain = checkFrameBytes(bytes);
    expect(plain.problems[0]?.message).toMatch(/^The file is 10\.\d MB; the limit is 10 MB\./);
  });
});

// ---------------------------------------------------------------------------------------------

describe('decodeDataUrl and encodeDataUrl', () => {
  it('round-trips every fixture and agrees with Node’s base64', () => {
    for (const name of [
      'valid-640x480.jpg',
      'valid-rgb-512x512.png',
      'alpha-lossless-400x400.webp',
    ]) {
      const bytes = fixture(name);
      const url = encodeDataUrl(bytes, 'image/png');
      expect(url).toBe(`data:image/png;base64,${base64(bytes)}`);
      expect(decodeDataUrl(url)).toEqual({ mime: 'image/png', bytes });
    }
  });

  it('handles every padding length', () => {
    const next = random(7);
    for (let length = 0; length < 40; length++) {
      const bytes = Uint8Array.from({ length }, () => Math.floor(next() * 256));
      const url = encodeDataUrl(bytes, 'application/octet-stream');
      expect(url.slice(url.indexOf(',') + 1)).toBe(base64(bytes));
      expect(decodeDataUrl(url).bytes).toEqual(bytes);
    }
  });

  it('decodes a 14 MB data URL', () => {
    const bytes = new Uint8Array(10.5 * 1024 * 1024).map((_, i) => (i * 31) & 0xff);
    const url = encodeDataUrl(bytes, 'image/jpeg');
    expect(url.length).toBeGreaterThan(14_000_000);
    const decoded = decodeDataUrl(url);
    expect(decoded.bytes.length).toBe(bytes.length);
    expect(Buffer.from(decoded.bytes).equals(Buffer.from(bytes))).toBe(true);
  });

  const malformed = [
    ['no data: prefix', 'image/png;base64,iVBORw0KGgo='],
    ['no comma', 'data:image/png;base64'],
    ['not base64', 'data:image/png,iVBORw0KGgo='],
    ['a malformed media type', 'data:image png;base64,iVBORw0KGgo='],
    ['a malformed parameter', 'data:image/png;x;base64,iVBORw0KGgo='],
    ['a space', 'data:image/png;base64,iVBO Rw0KGgo='],
    ['a line break', 'data:image/png;base64,iVBORw0K\nGgo='],
    ['URL-safe characters', 'data:image/png;base64,iVB-Rw0_KGgo='],
    ['a missing padding', 'data:image/png;base64,iVBORw0KGgo'],
    ['padding in the middle', 'data:image/png;base64,iV==Rw0KGgo='],
    ['three padding characters', 'data:image/png;base64,iVBORw0KG==='],
    ['a non-ASCII character', 'data:image/png;base64,iVBORw0KGgé='],
  ] as const;

  it.each(malformed)('rejects %s with InvalidParameter on the given field', (_, text) => {
    let thrown: unknown;
    try {
      decodeDataUrl(text, { param: 'input.first_frame_url' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KeyframeVideoError);
    const error = thrown as KeyframeVideoError;
    expect(error.code).toBe('InvalidParameter');
    expect(error.status).toBe(400);
    expect(error.param).toBe('input.first_frame_url');
    expect(error.message.length).toBeGreaterThan(40);
  });

  it('keeps the media type it was given, lower-cased, and any image or other type', () => {
    expect(decodeDataUrl('data:Image/WebP;base64,AAAA')).toEqual({
      mime: 'image/webp',
      bytes: new Uint8Array([0, 0, 0]),
    });
    expect(decodeDataUrl('data:;base64,').mime).toBe('text/plain');
    expect(() => encodeDataUrl(new Uint8Array(1), 'not a type')).toThrow(KeyframeVideoError);
  });
});

describe('checkFramePair', () => {
  it('accepts frames of the same shape', () => {
    const pair = checkFramePair({ width: 1600, height: 900 }, { width: 1920, height: 1080 });
    expect(pair).toEqual({
      ok: true,
      firstAspect: 1600 / 900,
      lastAspect: 1920 / 1080,
      difference: 0,
    });
  });

  it('warns when the last frame has another shape, and suggests cropping it', () => {
    const pair = checkFramePair({ width: 1600, height: 900 }, { width: 800, height: 600 });
    expect(pair.ok).toBe(false);
    expect(pair.difference).toBeCloseTo((16 / 9 - 4 / 3) / (16 / 9), 10);
    expect(pair.warning).toContain('800×600 (4:3)');
    expect(pair.warning).toContain('1600×900 (16:9)');
    expect(pair.warning).toContain('fitted');
    expect(pair.warning).toContain('Crop the last frame to 16:9');
  });

  it('uses the tolerance from the rules unless told otherwise', () => {
    const first = { width: 1000, height: 1000 };
    const within = { width: 1040, height: 1000 }; // 4 % wider
    const beyond = { width: 1060, height: 1000 }; // 6 % wider
    expect(checkFramePair(first, within).ok).toBe(true);
    expect(checkFramePair(first, beyond).ok).toBe(false);
    expect(checkFramePair(first, beyond).warning).toContain('1.06:1');
    expect(checkFramePair(first, beyond, { tolerance: 0.1 }).ok).toBe(true);
    expect(checkFramePair(first, within, { tolerance: 0 }).ok).toBe(false);
  });

  it('refuses sizes that are not positive numbers, naming the frame', () => {
    expect(() => checkFramePair({ width: 0, height: 10 }, { width: 10, height: 10 })).toThrow(
      expect.objectContaining({ code: 'InvalidParameter', param: 'input.first_frame_url' }),
    );
    expect(() =>
      checkFramePair({ width: 10, height: 10 }, { width: 10, height: Number.NaN }),
    ).toThrow(expect.objectContaining({ code: 'InvalidParameter', param: 'input.last_frame_url' }));
  });
});

describe('frameCheckError', () => {
  it('is null for a frame that passes, and keeps any field name it is given', async () => {
    expect(frameCheckError(await checkFrame(validJpeg()), 'input.first_frame_url')).toBeNull();
    const error = frameCheckError(await checkFrame(fixture('small-300x300.jpg')), 'frames[2]');
    expect(error).toMatchObject({ code: 'InvalidParameter', status: 400, param: 'frames[2]' });
    expect(error?.message).toMatch(/^The image cannot be used\. The image is 300×300 pixels/);
  });
});

// ---------------------------------------------------------------------------------------------

describe('the checker never throws on garbage', () => {
  const valid = [
    'valid-640x480.jpg',
    'exif-orientation-6-480x640.jpg',
    'valid-rgb-512x512.png',
    'alpha-palette-trns-400x400.png',
    'valid-lossy-600x400.webp',
    'alpha-lossy-400x400.webp',
    'alpha-lossless-400x400.webp',
    'valid-24bit-400x400.bmp',
    'alpha-32bit-64x48.bmp',
  ].map((name) => ({ name, bytes: fixture(name) }));
  const magics = [
    [0xff, 0xd8, 0xff],
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    [...ascii('RIFF'), 0x40, 0, 0, 0, ...ascii('WEBPVP8X')],
    [...ascii('BM'), 0, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0],
    [...ascii('GIF89a')],
    [],
  ];

  it('returns problems for a few hundred random buffers', () => {
    const next = random(20240601);
    for (let round = 0; round < 400; round++) {
      const magic = magics[round % magics.length] ?? [];
      const length = Math.floor(next() * 600);
      const bytes = new Uint8Array(magic.length + length);
      bytes.set(magic);
      for (let i = magic.length; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
      const check = checkFrameBytes(bytes, { name: 'random.bin' });
      expect(check.ok, `round ${round}`).toBe(false);
      expect(check.problems.length, `round ${round}`).toBeGreaterThan(0);
    }
  });

  it('reports every strict prefix of a valid file as not ok (truncated once recognised)', () => {
    for (const { name, bytes } of valid) {
      const cuts = new Set<number>();
      for (let i = 0; i < 64; i++) cuts.add(i);
      for (let i = 1; i < 60; i++) cuts.add(Math.floor((bytes.length * i) / 60));
      cuts.add(bytes.length - 1);
      for (const cut of cuts) {
        if (cut >= bytes.length) continue;
        const check = checkFrameBytes(bytes.subarray(0, cut));
        expect(check.ok, `${name} cut at ${cut}`).toBe(false);
        if (cut >= 16) expect(reasonsOf(check), `${name} cut at ${cut}`).toContain('truncated');
      }
      expect(checkFrameBytes(bytes).problems.some((p) => p.reason === 'truncated')).toBe(false);
    }
  });

  it('finds SVG behind declarations and comments, and reads crafted text in one pass', () => {
    const svg = '\uFEFF<?xml version="1.0"?>\n<!-- a -- comment -->\n<!DOCTYPE svg>\n<svg>';
    expect(readImageHeader(ascii(svg))).toMatchObject({ format: 'svg' });
    expect(readImageHeader(ascii('<!-- <svg> -->'))).not.toHaveProperty('format');
    // Inputs that make nested lazy regular expressions backtrack for minutes.
    for (const text of [
      '<!--'.repeat(1024),
      '<!---->'.repeat(585) + 'x',
      '<!doctype '.repeat(400),
    ]) {
      expect(readImageHeader(ascii(text))).toMatchObject({
        ok: false,
        reason: 'unsupported-format',
      });
    }
  });

  it('survives random byte flips of valid files and random data URLs', async () => {
    const next = random(99);
    for (let round = 0; round < 300; round++) {
      const source = valid[round % valid.length];
      if (!source) continue;
      const bytes = source.bytes.slice(0, Math.min(source.bytes.length, 4096));
      for (let flip = 0; flip < 4; flip++) {
        const at = Math.floor(next() * Math.min(bytes.length, 200));
        bytes[at] = Math.floor(next() * 256);
      }
      const header = readImageHeader(bytes);
      expect(typeof header.ok).toBe('boolean');
      const check = checkFrameBytes(bytes, { name: source.name, type: 'image/png' });
      expect(check.ok).toBe(check.problems.length === 0);
    }
    for (let round = 0; round < 100; round++) {
      const text = Array.from({ length: Math.floor(next() * 80) }, () =>
        String.fromCharCode(Math.floor(next() * 128)),
      ).join('');
      const check = await checkFrame(round % 2 === 0 ? `data:${text}` : text);
      expect(check.ok).toBe(false);
    }
  });
});
