/**
 * prepareFrame in real Chromium, through the public entry, on images made in the browser at
 * test time (test/browser/images.ts). Every output is checked with checkFrame (the same rules
 * the relay applies) and decoded back to check pixel colours at known positions, so a wrong
 * rotation, crop, pad or flatten shows. Both the worker and the main-thread path run.
 */
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import {
  checkFrame,
  checkFramePair,
  isKeyframeVideoError,
  prepareFrame,
  readImageHeader,
  type KeyframeVideoError,
  type PreparedFrame,
  type PrepareFrameOptions,
  type PrepareFrameWorkerMode,
} from '../../src/core/index.js';
import {
  QUADRANT_COLOURS,
  colourDistance,
  makeBmp,
  makeExifRotatedJpeg,
  makeGif,
  makeHeicLike,
  makePanoramaJpeg,
  makePhotoJpeg,
  makeSmallPng,
  makeSquareWebp,
  makeSvg,
  makeTextNamedPng,
  makeTransparentPng,
  makeTruncatedJpeg,
  readPixels,
  type Pixels,
  type Rgb,
  type TestImage,
} from './images.js';

const WHITE: Rgb = [255, 255, 255];
const { topLeft: RED, topRight: GREEN, bottomLeft: BLUE, bottomRight: YELLOW } = QUADRANT_COLOURS;

interface Images {
  photo: TestImage;
  exif: TestImage;
  alphaPng: TestImage;
  smallPng: TestImage;
  webp: TestImage;
  panorama: TestImage;
  truncated: TestImage;
  textPng: TestImage;
  heic: TestImage;
  svg: TestImage;
  square: TestImage;
  bmp: TestImage;
  alphaBmp: TestImage;
  gif: TestImage;
  /** Phone photos big enough to take the scaled-decode path, by EXIF orientation. */
  rotated: Record<3 | 6 | 8, TestImage>;
}
let images: Images;

beforeAll(async () => {
  images = {
    photo: await makePhotoJpeg(6000, 4000),
    exif: await makeExifRotatedJpeg(800, 600, 6),
    alphaPng: await makeTransparentPng(4000, 3000),
    smallPng: await makeSmallPng(300),
    webp: await makeSquareWebp(2000),
    panorama: await makePanoramaJpeg(4000, 300),
    truncated: await makeTruncatedJpeg(),
    textPng: makeTextNamedPng(),
    heic: makeHeicLike(),
    svg: makeSvg(),
    square: await makePhotoJpeg(1200, 1200),
    bmp: makeBmp(800, 600),
    alphaBmp: makeBmp(300, 200, true),
    gif: makeGif(400, 300),
    rotated: {
      3: await makeExifRotatedJpeg(2400, 3200, 3),
      6: await makeExifRotatedJpeg(2400, 3200, 6),
      8: await makeExifRotatedJpeg(2400, 3200, 8),
    },
  };
}, 30_000);

afterEach(() => {
  vi.restoreAllMocks();
});

/** The output passes checkFrame as a file and as the data URL that will be sent. */
async function expectApiLegal(frame: PreparedFrame): Promise<void> {
  const asFile = await checkFrame(frame.blob, { name: frame.name });
  expect(asFile.problems).toEqual([]);
  expect(asFile.ok).toBe(true);
  expect([asFile.width, asFile.height]).toEqual([frame.width, frame.height]);
  expect(asFile.bytes).toBe(frame.report.output.bytes);
  const asDataUrl = await checkFrame(frame.dataUrl);
  expect(asDataUrl.problems).toEqual([]);
  expect(frame.dataUrl.startsWith(`data:${frame.report.output.mime};base64,`)).toBe(true);
}

function expectColour(pixels: Pixels, x: number, y: number, expected: Rgb, tolerance = 32): void {
  const actual = pixels.at(x, y);
  expect(
    colourDistance(actual, expected),
    `colour at (${x}, ${y}) is ${actual.join(',')}, expected about ${expected.join(',')}`,
  ).toBeLessThanOrEqual(tolerance);
}

/** The four quadrant colours at the centres of the quadrants of `width`×`height` at (left, top). */
function expectQuadrants(pixels: Pixels, left: number, top: number, width: number, height: number) {
  expectColour(pixels, left + width / 4, top + height / 4, RED);
  expectColour(pixels, left + (3 * width) / 4, top + height / 4, GREEN);
  expectColour(pixels, left + width / 4, top + (3 * height) / 4, BLUE);
  expectColour(pixels, left + (3 * width) / 4, top + (3 * height) / 4, YELLOW);
}

