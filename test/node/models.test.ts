import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MODEL,
  KEYFRAME_VIDEO_MODELS,
  KeyframeVideoError,
  NEGATIVE_PROMPT_MAX_LENGTH,
  PROMPT_MAX_LENGTH,
  REGION_BASE_URLS,
  SEED_MAX,
  VIDEO_DURATION_SECONDS,
  assertValidRequest,
  estimateCost,
  getModel,
  isFrameUrl,
  validateRequest,
  type KeyframeVideoModel,
  type KeyframeVideoModelTable,
  type KeyframeVideoRequest,
} from '../../src/core/index.js';

const validRequest: KeyframeVideoRequest = {
  model: 'wan2.2-kf2v-flash',
  firstFrameUrl: 'https://example.com/first.png',
  lastFrameUrl: 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==',
  prompt: 'A cat turns into a tiger',
};

/** A valid request with some fields replaced; `unknown` lets tests send what plain JS could. */
function requestWith(patch: Record<string, unknown>): KeyframeVideoRequest {
  return { ...validRequest, ...patch } as KeyframeVideoRequest;
}

describe('the capability table', () => {
  it('describes every built-in model consistently', () => {
    for (const [id, model] of Object.entries(KEYFRAME_VIDEO_MODELS)) {
      expect(model.id).toBe(id);
      expect(model.resolutions).toContain(model.defaultResolution);
      expect(model.durations).toEqual([VIDEO_DURATION_SECONDS]);
      expect(REGION_BASE_URLS[model.region]).toMatch(
        /^https:\/\/dashscope[\w-]*\.aliyuncs\.com\/api\/v1$/,
      );
      for (const resolution of model.resolutions) {
        expect(
          model.pricePerSecond.byResolution[resolution],
          `${id} ${resolution}`,
        ).toBeGreaterThan(0);
      }
    }
    expect(getModel(DEFAULT_MODEL)).toBe(KEYFRAME_VIDEO_MODELS['wan2.2-kf2v-flash']);
  });

  it('carries the facts from the API notes', () => {
    const flash = KEYFRAME_VIDEO_MODELS['wan2.2-kf2v-flash'];
    expect(flash.resolutions).toEqual(['480P', '720P', '1080P']);
    expect(flash.templates).toEqual([]);
    expect(flash.pricePerSecond).toEqual({
      currency: 'CNY',
      byResolution: { '480P': 0.1, '720P': 0.2, '1080P': 0.48 },
    });
    expect(KEYFRAME_VIDEO_MODELS['wanx2.1-kf2v-plus'].templates).toEqual([
      'hanfu-1',
      'solaron',
      'magazine',
      'mech1',
      'mech2',
    ]);
    expect(KEYFRAME_VIDEO_MODELS['wan2.1-kf2v-plus'].region).toBe('singapore');
    expect(REGION_BASE_URLS).toEqual({
      beijing: 'https://dashscope.aliyuncs.com/api/v1',
      singapore: 'https://dashscope-intl.aliyuncs.com/api/v1',
    });
  });

  it('flags prices that are not from the API notes as approximate', () => {
    expect(KEYFRAME_VIDEO_MODELS['wanx2.1-kf2v-plus'].pricePerSecond.approximate).toBe(true);
    expect(KEYFRAME_VIDEO_MODELS['wan2.1-kf2v-plus'].pricePerSecond.approximate).toBe(true);
    expect(KEYFRAME_VIDEO_MODELS['wan2.2-kf2v-flash'].pricePerSecond.approximate).toBeUndefined();
  });

  it('is frozen, so changes go through a table of your own', () => {
    expect(Object.isFrozen(KEYFRAME_VIDEO_MODELS)).toBe(true);
    expect(
      Object.isFrozen(KEYFRAME_VIDEO_MODELS['wan2.2-kf2v-flash'].pricePerSecond.byResolution),
    ).toBe(true);
  });

  it('finds only real entries', () => {
    expect(getModel('wan2.1-kf2v-plus')?.id).toBe('wan2.1-kf2v-plus');
    expect(getModel('wan9-kf2v')).toBeUndefined();
    expect(getModel('constructor')).toBeUndefined();
    expect(getModel('toString')).toBeUndefined();
  });
});

