/**
 * The wire messages, one zod schema each, and the camelCase types the rest of the library uses.
 * Wire types (snake_case, exactly what DashScope and the relay send) stop here: everything past
 * this file sees `KeyframeVideoRequest` and `KeyframeVideoTask`, through exactly one mapping each
 * way. Request schemas are strict (the relay forwards only what it understands); response schemas
 * tolerate extra upstream fields, so a new field from DashScope never breaks a running app.
 */
import * as z from 'zod/mini';
import { KeyframeVideoError, type KeyframeVideoErrorCode } from './errors.js';
import { DASHSCOPE_UTC_OFFSET_MINUTES, formatDashScopeTime, parseDashScopeTime } from './time.js';

export { DASHSCOPE_UTC_OFFSET_MINUTES, formatDashScopeTime, parseDashScopeTime } from './time.js';

/** Every `output.task_status` DashScope sends (`SUSPENDED` comes from the SDK enums). */
export const TASK_STATUSES = [
  'PENDING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'CANCELED',
  'UNKNOWN',
  'SUSPENDED',
] as const;

/** A DashScope task status. `UNKNOWN` means the id is unknown or expired (records live 24 h). */
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** Statuses after which a task never changes again. */
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = [
  'SUCCEEDED',
  'FAILED',
  'CANCELED',
  'UNKNOWN',
];

/** Whether a task in this status will never change again (stop polling). */
export function isTerminalTaskStatus(status: TaskStatus): boolean {
  return TERMINAL_TASK_STATUSES.includes(status);
}

// Optional fields also accept JSON `null` as "not given": the official Python SDK sends
// `"prompt": null` when there is no prompt, and our relay must accept it unmodified.
function optionalField<T extends z.ZodMiniType>(schema: T) {
  return z.optional(z.nullable(schema));
}

/**
 * The DashScope create body (`POST …/services/aigc/image2video/video-synthesis`). Strict: an
 * unknown key at any level is rejected, so the relay forwards nothing it does not understand.
 * Only types are checked here; model-dependent limits are in `validateRequest` (models.ts).
 * `input.extend_prompt` is the Python SDK's deprecated spelling of `parameters.prompt_extend`.
 */
export const wireCreateBodySchema = /* @__PURE__ */ (() =>
  z.strictObject({
    model: z.string(),
    input: z.strictObject({
      first_frame_url: z.string(),
      last_frame_url: optionalField(z.string()),
      prompt: optionalField(z.string()),
      negative_prompt: optionalField(z.string()),
      template: optionalField(z.string()),
      extend_prompt: optionalField(z.boolean()),
    }),
    parameters: optionalField(
      z.strictObject({
        resolution: optionalField(z.string()),
        duration: optionalField(z.number()),
        watermark: optionalField(z.boolean()),
        prompt_extend: optionalField(z.boolean()),
        seed: optionalField(z.int()),
      }),
    ),
  }))();
/** The create body as sent on the wire (snake_case). */
export type WireCreateBody = z.infer<typeof wireCreateBodySchema>;

/** The answer to a create: the new task id and its first status. */
export const wireCreateResponseSchema = /* @__PURE__ */ (() =>
  z.looseObject({
    request_id: z.string(),
    output: z.looseObject({
      task_id: z.string(),
      task_status: z.enum(TASK_STATUSES),
    }),
  }))();
/** The create answer as sent on the wire. */
export type WireCreateResponse = z.infer<typeof wireCreateResponseSchema>;

const wireTaskOutputSchema = /* @__PURE__ */ (() =>
  z.looseObject({
    task_id: z.string(),
    task_status: z.enum(TASK_STATUSES),
    submit_time: optionalField(z.string()),
    scheduled_time: optionalField(z.string()),
    end_time: optionalField(z.string()),
    orig_prompt: optionalField(z.string()),
    actual_prompt: optionalField(z.string()),
    video_url: optionalField(z.string()),
    code: optionalField(z.string()),
    message: optionalField(z.string()),
  }))();

const wireUsageSchema = /* @__PURE__ */ (() =>
  z.looseObject({
    video_duration: optionalField(z.number()),
    video_count: optionalField(z.number()),
    // 720 in the docs; a numeric string is tolerated.
    SR: optionalField(z.union([z.number(), z.string()])),
    video_ratio: optionalField(z.string()),
  }))();

