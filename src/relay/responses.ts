/**
 * Every answer the relay sends is built here, from scratch: JSON, `no-store`, `nosniff`, the
 * relay's request id, and `Retry-After` when a wait is asked for. Nothing from an upstream
 * answer's headers is copied (no `Set-Cookie`, no server banners).
 */
import type { KeyframeVideoError } from '../core/errors.js';

/** The DashScope error shape the relay answers with, plus `param` when a field is concerned. */
export interface RelayErrorBody {
  code: string;
  message: string;
  request_id: string;
  param?: string;
}

/** Options of {@link jsonResponse}. */
export interface JsonResponseOptions {
  requestId: string;
  /** Milliseconds to wait, sent as whole seconds in `Retry-After` (at least 1). */
  retryAfterMs?: number | undefined;
  /** Marks an answer replayed for an `Idempotency-Key`. */
  replayed?: boolean | undefined;
}

/** Builds a JSON answer with the relay's fixed header set. */
export function jsonResponse(
  status: number,
  body: unknown,
  options: JsonResponseOptions,
): Response {
  // A plain record: the Response makes its own Headers from it (a Headers first costs twice).
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-request-id': options.requestId,
  };
  if (options.retryAfterMs !== undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(options.retryAfterMs / 1000)));
  }
  if (options.replayed) headers['idempotent-replayed'] = 'true';
  return new Response(JSON.stringify(body), { status, headers });
}

/** Messages are cut to this length: some quote a client's value, which may be huge. */
const MAX_MESSAGE_LENGTH = 1_000;

/** The wire body of a relay-made error: our sentence as `message`, the field as `param`. */
export function relayErrorBody(error: KeyframeVideoError, requestId: string): RelayErrorBody {
  const message =
    error.message.length > MAX_MESSAGE_LENGTH
      ? `${error.message.slice(0, MAX_MESSAGE_LENGTH)}…`
      : error.message;
  const body: RelayErrorBody = { code: error.code, message, request_id: requestId };
  if (error.param !== undefined) body.param = error.param;
  return body;
}

/** The status of each code the relay answers with, for errors thrown without one. */
export const RELAY_CODE_STATUS: Readonly<Record<string, number>> = Object.freeze({
  InvalidParameter: 400,
  Unauthenticated: 401,
  Forbidden: 403,
  NotFound: 404,
  ModelNotFound: 404,
  RequestTimeOut: 408,
  RelayBodyTooLarge: 413,
  UnsupportedMediaType: 415,
  IdempotencyConflict: 422,
  RelayRateLimited: 429,
  InternalError: 500,
  UpstreamUnreachable: 502,
  UpstreamInvalidResponse: 502,
  UpstreamTimeout: 504,
});

/** The status to answer an error with: its own, else its code's, else 500. */
export function statusOf(error: KeyframeVideoError): number {
  const status = error.status ?? RELAY_CODE_STATUS[error.code] ?? 500;
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}

/** Answers a relay-made error with its status (see {@link statusOf}). */
export function errorResponse(error: KeyframeVideoError, requestId: string): Response {
  const status = statusOf(error);
  return jsonResponse(status, relayErrorBody(error, requestId), {
    requestId,
    retryAfterMs: error.retryAfterMs,
  });
}
