/**
 * `createKeyframeVideoRelay`: a Web-standard `(Request) => Promise<Response>` that lets signed-in
 * users create, read and cancel keyframe-to-video tasks through the server's DashScope key, and
 * nothing else. It speaks DashScope's own wire protocol under any prefix, so the library's client
 * and the official SDKs both work against it. Deny by default: fixed upstream, authentication,
 * signed task ids bound to the user, JSON-only bodies counted against a cap before parsing, a
 * strict schema, frame checks, rate limits, idempotent creates, headers built from scratch.
 *
 * Runs on Node ≥ 20, Bun, Deno and edge runtimes: it uses only `Request`, `Response`, `fetch`,
 * `crypto.subtle`, `TextEncoder`/`TextDecoder` and timers.
 */
import { KeyframeVideoError } from '../core/errors.js';
import {
  parseCancelResponse,
  parseCreateBody,
  parseCreateResponse,
  parseErrorBody,
  parseTaskBody,
} from '../core/schemas.js';
import { isJsonContentType, parseJsonBytes, readBodyBytes, type ReadBody } from './body.js';
import { dropClientQuirks } from './client-quirks.js';
import {
  fingerprintBody,
  readIdempotencyKey,
  runIdempotent,
  type RunOutcome,
  type StoredAnswer,
} from './idempotency.js';
import { createLruCache } from './lru-cache.js';
import { createEventSink, redactText, type RateLimitScope, type RelayRoute } from './log.js';
import {
  ANONYMOUS_USER_ID,
  resolveRelayConfig,
  type KeyframeVideoRelayOptions,
  type RelayUser,
} from './options.js';
import { checkCreatePolicy, type CreatePolicy } from './policy.js';
import type { RateLimitRule } from './rate-limit.js';
import { errorResponse, jsonResponse } from './responses.js';
import { matchRoute } from './routes.js';
import {
  createTaskIdSigner,
  createUserHasher,
  deriveTaskIdSecret,
  type TaskIdSecret,
} from './task-id.js';
import {
  callUpstream,
  serializeCreateBody,
  upstreamInvalid,
  type UpstreamAnswer,
  type UpstreamConfig,
} from './upstream.js';

/** The relay: a fetch handler. Mount it for GET and POST under any path prefix. */
export type KeyframeVideoRelay = (request: Request) => Promise<Response>;

/** What one request did, gathered for its `relay.request` event. */
interface Trace {
  route: RelayRoute;
  userHash?: string;
  upstreamTaskId?: string;
  upstreamStatus?: number;
  upstreamRequestId?: string;
  upstreamAttempts?: number;
  upstreamLatencyMs?: number;
  replayed?: boolean;
  /** The code of an upstream error answer passed on. */
  code?: string;
  /** Returns the body's bytes to the shared budget. */
  release?: () => void;
}

const MAX_USER_ID_LENGTH = 1024;

function notFound(): KeyframeVideoError {
  return new KeyframeVideoError({
    code: 'NotFound',
    status: 404,
    message:
      'Not found. This endpoint serves task creation, task status and task cancellation only.',
  });
}

function taskNotFound(): KeyframeVideoError {
  return new KeyframeVideoError({
    code: 'NotFound',
    status: 404,
    message: 'This video task was not found. Start a new one.',
  });
}

function internal(detail: string, cause?: unknown): KeyframeVideoError {
  return new KeyframeVideoError({
    code: 'InternalError',
    status: 500,
    message: 'The server had an internal error. Try again in a moment.',
    detail,
    cause,
  });
}

function stringField(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'string' ? field : undefined;
}

/** DashScope's throttling codes (`Throttling`, `Throttling.RateQuota`, …): nothing was done. */
function isThrottling(code: string | undefined): boolean {
  return code === 'Throttling' || (code?.startsWith('Throttling.') ?? false);
}

/** The JSON answer with `output.task_id` replaced (other fields kept as upstream sent them). */
function withTaskId(json: Record<string, unknown>, taskId: string): Record<string, unknown> {
  const output = json.output;
  if (typeof output !== 'object' || output === null || Array.isArray(output)) return json;
  return { ...json, output: { ...(output as Record<string, unknown>), task_id: taskId } };
}

