/**
 * Drives one async task to a terminal state as a small external store (`subscribe` /
 * `getSnapshot`), the shape React's `useSyncExternalStore` wants. Generic: it knows nothing of
 * DashScope, only a `fetcher`, a terminal test and, optionally, a phase.
 *
 * Guarantees: one request in flight; one timer at a time (no `setInterval`); every request has
 * an AbortController, linked to one per run, so `stop()` and the last unsubscribe abort it;
 * snapshots are immutable and replaced only when something a UI shows has changed.
 */
import { DEFAULT_SCHEDULE, nextPollDelay } from './schedule.js';
import type { PollScheduleInput, SchedulePhase } from './schedule.js';
import { systemClock } from './clock.js';
import type { Clock } from './clock.js';
import { KeyframeVideoError, toKeyframeVideoError } from './errors.js';
import { documentVisibility } from './page-visibility.js';

/**
 * Where the poller is:
 * - `idle`: not started (no subscriber yet, or every subscriber left);
 * - `polling`: waiting for the task, healthy;
 * - `retrying`: the last request failed and another is scheduled (`nextPollAt`);
 * - `done`: `isTerminal(data)` holds (success, failure and cancel alike: read `data`);
 * - `error`: a non-retryable failure, or the give-up budget ran out (`PollBudgetExceeded`);
 * - `stopped`: `stop()` was called.
 */
export type TaskPollStatus = 'idle' | 'polling' | 'retrying' | 'done' | 'error' | 'stopped';

/**
 * What a UI renders. Immutable; the same object is returned until something in it changes, so a
 * routine poll that learns nothing new renders nothing. For a ticking "elapsed" display, compute
 * `clock.now() - startedAt` in the view (it would otherwise change the snapshot every frame).
 */
export interface TaskPollSnapshot<T> {
  readonly status: TaskPollStatus;
  /** The last answer; replaced only when it differs structurally from the previous one. */
  readonly data: T | undefined;
  /** The last failure while `retrying`, or the reason for `error`. */
  readonly error: KeyframeVideoError | undefined;
  /** Consecutive failed requests (0 while healthy). */
  readonly attempt: number;
  /**
   * When the next request is due (epoch ms), set while `retrying` for a "retrying in N s"
   * countdown. Undefined while polling normally, so routine polls do not re-render.
   */
  readonly nextPollAt: number | undefined;
  /** When `data` last changed (epoch ms). */
  readonly updatedAt: number | undefined;
  /** When the task was submitted (epoch ms): `startedAt` option, else the poller's creation. */
  readonly startedAt: number;
}

/** A source of page visibility. The default reads `document` when there is one. */
export interface VisibilitySource {
  isHidden(): boolean;
  /** Calls `onChange` when visibility changes; returns an unsubscribe function. */
  subscribe(onChange: () => void): () => void;
}

/** Options of {@link createTaskPoller}. */
export interface TaskPollerOptions<T> {
  /** The task to poll (opaque). */
  taskId: string;
  /** Fetches the task once. Must honour `signal`; may throw anything (mapped to KeyframeVideoError). */
  fetcher: (taskId: string, init: { signal: AbortSignal }) => Promise<T>;
  /** Whether `data` is final (succeeded, failed, canceled, unknown...). Polling stops there. */
  isTerminal: (data: T) => boolean;
  /**
   * The task's phase, for the schedule: `PENDING` (or `queued`) and `RUNNING` are understood, in
   * any case; anything else counts as `unknown`. DashScope's `output.task_status` fits as is.
   */
  getPhase?: ((data: T) => string) | undefined;
  /** A typical total duration for this kind of task, or a function asked before each wait. */
  expectedDurationMs?: number | (() => number | undefined) | undefined;
  /** When the task was submitted (epoch ms), to resume after a reload. Default: now. */
  startedAt?: number | undefined;
  /** Replaces the schedule (default {@link nextPollDelay}). */
  schedule?: ((input: PollScheduleInput) => number) | undefined;
  /** Time and timers (default {@link systemClock}). */
  clock?: Clock | undefined;
  /** Page visibility (default: `document.visibilityState` when `document` exists, else visible). */
  visibility?: VisibilitySource | undefined;
  /** Give up after this many consecutive retryable failures (default 10). */
  maxConsecutiveErrors?: number | undefined;
  /** Give up when a run has gone on this long without a terminal answer (default 30 min). */
  maxTotalMs?: number | undefined;
  /** Whether a failure is worth retrying (default: the KeyframeVideoError's `retryable`). */
  isRetryable?: ((error: unknown) => boolean) | undefined;
  /** How long the server asked us to wait (default: the KeyframeVideoError's `retryAfterMs`). */
  getRetryAfterMs?: ((error: unknown) => number | undefined) | undefined;
  /** Jitter source in [0, 1) (default `Math.random`). */
  random?: (() => number) | undefined;
  /** Whether two answers are the same (default: equal JSON). */
  isEqual?: ((a: T, b: T) => boolean) | undefined;
  /**
   * Continues from an answer someone else got (another tab's poller, see
   * `createCrossTabTaskPoller`): the snapshot starts with `data`, and the first request waits as
   * long as the schedule says after `answeredAt` instead of going out at once. Used by the first
   * run only; `retry()` polls at once. Ignored when `data` is already terminal.
   */
  resumeFrom?: TaskPollResume<T> | undefined;
}

