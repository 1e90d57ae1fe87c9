/**
 * A faithful DashScope keyframe-to-video service in one `fetch`-style handler: the real paths,
 * answer shapes, statuses, error codes and messages, account limits (2 running tasks, 2 creates
 * and 20 queries per second per key), 24-hour records and signed video links, cancel rules and
 * list filters — plus scriptable faults and timing. It runs in Node (behind `node:http`), in
 * browsers (behind MSW) and in tests, with no key and no network.
 */
import { systemClock, type Clock } from '../core/clock.js';
import { KeyframeVideoError, isKeyframeVideoError } from '../core/errors.js';
import {
  KEYFRAME_VIDEO_MODELS,
  NEGATIVE_PROMPT_MAX_LENGTH,
  PROMPT_MAX_LENGTH,
  getModel,
  validateRequest,
  type KeyframeVideoModel,
  type KeyframeVideoModelTable,
  type Region,
} from '../core/models.js';
import {
  DASHSCOPE_UTC_OFFSET_MINUTES,
  fromWireCreateBody,
  parseCreateBody,
  parseDashScopeTime,
  toWireCreateResponse,
  toWireTask,
  type KeyframeVideoRequest,
  type KeyframeVideoTask,
  type WireCreateBody,
} from '../core/schemas.js';
import {
  badGatewayPage,
  droppedAnswer,
  errorAnswer,
  jsonAnswer,
  messageFor,
  ossErrorAnswer,
  statusFor,
  type ErrorAnswer,
  type OssError,
} from './answers.js';
import { serveBytes } from './byte-ranges.js';
import {
  createFaultInjector,
  type FaultHandle,
  type FaultInjector,
  type FaultMatch,
  type FaultOptions,
  type FaultRoute,
  type RequestFaults,
  type SimulatorFault,
  type TaskFailure,
} from './faults.js';
import { refuseDownloads, takeFrame, type FetchImage, type HostedFile } from './frame-intake.js';
import { createRateLimiter } from './limits.js';
import { rewritePrompt } from './prompt-rewrite.js';
import { readCapped } from './read-capped.js';
import { createRandom, hash32, type Random } from './random.js';
import {
  createRequestLog,
  redactHeaders,
  redactPath,
  type SimulatorLogEntry,
  type SimulatorRoute,
} from './request-log.js';
import { createLinkSigner, type LinkSigner } from './signed-links.js';
import {
  RETENTION_MS,
  createTaskStore,
  endOf,
  statusAt,
  type LiveTaskStatus,
  type TaskRecord,
  type TaskUsage,
  type TaskVideo,
} from './task-store.js';
import { sampleVideoSource, type VideoSourceTask } from './video.js';

/** A `[min, max]` range of milliseconds; values are drawn uniformly from it. */
export type DurationRange = readonly [min: number, max: number];

/** How long tasks take (before `speed` divides them). */
export interface SimulatorTiming {
  /** Time in PENDING before a slot is even considered (default 2–60 s). */
  readonly queueMs: DurationRange;
  /** Time in RUNNING (default 60–300 s). */
  readonly runMs: DurationRange;
  /** Chance that a run takes `longRunMs` instead (default 0.05). */
  readonly longRunChance: number;
  /** The occasional long run (default 300–540 s: up to 9 minutes, as seen in the wild). */
  readonly longRunMs: DurationRange;
  /** Extra queue time when prompt extension is on (default 2–8 s; the LLM rewrite is slower). */
  readonly promptExtendMs: DurationRange;
}

/** Realistic defaults: most tasks end in 1–5 minutes, a few take up to 9. */
export const DEFAULT_TIMING: SimulatorTiming = Object.freeze({
  queueMs: [2_000, 60_000],
  runMs: [60_000, 300_000],
  longRunChance: 0.05,
  longRunMs: [300_000, 540_000],
  promptExtendMs: [2_000, 8_000],
} as const);

/** Account limits, per API key (each key is its own account in the simulator). */
export interface SimulatorLimits {
  /** Tasks RUNNING at once; the rest wait in PENDING (default 2). */
  readonly concurrentTasks: number;
  /** Creates per second before 429 `Throttling.RateQuota` (default 2; Singapore 1). */
  readonly createPerSecond: number;
  /** Queries (task, list, cancel) per second before 429 (default 20). */
  readonly queryPerSecond: number;
  /**
   * Whether rate-limit 429s carry `Retry-After` (seconds). DashScope does not document one, so
   * the default is false; turn it on to test clients that honour it.
   */
  readonly retryAfter: boolean;
  /** Largest create body in bytes before 413 `BadRequest.TooLarge` (default 30 MiB). */
  readonly maxBodyBytes: number;
}

