// A create the relay counted against the user but that made no video — turned away by the
// account limit, or by DashScope's throttling (429 Throttling*) — gives the user's token back, so
// contention on the account does not lock users out of their own allowance. Bad input and
// created tasks still count. Over the in-process simulator on a manual clock, with the default
// in-memory store and with the Redis store (a real redis-server, as in relay-redis.test.ts), and
// with an app's own store that has no `refundRate`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock, type ManualClock } from '../../src/core/index.js';
import {
  createMemoryRelayStore,
  type KeyframeVideoRelayOptions,
  type RelayStore,
} from '../../src/relay/index.js';
import { createRedisRelayStore } from '../../src/relay/redis-store.js';
import { createBody } from './helpers/relay-harness.js';
import { createInProcessRelay, createRequest } from './helpers/in-process-relay.js';
import { startRedisServer, type RedisServer } from './helpers/redis.js';

type StoreKind = 'memory' | 'redis';

let redis: RedisServer;
const redisStores: RelayStore[] = [];
let prefixes = 0;

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  for (const store of redisStores) await store.close?.();
  await redis.stop();
});

async function storeOf(kind: StoreKind, clock: ManualClock): Promise<RelayStore> {
  if (kind === 'memory') return createMemoryRelayStore({ clock });
  prefixes += 1;
  const store = await createRedisRelayStore({
    url: redis.url,
    keyPrefix: `refund-${String(Date.now())}-${String(prefixes)}:`,
  });
  redisStores.push(store);
  return store;
}

/** What a test reads of one answer: status, code, and for a relay 429 the limit's scope. */
interface Outcome {
  readonly status: number;
  readonly code: string | undefined;
  readonly scope: 'user' | 'account' | undefined;
}

async function setup(
  kind: StoreKind,
  options: Partial<KeyframeVideoRelayOptions> = {},
  wrap: (store: RelayStore) => RelayStore = (store) => store,
) {
  const clock = createManualClock(1_000_000);
  const stack = createInProcessRelay(
    { store: wrap(await storeOf(kind, clock)), ...options },
    clock,
  );
  const { simulator, events, relay } = stack;
  const create = async (
    user: string,
    request: { body?: unknown; key?: string } = {},
  ): Promise<Outcome> => {
    const response = await relay(createRequest(user, request));
    const json = (await response.json()) as { code?: string };
    const requestId = response.headers.get('x-request-id');
    const limited = events.find(
      (event) => event.type === 'relay.rate_limited' && event.requestId === requestId,
    );
    return {
      status: response.status,
      code: json.code,
      scope: limited?.type === 'relay.rate_limited' ? limited.scope : undefined,
    };
  };
  return {
    clock,
    simulator,
    events,
    create,
    get upstreamCalls() {
      return stack.upstreamCalls;
    },
  };
}

const CREATED = { status: 200, code: undefined, scope: undefined };
const USER_LIMITED = { status: 429, code: 'RelayRateLimited', scope: 'user' };
const ACCOUNT_LIMITED = { status: 429, code: 'RelayRateLimited', scope: 'account' };
const throttled = (code: string) => ({ status: 429, code, scope: undefined });

/** Waits (real time, bounded) until `condition` holds: for work that is in flight. */
async function until(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 2_000 && !condition(); turn++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  if (!condition()) throw new Error(`Timed out waiting until ${what}.`);
}

