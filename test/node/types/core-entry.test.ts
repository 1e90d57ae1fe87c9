// Type tests for every runtime export of `react-keyframe-video/core`: signatures are pinned, the
// wire and camelCase types stay apart, constants keep their literal types, and misuse an app
// could write is a type error. Checked by `tsc -p tsconfig.json` and run as tests;
// test/node/types/coverage.test.ts fails when an export of this entry has no `expectTypeOf` here.
import { describe, expectTypeOf, test } from 'vitest';
import {
  CLIENT_ERROR_CODES,
  type CROSS_TAB_PREFIX,
  type DASHSCOPE_ERROR_CODES,
  type DASHSCOPE_UTC_OFFSET_MINUTES,
  type DEFAULT_ENDPOINT,
  type DEFAULT_MAX_CONSECUTIVE_ERRORS,
  DEFAULT_MAX_TOTAL_MS,
  DEFAULT_MODEL,
  DEFAULT_SCHEDULE,
  type DEFAULT_TIMEOUT_MS,
  FRAME_RULES,
  KEYFRAME_VIDEO_MODELS,
  KeyframeVideoError,
  type NEGATIVE_PROMPT_MAX_LENGTH,
  PREPARE_FRAME_DEFAULTS,
  type PROMPT_MAX_LENGTH,
  REGION_BASE_URLS,
  RELAY_ERROR_CODES,
  type SEED_MAX,
  SUBMISSION_MAX_AGE_MS,
  type TASK_STATUSES,
  TERMINAL_TASK_STATUSES,
  type VIDEO_DURATION_SECONDS,
  assertValidRequest,
  checkFrame,
  checkFrameBytes,
  checkFramePair,
  createCrossTabTaskPoller,
  createDurationHistory,
  createIdempotencyKey,
  createKeyframeVideoClient,
  createManualClock,
  createMemoryStorage,
  createPollerRegistry,
  createSubmissionStore,
  createTaskPoller,
  decodeDataUrl,
  defaultErrorMessages,
  encodeDataUrl,
  errorMessageFor,
  estimateCost,
  formatDashScopeTime,
  frameCheckError,
  fromWireCreateBody,
  fromWireCreateResponse,
  fromWireError,
  fromWireTask,
  getModel,
  getSharedTaskPoller,
  isFrameUrl,
  isKeyframeVideoError,
  isRetryableError,
  isTerminalTaskStatus,
  keyframeVideoTaskCodec,
  localStorageOrMemory,
  nextPollDelay,
  parseCancelResponse,
  parseCreateBody,
  parseCreateResponse,
  parseDashScopeTime,
  parseErrorBody,
  parseRetryAfter,
  parseTaskBody,
  prepareFrame,
  readImageHeader,
  systemClock,
  toKeyframeVideoError,
  toWireCreateBody,
  toWireCreateResponse,
  toWireError,
  toWireTask,
  validateRequest,
  type wireCancelResponseSchema,
  type wireCreateBodySchema,
  type wireCreateResponseSchema,
  type wireErrorBodySchema,
  type wireTaskBodySchema,
  type CheckFrameOptions,
  type ClientErrorCode,
  type Clock,
  type CostEstimate,
  type CrossTabCodec,
  type CrossTabPollRole,
  type CrossTabTaskPoller,
  type CrossTabTaskPollerOptions,
  type DashScopeErrorCode,
  type DataUrl,
  type DecodeDataUrlOptions,
  type DurationHistory,
  type DurationHistoryOptions,
  type ErrorMessages,
  type FrameCheck,
  type FramePairCheck,
  type FrameRules,
  type FrameSize,
  type ImageHeader,
  type ImageHeaderFailure,
  type KeyframeVideoCallOptions,
  type KeyframeVideoCancelResult,
  type KeyframeVideoClient,
  type KeyframeVideoClientOptions,
  type KeyframeVideoCreateOptions,
  type KeyframeVideoCreated,
  type KeyframeVideoErrorCode,
  type KeyframeVideoErrorInit,
  type KeyframeVideoModel,
  type KeyframeVideoModelTable,
  type KeyframeVideoRequest,
  type KeyframeVideoTask,
  type KnownErrorCode,
  type ManualClock,
  type ManualClockOptions,
  type ModelId,
  type PollScheduleInput,
  type PollScheduleOptions,
  type PrepareFrameOptions,
  type PreparedFrame,
  type Region,
  type RelayErrorCode,
  type StorageLike,
  type SubmissionStore,
  type SubmissionStoreOptions,
  type TaskPollSnapshot,
  type TaskPoller,
  type TaskPollerOptions,
  type TaskPollerRegistry,
  type TaskStatus,
  type ValidateRequestOptions,
  type WireCancelResponse,
  type WireCreateBody,
  type WireCreateResponse,
  type WireErrorBody,
  type WireErrorContext,
  type WireTaskBody,
  type WireTimeOptions,
} from '../../../src/core/index.js';

