/**
 * The relay's options and their resolution into a checked configuration. Misconfiguration is a
 * startup error with a sentence saying what to set — no API key, no `authenticate` (unless
 * anonymous use is chosen explicitly), a base URL that is not http(s) — so a relay never runs
 * half-configured and never calls upstream without a key.
 */
import { systemClock, type Clock } from '../core/clock.js';
import { KeyframeVideoError } from '../core/errors.js';
import type { FrameRules } from '../core/frames.js';
import {
  KEYFRAME_VIDEO_MODELS,
  REGION_BASE_URLS,
  type KeyframeVideoModelTable,
  type Region,
} from '../core/models.js';
import type { WireCreateBody } from '../core/schemas.js';
import { createBodyBudget, DEFAULT_MAX_BODY_BYTES, type BodyBudget } from './body.js';
import type { RelayEvent, RelayLogger } from './log.js';
import { normaliseOrigin } from './policy.js';
import {
  checkRule,
  DEFAULT_RATE_LIMITS,
  SINGAPORE_ACCOUNT_CREATE,
  type RelayRateLimits,
} from './rate-limit.js';
import { normaliseBasePath } from './routes.js';
import { createMemoryRelayStore, type RelayStore } from './stores.js';
import type { TaskIdSecret } from './task-id.js';
import { createNodeHttpTransport } from './upstream-node-http.js';
import { createFetchTransport, type UpstreamTransport } from './upstream-transport.js';

/** Who is asking, as `authenticate` reports it. */
export interface RelayUser {
  /** A stable id of the user (never logged as is: events carry a keyed hash). */
  readonly userId: string;
}

/**
 * Reads the caller from the request (a session cookie, a bearer token…). Return `null` for
 * "not signed in" (401), or throw a `KeyframeVideoError` (e.g. code `Forbidden`, status 403)
 * to refuse with that answer. Must not read the request body.
 */
export type RelayAuthenticate = (
  request: Request,
) => RelayUser | null | undefined | Promise<RelayUser | null | undefined>;

/** Rewrites a create body for a user before it is checked and sent (force a watermark, cap resolution). */
export type RelayTransformRequest = (
  body: WireCreateBody,
  user: RelayUser,
) => WireCreateBody | Promise<WireCreateBody>;

/** Options of `createKeyframeVideoRelay`. Only `authenticate` (and a key) are required. */
export interface KeyframeVideoRelayOptions {
  /** The DashScope API key. Default: the `DASHSCOPE_API_KEY` environment variable. */
  apiKey?: string | undefined;
  /** Which DashScope region to call (default `"beijing"`); sets the base URL and account limits. */
  region?: Region | undefined;
  /** The upstream API base, overriding `region` (e.g. a simulator: `http://127.0.0.1:8790/api/v1`). */
  baseUrl?: string | undefined;
  /**
   * Where the relay is mounted (`"/api/keyframe-video"`). When set, only paths under it match;
   * when not, the DashScope path is matched at the end of any path (mount it anywhere).
   */
  basePath?: string | undefined;
  /** Who is asking; required unless `allowAnonymous` is true. */
  authenticate?: RelayAuthenticate | undefined;
  /**
   * Serve requests `authenticate` does not recognise (or every request, without `authenticate`)
   * as one shared user `"anonymous"`. Only for demos and trusted networks.
   */
  allowAnonymous?: boolean | undefined;
  /**
   * Secret(s) that sign task ids, at least 32 bytes each; the first signs, all verify (rotate by
   * putting the new one first). Default: derived from the API key with HKDF (docs/security.md).
   */
  taskIdSecret?: TaskIdSecret | readonly TaskIdSecret[] | undefined;
  /**
   * Serve requests a browser marks `Sec-Fetch-Site: cross-site` (default false: refused with
   * 403, so another site cannot make a signed-in user's browser create or cancel tasks).
   * Turn it on only for a deliberate cross-site setup with its own CORS and CSRF handling.
   */
  allowCrossSite?: boolean | undefined;
  /** Model ids the relay forwards (default: every model of `modelTable`). */
  models?: readonly string[] | undefined;
  /** The capability table requests are checked against (default: the built-in one). */
  modelTable?: KeyframeVideoModelTable | undefined;
  /**
   * Origins whose image links are forwarded (`["https://images.example.com"]`); `["*"]` for any
   * http(s) link. Default: none (frames must be data URLs).
   */
  allowedImageOrigins?: readonly string[] | undefined;
  /** Overrides of the frame rules (default: DashScope's 360–2000 px, ≤ 10 MiB, no alpha). */
  frameRules?: Partial<FrameRules> | undefined;
  /**
   * Largest request body in bytes (default ≈ 26.7 MiB: two maximal data-URL frames). Lower it on
   * platforms with small limits (e.g. 4_500_000 on Vercel functions).
   */
  maxBodyBytes?: number | undefined;
  /** Time allowed for a request body to arrive (default 30 s). */
  bodyTimeoutMs?: number | undefined;
  /** Bytes all bodies being read may hold together (default 8 × `maxBodyBytes`). */
  maxBufferedBodyBytes?: number | undefined;
  /** Per-user and per-account limits; each rule may be replaced or turned off with `false`. */
  rateLimits?: Partial<RelayRateLimits> | undefined;
  /** Where limits and idempotency records live (default: this process's memory). */
  store?: RelayStore | undefined;
  /** How long an `Idempotency-Key` replays its task (default 24 h). */
  idempotencyTtlMs?: number | undefined;
  /** Rewrites a create body per user; its result is checked like a client's body. */
  transformRequest?: RelayTransformRequest | undefined;
  /**
   * The fetch used to call upstream (tests pass the simulator; a proxy setup passes its own).
   * Default: on Node, node:http(s) with a keep-alive agent (cheaper per call than Node's
   * `fetch`); elsewhere the global `fetch`.
   */
  fetch?: typeof fetch | undefined;
  /** Deadline for each upstream call (default 30 s); past it the relay answers 504. */
  timeoutMs?: number | undefined;
  /** Receives every structured event (one `relay.request` per request, plus retries, limits, errors). */
  onEvent?: ((event: RelayEvent) => void) | undefined;
  /** Writes every event at its level (`info`/`warn`/`error`). */
  logger?: RelayLogger | undefined;
  /** Time source for limits, expiry and deadlines (tests pass a manual clock). */
  clock?: Clock | undefined;
}

