/**
 * Data URLs (`data:image/png;base64,…`): the production-safe way to send a local frame to
 * DashScope. Decoding is strict (standard base64 alphabet, `=` padding, no whitespace) because
 * the service rejects what a lenient decoder would quietly repair, and it runs in a single pass
 * without Node's Buffer, so a 14 MB string decodes in any runtime without deep recursion or
 * huge intermediate strings.
 */
import { KeyframeVideoError } from './errors.js';

/** A decoded data URL. */
export interface DataUrl {
  /** The media type, lower-cased, without parameters (`"image/png"`). */
  readonly mime: string;
  readonly bytes: Uint8Array;
}

/** Options for {@link decodeDataUrl}. */
export interface DecodeDataUrlOptions {
  /** The request field the data URL came from, put on the error (`"input.first_frame_url"`). */
  param?: string;
}

/** The result of {@link parseDataUrl}: never throws, so a checker can report every problem. */
export type ParsedDataUrl =
  | { readonly ok: true; readonly mime: string; readonly bytes: Uint8Array }
  | {
      readonly ok: false;
      /** The media type, when the header was readable. */
      readonly mime?: string;
      /** The decoded size estimated from the base64 length, when the header was readable. */
      readonly estimatedBytes?: number;
      readonly message: string;
    };

const MIME_PATTERN = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
const PARAMETER_PATTERN = /^[^\s;,=]+=[^\s;,]*$/;
const EXAMPLE = 'data:image/png;base64,<data>';

/**
 * Decodes a `data:<mime>;base64,<data>` URL into its media type and bytes. Throws a
 * {@link KeyframeVideoError} with code `InvalidParameter` (status 400, `param` from the options)
 * when the URL is malformed; it does not judge the media type (see `checkFrame` for that).
 */
export function decodeDataUrl(text: string, options: DecodeDataUrlOptions = {}): DataUrl {
  const parsed = parseDataUrl(text);
  if (parsed.ok) return { mime: parsed.mime, bytes: parsed.bytes };
  throw new KeyframeVideoError({
    code: 'InvalidParameter',
    status: 400,
    param: options.param,
    message: parsed.message,
  });
}

/** Encodes bytes as a `data:<mime>;base64,…` URL (the form DashScope accepts for frames). */
export function encodeDataUrl(bytes: Uint8Array, mime: string): string {
  const type = mime.toLowerCase();
  if (!MIME_PATTERN.test(type)) {
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      message: `"${mime}" is not a media type. Pass one such as "image/jpeg".`,
    });
  }
  return `data:${type};base64,${encodeBase64(bytes)}`;
}

/**
 * Splits and decodes a data URL without throwing. Used by `checkFrame` (which reports a bad
 * media type and bad base64 together) and by {@link decodeDataUrl}.
 */
export function parseDataUrl(text: string): ParsedDataUrl {
  if (text.slice(0, 5).toLowerCase() !== 'data:') {
    return {
      ok: false,
      message: `A frame given as text must be a data URL (${EXAMPLE}), but this text does not start with "data:".`,
    };
  }
  const comma = text.indexOf(',', 5);
  if (comma < 0) {
    return {
      ok: false,
      message: `The data URL has no comma between its header and its data. Use the form ${EXAMPLE}.`,
    };
  }
  const [rawMime = '', ...parameters] = text.slice(5, comma).split(';');
  const mime = rawMime === '' ? 'text/plain' : rawMime.toLowerCase();
  if (!MIME_PATTERN.test(mime)) {
    return {
      ok: false,
      message: `The data URL's media type "${rawMime.slice(0, 40)}" is malformed. Use the form ${EXAMPLE}.`,
    };
  }
  const payloadLength = text.length - comma - 1;
  const estimatedBytes = Math.floor((payloadLength * 3) / 4);
  if (parameters.pop()?.toLowerCase() !== 'base64') {
    return {
      ok: false,
      mime,
      message: `The data URL is not base64-encoded (its header must end in ";base64"). Use the form ${EXAMPLE}.`,
    };
  }
  const badParameter = parameters.find((parameter) => !PARAMETER_PATTERN.test(parameter));
  if (badParameter !== undefined) {
    return {
      ok: false,
      mime,
      estimatedBytes,
      message: `The data URL's header has a malformed part ("${badParameter.slice(0, 40)}"). Use the form ${EXAMPLE}.`,
    };
  }
  const decoded = decodeBase64(text, comma + 1);
  if (typeof decoded === 'string') return { ok: false, mime, estimatedBytes, message: decoded };
  return { ok: true, mime, bytes: decoded };
}

