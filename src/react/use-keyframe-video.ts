/**
 * `useKeyframeVideo`: the whole job — two frames, a prompt and parameters, validation,
 * submit/cancel/retry/reset, progress with an honest ETA, the result, and resume after a
 * reload. A thin `useSyncExternalStore` adapter over the framework-free job store, plus prop
 * getters so an app (or our styled components) can wire markup in a line.
 */
import {
  useEffect,
  useId,
  useMemo,
  useState,
  useSyncExternalStore,
  type ChangeEvent,
  type MouseEvent,
} from 'react';
import {
  estimateCost,
  FRAME_RULES,
  getModel,
  type CostEstimate,
  type KeyframeVideoError,
  type KeyframeVideoModel,
  type KeyframeVideoUsage,
} from '../core/index.js';
import type { FramePreparation } from './frame-processing.js';
import {
  createKeyframeVideoStore,
  type KeyframeVideoStore,
  type KeyframeVideoStoreConfig,
} from './keyframe-video-store.js';
import type {
  FrameSlot,
  FrameValue,
  KeyframeVideoField,
  KeyframeVideoFrame,
  KeyframeVideoInputs,
  KeyframeVideoJob,
  KeyframeVideoPhase,
  KeyframeVideoResult,
  KeyframeVideoStatus,
} from './keyframe-video-state.js';
import type { HooksConfig } from './config-context.js';
import { errorSentence } from './hook-messages.js';
import { useHooksConfig } from './provider.js';
import { useTick } from './use-tick.js';

/** Options of {@link useKeyframeVideo}. */
export interface UseKeyframeVideoOptions {
  /**
   * Remember this form across reloads under this key: the inputs, the frames (IndexedDB), the
   * task being made (a reload resumes polling it, never creates another) and the last result
   * while its link is valid. Without it, everything lives as long as the component.
   */
  persistKey?: string | undefined;
  /** Initial values (over the provider's `defaults`); read when the form is created. */
  defaults?: Partial<KeyframeVideoInputs> | undefined;
  /** How frames are conformed before checking (default: the provider's, else `'auto'`). */
  prepare?: FramePreparation | undefined;
  /**
   * Re-render every `tick` ms while a video is being made, for a ticking elapsed time, ETA and
   * "retrying in N s" (default: never — they update whenever the state changes).
   */
  tick?: number | undefined;
  /**
   * One poll stream per task for every tab of this origin showing it (e.g. the same
   * `persistKey` open in three tabs): the tabs elect one poller (Web Locks) and share its
   * answers (BroadcastChannel); when its tab closes, another tab takes over where it left off.
   * `false`: this tab polls for itself. Default: on with the system clock, off with a custom
   * `clock` (tests); off anyway where the browser lacks Web Locks or BroadcastChannel.
   */
  crossTab?: boolean | undefined;
}

/** Progress of the current job, computed at render. Unknowns are `undefined`, never invented. */
export interface KeyframeVideoProgress {
  readonly phase: KeyframeVideoPhase;
  /** When the job was submitted (epoch ms). */
  readonly startedAt: number | undefined;
  /** Milliseconds since `startedAt` (for a finished video: how long it took, when known). */
  readonly elapsedMs: number | undefined;
  /** The median duration of the videos of this model and resolution this browser has seen. */
  readonly expectedDurationMs: number | undefined;
  /** Expected time left; undefined when there is no history to go by. 0 once overdue. */
  readonly remainingMs: number | undefined;
  /** 0–1 by the expected duration (never 1 before it is done); undefined when unknown. */
  readonly fraction: number | undefined;
  /** The ETA in words ("About 2 min left.", or the "no estimate" text). Empty when not waiting. */
  readonly etaText: string;
}

/** Props for a prompt `<textarea>` (or `<input>`). */
export interface KeyframeVideoTextFieldProps {
  readonly id: string;
  readonly name: string;
  readonly value: string;
  readonly onChange: (event: ChangeEvent<HTMLTextAreaElement | HTMLInputElement>) => void;
  readonly 'aria-invalid': boolean | undefined;
  readonly 'aria-describedby': string | undefined;
}

/** Props for a frame's `<input type="file">`. */
export interface KeyframeVideoFileInputProps {
  readonly id: string;
  readonly type: 'file';
  readonly accept: string;
  readonly onChange: (event: ChangeEvent<HTMLInputElement>) => void;
  readonly 'aria-invalid': boolean | undefined;
  readonly 'aria-describedby': string | undefined;
}

