/**
 * The client: `create`, `get` and `cancel` against the app's relay (DashScope paths behind a
 * prefix) or a custom transport. Each call validates what it sends and what it gets, is
 * abortable, has its own timeout, and fails only with a `KeyframeVideoError`.
 */
import { systemClock, type Clock } from './clock.js';
import { KeyframeVideoError, toKeyframeVideoError } from './errors.js';
import { assertValidRequest, type KeyframeVideoModelTable } from './models.js';
import {
  fromWireCreateResponse,
  fromWireError,
  fromWireTask,
  parseCancelResponse,
  parseCreateResponse,
  parseErrorBody,
  parseTaskBody,
  toWireCreateBody,
  type KeyframeVideoCreated,
  type KeyframeVideoRequest,
  type KeyframeVideoTask,
  type WireCreateBody,
} from './schemas.js';

/** The relay path the client talks to when neither `endpoint` nor `transport` is given. */
export const DEFAULT_ENDPOINT = '/api/keyframe-video';
/** How long one call may take before it fails with `Timeout`. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * For apps whose backend is not a DashScope-path relay: three functions that deliver the wire
 * messages and resolve with the raw JSON answer (an error body counts as an error). The client
 * still validates every answer. Honour `signal`; the call settles on abort either way.
 */
export interface KeyframeVideoTransport {
  create(
    body: WireCreateBody,
    init: { signal: AbortSignal; idempotencyKey: string },
  ): Promise<unknown>;
  get(taskId: string, init: { signal: AbortSignal }): Promise<unknown>;
  cancel(taskId: string, init: { signal: AbortSignal }): Promise<unknown>;
}

/** Headers for every request (e.g. the app's own auth token), or a function that makes them. */
export type KeyframeVideoHeaders = HeadersInit | (() => HeadersInit | Promise<HeadersInit>);

/** Options for `createKeyframeVideoClient`. Give `endpoint` or `transport`, not both. */
export interface KeyframeVideoClientOptions {
  /** The relay's base path or URL (default `"/api/keyframe-video"`). */
  endpoint?: string | undefined;
  /** Replaces HTTP entirely (see `KeyframeVideoTransport`). */
  transport?: KeyframeVideoTransport | undefined;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch | undefined;
  /**
   * Extra headers, e.g. `{ Authorization: 'Bearer …' }` with the app's session token — never a
   * DashScope key: the relay adds that, and `X-DashScope-*` headers given here are dropped.
   */
  headers?: KeyframeVideoHeaders | undefined;
  /** Per-call timeout in milliseconds (default 30 000). */
  timeoutMs?: number | undefined;
  /** The capability table requests are validated against (default: the built-in one). */
  models?: KeyframeVideoModelTable | undefined;
  /** Time for timeouts and `Retry-After` dates (default: the system clock); for tests. */
  clock?: Clock | undefined;
}

/** Options every call takes. */
export interface KeyframeVideoCallOptions {
  /** Aborting it fails the call with `Aborted`. */
  signal?: AbortSignal | undefined;
}

/** Options for `create`. */
export interface KeyframeVideoCreateOptions extends KeyframeVideoCallOptions {
  /**
   * Identifies this submission so a retried create never makes (and bills) a second video.
   * Record it before sending to resume after a reload; a fresh one is made when left out.
   */
  idempotencyKey?: string | undefined;
}

/** What a successful cancel answers. */
export interface KeyframeVideoCancelResult {
  requestId?: string | undefined;
}

/** Talks to the relay (or a transport) for one app. Every method throws `KeyframeVideoError`. */
export interface KeyframeVideoClient {
  /** Validates the request (bad input never costs a request), then submits it. */
  create(
    request: KeyframeVideoRequest,
    options?: KeyframeVideoCreateOptions,
  ): Promise<KeyframeVideoCreated>;
  /** Reads a task. A FAILED task is returned (with `failure`), not thrown. */
  get(taskId: string, options?: KeyframeVideoCallOptions): Promise<KeyframeVideoTask>;
  /** Cancels a task; the service only cancels PENDING tasks and answers an error otherwise. */
  cancel(taskId: string, options?: KeyframeVideoCallOptions): Promise<KeyframeVideoCancelResult>;
}

