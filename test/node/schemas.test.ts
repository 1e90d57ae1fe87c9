import { describe, expect, it } from 'vitest';
import {
  KeyframeVideoError,
  TASK_STATUSES,
  defaultErrorMessages,
  formatDashScopeTime,
  fromWireCreateBody,
  fromWireCreateResponse,
  fromWireError,
  fromWireTask,
  isTerminalTaskStatus,
  parseCancelResponse,
  parseCreateBody,
  parseCreateResponse,
  parseDashScopeTime,
  parseErrorBody,
  parseTaskBody,
  toWireCreateBody,
  toWireCreateResponse,
  toWireError,
  toWireTask,
  type KeyframeVideoRequest,
  type KeyframeVideoTask,
} from '../../src/core/index.js';

/** Runs `action` and returns the KeyframeVideoError it throws (fails the test if it does not). */
function thrownBy(action: () => unknown): KeyframeVideoError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(KeyframeVideoError);
    return error as KeyframeVideoError;
  }
  throw new Error('Expected a KeyframeVideoError, but nothing was thrown.');
}

const validBody = {
  model: 'wan2.2-kf2v-flash',
  input: {
    first_frame_url: 'https://example.com/first.png',
    last_frame_url: 'https://example.com/last.png',
    prompt: 'A cat turns into a tiger',
    negative_prompt: 'blur',
  },
  parameters: { resolution: '720P', duration: 5, watermark: false, prompt_extend: true, seed: 42 },
};

/** A copy of the valid body with one part replaced. */
function bodyWith(patch: {
  top?: Record<string, unknown>;
  input?: Record<string, unknown>;
  parameters?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    ...validBody,
    ...patch.top,
    input: { ...validBody.input, ...patch.input },
    parameters: { ...validBody.parameters, ...patch.parameters },
  };
}

const succeededBody = {
  request_id: 'req-2',
  output: {
    task_id: 'task-1',
    task_status: 'SUCCEEDED',
    submit_time: '2025-09-29 14:18:52.331',
    scheduled_time: '2025-09-29 14:18:59.290',
    end_time: '2025-09-29 14:23:39.407',
    orig_prompt: 'A cat turns into a tiger',
    actual_prompt: 'A small tabby cat slowly turns into a tiger, cinematic light',
    video_url: 'https://dashscope-result.example.com/video.mp4?Expires=1',
  },
  usage: { video_duration: 5, video_count: 1, SR: 720 },
};

