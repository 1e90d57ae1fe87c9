/**
 * A {@link RelayStore} in Redis, so every relay instance behind a load balancer shares rate
 * limits and idempotency records. Each operation is one Lua script, atomic on the server. Uses
 * the `redis` package (node-redis, an optional peer dependency): pass a `url` and the store
 * makes and owns its client, or pass your own connected client.
 *
 * Import it from `react-keyframe-video/relay/redis` (Node only; the edge-safe relay does not
 * import it).
 */
import { createClient } from 'redis';
import type { RateLimitRule } from './rate-limit.js';
import type { RelayStore } from './stores.js';

/** The few client methods the store uses; a node-redis 4/5/6 client has them. */
export interface RedisScriptClient {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Options of {@link createRedisRelayStore}: a `url` (the store owns the client) or a `client`. */
export type RedisRelayStoreOptions = (
  | {
      /** `redis://[user:password@]host:port[/db]` or `rediss://…` for TLS. */
      url: string;
      client?: undefined;
      /** Connection errors (the client reconnects by itself); default: ignored. */
      onError?: (error: unknown) => void;
    }
  | { client: RedisScriptClient; url?: undefined; onError?: undefined }
) & {
  /** Prefix of every key the store writes (default `"kfv:"`). */
  keyPrefix?: string;
};

const CONSUME_RATE = `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tolerance = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]))
if (not tat) or tat < now then tat = now end
local nextTat = tat + interval
local allowAt = nextTat - interval - tolerance
if now < allowAt then
  return {0, math.ceil(allowAt - now)}
end
redis.call('SET', KEYS[1], string.format('%.3f', nextTat), 'PX', math.max(1, math.ceil(nextTat - now)))
return {1, 0}
`;

const REFUND_RATE = `
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if not tat then return 0 end
tat = tat - interval
if tat < now then tat = now end
redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.max(1, math.ceil(tat - now)))
return 1
`;

const CLAIM = `
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
`;

const REPLACE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`;

const REMOVE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

const READ = `return redis.call('GET', KEYS[1])`;

function ttl(ms: number): string {
  return String(Math.max(1, Math.ceil(ms)));
}

/** A Redis-backed {@link RelayStore}. Resolves once connected (when given a `url`). */
export async function createRedisRelayStore(options: RedisRelayStoreOptions): Promise<RelayStore> {
  const prefix = options.keyPrefix ?? 'kfv:';
  let client: RedisScriptClient;
  let close: (() => Promise<void>) | undefined;
  if (options.url !== undefined) {
    const onError = options.onError ?? (() => undefined);
    // Fail fast while disconnected instead of queueing requests behind an outage.
    const owned = createClient({
      url: options.url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 5_000 },
    });
    owned.on('error', onError);
    await owned.connect();
    client = owned as unknown as RedisScriptClient;
    close = async () => {
      await owned.close();
    };
  } else {
    client = options.client;
  }

  const run = (script: string, key: string, args: string[]) =>
    client.eval(script, { keys: [prefix + key], arguments: args });

  const store: RelayStore = {
    async consumeRate(key, rule: RateLimitRule, now) {
      const interval = rule.windowMs / rule.limit;
      const tolerance = ((rule.burst ?? rule.limit) - 1) * interval;
      const reply = await run(CONSUME_RATE, key, [
        String(now),
        String(interval),
        String(tolerance),
      ]);
      const [allowed, retryAfterMs] = Array.isArray(reply) ? reply.map(Number) : [];
      return { allowed: allowed === 1, retryAfterMs: retryAfterMs ?? 0 };
    },
    async refundRate(key, rule: RateLimitRule, now) {
      await run(REFUND_RATE, key, [String(now), String(rule.windowMs / rule.limit)]);
    },
    async claim(key, value, ttlMs) {
      const reply = await run(CLAIM, key, [value, ttl(ttlMs)]);
      return typeof reply === 'string' ? reply : null;
    },
    async read(key) {
      const reply = await run(READ, key, []);
      return typeof reply === 'string' ? reply : null;
    },
    async replace(key, expected, value, ttlMs) {
      return Number(await run(REPLACE, key, [expected, value, ttl(ttlMs)])) === 1;
    },
    async remove(key, expected) {
      return Number(await run(REMOVE, key, [expected])) === 1;
    },
  };
  if (close) store.close = close;
  return store;
}
