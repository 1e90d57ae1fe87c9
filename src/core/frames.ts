/**
 * Frame rules and checks: what DashScope accepts as a first or last frame, kept as data, and a
 * checker that reports every violation at once, so a user fixes an image in one go and bad
 * input is rejected before it costs an upload or a paid request. The same checks run in the
 * browser (on a dropped File), in the relay and in the simulator (on data URLs).
 */
import { KeyframeVideoError } from './errors.js';
import { parseDataUrl } from './data-url.js';
import { FORMAT_INFO, FRAME_RULES, type FrameFormatRule, type FrameRules } from './frame-rules.js';
import {
  readImageHeader,
  type FrameFormat,
  type ImageFormat,
  type ImageHeaderPartial,
} from './image-header.js';

export { decodeDataUrl, encodeDataUrl } from './data-url.js';
export type { DataUrl, DecodeDataUrlOptions } from './data-url.js';
export { readImageHeader } from './image-header.js';
export { checkFramePair, FRAME_RULES } from './frame-rules.js';
export type { FrameFormatRule, FramePairCheck, FrameRules, FrameSize } from './frame-rules.js';
export type {
  ExifOrientation,
  FrameFormat,
  ImageFormat,
  ImageHeader,
  ImageHeaderFailure,
  ImageHeaderFailureReason,
  ImageHeaderPartial,
  UnsupportedImageFormat,
} from './image-header.js';

/** Why a frame is not accepted. */
export type FrameProblemReason =
  | 'empty'
  | 'unsupported-format'
  /** The file name's extension or the media type disagrees with the bytes. */
  | 'format-mismatch'
  /** A side is shorter than `minSide`. */
  | 'too-small'
  /** A side is longer than `maxSide`. */
  | 'too-large'
  /** The file is bigger than `maxBytes`. */
  | 'file-too-large'
  | 'alpha'
  | 'truncated'
  | 'corrupt'
  /** A text input that is not a usable `data:image/…;base64,…` URL. */
  | 'invalid-data-url';

/** One violation, with a sentence that names the numbers and says what to do. */
export interface FrameProblem {
  readonly reason: FrameProblemReason;
  readonly message: string;
}

/** The result of checking one frame. `ok` is true exactly when `problems` is empty. */
export interface FrameCheck {
  readonly ok: boolean;
  /** Set when the bytes are JPEG, PNG, WebP or BMP (even if cut off or not accepted). */
  readonly format?: FrameFormat;
  /** The canonical media type of `format`, from the bytes (not from the name or label). */
  readonly mime?: string;
  /** Displayed width (EXIF orientation applied), when the header got that far. */
  readonly width?: number;
  /** Displayed height (EXIF orientation applied), when the header got that far. */
  readonly height?: number;
  /** EXIF orientation (1–8; 1 when the file has none). */
  readonly orientation?: number;
  readonly hasAlpha?: boolean;
  /** File size in bytes (for an undecodable data URL: estimated from its length). */
  readonly bytes: number;
  /** Every violation found, in a stable order (input, format, size, alpha, file size). */
  readonly problems: readonly FrameProblem[];
}

/** Options for {@link checkFrame} and {@link checkFrameBytes}. */
export interface CheckFrameOptions {
  /** File name, to catch an extension that lies (a File's own name is used when absent). */
  name?: string | undefined;
  /** Media type, to catch a label that lies (a Blob's own type is used when absent). */
  type?: string | undefined;
  /** Overrides for {@link FRAME_RULES}. */
  rules?: Partial<FrameRules> | undefined;
}

/**
 * Checks a frame and reports every violation at once. `input` is a File/Blob (its `name` and
 * `type` are checked against the bytes), raw bytes, or a data URL string
 * (`data:image/png;base64,…`). Never rejects on bad image bytes: they come back as problems.
 */
