/**
 * The frame rules as data (what DashScope accepts as a first or last frame), the check of a
 * frame pair's shapes, and the small frame helpers both the page and the frame work loaded on
 * demand use (the shape label, whether a value is a frame URL, a slot's wire field, a file's
 * name). Apart from `frames.ts`, whose checks read image bytes: forms need the rules and the
 * pair check with the page, the byte-level checks only once a frame arrives.
 */
import { KeyframeVideoError } from './errors.js';
import type { FrameFormat, ImageFormat } from './image-header.js';

/** One accepted format: how files of it are labelled and named. */
export interface FrameFormatRule {
  readonly format: FrameFormat;
  /** How messages name it: `"JPEG"`, `"WebP"`. */
  readonly label: string;
  /** Media types that mean this format; the first is the canonical one. */
  readonly mimeTypes: readonly string[];
  /** File name extensions (lower case, no dot) that mean this format. */
  readonly extensions: readonly string[];
}

/** What a frame must satisfy. Pass a `Partial<FrameRules>` to any check to override a value. */
export interface FrameRules {
  /** Accepted formats (DashScope: JPEG, PNG, BMP, WebP). */
  readonly formats: readonly FrameFormatRule[];
  /** Shortest allowed side in pixels (DashScope: 360; a later doc page says 240). */
  readonly minSide: number;
  /** Longest allowed side in pixels (DashScope: 2000; a later doc page says 8000). */
  readonly maxSide: number;
  /** Largest allowed file, in bytes (10 MiB). */
  readonly maxBytes: number;
  /** Whether transparency is allowed (DashScope: PNG "without alpha"). */
  readonly allowAlpha: boolean;
  /**
   * How far the last frame's aspect ratio may differ from the first's (relative) before
   * {@link checkFramePair} warns.
   */
  readonly pairAspectTolerance: number;
}

/** Display names, media types and extensions of every recognised format (internal). */
export const FORMAT_INFO: Readonly<Record<ImageFormat, Omit<FrameFormatRule, 'format'>>> = {
  jpeg: {
    label: 'JPEG',
    mimeTypes: ['image/jpeg', 'image/jpg', 'image/pjpeg'],
    extensions: ['jpg', 'jpeg', 'jpe', 'jfif'],
  },
  png: { label: 'PNG', mimeTypes: ['image/png'], extensions: ['png'] },
  bmp: {
    label: 'BMP',
    mimeTypes: ['image/bmp', 'image/x-bmp', 'image/x-ms-bmp'],
    extensions: ['bmp', 'dib'],
  },
  webp: { label: 'WebP', mimeTypes: ['image/webp'], extensions: ['webp'] },
  gif: { label: 'GIF', mimeTypes: ['image/gif'], extensions: ['gif'] },
  avif: { label: 'AVIF', mimeTypes: ['image/avif'], extensions: ['avif'] },
  heic: {
    label: 'HEIC/HEIF',
    mimeTypes: ['image/heic', 'image/heif', 'image/heic-sequence', 'image/heif-sequence'],
    extensions: ['heic', 'heif'],
  },
  svg: { label: 'SVG', mimeTypes: ['image/svg+xml'], extensions: ['svg', 'svgz'] },
  tiff: { label: 'TIFF', mimeTypes: ['image/tiff'], extensions: ['tif', 'tiff'] },
};

const formatRule = (format: FrameFormat): FrameFormatRule =>
  Object.freeze({ format, ...FORMAT_INFO[format] });

/**
 * DashScope's frame rules (the safe reading of its docs): JPEG, PNG, BMP or WebP; each side
 * 360–2000 px; at most 10 MiB; no transparency. Frozen; override with `Partial<FrameRules>`.
 */
export const FRAME_RULES: FrameRules = /* @__PURE__ */ Object.freeze({
  formats: /* @__PURE__ */ Object.freeze(
    /* @__PURE__ */ (['jpeg', 'png', 'bmp', 'webp'] as const).map(formatRule),
  ),
  minSide: 360,
  maxSide: 2000,
  maxBytes: 10 * 1024 * 1024,
  allowAlpha: false,
  pairAspectTolerance: 0.05,
});

