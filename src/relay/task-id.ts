/**
 * Relay task ids: opaque strings that bind DashScope's task id to the user who created it, signed
 * with HMAC-SHA-256 so the relay can check ownership with no shared store. A forged, altered,
 * foreign-user, malformed or overlong id fails `verify` before anything is sent upstream.
 *
 * Layout: `kfv1` + base64url( [n: 1 byte] [upstream id: n bytes] [MAC: 16 bytes] ), where
 * MAC = HMAC-SHA-256(secret, "kfv1\0" + upstream id + "\0" + user id), truncated to 128 bits.
 * Secrets rotate: the first signs, every one verifies.
 */
import { KeyframeVideoError } from '../core/errors.js';

/** What every relay task id starts with (the format version). */
export const TASK_ID_PREFIX = 'kfv1';

/**
 * The pattern a relay task id must match before it is even decoded: the prefix and base64url
 * characters only (no `/`, `.`, `%` or anything an encoded path could hide), and a bounded
 * length. Upstream ids of up to 128 characters fit.
 */
export const TASK_ID_PATTERN = /^kfv1[A-Za-z0-9_-]{24,200}$/;

/** The upstream (DashScope) task ids the relay accepts to sign: UUID-like, nothing a path could abuse. */
export const UPSTREAM_TASK_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** The shortest secret accepted (bytes of UTF-8): 256 bits of a random string. */
export const MIN_SECRET_BYTES = 32;

const MAC_BYTES = 16;
const encoder = new TextEncoder();

/** Signs and checks relay task ids. */
export interface TaskIdSigner {
  /** The relay id for `upstreamId` owned by `userId`. Throws for an upstream id outside the pattern. */
  sign(upstreamId: string, userId: string): Promise<string>;
  /** The upstream id when `taskId` is genuine and belongs to `userId`; otherwise `null`. */
  verify(taskId: string, userId: string): Promise<string | null>;
}

/** A secret as given: text (at least 32 bytes of UTF-8) or raw bytes (at least 32). */
export type TaskIdSecret = string | Uint8Array;

function secretBytes(secret: TaskIdSecret): Uint8Array {
  return typeof secret === 'string' ? encoder.encode(secret) : secret;
}

/** Throws a startup error unless every secret is long enough; returns them as a list. */
export function checkSecrets(secrets: TaskIdSecret | readonly TaskIdSecret[]): TaskIdSecret[] {
  const list = (Array.isArray(secrets) ? [...secrets] : [secrets]) as TaskIdSecret[];
  if (list.length === 0) {
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      param: 'taskIdSecret',
      message:
        'taskIdSecret is an empty list. Pass at least one secret of 32+ random characters, or leave the option out to derive one from the API key.',
    });
  }
  for (const secret of list) {
    if (secretBytes(secret).length < MIN_SECRET_BYTES) {
      throw new KeyframeVideoError({
        code: 'InvalidParameter',
        param: 'taskIdSecret',
        message: `A task id secret must be at least ${MIN_SECRET_BYTES} bytes. Generate one with \`openssl rand -base64 32\`.`,
      });
    }
  }
  return list;
}

async function hmacKey(bytes: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    bytes as BufferSource,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
}

/**
 * Derives a 256-bit signing secret from the API key with HKDF-SHA-256, so a relay works with no
 * extra configuration and every instance sharing the key agrees on ids. Rotating the API key
 * therefore invalidates outstanding ids unless the old key's secret is kept in the list.
 */
export async function deriveTaskIdSecret(apiKey: string): Promise<Uint8Array> {
  const base = await crypto.subtle.importKey('raw', encoder.encode(apiKey), 'HKDF', false, [
    'deriveBits',
  ]);
  const bits = await crypto.subtle.deriveBits(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: encoder.encode('react-keyframe-video relay'),
      info: encoder.encode('task-id signing key v1'),
    },
    base,
    256,
  );
  return new Uint8Array(bits);
}

function macInput(upstreamId: string, userId: string): Uint8Array {
  return encoder.encode(`${TASK_ID_PREFIX}\0${upstreamId}\0${userId}`);
}

async function mac(key: CryptoKey, upstreamId: string, userId: string): Promise<Uint8Array> {
  const full = await crypto.subtle.sign('HMAC', key, macInput(upstreamId, userId) as BufferSource);
  return new Uint8Array(full, 0, MAC_BYTES);
}

/** Compares in time independent of where the bytes differ. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

/** base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Strict base64url decoding; `null` for anything that is not canonical base64url. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const padded =
    text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  let binary: string;
  try {
    binary = atob(padded);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  // Reject non-canonical encodings (stray low bits), so each id has exactly one spelling.
  return toBase64Url(bytes) === text ? bytes : null;
}

/**
 * Makes a signer from one or more secrets (the first signs; all verify, for rotation). Secrets
 * must be at least 32 bytes; see {@link deriveTaskIdSecret} for the no-configuration default.
 */
export function createTaskIdSigner(secrets: TaskIdSecret | readonly TaskIdSecret[]): TaskIdSigner {
  const list = checkSecrets(secrets);
  const keys = Promise.all(list.map((secret) => hmacKey(secretBytes(secret))));

  return {
    async sign(upstreamId, userId) {
      if (!UPSTREAM_TASK_ID_PATTERN.test(upstreamId)) {
        throw new KeyframeVideoError({
          code: 'UpstreamInvalidResponse',
          status: 502,
          detail: 'The upstream task id has characters or a length the relay does not accept.',
        });
      }
      const [key] = await keys;
      if (!key) throw new Error('unreachable: checkSecrets guarantees one key');
      const id = encoder.encode(upstreamId);
      const bytes = new Uint8Array(1 + id.length + MAC_BYTES);
      bytes[0] = id.length;
      bytes.set(id, 1);
      bytes.set(await mac(key, upstreamId, userId), 1 + id.length);
      return TASK_ID_PREFIX + toBase64Url(bytes);
    },

    async verify(taskId, userId) {
      if (taskId.length > 204 || !TASK_ID_PATTERN.test(taskId)) return null;
      const bytes = fromBase64Url(taskId.slice(TASK_ID_PREFIX.length));
      if (!bytes || bytes.length < 2 + MAC_BYTES) return null;
      const idLength = bytes[0] ?? 0;
      if (bytes.length !== 1 + idLength + MAC_BYTES) return null;
      let upstreamId: string;
      try {
        upstreamId = new TextDecoder('utf-8', { fatal: true }).decode(
          bytes.subarray(1, 1 + idLength),
        );
      } catch {
        return null;
      }
      if (!UPSTREAM_TASK_ID_PATTERN.test(upstreamId)) return null;
      const given = bytes.subarray(1 + idLength);
      let match = false;
      // Every key is tried (no early exit), so timing does not tell which secret matched.
      for (const key of await keys) {
        if (equalBytes(await mac(key, upstreamId, userId), given)) match = true;
      }
      return match ? upstreamId : null;
    },
  };
}

/**
 * A keyed hash of user ids for logs and store keys: HMAC-SHA-256 under the first secret (with
 * its own domain prefix), 128 bits as hex. Stable per user and relay secret; not reversible.
 */
export function createUserHasher(secret: TaskIdSecret): (userId: string) => Promise<string> {
  const key = hmacKey(secretBytes(secret));
  return async (userId) => {
    const full = await crypto.subtle.sign(
      'HMAC',
      await key,
      encoder.encode(`kfv-user\0${userId}`) as BufferSource,
    );
    let hex = '';
    for (const byte of new Uint8Array(full, 0, 16)) hex += byte.toString(16).padStart(2, '0');
    return hex;
  };
}
