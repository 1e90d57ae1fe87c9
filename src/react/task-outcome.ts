/**
 * What a task's answers mean for the person waiting: a finished task as a result with its
 * link's expiry, a failure as an error that points at the field it concerns (a moderation
 * failure → the prompt, or a frame when the service says so), and which answers are news.
 */
import {
  KeyframeVideoError,
  toWireCreateBody,
  type KeyframeVideoRequest,
  type KeyframeVideoTask,
  type KeyframeVideoTaskFailure,
} from '../core/index.js';
import { hashText } from './hash-text.js';
import type { KeyframeVideoResult } from './keyframe-video-state.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Tells one request from another: a hash of its wire body (frames included). */
export function fingerprintOf(request: KeyframeVideoRequest): string {
  const text = JSON.stringify(toWireCreateBody(request));
  return `${text.length.toString(36)}-${hashText(text)}`;
}

/** Two task answers that differ only in their request id are the same news. */
export function sameTask(a: KeyframeVideoTask, b: KeyframeVideoTask): boolean {
  return (
    JSON.stringify({ ...a, requestId: undefined }) ===
    JSON.stringify({ ...b, requestId: undefined })
  );
}

/**
 * The field a moderation failure concerns: a frame when the service's message talks about an
 * image (the last frame when it says so), the prompt otherwise.
 */
export function moderationParam(detail: string | undefined): string {
  const text = detail ?? '';
  if (/image|frame|picture|photo|图/i.test(text)) {
    return /last|end|尾/i.test(text) ? 'input.last_frame_url' : 'input.first_frame_url';
  }
  return 'input.prompt';
}

/** The error with the field it concerns, where the service did not say. */
export function withField(error: KeyframeVideoError): KeyframeVideoError {
  if (error.param !== undefined || error.code !== 'DataInspectionFailed') return error;
  return new KeyframeVideoError({
    code: error.code,
    status: error.status,
    param: moderationParam(error.detail),
    requestId: error.requestId,
    detail: error.detail,
    retryable: false,
    cause: error,
  });
}

/** A FAILED task's failure as an error that names its field where it can. */
export function failureError(failure: KeyframeVideoTaskFailure | undefined): KeyframeVideoError {
  const code = failure?.code && failure.code !== 'Unknown' ? failure.code : 'TaskFailed';
  return withField(
    new KeyframeVideoError({ code, detail: failure?.message || undefined, retryable: false }),
  );
}

/** When a video link stops working: its `Expires` (epoch seconds), else end + 24 h. */
export function expiryOf(videoUrl: string, endedAt: number | undefined, now: number): number {
  try {
    const expires = Number(new URL(videoUrl).searchParams.get('Expires'));
    if (Number.isFinite(expires) && expires > 0) return expires * 1000;
  } catch {
    // Not a URL we can read: fall back to the documented 24 h.
  }
  return (endedAt ?? now) + DAY_MS;
}

/** A SUCCEEDED task as the result a form shows. */
export function resultOf(
  task: KeyframeVideoTask,
  videoUrl: string,
  now: number,
): KeyframeVideoResult {
  return {
    taskId: task.taskId,
    videoUrl,
    expiresAt: expiryOf(videoUrl, task.endedAt, now),
    origPrompt: task.origPrompt,
    actualPrompt: task.actualPrompt,
    usage: task.usage,
    submittedAt: task.submittedAt,
    scheduledAt: task.scheduledAt,
    endedAt: task.endedAt,
  };
}

/** The error of a result whose link has passed its 24 hours. */
export function expiredLink(): KeyframeVideoError {
  return new KeyframeVideoError({
    code: 'TaskExpired',
    retryable: false,
    message: 'The video link has expired (links last 24 hours). Make the video again.',
  });
}
