// The recipes for Node, with real servers on 127.0.0.1: `node:http` with `toNodeListener`, and
// Express 5 mounting it under a path (with and without a `basePath`, before any body parser).
// The library's own client and plain fetch talk to them; the simulator is the upstream.
import { createServer, request as httpRequest, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyframeVideoClient } from '../../src/core/index.js';
import { createKeyframeVideoRelay, type KeyframeVideoRelayOptions } from '../../src/relay/index.js';
import { toNodeListener } from '../../src/relay/node.js';
import type { SimulatorServer } from '../../src/simulator/node.js';
import {
  FIRST_FRAME,
  LAST_FRAME,
  NO_RATE_LIMITS,
  SERVER_KEY,
  TOKENS,
  createBody,
  startUpstream,
  testAuthenticate,
} from './helpers/relay-harness.js';

let upstream: SimulatorServer;
const servers: Server[] = [];

beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await upstream.close();
});

function relay(options: Partial<KeyframeVideoRelayOptions> = {}) {
  return createKeyframeVideoRelay({
    apiKey: SERVER_KEY,
    baseUrl: upstream.url,
    authenticate: testAuthenticate,
    rateLimits: NO_RATE_LIMITS,
    ...options,
  });
}

async function listen(server: Server): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
}

/** Create, read and cancel through `endpoint` with the library's own client. */
async function roundTrip(endpoint: string) {
  const client = createKeyframeVideoClient({
    endpoint,
    headers: { authorization: `Bearer ${TOKENS.alice}` },
  });
  const created = await client.create({
    model: 'wan2.2-kf2v-flash',
    firstFrameUrl: FIRST_FRAME,
    lastFrameUrl: LAST_FRAME,
    prompt: 'A slow pan.',
  });
  expect(created.taskId).toMatch(/^kfv1/);
  const task = await client.get(created.taskId);
  expect(task.taskId).toBe(created.taskId);
  expect(['PENDING', 'RUNNING']).toContain(task.status);
  await client.cancel(created.taskId);
  expect((await client.get(created.taskId)).status).toBe('CANCELED');
}

describe('node:http', () => {
  it('http.createServer(toNodeListener(relay)) serves create, get and cancel', async () => {
    const origin = await listen(
      createServer(toNodeListener(relay({ basePath: '/api/keyframe-video' }))),
    );
    await roundTrip(`${origin}/api/keyframe-video`);
    const outside = await fetch(`${origin}/elsewhere/tasks/x`, {
      headers: { authorization: `Bearer ${TOKENS.alice}` },
    });
    expect(outside.status).toBe(404);
  });

  it('after an early 413, a client that keeps uploading is disconnected after the drain allowance', async () => {
    const origin = await listen(
      createServer(
        toNodeListener(relay({ maxBodyBytes: 1_000 }), { drainBytes: 256 * 1024, drainMs: 10_000 }),
      ),
    );
    const { port } = new URL(origin);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST /x/services/aigc/image2video/video-synthesis HTTP/1.1\r\nHost: a\r\n' +
        `Authorization: Bearer ${TOKENS.alice}\r\nContent-Type: application/json\r\n` +
        'Transfer-Encoding: chunked\r\n\r\n',
    );
    let received = '';
    socket.on('data', (data: Buffer) => (received += data.toString('latin1')));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    let open = true;
    void closed.then(() => (open = false));
    // Keep sending, ignoring the answer, the way a hostile client would.
    while (open && sent < 64 * 1024 * 1024) {
      const frame = Buffer.concat([
        Buffer.from(`${chunk.length.toString(16)}\r\n`),
        chunk,
        Buffer.from('\r\n'),
      ]);
      const ok = socket.write(frame);
      sent += chunk.length;
      if (!ok) await Promise.race([new Promise((r) => socket.once('drain', r)), closed]);
    }
    await closed;
    expect(received).toMatch(/^HTTP\/1\.1 413 /);
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });
});

describe('Express 5', () => {
  function app(options: Partial<KeyframeVideoRelayOptions>, parseJsonFirst = false) {
    const application = express();
    if (parseJsonFirst) application.use(express.json());
    application.get('/health', (_request, response) => {
      response.json({ ok: true });
    });
    application.use('/api/keyframe-video', toNodeListener(relay(options)));
    application.use(express.json());
    application.post('/api/other', (request, response) => {
      response.json({ echoed: (request.body as { n?: number }).n });
    });
    return application;
  }

  it('app.use("/api/keyframe-video", toNodeListener(relay)) works with no basePath', async () => {
    const origin = await listen(createServer(app({})));
    await roundTrip(`${origin}/api/keyframe-video`);
    expect(await (await fetch(`${origin}/health`)).json()).toEqual({ ok: true });
    const other = await fetch(`${origin}/api/other`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ n: 7 }),
    });
    expect(await other.json()).toEqual({ echoed: 7 });
  });

  it('…and with basePath set to the mount path', async () => {
    const origin = await listen(createServer(app({ basePath: '/api/keyframe-video' })));
    await roundTrip(`${origin}/api/keyframe-video`);
  });

  it('mounted after express.json(), it answers a clear 500 instead of a confusing 400', async () => {
    const origin = await listen(createServer(app({}, true)));
    const response = await fetch(
      `${origin}/api/keyframe-video/services/aigc/image2video/video-synthesis`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.alice}` },
        body: JSON.stringify(createBody()),
      },
    );
    expect(response.status).toBe(500);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe('InternalError');
    expect(body.message).toMatch(/before body parsers/);
  });

  it('an oversized upload is refused with 413 before Express or the relay buffer it', async () => {
    const origin = await listen(createServer(app({ maxBodyBytes: 10_000 })));
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        `${origin}/api/keyframe-video/services/aigc/image2video/video-synthesis`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': String(50_000_000),
            authorization: `Bearer ${TOKENS.alice}`,
          },
        },
      );
      req.on('response', (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(1024, 0x20));
    });
    expect(status).toBe(413);
  });
});