/**
 * Makes the relay. Throws a `KeyframeVideoError` (code `InvalidParameter`, `param` = the
 * option) at startup when the options cannot work: no API key, no `authenticate` without
 * `allowAnonymous: true`, a short task id secret, a bad base URL or limit.
 *
 * @example
 * ```ts
 * const relay = createKeyframeVideoRelay({
 *   authenticate: async (request) => {
 *     const session = await getSession(request);
 *     return session ? { userId: session.userId } : null;
 *   },
 * });
 * export { relay as GET, relay as POST }; // Next.js: app/api/keyframe-video/[...path]/route.ts
 * ```
 */
export function createKeyframeVideoRelay(options: KeyframeVideoRelayOptions): KeyframeVideoRelay {
  const config = resolveRelayConfig(options);
  const { clock, store } = config;
  const emit = createEventSink(config.onEvent, config.logger);

  // Explicit secrets are checked now (a short one is a startup error); the default is derived.
  const explicitSigner = config.taskIdSecrets
    ? createTaskIdSigner(config.taskIdSecrets)
    : undefined;
  const secret: Promise<TaskIdSecret> = config.taskIdSecrets?.[0]
    ? Promise.resolve(config.taskIdSecrets[0])
    : deriveTaskIdSecret(config.apiKey);
  const signer = explicitSigner ? Promise.resolve(explicitSigner) : secret.then(createTaskIdSigner);
  const hashUser = secret.then(createUserHasher);
  // Never an unhandled rejection at startup; a failure surfaces on the first request.
  signer.catch(() => undefined);
  hashUser.catch(() => undefined);
  // Both are pure functions of their inputs: hot paths (polling) skip the HMAC.
  const userHashes = createLruCache<string>(10_000);
  const verifiedIds = createLruCache<string>(10_000);

  async function userHashOf(userId: string): Promise<string> {
    const cached = userHashes.get(userId);
    if (cached !== undefined) return cached;
    const hash = await (await hashUser)(userId);
    userHashes.set(userId, hash);
    return hash;
  }

  /** The upstream id of a relay task id owned by the user, or null (forged, foreign, malformed). */
  async function upstreamIdOf(taskId: string, userId: string): Promise<string | null> {
    const cacheKey = `${taskId}\0${userId}`;
    const cached = verifiedIds.get(cacheKey);
    if (cached !== undefined) return cached;
    const upstreamId = await (await signer).verify(taskId, userId);
    if (upstreamId !== null) verifiedIds.set(cacheKey, upstreamId);
    return upstreamId;
  }
  const upstream: UpstreamConfig = {
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    transport: config.transport,
    timeoutMs: config.timeoutMs,
    clock,
  };
  const policy: CreatePolicy = {
    models: config.models,
    modelTable: config.modelTable,
    allowedImageOrigins: config.allowedImageOrigins,
    frameRules: config.frameRules,
  };
  const idempotency = {
    store,
    clock,
    ttlMs: config.idempotencyTtlMs,
    // A claim outlives its create's longest possible upstream call, then frees itself.
    pendingTtlMs: config.timeoutMs + 5_000,
  };

  async function authenticate(request: Request): Promise<RelayUser> {
    let user: RelayUser | null | undefined = null;
    if (config.authenticate) {
      try {
        user = await config.authenticate(request);
      } catch (error) {
        if (error instanceof KeyframeVideoError) throw error;
        throw internal('authenticate threw.', error);
      }
    }
    if (user === null || user === undefined) {
      if (config.allowAnonymous) return { userId: ANONYMOUS_USER_ID };
      throw new KeyframeVideoError({
        code: 'Unauthenticated',
        status: 401,
        message: 'Sign in to make videos.',
      });
    }
    const userId: unknown = (user as { userId?: unknown }).userId;
    if (typeof userId !== 'string' || userId === '' || userId.length > MAX_USER_ID_LENGTH) {
      throw internal('authenticate returned a user without a usable userId (a non-empty string).');
    }
    return { userId };
  }

  async function limit(
    rule: RateLimitRule | false,
    key: string,
    scope: RateLimitScope,
    requestId: string,
    trace: Trace,
  ): Promise<void> {
    if (rule === false) return;
    const decision = await store.consumeRate(key, rule, clock.now());
    if (decision.allowed) return;
    emit({
      type: 'relay.rate_limited',
      requestId,
      route: trace.route,
      scope,
      retryAfterMs: decision.retryAfterMs,
      ...(trace.userHash === undefined ? {} : { userHash: trace.userHash }),
    });
    throw new KeyframeVideoError({
      code: 'RelayRateLimited',
      status: 429,
      retryAfterMs: decision.retryAfterMs,
      message:
        scope === 'user'
          ? 'You are making requests too quickly. Wait a moment and try again.'
          : 'The service is busy with other requests right now. Wait a moment and try again.',
    });
  }

  function observe(answer: UpstreamAnswer, trace: Trace): void {
    trace.upstreamStatus = answer.status;
    trace.upstreamAttempts = answer.attempts;
    trace.upstreamLatencyMs = Math.round(answer.latencyMs * 100) / 100;
    const upstreamRequestId = stringField(answer.json, 'request_id');
    if (upstreamRequestId !== undefined) trace.upstreamRequestId = upstreamRequestId;
  }

  /** An upstream error answer passed on: its status, code, message and request_id. */
  function passError(answer: UpstreamAnswer, requestId: string, trace: Trace): StoredAnswer {
    const error = parseErrorBody(answer.json);
    if (!error || answer.status < 400) {
      throw upstreamInvalid(
        `Upstream answered HTTP ${answer.status} without a DashScope error body.`,
      );
    }
    trace.code = error.code;
    return {
      status: answer.status,
      body: { code: error.code, message: error.message, request_id: error.request_id ?? requestId },
      ...(answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }),
    };
  }

  async function create(
    request: Request,
    user: RelayUser,
    requestId: string,
    trace: Trace,
  ): Promise<Response> {
    const userHash = trace.userHash ?? '';
    const idempotencyKey = readIdempotencyKey(request.headers);
    const storeKey =
      idempotencyKey === undefined ? undefined : `idem:${userHash}:${idempotencyKey}`;
    // A retry of a known submission is a replay, not a create: it does not spend the user's
    // create allowance (if the record vanishes meanwhile, the limit applies before upstream).
    const replay = storeKey !== undefined && (await store.read(storeKey)) !== null;
    const userRule = config.rateLimits.userCreate;
    const userKey = `rate:user-create:${userHash}`;
    // This request's token from the user's create allowance: spent when the limit lets it
    // through, given back (once) when the account limit or DashScope turns the create away.
    let userToken: 'none' | 'spent' | 'refunded' = 'none';
    const userLimit = async () => {
      await limit(userRule, userKey, 'user', requestId, trace);
      if (userRule !== false) userToken = 'spent';
    };
    const refundUserToken = async () => {
      if (userToken !== 'spent' || userRule === false) return;
      userToken = 'refunded';
      try {
        await store.refundRate?.(userKey, userRule, clock.now());
      } catch (error) {
        // The answer stands; the user only loses this token, as without refunds.
        emit({
          type: 'relay.error',
          requestId,
          route: trace.route,
          message: redactText(
            `refundRate failed; the user's create token was not given back. ${
              error instanceof Error ? `${error.name}: ${error.message}` : typeof error
            }`,
            [config.apiKey],
          ),
        });
      }
    };
    if (!replay) await userLimit();
    if (!isJsonContentType(request.headers.get('content-type'))) {
      throw new KeyframeVideoError({
        code: 'UnsupportedMediaType',
        status: 415,
        message: 'Send the request as JSON (Content-Type: application/json).',
      });
    }
    let body: ReadBody;
    try {
      body = await readBodyBytes(request, {
        maxBytes: config.maxBodyBytes,
        timeoutMs: config.bodyTimeoutMs,
        budget: config.bodyBudget,
        clock,
      });
    } catch (error) {
      // The relay's shared body budget was full: the server was busy, not the user greedy.
      if (error instanceof KeyframeVideoError && error.code === 'RelayRateLimited') {
        await refundUserToken();
      }
      throw error;
    }
    trace.release = body.release;
    // Hashing runs off the main thread in most runtimes: start it now, use it after the checks.
    const fingerprint = idempotencyKey === undefined ? undefined : fingerprintBody(body.bytes);
    fingerprint?.catch(() => undefined);
    const parsed = parseJsonBytes(body.bytes);
    let wire = parseCreateBody(dropClientQuirks(parsed.value));
    // What is known of the client's strings holds only while the body is the client's.
    let asciiStrings = parsed.asciiStrings;
    if (config.transformRequest) {
      // The transform's result is checked exactly like a client's body.
      wire = parseCreateBody(await config.transformRequest(wire, user));
      asciiStrings = false;
    }
    await checkCreatePolicy(wire, policy, { asciiStrings });
    const upstreamBody = serializeCreateBody(wire);

    const run = async (): Promise<RunOutcome> => {
      if (replay) await userLimit();
      try {
        await limit(
          config.rateLimits.accountCreate,
          'rate:account-create',
          'account',
          requestId,
          trace,
        );
      } catch (error) {
        if (error instanceof KeyframeVideoError && error.code === 'RelayRateLimited') {
          await refundUserToken();
        }
        throw error;
      }
      const answer = await callUpstream(
        upstream,
        { route: 'create', body: upstreamBody },
        { onStatus: (status) => (trace.upstreamStatus = status) },
      );
      observe(answer, trace);
      if (answer.status < 200 || answer.status >= 300) {
        const passed = passError(answer, requestId, trace);
        // DashScope throttled the account: nothing was created.
        if (passed.status === 429 && isThrottling(trace.code)) await refundUserToken();
        return { answer: passed, keep: false };
      }
      let created;
      try {
        created = parseCreateResponse(answer.json);
      } catch (error) {
        throw upstreamInvalid('The upstream create answer does not have the create shape.', error);
      }
      trace.upstreamTaskId = created.output.task_id;
      const taskId = await (await signer).sign(created.output.task_id, user.userId);
      return {
        answer: { status: answer.status, body: withTaskId(answer.json, taskId) },
        keep: true,
      };
    };

    let answer: StoredAnswer;
    if (idempotencyKey === undefined) {
      answer = (await run()).answer;
    } else {
      const key = storeKey ?? `idem:${userHash}:${idempotencyKey}`;
      const result = await runIdempotent(
        idempotency,
        key,
        (await fingerprint) ?? (await fingerprintBody(body.bytes)),
        run,
      );
      answer = result.answer;
      if (result.replayed) {
        trace.replayed = true;
        // A duplicate sent before the first had a record is a replay too: it made no video.
        await refundUserToken();
      }
    }
    return jsonResponse(answer.status, answer.body, {
      requestId,
      retryAfterMs: answer.retryAfterMs,
      replayed: trace.replayed,
    });
  }

  async function taskCall(
    request: Request,
    route: 'get' | 'cancel',
    taskId: string,
    user: RelayUser,
    requestId: string,
    trace: Trace,
  ): Promise<Response> {
    const userHash = trace.userHash ?? '';
    await limit(
      config.rateLimits.userQuery,
      `rate:user-query:${userHash}`,
      'user',
      requestId,
      trace,
    );
    // Polling reads the same id every few seconds: a cached verification skips the await.
    const upstreamTaskId =
      verifiedIds.get(`${taskId}\0${user.userId}`) ?? (await upstreamIdOf(taskId, user.userId));
    if (upstreamTaskId === null) throw taskNotFound();
    trace.upstreamTaskId = upstreamTaskId;
    await limit(config.rateLimits.accountQuery, 'rate:account-query', 'account', requestId, trace);
    const answer = await callUpstream(
      upstream,
      { route, upstreamTaskId },
      {
        signal: request.signal,
        onStatus: (status) => (trace.upstreamStatus = status),
        onRetry: (reason, status) =>
          emit({
            type: 'relay.upstream_retry',
            requestId,
            route,
            reason,
            ...(status === undefined ? {} : { upstreamStatus: status }),
          }),
      },
    );
    observe(answer, trace);
    if (answer.status < 200 || answer.status >= 300) {
      const passed = passError(answer, requestId, trace);
      return jsonResponse(passed.status, passed.body, {
        requestId,
        retryAfterMs: passed.retryAfterMs,
      });
    }
    try {
      if (route === 'get') parseTaskBody(answer.json);
      else parseCancelResponse(answer.json);
    } catch (error) {
      throw upstreamInvalid(
        `The upstream ${route} answer does not have the expected shape.`,
        error,
      );
    }
    return jsonResponse(answer.status, withTaskId(answer.json, taskId), { requestId });
  }

  async function handle(request: Request, requestId: string, trace: Trace): Promise<Response> {
    let pathname: string;
    try {
      pathname = new URL(request.url).pathname;
    } catch {
      throw notFound();
    }
    const match = matchRoute(request.method, pathname, config.basePath);
    trace.route = match.route;
    if (match.route === 'unmatched') throw notFound();
    // Fetch Metadata: a browser says when another site made it send this request (CSRF).
    if (!config.allowCrossSite && request.headers.get('sec-fetch-site') === 'cross-site') {
      throw new KeyframeVideoError({
        code: 'Forbidden',
        status: 403,
        message: 'Requests from other sites are not accepted. Use the app on its own site.',
      });
    }
    const user = await authenticate(request);
    trace.userHash = userHashes.get(user.userId) ?? (await userHashOf(user.userId));
    if (match.route === 'create') return create(request, user, requestId, trace);
    return taskCall(request, match.route, match.taskId, user, requestId, trace);
  }

  return async function keyframeVideoRelay(request: Request): Promise<Response> {
    const started = performance.now();
    const requestId = crypto.randomUUID();
    const trace: Trace = { route: 'unmatched' };
    let response: Response;
    let code: string | undefined;
    try {
      response = await handle(request, requestId, trace);
    } catch (thrown) {
      let error: KeyframeVideoError;
      if (thrown instanceof KeyframeVideoError) {
        error = thrown;
      } else {
        error = internal('Unexpected error.', thrown);
      }
      if (error.code === 'InternalError') {
        const cause = error.cause ?? thrown;
        const text =
          cause instanceof Error
            ? `${cause.name}: ${cause.message}`
            : String(cause ?? error.detail);
        emit({
          type: 'relay.error',
          requestId,
          route: trace.route,
          message: redactText(`${error.detail ?? ''} ${text}`.trim(), [config.apiKey]),
        });
      }
      code = error.code;
      response = errorResponse(error, requestId);
    } finally {
      trace.release?.();
      // An answer given before the body was read (401, 404, 415, 429…): tell the server to stop
      // receiving it. (A body being read was already cancelled where it was refused.)
      if (request.body && !request.bodyUsed) request.body.cancel().catch(() => undefined);
    }
    code ??= trace.code;
    emit({
      type: 'relay.request',
      requestId,
      route: trace.route,
      method: request.method,
      status: response.status,
      ...(code === undefined ? {} : { code }),
      ...(trace.userHash === undefined ? {} : { userHash: trace.userHash }),
      ...(trace.upstreamTaskId === undefined ? {} : { upstreamTaskId: trace.upstreamTaskId }),
      ...(trace.upstreamStatus === undefined ? {} : { upstreamStatus: trace.upstreamStatus }),
      ...(trace.upstreamRequestId === undefined
        ? {}
        : { upstreamRequestId: trace.upstreamRequestId }),
      ...(trace.upstreamAttempts === undefined ? {} : { upstreamAttempts: trace.upstreamAttempts }),
      ...(trace.upstreamLatencyMs === undefined
        ? {}
        : { upstreamLatencyMs: trace.upstreamLatencyMs }),
      ...(trace.replayed ? { replayed: true } : {}),
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
    });
    return response;
  };
}
