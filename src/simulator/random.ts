/**
 * A small seeded pseudo-random generator (sfc32) for the simulator. With a seed, the same
 * sequence of requests gets the same task ids, durations and faults on every run; without one,
 * the seed comes from `crypto.getRandomValues`. Not for secrets: it only has to look random and
 * be repeatable.
 */

/** Random numbers, ids and choices, all drawn from one repeatable stream. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max] (both included). */
  int(min: number, max: number): number;
  /** A float in [min, max). */
  between(min: number, max: number): number;
  /** True with probability `p` (0 never, 1 always; the stream advances either way). */
  chance(p: number): boolean;
  /** One item of a non-empty list. */
  pick<T>(items: readonly [T, ...T[]]): T;
  /** A version-4 UUID (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`), like DashScope's task ids. */
  uuid(): string;
  /** `bytes` random bytes as lowercase hex. */
  hex(bytes: number): string;
  /** An independent stream derived from this one's seed and `label` (not from its position). */
  fork(label: string): Random;
}

/** 32-bit string hash (FNV-1a), to turn labels into seed material. */
export function hash32(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function randomSeed(): number {
  const buffer = new Uint32Array(1);
  globalThis.crypto.getRandomValues(buffer);
  return buffer[0] ?? 0;
}

/**
 * Makes a {@link Random}. Equal seeds give equal streams; `undefined` picks a random seed.
 * Streams made with `fork(label)` depend only on the seed and the label, so adding a new use of
 * randomness in one place does not shift the numbers drawn elsewhere.
 */
export function createRandom(seed?: number): Random {
  const root = seed === undefined ? randomSeed() : Math.trunc(seed) >>> 0;
  return makeStream(root, 'root');
}

function makeStream(root: number, label: string): Random {
  // sfc32 state seeded from the root seed and the label; warmed up to mix the state.
  let a = hash32(label, root ^ 0x9e3779b9);
  let b = hash32(label, root ^ 0x243f6a88);
  let c = hash32(label, root ^ 0xb7e15162);
  let d = root ^ 0x5bd1e995;
  function nextUint32(): number {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  }
  for (let i = 0; i < 12; i += 1) nextUint32();

  const random: Random = {
    next: () => nextUint32() / 4294967296,
    int(min, max) {
      const low = Math.ceil(Math.min(min, max));
      const high = Math.floor(Math.max(min, max));
      return low + Math.floor(random.next() * (high - low + 1));
    },
    between(min, max) {
      return min + random.next() * (max - min);
    },
    chance(p) {
      const roll = random.next();
      return p > 0 && roll < p;
    },
    pick(items) {
      return items[Math.floor(random.next() * items.length)] ?? items[0];
    },
    uuid() {
      const hex = random.hex(16).split('');
      hex[12] = '4';
      hex[16] = '89ab'[nextUint32() % 4] ?? '8';
      const s = hex.join('');
      return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
    },
    hex(bytes) {
      let out = '';
      for (let i = 0; i < bytes; i += 1) out += (nextUint32() & 0xff).toString(16).padStart(2, '0');
      return out;
    },
    fork(childLabel) {
      return makeStream(root, `${label}/${childLabel}`);
    },
  };
  return random;
}
