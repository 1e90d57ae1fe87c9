/**
 * The account limits the simulator enforces like DashScope: requests per second per API key
 * (create 2/s, queries 20/s) and at most N tasks RUNNING per key, the rest waiting in PENDING.
 * Both are computed from the clock on each request — no background timers — so a manual clock
 * gives exact, repeatable answers.
 */

/** A sliding-window rate: at most `limit` requests in any `windowMs` (default 1000 ms). */
export interface RateWindow {
  limit: number;
  windowMs?: number;
}

/** Whether a request may go ahead, and if not, how long until it would. */
export type RateDecision =
  { readonly kind: 'allowed' } | { readonly kind: 'throttled'; readonly retryAfterMs: number };

/** Counts requests per key in a sliding window. Throttled requests do not count. */
export interface RateLimiter {
  /** Records a request by `key` at `now` if it fits in the window; otherwise says when it would. */
  take(key: string, now: number): RateDecision;
  /** Forgets every request. */
  reset(): void;
}

const ALLOWED: RateDecision = { kind: 'allowed' };

/** Makes a {@link RateLimiter}. A `limit` of `Infinity` allows everything. */
export function createRateLimiter(rate: RateWindow): RateLimiter {
  const windowMs = rate.windowMs ?? 1000;
  const seen = new Map<string, number[]>();
  return {
    take(key, now) {
      if (rate.limit === Infinity) return ALLOWED;
      const times = (seen.get(key) ?? []).filter((t) => t > now - windowMs && t <= now);
      if (times.length >= rate.limit) {
        seen.set(key, times);
        const oldest = times[0] ?? now;
        return { kind: 'throttled', retryAfterMs: Math.max(1, oldest + windowMs - now) };
      }
      times.push(now);
      seen.set(key, times);
      return ALLOWED;
    },
    reset() {
      seen.clear();
    },
  };
}

/** What the slot scheduler needs from a task. `startedAt` is set once, when the task starts. */
export interface SlotTask {
  /** Creation order, to break ties. */
  readonly seq: number;
  /** When the task could start if a slot were free (submit time plus its queue time). */
  readonly readyAt: number;
  /** How long it runs once started. */
  readonly runMs: number;
  startedAt: number | undefined;
}

/**
 * Starts every task that has started by `now`, given at most `slots` running at once. Tasks are
 * served first come (by `readyAt`, then `seq`); a task starts at its `readyAt` or when a slot
 * frees, whichever is later. Start times in the past are final, so calling this at the top of
 * every request makes the queue exact whatever the polling rhythm. Pass only tasks that may still
 * start or are occupying a slot (not canceled ones).
 */
export function startDueTasks(tasks: readonly SlotTask[], now: number, slots: number): void {
  const started = tasks.filter((t) => t.startedAt !== undefined);
  const waiting = tasks
    .filter((t) => t.startedAt === undefined)
    .sort((x, y) => x.readyAt - y.readyAt || x.seq - y.seq);
  let lastStart = started.reduce((max, t) => Math.max(max, t.startedAt ?? max), -Infinity);
  for (const task of waiting) {
    if (task.readyAt > now) return;
    const start = firstFreeTime(started, Math.max(task.readyAt, lastStart), slots);
    if (start > now) return;
    task.startedAt = start;
    started.push(task);
    lastStart = start;
  }
}

/** The earliest time at or after `from` when fewer than `slots` tasks are running. */
function firstFreeTime(started: readonly SlotTask[], from: number, slots: number): number {
  if (slots === Infinity) return from;
  const ends = started
    .map((t) => (t.startedAt ?? 0) + t.runMs)
    .filter((end) => end > from)
    .sort((x, y) => x - y);
  for (const time of [from, ...ends]) {
    const busy = started.filter((t) => {
      const start = t.startedAt ?? 0;
      return start <= time && time < start + t.runMs;
    }).length;
    if (busy < slots) return time;
  }
  return ends[ends.length - 1] ?? from;
}