/**
 * The answer to `GET …/tasks/{task_id}`. A SUCCEEDED task must carry `output.video_url`; a
 * FAILED one answers HTTP 200 with `output.code` and `output.message`.
 */
export const wireTaskBodySchema = /* @__PURE__ */ (() =>
  z
    .looseObject({
      request_id: z.string(),
      output: wireTaskOutputSchema,
      usage: optionalField(wireUsageSchema),
    })
    .check(
      z.superRefine((body, context) => {
        if (body.output.task_status === 'SUCCEEDED' && !body.output.video_url) {
          context.addIssue({
            code: 'custom',
            path: ['output', 'video_url'],
            message: 'A SUCCEEDED task must have a video_url.',
          });
        }
      }),
    ))();
/** The task answer as sent on the wire. */
export type WireTaskBody = z.infer<typeof wireTaskBodySchema>;

/** The answer to `POST …/tasks/{task_id}/cancel` when it succeeds. */
export const wireCancelResponseSchema = /* @__PURE__ */ (() =>
  z.looseObject({
    request_id: optionalField(z.string()),
  }))();
/** The cancel answer as sent on the wire. */
export type WireCancelResponse = z.infer<typeof wireCancelResponseSchema>;

/** DashScope's error shape, plus the optional `param` our relay adds to point at a field. */
export const wireErrorBodySchema = /* @__PURE__ */ (() =>
  z.looseObject({
    code: z.string(),
    message: z.string(),
    request_id: optionalField(z.string()),
    param: optionalField(z.string()),
  }))();
/** An error answer as sent on the wire. */
export type WireErrorBody = z.infer<typeof wireErrorBodySchema>;

/** What an app asks for: two frames, a prompt and the model's options (camelCase). */
export interface KeyframeVideoRequest {
  /** A model id from the capability table, e.g. `"wan2.2-kf2v-flash"`. */
  model: string;
  /** The first frame: a public `http(s)` URL or an image data URL (`data:image/png;base64,…`). */
  firstFrameUrl: string;
  /** The last frame, same forms as the first. Ignored by the service when `template` is set. */
  lastFrameUrl?: string | undefined;
  /** What should happen between the frames; at most 800 characters (Unicode code points). */
  prompt?: string | undefined;
  /** What should not appear; at most 500 characters (Unicode code points). */
  negativePrompt?: string | undefined;
  /** An effect template the model offers (only the first frame is used with one). */
  template?: string | undefined;
  /** One of the model's resolutions, e.g. `"720P"`; the model's default when left out. */
  resolution?: string | undefined;
  /** Video length in seconds; fixed at 5 today. */
  duration?: number | undefined;
  /** Adds the "AI-generated" mark in the lower right (service default: false). */
  watermark?: boolean | undefined;
  /** Lets the service rewrite the prompt with an LLM (service default: true; slower). */
  promptExtend?: boolean | undefined;
  /** An integer in [0, 2147483647] for repeatable results. */
  seed?: number | undefined;
}

/** Why a task failed, as the service reported it (`output.code`, `output.message`). */
export interface KeyframeVideoTaskFailure {
  code: KeyframeVideoErrorCode;
  /** The service's own message: technical, for logs and support. */
  message: string;
}

/** What a finished task was billed for (`usage`). */
export interface KeyframeVideoUsage {
  /** Seconds of video made. */
  videoDuration?: number | undefined;
  videoCount?: number | undefined;
  /** The output's short side in pixels (`usage.SR`, e.g. 720). */
  resolution?: number | undefined;
  /** The output size as `"1280*720"` (2.1 models' `usage.video_ratio`). */
  videoRatio?: string | undefined;
}

/** A task as the library sees it (camelCase), mapped from the wire by `fromWireTask`. */
export interface KeyframeVideoTask {
  /** Opaque id; with the relay it is a signed relay id, not DashScope's. */
  taskId: string;
  status: TaskStatus;
  requestId?: string | undefined;
  /** The service's raw times (`YYYY-MM-DD HH:mm:ss.SSS`, server zone), kept as sent. */
  submitTime?: string | undefined;
  scheduledTime?: string | undefined;
  endTime?: string | undefined;
  /** The same times in epoch milliseconds (absent when the raw text could not be read). */
  submittedAt?: number | undefined;
  scheduledAt?: number | undefined;
  endedAt?: number | undefined;
  /** The MP4 link of a SUCCEEDED task; it expires 24 h after the task ends. */
  videoUrl?: string | undefined;
  origPrompt?: string | undefined;
  /** The rewritten prompt (only with prompt extension). */
  actualPrompt?: string | undefined;
  /** Present for FAILED tasks (and whenever the service sent a code). */
  failure?: KeyframeVideoTaskFailure | undefined;
  usage?: KeyframeVideoUsage | undefined;
}

