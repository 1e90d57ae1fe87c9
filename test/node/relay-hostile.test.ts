// A hostile client against the relay on a real 127.0.0.1 server, with the simulator as the
// upstream on another real 127.0.0.1 server. Every case gets its documented status and code;
// refused requests never reach upstream; nothing from the client is forwarded upstream (the
// simulator's request log and the relay's outgoing requests are checked); upstream cookies and
// banners never reach the client; and the process keeps serving afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimulatorServer } from '../../src/simulator/node.js';
import {
  createBody,
  as,
  CREATE,
  createTask,
  createUpstreamTap,
  dataUrl,
  FIRST_FRAME,
  frameBytes,
  LAST_FRAME,
  MODEL,
  PREFIX,
  postJson,
  send,
  SERVER_KEY,
  sleep,
  startRelay,
  startUpstream,
  TOKENS,
  type RawAnswer,
  type RawRequest,
  type RelayHarness,
  type UpstreamTap,
} from './helpers/relay-harness.js';

/** Shared by every relay in this file, so ids made by one verify on another. */
const TASK_SECRET = 'relay-hostile-test-secret-0123456789abcdef';

let upstream: SimulatorServer;
let tap: UpstreamTap;
let relay: RelayHarness;
let origin: string;
let aliceTask = '';
let bobTask = '';
let aliceUpstreamId = '';
let hostedFrameUrl = '';