/** Where a poller picks up a task another poller was following (see `resumeFrom`). */
export interface TaskPollResume<T> {
  /** The last answer. */
  readonly data: T;
  /** When that answer (or a later equal one) arrived (epoch ms): the schedule counts from it. */
  readonly answeredAt: number;
  /** When `data` last changed (epoch ms); default `answeredAt`. */
  readonly updatedAt?: number | undefined;
}

/** The store returned by {@link createTaskPoller}. Methods are bound: pass them around freely. */
export interface TaskPoller<T> {
  /** Starts polling on the first subscriber; stops (aborting) shortly after the last leaves. */
  subscribe(listener: () => void): () => void;
  /** The current snapshot: the same object until something in it changes. */
  getSnapshot(): TaskPollSnapshot<T>;
  /** Polls now (joins the request in flight, if any). After `error` or `stop()`, same as `retry()`. */
  refresh(): void;
  /** Stops until `retry()`: aborts the request in flight and clears the timer. Status `stopped`. */
  stop(): void;
  /** Starts a fresh run (errors and budget reset) after `error` or `stop()`, polling now. */
  retry(): void;
}

/** Default give-up budget: consecutive failures (with the default backoff, 1.5–3 min of them). */
export const DEFAULT_MAX_CONSECUTIVE_ERRORS = 10;
/** Default give-up budget: a run's length. DashScope tasks take up to ~9 min. */
export const DEFAULT_MAX_TOTAL_MS = 30 * 60 * 1000;

function toSchedulePhase(phase: string): SchedulePhase {
  switch (phase.toUpperCase()) {
    case 'PENDING':
    case 'QUEUED':
      return 'PENDING';
    case 'RUNNING':
      return 'RUNNING';
    default:
      return 'unknown';
  }
}

