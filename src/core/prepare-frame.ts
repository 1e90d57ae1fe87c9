/**
 * `prepareFrame`: conforms a user's image to the frame rules in the browser before anything is
 * sent — phone photos (6000×4000, stored sideways with an EXIF orientation), PNGs with
 * transparency, tiny icons, 15 MB files — and says in plain words what it changed. DashScope
 * refuses such images only after the user has waited; fixing them here costs a second.
 *
 * The work runs in a Web Worker with OffscreenCanvas when the browser has them (the worker
 * ships inside this package, bundled by Vite; nothing is loaded from a CDN) and on the main
 * thread otherwise. It is abortable and time-limited: a damaged file gives an error, never a
 * hang.
 */
import { KeyframeVideoError, isKeyframeVideoError } from './errors.js';
import { FRAME_RULES, type FrameFormat, type FrameRules, type ImageFormat } from './frames.js';
import type { FrameFit } from './frame-geometry.js';
import { aspectLabel } from './frame-rules.js';
import { runFramePipeline } from './image-pipeline.js';
import type {
  FromFrameWorker,
  ResolvedPrepareFrameOptions,
  SerializedFrameError,
  ToFrameWorker,
} from './prepare-frame-protocol.js';

export type { FrameFit } from './frame-geometry.js';

/** Where the work may run: `auto` uses a worker when the browser can, `never` stays on the main thread. */
export type PrepareFrameWorkerMode = 'auto' | 'never';

/** The format a re-encoded frame is written in. PNG frames are written without alpha. */
export type PrepareFrameOutputFormat = 'jpeg' | 'png';

/**
 * `when-needed`: a file that already meets every rule and the byte target is returned
 * unchanged (no generation loss). `always`: every file is decoded and re-encoded.
 */
export type PrepareFrameReencode = 'when-needed' | 'always';

/** An aspect ratio: `16 / 9`, or a size such as the first frame's `{ width: 1920, height: 1080 }`. */
export type FrameAspect = number | { readonly width: number; readonly height: number };

/** Options of {@link prepareFrame}. Every one is optional; see {@link PREPARE_FRAME_DEFAULTS}. */
export interface PrepareFrameOptions {
  /** Overrides for {@link FRAME_RULES} (sides, byte limit, accepted formats). */
  rules?: Partial<FrameRules> | undefined;
  /** CSS colour (opaque) that transparency is flattened onto and padding is filled with. */
  background?: string | undefined;
  /**
   * For images too long and thin for any scale to fit both sides into range (a 4000×300
   * panorama): `pad` keeps the whole picture and adds bars; `crop` keeps the centre.
   */
  fit?: FrameFit | undefined;
  /**
   * Crops (centred) to this aspect ratio before scaling. Pass the first frame's size when
   * preparing the last frame: the video takes the first frame's shape.
   */
  cropToAspect?: FrameAspect | undefined;
  /** Output format when the image is re-encoded. */
  format?: PrepareFrameOutputFormat | undefined;
  /** JPEG quality to start from (0–1]. */
  quality?: number | undefined;
  /** The lowest JPEG quality to step down to before scaling the image down instead. */
  minQuality?: number | undefined;
  /**
   * Byte budget for the output (capped at `rules.maxBytes`). The default keeps two frames,
   * sent as base64 data URLs in one JSON body, under a 4.5 MB serverless request limit.
   */
  targetBytes?: number | undefined;
  reencode?: PrepareFrameReencode | undefined;
  worker?: PrepareFrameWorkerMode | undefined;
  /** Aborting rejects with code `Aborted` and stops the worker's job. */
  signal?: AbortSignal | undefined;
  /** Gives up (code `FrameRejected`) after this many milliseconds: a damaged file never hangs. */
  timeoutMs?: number | undefined;
  /** The request field this frame is for (`"input.first_frame_url"`), put on every error. */
  param?: string | undefined;
  /** The file name, for messages and the output's name (a File's own name by default). */
  name?: string | undefined;
}

/** The defaults of {@link PrepareFrameOptions}. */
export const PREPARE_FRAME_DEFAULTS = Object.freeze({
  background: '#ffffff',
  fit: 'pad' as FrameFit,
  format: 'jpeg' as PrepareFrameOutputFormat,
  quality: 0.92,
  minQuality: 0.6,
  /** 1.5 MiB: two frames as base64 (×4/3) plus the prompt stay under 4.5 MB. */
  targetBytes: 1.5 * 1024 * 1024,
  reencode: 'when-needed' as PrepareFrameReencode,
  worker: 'auto' as PrepareFrameWorkerMode,
  timeoutMs: 30_000,
});

