// The relay decodes data-URL frames natively (Node's Buffer, or atob) for speed, and takes the
// fast path only for the standard base64 alphabet with "=" padding at the end; anything else
// goes through the core's strict check. Native decoders are lenient (Node's Buffer skips junk,
// stops at an inner "=", takes "-" and "_", and reads only the low byte of characters above
// U+00FF), so a hole there would let the relay check one image and forward text that decodes
// to another. Here the relay's verdict on hundreds of altered frames must equal the core's
// strict `checkFrame` verdict, frame by frame.
import { describe, expect, it } from 'vitest';
import { checkFrame } from '../../src/core/index.js';
import { createKeyframeVideoRelay } from '../../src/relay/index.js';
import { createDashScopeSimulator } from '../../src/simulator/index.js';
import {
  createBody,
  frameBytes,
  LAST_FRAME,
  NO_RATE_LIMITS,
  SERVER_KEY,
} from './helpers/relay-harness.js';

const simulator = createDashScopeSimulator({
  apiKeys: [SERVER_KEY],
  limits: { createPerSecond: 1_000_000, queryPerSecond: 1_000_000, concurrentTasks: 1_000_000 },
});
const relay = createKeyframeVideoRelay({
  apiKey: SERVER_KEY,
  authenticate: () => ({ userId: 'alice' }),
  rateLimits: NO_RATE_LIMITS,
  fetch: (input, init) => simulator(new Request(input, init)),
});

const HEADER = 'data:image/png;base64,';
const BASE64 = Buffer.from(frameBytes('valid-rgb-512x512.png')).toString('base64');

/** What the relay answers for a create with this first frame: 200, or 400 naming the frame. */
async function relayVerdict(firstFrame: string): Promise<'accepted' | 'refused'> {
  const response = await relay(
    new Request('http://relay.test/api/keyframe-video/services/aigc/image2video/video-synthesis', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(createBody({ first_frame_url: firstFrame, last_frame_url: LAST_FRAME })),
    }),
  );
  const body = (await response.json()) as { param?: string };
  if (response.status === 200) return 'accepted';
  expect(response.status, JSON.stringify(body)).toBe(400);
  expect(body.param).toBe('input.first_frame_url');
  return 'refused';
}

async function coreVerdict(firstFrame: string): Promise<'accepted' | 'refused'> {
  return (await checkFrame(firstFrame)).ok ? 'accepted' : 'refused';
}

/** A small deterministic generator (tests are repeatable). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Characters a lenient decoder might take for base64, or skip. */
const TRICKY = [
  '-', // Node: read as "+"
  '_', // Node: read as "/"
  '=', // Node: stops decoding here
  ' ', // skipped by Node and by atob
  '\n',
  '\t',
  '.',
  '!',
  '\u00e9', // Latin-1, not base64
  '\u0141', // low byte 0x41 = "A"
  '\u016b', // low byte 0x6b = "k"
  '\u012b', // low byte 0x2b = "+"
  '\u012f', // low byte 0x2f = "/"
  '\u013d', // low byte 0x3d = "="
  '\ud83d', // a lone surrogate
];