describe('estimateCost', () => {
  it('multiplies the per-second price by the video length', () => {
    expect(estimateCost({ model: 'wan2.2-kf2v-flash', resolution: '1080P' })).toEqual({
      amount: 2.4,
      currency: 'CNY',
      seconds: 5,
      resolution: '1080P',
      perSecond: 0.48,
      approximate: false,
    });
    expect(estimateCost({ model: 'wan2.2-kf2v-flash', resolution: '480P' })?.amount).toBe(0.5);
  });

  it('uses the model’s default resolution and says when the price is approximate', () => {
    expect(estimateCost({ model: 'wan2.2-kf2v-flash' })).toMatchObject({
      amount: 1,
      resolution: '720P',
    });
    expect(estimateCost({ model: 'wanx2.1-kf2v-plus' })).toMatchObject({
      amount: 3.5,
      currency: 'CNY',
      approximate: true,
    });
    expect(estimateCost({ model: 'wan2.1-kf2v-plus' })?.currency).toBe('USD');
  });

  it('has no estimate for an unknown model or an unpriced resolution', () => {
    expect(estimateCost({ model: 'wan9-kf2v' })).toBeUndefined();
    expect(estimateCost({ model: 'wanx2.1-kf2v-plus', resolution: '1080P' })).toBeUndefined();
  });

  it('reads prices from a table the app passes', () => {
    const discounted: KeyframeVideoModelTable = {
      ...KEYFRAME_VIDEO_MODELS,
      'wan2.2-kf2v-flash': {
        ...KEYFRAME_VIDEO_MODELS['wan2.2-kf2v-flash'],
        pricePerSecond: { currency: 'CNY', byResolution: { '720P': 0.1 } },
      },
    };
    expect(estimateCost({ model: 'wan2.2-kf2v-flash' }, discounted)?.amount).toBe(0.5);
  });
});