/** Runs listeners so that one that throws neither stops the others nor breaks the poller. */
function notifyAll(listeners: Iterable<() => void>): void {
  for (const listener of [...listeners]) {
    try {
      listener();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/**
 * Makes a poller for one task. Nothing happens until the first `subscribe`: then it fetches at
 * once, and after each answer waits as long as `schedule` says (retryable failures back off,
 * honouring `Retry-After`). It stops at a terminal answer, a non-retryable failure, the give-up
 * budget, `stop()`, or when the last subscriber leaves (teardown waits a microtask, so React
 * StrictMode's unsubscribe-resubscribe costs no second request).
 */
export function createTaskPoller<T>(options: TaskPollerOptions<T>): TaskPoller<T> {
  const { taskId, fetcher, isTerminal } = options;
  const clock = options.clock ?? systemClock;
  const schedule = options.schedule ?? nextPollDelay;
  const random = options.random ?? Math.random;
  const maxConsecutiveErrors = options.maxConsecutiveErrors ?? DEFAULT_MAX_CONSECUTIVE_ERRORS;
  const maxTotalMs = options.maxTotalMs ?? DEFAULT_MAX_TOTAL_MS;
  const isRetryable = options.isRetryable ?? ((error) => toKeyframeVideoError(error).retryable);
  const getRetryAfterMs =
    options.getRetryAfterMs ?? ((error) => toKeyframeVideoError(error).retryAfterMs);
  const startedAt = options.startedAt ?? clock.now();

  const listeners = new Set<{ listener: () => void }>();
  /** Consumed by the first run (see `resumeFrom`). */
  let resume =
    options.resumeFrom && !isTerminal(options.resumeFrom.data) ? options.resumeFrom : undefined;
  let snapshot: TaskPollSnapshot<T> = Object.freeze({
    status: 'idle',
    data: resume?.data,
    error: undefined,
    attempt: 0,
    nextPollAt: undefined,
    updatedAt: resume ? (resume.updatedAt ?? resume.answeredAt) : undefined,
    startedAt,
  });
  let dataJson: string | undefined = resume ? jsonOf(resume.data) : undefined;

  /** The current run; aborting it aborts its request in flight. Undefined when not running. */
  let run: { controller: AbortController; startedAt: number } | undefined;
  let inFlight: AbortController | undefined;
  let timer: { handle: unknown; dueAt: number } | undefined;
  let stopWatchingVisibility: (() => void) | undefined;
  let visibility: VisibilitySource | undefined;
  let teardownTicket = 0;

  let consecutiveErrors = 0;
  let lastError: PollScheduleInput['lastError'];
  let lastAnswerAt: number | undefined;
  let phase: SchedulePhase = 'unknown';
  let phaseSeenAt: number | undefined;
  let phaseChangedAfter: number | undefined;

  function commit(next: Partial<TaskPollSnapshot<T>>): void {
    const merged = { ...snapshot, ...next };
    const keys = Object.keys(merged) as (keyof TaskPollSnapshot<T>)[];
    if (keys.every((key) => Object.is(merged[key], snapshot[key]))) return;
    snapshot = Object.freeze(merged);
    notifyAll([...listeners].map((entry) => entry.listener));
  }

  function sameData(next: T): { same: boolean; json: string | undefined } {
    const current = snapshot.data;
    if (options.isEqual) {
      return { same: current !== undefined && options.isEqual(current, next), json: undefined };
    }
    const json = jsonOf(next);
    return { same: current !== undefined && json !== undefined && json === dataJson, json };
  }

  function clearTimer(): void {
    if (timer) clock.clearTimeout(timer.handle);
    timer = undefined;
  }

  function setTimer(delayMs: number): number {
    clearTimer();
    const delay = Number.isFinite(delayMs) ? Math.max(0, delayMs) : DEFAULT_SCHEDULE.maxIntervalMs;
    const dueAt = clock.now() + delay;
    const handle = clock.setTimeout(() => {
      timer = undefined;
      poll();
    }, delay);
    timer = { handle, dueAt };
    return dueAt;
  }

  function expectedDuration(): number | undefined {
    const value = options.expectedDurationMs;
    return typeof value === 'function' ? value() : value;
  }

  function scheduleInput(hidden: boolean): PollScheduleInput {
    const now = clock.now();
    return {
      phase,
      elapsedMs: now - startedAt,
      phaseElapsedMs: phaseChangedAfter === undefined ? undefined : now - phaseChangedAfter,
      expectedDurationMs: expectedDuration(),
      attempt: consecutiveErrors,
      lastError,
      hidden,
      random,
    };
  }

  function isHidden(): boolean {
    return visibility?.isHidden() ?? false;
  }

  function trackPhase(data: T, sentAt: number): void {
    const next = options.getPhase ? toSchedulePhase(options.getPhase(data)) : 'unknown';
    if (next !== phase) {
      // The change happened after the last request that still saw the old phase was sent.
      phaseChangedAfter = phaseSeenAt;
      phase = next;
    }
    phaseSeenAt = sentAt;
  }

  function endRun(): void {
    run?.controller.abort();
    run = undefined;
    inFlight = undefined;
    clearTimer();
    stopWatchingVisibility?.();
    stopWatchingVisibility = undefined;
  }

  /** Why the give-up budget is spent, or undefined while it is not. */
  function budgetSpent(now: number): string | undefined {
    if (consecutiveErrors >= maxConsecutiveErrors)
      return `${String(consecutiveErrors)} consecutive failures.`;
    if (run && now - run.startedAt >= maxTotalMs)
      return `No terminal answer after ${String(maxTotalMs)} ms of polling.`;
    return undefined;
  }

  function giveUp(
    detail: string,
    cause: KeyframeVideoError | undefined,
    change: Partial<TaskPollSnapshot<T>>,
  ): void {
    endRun();
    commit({
      ...change,
      status: 'error',
      error: new KeyframeVideoError({ code: 'PollBudgetExceeded', detail, cause }),
      nextPollAt: undefined,
    });
  }

  function onAnswer(data: T, sentAt: number): void {
    const now = clock.now();
    lastAnswerAt = now;
    consecutiveErrors = 0;
    lastError = undefined;
    trackPhase(data, sentAt);
    const { same, json } = sameData(data);
    if (!same) dataJson = json;
    const dataChange = same ? {} : { data, updatedAt: now };
    if (isTerminal(data)) {
      endRun();
      commit({
        status: 'done',
        error: undefined,
        attempt: 0,
        nextPollAt: undefined,
        ...dataChange,
      });
      return;
    }
    const spent = budgetSpent(now);
    if (spent) {
      giveUp(spent, undefined, dataChange);
      return;
    }
    setTimer(schedule(scheduleInput(isHidden())));
    commit({
      status: 'polling',
      error: undefined,
      attempt: 0,
      nextPollAt: undefined,
      ...dataChange,
    });
  }

  function onFailure(raw: unknown): void {
    const now = clock.now();
    lastAnswerAt = now;
    const error = toKeyframeVideoError(raw);
    if (!isRetryable(raw)) {
      endRun();
      commit({ status: 'error', error, attempt: consecutiveErrors + 1, nextPollAt: undefined });
      return;
    }
    consecutiveErrors += 1;
    lastError = { retryable: true, retryAfterMs: getRetryAfterMs(raw) };
    const spent = budgetSpent(now);
    if (spent) {
      giveUp(spent, error, { attempt: consecutiveErrors });
      return;
    }
    const nextPollAt = setTimer(schedule(scheduleInput(isHidden())));
    commit({ status: 'retrying', error, attempt: consecutiveErrors, nextPollAt });
  }

  function poll(): void {
    if (!run || inFlight) return;
    clearTimer();
    const runSignal = run.controller.signal;
    const request = new AbortController();
    const abortRequest = (): void => request.abort(runSignal.reason);
    runSignal.addEventListener('abort', abortRequest, { once: true });
    inFlight = request;
    const sentAt = clock.now();
    let answer: Promise<T>;
    try {
      answer = Promise.resolve(fetcher(taskId, { signal: request.signal }));
    } catch (error) {
      answer = Promise.reject(error);
    }
    const settle = (handle: () => void): void => {
      runSignal.removeEventListener('abort', abortRequest);
      // Ignore answers to requests that were aborted or belong to an ended run.
      if (inFlight !== request || runSignal.aborted) return;
      inFlight = undefined;
      handle();
    };
    answer.then(
      (data) => settle(() => onAnswer(data, sentAt)),
      (error: unknown) => settle(() => onFailure(error)),
    );
  }

  function onVisibilityChange(): void {
    if (!run || inFlight || !timer || isHidden() || lastAnswerAt === undefined) return;
    if (snapshot.status !== 'polling') return;
    // Back in view: if the hidden-page wait would keep the user waiting, poll at the visible pace.
    const visibleDueAt = lastAnswerAt + schedule(scheduleInput(false));
    if (visibleDueAt < timer.dueAt) setTimer(visibleDueAt - clock.now());
  }

  function startRun(): void {
    endRun();
    run = { controller: new AbortController(), startedAt: clock.now() };
    consecutiveErrors = 0;
    lastError = undefined;
    visibility = options.visibility ?? documentVisibility();
    stopWatchingVisibility = visibility.subscribe(onVisibilityChange);
    commit({ status: 'polling', error: undefined, attempt: 0, nextPollAt: undefined });
    const from = resume;
    resume = undefined;
    if (from) {
      // Someone else got this answer: wait as if this poller had, then carry on as usual.
      trackPhase(from.data, from.answeredAt);
      lastAnswerAt = from.answeredAt;
      setTimer(from.answeredAt + schedule(scheduleInput(isHidden())) - clock.now());
      return;
    }
    poll();
  }

  function teardownIfUnused(): void {
    const ticket = (teardownTicket += 1);
    queueMicrotask(() => {
      if (ticket !== teardownTicket || listeners.size > 0 || !run) return;
      endRun();
      commit({ status: 'idle', nextPollAt: undefined });
    });
  }

  function retry(): void {
    if (snapshot.status === 'done') return;
    if (listeners.size === 0) {
      endRun();
      commit({ status: 'idle', error: undefined, attempt: 0, nextPollAt: undefined });
      return;
    }
    startRun();
  }

  return {
    subscribe(listener) {
      const entry = { listener };
      listeners.add(entry);
      teardownTicket += 1; // cancels a pending teardown
      if (snapshot.status === 'idle' && !run) startRun();
      return () => {
        if (!listeners.delete(entry)) return;
        if (listeners.size === 0) teardownIfUnused();
      };
    },
    getSnapshot: () => snapshot,
    refresh() {
      if (snapshot.status === 'error' || snapshot.status === 'stopped') retry();
      else if (run) poll();
    },
    stop() {
      if (snapshot.status === 'done') return;
      endRun();
      commit({ status: 'stopped', nextPollAt: undefined });
    },
    retry,
  };
}

/**
 * Shares one poller per key, so two hooks watching one task make one poll stream. An entry is
 * dropped once its last subscriber has left (after the same microtask grace as the poller).
 */
export interface TaskPollerRegistry {
  /**
   * The poller for `key`, made with `create` the first time. Later calls return the same object
   * whatever their `create` says: put everything that identifies the stream in the key (e.g.
   * endpoint and task id).
   */
  get<T>(key: string, create: () => TaskPoller<T>): TaskPoller<T>;
  /** Number of shared pollers currently held. */
  readonly size: number;
}

/** Makes an empty {@link TaskPollerRegistry} (e.g. one per provider, or per test). */
export function createPollerRegistry(): TaskPollerRegistry {
  const entries = new Map<string, { poller: TaskPoller<unknown>; subscribers: number }>();

  function share<T>(key: string, inner: TaskPoller<T>): TaskPoller<T> {
    const entry = { poller: inner as TaskPoller<unknown>, subscribers: 0 };
    const shared: TaskPoller<T> = {
      getSnapshot: inner.getSnapshot,
      refresh: inner.refresh,
      stop: inner.stop,
      retry: inner.retry,
      subscribe(listener) {
        entry.subscribers += 1;
        const unsubscribe = inner.subscribe(listener);
        let subscribed = true;
        return () => {
          if (!subscribed) return;
          subscribed = false;
          unsubscribe();
          entry.subscribers -= 1;
          if (entry.subscribers > 0) return;
          queueMicrotask(() => {
            if (entry.subscribers === 0 && entries.get(key) === entry) entries.delete(key);
          });
        };
      },
    };
    entry.poller = shared as TaskPoller<unknown>;
    entries.set(key, entry);
    return shared;
  }

  return {
    get<T>(key: string, create: () => TaskPoller<T>): TaskPoller<T> {
      const existing = entries.get(key);
      if (existing) return existing.poller as TaskPoller<T>;
      return share(key, create());
    },
    get size() {
      return entries.size;
    },
  };
}

const defaultRegistry = /* @__PURE__ */ createPollerRegistry();

/**
 * The poller for `key` from a registry shared by the whole page (see
 * {@link TaskPollerRegistry.get}). `useTaskPoll` uses it so that every hook on one task shares one
 * poll stream.
 */
export function getSharedTaskPoller<T>(key: string, create: () => TaskPoller<T>): TaskPoller<T> {
  return defaultRegistry.get(key, create);
}
