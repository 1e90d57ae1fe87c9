// Rate limits on a manual clock: per user (creates and queries separately) and per account
// (creates spaced so DashScope's 2/s is never exceeded), each refusal a 429 with Retry-After
// and no upstream call. The decision function is GCRA (a token bucket): `limit` per `windowMs`
// on average, `burst` back to back.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RATE_LIMITS,
  gcra,
  type KeyframeVideoRelayOptions,
} from '../../src/relay/index.js';
import { createInProcessRelay, createRequest } from './helpers/in-process-relay.js';

describe('gcra', () => {
  it('lets a burst through, then one per interval, and says how long to wait', () => {
    const rule = { limit: 2, windowMs: 1_000, burst: 2 };
    let tat: number | undefined;
    const step = (now: number) => {
      const result = gcra(tat, rule, now);
      if (result.allowed) tat = result.tat;
      return [result.allowed, result.retryAfterMs];
    };
    expect(step(0)).toEqual([true, 0]);
    expect(step(0)).toEqual([true, 0]);
    expect(step(0)).toEqual([false, 500]);
    expect(step(499)).toEqual([false, 1]);
    expect(step(500)).toEqual([true, 0]);
    expect(step(600)).toEqual([false, 400]);
    expect(step(5_000)).toEqual([true, 0]);
    expect(step(5_000)).toEqual([true, 0]);
    expect(step(5_000)).toEqual([false, 500]);
  });

  it('with burst 1 spaces requests evenly: never three in any one-second window at 2/s', () => {
    const rule = { limit: 2, windowMs: 1_000, burst: 1 };
    let tat: number | undefined;
    const passed: number[] = [];
    for (let now = 0; now < 10_000; now += 7) {
      const result = gcra(tat, rule, now);
      if (result.allowed) {
        tat = result.tat;
        passed.push(now);
      }
    }
    for (let i = 2; i < passed.length; i++) {
      expect((passed[i] ?? 0) - (passed[i - 2] ?? 0)).toBeGreaterThanOrEqual(1_000);
    }
    expect(passed.length).toBeGreaterThanOrEqual(19);
  });

  it('the defaults stay under DashScope’s account quotas (create 2/s, query 20/s)', () => {
    const { accountCreate, accountQuery, userCreate, userQuery } = DEFAULT_RATE_LIMITS;
    for (const rule of [accountCreate, accountQuery, userCreate, userQuery])
      expect(rule).not.toBe(false);
    const perSecond = (rule: typeof accountCreate) =>
      rule === false ? Infinity : (rule.limit * 1_000) / rule.windowMs;
    expect(perSecond(accountCreate)).toBeLessThanOrEqual(2);
    expect(perSecond(accountQuery)).toBeLessThan(20);
    expect(perSecond(userCreate)).toBeLessThan(perSecond(accountCreate));
    expect(perSecond(userQuery)).toBeLessThan(perSecond(accountQuery));
  });
});

function setup(options: Partial<KeyframeVideoRelayOptions> = {}) {
  const { clock, simulator, events, relay } = createInProcessRelay(options);
  const create = (user: string) => relay(createRequest(user));
  const get = (user: string, id: string) =>
    relay(new Request(`https://app.example/kv/tasks/${id}`, { headers: { 'x-test-user': user } }));
  return { clock, simulator, events, create, get };
}

const taskIdOf = async (response: Response) =>
  ((await response.json()) as { output: { task_id: string } }).output.task_id;

describe('the relay’s default limits', () => {
  it('account creates are spaced 500 ms apart across users (Retry-After: 1)', async () => {
    const { clock, simulator, create } = setup();
    expect((await create('alice')).status).toBe(200);
    const second = await create('bob');
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(((await second.json()) as { code: string }).code).toBe('RelayRateLimited');
    expect(simulator.createCount).toBe(1);
    clock.advance(500);
    expect((await create('bob')).status).toBe(200);
  });

  it('a user may create 2 at once, then 5 a minute (one every 12 s)', async () => {
    const { clock, create } = setup({ rateLimits: { accountCreate: false } });
    expect((await create('alice')).status).toBe(200);
    expect((await create('alice')).status).toBe(200);
    const third = await create('alice');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('12');
    expect((await create('bob')).status).toBe(200); // another user is not affected
    clock.advance(11_999);
    expect((await create('alice')).status).toBe(429);
    clock.advance(1);
    expect((await create('alice')).status).toBe(200);
  });

  it('a user may read 10 at once, then 5 per second; reads do not spend creates', async () => {
    const { clock, create, get, events } = setup();
    const id = await taskIdOf(await create('alice'));
    for (let i = 0; i < 10; i++) expect((await get('alice', id)).status).toBe(200);
    const refused = await get('alice', id);
    expect(refused.status).toBe(429);
    expect(events.at(-2)).toMatchObject({
      type: 'relay.rate_limited',
      scope: 'user',
      route: 'get',
    });
    clock.advance(200);
    expect((await get('alice', id)).status).toBe(200);
    clock.advance(1_000);
    expect((await create('alice')).status).toBe(200);
  });

  it('Singapore’s account allows one create per second', async () => {
    const { clock, create } = setup({ region: 'singapore' });
    expect((await create('alice')).status).toBe(200);
    clock.advance(999);
    expect((await create('bob')).status).toBe(429);
    clock.advance(1);
    expect((await create('bob')).status).toBe(200);
  });

  it('a rule set to false is off', async () => {
    const { create } = setup({ rateLimits: { userCreate: false, accountCreate: false } });
    for (let i = 0; i < 8; i++) expect((await create('alice')).status).toBe(200);
  });
});