/** A fresh idempotency key (a v4 UUID), also where `crypto.randomUUID` is missing (plain http). */
export function createIdempotencyKey(): string {
  const webCrypto = globalThis.crypto;
  if (typeof webCrypto.randomUUID === 'function') return webCrypto.randomUUID();
  const bytes = webCrypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Reads a `Retry-After` header — delta-seconds (`"7"`) or an HTTP-date — as milliseconds from
 * `nowMs`. `undefined` when absent or unreadable; a date in the past gives 0.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** A parsed answer and the HTTP status it came with (none for transports). */
interface Answer {
  json: unknown;
  status: number | undefined;
}

/** How a call ended early: the caller aborted, or the timeout fired. */
type EarlyEnd = 'aborted' | 'timed-out';

function earlyEndError(end: EarlyEnd, timeoutMs: number, cause: unknown): KeyframeVideoError {
  return end === 'aborted'
    ? new KeyframeVideoError({ code: 'Aborted', cause })
    : new KeyframeVideoError({
        code: 'Timeout',
        detail: `No answer within ${timeoutMs} ms.`,
        cause,
      });
}

/**
 * Runs one call under its own AbortController, aborted by the caller's signal or the timeout.
 * Settles as soon as either fires, even if the work ignores its signal, and always removes the
 * listener it put on the caller's signal.
 */
async function runCall<T>(
  callerSignal: AbortSignal | undefined,
  timeoutMs: number,
  clock: Clock,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (callerSignal?.aborted) throw earlyEndError('aborted', timeoutMs, callerSignal.reason);
  const controller = new AbortController();
  let end: EarlyEnd | undefined;
  const finish = (how: EarlyEnd, reason: unknown) => {
    end ??= how;
    controller.abort(reason);
  };
  const onCallerAbort = () => finish('aborted', callerSignal?.reason);
  callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  const timer = clock.setTimeout(
    () => finish('timed-out', new DOMException('The request timed out.', 'TimeoutError')),
    timeoutMs,
  );
  let stopWatching = () => {};
  const endedEarly = new Promise<never>((_resolve, reject) => {
    const onAbort = () =>
      reject(earlyEndError(end ?? 'aborted', timeoutMs, controller.signal.reason));
    controller.signal.addEventListener('abort', onAbort, { once: true });
    stopWatching = () => controller.signal.removeEventListener('abort', onAbort);
  });
  try {
    return await Promise.race([work(controller.signal), endedEarly]);
  } catch (error) {
    // fetch rejects with an AbortError of its own: report why we aborted instead.
    if (end) throw earlyEndError(end, timeoutMs, error);
    const converted = toKeyframeVideoError(error);
    if (converted.code === 'Unknown') {
      // Whatever a fetch or transport throws means the answer did not arrive.
      throw new KeyframeVideoError({
        code: 'NetworkError',
        detail: converted.detail,
        cause: error,
      });
    }
    throw converted;
  } finally {
    clock.clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
    stopWatching();
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks an answer with its schema. An error body in a 2xx answer (or from a transport) is
 * thrown as that error; a schema failure becomes `InvalidResponse` with the HTTP status.
 */
function readAnswer<T>(answer: Answer, parse: (json: unknown) => T): T {
  if (isObject(answer.json) && !('output' in answer.json)) {
    const errorBody = parseErrorBody(answer.json);
    if (errorBody) throw fromWireError(errorBody, { status: answer.status });
  }
  try {
    return parse(answer.json);
  } catch (error) {
    const converted = toKeyframeVideoError(error);
    throw new KeyframeVideoError({
      code: converted.code,
      detail: converted.detail,
      status: answer.status,
      cause: converted.cause,
    });
  }
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 120)}…` : flat;
}

/** Turns an HTTP response into an `Answer`, or throws the error it carries. */
async function answerFromResponse(response: Response, nowMs: () => number): Promise<Answer> {
  const { status } = response;
  const retryAfterMs = parseRetryAfter(response.headers.get('Retry-After'), nowMs());
  const text = await response.text();
  let json: unknown;
  if (text.trim() !== '') {
    try {
      json = JSON.parse(text);
    } catch (cause) {
      const type = response.headers.get('Content-Type') ?? 'no content type';
      throw new KeyframeVideoError({
        code: 'InvalidResponse',
        status,
        retryAfterMs,
        detail: `Expected JSON, got ${type} (HTTP ${status}): ${snippet(text)}`,
        cause,
      });
    }
  }
  if (response.ok) return { json, status };
  const errorBody = parseErrorBody(json);
  if (errorBody) throw fromWireError(errorBody, { status, retryAfterMs });
  throw new KeyframeVideoError({
    code: 'InvalidResponse',
    status,
    retryAfterMs,
    detail: `HTTP ${status} without an error body${text ? `: ${snippet(text)}` : ''}.`,
  });
}

function requireTaskId(taskId: string): void {
  if (typeof taskId !== 'string' || taskId === '') {
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      message: 'A task id is needed. Pass the id that create() returned.',
    });
  }
}

/** The three wire calls over HTTP, with DashScope paths behind the endpoint prefix. */
function httpTransport(
  endpoint: string,
  fetchImpl: typeof fetch,
  headers: KeyframeVideoHeaders | undefined,
  now: () => number,
) {
  const base = endpoint.replace(/\/+$/, '');
  async function send(
    method: 'GET' | 'POST',
    path: string,
    signal: AbortSignal,
    extra: { body?: unknown; idempotencyKey?: string } = {},
  ): Promise<Answer> {
    const given = typeof headers === 'function' ? await headers() : headers;
    const requestHeaders = new Headers(given);
    // The relay owns DashScope headers (async mode, keys); the browser never sends them.
    for (const name of [...requestHeaders.keys()]) {
      if (name.toLowerCase().startsWith('x-dashscope-')) requestHeaders.delete(name);
    }
    requestHeaders.set('Accept', 'application/json');
    const init: RequestInit = { method, headers: requestHeaders, signal };
    if (extra.body !== undefined) {
      requestHeaders.set('Content-Type', 'application/json');
      init.body = JSON.stringify(extra.body);
    }
    if (extra.idempotencyKey !== undefined) {
      requestHeaders.set('Idempotency-Key', extra.idempotencyKey);
    }
    const response = await fetchImpl(`${base}${path}`, init);
    return answerFromResponse(response, now);
  }
  const taskPath = (taskId: string) => `/tasks/${encodeURIComponent(taskId)}`;
  return {
    create: (body: WireCreateBody, signal: AbortSignal, idempotencyKey: string) =>
      send('POST', '/services/aigc/image2video/video-synthesis', signal, { body, idempotencyKey }),
    get: (taskId: string, signal: AbortSignal) => send('GET', taskPath(taskId), signal),
    cancel: (taskId: string, signal: AbortSignal) =>
      send('POST', `${taskPath(taskId)}/cancel`, signal),
  };
}

/** A transport given by the app, with its answers wrapped the way HTTP answers are. */
function customTransport(transport: KeyframeVideoTransport) {
  const answer = async (json: Promise<unknown>): Promise<Answer> => ({
    json: await json,
    status: undefined,
  });
  return {
    create: (body: WireCreateBody, signal: AbortSignal, idempotencyKey: string) =>
      answer(transport.create(body, { signal, idempotencyKey })),
    get: (taskId: string, signal: AbortSignal) => answer(transport.get(taskId, { signal })),
    cancel: (taskId: string, signal: AbortSignal) => answer(transport.cancel(taskId, { signal })),
  };
}

/**
 * Makes a client for the app's relay (`endpoint`, default `"/api/keyframe-video"`) or for a
 * custom `transport`. Requests are validated before sending; answers are validated on arrival;
 * each call has its own AbortController, honours `signal` (→ `Aborted`) and `timeoutMs`
 * (→ `Timeout`), and reads `Retry-After` into `retryAfterMs`.
 */
export function createKeyframeVideoClient(
  options: KeyframeVideoClientOptions = {},
): KeyframeVideoClient {
  if (options.endpoint !== undefined && options.transport !== undefined) {
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      message: 'Pass either endpoint or transport to createKeyframeVideoClient, not both.',
    });
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clock = options.clock ?? systemClock;
  const wire = options.transport
    ? customTransport(options.transport)
    : httpTransport(
        options.endpoint ?? DEFAULT_ENDPOINT,
        options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
        options.headers,
        () => clock.now(),
      );

  return {
    async create(request, callOptions = {}) {
      assertValidRequest(request, { models: options.models });
      const body = toWireCreateBody(request);
      const idempotencyKey = callOptions.idempotencyKey ?? createIdempotencyKey();
      return runCall(callOptions.signal, timeoutMs, clock, async (signal) =>
        fromWireCreateResponse(
          readAnswer(await wire.create(body, signal, idempotencyKey), parseCreateResponse),
        ),
      );
    },
    async get(taskId, callOptions = {}) {
      requireTaskId(taskId);
      return runCall(callOptions.signal, timeoutMs, clock, async (signal) =>
        fromWireTask(readAnswer(await wire.get(taskId, signal), parseTaskBody)),
      );
    },
    async cancel(taskId, callOptions = {}) {
      requireTaskId(taskId);
      return runCall(callOptions.signal, timeoutMs, clock, async (signal) => {
        const answer = await wire.cancel(taskId, signal);
        // Some relays answer a cancel with an empty 2xx body.
        const body = answer.json === undefined ? {} : readAnswer(answer, parseCancelResponse);
        return body.request_id ? { requestId: body.request_id } : {};
      });
    },
  };
}
