/**
 * The capability table: what each keyframe-to-video model offers (resolutions, templates,
 * region, price). UIs are generated from it and requests are checked against it, so adding a
 * model is one entry here. Prices are data the app can override by passing its own table.
 */
import { KeyframeVideoError } from './errors.js';
import { isFrameUrl } from './frame-rules.js';
import type { KeyframeVideoRequest } from './schemas.js';

export { isFrameUrl } from './frame-rules.js';

/** DashScope API bases per region (the Python SDK's `DASHSCOPE_HTTP_BASE_URL`). */
export const REGION_BASE_URLS = {
  beijing: 'https://dashscope.aliyuncs.com/api/v1',
  singapore: 'https://dashscope-intl.aliyuncs.com/api/v1',
} as const;

/** Where a model is served; each region has its own API base and account. */
export type Region = keyof typeof REGION_BASE_URLS;

/** The longest prompt the service accepts, in Unicode code points. */
export const PROMPT_MAX_LENGTH = 800;
/** The longest negative prompt the service accepts, in Unicode code points. */
export const NEGATIVE_PROMPT_MAX_LENGTH = 500;
/** The largest seed (the service takes integers in [0, 2^31 − 1]). */
export const SEED_MAX = 2147483647;
/** Every kf2v video is this long today. */
export const VIDEO_DURATION_SECONDS = 5;

/** Price per second of video. Data, not logic: pass your own table when prices change. */
export interface ModelPrice {
  currency: 'CNY' | 'USD';
  /** Price per second of video, by resolution (`"720P"` → 0.2). */
  byResolution: Readonly<Record<string, number>>;
  /** True when the figure is not from the project's API notes and should be checked. */
  approximate?: boolean | undefined;
}

/** One model's capabilities: everything a UI needs to offer its options. */
export interface KeyframeVideoModel {
  /** The id sent as `model`. */
  id: string;
  /** A short human name for pickers. */
  label: string;
  /** Offered `parameters.resolution` values, smallest first. */
  resolutions: readonly string[];
  /** The resolution the service uses when none is sent. */
  defaultResolution: string;
  /** Effect templates (`input.template`); empty when the model has none. */
  templates: readonly string[];
  region: Region;
  /** Offered video lengths in seconds. */
  durations: readonly number[];
  pricePerSecond: ModelPrice;
}

/** A capability table keyed by model id. Pass your own to add models or change prices. */
export type KeyframeVideoModelTable = Readonly<Record<string, KeyframeVideoModel>>;

const BUILT_IN_MODELS = {
  'wan2.2-kf2v-flash': {
    id: 'wan2.2-kf2v-flash',
    label: 'Wan 2.2 Flash',
    resolutions: ['480P', '720P', '1080P'],
    defaultResolution: '720P',
    templates: [],
    region: 'beijing',
    durations: [VIDEO_DURATION_SECONDS],
    // From the API notes (Beijing list price).
    pricePerSecond: { currency: 'CNY', byResolution: { '480P': 0.1, '720P': 0.2, '1080P': 0.48 } },
  },
  'wanx2.1-kf2v-plus': {
    id: 'wanx2.1-kf2v-plus',
    label: 'Wanx 2.1 Plus (effect templates)',
    resolutions: ['720P'],
    defaultResolution: '720P',
    templates: ['hanfu-1', 'solaron', 'magazine', 'mech1', 'mech2'],
    region: 'beijing',
    durations: [VIDEO_DURATION_SECONDS],
    // Published Beijing list price at the time of writing; not in the API notes.
    pricePerSecond: { currency: 'CNY', byResolution: { '720P': 0.7 }, approximate: true },
  },
  'wan2.1-kf2v-plus': {
    id: 'wan2.1-kf2v-plus',
    label: 'Wan 2.1 Plus (international)',
    resolutions: ['720P'],
    defaultResolution: '720P',
    templates: [],
    region: 'singapore',
    durations: [VIDEO_DURATION_SECONDS],
    // International list price as remembered; not in the API notes — check before relying on it.
    pricePerSecond: { currency: 'USD', byResolution: { '720P': 0.1 }, approximate: true },
  },
} satisfies Record<string, KeyframeVideoModel>;

/** Ids of the built-in models. Custom tables may use any string. */
export type ModelId = keyof typeof BUILT_IN_MODELS;

