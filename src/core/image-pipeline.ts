/**
 * The steps that conform one image to the frame rules, written once for both places they run:
 * a Web Worker with OffscreenCanvas, or the main thread. Read the bytes and the header (format,
 * size, EXIF orientation, alpha), reject what cannot be read with a sentence that says what to
 * do, keep a frame that is already fine, otherwise decode with the orientation applied, plan the
 * geometry, draw onto the background, and encode within the byte budget — then check the result
 * with the same `checkFrame` rules the relay uses, and describe every change.
 */
import { KeyframeVideoError } from './errors.js';
import {
  checkFrameBytes,
  encodeDataUrl,
  readImageHeader,
  type FrameCheck,
  type FrameFormat,
  type ImageFormat,
  type ImageHeader,
  type ImageHeaderFailure,
} from './frames.js';
import { aspectLabel } from './frame-rules.js';
import { planFrameGeometry, type FrameGeometry, type PixelSize } from './frame-geometry.js';
import { encodeOpaquePng } from './png-encoder.js';
import type { ResolvedPrepareFrameOptions } from './prepare-frame-protocol.js';
import type {
  FrameChange,
  PreparedFrame,
  PrepareFrameInputFacts,
  PrepareFrameReport,
  PrepareFrameThread,
} from './prepare-frame.js';

/** Where the pipeline runs and what can stop it. */
export interface PipelineContext {
  readonly ranIn: PrepareFrameThread;
  /** Aborted with the error to throw (a KeyframeVideoError: `Aborted`, or the timeout). */
  readonly signal?: AbortSignal | undefined;
}

type Surface = OffscreenCanvas | HTMLCanvasElement;
type Context2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

const LABELS: Readonly<Record<ImageFormat, string>> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  bmp: 'BMP',
  gif: 'GIF',
  avif: 'AVIF',
  heic: 'HEIC',
  svg: 'SVG',
  tiff: 'TIFF',
};
const MIME: Readonly<Record<FrameFormat, string>> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  bmp: 'image/bmp',
};
const EXTENSION: Readonly<Record<FrameFormat, string>> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  bmp: 'bmp',
};
/** What each EXIF orientation asks a viewer to do, in words. */
const ORIENTATION_WORDS: Readonly<Record<number, string>> = {
  2: 'mirrored left to right',
  3: 'turned 180°',
  4: 'mirrored top to bottom',
  5: 'mirrored and turned 90° anticlockwise',
  6: 'turned 90° clockwise',
  7: 'mirrored and turned 90° clockwise',
  8: 'turned 90° anticlockwise',
};
/** Orientations that ImageDecoder reports as a plain rotation (VideoFrame.rotation). */
const ROTATION_OF: Readonly<Record<number, number>> = { 1: 0, 3: 180, 6: 90, 8: 270 };
/** JPEG qualities tried in turn, highest first, until the file fits the budget. */
const QUALITY_LADDER = [0.92, 0.85, 0.78, 0.7, 0.6, 0.5, 0.4, 0.3] as const;
const NAMED_COLOURS: Readonly<Record<string, string>> = { '#ffffff': 'white', '#000000': 'black' };

