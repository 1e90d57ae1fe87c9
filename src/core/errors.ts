/**
 * One error class for everything that can go wrong: bad input, the relay, DashScope, the network.
 * Every error carries a `code`, the HTTP `status` when there was one, the request field it
 * concerns (`param`, e.g. `"input.prompt"`), whether trying again may help (`retryable`) and a
 * sentence a user can act on.
 */

/** DashScope's own error codes (see docs/errors.md for the HTTP status of each). */
export const DASHSCOPE_ERROR_CODES = [
  'InvalidParameter',
  'DataInspectionFailed',
  'IPInfringementSuspect',
  'Arrearage',
  'InvalidApiKey',
  'AccessDenied',
  'AccessDenied.Unpurchased',
  'ModelNotFound',
  'RequestTimeOut',
  'BadRequest.TooLarge',
  'BadRequest.InputDownloadFailed',
  'BadRequest.UnsupportedFileFormat',
  'Throttling',
  'Throttling.RateQuota',
  'Throttling.AllocationQuota',
  'InternalError',
  'InternalError.Algo',
  'InternalError.Timeout',
  'ModelUnavailable',
] as const;

/** Codes the relay answers with for its own conditions. */
export const RELAY_ERROR_CODES = [
  'Unauthenticated',
  'Forbidden',
  'NotFound',
  'RelayBodyTooLarge',
  'UnsupportedMediaType',
  'IdempotencyConflict',
  'RelayRateLimited',
  'UpstreamTimeout',
  'UpstreamUnreachable',
  'UpstreamInvalidResponse',
] as const;

/** Codes made on this side of the wire: the network, timeouts, aborts, odd answers, tasks. */
export const CLIENT_ERROR_CODES = [
  'NetworkError',
  'Timeout',
  'Aborted',
  'InvalidResponse',
  'TaskExpired',
  'TaskFailed',
  'CancelRefused',
  'PollBudgetExceeded',
  'FrameRejected',
  'Unknown',
] as const;

export type DashScopeErrorCode = (typeof DASHSCOPE_ERROR_CODES)[number];
export type RelayErrorCode = (typeof RELAY_ERROR_CODES)[number];
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number];
/** Every code this library knows; upstream may send others, which are kept as they come. */
export type KnownErrorCode = DashScopeErrorCode | RelayErrorCode | ClientErrorCode;
export type KeyframeVideoErrorCode = KnownErrorCode | (string & {});

/** A user-facing sentence per code: what happened and what to do. Replace it for i18n. */
export type ErrorMessages = Record<KnownErrorCode, string>;

/** English messages. Each says what happened and what to do next. */
export const defaultErrorMessages: ErrorMessages = {
  InvalidParameter: 'Some of the request is not valid. Check the highlighted field and try again.',
  DataInspectionFailed:
    'The content check flagged the prompt or an image. Change the wording or choose other frames, then try again.',
  IPInfringementSuspect:
    'The request may infringe intellectual property. Use your own images and wording, then try again.',
  Arrearage:
    'The video service account is out of credit. Ask the site administrator to top up the account.',
  InvalidApiKey:
    'The server’s video API key was refused. Ask the site administrator to check the key.',
  AccessDenied:
    'The video service refused access to this model. Ask the site administrator to check the account’s permissions.',
  'AccessDenied.Unpurchased':
    'This model has not been activated for the account. Ask the site administrator to activate it, or pick another model.',
  ModelNotFound:
    'This model does not exist or is not available in this region. Pick another model.',
  RequestTimeOut: 'The video service took too long to answer. Try again in a moment.',
  'BadRequest.TooLarge': 'The request is too large. Use smaller images (at most 10 MB each).',
  'BadRequest.InputDownloadFailed':
    'The video service could not download an image. Use a publicly reachable link or upload the file instead.',
  'BadRequest.UnsupportedFileFormat':
    'An image is in a format the service does not accept. Use JPEG, PNG (without transparency), BMP or WebP.',
  Throttling: 'Too many requests right now. Waiting a moment and trying again.',
  'Throttling.RateQuota': 'Too many requests per second. Waiting a moment and trying again.',
  'Throttling.AllocationQuota':
    'The account is already making as many videos as it may at once. Wait for one to finish, then try again.',
  InternalError: 'The video service had an internal error. Try again in a moment.',
  'InternalError.Algo':
    'The video model failed on this input. Try again, or change the frames or prompt.',
  'InternalError.Timeout': 'The video service timed out internally. Try again in a moment.',
  ModelUnavailable: 'The model is temporarily unavailable. Try again in a few minutes.',
  Unauthenticated: 'You are not signed in, or your session has ended. Sign in and try again.',
  Forbidden: 'You are not allowed to do this. Ask the site administrator for access.',
  NotFound: 'This video task was not found. Start a new one.',
  RelayBodyTooLarge:
    'The images are too large to send. Use smaller images; the studio can shrink them for you.',
  UnsupportedMediaType: 'The request was not sent as JSON. This is a bug in the app; report it.',
  IdempotencyConflict:
    'This submission was already sent with different content. Start over to make a new video.',
  RelayRateLimited: 'You are making requests too quickly. Waiting a moment and trying again.',
  UpstreamTimeout: 'The video service did not answer in time. Try again in a moment.',
  UpstreamUnreachable: 'The video service could not be reached. Try again in a moment.',
  UpstreamInvalidResponse: 'The video service sent an answer that could not be read. Try again.',
  NetworkError: 'The connection failed. Check your network; trying again when it is back.',
  Timeout: 'The request took too long. Try again.',
  Aborted: 'The request was cancelled.',
  InvalidResponse: 'The server sent an answer that could not be read. Try again in a moment.',
  TaskExpired:
    'This video task is no longer known to the service (tasks and links last 24 hours). Start a new one.',
  TaskFailed: 'The video could not be made. Change the frames or prompt and try again.',
  CancelRefused:
    'The task is already running and the provider cannot cancel it; it will finish and be billed.',
  PollBudgetExceeded:
    'Stopped checking the task after a long time without an answer. Check again to keep waiting.',
  FrameRejected: 'An image does not meet the requirements. Replace it and try again.',
  Unknown: 'Something went wrong. Try again.',
};

