// Relay task ids: opaque, signed, bound to the user, checked against a strict pattern before
// decoding; secrets rotate (the first signs, all verify); the default secret is derived from the
// API key. Ownership needs no shared store: a relay with the same secret verifies any instance's ids.
import { describe, expect, it } from 'vitest';
import {
  createKeyframeVideoRelay,
  createTaskIdSigner,
  deriveTaskIdSecret,
  TASK_ID_PATTERN,
} from '../../src/relay/index.js';
import { createDashScopeSimulator } from '../../src/simulator/index.js';
import { createBody, NO_RATE_LIMITS, SERVER_KEY } from './helpers/relay-harness.js';

const SECRET = 'task-id-test-secret-0123456789abcdefgh';
const OLD_SECRET = 'task-id-old-secret-0123456789abcdefghij';
const UPSTREAM_ID = '0f8fad5b-d9cb-469f-a165-70867728950e';

describe('createTaskIdSigner', () => {
  const signer = createTaskIdSigner(SECRET);

  it('round-trips an upstream id for its user, and ids look opaque', async () => {
    const id = await signer.sign(UPSTREAM_ID, 'alice');
    expect(id).toMatch(TASK_ID_PATTERN);
    expect(id).not.toContain(UPSTREAM_ID);
    expect(await signer.verify(id, 'alice')).toBe(UPSTREAM_ID);
  });

  it('is bound to the user: another user, or a user id differing by one character, fails', async () => {
    const id = await signer.sign(UPSTREAM_ID, 'alice');
    expect(await signer.verify(id, 'bob')).toBeNull();
    expect(await signer.verify(id, 'alicf')).toBeNull();
    expect(await signer.verify(id, 'alice ')).toBeNull();
    expect(await signer.verify(id, '')).toBeNull();
  });

  it('every single-character change anywhere in the id fails', async () => {
    const id = await signer.sign(UPSTREAM_ID, 'alice');
    for (let i = 0; i < id.length; i++) {
      const replacement = id[i] === 'A' ? 'B' : 'A';
      const altered = id.slice(0, i) + replacement + id.slice(i + 1);
      expect(await signer.verify(altered, 'alice'), `position ${String(i)}`).toBeNull();
    }
  });

  it('truncated, extended, padded and re-encoded forms fail', async () => {
    const id = await signer.sign(UPSTREAM_ID, 'alice');
    for (const variant of [
      id.slice(0, -1),
      `${id}A`,
      `${id}=`,
      // The same bytes in the standard alphabet (when the id has a - or _ to change).
      id.replace(/-/g, '+').replace(/_/g, '/'),
      id.toUpperCase(),
      ` ${id}`,
      encodeURIComponent(`${id}/..`),
      'kfv1',
      '',
      `kfv1${'A'.repeat(5_000)}`,
    ].filter((variant) => variant !== id)) {
      expect(await signer.verify(variant, 'alice'), variant.slice(0, 40)).toBeNull();
    }
  });

  it('only signs upstream ids that are safe in a URL path', async () => {
    for (const bad of ['../etc', 'a/b', 'a.b', '', 'x'.repeat(129), 'id%2F']) {
      await expect(signer.sign(bad, 'alice')).rejects.toMatchObject({
        code: 'UpstreamInvalidResponse',
      });
    }
  });

  it('refuses short secrets at creation', () => {
    expect(() => createTaskIdSigner('too-short')).toThrow(/at least 32 bytes/);
    expect(() => createTaskIdSigner([])).toThrow(/empty/);
    expect(() => createTaskIdSigner([SECRET, 'short'])).toThrow(/at least 32 bytes/);
  });

  it('rotation: the first secret signs, every listed secret verifies', async () => {
    const before = createTaskIdSigner(OLD_SECRET);
    const rotated = createTaskIdSigner([SECRET, OLD_SECRET]);
    const after = createTaskIdSigner(SECRET);
    const oldId = await before.sign(UPSTREAM_ID, 'alice');
    const newId = await rotated.sign(UPSTREAM_ID, 'alice');
    expect(newId).toBe(await after.sign(UPSTREAM_ID, 'alice'));
    expect(await rotated.verify(oldId, 'alice')).toBe(UPSTREAM_ID);
    expect(await rotated.verify(newId, 'alice')).toBe(UPSTREAM_ID);
    expect(await after.verify(oldId, 'alice')).toBeNull();
  });
});

describe('deriveTaskIdSecret', () => {
  it('is 256 bits, the same for the same key and different for another key', async () => {
    const a = await deriveTaskIdSecret(SERVER_KEY);
    expect(a).toHaveLength(32);
    expect(await deriveTaskIdSecret(SERVER_KEY)).toEqual(a);
    expect(await deriveTaskIdSecret(`${SERVER_KEY}x`)).not.toEqual(a);
    expect(new TextDecoder().decode(a)).not.toContain(SERVER_KEY);
  });
});

describe('ids across relay instances', () => {
  function relayWith(taskIdSecret: string | string[] | undefined, apiKey = SERVER_KEY) {
    const simulator = createDashScopeSimulator({ apiKeys: () => true });
    return createKeyframeVideoRelay({
      apiKey,
      baseUrl: 'https://dashscope.test/api/v1',
      authenticate: () => ({ userId: 'alice' }),
      rateLimits: NO_RATE_LIMITS,
      ...(taskIdSecret === undefined ? {} : { taskIdSecret }),
      fetch: (input, init) => simulator(new Request(input, init)),
    });
  }
  const create = async (relay: (r: Request) => Promise<Response>) => {
    const response = await relay(
      new Request('https://app.example/api/kv/services/aigc/image2video/video-synthesis', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(createBody()),
      }),
    );
    return ((await response.json()) as { output: { task_id: string } }).output.task_id;
  };
  /** Status of reading `id` on `relay` (its own simulator: 200 UNKNOWN when verified, 404 when not). */
  const read = async (relay: (r: Request) => Promise<Response>, id: string) =>
    (await relay(new Request(`https://app.example/api/kv/tasks/${id}`))).status;

  it('the default (key-derived) secret: instances sharing the key accept each other’s ids', async () => {
    const id = await create(relayWith(undefined));
    expect(await read(relayWith(undefined), id)).toBe(200);
    expect(await read(relayWith(undefined, 'sk-another-key-0000000000'), id)).toBe(404);
  });

  it('an explicit secret list keeps ids of the previous secret working during rotation', async () => {
    const id = await create(relayWith(OLD_SECRET));
    expect(await read(relayWith([SECRET, OLD_SECRET]), id)).toBe(200);
    expect(await read(relayWith(SECRET), id)).toBe(404);
  });

  it('a short explicit secret is a startup error', () => {
    expect(() => relayWith('short-secret')).toThrow(/at least 32 bytes/);
  });
});
