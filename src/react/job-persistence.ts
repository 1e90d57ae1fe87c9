/**
 * What one form keeps across reloads under its `persistKey`: the inputs, which frames it had,
 * the task it is watching (with the core's submission record: idempotency key before the
 * request, task id on arrival) and its last finished result. Small values go to Web Storage;
 * the frames' bytes go to the frame store (IndexedDB). Without a `persistKey` everything stays
 * in memory, through the same code path.
 */
import * as z from 'zod/mini';
import {
  createIdempotencyKey,
  createMemoryStorage,
  createSubmissionStore,
  type StorageLike,
  type SubmissionStore,
} from '../core/index.js';
import { createMemoryFrameStore, type FrameStore, type StoredFrame } from './frame-store.js';
import { hashText } from './hash-text.js';
import type {
  FrameSlot,
  KeyframeVideoInputs,
  KeyframeVideoResult,
} from './keyframe-video-state.js';

const InputsSchema = z.object({
  model: z.string(),
  prompt: z.string(),
  negativePrompt: z.string(),
  template: z.optional(z.string()),
  resolution: z.optional(z.string()),
  seed: z.optional(z.number()),
  watermark: z.optional(z.boolean()),
  promptExtend: z.optional(z.boolean()),
});

const FrameRefSchema = z.union([
  z.object({ kind: z.literal('stored'), name: z.optional(z.string()) }),
  z.object({ kind: z.literal('url'), url: z.string() }),
]);

const ResultSchema = z.object({
  taskId: z.string(),
  videoUrl: z.string(),
  expiresAt: z.number(),
  origPrompt: z.optional(z.string()),
  actualPrompt: z.optional(z.string()),
  usage: z.optional(
    z.object({
      videoDuration: z.optional(z.number()),
      videoCount: z.optional(z.number()),
      resolution: z.optional(z.number()),
      videoRatio: z.optional(z.string()),
    }),
  ),
  submittedAt: z.optional(z.number()),
  scheduledAt: z.optional(z.number()),
  endedAt: z.optional(z.number()),
});

const SavedStateSchema = z.object({
  version: z.literal(1),
  inputs: InputsSchema,
  frames: z.object({ first: z.optional(FrameRefSchema), last: z.optional(FrameRefSchema) }),
  /** The last status seen of the task being watched, so a reload shows it at once. */
  lastStatus: z.optional(z.enum(['PENDING', 'RUNNING'])),
  result: z.optional(ResultSchema),
});

/** A frame slot as remembered: bytes in the frame store, or a link. */
export type SavedFrameRef = z.infer<typeof FrameRefSchema>;

/** Everything small that a form remembers. */
export interface SavedState {
  readonly inputs: KeyframeVideoInputs;
  readonly frames: Readonly<Partial<Record<FrameSlot, SavedFrameRef>>>;
  readonly lastStatus: 'PENDING' | 'RUNNING' | undefined;
  readonly result: KeyframeVideoResult | undefined;
}

/** One form's persistence. */
export interface JobPersistence {
  /** The core's submission record (idempotency key, task id). */
  readonly submissions: SubmissionStore;
  /** The remembered state, or undefined (none, unreadable, or no `persistKey`). */
  read(): SavedState | undefined;
  write(state: SavedState): void;
  /** Stores (or, with `undefined`, forgets) a slot's bytes; writes run in call order. */
  saveFrame(slot: FrameSlot, frame: StoredFrame | undefined): void;
  loadFrame(slot: FrameSlot): Promise<StoredFrame | undefined>;
  /** Resolves when every frame write asked for so far has finished (or failed). */
  flushFrames(): Promise<void>;
  /**
   * The idempotency key for a request with this fingerprint: derived from the fingerprint, a
   * random salt and a generation kept in storage. Every tab with this storage and `persistKey`
   * derives the same key for the same request, so two tabs submitting it at once pay once (the
   * relay answers the second with the first's task), while the next video after one has
   * concluded gets a new key.
   */
  idempotencyKeyFor(fingerprint: string): string;
  /** Marks the current submission as over: the same request next time is a new video. */
  conclude(): void;
}

