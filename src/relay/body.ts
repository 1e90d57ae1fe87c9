/**
 * Reading a request body without trusting it: only `application/json`, bytes counted as they
 * stream in and the read stopped the moment the cap is passed (a declared `Content-Length` over
 * the cap is refused before reading anything), a deadline for slow senders, and a budget shared
 * by all requests in flight so many large bodies at once cannot exhaust memory. Parsing happens
 * only after the whole body is in and within bounds.
 */
import type { Clock } from '../core/clock.js';
import { KeyframeVideoError } from '../core/errors.js';
import { FRAME_RULES } from '../core/frames.js';
import { readCappedStream, type CappedRead } from '../core/read-capped.js';
import { nodeBuiltins } from './node-builtins.js';

/** The longest data URL header the cap makes room for (`data:image/jpeg;base64,` is 23). */
const DATA_URL_HEADER_ALLOWANCE = 64;
/** Room for everything in a create body but the frames: prompts (escaped), model, parameters. */
const JSON_ALLOWANCE = 64 * 1024;

/** Characters of base64 that `bytes` bytes encode to. */
export function base64Length(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/**
 * The default body cap: what a create body with two maximal legal data-URL frames needs
 * (2 × base64 of 10 MiB + headers + 64 KiB for the rest): 28,027,696 bytes, about 26.7 MiB.
 */
export const DEFAULT_MAX_BODY_BYTES =
  2 * (DATA_URL_HEADER_ALLOWANCE + base64Length(FRAME_RULES.maxBytes)) + JSON_ALLOWANCE;

/** A budget of bytes that bodies being read may hold at once, across all requests. */
export interface BodyBudget {
  /** Takes `bytes` from the budget; false (and nothing taken) when it would go over. */
  take(bytes: number): boolean;
  /** Gives `bytes` back. */
  give(bytes: number): void;
  /** Bytes currently taken. */
  readonly used: number;
}

/** Makes a {@link BodyBudget} of `limit` bytes. */
export function createBodyBudget(limit: number): BodyBudget {
  let used = 0;
  return {
    take(bytes) {
      if (used + bytes > limit) return false;
      used += bytes;
      return true;
    },
    give(bytes) {
      used = Math.max(0, used - bytes);
    },
    get used() {
      return used;
    },
  };
}

/** Options of {@link readJsonBody}. */
export interface ReadBodyOptions {
  /** Refuse bodies longer than this many bytes. */
  maxBytes: number;
  /** Refuse bodies that take longer than this to arrive. */
  timeoutMs: number;
  /** The shared budget; each byte read is taken from it until `release` is called. */
  budget: BodyBudget;
  clock?: Clock;
}

/** A body read within bounds, still holding its share of the budget. */
export interface ReadBody {
  readonly bytes: Uint8Array;
  /** Returns the body's bytes to the budget (call once, when done with them). */
  release(): void;
}

/** `application/json`, optionally with `charset=utf-8`; anything else is refused with 415. */
export function isJsonContentType(value: string | null): boolean {
  if (value === null) return false;
  const [type = '', ...parameters] = value.split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return parameters.every((parameter) => {
    if (parameter === '') return true;
    const [name, raw = ''] = parameter.split('=', 2).map((part) => part.trim());
    if (name !== 'charset') return false;
    return raw.replace(/^"|"$/g, '') === 'utf-8';
  });
}

function tooLarge(maxBytes: number): KeyframeVideoError {
  return new KeyframeVideoError({
    code: 'RelayBodyTooLarge',
    status: 413,
    message: `The request is larger than this server accepts (${maxBytes} bytes). Use smaller images; the studio can shrink them for you.`,
  });
}

function busy(): KeyframeVideoError {
  return new KeyframeVideoError({
    code: 'RelayRateLimited',
    status: 429,
    retryAfterMs: 1_000,
    message: 'The server is receiving many large requests right now. Try again in a moment.',
  });
}

/**
 * Reads the body's bytes with the cap, the deadline and the budget applied, then returns them
 * for parsing. Throws `RelayBodyTooLarge` (413), `RequestTimeOut` (408), `RelayRateLimited`
 * (429, budget exhausted) or `InvalidParameter` (400, the sender broke off).
 */
export async function readBodyBytes(request: Request, options: ReadBodyOptions): Promise<ReadBody> {
  const declared = request.headers.get('content-length');
  if (declared !== null) {
    const length = Number(declared);
    if (!/^\d+$/.test(declared.trim()) || !Number.isSafeInteger(length)) {
      throw new KeyframeVideoError({
        code: 'InvalidParameter',
        status: 400,
        message: 'The Content-Length header is not a number.',
      });
    }
    if (length > options.maxBytes) throw tooLarge(options.maxBytes);
  }
  if (request.body === null) return { bytes: new Uint8Array(0), release: () => undefined };

  let taken = 0;
  const release = () => {
    options.budget.give(taken);
    taken = 0;
  };
  let read: CappedRead;
  try {
    read = await readCappedStream(request.body, options.maxBytes, {
      timeoutMs: options.timeoutMs,
      clock: options.clock,
      onChunk: (chunk) => {
        if (!options.budget.take(chunk.byteLength)) throw busy();
        taken += chunk.byteLength;
      },
    });
  } catch (error) {
    release();
    if (error instanceof KeyframeVideoError) throw error;
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      status: 400,
      message: 'The request body broke off before it was complete. Send it again.',
      cause: error,
    });
  }
  if (read.kind === 'read') return { bytes: read.bytes, release };
  release();
  if (read.kind === 'too-large') throw tooLarge(options.maxBytes);
  throw new KeyframeVideoError({
    code: 'RequestTimeOut',
    status: 408,
    message: `The request body did not arrive within ${Math.round(options.timeoutMs / 1000)} s. Check the connection and try again.`,
  });
}