describe('frames decoded natively are exactly the frames the core check accepts', () => {
  it('the untouched frame is accepted by both', async () => {
    expect(await relayVerdict(HEADER + BASE64)).toBe('accepted');
    expect(await coreVerdict(HEADER + BASE64)).toBe('accepted');
  });

  it('one tricky character replacing a base64 one, anywhere after the image header', async () => {
    const next = random(20_261_125);
    for (let i = 0; i < 150; i++) {
      const at = 200 + Math.floor(next() * (BASE64.length - 210));
      const character = TRICKY[i % TRICKY.length] ?? '-';
      const frame = HEADER + BASE64.slice(0, at) + character + BASE64.slice(at + 1);
      const [relayed, core] = await Promise.all([relayVerdict(frame), coreVerdict(frame)]);
      expect(relayed, `"${character}" at ${String(at)}`).toBe(core);
      // None of these is standard base64: both refuse.
      expect(relayed).toBe('refused');
    }
  });

  it('four characters inserted (the length stays a multiple of 4)', async () => {
    const next = random(7);
    for (let i = 0; i < 60; i++) {
      const at = 200 + 4 * Math.floor((next() * (BASE64.length - 210)) / 4);
      const tricky = TRICKY[i % TRICKY.length] ?? '-';
      const insert = `AB${tricky}${i % 2 === 0 ? 'C' : '='}`;
      const frame = HEADER + BASE64.slice(0, at) + insert + BASE64.slice(at);
      const [relayed, core] = await Promise.all([relayVerdict(frame), coreVerdict(frame)]);
      expect(relayed, JSON.stringify(insert)).toBe(core);
      expect(relayed).toBe('refused');
    }
  });

  it('a valid base64 letter swapped in keeps the frame standard base64: both accept', async () => {
    const next = random(11);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    for (let i = 0; i < 20; i++) {
      // Inside the IDAT data of this PNG: the header and chunk lengths stay intact.
      const at = 400 + Math.floor(next() * (BASE64.length - 800));
      const letter = alphabet[Math.floor(next() * 64)] ?? 'A';
      const frame = HEADER + BASE64.slice(0, at) + letter + BASE64.slice(at + 1);
      const [relayed, core] = await Promise.all([relayVerdict(frame), coreVerdict(frame)]);
      expect(relayed).toBe(core);
    }
  });

  it('padding and length variants', async () => {
    const unpadded = BASE64.replace(/=+$/, '');
    const variants = [
      BASE64 + '=',
      BASE64 + '==',
      BASE64 + 'A===',
      unpadded,
      unpadded + '===',
      BASE64.slice(0, -4),
      `${BASE64.slice(0, 100)}=${BASE64.slice(101)}`,
      `${BASE64.slice(0, 100)}==${BASE64.slice(102)}`,
      ` ${BASE64.slice(1)}`,
      `${BASE64.slice(0, -1)}\u0141`,
    ];
    for (const variant of variants) {
      const frame = HEADER + variant;
      const [relayed, core] = await Promise.all([relayVerdict(frame), coreVerdict(frame)]);
      expect(relayed, JSON.stringify(variant.slice(-8))).toBe(core);
    }
  });

  it('non-ASCII characters given as JSON escapes are refused too', async () => {
    // "\u0141" in the JSON text becomes U+0141 after parsing: Node's Buffer would read it as "A".
    const at = 1_000;
    const frame = HEADER + BASE64.slice(0, at) + '\u0141' + BASE64.slice(at + 1);
    const body = JSON.stringify(createBody({ first_frame_url: frame })).replace(
      '\u0141',
      '\\u0141',
    );
    expect(body).toContain('\\u0141');
    const response = await relay(
      new Request(
        'http://relay.test/api/keyframe-video/services/aigc/image2video/video-synthesis',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        },
      ),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { param?: string }).param).toBe('input.first_frame_url');
  });

  it('a frame that transformRequest rewrote gets the full check, whatever the client sent', async () => {
    // The client's body is plain ASCII; the app's transform puts a wide character in.
    const transformed = createKeyframeVideoRelay({
      apiKey: SERVER_KEY,
      authenticate: () => ({ userId: 'alice' }),
      rateLimits: NO_RATE_LIMITS,
      fetch: (input, init) => simulator(new Request(input, init)),
      transformRequest: (body) => ({
        ...body,
        input: {
          ...body.input,
          first_frame_url: `${HEADER}${BASE64.slice(0, 1_000)}\u0141${BASE64.slice(1_001)}`,
        },
      }),
    });
    const response = await transformed(
      new Request(
        'http://relay.test/api/keyframe-video/services/aigc/image2video/video-synthesis',
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(createBody({ first_frame_url: HEADER + BASE64 })),
        },
      ),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { param?: string }).param).toBe('input.first_frame_url');
  });
});