export async function checkFrame(
  input: Blob | Uint8Array | string,
  options: CheckFrameOptions = {},
): Promise<FrameCheck> {
  if (typeof input === 'string') return checkDataUrl(input, options);
  if (input instanceof Uint8Array) return checkFrameBytes(input, options);
  const bytes = await readBlob(input);
  const ownName = (input as Partial<File>).name;
  return checkFrameBytes(bytes, {
    ...options,
    name: options.name ?? (typeof ownName === 'string' ? ownName : undefined),
    type: options.type ?? input.type,
  });
}

/**
 * The synchronous form of {@link checkFrame} for callers that already hold the bytes (servers).
 * `options.type` is the media type the bytes were labelled with, if any.
 */
export function checkFrameBytes(bytes: Uint8Array, options: CheckFrameOptions = {}): FrameCheck {
  const claim =
    options.type === undefined ? undefined : { mime: options.type, source: 'type' as const };
  return evaluate(bytes, options.name, claim, resolveRules(options.rules), []);
}

/**
 * Turns a failed check into the error to show or send: code `InvalidParameter`, status 400,
 * `param` as given (`"input.first_frame_url"`), a message combining every problem, `detail`
 * listing the reasons, and the whole {@link FrameCheck} as `cause` (so `cause.problems` keeps
 * each problem). Returns `null` when the check passed. The code is `InvalidParameter` even for
 * format problems: it is what DashScope answers for a bad frame, and `problems` says which.
 */
export function frameCheckError(check: FrameCheck, param: string): KeyframeVideoError | null {
  if (check.ok) return null;
  const subject =
    param === 'input.first_frame_url'
      ? 'The first frame'
      : param === 'input.last_frame_url'
        ? 'The last frame'
        : 'The image';
  const details = check.problems.map((problem) => problem.message).join(' ');
  return new KeyframeVideoError({
    code: 'InvalidParameter',
    status: 400,
    param,
    message: `${subject} cannot be used. ${details || 'Replace it and try again.'}`,
    detail: check.problems.map((problem) => problem.reason).join(', '),
    cause: check,
  });
}

// ---------------------------------------------------------------------------------------------

interface MimeClaim {
  readonly mime: string;
  /** `type`: a Blob's type or `options.type`; `data-url`: the header of a data URL. */
  readonly source: 'type' | 'data-url';
}

function checkDataUrl(text: string, options: CheckFrameOptions): FrameCheck {
  const rules = resolveRules(options.rules);
  const parsed = parseDataUrl(text);
  const problems: FrameProblem[] = [];
  const mime = parsed.mime;
  if (mime !== undefined && !mime.startsWith('image/')) {
    problems.push({
      reason: 'invalid-data-url',
      message: `The data URL's media type is ${mime}, not an image type. Use ${mimeList(rules)}.`,
    });
  }
  if (!parsed.ok) {
    problems.push({ reason: 'invalid-data-url', message: parsed.message });
    const estimated = parsed.estimatedBytes ?? 0;
    if (estimated > rules.maxBytes) problems.push(fileTooLarge(estimated, rules));
    return { ok: false, bytes: estimated, problems };
  }
  const claim = mime?.startsWith('image/')
    ? { mime: parsed.mime, source: 'data-url' as const }
    : undefined;
  return evaluate(parsed.bytes, options.name, claim, rules, problems);
}

