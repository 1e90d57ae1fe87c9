/**
 * Turns what a user gives for a frame (a File, a pasted link, a data URL) into a frame that is
 * ready to send or says exactly what is wrong with it: conformed with `prepareFrame` where the
 * browser can (decode, rotate, flatten, scale, re-encode), then checked against the frame
 * rules. Abortable: a newer frame for the same slot aborts the older one's work.
 */
import {
  checkFrame,
  decodeDataUrl,
  encodeDataUrl,
  frameCheckError,
  KeyframeVideoError,
  prepareFrame,
  toKeyframeVideoError,
  type FrameCheck,
  type PrepareFrameReport,
} from '../core/index.js';
// From the frame rules, not the form's modules, so this lazily loaded code shares only core
// modules with the page (a bundler would otherwise split those into one more initial chunk).
import { frameParam, isFrameUrl, nameOf } from '../core/frame-rules.js';
import type { StoredFrame } from './frame-store.js';
import type { FrameSlot, FrameValue, KeyframeVideoFrame } from './keyframe-video-state.js';

/** What a custom preparation is told. */
export interface PrepareFrameContext {
  readonly slot: FrameSlot;
  /** The wire field: `"input.first_frame_url"` or `"input.last_frame_url"`. */
  readonly param: string;
  /** Aborted when the frame is replaced, or the form is reset or unmounted. */
  readonly signal: AbortSignal;
}

/** What a custom preparation returns: the image to send and, optionally, what it changed. */
export interface PreparedFrameOutput {
  readonly blob: Blob;
  /** The output's file name (its extension should match its format). */
  readonly name?: string | undefined;
  readonly report?: PrepareFrameReport | undefined;
}

/** A custom preparation, e.g. an app's own resizer. Reject with a KeyframeVideoError to refuse. */
export type PrepareFrameFunction = (
  file: Blob,
  context: PrepareFrameContext,
) => Promise<PreparedFrameOutput>;

/**
 * How frames are conformed before they are checked:
 * - `'auto'` (default): `prepareFrame` where the browser can decode images (it needs
 *   `createImageBitmap`; it uses a worker when it can), otherwise the file is only checked;
 * - `'off'`: only checked — a file that breaks a rule is refused with the reasons;
 * - a function: your own preparation; its output is checked too.
 */
export type FramePreparation = 'auto' | 'off' | PrepareFrameFunction;

/** A processed frame and the bytes to keep for a reload (none for http(s) links). */
export interface ProcessedFrame {
  readonly frame: Exclude<KeyframeVideoFrame, { status: 'empty' | 'preparing' }>;
  readonly stored: StoredFrame | undefined;
}

/** Reads a Blob's bytes, also where `Blob#arrayBuffer` is missing (older engines, jsdom). */
async function readBytes(blob: Blob, signal: AbortSignal): Promise<Uint8Array> {
  signal.throwIfAborted();
  if (typeof blob.arrayBuffer === 'function') return new Uint8Array(await blob.arrayBuffer());
  return new Promise<Uint8Array>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () =>
      reject(
        new KeyframeVideoError({
          code: 'FrameRejected',
          retryable: false,
          message: 'The file could not be read (was it moved or deleted?). Choose it again.',
          cause: reader.error,
        }),
      );
    reader.readAsArrayBuffer(blob);
  });
}

function preparationFor(preparation: FramePreparation): PrepareFrameFunction | undefined {
  if (typeof preparation === 'function') return preparation;
  if (preparation === 'off') return undefined;
  // `prepareFrame` decodes with createImageBitmap; without it (servers, jsdom) only check.
  if (typeof createImageBitmap !== 'function') return undefined;
  return (file, context) =>
    prepareFrame(file, { param: context.param, signal: context.signal }).then((prepared) => ({
      blob: prepared.blob,
      name: prepared.name,
      report: prepared.report,
    }));
}

/** The error with `param` set to the frame's field, when it names none. */
function withParam(error: KeyframeVideoError, param: string): KeyframeVideoError {
  if (error.param !== undefined) return error;
  return new KeyframeVideoError({
    code: error.code,
    param,
    message: error.message,
    detail: error.detail,
    retryable: false,
    cause: error,
  });
}