/** Conforms `file` to the rules in `options`; see `prepareFrame` for the contract. */
export async function runFramePipeline(
  file: Blob,
  options: ResolvedPrepareFrameOptions,
  context: PipelineContext,
): Promise<PreparedFrame> {
  const { signal } = context;
  signal?.throwIfAborted();
  if (typeof createImageBitmap !== 'function') {
    throw new KeyframeVideoError({
      code: 'Unknown',
      retryable: false,
      message:
        'prepareFrame needs a browser (createImageBitmap and a canvas). On a server, use checkFrame to judge a frame instead.',
    });
  }
  const background = resolveBackground(options.background);
  const bytes = new Uint8Array(await guard(file.arrayBuffer(), signal));
  // The full check (name, media type, every rule) is only needed for messages and for the
  // keep-as-is decision; a 10 MB JPEG's header walk is not free, so it runs only then.
  let fullCheck: FrameCheck | undefined;
  const check = (): FrameCheck =>
    (fullCheck ??= checkFrameBytes(bytes, {
      rules: options.rules,
      name: options.name,
      type: file.type === '' ? undefined : file.type,
    }));
  const header = readImageHeader(bytes);
  if (!header.ok) rejectUnreadable(header, check(), options);
  const input: PrepareFrameInputFacts = {
    format: header.format ?? 'unknown',
    width: header.ok ? header.width : undefined,
    height: header.ok ? header.height : undefined,
    bytes: bytes.length,
    orientation: header.ok ? header.orientation : 1,
  };

  const geometryOptions = {
    minSide: options.rules.minSide,
    maxSide: options.rules.maxSide,
    fit: options.fit,
    aspect: options.aspect?.ratio,
  };
  const firstPlan = header.ok ? planFrameGeometry(header, geometryOptions) : undefined;

  if (header.ok && firstPlan && isKeepable(header, check, firstPlan, bytes.length, options)) {
    // Decode once anyway: a header can be whole while the pixel data is not.
    const bitmap = await decodeOrReject(
      () => createImageBitmap(file),
      header.format,
      check,
      options,
      signal,
    );
    bitmap.close();
    return keptAsIs(bytes, header, input, options, context);
  }

  const wantedScale = firstPlan ? firstPlan.scaled.width / firstPlan.region.width : 1;
  const decoded = await decode(
    file,
    bytes,
    header.ok ? header : header.format,
    wantedScale,
    check,
    options,
    signal,
  );
  try {
    const size: PixelSize = header.ok ? header : { width: decoded.width, height: decoded.height };
    const facts: PrepareFrameInputFacts = header.ok
      ? input
      : { ...input, width: decoded.width, height: decoded.height };
    const mayHaveAlpha = header.ok ? header.hasAlpha : true;
    let geometry = firstPlan ?? planFrameGeometry(size, geometryOptions);
    let shrunkForBytes = false;
    let transparent: boolean | undefined;
    for (;;) {
      const rendered = render(
        decoded,
        geometry,
        background.fill,
        mayHaveAlpha && transparent === undefined,
      );
      transparent ??= rendered.transparent;
      const encoded = await encodeWithinBudget(rendered, options, signal);
      releaseSurface(rendered.surface);
      if (encoded.fits) {
        return finish(encoded, geometry, {
          input: facts,
          options,
          context,
          background: background.label,
          transparent,
          shrunkForBytes,
        });
      }
      const longest = Math.max(geometry.canvas.width, geometry.canvas.height);
      const factor = Math.sqrt(options.maxOutputBytes / encoded.smallestBytes) * 0.9;
      const nextMaxSide = Math.max(
        options.rules.minSide,
        Math.floor(longest * Math.min(factor, 0.9)),
      );
      if (nextMaxSide >= longest) {
        throw rejected(
          options,
          `This image stays over ${formatBytes(options.maxOutputBytes)} even at ${geometry.canvas.width}×${geometry.canvas.height} and the lowest quality allowed. Use a simpler image or raise targetBytes.`,
          `smallest encoding: ${encoded.smallestBytes} bytes`,
        );
      }
      geometry = planFrameGeometry(size, { ...geometryOptions, maxSide: nextMaxSide });
      shrunkForBytes = true;
    }
  } finally {
    decoded.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Unreadable input

function rejected(
  options: ResolvedPrepareFrameOptions,
  message: string,
  detail?: string,
  cause?: unknown,
): KeyframeVideoError {
  return new KeyframeVideoError({
    code: 'FrameRejected',
    param: options.param,
    retryable: false,
    message,
    detail,
    cause,
  });
}

function problemMessage(check: FrameCheck, reason: string): string | undefined {
  return check.problems.find((problem) => problem.reason === reason)?.message;
}

/** Throws for input no browser decode can rescue: empty, cut off, damaged, SVG. */
function rejectUnreadable(
  header: ImageHeaderFailure,
  check: FrameCheck,
  options: ResolvedPrepareFrameOptions,
): void {
  if (header.reason === 'empty' || header.reason === 'truncated' || header.reason === 'corrupt') {
    throw rejected(
      options,
      problemMessage(check, header.reason) ?? 'The file is damaged. Save it again and try again.',
      header.message,
    );
  }
  if (header.format === 'svg') {
    throw rejected(
      options,
      `SVG drawings can't be used as video frames. Export the drawing as PNG or JPEG, at least ${options.rules.minSide} px on each side, and try again.`,
      'svg',
    );
  }
}

/** The sentence for an image the browser could not decode, by what the bytes looked like. */
function undecodableMessage(format: ImageFormat | undefined, check: FrameCheck): string {
  switch (format) {
    case 'heic':
      return "HEIC photos can't be read by this browser. Export the photo as JPEG (on iPhone: Settings → Camera → Formats → Most Compatible) and try again.";
    case 'tiff':
    case 'avif':
    case 'gif':
      return `${LABELS[format]} images can't be read by this browser. Export the image as JPEG or PNG and try again.`;
    case undefined:
      return (
        problemMessage(check, 'unsupported-format') ??
        'This file is not an image. Choose a JPEG, PNG, WebP or BMP picture.'
      );
    default:
      return `The ${LABELS[format]} file could not be decoded; it may be damaged. Open it in an image editor, save it again and try again.`;
  }
}

async function decodeOrReject<T>(
  run: () => Promise<T>,
  format: ImageFormat | undefined,
  check: () => FrameCheck,
  options: ResolvedPrepareFrameOptions,
  signal: AbortSignal | undefined,
): Promise<T> {
  try {
    return await guard(run(), signal, (value) => (value as { close?: () => void }).close?.());
  } catch (cause) {
    if (signal?.aborted) throw signal.reason;
    const failure = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    throw rejected(
      options,
      undecodableMessage(format, check()),
      `decode failed (${failure})`,
      cause,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Keep as is

function isKeepable(
  header: ImageHeader,
  check: () => FrameCheck,
  plan: FrameGeometry,
  size: number,
  options: ResolvedPrepareFrameOptions,
): boolean {
  return (
    options.reencode === 'when-needed' &&
    header.orientation === 1 &&
    plan.aspectCrop === undefined &&
    plan.fitAction === 'none' &&
    plan.scaled.width === header.width &&
    plan.scaled.height === header.height &&
    size <= options.maxOutputBytes &&
    // A wrong name or media type is fixed by the relabelled output, not by re-encoding.
    check().problems.every((problem) => problem.reason === 'format-mismatch')
  );
}

function keptAsIs(
  bytes: Uint8Array,
  header: ImageHeader,
  input: PrepareFrameInputFacts,
  options: ResolvedPrepareFrameOptions,
  context: PipelineContext,
): PreparedFrame {
  const mime = MIME[header.format];
  const label = LABELS[header.format];
  const description = `${label}, ${header.width}×${header.height}, ${formatBytes(bytes.length)}`;
  const report: PrepareFrameReport = {
    outcome: 'kept',
    summary: `Kept as is: it already meets every rule (${description}).`,
    changes: [],
    kept: [
      `the file as is (${description}): it already meets every rule and the ${formatBytes(options.maxOutputBytes)} target`,
    ],
    input,
    output: {
      format: header.format,
      mime,
      width: header.width,
      height: header.height,
      bytes: bytes.length,
      quality: undefined,
    },
    ranIn: context.ranIn,
  };
  return {
    blob: new Blob([bytes as Uint8Array<ArrayBuffer>], { type: mime }),
    name: outputName(options.name, header.format),
    dataUrl: encodeDataUrl(bytes, mime),
    width: header.width,
    height: header.height,
    report,
  };
}

// ---------------------------------------------------------------------------------------------
// Decode

interface DecodedImage {
  readonly source: CanvasImageSource;
  /** Size as displayed (orientation applied); may be smaller than the file's when scaled. */
  readonly width: number;
  readonly height: number;
  close(): void;
}

interface ImageDecoderLike {
  decode(): Promise<{ image: VideoFrame }>;
  close(): void;
}
type ImageDecoderConstructor = new (init: {
  data: BufferSource;
  type: string;
  desiredWidth?: number;
  desiredHeight?: number;
}) => ImageDecoderLike;

/** `header` is the whole header, or just the format the bytes looked like. */
async function decode(
  file: Blob,
  bytes: Uint8Array,
  header: ImageHeader | ImageFormat | undefined,
  wantedScale: number,
  check: () => FrameCheck,
  options: ResolvedPrepareFrameOptions,
  signal: AbortSignal | undefined,
): Promise<DecodedImage> {
  const whole = typeof header === 'object' ? header : undefined;
  if (whole?.format === 'jpeg' && wantedScale < 1 && whole.orientation in ROTATION_OF) {
    const scaled = await decodeScaledJpeg(bytes, whole, wantedScale, signal);
    if (scaled) return scaled;
  }
  const bitmap = await decodeOrReject(
    () => createImageBitmap(file, { imageOrientation: 'from-image' }),
    whole?.format ?? (typeof header === 'string' ? header : undefined),
    check,
    options,
    signal,
  );
  return {
    source: bitmap,
    width: bitmap.width,
    height: bitmap.height,
    close: () => bitmap.close(),
  };
}

/**
 * Big JPEGs decode several times faster at 1/2, 3/8, 1/4… of their size (the decoder skips
 * detail in the DCT), and a frame needs at most 2000 px anyway. WebCodecs' ImageDecoder offers
 * that through `desiredWidth`/`desiredHeight`. Used only when the browser reports the EXIF
 * rotation on the decoded frame (so drawing it is upright) and the size comes back as large as
 * needed; otherwise the caller falls back to a full `createImageBitmap` decode.
 */
async function decodeScaledJpeg(
  bytes: Uint8Array,
  header: ImageHeader,
  wantedScale: number,
  signal: AbortSignal | undefined,
): Promise<DecodedImage | undefined> {
  const Decoder = (globalThis as { ImageDecoder?: ImageDecoderConstructor }).ImageDecoder;
  if (typeof Decoder !== 'function') return undefined;
  const numerator = Math.max(1, Math.ceil(wantedScale * 8 - 1e-9));
  if (numerator >= 8) return undefined;
  let decoder: ImageDecoderLike | undefined;
  try {
    decoder = new Decoder({
      data: bytes as Uint8Array<ArrayBuffer>,
      type: 'image/jpeg',
      desiredWidth: Math.ceil((header.storedWidth * numerator) / 8),
      desiredHeight: Math.ceil((header.storedHeight * numerator) / 8),
    });
    const { image } = await guard(decoder.decode(), signal, (result) => result.image.close());
    const rotation =
      (image as { rotation?: unknown }).rotation ?? (header.orientation === 1 ? 0 : undefined);
    const width = image.displayWidth;
    const height = image.displayHeight;
    const largeEnough =
      width >= header.width * wantedScale - 0.5 && height >= header.height * wantedScale - 0.5;
    const sameShape = Math.abs(width / height - header.width / header.height) < 0.02;
    if (rotation !== ROTATION_OF[header.orientation] || !largeEnough || !sameShape) {
      image.close();
      decoder.close();
      return undefined;
    }
    const owner = decoder;
    return {
      source: image,
      width,
      height,
      close: () => {
        image.close();
        owner.close();
      },
    };
  } catch {
    decoder?.close();
    if (signal?.aborted) throw signal.reason;
    return undefined; // the full decode gives the error message, if there is one
  }
}

// ---------------------------------------------------------------------------------------------
// Draw

interface Rendered {
  readonly surface: Surface;
  readonly context: Context2D;
  readonly width: number;
  readonly height: number;
  /** Whether the image had see-through pixels; undefined when not looked at. */
  readonly transparent: boolean | undefined;
}

function createSurface(width: number, height: number): Surface {
  if (typeof OffscreenCanvas === 'function') return new OffscreenCanvas(width, height);
  const element = document.createElement('canvas');
  element.width = width;
  element.height = height;
  return element;
}

function context2d(surface: Surface): Context2D {
  const context = surface.getContext('2d') as Context2D | null;
  if (!context) {
    throw new KeyframeVideoError({
      code: 'Unknown',
      retryable: false,
      message: 'This browser could not create a canvas to prepare the image. Try another browser.',
    });
  }
  return context;
}

function releaseSurface(surface: Surface): void {
  // Frees the pixel memory now rather than at the next garbage collection.
  surface.width = 0;
  surface.height = 0;
}

/** Checks a CSS colour once, and names it for the report. */
function resolveBackground(colour: string): { fill: string; label: string } {
  const context = context2d(createSurface(1, 1));
  const sentinel = '#010203';
  context.fillStyle = sentinel;
  context.fillStyle = colour;
  const normalised = String(context.fillStyle);
  if (normalised === sentinel && colour.trim().toLowerCase() !== sentinel) {
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      message: `background must be a CSS colour such as "#ffffff" or "white", not ${JSON.stringify(colour)}.`,
    });
  }
  if (!normalised.startsWith('#')) {
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      message: `background must be opaque (frames cannot be transparent), not ${JSON.stringify(colour)}.`,
    });
  }
  return { fill: normalised, label: NAMED_COLOURS[normalised] ?? normalised };
}

/**
 * Draws the decoded image into the planned canvas over the background. With `scanAlpha`, the
 * image is drawn first and its pixels looked at, so the report can tell a PNG that really had
 * see-through areas from one that merely has an alpha channel (every canvas-made PNG does).
 */
function render(
  decoded: DecodedImage,
  geometry: FrameGeometry,
  background: string,
  scanAlpha: boolean,
): Rendered {
  const { width, height } = geometry.canvas;
  const surface = createSurface(width, height);
  const context = context2d(surface);
  context.imageSmoothingEnabled = true;
  context.imageSmoothingQuality = 'high';
  const { x, y, width: drawWidth, height: drawHeight } = geometry.draw;
  let transparent: boolean | undefined;
  if (scanAlpha) {
    context.drawImage(decoded.source, x, y, drawWidth, drawHeight);
    transparent = hasTransparentPixels(context, geometry);
    context.globalCompositeOperation = 'destination-over';
    context.fillStyle = background;
    context.fillRect(0, 0, width, height);
    context.globalCompositeOperation = 'source-over';
  } else {
    context.fillStyle = background;
    context.fillRect(0, 0, width, height);
    context.drawImage(decoded.source, x, y, drawWidth, drawHeight);
  }
  return { surface, context, width, height, transparent };
}

function hasTransparentPixels(context: Context2D, geometry: FrameGeometry): boolean {
  const { placement, canvas } = geometry;
  const left = Math.max(0, placement.x);
  const top = Math.max(0, placement.y);
  const right = Math.min(canvas.width, placement.x + placement.width);
  const bottom = Math.min(canvas.height, placement.y + placement.height);
  if (right <= left || bottom <= top) return false;
  const data = context.getImageData(left, top, right - left, bottom - top).data;
  for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 255) < 255) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// Encode

