// The client against a real HTTP server on 127.0.0.1 that answers with DashScope's wire shapes
// (canned bodies, as DashScope or the relay would send them), through the global fetch.
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { getEventListeners } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_ENDPOINT,
  KeyframeVideoError,
  createIdempotencyKey,
  createManualClock,
  createKeyframeVideoClient,
  defaultErrorMessages,
  parseRetryAfter,
  type KeyframeVideoRequest,
  type KeyframeVideoTransport,
  type WireCreateBody,
} from '../../src/core/index.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
type Handler = (request: Received, response: ServerResponse) => void;

let server: Server;
let endpoint: string;
let handler: Handler = (_request, response) => response.end();
const received: Received[] = [];
/** Responses a test left unanswered on purpose (timeouts, aborts), closed after each test. */
const pending: ServerResponse[] = [];
/** Resolves when the next request reaches the server. */
let onRequest: (() => void) | undefined;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry: Received = {
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(entry);
      handler(entry, response);
      onRequest?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  endpoint = `http://127.0.0.1:${port}/api/keyframe-video`;
});

afterEach(() => {
  received.length = 0;
  for (const response of pending.splice(0)) response.destroy();
  onRequest = undefined;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

function answerWith(status: number, body: unknown, headers: Record<string, string> = {}): void {
  handler = (_request, response) => sendJson(response, status, body, headers);
}

function neverAnswer(): void {
  handler = (_request, response) => {
    pending.push(response);
  };
}

function nextRequest(): Promise<void> {
  return new Promise((resolve) => {
    onRequest = resolve;
  });
}

function client(options: Parameters<typeof createKeyframeVideoClient>[0] = {}) {
  return createKeyframeVideoClient({ endpoint, fetch: globalThis.fetch, ...options });
}

async function rejectionOf(promise: Promise<unknown>): Promise<KeyframeVideoError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(KeyframeVideoError);
    return error as KeyframeVideoError;
  }
  throw new Error('Expected the call to fail with a KeyframeVideoError, but it succeeded.');
}

const request: KeyframeVideoRequest = {
  model: 'wan2.2-kf2v-flash',
  firstFrameUrl: 'https://example.com/first.png',
  lastFrameUrl: 'data:image/png;base64,iVBORw0KGgo=',
  prompt: 'A cat turns into a tiger',
  negativePrompt: 'blur',
  resolution: '480P',
  promptExtend: false,
  seed: 7,
};

const createAnswer = {
  request_id: 'req-create',
  output: { task_id: 'task-1', task_status: 'PENDING' },
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('create', () => {
  it('posts the snake_case body with an Idempotency-Key and returns the task', async () => {
    answerWith(200, createAnswer);
    const created = await client().create(request);
    expect(created).toEqual({ taskId: 'task-1', status: 'PENDING', requestId: 'req-create' });

    expect(received).toHaveLength(1);
    const [sent] = received as [Received];
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/api/keyframe-video/services/aigc/image2video/video-synthesis');
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.headers['idempotency-key']).toMatch(UUID);
    expect(sent.headers['x-dashscope-async']).toBeUndefined();
    expect(sent.headers.authorization).toBeUndefined();
    expect(JSON.parse(sent.body)).toEqual({
      model: 'wan2.2-kf2v-flash',
      input: {
        first_frame_url: 'https://example.com/first.png',
        last_frame_url: 'data:image/png;base64,iVBORw0KGgo=',
        prompt: 'A cat turns into a tiger',
        negative_prompt: 'blur',
      },
      parameters: { resolution: '480P', prompt_extend: false, seed: 7 },
    });
  });

  it('sends a new key per submission, or the one it is given', async () => {
    answerWith(200, createAnswer);
    const api = client();
    await api.create(request);
    await api.create(request);
    await api.create(request, { idempotencyKey: 'submission-42' });
    const keys = received.map((entry) => entry.headers['idempotency-key']);
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys[2]).toBe('submission-42');
  });

  it('adds the app’s headers (from a function) but never DashScope’s', async () => {
    answerWith(200, createAnswer);
    await client({
      headers: async () => ({
        Authorization: 'Bearer user-1',
        'X-DashScope-Async': 'enable',
        'X-Trace': 'abc',
      }),
    }).create(request);
    const [sent] = received as [Received];
    expect(sent.headers.authorization).toBe('Bearer user-1');
    expect(sent.headers['x-trace']).toBe('abc');
    expect(sent.headers['x-dashscope-async']).toBeUndefined();
  });

  it('rejects an invalid request before any request is made', async () => {
    answerWith(200, createAnswer);
    const error = await rejectionOf(
      client().create({ ...request, resolution: '4K', seed: -1, prompt: 'x'.repeat(801) }),
    );
    expect(error.code).toBe('InvalidParameter');
    expect(error.param).toBe('input.prompt');
    expect((error.cause as AggregateError).errors).toHaveLength(3);
    expect(received).toHaveLength(0);
  });

  it('validates against the app’s own model table', async () => {
    answerWith(200, createAnswer);
    const error = await rejectionOf(client().create({ ...request, model: 'my-kf2v' }));
    expect(error.code).toBe('ModelNotFound');
    expect(received).toHaveLength(0);
    const models = {
      'my-kf2v': {
        id: 'my-kf2v',
        label: 'Mine',
        resolutions: ['480P'],
        defaultResolution: '480P',
        templates: [],
        region: 'beijing' as const,
        durations: [5],
        pricePerSecond: { currency: 'CNY' as const, byResolution: { '480P': 0.1 } },
      },
    };
    await client({ models }).create({ ...request, model: 'my-kf2v' });
    expect(received).toHaveLength(1);
  });

  it('names the missing field when the answer lacks one', async () => {
    answerWith(200, { request_id: 'r', output: { task_status: 'PENDING' } });
    const error = await rejectionOf(client().create(request));
    expect(error.code).toBe('InvalidResponse');
    expect(error.status).toBe(200);
    expect(error.detail).toContain('"output.task_id"');
    expect(error.retryable).toBe(true);
  });
});

