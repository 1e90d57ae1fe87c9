/**
 * `useTaskPoll`: follows any async task to its end — a thin `useSyncExternalStore` adapter over
 * the core's task poller. Hooks on the same task (same `scope` and id, under the same provider)
 * share one poll stream — and so do the tabs of the origin that follow it (`crossTab`) — and a
 * component re-renders only when its snapshot changes: a poll that learned nothing new renders
 * nothing.
 */
import { useContext, useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import {
  createCrossTabTaskPoller,
  createTaskPoller,
  systemClock,
  type Clock,
  type CrossTabCodec,
  type KeyframeVideoError,
  type PollScheduleInput,
  type TaskPoller,
  type TaskPollerOptions,
  type TaskPollStatus,
} from '../core/index.js';
import { HooksConfigContext, pagePollerRegistry } from './config-context.js';
import { honouringRetryAfter } from './retry-after.js';
import { useTick } from './use-tick.js';

/** Options of {@link useTaskPoll}. Functions may change between renders; the latest is used. */
export interface UseTaskPollOptions<T> {
  /** Fetches the task once. Must honour `signal` (aborted on stop, unmount, and supersession). */
  fetcher: (taskId: string, init: { signal: AbortSignal }) => Promise<T>;
  /** Whether an answer is final (polling stops there). */
  isTerminal: (data: T) => boolean;
  /** The task's phase for the schedule (`"PENDING"`/`"RUNNING"` are understood). */
  getPhase?: ((data: T) => string) | undefined;
  /**
   * Replaces the schedule (default: the core's `nextPollDelay`); a server's `Retry-After` is
   * honoured on top of it. Read when the stream starts.
   */
  schedule?: ((input: PollScheduleInput) => number) | undefined;
  /** A typical total duration, for the schedule (a number, or a function asked before each wait). */
  expectedDurationMs?: number | (() => number | undefined) | undefined;
  /** When the task was submitted (epoch ms), e.g. after a reload. Default: when polling starts. */
  startedAt?: number | undefined;
  /** Whether two answers are the same news (default: equal JSON). Ignore per-request ids here. */
  isEqual?: ((a: T, b: T) => boolean) | undefined;
  /** Give up after this many consecutive retryable failures (default 10). */
  maxConsecutiveErrors?: number | undefined;
  /** Give up after this long without a final answer (default 30 min). */
  maxTotalMs?: number | undefined;
  /** Whether a failure is worth retrying (default: `KeyframeVideoError#retryable`). */
  isRetryable?: ((error: unknown) => boolean) | undefined;
  /** How long the server asked to wait (default: `KeyframeVideoError#retryAfterMs`). */
  getRetryAfterMs?: ((error: unknown) => number | undefined) | undefined;
  /** Jitter source in [0, 1) (default: the provider's, else `Math.random`). */
  random?: (() => number) | undefined;
  /**
   * Names the kind of task: hooks with the same scope and task id share one poll stream (and
   * the options of the hook that started it). Default `"task"`.
   */
  scope?: string | undefined;
  /** Time and timers (default: the provider's clock, else the system clock). */
  clock?: Clock | undefined;
  /** Re-render every `tick` ms while polling, for a ticking `elapsedMs` (default: never). */
  tick?: number | undefined;
  /**
   * One poll stream for every tab of this origin that follows the same task (same `scope` and
   * id): the tabs elect one poller (Web Locks) and share its answers (BroadcastChannel); when
   * its tab closes another takes over. `false`: this tab polls for itself. An object says how
   * answers travel: `decode` checks what another tab sent (throw to reject it) — without it
   * answers are taken as sent. Default: on with the system clock, off with a custom `clock`
   * (tests); off anyway where the browser lacks Web Locks or BroadcastChannel. Read when the
   * stream starts.
   */
  crossTab?: boolean | CrossTabCodec<T> | undefined;
}

/** What {@link useTaskPoll} returns. */
export interface UseTaskPollResult<T> {
  /** `idle` (no task, or on the server) · `polling` · `retrying` · `done` · `error` · `stopped`. */
  readonly status: TaskPollStatus;
  /** The last answer. */
  readonly data: T | undefined;
  /** The last failure while `retrying`, or why it stopped with `error`. */
  readonly error: KeyframeVideoError | undefined;
  /** Consecutive failed requests (0 while healthy). */
  readonly attempt: number;
  /** When the next request goes out (epoch ms), while `retrying`: show the wait. */
  readonly nextPollAt: number | undefined;
  /** When the task was submitted (epoch ms); undefined without a task. */
  readonly startedAt: number | undefined;
  /** When `data` last changed (epoch ms). */
  readonly updatedAt: number | undefined;
  /**
   * Milliseconds since `startedAt`, computed at render (frozen at the final answer). It changes
   * only when the component renders: pass `tick` to re-render on a timer.
   */
  readonly elapsedMs: number | undefined;
  /** Polls now (or restarts after `error`/`stop()`). */
  refresh(): void;
  /** Stops polling this task (aborting the request in flight) until `refresh()`. */
  stop(): void;
  /** Starts again with a fresh error budget after `error` or `stop()`. */
  retry(): void;
}

interface ServerSnapshot {
  readonly status: 'idle';
  readonly data: undefined;
  readonly error: undefined;
  readonly attempt: 0;
  readonly nextPollAt: undefined;
  readonly updatedAt: undefined;
  readonly startedAt: undefined;
}

const IDLE: ServerSnapshot = Object.freeze({
  status: 'idle',
  data: undefined,
  error: undefined,
  attempt: 0,
  nextPollAt: undefined,
  updatedAt: undefined,
  startedAt: undefined,
});

const noSubscription = (): (() => void) => () => {};
const idleSnapshot = (): ServerSnapshot => IDLE;
const doNothing = (): void => {};

/** Pollers are made only in a browser: a server render must leave nothing behind. */
function canPoll(): boolean {
  return typeof window !== 'undefined';
}

/**
 * Follows the task `taskId` (or nothing, with `null`) until `isTerminal` says it is done.
 *
 * @example
 * ```tsx
 * const poll = useTaskPoll(taskId, {
 *   fetcher: (id, { signal }) => api.getJob(id, { signal }),
 *   isTerminal: (job) => job.state === 'done' || job.state === 'failed',
 *   tick: 1000,
 * });
 * if (poll.status === 'retrying') return <p>Retrying at {new Date(poll.nextPollAt!).toLocaleTimeString()}</p>;
 * ```
 */
export function useTaskPoll<T>(
  taskId: string | null,
  options: UseTaskPollOptions<T>,
): UseTaskPollResult<T> {
  // Only the registry, clock and jitter of the provider: no client, storage or messages.
  const config = useContext(HooksConfigContext);
  const clock = options.clock ?? config?.clock ?? systemClock;
  const registry = config?.registry;
  const random = options.random ?? config?.random;
  const scope = options.scope ?? 'task';
  const crossTab = (options.crossTab ?? clock === systemClock) !== false;
  // The poller outlives this render's closures: it calls the latest committed options.
  const [latest] = useState(() => createLatest(options));
  useEffect(() => {
    latest.set(options);
  });

  const poller: TaskPoller<T> | null = useMemo(() => {
    if (taskId === null || !canPoll()) return null;
    return (registry ?? pagePollerRegistry()).get<T>(
      `${scope}:${taskId}${crossTab ? ':tabs' : ''}`,
      () => createSharedPoller(taskId, { clock, random }, latest, crossTab ? scope : undefined),
    );
  }, [registry, scope, taskId, clock, random, latest, crossTab]);

  const snapshot = useSyncExternalStore<ServerSnapshot | ReturnType<TaskPoller<T>['getSnapshot']>>(
    poller ? poller.subscribe : noSubscription,
    poller ? poller.getSnapshot : idleSnapshot,
    idleSnapshot,
  );
  const waiting = snapshot.status === 'polling' || snapshot.status === 'retrying';
  useTick(clock, options.tick, waiting);

  let elapsedMs: number | undefined;
  if (poller && snapshot.startedAt !== undefined) {
    const until =
      snapshot.status === 'done' && snapshot.updatedAt !== undefined
        ? snapshot.updatedAt
        : clock.now();
    elapsedMs = Math.max(0, until - snapshot.startedAt);
  }
  return {
    status: snapshot.status,
    data: snapshot.data,
    error: snapshot.error,
    attempt: snapshot.attempt,
    nextPollAt: snapshot.nextPollAt,
    startedAt: poller ? snapshot.startedAt : undefined,
    updatedAt: snapshot.updatedAt,
    elapsedMs,
    refresh: poller ? poller.refresh : doNothing,
    stop: poller ? poller.stop : doNothing,
    retry: poller ? poller.retry : doNothing,
  };
}

/** The latest committed options of a hook, read by its poller when it calls back. */
interface Latest<T> {
  get(): UseTaskPollOptions<T>;
  set(options: UseTaskPollOptions<T>): void;
}

function createLatest<T>(initial: UseTaskPollOptions<T>): Latest<T> {
  let current = initial;
  return {
    get: () => current,
    set: (options) => {
      current = options;
    },
  };
}

/** The codec the hook's latest options give (answers as sent when they give none). */
function latestCodec<T>(latest: Latest<T>): CrossTabCodec<T> {
  const given = (): CrossTabCodec<T> | undefined => {
    const crossTab = latest.get().crossTab;
    return typeof crossTab === 'object' ? crossTab : undefined;
  };
  return {
    encode: (data) => {
      const encode = given()?.encode;
      return encode ? encode(data) : data;
    },
    decode: (value) => {
      const decode = given()?.decode;
      return decode ? decode(value) : (value as T);
    },
  };
}

/**
 * A poller whose functions call the latest options of the hook that made it; shared with the
 * other tabs following `scope` and `taskId` when `crossTabScope` is given.
 */
function createSharedPoller<T>(
  taskId: string,
  time: { clock: Clock; random: (() => number) | undefined },
  latest: Latest<T>,
  crossTabScope: string | undefined,
): TaskPoller<T> {
  const initial = latest.get();
  const expected = initial.expectedDurationMs;
  const options = {
    taskId,
    fetcher: (id, init) => latest.get().fetcher(id, init),
    isTerminal: (data) => latest.get().isTerminal(data),
    getPhase: (data) => latest.get().getPhase?.(data) ?? 'unknown',
    isEqual:
      initial.isEqual && ((a, b) => (latest.get().isEqual ?? initial.isEqual)?.(a, b) ?? false),
    isRetryable: initial.isRetryable && ((error) => latest.get().isRetryable?.(error) ?? false),
    getRetryAfterMs: initial.getRetryAfterMs && ((error) => latest.get().getRetryAfterMs?.(error)),
    expectedDurationMs:
      expected === undefined
        ? undefined
        : () => {
            const value = latest.get().expectedDurationMs;
            return typeof value === 'function' ? value() : value;
          },
    startedAt: initial.startedAt,
    schedule: honouringRetryAfter(initial.schedule),
    maxConsecutiveErrors: initial.maxConsecutiveErrors,
    maxTotalMs: initial.maxTotalMs,
    random: time.random,
    clock: time.clock,
  } satisfies TaskPollerOptions<T>;
  if (crossTabScope === undefined) return createTaskPoller<T>(options);
  return createCrossTabTaskPoller<T>({
    ...options,
    name: `use-task-poll:${crossTabScope}:${taskId}`,
    codec: latestCodec(latest),
  });
}