/** Freezes a value and everything in it (here: the table's own literals, shared with nothing). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze);
    Object.freeze(value);
  }
  return value;
}

/** The built-in capability table (frozen; pass a copy with changes to override). */
export const KEYFRAME_VIDEO_MODELS: Readonly<Record<ModelId, KeyframeVideoModel>> =
  /* @__PURE__ */ deepFreeze(BUILT_IN_MODELS);

/** The model used when an app does not choose one. */
export const DEFAULT_MODEL: ModelId = 'wan2.2-kf2v-flash';

/** Looks a model up by id; `undefined` when the table has no such model. */
export function getModel(
  id: string,
  models: KeyframeVideoModelTable = KEYFRAME_VIDEO_MODELS,
): KeyframeVideoModel | undefined {
  return Object.prototype.hasOwnProperty.call(models, id) ? models[id] : undefined;
}

/** What a request will cost, from the table's price data. */
export interface CostEstimate {
  amount: number;
  currency: ModelPrice['currency'];
  seconds: number;
  resolution: string;
  perSecond: number;
  /** True when the price data is flagged approximate. */
  approximate: boolean;
}

/**
 * Estimates the price of a request: seconds of video × the model's price at the resolution
 * (the model's default when none is set). `undefined` when the model or its price is unknown.
 */
export function estimateCost(
  request: Pick<KeyframeVideoRequest, 'model' | 'resolution' | 'duration'>,
  models: KeyframeVideoModelTable = KEYFRAME_VIDEO_MODELS,
): CostEstimate | undefined {
  const model = getModel(request.model, models);
  if (!model) return undefined;
  const resolution = request.resolution ?? model.defaultResolution;
  const perSecond = model.pricePerSecond.byResolution[resolution];
  if (perSecond === undefined) return undefined;
  const seconds = request.duration ?? VIDEO_DURATION_SECONDS;
  return {
    amount: Math.round(perSecond * seconds * 1e6) / 1e6,
    currency: model.pricePerSecond.currency,
    seconds,
    resolution,
    perSecond,
    approximate: model.pricePerSecond.approximate === true,
  };
}

/** Counts Unicode code points, the unit the service's length limits use (emoji count as one). */
function codePointLength(text: string): number {
  let length = 0;
  for (const _codePoint of text) length += 1;
  return length;
}

/** Options for `validateRequest`. */
export interface ValidateRequestOptions {
  /** The capability table to check against (default: the built-in one). */
  models?: KeyframeVideoModelTable | undefined;
}

function invalid(param: string, message: string): KeyframeVideoError {
  return new KeyframeVideoError({ code: 'InvalidParameter', status: 400, param, message });
}

function checkFrameField(
  value: unknown,
  param: string,
  name: 'first frame' | 'last frame',
  required: boolean,
): KeyframeVideoError | undefined {
  if (value === undefined || value === '') {
    return required
      ? invalid(param, 'Add a first frame: the video starts from it.')
      : value === ''
        ? invalid(param, 'The last frame is empty. Add an image or remove the last frame.')
        : undefined;
  }
  if (typeof value !== 'string' || !isFrameUrl(value)) {
    return invalid(
      param,
      `The ${name} must be an http(s) link or an image data URL (data:image/…;base64,…). ` +
        'Choose the image again or use a public link.',
    );
  }
  return undefined;
}

function checkText(
  value: unknown,
  param: string,
  name: string,
  maxLength: number,
): KeyframeVideoError | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return invalid(param, `The ${name} must be text.`);
  const length = codePointLength(value);
  if (length > maxLength) {
    return invalid(
      param,
      `The ${name} is ${length} characters long. Shorten it to ${maxLength} characters or fewer.`,
    );
  }
  return undefined;
}

function checkBoolean(value: unknown, param: string, name: string) {
  if (value === undefined || typeof value === 'boolean') return undefined;
  return invalid(param, `${name} must be true or false. Turn it on or off.`);
}

function list(values: readonly (string | number)[]): string {
  return values.join(', ');
}

/**
 * Checks a request against the API's rules and the model table, reporting EVERY problem at once
 * (an empty array means valid) so a form can mark all fields together. Each error has code
 * `InvalidParameter` (status 400) — or `ModelNotFound` (404) for a model the table does not
 * have — a `param` in wire form (`"input.prompt"`) and a sentence saying what to do.
 *
 * Prompt limits count Unicode code points, not UTF-16 units: an emoji counts as one character,
 * as the service counts it.
 */
