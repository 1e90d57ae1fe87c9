/**
 * Where a form's frames survive a reload: the image bytes in IndexedDB (through idb-keyval),
 * because they are too large for localStorage. Stored as plain bytes with their type and name
 * (not as a Blob) so that every browser, and test doubles of IndexedDB, can clone them.
 *
 * Server-safe: nothing touches `indexedDB` until a method is called, and where there is none
 * (a server, a browser with storage blocked) the store keeps frames in memory.
 */
import { createStore, del, get, set, type UseStore } from 'idb-keyval';

/** One stored frame: its bytes and what it was called. */
export interface StoredFrame {
  readonly bytes: Uint8Array;
  /** Media type, e.g. `"image/jpeg"`. */
  readonly type: string;
  readonly name: string | undefined;
}

/**
 * Keeps frames by key. Reads never throw (a broken store reads as empty); writes report
 * failures by rejecting, and callers treat them as "not saved", never as a failed video.
 */
export interface FrameStore {
  save(key: string, frame: StoredFrame): Promise<void>;
  load(key: string): Promise<StoredFrame | undefined>;
  remove(key: string): Promise<void>;
}

/** Keeps frames in this page's memory: tests, servers, browsers without IndexedDB. */
export function createMemoryFrameStore(): FrameStore {
  const frames = new Map<string, StoredFrame>();
  return {
    save: async (key, frame) => {
      frames.set(key, { ...frame, bytes: frame.bytes.slice() });
    },
    load: async (key) => frames.get(key),
    remove: async (key) => {
      frames.delete(key);
    },
  };
}

/** Options of {@link createIndexedDbFrameStore}. */
export interface IndexedDbFrameStoreOptions {
  /** Database name (default `"react-keyframe-video"`). */
  dbName?: string | undefined;
  /** Object store name (default `"frames"`). */
  storeName?: string | undefined;
}

/**
 * Reads a stored record back as a frame. Structured clones may come from another realm (an
 * iframe, a test double), where `instanceof Uint8Array` fails: check the tag and copy.
 */
function toStoredFrame(value: unknown): StoredFrame | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const frame = value as Record<string, unknown>;
  const { bytes, type, name } = frame;
  if (Object.prototype.toString.call(bytes) !== '[object Uint8Array]') return undefined;
  if (typeof type !== 'string' || (name !== undefined && typeof name !== 'string')) {
    return undefined;
  }
  return { bytes: new Uint8Array(bytes as ArrayLike<number>), type, name };
}

function hasIndexedDb(): boolean {
  try {
    return typeof (globalThis as { indexedDB?: unknown }).indexedDB === 'object';
  } catch {
    return false;
  }
}

/**
 * Frames in IndexedDB (database `react-keyframe-video`, store `frames`), falling back to
 * memory when IndexedDB is missing or refuses to open (Firefox private windows, blocked
 * storage). Only `bytes`, `type` and `name` are stored.
 */
export function createIndexedDbFrameStore(options: IndexedDbFrameStoreOptions = {}): FrameStore {
  const memory = createMemoryFrameStore();
  let store: UseStore | undefined;
  let broken = false;

  function database(): UseStore | undefined {
    if (broken || !hasIndexedDb()) return undefined;
    store ??= createStore(options.dbName ?? 'react-keyframe-video', options.storeName ?? 'frames');
    return store;
  }

  return {
    async save(key, frame) {
      const db = database();
      if (!db) return memory.save(key, frame);
      const record: StoredFrame = { bytes: frame.bytes, type: frame.type, name: frame.name };
      try {
        await set(key, record, db);
      } catch (error) {
        // IndexedDB that cannot open at all (not a full disk) is given up for this page.
        if ((error as { name?: unknown } | undefined)?.name === 'InvalidStateError') broken = true;
        await memory.save(key, frame);
        throw error;
      }
    },
    async load(key) {
      const db = database();
      const kept = await memory.load(key);
      if (kept || !db) return kept;
      try {
        return toStoredFrame(await get(key, db));
      } catch {
        return undefined;
      }
    },
    async remove(key) {
      await memory.remove(key);
      const db = database();
      if (!db) return;
      try {
        await del(key, db);
      } catch {
        // Nothing else to do: a store that cannot delete cannot be cleaned up from here.
      }
    },
  };
}
