/**
 * Time as a dependency. The poller, the simulator and the benchmarks ask a `Clock` for the time
 * and for timers instead of calling `Date.now`/`setTimeout` directly, so tests and simulations
 * can run minutes of polling in microseconds with no wall-clock waits.
 */
import { KeyframeVideoError } from './errors.js';

/** What the poller needs from time: the current time and one-shot timers. */
export interface Clock {
  /** Milliseconds since the epoch (or since any fixed origin, for a manual clock). */
  now(): number;
  /** Runs `fn` once after `ms` milliseconds; returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): unknown;
  /** Cancels a timer made by this clock's `setTimeout`; unknown handles are ignored. */
  clearTimeout(handle: unknown): void;
}

/** The real clock: `Date.now` and the global timers. Safe in browsers, workers, Node and edge. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => {
    globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>);
  },
};

/**
 * A clock that only moves when told to. Timers fire in due-time order (ties in the order they were
 * set), each with `now()` equal to its due time. For tests, the benchmarks and the simulator.
 */
export interface ManualClock extends Clock {
  /** Timers set and not yet fired or cleared. */
  readonly pending: number;
  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, including timers
   * those timers set. Synchronous: promise callbacks run only after it returns.
   */
  advance(ms: number): void;
  /**
   * Like `advance`, but lets promise callbacks run after each timer, so async code that sets its
   * next timer from a `.then` (a poller awaiting a fetch) keeps pace with the clock.
   */
  advanceAsync(ms: number): Promise<void>;
  /**
   * Fires timers until none is left (asynchronously, like `advanceAsync`). Throws after `limit`
   * timers (default 100,000) so a loop that never ends fails instead of hanging.
   */
  runAllAsync(limit?: number): Promise<void>;
  /** Synchronous `runAllAsync`: fires timers until none is left, up to `limit`. */
  runAll(limit?: number): void;
}

interface ManualTimer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/** Options of {@link createManualClock}. */
export interface ManualClockOptions {
  /**
   * Promise turns to let run after each timer in the async methods (default 32). Enough for a
   * few chained awaits per timer; raise it if your async code nests deeper between timers.
   */
  microtaskTurns?: number;
}

const DEFAULT_RUN_LIMIT = 100_000;

/**
 * Makes a {@link ManualClock} starting at `start` (default 0). Handles are numbers; clearing an
 * unknown or fired handle does nothing, like the real `clearTimeout`.
 */
export function createManualClock(start = 0, options: ManualClockOptions = {}): ManualClock {
  const microtaskTurns = options.microtaskTurns ?? 32;
  let current = start;
  let nextId = 1;
  const timers = new Map<number, ManualTimer>();

  function nextDue(until: number): ManualTimer | undefined {
    let earliest: ManualTimer | undefined;
    for (const timer of timers.values()) {
      if (timer.due > until) continue;
      if (
        !earliest ||
        timer.due < earliest.due ||
        (timer.due === earliest.due && timer.id < earliest.id)
      )
        earliest = timer;
    }
    return earliest;
  }

  function fire(timer: ManualTimer): void {
    timers.delete(timer.id);
    current = Math.max(current, timer.due);
    timer.fn();
  }

  async function settle(): Promise<void> {
    for (let turn = 0; turn < microtaskTurns; turn += 1) await Promise.resolve();
  }

  function checkLimit(fired: number, limit: number): void {
    if (fired > limit) {
      throw new KeyframeVideoError({
        code: 'Unknown',
        message: `The manual clock fired more than ${String(limit)} timers and more keep coming: a timer loop never ends. Stop the poller, or advance by a fixed time instead.`,
      });
    }
  }

  return {
    now: () => current,
    setTimeout(fn, ms) {
      const id = nextId;
      nextId += 1;
      const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
      timers.set(id, { id, due: current + delay, fn });
      return id;
    },
    clearTimeout(handle) {
      if (typeof handle === 'number') timers.delete(handle);
    },
    get pending() {
      return timers.size;
    },
    advance(ms) {
      const until = current + Math.max(0, ms);
      for (let timer = nextDue(until); timer; timer = nextDue(until)) fire(timer);
      current = until;
    },
    async advanceAsync(ms) {
      const until = current + Math.max(0, ms);
      await settle();
      for (let timer = nextDue(until); timer; timer = nextDue(until)) {
        fire(timer);
        await settle();
      }
      current = until;
    },
    async runAllAsync(limit = DEFAULT_RUN_LIMIT) {
      await settle();
      let fired = 0;
      for (let timer = nextDue(Infinity); timer; timer = nextDue(Infinity)) {
        fired += 1;
        checkLimit(fired, limit);
        fire(timer);
        await settle();
      }
    },
    runAll(limit = DEFAULT_RUN_LIMIT) {
      let fired = 0;
      for (let timer = nextDue(Infinity); timer; timer = nextDue(Infinity)) {
        fired += 1;
        checkLimit(fired, limit);
        fire(timer);
      }
    },
  };
}
