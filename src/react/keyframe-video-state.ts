/**
 * The named states of a keyframe-to-video job and the values around it (inputs, frames,
 * results), as typed unions. `useKeyframeVideo` returns them; components expose `status` as
 * `data-state`. No React here.
 */
import type {
  FrameCheck,
  KeyframeVideoError,
  KeyframeVideoUsage,
  PrepareFrameReport,
} from '../core/index.js';

/**
 * Where a job is in its life: `idle → preparing → submitting → queued → running →
 * succeeded | failed | canceled | expired`.
 */
export type KeyframeVideoPhase =
  | 'idle'
  | 'preparing'
  | 'submitting'
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'canceled'
  | 'expired';

/**
 * What to show: a phase, or `retrying` (transport trouble inside a phase; another attempt is
 * scheduled at `retryAt`) or `error` (gave up after repeated trouble; `retry()` resumes).
 */
export type KeyframeVideoStatus = KeyframeVideoPhase | 'retrying' | 'error';

/** The phases that transport trouble can interrupt. */
export type KeyframeVideoActivePhase = 'submitting' | 'queued' | 'running';

/** A finished video. The link stops working at `expiresAt` (24 h after the task ended). */
export interface KeyframeVideoResult {
  readonly taskId: string;
  /** The MP4 link; offer a download, it expires. */
  readonly videoUrl: string;
  /** When the link stops working (epoch ms): its `Expires` parameter, else end + 24 h. */
  readonly expiresAt: number;
  /** The prompt as sent. */
  readonly origPrompt: string | undefined;
  /** The prompt as the service rewrote it (only with prompt extension). */
  readonly actualPrompt: string | undefined;
  readonly usage: KeyframeVideoUsage | undefined;
  /** Service times in epoch ms, when it sent them. */
  readonly submittedAt: number | undefined;
  readonly scheduledAt: number | undefined;
  readonly endedAt: number | undefined;
}

interface JobBase<S extends KeyframeVideoStatus, P extends KeyframeVideoPhase> {
  readonly status: S;
  readonly phase: P;
}

/** The task being made: its id and when it was submitted (epoch ms). */
interface TaskRef {
  readonly taskId: string;
  readonly startedAt: number;
  /** The median duration of earlier videos of this model and resolution; undefined when unknown. */
  readonly expectedDurationMs: number | undefined;
}

/** A job, as a union discriminated by `status`; each state carries exactly what it has. */
export type KeyframeVideoJob =
  | JobBase<'idle', 'idle'>
  | JobBase<'preparing', 'preparing'>
  | (JobBase<'submitting', 'submitting'> & { readonly startedAt: number })
  | (JobBase<'queued', 'queued'> & TaskRef)
  | (JobBase<'running', 'running'> & TaskRef)
  | (JobBase<'retrying', KeyframeVideoActivePhase> & {
      readonly error: KeyframeVideoError;
      /** When the next attempt goes out (epoch ms). */
      readonly retryAt: number;
      /** Consecutive failed attempts. */
      readonly attempt: number;
      readonly taskId: string | undefined;
      readonly startedAt: number;
      readonly expectedDurationMs: number | undefined;
    })
  | (JobBase<'error', KeyframeVideoActivePhase> & {
      readonly error: KeyframeVideoError;
      readonly taskId: string | undefined;
      readonly startedAt: number;
      readonly expectedDurationMs: number | undefined;
    })
  | (JobBase<'succeeded', 'succeeded'> & { readonly result: KeyframeVideoResult })
  | (JobBase<'failed', 'failed'> & {
      readonly error: KeyframeVideoError;
      /** Undefined when the request was refused before a task existed. */
      readonly taskId: string | undefined;
    })
  | (JobBase<'canceled', 'canceled'> & { readonly taskId: string })
  | (JobBase<'expired', 'expired'> & {
      readonly error: KeyframeVideoError;
      readonly taskId: string;
      /** The result whose link has expired, when there was one. */
      readonly result: KeyframeVideoResult | undefined;
    });

/** The two frames of a keyframe video. */
export type FrameSlot = 'first' | 'last';

/** A frame as the user gave it: a file, or a link (http(s) or data URL). */
export type FrameValue = Blob | string;

/**
 * One frame slot, as a union discriminated by `status`:
 * `empty` → `preparing` (checked, and conformed where the browser can) → `ready` | `invalid`.
 */
export type KeyframeVideoFrame =
  | { readonly status: 'empty' }
  | {
      readonly status: 'preparing';
      /** The file name (or the link). */
      readonly name: string | undefined;
      /** The file being prepared; undefined for links and while restoring after a reload. */
      readonly file: Blob | undefined;
    }
  | {
      readonly status: 'ready';
      readonly name: string | undefined;
      /** The bytes that will be sent (after preparation); undefined for http(s) links. */
      readonly file: Blob | undefined;
      /** What is sent: a data URL, or the http(s) link as given. */
      readonly url: string;
      /** Displayed size in pixels; undefined for http(s) links (not downloaded here). */
      readonly width: number | undefined;
      readonly height: number | undefined;
      /** What preparation changed, when it ran. */
      readonly report: PrepareFrameReport | undefined;
    }
  | {
      readonly status: 'invalid';
      readonly name: string | undefined;
      readonly file: Blob | undefined;
      /** Every problem in one sentence, `param` naming the frame. */
      readonly error: KeyframeVideoError;
      /** The full check, when the bytes could be read. */
      readonly check: FrameCheck | undefined;
    };

/** The form's values (everything but the frames). */
export interface KeyframeVideoInputs {
  /** A model id from the capability table. */
  readonly model: string;
  readonly prompt: string;
  readonly negativePrompt: string;
  /** An effect template of the model; undefined for none. */
  readonly template: string | undefined;
  /** Undefined: the model's default. */
  readonly resolution: string | undefined;
  /** Undefined: random. */
  readonly seed: number | undefined;
  /** Undefined: the service default (off). */
  readonly watermark: boolean | undefined;
  /** Undefined: the service default (on). */
  readonly promptExtend: boolean | undefined;
}

/** The fields an error can concern, named as the inputs are. */
export type KeyframeVideoField =
  | 'model'
  | 'firstFrame'
  | 'lastFrame'
  | 'prompt'
  | 'negativePrompt'
  | 'template'
  | 'resolution'
  | 'seed'
  | 'watermark'
  | 'promptExtend';

const FIELD_BY_PARAM: Readonly<Record<string, KeyframeVideoField>> = {
  model: 'model',
  'input.first_frame_url': 'firstFrame',
  'input.last_frame_url': 'lastFrame',
  'input.prompt': 'prompt',
  'input.negative_prompt': 'negativePrompt',
  'input.template': 'template',
  'parameters.resolution': 'resolution',
  'parameters.seed': 'seed',
  'parameters.watermark': 'watermark',
  'parameters.prompt_extend': 'promptExtend',
};

/** The field an error's `param` (wire path, e.g. `"input.prompt"`) concerns, if it is one. */
export function fieldForParam(param: string | undefined): KeyframeVideoField | undefined {
  if (param === undefined) return undefined;
  return Object.prototype.hasOwnProperty.call(FIELD_BY_PARAM, param)
    ? FIELD_BY_PARAM[param]
    : undefined;
}