describe('get', () => {
  const times = {
    submit_time: '2025-09-29 14:18:52.331',
    scheduled_time: '2025-09-29 14:18:59.290',
  };

  it.each([
    ['PENDING', { task_id: 'task-1', task_status: 'PENDING', submit_time: times.submit_time }],
    ['RUNNING', { task_id: 'task-1', task_status: 'RUNNING', ...times }],
    ['CANCELED', { task_id: 'task-1', task_status: 'CANCELED', ...times }],
    ['UNKNOWN', { task_id: 'task-1', task_status: 'UNKNOWN' }],
    ['SUSPENDED', { task_id: 'task-1', task_status: 'SUSPENDED', ...times }],
  ])('reads a %s task', async (status, output) => {
    answerWith(200, { request_id: 'req-get', output });
    const task = await client().get('task-1');
    expect(task.status).toBe(status);
    expect(task.taskId).toBe('task-1');
    expect(task.requestId).toBe('req-get');
    expect(task.failure).toBeUndefined();
    expect(received[0]).toMatchObject({ method: 'GET', url: '/api/keyframe-video/tasks/task-1' });
  });

  it('reads a SUCCEEDED task with its video, times and usage', async () => {
    answerWith(200, {
      request_id: 'req-get',
      output: {
        task_id: 'task-1',
        task_status: 'SUCCEEDED',
        ...times,
        end_time: '2025-09-29 14:23:39.407',
        orig_prompt: 'A cat',
        actual_prompt: 'A small cat',
        video_url: 'https://example.com/v.mp4?Expires=1',
      },
      usage: { video_duration: 5, video_count: 1, SR: 720 },
    });
    const task = await client().get('task-1');
    expect(task).toMatchObject({
      status: 'SUCCEEDED',
      videoUrl: 'https://example.com/v.mp4?Expires=1',
      actualPrompt: 'A small cat',
      usage: { videoDuration: 5, videoCount: 1, resolution: 720 },
    });
    expect((task.endedAt ?? 0) - (task.submittedAt ?? 0)).toBe(287_076);
  });

  it('returns a FAILED task with its failure instead of throwing', async () => {
    answerWith(200, {
      request_id: 'req-get',
      output: {
        task_id: 'task-1',
        task_status: 'FAILED',
        code: 'InternalError.Algo',
        message: 'Algorithm process error',
      },
    });
    const task = await client().get('task-1');
    expect(task.status).toBe('FAILED');
    expect(task.failure).toEqual({
      code: 'InternalError.Algo',
      message: 'Algorithm process error',
    });
  });

  it('encodes the opaque task id into the path', async () => {
    answerWith(200, { request_id: 'r', output: { task_id: 'x', task_status: 'RUNNING' } });
    await client({ endpoint: `${endpoint}/` }).get('relay.v1/abc def?x=1');
    expect(received[0]?.url).toBe('/api/keyframe-video/tasks/relay.v1%2Fabc%20def%3Fx%3D1');
  });

  it('refuses an empty task id without a request', async () => {
    const error = await rejectionOf(client().get(''));
    expect(error.code).toBe('InvalidParameter');
    expect(received).toHaveLength(0);
  });

  it('reports a SUCCEEDED answer without video_url as InvalidResponse naming it', async () => {
    answerWith(200, { request_id: 'r', output: { task_id: 't', task_status: 'SUCCEEDED' } });
    const error = await rejectionOf(client().get('t'));
    expect(error.code).toBe('InvalidResponse');
    expect(error.detail).toContain('"output.video_url"');
  });
});