type Encoded =
  | {
      readonly fits: true;
      readonly bytes: Uint8Array;
      readonly format: FrameFormat;
      readonly quality: number | undefined;
      /** The first quality tried, when a lower one was needed to fit. */
      readonly loweredFrom: number | undefined;
    }
  | { readonly fits: false; readonly smallestBytes: number };

async function encodeSurface(surface: Surface, type: string, quality: number): Promise<Blob> {
  if ('convertToBlob' in surface) return surface.convertToBlob({ type, quality });
  return new Promise<Blob>((resolve, reject) =>
    surface.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error('the canvas could not be encoded'))),
      type,
      quality,
    ),
  );
}

/** `quality` first, then the ladder's lower steps down to `minQuality`. */
function qualitySteps(quality: number, minQuality: number): number[] {
  const steps = [
    quality,
    ...QUALITY_LADDER.filter((step) => step < quality - 1e-9 && step > minQuality + 1e-9),
  ];
  if (minQuality < quality - 1e-9) steps.push(minQuality);
  return steps;
}

/**
 * Encodes at the highest quality that fits `maxOutputBytes`, stepping down only as far as
 * needed. PNG has no quality to give: it either fits or the caller scales down.
 */
async function encodeWithinBudget(
  rendered: Rendered,
  options: ResolvedPrepareFrameOptions,
  signal: AbortSignal | undefined,
): Promise<Encoded> {
  const limit = options.maxOutputBytes;
  if (options.format === 'png') {
    const pixels = rendered.context.getImageData(0, 0, rendered.width, rendered.height).data;
    const bytes = await guard(encodeOpaquePng(pixels, rendered.width, rendered.height), signal);
    return bytes.length <= limit
      ? { fits: true, bytes, format: 'png', quality: undefined, loweredFrom: undefined }
      : { fits: false, smallestBytes: bytes.length };
  }
  let smallestBytes = Number.POSITIVE_INFINITY;
  const steps = qualitySteps(options.quality, options.minQuality);
  for (const quality of steps) {
    const blob = await guard(encodeSurface(rendered.surface, 'image/jpeg', quality), signal);
    if (blob.type !== 'image/jpeg') {
      throw new KeyframeVideoError({
        code: 'Unknown',
        retryable: false,
        message: 'This browser cannot encode JPEG images from a canvas. Try another browser.',
      });
    }
    if (blob.size <= limit) {
      const bytes = new Uint8Array(await guard(blob.arrayBuffer(), signal));
      const loweredFrom = quality === options.quality ? undefined : options.quality;
      return { fits: true, bytes, format: 'jpeg', quality, loweredFrom };
    }
    smallestBytes = Math.min(smallestBytes, blob.size);
  }
  return { fits: false, smallestBytes };
}