interface Render {
  id: string;
  state: 'queued' | 'done';
}

describe('errors', () => {
  test('one class with a code, a status, a field and retry facts', () => {
    expectTypeOf(KeyframeVideoError).constructorParameters.toEqualTypeOf<
      [init: KeyframeVideoErrorInit]
    >();
    expectTypeOf(KeyframeVideoError).instance.toMatchTypeOf<Error>();
    expectTypeOf<KeyframeVideoError['code']>().toEqualTypeOf<KeyframeVideoErrorCode>();
    expectTypeOf<KeyframeVideoError['param']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<KeyframeVideoError['retryable']>().toEqualTypeOf<boolean>();
    expectTypeOf<KeyframeVideoError['retryAfterMs']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<{ code: 'Forbidden'; status: 403 }>().toMatchTypeOf<KeyframeVideoErrorInit>();
    expectTypeOf<{ status: 403 }>().not.toMatchTypeOf<KeyframeVideoErrorInit>();
  });

  test('codes are literal lists; unknown codes still fit', () => {
    expectTypeOf<(typeof DASHSCOPE_ERROR_CODES)[number]>().toEqualTypeOf<DashScopeErrorCode>();
    expectTypeOf<(typeof RELAY_ERROR_CODES)[number]>().toEqualTypeOf<RelayErrorCode>();
    expectTypeOf<(typeof CLIENT_ERROR_CODES)[number]>().toEqualTypeOf<ClientErrorCode>();
    expectTypeOf(RELAY_ERROR_CODES[0]).toEqualTypeOf<'Unauthenticated'>();
    expectTypeOf(CLIENT_ERROR_CODES[0]).toEqualTypeOf<'NetworkError'>();
    expectTypeOf<'Throttling.RateQuota'>().toMatchTypeOf<DashScopeErrorCode>();
    expectTypeOf<'Something.New'>().toMatchTypeOf<KeyframeVideoErrorCode>();
    expectTypeOf<'Something.New'>().not.toMatchTypeOf<KnownErrorCode>();
  });

  test('messages: one sentence per known code', () => {
    expectTypeOf(defaultErrorMessages).toEqualTypeOf<ErrorMessages>();
    expectTypeOf<ErrorMessages>().toEqualTypeOf<Record<KnownErrorCode, string>>();
    expectTypeOf(errorMessageFor).parameters.toEqualTypeOf<
      [code: KeyframeVideoErrorCode, messages?: Partial<ErrorMessages>]
    >();
    expectTypeOf(errorMessageFor).returns.toEqualTypeOf<string>();
  });

  test('helpers', () => {
    expectTypeOf(isRetryableError).toEqualTypeOf<(code: string, status?: number) => boolean>();
    expectTypeOf(isKeyframeVideoError).guards.toEqualTypeOf<KeyframeVideoError>();
    expectTypeOf(toKeyframeVideoError).toEqualTypeOf<(value: unknown) => KeyframeVideoError>();
  });
});