// ---------------------------------------------------------------------------------------------
// Base64 (RFC 4648 §4, standard alphabet, padded)

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENCODE = new Uint8Array(64);
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) {
  const code = ALPHABET.charCodeAt(i);
  ENCODE[i] = code;
  DECODE[code] = i;
}
const PAD = 0x3d; // '='

/** Decodes text[start..] as strict base64; returns an error sentence instead of throwing. */
function decodeBase64(text: string, start: number): Uint8Array | string {
  const length = text.length - start;
  let padding = 0;
  if (length > 0 && text.charCodeAt(text.length - 1) === PAD) padding++;
  if (length > 1 && text.charCodeAt(text.length - 2) === PAD) padding++;
  if (length % 4 !== 0) {
    // Name a bad character first: it is the likelier cause (a line break, a URL-safe "-").
    for (let i = start; i < text.length - padding; i++) {
      const code = text.charCodeAt(i);
      if (code >= 256 || (DECODE[code] ?? -1) < 0) return invalidCharacter(text, i, start);
    }
    return `The data URL's base64 data has ${length} characters, which is not a multiple of 4 (missing "=" padding, or cut off?). Encode the whole file again.`;
  }
  const out = new Uint8Array((length / 4) * 3 - padding);
  const end = text.length - padding;
  let o = 0;
  let quad = 0;
  let filled = 0;
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    const value = code < 256 ? (DECODE[code] ?? -1) : -1;
    if (value < 0) return invalidCharacter(text, i, start);
    quad = (quad << 6) | value;
    if (++filled === 4) {
      out[o++] = quad >>> 16;
      out[o++] = (quad >>> 8) & 0xff;
      out[o++] = quad & 0xff;
      quad = 0;
      filled = 0;
    }
  }
  if (filled === 3) {
    out[o++] = (quad >>> 10) & 0xff;
    out[o++] = (quad >>> 2) & 0xff;
  } else if (filled === 2) {
    out[o++] = (quad >>> 4) & 0xff;
  }
  return out;
}

function invalidCharacter(text: string, index: number, start: number): string {
  const code = text.charCodeAt(index);
  const shown =
    code === PAD
      ? '"=" before the end'
      : code <= 0x20
        ? 'whitespace or a control character'
        : `"${text.charAt(index)}"`;
  return `The data URL's base64 data has an invalid character (${shown}) at position ${index - start}. Encode the file again with standard base64, without line breaks or spaces.`;
}

/** Base64-encodes into a byte buffer, then decodes that as ASCII: no per-chunk string joins. */
function encodeBase64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  const at = (i: number) => ENCODE[i & 63] ?? PAD;
  let o = 0;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const triple = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out[o++] = at(triple >>> 18);
    out[o++] = at(triple >>> 12);
    out[o++] = at(triple >>> 6);
    out[o++] = at(triple);
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const triple = ((bytes[i] ?? 0) << 16) | (rest === 2 ? (bytes[i + 1] ?? 0) << 8 : 0);
    out[o++] = at(triple >>> 18);
    out[o++] = at(triple >>> 12);
    out[o++] = rest === 2 ? at(triple >>> 6) : PAD;
    out[o++] = PAD;
  }
  return new TextDecoder().decode(out);
}
