// The relay called as a function in front of the simulator called as a function, both on one
// manual clock, for the rate-limit tests: no sockets, so time moves only when a test moves it.
// The `x-test-user` header names the user.
import { createManualClock, type ManualClock } from '../../../src/core/index.js';
import {
  createKeyframeVideoRelay,
  type KeyframeVideoRelayOptions,
  type RelayEvent,
} from '../../../src/relay/index.js';
import { createDashScopeSimulator } from '../../../src/simulator/index.js';
import { createBody, SERVER_KEY } from './relay-harness.js';

/**
 * A relay with header authentication over a simulator whose own limits never get in the way;
 * `options` override the relay's. Counts the relay's upstream calls and keeps its events.
 */
export function createInProcessRelay(
  options: Partial<KeyframeVideoRelayOptions> = {},
  clock: ManualClock = createManualClock(1_000_000),
) {
  const simulator = createDashScopeSimulator({
    apiKeys: [SERVER_KEY],
    clock,
    limits: { createPerSecond: 1_000, queryPerSecond: 1_000, concurrentTasks: 100 },
  });
  const events: RelayEvent[] = [];
  let upstreamCalls = 0;
  const relay = createKeyframeVideoRelay({
    apiKey: SERVER_KEY,
    baseUrl: 'https://dashscope.test/api/v1',
    authenticate: (request) => {
      const user = request.headers.get('x-test-user');
      return user ? { userId: user } : null;
    },
    clock,
    fetch: (input, init) => {
      upstreamCalls += 1;
      return simulator(new Request(input, init));
    },
    onEvent: (event) => events.push(event),
    ...options,
  });
  return {
    clock,
    simulator,
    events,
    relay,
    get upstreamCalls() {
      return upstreamCalls;
    },
  };
}

/** A create request from `user` (a valid body unless `body` is given), with an optional key. */
export function createRequest(
  user: string,
  { body = createBody(), key }: { body?: unknown; key?: string } = {},
): Request {
  return new Request('https://app.example/kv/services/aigc/image2video/video-synthesis', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-test-user': user,
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    body: JSON.stringify(body),
  });
}