/** What kind of change was made; each comes with a sentence in {@link FrameChange.message}. */
export type FrameChangeKind =
  'rotated' | 'cropped' | 'resized' | 'padded' | 'flattened' | 'converted' | 'recompressed';

/** One change, e.g. `{ kind: 'resized', message: 'resized 6000×4000 → 2000×1333 (…)' }`. */
export interface FrameChange {
  readonly kind: FrameChangeKind;
  /** Plain words for people, lower-case (the report's `summary` joins them into a sentence). */
  readonly message: string;
}

/** What the input was. `width`/`height` are as displayed (EXIF orientation applied). */
export interface PrepareFrameInputFacts {
  /** From the bytes, not the name; `unknown` when the browser decoded something unrecognised. */
  readonly format: ImageFormat | 'unknown';
  readonly width: number | undefined;
  readonly height: number | undefined;
  readonly bytes: number;
  /** EXIF orientation, 1–8 (1 = as stored). */
  readonly orientation: number;
}

/** What the output is. */
export interface PrepareFrameOutputFacts {
  readonly format: FrameFormat;
  readonly mime: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  /** JPEG quality used (0–1); undefined for PNG and for files kept as they were. */
  readonly quality: number | undefined;
}

/** `kept`: the input already met every rule and is returned unchanged; `prepared`: re-encoded. */
export type PrepareFrameOutcome = 'kept' | 'prepared';

/** Where the work ran. */
export type PrepareFrameThread = 'worker' | 'main-thread';

/** What happened to the image, for people (`summary`, messages) and for code (`kind`s, facts). */
export interface PrepareFrameReport {
  readonly outcome: PrepareFrameOutcome;
  /** One sentence: "Rotated per EXIF (…); resized 6000×4000 → 2000×1333 (…); …". */
  readonly summary: string;
  /** Every change, in the order applied. Empty when `outcome` is `kept`. */
  readonly changes: readonly FrameChange[];
  /** What was left alone: "aspect ratio (3:2)", "orientation (no EXIF rotation)", … */
  readonly kept: readonly string[];
  readonly input: PrepareFrameInputFacts;
  readonly output: PrepareFrameOutputFacts;
  readonly ranIn: PrepareFrameThread;
}

/** A frame that passes `checkFrame`, ready to send, and the report of how it got there. */
export interface PreparedFrame {
  /** The image (its `type` is the output's media type). */
  readonly blob: Blob;
  /** The input's name with the output's extension (`IMG_0001.jpg`), or `frame.jpg`. */
  readonly name: string;
  /** `data:image/jpeg;base64,…`, the form DashScope accepts for `first_frame_url`/`last_frame_url`. */
  readonly dataUrl: string;
  readonly width: number;
  readonly height: number;
  readonly report: PrepareFrameReport;
}

/**
 * Makes an image acceptable as a keyframe and reports what changed: decodes it with its EXIF
 * orientation applied, flattens transparency onto `background`, scales both sides into
 * [360, 2000] px keeping the aspect (pads or crops shapes no scale can fix, per `fit`), crops
 * to `cropToAspect` if given, and re-encodes (JPEG by default) at the highest quality that fits
 * `targetBytes`. A file that already passes is kept as is.
 *
 * Rejects with a {@link KeyframeVideoError}: `FrameRejected` for files that cannot be used
 * (HEIC the browser cannot read, SVG, damaged, not an image, timed out) with a message that says
 * what to do; `Aborted` when `signal` aborts; `InvalidParameter` for bad options.
 *
 * @example
 * const { dataUrl, report } = await prepareFrame(file, { param: 'input.first_frame_url' });
 * console.log(report.summary); // "Rotated per EXIF (orientation 6: …); resized 4000×6000 → …"
 */
