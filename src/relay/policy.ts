/**
 * What a create body must satisfy beyond its schema before the relay pays for it: an allowed
 * model, the model table's rules (`validateRequest`), and frames that pass the core frame checks
 * (data URLs) or come from an allowed origin (links). Each refusal names its field in `param`.
 */
import { KeyframeVideoError } from '../core/errors.js';
import { checkFrame, checkFrameBytes, frameCheckError, type FrameRules } from '../core/frames.js';
import { validateRequest, type KeyframeVideoModelTable } from '../core/models.js';
import { fromWireCreateBody, type WireCreateBody } from '../core/schemas.js';
import { nodeBuiltins } from './node-builtins.js';

/** The create policy, resolved from the relay options. */
export interface CreatePolicy {
  /** Model ids the relay forwards. */
  readonly models: ReadonlySet<string>;
  /** The capability table requests are checked against. */
  readonly modelTable: KeyframeVideoModelTable;
  /** Origins (`https://images.example.com`) whose links are accepted; `"*"` accepts any http(s). */
  readonly allowedImageOrigins: readonly string[];
  /** Overrides of the frame rules (default: DashScope's). */
  readonly frameRules?: Partial<FrameRules> | undefined;
}

const FRAME_FIELDS = ['first_frame_url', 'last_frame_url'] as const;

/** The smallest well-formed image data URL: stands in for a data-URL frame in `validateRequest`. */
const DATA_URL_STAND_IN = 'data:image/png;base64,AAAA';

function standIn<T extends string | undefined>(value: T): T {
  return (
    typeof value === 'string' && value.slice(0, 5).toLowerCase() === 'data:'
      ? DATA_URL_STAND_IN
      : value
  ) as T;
}

/** Normalises an `allowedImageOrigins` entry to `scheme://host[:port]`; throws for a bad one. */
export function normaliseOrigin(entry: string): string {
  if (entry === '*') return entry;
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    url = new URL('invalid:');
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.origin === 'null') {
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      param: 'allowedImageOrigins',
      message: `"${entry}" is not an http(s) origin. Use the form "https://images.example.com".`,
    });
  }
  return url.origin;
}

/** `data:image/<type>;base64,` with nothing else in the header: the form clients send. */
const PLAIN_IMAGE_DATA_URL = /^data:(image\/[a-z0-9.+-]{1,64});base64,/i;

/** Bytes that `text` (length a multiple of 4) decodes to: 3 per 4 characters, less padding. */
function decodedLength(text: string): number {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  return (text.length / 4) * 3 - padding;
}

/**
 * Decodes standard base64 natively: with Node's `Buffer` on Node (a 1 MB frame in a fraction of
 * a millisecond), else with `atob` (Web standard, everywhere). Returns `undefined` for anything
 * but the standard alphabet with `=` padding only at the end, which then gets the core's strict,
 * fully explained check. Both native decoders are lenient, so the form is checked — without
 * re-encoding megabytes — against what each is known to do:
 * - Node's `Buffer` skips characters outside the alphabet and stops at an inner `=` (both make
 *   the output shorter than the length says), takes `-` and `_` as `+` and `/`, and reads only
 *   the low byte of a character above U+00FF (so the text must be ASCII: one UTF-8 byte each,
 *   unless `asciiKnown` says the whole body was);
 * - `atob` refuses anything outside the alphabet but skips ASCII whitespace (which makes the
 *   output shorter than the length says).
 * Stray bits in the last character are ignored, as the core decoder ignores them.
 */
function decodeStandardBase64(text: string, asciiKnown: boolean): Uint8Array | undefined {
  if (text.length % 4 !== 0) return undefined;
  const expected = decodedLength(text);
  const nodeBuffer = nodeBuiltins()?.buffer.Buffer;
  if (nodeBuffer) {
    if (!asciiKnown && nodeBuffer.byteLength(text, 'utf8') !== text.length) return undefined;
    if (text.includes('-') || text.includes('_')) return undefined;
    const decoded = nodeBuffer.from(text, 'base64');
    return decoded.byteLength === expected ? decoded : undefined;
  }
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return undefined;
  }
  if (binary.length !== expected) return undefined;
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Checks a data-URL frame with the core frame checks. The common form is decoded natively and
 * its bytes checked with `checkFrameBytes`; any other form, and any frame that fails, goes
 * through `checkFrame(dataUrl)`, whose report names every problem.
 */
async function checkDataUrlFrame(
  text: string,
  param: string,
  policy: CreatePolicy,
  asciiKnown: boolean,
): Promise<void> {
  const header = PLAIN_IMAGE_DATA_URL.exec(text.slice(0, 100));
  const bytes = header ? decodeStandardBase64(text.slice(header[0].length), asciiKnown) : undefined;
  if (header && bytes) {
    const mime = (header[1] ?? '').toLowerCase();
    if (checkFrameBytes(bytes, { type: mime, rules: policy.frameRules }).ok) return;
  }
  const check = await checkFrame(text, { rules: policy.frameRules });
  const error = frameCheckError(check, param);
  if (error) throw error;
}

function linkRefused(param: string, detail: string): KeyframeVideoError {
  return new KeyframeVideoError({
    code: 'InvalidParameter',
    status: 400,
    param,
    message: `${detail} Upload the image file instead.`,
  });
}

function checkLink(text: string, param: string, policy: CreatePolicy): void {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw linkRefused(param, 'The image link is not a valid URL.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw linkRefused(param, `Image links must be http(s); "${url.protocol}" links are refused.`);
  }
  if (url.username !== '' || url.password !== '') {
    throw linkRefused(param, 'Image links with a user name or password are refused.');
  }
  const allowed = policy.allowedImageOrigins;
  if (!allowed.includes('*') && !allowed.includes(url.origin)) {
    throw linkRefused(
      param,
      allowed.length === 0
        ? 'This server does not accept image links.'
        : `This server does not accept images from ${url.origin}.`,
    );
  }
}

/**
 * Checks a (schema-valid) create body against the policy; throws the first problem:
 * `Forbidden` (403) for a model the relay does not offer, else the `validateRequest` and frame
 * errors (`InvalidParameter` 400, `ModelNotFound` 404), each with its `param`. `asciiStrings`
 * says every string in the body is known to be ASCII (see `parseJsonBytes`).
 */
export async function checkCreatePolicy(
  body: WireCreateBody,
  policy: CreatePolicy,
  facts: { readonly asciiStrings?: boolean } = {},
): Promise<void> {
  if (!policy.models.has(body.model)) {
    throw new KeyframeVideoError({
      code: 'Forbidden',
      status: 403,
      param: 'model',
      message: `This server does not offer the model "${body.model.slice(0, 64)}". Choose one of: ${[...policy.models].join(', ')}.`,
    });
  }
  // Data-URL frames get the full frame checks below; validateRequest only needs their form, so
  // it sees a stand-in instead of scanning megabytes of base64 a second time.
  const request = fromWireCreateBody(body);
  const [first] = validateRequest(
    {
      ...request,
      firstFrameUrl: standIn(request.firstFrameUrl),
      lastFrameUrl: standIn(request.lastFrameUrl),
    },
    { models: policy.modelTable },
  );
  if (first) throw first;
  for (const field of FRAME_FIELDS) {
    const value = body.input[field];
    if (typeof value !== 'string') continue;
    const param = `input.${field}`;
    if (value.slice(0, 5).toLowerCase() === 'data:') {
      await checkDataUrlFrame(value, param, policy, facts.asciiStrings === true);
    } else {
      checkLink(value, param, policy);
    }
  }
}
