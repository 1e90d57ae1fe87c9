/**
 * An opt-in re-render every `intervalMs` (for a ticking "elapsed" or "retrying in N s"), on the
 * injected clock, one timer at a time (no `setInterval`). Store snapshots are never ticked: a
 * value that changed every second would re-render every subscriber; only the component that
 * asked for a tick re-renders.
 */
import { useCallback, useState, useSyncExternalStore } from 'react';
import type { Clock } from '../core/index.js';

/** A per-component tick counter: an external store of one number. */
function createTicker() {
  let count = 0;
  return {
    read: (): number => count,
    start(clock: Clock, intervalMs: number, onTick: () => void): () => void {
      let handle: unknown;
      const schedule = (): void => {
        handle = clock.setTimeout(() => {
          count += 1;
          onTick();
          schedule();
        }, intervalMs);
      };
      schedule();
      return () => clock.clearTimeout(handle);
    },
  };
}

const serverTicks = (): number => 0;

/**
 * Re-renders the calling component every `intervalMs` while `enabled`; returns a counter that
 * changes on each tick. `undefined` or a non-positive interval never re-renders.
 */
export function useTick(clock: Clock, intervalMs: number | undefined, enabled: boolean): number {
  const [ticker] = useState(createTicker);
  const period = enabled && intervalMs !== undefined && intervalMs > 0 ? intervalMs : undefined;
  const subscribe = useCallback(
    (onTick: () => void) => (period === undefined ? () => {} : ticker.start(clock, period, onTick)),
    [ticker, clock, period],
  );
  return useSyncExternalStore(subscribe, ticker.read, serverTicks);
}