describe('parseCreateBody', () => {
  it('accepts a complete create body and returns it unchanged', () => {
    expect(parseCreateBody(validBody)).toEqual(validBody);
  });

  it('accepts the body the official Python SDK sends (null prompt, input.extend_prompt, empty parameters)', () => {
    const sdkBody = {
      model: 'wan2.2-kf2v-flash',
      input: {
        prompt: null,
        extend_prompt: false,
        first_frame_url: 'https://example.com/first.png',
      },
      parameters: {},
    };
    const request = fromWireCreateBody(parseCreateBody(sdkBody));
    expect(request).toEqual({
      model: 'wan2.2-kf2v-flash',
      firstFrameUrl: 'https://example.com/first.png',
      promptExtend: false,
    });
  });

  it.each([
    ['a missing model', bodyWith({ top: { model: undefined } }), 'model', /"model" is missing/],
    ['a numeric model', bodyWith({ top: { model: 22 } }), 'model', /"model" must be a model id/],
    ['a missing input', { model: 'wan2.2-kf2v-flash' }, 'input', /"input" is missing/],
    ['an input that is a string', { ...validBody, input: 'x' }, 'input', /must be an object/],
    [
      'a missing first frame',
      bodyWith({ input: { first_frame_url: undefined } }),
      'input.first_frame_url',
      /"input\.first_frame_url" is missing\. Send the first frame as an http\(s\) URL/,
    ],
    [
      'a numeric first frame',
      bodyWith({ input: { first_frame_url: 7 } }),
      'input.first_frame_url',
      /must be the first frame/,
    ],
    [
      'a null first frame',
      bodyWith({ input: { first_frame_url: null } }),
      'input.first_frame_url',
      /must be the first frame/,
    ],
    [
      'a numeric last frame',
      bodyWith({ input: { last_frame_url: 1 } }),
      'input.last_frame_url',
      /must be the last frame/,
    ],
    ['a numeric prompt', bodyWith({ input: { prompt: 5 } }), 'input.prompt', /must be text/],
    [
      'a negative prompt given as a list',
      bodyWith({ input: { negative_prompt: ['blur'] } }),
      'input.negative_prompt',
      /must be text/,
    ],
    [
      'a boolean template',
      bodyWith({ input: { template: true } }),
      'input.template',
      /effect templates/,
    ],
    [
      'a deprecated extend_prompt that is not a boolean',
      bodyWith({ input: { extend_prompt: 'yes' } }),
      'input.extend_prompt',
      /true or false/,
    ],
    [
      'an unknown input field (image-to-video’s img_url)',
      bodyWith({ input: { img_url: 'https://example.com/a.png' } }),
      'input.img_url',
      /"input\.img_url" is not a field this API accepts\. Remove it\./,
    ],
    [
      'an unknown top-level field',
      bodyWith({ top: { task: 'image2video' } }),
      'task',
      /"task" is not a field/,
    ],
    [
      'parameters that are a string',
      { ...validBody, parameters: '720P' },
      'parameters',
      /"parameters" must be an object/,
    ],
    [
      'an unknown parameter (text-to-video’s size)',
      bodyWith({ parameters: { size: '1280*720' } }),
      'parameters.size',
      /Remove it/,
    ],
    [
      'a watermark given as text',
      bodyWith({ parameters: { watermark: 'yes' } }),
      'parameters.watermark',
      /true or false/,
    ],
    [
      'prompt_extend given as a number',
      bodyWith({ parameters: { prompt_extend: 1 } }),
      'parameters.prompt_extend',
      /true or false/,
    ],
    [
      'a fractional seed',
      bodyWith({ parameters: { seed: 1.5 } }),
      'parameters.seed',
      /whole number from 0 to 2147483647/,
    ],
    [
      'a seed given as text',
      bodyWith({ parameters: { seed: '42' } }),
      'parameters.seed',
      /whole number/,
    ],
    [
      'a seed beyond safe integers',
      bodyWith({ parameters: { seed: 1e20 } }),
      'parameters.seed',
      /whole number/,
    ],
    [
      'a duration given as text',
      bodyWith({ parameters: { duration: '5' } }),
      'parameters.duration',
      /the number 5/,
    ],
    [
      'a numeric resolution',
      bodyWith({ parameters: { resolution: 720 } }),
      'parameters.resolution',
      /"720P"/,
    ],
  ])('rejects %s as InvalidParameter naming the field', (_name, body, param, message) => {
    const error = thrownBy(() => parseCreateBody(body));
    expect(error.code).toBe('InvalidParameter');
    expect(error.status).toBe(400);
    expect(error.param).toBe(param);
    expect(error.message).toMatch(message);
    expect(error.message).toContain(`"${param}"`);
    expect(error.retryable).toBe(false);
  });

  it.each([
    ['null', null],
    ['an array', [validBody]],
    ['a string', JSON.stringify(validBody)],
  ])('rejects a body that is %s, with no field to point at', (_name, body) => {
    const error = thrownBy(() => parseCreateBody(body));
    expect(error.code).toBe('InvalidParameter');
    expect(error.status).toBe(400);
    expect(error.param).toBeUndefined();
    expect(error.message).toMatch(/JSON object with "model" and "input"/);
  });

  it('names the first offending field when there are several', () => {
    const error = thrownBy(() =>
      parseCreateBody(bodyWith({ top: { model: 1 }, parameters: { seed: 'x' } })),
    );
    expect(error.param).toBe('model');
  });
});

