// Conformance: every error the simulator answers, over HTTP — status, DashScope code and
// message, `request_id`, JSON content type, and the field (`param`) when there is one.
import { afterEach, describe, expect, it } from 'vitest';
import {
  CREATE_PATH,
  FIRST_FRAME,
  KEY,
  UUID_V4,
  createBody,
  frameBytes,
  frameDataUrl,
  startSimulator,
  type Answer,
  type Harness,
} from './helpers/simulator-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(options: Parameters<typeof startSimulator>[0] = {}): Promise<Harness> {
  harness = await startSimulator({ limits: { createPerSecond: 1000 }, ...options });
  return harness;
}

/** Asserts a DashScope error answer and returns its body. */
function expectError(answer: Answer, status: number, code: string, param?: string) {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(answer.json).toMatchObject({
    code,
    message: expect.any(String),
    request_id: expect.stringMatching(UUID_V4),
  });
  if (param !== undefined) expect(answer.json.param).toBe(param);
  return answer.json as { code: string; message: string; param?: string };
}

describe('simulator: authentication and headers', () => {
  it('answers 401 InvalidApiKey without a key, with an unknown key and with a non-Bearer header', async () => {
    const h = await start();
    expect(
      expectError(await h.create(undefined, { key: null }), 401, 'InvalidApiKey').message,
    ).toBe('No API-key provided.');
    expect(
      expectError(await h.create(undefined, { key: 'sk-wrong' }), 401, 'InvalidApiKey').message,
    ).toBe('Invalid API-key provided.');
    const raw = await h.create(undefined, { key: null, headers: { Authorization: KEY } });
    expectError(raw, 401, 'InvalidApiKey');
    expectError(await h.get('some-task', 'sk-wrong'), 401, 'InvalidApiKey');
    expectError(await h.list({}, 'sk-wrong'), 401, 'InvalidApiKey');
    expectError(await h.cancel('some-task', 'sk-wrong'), 401, 'InvalidApiKey');
    expect(h.sim.createCount).toBe(0);
  });

  it('accepts any non-empty key by default, or the keys a predicate accepts', async () => {
    const open = await startSimulator({ apiKeys: undefined });
    try {
      expect((await open.create(undefined, { key: 'sk-anything' })).status).toBe(200);
      expectError(await open.create(undefined, { key: null }), 401, 'InvalidApiKey');
    } finally {
      await open.close();
    }
    const h = await start({ apiKeys: (key) => key.startsWith('sk-team-') });
    expect((await h.create(undefined, { key: 'sk-team-1' })).status).toBe(200);
    expectError(await h.create(undefined, { key: 'sk-other' }), 401, 'InvalidApiKey');
  });

  it('answers 403 AccessDenied to a create without X-DashScope-Async: enable', async () => {
    const h = await start();
    const sync = await h.create(undefined, { headers: { 'X-DashScope-Async': 'disable' } });
    expect(expectError(sync, 403, 'AccessDenied').message).toBe(
      'current user api does not support synchronous calls',
    );
    const missing = await h.fetch(CREATE_PATH, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(createBody()),
    });
    expect(missing.status).toBe(403);
    expect(h.sim.createCount).toBe(0);
  });

  it('answers 404 NotFound for unknown paths and 400 for a method a path does not take', async () => {
    const h = await start();
    const unknown = await h.fetch('/services/aigc/text2video/nothing', {
      headers: { Authorization: `Bearer ${KEY}` },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({
      code: 'NotFound',
      message: 'Not found!',
      request_id: expect.stringMatching(UUID_V4),
    });
    const outside = await fetch(`${h.origin}/elsewhere`);
    expect(outside.status).toBe(404);
    const wrongMethod = await h.fetch(CREATE_PATH, {
      method: 'GET',
      headers: { Authorization: `Bearer ${KEY}` },
    });
    expect(wrongMethod.status).toBe(400);
    expect(await wrongMethod.json()).toMatchObject({
      code: 'InvalidParameter',
      message: "Request method 'GET' is not supported.",
    });
  });
});

describe('simulator: create body validation', () => {
  it('answers 400 InvalidParameter for a body that is not JSON, or not sent as JSON', async () => {
    const h = await start();
    const broken = await h.create(undefined, { rawBody: '{"model": ' });
    expect(expectError(broken, 400, 'InvalidParameter').message).toBe(
      'Required body invalid, please check the request body format.',
    );
    const text = await h.create(undefined, { headers: { 'Content-Type': 'text/plain' } });
    expectError(text, 400, 'InvalidParameter');
    expectError(await h.create([1, 2]), 400, 'InvalidParameter');
  });

  it.each([
    [
      'a missing model',
      { input: { first_frame_url: FIRST_FRAME } },
      'model',
      'Field required: model',
    ],
    ['a missing input', { model: 'wan2.2-kf2v-flash' }, 'input', 'Field required: input'],
    [
      'a missing first frame',
      { model: 'wan2.2-kf2v-flash', input: { prompt: 'x' } },
      'input.first_frame_url',
      'Field required: input.first_frame_url',
    ],
    [
      'a model that is not text',
      { model: 7, input: { first_frame_url: FIRST_FRAME } },
      'model',
      'The type or value of model is out of definition.',
    ],
    [
      'a watermark that is not a boolean',
      { ...createBody(), parameters: { watermark: 'yes' } },
      'parameters.watermark',
      'The type or value of parameters.watermark is out of definition.',
    ],
  ])(
    'answers 400 InvalidParameter for %s, naming the field',
    async (_case, body, param, message) => {
      const h = await start();
      const error = expectError(await h.create(body), 400, 'InvalidParameter', param);
      expect(error.message).toBe(message);
      expect(h.sim.createCount).toBe(0);
    },
  );

  it('ignores fields it does not know, like the service (the Python SDK sends input.function)', async () => {
    const h = await start();
    const body = createBody(
      { function: 'video-synthesis', extend_prompt: true },
      { fps: 60, size: '1280*720' },
    );
    const created = await h.create({ ...body, extra: { nested: true } });
    expect(created.status, created.text).toBe(200);
  });

  it.each([
    ['a resolution the model lacks', createBody({}, { resolution: '4K' }), 'parameters.resolution'],
    [
      'a template on a model without templates',
      createBody({ template: 'hanfu-1' }),
      'input.template',
    ],
    ['a duration other than 5', createBody({}, { duration: 10 }), 'parameters.duration'],
    ['a negative seed', createBody({}, { seed: -1 }), 'parameters.seed'],
    ['a seed above 2147483647', createBody({}, { seed: 2147483648 }), 'parameters.seed'],
    [
      'a first frame that is no URL',
      createBody({ first_frame_url: 'ftp://host/cat.png' }),
      'input.first_frame_url',
    ],
    ['an empty last frame', createBody({ last_frame_url: '' }), 'input.last_frame_url'],
  ])('answers 400 InvalidParameter for %s', async (_case, body, param) => {
    const h = await start();
    const error = expectError(await h.create(body), 400, 'InvalidParameter', param);
    expect(error.message.length).toBeGreaterThan(10);
  });

  it('answers 404 ModelNotFound for a model that does not exist in the region', async () => {
    const h = await start();
    const unknown = expectError(
      await h.create(createBody({}, undefined, 'wan9-kf2v')),
      404,
      'ModelNotFound',
      'model',
    );
    expect(unknown.message).toBe('Model not exist.');
    // wan2.1-kf2v-plus is a Singapore model.
    expectError(
      await h.create(createBody({}, undefined, 'wan2.1-kf2v-plus')),
      404,
      'ModelNotFound',
    );
  });

  it('serves the Singapore models in the Singapore region, at 1 create per second', async () => {
    const h = await start({ region: 'singapore', limits: {} });
    expect((await h.create(createBody({}, undefined, 'wan2.1-kf2v-plus'))).status).toBe(200);
    h.clock.advance(1_000);
    expectError(
      await h.create(createBody({}, undefined, 'wan2.2-kf2v-flash')),
      404,
      'ModelNotFound',
    );
    h.clock.advance(1_000);
    expect((await h.create(createBody({}, undefined, 'wan2.1-kf2v-plus'))).status).toBe(200);
    expectError(
      await h.create(createBody({}, undefined, 'wan2.1-kf2v-plus')),
      429,
      'Throttling.RateQuota',
    );
  });

  it('truncates prompts longer than 800 characters instead of refusing them, like the service', async () => {
    const h = await start({
      timing: { queueMs: [0, 0], runMs: [1_000, 1_000], promptExtendMs: [0, 0], longRunChance: 0 },
    });
    const prompt = '猫'.repeat(799) + '🐈' + 'tail';
    const taskId = await h.createTask(createBody({ prompt, negative_prompt: 'x'.repeat(600) }));
    h.clock.advance(1_000);
    const { output } = (await h.get(taskId)).json;
    expect(output.task_status).toBe('SUCCEEDED');
    expect(output.orig_prompt).toBe('猫'.repeat(799) + '🐈');
  });

  it('answers 413 BadRequest.TooLarge for a body over the size limit', async () => {
    const h = await start({ limits: { maxBodyBytes: 1_000 } });
    const error = expectError(await h.create(), 413, 'BadRequest.TooLarge');
    expect(error.message).toBe('Payload Too Large.');
  });
});

describe('simulator: frames', () => {
  it('accepts JPEG, PNG, WebP and BMP frames sent as data URLs', async () => {
    const h = await start();
    for (const name of [
      'valid-640x480.jpg',
      'valid-rgb-512x512.png',
      'valid-lossy-600x400.webp',
      'valid-24bit-400x400.bmp',
    ]) {
      const created = await h.create(
        createBody({ first_frame_url: frameDataUrl(name), last_frame_url: undefined }),
      );
      expect(created.status, `${name}: ${created.text}`).toBe(200);
    }
  });

  it('answers 415 BadRequest.UnsupportedFileFormat for a GIF frame', async () => {
    const h = await start();
    const error = expectError(
      await h.create(createBody({ last_frame_url: frameDataUrl('pattern-120x80.gif') })),
      415,
      'BadRequest.UnsupportedFileFormat',
      'input.last_frame_url',
    );
    expect(error.message).toMatch(/GIF/);
  });

  it.each([
    ['a frame with transparency', 'alpha-rgba-512x512.png', /transparen/i],
    ['a frame under 360 px', 'small-300x300.jpg', /300×300/],
    ['a frame over 2000 px', 'wide-2400x400.png', /2400×400/],
    ['a cut-off JPEG', 'truncated-640x480.jpg', /incomplete/],
  ])('answers 400 InvalidParameter for %s, with the reason', async (_case, name, reason) => {
    const h = await start();
    const error = expectError(
      await h.create(createBody({ first_frame_url: frameDataUrl(name) })),
      400,
      'InvalidParameter',
      'input.first_frame_url',
    );
    expect(error.message).toMatch(reason);
  });

  it('answers 400 InvalidParameter for a data URL whose base64 is broken', async () => {
    const h = await start();
    expectError(
      await h.create(createBody({ first_frame_url: 'data:image/png;base64,abc' })),
      400,
      'InvalidParameter',
      'input.first_frame_url',
    );
  });

  it('answers 400 InvalidParameter for an image over 10 MB', async () => {
    const h = await start();
    const jpeg = frameBytes('valid-640x480.jpg');
    const big = new Uint8Array(10 * 1024 * 1024 + 1);
    big.set(jpeg);
    const dataUrl = `data:image/jpeg;base64,${Buffer.from(big).toString('base64')}`;
    const error = expectError(
      await h.create(createBody({ first_frame_url: dataUrl })),
      400,
      'InvalidParameter',
      'input.first_frame_url',
    );
    expect(error.message).toMatch(/10 MB/);
  });

  it('answers BadRequest.InputDownloadFailed for an http(s) frame it cannot download', async () => {
    const h = await start();
    const url = 'https://example.invalid/first_frame.png';
    const error = expectError(
      await h.create(createBody({ first_frame_url: url })),
      400,
      'BadRequest.InputDownloadFailed',
      'input.first_frame_url',
    );
    expect(error.message).toBe(`Failed to download the input file: ${url}`);
  });

  it('downloads frames it hosts itself, and checks them like data URLs', async () => {
    const h = await start();
    const good = `${h.origin}${h.sim.hostFrame(frameBytes('valid-640x480.jpg'), 'image/jpeg')}`;
    const served = await fetch(good);
    expect([served.status, served.headers.get('content-type')]).toEqual([200, 'image/jpeg']);
    expect(
      (await h.create(createBody({ first_frame_url: good, last_frame_url: good }))).status,
    ).toBe(200);
    const gif = `${h.origin}${h.sim.hostFrame(frameBytes('pattern-120x80.gif'), 'image/gif')}`;
    expectError(
      await h.create(createBody({ first_frame_url: gif })),
      415,
      'BadRequest.UnsupportedFileFormat',
    );
    expect((await fetch(`${h.base}/files/frames/missing.png`)).status).toBe(404);
  });

  it('downloads other http(s) frames through fetchImage', async () => {
    const asked: string[] = [];
    const h = await start({
      fetchImage: (url) => {
        asked.push(url);
        return Promise.resolve(
          url.endsWith('/ok.jpg')
            ? new Response(Buffer.from(frameBytes('valid-640x480.jpg')), {
                headers: { 'Content-Type': 'image/jpeg' },
              })
            : new Response('gone', { status: 404 }),
        );
      },
    });
    expect(
      (await h.create(createBody({ first_frame_url: 'https://cdn.example/ok.jpg' }))).status,
    ).toBe(200);
    expectError(
      await h.create(createBody({ first_frame_url: 'https://cdn.example/gone.jpg' })),
      400,
      'BadRequest.InputDownloadFailed',
    );
    expect(asked).toEqual(['https://cdn.example/ok.jpg', 'https://cdn.example/gone.jpg']);
  });
});

describe('simulator: rate limits', () => {
  it('answers 429 Throttling.RateQuota to a third create within one second', async () => {
    const h = await start({ limits: {} });
    expect((await h.create()).status).toBe(200);
    h.clock.advance(999);
    expect((await h.create()).status).toBe(200);
    const third = expectError(await h.create(), 429, 'Throttling.RateQuota');
    expect(third.message).toBe('Requests rate limit exceeded, please try again later.');
    expect(h.sim.createCount).toBe(2);
    h.clock.advance(1);
    expect((await h.create()).status).toBe(200);
    expect(h.sim.createCount).toBe(3);
  });

  it('answers 429 to the 21st query within one second, per key', async () => {
    const h = await start({ limits: {} });
    const taskId = await h.createTask();
    const statuses: number[] = [];
    for (let i = 0; i < 21; i += 1) statuses.push((await h.get(taskId)).status);
    expect(statuses.slice(0, 20).every((status) => status === 200)).toBe(true);
    expectError(await h.get(taskId), 429, 'Throttling.RateQuota');
    expectError(await h.list(), 429, 'Throttling.RateQuota');
    // Another key has its own budget.
    expect((await h.get(taskId, 'sk-test-fedcba9876543210')).status).toBe(200);
    h.clock.advance(1_000);
    expect((await h.get(taskId)).status).toBe(200);
  });

  it('sends Retry-After on rate-limit 429s only when asked to', async () => {
    const quiet = await start({ limits: { createPerSecond: 1 } });
    await quiet.create();
    h429(await quiet.create(), null);
    await quiet.close();
    harness = await startSimulator({ limits: { createPerSecond: 1, retryAfter: true } });
    await harness.create();
    harness.clock.advance(200);
    h429(await harness.create(), '1');

    function h429(answer: Answer, retryAfter: string | null) {
      expectError(answer, 429, 'Throttling.RateQuota');
      expect(answer.headers.get('retry-after')).toBe(retryAfter);
    }
  });
});
