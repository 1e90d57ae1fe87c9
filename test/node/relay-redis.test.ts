// The Redis store against a real redis-server (Debian's, started on a free 127.0.0.1 port for
// this file and stopped after): the same semantics as the in-memory store, operation by
// operation; and two relay instances sharing it share rate limits and Idempotency-Keys.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/index.js';
import {
  createMemoryRelayStore,
  gcra,
  type RateLimitRule,
  type RelayStore,
} from '../../src/relay/index.js';
import { createRedisRelayStore } from '../../src/relay/redis-store.js';
import type { SimulatorServer } from '../../src/simulator/node.js';
import {
  as,
  CREATE,
  createBody,
  postJson,
  PREFIX,
  send,
  startRelay,
  startUpstream,
  type RelayHarness,
} from './helpers/relay-harness.js';
import { startRedisServer, type RedisServer } from './helpers/redis.js';

let redis: RedisServer;
const stores: RelayStore[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  for (const store of stores) await store.close?.();
  await redis.stop();
});

async function redisStore(prefix: string): Promise<RelayStore> {
  const store = await createRedisRelayStore({ url: redis.url, keyPrefix: prefix });
  stores.push(store);
  return store;
}

describe.each(['memory', 'redis'] as const)('the %s store', (kind) => {
  let store: RelayStore;
  const clock = createManualClock(1_000_000);
  beforeAll(async () => {
    store =
      kind === 'memory'
        ? createMemoryRelayStore({ clock })
        : await redisStore(`test-${String(Date.now())}:`);
  });

  it('claim sets only when absent and returns what is there otherwise', async () => {
    expect(await store.claim('k1', 'first', 60_000)).toBeNull();
    expect(await store.claim('k1', 'second', 60_000)).toBe('first');
    expect(await store.read('k1')).toBe('first');
  });

  it('replace and remove act only when the value is still the expected one', async () => {
    expect(await store.replace('k1', 'not-it', 'x', 60_000)).toBe(false);
    expect(await store.replace('k1', 'first', 'done', 60_000)).toBe(true);
    expect(await store.read('k1')).toBe('done');
    expect(await store.remove('k1', 'first')).toBe(false);
    expect(await store.remove('k1', 'done')).toBe(true);
    expect(await store.read('k1')).toBeNull();
    expect(await store.claim('k1', 'again', 60_000)).toBeNull();
  });

  it('values expire after their TTL', async () => {
    expect(await store.claim('short', 'v', 40)).toBeNull();
    if (kind === 'memory') clock.advance(41);
    else await new Promise((resolve) => setTimeout(resolve, 150)); // Redis expires on its own clock
    expect(await store.read('short')).toBeNull();
  });

  it('rate decisions match the GCRA function step by step', async () => {
    const rule: RateLimitRule = { limit: 3, windowMs: 1_000, burst: 2 };
    let state: number | undefined;
    const times = [0, 0, 0, 100, 333, 334, 700, 2_000, 2_000, 2_000];
    for (const offset of times) {
      const now = 5_000_000 + offset;
      const expected = gcra(state, rule, now);
      if (kind === 'memory') clock.advance(Math.max(0, now - clock.now()));
      const decision = await store.consumeRate('rate:test', rule, now);
      expect(decision, `at +${String(offset)} ms`).toEqual({
        allowed: expected.allowed,
        retryAfterMs: expected.retryAfterMs,
      });
      if (expected.allowed) state = expected.tat;
    }
  });

  it('refundRate gives one token back, never more than the burst, nothing for a gone key', async () => {
    const rule: RateLimitRule = { limit: 2, windowMs: 1_000, burst: 2 };
    const now = 7_000_000;
    if (kind === 'memory') clock.advance(now - clock.now());
    const consume = () => store.consumeRate('rate:refund', rule, now);
    expect(await consume()).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await consume()).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await consume()).toEqual({ allowed: false, retryAfterMs: 500 });
    await store.refundRate?.('rate:refund', rule, now);
    expect(await consume()).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await consume()).toEqual({ allowed: false, retryAfterMs: 500 });
    // Many refunds bring the bucket back to full, not beyond: still two at once, then a wait.
    for (let i = 0; i < 5; i++) await store.refundRate?.('rate:refund', rule, now);
    expect(await consume()).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await consume()).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(await consume()).toEqual({ allowed: false, retryAfterMs: 500 });
    // A refund for a key the store no longer has creates nothing.
    await store.refundRate?.('rate:never-seen', rule, now);
    expect(await store.read('rate:never-seen')).toBeNull();
  });

  it('a refund later on moves the stored time back one interval, never below now', async () => {
    const rule: RateLimitRule = { limit: 1, windowMs: 1_000, burst: 1 };
    const start = 9_000_000;
    if (kind === 'memory') clock.advance(start - clock.now());
    expect(await store.consumeRate('rate:later', rule, start)).toMatchObject({ allowed: true });
    expect(await store.consumeRate('rate:later', rule, start + 400)).toEqual({
      allowed: false,
      retryAfterMs: 600,
    });
    // 400 ms on, the token is given back: the next is due now, not 600 ms ago.
    if (kind === 'memory') clock.advance(400);
    await store.refundRate?.('rate:later', rule, start + 400);
    expect(Number(await store.read('rate:later'))).toBe(start + 400);
    expect(await store.consumeRate('rate:later', rule, start + 400)).toMatchObject({
      allowed: true,
    });
    expect(await store.consumeRate('rate:later', rule, start + 400)).toEqual({
      allowed: false,
      retryAfterMs: 1_000,
    });
  });

  it('concurrent claims of one key: exactly one wins', async () => {
    const results = await Promise.all(
      Array.from({ length: 25 }, (_, i) => store.claim('race', `claimer-${String(i)}`, 60_000)),
    );
    expect(results.filter((r) => r === null)).toHaveLength(1);
    const winner = await store.read('race');
    expect(results.filter((r) => r !== null).every((r) => r === winner)).toBe(true);
  });
});

