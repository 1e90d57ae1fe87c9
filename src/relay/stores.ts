/**
 * The relay's shared state behind one small interface: rate-limit counters and idempotency
 * records. The in-memory store is the default (one process); `createRedisRelayStore`
 * (`react-keyframe-video/relay/redis`) shares both across relay instances. Every operation is
 * atomic per key, which is all the relay needs for "one upstream create per key".
 */
import { systemClock, type Clock } from '../core/clock.js';
import { gcra, gcraRefund, type RateDecision, type RateLimitRule } from './rate-limit.js';

/** What the relay keeps between requests. Implement it to use another database. */
export interface RelayStore {
  /** Applies `rule` to `key` at time `now` (GCRA, see `gcra`), atomically. */
  consumeRate(key: string, rule: RateLimitRule, now: number): Promise<RateDecision>;
  /**
   * Gives back one request `consumeRate` let through for `key` under `rule`, atomically: the
   * stored time moves back one interval (`windowMs / limit`), never below `now`, so refunds
   * never allow more than `burst` at once; nothing happens when `key` is gone (see
   * `gcraRefund`). The relay calls it when a create it counted made no video (the account limit
   * or DashScope's throttling turned it away). Optional: without it such creates stay counted.
   */
  refundRate?(key: string, rule: RateLimitRule, now: number): Promise<void>;
  /**
   * Sets `key` to `value` for `ttlMs` only if it has no value. Returns `null` when it set it,
   * else the value already there.
   */
  claim(key: string, value: string, ttlMs: number): Promise<string | null>;
  /** The value of `key`, or `null` when absent or expired. */
  read(key: string): Promise<string | null>;
  /** Replaces the value with `value` for `ttlMs` only if it is still `expected`. */
  replace(key: string, expected: string, value: string, ttlMs: number): Promise<boolean>;
  /** Deletes `key` only if its value is still `expected`. */
  remove(key: string, expected: string): Promise<boolean>;
  /** Releases connections (stores the relay made itself are closed by their owner). */
  close?(): Promise<void>;
}

/** Options of {@link createMemoryRelayStore}. */
export interface MemoryRelayStoreOptions {
  /** Time source for expiry (default: the system clock). */
  clock?: Clock;
  /** Entries kept before expired ones are swept and then the oldest dropped (default 100,000). */
  maxEntries?: number;
}

interface Entry {
  value: string;
  expiresAt: number;
}

/**
 * A {@link RelayStore} in this process's memory: the default. Limits and idempotency hold per
 * process; with several instances behind a load balancer use the Redis store. Bounded: past
 * `maxEntries` it sweeps expired entries, then drops the oldest.
 */
export function createMemoryRelayStore(options: MemoryRelayStoreOptions = {}): RelayStore {
  const clock = options.clock ?? systemClock;
  const maxEntries = options.maxEntries ?? 100_000;
  const entries = new Map<string, Entry>();

  function live(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= clock.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function put(key: string, value: string, ttlMs: number): void {
    entries.delete(key); // re-insert so Map order is age order
    entries.set(key, { value, expiresAt: clock.now() + Math.max(1, ttlMs) });
    if (entries.size <= maxEntries) return;
    const now = clock.now();
    for (const [k, entry] of entries) if (entry.expiresAt <= now) entries.delete(k);
    for (const k of entries.keys()) {
      if (entries.size <= maxEntries) break;
      entries.delete(k);
    }
  }

  return {
    consumeRate(key, rule, now) {
      const entry = live(key);
      const stored = entry ? Number(entry.value) : undefined;
      const step = gcra(stored, rule, now);
      if (step.allowed) put(key, String(step.tat), step.ttlMs);
      return Promise.resolve({ allowed: step.allowed, retryAfterMs: step.retryAfterMs });
    },
    refundRate(key, rule, now) {
      const entry = live(key);
      if (entry) {
        const step = gcraRefund(Number(entry.value), rule, now);
        put(key, String(step.tat), step.ttlMs);
      }
      return Promise.resolve();
    },
    claim(key, value, ttlMs) {
      const entry = live(key);
      if (entry) return Promise.resolve(entry.value);
      put(key, value, ttlMs);
      return Promise.resolve(null);
    },
    read(key) {
      return Promise.resolve(live(key)?.value ?? null);
    },
    replace(key, expected, value, ttlMs) {
      if (live(key)?.value !== expected) return Promise.resolve(false);
      put(key, value, ttlMs);
      return Promise.resolve(true);
    },
    remove(key, expected) {
      if (live(key)?.value !== expected) return Promise.resolve(false);
      entries.delete(key);
      return Promise.resolve(true);
    },
  };
}
