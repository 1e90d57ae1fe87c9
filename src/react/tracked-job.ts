/**
 * The job as the store tracks it (`Work`: richer than what it shows, e.g. the idempotency key
 * and the poller's state) and the one mapping from it to the `KeyframeVideoJob` a snapshot
 * shows. Pure; no React.
 */
import {
  KeyframeVideoError,
  type KeyframeVideoRequest,
  type TaskPollStatus,
} from '../core/index.js';
import type { KeyframeVideoJob } from './keyframe-video-state.js';

/** A job that has ended. */
export type Outcome = Extract<
  KeyframeVideoJob,
  { status: 'succeeded' | 'failed' | 'canceled' | 'expired' }
>;

/** The job as the store tracks it (richer than what it shows). */
export type Work =
  | { readonly kind: 'idle' }
  | { readonly kind: 'preparing'; readonly startedAt: number }
  | {
      readonly kind: 'submitting';
      readonly startedAt: number;
      readonly idempotencyKey: string;
      /** Undefined while resuming after a reload, until the frames are back. */
      readonly request: KeyframeVideoRequest | undefined;
      /** The recorded fingerprint a resumed request must match to reuse the key. */
      readonly fingerprint: string | undefined;
      readonly model: string;
      readonly resolution: string | undefined;
      readonly attempt: number;
      readonly error: KeyframeVideoError | undefined;
      /** Set while waiting to try again. */
      readonly retryAt: number | undefined;
      readonly gaveUp: boolean;
      /** Cancel was asked for while the create was on its way: cancel once it answers. */
      readonly cancelRequested: boolean;
    }
  | {
      readonly kind: 'watching';
      readonly taskId: string;
      readonly startedAt: number;
      readonly model: string;
      readonly resolution: string | undefined;
      readonly lastStatus: 'PENDING' | 'RUNNING';
      readonly expectedDurationMs: number | undefined;
      readonly poll:
        | {
            readonly status: TaskPollStatus;
            readonly error: KeyframeVideoError | undefined;
            readonly nextPollAt: number | undefined;
            readonly attempt: number;
          }
        | undefined;
      readonly canceling: boolean;
    }
  | { readonly kind: 'done'; readonly job: Outcome };

/** Work while the create request is on its way (or waiting to be sent again). */
export type Submitting = Extract<Work, { kind: 'submitting' }>;
/** Work while the task is polled. */
export type Watching = Extract<Work, { kind: 'watching' }>;

/** The job a snapshot shows for the tracked work. */
export function jobOf(work: Work): KeyframeVideoJob {
  switch (work.kind) {
    case 'idle':
      return { status: 'idle', phase: 'idle' };
    case 'preparing':
      return { status: 'preparing', phase: 'preparing' };
    case 'submitting': {
      const common = {
        phase: 'submitting' as const,
        taskId: undefined,
        startedAt: work.startedAt,
        expectedDurationMs: undefined,
      };
      if (work.gaveUp && work.error) return { status: 'error', error: work.error, ...common };
      if (work.error && work.retryAt !== undefined) {
        return {
          status: 'retrying',
          error: work.error,
          retryAt: work.retryAt,
          attempt: work.attempt,
          ...common,
        };
      }
      return { status: 'submitting', phase: 'submitting', startedAt: work.startedAt };
    }
    case 'watching': {
      const phase = work.lastStatus === 'RUNNING' ? ('running' as const) : ('queued' as const);
      const task = {
        taskId: work.taskId,
        startedAt: work.startedAt,
        expectedDurationMs: work.expectedDurationMs,
      };
      const poll = work.poll;
      if (poll?.error && poll.status === 'retrying' && poll.nextPollAt !== undefined) {
        return {
          status: 'retrying',
          phase,
          error: poll.error,
          retryAt: poll.nextPollAt,
          attempt: poll.attempt,
          ...task,
        };
      }
      if (poll && (poll.status === 'error' || poll.status === 'stopped')) {
        const error =
          poll.error ??
          new KeyframeVideoError({
            code: 'Aborted',
            retryable: true,
            message: 'Stopped checking the task. Check again to keep waiting.',
          });
        return { status: 'error', phase, error, ...task };
      }
      return phase === 'running'
        ? { status: 'running', phase, ...task }
        : { status: 'queued', phase, ...task };
    }
    case 'done':
      return work.job;
  }
}