describe('response schemas', () => {
  it('reads a create answer and tolerates extra upstream fields', () => {
    const body = parseCreateResponse({
      request_id: 'req-1',
      output: { task_id: 'task-1', task_status: 'PENDING', region: 'cn-beijing' },
      new_top_level_field: true,
    });
    expect(fromWireCreateResponse(body)).toEqual({
      taskId: 'task-1',
      status: 'PENDING',
      requestId: 'req-1',
    });
  });

  it.each([
    [
      'a create answer without output.task_id',
      () => parseCreateResponse({ request_id: 'r', output: { task_status: 'PENDING' } }),
      /missing "output\.task_id"/,
    ],
    [
      'a create answer without request_id',
      () => parseCreateResponse({ output: { task_id: 't', task_status: 'PENDING' } }),
      /missing "request_id"/,
    ],
    [
      'a create answer with a status DashScope does not have',
      () => parseCreateResponse({ request_id: 'r', output: { task_id: 't', task_status: 'DONE' } }),
      /invalid "output\.task_status" \(expected one of PENDING, RUNNING/,
    ],
    [
      'a task answer without output',
      () => parseTaskBody({ request_id: 'r' }),
      /task answer is missing "output"/,
    ],
    [
      'a SUCCEEDED task without video_url',
      () =>
        parseTaskBody({
          ...succeededBody,
          output: { ...succeededBody.output, video_url: undefined },
        }),
      /missing "output\.video_url"/,
    ],
    [
      'a task answer with a numeric task id',
      () => parseTaskBody({ request_id: 'r', output: { task_id: 5, task_status: 'RUNNING' } }),
      /invalid "output\.task_id"/,
    ],
    [
      'a task answer with text usage.video_duration',
      () => parseTaskBody({ ...succeededBody, usage: { video_duration: 'five' } }),
      /invalid "usage\.video_duration"/,
    ],
    ['a task answer that is not an object', () => parseTaskBody('<html>'), /not a JSON object/],
    [
      'a cancel answer with a numeric request id',
      () => parseCancelResponse({ request_id: 3 }),
      /invalid "request_id"/,
    ],
  ])('reports %s as InvalidResponse naming the field', (_name, parse, detail) => {
    const error = thrownBy(parse);
    expect(error.code).toBe('InvalidResponse');
    expect(error.detail).toMatch(detail);
    expect(error.message).toBe(defaultErrorMessages.InvalidResponse);
  });

  it('reads a SUCCEEDED task, keeping raw times and parsing them (UTC+8)', () => {
    const task = fromWireTask(parseTaskBody(succeededBody));
    expect(task).toEqual({
      taskId: 'task-1',
      status: 'SUCCEEDED',
      requestId: 'req-2',
      submitTime: '2025-09-29 14:18:52.331',
      scheduledTime: '2025-09-29 14:18:59.290',
      endTime: '2025-09-29 14:23:39.407',
      submittedAt: Date.UTC(2025, 8, 29, 6, 18, 52, 331),
      scheduledAt: Date.UTC(2025, 8, 29, 6, 18, 59, 290),
      endedAt: Date.UTC(2025, 8, 29, 6, 23, 39, 407),
      videoUrl: 'https://dashscope-result.example.com/video.mp4?Expires=1',
      origPrompt: 'A cat turns into a tiger',
      actualPrompt: 'A small tabby cat slowly turns into a tiger, cinematic light',
      usage: { videoDuration: 5, videoCount: 1, resolution: 720 },
    });
  });

  it('tolerates extra upstream fields at every level', () => {
    const body = parseTaskBody({
      ...succeededBody,
      brand_new: { nested: 1 },
      output: { ...succeededBody.output, video_cover_url: 'https://example.com/cover.jpg' },
      usage: { ...succeededBody.usage, billing_unit: 'second' },
    });
    expect(fromWireTask(body).videoUrl).toBe(succeededBody.output.video_url);
  });

  it('reads an UNKNOWN (expired or never seen) task', () => {
    const task = fromWireTask(
      parseTaskBody({ request_id: 'req-9', output: { task_id: 'gone', task_status: 'UNKNOWN' } }),
    );
    expect(task).toEqual({ taskId: 'gone', status: 'UNKNOWN', requestId: 'req-9' });
    expect(isTerminalTaskStatus(task.status)).toBe(true);
  });

  it('reads a FAILED task with its code and message as a failure', () => {
    const task = fromWireTask(
      parseTaskBody({
        request_id: 'req-3',
        output: {
          task_id: 'task-3',
          task_status: 'FAILED',
          code: 'DataInspectionFailed',
          message: 'Input data may contain inappropriate content.',
        },
      }),
    );
    expect(task.failure).toEqual({
      code: 'DataInspectionFailed',
      message: 'Input data may contain inappropriate content.',
    });
  });

  it('gives a FAILED task without a code a failure all the same', () => {
    const task = fromWireTask(
      parseTaskBody({ request_id: 'r', output: { task_id: 't', task_status: 'FAILED' } }),
    );
    expect(task.failure).toEqual({ code: 'Unknown', message: '' });
  });

  it('treats null optional fields as absent and reads a numeric-string SR', () => {
    const task = fromWireTask(
      parseTaskBody({
        request_id: 'r',
        output: { task_id: 't', task_status: 'RUNNING', video_url: null, code: null },
        usage: { SR: '1080', video_ratio: '1920*1080' },
      }),
    );
    expect(task).toEqual({
      taskId: 't',
      status: 'RUNNING',
      requestId: 'r',
      usage: { resolution: 1080, videoRatio: '1920*1080' },
    });
  });

  it('keeps a time it cannot read as raw text only', () => {
    const task = fromWireTask(
      parseTaskBody({
        request_id: 'r',
        output: { task_id: 't', task_status: 'PENDING', submit_time: 'soon' },
      }),
    );
    expect(task.submitTime).toBe('soon');
    expect(task).not.toHaveProperty('submittedAt');
  });

  it('parses every DashScope status', () => {
    for (const status of TASK_STATUSES) {
      const output =
        status === 'SUCCEEDED'
          ? { task_id: 't', task_status: status, video_url: 'https://example.com/v.mp4' }
          : { task_id: 't', task_status: status };
      expect(fromWireTask(parseTaskBody({ request_id: 'r', output })).status).toBe(status);
    }
  });

  it('reads error bodies, keeping param, and returns null for other shapes', () => {
    expect(
      parseErrorBody({
        code: 'InvalidParameter',
        message: 'first_frame_url is required',
        request_id: 'r',
        param: 'input.first_frame_url',
        extra: 1,
      }),
    ).toMatchObject({ code: 'InvalidParameter', param: 'input.first_frame_url' });
    expect(parseErrorBody(succeededBody)).toBeNull();
    expect(parseErrorBody({ code: 'Throttling' })).toBeNull();
    expect(parseErrorBody('Bad Gateway')).toBeNull();
    expect(parseErrorBody(null)).toBeNull();
  });
});

describe('mappings', () => {
  const fullRequest: KeyframeVideoRequest = {
    model: 'wan2.2-kf2v-flash',
    firstFrameUrl: 'https://example.com/first.png',
    lastFrameUrl: 'data:image/png;base64,iVBORw0KGgo=',
    prompt: 'A cat turns into a tiger',
    negativePrompt: 'blur',
    template: 'hanfu-1',
    resolution: '1080P',
    duration: 5,
    watermark: true,
    promptExtend: false,
    seed: 0,
  };

  it('maps a request to the snake_case body and back without loss', () => {
    const body = toWireCreateBody(fullRequest);
    expect(body).toEqual({
      model: 'wan2.2-kf2v-flash',
      input: {
        first_frame_url: 'https://example.com/first.png',
        last_frame_url: 'data:image/png;base64,iVBORw0KGgo=',
        prompt: 'A cat turns into a tiger',
        negative_prompt: 'blur',
        template: 'hanfu-1',
      },
      parameters: {
        resolution: '1080P',
        duration: 5,
        watermark: true,
        prompt_extend: false,
        seed: 0,
      },
    });
    expect(parseCreateBody(JSON.parse(JSON.stringify(body)))).toEqual(body);
    expect(fromWireCreateBody(body)).toEqual(fullRequest);
  });

  it('sends only what was given (no parameters object, no undefined keys)', () => {
    const body = toWireCreateBody({
      model: 'wan2.2-kf2v-flash',
      firstFrameUrl: 'https://example.com/first.png',
      lastFrameUrl: undefined,
      prompt: undefined,
    });
    expect(body).toStrictEqual({
      model: 'wan2.2-kf2v-flash',
      input: { first_frame_url: 'https://example.com/first.png' },
    });
  });

  it('maps a wire task to a task and back to the same wire body', () => {
    const task = fromWireTask(parseTaskBody(succeededBody));
    expect(toWireTask(task, 'req-2')).toStrictEqual(succeededBody);
  });

  it('maps a task to the wire and back, writing epoch-ms times in the DashScope format', () => {
    const task: KeyframeVideoTask = {
      taskId: 'sim-1',
      status: 'FAILED',
      submittedAt: Date.UTC(2025, 0, 1, 0, 0, 0, 5),
      endedAt: Date.UTC(2025, 0, 1, 0, 3, 0, 0),
      failure: { code: 'InternalError.Algo', message: 'algorithm error' },
    };
    const wire = toWireTask(task, 'req-sim');
    expect(wire.output.submit_time).toBe('2025-01-01 08:00:00.005');
    expect(wire.output.end_time).toBe('2025-01-01 08:03:00.000');
    expect(fromWireTask(parseTaskBody(JSON.parse(JSON.stringify(wire))))).toEqual({
      ...task,
      requestId: 'req-sim',
      submitTime: '2025-01-01 08:00:00.005',
      endTime: '2025-01-01 08:03:00.000',
    });
  });

  it('maps a create answer both ways', () => {
    const wire = toWireCreateResponse({ taskId: 't-1', status: 'PENDING' }, 'req-1');
    expect(fromWireCreateResponse(parseCreateResponse(wire))).toEqual({
      taskId: 't-1',
      status: 'PENDING',
      requestId: 'req-1',
    });
  });

  it('maps error bodies to errors (upstream words in detail) and errors to bodies', () => {
    const error = fromWireError(
      {
        code: 'Throttling.RateQuota',
        message: 'Requests rate limit exceeded',
        request_id: 'req-7',
      },
      { status: 429, retryAfterMs: 2000 },
    );
    expect(error).toMatchObject({
      code: 'Throttling.RateQuota',
      status: 429,
      requestId: 'req-7',
      retryAfterMs: 2000,
      detail: 'Requests rate limit exceeded',
      message: defaultErrorMessages['Throttling.RateQuota'],
      retryable: true,
    });
    expect(toWireError(error, 'req-8')).toEqual({
      code: 'Throttling.RateQuota',
      message: 'Requests rate limit exceeded',
      request_id: 'req-8',
    });
    const ours = new KeyframeVideoError({
      code: 'InvalidParameter',
      param: 'input.prompt',
      message: 'The prompt is too long.',
    });
    expect(parseErrorBody(toWireError(ours, 'req-9'))).toEqual({
      code: 'InvalidParameter',
      message: 'The prompt is too long.',
      request_id: 'req-9',
      param: 'input.prompt',
    });
  });
});

describe('DashScope times', () => {
  it('reads the server zone (UTC+8) by default and any offset on request', () => {
    expect(parseDashScopeTime('2025-09-29 14:18:52.331')).toBe(
      Date.UTC(2025, 8, 29, 6, 18, 52, 331),
    );
    expect(parseDashScopeTime('2025-09-29 14:18:52.331', 0)).toBe(
      Date.UTC(2025, 8, 29, 14, 18, 52, 331),
    );
    expect(parseDashScopeTime('2025-09-29 14:18:52')).toBe(Date.UTC(2025, 8, 29, 6, 18, 52));
    expect(parseDashScopeTime('2025-09-29 14:18:52.3')).toBe(Date.UTC(2025, 8, 29, 6, 18, 52, 300));
  });

  it.each([
    '',
    'yesterday',
    '2025-02-30 10:00:00.000',
    '2025-13-01 10:00:00',
    '2025-09-29 24:00:00',
  ])('returns NaN for %j', (text) => {
    expect(parseDashScopeTime(text)).toBeNaN();
  });

  it('writes times that read back to the same instant, across a date line', () => {
    const instant = Date.UTC(2024, 11, 31, 20, 59, 59, 999);
    expect(formatDashScopeTime(instant)).toBe('2025-01-01 04:59:59.999');
    expect(parseDashScopeTime(formatDashScopeTime(instant))).toBe(instant);
    expect(formatDashScopeTime(instant, -300)).toBe('2024-12-31 15:59:59.999');
  });

  it('refuses to write a time that is not a number', () => {
    expect(thrownBy(() => formatDashScopeTime(Number.NaN)).code).toBe('InvalidParameter');
  });
});