/** Headers that must never appear in a relay answer (the tap adds them to upstream answers). */
function expectCleanAnswer(answer: RawAnswer): void {
  expect(answer.headers['set-cookie']).toBeUndefined();
  expect(answer.headers.server).toBeUndefined();
  expect(answer.headers['x-dashscope-internal']).toBeUndefined();
  expect(answer.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
}

beforeAll(async () => {
  upstream = await startUpstream();
  tap = createUpstreamTap();
  hostedFrameUrl = new URL(
    upstream.simulator.hostFrame(frameBytes('valid-640x480.jpg'), 'image/jpeg', 'hosted.jpg'),
    upstream.url,
  ).href;
  relay = await startRelay(upstream.url, {
    fetch: tap.fetch,
    taskIdSecret: TASK_SECRET,
    models: [MODEL, 'wanx2.1-kf2v-plus'],
    allowedImageOrigins: [new URL(upstream.url).origin],
    // Policy: every video gets the watermark; 1080P is capped to 720P.
    transformRequest: (body) => ({
      ...body,
      parameters: {
        ...body.parameters,
        watermark: true,
        ...(body.parameters?.resolution === '1080P' ? { resolution: '720P' } : {}),
      },
    }),
  });
  origin = relay.origin;
  aliceTask = await createTask(origin, 'alice');
  bobTask = await createTask(origin, 'bob');
  aliceUpstreamId = String(upstream.simulator.tasks()[0]?.taskId);
});

afterAll(async () => {
  await relay.close();
  await upstream.close();
});

/** One hostile request and the answer it must get. */
interface HostileCase {
  readonly name: string;
  readonly path: () => string;
  readonly request?: () => RawRequest;
  readonly status: number;
  /** The error code answered (omitted for HEAD, which has no body). */
  readonly code?: string;
  readonly param?: string;
  /** Upstream calls the case may cause (default 0: refused before upstream). */
  readonly upstreamCalls?: number;
}

function flip(id: string, at: number): string {
  const chars = [...id];
  chars[at] = chars[at] === 'A' ? 'B' : 'A';
  return chars.join('');
}

const json = (body: unknown, headers: Record<string, string> = {}): RawRequest => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...as('alice'), ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const withFirst = (first: string) => json(createBody({ first_frame_url: first }));
const withLast = (last: string) => json(createBody({ last_frame_url: last }));

const ROUTING: HostileCase[] = [
  { name: 'the prefix itself', path: () => `${PREFIX}/`, status: 404, code: 'NotFound' },
  {
    name: 'the task list (not relayed)',
    path: () => `${PREFIX}/tasks`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'the upload policy endpoint',
    path: () => `${PREFIX}/uploads?action=getPolicy&model=${MODEL}`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'another DashScope service',
    path: () => `${PREFIX}/services/aigc/text2image/image-synthesis`,
    request: () => json(createBody()),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'GET on the create path',
    path: () => CREATE,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'PUT on the create path',
    path: () => CREATE,
    request: () => ({ ...json(createBody()), method: 'PUT' }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'DELETE on a task',
    path: () => `${PREFIX}/tasks/${aliceTask}`,
    request: () => ({ method: 'DELETE', headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'PATCH on cancel',
    path: () => `${PREFIX}/tasks/${aliceTask}/cancel`,
    request: () => ({ method: 'PATCH', headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'OPTIONS preflight',
    path: () => CREATE,
    request: () => ({ method: 'OPTIONS', headers: { origin: 'https://evil.example' } }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'HEAD on a task',
    path: () => `${PREFIX}/tasks/${aliceTask}`,
    request: () => ({ method: 'HEAD', headers: as('alice') }),
    status: 404,
  },
  {
    name: 'GET on cancel',
    path: () => `${PREFIX}/tasks/${aliceTask}/cancel`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'a task path outside the prefix',
    path: () => `/other/tasks/${aliceTask}`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'an encoded traversal',
    path: () => `${PREFIX}/tasks/..%2F..%2Fuploads`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'a dot-segment traversal',
    path: () => `${PREFIX}/tasks/%2e%2e/%2e%2e/tasks`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'a double-encoded slash in an id',
    path: () => `${PREFIX}/tasks/${aliceTask}%252F..`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'a trailing slash after an id',
    path: () => `${PREFIX}/tasks/${aliceTask}/`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'an extra segment after cancel',
    path: () => `${PREFIX}/tasks/${aliceTask}/cancel/x`,
    request: () => ({ method: 'POST', headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
];

const AUTH: HostileCase[] = [
  {
    name: 'create without Authorization',
    path: () => CREATE,
    request: () => ({ ...json(createBody()), headers: { 'content-type': 'application/json' } }),
    status: 401,
    code: 'Unauthenticated',
  },
  {
    name: 'get without Authorization',
    path: () => `${PREFIX}/tasks/${aliceTask}`,
    status: 401,
    code: 'Unauthenticated',
  },
  {
    name: 'cancel without Authorization',
    path: () => `${PREFIX}/tasks/${aliceTask}/cancel`,
    request: () => ({ method: 'POST' }),
    status: 401,
    code: 'Unauthenticated',
  },
  {
    name: 'an unknown bearer token',
    path: () => `${PREFIX}/tasks/${aliceTask}`,
    request: () => ({ headers: { authorization: 'Bearer tok-mallory' } }),
    status: 401,
    code: 'Unauthenticated',
  },
  {
    name: 'the server API key as a bearer token',
    path: () => `${PREFIX}/tasks/${aliceTask}`,
    request: () => ({ headers: { authorization: `Bearer ${SERVER_KEY}` } }),
    status: 401,
    code: 'Unauthenticated',
  },
  {
    name: 'Basic credentials',
    path: () => `${PREFIX}/tasks/${aliceTask}`,
    request: () => ({
      headers: { authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` },
    }),
    status: 401,
    code: 'Unauthenticated',
  },
  {
    name: 'a cookie only',
    path: () => `${PREFIX}/tasks/${aliceTask}`,
    request: () => ({ headers: { cookie: `session=${TOKENS.alice}` } }),
    status: 401,
    code: 'Unauthenticated',
  },
  {
    name: 'an empty bearer',
    path: () => `${PREFIX}/tasks/${aliceTask}`,
    request: () => ({ headers: { authorization: 'Bearer ' } }),
    status: 401,
    code: 'Unauthenticated',
  },
  {
    name: 'authenticate throws',
    path: () => `${PREFIX}/tasks/${aliceTask}`,
    request: () => ({ headers: { authorization: `Bearer ${TOKENS.throws}` } }),
    status: 500,
    code: 'InternalError',
  },
  {
    name: 'authenticate returns a bad user',
    path: () => `${PREFIX}/tasks/${aliceTask}`,
    request: () => ({ headers: { authorization: `Bearer ${TOKENS.badUser}` } }),
    status: 500,
    code: 'InternalError',
  },
  {
    name: 'a cross-site create (CSRF)',
    path: () => CREATE,
    request: () =>
      json(createBody(), { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' }),
    status: 403,
    code: 'Forbidden',
  },
  {
    name: 'a cross-site cancel with no body (CSRF)',
    path: () => `${PREFIX}/tasks/${aliceTask}/cancel`,
    request: () => ({
      method: 'POST',
      headers: { ...as('alice'), 'sec-fetch-site': 'cross-site' },
    }),
    status: 403,
    code: 'Forbidden',
  },
  {
    name: 'a cross-site read',
    path: () => `${PREFIX}/tasks/${aliceTask}`,
    request: () => ({ headers: { ...as('alice'), 'sec-fetch-site': 'cross-site' } }),
    status: 403,
    code: 'Forbidden',
  },
  {
    name: 'authenticate refuses a banned user',
    path: () => CREATE,
    request: () => json(createBody(), { authorization: `Bearer ${TOKENS.banned}` }),
    status: 403,
    code: 'Forbidden',
  },
];

const TASK_IDS: HostileCase[] = [
  {
    name: 'a short garbage id',
    path: () => `${PREFIX}/tasks/abc`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: "DashScope's own id (unsigned)",
    path: () => `${PREFIX}/tasks/${aliceUpstreamId}`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'a forged id of the right shape',
    path: () => `${PREFIX}/tasks/kfv1${'Q'.repeat(aliceTask.length - 4)}`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: "alice's id with the MAC altered",
    path: () => `${PREFIX}/tasks/${flip(aliceTask, aliceTask.length - 3)}`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: "alice's id with the upstream part altered",
    path: () => `${PREFIX}/tasks/${flip(aliceTask, 8)}`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: "bob's id read by alice",
    path: () => `${PREFIX}/tasks/${bobTask}`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: "bob's id canceled by alice",
    path: () => `${PREFIX}/tasks/${bobTask}/cancel`,
    request: () => ({ method: 'POST', headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'an overlong id (8 KB)',
    path: () => `${PREFIX}/tasks/kfv1${'A'.repeat(8_000)}`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'an id with a dot',
    path: () => `${PREFIX}/tasks/${aliceTask.slice(0, 20)}.${aliceTask.slice(21)}`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'an id with an encoded NUL',
    path: () => `${PREFIX}/tasks/${aliceTask}%00`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'an id with percent-encoded letters',
    path: () => `${PREFIX}/tasks/%6b%66%76%31${aliceTask.slice(4)}`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'an id with non-ASCII',
    path: () => `${PREFIX}/tasks/kfv1${encodeURIComponent('é'.repeat(30))}`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
  {
    name: 'an id with a non-canonical base64 tail',
    path: () => `${PREFIX}/tasks/${aliceTask.slice(0, -1)}${aliceTask.endsWith('B') ? 'C' : 'B'}`,
    request: () => ({ headers: as('alice') }),
    status: 404,
    code: 'NotFound',
  },
];

const BODIES: HostileCase[] = [
  {
    name: 'text/plain',
    path: () => CREATE,
    request: () => json(createBody(), { 'content-type': 'text/plain' }),
    status: 415,
    code: 'UnsupportedMediaType',
  },
  {
    name: 'no Content-Type',
    path: () => CREATE,
    request: () => ({ method: 'POST', headers: as('alice'), body: JSON.stringify(createBody()) }),
    status: 415,
    code: 'UnsupportedMediaType',
  },
  {
    name: 'multipart/form-data',
    path: () => CREATE,
    request: () => json('--x\r\n', { 'content-type': 'multipart/form-data; boundary=x' }),
    status: 415,
    code: 'UnsupportedMediaType',
  },
  {
    name: 'a form body',
    path: () => CREATE,
    request: () => json('model=x', { 'content-type': 'application/x-www-form-urlencoded' }),
    status: 415,
    code: 'UnsupportedMediaType',
  },
  {
    name: 'JSON in latin1',
    path: () => CREATE,
    request: () => json(createBody(), { 'content-type': 'application/json; charset=latin1' }),
    status: 415,
    code: 'UnsupportedMediaType',
  },
  {
    name: 'a JSON look-alike type',
    path: () => CREATE,
    request: () => json(createBody(), { 'content-type': 'application/jsonp' }),
    status: 415,
    code: 'UnsupportedMediaType',
  },
  {
    name: 'a declared 100 MB body (refused before reading it)',
    path: () => CREATE,
    request: () => ({
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': '100000000',
        ...as('alice'),
      },
      body: async (sink) => {
        await sink.write(new Uint8Array(1024).fill(0x20));
        for (let i = 0; i < 500 && !sink.answered; i++) await sleep(10);
      },
    }),
    status: 413,
    code: 'RelayBodyTooLarge',
  },
  {
    name: 'truncated JSON',
    path: () => CREATE,
    request: () => json('{"model":"wan2.2-kf2v-flash","input":{'),
    status: 400,
    code: 'InvalidParameter',
  },
  {
    name: 'a JSON array',
    path: () => CREATE,
    request: () => json([createBody()]),
    status: 400,
    code: 'InvalidParameter',
  },
  {
    name: 'JSON null',
    path: () => CREATE,
    request: () => json('null'),
    status: 400,
    code: 'InvalidParameter',
  },
  {
    name: 'a JSON string',
    path: () => CREATE,
    request: () => json('"hello"'),
    status: 400,
    code: 'InvalidParameter',
  },
  {
    name: 'an empty body',
    path: () => CREATE,
    request: () => json(''),
    status: 400,
    code: 'InvalidParameter',
  },
  {
    name: 'invalid UTF-8',
    path: () => CREATE,
    request: () => ({ ...json(''), body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) }),
    status: 400,
    code: 'InvalidParameter',
  },
  {
    name: '100,000 nested arrays',
    path: () => CREATE,
    request: () => json(`${'['.repeat(100_000)}${']'.repeat(100_000)}`),
    status: 400,
    code: 'InvalidParameter',
  },
  {
    name: 'an unknown top-level field',
    path: () => CREATE,
    request: () => json({ ...createBody(), callback_url: 'https://evil.example/hook' }),
    status: 400,
    code: 'InvalidParameter',
    param: 'callback_url',
  },
  {
    name: 'an unknown input field',
    path: () => CREATE,
    request: () => json(createBody({ oss_url: 'oss://bucket/x' })),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.oss_url',
  },
  {
    name: 'an unknown parameter',
    path: () => CREATE,
    request: () => json(createBody({}, { n: 4 })),
    status: 400,
    code: 'InvalidParameter',
    param: 'parameters.n',
  },
  {
    name: 'the SDK field with another value',
    path: () => CREATE,
    request: () => json(createBody({ function: 'image-synthesis' })),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.function',
  },
  {
    name: 'a __proto__ key',
    path: () => CREATE,
    request: () => json(`{"__proto__":{"polluted":true},${JSON.stringify(createBody()).slice(1)}`),
    status: 400,
    code: 'InvalidParameter',
    param: '__proto__',
  },
  {
    name: 'an input.__proto__ key',
    path: () => CREATE,
    request: () =>
      json(
        JSON.stringify(createBody()).replace(
          '"input":{',
          '"input":{"__proto__":{"first_frame_url":"https://evil.example/x.png"},',
        ),
      ),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.__proto__',
  },
  {
    name: 'a constructor.prototype key',
    path: () => CREATE,
    request: () => json({ ...createBody(), constructor: { prototype: { polluted: true } } }),
    status: 400,
    code: 'InvalidParameter',
    param: 'constructor',
  },
  {
    name: 'a model that is not a string',
    path: () => CREATE,
    request: () => json({ ...createBody(), model: ['wan2.2-kf2v-flash'] }),
    status: 400,
    code: 'InvalidParameter',
    param: 'model',
  },
  {
    name: 'no input',
    path: () => CREATE,
    request: () => json({ model: MODEL }),
    status: 400,
    code: 'InvalidParameter',
    param: 'input',
  },
  {
    name: 'a malformed Idempotency-Key',
    path: () => CREATE,
    request: () => json(createBody(), { 'idempotency-key': 'has space' }),
    status: 400,
    code: 'InvalidParameter',
    param: 'Idempotency-Key',
  },
  {
    name: 'an overlong Idempotency-Key',
    path: () => CREATE,
    request: () => json(createBody(), { 'idempotency-key': 'k'.repeat(256) }),
    status: 400,
    code: 'InvalidParameter',
    param: 'Idempotency-Key',
  },
];

const png = frameBytes('valid-rgb-512x512.png');
const jpeg = frameBytes('valid-640x480.jpg');
/** A real JPEG followed by 11 MB of padding: a valid header, but over the 10 MiB limit. */
const hugeJpeg = (() => {
  const bytes = new Uint8Array(11 * 1024 * 1024);
  bytes.set(jpeg, 0);
  return bytes;
})();

const FRAMES: HostileCase[] = [
  {
    name: 'a GIF frame',
    path: () => CREATE,
    request: () => withFirst(dataUrl(frameBytes('pattern-120x80.gif'), 'image/gif')),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.first_frame_url',
  },
  {
    name: 'an SVG frame',
    path: () => CREATE,
    request: () => withFirst(dataUrl(frameBytes('drawing.svg'), 'image/svg+xml')),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.first_frame_url',
  },
  {
    name: 'broken base64',
    path: () => CREATE,
    request: () => withFirst('data:image/png;base64,!!!!not-base64!!!!'),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.first_frame_url',
  },
  {
    name: 'base64 with line breaks',
    path: () => CREATE,
    request: () => withFirst(FIRST_FRAME.slice(0, 200) + '\n' + FIRST_FRAME.slice(200)),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.first_frame_url',
  },
  {
    name: 'PNG bytes labelled JPEG',
    path: () => CREATE,
    request: () => withFirst(dataUrl(png, 'image/jpeg')),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.first_frame_url',
  },
  {
    name: 'a 300×300 frame (too small)',
    path: () => CREATE,
    request: () => withFirst(dataUrl(frameBytes('small-300x300.jpg'), 'image/jpeg')),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.first_frame_url',
  },
  {
    name: 'a 2400×400 frame (too wide)',
    path: () => CREATE,
    request: () => withFirst(dataUrl(frameBytes('wide-2400x400.png'), 'image/png')),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.first_frame_url',
  },
  {
    name: 'a last frame with alpha',
    path: () => CREATE,
    request: () => withLast(dataUrl(frameBytes('alpha-rgba-512x512.png'), 'image/png')),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.last_frame_url',
  },
  {
    name: 'a frame over 10 MiB decoded',
    path: () => CREATE,
    request: () => withLast(dataUrl(hugeJpeg, 'image/jpeg')),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.last_frame_url',
  },
  {
    name: 'a text data URL',
    path: () => CREATE,
    request: () => withFirst('data:text/plain;base64,aGVsbG8='),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.first_frame_url',
  },
  {
    name: 'a javascript: URL',
    path: () => CREATE,
    request: () => withFirst('javascript:alert(1)'),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.first_frame_url',
  },
  {
    name: 'a file: URL',
    path: () => CREATE,
    request: () => withFirst('file:///etc/passwd'),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.first_frame_url',
  },
  {
    name: 'an ftp: URL',
    path: () => CREATE,
    request: () => withLast('ftp://example.com/a.png'),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.last_frame_url',
  },
  {
    name: 'an oss:// temporary URL',
    path: () => CREATE,
    request: () => withFirst('oss://dashscope-instant/a.png'),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.first_frame_url',
  },
  {
    name: 'a link from an origin not allowed',
    path: () => CREATE,
    request: () => withFirst('https://evil.example/a.png'),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.first_frame_url',
  },
  {
    name: 'a link to the internal network',
    path: () => CREATE,
    request: () => withLast('http://169.254.169.254/latest/meta-data/'),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.last_frame_url',
  },
  {
    name: 'a link with credentials',
    path: () => CREATE,
    request: () => withFirst(hostedFrameUrl.replace('http://', 'http://user:pw@')),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.first_frame_url',
  },
  {
    name: 'an empty first frame',
    path: () => CREATE,
    request: () => withFirst(''),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.first_frame_url',
  },
];

const POLICY: HostileCase[] = [
  {
    name: 'a model outside the allow-list',
    path: () => CREATE,
    request: () => json(createBody({}, undefined, 'wan2.1-kf2v-plus')),
    status: 403,
    code: 'Forbidden',
    param: 'model',
  },
  {
    name: 'an unknown model',
    path: () => CREATE,
    request: () => json(createBody({}, undefined, 'qwen-max')),
    status: 403,
    code: 'Forbidden',
    param: 'model',
  },
  {
    name: 'a resolution the model lacks',
    path: () => CREATE,
    request: () => json(createBody({}, { resolution: '4K' })),
    status: 400,
    code: 'InvalidParameter',
    param: 'parameters.resolution',
  },
  {
    name: 'an 801-character prompt',
    path: () => CREATE,
    request: () => json(createBody({ prompt: 'x'.repeat(801) })),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.prompt',
  },
  {
    name: 'a negative seed',
    path: () => CREATE,
    request: () => json(createBody({}, { seed: -1 })),
    status: 400,
    code: 'InvalidParameter',
    param: 'parameters.seed',
  },
  {
    name: 'a 10 s duration',
    path: () => CREATE,
    request: () => json(createBody({}, { duration: 10 })),
    status: 400,
    code: 'InvalidParameter',
    param: 'parameters.duration',
  },
  {
    name: 'a template on a model without templates',
    path: () => CREATE,
    request: () => json(createBody({ template: 'hanfu-1' })),
    status: 400,
    code: 'InvalidParameter',
    param: 'input.template',
  },
];

describe.each([
  ['routing', ROUTING],
  ['authentication', AUTH],
  ['task ids', TASK_IDS],
  ['bodies', BODIES],
  ['frames', FRAMES],
  ['policy', POLICY],
] as const)('hostile %s', (_group, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
    const before = tap.calls.length;
    const answer = await send(origin, testCase.path(), testCase.request?.() ?? {});
    expect(answer.status, answer.text).toBe(testCase.status);
    if (testCase.code !== undefined) {
      expect(answer.json.code).toBe(testCase.code);
      expect(typeof answer.json.message).toBe('string');
      expect(answer.json.request_id).toBe(answer.headers['x-request-id']);
    }
    if (testCase.param !== undefined) expect(answer.json.param).toBe(testCase.param);
    expect(tap.calls.length - before).toBe(testCase.upstreamCalls ?? 0);
    expectCleanAnswer(answer);
  });
});

describe('what goes upstream', () => {
  it('a create with every forbidden client header forwards none of them', async () => {
    const before = upstream.simulator.log.length;
    const answer = await postJson(origin, CREATE, createBody({}, { resolution: '1080P' }), {
      ...as('alice'),
      cookie: 'session=abc; tracking=1',
      'x-dashscope-async': 'disable',
      'x-dashscope-ossresourceresolve': 'enable',
      'x-dashscope-workspace': 'ws-attacker',
      'x-dashscope-datainspection': '{"input":"disable"}',
      'x-forwarded-for': '10.0.0.1',
      'x-real-ip': '10.0.0.1',
      forwarded: 'for=10.0.0.1',
      'proxy-authorization': 'Basic abc',
      'x-api-key': 'sk-attacker',
      'user-agent': 'evil-agent/1.0',
      origin: 'https://evil.example',
      referer: 'https://evil.example/page',
      'idempotency-key': 'forbidden-headers-1',
    });
    expect(answer.status, answer.text).toBe(200);
    expectCleanAnswer(answer);
    const call = tap.calls.at(-1);
    expect(call?.headers).toEqual({
      authorization: `Bearer ${SERVER_KEY}`,
      accept: 'application/json',
      'content-type': 'application/json',
      'x-dashscope-async': 'enable',
    });
    // The frames go upstream exactly as sent (spliced into a freshly serialised body).
    expect(call?.body?.input).toEqual({
      first_frame_url: FIRST_FRAME,
      last_frame_url: LAST_FRAME,
      prompt: 'A cat looks up.',
    });
    // transformRequest ran: watermark forced, 1080P capped to 720P.
    expect(call?.body?.parameters).toEqual({ resolution: '720P', watermark: true });
    const seen = upstream.simulator.log.slice(before);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.status).toBe(200); // the simulator accepts only SERVER_KEY
    expect(seen[0]?.headers['x-dashscope-async']).toBe('enable');
    expect(seen[0]?.headers['user-agent']).not.toBe('evil-agent/1.0');
  });

  it('an allowed image link is forwarded as given', async () => {
    const answer = await postJson(
      origin,
      CREATE,
      createBody({ first_frame_url: hostedFrameUrl }),
      as('bob'),
    );
    expect(answer.status, answer.text).toBe(200);
    expect((tap.calls.at(-1)?.body?.input as Record<string, unknown>).first_frame_url).toBe(
      hostedFrameUrl,
    );
  });

  it('the SDK-only input.function is dropped, not forwarded', async () => {
    const answer = await postJson(
      origin,
      CREATE,
      createBody({ function: 'video-synthesis' }),
      as('bob'),
    );
    expect(answer.status, answer.text).toBe(200);
    expect(tap.calls.at(-1)?.body?.input).not.toHaveProperty('function');
  });
});

describe('owners read and cancel their own tasks', () => {
  it('alice reads her task: the answer carries the relay id, never the upstream id', async () => {
    const answer = await send(origin, `${PREFIX}/tasks/${aliceTask}`, {
      headers: { ...as('alice'), 'sec-fetch-site': 'same-origin' },
    });
    expect(answer.status).toBe(200);
    expect(answer.json.output.task_id).toBe(aliceTask);
    expect(answer.text).not.toContain(aliceUpstreamId);
    expectCleanAnswer(answer);
  });

  it('bob cancels his PENDING task', async () => {
    const answer = await send(origin, `${PREFIX}/tasks/${bobTask}/cancel`, {
      method: 'POST',
      headers: as('bob'),
    });
    expect(answer.status, answer.text).toBe(200);
    const after = await send(origin, `${PREFIX}/tasks/${bobTask}`, { headers: as('bob') });
    expect(after.json.output.task_status).toBe('CANCELED');
  });
});

describe('idempotency', () => {
  it('the same key and body returns the same task with one upstream create', async () => {
    const before = upstream.simulator.createCount;
    const body = createBody({ prompt: 'idempotent once' });
    const first = await postJson(origin, CREATE, body, {
      ...as('alice'),
      'idempotency-key': 'idem-1',
    });
    const again = await postJson(origin, CREATE, body, {
      ...as('alice'),
      'idempotency-key': 'idem-1',
    });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.json.output.task_id).toBe(first.json.output.task_id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(upstream.simulator.createCount - before).toBe(1);
  });

  it('the same key with another body is a conflict (422) and creates nothing', async () => {
    const before = upstream.simulator.createCount;
    const answer = await postJson(origin, CREATE, createBody({ prompt: 'something else' }), {
      ...as('alice'),
      'idempotency-key': 'idem-1',
    });
    expect(answer.status).toBe(422);
    expect(answer.json.code).toBe('IdempotencyConflict');
    expect(upstream.simulator.createCount).toBe(before);
  });

  it('the same key from another user is another submission', async () => {
    const body = createBody({ prompt: 'idempotent once' });
    const bobs = await postJson(origin, CREATE, body, {
      ...as('bob'),
      'idempotency-key': 'idem-1',
    });
    expect(bobs.status).toBe(200);
    const alices = await postJson(origin, CREATE, body, {
      ...as('alice'),
      'idempotency-key': 'idem-1',
    });
    expect(bobs.json.output.task_id).not.toBe(alices.json.output.task_id);
  });

  it('20 concurrent duplicates make one upstream create and all get the same task', async () => {
    const before = upstream.simulator.createCount;
    const body = createBody({ prompt: 'a burst of retries' });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        postJson(origin, CREATE, body, { ...as('carol'), 'idempotency-key': 'burst-1' }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(new Set(answers.map((a) => a.json.output.task_id)).size).toBe(1);
    expect(upstream.simulator.createCount - before).toBe(1);
  });

  it('a key whose create failed upstream can be used again', async () => {
    upstream.simulator.inject(
      { kind: 'http', status: 500, code: 'InternalError' },
      { route: 'create' },
      1,
    );
    const body = createBody({ prompt: 'retry after failure' });
    const failed = await postJson(origin, CREATE, body, {
      ...as('alice'),
      'idempotency-key': 'idem-fail',
    });
    expect(failed.status).toBe(500);
    expect(failed.json.code).toBe('InternalError');
    const retried = await postJson(origin, CREATE, body, {
      ...as('alice'),
      'idempotency-key': 'idem-fail',
    });
    expect(retried.status).toBe(200);
  });
});

describe('upstream trouble', () => {
  const creates = () =>
    tap.calls.filter((c) => c.method === 'POST' && c.url.endsWith('video-synthesis')).length;
  const gets = () => tap.calls.filter((c) => c.method === 'GET').length;

  it('a create that fails upstream is passed through and never retried', async () => {
    upstream.simulator.inject(
      { kind: 'http', status: 503, code: 'ModelUnavailable', message: 'busy' },
      { route: 'create' },
      1,
    );
    const before = creates();
    const answer = await postJson(origin, CREATE, createBody(), as('alice'));
    expect(answer.status).toBe(503);
    expect(answer.json.code).toBe('ModelUnavailable');
    expect(answer.json.message).toBe('busy');
    expect(answer.json.request_id).toBe(upstream.simulator.log.at(-1)?.requestId);
    expect(creates() - before).toBe(1);
  });

  it('a dropped create connection answers 502 and is not retried', async () => {
    upstream.simulator.inject({ kind: 'drop' }, { route: 'create' }, 1);
    const before = creates();
    const answer = await postJson(origin, CREATE, createBody(), as('alice'));
    expect(answer.status).toBe(502);
    expect(answer.json.code).toBe('UpstreamUnreachable');
    expect(creates() - before).toBe(1);
  });

  it('an HTML page instead of JSON on a create answers 502', async () => {
    upstream.simulator.inject({ kind: 'nonJson' }, { route: 'create' }, 1);
    const answer = await postJson(origin, CREATE, createBody(), as('alice'));
    expect(answer.status).toBe(502);
    expect(answer.json.code).toBe('UpstreamInvalidResponse');
  });

  it('a GET that fails once with 500 is retried once and succeeds', async () => {
    upstream.simulator.inject(
      { kind: 'http', status: 500, code: 'InternalError' },
      { route: 'get' },
      1,
    );
    const before = gets();
    const answer = await send(origin, `${PREFIX}/tasks/${aliceTask}`, { headers: as('alice') });
    expect(answer.status).toBe(200);
    expect(gets() - before).toBe(2);
    expect(
      relay.events.some((e) => e.type === 'relay.upstream_retry' && e.upstreamStatus === 500),
    ).toBe(true);
  });

  it('a GET whose connection drops once is retried and succeeds', async () => {
    upstream.simulator.inject({ kind: 'drop' }, { route: 'get' }, 1);
    const answer = await send(origin, `${PREFIX}/tasks/${aliceTask}`, { headers: as('alice') });
    expect(answer.status).toBe(200);
  });

  it('a GET failing twice passes the second error on (no third try)', async () => {
    upstream.simulator.inject(
      { kind: 'http', status: 503, code: 'ModelUnavailable' },
      { route: 'get' },
      2,
    );
    const before = gets();
    const answer = await send(origin, `${PREFIX}/tasks/${aliceTask}`, { headers: as('alice') });
    expect(answer.status).toBe(503);
    expect(answer.json.code).toBe('ModelUnavailable');
    expect(gets() - before).toBe(2);
  });

  it('HTML pages on both GET attempts answer 502', async () => {
    upstream.simulator.inject({ kind: 'nonJson' }, { route: 'get' }, 2);
    const answer = await send(origin, `${PREFIX}/tasks/${aliceTask}`, { headers: as('alice') });
    expect(answer.status).toBe(502);
    expect(answer.json.code).toBe('UpstreamInvalidResponse');
  });

  it('429 Throttling passes through with its code and Retry-After', async () => {
    upstream.simulator.inject(
      { kind: 'http', status: 429, code: 'Throttling.RateQuota', retryAfterSec: 7 },
      { route: 'create' },
      1,
    );
    const answer = await postJson(origin, CREATE, createBody(), as('alice'));
    expect(answer.status).toBe(429);
    expect(answer.json.code).toBe('Throttling.RateQuota');
    expect(answer.headers['retry-after']).toBe('7');
  });

  it('a content-moderation refusal passes through with code, message and request_id', async () => {
    upstream.simulator.inject(
      {
        kind: 'http',
        status: 400,
        code: 'DataInspectionFailed',
        message: 'Input data may contain inappropriate content.',
      },
      { route: 'create' },
      1,
    );
    const answer = await postJson(origin, CREATE, createBody(), as('alice'));
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      code: 'DataInspectionFailed',
      message: 'Input data may contain inappropriate content.',
      request_id: upstream.simulator.log.at(-1)?.requestId,
    });
  });

  it('an upstream that answers too slowly is a 504 (create: once, no retry)', async () => {
    const slow = await startRelay(upstream.url, {
      taskIdSecret: TASK_SECRET,
      timeoutMs: 300,
      fetch: tap.fetch,
    });
    try {
      upstream.simulator.inject({ kind: 'delay', ms: 2_000 }, { route: 'create' }, 1);
      const before = creates();
      const answer = await postJson(slow.origin, CREATE, createBody(), as('alice'));
      expect(answer.status).toBe(504);
      expect(answer.json.code).toBe('UpstreamTimeout');
      expect(creates() - before).toBe(1);
      upstream.simulator.inject({ kind: 'delay', ms: 2_000 }, { route: 'get' }, 1);
      const read = await send(slow.origin, `${PREFIX}/tasks/${aliceTask}`, {
        headers: as('alice'),
      });
      expect(read.status).toBe(504);
      expect(read.json.code).toBe('UpstreamTimeout');
    } finally {
      await slow.close();
    }
  });

  it('an unreachable upstream is a 502 (the GET tried twice)', async () => {
    const dead = await startRelay('http://127.0.0.1:9/api/v1', { taskIdSecret: TASK_SECRET });
    try {
      const created = await postJson(dead.origin, CREATE, createBody(), as('alice'));
      expect(created.status).toBe(502);
      expect(created.json.code).toBe('UpstreamUnreachable');
      const read = await send(dead.origin, `${PREFIX}/tasks/${aliceTask}`, {
        headers: as('alice'),
      });
      expect(read.status).toBe(502);
      expect(read.json.code).toBe('UpstreamUnreachable');
      expect(dead.events.filter((e) => e.type === 'relay.upstream_retry')).toHaveLength(1);
    } finally {
      await dead.close();
    }
  });

  it('a wrong server key surfaces as upstream 401 InvalidApiKey', async () => {
    // Its own simulator, so the shared one's log only ever sees the right key.
    const strict = await startUpstream();
    const wrong = await startRelay(strict.url, {
      apiKey: 'sk-wrong-0000000000000000',
      taskIdSecret: TASK_SECRET,
    });
    try {
      const answer = await postJson(wrong.origin, CREATE, createBody(), as('alice'));
      expect(answer.status).toBe(401);
      expect(answer.json.code).toBe('InvalidApiKey');
      expect(strict.simulator.createCount).toBe(0);
    } finally {
      await wrong.close();
      await strict.close();
    }
  });

  it('an id signed by a relay with another secret is not found here', async () => {
    const other = await startRelay(upstream.url, {
      taskIdSecret: 'another-relay-secret-0123456789abcdefgh',
    });
    try {
      const foreign = await createTask(other.origin, 'alice');
      const before = tap.calls.length;
      const answer = await send(origin, `${PREFIX}/tasks/${foreign}`, { headers: as('alice') });
      expect(answer.status).toBe(404);
      expect(tap.calls.length).toBe(before);
    } finally {
      await other.close();
    }
  });
});

describe('rate limits', () => {
  let limited: RelayHarness;
  beforeAll(async () => {
    limited = await startRelay(upstream.url, {
      taskIdSecret: TASK_SECRET,
      fetch: tap.fetch,
      rateLimits: {
        userCreate: { limit: 1, windowMs: 60_000, burst: 1 },
        userQuery: { limit: 2, windowMs: 60_000, burst: 2 },
        accountCreate: { limit: 2, windowMs: 60_000, burst: 2 },
        accountQuery: false,
      },
    });
  });
  afterAll(() => limited.close());

  it('a user over the create limit gets 429 with Retry-After, before upstream', async () => {
    expect((await postJson(limited.origin, CREATE, createBody(), as('alice'))).status).toBe(200);
    const before = tap.calls.length;
    const answer = await postJson(limited.origin, CREATE, createBody(), as('alice'));
    expect(answer.status).toBe(429);
    expect(answer.json.code).toBe('RelayRateLimited');
    expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(tap.calls.length).toBe(before);
  });

  it('the account limit holds across users', async () => {
    expect((await postJson(limited.origin, CREATE, createBody(), as('bob'))).status).toBe(200);
    const answer = await postJson(limited.origin, CREATE, createBody(), as('carol'));
    expect(answer.status).toBe(429);
    expect(answer.json.code).toBe('RelayRateLimited');
    expect(
      limited.events.some((e) => e.type === 'relay.rate_limited' && e.scope === 'account'),
    ).toBe(true);
  });

  it('task reads are limited per user, separately from creates', async () => {
    const path = `${PREFIX}/tasks/${aliceTask}`;
    expect((await send(limited.origin, path, { headers: as('alice') })).status).toBe(200);
    expect((await send(limited.origin, path, { headers: as('alice') })).status).toBe(200);
    const third = await send(limited.origin, path, { headers: as('alice') });
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBeDefined();
    expect(
      (await send(limited.origin, `${PREFIX}/tasks/${bobTask}`, { headers: as('bob') })).status,
    ).toBe(200);
  });
});

describe('slow and oversized uploads', () => {
  it('a 64 MiB chunked body is refused with 413 while it is still being sent', async () => {
    const chunk = new Uint8Array(256 * 1024).fill(0x20);
    const total = 64 * 1024 * 1024;
    const answer = await send(origin, CREATE, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...as('alice') },
      body: async (sink) => {
        for (let sent = 0; sent < total && !sink.answered; sent += chunk.byteLength)
          await sink.write(chunk);
      },
    });
    expect(answer.status).toBe(413);
    expect(answer.json.code).toBe('RelayBodyTooLarge');
    expect(answer.sentBeforeAnswer).toBeLessThan(total);
  });

  it('a slow-drip body is cut off with 408 while the relay keeps serving others', async () => {
    const drip = await startRelay(upstream.url, { taskIdSecret: TASK_SECRET, bodyTimeoutMs: 400 });
    try {
      const dripping = send(drip.origin, CREATE, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '100000', ...as('alice') },
        body: async (sink) => {
          for (let i = 0; i < 200 && !sink.answered; i++) {
            await sink.write(new Uint8Array([0x20]));
            await sleep(25);
          }
        },
      });
      const meanwhile = await send(drip.origin, `${PREFIX}/tasks/${aliceTask}`, {
        headers: as('alice'),
      });
      expect(meanwhile.status).toBe(200);
      const answer = await dripping;
      expect(answer.status).toBe(408);
      expect(answer.json.code).toBe('RequestTimeOut');
      expect(answer.sentBeforeAnswer).toBeLessThan(200);
    } finally {
      await drip.close();
    }
  });

  it('50 concurrent 16 MiB uploads against a 1 MiB cap: all 413, memory stays bounded', async () => {
    const capped = await startRelay(upstream.url, {
      taskIdSecret: TASK_SECRET,
      maxBodyBytes: 1024 * 1024,
      maxBufferedBodyBytes: 512 * 1024 * 1024,
    });
    const uploadBytes = 16 * 1024 * 1024;
    const chunk = new Uint8Array(64 * 1024).fill(0x20);
    globalThis.gc?.();
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakExternal = baseline.external + baseline.arrayBuffers;
    let sampling = true;
    const sample = () => {
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakExternal = Math.max(peakExternal, now.external + now.arrayBuffers);
      if (sampling) setTimeout(sample, 5);
    };
    sample();
    try {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          send(capped.origin, CREATE, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...as('alice') },
            body: async (sink) => {
              for (let sent = 0; sent < uploadBytes && !sink.answered; sent += chunk.byteLength) {
                await sink.write(chunk);
              }
            },
          }),
        ),
      );
      sampling = false;
      expect(answers.map((a) => a.status)).toEqual(Array(50).fill(413));
      for (const answer of answers) expect(answer.sentBeforeAnswer).toBeLessThan(uploadBytes);
      const rssGrowth = peakRss - baseline.rss;
      const bufferGrowth = peakExternal - baseline.external - baseline.arrayBuffers;
      const wholeBodies = 50 * uploadBytes;
      const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
      console.log(
        `[relay] 50 concurrent 16 MiB uploads, 1 MiB cap: peak RSS +${mb(rssGrowth)} MiB, ` +
          `peak buffers +${mb(bufferGrowth)} MiB (buffering them whole would hold ${mb(wholeBodies)} MiB); ` +
          `median bytes sent before the 413: ${mb(answers.map((a) => a.sentBeforeAnswer).sort((a, b) => a - b)[25] ?? 0)} MiB`,
      );
      expect(bufferGrowth).toBeLessThan(wholeBodies / 4);
      expect(rssGrowth).toBeLessThan(wholeBodies / 2);
    } finally {
      sampling = false;
      await capped.close();
    }
  });
});

describe('after all that', () => {
  it('the relay still creates and reads tasks', async () => {
    const id = await createTask(origin, 'carol', createBody({ last_frame_url: LAST_FRAME }));
    const answer = await send(origin, `${PREFIX}/tasks/${id}`, { headers: as('carol') });
    expect(answer.status).toBe(200);
    expect(answer.json.output.task_id).toBe(id);
  });

  it('every request produced exactly one relay.request event with its status', () => {
    const requests = relay.events.filter((e) => e.type === 'relay.request');
    expect(requests.length).toBeGreaterThan(60);
    for (const event of requests) {
      expect(event.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(event.latencyMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('no upstream request carried a client credential or header, across the whole file', () => {
    const forbidden =
      /^(cookie|proxy-authorization|x-api-key|x-forwarded-.*|x-real-ip|forwarded|origin|referer|idempotency-key|x-dashscope-(?!async$).*)$/;
    expect(upstream.simulator.log.length).toBeGreaterThan(3);
    for (const entry of upstream.simulator.log) {
      for (const name of Object.keys(entry.headers)) expect(name).not.toMatch(forbidden);
      expect(entry.headers.authorization).toBe('Bearer ***');
      if (entry.headers['x-dashscope-async'] !== undefined) {
        expect(entry.headers['x-dashscope-async']).toBe('enable');
      }
      expect(entry.code).not.toBe('InvalidApiKey');
    }
    for (const call of tap.calls) expect(call.headers.authorization).toBe(`Bearer ${SERVER_KEY}`);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});