/** The checked configuration the handler runs on. */
export interface RelayConfig {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly basePath: string | undefined;
  readonly authenticate: RelayAuthenticate | undefined;
  readonly allowAnonymous: boolean;
  readonly allowCrossSite: boolean;
  readonly taskIdSecrets: readonly TaskIdSecret[] | undefined;
  readonly models: ReadonlySet<string>;
  readonly modelTable: KeyframeVideoModelTable;
  readonly allowedImageOrigins: readonly string[];
  readonly frameRules: Partial<FrameRules> | undefined;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
  readonly bodyBudget: BodyBudget;
  readonly rateLimits: RelayRateLimits;
  readonly store: RelayStore;
  readonly idempotencyTtlMs: number;
  readonly transformRequest: RelayTransformRequest | undefined;
  /** How upstream is called: the `fetch` option, else node:http on Node, else global `fetch`. */
  readonly transport: UpstreamTransport;
  readonly timeoutMs: number;
  readonly onEvent: ((event: RelayEvent) => void) | undefined;
  readonly logger: RelayLogger | undefined;
  readonly clock: Clock;
}

/** The user id given to anonymous callers when `allowAnonymous` is on. */
export const ANONYMOUS_USER_ID = 'anonymous';

/** The environment variable the API key is read from by default. */
export const API_KEY_ENV = 'DASHSCOPE_API_KEY';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Reads an environment variable where there is one (Node, Bun, Deno with permission) without
 * failing where there is none (edge runtimes, browsers): `undefined` then.
 */
export function readEnv(name: string): string | undefined {
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
      ?.env;
    const value = env?.[name];
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  } catch {
    return undefined;
  }
}

function configError(param: string, message: string): KeyframeVideoError {
  return new KeyframeVideoError({ code: 'InvalidParameter', param, message });
}

function positive(value: number | undefined, fallback: number, param: string): number {
  if (value === undefined) return fallback;
  if (!(Number.isFinite(value) && value > 0)) {
    throw configError(param, `${param} must be a positive number.`);
  }
  return value;
}

function resolveBaseUrl(options: KeyframeVideoRelayOptions): string {
  if (options.baseUrl === undefined) {
    const region = options.region ?? 'beijing';
    if (!Object.prototype.hasOwnProperty.call(REGION_BASE_URLS, region)) {
      throw configError(
        'region',
        `Unknown region "${String(region)}". Use one of: ${Object.keys(REGION_BASE_URLS).join(', ')}.`,
      );
    }
    return REGION_BASE_URLS[region];
  }
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw configError(
      'baseUrl',
      `baseUrl "${options.baseUrl}" is not a URL. Use e.g. "https://dashscope.aliyuncs.com/api/v1".`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw configError('baseUrl', 'baseUrl must be an http(s) URL.');
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw configError('baseUrl', 'baseUrl must not carry a query, a fragment or credentials.');
  }
  return url.href.replace(/\/+$/, '');
}

