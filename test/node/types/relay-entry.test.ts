// Type tests for every runtime export of `react-keyframe-video/relay`, `/relay/node` and
// `/relay/redis`: the relay is a Web-standard `(Request) => Promise<Response>` (so it can be a
// Next.js route handler, a Hono or Bun handler as is), authentication is required by type where
// it is by behaviour, and the Node adapter takes any fetch handler. Checked by `tsc` and run as
// tests; test/node/types/coverage.test.ts fails when an export has no `expectTypeOf` here.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expectTypeOf, test } from 'vitest';
import type { Clock, KeyframeVideoErrorCode, WireCreateBody } from '../../../src/core/index.js';
import {
  type ANONYMOUS_USER_ID,
  type API_KEY_ENV,
  type CREATE_PATH,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RATE_LIMITS,
  RELAY_CODE_STATUS,
  TASK_ID_PATTERN,
  createJsonLineLogger,
  createKeyframeVideoRelay,
  createMemoryRelayStore,
  createTaskIdSigner,
  deriveTaskIdSecret,
  gcra,
  redactText,
  type KeyframeVideoRelay,
  type KeyframeVideoRelayOptions,
  type MemoryRelayStoreOptions,
  type RateDecision,
  type RateLimitRule,
  type RelayAuthenticate,
  type RelayErrorBody,
  type RelayEvent,
  type RelayLogger,
  type RelayRateLimits,
  type RelayStore,
  type RelayTransformRequest,
  type RelayUser,
  type TaskIdSecret,
  type TaskIdSigner,
} from '../../../src/relay/index.js';
import {
  type DEFAULT_RELAY_PORT,
  startRelayServer,
  toNodeListener,
  type NodeListenerOptions,
  type NodeRelayListener,
  type RelayServer,
  type RelayServerOptions,
} from '../../../src/relay/node.js';
import {
  createRedisRelayStore,
  type RedisRelayStoreOptions,
  type RedisScriptClient,
} from '../../../src/relay/redis-store.js';

describe('react-keyframe-video/relay', () => {
  test('the relay is a fetch handler', () => {
    expectTypeOf(createKeyframeVideoRelay).parameters.toEqualTypeOf<
      [options: KeyframeVideoRelayOptions]
    >();
    expectTypeOf(createKeyframeVideoRelay).returns.toEqualTypeOf<KeyframeVideoRelay>();
    expectTypeOf<KeyframeVideoRelay>().toEqualTypeOf<(request: Request) => Promise<Response>>();
    // Next.js passes a second argument (route params); a one-parameter handler accepts the call.
    expectTypeOf<KeyframeVideoRelay>().toMatchTypeOf<
      (request: Request, context: { params: Promise<{ path: string[] }> }) => Promise<Response>
    >();
  });

  test('options: authenticate returns a user or null; transformRequest rewrites the wire body', () => {
    expectTypeOf<KeyframeVideoRelayOptions['authenticate']>().toEqualTypeOf<
      RelayAuthenticate | undefined
    >();
    expectTypeOf<RelayAuthenticate>().toEqualTypeOf<
      (request: Request) => RelayUser | null | undefined | Promise<RelayUser | null | undefined>
    >();
    expectTypeOf<RelayUser>().toEqualTypeOf<{ readonly userId: string }>();
    expectTypeOf<RelayTransformRequest>().toEqualTypeOf<
      (body: WireCreateBody, user: RelayUser) => WireCreateBody | Promise<WireCreateBody>
    >();
    expectTypeOf<{
      authenticate: (request: Request) => Promise<{ userId: string } | null>;
      basePath: '/api/keyframe-video';
      maxBodyBytes: 4_400_000;
    }>().toMatchTypeOf<KeyframeVideoRelayOptions>();
    expectTypeOf<{
      authenticate: (request: Request) => { id: string };
    }>().not.toMatchTypeOf<KeyframeVideoRelayOptions>();
    expectTypeOf<{ region: 'frankfurt' }>().not.toMatchTypeOf<KeyframeVideoRelayOptions>();
  });

  test('constants keep their literal types', () => {
    expectTypeOf<typeof ANONYMOUS_USER_ID>().toEqualTypeOf<'anonymous'>();
    expectTypeOf<typeof API_KEY_ENV>().toEqualTypeOf<'DASHSCOPE_API_KEY'>();
    expectTypeOf<
      typeof CREATE_PATH
    >().toEqualTypeOf<'/services/aigc/image2video/video-synthesis'>();
    expectTypeOf(DEFAULT_MAX_BODY_BYTES).toEqualTypeOf<number>();
    expectTypeOf(TASK_ID_PATTERN).toEqualTypeOf<RegExp>();
    expectTypeOf(RELAY_CODE_STATUS).toEqualTypeOf<Readonly<Record<string, number>>>();
  });

  test('stores and rate limits', () => {
    expectTypeOf(createMemoryRelayStore).toEqualTypeOf<
      (options?: MemoryRelayStoreOptions) => RelayStore
    >();
    expectTypeOf<MemoryRelayStoreOptions['clock']>().toEqualTypeOf<Clock | undefined>();
    expectTypeOf<RelayStore['consumeRate']>().toEqualTypeOf<
      (key: string, rule: RateLimitRule, now: number) => Promise<RateDecision>
    >();
    // Optional, so an app's own store written before it still is a RelayStore.
    expectTypeOf<RelayStore['refundRate']>().toEqualTypeOf<
      ((key: string, rule: RateLimitRule, now: number) => Promise<void>) | undefined
    >();
    expectTypeOf<Omit<RelayStore, 'refundRate'>>().toMatchTypeOf<RelayStore>();
    expectTypeOf(DEFAULT_RATE_LIMITS).toEqualTypeOf<RelayRateLimits>();
    expectTypeOf<RelayRateLimits['userCreate']>().toEqualTypeOf<RateLimitRule | false>();
    expectTypeOf<{ userCreate: false }>().toMatchTypeOf<Partial<RelayRateLimits>>();
    expectTypeOf(gcra).parameters.toEqualTypeOf<
      [stored: number | undefined, rule: RateLimitRule, now: number]
    >();
    expectTypeOf(gcra).returns.toMatchTypeOf<RateDecision>();
    expectTypeOf(gcra).returns.toHaveProperty('tat').toEqualTypeOf<number>();
  });

  test('task ids are signed per user', () => {
    expectTypeOf(createTaskIdSigner).toEqualTypeOf<
      (secrets: TaskIdSecret | readonly TaskIdSecret[]) => TaskIdSigner
    >();
    expectTypeOf<TaskIdSecret>().toEqualTypeOf<string | Uint8Array>();
    expectTypeOf<TaskIdSigner['verify']>().toEqualTypeOf<
      (taskId: string, userId: string) => Promise<string | null>
    >();
    expectTypeOf(deriveTaskIdSecret).toEqualTypeOf<(apiKey: string) => Promise<Uint8Array>>();
  });

  test('logs: structured events, redacted text', () => {
    expectTypeOf(createJsonLineLogger).toEqualTypeOf<
      (write?: (line: string) => void, now?: () => number) => RelayLogger
    >();
    expectTypeOf<RelayLogger['warn']>().toEqualTypeOf<(event: RelayEvent) => void>();
    expectTypeOf<RelayEvent['type']>().toEqualTypeOf<
      'relay.request' | 'relay.upstream_retry' | 'relay.rate_limited' | 'relay.error'
    >();
    expectTypeOf(redactText).toEqualTypeOf<
      (text: string, secrets?: readonly string[], maxLength?: number) => string
    >();
    expectTypeOf<RelayErrorBody['code']>().toEqualTypeOf<string>();
    expectTypeOf<KeyframeVideoErrorCode>().toMatchTypeOf<RelayErrorBody['code']>();
  });
});

