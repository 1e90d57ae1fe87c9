/**
 * Surviving a reload. A submission is recorded before its request is sent (with its idempotency
 * key) and completed when the task id arrives, so a page that reloads mid-task resumes polling
 * that task — or re-sends the same idempotency key — instead of paying for a second video.
 * Also a small history of observed durations, which the poller and the ETA use.
 *
 * Everything here is safe to import and call during server rendering: storage is looked up when
 * a function is called, never at import, and anything unusable falls back to memory.
 */
import * as z from 'zod/mini';

/** The part of the Web Storage API we use; `localStorage` and `sessionStorage` fit it. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** A `StorageLike` in memory: for tests, servers, and browsers without usable storage. */
export function createMemoryStorage(): StorageLike {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => {
      items.set(key, String(value));
    },
    removeItem: (key) => {
      items.delete(key);
    },
  };
}

/** Storage whose failures read as "nothing stored" and whose failed writes are dropped. */
function guarded(storage: StorageLike): StorageLike {
  return {
    getItem(key) {
      try {
        return storage.getItem(key);
      } catch {
        return null;
      }
    },
    setItem(key, value) {
      try {
        storage.setItem(key, value);
      } catch {
        // A full or blocked storage must not stop a submission; the record is only a safety net.
      }
    },
    removeItem(key) {
      try {
        storage.removeItem(key);
      } catch {
        // As above.
      }
    },
  };
}

const PROBE_KEY = '__kfv_storage_probe__';

function usableLocalStorage(): StorageLike | undefined {
  try {
    // Reading the property can itself throw (Safari with storage blocked, sandboxed iframes).
    const storage = (globalThis as { localStorage?: StorageLike }).localStorage;
    if (!storage) return undefined;
    storage.setItem(PROBE_KEY, '1');
    storage.removeItem(PROBE_KEY);
    return storage;
  } catch {
    return undefined;
  }
}

let browserMemory: StorageLike | undefined;

/**
 * `localStorage` when it works, memory when it does not (server rendering, Node, Safari private
 * mode, blocked storage, a full quota). Writes that throw later (quota) are kept in memory, so the
 * current page still behaves. In a browser the memory fallback is shared by the page; on a server
 * each call gets its own, so nothing leaks between requests.
 */
export function localStorageOrMemory(): StorageLike {
  const isBrowser = typeof (globalThis as { window?: unknown }).window !== 'undefined';
  const memory = isBrowser ? (browserMemory ??= createMemoryStorage()) : createMemoryStorage();
  const local = usableLocalStorage();
  if (!local) return memory;
  return {
    getItem(key) {
      const kept = memory.getItem(key);
      if (kept !== null) return kept;
      try {
        return local.getItem(key);
      } catch {
        return null;
      }
    },
    setItem(key, value) {
      try {
        local.setItem(key, value);
        memory.removeItem(key);
      } catch {
        memory.setItem(key, value);
      }
    },
    removeItem(key) {
      memory.removeItem(key);
      try {
        local.removeItem(key);
      } catch {
        // Nothing to do: the memory copy is gone, and storage that throws cannot be cleaned.
      }
    },
  };
}

/** Submissions older than this are dropped: DashScope forgets tasks (and links) after 24 h. */
export const SUBMISSION_MAX_AGE_MS = 24 * 60 * 60 * 1000;

const SubmissionRecordSchema = z.object({
  version: z.literal(1),
  idempotencyKey: z.string().check(z.minLength(1)),
  taskId: z.optional(z.string().check(z.minLength(1))),
  submittedAt: z.number().check(z.gte(0)),
  attachedAt: z.optional(z.number().check(z.gte(0))),
  model: z.string().check(z.minLength(1)),
  resolution: z.optional(z.string()),
  fingerprint: z.optional(z.string()),
});

/** A recorded submission, as stored (JSON) under the store's key. */
export type SubmissionRecord = z.infer<typeof SubmissionRecordSchema>;

