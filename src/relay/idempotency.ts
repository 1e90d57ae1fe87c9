/**
 * `Idempotency-Key` on creates: the same key from the same user with the same body within the
 * record's lifetime (24 h) gets the same task and causes no second upstream create; the same key
 * with another body is refused (422 `IdempotencyConflict`); concurrent duplicates wait for the
 * first one's answer instead of racing it upstream. The record lives in the relay's store, so
 * every instance sharing a store honours it.
 */
import type { Clock } from '../core/clock.js';
import { KeyframeVideoError } from '../core/errors.js';
import type { RelayStore } from './stores.js';

/** The header clients send (the core client sends one per submission). */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** Printable ASCII without spaces, 1–255 characters (UUIDs fit). */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** An answer worth replaying: the relay's own successful create answer. */
export interface StoredAnswer {
  readonly status: number;
  readonly body: unknown;
  /** A wait the answer asks for (upstream 429); never stored. */
  readonly retryAfterMs?: number | undefined;
}

type IdempotencyRecord =
  | { readonly state: 'pending'; readonly fingerprint: string; readonly token: string }
  | {
      readonly state: 'done';
      readonly fingerprint: string;
      readonly status: number;
      readonly body: unknown;
    };

/** Options of {@link runIdempotent}. */
export interface IdempotencyOptions {
  readonly store: RelayStore;
  readonly clock: Clock;
  /** How long a finished record replays (24 h). */
  readonly ttlMs: number;
  /** How long a claim holds while its create is in flight; also the longest a duplicate waits. */
  readonly pendingTtlMs: number;
}

/** What `run` decided: the answer, and whether it is final (stored) or may be tried again. */
export interface RunOutcome {
  readonly answer: StoredAnswer;
  /** Store it for replay (a created task). Errors are not stored: the key may be used again. */
  readonly keep: boolean;
}

/** Reads and checks the header; `undefined` when absent. Throws 400 for a malformed key. */
export function readIdempotencyKey(headers: Headers): string | undefined {
  const value = headers.get(IDEMPOTENCY_HEADER);
  if (value === null) return undefined;
  if (!KEY_PATTERN.test(value)) {
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      status: 400,
      param: 'Idempotency-Key',
      message:
        'The Idempotency-Key header must be 1–255 printable ASCII characters without spaces (a UUID works).',
    });
  }
  return value;
}

/** SHA-256 of the body bytes, hex: the body's identity for conflict checks. */
export async function fingerprintBody(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function parseRecord(text: string): IdempotencyRecord | null {
  try {
    const value = JSON.parse(text) as Partial<Record<string, unknown>>;
    if (value.state === 'pending' && typeof value.fingerprint === 'string') {
      return value as IdempotencyRecord;
    }
    if (
      value.state === 'done' &&
      typeof value.fingerprint === 'string' &&
      typeof value.status === 'number'
    ) {
      return value as IdempotencyRecord;
    }
  } catch {
    // fall through
  }
  return null;
}

function conflict(): KeyframeVideoError {
  return new KeyframeVideoError({
    code: 'IdempotencyConflict',
    status: 422,
    param: 'Idempotency-Key',
    message:
      'This Idempotency-Key was already used with a different request. Send a new key for a new video.',
  });
}

function stillRunning(): KeyframeVideoError {
  return new KeyframeVideoError({
    code: 'UpstreamTimeout',
    status: 504,
    message: 'The same request is still being processed. Try again in a moment.',
  });
}

function pause(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

/**
 * Runs `run` at most once per key at a time: the first caller claims the key and runs it; a
 * caller with the same fingerprint replays the stored answer, or waits while the first runs; a
 * different fingerprint is a conflict. An answer `run` does not `keep` (an error) releases the
 * key. Returns the answer and whether it was replayed.
 */
export async function runIdempotent(
  options: IdempotencyOptions,
  key: string,
  fingerprint: string,
  run: () => Promise<RunOutcome>,
): Promise<{ answer: StoredAnswer; replayed: boolean }> {
  const { store, clock } = options;
  const deadline = clock.now() + options.pendingTtlMs;
  const pending = JSON.stringify({ state: 'pending', fingerprint, token: crypto.randomUUID() });
  let delay = 10;
  for (;;) {
    const existing = await store.claim(key, pending, options.pendingTtlMs);
    if (existing === null) break;
    const record = parseRecord(existing);
    if (!record || record.fingerprint !== fingerprint) throw conflict();
    if (record.state === 'done') {
      return { answer: { status: record.status, body: record.body }, replayed: true };
    }
    if (clock.now() >= deadline) throw stillRunning();
    await pause(clock, delay);
    delay = Math.min(delay * 2, 250);
  }

  let outcome: RunOutcome;
  try {
    outcome = await run();
  } catch (error) {
    await store.remove(key, pending).catch(() => false);
    throw error;
  }
  if (outcome.keep) {
    const done = JSON.stringify({
      state: 'done',
      fingerprint,
      status: outcome.answer.status,
      body: outcome.answer.body,
    });
    // The task exists either way: a store hiccup here must not turn it into an error.
    await store.replace(key, pending, done, options.ttlMs).catch(() => false);
  } else {
    await store.remove(key, pending).catch(() => false);
  }
  return { answer: outcome.answer, replayed: false };
}
