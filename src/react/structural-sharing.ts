/**
 * Structural sharing for snapshots (as in TanStack Query's `replaceEqualDeep`): a newly derived
 * value reuses every part of the previous one that is equal, so unchanged parts keep their
 * identity and a snapshot that changed nothing is the very same object — which is what lets
 * `useSyncExternalStore` skip the render.
 */

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * Returns `previous` where `next` equals it, else `next` with equal parts taken from
 * `previous`. Plain objects and arrays are compared by content; anything else (Blobs, errors,
 * class instances) by identity.
 */
export function replaceEqualDeep<T>(previous: unknown, next: T): T {
  if (Object.is(previous, next)) return previous as T;
  if (Array.isArray(previous) && Array.isArray(next)) {
    const merged = next.map((item, index) => replaceEqualDeep(previous[index], item));
    const same =
      previous.length === next.length && merged.every((item, index) => item === previous[index]);
    return (same ? previous : merged) as T;
  }
  if (isPlainObject(previous) && isPlainObject(next)) {
    const nextKeys = Object.keys(next);
    const merged: Record<string, unknown> = {};
    let same = nextKeys.length === Object.keys(previous).length;
    for (const key of nextKeys) {
      merged[key] = replaceEqualDeep(previous[key], next[key]);
      if (merged[key] !== previous[key] || !(key in previous)) same = false;
    }
    return (same ? previous : Object.freeze(merged)) as T;
  }
  return next;
}