function evaluate(
  bytes: Uint8Array,
  name: string | undefined,
  claim: MimeClaim | undefined,
  rules: FrameRules,
  problems: FrameProblem[],
): FrameCheck {
  const size = bytes.length;
  if (size === 0) {
    problems.push({
      reason: 'empty',
      message: 'The file is empty (0 bytes). Choose an image file.',
    });
    return { ok: false, bytes: 0, problems };
  }
  const header = readImageHeader(bytes);
  const format = header.format;
  const info: ImageHeaderPartial | undefined = header.ok ? header : header.partial;
  const label = format === undefined ? undefined : FORMAT_INFO[format].label;
  const accepted = acceptedList(rules);

  if (!header.ok) {
    if (header.reason === 'truncated') {
      problems.push({
        reason: 'truncated',
        message: `The ${label ?? 'image'} file is incomplete (${header.message}); it was probably cut off while copying or uploading. Use the complete file.`,
      });
    } else if (header.reason === 'corrupt') {
      problems.push({
        reason: 'corrupt',
        message: `The ${label ?? 'image'} file is damaged (${header.message}). Open it in an image editor and save it again.`,
      });
    } else if (format === undefined) {
      problems.push({ reason: 'unsupported-format', message: unrecognised(name, claim, accepted) });
    } else {
      problems.push({
        reason: 'unsupported-format',
        message: `${label ?? format} images are not accepted${format === 'bmp' ? ` (${header.message})` : ''}. Convert it to ${accepted}.`,
      });
    }
  } else if (!rules.formats.some((rule) => rule.format === header.format)) {
    problems.push({
      reason: 'unsupported-format',
      message: `${label ?? header.format} images are not accepted here. Convert it to ${accepted}.`,
    });
  }

  if (format !== undefined) problems.push(...mismatches(format, name, claim, rules));

  if (info) {
    const { width, height } = info;
    const shown = `The image is ${width}×${height} pixels`;
    if (Math.min(width, height) < rules.minSide) {
      problems.push({
        reason: 'too-small',
        message: `${shown}; each side must be at least ${rules.minSide}. Use a larger image.`,
      });
    }
    if (Math.max(width, height) > rules.maxSide) {
      problems.push({
        reason: 'too-large',
        message: `${shown}; each side must be at most ${rules.maxSide}. Scale it down.`,
      });
    }
    if (info.hasAlpha && !rules.allowAlpha) {
      problems.push({
        reason: 'alpha',
        message: `${label ?? 'An image'} with transparency is not accepted: flatten it onto a background or save as JPEG.`,
      });
    }
  }
  if (size > rules.maxBytes) problems.push(fileTooLarge(size, rules));

  const frameFormat = isFrameFormat(format) ? format : undefined;
  return {
    ok: problems.length === 0,
    ...(frameFormat === undefined
      ? {}
      : { format: frameFormat, mime: ruleFor(frameFormat, rules).mimeTypes[0] ?? '' }),
    ...(info === undefined
      ? {}
      : {
          width: info.width,
          height: info.height,
          orientation: info.orientation,
          hasAlpha: info.hasAlpha,
        }),
    bytes: size,
    problems,
  };
}

function isFrameFormat(format: ImageFormat | undefined): format is FrameFormat {
  return format === 'jpeg' || format === 'png' || format === 'webp' || format === 'bmp';
}

/** The rule for a format: the caller's, if it lists the format, else the built-in one. */
function ruleFor(format: ImageFormat, rules: FrameRules): Omit<FrameFormatRule, 'format'> {
  return rules.formats.find((rule) => rule.format === format) ?? FORMAT_INFO[format];
}

/** The file name's extension and the media type must both agree with the bytes. */
function mismatches(
  format: ImageFormat,
  name: string | undefined,
  claim: MimeClaim | undefined,
  rules: FrameRules,
): FrameProblem[] {
  const rule = ruleFor(format, rules);
  const content = `the content is ${article(rule.label)} ${rule.label} image`;
  const problems: FrameProblem[] = [];
  const extension = extensionOf(name);
  // Only image extensions count: "photo.v2" says nothing about the format.
  if (extension !== undefined && isImageExtension(extension, rules)) {
    if (!rule.extensions.includes(extension)) {
      problems.push({
        reason: 'format-mismatch',
        message: `The file name ends in .${extension} but ${content}. Rename it to .${rule.extensions[0] ?? format}.`,
      });
    }
  }
  const mime = claimedMime(claim);
  if (claim && mime !== undefined && !rule.mimeTypes.includes(mime)) {
    const canonical = rule.mimeTypes[0] ?? 'image/*';
    problems.push({
      reason: 'format-mismatch',
      message:
        claim.source === 'data-url'
          ? `The data URL says ${mime} but ${content}. Start it with data:${canonical};base64, instead.`
          : `The file is labelled ${mime} but ${content}. Send it as ${canonical}.`,
    });
  }
  return problems;
}

