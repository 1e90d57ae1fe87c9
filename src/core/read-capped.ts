/**
 * Reading a body stream with a size cap, so an oversized upload or download is refused without
 * being held in memory: bytes are counted as they arrive and the stream is cancelled the moment
 * the cap is passed. Web streams only, so the relay (request bodies, upstream answers) and the
 * simulator (requests, downloaded frames) share it on every runtime. Internal: not exported from
 * the package; each caller turns the result into its own error.
 */
import { systemClock, type Clock } from './clock.js';

/** How a capped read ended: the whole body, past the cap, or past the deadline. */
export type CappedRead =
  | { readonly kind: 'read'; readonly bytes: Uint8Array }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'timed-out' };

/** Options of {@link readCappedStream}. */
export interface ReadCappedOptions {
  /** Gives up on a slow sender after this long: the stream is cancelled, the read `timed-out`. */
  readonly timeoutMs?: number | undefined;
  /** The clock of `timeoutMs` (the system clock by default). */
  readonly clock?: Clock | undefined;
  /**
   * Sees each chunk once it is known to fit under the cap, before it is kept (e.g. to count it
   * against a shared budget). A throw cancels the stream and is rethrown.
   */
  readonly onChunk?: ((chunk: Uint8Array) => void) | undefined;
}

/** Joins byte chunks into one array (no copy for a single chunk). */
export function joinChunks(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * Reads `body` whole unless more than `maxBytes` arrive (`too-large`) or `timeoutMs` passes
 * first (`timed-out`); either way the stream is cancelled. A `null` body reads as empty. An error
 * of the stream, or one thrown by `onChunk`, is rethrown (after cancelling) for the caller to name.
 */
export async function readCappedStream(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  options: ReadCappedOptions = {},
): Promise<CappedRead> {
  if (body === null) return { kind: 'read', bytes: new Uint8Array(0) };
  const { timeoutMs, onChunk, clock = systemClock } = options;
  const reader = body.getReader();
  const cancel = () => reader.cancel().catch(() => undefined);
  // A timer, not an AbortSignal: on Node a signal per request measurably slows the relay's create.
  let state = 'reading' as 'reading' | 'timed-out';
  const timer =
    timeoutMs === undefined
      ? undefined
      : clock.setTimeout(() => {
          state = 'timed-out';
          // Cancelling ends a pending `read()` (it resolves as done): the loop stops at once.
          void cancel();
        }, timeoutMs);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const result = await reader.read();
      if (state === 'timed-out') return { kind: 'timed-out' };
      if (result.done) break;
      const chunk = result.value;
      total += chunk.byteLength;
      if (total > maxBytes) {
        await cancel();
        return { kind: 'too-large' };
      }
      onChunk?.(chunk);
      chunks.push(chunk);
    }
  } catch (error) {
    // A read that fails once the deadline cancelled the stream is the deadline's doing.
    if (state === 'timed-out') return { kind: 'timed-out' };
    await cancel();
    throw error;
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
  }
  return { kind: 'read', bytes: joinChunks(chunks, total) };
}