describe('react-keyframe-video/relay/node', () => {
  test('toNodeListener wraps any fetch handler as a node:http listener (and Express middleware)', () => {
    expectTypeOf(toNodeListener).parameters.toEqualTypeOf<
      [handler: (request: Request) => Promise<Response>, options?: NodeListenerOptions]
    >();
    expectTypeOf(toNodeListener).returns.toEqualTypeOf<NodeRelayListener>();
    expectTypeOf<NodeRelayListener>().toEqualTypeOf<
      (request: IncomingMessage, response: ServerResponse) => void
    >();
    expectTypeOf<KeyframeVideoRelay>().toMatchTypeOf<Parameters<typeof toNodeListener>[0]>();
  });

  test('startRelayServer', () => {
    expectTypeOf(startRelayServer).toEqualTypeOf<
      (options: RelayServerOptions) => Promise<RelayServer>
    >();
    expectTypeOf<RelayServerOptions>().toMatchTypeOf<NodeListenerOptions>();
    expectTypeOf<RelayServer['origin']>().toEqualTypeOf<string>();
    expectTypeOf<RelayServer['close']>().toEqualTypeOf<() => Promise<void>>();
    expectTypeOf<typeof DEFAULT_RELAY_PORT>().toEqualTypeOf<8787>();
  });
});

describe('react-keyframe-video/relay/redis', () => {
  test('createRedisRelayStore takes a url or a client, not both', () => {
    expectTypeOf(createRedisRelayStore).toEqualTypeOf<
      (options: RedisRelayStoreOptions) => Promise<RelayStore>
    >();
    expectTypeOf<{ url: 'redis://127.0.0.1:6379' }>().toMatchTypeOf<RedisRelayStoreOptions>();
    expectTypeOf<{
      client: RedisScriptClient;
      keyPrefix: 'app:';
    }>().toMatchTypeOf<RedisRelayStoreOptions>();
    expectTypeOf<{
      url: string;
      client: RedisScriptClient;
    }>().not.toMatchTypeOf<RedisRelayStoreOptions>();
    expectTypeOf<{ keyPrefix: 'app:' }>().not.toMatchTypeOf<RedisRelayStoreOptions>();
  });
});