describe('schemas: the wire (snake_case) and the app (camelCase) stay apart', () => {
  test('statuses', () => {
    expectTypeOf<(typeof TASK_STATUSES)[number]>().toEqualTypeOf<TaskStatus>();
    expectTypeOf<TaskStatus>().toEqualTypeOf<
      'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'UNKNOWN' | 'SUSPENDED'
    >();
    expectTypeOf(TERMINAL_TASK_STATUSES).toEqualTypeOf<readonly TaskStatus[]>();
    expectTypeOf(isTerminalTaskStatus).toEqualTypeOf<(status: TaskStatus) => boolean>();
  });

  test('create bodies map both ways', () => {
    expectTypeOf(toWireCreateBody).toEqualTypeOf<
      (request: KeyframeVideoRequest) => WireCreateBody
    >();
    expectTypeOf(fromWireCreateBody).toEqualTypeOf<
      (body: WireCreateBody) => KeyframeVideoRequest
    >();
    expectTypeOf<WireCreateBody['input']>().toHaveProperty('first_frame_url');
    expectTypeOf<KeyframeVideoRequest>().toHaveProperty('firstFrameUrl');
    expectTypeOf<KeyframeVideoRequest>().not.toHaveProperty('input');
    expectTypeOf<{ model: string; firstFrameUrl: string }>().toMatchTypeOf<KeyframeVideoRequest>();
    expectTypeOf<{ model: string }>().not.toMatchTypeOf<KeyframeVideoRequest>();
  });

  test('tasks and create answers map both ways', () => {
    expectTypeOf(fromWireTask).parameters.toEqualTypeOf<
      [body: WireTaskBody, options?: WireTimeOptions]
    >();
    expectTypeOf(fromWireTask).returns.toEqualTypeOf<KeyframeVideoTask>();
    expectTypeOf(toWireTask).parameters.toEqualTypeOf<
      [task: KeyframeVideoTask, requestId: string, options?: WireTimeOptions]
    >();
    expectTypeOf(toWireTask).returns.toEqualTypeOf<WireTaskBody>();
    expectTypeOf(fromWireCreateResponse).toEqualTypeOf<
      (body: WireCreateResponse) => KeyframeVideoCreated
    >();
    expectTypeOf(toWireCreateResponse).parameters.toEqualTypeOf<
      [created: Pick<KeyframeVideoCreated, 'taskId' | 'status'>, requestId: string]
    >();
    expectTypeOf(toWireCreateResponse).returns.toEqualTypeOf<WireCreateResponse>();
    expectTypeOf<KeyframeVideoTask['status']>().toEqualTypeOf<TaskStatus>();
    expectTypeOf<WireTaskBody['output']['task_status']>().toEqualTypeOf<TaskStatus>();
  });

  test('errors map both ways', () => {
    expectTypeOf(fromWireError).parameters.toEqualTypeOf<
      [body: WireErrorBody, context?: WireErrorContext]
    >();
    expectTypeOf(fromWireError).returns.toEqualTypeOf<KeyframeVideoError>();
    expectTypeOf(toWireError).toEqualTypeOf<
      (error: KeyframeVideoError, requestId: string) => WireErrorBody
    >();
  });

  test('parsers take unknown JSON and return the wire type (errors: or null)', () => {
    expectTypeOf(parseCreateBody).toEqualTypeOf<(json: unknown) => WireCreateBody>();
    expectTypeOf(parseCreateResponse).toEqualTypeOf<(json: unknown) => WireCreateResponse>();
    expectTypeOf(parseTaskBody).toEqualTypeOf<(json: unknown) => WireTaskBody>();
    expectTypeOf(parseCancelResponse).toEqualTypeOf<(json: unknown) => WireCancelResponse>();
    expectTypeOf(parseErrorBody).toEqualTypeOf<(json: unknown) => WireErrorBody | null>();
  });

  test('the zod schemas infer the wire types', () => {
    type Output<S> = S extends { _zod: { output: infer O } } ? O : never;
    expectTypeOf<Output<typeof wireCreateBodySchema>>().toEqualTypeOf<WireCreateBody>();
    expectTypeOf<Output<typeof wireCreateResponseSchema>>().toEqualTypeOf<WireCreateResponse>();
    expectTypeOf<Output<typeof wireTaskBodySchema>>().toEqualTypeOf<WireTaskBody>();
    expectTypeOf<Output<typeof wireCancelResponseSchema>>().toEqualTypeOf<WireCancelResponse>();
    expectTypeOf<Output<typeof wireErrorBodySchema>>().toEqualTypeOf<WireErrorBody>();
  });

  test('DashScope times', () => {
    expectTypeOf<typeof DASHSCOPE_UTC_OFFSET_MINUTES>().toEqualTypeOf<480>();
    expectTypeOf(formatDashScopeTime).toEqualTypeOf<
      (epochMs: number, utcOffsetMinutes?: number) => string
    >();
    expectTypeOf(parseDashScopeTime).toEqualTypeOf<
      (text: string, utcOffsetMinutes?: number) => number
    >();
  });
});

