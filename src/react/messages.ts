/**
 * Everything the library says to people, in one replaceable table: the error sentences (per
 * code), the status texts (per named state) and the styled components' words (`ui`). English
 * by default (`messagesZhCN` ships Simplified Chinese); pass a partial table to
 * `KeyframeVideoProvider` (`messages`) to translate or reword any of it.
 */
import type { ErrorMessages, KeyframeVideoError } from '../core/index.js';
import { defaultHookMessages, errorSentence } from './hook-messages.js';
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

/** The English table. */
export const defaultKeyframeVideoMessages: KeyframeVideoMessages = Object.freeze({
  ...defaultHookMessages,
  ui: defaultUiMessages,
});

/**
 * The sentence to show for an error: the app's sentence for its code when it gave one, else
 * the error's own message (which is often more precise, e.g. which field and what limit).
 */
export function describeError(
  error: KeyframeVideoError,
  messages: KeyframeVideoMessages = defaultKeyframeVideoMessages,
): string {
  return errorSentence(error, messages.errors);
}