/** The answer to a create: the task to poll. */
export interface KeyframeVideoCreated {
  taskId: string;
  status: TaskStatus;
  requestId: string;
}

type Defined<T> = { [K in keyof T]: Exclude<T[K], null> };

/** Drops `undefined` and `null` values, so mapped objects carry only what was given. */
function definedOnly<T extends Record<string, unknown>>(value: T): Defined<T> {
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined && item !== null) result[key] = item;
  }
  return result as Defined<T>;
}

function hasKeys(value: object): boolean {
  return Object.keys(value).length > 0;
}

/** The one mapping from a request to the wire create body. */
export function toWireCreateBody(request: KeyframeVideoRequest): WireCreateBody {
  const parameters = definedOnly({
    resolution: request.resolution,
    duration: request.duration,
    watermark: request.watermark,
    prompt_extend: request.promptExtend,
    seed: request.seed,
  });
  const body: WireCreateBody = {
    model: request.model,
    input: definedOnly({
      first_frame_url: request.firstFrameUrl,
      last_frame_url: request.lastFrameUrl,
      prompt: request.prompt,
      negative_prompt: request.negativePrompt,
      template: request.template,
    }),
  };
  if (hasKeys(parameters)) body.parameters = parameters;
  return body;
}

/**
 * The one mapping from a wire create body to a request. `null` counts as "not given"; the
 * deprecated `input.extend_prompt` is used only when `parameters.prompt_extend` is absent.
 */
export function fromWireCreateBody(body: WireCreateBody): KeyframeVideoRequest {
  const parameters = body.parameters ?? {};
  return definedOnly({
    model: body.model,
    firstFrameUrl: body.input.first_frame_url,
    lastFrameUrl: body.input.last_frame_url,
    prompt: body.input.prompt,
    negativePrompt: body.input.negative_prompt,
    template: body.input.template,
    resolution: parameters.resolution,
    duration: parameters.duration,
    watermark: parameters.watermark,
    promptExtend: parameters.prompt_extend ?? body.input.extend_prompt,
    seed: parameters.seed,
  });
}

function timeOrUndefined(text: string | null | undefined, utcOffsetMinutes: number) {
  if (typeof text !== 'string') return undefined;
  const epochMs = parseDashScopeTime(text, utcOffsetMinutes);
  return Number.isNaN(epochMs) ? undefined : epochMs;
}

function resolutionFromSR(value: number | string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const numeric = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(numeric) ? numeric : undefined;
}

/** Options for reading task times. */
export interface WireTimeOptions {
  /** The server's zone, minutes east of UTC (default 480 = UTC+8). */
  utcOffsetMinutes?: number | undefined;
}

/**
 * The one mapping from a wire task body to a task. Raw times are kept and also parsed to epoch
 * ms; a FAILED task always gets a `failure` (code `"Unknown"` if the service sent none).
 */
export function fromWireTask(body: WireTaskBody, options: WireTimeOptions = {}): KeyframeVideoTask {
  const offset = options.utcOffsetMinutes ?? DASHSCOPE_UTC_OFFSET_MINUTES;
  const { output } = body;
  const failure =
    output.task_status === 'FAILED' || typeof output.code === 'string'
      ? { code: output.code ?? 'Unknown', message: output.message ?? '' }
      : undefined;
  const usage = body.usage
    ? definedOnly({
        videoDuration: body.usage.video_duration,
        videoCount: body.usage.video_count,
        resolution: resolutionFromSR(body.usage.SR),
        videoRatio: body.usage.video_ratio,
      })
    : undefined;
  return definedOnly({
    taskId: output.task_id,
    status: output.task_status,
    requestId: body.request_id,
    submitTime: output.submit_time,
    scheduledTime: output.scheduled_time,
    endTime: output.end_time,
    submittedAt: timeOrUndefined(output.submit_time, offset),
    scheduledAt: timeOrUndefined(output.scheduled_time, offset),
    endedAt: timeOrUndefined(output.end_time, offset),
    videoUrl: output.video_url,
    origPrompt: output.orig_prompt,
    actualPrompt: output.actual_prompt,
    failure,
    usage,
  });
}