/** What an error is about, for messages that want to point at a field. */
export interface KeyframeVideoErrorInit {
  code: KeyframeVideoErrorCode;
  /** Overrides the default user-facing message. */
  message?: string | undefined;
  /** The message the server sent, kept for logs and support (may be technical). */
  detail?: string | undefined;
  status?: number | undefined;
  /** The request field concerned, in wire form: `"input.prompt"`, `"parameters.resolution"`. */
  param?: string | undefined;
  requestId?: string | undefined;
  /** Milliseconds the server asked us to wait (`Retry-After`). */
  retryAfterMs?: number | undefined;
  /** Overrides the retryability derived from code and status. */
  retryable?: boolean | undefined;
  cause?: unknown;
}

const RETRYABLE_CODES: ReadonlySet<string> = new Set<KnownErrorCode>([
  'RequestTimeOut',
  'Throttling',
  'Throttling.RateQuota',
  'Throttling.AllocationQuota',
  'InternalError',
  'InternalError.Timeout',
  'ModelUnavailable',
  'RelayRateLimited',
  'UpstreamTimeout',
  'UpstreamUnreachable',
  'UpstreamInvalidResponse',
  'NetworkError',
  'Timeout',
  'InvalidResponse',
]);

/** Whether trying the same request again later may succeed. */
export function isRetryableError(code: string, status?: number): boolean {
  if (RETRYABLE_CODES.has(code)) return true;
  if (code.startsWith('Throttling') || code.startsWith('InternalError')) return true;
  if (status === undefined) return false;
  return status === 408 || status === 429 || status >= 500;
}

function isKnownCode(code: string): code is KnownErrorCode {
  return Object.prototype.hasOwnProperty.call(defaultErrorMessages, code);
}

/** The user-facing sentence for a code, from `messages` (defaults to English). */
export function errorMessageFor(
  code: KeyframeVideoErrorCode,
  messages: Partial<ErrorMessages> = defaultErrorMessages,
): string {
  if (isKnownCode(code)) return messages[code] ?? defaultErrorMessages[code];
  if (code.startsWith('Throttling')) return messages.Throttling ?? defaultErrorMessages.Throttling;
  if (code.startsWith('InternalError'))
    return messages.InternalError ?? defaultErrorMessages.InternalError;
  return messages.Unknown ?? defaultErrorMessages.Unknown;
}

/** The one error type the library throws and reports. */
export class KeyframeVideoError extends Error {
  override readonly name = 'KeyframeVideoError';
  readonly code: KeyframeVideoErrorCode;
  readonly status: number | undefined;
  readonly param: string | undefined;
  readonly retryable: boolean;
  readonly requestId: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly detail: string | undefined;

  constructor(init: KeyframeVideoErrorInit) {
    super(init.message ?? errorMessageFor(init.code), { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.param = init.param;
    this.requestId = init.requestId;
    this.retryAfterMs = init.retryAfterMs;
    this.detail = init.detail;
    this.retryable = init.retryable ?? isRetryableError(init.code, init.status);
  }

  /** The same error with a message from another message table (i18n). */
  localized(messages: Partial<ErrorMessages>): string {
    return errorMessageFor(this.code, messages);
  }

  /** A plain object for logs and `postMessage`; never includes request bodies. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      status: this.status,
      param: this.param,
      retryable: this.retryable,
      requestId: this.requestId,
      retryAfterMs: this.retryAfterMs,
      detail: this.detail,
    };
  }
}

/** Type guard that also works across bundle copies (checks the shape, not the prototype). */
export function isKeyframeVideoError(value: unknown): value is KeyframeVideoError {
  return (
    value instanceof KeyframeVideoError ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { name?: unknown }).name === 'KeyframeVideoError' &&
      typeof (value as { code?: unknown }).code === 'string')
  );
}

/** Turns anything thrown (an abort, a TypeError from fetch, a string) into a KeyframeVideoError. */
export function toKeyframeVideoError(value: unknown): KeyframeVideoError {
  if (isKeyframeVideoError(value)) return value;
  if (typeof value === 'object' && value !== null) {
    const name = (value as { name?: unknown }).name;
    if (name === 'AbortError') return new KeyframeVideoError({ code: 'Aborted', cause: value });
    if (name === 'TimeoutError') return new KeyframeVideoError({ code: 'Timeout', cause: value });
    if (value instanceof TypeError)
      return new KeyframeVideoError({ code: 'NetworkError', detail: value.message, cause: value });
  }
  return new KeyframeVideoError({
    code: 'Unknown',
    detail: value instanceof Error ? value.message : String(value),
    cause: value,
  });
}