describe('validateRequest', () => {
  it('accepts a valid request', () => {
    expect(validateRequest(validRequest)).toEqual([]);
    expect(
      validateRequest({
        model: 'wan2.2-kf2v-flash',
        firstFrameUrl: 'http://cdn.example.com/a.jpg',
      }),
    ).toEqual([]);
    expect(
      validateRequest({
        model: 'wanx2.1-kf2v-plus',
        firstFrameUrl: 'https://example.com/first.png',
        template: 'mech1',
        resolution: '720P',
        duration: 5,
        seed: SEED_MAX,
        watermark: true,
        promptExtend: false,
      }),
    ).toEqual([]);
  });

  it.each([
    [
      'an unknown model',
      { model: 'wan9-kf2v' },
      'ModelNotFound',
      'model',
      /"wan9-kf2v" is not available\. Choose one of: wan2\.2-kf2v-flash, wanx2\.1-kf2v-plus, wan2\.1-kf2v-plus/,
    ],
    ['an empty model', { model: '' }, 'InvalidParameter', 'model', /Choose a model/],
    [
      '1080P on a 720P-only model',
      { model: 'wanx2.1-kf2v-plus', resolution: '1080P' },
      'InvalidParameter',
      'parameters.resolution',
      /wanx2\.1-kf2v-plus does not offer 1080P\. Choose one of: 720P\./,
    ],
    [
      'a resolution no model has',
      { resolution: '4K' },
      'InvalidParameter',
      'parameters.resolution',
      /Choose one of: 480P, 720P, 1080P/,
    ],
    [
      'a template on a model without templates',
      { template: 'hanfu-1' },
      'InvalidParameter',
      'input.template',
      /wan2\.2-kf2v-flash has no effect templates\. Remove the template\./,
    ],
    [
      'an unknown template',
      { model: 'wanx2.1-kf2v-plus', template: 'vampire' },
      'InvalidParameter',
      'input.template',
      /"vampire" is not a template of wanx2\.1-kf2v-plus\. Choose one of: hanfu-1, solaron, magazine, mech1, mech2\./,
    ],
    [
      'a prompt over 800 characters',
      { prompt: 'a'.repeat(PROMPT_MAX_LENGTH + 1) },
      'InvalidParameter',
      'input.prompt',
      /The prompt is 801 characters long\. Shorten it to 800 characters or fewer\./,
    ],
    [
      'a negative prompt over 500 characters',
      { negativePrompt: 'n'.repeat(NEGATIVE_PROMPT_MAX_LENGTH + 1) },
      'InvalidParameter',
      'input.negative_prompt',
      /negative prompt is 501 characters long\. Shorten it to 500/,
    ],
    ['a negative seed', { seed: -1 }, 'InvalidParameter', 'parameters.seed', /0 to 2147483647/],
    [
      'a seed above 2^31 − 1',
      { seed: SEED_MAX + 1 },
      'InvalidParameter',
      'parameters.seed',
      /whole number/,
    ],
    ['a fractional seed', { seed: 2.5 }, 'InvalidParameter', 'parameters.seed', /whole number/],
    ['a seed given as text', { seed: '7' }, 'InvalidParameter', 'parameters.seed', /whole number/],
    [
      'a 10-second duration',
      { duration: 10 },
      'InvalidParameter',
      'parameters.duration',
      /fixed at 5 seconds\. Set the duration to 5 or leave it out\./,
    ],
    [
      'a missing first frame',
      { firstFrameUrl: undefined },
      'InvalidParameter',
      'input.first_frame_url',
      /Add a first frame/,
    ],
    [
      'an empty first frame',
      { firstFrameUrl: '' },
      'InvalidParameter',
      'input.first_frame_url',
      /Add a first frame/,
    ],
    [
      'an ftp first frame',
      { firstFrameUrl: 'ftp://example.com/a.png' },
      'InvalidParameter',
      'input.first_frame_url',
      /first frame must be an http\(s\) link or an image data URL/,
    ],
    [
      'a relative first frame path',
      { firstFrameUrl: '/images/a.png' },
      'InvalidParameter',
      'input.first_frame_url',
      /http\(s\) link/,
    ],
    [
      'a temporary oss:// first frame',
      { firstFrameUrl: 'oss://dashscope-instant/abc/first.png' },
      'InvalidParameter',
      'input.first_frame_url',
      /http\(s\) link/,
    ],
    [
      'a text data URL as first frame',
      { firstFrameUrl: 'data:text/plain;base64,aGVsbG8=' },
      'InvalidParameter',
      'input.first_frame_url',
      /image data URL/,
    ],
    [
      'an image data URL that is not base64',
      { firstFrameUrl: 'data:image/png,rawbytes' },
      'InvalidParameter',
      'input.first_frame_url',
      /image data URL/,
    ],
    [
      'a data URL with broken base64',
      { firstFrameUrl: 'data:image/png;base64,iVBOR w0K!' },
      'InvalidParameter',
      'input.first_frame_url',
      /image data URL/,
    ],
    [
      'a file:// last frame',
      { lastFrameUrl: 'file:///home/me/last.png' },
      'InvalidParameter',
      'input.last_frame_url',
      /last frame must be an http\(s\) link/,
    ],
    [
      'an empty last frame',
      { lastFrameUrl: '' },
      'InvalidParameter',
      'input.last_frame_url',
      /last frame is empty/,
    ],
    [
      'a first frame that is a number',
      { firstFrameUrl: 42 },
      'InvalidParameter',
      'input.first_frame_url',
      /http/,
    ],
    [
      'a prompt that is not text',
      { prompt: 42 },
      'InvalidParameter',
      'input.prompt',
      /must be text/,
    ],
    [
      'a watermark given as text',
      { watermark: 'yes' },
      'InvalidParameter',
      'parameters.watermark',
      /Watermark must be true or false/,
    ],
    [
      'prompt extension given as a number',
      { promptExtend: 1 },
      'InvalidParameter',
      'parameters.prompt_extend',
      /Prompt extension must be true or false/,
    ],
  ])('reports %s with its code and field', (_name, patch, code, param, message) => {
    const errors = validateRequest(requestWith(patch));
    expect(errors).toHaveLength(1);
    const [error] = errors as [KeyframeVideoError];
    expect(error).toBeInstanceOf(KeyframeVideoError);
    expect(error.code).toBe(code);
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
    expect(error.status).toBe(code === 'ModelNotFound' ? 404 : 400);
    expect(error.retryable).toBe(false);
  });

  it('counts Unicode code points, not UTF-16 units, against the prompt limit', () => {
    const emoji = '🎬'; // two UTF-16 units, one character
    expect(validateRequest(requestWith({ prompt: emoji.repeat(PROMPT_MAX_LENGTH) }))).toEqual([]);
    const [error] = validateRequest(requestWith({ prompt: emoji.repeat(PROMPT_MAX_LENGTH + 1) }));
    expect(error?.param).toBe('input.prompt');
    expect(error?.message).toContain('801 characters');
    expect(
      validateRequest(
        requestWith({ negativePrompt: '模糊'.repeat(NEGATIVE_PROMPT_MAX_LENGTH / 2) }),
      ),
    ).toEqual([]);
  });

  it('reports every problem at once, in field order', () => {
    const errors = validateRequest(
      requestWith({
        model: 'wanx2.1-kf2v-plus',
        firstFrameUrl: '',
        lastFrameUrl: 'not a url',
        prompt: 'p'.repeat(900),
        template: 'unknown',
        resolution: '480P',
        duration: 4,
        watermark: 'no',
        seed: -5,
      }),
    );
    expect(errors.map((error) => error.param)).toEqual([
      'input.first_frame_url',
      'input.last_frame_url',
      'input.prompt',
      'input.template',
      'parameters.resolution',
      'parameters.duration',
      'parameters.watermark',
      'parameters.seed',
    ]);
    expect(new Set(errors.map((error) => error.code))).toEqual(new Set(['InvalidParameter']));
  });

  it('still checks the other fields when the model is unknown', () => {
    const errors = validateRequest(
      requestWith({ model: 'nope', resolution: '1080P', template: 'x', seed: -1 }),
    );
    expect(errors.map((error) => [error.code, error.param])).toEqual([
      ['ModelNotFound', 'model'],
      ['InvalidParameter', 'parameters.seed'],
    ]);
  });

  it('takes a custom table: adding a model is one entry', () => {
    const newModel: KeyframeVideoModel = {
      id: 'wan3.0-kf2v-test',
      label: 'Wan 3.0 (test)',
      resolutions: ['720P', '1080P'],
      defaultResolution: '1080P',
      templates: ['sparkle'],
      region: 'beijing',
      durations: [5, 10],
      pricePerSecond: { currency: 'CNY', byResolution: { '720P': 0.3, '1080P': 0.6 } },
    };
    const models = { ...KEYFRAME_VIDEO_MODELS, [newModel.id]: newModel };
    const request = requestWith({ model: newModel.id, template: 'sparkle', duration: 10 });
    expect(validateRequest(request).map((error) => error.code)).toEqual([
      'ModelNotFound',
      'InvalidParameter', // 10 s is checked against the default 5 s rule
    ]);
    expect(validateRequest(request, { models })).toEqual([]);
    expect(estimateCost(request, models)).toMatchObject({ amount: 6, resolution: '1080P' });
    const [error] = validateRequest(requestWith({ model: newModel.id, duration: 7 }), { models });
    expect(error?.param).toBe('parameters.duration');
    expect(error?.message).toBe('Choose a video length of 5, 10 seconds.');
  });
});

