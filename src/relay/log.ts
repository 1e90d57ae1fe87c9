/**
 * The relay's structured events and logging. Events carry only listed fields — a request id, a
 * keyed hash of the user id, the route, statuses, codes and timings — never the API key, an
 * Authorization header, a request body or image data. Free text (an unexpected error's message)
 * goes through {@link redactText} first.
 */

/** What a request was for: one of the three relayed routes, or nothing the relay serves. */
export type RelayRoute = 'create' | 'get' | 'cancel' | 'unmatched';

/** Which limit refused a request. */
export type RateLimitScope = 'user' | 'account';

/** One finished request (every request produces exactly one). */
export interface RelayRequestEvent {
  readonly type: 'relay.request';
  /** The relay's id for this request (also the `X-Request-Id` answer header). */
  readonly requestId: string;
  readonly route: RelayRoute;
  readonly method: string;
  /** The status the relay answered with. */
  readonly status: number;
  /** The error code answered, when the answer was an error. */
  readonly code?: string;
  /** A keyed hash of the user id (HMAC, 128 bits, hex): stable per user, not reversible. */
  readonly userHash?: string;
  /** DashScope's task id, when the request concerned one. */
  readonly upstreamTaskId?: string;
  /** The status of the last upstream answer, when the request went upstream. */
  readonly upstreamStatus?: number;
  /** DashScope's `request_id`, for support tickets. */
  readonly upstreamRequestId?: string;
  /** Upstream calls made (2 when a GET was retried). */
  readonly upstreamAttempts?: number;
  /** Time spent waiting for upstream, in milliseconds. */
  readonly upstreamLatencyMs?: number;
  /** True when an `Idempotency-Key` replayed an earlier answer (no upstream call). */
  readonly replayed?: boolean;
  /** Total time in the relay, in milliseconds. */
  readonly latencyMs: number;
}

/** A GET sent upstream a second time after a transient failure. */
export interface RelayRetryEvent {
  readonly type: 'relay.upstream_retry';
  readonly requestId: string;
  readonly route: RelayRoute;
  /** `network`: no answer arrived; `status`: a 5xx answer. */
  readonly reason: 'network' | 'status';
  readonly upstreamStatus?: number;
}

/** A request refused by a rate limit. */
export interface RelayRateLimitedEvent {
  readonly type: 'relay.rate_limited';
  readonly requestId: string;
  readonly route: RelayRoute;
  readonly scope: RateLimitScope;
  readonly retryAfterMs: number;
  readonly userHash?: string;
}

/** Something unexpected (a bug, a store outage): the request answered 500. */
export interface RelayErrorEvent {
  readonly type: 'relay.error';
  readonly requestId: string;
  readonly route: RelayRoute;
  /** The error's name and message, redacted and cut to 300 characters. */
  readonly message: string;
}

/** Every event the relay emits (`onEvent` receives each; `logger` writes each). */
export type RelayEvent =
  RelayRequestEvent | RelayRetryEvent | RelayRateLimitedEvent | RelayErrorEvent;

/** A structured logger: pino, bunyan, console and the like all fit. Each call gets one event. */
export interface RelayLogger {
  info(event: RelayEvent): void;
  warn(event: RelayEvent): void;
  error(event: RelayEvent): void;
}

/** The level an event is logged at: errors and 5xx at `error`, refusals and 4xx at `warn`. */
export function eventLevel(event: RelayEvent): keyof RelayLogger {
  switch (event.type) {
    case 'relay.error':
      return 'error';
    case 'relay.rate_limited':
    case 'relay.upstream_retry':
      return 'warn';
    case 'relay.request':
      return event.status >= 500 ? 'error' : event.status >= 400 ? 'warn' : 'info';
  }
}

/**
 * A logger that writes each event as one JSON line (`{"level":"info","time":…,…}`) through
 * `write` (default `console.log`). The CLI uses it; apps usually pass their own logger.
 */
export function createJsonLineLogger(
  write: (line: string) => void = (line) => console.log(line),
  now: () => number = () => Date.now(),
): RelayLogger {
  const line = (level: string) => (event: RelayEvent) => {
    write(JSON.stringify({ level, time: new Date(now()).toISOString(), ...event }));
  };
  return { info: line('info'), warn: line('warn'), error: line('error') };
}

const BEARER = /\b(bearer|basic)\s+[^\s"',;]+/gi;
const DATA_URL = /data:[^\s"',]*,[^\s"',]*/gi;
const LONG_BASE64 = /[A-Za-z0-9+/_-]{40,}={0,2}/g;
const API_KEY_LIKE = /\bsk-[A-Za-z0-9_-]{8,}/g;

/**
 * Removes what must never be logged from free text: the given secrets, bearer/basic
 * credentials, data URLs, long base64 runs (image data, tokens) and `sk-…` keys; cuts the rest
 * to `maxLength` characters.
 */
export function redactText(text: string, secrets: readonly string[] = [], maxLength = 300): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  out = out
    .replace(BEARER, '$1 [redacted]')
    .replace(DATA_URL, 'data:[redacted]')
    .replace(API_KEY_LIKE, '[redacted]')
    .replace(LONG_BASE64, '[redacted]');
  return out.length > maxLength ? `${out.slice(0, maxLength)}…` : out;
}

/** Delivers events to `onEvent` and `logger`; neither may break a request by throwing. */
export function createEventSink(
  onEvent: ((event: RelayEvent) => void) | undefined,
  logger: RelayLogger | undefined,
): (event: RelayEvent) => void {
  return (event) => {
    if (onEvent) {
      try {
        onEvent(event);
      } catch {
        // An observer's bug must not change the answer.
      }
    }
    if (logger) {
      try {
        logger[eventLevel(event)](event);
      } catch {
        // Same for the logger.
      }
    }
  };
}