function unrecognised(name: string | undefined, claim: MimeClaim | undefined, accepted: string) {
  const extension = extensionOf(name);
  const mime = claimedMime(claim);
  const said =
    claim?.source === 'data-url' && mime !== undefined
      ? `The data URL says ${mime} but its content`
      : mime !== undefined
        ? `The file is labelled ${mime} but its content`
        : extension !== undefined
          ? `The file is named .${extension} but its content`
          : 'The file';
  return `${said} is not an image in a format we recognise. Use an image in ${accepted} format.`;
}

/** A media type worth comparing: generic labels such as application/octet-stream say nothing. */
function claimedMime(claim: MimeClaim | undefined): string | undefined {
  const mime = claim?.mime.split(';')[0]?.trim().toLowerCase();
  if (mime === undefined || mime === '' || mime === 'application/octet-stream') return undefined;
  return mime;
}

function extensionOf(name: string | undefined): string | undefined {
  const base = name?.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot > 0 && dot < base.length - 1 ? base.slice(dot + 1).toLowerCase() : undefined;
}

function isImageExtension(extension: string, rules: FrameRules): boolean {
  return (
    rules.formats.some((rule) => rule.extensions.includes(extension)) ||
    Object.values(FORMAT_INFO).some((info) => info.extensions.includes(extension))
  );
}

function fileTooLarge(size: number, rules: FrameRules): FrameProblem {
  const actual = megabytes(size);
  const limit = megabytes(rules.maxBytes);
  const sizes =
    actual === limit
      ? `${grouped(size)} bytes; the limit is ${grouped(rules.maxBytes)} bytes (${limit})`
      : `${actual}; the limit is ${limit}`;
  return {
    reason: 'file-too-large',
    message: `The file is ${sizes}. Save it with more compression (for example as JPEG) or use a smaller image.`,
  };
}

function megabytes(bytes: number): string {
  const value = bytes / (1024 * 1024);
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MB`;
}

const grouped = (value: number): string => value.toLocaleString('en-US');

/** "JPEG, PNG, BMP or WebP": the accepted formats, as messages name them. */
const acceptedList = (rules: FrameRules): string =>
  orList(rules.formats.map((rule) => rule.label)) ?? 'no format';

const mimeList = (rules: FrameRules): string =>
  orList(rules.formats.flatMap((rule) => rule.mimeTypes.slice(0, 1))) ?? 'an image type';

function orList(items: readonly string[]): string | undefined {
  const last = items.at(-1);
  if (last === undefined) return undefined;
  return items.length === 1 ? last : `${items.slice(0, -1).join(', ')} or ${last}`;
}

const article = (word: string): string => (/^[AEFILMNORSX]/.test(word) ? 'an' : 'a');

function resolveRules(overrides: Partial<FrameRules> | undefined): FrameRules {
  if (!overrides) return FRAME_RULES;
  const defined = Object.fromEntries(
    Object.entries(overrides).filter(([, value]) => value !== undefined),
  ) as Partial<FrameRules>;
  return { ...FRAME_RULES, ...defined };
}

async function readBlob(blob: Blob): Promise<Uint8Array> {
  try {
    if (typeof blob.arrayBuffer === 'function') return new Uint8Array(await blob.arrayBuffer());
    // jsdom's Blob has no arrayBuffer(); its FileReader can still read it.
    return await new Promise<Uint8Array>((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
      reader.onerror = () => reject(reader.error ?? new Error('FileReader failed'));
      reader.readAsArrayBuffer(blob);
    });
  } catch (cause) {
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      message: 'The file could not be read (was it moved or deleted?). Choose it again.',
      cause,
    });
  }
}
