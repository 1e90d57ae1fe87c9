/**
 * `react-keyframe-video/relay`: the server side. `createKeyframeVideoRelay(options)` is a
 * Web-standard `(Request) => Promise<Response>` for Next.js route handlers, Hono, Bun, Deno and
 * Workers; it imports no Node built-ins. The Node `http`/Express adapter is
 * `react-keyframe-video/relay/node`; the Redis store is `react-keyframe-video/relay/redis`.
 */
export { createKeyframeVideoRelay } from './handler.js';
export type { KeyframeVideoRelay } from './handler.js';
export { ANONYMOUS_USER_ID, API_KEY_ENV } from './options.js';
export type {
  KeyframeVideoRelayOptions,
  RelayAuthenticate,
  RelayTransformRequest,
  RelayUser,
} from './options.js';
export { createMemoryRelayStore } from './stores.js';
export type { MemoryRelayStoreOptions, RelayStore } from './stores.js';
export { DEFAULT_RATE_LIMITS, gcra } from './rate-limit.js';
export type { RateDecision, RateLimitRule, RelayRateLimits } from './rate-limit.js';
export { createTaskIdSigner, deriveTaskIdSecret, TASK_ID_PATTERN } from './task-id.js';
export type { TaskIdSecret, TaskIdSigner } from './task-id.js';
export { DEFAULT_MAX_BODY_BYTES } from './body.js';
export { createJsonLineLogger, redactText } from './log.js';
export type {
  RateLimitScope,
  RelayErrorEvent,
  RelayEvent,
  RelayLogger,
  RelayRateLimitedEvent,
  RelayRequestEvent,
  RelayRetryEvent,
  RelayRoute,
} from './log.js';
export { RELAY_CODE_STATUS } from './responses.js';
export type { RelayErrorBody } from './responses.js';
export { CREATE_PATH } from './routes.js';