// ---------------------------------------------------------------------------------------------
// Result and report

interface FinishFacts {
  readonly input: PrepareFrameInputFacts;
  readonly options: ResolvedPrepareFrameOptions;
  readonly context: PipelineContext;
  readonly background: string;
  readonly transparent: boolean | undefined;
  readonly shrunkForBytes: boolean;
}

function finish(
  encoded: Extract<Encoded, { fits: true }>,
  geometry: FrameGeometry,
  facts: FinishFacts,
): PreparedFrame {
  const { options, input } = facts;
  const mime = MIME[encoded.format];
  const outputCheck = checkFrameBytes(encoded.bytes, { rules: options.rules, type: mime });
  if (!outputCheck.ok) {
    // Never expected: the plan and the encoder are built to satisfy the rules.
    throw rejected(
      options,
      `The image was prepared but still breaks a rule: ${outputCheck.problems.map((p) => p.message).join(' ')}`,
      outputCheck.problems.map((problem) => problem.reason).join(', '),
    );
  }
  const { width, height } = geometry.canvas;
  const { changes, kept } = describe(encoded, geometry, facts);
  const report: PrepareFrameReport = {
    outcome: 'prepared',
    summary: `${changes.map((change) => change.message).join('; ')}.`.replace(/^./, (c) =>
      c.toUpperCase(),
    ),
    changes,
    kept,
    input,
    output: {
      format: encoded.format,
      mime,
      width,
      height,
      bytes: encoded.bytes.length,
      quality: encoded.quality,
    },
    ranIn: facts.context.ranIn,
  };
  return {
    blob: new Blob([encoded.bytes as Uint8Array<ArrayBuffer>], { type: mime }),
    name: outputName(options.name, encoded.format),
    dataUrl: encodeDataUrl(encoded.bytes, mime),
    width,
    height,
    report,
  };
}