/** A JSON body, parsed. */
export interface ParsedJson {
  readonly value: unknown;
  /**
   * Every string in it is ASCII: the body was ASCII and had no backslash, so no `\u` escape
   * made a wider character. Known on Node only (`false` elsewhere): it spares the frame checks
   * a scan of megabytes.
   */
  readonly asciiStrings: boolean;
}

const BACKSLASH = 0x5c;

/**
 * Strict UTF-8 decoding (a BOM is dropped; invalid bytes throw). On Node, an ASCII body — a
 * create with base64 frames and an English prompt — is decoded as Latin-1, which gives the same
 * text at several times the speed of Node's `TextDecoder` on megabytes.
 */
function decodeUtf8(bytes: Uint8Array): { text: string; asciiStrings: boolean } {
  const buffer = nodeBuiltins()?.buffer;
  if (buffer && bytes.byteLength > 4096 && buffer.isAscii(bytes)) {
    const view = buffer.Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { text: view.toString('latin1'), asciiStrings: view.indexOf(BACKSLASH) < 0 };
  }
  return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), asciiStrings: false };
}

/**
 * Parses bytes as a JSON document: UTF-8 (a BOM is allowed), no trailing garbage. Throws
 * `InvalidParameter` (400) with a message that never quotes the body.
 */
export function parseJsonBytes(bytes: Uint8Array): ParsedJson {
  let decoded: { text: string; asciiStrings: boolean };
  try {
    decoded = decodeUtf8(bytes);
  } catch {
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      status: 400,
      message: 'The request body is not valid UTF-8. Send JSON encoded as UTF-8.',
    });
  }
  try {
    return { value: JSON.parse(decoded.text) as unknown, asciiStrings: decoded.asciiStrings };
  } catch {
    // The parser's own message quotes the body (maybe image data): never pass it on.
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      status: 400,
      message: 'The request body is not valid JSON. Send a JSON object.',
    });
  }
}