/** A frame's size in pixels (displayed, orientation applied). */
export interface FrameSize {
  readonly width: number;
  readonly height: number;
}

/** Whether two frames share a shape; the video takes the first frame's aspect ratio. */
export interface FramePairCheck {
  readonly ok: boolean;
  /** width / height of the first frame. */
  readonly firstAspect: number;
  /** width / height of the last frame. */
  readonly lastAspect: number;
  /** |lastAspect − firstAspect| / firstAspect. */
  readonly difference: number;
  /** Set when `ok` is false: what will happen and what to do. */
  readonly warning?: string;
}

/**
 * Compares the aspect ratios of the first and last frame. The video takes the first frame's
 * shape and fits the last frame to it, so a mismatch beyond `tolerance` (relative, default
 * `FRAME_RULES.pairAspectTolerance`) gets a warning suggesting to crop the last frame. Throws
 * `InvalidParameter` for sizes that are not positive numbers.
 */
export function checkFramePair(
  first: FrameSize,
  last: FrameSize,
  options: { tolerance?: number | undefined } = {},
): FramePairCheck {
  assertSize(first, 'input.first_frame_url');
  assertSize(last, 'input.last_frame_url');
  const tolerance = options.tolerance ?? FRAME_RULES.pairAspectTolerance;
  const firstAspect = first.width / first.height;
  const lastAspect = last.width / last.height;
  const difference = Math.abs(lastAspect - firstAspect) / firstAspect;
  const ok = difference <= tolerance + 1e-12;
  if (ok) return { ok, firstAspect, lastAspect, difference };
  const firstShape = aspectLabel(first.width, first.height);
  const lastShape = aspectLabel(last.width, last.height);
  return {
    ok,
    firstAspect,
    lastAspect,
    difference,
    warning:
      `The last frame is ${last.width}×${last.height} (${lastShape}) ` +
      `but the first frame is ${first.width}×${first.height} (${firstShape}). The video takes the ` +
      `first frame's shape, so the last frame will be fitted to it and may be cropped. Crop the ` +
      `last frame to ${firstShape} for a predictable ending.`,
  };
}

function assertSize(size: FrameSize, param: string): void {
  const valid = (value: number) => Number.isFinite(value) && value > 0;
  if (!valid(size.width) || !valid(size.height)) {
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      param,
      message: `A frame size must be positive numbers of pixels, not ${size.width}×${size.height}.`,
    });
  }
}

/** "16:9" for small whole ratios, otherwise "1.78:1". */
export function aspectLabel(width: number, height: number): string {
  if (Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0) {
    const divisor = gcd(width, height);
    const w = width / divisor;
    const h = height / divisor;
    if (w <= 32 && h <= 32) return `${w}:${h}`;
  }
  return `${(width / height).toFixed(2)}:1`;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

const DATA_IMAGE_URL = /^data:image\/[a-z0-9.+-]+;base64,[a-z0-9+/]+={0,2}$/i;

/**
 * Whether a frame value has a form the service accepts: a public `http(s)` URL, or an image data
 * URL `data:image/<type>;base64,<data>`. (Size, format and dimensions are `checkFrame`'s job.)
 */
export function isFrameUrl(value: string): boolean {
  if (value.startsWith('data:')) return DATA_IMAGE_URL.test(value);
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The wire field of a frame slot. */
export function frameParam(
  slot: 'first' | 'last',
): 'input.first_frame_url' | 'input.last_frame_url' {
  return slot === 'first' ? 'input.first_frame_url' : 'input.last_frame_url';
}

/** The name a File carries, if the value is one. */
export function nameOf(value: Blob | string): string | undefined {
  if (typeof value === 'string') return undefined;
  const name = (value as Partial<File>).name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}