export function validateRequest(
  request: KeyframeVideoRequest,
  options: ValidateRequestOptions = {},
): KeyframeVideoError[] {
  const models = options.models ?? KEYFRAME_VIDEO_MODELS;
  const errors: KeyframeVideoError[] = [];
  const add = (error: KeyframeVideoError | undefined) => {
    if (error) errors.push(error);
  };
  // Untrusted callers (plain JS, relays) may send anything: read fields as unknown.
  const fields = request as unknown as Record<keyof KeyframeVideoRequest, unknown>;

  let model: KeyframeVideoModel | undefined;
  if (typeof fields.model !== 'string' || fields.model === '') {
    add(invalid('model', `Choose a model, for example "${DEFAULT_MODEL}".`));
  } else {
    model = getModel(fields.model, models);
    if (!model) {
      add(
        new KeyframeVideoError({
          code: 'ModelNotFound',
          status: 404,
          param: 'model',
          message: `The model "${fields.model}" is not available. Choose one of: ${list(Object.keys(models))}.`,
        }),
      );
    }
  }

  add(checkFrameField(fields.firstFrameUrl, 'input.first_frame_url', 'first frame', true));
  add(checkFrameField(fields.lastFrameUrl, 'input.last_frame_url', 'last frame', false));
  add(checkText(fields.prompt, 'input.prompt', 'prompt', PROMPT_MAX_LENGTH));
  add(
    checkText(
      fields.negativePrompt,
      'input.negative_prompt',
      'negative prompt',
      NEGATIVE_PROMPT_MAX_LENGTH,
    ),
  );

  const template = fields.template;
  if (template !== undefined) {
    if (typeof template !== 'string') {
      add(invalid('input.template', 'The template must be the name of an effect template.'));
    } else if (model && model.templates.length === 0) {
      add(invalid('input.template', `${model.id} has no effect templates. Remove the template.`));
    } else if (model && !model.templates.includes(template)) {
      add(
        invalid(
          'input.template',
          `"${template}" is not a template of ${model.id}. Choose one of: ${list(model.templates)}.`,
        ),
      );
    }
  }

  const resolution = fields.resolution;
  if (resolution !== undefined) {
    if (typeof resolution !== 'string') {
      add(invalid('parameters.resolution', 'The resolution must be text such as "720P".'));
    } else if (model && !model.resolutions.includes(resolution)) {
      add(
        invalid(
          'parameters.resolution',
          `${model.id} does not offer ${resolution}. Choose one of: ${list(model.resolutions)}.`,
        ),
      );
    }
  }

  const duration = fields.duration;
  const durations = model?.durations ?? [VIDEO_DURATION_SECONDS];
  if (duration !== undefined && !(typeof duration === 'number' && durations.includes(duration))) {
    add(
      invalid(
        'parameters.duration',
        durations.length === 1
          ? `The video length is fixed at ${durations[0]} seconds. Set the duration to ${durations[0]} or leave it out.`
          : `Choose a video length of ${list(durations)} seconds.`,
      ),
    );
  }

  add(checkBoolean(fields.watermark, 'parameters.watermark', 'Watermark'));
  add(checkBoolean(fields.promptExtend, 'parameters.prompt_extend', 'Prompt extension'));

  const seed = fields.seed;
  if (
    seed !== undefined &&
    !(typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed <= SEED_MAX)
  ) {
    add(
      invalid(
        'parameters.seed',
        `The seed must be a whole number from 0 to ${SEED_MAX}. Change it or leave it empty.`,
      ),
    );
  }
  return errors;
}

/**
 * Throws when `validateRequest` finds a problem. The thrown error is the first problem (same
 * code, status, `param` and message); its `cause` is an `AggregateError` whose `errors` lists
 * every problem, for forms that mark all fields.
 */
export function assertValidRequest(
  request: KeyframeVideoRequest,
  options: ValidateRequestOptions = {},
): void {
  const errors = validateRequest(request, options);
  const [first] = errors;
  if (!first) return;
  throw new KeyframeVideoError({
    code: first.code,
    status: first.status,
    param: first.param,
    message: first.message,
    cause: new AggregateError(errors, `The request has ${errors.length} problem(s).`),
  });
}