function wireTime(raw: string | undefined, epochMs: number | undefined, offset: number) {
  if (raw !== undefined) return raw;
  return epochMs === undefined ? undefined : formatDashScopeTime(epochMs, offset);
}

/**
 * The one mapping from a task to the wire task body (the simulator answers with it). Raw times
 * win; otherwise the epoch-ms times are written in the DashScope format.
 */
export function toWireTask(
  task: KeyframeVideoTask,
  requestId: string,
  options: WireTimeOptions = {},
): WireTaskBody {
  const offset = options.utcOffsetMinutes ?? DASHSCOPE_UTC_OFFSET_MINUTES;
  const body: WireTaskBody = {
    request_id: requestId,
    output: definedOnly({
      task_id: task.taskId,
      task_status: task.status,
      submit_time: wireTime(task.submitTime, task.submittedAt, offset),
      scheduled_time: wireTime(task.scheduledTime, task.scheduledAt, offset),
      end_time: wireTime(task.endTime, task.endedAt, offset),
      orig_prompt: task.origPrompt,
      actual_prompt: task.actualPrompt,
      video_url: task.videoUrl,
      code: task.failure?.code,
      message: task.failure?.message,
    }),
  };
  if (task.usage) {
    body.usage = definedOnly({
      video_duration: task.usage.videoDuration,
      video_count: task.usage.videoCount,
      SR: task.usage.resolution,
      video_ratio: task.usage.videoRatio,
    });
  }
  return body;
}

/** The one mapping from a create answer to `KeyframeVideoCreated`. */
export function fromWireCreateResponse(body: WireCreateResponse): KeyframeVideoCreated {
  return {
    taskId: body.output.task_id,
    status: body.output.task_status,
    requestId: body.request_id,
  };
}

/** The one mapping from a task (just created) to the create answer. */
export function toWireCreateResponse(
  created: Pick<KeyframeVideoCreated, 'taskId' | 'status'>,
  requestId: string,
): WireCreateResponse {
  return {
    request_id: requestId,
    output: { task_id: created.taskId, task_status: created.status },
  };
}

/** Where the error came from, to fill in what the body does not say. */
export interface WireErrorContext {
  /** The HTTP status of the answer, when there was one. */
  status?: number | undefined;
  /** From the `Retry-After` header, in milliseconds. */
  retryAfterMs?: number | undefined;
}

/**
 * The one mapping from an error body to a `KeyframeVideoError`: the code and `param` are kept,
 * the message is our user-facing sentence for the code, the service's message goes to `detail`.
 */
export function fromWireError(
  body: WireErrorBody,
  context: WireErrorContext = {},
): KeyframeVideoError {
  return new KeyframeVideoError({
    code: body.code,
    detail: body.message,
    status: context.status,
    param: body.param ?? undefined,
    requestId: body.request_id ?? undefined,
    retryAfterMs: context.retryAfterMs,
  });
}

/**
 * The one mapping from a `KeyframeVideoError` to an error body (relay and simulator answers).
 * The message is the error's `detail` when it has one (the service's own words), else its message.
 */
export function toWireError(error: KeyframeVideoError, requestId: string): WireErrorBody {
  return definedOnly({
    code: error.code,
    message: error.detail ?? error.message,
    request_id: requestId,
    param: error.param,
  });
}

// ---------------------------------------------------------------------------------------------
// Parsers: unknown JSON in, typed wire body out, or a KeyframeVideoError that names the field.

/** What each create-body field must be, in words, for messages that say what to send. */
const CREATE_BODY_FIELDS: Readonly<Record<string, string>> = {
  model: 'a model id such as "wan2.2-kf2v-flash"',
  input: 'an object with at least "first_frame_url"',
  'input.first_frame_url':
    'the first frame as an http(s) URL or an image data URL (data:image/png;base64,…)',
  'input.last_frame_url': 'the last frame as an http(s) URL or an image data URL',
  'input.prompt': 'text of at most 800 characters',
  'input.negative_prompt': 'text of at most 500 characters',
  'input.template': 'the name of one of the model’s effect templates',
  'input.extend_prompt': 'true or false',
  parameters: 'an object',
  'parameters.resolution': 'a resolution such as "720P"',
  'parameters.duration': 'the number 5',
  'parameters.watermark': 'true or false',
  'parameters.prompt_extend': 'true or false',
  'parameters.seed': 'a whole number from 0 to 2147483647',
};

