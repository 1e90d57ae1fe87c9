/**
 * Relay overhead benchmark: the latency the relay adds over calling the simulator directly, both
 * on loopback, measured in the same run with the requests interleaved (direct, relay, direct, …)
 * so machine load affects both sides alike.
 *
 *   npx tsx bench/relay.ts [--gets 2000] [--creates 60]
 *
 * - GET task: `GET /tasks/{id}` straight to the simulator (server key) vs through the relay
 *   (user token, signed relay id, rate limits on, the default in-memory store).
 * - Create: a create with two ~1 MB PNG frames as data URLs, straight vs through the relay (all
 *   relay checks: byte-counted body, strict schema, frame checks, idempotency key).
 * The relay's own work is also timed from its `relay.request` events (latency minus upstream),
 * and a bare pass-through proxy (same Node adapter, the same upstream client as the relay on
 * Node — node:http with a keep-alive agent — and no checks) is measured the same way: the cost
 * of the extra HTTP hop alone, which no relay can go below.
 * Targets: ≤ 1 ms added at p50 for GET, ≤ 15 ms for the create. Prints a Markdown table and a
 * calibration line (how long this machine takes to JSON.parse + JSON.stringify the create body),
 * and exits non-zero when a target is missed.
 */
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { deflateSync } from 'node:zlib';
import { createKeyframeVideoRelay, type RelayEvent } from '../src/relay/index.js';
import { startRelayServer } from '../src/relay/node.js';
import { startSimulatorServer } from '../src/simulator/node.js';

const TARGET_GET_P50_MS = 1;
const TARGET_CREATE_P50_MS = 15;

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : Number.NaN;
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

const GETS = argument('gets', 2000);
const CREATES = argument('creates', 60);
const SERVER_KEY = 'sk-bench-0123456789abcdef';
const USER_TOKEN = 'bench-user';

// ---------------------------------------------------------------------------------------------
// A ~1 MB PNG: random RGB noise does not compress, so 600×560 px is about 1,008 KB.

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function noisePng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB, no alpha
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) randomBytes(width * 3).copy(raw, y * (width * 3 + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw, { level: 1 })),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

// ---------------------------------------------------------------------------------------------

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

interface Series {
  p50: number;
  p99: number;
}

