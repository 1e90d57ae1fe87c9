// The relay's upstream client. On Node the relay calls upstream with node:http and a keep-alive
// agent (cheaper per call than Node's fetch); given the `fetch` option, it uses that fetch.
// Both must behave the same against a broken or hostile upstream: exact headers and body out,
// one reused connection, no redirects followed, answers capped, deadlines kept, dropped
// connections reported (a GET retried once, a create never), and a client that goes away
// aborting the upstream call it was waiting for.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KeyframeVideoRelayOptions, RelayRequestEvent } from '../../src/relay/index.js';
import {
  as,
  CREATE,
  createBody,
  FIRST_FRAME,
  LAST_FRAME,
  PREFIX,
  postJson,
  send,
  SERVER_KEY,
  startRelay,
  TOKENS,
  type RelayHarness,
} from './helpers/relay-harness.js';

type Mode = 'ok' | 'redirect' | 'huge' | 'html' | 'hang' | 'drop' | 'error500';

/** One request as the test upstream received it. */
interface Received {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** A DashScope stand-in whose behaviour each test chooses. */
const upstream = {
  mode: 'ok' as Mode,
  received: [] as Received[],
  connections: 0,
  /** Resolved with each request's `close` while it hangs (the relay gave up on it). */
  hanging: [] as Promise<void>[],
  onRequest: undefined as (() => void) | undefined,
};

function answer(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function handle(request: IncomingMessage, response: ServerResponse, body: string): void {
  const path = request.url ?? '';
  upstream.received.push({ method: request.method ?? '', path, headers: request.headers, body });
  upstream.onRequest?.();
  if (path === '/followed') return answer(response, 200, { followed: true });
  switch (upstream.mode) {
    case 'redirect':
      response.writeHead(302, { location: '/followed' });
      response.end();
      return;
    case 'huge':
      return answer(response, 200, { request_id: 'r', padding: 'x'.repeat(2 * 1024 * 1024) });
    case 'html':
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html><body>Bad gateway</body></html>');
      return;
    case 'hang':
      upstream.hanging.push(new Promise((resolve) => request.once('close', () => resolve())));
      return;
    case 'drop':
      request.socket.destroy();
      return;
    case 'error500':
      return answer(response, 500, { code: 'InternalError', message: 'boom', request_id: 'r-500' });
    case 'ok':
      if (request.method === 'POST' && path.endsWith('/video-synthesis')) {
        return answer(response, 200, {
          request_id: 'r-create',
          output: { task_id: 'task-1', task_status: 'PENDING' },
        });
      }
      return answer(response, 200, {
        request_id: 'r-get',
        output: { task_id: 'task-1', task_status: 'RUNNING' },
      });
  }
}

let server: Server;
let baseUrl = '';

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handle(request, response, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', () => (upstream.connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}/api/v1`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  upstream.mode = 'ok';
  upstream.received = [];
  upstream.hanging = [];
  upstream.onRequest = undefined;
});

const CLIENTS: [string, Partial<KeyframeVideoRelayOptions>][] = [
  ['node:http, the default on Node', {}],
  ['the fetch option', { fetch: (input, init) => fetch(input, init) }],
];

describe.each(CLIENTS)('upstream client: %s', (_name, clientOptions) => {
  let relay: RelayHarness;
  let taskId = '';

  beforeAll(async () => {
    upstream.mode = 'ok';
    relay = await startRelay(baseUrl, {
      ...clientOptions,
      taskIdSecret: 'relay-upstream-client-secret-0123456789',
      timeoutMs: 1_000,
    });
    const created = await postJson(relay.origin, CREATE, createBody(), as('alice'));
    expect(created.status, created.text).toBe(200);
    taskId = String(created.json.output.task_id);
  });
  afterAll(() => relay.close());

  const get = () => send(relay.origin, `${PREFIX}/tasks/${taskId}`, { headers: as('alice') });

  it('a create goes out with exactly the relay’s headers and the checked body', async () => {
    const prompt = '一只猫抬头看，镜头缓缓拉远 🐱 — "quoted" \\ back';
    const answer = await postJson(relay.origin, CREATE, createBody({ prompt }), {
      ...as('alice'),
      cookie: 'session=abc',
      'x-dashscope-workspace': 'ws-attacker',
      'user-agent': 'evil-agent/1.0',
    });
    expect(answer.status, answer.text).toBe(200);
    const [sent] = upstream.received;
    expect(sent?.method).toBe('POST');
    expect(sent?.path).toBe('/api/v1/services/aigc/image2video/video-synthesis');
    expect(sent?.headers.authorization).toBe(`Bearer ${SERVER_KEY}`);
    expect(sent?.headers.accept).toBe('application/json');
    expect(sent?.headers['content-type']).toBe('application/json');
    expect(sent?.headers['x-dashscope-async']).toBe('enable');
    expect(sent?.headers.cookie).toBeUndefined();
    expect(sent?.headers['x-dashscope-workspace']).toBeUndefined();
    expect(sent?.headers['user-agent']).not.toBe('evil-agent/1.0');
    // The declared length is the byte length (multi-byte prompt and megabyte-free frames alike).
    expect(Number(sent?.headers['content-length'])).toBe(Buffer.byteLength(sent?.body ?? ''));
    expect(JSON.parse(sent?.body ?? '')).toEqual({
      model: 'wan2.2-kf2v-flash',
      input: { first_frame_url: FIRST_FRAME, last_frame_url: LAST_FRAME, prompt },
    });
  });

  it('the frames go out in the order the client gave the fields', async () => {
    const body = {
      model: 'wan2.2-kf2v-flash',
      input: { prompt: 'Last first.', last_frame_url: LAST_FRAME, first_frame_url: FIRST_FRAME },
    };
    const answer = await postJson(relay.origin, CREATE, body, as('bob'));
    expect(answer.status, answer.text).toBe(200);
    const sent = JSON.parse(upstream.received[0]?.body ?? '') as typeof body;
    expect(sent.input.first_frame_url).toBe(FIRST_FRAME);
    expect(sent.input.last_frame_url).toBe(LAST_FRAME);
  });

  it('task reads reuse one upstream connection', async () => {
    await get();
    const before = upstream.connections;
    for (let i = 0; i < 5; i++) expect((await get()).status).toBe(200);
    expect(upstream.received).toHaveLength(6);
    expect(upstream.connections).toBe(before);
  });

  it('a redirect is not followed: 502', async () => {
    upstream.mode = 'redirect';
    const answer = await get();
    expect(answer.status).toBe(502);
    expect(answer.json.code).toBe('UpstreamInvalidResponse');
    expect(upstream.received.map((r) => r.path)).not.toContain('/followed');
  });

  it('an answer over 1 MiB is refused: 502', async () => {
    upstream.mode = 'huge';
    const answer = await get();
    expect(answer.status).toBe(502);
    expect(answer.json.code).toBe('UpstreamInvalidResponse');
  });

  it('an HTML page is refused: 502, not retried', async () => {
    upstream.mode = 'html';
    const answer = await get();
    expect(answer.status).toBe(502);
    expect(upstream.received).toHaveLength(1);
  });

  it('a 500 on a read is retried once, then passed on', async () => {
    upstream.mode = 'error500';
    const answer = await get();
    expect(answer.status).toBe(500);
    expect(answer.json).toMatchObject({ code: 'InternalError', request_id: 'r-500' });
    expect(upstream.received).toHaveLength(2);
  });

  it('a dropped connection: a read is retried once, a create never', async () => {
    upstream.mode = 'drop';
    const read = await get();
    expect(read.status).toBe(502);
    expect(read.json.code).toBe('UpstreamUnreachable');
    expect(upstream.received).toHaveLength(2);
    upstream.received = [];
    const created = await postJson(relay.origin, CREATE, createBody(), as('alice'));
    expect(created.status).toBe(502);
    expect(created.json.code).toBe('UpstreamUnreachable');
    expect(upstream.received).toHaveLength(1);
  });

  it('an upstream that never answers: 504 at the deadline, the call closed', async () => {
    upstream.mode = 'hang';
    const created = await postJson(relay.origin, CREATE, createBody(), as('alice'));
    expect(created.status).toBe(504);
    expect(created.json.code).toBe('UpstreamTimeout');
    await upstream.hanging[0];
    expect(upstream.received).toHaveLength(1);
  });

  it('a client that goes away while its read waits on upstream aborts the upstream call', async () => {
    upstream.mode = 'hang';
    const arrived = new Promise<void>((resolve) => (upstream.onRequest = resolve));
    const socket = connect(Number(new URL(relay.origin).port), '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(
      `GET ${PREFIX}/tasks/${taskId} HTTP/1.1\r\nHost: relay.test\r\n` +
        `Authorization: Bearer ${TOKENS.alice}\r\n\r\n`,
    );
    await arrived;
    const events = relay.events.length;
    socket.destroy();
    // The relay closes its upstream call (long before its 1 s deadline) and logs the abort.
    await upstream.hanging[0];
    const logged = () =>
      relay.events
        .slice(events)
        .find((e): e is RelayRequestEvent => e.type === 'relay.request' && e.route === 'get');
    while (!logged()) await new Promise((resolve) => setImmediate(resolve));
    expect(logged()).toMatchObject({ status: 499, code: 'Aborted' });
  });
});
