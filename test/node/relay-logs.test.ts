// Log capture: every line the relay's logger writes, across successes, refusals, upstream
// failures and an `authenticate` that throws with secrets in its message, is structured JSON
// with a request id, a user hash (never the user id), the route, the upstream status and the
// latency — and no line contains the API key, an Authorization value or image data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsonLineLogger, type RelayEvent } from '../../src/relay/index.js';
import type { SimulatorServer } from '../../src/simulator/node.js';
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
  startUpstream,
  TOKENS,
  type RelayHarness,
} from './helpers/relay-harness.js';

let upstream: SimulatorServer;
let relay: RelayHarness;
const lines: string[] = [];
const events: RelayEvent[] = [];

beforeAll(async () => {
  upstream = await startUpstream();
  relay = await startRelay(upstream.url, {
    logger: createJsonLineLogger((line) => lines.push(line)),
    onEvent: (event) => events.push(event),
  });
  const { origin } = relay;
  const alice = as('alice');

  // Successes: create (with an idempotency key, replayed), read, cancel.
  const created = await postJson(origin, CREATE, createBody(), {
    ...alice,
    'idempotency-key': 'log-1',
  });
  await postJson(origin, CREATE, createBody(), { ...alice, 'idempotency-key': 'log-1' });
  const taskId = String(created.json.output.task_id);
  await send(origin, `${PREFIX}/tasks/${taskId}`, { headers: alice });
  await send(origin, `${PREFIX}/tasks/${taskId}/cancel`, { method: 'POST', headers: alice });

  // Refusals carrying secrets and image data in places a careless logger would print.
  await send(origin, `${PREFIX}/tasks/${taskId}`, {
    headers: { authorization: `Bearer ${SERVER_KEY}` },
  });
  await send(origin, `${PREFIX}/tasks/${taskId}`, {
    headers: { authorization: `Bearer ${TOKENS.throws}` },
  });
  await send(origin, `${PREFIX}/tasks/${taskId}`, {
    headers: { authorization: 'Bearer sk-guessed-0000000000' },
  });
  await postJson(origin, CREATE, `{"model":"x","input":{"first_frame_url":"${FIRST_FRAME}"`, alice);
  await postJson(origin, CREATE, { ...createBody(), [FIRST_FRAME.slice(0, 200)]: 1 }, alice);
  await postJson(
    origin,
    CREATE,
    createBody({ last_frame_url: LAST_FRAME.replace('iVBOR', 'iVB!R') }),
    alice,
  );
  await postJson(origin, CREATE, createBody({ template: LAST_FRAME.slice(0, 5_000) }), alice);
  await postJson(origin, CREATE, createBody(), { ...alice, 'content-type': 'text/plain' });

  // Upstream failures.
  upstream.simulator.inject(
    { kind: 'http', status: 500, code: 'InternalError' },
    { route: 'create' },
    1,
  );
  await postJson(origin, CREATE, createBody(), alice);
  upstream.simulator.inject({ kind: 'nonJson' }, { route: 'get' }, 2);
  await send(origin, `${PREFIX}/tasks/${taskId}`, { headers: alice });
});

afterAll(async () => {
  await relay.close();
  await upstream.close();
});

/** Pieces of the frames' base64 from the start, the middle and the end. */
function imageSamples(): string[] {
  const samples: string[] = [];
  for (const frame of [FIRST_FRAME, LAST_FRAME]) {
    const data = frame.slice(frame.indexOf(',') + 1);
    for (const at of [0, Math.floor(data.length / 2), data.length - 40])
      samples.push(data.slice(at, at + 24));
  }
  return samples;
}

describe('relay logs', () => {
  it('are one JSON object per line, one request line per request', () => {
    expect(lines.length).toBeGreaterThan(15);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = parsed.filter((entry) => entry.type === 'relay.request');
    expect(requests).toHaveLength(events.filter((event) => event.type === 'relay.request').length);
    for (const entry of parsed) {
      expect(['info', 'warn', 'error']).toContain(entry.level);
      expect(typeof entry.time).toBe('string');
      expect(entry.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(typeof entry.route).toBe('string');
    }
  });

  it('carry the request id, user hash, route, upstream status and latency', () => {
    const create = events.find(
      (event): event is Extract<RelayEvent, { type: 'relay.request' }> =>
        event.type === 'relay.request' && event.route === 'create' && event.status === 200,
    );
    expect(create).toMatchObject({
      method: 'POST',
      upstreamStatus: 200,
      upstreamAttempts: 1,
    });
    expect(create?.userHash).toMatch(/^[0-9a-f]{32}$/);
    expect(create?.upstreamRequestId).toMatch(/[0-9a-f-]{36}/);
    expect(create?.latencyMs).toBeGreaterThan(0);
    const replay = events.find(
      (event) => event.type === 'relay.request' && event.replayed === true,
    );
    expect(replay).toBeDefined();
    const failedRead = events.find(
      (event) => event.type === 'relay.request' && event.route === 'get' && event.status === 502,
    );
    expect(failedRead).toMatchObject({ code: 'UpstreamInvalidResponse', upstreamStatus: 502 });
    expect(events.some((event) => event.type === 'relay.upstream_retry')).toBe(true);
    expect(events.some((event) => event.type === 'relay.error')).toBe(true);
  });

  it('never contain the API key, an Authorization value, a user id or image data', () => {
    const text = lines.join('\n');
    expect(text).not.toContain(SERVER_KEY);
    for (const token of Object.values(TOKENS)) expect(text).not.toContain(token);
    expect(text).not.toContain('sk-guessed');
    // "Bearer" may appear in a redacted message, never followed by a credential.
    expect(text).not.toMatch(/bearer\s+(?!\[redacted\])/i);
    expect(text).not.toContain('data:image');
    for (const sample of imageSamples()) expect(text).not.toContain(sample);
    expect(text).not.toMatch(/"(alice|bob|carol)"/);
  });

  it('say what went wrong in an unexpected error, with the secrets taken out', () => {
    const error = events.find((event) => event.type === 'relay.error');
    expect(error?.type === 'relay.error' && error.message).toMatch(/session store down/);
    expect(error?.type === 'relay.error' && error.message).toContain('[redacted]');
  });
});
