/**
 * Calls to DashScope (or whatever fixed base URL the relay was given). Requests are built from
 * scratch — the server's key, JSON, `X-DashScope-Async` on creates — and nothing from the
 * client's request is copied. Answers are read with a size cap and a deadline; only their
 * status, JSON body and a numeric `Retry-After` are kept. A create is never retried here; a GET
 * is retried once after a network failure or a 5xx. The HTTP itself is an
 * {@link UpstreamTransport} (`fetch`, or node:http on Node).
 */
import type { Clock } from '../core/clock.js';
import { KeyframeVideoError } from '../core/errors.js';
import type { WireCreateBody } from '../core/schemas.js';
import { CREATE_PATH } from './routes.js';
import type {
  UpstreamBodyPiece,
  UpstreamReply,
  UpstreamRequest,
  UpstreamTransport,
} from './upstream-transport.js';

/** A data URL header with only characters that never need escaping in JSON. */
const PLAIN_DATA_URL_HEADER = /^data:[A-Za-z0-9!#$&^_.+/;=-]{1,200},$/;

/**
 * The create body sent upstream: the checked body, serialised afresh (never the client's bytes,
 * so duplicate keys or odd encodings cannot mean one thing to the relay and another upstream).
 * Frames that passed the frame checks are strict base64 data URLs, which JSON never escapes;
 * they are spliced in as they are instead of being scanned again by `JSON.stringify` (a 2 MB
 * frame costs milliseconds to scan), as pieces of their own, so the megabytes are never copied
 * into one string. Call only after the frame checks passed.
 */
export function serializeCreateBody(body: WireCreateBody): UpstreamBodyPiece[] {
  const marker = `kfv-frame-${crypto.randomUUID()}`;
  const frames = new Map<string, string>();
  const input: Record<string, unknown> = { ...body.input };
  for (const field of ['first_frame_url', 'last_frame_url'] as const) {
    const value = input[field];
    if (typeof value !== 'string') continue;
    const comma = value.indexOf(',');
    if (comma < 0 || comma > 200 || !PLAIN_DATA_URL_HEADER.test(value.slice(0, comma + 1)))
      continue;
    const token = `"${marker}-${field}"`;
    frames.set(token, value);
    input[field] = token.slice(1, -1);
  }
  const json = JSON.stringify({ ...body, input });
  // The tokens hold a random UUID: each appears exactly once, where its frame goes.
  const spliced = [...frames]
    .map(([token, frame]) => ({ at: json.indexOf(token), token, frame }))
    .sort((a, b) => a.at - b.at);
  const pieces: UpstreamBodyPiece[] = [];
  let from = 0;
  for (const { at, token, frame } of spliced) {
    pieces.push({ text: json.slice(from, at + 1), encoding: 'utf-8' });
    pieces.push({ text: frame, encoding: 'ascii' });
    from = at + token.length - 1;
  }
  pieces.push({ text: json.slice(from), encoding: 'utf-8' });
  return pieces;
}

/** How the relay reaches upstream. */
export interface UpstreamConfig {
  /** The API base, e.g. `https://dashscope.aliyuncs.com/api/v1` (no trailing slash). */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Speaks HTTP to upstream (`fetch`, or node:http on Node). */
  readonly transport: UpstreamTransport;
  /** Deadline per upstream call, from sending to the last byte of the answer. */
  readonly timeoutMs: number;
  readonly clock: Clock;
  /** Answers longer than this are refused as invalid (default 1 MiB). */
  readonly maxAnswerBytes?: number;
  /** Pause before the one GET retry (default 100 ms). */
  readonly retryDelayMs?: number;
}

/** One call the relay makes. Upstream ids have been checked against the id pattern. */
export type UpstreamCall =
  | { readonly route: 'create'; readonly body: readonly UpstreamBodyPiece[] }
  | { readonly route: 'get'; readonly upstreamTaskId: string }
  | { readonly route: 'cancel'; readonly upstreamTaskId: string };

/** An upstream answer that was JSON. */
export interface UpstreamAnswer {
  readonly status: number;
  readonly json: Record<string, unknown>;
  /** From a numeric `Retry-After`, in ms (capped at an hour). */
  readonly retryAfterMs?: number;
  readonly attempts: number;
  readonly latencyMs: number;
}

/** Hooks for observing a call. */
export interface UpstreamCallOptions {
  /** Aborts the call (the client went away); ignored for creates, which always finish. */
  readonly signal?: AbortSignal | undefined;
  /** Called before the GET retry. */
  readonly onRetry?: (reason: 'network' | 'status', status?: number) => void;
  /** Called after each attempt that got an answer, with its HTTP status (also for bad answers). */
  readonly onStatus?: (status: number) => void;
}

const RETRYABLE_STATUSES = new Set([500, 502, 503, 504]);
const DEFAULT_MAX_ANSWER_BYTES = 1024 * 1024;

type Attempt =
  | { readonly kind: 'answer'; readonly answer: Omit<UpstreamAnswer, 'attempts' | 'latencyMs'> }
  /** No answer: the connection failed or closed. */
  | { readonly kind: 'network'; readonly error: unknown }
  /** An answer that is not a JSON object (an HTML error page), or a redirect. */
  | { readonly kind: 'invalid'; readonly status: number; readonly error: KeyframeVideoError };

/** `502 UpstreamInvalidResponse`: an upstream answer the relay cannot use as it is. */
export function upstreamInvalid(detail: string, cause?: unknown): KeyframeVideoError {
  return new KeyframeVideoError({
    code: 'UpstreamInvalidResponse',
    status: 502,
    message: 'The video service sent an answer that could not be read. Try again in a moment.',
    detail,
    cause,
  });
}

function unreachable(cause: unknown): KeyframeVideoError {
  return new KeyframeVideoError({
    code: 'UpstreamUnreachable',
    status: 502,
    message: 'The video service could not be reached. Try again in a moment.',
    detail: 'No answer from upstream (connection failed or closed).',
    cause,
  });
}

function timedOut(timeoutMs: number): KeyframeVideoError {
  return new KeyframeVideoError({
    code: 'UpstreamTimeout',
    status: 504,
    message: `The video service did not answer within ${Math.round(timeoutMs / 1000)} s. Try again in a moment.`,
  });
}

function clientGone(): KeyframeVideoError {
  return new KeyframeVideoError({ code: 'Aborted', status: 499 });
}

/** `Retry-After` in whole seconds only (an HTTP date is ignored), capped at an hour. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || !/^\s*\d{1,6}\s*$/.test(value)) return undefined;
  return Math.min(Number(value) * 1000, 3_600_000);
}

function buildRequest(config: UpstreamConfig, call: UpstreamCall): UpstreamRequest {
  const authorization = `Bearer ${config.apiKey}`;
  switch (call.route) {
    case 'create':
      return {
        method: 'POST',
        url: config.baseUrl + CREATE_PATH,
        headers: {
          authorization,
          accept: 'application/json',
          'content-type': 'application/json',
          'x-dashscope-async': 'enable',
        },
        body: call.body,
      };
    case 'get':
      return {
        method: 'GET',
        url: `${config.baseUrl}/tasks/${encodeURIComponent(call.upstreamTaskId)}`,
        headers: { authorization, accept: 'application/json' },
      };
    case 'cancel':
      return {
        method: 'POST',
        url: `${config.baseUrl}/tasks/${encodeURIComponent(call.upstreamTaskId)}/cancel`,
        headers: { authorization, accept: 'application/json' },
      };
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function parseAnswer(bytes: Uint8Array, status: number): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw upstreamInvalid(`The upstream answer (HTTP ${status}) is not JSON.`, error);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw upstreamInvalid(`The upstream answer (HTTP ${status}) is not a JSON object.`);
  }
  return json as Record<string, unknown>;
}

/** The answer's JSON, or why it cannot be used (a redirect, too long, not a JSON object). */
function readReply(reply: UpstreamReply, maxAnswerBytes: number): Attempt {
  const status = reply.status;
  try {
    if (status >= 300 && status < 400) {
      throw upstreamInvalid(
        `Upstream answered with a redirect (HTTP ${status}); redirects are not followed.`,
      );
    }
    if (reply.body.kind === 'too-long') {
      throw upstreamInvalid(`The upstream answer is longer than ${maxAnswerBytes} bytes.`);
    }
    const retryAfterMs = parseRetryAfter(reply.retryAfter);
    return {
      kind: 'answer',
      answer: {
        status,
        json: parseAnswer(reply.body.bytes, status),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      },
    };
  } catch (error) {
    if (error instanceof KeyframeVideoError) return { kind: 'invalid', status, error };
    throw error;
  }
}

/** One attempt with its own deadline. Throws timeouts; returns everything else as an outcome. */
async function attempt(
  config: UpstreamConfig,
  call: UpstreamCall,
  clientSignal: AbortSignal | undefined,
): Promise<Attempt> {
  if (clientSignal?.aborted) throw clientGone();
  const maxAnswerBytes = config.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  let state = 'running' as 'running' | 'timed-out' | 'client-gone';
  const exchange = config.transport(buildRequest(config, call), maxAnswerBytes);
  const timer = config.clock.setTimeout(() => {
    state = 'timed-out';
    exchange.abort();
  }, config.timeoutMs);
  const onClientAbort = () => {
    state = 'client-gone';
    exchange.abort();
  };
  clientSignal?.addEventListener('abort', onClientAbort, { once: true });
  try {
    return readReply(await exchange.reply, maxAnswerBytes);
  } catch (error) {
    if (state === 'timed-out') throw timedOut(config.timeoutMs);
    if (state === 'client-gone') throw clientGone();
    return { kind: 'network', error };
  } finally {
    config.clock.clearTimeout(timer);
    clientSignal?.removeEventListener('abort', onClientAbort);
  }
}

function pause(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/**
 * Makes one upstream call (two for a GET after a transient failure) and returns the JSON answer,
 * whatever its status. Throws `UpstreamTimeout` (504) past the deadline, `UpstreamUnreachable`
 * (502) when no answer came (connection refused, failed or closed), and
 * `UpstreamInvalidResponse` (502) for a redirect or an answer that is not a JSON object (an
 * HTML error page).
 */
export async function callUpstream(
  config: UpstreamConfig,
  call: UpstreamCall,
  options: UpstreamCallOptions = {},
): Promise<UpstreamAnswer> {
  const started = performance.now();
  // A create is never abandoned half-way: its outcome is recorded for the Idempotency-Key.
  const signal = call.route === 'create' ? undefined : options.signal;
  const observe = (outcome: Attempt): Attempt => {
    if (outcome.kind === 'answer') options.onStatus?.(outcome.answer.status);
    else if (outcome.kind === 'invalid' && outcome.status > 0) options.onStatus?.(outcome.status);
    return outcome;
  };
  const first = observe(await attempt(config, call, signal));
  let result = first;
  let attempts = 1;
  const firstStatus =
    first.kind === 'answer' ? first.answer.status : first.kind === 'invalid' ? first.status : 0;
  const transient = first.kind === 'network' || RETRYABLE_STATUSES.has(firstStatus);
  if (call.route === 'get' && transient) {
    options.onRetry?.(
      first.kind === 'network' ? 'network' : 'status',
      first.kind === 'network' ? undefined : firstStatus,
    );
    await pause(config.clock, config.retryDelayMs ?? 100);
    if (signal?.aborted) throw clientGone();
    result = observe(await attempt(config, call, signal));
    attempts = 2;
  }
  if (result.kind === 'network') throw unreachable(result.error);
  if (result.kind === 'invalid') throw result.error;
  return { ...result.answer, attempts, latencyMs: performance.now() - started };
}
