/**
 * The job store behind `useKeyframeVideo`: framework-free (no React), an external store with
 * `subscribe`/`getSnapshot` that owns one form — inputs, frames, and the job they make — and
 * every piece of async work it starts. The hook is a thin `useSyncExternalStore` adapter.
 *
 * Lives in `src/react` rather than `src/core` because it deals with browser things (Files,
 * IndexedDB through the frame store, frame preparation) that the run-anywhere core stays out of.
 *
 * Ownership: work runs only while the store has subscribers (a "session"). The session's
 * AbortController is the parent of every request, timer and frame job; the last unsubscribe
 * (after a microtask, so StrictMode's unsubscribe–resubscribe costs nothing) aborts it, and
 * nothing updates or writes afterwards. A later subscribe resumes from the current state.
 */
import {
  checkFramePair,
  createCrossTabTaskPoller,
  createTaskPoller,
  DEFAULT_MAX_CONSECUTIVE_ERRORS,
  getModel,
  isTerminalTaskStatus,
  KeyframeVideoError,
  keyframeVideoTaskCodec,
  nextPollDelay,
  systemClock,
  toKeyframeVideoError,
  validateRequest,
  type Clock,
  type DurationHistory,
  type KeyframeVideoClient,
  type KeyframeVideoCreated,
  type KeyframeVideoModelTable,
  type KeyframeVideoRequest,
  type KeyframeVideoTask,
  type PollScheduleInput,
  type StorageLike,
  type TaskPoller,
  type TaskPollerRegistry,
} from '../core/index.js';
import type { FrameStore, StoredFrame } from './frame-store.js';
import type {
  FramePreparation,
  ProcessedFrame,
  processFrame as ProcessFrame,
} from './frame-processing.js';
import { nameOf } from '../core/frame-rules.js';
import {
  createJobPersistence,
  type JobPersistence,
  type SavedFrameRef,
} from './job-persistence.js';
import {
  fieldForParam,
  type FrameSlot,
  type FrameValue,
  type KeyframeVideoField,
  type KeyframeVideoFrame,
  type KeyframeVideoInputs,
  type KeyframeVideoJob,
} from './keyframe-video-state.js';
import { honouringRetryAfter } from './retry-after.js';
import { replaceEqualDeep } from './structural-sharing.js';
import { jobOf, type Outcome, type Submitting, type Watching, type Work } from './tracked-job.js';
import {
  expiredLink,
  failureError,
  fingerprintOf,
  resultOf,
  sameTask,
  withField,
} from './task-outcome.js';

/** What the store needs from its surroundings (the provider supplies it). */
export interface KeyframeVideoStoreConfig {
  readonly client: KeyframeVideoClient;
  /** Identifies `client` in `registry` keys, so two endpoints never share a poll stream. */
  readonly clientKey: string;
  readonly registry: TaskPollerRegistry;
  readonly models: KeyframeVideoModelTable;
  readonly clock: Clock;
  readonly storage: StorageLike;
  readonly frameStore: FrameStore;
  readonly durations: DurationHistory;
  readonly prepare: FramePreparation;
  /** The polling schedule (default `nextPollDelay`). */
  readonly schedule: ((input: PollScheduleInput) => number) | undefined;
  /** Jitter source for retries and polling (default `Math.random`). */
  readonly random?: (() => number) | undefined;
  /**
   * Whether the tabs of this origin watching one task share one poll stream (see the core's
   * `createCrossTabTaskPoller`). Default: on with the system clock, off with a custom one.
   */
  readonly crossTab?: boolean | undefined;
}

/** Options of {@link createKeyframeVideoStore}. */
export interface KeyframeVideoStoreOptions {
  readonly persistKey: string | undefined;
  /** The inputs of an empty form. */
  readonly defaults: KeyframeVideoInputs;
  readonly config: KeyframeVideoStoreConfig;
}

/** Everything a form shows. Immutable; replaced only when something in it changed. */
export interface KeyframeVideoSnapshot {
  readonly job: KeyframeVideoJob;
  readonly inputs: KeyframeVideoInputs;
  readonly frames: Readonly<Record<FrameSlot, KeyframeVideoFrame>>;
  /** Set when the frames' shapes differ enough that the last frame will be fitted (cropped). */
  readonly pairWarning: string | undefined;
  /** Why `submit()` would be refused now (every problem at once); empty when it would not. */
  readonly blockers: readonly KeyframeVideoError[];
  /** Problems per field, for `aria-invalid` and messages next to each field. */
  readonly fieldErrors: Readonly<Partial<Record<KeyframeVideoField, KeyframeVideoError>>>;
  readonly canSubmit: boolean;
  readonly canCancel: boolean;
  /** Something to tell the user that is not the job's state, e.g. `CancelRefused`. */
  readonly notice: KeyframeVideoError | undefined;
}

/** The store `useKeyframeVideo` adapts. Methods are bound. */
export interface KeyframeVideoStore {
  subscribe(listener: () => void): () => void;
  getSnapshot(): KeyframeVideoSnapshot;
  /** The snapshot the server rendered (defaults, nothing restored), for hydration. */
  getServerSnapshot(): KeyframeVideoSnapshot;
  /** Swaps the client, models, preparation… (storage, clock and registry stay as created). */
  configure(config: KeyframeVideoStoreConfig): void;
  setInputs(values: Partial<KeyframeVideoInputs>): void;
  setFrame(slot: FrameSlot, value: FrameValue | null): void;
  swapFrames(): void;
  submit(): boolean;
  cancel(): void;
  retry(): void;
  reset(options?: { clearInputs?: boolean | undefined }): void;
}