describe('models: capability data', () => {
  test('the table, its ids and the limits keep literal types', () => {
    expectTypeOf(KEYFRAME_VIDEO_MODELS).toEqualTypeOf<
      Readonly<Record<ModelId, KeyframeVideoModel>>
    >();
    expectTypeOf<ModelId>().toEqualTypeOf<
      'wan2.2-kf2v-flash' | 'wanx2.1-kf2v-plus' | 'wan2.1-kf2v-plus'
    >();
    expectTypeOf(DEFAULT_MODEL).toEqualTypeOf<ModelId>();
    expectTypeOf(KEYFRAME_VIDEO_MODELS).toMatchTypeOf<KeyframeVideoModelTable>();
    expectTypeOf(REGION_BASE_URLS).toEqualTypeOf<{
      readonly beijing: 'https://dashscope.aliyuncs.com/api/v1';
      readonly singapore: 'https://dashscope-intl.aliyuncs.com/api/v1';
    }>();
    expectTypeOf<Region>().toEqualTypeOf<'beijing' | 'singapore'>();
    expectTypeOf<typeof PROMPT_MAX_LENGTH>().toEqualTypeOf<800>();
    expectTypeOf<typeof NEGATIVE_PROMPT_MAX_LENGTH>().toEqualTypeOf<500>();
    expectTypeOf<typeof SEED_MAX>().toEqualTypeOf<2147483647>();
    expectTypeOf<typeof VIDEO_DURATION_SECONDS>().toEqualTypeOf<5>();
  });

  test('lookups and checks', () => {
    expectTypeOf(getModel).toEqualTypeOf<
      (id: string, models?: KeyframeVideoModelTable) => KeyframeVideoModel | undefined
    >();
    expectTypeOf(estimateCost).parameters.toEqualTypeOf<
      [
        request: Pick<KeyframeVideoRequest, 'model' | 'resolution' | 'duration'>,
        models?: KeyframeVideoModelTable,
      ]
    >();
    expectTypeOf(estimateCost).returns.toEqualTypeOf<CostEstimate | undefined>();
    expectTypeOf(isFrameUrl).toEqualTypeOf<(value: string) => boolean>();
    expectTypeOf(validateRequest).toEqualTypeOf<
      (request: KeyframeVideoRequest, options?: ValidateRequestOptions) => KeyframeVideoError[]
    >();
    expectTypeOf(assertValidRequest).toEqualTypeOf<
      (request: KeyframeVideoRequest, options?: ValidateRequestOptions) => void
    >();
  });
});

describe('client', () => {
  test('options: an endpoint, a transport, headers and a fetch', () => {
    expectTypeOf(createKeyframeVideoClient).parameters.toEqualTypeOf<
      [options?: KeyframeVideoClientOptions]
    >();
    expectTypeOf(createKeyframeVideoClient).returns.toEqualTypeOf<KeyframeVideoClient>();
    expectTypeOf<typeof DEFAULT_ENDPOINT>().toEqualTypeOf<'/api/keyframe-video'>();
    expectTypeOf<typeof DEFAULT_TIMEOUT_MS>().toEqualTypeOf<30000>();
    expectTypeOf<{
      endpoint: '/api/kfv';
      timeoutMs: 5000;
    }>().toMatchTypeOf<KeyframeVideoClientOptions>();
    expectTypeOf<{ endpoint: URL }>().not.toMatchTypeOf<KeyframeVideoClientOptions>();
  });

  test('calls are abortable and typed end to end', () => {
    expectTypeOf<KeyframeVideoClient['create']>().parameters.toEqualTypeOf<
      [request: KeyframeVideoRequest, options?: KeyframeVideoCreateOptions]
    >();
    expectTypeOf<KeyframeVideoClient['create']>().returns.toEqualTypeOf<
      Promise<KeyframeVideoCreated>
    >();
    expectTypeOf<KeyframeVideoClient['get']>().returns.toEqualTypeOf<Promise<KeyframeVideoTask>>();
    expectTypeOf<KeyframeVideoClient['cancel']>().returns.toEqualTypeOf<
      Promise<KeyframeVideoCancelResult>
    >();
    expectTypeOf<KeyframeVideoCallOptions['signal']>().toEqualTypeOf<AbortSignal | undefined>();
  });

  test('idempotency keys and Retry-After', () => {
    expectTypeOf(createIdempotencyKey).toEqualTypeOf<() => string>();
    expectTypeOf(parseRetryAfter).toEqualTypeOf<
      (value: string | null | undefined, nowMs?: number) => number | undefined
    >();
  });
});