/** Props for a `<button>`. */
export interface KeyframeVideoButtonProps {
  readonly type: 'button';
  readonly onClick: (event: MouseEvent<HTMLButtonElement>) => void;
  readonly disabled: boolean;
  readonly 'aria-describedby': string | undefined;
  readonly 'data-state': KeyframeVideoStatus;
}

/** Props for the element that announces the status (one polite live region). */
export interface KeyframeVideoStatusProps {
  readonly role: 'status';
  readonly 'aria-live': 'polite';
  readonly 'aria-atomic': true;
  readonly 'data-state': KeyframeVideoStatus;
}

/** Your props with the getter's on top (handlers of both run: yours first). */
export type Merged<P, X> = Omit<P, keyof X> & X;

/**
 * A prop getter, as in react-dropzone: pass any props of your own (`className`, `aria-label`,
 * an `onChange` to run too) and spread the result on the element.
 */
export type PropGetter<X> = <P extends object = object>(props?: P & Partial<X>) => Merged<P, X>;

/** What {@link useKeyframeVideo} returns. Actions are stable across renders. */
export interface UseKeyframeVideoResult {
  /** The job as a union discriminated by `status` (narrow on it for the fields of a state). */
  readonly job: KeyframeVideoJob;
  /** What to show: a phase, or `retrying` / `error` inside one. Use it as `data-state`. */
  readonly status: KeyframeVideoStatus;
  /** Where the job is in its life, also while `retrying` or `error`. */
  readonly phase: KeyframeVideoPhase;
  /** A sentence for the status (from `messages`), with the wait while retrying. */
  readonly statusText: string;

  readonly inputs: KeyframeVideoInputs;
  /** Changes one input (e.g. `setInput('prompt', text)`); saved at once with `persistKey`. */
  setInput<K extends keyof KeyframeVideoInputs>(name: K, value: KeyframeVideoInputs[K]): void;
  /** Changes several inputs. Changing `model` drops a resolution or template it lacks. */
  setInputs(values: Partial<KeyframeVideoInputs>): void;
  /** The selected model's capabilities (resolutions, templates…), to build the options. */
  readonly model: KeyframeVideoModel | undefined;
  /** What the video will cost by the model table's prices; undefined when unknown. */
  readonly cost: CostEstimate | undefined;

  readonly frames: Readonly<Record<FrameSlot, KeyframeVideoFrame>>;
  /** Sets a frame from a File, an http(s) link or a data URL (`null` removes it). */
  setFrame(slot: FrameSlot, value: FrameValue | null): void;
  /** Swaps the first and last frame. */
  swapFrames(): void;
  /** A warning when the last frame's shape differs from the first's (it will be fitted). */
  readonly pairWarning: string | undefined;

  /** Whether `submit()` would start a job now. */
  readonly canSubmit: boolean;
  /** Every reason it would not (empty when it would): missing frame, bad input, … */
  readonly blockers: readonly KeyframeVideoError[];
  /** The reason to show next to a disabled submit button (the first blocker, or "busy"). */
  readonly submitReason: string | undefined;
  /** Problems per field, from validation and from the service (moderation → prompt). */
  readonly fieldErrors: Readonly<Partial<Record<KeyframeVideoField, KeyframeVideoError>>>;
  /** Whether `cancel()` does something now. */
  readonly canCancel: boolean;

  /**
   * Starts a job from the current inputs. Synchronously locked: a second call while one is on
   * its way is ignored (returns false). Records the idempotency key before the request leaves.
   */
  submit(): boolean;
  /**
   * Cancels: before the task exists, the submission; while queued, the task upstream; while
   * running, only the watching — the service cannot cancel a running task (it finishes and is
   * billed), and `notice` says so (`CancelRefused`).
   */
  cancel(): void;
  /** After `error`: resumes (same submission, same task). While `retrying`: tries now. After `failed`/`canceled`/`expired`: submits again. */
  retry(): void;
  /**
   * Back to `idle` at once, forgetting the job (and, with `clearInputs`, the inputs and frames).
   * A task still queued, or still being created, is canceled in the background; a running one
   * still finishes (and is billed) upstream.
   */
  reset(options?: { clearInputs?: boolean | undefined }): void;