const SLOTS: readonly FrameSlot[] = ['first', 'last'];
const EMPTY_FRAME: KeyframeVideoFrame = Object.freeze({ status: 'empty' });
/** Stands in for a frame still being prepared, so the other fields can be validated. */
const PLACEHOLDER_FRAME = 'data:image/png;base64,AAAA';
/** `setTimeout` takes at most 2^31 − 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Frame work (decoding, preparing, checking images: most of the hook's code) is loaded with the
 * first frame, not with the page: an app's bundler puts it in a chunk of its own.
 */
function processFrame(...args: Parameters<typeof ProcessFrame>): Promise<ProcessedFrame> {
  return import('./frame-processing.js').then((module) => module.processFrame(...args));
}

function emptyFrames(): Record<FrameSlot, KeyframeVideoFrame> {
  return { first: EMPTY_FRAME, last: EMPTY_FRAME };
}

function resolutionOf(
  model: string,
  resolution: string | undefined,
  models: KeyframeVideoModelTable,
): string | undefined {
  return resolution ?? getModel(model, models)?.defaultResolution;
}

/** Makes a store for one form. Creating it starts nothing: work begins on the first subscribe. */
export function createKeyframeVideoStore(options: KeyframeVideoStoreOptions): KeyframeVideoStore {
  let config = options.config;
  /** The configuration as last given, to skip a `configure` that changes nothing. */
  let given = options.config;
  const { clock } = config;
  const { defaults } = options;
  const persistence: JobPersistence = createJobPersistence({
    persistKey: options.persistKey,
    storage: config.storage,
    frameStore: config.frameStore,
    now: () => clock.now(),
  });
  const { submissions } = persistence;
  const random = (): number => (config.random ?? Math.random)();

  // ---- state ---------------------------------------------------------------------------------
  let inputs: KeyframeVideoInputs = defaults;
  let frames: Record<FrameSlot, KeyframeVideoFrame> = emptyFrames();
  /** What each slot was given, to prepare it again (after a swap or a pause). */
  const sources: Record<FrameSlot, FrameValue | undefined> = { first: undefined, last: undefined };
  /** How each slot is remembered across reloads. */
  let frameRefs: Partial<Record<FrameSlot, SavedFrameRef>> = {};
  /** The bytes kept for each slot (to move them on a swap without reading them again). */
  const storedBytes: Record<FrameSlot, StoredFrame | undefined> = {
    first: undefined,
    last: undefined,
  };
  /** Slots whose remembered frame is still to be loaded. */
  const restoring: Record<FrameSlot, boolean> = { first: false, last: false };
  let work: Work = { kind: 'idle' };
  let notice: KeyframeVideoError | undefined;
  /** A field error from the service (moderation → prompt), until that field is edited. */
  let serviceFieldError: { field: KeyframeVideoField; error: KeyframeVideoError } | undefined;

  // ---- session-owned resources ----------------------------------------------------------------
  const listeners = new Set<{ listener: () => void }>();
  let session: AbortController | undefined;
  let teardownTicket = 0;
  const frameJobs: Record<FrameSlot, AbortController | undefined> = {
    first: undefined,
    last: undefined,
  };
  const frameDone: Record<FrameSlot, Promise<void>> = {
    first: Promise.resolve(),
    last: Promise.resolve(),
  };
  let pipeline: AbortController | undefined;
  /** The create on its way; a reset lets go of it (its answer then goes to `abandon`). */
  let createCall: Promise<KeyframeVideoCreated> | undefined;
  let createTimer: unknown;
  let cancelCall: AbortController | undefined;
  let expiryTimer: unknown;
  let pollSub:
    | {
        taskId: string;
        poller: TaskPoller<KeyframeVideoTask>;
        unsubscribe: () => void;
        ready: boolean;
      }
    | undefined;

  // ---- snapshots -------------------------------------------------------------------------------
  let validated:
    | {
        inputs: KeyframeVideoInputs;
        frames: Record<FrameSlot, KeyframeVideoFrame>;
        request: KeyframeVideoRequest;
        blockers: KeyframeVideoError[];
        fieldErrors: Partial<Record<KeyframeVideoField, KeyframeVideoError>>;
        pairWarning: string | undefined;
      }
    | undefined;

  function draftRequest(): KeyframeVideoRequest {
    const frameUrl = (slot: FrameSlot): string | undefined => {
      const frame = frames[slot];
      if (frame.status === 'ready') return frame.url;
      return frame.status === 'empty' ? undefined : PLACEHOLDER_FRAME;
    };
    const request: KeyframeVideoRequest = {
      model: inputs.model,
      firstFrameUrl: frameUrl('first') ?? '',
    };
    const last = frameUrl('last');
    if (last !== undefined) request.lastFrameUrl = last;
    if (inputs.prompt !== '') request.prompt = inputs.prompt;
    if (inputs.negativePrompt !== '') request.negativePrompt = inputs.negativePrompt;
    if (inputs.template !== undefined) request.template = inputs.template;
    if (inputs.resolution !== undefined) request.resolution = inputs.resolution;
    if (inputs.seed !== undefined) request.seed = inputs.seed;
    if (inputs.watermark !== undefined) request.watermark = inputs.watermark;
    if (inputs.promptExtend !== undefined) request.promptExtend = inputs.promptExtend;
    return request;
  }

  /** Validation, recomputed only when the inputs or frames changed. */
  function validation(): NonNullable<typeof validated> {
    if (validated && validated.inputs === inputs && validated.frames === frames) return validated;
    const request = draftRequest();
    const blockers: KeyframeVideoError[] = [];
    const fieldErrors: Partial<Record<KeyframeVideoField, KeyframeVideoError>> = {};
    for (const slot of SLOTS) {
      const frame = frames[slot];
      if (frame.status !== 'invalid') continue;
      blockers.push(frame.error);
      fieldErrors[slot === 'first' ? 'firstFrame' : 'lastFrame'] = frame.error;
    }
    for (const error of validateRequest(request, { models: config.models })) {
      blockers.push(error);
      const field = fieldForParam(error.param);
      // A frame not chosen yet blocks submitting but is not "invalid" to show.
      const missingFrame = field === 'firstFrame' && frames.first.status === 'empty';
      if (field && !missingFrame && !fieldErrors[field]) fieldErrors[field] = error;
    }
    let pairWarning: string | undefined;
    const { first, last } = frames;
    if (
      first.status === 'ready' &&
      last.status === 'ready' &&
      first.width !== undefined &&
      first.height !== undefined &&
      last.width !== undefined &&
      last.height !== undefined
    ) {
      pairWarning = checkFramePair(
        { width: first.width, height: first.height },
        { width: last.width, height: last.height },
      ).warning;
    }
    validated = { inputs, frames, request, blockers, fieldErrors, pairWarning };
    return validated;
  }

  function canCancelNow(): boolean {
    switch (work.kind) {
      case 'preparing':
        return true;
      case 'submitting':
        return !work.cancelRequested;
      case 'watching':
        return !work.canceling;
      default:
        return false;
    }
  }

  const isBusy = (): boolean =>
    work.kind === 'preparing' || work.kind === 'submitting' || work.kind === 'watching';

  function derive(): KeyframeVideoSnapshot {
    const checked = validation();
    const fieldErrors =
      serviceFieldError && !checked.fieldErrors[serviceFieldError.field]
        ? { ...checked.fieldErrors, [serviceFieldError.field]: serviceFieldError.error }
        : checked.fieldErrors;
    return {
      job: jobOf(work),
      inputs,
      frames,
      pairWarning: checked.pairWarning,
      blockers: checked.blockers,
      fieldErrors,
      canSubmit: checked.blockers.length === 0 && !isBusy(),
      canCancel: canCancelNow(),
      notice,
    };
  }

  // What the server rendered: a fresh form, nothing restored (storage is the browser's).
  const serverSnapshot: KeyframeVideoSnapshot = Object.freeze(derive());

  // ---- restore (synchronous reads only; nothing starts) ---------------------------------------
  const saved = persistence.read();
  if (saved) {
    inputs = { ...defaults, ...withoutUndefined(saved.inputs) };
    frameRefs = { ...saved.frames };
    for (const slot of SLOTS) {
      const ref = saved.frames[slot];
      if (!ref) continue;
      if (ref.kind === 'url') sources[slot] = ref.url;
      else restoring[slot] = true;
      setFrameState(slot, {
        status: 'preparing',
        name: ref.kind === 'url' ? ref.url : ref.name,
        file: undefined,
      });
    }
  }
  const record = submissions.read();
  if (record?.taskId !== undefined) {
    work = watchingWork(
      record.taskId,
      record.submittedAt,
      record.model,
      record.resolution,
      saved?.lastStatus ?? 'PENDING',
    );
  } else if (record) {
    work = {
      kind: 'submitting',
      startedAt: record.submittedAt,
      idempotencyKey: record.idempotencyKey,
      request: undefined,
      fingerprint: record.fingerprint,
      model: record.model,
      resolution: record.resolution,
      attempt: 0,
      error: undefined,
      retryAt: undefined,
      gaveUp: false,
      cancelRequested: false,
    };
  } else if (saved?.result) {
    work = {
      kind: 'done',
      job:
        saved.result.expiresAt > clock.now()
          ? { status: 'succeeded', phase: 'succeeded', result: saved.result }
          : {
              status: 'expired',
              phase: 'expired',
              error: expiredLink(),
              taskId: saved.result.taskId,
              result: saved.result,
            },
    };
  }

  let snapshot: KeyframeVideoSnapshot = Object.freeze(derive());

  function emit(): void {
    const next = replaceEqualDeep(snapshot, derive());
    if (next === snapshot) return;
    snapshot = next;
    for (const entry of [...listeners]) entry.listener();
  }

  function persistState(): void {
    persistence.write({
      inputs,
      frames: frameRefs,
      lastStatus: work.kind === 'watching' ? work.lastStatus : undefined,
      result: work.kind === 'done' && work.job.status === 'succeeded' ? work.job.result : undefined,
    });
  }

  /** Whether async work started under `signal` may still change the state. */
  const live = (signal: AbortSignal): boolean => !signal.aborted && session !== undefined;

  /** A controller aborted with the session (or already aborted when there is none). */
  function childController(): AbortController {
    const controller = new AbortController();
    if (!session) {
      controller.abort();
      return controller;
    }
    const parent = session.signal;
    const onAbort = (): void => controller.abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    controller.signal.addEventListener(
      'abort',
      () => parent.removeEventListener('abort', onAbort),
      { once: true },
    );
    return controller;
  }

  // ---- frames ----------------------------------------------------------------------------------
  function setFrameState(slot: FrameSlot, frame: KeyframeVideoFrame): void {
    frames = { ...frames, [slot]: frame };
  }

  function refFor(value: FrameValue, name: string | undefined): SavedFrameRef {
    if (typeof value === 'string' && value.slice(0, 5).toLowerCase() !== 'data:') {
      return { kind: 'url', url: value };
    }
    return name === undefined ? { kind: 'stored' } : { kind: 'stored', name };
  }

  /** Prepares and checks a slot's frame; `save` keeps the result for a reload. */
  function startFrame(slot: FrameSlot, value: FrameValue, save: boolean): void {
    frameJobs[slot]?.abort();
    const controller = childController();
    frameJobs[slot] = controller;
    const { signal } = controller;
    if (signal.aborted) {
      frameJobs[slot] = undefined;
      return; // Resumed when a subscriber arrives.
    }
    frameDone[slot] = processFrame(value, slot, config.prepare, signal).then(
      (processed) => {
        if (!live(signal) || frameJobs[slot] !== controller) return;
        frameJobs[slot] = undefined;
        setFrameState(slot, processed.frame);
        storedBytes[slot] = processed.stored;
        if (save) persistence.saveFrame(slot, processed.stored);
        emit();
      },
      () => {
        if (frameJobs[slot] === controller) frameJobs[slot] = undefined;
      },
    );
  }

  /** Loads a remembered frame from the frame store, then prepares and checks it. */
  function restoreFrame(slot: FrameSlot): void {
    const controller = childController();
    frameJobs[slot] = controller;
    const { signal } = controller;
    frameDone[slot] = persistence.loadFrame(slot).then((stored) => {
      if (!live(signal) || frameJobs[slot] !== controller) return;
      frameJobs[slot] = undefined;
      restoring[slot] = false;
      if (!stored) {
        frameRefs = Object.fromEntries(
          Object.entries(frameRefs).filter(([key]) => key !== slot),
        ) as typeof frameRefs;
        setFrameState(slot, EMPTY_FRAME);
        persistState();
        emit();
        return;
      }
      const file = fileFrom(stored);
      sources[slot] = file;
      setFrameState(slot, { status: 'preparing', name: stored.name, file });
      emit();
      startFrame(slot, file, false);
      return frameDone[slot];
    });
  }

  async function framesSettled(signal: AbortSignal): Promise<void> {
    while (live(signal) && SLOTS.some((slot) => frames[slot].status === 'preparing')) {
      await Promise.all(SLOTS.map((slot) => frameDone[slot]));
      if (SLOTS.some((slot) => frames[slot].status === 'preparing' && !frameJobs[slot])) return;
    }
  }

  // ---- polling -----------------------------------------------------------------------------------
  function watchingWork(
    taskId: string,
    startedAt: number,
    model: string,
    resolution: string | undefined,
    status: 'PENDING' | 'RUNNING',
  ): Watching {
    const kind = { model, resolution: resolutionOf(model, resolution, config.models) };
    return {
      kind: 'watching',
      taskId,
      startedAt,
      model,
      resolution: kind.resolution,
      lastStatus: status,
      expectedDurationMs: config.durations.expectedDurationMs(kind),
      poll: undefined,
      canceling: false,
    };
  }

  function pollerFor(watching: Watching): TaskPoller<KeyframeVideoTask> {
    const { client, durations, schedule } = config;
    const kind = { model: watching.model, resolution: watching.resolution };
    // Tabs share wall-clock time; a custom clock (tests) lives in its own.
    const crossTab = config.crossTab ?? clock === systemClock;
    const key = `kfv:${config.clientKey}:${watching.taskId}${crossTab ? ':tabs' : ''}`;
    return config.registry.get(key, () => {
      const options = {
        taskId: watching.taskId,
        fetcher: (taskId: string, init: { signal: AbortSignal }) => client.get(taskId, init),
        isTerminal: (task: KeyframeVideoTask) => isTerminalTaskStatus(task.status),
        getPhase: (task: KeyframeVideoTask) => task.status,
        expectedDurationMs: () => durations.expectedDurationMs(kind),
        startedAt: watching.startedAt,
        schedule: honouringRetryAfter(schedule),
        clock,
        random,
        isEqual: sameTask,
      };
      if (!crossTab) return createTaskPoller<KeyframeVideoTask>(options);
      return createCrossTabTaskPoller<KeyframeVideoTask>({
        ...options,
        name: `kfv:${watching.taskId}`,
        codec: keyframeVideoTaskCodec,
      });
    });
  }

  function subscribePoller(): void {
    if (work.kind !== 'watching' || !session) return;
    if (pollSub?.taskId === work.taskId) return;
    releasePoller();
    const sub = {
      taskId: work.taskId,
      poller: pollerFor(work),
      unsubscribe: () => {},
      ready: false,
    };
    pollSub = sub;
    sub.unsubscribe = sub.poller.subscribe(() => onPoll(sub));
    sub.ready = true;
    onPoll(sub);
  }

  function releasePoller(): void {
    const sub = pollSub;
    pollSub = undefined;
    sub?.unsubscribe();
  }

  function onPoll(sub: NonNullable<typeof pollSub>): void {
    if (!sub.ready || pollSub !== sub || work.kind !== 'watching' || work.taskId !== sub.taskId) {
      return;
    }
    const polled = sub.poller.getSnapshot();
    const task = polled.data;
    if (polled.status === 'done' && task) {
      finishTask(work, task);
      return;
    }
    let lastStatus = work.lastStatus;
    if (task?.status === 'RUNNING') lastStatus = 'RUNNING';
    else if (task?.status === 'PENDING') lastStatus = 'PENDING';
    const changedStatus = lastStatus !== work.lastStatus;
    work = {
      ...work,
      lastStatus,
      poll: {
        status: polled.status,
        error: polled.error,
        nextPollAt: polled.nextPollAt,
        attempt: polled.attempt,
      },
    };
    if (changedStatus) persistState();
    emit();
  }

  function finish(job: Outcome): void {
    releasePoller();
    persistence.conclude();
    work = { kind: 'done', job };
    persistState();
    if (job.status === 'succeeded') scheduleExpiry();
    emit();
  }

  function finishTask(watching: Watching, task: KeyframeVideoTask): void {
    const now = clock.now();
    switch (task.status) {
      case 'SUCCEEDED': {
        if (task.videoUrl === undefined) {
          finish({
            status: 'failed',
            phase: 'failed',
            taskId: watching.taskId,
            error: new KeyframeVideoError({
              code: 'InvalidResponse',
              retryable: false,
              detail: 'A SUCCEEDED task came without video_url.',
            }),
          });
          return;
        }
        const durationMs =
          task.endedAt !== undefined && task.submittedAt !== undefined
            ? task.endedAt - task.submittedAt
            : now - watching.startedAt;
        config.durations.record({
          model: watching.model,
          resolution: watching.resolution,
          durationMs,
          taskId: watching.taskId,
        });
        const result = resultOf({ ...task, taskId: watching.taskId }, task.videoUrl, now);
        finish(
          result.expiresAt > now
            ? { status: 'succeeded', phase: 'succeeded', result }
            : {
                status: 'expired',
                phase: 'expired',
                error: expiredLink(),
                taskId: watching.taskId,
                result,
              },
        );
        return;
      }
      case 'FAILED': {
        const error = failureError(task.failure);
        const field = fieldForParam(error.param);
        serviceFieldError = field ? { field, error } : undefined;
        finish({ status: 'failed', phase: 'failed', taskId: watching.taskId, error });
        return;
      }
      case 'CANCELED':
        finish({ status: 'canceled', phase: 'canceled', taskId: watching.taskId });
        return;
      default:
        finish({
          status: 'expired',
          phase: 'expired',
          taskId: watching.taskId,
          result: undefined,
          error: new KeyframeVideoError({
            code: 'TaskExpired',
            retryable: false,
            detail: `The service answered ${task.status} for this task.`,
          }),
        });
    }
  }

  function scheduleExpiry(): void {
    clock.clearTimeout(expiryTimer);
    expiryTimer = undefined;
    if (!session || work.kind !== 'done' || work.job.status !== 'succeeded') return;
    const { result } = work.job;
    const delay = result.expiresAt - clock.now();
    if (delay <= 0) {
      work = {
        kind: 'done',
        job: {
          status: 'expired',
          phase: 'expired',
          error: expiredLink(),
          taskId: result.taskId,
          result,
        },
      };
      emit();
      return;
    }
    expiryTimer = clock.setTimeout(scheduleExpiry, Math.min(delay, MAX_TIMER_MS));
  }

  function startWatching(
    taskId: string,
    startedAt: number,
    model: string,
    resolution: string | undefined,
    status: string,
  ): void {
    work = watchingWork(
      taskId,
      startedAt,
      model,
      resolution,
      status === 'RUNNING' ? 'RUNNING' : 'PENDING',
    );
    persistState();
    emit();
    subscribePoller();
  }

  // ---- submitting --------------------------------------------------------------------------------
  function sendCreate(): void {
    if (work.kind !== 'submitting' || !work.request || createCall || !session) return;
    const submitting = work;
    const request = work.request;
    const { signal } = childController();
    const call = config.client.create(request, {
      idempotencyKey: submitting.idempotencyKey,
      signal,
    });
    createCall = call;
    call.then(
      (created) => {
        // Not the current call: the session ended or a reset let go of it.
        if (createCall !== call) return;
        createCall = undefined;
        if (work.kind !== 'submitting') return;
        submissions.attach(created.taskId);
        const cancelRequested = work.cancelRequested;
        startWatching(
          created.taskId,
          submitting.startedAt,
          submitting.model,
          submitting.resolution,
          created.status,
        );
        if (cancelRequested) store.cancel();
      },
      (thrown: unknown) => {
        if (createCall !== call) return;
        createCall = undefined;
        if (work.kind !== 'submitting') return;
        onCreateFailed(work, toKeyframeVideoError(thrown));
      },
    );
  }

  function onCreateFailed(submitting: Submitting, error: KeyframeVideoError): void {
    if (submitting.cancelRequested) {
      persistence.conclude();
      work = { kind: 'idle' };
      persistState();
      emit();
      return;
    }
    if (!error.retryable) {
      persistence.conclude();
      const mapped = withField(error);
      const field = fieldForParam(mapped.param);
      serviceFieldError = field ? { field, error: mapped } : undefined;
      work = {
        kind: 'done',
        job: { status: 'failed', phase: 'failed', taskId: undefined, error: mapped },
      };
      persistState();
      emit();
      return;
    }
    const attempt = submitting.attempt + 1;
    if (attempt >= DEFAULT_MAX_CONSECUTIVE_ERRORS) {
      work = { ...submitting, attempt, error, retryAt: undefined, gaveUp: true };
      emit();
      return;
    }
    const delay = nextPollDelay({
      phase: 'unknown',
      elapsedMs: clock.now() - submitting.startedAt,
      attempt,
      lastError: { retryable: true, retryAfterMs: error.retryAfterMs },
      hidden: false,
      random,
    });
    work = { ...submitting, attempt, error, retryAt: clock.now() + delay, gaveUp: false };
    createTimer = clock.setTimeout(() => {
      createTimer = undefined;
      if (work.kind !== 'submitting') return;
      work = { ...work, retryAt: undefined };
      emit();
      sendCreate();
    }, delay);
    emit();
  }

  /** Takes a recorded submission up again once the frames are back (after a reload). */
  async function resumeCreate(signal: AbortSignal): Promise<void> {
    await framesSettled(signal);
    if (!live(signal) || work.kind !== 'submitting' || work.request) return;
    const checked = validation();
    if (
      checked.blockers.length === 0 &&
      !SLOTS.some((slot) => frames[slot].status === 'preparing') &&
      fingerprintOf(checked.request) === work.fingerprint
    ) {
      work = { ...work, request: checked.request };
      sendCreate();
      return;
    }
    // The recorded request cannot be rebuilt exactly (its frames are gone): re-sending under its
    // key would be refused, and a new key could pay twice. Start over with what is here.
    persistence.conclude();
    work = { kind: 'idle' };
    persistState();
    emit();
  }

  async function runSubmit(controller: AbortController): Promise<void> {
    const { signal } = controller;
    await framesSettled(signal);
    if (!live(signal) || pipeline !== controller) return;
    const checked = validation();
    if (checked.blockers.length > 0 || SLOTS.some((slot) => frames[slot].status === 'preparing')) {
      pipeline = undefined;
      work = { kind: 'idle' };
      emit();
      return;
    }
    // The frames must be on disk before the request leaves, so a reload can send it again.
    await persistence.flushFrames();
    if (!live(signal) || pipeline !== controller) return;
    pipeline = undefined;
    const request = checked.request;
    const fingerprint = fingerprintOf(request);
    const model = request.model;
    const resolution = resolutionOf(model, request.resolution, config.models);
    const existing = submissions.read();
    if (existing?.fingerprint === fingerprint && existing.taskId !== undefined) {
      // Another tab (or an earlier life of this page) already made this very video.
      startWatching(existing.taskId, existing.submittedAt, model, resolution, 'PENDING');
      return;
    }
    const begun =
      existing?.fingerprint === fingerprint
        ? existing
        : submissions.begin({
            idempotencyKey: persistence.idempotencyKeyFor(fingerprint),
            model,
            resolution,
            fingerprint,
          });
    work = {
      kind: 'submitting',
      startedAt: begun.submittedAt,
      idempotencyKey: begun.idempotencyKey,
      request,
      fingerprint,
      model,
      resolution,
      attempt: 0,
      error: undefined,
      retryAt: undefined,
      gaveUp: false,
      cancelRequested: false,
    };
    persistState();
    emit();
    sendCreate();
  }

  // ---- sessions ----------------------------------------------------------------------------------
  function activate(): void {
    session = new AbortController();
    for (const slot of SLOTS) {
      if (frames[slot].status !== 'preparing' || frameJobs[slot]) continue;
      const source = sources[slot];
      if (restoring[slot]) restoreFrame(slot);
      else if (source !== undefined) startFrame(slot, source, true);
    }
    switch (work.kind) {
      case 'preparing': {
        pipeline = childController();
        void runSubmit(pipeline);
        break;
      }
      case 'submitting':
        if (work.request === undefined) void resumeCreate(session.signal);
        else if (!work.gaveUp) {
          work = { ...work, retryAt: undefined };
          sendCreate();
        }
        break;
      case 'watching':
        subscribePoller();
        break;
      case 'done':
        scheduleExpiry();
        break;
      default:
        break;
    }
    emit();
  }

  function deactivate(): void {
    session?.abort();
    session = undefined;
    for (const slot of SLOTS) frameJobs[slot] = undefined;
    pipeline = undefined;
    createCall = undefined;
    cancelCall = undefined;
    clock.clearTimeout(createTimer);
    createTimer = undefined;
    clock.clearTimeout(expiryTimer);
    expiryTimer = undefined;
    releasePoller();
    if (work.kind === 'watching' && work.canceling) work = { ...work, canceling: false };
    if (work.kind === 'submitting' && work.cancelRequested)
      work = { ...work, cancelRequested: false };
  }

  // ---- actions -------------------------------------------------------------------------------------
  function cancelUpstream(watching: Watching): void {
    const controller = childController();
    cancelCall = controller;
    const { signal } = controller;
    work = { ...watching, canceling: true };
    emit();
    config.client.cancel(watching.taskId, { signal }).then(
      () => {
        if (cancelCall === controller) cancelCall = undefined;
        if (!live(signal) || work.kind !== 'watching' || work.taskId !== watching.taskId) return;
        finish({ status: 'canceled', phase: 'canceled', taskId: watching.taskId });
      },
      (thrown: unknown) => {
        if (cancelCall === controller) cancelCall = undefined;
        if (!live(signal) || work.kind !== 'watching' || work.taskId !== watching.taskId) return;
        const error = toKeyframeVideoError(thrown);
        if (!error.retryable && error.status !== undefined && error.status < 500) {
          // The task left the queue meanwhile: the service cancels only queued tasks.
          refuseCancel();
          return;
        }
        notice = error;
        work = { ...work, canceling: false };
        emit();
      },
    );
  }

  /**
   * After a reset, cancels the task the forgotten job made (or is making: the create on its way
   * is waited for, never aborted, as the service may have made the task already). Best effort and
   * silent: a refusal (the task is running) or a failure shows nothing, and it touches no state
   * or storage, so a newer job cannot notice it. It lives as long as the session, not the job.
   */
  function abandon(task: Promise<{ taskId: string }> | { taskId: string }): void {
    const { client } = config;
    const controller = childController();
    const { signal } = controller;
    Promise.resolve(task)
      .then(({ taskId }) => client.cancel(taskId, { signal }))
      .catch(() => undefined)
      .finally(() => controller.abort());
  }

  /** A running task cannot be canceled: stop watching it and say so. */
  function refuseCancel(): void {
    releasePoller();
    persistence.conclude();
    work = { kind: 'idle' };
    notice = new KeyframeVideoError({ code: 'CancelRefused', retryable: false });
    persistState();
    emit();
  }

  function clearFieldErrorFor(field: KeyframeVideoField): void {
    if (serviceFieldError?.field === field) serviceFieldError = undefined;
  }

  const store: KeyframeVideoStore = {
    subscribe(listener) {
      const entry = { listener };
      listeners.add(entry);
      teardownTicket += 1;
      if (!session) activate();
      return () => {
        if (!listeners.delete(entry) || listeners.size > 0) return;
        const ticket = (teardownTicket += 1);
        queueMicrotask(() => {
          if (ticket === teardownTicket && listeners.size === 0) deactivate();
        });
      };
    },
    getSnapshot: () => snapshot,
    getServerSnapshot: () => serverSnapshot,
    configure(next) {
      if (next === given) return;
      given = next;
      // Validation depends on the model table only; anything else keeps its results.
      if (next.models !== config.models) validated = undefined;
      config = {
        ...next,
        clock: config.clock,
        storage: config.storage,
        frameStore: config.frameStore,
      };
      emit();
    },
    setInputs(values) {
      const next: { -readonly [K in keyof KeyframeVideoInputs]: KeyframeVideoInputs[K] } = {
        ...inputs,
        ...values,
      };
      if (values.model !== undefined && values.model !== inputs.model) {
        // Options the new model does not offer would only block submitting: drop them.
        const model = getModel(values.model, config.models);
        if (
          model &&
          next.resolution !== undefined &&
          !model.resolutions.includes(next.resolution)
        ) {
          next.resolution = undefined;
        }
        if (model && next.template !== undefined && !model.templates.includes(next.template)) {
          next.template = undefined;
        }
      }
      const changed = (Object.keys(next) as (keyof KeyframeVideoInputs)[]).filter(
        (key) => !Object.is(next[key], inputs[key]),
      );
      if (changed.length === 0) return;
      for (const key of changed) clearFieldErrorFor(key);
      inputs = next;
      persistState();
      emit();
    },
    setFrame(slot, value) {
      frameJobs[slot]?.abort();
      frameJobs[slot] = undefined;
      restoring[slot] = false;
      clearFieldErrorFor(slot === 'first' ? 'firstFrame' : 'lastFrame');
      if (value === null) {
        sources[slot] = undefined;
        storedBytes[slot] = undefined;
        frameRefs = Object.fromEntries(
          Object.entries(frameRefs).filter(([key]) => key !== slot),
        ) as typeof frameRefs;
        frameDone[slot] = Promise.resolve();
        setFrameState(slot, EMPTY_FRAME);
        persistence.saveFrame(slot, undefined);
        persistState();
        emit();
        return;
      }
      const name = nameOf(value);
      sources[slot] = value;
      storedBytes[slot] = undefined;
      frameRefs = { ...frameRefs, [slot]: refFor(value, name) };
      setFrameState(slot, {
        status: 'preparing',
        name: typeof value === 'string' && !value.startsWith('data:') ? value : name,
        file: typeof value === 'string' ? undefined : value,
      });
      persistState();
      emit();
      startFrame(slot, value, true);
    },
    swapFrames() {
      const { first, last } = frames;
      const firstSource = sources.first;
      const lastSource = sources.last;
      for (const slot of SLOTS) {
        frameJobs[slot]?.abort();
        frameJobs[slot] = undefined;
      }
      sources.first = lastSource;
      sources.last = firstSource;
      const firstRestoring = restoring.first;
      restoring.first = restoring.last;
      restoring.last = firstRestoring;
      const firstStored = storedBytes.first;
      storedBytes.first = storedBytes.last;
      storedBytes.last = firstStored;
      frameRefs = {
        ...(frameRefs.last ? { first: frameRefs.last } : {}),
        ...(frameRefs.first ? { last: frameRefs.first } : {}),
      };
      // Ready frames move as they are; the others are checked again under their new name.
      frames = { first: last, last: first };
      for (const slot of SLOTS) {
        const frame = frames[slot];
        const source = sources[slot];
        if (!restoring[slot]) persistence.saveFrame(slot, storedBytes[slot]);
        if (frame.status === 'ready' || frame.status === 'empty') continue;
        if (restoring[slot]) {
          frames = {
            ...frames,
            [slot]: { status: 'preparing', name: frame.name, file: undefined },
          };
          if (session) restoreFrame(slot);
          continue;
        }
        if (source === undefined) continue;
        frames = { ...frames, [slot]: { status: 'preparing', name: frame.name, file: frame.file } };
        startFrame(slot, source, true);
      }
      persistState();
      emit();
    },
    submit() {
      if (isBusy()) return false;
      const checked = validation();
      if (checked.blockers.length > 0) return false;
      notice = undefined;
      serviceFieldError = undefined;
      releasePoller();
      clock.clearTimeout(expiryTimer);
      expiryTimer = undefined;
      work = { kind: 'preparing', startedAt: clock.now() };
      if (session) {
        pipeline = childController();
        void runSubmit(pipeline);
      }
      persistState();
      emit();
      return true;
    },
    cancel() {
      switch (work.kind) {
        case 'preparing':
          pipeline?.abort();
          pipeline = undefined;
          work = { kind: 'idle' };
          emit();
          return;
        case 'submitting':
          if (createCall) {
            // The create may already have made the task: wait for its id, then cancel it.
            if (!work.cancelRequested) {
              work = { ...work, cancelRequested: true };
              emit();
            }
            return;
          }
          clock.clearTimeout(createTimer);
          createTimer = undefined;
          persistence.conclude();
          work = { kind: 'idle' };
          persistState();
          emit();
          return;
        case 'watching':
          if (work.canceling) return;
          if (work.lastStatus === 'RUNNING') refuseCancel();
          else cancelUpstream(work);
          return;
        default:
          return;
      }
    },
    retry() {
      switch (work.kind) {
        case 'submitting':
          if (createCall || (!work.gaveUp && work.retryAt === undefined)) return;
          clock.clearTimeout(createTimer);
          createTimer = undefined;
          work = { ...work, gaveUp: false, retryAt: undefined };
          emit();
          sendCreate();
          return;
        case 'watching': {
          const status = work.poll?.status;
          if (!pollSub) return;
          if (status === 'error' || status === 'stopped') pollSub.poller.retry();
          else if (status === 'retrying') pollSub.poller.refresh();
          return;
        }
        case 'done':
          if (work.job.status !== 'succeeded') store.submit();
          return;
        default:
          return;
      }
    },
    reset(resetOptions = {}) {
      // A task that may still be queued is canceled in the background; a running one finishes.
      if (createCall) abandon(createCall);
      else if (work.kind === 'watching' && work.lastStatus === 'PENDING') abandon(work);
      pipeline?.abort();
      pipeline = undefined;
      createCall = undefined;
      cancelCall?.abort();
      cancelCall = undefined;
      clock.clearTimeout(createTimer);
      createTimer = undefined;
      clock.clearTimeout(expiryTimer);
      expiryTimer = undefined;
      releasePoller();
      persistence.conclude();
      work = { kind: 'idle' };
      notice = undefined;
      serviceFieldError = undefined;
      if (resetOptions.clearInputs) {
        inputs = defaults;
        for (const slot of SLOTS) {
          frameJobs[slot]?.abort();
          frameJobs[slot] = undefined;
          sources[slot] = undefined;
          storedBytes[slot] = undefined;
          restoring[slot] = false;
          frameDone[slot] = Promise.resolve();
          persistence.saveFrame(slot, undefined);
        }
        frameRefs = {};
        frames = emptyFrames();
      }
      persistState();
      emit();
    },
  };
  return store;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, item]) => item !== undefined),
  ) as Partial<T>;
}

function fileFrom(stored: StoredFrame): Blob {
  const parts = [stored.bytes as BlobPart];
  if (typeof File === 'function') {
    return new File(parts, stored.name ?? 'frame', { type: stored.type });
  }
  return new Blob(parts, { type: stored.type });
}