describe('clock and schedule', () => {
  test('clocks', () => {
    expectTypeOf(systemClock).toEqualTypeOf<Clock>();
    expectTypeOf(createManualClock).toEqualTypeOf<
      (start?: number, options?: ManualClockOptions) => ManualClock
    >();
    expectTypeOf<ManualClock>().toMatchTypeOf<Clock>();
    expectTypeOf<ManualClock['advanceAsync']>().toEqualTypeOf<(ms: number) => Promise<void>>();
  });

  test('the schedule is one pure function with replaceable knobs', () => {
    expectTypeOf(nextPollDelay).toEqualTypeOf<
      (input: PollScheduleInput, options?: Partial<PollScheduleOptions>) => number
    >();
    expectTypeOf(DEFAULT_SCHEDULE).toEqualTypeOf<Readonly<PollScheduleOptions>>();
    expectTypeOf<PollScheduleInput['phase']>().toEqualTypeOf<'PENDING' | 'RUNNING' | 'unknown'>();
  });
});

describe('poller', () => {
  test('createTaskPoller is generic over the task', () => {
    expectTypeOf(createTaskPoller<Render>).parameters.toEqualTypeOf<
      [options: TaskPollerOptions<Render>]
    >();
    expectTypeOf(createTaskPoller<Render>).returns.toEqualTypeOf<TaskPoller<Render>>();
    expectTypeOf<ReturnType<TaskPoller<Render>['getSnapshot']>>().toEqualTypeOf<
      TaskPollSnapshot<Render>
    >();
    expectTypeOf<TaskPollSnapshot<Render>['data']>().toEqualTypeOf<Render | undefined>();
    expectTypeOf<{
      taskId: string;
      fetcher: (id: string) => Promise<Render>;
      isTerminal: (render: Render) => boolean;
    }>().toMatchTypeOf<TaskPollerOptions<Render>>();
    expectTypeOf<{
      taskId: string;
      fetcher: (id: string) => Promise<Render>;
    }>().not.toMatchTypeOf<TaskPollerOptions<Render>>();
  });

  test('registries share one poller per key', () => {
    expectTypeOf(createPollerRegistry).toEqualTypeOf<() => TaskPollerRegistry>();
    expectTypeOf(getSharedTaskPoller<Render>).toEqualTypeOf<
      (key: string, create: () => TaskPoller<Render>) => TaskPoller<Render>
    >();
    expectTypeOf<typeof DEFAULT_MAX_CONSECUTIVE_ERRORS>().toEqualTypeOf<10>();
    expectTypeOf(DEFAULT_MAX_TOTAL_MS).toEqualTypeOf<number>();
  });

  test('the cross-tab poller is a poller with a role', () => {
    expectTypeOf(createCrossTabTaskPoller<Render>).parameters.toEqualTypeOf<
      [options: CrossTabTaskPollerOptions<Render>]
    >();
    expectTypeOf(createCrossTabTaskPoller<Render>).returns.toEqualTypeOf<
      CrossTabTaskPoller<Render>
    >();
    expectTypeOf<CrossTabTaskPoller<Render>>().toMatchTypeOf<TaskPoller<Render>>();
    expectTypeOf<
      ReturnType<CrossTabTaskPoller<Render>['getRole']>
    >().toEqualTypeOf<CrossTabPollRole>();
    expectTypeOf<CrossTabTaskPollerOptions<Render>>().toMatchTypeOf<TaskPollerOptions<Render>>();
    expectTypeOf<CrossTabTaskPollerOptions<Render>['name']>().toEqualTypeOf<string>();
    expectTypeOf(keyframeVideoTaskCodec).toEqualTypeOf<CrossTabCodec<KeyframeVideoTask>>();
    expectTypeOf<CrossTabCodec<Render>['decode']>().toEqualTypeOf<(value: unknown) => Render>();
    expectTypeOf<typeof CROSS_TAB_PREFIX>().toEqualTypeOf<'react-keyframe-video/poll/'>();
  });
});