describe('assertValidRequest', () => {
  it('returns quietly for a valid request', () => {
    expect(() => assertValidRequest(validRequest)).not.toThrow();
  });

  it('throws the first problem, with every problem in cause.errors', () => {
    let thrown: unknown;
    try {
      assertValidRequest(requestWith({ prompt: 'x'.repeat(801), seed: 1.5 }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(KeyframeVideoError);
    const error = thrown as KeyframeVideoError;
    expect(error.code).toBe('InvalidParameter');
    expect(error.param).toBe('input.prompt');
    expect(error.cause).toBeInstanceOf(AggregateError);
    const all = (error.cause as AggregateError).errors as KeyframeVideoError[];
    expect(all.map((problem) => problem.param)).toEqual(['input.prompt', 'parameters.seed']);
  });
});

describe('isFrameUrl', () => {
  it.each([
    ['https://example.com/a.png', true],
    ['HTTP://EXAMPLE.COM/A.PNG', true],
    ['https://example.com/a.png?sig=1#x', true],
    ['data:image/jpeg;base64,/9j/4AAQSkZJRg==', true],
    ['data:image/webp;base64,UklGRg', true],
    ['https://', false],
    ['http:/example.com/a.png', false],
    ['javascript:alert(1)', false],
    ['data:image/svg+xml;utf8,<svg/>', false],
    ['data:image/png;base64,', false],
    ['example.com/a.png', false],
  ])('%s → %s', (value, expected) => {
    expect(isFrameUrl(value)).toBe(expected);
  });
});