export async function prepareFrame(
  file: Blob,
  options: PrepareFrameOptions = {},
): Promise<PreparedFrame> {
  const resolved = resolveOptions(file, options);
  const { signal } = options;
  const cancelled = () =>
    new KeyframeVideoError({
      code: 'Aborted',
      param: resolved.param,
      message: 'Preparing the image was cancelled.',
      cause: signal?.reason,
    });
  if (signal?.aborted) throw cancelled();

  const timeoutMs = options.timeoutMs ?? PREPARE_FRAME_DEFAULTS.timeoutMs;
  const controller = new AbortController();
  const onAbort = () => controller.abort(cancelled());
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    controller.abort(
      new KeyframeVideoError({
        code: 'FrameRejected',
        param: resolved.param,
        retryable: false,
        message: `Preparing this image took longer than ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}, so it was stopped. The file may be damaged or unusually large: export it again as a JPEG and try again.`,
        detail: `timed out after ${timeoutMs} ms`,
      }),
    );
  }, timeoutMs);
  try {
    const mode = options.worker ?? PREPARE_FRAME_DEFAULTS.worker;
    if (mode === 'auto' && workerSupport !== 'unavailable' && canStartWorkers()) {
      try {
        return await runInWorker(file, resolved, controller.signal);
      } catch (error) {
        if (!(error instanceof WorkerUnavailable)) throw error;
        workerSupport = 'unavailable';
      }
    }
    return await runFramePipeline(file, resolved, {
      ranIn: 'main-thread',
      signal: controller.signal,
    });
  } catch (error) {
    throw asFrameError(error, resolved.param);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

// ---------------------------------------------------------------------------------------------
// Options

function invalid(message: string): KeyframeVideoError {
  return new KeyframeVideoError({ code: 'InvalidParameter', message });
}

const isPositive = (value: number) => Number.isFinite(value) && value > 0;

function resolveAspect(aspect: FrameAspect): { ratio: number; label: string } {
  if (typeof aspect === 'number') {
    if (!isPositive(aspect)) throw invalid(`cropToAspect must be a positive ratio, not ${aspect}.`);
    return { ratio: aspect, label: `${Number(aspect.toFixed(3))}:1` };
  }
  if (!isPositive(aspect.width) || !isPositive(aspect.height)) {
    throw invalid(
      `cropToAspect must have a positive width and height, not ${aspect.width}×${aspect.height}.`,
    );
  }
  return { ratio: aspect.width / aspect.height, label: aspectLabel(aspect.width, aspect.height) };
}

function resolveOptions(file: Blob, options: PrepareFrameOptions): ResolvedPrepareFrameOptions {
  if (!(file instanceof Blob)) throw invalid('prepareFrame takes a File or a Blob.');
  const overrides = Object.fromEntries(
    Object.entries(options.rules ?? {}).filter(([, value]) => value !== undefined),
  ) as Partial<FrameRules>;
  const rules: FrameRules = { ...FRAME_RULES, ...overrides };
  const defaults = PREPARE_FRAME_DEFAULTS;
  const format = options.format ?? defaults.format;
  if (format !== 'jpeg' && format !== 'png')
    throw invalid(`format must be "jpeg" or "png", not ${String(format)}.`);
  if (!rules.formats.some((rule) => rule.format === format)) {
    throw invalid(
      `format is "${format}" but the rules do not accept ${format.toUpperCase()} frames.`,
    );
  }
  const fit = options.fit ?? defaults.fit;
  if (fit !== 'pad' && fit !== 'crop')
    throw invalid(`fit must be "pad" or "crop", not ${String(fit)}.`);
  const quality = options.quality ?? defaults.quality;
  if (!(quality > 0 && quality <= 1)) throw invalid(`quality must be in (0, 1], not ${quality}.`);
  const minQuality = options.minQuality ?? Math.min(defaults.minQuality, quality);
  if (!(minQuality > 0 && minQuality <= quality)) {
    throw invalid(`minQuality must be in (0, quality], not ${minQuality}.`);
  }
  const targetBytes = options.targetBytes ?? defaults.targetBytes;
  if (!isPositive(targetBytes))
    throw invalid(`targetBytes must be a positive number, not ${targetBytes}.`);
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
  if (!isPositive(timeoutMs))
    throw invalid(`timeoutMs must be a positive number, not ${timeoutMs}.`);
  if (!(rules.minSide > 0 && rules.minSide <= rules.maxSide)) {
    throw invalid(
      `rules.minSide (${rules.minSide}) must be positive and at most rules.maxSide (${rules.maxSide}).`,
    );
  }
  const ownName = (file as Partial<File>).name;
  return {
    rules,
    background: options.background ?? defaults.background,
    fit,
    aspect: options.cropToAspect === undefined ? undefined : resolveAspect(options.cropToAspect),
    format,
    quality,
    minQuality,
    maxOutputBytes: Math.min(targetBytes, rules.maxBytes),
    reencode: options.reencode ?? defaults.reencode,
    param: options.param,
    name: options.name ?? (typeof ownName === 'string' && ownName !== '' ? ownName : undefined),
  };
}

function asFrameError(error: unknown, param: string | undefined): KeyframeVideoError {
  if (isKeyframeVideoError(error)) return error;
  return new KeyframeVideoError({
    code: 'FrameRejected',
    param,
    retryable: false,
    message:
      'The image could not be prepared. Try another image, or export this one again as a JPEG.',
    detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    cause: error,
  });
}

// ---------------------------------------------------------------------------------------------
// Workers: started on first use, kept idle for a while for the next frame, terminated when a
// job is aborted or times out (canvas work cannot be interrupted any other way).

/** Why the worker path is not usable here; the caller falls back to the main thread. */
class WorkerUnavailable extends Error {
  override readonly name = 'WorkerUnavailable';
}

type WorkerSupport = 'untried' | 'available' | 'unavailable';
let workerSupport: WorkerSupport = 'untried';
const WORKER_START_MS = 10_000;
const WORKER_IDLE_MS = 15_000;
const MAX_IDLE_WORKERS = 2;
const idleWorkers: { worker: Worker; timer: ReturnType<typeof setTimeout> }[] = [];
let nextJobId = 1;

function canStartWorkers(): boolean {
  return typeof Worker === 'function' && typeof OffscreenCanvas === 'function';
}

function startWorker(): Promise<Worker> {
  return new Promise<Worker>((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./prepare-frame-worker.js', import.meta.url), {
        type: 'module',
        name: 'react-keyframe-video prepare-frame',
      });
    } catch (error) {
      reject(new WorkerUnavailable(error instanceof Error ? error.message : String(error)));
      return;
    }
    const stop = () => {
      clearTimeout(timer);
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
    };
    const fail = (why: string) => {
      stop();
      worker.terminate();
      reject(new WorkerUnavailable(why));
    };
    const onMessage = (event: MessageEvent<FromFrameWorker>) => {
      if (event.data.type !== 'ready') return;
      stop();
      if (event.data.canvas === 'offscreen-2d') {
        workerSupport = 'available';
        resolve(worker);
      } else {
        fail('no 2D OffscreenCanvas in workers');
      }
    };
    const onError = (event: ErrorEvent) => {
      event.preventDefault();
      fail(event.message || 'the worker script could not be loaded');
    };
    const timer = setTimeout(() => fail('the worker did not start in time'), WORKER_START_MS);
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
  });
}