/** Options of {@link createJobPersistence}. */
export interface JobPersistenceOptions {
  /** Undefined: keep everything in memory for this page only. */
  persistKey: string | undefined;
  storage: StorageLike;
  frameStore: FrameStore;
  now: () => number;
}

const KEY_PREFIX = 'kfv:';

const SeriesSchema = z.object({ salt: z.string(), generation: z.number() });

function fromSchema(parsed: z.infer<typeof SavedStateSchema>): SavedState {
  const { inputs, result } = parsed;
  return {
    inputs: {
      model: inputs.model,
      prompt: inputs.prompt,
      negativePrompt: inputs.negativePrompt,
      template: inputs.template,
      resolution: inputs.resolution,
      seed: inputs.seed,
      watermark: inputs.watermark,
      promptExtend: inputs.promptExtend,
    },
    frames: {
      ...(parsed.frames.first ? { first: parsed.frames.first } : {}),
      ...(parsed.frames.last ? { last: parsed.frames.last } : {}),
    },
    lastStatus: parsed.lastStatus,
    result: result && {
      taskId: result.taskId,
      videoUrl: result.videoUrl,
      expiresAt: result.expiresAt,
      origPrompt: result.origPrompt,
      actualPrompt: result.actualPrompt,
      usage: result.usage,
      submittedAt: result.submittedAt,
      scheduledAt: result.scheduledAt,
      endedAt: result.endedAt,
    },
  };
}

/** Makes the persistence of one form (see the file comment). Reading never throws. */
export function createJobPersistence(options: JobPersistenceOptions): JobPersistence {
  const { persistKey, now } = options;
  const storage = persistKey === undefined ? createMemoryStorage() : options.storage;
  const frameStore = persistKey === undefined ? createMemoryFrameStore() : options.frameStore;
  const base = `${KEY_PREFIX}${persistKey ?? 'memory'}`;
  const stateKey = `${base}:state`;
  const seriesKey = `${base}:series`;
  let writes: Promise<void> = Promise.resolve();

  function readJson(key: string): unknown {
    try {
      const text = storage.getItem(key);
      return text === null ? undefined : (JSON.parse(text) as unknown);
    } catch {
      return undefined;
    }
  }

  function writeJson(key: string, value: unknown): void {
    try {
      storage.setItem(key, JSON.stringify(value));
    } catch {
      // A full or blocked storage must not break the form; the page keeps working.
    }
  }

  function series(): z.infer<typeof SeriesSchema> {
    const parsed = SeriesSchema.safeParse(readJson(seriesKey));
    if (parsed.success) return parsed.data;
    const fresh = { salt: createIdempotencyKey(), generation: 0 };
    writeJson(seriesKey, fresh);
    return fresh;
  }

  const submissions = createSubmissionStore({ key: `${base}:submission`, storage, now });
  return {
    submissions,
    read() {
      // Corrupt or foreign JSON reads as nothing saved.
      const parsed = SavedStateSchema.safeParse(readJson(stateKey));
      return parsed.success ? fromSchema(parsed.data) : undefined;
    },
    write(state) {
      // JSON leaves out undefined values, which is how the schema reads "not set".
      writeJson(stateKey, { version: 1, ...state });
    },
    saveFrame(slot, frame) {
      const key = `${base}:frame:${slot}`;
      writes = writes
        .then(() => (frame ? frameStore.save(key, frame) : frameStore.remove(key)))
        .catch(() => undefined);
    },
    loadFrame: (slot) => frameStore.load(`${base}:frame:${slot}`).catch(() => undefined),
    flushFrames: () => writes,
    idempotencyKeyFor(fingerprint) {
      const { salt, generation } = series();
      return `kfv-${hashText(`${salt}|${String(generation)}|${fingerprint}`)}`;
    },
    conclude() {
      submissions.clear();
      const current = series();
      writeJson(seriesKey, { ...current, generation: current.generation + 1 });
    },
  };
}
