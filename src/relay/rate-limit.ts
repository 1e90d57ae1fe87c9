/**
 * Rate limits as data and one pure decision function. A rule `{ limit, windowMs, burst }` allows
 * on average `limit` requests per `windowMs`, at most `burst` of them back to back (a token
 * bucket, computed as GCRA: one number per key, the "theoretical arrival time"). Stores apply the
 * same function atomically (in memory, or in a Redis Lua script), so every relay instance that
 * shares a store shares the limit; `gcraRefund` gives a token back (a create that made no video).
 */
import { KeyframeVideoError } from '../core/errors.js';

/** At most `limit` per `windowMs` on average; up to `burst` (default `limit`) at once. */
export interface RateLimitRule {
  readonly limit: number;
  readonly windowMs: number;
  readonly burst?: number;
}

/** The relay's limits. `false` turns one off. */
export interface RelayRateLimits {
  /** Creates per user (default 5 per minute, 2 back to back). */
  readonly userCreate: RateLimitRule | false;
  /** Task queries and cancels per user (default 5 per second, 10 back to back). */
  readonly userQuery: RateLimitRule | false;
  /**
   * Creates for the whole account, all users together. DashScope allows 2 per second
   * (Singapore: 1); the default spaces them 500 ms apart so no one-second window holds three.
   */
  readonly accountCreate: RateLimitRule | false;
  /** Queries for the whole account (DashScope allows 20 per second; default 15). */
  readonly accountQuery: RateLimitRule | false;
}

/** The defaults: each below DashScope's account quotas (create 2/s, query 20/s). */
export const DEFAULT_RATE_LIMITS: RelayRateLimits = Object.freeze({
  userCreate: Object.freeze({ limit: 5, windowMs: 60_000, burst: 2 }),
  userQuery: Object.freeze({ limit: 5, windowMs: 1_000, burst: 10 }),
  accountCreate: Object.freeze({ limit: 2, windowMs: 1_000, burst: 1 }),
  accountQuery: Object.freeze({ limit: 15, windowMs: 1_000, burst: 15 }),
});

/** Singapore's account allows one create per second. */
export const SINGAPORE_ACCOUNT_CREATE: RateLimitRule = Object.freeze({
  limit: 1,
  windowMs: 1_000,
  burst: 1,
});

/** A store's answer for one request. */
export interface RateDecision {
  readonly allowed: boolean;
  /** How long to wait before the next request can pass (0 when allowed). */
  readonly retryAfterMs: number;
}

/** The outcome of {@link gcra}: the decision and the state to store when allowed. */
export interface GcraStep extends RateDecision {
  /** The new theoretical arrival time (store it when `allowed`). */
  readonly tat: number;
  /** How long the stored state matters (its TTL), in ms. */
  readonly ttlMs: number;
}

function badRule(name: string, field: string, what: string): KeyframeVideoError {
  const param = `rateLimits.${name}.${field}`;
  return new KeyframeVideoError({
    code: 'InvalidParameter',
    param,
    message: `${param} must be ${what}.`,
  });
}

/** Checks a rule's numbers; throws a `KeyframeVideoError` naming the bad one. */
export function checkRule(rule: RateLimitRule, name: string): void {
  const burst = rule.burst ?? rule.limit;
  if (!(Number.isFinite(rule.limit) && rule.limit > 0)) {
    throw badRule(name, 'limit', 'a positive number');
  }
  if (!(Number.isFinite(rule.windowMs) && rule.windowMs > 0)) {
    throw badRule(name, 'windowMs', 'a positive number of milliseconds');
  }
  if (!(Number.isInteger(burst) && burst >= 1)) {
    throw badRule(name, 'burst', 'a whole number of at least 1');
  }
}

/**
 * One GCRA step: given the stored theoretical arrival time (`undefined` when none) and the time
 * now, whether a request passes, how long to wait if not, and the state to store if so.
 */
export function gcra(stored: number | undefined, rule: RateLimitRule, now: number): GcraStep {
  const interval = rule.windowMs / rule.limit;
  const tolerance = ((rule.burst ?? rule.limit) - 1) * interval;
  const tat = Math.max(stored ?? now, now);
  const next = tat + interval;
  const allowAt = next - interval - tolerance;
  if (now < allowAt) {
    return {
      allowed: false,
      retryAfterMs: Math.ceil(allowAt - now),
      tat,
      ttlMs: Math.ceil(tat - now),
    };
  }
  return { allowed: true, retryAfterMs: 0, tat: next, ttlMs: Math.ceil(next - now) };
}

/**
 * Gives back one request {@link gcra} let through: the stored theoretical arrival time moves
 * back by one emission interval, never below `now` (a full bucket holds `burst`, no more).
 * Returns the state to store and its TTL, like an allowed step.
 */
export function gcraRefund(
  stored: number,
  rule: RateLimitRule,
  now: number,
): Pick<GcraStep, 'tat' | 'ttlMs'> {
  const tat = Math.max(stored - rule.windowMs / rule.limit, now);
  return { tat, ttlMs: Math.ceil(tat - now) };
}