/** What is known before the create request is sent. */
export interface SubmissionStart {
  /** The `Idempotency-Key` the create request carries; re-sending it never pays twice. */
  idempotencyKey: string;
  model: string;
  resolution?: string | undefined;
  /** A digest of the request (prompt, frames, parameters) to tell a resumable submission from a new one. */
  fingerprint?: string | undefined;
}

/** Options of {@link createSubmissionStore}. */
export interface SubmissionStoreOptions {
  /** The storage key, e.g. `"kfv:studio"`; one record per key. */
  key: string;
  /** Where to keep the record (default {@link localStorageOrMemory}). */
  storage?: StorageLike | undefined;
  /** The time in epoch ms (default `Date.now`). */
  now?: (() => number) | undefined;
}

/** One submission's record under one key. Reading never throws; bad records read as none. */
export interface SubmissionStore {
  /** Records a submission. Call it BEFORE sending the create request. Replaces any record. */
  begin(start: SubmissionStart): SubmissionRecord;
  /** Adds the task id once the create answer arrives. Returns undefined when nothing was begun. */
  attach(taskId: string): SubmissionRecord | undefined;
  /** The current record, or undefined when there is none, it is corrupt, or older than 24 h. */
  read(): SubmissionRecord | undefined;
  /** Forgets the submission (after success, failure or a reset). */
  clear(): void;
  /** Calls `listener` after this store writes, and when another tab changes the key. */
  subscribe(listener: () => void): () => void;
}

/** Makes a {@link SubmissionStore} over `storage` (default: localStorage, else memory). */
export function createSubmissionStore(options: SubmissionStoreOptions): SubmissionStore {
  const { key } = options;
  const storage = guarded(options.storage ?? localStorageOrMemory());
  const now = options.now ?? (() => Date.now());
  const listeners = new Set<() => void>();
  let stopWatchingTabs: (() => void) | undefined;

  function notify(): void {
    for (const listener of [...listeners]) listener();
  }

  function write(record: SubmissionRecord): void {
    storage.setItem(key, JSON.stringify(record));
    notify();
  }

  function read(): SubmissionRecord | undefined {
    const text = storage.getItem(key);
    if (text === null) return undefined;
    const record = parseRecord(text);
    if (!record || now() - record.submittedAt > SUBMISSION_MAX_AGE_MS) {
      storage.removeItem(key);
      return undefined;
    }
    return record;
  }

  return {
    begin(start) {
      const record: SubmissionRecord = {
        version: 1,
        idempotencyKey: start.idempotencyKey,
        submittedAt: now(),
        model: start.model,
        ...(start.resolution !== undefined && { resolution: start.resolution }),
        ...(start.fingerprint !== undefined && { fingerprint: start.fingerprint }),
      };
      write(record);
      return record;
    },
    attach(taskId) {
      const current = read();
      if (!current) return undefined;
      const record: SubmissionRecord = { ...current, taskId, attachedAt: now() };
      write(record);
      return record;
    },
    read,
    clear() {
      storage.removeItem(key);
      notify();
    },
    subscribe(listener) {
      listeners.add(listener);
      stopWatchingTabs ??= watchOtherTabs(key, notify);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          stopWatchingTabs?.();
          stopWatchingTabs = undefined;
        }
      };
    },
  };
}