/** Makes the bytes a task's `video_url` serves (default: the bundled sample clip). */
export type SimulatorVideoSource = (task: VideoSourceTask) => Promise<Blob | Uint8Array>;

/** Options of {@link createDashScopeSimulator}. Every one has a realistic default. */
export interface DashScopeSimulatorOptions {
  /** Where the API lives on the server (default `/api/v1`, like DashScope). */
  basePath?: string | undefined;
  /**
   * Keys accepted in `Authorization: Bearer <key>`: a list, or a predicate. Default: any
   * non-empty key (the simulator has no accounts to check against). Each key is an account of
   * its own: its tasks are invisible (UNKNOWN) to other keys.
   */
  apiKeys?: readonly string[] | ((key: string) => boolean) | undefined;
  /** The clock tasks, limits, links and delays follow (default: the system clock). */
  clock?: Clock | undefined;
  /** Divides every task duration: 20 turns a 3-minute task into 9 s for demos (default 1). */
  speed?: number | undefined;
  /** Seed for task ids, request ids, durations and fault rates: same seed, same answers. */
  seed?: number | undefined;
  timing?: Partial<SimulatorTiming> | undefined;
  limits?: Partial<SimulatorLimits> | undefined;
  faults?: FaultOptions | undefined;
  /**
   * Downloads `http(s)` frame URLs. Default: only frames the simulator hosts (`hostFrame`);
   * any other URL answers `BadRequest.InputDownloadFailed`, like an unreachable link.
   */
  fetchImage?: FetchImage | undefined;
  /** Where videos come from (default: the bundled 5-second sample clip). */
  video?: { source?: SimulatorVideoSource | undefined } | undefined;
  /**
   * The region decides which models exist (Beijing: wan2.2-kf2v-flash, wanx2.1-kf2v-plus;
   * Singapore: wan2.1-kf2v-plus) and the default create rate (Singapore: 1/s). Default Beijing.
   */
  region?: Region | undefined;
  /** The model table (default: the built-in models of `region`). */
  models?: KeyframeVideoModelTable | undefined;
  /** The zone task times are written in, minutes east of UTC (default 480 = UTC+8). */
  timeZoneOffsetMinutes?: number | undefined;
  /** How many log entries to keep, newest last (default 1000). */
  logLimit?: number | undefined;
}

/** A task as tests see it (read-only; times in epoch ms of the simulator's clock). */
export interface SimulatorTaskView {
  readonly taskId: string;
  readonly status: LiveTaskStatus;
  readonly model: string;
  /** The account: a fingerprint of the API key (the list API's `api_key_id`), never the key. */
  readonly account: string;
  readonly submittedAt: number;
  readonly scheduledAt: number | undefined;
  readonly endedAt: number | undefined;
  readonly canceledAt: number | undefined;
  /** Set when the task ends (or will end) FAILED. */
  readonly failure: TaskFailure | undefined;
  readonly prompt: string | undefined;
}

/** Per-call overrides, for adapters that mount the simulator under another path (MSW). */
export interface SimulatorRequestContext {
  /** The path prefix this request came in under, instead of the `basePath` option. */
  basePath?: string;
}

/**
 * The simulator: call it with a `Request` to get DashScope's `Response`. Its properties let
 * tests look inside: the request log, how many tasks were accepted, the tasks themselves.
 */
export interface DashScopeSimulator {
  (request: Request, context?: SimulatorRequestContext): Promise<Response>;
  /** Every request, oldest first (bounded by `logLimit`); secrets masked, no bodies. */
  readonly log: readonly SimulatorLogEntry[];
  /** Creates accepted (tasks made, i.e. charged). Tests use it to prove "no double charge". */
  readonly createCount: number;
  /** The clock in use. */
  readonly clock: Clock;
  /** The `basePath` option, normalised (e.g. `/api/v1`). */
  readonly basePath: string;
  /** Every task kept, oldest first, with its status now. */
  tasks(): readonly SimulatorTaskView[];
  /**
   * Scripts a fault: `sim.inject({ kind: 'http', status: 429, code: 'Throttling.RateQuota' },
   * { route: 'get' }, 3)` makes the next 3 task queries answer 429. See {@link FaultMatch}.
   */
  inject(fault: SimulatorFault, match?: FaultMatch, times?: number): FaultHandle;
  /**
   * Serves `bytes` at `{basePath}/files/frames/{name}` and returns that path, so a test can
   * send an `http(s)` frame URL the simulator can "download" without a network.
   */
  hostFrame(bytes: Uint8Array, type: string, name?: string): string;
  /** Forgets tasks, log, counters, limits and injected faults; restarts the seeded streams. */
  reset(): void;
}

