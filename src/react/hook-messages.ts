/**
 * The hooks' part of the message table (error sentences, status texts, ETA, busy), without the
 * styled components' words: the hooks import this, never `ui-messages`, so an app that uses
 * only the hooks does not load the components' table. `messages.ts` adds `ui` for the public
 * `defaultKeyframeVideoMessages`; the components merge the app's `ui` over `defaultUiMessages`.
 */
import {
  errorMessageFor,
  type ErrorMessages,
  type KeyframeVideoError,
  type KnownErrorCode,
} from '../core/index.js';
import type { KeyframeVideoMessages, KeyframeVideoMessagesInput } from './messages.js';

/** The message table without the components' words, as the hooks read it. */
export type HookMessages = Omit<KeyframeVideoMessages, 'ui'>;

function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  const minutes = Math.round(whole / 60);
  return `${minutes} min`;
}

/** The English texts of the hooks. */
export const defaultHookMessages: HookMessages = /* @__PURE__ */ Object.freeze({
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
});

/** Merges a partial table over the English hook texts (`ui` is left to the components). */
export function resolveHookMessages(input: KeyframeVideoMessagesInput | undefined): HookMessages {
  if (!input) return defaultHookMessages;
  const { ui: _ui, ...rest } = input;
  return {
    ...defaultHookMessages,
    ...rest,
    errors: { ...defaultHookMessages.errors, ...input.errors },
    status: { ...defaultHookMessages.status, ...input.status },
  } as HookMessages;
}

/**
 * The sentence to show for an error: the app's sentence for its code when it gave one, else
 * the error's own message (which is often more precise, e.g. which field and what limit).
 */
export function errorSentence(
  error: KeyframeVideoError,
  errors: Partial<ErrorMessages> = defaultHookMessages.errors,
): string {
  const custom = (errors as Partial<Record<string, string>>)[error.code];
  if (custom !== undefined) return custom;
  return error.message || errorMessageFor(error.code as KnownErrorCode, errors);
}