function parseRecord(text: string): SubmissionRecord | undefined {
  try {
    const parsed = SubmissionRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Other tabs' writes arrive as `storage` events on `window`; there is none on a server. */
function watchOtherTabs(key: string, onChange: () => void): (() => void) | undefined {
  const target = globalThis as {
    addEventListener?: (type: string, listener: (event: { key?: string | null }) => void) => void;
    removeEventListener?: (
      type: string,
      listener: (event: { key?: string | null }) => void,
    ) => void;
  };
  if (typeof target.addEventListener !== 'function') return undefined;
  const listener = (event: { key?: string | null }): void => {
    if (event.key === key || event.key === null) onChange();
  };
  target.addEventListener('storage', listener);
  return () => target.removeEventListener?.('storage', listener);
}

const DurationHistorySchema = z.object({
  version: z.literal(1),
  // Model|resolution → samples. An object with a catchall accepts what `z.record(z.string(), …)`
  // accepts from JSON, without pulling zod's record schema into every bundle.
  samples: z.catchall(z.object({}), z.array(z.number())),
  /** The last recorded task ids: a task seen finishing by several tabs counts once. */
  taskIds: z.optional(z.array(z.string())),
});

/** How many recorded task ids are remembered for de-duplication. */
const RECENT_TASK_IDS = 50;

/** Options of {@link createDurationHistory}. */
export interface DurationHistoryOptions {
  /** The storage key, e.g. `"kfv:durations"`. */
  key: string;
  /** Where to keep the samples (default {@link localStorageOrMemory}). */
  storage?: StorageLike | undefined;
  /** Samples kept per model and resolution (default 20). */
  maxSamples?: number | undefined;
  /** Fewer samples than this give no estimate (default 3): one odd task is not a typical one. */
  minSamples?: number | undefined;
}

/** Which kind of task a duration belongs to. */
export interface DurationKind {
  model: string;
  resolution?: string | undefined;
}

/**
 * Observed task durations per model and resolution, for the poller's schedule and honest ETAs.
 */
export interface DurationHistory {
  /**
   * Adds one observed duration (submit → seen finished), in ms. Ignores values ≤ 0 or > 24 h,
   * and a `taskId` recorded before (several tabs showing one task each see it finish).
   */
  record(sample: DurationKind & { durationMs: number; taskId?: string | undefined }): void;
  /** The median of the last samples for this kind, or undefined when there are too few. */
  expectedDurationMs(kind: DurationKind): number | undefined;
  /** Forgets every sample. */
  clear(): void;
}

/** Makes a {@link DurationHistory}. Corrupt stored data reads as an empty history. */
export function createDurationHistory(options: DurationHistoryOptions): DurationHistory {
  const { key } = options;
  const storage = guarded(options.storage ?? localStorageOrMemory());
  const maxSamples = Math.max(1, options.maxSamples ?? 20);
  const minSamples = Math.max(1, options.minSamples ?? 3);

  function load(): { samples: Record<string, number[]>; taskIds: string[] } {
    const text = storage.getItem(key);
    if (text === null) return { samples: {}, taskIds: [] };
    try {
      const parsed = DurationHistorySchema.safeParse(JSON.parse(text));
      if (parsed.success)
        return { samples: parsed.data.samples, taskIds: parsed.data.taskIds ?? [] };
    } catch {
      // Corrupt JSON: start over, below.
    }
    storage.removeItem(key);
    return { samples: {}, taskIds: [] };
  }

  return {
    record({ model, resolution, durationMs, taskId }) {
      if (!Number.isFinite(durationMs) || durationMs <= 0 || durationMs > SUBMISSION_MAX_AGE_MS)
        return;
      const { samples, taskIds } = load();
      if (taskId !== undefined && taskIds.includes(taskId)) return;
      const kind = kindKey({ model, resolution });
      samples[kind] = [...(samples[kind] ?? []), durationMs].slice(-maxSamples);
      const recent = taskId === undefined ? taskIds : [...taskIds, taskId].slice(-RECENT_TASK_IDS);
      storage.setItem(key, JSON.stringify({ version: 1, samples, taskIds: recent }));
    },
    expectedDurationMs(kind) {
      const values = (load().samples[kindKey(kind)] ?? []).filter(
        (v) => Number.isFinite(v) && v > 0,
      );
      return values.length >= minSamples ? median(values.slice(-maxSamples)) : undefined;
    },
    clear() {
      storage.removeItem(key);
    },
  };
}

function kindKey(kind: DurationKind): string {
  return `${kind.model}|${kind.resolution ?? ''}`;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] ?? upper) + upper) / 2;
}