async function rejection(promise: Promise<unknown>): Promise<KeyframeVideoError> {
  try {
    await promise;
  } catch (error) {
    if (isKeyframeVideoError(error)) return error;
    throw error;
  }
  throw new Error('expected prepareFrame to reject');
}

const kinds = (frame: PreparedFrame) => frame.report.changes.map((change) => change.kind);

describe.each<[PrepareFrameWorkerMode, 'worker' | 'main-thread']>([
  ['auto', 'worker'],
  ['never', 'main-thread'],
])('prepareFrame with worker: %s', (worker, ranIn) => {
  const prepare = (image: TestImage, options: PrepareFrameOptions = {}) =>
    prepareFrame(image.file, { worker, ...options });

  test('a 6000×4000 camera JPEG comes out 2000×1333, under the target, quadrants in place', async () => {
    const frame = await prepare(images.photo);
    await expectApiLegal(frame);
    expect(frame.report.ranIn).toBe(ranIn);
    expect([frame.width, frame.height]).toEqual([2000, 1333]);
    expect(frame.report.outcome).toBe('prepared');
    expect(kinds(frame)).toEqual(['resized', 'recompressed']);
    expect(frame.report.changes[0]?.message).toMatch(/^resized 6000×4000 → 2000×1333/);
    expect(frame.report.kept).toContain('aspect ratio (3:2)');
    expect(frame.report.input).toMatchObject({
      format: 'jpeg',
      width: 6000,
      height: 4000,
      orientation: 1,
    });
    expect(frame.report.output).toMatchObject({
      format: 'jpeg',
      mime: 'image/jpeg',
      quality: 0.92,
    });
    expect(frame.blob.size).toBeLessThanOrEqual(1024 * 1024);
    expect(frame.name).toBe('photo-6000x4000.jpg');
    expectQuadrants(await readPixels(frame.blob), 0, 0, 2000, 1333);
  });

  test('EXIF orientation 6 is applied to the pixels and reported', async () => {
    const header = readImageHeader(new Uint8Array(await images.exif.file.arrayBuffer()));
    expect(header).toMatchObject({ ok: true, orientation: 6, storedWidth: 600, storedHeight: 800 });
    const frame = await prepare(images.exif);
    await expectApiLegal(frame);
    expect([frame.width, frame.height]).toEqual([800, 600]);
    expect(kinds(frame)).toEqual(['rotated', 'recompressed']);
    expect(frame.report.changes[0]?.message).toBe(
      'rotated per EXIF (orientation 6: turned 90° clockwise)',
    );
    expect(frame.report.summary).toMatch(/^Rotated per EXIF/);
    // The output carries no orientation: its pixels are upright.
    expect(readImageHeader(new Uint8Array(await frame.blob.arrayBuffer()))).toMatchObject({
      orientation: 1,
    });
    expectQuadrants(await readPixels(frame.blob), 0, 0, 800, 600);
  });

  test('a 4000×3000 PNG with transparency is scaled, flattened onto white and converted to JPEG', async () => {
    const frame = await prepare(images.alphaPng);
    await expectApiLegal(frame);
    expect([frame.width, frame.height]).toEqual([2000, 1500]);
    expect(kinds(frame)).toEqual(['resized', 'flattened', 'converted']);
    expect(frame.report.changes.map((change) => change.message)).toContain(
      'flattened transparency onto white',
    );
    expect(frame.report.changes[2]?.message).toMatch(/^converted PNG → JPEG at quality 92%/);
    const pixels = await readPixels(frame.blob);
    expectColour(pixels, 100, 100, WHITE, 4); // was transparent
    expectColour(pixels, 1900, 100, WHITE, 4);
    expectColour(pixels, 1000, 1450, [128, 128, 128], 8); // half-transparent black on white
    expectQuadrants(pixels, 500, 375, 1000, 750); // the opaque middle block
  });

  test('a 300×300 icon is scaled up to 360×360; its unused alpha channel is not called transparency', async () => {
    const frame = await prepare(images.smallPng);
    await expectApiLegal(frame);
    expect([frame.width, frame.height]).toEqual([360, 360]);
    expect(kinds(frame)).toEqual(['resized', 'converted']);
    expect(frame.report.changes[0]?.message).toBe(
      'resized 300×300 → 360×360 (each side must be at least 360 px)',
    );
    expect(frame.report.kept).toContain(
      'colours (the alpha channel was fully opaque: nothing to flatten)',
    );
    expectQuadrants(await readPixels(frame.blob), 0, 0, 360, 360);
  });

  test('a 2000×2000 WebP that already passes is kept as is, byte for byte', async () => {
    const frame = await prepare(images.webp);
    await expectApiLegal(frame);
    expect(frame.report.outcome).toBe('kept');
    expect(frame.report.changes).toEqual([]);
    expect(frame.report.summary).toMatch(/^Kept as is/);
    expect(frame.report.output).toMatchObject({
      format: 'webp',
      width: 2000,
      height: 2000,
      quality: undefined,
    });
    const [input, output] = await Promise.all([
      images.webp.file.arrayBuffer(),
      frame.blob.arrayBuffer(),
    ]);
    expect(new Uint8Array(output)).toEqual(new Uint8Array(input));
  });

  test('a 4000×300 panorama is padded to 2000×360 with white bars by default', async () => {
    const frame = await prepare(images.panorama);
    await expectApiLegal(frame);
    expect([frame.width, frame.height]).toEqual([2000, 360]);
    expect(kinds(frame)).toEqual(['resized', 'padded', 'recompressed']);
    expect(frame.report.changes[1]?.message).toBe(
      'padded 2000×150 → 2000×360 with white bars (no scale fits both sides into 360–2000 px)',
    );
    const pixels = await readPixels(frame.blob);
    expectColour(pixels, 1000, 40, WHITE, 4);
    expectColour(pixels, 1000, 320, WHITE, 4);
    expectQuadrants(pixels, 0, 105, 2000, 150);
  });

  test('fit: crop keeps the centre of the panorama at 2000×360', async () => {
    const frame = await prepare(images.panorama, { fit: 'crop' });
    await expectApiLegal(frame);
    expect([frame.width, frame.height]).toEqual([2000, 360]);
    expect(kinds(frame)).toEqual(['resized', 'cropped', 'recompressed']);
    expect(frame.report.changes[0]?.message).toMatch(/^resized 4000×300 → 4800×360/);
    // The source's quadrant boundary (x = 2000 of 4000) lands in the middle of the crop.
    expectQuadrants(await readPixels(frame.blob), 0, 0, 2000, 360);
  });

  test('a 24-bit BMP that meets the rules is kept as is', async () => {
    const frame = await prepare(images.bmp);
    await expectApiLegal(frame);
    expect(frame.report.outcome).toBe('kept');
    expect(frame.report.output).toMatchObject({
      format: 'bmp',
      mime: 'image/bmp',
      width: 800,
      height: 600,
    });
    expect(frame.name).toBe('rgb-24bit-800x600.bmp');
  });

  test('a 32-bit BMP with transparency is scaled up, flattened and converted', async () => {
    const frame = await prepare(images.alphaBmp);
    await expectApiLegal(frame);
    expect([frame.width, frame.height]).toEqual([540, 360]);
    expect(kinds(frame)).toEqual(['resized', 'flattened', 'converted']);
    expect(frame.report.changes[2]?.message).toMatch(/^converted BMP → JPEG/);
    const pixels = await readPixels(frame.blob);
    expectColour(pixels, 20, 20, WHITE, 4);
    expectQuadrants(pixels, 135, 90, 270, 180);
  });

  test('a GIF, which the browser decodes, is converted to JPEG', async () => {
    const frame = await prepare(images.gif);
    await expectApiLegal(frame);
    expect(frame.report.input).toMatchObject({ format: 'gif', width: 400, height: 300 });
    expect([frame.width, frame.height]).toEqual([480, 360]);
    expect(kinds(frame)).toEqual(['resized', 'converted']);
    expect(frame.report.changes[1]?.message).toMatch(/^converted GIF → JPEG/);
    expectQuadrants(await readPixels(frame.blob), 0, 0, 480, 360);
  });

  test('an empty file is refused', async () => {
    const error = await rejection(prepare({ name: 'empty.jpg', file: new File([], 'empty.jpg') }));
    expect(error.code).toBe('FrameRejected');
    expect(error.message).toMatch(/empty/);
  });

  test('a truncated JPEG is refused with a sentence, not a hang', async () => {
    const error = await rejection(prepare(images.truncated, { param: 'input.first_frame_url' }));
    expect(error.code).toBe('FrameRejected');
    expect(error.param).toBe('input.first_frame_url');
    expect(error.retryable).toBe(false);
    expect(error.message).toMatch(/incomplete.*Use the complete file\./);
  });

  test('a text file named .png is refused as not an image', async () => {
    const error = await rejection(prepare(images.textPng));
    expect(error.code).toBe('FrameRejected');
    expect(error.message).toMatch(
      /image\/png but its content is not an image in a format we recognise/,
    );
  });

  test('a HEIC photo is refused with how to export it as JPEG', async () => {
    const error = await rejection(prepare(images.heic));
    expect(error.code).toBe('FrameRejected');
    expect(error.message).toBe(
      "HEIC photos can't be read by this browser. Export the photo as JPEG (on iPhone: Settings → Camera → Formats → Most Compatible) and try again.",
    );
  });

  test('an SVG is refused with how to export it', async () => {
    const error = await rejection(prepare(images.svg));
    expect(error.code).toBe('FrameRejected');
    expect(error.message).toMatch(
      /^SVG drawings can't be used as video frames\. Export the drawing as PNG or JPEG/,
    );
  });

  test('large phone photos with EXIF orientation 3, 6 and 8 come out upright', async () => {
    for (const orientation of [3, 6, 8] as const) {
      const frame = await prepare(images.rotated[orientation]);
      await expectApiLegal(frame);
      expect([frame.width, frame.height], `orientation ${orientation}`).toEqual([1500, 2000]);
      expect(kinds(frame)).toEqual(['rotated', 'resized', 'recompressed']);
      expectQuadrants(await readPixels(frame.blob), 0, 0, 1500, 2000);
    }
  });

  test('aborting rejects with Aborted', async () => {
    const controller = new AbortController();
    const pending = prepare(images.photo, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const error = await rejection(pending);
    expect(error.code).toBe('Aborted');
    // The next frame is prepared normally.
    const frame = await prepare(images.smallPng);
    expect(frame.report.ranIn).toBe(ranIn);
  });

  test('a time limit turns a slow job into FrameRejected', async () => {
    const error = await rejection(prepare(images.photo, { timeoutMs: 1 }));
    expect(error.code).toBe('FrameRejected');
    expect(error.message).toMatch(/took longer than 1 ms, so it was stopped/);
  });
});

describe('prepareFrame options', () => {
  test('cropToAspect fits the last frame to the first frame’s shape (the pair check then passes)', async () => {
    const first = { width: 1920, height: 1080 };
    expect(checkFramePair(first, { width: 1200, height: 1200 }).ok).toBe(false);
    const frame = await prepareFrame(images.square.file, { cropToAspect: first });
    await expectApiLegal(frame);
    expect([frame.width, frame.height]).toEqual([1200, 675]);
    expect(frame.report.changes[0]).toEqual({
      kind: 'cropped',
      message: 'cropped 1200×1200 → 1200×675 to the 16:9 aspect (centre kept)',
    });
    expect(checkFramePair(first, frame).ok).toBe(true);
    // The crop is centred: the quadrant boundary stays in the middle.
    expectQuadrants(await readPixels(frame.blob), 0, 0, 1200, 675);
  });

  test('background colours transparency and padding', async () => {
    const frame = await prepareFrame(images.panorama.file, { background: '#000000' });
    expect(frame.report.changes[1]?.message).toMatch(/with black bars/);
    expectColour(await readPixels(frame.blob), 1000, 40, [0, 0, 0], 4);
  });

  test('format: png writes an opaque RGB PNG that passes the rules', async () => {
    const frame = await prepareFrame(images.alphaPng.file, { format: 'png' });
    await expectApiLegal(frame);
    const header = readImageHeader(new Uint8Array(await frame.blob.arrayBuffer()));
    expect(header).toMatchObject({
      ok: true,
      format: 'png',
      hasAlpha: false,
      width: 2000,
      height: 1500,
    });
    expect(kinds(frame)).toEqual(['resized', 'flattened', 'recompressed']);
    expect(frame.report.output.quality).toBeUndefined();
    const pixels = await readPixels(frame.blob);
    expectColour(pixels, 100, 100, WHITE, 0);
    expectQuadrants(pixels, 500, 375, 1000, 750);
  });

  test('a small targetBytes lowers the quality only as far as needed', async () => {
    const targetBytes = 150 * 1024;
    const frame = await prepareFrame(images.photo.file, { targetBytes });
    await expectApiLegal(frame);
    expect(frame.blob.size).toBeLessThanOrEqual(targetBytes);
    const quality = frame.report.output.quality ?? 1;
    expect(quality).toBeLessThan(0.92);
    expect(quality).toBeGreaterThanOrEqual(0.6);
    expect(frame.report.changes.at(-1)?.message).toMatch(
      /^recompressed JPEG at quality \d+%, lowered from 92% to stay under 150 KB/,
    );
    // One step higher would not have fitted.
    const higher = await prepareFrame(images.photo.file, {
      targetBytes: 10 * 1024 * 1024,
      quality: Math.min(0.92, quality + 0.07),
      minQuality: Math.min(0.92, quality + 0.07),
    });
    expect(higher.blob.size).toBeGreaterThan(targetBytes);
  });

  test('a budget no quality can meet scales the image down instead', async () => {
    const targetBytes = 40 * 1024;
    const frame = await prepareFrame(images.photo.file, { targetBytes });
    await expectApiLegal(frame);
    expect(frame.blob.size).toBeLessThanOrEqual(targetBytes);
    expect(frame.width).toBeLessThan(2000);
    expect(frame.report.changes[0]?.message).toMatch(
      /^resized 6000×4000 → \d+×\d+ \(to stay under 40 KB\)/,
    );
  });

  test('reencode: always re-encodes a frame that would be kept', async () => {
    const frame = await prepareFrame(images.webp.file, { reencode: 'always' });
    await expectApiLegal(frame);
    expect(frame.report.outcome).toBe('prepared');
    expect(kinds(frame)).toEqual(['converted']);
    expect(frame.report.kept).toEqual(
      expect.arrayContaining([
        'size (2000×2000)',
        'aspect ratio (1:1)',
        'orientation (no EXIF rotation)',
      ]),
    );
  });

  test('an abort before the start rejects at once', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(prepareFrame(images.photo.file, { signal: controller.signal }));
    expect(error.code).toBe('Aborted');
  });

  test('aborting a worker job terminates that worker', async () => {
    const terminate = vi.spyOn(Worker.prototype, 'terminate');
    const controller = new AbortController();
    const pending = prepareFrame(images.photo.file, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await rejection(pending)).code).toBe('Aborted');
    expect(terminate).toHaveBeenCalled();
  });

  test('bad options are refused with InvalidParameter', async () => {
    const bad: PrepareFrameOptions[] = [
      { quality: 0 },
      { quality: 1.5 },
      { targetBytes: -1 },
      { cropToAspect: 0 },
      { cropToAspect: { width: 16, height: 0 } },
      { background: 'not a colour' },
      { background: 'rgba(0, 0, 0, 0.5)' },
      { timeoutMs: 0 },
    ];
    for (const options of bad) {
      const error = await rejection(prepareFrame(images.smallPng.file, options));
      expect(error.code, JSON.stringify(options)).toBe('InvalidParameter');
    }
  });
});

// Last in the file on purpose: once a worker has failed to start, prepareFrame stops trying
// workers for the rest of the page's life.
describe('prepareFrame without a usable worker', () => {
  test('the main thread takes over when the worker cannot start (e.g. blocked by CSP)', async () => {
    vi.stubGlobal(
      'Worker',
      class {
        constructor() {
          throw new DOMException('Blocked by Content-Security-Policy', 'SecurityError');
        }
      },
    );
    try {
      // Up to two idle workers from earlier tests may still serve; a third job needs a new one.
      const batch = await Promise.all([1, 2, 3].map(() => prepareFrame(images.smallPng.file)));
      expect(batch.map((frame) => frame.report.ranIn)).toContain('main-thread');
      const frame = await prepareFrame(images.smallPng.file);
      await expectApiLegal(frame);
      expect(frame.report.ranIn).toBe('main-thread');
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
