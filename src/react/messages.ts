/**
 * Everything the library says to people, in one replaceable table: the error sentences (per
 * code), the status texts (per named state) and the styled components' words (`ui`). English
 * by default (`messagesZhCN` ships Simplified Chinese); pass a partial table to
 * `KeyframeVideoProvider` (`messages`) to translate or reword any of it.
 */
import {
  errorMessageFor,
  type ErrorMessages,
  type KeyframeVideoError,
  type KnownErrorCode,
} from '../core/index.js';
import type { KeyframeVideoStatus } from './keyframe-video-state.js';
import { defaultUiMessages, type KeyframeVideoUiMessages } from './ui-messages.js';

/** The texts the hooks produce. Every entry says what is happening or what to do. */
export interface KeyframeVideoMessages {
  /** A sentence per error code (defaults: the core's `defaultErrorMessages`). */
  readonly errors: Partial<ErrorMessages>;
  /** A short sentence per state, for a polite live region. */
  readonly status: Readonly<Record<KeyframeVideoStatus, string>>;
  /** The `retrying` text with the wait: "Trying again in 7 s." (the error says why). */
  readonly retryingIn: (seconds: number) => string;
  /** Shown instead of an ETA when this browser has not seen enough videos of this kind. */
  readonly etaUnknown: string;
  /** The ETA while the expected end is ahead: "About 2 min left." */
  readonly etaRemaining: (seconds: number) => string;
  /** The ETA once the expected end has passed (tasks vary: it is not an error). */
  readonly etaOverdue: string;
  /** Why submitting is not possible while a video is being made. */
  readonly busy: string;
  /** The styled components' words (labels, hints, buttons, facts, the cost line, countdowns). */
  readonly ui: KeyframeVideoUiMessages;
}

/**
 * What apps pass to `KeyframeVideoProvider`'s `messages`: any part of the table; the rest stays
 * English. `errors`, `status` and `ui` may be partial too, so rewording one button is
 * `{ ui: { generate: 'Make the video' } }`; a complete table (`messagesZhCN`) fits as well.
 */
export interface KeyframeVideoMessagesInput {
  /** Sentences for some error codes; the others keep the error's own message. */
  readonly errors?: Partial<ErrorMessages>;
  /** Texts for some states. */
  readonly status?: Partial<KeyframeVideoMessages['status']>;
  readonly retryingIn?: KeyframeVideoMessages['retryingIn'];
  readonly etaUnknown?: string;
  readonly etaRemaining?: KeyframeVideoMessages['etaRemaining'];
  readonly etaOverdue?: string;
  readonly busy?: string;
  /** Some or all of the styled components' words (`defaultUiMessages` has every key). */
  readonly ui?: Partial<KeyframeVideoUiMessages>;
}

function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  const minutes = Math.round(whole / 60);
  return `${minutes} min`;
}

/** The English table. */
export const defaultKeyframeVideoMessages: KeyframeVideoMessages = Object.freeze({
  errors: {},
  status: Object.freeze({
    idle: 'Ready. Add the frames and a prompt, then generate.',
    preparing: 'Preparing the frames…',
    submitting: 'Sending the request…',
    queued: 'Waiting in the queue…',
    running: 'Making the video…',
    retrying: 'Could not reach the service. Trying again…',
    succeeded: 'The video is ready.',
    failed: 'The video could not be made.',
    canceled: 'Canceled. Nothing was made.',
    expired: 'This video is no longer available. Make it again.',
    error: 'Stopped after repeated connection trouble. Try again.',
  }),
  retryingIn: (seconds: number) => `Trying again in ${formatDuration(seconds)}.`,
  etaUnknown: 'Usually 1–5 minutes.',
  etaRemaining: (seconds: number) => `About ${formatDuration(seconds)} left.`,
  etaOverdue: 'Taking longer than usual; it should finish soon.',
  busy: 'A video is already being made. Wait for it, or cancel it.',
  ui: defaultUiMessages,
});

/** Merges a partial table over the English one. */
export function resolveMessages(
  input: KeyframeVideoMessagesInput | undefined,
): KeyframeVideoMessages {
  if (!input) return defaultKeyframeVideoMessages;
  return {
    ...defaultKeyframeVideoMessages,
    ...input,
    errors: { ...defaultKeyframeVideoMessages.errors, ...input.errors },
    status: { ...defaultKeyframeVideoMessages.status, ...input.status },
    ui: { ...defaultKeyframeVideoMessages.ui, ...input.ui },
  } as KeyframeVideoMessages;
}

/**
 * The sentence to show for an error: the app's sentence for its code when it gave one, else
 * the error's own message (which is often more precise, e.g. which field and what limit).
 */
export function describeError(
  error: KeyframeVideoError,
  messages: KeyframeVideoMessages = defaultKeyframeVideoMessages,
): string {
  const custom = (messages.errors as Partial<Record<string, string>>)[error.code];
  if (custom !== undefined) return custom;
  return error.message || errorMessageFor(error.code as KnownErrorCode, messages.errors);
}
