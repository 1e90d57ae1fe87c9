// A page-visibility source the test flips by hand, for the pollers' hidden-tab schedule.
import type { VisibilitySource } from '../../../src/core/index.js';

/** A `VisibilitySource` whose `set(hidden)` notifies its subscribers, as `visibilitychange` does. */
export function visibilitySwitch(initiallyHidden = false) {
  let hidden = initiallyHidden;
  const listeners = new Set<() => void>();
  const source: VisibilitySource = {
    isHidden: () => hidden,
    subscribe(onChange) {
      listeners.add(onChange);
      return () => listeners.delete(onChange);
    },
  };
  return {
    source,
    set(next: boolean) {
      hidden = next;
      for (const listener of [...listeners]) listener();
    },
    /** How many subscribers are listening now. */
    get listeners() {
      return listeners.size;
    },
  };
}