function summarise(samples: number[]): Series {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

async function timed(call: () => Promise<Response>): Promise<number> {
  const started = performance.now();
  const response = await call();
  await response.arrayBuffer();
  const elapsed = performance.now() - started;
  if (!response.ok) throw new Error(`HTTP ${String(response.status)} during the benchmark`);
  return elapsed;
}

const ms = (value: number) => value.toFixed(2);

async function main(): Promise<void> {
  const upstream = await startSimulatorServer({
    port: 0,
    apiKeys: [SERVER_KEY],
    seed: 1,
    limits: {
      createPerSecond: 1_000_000,
      queryPerSecond: 1_000_000,
      concurrentTasks: 1_000_000,
    },
  });
  const events: RelayEvent[] = [];
  const relay = createKeyframeVideoRelay({
    apiKey: SERVER_KEY,
    baseUrl: upstream.url,
    basePath: '/api/keyframe-video',
    taskIdSecret: 'bench-task-id-secret-0123456789abcdef',
    authenticate: (request) =>
      request.headers.get('authorization') === `Bearer ${USER_TOKEN}` ? { userId: 'bench' } : null,
    // Limits stay on (they are part of the path) but high enough never to refuse.
    rateLimits: {
      userCreate: { limit: 1_000_000, windowMs: 1_000 },
      userQuery: { limit: 1_000_000, windowMs: 1_000 },
      accountCreate: { limit: 1_000_000, windowMs: 1_000 },
      accountQuery: { limit: 1_000_000, windowMs: 1_000 },
    },
    onEvent: (event) => events.push(event),
  });
  const server = await startRelayServer({ relay, port: 0 });
  const relayBase = `${server.origin}/api/keyframe-video`;
  // The floor: forwards to the simulator with the server key and passes the answer back, over
  // the same kind of keep-alive node:http connection the relay uses on Node.
  const agent = new Agent({ keepAlive: true });
  const forward = (method: string, path: string, body?: Uint8Array) =>
    new Promise<{ status: number; bytes: Buffer }>((resolve, reject) => {
      const call = httpRequest(`${upstream.url}${path}`, {
        method,
        agent,
        headers: {
          authorization: `Bearer ${SERVER_KEY}`,
          'content-type': 'application/json',
          'x-dashscope-async': 'enable',
          ...(body ? { 'content-length': String(body.byteLength) } : {}),
        },
      });
      call.on('error', reject);
      call.on('response', (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', reject);
        answer.on('end', () =>
          resolve({ status: answer.statusCode ?? 0, bytes: Buffer.concat(chunks) }),
        );
      });
      call.end(body);
    });
  const bare = await startRelayServer({
    port: 0,
    relay: async (request) => {
      const path = new URL(request.url).pathname.replace('/bare', '');
      const body =
        request.method === 'POST' ? new Uint8Array(await request.arrayBuffer()) : undefined;
      const answer = await forward(request.method, path, body);
      return new Response(new Uint8Array(answer.bytes), {
        status: answer.status,
        headers: { 'content-type': 'application/json' },
      });
    },
  });
  const bareBase = `${bare.origin}/bare`;

  const first = noisePng(600, 560);
  const last = noisePng(600, 560);
  const body = JSON.stringify({
    model: 'wan2.2-kf2v-flash',
    input: {
      first_frame_url: `data:image/png;base64,${first.toString('base64')}`,
      last_frame_url: `data:image/png;base64,${last.toString('base64')}`,
      prompt: 'The camera slowly pulls back as the sun sets.',
    },
  });
  const createPath = '/services/aigc/image2video/video-synthesis';
  const direct = {
    create: () =>
      fetch(`${upstream.url}${createPath}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${SERVER_KEY}`,
          'content-type': 'application/json',
          'x-dashscope-async': 'enable',
        },
        body,
      }),
    get: (id: string) =>
      fetch(`${upstream.url}/tasks/${id}`, { headers: { authorization: `Bearer ${SERVER_KEY}` } }),
  };
  let key = 0;
  const viaRelay = {
    create: () =>
      fetch(`${relayBase}${createPath}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${USER_TOKEN}`,
          'content-type': 'application/json',
          'idempotency-key': `bench-${String((key += 1))}`,
        },
        body,
      }),
    get: (id: string) =>
      fetch(`${relayBase}/tasks/${id}`, { headers: { authorization: `Bearer ${USER_TOKEN}` } }),
  };

  const viaBare = {
    create: () =>
      fetch(`${bareBase}${createPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    get: (id: string) => fetch(`${bareBase}/tasks/${id}`),
  };

  // One task each way to read.
  const directId = String(
    ((await (await direct.create()).json()) as { output: { task_id: string } }).output.task_id,
  );
  const relayId = String(
    ((await (await viaRelay.create()).json()) as { output: { task_id: string } }).output.task_id,
  );

  // Warm-up: JIT (V8 optimises a function after some hundreds of calls), connection pools. The
  // figures are steady-state ones: a relay serves polls all day, not 50 of them.
  for (let i = 0; i < 500; i++) {
    await timed(() => direct.get(directId));
    await timed(() => viaBare.get(directId));
    await timed(() => viaRelay.get(relayId));
  }
  for (let i = 0; i < 5; i++) {
    await timed(direct.create);
    await timed(viaBare.create);
    await timed(viaRelay.create);
  }
  events.length = 0;

  const getDirect: number[] = [];
  const getBare: number[] = [];
  const getRelay: number[] = [];
  for (let i = 0; i < GETS; i++) {
    getDirect.push(await timed(() => direct.get(directId)));
    getBare.push(await timed(() => viaBare.get(directId)));
    getRelay.push(await timed(() => viaRelay.get(relayId)));
  }
  const createDirect: number[] = [];
  const createBare: number[] = [];
  const createRelay: number[] = [];
  for (let i = 0; i < CREATES; i++) {
    createDirect.push(await timed(direct.create));
    createBare.push(await timed(viaBare.create));
    createRelay.push(await timed(viaRelay.create));
  }

  // The relay's own time per request, from its events (total minus the upstream call).
  const own = (route: 'get' | 'create') =>
    summarise(
      events
        .filter(
          (e): e is Extract<RelayEvent, { type: 'relay.request' }> => e.type === 'relay.request',
        )
        .filter((e) => e.route === route && e.upstreamLatencyMs !== undefined)
        .map((e) => e.latencyMs - (e.upstreamLatencyMs ?? 0)),
    );

  const calibrationStart = performance.now();
  for (let i = 0; i < 10; i++) JSON.stringify(JSON.parse(body));
  const calibrationMs = (performance.now() - calibrationStart) / 10;

  await server.close();
  await bare.close();
  agent.destroy();
  await upstream.close();

  const rows = [
    {
      name: 'GET task',
      direct: summarise(getDirect),
      bare: summarise(getBare),
      relay: summarise(getRelay),
      own: own('get'),
      n: GETS,
      target: TARGET_GET_P50_MS,
    },
    {
      name: `create, two ${String(Math.round(first.length / 1024))} KB frames`,
      direct: summarise(createDirect),
      bare: summarise(createBare),
      relay: summarise(createRelay),
      own: own('create'),
      n: CREATES,
      target: TARGET_CREATE_P50_MS,
    },
  ];
  console.log(
    `Relay overhead on loopback — Node ${process.version}, ${String(cpus().length)} cores, load average ${loadavg()[0]?.toFixed(2) ?? '?'}`,
  );
  console.log(
    `Body of the create: ${String(Math.round(body.length / 1024))} KB; JSON.parse + JSON.stringify of it on this machine: ${ms(calibrationMs)} ms.`,
  );
  console.log('');
  console.log(
    '| request | n | direct p50 / p99 | relay p50 / p99 | **added p50** / p99 | bare hop added p50 / p99 | relay’s own work p50 / p99 | target (added p50) |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  let missed = false;
  for (const row of rows) {
    const added50 = row.relay.p50 - row.direct.p50;
    const added99 = row.relay.p99 - row.direct.p99;
    const ok = added50 <= row.target;
    if (!ok) missed = true;
    console.log(
      `| ${row.name} | ${String(row.n)} | ${ms(row.direct.p50)} / ${ms(row.direct.p99)} ms | ` +
        `${ms(row.relay.p50)} / ${ms(row.relay.p99)} ms | **${ms(added50)}** / ${ms(added99)} ms | ` +
        `${ms(row.bare.p50 - row.direct.p50)} / ${ms(row.bare.p99 - row.direct.p99)} ms | ` +
        `${ms(row.own.p50)} / ${ms(row.own.p99)} ms | ≤ ${String(row.target)} ms ${ok ? 'met' : 'MISSED'} |`,
    );
  }
  if (missed) {
    console.log('');
    console.log('A target was missed (see the table).');
    process.exitCode = 1;
  }
}

await main();