  /** The task's id once there is one. */
  readonly taskId: string | undefined;
  readonly result: KeyframeVideoResult | undefined;
  /** The finished video's link (while valid). */
  readonly videoUrl: string | undefined;
  /** When `videoUrl` stops working (epoch ms). */
  readonly expiresAt: number | undefined;
  readonly actualPrompt: string | undefined;
  readonly origPrompt: string | undefined;
  readonly usage: KeyframeVideoUsage | undefined;
  readonly progress: KeyframeVideoProgress;
  /** When the next attempt goes out while `retrying` (epoch ms): show the wait. */
  readonly retryAt: number | undefined;

  /** The job's error (`retrying`, `error`, `failed`, `expired`), with `param` for its field. */
  readonly error: KeyframeVideoError | undefined;
  /** `error` in words (from `messages`). */
  readonly errorMessage: string | undefined;
  /** Something to tell the user besides the state, e.g. that a running task cannot be canceled. */
  readonly notice: KeyframeVideoError | undefined;
  readonly noticeMessage: string | undefined;

  /** Props for the prompt field. */
  getPromptProps: PropGetter<KeyframeVideoTextFieldProps>;
  /** Props for the negative prompt field. */
  getNegativePromptProps: PropGetter<KeyframeVideoTextFieldProps>;
  /** Props for a frame's file input. */
  getFrameInputProps<P extends object = object>(
    slot: FrameSlot,
    props?: P & Partial<KeyframeVideoFileInputProps>,
  ): Merged<P, KeyframeVideoFileInputProps>;
  /** Props for the submit button: disabled with the reason linked while it cannot submit. */
  getSubmitButtonProps: PropGetter<KeyframeVideoButtonProps>;
  /** Props (the `id`) for the element that shows `submitReason`. */
  getSubmitReasonProps(): { readonly id: string };
  /** Props for the cancel button. */
  getCancelButtonProps: PropGetter<KeyframeVideoButtonProps>;
  /** Props for the live region that shows `statusText`. */
  getStatusProps(): KeyframeVideoStatusProps;
  /** Props (the `id`) for the element that shows a field's error, which the field points to. */
  getFieldErrorProps(field: KeyframeVideoField): { readonly id: string };
}

const ACCEPT = FRAME_RULES.formats.flatMap((rule) => rule.mimeTypes.slice(0, 1)).join(',');

function storeConfigOf(
  config: HooksConfig,
  prepare: FramePreparation | undefined,
  crossTab: boolean | undefined,
): KeyframeVideoStoreConfig {
  return {
    client: config.client,
    clientKey: config.clientKey,
    registry: config.registry,
    models: config.models,
    clock: config.clock,
    storage: config.storage,
    frameStore: config.frameStore,
    durations: config.durations,
    prepare: prepare ?? config.prepare,
    schedule: config.schedule,
    random: config.random,
    crossTab,
  };
}

function jobFields(job: KeyframeVideoJob) {
  switch (job.status) {
    case 'queued':
    case 'running':
      return { taskId: job.taskId, startedAt: job.startedAt, expected: job.expectedDurationMs };
    case 'retrying':
    case 'error':
      return {
        taskId: job.taskId,
        startedAt: job.startedAt,
        expected: job.expectedDurationMs,
        error: job.error,
      };
    case 'submitting':
      return { startedAt: job.startedAt };
    case 'succeeded':
      return { taskId: job.result.taskId, result: job.result };
    case 'failed':
      return { taskId: job.taskId, error: job.error };
    case 'canceled':
      return { taskId: job.taskId };
    case 'expired':
      return { taskId: job.taskId, error: job.error, expiredResult: job.result };
    default:
      return {};
  }
}

/**
 * Makes one keyframe-to-video form: frames, prompt and parameters, and the job they make.
 *
 * @example
 * ```tsx
 * const kfv = useKeyframeVideo({ persistKey: 'studio' });
 * return (
 *   <form onSubmit={(event) => event.preventDefault()}>
 *     <input {...kfv.getFrameInputProps('first')} aria-label="First frame" />
 *     <textarea {...kfv.getPromptProps()} aria-label="Prompt" />
 *     <button {...kfv.getSubmitButtonProps()}>Generate</button>
 *     <p {...kfv.getStatusProps()}>{kfv.statusText}</p>
 *     {kfv.videoUrl && <video src={kfv.videoUrl} controls />}
 *   </form>
 * );
 * ```
 */
