// The official DashScope Python SDK's requests, replayed with fetch against the simulator's Node
// server, and its answers read the way the SDK reads them — so CI checks compatibility without
// Python or the SDK. The shapes were recorded from dashscope 1.26.2 (commit c0d7a0b) by
// scripts/sdk-compat.py with SDK_CAPTURE set; see docs/simulator.md, "Official SDK
// compatibility". The SDK sends JSON `null` for a missing prompt, the deprecated
// `input.extend_prompt`, `input.function`, an empty `parameters` object, and a bodiless POST to
// cancel; it treats any 200 JSON as success and reads errors from `code`/`message`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/index.js';
import { startSimulatorServer, type SimulatorServer } from '../../src/simulator/node.js';
import { FIRST_FRAME, LAST_FRAME, T0 } from './helpers/simulator-harness.js';

/** Headers the SDK sends on every request (requests adds accept-encoding and connection). */
const SDK_HEADERS = {
  'user-agent': 'dashscope/1.26.2; python/3.11.2; platform/Linux-x86_64-with-glibc2.36; processor/',
  accept: 'application/json; charset=utf-8',
  authorization: 'Bearer sk-sdk-shapes-test',
  'accept-encoding': 'gzip, deflate',
  connection: 'keep-alive',
};
/** What the SDK adds on a create (`async_call`). */
const SDK_CREATE_HEADERS = {
  ...SDK_HEADERS,
  'content-type': 'application/json; charset=utf-8',
  'x-dashscope-async': 'enable',
};
const MODEL = 'wan2.2-kf2v-flash';
const PROMPT = 'The camera slowly pulls back as morning light fills the scene.';

/** The create body `VideoSynthesis.async_call(model, first_frame_url, last_frame_url, prompt, resolution, seed)` sends. */
function sdkCreateBody(
  input: { first_frame_url?: string; last_frame_url?: string; prompt?: string | null },
  parameters: Record<string, unknown> = {},
  model = MODEL,
) {
  return {
    model,
    parameters,
    input: { prompt: null, extend_prompt: true, function: 'video-synthesis', ...input },
  };
}

/** How the SDK turns an HTTP answer into a `DashScopeAPIResponse` (its own rules, restated). */
interface SdkResponse {
  status_code: number;
  request_id: string;
  code: string | null;
  message: string;
  output: Record<string, unknown> | null;
  usage: Record<string, unknown> | null;
}

async function sdkRead(response: Response): Promise<SdkResponse> {
  const type = response.headers.get('content-type') ?? '';
  if (response.status === 200 || response.status === 201) {
    // Success: the body must be JSON; `output` (or `data`) is taken out, else the whole body.
    const json = (await response.json()) as Record<string, unknown>;
    const requestId = typeof json.request_id === 'string' ? json.request_id : '';
    delete json.request_id;
    const output = (json.output ?? json.data ?? json) as Record<string, unknown>;
    return {
      status_code: response.status,
      request_id: requestId,
      code: typeof json.code === 'string' ? json.code : null,
      message: typeof json.message === 'string' ? json.message : '',
      output,
      usage: (json.usage as Record<string, unknown> | undefined) ?? null,
    };
  }
  if (type.includes('application/json')) {
    const json = (await response.json()) as Record<string, unknown>;
    return {
      status_code: response.status,
      request_id: String(json.request_id ?? ''),
      code: typeof json.code === 'string' ? json.code : null,
      message: typeof json.message === 'string' ? json.message : '',
      output: null,
      usage: null,
    };
  }
  return {
    status_code: response.status,
    request_id: '',
    code: 'Unknown',
    message: await response.text(),
    output: null,
    usage: null,
  };
}

