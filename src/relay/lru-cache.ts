/**
 * A small least-recently-used map, for results that are pure functions of their key and costly
 * to recompute (keyed hashes of user ids, verified task ids): hot paths skip the HMAC.
 */

/** A bounded map that forgets the least recently used entry first. */
export interface LruCache<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  readonly size: number;
}

/** Makes an {@link LruCache} holding at most `capacity` entries. */
export function createLruCache<V>(capacity: number): LruCache<V> {
  const entries = new Map<string, V>();
  return {
    get(key) {
      const value = entries.get(key);
      if (value === undefined) return undefined;
      // Map order is insertion order: move the hit to the end.
      entries.delete(key);
      entries.set(key, value);
      return value;
    },
    set(key, value) {
      entries.delete(key);
      entries.set(key, value);
      if (entries.size > capacity) {
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
    },
    get size() {
      return entries.size;
    },
  };
}