describe('two relay instances sharing one Redis store', () => {
  let upstream: SimulatorServer;
  let a: RelayHarness;
  let b: RelayHarness;
  const secret = 'redis-shared-relay-secret-0123456789abcd';

  beforeAll(async () => {
    upstream = await startUpstream();
    const shared = {
      taskIdSecret: secret,
      rateLimits: {
        userCreate: { limit: 1, windowMs: 60_000, burst: 1 },
        userQuery: false,
        accountCreate: false,
        accountQuery: false,
      },
    } as const;
    const prefix = `relays-${String(Date.now())}:`;
    a = await startRelay(upstream.url, { ...shared, store: await redisStore(prefix) });
    b = await startRelay(upstream.url, { ...shared, store: await redisStore(prefix) });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await upstream.close();
  });

  it('share per-user limits: one create on A, the next on B is refused', async () => {
    expect((await postJson(a.origin, CREATE, createBody(), as('alice'))).status).toBe(200);
    const refused = await postJson(b.origin, CREATE, createBody(), as('alice'));
    expect(refused.status).toBe(429);
    expect(refused.json.code).toBe('RelayRateLimited');
  });

  let bobsTask = '';

  it('share Idempotency-Keys: B replays the task A created, with no second upstream create', async () => {
    const before = upstream.simulator.createCount;
    const body = createBody({ prompt: 'one task, two instances' });
    const first = await postJson(a.origin, CREATE, body, {
      ...as('bob'),
      'idempotency-key': 'shared-1',
    });
    const second = await postJson(b.origin, CREATE, body, {
      ...as('bob'),
      'idempotency-key': 'shared-1',
    });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.json.output.task_id).toBe(first.json.output.task_id);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(upstream.simulator.createCount - before).toBe(1);
    bobsTask = String(first.json.output.task_id);

    const conflict = await postJson(b.origin, CREATE, createBody({ prompt: 'changed' }), {
      ...as('bob'),
      'idempotency-key': 'shared-1',
    });
    expect(conflict.status).toBe(422);
    expect(conflict.json.code).toBe('IdempotencyConflict');
  });

  it('concurrent duplicates spread over both instances make one upstream create', async () => {
    const before = upstream.simulator.createCount;
    const body = createBody({ prompt: 'a storm of retries' });
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        postJson(i % 2 === 0 ? a.origin : b.origin, CREATE, body, {
          ...as('carol'),
          'idempotency-key': 'storm-1',
        }),
      ),
    );
    // Only the first gets past carol's create limit; the rest replay it (a replay is not a create).
    const ok = answers.filter((answer) => answer.status === 200);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((answer) => answer.json.output.task_id)).size).toBe(1);
    for (const answer of answers.filter((x) => x.status !== 200)) {
      expect(answer.json.code).toBe('RelayRateLimited');
    }
    expect(upstream.simulator.createCount - before).toBe(1);
  });

  it('a task created on A is read on B (ownership needs no shared store)', async () => {
    const read = await send(b.origin, `${PREFIX}/tasks/${bobsTask}`, { headers: as('bob') });
    expect(read.status).toBe(200);
    expect(read.json.output.task_id).toBe(bobsTask);
  });
});

describe('when Redis goes away', () => {
  it('requests fail fast with 500 InternalError instead of hanging, and the relay stays up', async () => {
    const lonely = await startRedisServer();
    const upstream = await startUpstream();
    const store = await createRedisRelayStore({ url: lonely.url });
    const relay = await startRelay(upstream.url, {
      store,
      rateLimits: {
        userCreate: { limit: 10, windowMs: 1_000 },
        userQuery: false,
        accountCreate: false,
        accountQuery: false,
      },
    });
    try {
      await lonely.stop();
      const answer = await postJson(relay.origin, CREATE, createBody(), as('alice'));
      expect(answer.status).toBe(500);
      expect(answer.json.code).toBe('InternalError');
      expect(relay.events.some((e) => e.type === 'relay.error')).toBe(true);
      expect(upstream.simulator.createCount).toBe(0);
    } finally {
      await relay.close();
      await upstream.close();
      await Promise.race([
        store.close?.(),
        new Promise((resolve) => setTimeout(resolve, 1_000)),
      ]).catch(() => undefined);
    }
  });
});