const CREATE_PATH = '/services/aigc/image2video/video-synthesis';
const LIST_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED'] as const;
const REGION_IDS: Readonly<Record<Region, string>> = {
  beijing: 'cn-beijing',
  singapore: 'ap-southeast-1',
};

type Resolved =
  | { readonly route: 'create' }
  | { readonly route: 'get'; readonly taskId: string }
  | { readonly route: 'cancel'; readonly taskId: string }
  | { readonly route: 'list' }
  | { readonly route: 'video'; readonly taskId: string }
  | { readonly route: 'frame'; readonly name: string }
  | { readonly route: 'other'; readonly badMethod: boolean };

/** What one request accumulates for its log entry. */
interface Scope {
  readonly request: Request;
  readonly url: URL;
  readonly base: string;
  readonly requestId: string;
  readonly faults: string[];
  taskId: string | undefined;
  code: string | undefined;
}

function normaliseBase(path: string): string {
  const trimmed = path.trim().replace(/\/+$/, '');
  if (trimmed === '') return '';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

function resolve(method: string, pathname: string, base: string): Resolved {
  if (!pathname.startsWith(`${base}/`)) return { route: 'other', badMethod: false };
  const path = pathname.slice(base.length);
  const read = method === 'GET' || method === 'HEAD';
  const onlyIf = (ok: boolean, value: Resolved): Resolved =>
    ok ? value : { route: 'other', badMethod: true };
  if (path === CREATE_PATH) return onlyIf(method === 'POST', { route: 'create' });
  if (path === '/tasks' || path === '/tasks/') return onlyIf(method === 'GET', { route: 'list' });
  let match = /^\/tasks\/([^/]+)\/cancel$/.exec(path);
  if (match?.[1]) return onlyIf(method === 'POST', { route: 'cancel', taskId: decode(match[1]) });
  match = /^\/tasks\/([^/]+)$/.exec(path);
  if (match?.[1]) return onlyIf(method === 'GET', { route: 'get', taskId: decode(match[1]) });
  match = /^\/files\/videos\/([^/]+)\.mp4$/.exec(path);
  if (match?.[1]) return onlyIf(read, { route: 'video', taskId: decode(match[1]) });
  match = /^\/files\/frames\/([^/]+)$/.exec(path);
  if (match?.[1]) return onlyIf(read, { route: 'frame', name: decode(match[1]) });
  return { route: 'other', badMethod: false };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function defaultModels(region: Region): KeyframeVideoModelTable {
  return Object.fromEntries(
    Object.entries(KEYFRAME_VIDEO_MODELS).filter(([, model]) => model.region === region),
  );
}

/** A fingerprint of an API key, safe to show (the list API's `api_key_id`). */
function accountOf(key: string): string {
  return `ak-${hash32(key).toString(16).padStart(8, '0')}${hash32(key, 0x2545f491).toString(16).padStart(8, '0')}`;
}

function codePoints(text: string | undefined, max: number): string | undefined {
  if (text === undefined) return undefined;
  const points = [...text];
  return points.length > max ? points.slice(0, max).join('') : text;
}

function roundTo16(value: number): number {
  return Math.max(16, Math.round(value / 16) * 16);
}

/** `usage` of a finished task: 2.2 models report `SR`, 2.1 models the output size. */
function usageFor(
  model: KeyframeVideoModel,
  resolution: string,
  width: number,
  height: number,
): TaskUsage {
  const shortSide = Number.parseInt(resolution, 10) || 720;
  if (!model.id.includes('2.1')) return { kind: 'SR', resolution: shortSide };
  const aspect = width > 0 && height > 0 ? width / height : 16 / 9;
  const area = shortSide * shortSide * (16 / 9);
  const outWidth = roundTo16(Math.sqrt(area * aspect));
  const outHeight = roundTo16(Math.sqrt(area / aspect));
  return { kind: 'ratio', videoRatio: `${String(outWidth)}*${String(outHeight)}` };
}

/** DashScope-style wording for what `parseCreateBody` found (its own sentence is for apps). */
function bodyProblem(
  error: { param?: string | undefined; message: string },
  json: unknown,
): ErrorAnswer {
  const param = error.param;
  if (param === undefined || typeof json !== 'object' || json === null) {
    return {
      status: 400,
      code: 'InvalidParameter',
      message: 'Required body invalid, please check the request body format.',
    };
  }
  const missing = / is missing\./.test(error.message);
  return {
    status: 400,
    code: 'InvalidParameter',
    message: missing
      ? `Field required: ${param}`
      : `The type or value of ${param} is out of definition.`,
    param,
  };
}

/** The `unrecognized_keys` issues zod reported, if that is what the error is about. */
function unknownKeys(error: unknown): { path: readonly PropertyKey[]; keys: readonly string[] }[] {
  const issues = (error as { cause?: { issues?: unknown } }).cause?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.filter(
    (issue): issue is { code: 'unrecognized_keys'; path: PropertyKey[]; keys: string[] } =>
      typeof issue === 'object' &&
      issue !== null &&
      (issue as { code?: unknown }).code === 'unrecognized_keys',
  );
}

/**
 * `parseCreateBody`, but fields the schema does not know are dropped instead of refused: the
 * service ignores them, and official clients send some (the Python SDK adds `input.function`
 * and passes extra keyword arguments through as parameters).
 */
function parseLenient(json: unknown): WireCreateBody {
  let body = json;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return parseCreateBody(body);
    } catch (error) {
      const unknown = unknownKeys(error);
      if (unknown.length === 0 || attempt >= 3) throw error;
      body = structuredClone(body);
      for (const { path, keys } of unknown) {
        let target: unknown = body;
        for (const key of path) target = (target as Record<PropertyKey, unknown>)[key];
        for (const key of keys) delete (target as Record<string, unknown>)[key];
      }
    }
  }
}