function resolveRateLimits(options: KeyframeVideoRelayOptions): RelayRateLimits {
  const regional: Partial<RelayRateLimits> =
    options.region === 'singapore' ? { accountCreate: SINGAPORE_ACCOUNT_CREATE } : {};
  // A rule given as `undefined` (plain JavaScript) keeps its default.
  const given = Object.fromEntries(
    Object.entries(options.rateLimits ?? {}).filter(([, rule]) => rule !== undefined),
  ) as Partial<RelayRateLimits>;
  const limits: RelayRateLimits = { ...DEFAULT_RATE_LIMITS, ...regional, ...given };
  for (const [name, rule] of Object.entries(limits)) {
    if (rule !== false) checkRule(rule as Exclude<typeof rule, false>, name);
  }
  return limits;
}

/**
 * Checks the options and fills in defaults. Throws a `KeyframeVideoError` (code
 * `InvalidParameter`, `param` = the option) saying what to set.
 */
export function resolveRelayConfig(options: KeyframeVideoRelayOptions): RelayConfig {
  const apiKey = options.apiKey?.trim() || readEnv(API_KEY_ENV);
  if (!apiKey) {
    throw configError(
      'apiKey',
      `The relay needs the DashScope API key: pass \`apiKey\` or set ${API_KEY_ENV} in the server's environment.`,
    );
  }
  if (/[\s\0]/.test(apiKey)) {
    throw configError(
      'apiKey',
      'The API key contains spaces or control characters. Copy it again.',
    );
  }
  if (options.authenticate !== undefined && typeof options.authenticate !== 'function') {
    throw configError(
      'authenticate',
      'authenticate must be a function (request) => { userId } | null.',
    );
  }
  if (options.authenticate === undefined && options.allowAnonymous !== true) {
    throw configError(
      'authenticate',
      'The relay needs `authenticate(request)` to know who is asking (return { userId } or null). ' +
        'For a demo on a trusted network only, pass `allowAnonymous: true` instead.',
    );
  }
  const clock = options.clock ?? systemClock;
  const modelTable = options.modelTable ?? KEYFRAME_VIDEO_MODELS;
  const models = new Set(options.models ?? Object.keys(modelTable));
  if (models.size === 0) {
    throw configError(
      'models',
      'models is empty, so nothing could be created. List at least one model id.',
    );
  }
  const maxBodyBytes = Math.floor(
    positive(options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 'maxBodyBytes'),
  );
  const taskIdSecret = options.taskIdSecret;
  return {
    apiKey,
    baseUrl: resolveBaseUrl(options),
    basePath: normaliseBasePath(options.basePath),
    authenticate: options.authenticate,
    allowAnonymous: options.allowAnonymous === true,
    allowCrossSite: options.allowCrossSite === true,
    taskIdSecrets:
      taskIdSecret === undefined
        ? undefined
        : ((Array.isArray(taskIdSecret)
            ? taskIdSecret
            : [taskIdSecret]) as readonly TaskIdSecret[]),
    models,
    modelTable,
    allowedImageOrigins: (options.allowedImageOrigins ?? []).map(normaliseOrigin),
    frameRules: options.frameRules,
    maxBodyBytes,
    bodyTimeoutMs: positive(options.bodyTimeoutMs, 30_000, 'bodyTimeoutMs'),
    bodyBudget: createBodyBudget(
      positive(options.maxBufferedBodyBytes, 8 * maxBodyBytes, 'maxBufferedBodyBytes'),
    ),
    rateLimits: resolveRateLimits(options),
    store: options.store ?? createMemoryRelayStore({ clock }),
    idempotencyTtlMs: positive(options.idempotencyTtlMs, DAY_MS, 'idempotencyTtlMs'),
    transformRequest: options.transformRequest,
    transport: options.fetch
      ? createFetchTransport(options.fetch)
      : (createNodeHttpTransport() ?? createFetchTransport((input, init) => fetch(input, init))),
    timeoutMs: positive(options.timeoutMs, 30_000, 'timeoutMs'),
    onEvent: options.onEvent,
    logger: options.logger,
    clock,
  };
}