async function acquireWorker(signal: AbortSignal): Promise<Worker> {
  const idle = idleWorkers.pop();
  if (idle) {
    clearTimeout(idle.timer);
    return idle.worker;
  }
  const starting = startWorker();
  if (!signal.aborted) {
    return new Promise<Worker>((resolve, reject) => {
      const onAbort = () => reject(signal.reason as unknown);
      signal.addEventListener('abort', onAbort, { once: true });
      starting.then(
        (worker) => {
          signal.removeEventListener('abort', onAbort);
          if (signal.aborted) releaseWorker(worker);
          else resolve(worker);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }
  starting.then(releaseWorker, () => undefined);
  throw signal.reason;
}

function releaseWorker(worker: Worker): void {
  if (idleWorkers.length >= MAX_IDLE_WORKERS) {
    worker.terminate();
    return;
  }
  const entry = {
    worker,
    timer: setTimeout(() => {
      const index = idleWorkers.indexOf(entry);
      if (index >= 0) idleWorkers.splice(index, 1);
      worker.terminate();
    }, WORKER_IDLE_MS),
  };
  idleWorkers.push(entry);
}

function reviveError(error: SerializedFrameError): KeyframeVideoError {
  return new KeyframeVideoError({
    code: error.code,
    message: error.message,
    param: error.param,
    detail: error.detail,
  });
}

async function runInWorker(
  file: Blob,
  options: ResolvedPrepareFrameOptions,
  signal: AbortSignal,
): Promise<PreparedFrame> {
  const worker = await acquireWorker(signal);
  const id = nextJobId++;
  return new Promise<PreparedFrame>((resolve, reject) => {
    const stop = () => {
      signal.removeEventListener('abort', onAbort);
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      worker.removeEventListener('messageerror', onError);
    };
    const onMessage = (event: MessageEvent<FromFrameWorker>) => {
      const message = event.data;
      if (message.type === 'ready' || message.id !== id) return;
      stop();
      releaseWorker(worker);
      if (message.type === 'done') resolve(message.frame);
      else reject(reviveError(message.error));
    };
    const onError = (event: Event) => {
      event.preventDefault();
      stop();
      worker.terminate();
      reject(
        new KeyframeVideoError({
          code: 'FrameRejected',
          param: options.param,
          retryable: false,
          message:
            'The browser stopped preparing this image (it may be too large for this device). Try a smaller image.',
          detail: event instanceof ErrorEvent ? event.message : event.type,
        }),
      );
    };
    const onAbort = () => {
      // The canvas work cannot be interrupted: end the worker, and with it the job.
      stop();
      worker.terminate();
      reject(signal.reason as unknown);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    worker.addEventListener('messageerror', onError);
    const message: ToFrameWorker = { type: 'prepare', id, file, options };
    worker.postMessage(message);
  });
}