function listTime(text: string, offset: number): number {
  const compact = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (compact) {
    const [, y, mo, d, h, mi, s] = compact;
    return parseDashScopeTime(
      `${y ?? ''}-${mo ?? ''}-${d ?? ''} ${h ?? ''}:${mi ?? ''}:${s ?? ''}`,
      offset,
    );
  }
  return parseDashScopeTime(text, offset);
}

function keyAcceptor(apiKeys: DashScopeSimulatorOptions['apiKeys']): (key: string) => boolean {
  if (typeof apiKeys === 'function') return apiKeys;
  if (!apiKeys) return () => true;
  const keys = new Set(apiKeys);
  return (key) => keys.has(key);
}

function invalidOption(param: string, message: string): KeyframeVideoError {
  return new KeyframeVideoError({ code: 'InvalidParameter', param, message });
}

/** Makes a simulator. See {@link DashScopeSimulatorOptions} for the defaults. */
export function createDashScopeSimulator(
  options: DashScopeSimulatorOptions = {},
): DashScopeSimulator {
  const basePath = normaliseBase(options.basePath ?? '/api/v1');
  const clock = options.clock ?? systemClock;
  const speed = options.speed ?? 1;
  if (!(speed > 0) || !Number.isFinite(speed)) {
    throw invalidOption('speed', `speed must be a positive number, not ${String(speed)}.`);
  }
  const region: Region = options.region ?? 'beijing';
  const models = options.models ?? defaultModels(region);
  const timing: SimulatorTiming = { ...DEFAULT_TIMING, ...options.timing };
  const limits: SimulatorLimits = {
    concurrentTasks: 2,
    createPerSecond: region === 'singapore' ? 1 : 2,
    queryPerSecond: 20,
    retryAfter: false,
    maxBodyBytes: 30 * 1024 * 1024,
    ...options.limits,
  };
  if (!(limits.concurrentTasks >= 1)) {
    throw invalidOption(
      'limits.concurrentTasks',
      `limits.concurrentTasks must be at least 1, not ${String(limits.concurrentTasks)}.`,
    );
  }
  const offset = options.timeZoneOffsetMinutes ?? DASHSCOPE_UTC_OFFSET_MINUTES;
  const videoSource: SimulatorVideoSource = options.video?.source ?? sampleVideoSource;
  const fetchImage = options.fetchImage ?? refuseDownloads;
  const acceptKey = keyAcceptor(options.apiKeys);
  const seed = options.seed ?? createRandom().int(0, 0xffffffff);

  const store = createTaskStore();
  const log = createRequestLog(options.logLimit ?? 1000);
  const hosted = new Map<string, HostedFile>();
  const createLimiter = createRateLimiter({ limit: limits.createPerSecond });
  const queryLimiter = createRateLimiter({ limit: limits.queryPerSecond });
  let ids: Random;
  /** Request ids of file downloads: browsers fetch video ranges unpredictably, task ids must not shift. */
  let fileIds: Random;
  let durations: Random;
  let injector: FaultInjector;
  let signer: LinkSigner;
  let createCount = 0;
  let seq = 0;

  function start(): void {
    const root = createRandom(seed);
    ids = root.fork('ids');
    fileIds = root.fork('file-ids');
    durations = root.fork('timing');
    injector = createFaultInjector(options.faults ?? {}, root.fork('faults'));
    signer = createLinkSigner(root.fork('link-secret').hex(16));
    createCount = 0;
    seq = 0;
  }
  start();

  function sleep(ms: number): Promise<void> {
    return new Promise((done) => clock.setTimeout(done, ms));
  }

  function fail(scope: Scope, error: ErrorAnswer): Response {
    scope.code = error.code;
    return errorAnswer(error, scope.requestId);
  }

  function failWith(scope: Scope, code: string, param?: string, message?: string): Response {
    return fail(scope, {
      status: statusFor(code),
      code,
      message: message ?? messageFor(code),
      param,
    });
  }

  function ossFail(scope: Scope, error: Omit<OssError, 'requestId'>): Response {
    scope.code = error.code;
    return ossErrorAnswer(
      { ...error, requestId: scope.requestId },
      { 'Access-Control-Allow-Origin': '*' },
    );
  }

  function authenticate(scope: Scope): { account: string } | Response {
    const header = scope.request.headers.get('Authorization')?.trim() ?? '';
    const key = /^bearer\s+(.+)$/i.exec(header)?.[1]?.trim() ?? '';
    if (header === '' || key === '') {
      return failWith(scope, 'InvalidApiKey', undefined, 'No API-key provided.');
    }
    if (!acceptKey(key)) return failWith(scope, 'InvalidApiKey');
    return { account: accountOf(key) };
  }

  function faultAnswer(scope: Scope, fault: NonNullable<RequestFaults['answer']>): Response {
    if (fault.kind === 'drop') return droppedAnswer();
    if (fault.kind === 'nonJson') return badGatewayPage();
    return fail(scope, {
      status: fault.status,
      code: fault.code,
      message: fault.message ?? messageFor(fault.code),
      retryAfterSec: fault.retryAfterSec,
    });
  }

  // ------------------------------------------------------------------------------------------
  // The task as DashScope shows it

  function videoUrl(scope: Scope, task: TaskRecord, end: number): string {
    // Whole seconds, like OSS; rounded up so a link lasts at least 24 h.
    const expires = Math.ceil((end + RETENTION_MS) / 1000);
    return `${scope.url.origin}${scope.base}/files/videos/${encodeURIComponent(task.taskId)}.mp4?${signer.query(task.taskId, expires)}`;
  }

  function wireTask(scope: Scope, task: TaskRecord, now: number): KeyframeVideoTask {
    const status = statusAt(task, now);
    const end = endOf(task);
    const view: KeyframeVideoTask = { taskId: task.taskId, status, submittedAt: task.submitAt };
    if (status === 'PENDING' || status === 'CANCELED' || end === undefined) return view;
    view.scheduledAt = task.startedAt;
    if (status === 'RUNNING') return view;
    view.endedAt = end;
    if (status === 'FAILED') {
      const failure = task.failure ?? { code: 'InternalError.Algo' };
      view.failure = { code: failure.code, message: failure.message ?? messageFor(failure.code) };
      return view;
    }
    view.videoUrl = videoUrl(scope, task, end);
    if (task.prompt !== undefined) view.origPrompt = task.prompt;
    if (task.actualPrompt !== undefined) view.actualPrompt = task.actualPrompt;
    view.usage =
      task.usage.kind === 'SR'
        ? { videoDuration: 5, videoCount: 1, resolution: task.usage.resolution }
        : { videoDuration: 5, videoCount: 1, videoRatio: task.usage.videoRatio };
    return view;
  }

  // ------------------------------------------------------------------------------------------
  // Routes

  async function create(scope: Scope, account: string): Promise<Response> {
    const body = await readCapped(scope.request, limits.maxBodyBytes);
    if (body === 'too-large') return failWith(scope, 'BadRequest.TooLarge');
    const contentType = scope.request.headers.get('Content-Type') ?? '';
    let json: unknown;
    try {
      if (!/^application\/json\b/i.test(contentType.trim())) throw new Error('not JSON');
      json = JSON.parse(new TextDecoder().decode(body)) as unknown;
    } catch {
      return fail(scope, {
        status: 400,
        code: 'InvalidParameter',
        message: 'Required body invalid, please check the request body format.',
      });
    }
    let request: KeyframeVideoRequest;
    try {
      request = fromWireCreateBody(parseLenient(json));
    } catch (error) {
      if (!isKeyframeVideoError(error)) throw error;
      return fail(scope, bodyProblem(error, json));
    }
    // The service truncates long prompts instead of refusing them.
    const prompt = codePoints(request.prompt, PROMPT_MAX_LENGTH);
    const negativePrompt = codePoints(request.negativePrompt, NEGATIVE_PROMPT_MAX_LENGTH);
    const checked: KeyframeVideoRequest = { ...request, prompt, negativePrompt };
    const [problem] = validateRequest(checked, { models });
    if (problem) {
      if (problem.code === 'ModelNotFound') return failWith(scope, 'ModelNotFound', 'model');
      return fail(scope, {
        status: 400,
        code: 'InvalidParameter',
        message: problem.message,
        param: problem.param,
      });
    }
    const model = getModel(request.model, models);
    if (!model) return failWith(scope, 'ModelNotFound', 'model');

    const sources = { hosted, fetchImage };
    const first = await takeFrame(request.firstFrameUrl, 'input.first_frame_url', sources);
    if (!first.ok) return fail(scope, first.error);
    const lastUrl = request.template === undefined ? request.lastFrameUrl : undefined;
    if (lastUrl !== undefined) {
      const last = await takeFrame(lastUrl, 'input.last_frame_url', sources);
      if (!last.ok) return fail(scope, last.error);
    }

    const now = clock.now();
    const taskId = ids.uuid();
    const promptExtend = request.promptExtend ?? true;
    const queueMs = durations.between(timing.queueMs[0], timing.queueMs[1]);
    const extendMs = durations.between(timing.promptExtendMs[0], timing.promptExtendMs[1]);
    const long = durations.chance(timing.longRunChance);
    const normalRun = durations.between(timing.runMs[0], timing.runMs[1]);
    const longRun = durations.between(timing.longRunMs[0], timing.longRunMs[1]);
    const task: TaskRecord = {
      taskId,
      seq: (seq += 1),
      owner: account,
      requestId: scope.requestId,
      model: model.id,
      submitAt: now,
      readyAt: now + Math.round((queueMs + (promptExtend ? extendMs : 0)) / speed),
      runMs: Math.max(1, Math.round((long ? longRun : normalRun) / speed)),
      startedAt: undefined,
      canceledAt: undefined,
      failure: injector.takeFailure('create', taskId),
      prompt,
      actualPrompt: promptExtend ? rewritePrompt(prompt) : undefined,
      usage: usageFor(
        model,
        request.resolution ?? model.defaultResolution,
        first.width,
        first.height,
      ),
      frames: { first: request.firstFrameUrl, last: lastUrl },
      video: undefined,
    };
    if (task.failure) scope.faults.push(`fail ${task.failure.code}`);
    store.add(task);
    createCount += 1;
    scope.taskId = taskId;
    return jsonAnswer(toWireCreateResponse({ taskId, status: 'PENDING' }, scope.requestId));
  }

  function get(scope: Scope, account: string, taskId: string): Response {
    const now = clock.now();
    const task = store.find(taskId, account, now);
    if (!task) {
      return jsonAnswer({
        request_id: scope.requestId,
        output: { task_id: taskId, task_status: 'UNKNOWN' },
      });
    }
    const failure = injector.takeFailure('get', taskId);
    const status = statusAt(task, now);
    if (failure && (status === 'PENDING' || status === 'RUNNING')) {
      task.failure = failure;
      scope.faults.push(`fail ${failure.code}`);
    }
    return jsonAnswer(
      toWireTask(wireTask(scope, task, now), scope.requestId, { utcOffsetMinutes: offset }),
    );
  }

  function cancel(scope: Scope, account: string, taskId: string): Response {
    const now = clock.now();
    const task = store.find(taskId, account, now);
    if (!task || statusAt(task, now) !== 'PENDING') return failWith(scope, 'UnsupportedOperation');
    task.canceledAt = now;
    task.frames = undefined;
    return jsonAnswer({ request_id: scope.requestId });
  }

  function list(scope: Scope, account: string): Response {
    const now = clock.now();
    const query = scope.url.searchParams;
    const invalid = (name: string) =>
      failWith(
        scope,
        'InvalidParameter',
        name,
        `The type or value of ${name} is out of definition.`,
      );
    const integer = (name: string, fallback: number, max: number): number | undefined => {
      const text = query.get(name);
      if (text === null || text === '') return fallback;
      const value = Number(text);
      return Number.isInteger(value) && value >= 1 && value <= max ? value : undefined;
    };
    const pageNo = integer('page_no', 1, Number.MAX_SAFE_INTEGER);
    if (pageNo === undefined) return invalid('page_no');
    const pageSize = integer('page_size', 10, 100);
    if (pageSize === undefined) return invalid('page_size');
    const bound = (name: string): number | null | undefined => {
      const text = query.get(name);
      if (text === null || text === '') return null;
      const time = listTime(text.trim(), offset);
      return Number.isNaN(time) ? undefined : time;
    };
    const from = bound('start_time');
    if (from === undefined) return invalid('start_time');
    const to = bound('end_time');
    if (to === undefined) return invalid('end_time');
    const status = query.get('status');
    if (
      status !== null &&
      status !== '' &&
      !(LIST_STATUSES as readonly string[]).includes(status)
    ) {
      return invalid('status');
    }
    const modelName = query.get('model_name');
    const matching = store
      .ofOwner(account, now)
      .filter(
        (task) =>
          (from === null || task.submitAt >= from) &&
          (to === null || task.submitAt <= to) &&
          (modelName === null || modelName === '' || task.model === modelName) &&
          (status === null || status === '' || statusAt(task, now) === status),
      );
    const page = matching.slice((pageNo - 1) * pageSize, pageNo * pageSize);
    return jsonAnswer({
      request_id: scope.requestId,
      data: page.map((task) => {
        const end = endOf(task);
        const taskStatus = statusAt(task, now);
        return {
          task_id: task.taskId,
          request_id: task.requestId,
          status: taskStatus,
          model_name: task.model,
          region: REGION_IDS[region],
          api_key_id: task.owner,
          gmt_create: task.submitAt,
          ...(task.startedAt === undefined || taskStatus === 'CANCELED'
            ? {}
            : { start_time: task.startedAt }),
          ...(taskStatus === 'SUCCEEDED' || taskStatus === 'FAILED' ? { end_time: end } : {}),
          ...(taskStatus === 'CANCELED' ? { end_time: task.canceledAt } : {}),
        };
      }),
      total: matching.length,
      total_page: Math.ceil(matching.length / pageSize),
      page_no: pageNo,
      page_size: pageSize,
    });
  }

  function videoOf(task: TaskRecord): Promise<TaskVideo> {
    task.video ??= (async () => {
      const input = {
        first_frame_url: task.frames?.first ?? '',
        last_frame_url: task.frames?.last,
      };
      const made = await videoSource({ taskId: task.taskId, input });
      task.frames = undefined;
      if (made instanceof Uint8Array) return { bytes: made, type: 'video/mp4' };
      return { bytes: new Uint8Array(await made.arrayBuffer()), type: made.type || 'video/mp4' };
    })().catch((error: unknown) => {
      task.video = undefined;
      throw error;
    });
    return task.video;
  }

  async function video(scope: Scope, taskId: string): Promise<Response> {
    const now = clock.now();
    const query = scope.url.searchParams;
    const signature = query.get('Signature');
    const expires = Number(query.get('Expires') ?? 'NaN');
    if (signature === null || !Number.isInteger(expires)) {
      return ossFail(scope, {
        status: 403,
        code: 'AccessDenied',
        message: 'You have no right to access this object because of bucket acl.',
      });
    }
    if (!signer.verify(taskId, expires, signature)) {
      return ossFail(scope, {
        status: 403,
        code: 'SignatureDoesNotMatch',
        message:
          'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      });
    }
    if (now >= expires * 1000) {
      return ossFail(scope, {
        status: 403,
        code: 'AccessDenied',
        message: 'Request has expired.',
        extra: {
          Expires: new Date(expires * 1000).toISOString().replace(/\.\d{3}Z$/, '.000Z'),
          ServerTime: new Date(now).toISOString().replace(/\.\d{3}Z$/, '.000Z'),
        },
      });
    }
    const task = store.get(taskId);
    if (!task || statusAt(task, now) !== 'SUCCEEDED') {
      return ossFail(scope, {
        status: 404,
        code: 'NoSuchKey',
        message: 'The specified key does not exist.',
      });
    }
    scope.taskId = taskId;
    let made: TaskVideo;
    try {
      made = await videoOf(task);
    } catch {
      return failWith(scope, 'InternalError');
    }
    return serveBytes(scope.request, made.bytes, made.type, {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Expose-Headers': 'Content-Length, Content-Range, Accept-Ranges',
      ETag: `"${hash32(taskId).toString(16).toUpperCase()}"`,
      'x-oss-request-id': scope.requestId,
    });
  }

  function frame(scope: Scope, name: string): Response {
    const file = hosted.get(name);
    if (!file) {
      return ossFail(scope, {
        status: 404,
        code: 'NoSuchKey',
        message: 'The specified key does not exist.',
      });
    }
    return serveBytes(scope.request, file.bytes, file.type, { 'Access-Control-Allow-Origin': '*' });
  }

  async function api(scope: Scope, resolved: Resolved & { route: FaultRoute }): Promise<Response> {
    const taskId = 'taskId' in resolved ? resolved.taskId : undefined;
    let account = '';
    if (resolved.route !== 'video') {
      const auth = authenticate(scope);
      if (auth instanceof Response) return auth;
      account = auth.account;
      const async = scope.request.headers.get('X-DashScope-Async')?.trim().toLowerCase();
      if (resolved.route === 'create' && async !== 'enable') {
        return failWith(
          scope,
          'AccessDenied',
          undefined,
          'current user api does not support synchronous calls',
        );
      }
    }
    if (taskId !== undefined) scope.taskId = taskId;
    const faults = injector.forRequest(resolved.route, taskId);
    scope.faults.push(...faults.labels);
    const delayAfter = faults.delay?.when === 'after';
    if (faults.delay && !delayAfter) await sleep(faults.delay.ms);
    const dropAfter = faults.answer?.kind === 'drop' && faults.answer.when === 'after';
    if (faults.answer && !dropAfter) return faultAnswer(scope, faults.answer);

    const response = await handleRoute(scope, resolved, account);
    if (faults.delay && delayAfter) await sleep(faults.delay.ms);
    if (dropAfter) {
      await response.body?.cancel();
      return droppedAnswer();
    }
    return response;
  }

  async function handleRoute(scope: Scope, resolved: Resolved, account: string): Promise<Response> {
    const now = clock.now();
    store.advance(now, limits.concurrentTasks);
    if (resolved.route === 'video') return video(scope, resolved.taskId);
    const limiter = resolved.route === 'create' ? createLimiter : queryLimiter;
    const decision = limiter.take(account, now);
    if (decision.kind === 'throttled') {
      return fail(scope, {
        status: 429,
        code: 'Throttling.RateQuota',
        message: messageFor('Throttling.RateQuota'),
        retryAfterSec: limits.retryAfter ? Math.ceil(decision.retryAfterMs / 1000) : undefined,
      });
    }
    switch (resolved.route) {
      case 'create':
        return create(scope, account);
      case 'get':
        return get(scope, account, resolved.taskId);
      case 'cancel':
        return cancel(scope, account, resolved.taskId);
      case 'list':
        return list(scope, account);
      default:
        return failWith(scope, 'NotFound');
    }
  }

  async function handle(
    request: Request,
    context: SimulatorRequestContext = {},
  ): Promise<Response> {
    const time = clock.now();
    const url = new URL(request.url);
    const base = context.basePath === undefined ? basePath : normaliseBase(context.basePath);
    const resolved = resolve(request.method, url.pathname, base);
    const isFile = resolved.route === 'video' || resolved.route === 'frame';
    const scope: Scope = {
      request,
      url,
      base,
      requestId: (isFile ? fileIds : ids).uuid(),
      faults: [],
      taskId: undefined,
      code: undefined,
    };
    let response: Response;
    try {
      if (resolved.route === 'frame') response = frame(scope, resolved.name);
      else if (resolved.route !== 'other') response = await api(scope, resolved);
      else if (resolved.badMethod) {
        response = failWith(
          scope,
          'InvalidParameter',
          undefined,
          `Request method '${request.method}' is not supported.`,
        );
      } else response = failWith(scope, 'NotFound');
    } catch {
      response = failWith(scope, 'InternalError');
    }
    log.add({
      time,
      method: request.method,
      path: redactPath(url),
      route: resolved.route as SimulatorRoute,
      status: response.status,
      requestId: scope.requestId,
      ...(scope.taskId === undefined ? {} : { taskId: scope.taskId }),
      ...(scope.code === undefined ? {} : { code: scope.code }),
      faults: scope.faults,
      headers: redactHeaders(request.headers),
    });
    return response;
  }

  function view(task: TaskRecord, now: number): SimulatorTaskView {
    const status = statusAt(task, now);
    return {
      taskId: task.taskId,
      status,
      model: task.model,
      account: task.owner,
      submittedAt: task.submitAt,
      scheduledAt: status === 'CANCELED' ? undefined : task.startedAt,
      endedAt: status === 'SUCCEEDED' || status === 'FAILED' ? endOf(task) : undefined,
      canceledAt: task.canceledAt,
      failure: task.failure,
      prompt: task.prompt,
    };
  }

  const simulator = handle as DashScopeSimulator;
  Object.defineProperties(simulator, {
    log: { get: () => log.entries, enumerable: true },
    createCount: { get: () => createCount, enumerable: true },
    clock: { value: clock, enumerable: true },
    basePath: { value: basePath, enumerable: true },
    tasks: {
      value: () => {
        const now = clock.now();
        store.advance(now, limits.concurrentTasks);
        return store.all().map((task) => view(task, now));
      },
    },
    inject: {
      value: (fault: SimulatorFault, match?: FaultMatch, times?: number) =>
        injector.add({
          fault,
          ...(match ? { match } : {}),
          ...(times === undefined ? {} : { times }),
        }),
    },
    hostFrame: {
      value: (bytes: Uint8Array, type: string, name?: string) => {
        const extension = type.split('/')[1]?.replace('jpeg', 'jpg') ?? 'bin';
        const fileName = name ?? `${fileIds.uuid()}.${extension}`;
        hosted.set(fileName, { bytes, type });
        return `${basePath}/files/frames/${encodeURIComponent(fileName)}`;
      },
    },
    reset: {
      value: () => {
        store.clear();
        log.clear();
        hosted.clear();
        createLimiter.reset();
        queryLimiter.reset();
        start();
      },
    },
  });
  return simulator;
}