/** Moves the manual clock 10 ms at a time, letting real I/O run, until `promises` settle. */
async function drive<T>(clock: ManualClock, promises: Promise<T>[]): Promise<T[]> {
  let settled = false;
  const all = Promise.all(promises).finally(() => (settled = true));
  for (let step = 0; step < 1_000 && !settled; step++) {
    await clock.advanceAsync(10);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return all;
}

/** A store that reports what its `claim` found: an Idempotency-Key taken by another request. */
function watchingClaims(found: (string | null)[]): (store: RelayStore) => RelayStore {
  return (store) => ({
    ...store,
    claim: async (key, value, ttlMs) => {
      const existing = await store.claim(key, value, ttlMs);
      found.push(existing);
      return existing;
    },
  });
}

describe.each(['memory', 'redis'] as const)('with the %s store', (kind) => {
  it('a create the account limit turned away leaves the user’s allowance as it was', async () => {
    const { clock, create } = await setup(kind);
    expect(await create('alice')).toEqual(CREATED); // the account's next create is 500 ms away
    // Bob (2 back to back, then one per 12 s) is turned away by the account, again and again.
    for (let attempt = 0; attempt < 3; attempt++) {
      expect(await create('bob')).toEqual(ACCOUNT_LIMITED);
    }
    clock.advance(500);
    expect(await create('bob')).toEqual(CREATED);
    clock.advance(500);
    expect(await create('bob')).toEqual(CREATED); // his burst of two is intact
    clock.advance(500);
    expect(await create('bob')).toEqual(USER_LIMITED);
  });

  it('a create DashScope throttled (429 Throttling*) leaves it as it was, one token per refusal', async () => {
    const { simulator, create } = await setup(kind, { rateLimits: { accountCreate: false } });
    expect(await create('alice')).toEqual(CREATED); // one of alice's two spent
    for (const code of ['Throttling.RateQuota', 'Throttling.AllocationQuota', 'Throttling']) {
      simulator.inject({ kind: 'http', status: 429, code }, { route: 'create' });
      expect(await create('alice')).toEqual(throttled(code));
    }
    expect(simulator.createCount).toBe(1);
    // Each refusal gave back its own token, no more: one create left, not two.
    expect(await create('alice')).toEqual(CREATED);
    expect(await create('alice')).toEqual(USER_LIMITED);
  });

  it('bad input still spends the token: the relay’s 400 and DashScope’s', async () => {
    const { simulator, create } = await setup(kind, { rateLimits: { accountCreate: false } });
    const unknownField = { ...createBody(), surprise: true };
    expect(await create('alice', { body: unknownField })).toMatchObject({
      status: 400,
      code: 'InvalidParameter',
    });
    simulator.inject({ kind: 'http', status: 400, code: 'InvalidParameter' }, { route: 'create' });
    expect(await create('alice')).toMatchObject({ status: 400, code: 'InvalidParameter' });
    expect(await create('alice')).toEqual(USER_LIMITED);
    expect(simulator.createCount).toBe(0);
  });

  it('a created task spends the token', async () => {
    const { simulator, create } = await setup(kind, { rateLimits: { accountCreate: false } });
    expect(await create('alice')).toEqual(CREATED);
    expect(await create('alice', { key: 'submission-2' })).toEqual(CREATED);
    expect(await create('alice')).toEqual(USER_LIMITED);
    expect(simulator.createCount).toBe(2);
  });

  it('refunds never give more than the burst: many turned-away creates, then exactly two', async () => {
    const { simulator, create } = await setup(kind, { rateLimits: { accountCreate: false } });
    simulator.inject(
      { kind: 'http', status: 429, code: 'Throttling.RateQuota' },
      { route: 'create' },
      6,
    );
    for (let attempt = 0; attempt < 6; attempt++) {
      expect(await create('alice')).toEqual(throttled('Throttling.RateQuota'));
    }
    expect(await create('alice')).toEqual(CREATED);
    expect(await create('alice')).toEqual(CREATED);
    expect(await create('alice')).toEqual(USER_LIMITED);
  });

  it('a retry that found its key in flight, then ran itself, is counted and given back the same way', async () => {
    const claims: (string | null)[] = [];
    const stack = await setup(
      kind,
      { rateLimits: { accountCreate: false } },
      watchingClaims(claims),
    );
    const { clock, simulator, create } = stack;
    expect(await create('alice')).toEqual(CREATED); // one of alice's two spent
    // The first submission waits 1 s upstream and is throttled; so is its retry, which arrives
    // meanwhile (a replay: the key is known), waits for it, then makes its own upstream call.
    simulator.inject({ kind: 'delay', ms: 1_000 }, { route: 'create' });
    simulator.inject(
      { kind: 'http', status: 429, code: 'Throttling.RateQuota' },
      { route: 'create' },
      2,
    );
    const first = create('alice', { key: 'submission-1' });
    await until(() => stack.upstreamCalls === 2, 'the first submission is upstream');
    const retry = create('alice', { key: 'submission-1' });
    await until(() => claims.some((found) => found !== null), 'the retry waits for the first');
    expect(await drive(clock, [first, retry])).toEqual([
      throttled('Throttling.RateQuota'),
      throttled('Throttling.RateQuota'),
    ]);
    expect(stack.upstreamCalls).toBe(3);
    expect(await create('alice')).toEqual(CREATED);
    expect(await create('alice')).toEqual(USER_LIMITED);
  });

  it('such a retry turned away by the account limit is given back too', async () => {
    const claims: (string | null)[] = [];
    const stack = await setup(
      kind,
      {
        rateLimits: {
          // One token per 10 minutes (two at once), one account create per minute.
          userCreate: { limit: 1, windowMs: 600_000, burst: 2 },
          accountCreate: { limit: 1, windowMs: 60_000, burst: 1 },
        },
      },
      watchingClaims(claims),
    );
    const { clock, simulator, create } = stack;
    expect(await create('alice')).toEqual(CREATED);
    clock.advance(60_000);
    simulator.inject({ kind: 'delay', ms: 1_000 }, { route: 'create' });
    simulator.inject(
      { kind: 'http', status: 429, code: 'Throttling.RateQuota' },
      { route: 'create' },
    );
    const first = create('alice', { key: 'submission-1' });
    await until(() => stack.upstreamCalls === 2, 'the first submission is upstream');
    const retry = create('alice', { key: 'submission-1' });
    await until(() => claims.some((found) => found !== null), 'the retry waits for the first');
    // The first spent the account's create for this minute: the retry is turned away by it.
    expect(await drive(clock, [first, retry])).toEqual([
      throttled('Throttling.RateQuota'),
      ACCOUNT_LIMITED,
    ]);
    expect(stack.upstreamCalls).toBe(2);
    clock.advance(60_000);
    expect(await create('alice')).toEqual(CREATED);
    clock.advance(60_000);
    expect(await create('alice')).toEqual(USER_LIMITED);
  });

  it('a create the relay was too busy to read (its body budget full) leaves it as it was', async () => {
    const { simulator, create } = await setup(kind, {
      rateLimits: { accountCreate: false },
      maxBufferedBodyBytes: 1_000, // less than one create body: every create finds it full
    });
    const busy = { status: 429, code: 'RelayRateLimited', scope: undefined };
    // Two back to back would exhaust alice's allowance; none of these is counted.
    for (let attempt = 0; attempt < 4; attempt++) expect(await create('alice')).toEqual(busy);
    expect(simulator.createCount).toBe(0);
  });

  it('a duplicate sent before the first had a record is a replay: one token for the two', async () => {
    const { clock, simulator, create } = await setup(kind, {
      rateLimits: { accountCreate: false },
    });
    simulator.inject({ kind: 'delay', ms: 1_000 }, { route: 'create' });
    // Both start at once: neither finds a record for the key, so both pass the user limit.
    const sent = [
      create('alice', { key: 'submission-1' }),
      create('alice', { key: 'submission-1' }),
    ];
    expect(await drive(clock, sent)).toEqual([CREATED, CREATED]);
    expect(simulator.createCount).toBe(1);
    // The replay gave its token back: alice has one create left of her two.
    expect(await create('alice')).toEqual(CREATED);
    expect(await create('alice')).toEqual(USER_LIMITED);
  });
});

describe('an app’s own store', () => {
  it('without refundRate still works: a turned-away create stays counted, as before', async () => {
    const { clock, create, events } = await setup('memory', {}, (store) => ({
      consumeRate: (key, rule, now) => store.consumeRate(key, rule, now),
      claim: (key, value, ttlMs) => store.claim(key, value, ttlMs),
      read: (key) => store.read(key),
      replace: (key, expected, value, ttlMs) => store.replace(key, expected, value, ttlMs),
      remove: (key, expected) => store.remove(key, expected),
    }));
    expect(await create('alice')).toEqual(CREATED);
    expect(await create('bob')).toEqual(ACCOUNT_LIMITED);
    expect(await create('bob')).toEqual(ACCOUNT_LIMITED);
    expect(await create('bob')).toEqual(USER_LIMITED); // his two tokens went to the refusals
    clock.advance(12_000);
    expect(await create('bob')).toEqual(CREATED);
    expect(events.some((event) => event.type === 'relay.error')).toBe(false);
  });

  it.each([
    ['rejects', () => Promise.reject(new Error('refund store unreachable'))],
    [
      'throws',
      () => {
        throw new Error('refund store unreachable');
      },
    ],
  ] as const)(
    'whose refundRate %s: the answer is still the 429, and the failure is logged',
    async (_, refundRate) => {
      const { simulator, create, events } = await setup(
        'memory',
        { rateLimits: { accountCreate: false } },
        (store) => ({ ...store, refundRate }),
      );
      simulator.inject({ kind: 'http', status: 429, code: 'Throttling' }, { route: 'create' });
      expect(await create('alice')).toEqual(throttled('Throttling'));
      const logged = events.filter((event) => event.type === 'relay.error');
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ route: 'create' });
      expect(logged[0]?.type === 'relay.error' && logged[0].message).toMatch(
        /refund store unreachable/,
      );
      expect(events.at(-1)).toMatchObject({
        type: 'relay.request',
        status: 429,
        code: 'Throttling',
      });
    },
  );
});
