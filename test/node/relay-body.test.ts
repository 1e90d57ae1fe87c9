// Request bodies under the relay's control: a declared length over the cap is refused before a
// byte is read; a streamed body is read only up to the cap, then the stream is cancelled; a body
// that stalls hits the deadline (on a manual clock); and the bytes all bodies in flight may hold
// together are budgeted. The relay is called directly with Web Requests whose body streams the
// test drives chunk by chunk, and the simulator (in-process) is its upstream.
import { describe, expect, it, vi } from 'vitest';
import { createManualClock } from '../../src/core/index.js';
import {
  createKeyframeVideoRelay,
  DEFAULT_MAX_BODY_BYTES,
  type KeyframeVideoRelayOptions,
} from '../../src/relay/index.js';
import { createDashScopeSimulator } from '../../src/simulator/index.js';
import {
  createBody,
  dataUrl,
  frameBytes,
  NO_RATE_LIMITS,
  SERVER_KEY,
} from './helpers/relay-harness.js';

const URL_CREATE =
  'https://app.example/api/keyframe-video/services/aigc/image2video/video-synthesis';

function setup(options: Partial<KeyframeVideoRelayOptions> = {}) {
  const simulator = createDashScopeSimulator({
    apiKeys: [SERVER_KEY],
    limits: { createPerSecond: 1_000, queryPerSecond: 1_000, concurrentTasks: 100 },
  });
  const relay = createKeyframeVideoRelay({
    apiKey: SERVER_KEY,
    baseUrl: 'https://dashscope.test/api/v1',
    authenticate: () => ({ userId: 'alice' }),
    rateLimits: NO_RATE_LIMITS,
    fetch: (input, init) => simulator(new Request(input, init)),
    ...options,
  });
  return { simulator, relay };
}

/** A body stream the test drives: it yields `chunks` (one per read), then waits for `open()`. */
function drivenBody(chunks: readonly Uint8Array[], tail: Uint8Array | null = null) {
  let index = 0;
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const state = { delivered: 0, waiting: false, cancelled: false, reads: 0 };
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        state.reads += 1;
        const chunk = chunks[index];
        if (chunk) {
          index += 1;
          state.delivered += chunk.byteLength;
          controller.enqueue(chunk);
          return;
        }
        state.waiting = true;
        await gate;
        state.waiting = false;
        if (tail) controller.enqueue(tail);
        controller.close();
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, state, open };
}

function post(
  body: ReadableStream<Uint8Array> | string,
  headers: Record<string, string> = {},
): Request {
  return new Request(URL_CREATE, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    duplex: 'half',
  } as RequestInit);
}

const spaces = (n: number) => new Uint8Array(n).fill(0x20);

describe('the body cap', () => {
  it('a declared Content-Length over the cap is refused without reading a byte', async () => {
    const { relay, simulator } = setup({ maxBodyBytes: 1_000 });
    const body = drivenBody([spaces(512)]);
    const response = await relay(post(body.stream, { 'content-length': '1001' }));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { code: string }).code).toBe('RelayBodyTooLarge');
    expect(body.state.reads).toBe(0);
    expect(simulator.log).toHaveLength(0);
  });

  it('a streamed body is read only to the cap; then the stream is cancelled', async () => {
    const { relay } = setup({ maxBodyBytes: 100_000 });
    const chunk = spaces(16 * 1024);
    const body = drivenBody(Array.from({ length: 1_000 }, () => chunk)); // 16 MB offered
    const response = await relay(post(body.stream));
    expect(response.status).toBe(413);
    expect(body.state.delivered).toBeLessThanOrEqual(100_000 + chunk.byteLength);
    expect(body.state.cancelled).toBe(true);
  });

  it('a lower cap for small platforms (4.5 MB) refuses what the default would take', async () => {
    const big = JSON.stringify(createBody({ prompt: 'x', negative_prompt: ' '.repeat(10) }));
    const padded = big.replace('{', `{${' '.repeat(4_600_000)}`);
    const small = setup({ maxBodyBytes: 4_500_000 });
    expect((await small.relay(post(padded))).status).toBe(413);
    const roomy = setup();
    expect((await roomy.relay(post(padded))).status).toBe(200);
  });

  it('the default cap takes a create with two maximal legal data-URL frames', async () => {
    const jpeg = frameBytes('valid-640x480.jpg');
    const maximal = new Uint8Array(10 * 1024 * 1024); // exactly the 10 MiB limit
    maximal.set(jpeg, 0);
    const frame = dataUrl(maximal, 'image/jpeg');
    const body = JSON.stringify(
      createBody({ first_frame_url: frame, last_frame_url: frame, prompt: 'p'.repeat(800) }),
    );
    expect(body.length).toBeGreaterThan(2 * 13_900_000);
    expect(body.length).toBeLessThanOrEqual(DEFAULT_MAX_BODY_BYTES);
    const { relay, simulator } = setup();
    const response = await relay(post(body));
    expect(response.status, await response.clone().text()).toBe(200);
    expect(simulator.createCount).toBe(1);
    // One byte more than two maximal frames allow is refused.
    const over = setup({ maxBodyBytes: DEFAULT_MAX_BODY_BYTES });
    const tooBig = `${body}${' '.repeat(DEFAULT_MAX_BODY_BYTES - body.length + 1)}`;
    expect((await over.relay(post(tooBig))).status).toBe(413);
  });
});

