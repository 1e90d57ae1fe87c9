/**
 * The Web Locks API (`navigator.locks`, exclusive mode) for Node 20, which lacks it: a fake of
 * the platform, not of our code. Each simulated tab gets its own view; closing a tab does what
 * a browser does when a tab goes away: its held locks are released (the next request in the
 * queue is granted) and its waiting requests disappear.
 */
import type { CrossTabLockManager } from '../../../src/core/index.js';

interface Waiter {
  readonly tab: string;
  readonly callback: (lock: unknown) => Promise<void>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

interface Holder {
  readonly tab: string;
  readonly id: number;
}

/** One origin's lock manager, shared by the tabs made with `tab()`. */
export interface FakeLockOrigin {
  /** The view of one tab (pass it as `locks`). */
  tab(name: string): CrossTabLockManager;
  /** Releases the tab's locks and drops its waiting requests, like a closed tab. */
  closeTab(name: string): void;
  /** Which tab holds `lock`, if any. */
  holder(lock: string): string | undefined;
  /** How many requests wait for `lock`. */
  waiting(lock: string): number;
}

function abortError(): Error {
  const error = new Error('The lock request was aborted.');
  error.name = 'AbortError';
  return error;
}

export function createFakeLockOrigin(): FakeLockOrigin {
  const holders = new Map<string, Holder>();
  const queues = new Map<string, Waiter[]>();
  const closed = new Set<string>();
  let nextId = 1;

  function queueOf(lock: string): Waiter[] {
    let queue = queues.get(lock);
    if (!queue) {
      queue = [];
      queues.set(lock, queue);
    }
    return queue;
  }

  function release(lock: string, id: number): void {
    if (holders.get(lock)?.id !== id) return;
    holders.delete(lock);
    grantNext(lock);
  }

  function grantNext(lock: string): void {
    if (holders.has(lock)) return;
    const waiter = queueOf(lock).shift();
    if (!waiter) return;
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
    const id = nextId++;
    holders.set(lock, { tab: waiter.tab, id });
    // Browsers grant in a later task, never synchronously.
    setImmediate(() => {
      if (holders.get(lock)?.id !== id) return;
      let held: Promise<void>;
      try {
        held = Promise.resolve(waiter.callback({ name: lock, mode: 'exclusive' }));
      } catch (error) {
        held = Promise.reject(error);
      }
      held.then(
        (value) => {
          release(lock, id);
          waiter.resolve(value);
        },
        (error: unknown) => {
          release(lock, id);
          waiter.reject(error);
        },
      );
    });
  }

  return {
    tab(name) {
      return {
        request(lock, options, callback) {
          return new Promise((resolve, reject) => {
            if (closed.has(name)) return; // A closed tab's requests never settle.
            const { signal } = options;
            if (signal?.aborted) {
              reject(abortError());
              return;
            }
            const waiter: Waiter = {
              tab: name,
              callback,
              resolve,
              reject,
              signal,
              onAbort: () => {
                const queue = queueOf(lock);
                const index = queue.indexOf(waiter);
                if (index >= 0) queue.splice(index, 1);
                reject(abortError());
              },
            };
            signal?.addEventListener('abort', waiter.onAbort, { once: true });
            queueOf(lock).push(waiter);
            grantNext(lock);
          });
        },
      };
    },
    closeTab(name) {
      closed.add(name);
      for (const [lock, queue] of queues) {
        queues.set(
          lock,
          queue.filter((waiter) => waiter.tab !== name),
        );
      }
      for (const [lock, holder] of [...holders]) {
        if (holder.tab === name) release(lock, holder.id);
      }
    },
    holder: (lock) => holders.get(lock)?.tab,
    waiting: (lock) => queueOf(lock).length,
  };
}
