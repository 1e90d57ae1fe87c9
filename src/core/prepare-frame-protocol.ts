/**
 * What `prepareFrame` hands to the pipeline, in the worker or on the main thread: the options
 * with every default filled in and every value checked (plain data, so it survives
 * `postMessage`), and the messages between the page and the worker. Internal: not exported
 * from the package.
 */
import type { FrameRules } from './frames.js';
import type { FrameFit } from './frame-geometry.js';
import type {
  PreparedFrame,
  PrepareFrameOutputFormat,
  PrepareFrameReencode,
} from './prepare-frame.js';

/** The options after defaults and validation. */
export interface ResolvedPrepareFrameOptions {
  readonly rules: FrameRules;
  /** A CSS colour for transparency and padding. */
  readonly background: string;
  readonly fit: FrameFit;
  /** width / height to crop to, with its label for the report ("16:9"). */
  readonly aspect: { readonly ratio: number; readonly label: string } | undefined;
  readonly format: PrepareFrameOutputFormat;
  readonly quality: number;
  readonly minQuality: number;
  /** The byte budget: `min(targetBytes, rules.maxBytes)`. */
  readonly maxOutputBytes: number;
  readonly reencode: PrepareFrameReencode;
  readonly param: string | undefined;
  /** The input's file name, if any (for messages and the output's name). */
  readonly name: string | undefined;
}

/** Page → worker. */
export type ToFrameWorker = {
  readonly type: 'prepare';
  readonly id: number;
  readonly file: Blob;
  readonly options: ResolvedPrepareFrameOptions;
};

/** A KeyframeVideoError as plain data (`KeyframeVideoError#toJSON`). */
export interface SerializedFrameError {
  readonly code: string;
  readonly message: string;
  readonly param?: string | undefined;
  readonly detail?: string | undefined;
}

/** Worker → page. `ready` comes once, when the module has loaded. */
export type FromFrameWorker =
  | { readonly type: 'ready'; readonly canvas: 'offscreen-2d' | 'none' }
  | { readonly type: 'done'; readonly id: number; readonly frame: PreparedFrame }
  | { readonly type: 'failed'; readonly id: number; readonly error: SerializedFrameError };