/** `VideoSynthesis.list` reads a 200 differently: the whole body, minus `request_id`, is `output`. */
async function sdkReadList(response: Response): Promise<SdkResponse> {
  if (response.status !== 200) return sdkRead(response);
  const json = (await response.json()) as Record<string, unknown>;
  const requestId = typeof json.request_id === 'string' ? json.request_id : '';
  delete json.request_id;
  return {
    status_code: 200,
    request_id: requestId,
    code: null,
    message: '',
    output: json,
    usage: null,
  };
}

/**
 * `VideoSynthesisResponse.from_api_response`: on 200 it builds `VideoSynthesisOutput(**output)`,
 * which needs `task_id` and `task_status` (a TypeError in Python otherwise).
 */
function videoSynthesisOutput(response: SdkResponse) {
  expect(response.status_code).toBe(200);
  expect(response.output).not.toBeNull();
  const output = response.output as Record<string, unknown>;
  expect(typeof output.task_id).toBe('string');
  expect(typeof output.task_status).toBe('string');
  return output as { task_id: string; task_status: string; [key: string]: unknown };
}

describe('the official Python SDK (1.26.2) against the simulator, replayed', () => {
  const clock = createManualClock(T0);
  let server: SimulatorServer;
  let base: string;

  beforeAll(async () => {
    server = await startSimulatorServer({ port: 0, clock, seed: 20250929 });
    base = server.url;
  });
  afterAll(async () => {
    await server.close();
  });

  const create = (body: unknown) =>
    fetch(`${base}/services/aigc/image2video/video-synthesis`, {
      method: 'POST',
      headers: SDK_CREATE_HEADERS,
      body: JSON.stringify(body),
    }).then(sdkRead);
  const fetchTask = (taskId: string) =>
    fetch(`${base}/tasks/${taskId}`, { headers: SDK_HEADERS }).then(sdkRead);
  const cancelTask = (taskId: string) =>
    fetch(`${base}/tasks/${taskId}/cancel`, {
      method: 'POST',
      headers: { ...SDK_HEADERS, 'content-length': '0' },
    }).then(sdkRead);
  const listTasks = (query: Record<string, string>) =>
    fetch(`${base}/tasks?${new URLSearchParams(query).toString()}`, { headers: SDK_HEADERS }).then(
      sdkReadList,
    );

  let firstTaskId = '';
  let secondTaskId = '';

  it('async_call: the create answers a PENDING task the SDK can read', async () => {
    const created = await create(
      sdkCreateBody(
        { prompt: PROMPT, first_frame_url: FIRST_FRAME, last_frame_url: LAST_FRAME },
        { seed: 42, resolution: '480P' },
      ),
    );
    expect(created.code, created.message).toBeNull();
    const output = videoSynthesisOutput(created);
    expect(output.task_status).toBe('PENDING');
    expect(created.request_id).not.toBe('');
    firstTaskId = output.task_id;
  });

  it('fetch and wait: the task moves on and ends SUCCEEDED with what the SDK reads', async () => {
    const queued = videoSynthesisOutput(await fetchTask(firstTaskId));
    expect(queued.task_id).toBe(firstTaskId);
    expect(['PENDING', 'RUNNING']).toContain(queued.task_status);

    // `wait` polls until FAILED, CANCELED, SUCCEEDED or UNKNOWN; the simulator's clock stands in
    // for the SDK's sleeps.
    let done = queued;
    let usage: Record<string, unknown> | null = null;
    for (let polls = 0; polls < 200; polls += 1) {
      await clock.advanceAsync(5_000);
      const answer = await fetchTask(firstTaskId);
      done = videoSynthesisOutput(answer);
      usage = answer.usage;
      if (['FAILED', 'CANCELED', 'SUCCEEDED', 'UNKNOWN'].includes(done.task_status)) break;
    }
    expect(done.task_status).toBe('SUCCEEDED');
    expect(done.orig_prompt).toBe(PROMPT);
    expect(typeof done.submit_time).toBe('string');
    expect(typeof done.end_time).toBe('string');
    // VideoSynthesisUsage(**usage): video_count, video_duration, and extra keys are allowed.
    expect(usage).toMatchObject({ video_count: 1, video_duration: 5 });

    const videoUrl = String(done.video_url);
    expect(videoUrl.startsWith(`${new URL(base).origin}/`)).toBe(true);
    // The SDK's users download the link with plain `requests.get`: no API key.
    const video = await fetch(videoUrl, {
      headers: { 'user-agent': SDK_HEADERS['user-agent'], accept: '*/*' },
    });
    expect(video.status).toBe(200);
    expect(video.headers.get('content-type')).toMatch(/^video\/mp4/);
    const bytes = new Uint8Array(await video.arrayBuffer());
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe('ftyp');
  });

  it('cancel: a PENDING task is canceled (200, empty output); a finished one is refused', async () => {
    await clock.advanceAsync(1_000);
    const created = await create(
      sdkCreateBody({ prompt: 'A short zoom.', first_frame_url: FIRST_FRAME }),
    );
    secondTaskId = videoSynthesisOutput(created).task_id;

    const canceled = await cancelTask(secondTaskId);
    expect(canceled.status_code).toBe(200);
    expect(canceled.code).toBeNull();
    expect(canceled.output).toEqual({});
    expect(videoSynthesisOutput(await fetchTask(secondTaskId)).task_status).toBe('CANCELED');

    const refused = await cancelTask(firstTaskId);
    expect(refused.status_code).toBe(400);
    expect(refused.code).toBeTruthy();
    expect(refused.message).not.toBe('');
    expect(refused.request_id).not.toBe('');
  });

  it('list: page_no and page_size always, filters as query strings; rows under output.data', async () => {
    const listed = await listTasks({ page_no: '1', page_size: '10' });
    expect(listed.status_code).toBe(200);
    // The SDK's list keeps the whole body (minus request_id) as `output`.
    const rows = (listed.output?.data ?? []) as Record<string, unknown>[];
    expect(rows.map((row) => row.task_id)).toEqual([secondTaskId, firstTaskId]);
    expect(rows.map((row) => row.status)).toEqual(['CANCELED', 'SUCCEEDED']);
    expect(listed.output).toMatchObject({ total: 2, page_no: 1, page_size: 10 });

    const filtered = await listTasks({
      page_no: '1',
      page_size: '10',
      model_name: MODEL,
      status: 'SUCCEEDED',
    });
    const filteredRows = (filtered.output?.data ?? []) as Record<string, unknown>[];
    expect(filteredRows.map((row) => row.task_id)).toEqual([firstTaskId]);
  });

  it('an unknown task id reads UNKNOWN through VideoSynthesisOutput', async () => {
    const unknown = videoSynthesisOutput(await fetchTask('00000000-0000-4000-8000-000000000000'));
    expect(unknown.task_status).toBe('UNKNOWN');
  });

  it('errors reach the SDK as status, code and message', async () => {
    await clock.advanceAsync(2_000);
    const badModel = await create(
      sdkCreateBody({ first_frame_url: FIRST_FRAME }, {}, 'wan-no-such-kf2v'),
    );
    expect(badModel.status_code).toBeGreaterThanOrEqual(400);
    expect(badModel.code).toBe('ModelNotFound');
    expect(badModel.message).not.toBe('');

    const noFrame = await create(sdkCreateBody({ prompt: 'No first frame.' }));
    expect(noFrame.status_code).toBe(400);
    expect(noFrame.code).toBe('InvalidParameter');

    await clock.advanceAsync(2_000);
    const notAnImage = await create(
      sdkCreateBody({ first_frame_url: 'data:image/png;base64,aGVsbG8=' }),
    );
    expect(notAnImage.status_code).toBeGreaterThanOrEqual(400);
    expect(notAnImage.code).toBeTruthy();
  });

  it('every request the SDK sent was answered as DashScope JSON (no 404 for its paths)', () => {
    const entries = server.simulator.log;
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) expect(entry.route).not.toBe('other');
  });
});