function invalid(
  name: string | undefined,
  file: Blob | undefined,
  error: KeyframeVideoError,
  check?: FrameCheck,
): ProcessedFrame {
  return { frame: { status: 'invalid', name, file, error, check }, stored: undefined };
}

async function processFile(
  original: Blob,
  slot: FrameSlot,
  preparation: FramePreparation,
  signal: AbortSignal,
): Promise<ProcessedFrame> {
  const param = frameParam(slot);
  const originalName = nameOf(original);
  const prepare = preparationFor(preparation);
  let blob = original;
  let name = originalName;
  let report: PrepareFrameReport | undefined;
  if (prepare) {
    try {
      const output = await prepare(original, { slot, param, signal });
      blob = output.blob;
      name = output.name ?? originalName;
      report = output.report;
    } catch (error) {
      const converted = toKeyframeVideoError(error);
      if (converted.code === 'Aborted' || signal.aborted) throw converted;
      return {
        ...invalid(originalName, original, withParam(converted, param)),
        stored: await keep(original, originalName, signal),
      };
    }
  }
  const bytes = await readBytes(blob, signal);
  signal.throwIfAborted();
  const check = await checkFrame(bytes, { name, type: blob.type === '' ? undefined : blob.type });
  const type = check.mime ?? (blob.type || 'application/octet-stream');
  const stored: StoredFrame = { bytes, type, name };
  const error = frameCheckError(check, param);
  if (error) return { ...invalid(name, blob, error, check), stored };
  return {
    frame: {
      status: 'ready',
      name,
      file: blob,
      url: encodeDataUrl(bytes, type),
      width: check.width,
      height: check.height,
      report,
    },
    stored,
  };
}

async function keep(
  blob: Blob,
  name: string | undefined,
  signal: AbortSignal,
): Promise<StoredFrame | undefined> {
  try {
    return { bytes: await readBytes(blob, signal), type: blob.type, name };
  } catch {
    return undefined;
  }
}

async function processText(text: string, slot: FrameSlot): Promise<ProcessedFrame> {
  const param = frameParam(slot);
  const subject = slot === 'first' ? 'The first frame' : 'The last frame';
  if (text.slice(0, 5).toLowerCase() === 'data:') {
    const check = await checkFrame(text);
    const error = frameCheckError(check, param);
    if (error) return invalid(undefined, undefined, error, check);
    const decoded = decodeDataUrl(text);
    return {
      frame: {
        status: 'ready',
        name: undefined,
        file: undefined,
        url: text,
        width: check.width,
        height: check.height,
        report: undefined,
      },
      stored: { bytes: decoded.bytes, type: decoded.mime, name: undefined },
    };
  }
  if (!isFrameUrl(text)) {
    return invalid(
      text,
      undefined,
      new KeyframeVideoError({
        code: 'InvalidParameter',
        param,
        retryable: false,
        message: `${subject} must be an http(s) link or an image file. Check the link or choose a file.`,
      }),
    );
  }
  return {
    frame: {
      status: 'ready',
      name: text,
      file: undefined,
      url: text,
      width: undefined,
      height: undefined,
      report: undefined,
    },
    stored: undefined,
  };
}

/**
 * Prepares (where possible) and checks one frame. Resolves with `ready` or `invalid` (with the
 * reasons, `param` naming the slot); rejects only with `Aborted` when `signal` aborts.
 */
export async function processFrame(
  value: FrameValue,
  slot: FrameSlot,
  preparation: FramePreparation,
  signal: AbortSignal,
): Promise<ProcessedFrame> {
  let result: ProcessedFrame;
  try {
    result =
      typeof value === 'string'
        ? await processText(value, slot)
        : await processFile(value, slot, preparation, signal);
  } catch (error) {
    const converted = toKeyframeVideoError(error);
    if (signal.aborted || converted.code === 'Aborted') throw converted;
    // A file that cannot be read is a problem with this frame, not with the form.
    result = invalid(
      nameOf(value),
      typeof value === 'string' ? undefined : value,
      withParam(converted, frameParam(slot)),
    );
  }
  if (signal.aborted) throw new KeyframeVideoError({ code: 'Aborted' });
  return result;
}
