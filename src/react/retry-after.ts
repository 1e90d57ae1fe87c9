/**
 * A server's `Retry-After` is a request, not a hint: whatever polling schedule an app passes,
 * the wait after a failure is never shorter than the server asked for.
 */
import type { PollScheduleInput } from '../core/index.js';

/** A schedule as the core's poller takes it. */
export type PollSchedule = (input: PollScheduleInput) => number;

/** `schedule`, but never shorter than the last failure's `Retry-After`; undefined stays undefined. */
export function honouringRetryAfter(schedule: PollSchedule | undefined): PollSchedule | undefined {
  if (!schedule) return undefined;
  return (input) => {
    const asked = input.attempt > 0 ? (input.lastError?.retryAfterMs ?? 0) : 0;
    return Math.max(schedule(input), asked);
  };
}