type IssuePath = readonly PropertyKey[];

function dotted(path: IssuePath): string {
  return path.map(String).join('.');
}

function valueAt(root: unknown, path: IssuePath): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** The first issue zod found, as a field path and what went wrong with it. */
interface FieldProblem {
  /** Wire path, e.g. `input.first_frame_url`; empty for the body itself. */
  param: string;
  kind: 'missing' | 'unknown-field' | 'invalid';
  /** Allowed values, for enum fields. */
  allowed?: readonly string[] | undefined;
}

function firstProblem(json: unknown, issues: readonly z.core.$ZodIssue[]): FieldProblem {
  const issue = issues[0];
  if (!issue) return { param: '', kind: 'invalid' };
  if (issue.code === 'unrecognized_keys') {
    return { param: dotted([...issue.path, issue.keys[0] ?? '']), kind: 'unknown-field' };
  }
  const param = dotted(issue.path);
  if (issue.path.length > 0 && valueAt(json, issue.path) === undefined) {
    return { param, kind: 'missing' };
  }
  if (issue.code === 'invalid_value') {
    return { param, kind: 'invalid', allowed: issue.values.map(String) };
  }
  return { param, kind: 'invalid' };
}

/**
 * Checks an untrusted create body (the relay and simulator use it on what they receive).
 * Throws `KeyframeVideoError` `InvalidParameter` (status 400) whose `param` is the dotted path of
 * the first offending field and whose message says what to send instead.
 */
export function parseCreateBody(json: unknown): WireCreateBody {
  const result = wireCreateBodySchema.safeParse(json);
  if (result.success) return result.data;
  const problem = firstProblem(json, result.error.issues);
  const expectation = CREATE_BODY_FIELDS[problem.param];
  let message: string;
  if (problem.param === '') {
    message = 'The request body must be a JSON object with "model" and "input". Send one.';
  } else if (problem.kind === 'unknown-field') {
    message = `"${problem.param}" is not a field this API accepts. Remove it.`;
  } else if (problem.kind === 'missing') {
    message = `"${problem.param}" is missing. Send ${expectation ?? 'a value'}.`;
  } else {
    message = `"${problem.param}" must be ${expectation ?? 'of another type'}. Correct it and try again.`;
  }
  throw new KeyframeVideoError({
    code: 'InvalidParameter',
    status: 400,
    param: problem.param || undefined,
    message,
    detail: message,
    cause: result.error,
  });
}

function invalidResponse(json: unknown, what: string, error: z.core.$ZodError): KeyframeVideoError {
  const problem = firstProblem(json, error.issues);
  let detail: string;
  if (problem.param === '') {
    detail = `The ${what} is not a JSON object.`;
  } else if (problem.kind === 'missing') {
    detail = `The ${what} is missing "${problem.param}".`;
  } else if (problem.allowed) {
    detail = `The ${what} has an invalid "${problem.param}" (expected one of ${problem.allowed.join(', ')}).`;
  } else {
    detail = `The ${what} has an invalid "${problem.param}".`;
  }
  return new KeyframeVideoError({ code: 'InvalidResponse', detail, cause: error });
}

/** Checks a create answer; throws `InvalidResponse` whose `detail` names the missing/bad field. */
export function parseCreateResponse(json: unknown): WireCreateResponse {
  const result = wireCreateResponseSchema.safeParse(json);
  if (result.success) return result.data;
  throw invalidResponse(json, 'create answer', result.error);
}

/** Checks a task answer; throws `InvalidResponse` whose `detail` names the missing/bad field. */
export function parseTaskBody(json: unknown): WireTaskBody {
  const result = wireTaskBodySchema.safeParse(json);
  if (result.success) return result.data;
  throw invalidResponse(json, 'task answer', result.error);
}

/** Checks a cancel answer; throws `InvalidResponse` whose `detail` names the bad field. */
export function parseCancelResponse(json: unknown): WireCancelResponse {
  const result = wireCancelResponseSchema.safeParse(json);
  if (result.success) return result.data;
  throw invalidResponse(json, 'cancel answer', result.error);
}

/** Reads an error body; `null` when the JSON does not have the error shape. */
export function parseErrorBody(json: unknown): WireErrorBody | null {
  const result = wireErrorBodySchema.safeParse(json);
  return result.success ? result.data : null;
}