export function useKeyframeVideo(options: UseKeyframeVideoOptions = {}): UseKeyframeVideoResult {
  const config = useHooksConfig();
  const { persistKey, prepare, defaults, crossTab } = options;
  const storeConfig = useMemo(
    () => storeConfigOf(config, prepare, crossTab),
    [config, prepare, crossTab],
  );
  const [holder, setHolder] = useState<{ key: string | undefined; store: KeyframeVideoStore }>(
    () => ({
      key: persistKey,
      store: createKeyframeVideoStore({
        persistKey,
        defaults: { ...config.defaults, ...defaults },
        config: storeConfig,
      }),
    }),
  );
  let store = holder.store;
  if (holder.key !== persistKey) {
    // A different persistKey is a different form: start from what that key remembers.
    const next = {
      key: persistKey,
      store: createKeyframeVideoStore({
        persistKey,
        defaults: { ...config.defaults, ...defaults },
        config: storeConfig,
      }),
    };
    setHolder(next);
    store = next.store;
  }
  useEffect(() => {
    store.configure(storeConfig);
  }, [store, storeConfig]);

  const snapshot = useSyncExternalStore(
    store.subscribe,
    store.getSnapshot,
    store.getServerSnapshot,
  );
  const { job, inputs, frames, fieldErrors, blockers, canSubmit, canCancel, notice } = snapshot;
  const { clock, messages } = config;
  const waiting =
    job.status === 'submitting' ||
    job.status === 'queued' ||
    job.status === 'running' ||
    job.status === 'retrying';
  useTick(clock, options.tick, waiting);
  const id = useId();

  const now = clock.now();
  const fields = jobFields(job);
  const result = 'result' in fields ? fields.result : undefined;
  const error = 'error' in fields ? fields.error : undefined;
  const retryAt = job.status === 'retrying' ? job.retryAt : undefined;

  let statusText = messages.status[job.status];
  if (retryAt !== undefined) {
    statusText = messages.retryingIn(Math.max(0, Math.ceil((retryAt - now) / 1000)));
  }

  const startedAt = 'startedAt' in fields ? fields.startedAt : result?.submittedAt;
  const expected = 'expected' in fields ? fields.expected : undefined;
  let elapsedMs: number | undefined;
  if (waiting || job.status === 'error') {
    elapsedMs = startedAt === undefined ? undefined : Math.max(0, now - startedAt);
  } else if (result?.endedAt !== undefined && result.submittedAt !== undefined) {
    elapsedMs = result.endedAt - result.submittedAt;
  }
  const remainingMs =
    expected !== undefined && elapsedMs !== undefined && waiting
      ? Math.max(0, expected - elapsedMs)
      : undefined;
  let etaText = '';
  if (waiting) {
    if (remainingMs === undefined) etaText = messages.etaUnknown;
    else if (remainingMs > 0) etaText = messages.etaRemaining(remainingMs / 1000);
    else etaText = messages.etaOverdue;
  }
  const progress: KeyframeVideoProgress = {
    phase: job.phase,
    startedAt,
    elapsedMs,
    expectedDurationMs: expected,
    remainingMs,
    fraction:
      job.status === 'succeeded'
        ? 1
        : expected !== undefined && elapsedMs !== undefined && waiting
          ? Math.min(0.99, elapsedMs / expected)
          : undefined,
    etaText,
  };

  const submitReason = canSubmit
    ? undefined
    : waiting || job.status === 'preparing' || job.status === 'error'
      ? messages.busy
      : blockers[0] && errorSentence(blockers[0], messages.errors);

  const reasonId = `${id}-submit-reason`;
  const errorId = (field: KeyframeVideoField): string => `${id}-${field}-error`;
  const describedBy = (field: KeyframeVideoField, given: string | undefined) =>
    [given, fieldErrors[field] ? errorId(field) : undefined].filter(Boolean).join(' ') || undefined;

  const textField = <P extends object>(
    field: 'prompt' | 'negativePrompt',
    given?: P & Partial<KeyframeVideoTextFieldProps>,
  ): Merged<P, KeyframeVideoTextFieldProps> => {
    const props: Partial<KeyframeVideoTextFieldProps> = given ?? {};
    return {
      ...given,
      id: props.id ?? `${id}-${field}`,
      name: props.name ?? field,
      value: inputs[field],
      onChange: (event) => {
        props.onChange?.(event);
        const text = event.currentTarget.value;
        store.setInputs(field === 'prompt' ? { prompt: text } : { negativePrompt: text });
      },
      'aria-invalid': fieldErrors[field] ? true : undefined,
      'aria-describedby': describedBy(field, props['aria-describedby']),
    } as Merged<P, KeyframeVideoTextFieldProps>;
  };

  const model = getModel(inputs.model, config.models);
  return {
    job,
    status: job.status,
    phase: job.phase,
    statusText,
    inputs,
    setInput: (name, value) => store.setInputs({ [name]: value } as Partial<KeyframeVideoInputs>),
    setInputs: store.setInputs,
    model,
    cost: model
      ? estimateCost({ model: inputs.model, resolution: inputs.resolution }, config.models)
      : undefined,
    frames,
    setFrame: store.setFrame,
    swapFrames: store.swapFrames,
    pairWarning: snapshot.pairWarning,
    canSubmit,
    blockers,
    submitReason,
    fieldErrors,
    canCancel,
    submit: store.submit,
    cancel: store.cancel,
    retry: store.retry,
    reset: store.reset,
    taskId: 'taskId' in fields ? fields.taskId : undefined,
    result,
    videoUrl: result?.videoUrl,
    expiresAt: result?.expiresAt,
    actualPrompt: result?.actualPrompt,
    origPrompt: result?.origPrompt,
    usage: result?.usage,
    progress,
    retryAt,
    error,
    errorMessage: error && errorSentence(error, messages.errors),
    notice,
    noticeMessage: notice && errorSentence(notice, messages.errors),
    getPromptProps: (props) => textField('prompt', props),
    getNegativePromptProps: (props) => textField('negativePrompt', props),
    getFrameInputProps: <P extends object>(
      slot: FrameSlot,
      given?: P & Partial<KeyframeVideoFileInputProps>,
    ) => {
      const props: Partial<KeyframeVideoFileInputProps> = given ?? {};
      const field = slot === 'first' ? 'firstFrame' : 'lastFrame';
      return {
        ...given,
        id: props.id ?? `${id}-${field}`,
        type: 'file',
        accept: props.accept ?? ACCEPT,
        onChange: (event) => {
          props.onChange?.(event);
          const file = event.currentTarget.files?.[0];
          if (file) store.setFrame(slot, file);
        },
        'aria-invalid': fieldErrors[field] ? true : undefined,
        'aria-describedby': describedBy(field, props['aria-describedby']),
      } as Merged<P, KeyframeVideoFileInputProps>;
    },
    getSubmitButtonProps: <P extends object>(given?: P & Partial<KeyframeVideoButtonProps>) => {
      const props: Partial<KeyframeVideoButtonProps> = given ?? {};
      return {
        ...given,
        type: 'button',
        onClick: (event) => {
          props.onClick?.(event);
          if (!event.defaultPrevented) store.submit();
        },
        disabled: !canSubmit || props.disabled === true,
        'aria-describedby':
          [props['aria-describedby'], submitReason === undefined ? undefined : reasonId]
            .filter(Boolean)
            .join(' ') || undefined,
        'data-state': job.status,
      } as Merged<P, KeyframeVideoButtonProps>;
    },
    getSubmitReasonProps: () => ({ id: reasonId }),
    getCancelButtonProps: <P extends object>(given?: P & Partial<KeyframeVideoButtonProps>) => {
      const props: Partial<KeyframeVideoButtonProps> = given ?? {};
      return {
        ...given,
        type: 'button',
        onClick: (event) => {
          props.onClick?.(event);
          if (!event.defaultPrevented) store.cancel();
        },
        disabled: !canCancel || props.disabled === true,
        'aria-describedby': props['aria-describedby'],
        'data-state': job.status,
      } as Merged<P, KeyframeVideoButtonProps>;
    },
    getStatusProps: () => ({
      role: 'status',
      'aria-live': 'polite',
      'aria-atomic': true,
      'data-state': job.status,
    }),
    getFieldErrorProps: (field) => ({ id: errorId(field) }),
  };
}