describe('cancel', () => {
  it('posts to the cancel path and returns the request id', async () => {
    answerWith(200, { request_id: 'req-cancel' });
    const result = await client().cancel('task-1');
    expect(result).toEqual({ requestId: 'req-cancel' });
    expect(received[0]).toMatchObject({
      method: 'POST',
      url: '/api/keyframe-video/tasks/task-1/cancel',
    });
    expect(received[0]?.headers['idempotency-key']).toBeUndefined();
  });

  it('accepts an empty 204 answer', async () => {
    handler = (_request, response) => {
      response.writeHead(204);
      response.end();
    };
    expect(await client().cancel('task-1')).toEqual({});
  });

  it('throws the refusal of a task that is no longer PENDING, keeping its code', async () => {
    answerWith(400, {
      code: 'UnsupportedOperation',
      message: 'Failed to cancel the task, please confirm if the task is in PENDING status.',
      request_id: 'req-c',
    });
    const error = await rejectionOf(client().cancel('task-1'));
    expect(error.code).toBe('UnsupportedOperation');
    expect(error.status).toBe(400);
    expect(error.detail).toMatch(/PENDING/);
  });
});

describe('error answers', () => {
  it.each([
    {
      status: 400,
      body: {
        code: 'InvalidParameter',
        message: 'The first_frame_url is not a valid image.',
        request_id: 'req-400',
        param: 'input.first_frame_url',
      },
      retryable: false,
    },
    {
      status: 400,
      body: {
        code: 'DataInspectionFailed',
        message: 'Input data may contain inappropriate content.',
        request_id: 'req-mod',
      },
      retryable: false,
    },
    {
      status: 401,
      body: { code: 'InvalidApiKey', message: 'Invalid API-key provided.', request_id: 'req-401' },
      retryable: false,
    },
    {
      status: 401,
      body: { code: 'Unauthenticated', message: 'No session.', request_id: 'req-relay' },
      retryable: false,
    },
    {
      status: 500,
      body: {
        code: 'InternalError',
        message: 'An internal error has occured.',
        request_id: 'req-500',
      },
      retryable: true,
    },
    {
      status: 503,
      body: { code: 'ModelUnavailable', message: 'Model is unavailable.', request_id: 'req-503' },
      retryable: true,
    },
  ])('maps HTTP $status $body.code', async ({ status, body, retryable }) => {
    answerWith(status, body);
    const error = await rejectionOf(client().create(request));
    expect(error.code).toBe(body.code);
    expect(error.status).toBe(status);
    expect(error.requestId).toBe(body.request_id);
    expect(error.detail).toBe(body.message);
    expect(error.message).toBe(
      defaultErrorMessages[body.code as keyof typeof defaultErrorMessages],
    );
    expect(error.param).toBe('param' in body ? body.param : undefined);
    expect(error.retryable).toBe(retryable);
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('reads Retry-After in seconds on a 429', async () => {
    answerWith(
      429,
      { code: 'Throttling.RateQuota', message: 'Requests rate limit exceeded.', request_id: 'r' },
      { 'Retry-After': '7' },
    );
    const error = await rejectionOf(client().get('task-1'));
    expect(error).toMatchObject({
      code: 'Throttling.RateQuota',
      status: 429,
      retryable: true,
      retryAfterMs: 7000,
    });
  });

  it('reads Retry-After as an HTTP-date against the client’s clock', async () => {
    const now = Date.UTC(2025, 8, 29, 6, 0, 0);
    answerWith(
      429,
      { code: 'Throttling', message: 'Too many requests.', request_id: 'r' },
      { 'Retry-After': new Date(now + 90_000).toUTCString() },
    );
    const error = await rejectionOf(client({ clock: createManualClock(now) }).get('task-1'));
    expect(error.retryAfterMs).toBe(90_000);
  });

  it('throws an error body that arrives with HTTP 200', async () => {
    answerWith(200, {
      code: 'Arrearage',
      message: 'Access denied, account in arrears.',
      request_id: 'r',
    });
    const error = await rejectionOf(client().get('task-1'));
    expect(error.code).toBe('Arrearage');
    expect(error.status).toBe(200);
  });

  it('turns an HTML 502 page into InvalidResponse with the status', async () => {
    handler = (_request, response) => {
      response.writeHead(502, { 'Content-Type': 'text/html' });
      response.end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    };
    const error = await rejectionOf(client().get('task-1'));
    expect(error.code).toBe('InvalidResponse');
    expect(error.status).toBe(502);
    expect(error.retryable).toBe(true);
    expect(error.detail).toContain('text/html');
    expect(error.detail).toContain('502 Bad Gateway');
  });

  it('turns broken JSON into InvalidResponse', async () => {
    handler = (_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end('{"request_id":"r","output":');
    };
    const error = await rejectionOf(client().get('task-1'));
    expect(error.code).toBe('InvalidResponse');
    expect(error.status).toBe(200);
  });

  it('turns a JSON error status without an error body into InvalidResponse', async () => {
    answerWith(404, { error: 'not here' });
    const error = await rejectionOf(client().get('task-1'));
    expect(error.code).toBe('InvalidResponse');
    expect(error.status).toBe(404);
  });
});

describe('network, timeouts and aborts', () => {
  it('reports a refused connection as NetworkError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await rejectionOf(
      createKeyframeVideoClient({
        endpoint: `http://127.0.0.1:${port}/api`,
        fetch: globalThis.fetch,
      }).get('task-1'),
    );
    expect(error.code).toBe('NetworkError');
    expect(error.retryable).toBe(true);
  });

  it('gives up with Timeout when the server does not answer in time', async () => {
    neverAnswer();
    const clock = createManualClock();
    const signal = new AbortController().signal;
    const arrived = nextRequest();
    const call = client({ clock, timeoutMs: 5000 }).get('task-1', { signal });
    await arrived;
    clock.advance(4999);
    expect(clock.pending).toBe(1);
    clock.advance(1);
    const error = await rejectionOf(call);
    expect(error.code).toBe('Timeout');
    expect(error.detail).toBe('No answer within 5000 ms.');
    expect(error.retryable).toBe(true);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('clears its timer when the answer arrives', async () => {
    answerWith(200, { request_id: 'r', output: { task_id: 't', task_status: 'RUNNING' } });
    const clock = createManualClock();
    await client({ clock }).get('t');
    expect(clock.pending).toBe(0);
  });

  it('reports Aborted (not Timeout) when the caller aborts', async () => {
    neverAnswer();
    const controller = new AbortController();
    const arrived = nextRequest();
    const call = client().create(request, { signal: controller.signal });
    await arrived;
    controller.abort();
    const error = await rejectionOf(call);
    expect(error.code).toBe('Aborted');
    expect(error.retryable).toBe(false);
  });

  it('makes no request for a signal that is already aborted', async () => {
    answerWith(200, createAnswer);
    const error = await rejectionOf(client().create(request, { signal: AbortSignal.abort() }));
    expect(error.code).toBe('Aborted');
    expect(received).toHaveLength(0);
  });

  it('leaves no listener on the caller’s signal after a call', async () => {
    answerWith(200, { request_id: 'r', output: { task_id: 't', task_status: 'RUNNING' } });
    const signal = new AbortController().signal;
    const api = client();
    for (let i = 0; i < 3; i += 1) await api.get('t', { signal });
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('uses the global fetch when none is given', async () => {
    answerWith(200, { request_id: 'r', output: { task_id: 't', task_status: 'RUNNING' } });
    const task = await createKeyframeVideoClient({ endpoint }).get('t');
    expect(task.status).toBe('RUNNING');
  });
});

describe('transport option', () => {
  /** A small in-memory backend that answers like the relay, with canned wire bodies. */
  function memoryTransport() {
    const calls: { op: string; body?: WireCreateBody; key?: string; signal: AbortSignal }[] = [];
    const transport: KeyframeVideoTransport = {
      async create(body, init) {
        calls.push({ op: 'create', body, key: init.idempotencyKey, signal: init.signal });
        return { request_id: 'mem-1', output: { task_id: 'mem-task', task_status: 'PENDING' } };
      },
      async get(taskId, init) {
        calls.push({ op: `get ${taskId}`, signal: init.signal });
        return {
          request_id: 'mem-2',
          output: {
            task_id: taskId,
            task_status: 'FAILED',
            code: 'DataInspectionFailed',
            message: 'flagged',
          },
        };
      },
      async cancel(taskId, init) {
        calls.push({ op: `cancel ${taskId}`, signal: init.signal });
        return { code: 'UnsupportedOperation', message: 'not PENDING', request_id: 'mem-3' };
      },
    };
    return { transport, calls };
  }

  it('hands the wire body, the idempotency key and a signal to the transport', async () => {
    const { transport, calls } = memoryTransport();
    const api = createKeyframeVideoClient({ transport });
    expect(await api.create(request, { idempotencyKey: 'k-1' })).toEqual({
      taskId: 'mem-task',
      status: 'PENDING',
      requestId: 'mem-1',
    });
    expect(calls[0]?.body?.input.first_frame_url).toBe('https://example.com/first.png');
    expect(calls[0]?.key).toBe('k-1');
    expect(calls[0]?.signal).toBeInstanceOf(AbortSignal);
    const task = await api.get('mem-task');
    expect(task.failure).toEqual({ code: 'DataInspectionFailed', message: 'flagged' });
    const refusal = await rejectionOf(api.cancel('mem-task'));
    expect(refusal.code).toBe('UnsupportedOperation');
    expect(refusal.status).toBeUndefined();
    expect(received).toHaveLength(0);
  });

  it('validates what a transport answers', async () => {
    const transport: KeyframeVideoTransport = {
      create: async () => ({ output: { task_id: 'x', task_status: 'PENDING' } }),
      get: async () => 'not json at all',
      cancel: async () => ({}),
    };
    const api = createKeyframeVideoClient({ transport });
    const error = await rejectionOf(api.create(request));
    expect(error.code).toBe('InvalidResponse');
    expect(error.detail).toContain('"request_id"');
    expect((await rejectionOf(api.get('x'))).code).toBe('InvalidResponse');
    expect(await api.cancel('x')).toEqual({});
  });

  it('times out a transport that ignores its signal, and reports its failures as NetworkError', async () => {
    const hanging: KeyframeVideoTransport = {
      create: () => new Promise(() => {}),
      get: () => Promise.reject(new Error('socket hang up')),
      cancel: () => new Promise(() => {}),
    };
    const clock = createManualClock();
    const api = createKeyframeVideoClient({ transport: hanging, timeoutMs: 1000, clock });
    const hung = api.create(request);
    clock.advance(1000);
    expect((await rejectionOf(hung)).code).toBe('Timeout');
    const failure = await rejectionOf(api.get('x'));
    expect(failure.code).toBe('NetworkError');
    expect(failure.detail).toBe('socket hang up');
    const controller = new AbortController();
    const call = api.cancel('x', { signal: controller.signal });
    controller.abort();
    expect((await rejectionOf(call)).code).toBe('Aborted');
  });

  it('refuses both an endpoint and a transport', () => {
    expect(() =>
      createKeyframeVideoClient({
        endpoint: DEFAULT_ENDPOINT,
        transport: memoryTransport().transport,
      }),
    ).toThrow(KeyframeVideoError);
  });
});

describe('helpers', () => {
  it('makes v4 UUID idempotency keys', () => {
    const keys = new Set(Array.from({ length: 50 }, () => createIdempotencyKey()));
    expect(keys.size).toBe(50);
    for (const key of keys) expect(key).toMatch(UUID);
  });

  it('reads Retry-After values', () => {
    const now = Date.UTC(2025, 0, 1, 0, 0, 0);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 12 ', now)).toBe(12_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