describe('persistence', () => {
  test('storage', () => {
    expectTypeOf(createMemoryStorage).toEqualTypeOf<() => StorageLike>();
    expectTypeOf(localStorageOrMemory).toEqualTypeOf<() => StorageLike>();
    expectTypeOf<Storage>().toMatchTypeOf<StorageLike>();
  });

  test('submission records and learned durations', () => {
    expectTypeOf(createSubmissionStore).toEqualTypeOf<
      (options: SubmissionStoreOptions) => SubmissionStore
    >();
    expectTypeOf(SUBMISSION_MAX_AGE_MS).toEqualTypeOf<number>();
    expectTypeOf(createDurationHistory).toEqualTypeOf<
      (options: DurationHistoryOptions) => DurationHistory
    >();
    expectTypeOf<DurationHistory['expectedDurationMs']>().returns.toEqualTypeOf<
      number | undefined
    >();
    expectTypeOf<Record<string, never>>().not.toMatchTypeOf<DurationHistoryOptions>();
  });
});

describe('frames', () => {
  test('checks report, never throw', () => {
    expectTypeOf(checkFrame).parameters.toEqualTypeOf<
      [input: string | Blob | Uint8Array, options?: CheckFrameOptions]
    >();
    expectTypeOf(checkFrame).returns.toEqualTypeOf<Promise<FrameCheck>>();
    expectTypeOf(checkFrameBytes).toEqualTypeOf<
      (bytes: Uint8Array, options?: CheckFrameOptions) => FrameCheck
    >();
    expectTypeOf(frameCheckError).toEqualTypeOf<
      (check: FrameCheck, param: string) => KeyframeVideoError | null
    >();
    expectTypeOf(checkFramePair).parameters.toEqualTypeOf<
      [first: FrameSize, last: FrameSize, options?: { tolerance?: number | undefined }]
    >();
    expectTypeOf(checkFramePair).returns.toEqualTypeOf<FramePairCheck>();
    expectTypeOf(FRAME_RULES).toEqualTypeOf<FrameRules>();
  });

  test('bytes: data URLs and image headers', () => {
    expectTypeOf(decodeDataUrl).toEqualTypeOf<
      (text: string, options?: DecodeDataUrlOptions) => DataUrl
    >();
    expectTypeOf(encodeDataUrl).toEqualTypeOf<(bytes: Uint8Array, mime: string) => string>();
    expectTypeOf(readImageHeader).toEqualTypeOf<
      (bytes: Uint8Array) => ImageHeader | ImageHeaderFailure
    >();
    const check = (header: ImageHeader | ImageHeaderFailure) => {
      if (header.ok) expectTypeOf(header.width).toEqualTypeOf<number>();
      else expectTypeOf(header).not.toHaveProperty('width');
    };
    expectTypeOf(check).toBeFunction();
  });

  test('prepareFrame', () => {
    expectTypeOf(prepareFrame).toEqualTypeOf<
      (file: Blob, options?: PrepareFrameOptions) => Promise<PreparedFrame>
    >();
    expectTypeOf(PREPARE_FRAME_DEFAULTS.quality).toEqualTypeOf<0.92>();
    expectTypeOf(PREPARE_FRAME_DEFAULTS).toMatchTypeOf<Partial<PrepareFrameOptions>>();
    expectTypeOf<PreparedFrame['dataUrl']>().toEqualTypeOf<string>();
  });
});