const size = ({ width, height }: PixelSize): string => `${width}×${height}`;

function describe(
  encoded: Extract<Encoded, { fits: true }>,
  geometry: FrameGeometry,
  facts: FinishFacts,
): { changes: FrameChange[]; kept: string[] } {
  const { input, options } = facts;
  const { minSide, maxSide } = options.rules;
  const changes: FrameChange[] = [];
  const kept: string[] = [];
  const range = `${minSide}–${maxSide} px`;

  if (input.orientation >= 2) {
    changes.push({
      kind: 'rotated',
      message: `rotated per EXIF (orientation ${input.orientation}: ${ORIENTATION_WORDS[input.orientation] ?? 'transformed'})`,
    });
  } else {
    kept.push('orientation (no EXIF rotation)');
  }

  if (geometry.aspectCrop) {
    changes.push({
      kind: 'cropped',
      message: `cropped ${size(geometry.source)} → ${size(geometry.aspectCrop)} to the ${options.aspect?.label ?? 'requested'} aspect (centre kept)`,
    });
  }

  const { region, scaled } = geometry;
  if (region.width !== scaled.width || region.height !== scaled.height) {
    const why = facts.shrunkForBytes
      ? `to stay under ${formatBytes(options.maxOutputBytes)}`
      : scaled.width > region.width
        ? `each side must be at least ${minSide} px`
        : `each side must be at most ${maxSide} px`;
    changes.push({
      kind: 'resized',
      message: `resized ${size(region)} → ${size(scaled)} (${why})`,
    });
  } else {
    kept.push(`size (${size(scaled)})`);
  }

  if (geometry.fitAction === 'padded') {
    changes.push({
      kind: 'padded',
      message: `padded ${size(scaled)} → ${size(geometry.canvas)} with ${facts.background} bars (no scale fits both sides into ${range})`,
    });
  } else if (geometry.fitAction === 'cropped') {
    changes.push({
      kind: 'cropped',
      message: `cropped ${size(scaled)} → ${size(geometry.canvas)}, keeping the centre (no scale fits both sides into ${range})`,
    });
  }
  if (!geometry.aspectCrop && geometry.fitAction === 'none') {
    kept.push(`aspect ratio (${aspectLabel(region.width, region.height)})`);
  }

  if (facts.transparent) {
    changes.push({ kind: 'flattened', message: `flattened transparency onto ${facts.background}` });
  } else {
    kept.push(
      facts.transparent === false
        ? 'colours (the alpha channel was fully opaque: nothing to flatten)'
        : 'colours (no transparency)',
    );
  }

  const from = input.format === 'unknown' ? 'image' : LABELS[input.format];
  const to = LABELS[encoded.format];
  const percent = (quality: number) => `${Math.round(quality * 100)}%`;
  const quality =
    encoded.quality === undefined
      ? ''
      : ` at quality ${percent(encoded.quality)}` +
        (encoded.loweredFrom === undefined
          ? ''
          : `, lowered from ${percent(encoded.loweredFrom)} to stay under ${formatBytes(options.maxOutputBytes)}`);
  const sizes = `${formatBytes(input.bytes)} → ${formatBytes(encoded.bytes.length)}`;
  if (from !== to) {
    changes.push({ kind: 'converted', message: `converted ${from} → ${to}${quality} (${sizes})` });
  } else {
    changes.push({ kind: 'recompressed', message: `recompressed ${to}${quality} (${sizes})` });
    kept.push(`format (${to})`);
  }
  return { changes, kept };
}

function outputName(name: string | undefined, format: FrameFormat): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  const stem = (dot > 0 ? base.slice(0, dot) : base) || 'frame';
  return `${stem}.${EXTENSION[format]}`;
}

/** "480 KB", "1.5 MB" (1024-based, like the 10 MB rule). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  const value = bytes / (1024 * 1024);
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MB`;
}

// ---------------------------------------------------------------------------------------------

/**
 * Waits for `promise` unless `signal` aborts first (then rejects with the signal's reason).
 * A result that arrives after the abort is handed to `dispose` (to close a bitmap).
 */
function guard<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  dispose?: (value: T) => void,
): Promise<T> {
  if (!signal) return promise;
  const late = (value: T) => dispose?.(value);
  if (signal.aborted) {
    promise.then(late, () => undefined);
    return Promise.reject(signal.reason as unknown);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason as unknown);
      promise.then(late, () => undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) late(value);
        else resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