describe('the body deadline', () => {
  it('a body that stalls is cut off at bodyTimeoutMs with 408 and the stream cancelled', async () => {
    const clock = createManualClock(0);
    const { relay, simulator } = setup({ clock, bodyTimeoutMs: 30_000 });
    const body = drivenBody([new TextEncoder().encode('{"model":')]);
    const answer = relay(post(body.stream));
    await vi.waitFor(() => expect(body.state.waiting).toBe(true));
    clock.advance(29_999);
    await Promise.resolve();
    expect(body.state.cancelled).toBe(false);
    clock.advance(1);
    const response = await answer;
    expect(response.status).toBe(408);
    expect(((await response.json()) as { code: string }).code).toBe('RequestTimeOut');
    expect(body.state.cancelled).toBe(true);
    expect(simulator.log).toHaveLength(0);
  });
});

describe('the shared body budget', () => {
  it('bodies past the budget get 429 with Retry-After; the budget is returned afterwards', async () => {
    // Room for two 1 MiB bodies and their 2-byte tails, not for a third body.
    const { relay } = setup({
      maxBodyBytes: 1_500_000,
      maxBufferedBodyBytes: 2 * 1024 * 1024 + 1024,
    });
    const mebibyte = Array.from({ length: 16 }, () => spaces(64 * 1024));
    const tail = new TextEncoder().encode('{}');
    const first = drivenBody(mebibyte, tail);
    const second = drivenBody(mebibyte, tail);
    const firstAnswer = relay(post(first.stream));
    const secondAnswer = relay(post(second.stream));
    // Both have been read up to 1 MiB each (2 MiB in all) and wait for more.
    await vi.waitFor(() => expect(first.state.waiting && second.state.waiting).toBe(true));

    const third = drivenBody([spaces(64 * 1024)]);
    const refused = await relay(post(third.stream));
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { code: string }).code).toBe('RelayRateLimited');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(third.state.cancelled).toBe(true);

    first.open();
    second.open();
    // Read in full, then refused by the schema (`{}` after spaces is not a create body).
    expect((await firstAnswer).status).toBe(400);
    expect((await secondAnswer).status).toBe(400);
    const afterwards = await relay(post(JSON.stringify(createBody())));
    expect(afterwards.status).toBe(200);
  });
});

describe('media types', () => {
  it.each([
    ['application/json', 200],
    ['application/json; charset=utf-8', 200],
    ['Application/JSON;charset="UTF-8"', 200],
    ['application/json; charset=utf-16', 415],
    ['application/json; boundary=x', 415],
    ['application/merge-patch+json', 415],
    ['text/json', 415],
  ])('%s → %i', async (type, status) => {
    const { relay } = setup();
    const response = await relay(post(JSON.stringify(createBody()), { 'content-type': type }));
    expect(response.status).toBe(status);
  });
});
