// The official DashScope Python SDK's requests, replayed with fetch through the relay (real
// server, the CLI's development authentication: the SDK's API key is the user id) in front of
// the simulator, and its answers read the way the SDK reads them — so CI checks the SDK works
// through the relay without Python. Shapes recorded from dashscope 1.26.2 through
// scripts/sdk-compat-relay.sh with SDK_CAPTURE set (the same shapes the simulator test uses):
// `prompt: null`, the deprecated `input.extend_prompt`, `input.function`, an empty `parameters`,
// `application/json; charset=utf-8`, and a bodiless POST to cancel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/index.js';
import { developmentAuthenticate } from '../../src/relay/cli-relay.js';
import type { SimulatorServer } from '../../src/simulator/node.js';
import {
  createUpstreamTap,
  FIRST_FRAME,
  LAST_FRAME,
  PREFIX,
  startRelay,
  startUpstream,
  type RelayHarness,
  type UpstreamTap,
} from './helpers/relay-harness.js';

const T0 = Date.UTC(2025, 8, 29, 6, 18, 52, 331);
const MODEL = 'wan2.2-kf2v-flash';
const PROMPT = 'The camera slowly pulls back as morning light fills the scene.';

/** Headers the SDK sends on every request; its API key is the relay user's id. */
function sdkHeaders(user: string) {
  return {
    'user-agent':
      'dashscope/1.26.2; python/3.11.2; platform/Linux-x86_64-with-glibc2.36; processor/',
    accept: 'application/json; charset=utf-8',
    authorization: `Bearer ${user}`,
    'accept-encoding': 'gzip, deflate',
    connection: 'keep-alive',
  };
}

/** What `VideoSynthesis.async_call(...)` sends as its body. */
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

/** The SDK's reading of an answer: 200 → output; JSON error → status, code, message. */
interface SdkResponse {
  status_code: number;
  request_id: string;
  code: string | null;
  message: string;
  output: Record<string, unknown> | null;
}

async function sdkRead(response: Response): Promise<SdkResponse> {
  const json = (await response.json()) as Record<string, unknown>;
  expect(response.headers.get('content-type')).toContain('application/json');
  if (response.status === 200) {
    return {
      status_code: 200,
      request_id: String(json.request_id ?? ''),
      code: null,
      message: '',
      output: (json.output ?? json) as Record<string, unknown>,
    };
  }
  return {
    status_code: response.status,
    request_id: String(json.request_id ?? ''),
    code: typeof json.code === 'string' ? json.code : null,
    message: typeof json.message === 'string' ? json.message : '',
    output: null,
  };
}

/** `VideoSynthesisOutput(**output)` needs task_id and task_status. */
function output(response: SdkResponse) {
  expect(response.status_code, response.message).toBe(200);
  const out = response.output as { task_id: string; task_status: string; [key: string]: unknown };
  expect(typeof out.task_id).toBe('string');
  expect(typeof out.task_status).toBe('string');
  return out;
}

describe('the official Python SDK (1.26.2) through the relay, replayed', () => {
  const clock = createManualClock(T0);
  let upstream: SimulatorServer;
  let relay: RelayHarness;
  let tap: UpstreamTap;
  let base = '';

  beforeAll(async () => {
    upstream = await startUpstream({ clock, seed: 20250929 });
    tap = createUpstreamTap();
    relay = await startRelay(upstream.url, {
      authenticate: developmentAuthenticate,
      fetch: tap.fetch,
      clock,
      rateLimits: undefined,
    });
    base = `${relay.origin}${PREFIX}`;
  });
  afterAll(async () => {
    await relay.close();
    await upstream.close();
  });

  const create = (body: unknown, user = 'sdk-user-1') =>
    fetch(`${base}/services/aigc/image2video/video-synthesis`, {
      method: 'POST',
      headers: {
        ...sdkHeaders(user),
        'content-type': 'application/json; charset=utf-8',
        'x-dashscope-async': 'enable',
      },
      body: JSON.stringify(body),
    }).then(sdkRead);
  const fetchTask = (taskId: string, user = 'sdk-user-1') =>
    fetch(`${base}/tasks/${taskId}`, { headers: sdkHeaders(user) }).then(sdkRead);
  const cancelTask = (taskId: string, user = 'sdk-user-1') =>
    fetch(`${base}/tasks/${taskId}/cancel`, {
      method: 'POST',
      headers: { ...sdkHeaders(user), 'content-length': '0' },
    }).then(sdkRead);

  let firstTaskId = '';

  it('async_call: a PENDING task with the relay’s signed id', async () => {
    const created = await create(
      sdkCreateBody(
        { prompt: PROMPT, first_frame_url: FIRST_FRAME, last_frame_url: LAST_FRAME },
        { seed: 42, resolution: '480P' },
      ),
    );
    const out = output(created);
    expect(out.task_status).toBe('PENDING');
    expect(out.task_id).toMatch(/^kfv1/);
    expect(created.request_id).not.toBe('');
    firstTaskId = out.task_id;
    // Upstream got the checked body: the SDK's ignored `input.function` dropped, the rest kept.
    const sent = tap.calls.at(-1)?.body as { input: Record<string, unknown>; parameters: unknown };
    expect(sent.input).not.toHaveProperty('function');
    expect(sent.input).toMatchObject({ prompt: PROMPT, extend_prompt: true });
    expect(sent.parameters).toEqual({ seed: 42, resolution: '480P' });
  });

  it('fetch and wait: the task ends SUCCEEDED under the same relay id', async () => {
    let done = output(await fetchTask(firstTaskId));
    expect(done.task_id).toBe(firstTaskId);
    for (let polls = 0; polls < 200 && ['PENDING', 'RUNNING'].includes(done.task_status); polls++) {
      await clock.advanceAsync(5_000);
      done = output(await fetchTask(firstTaskId));
    }
    expect(done.task_status).toBe('SUCCEEDED');
    expect(done.task_id).toBe(firstTaskId);
    expect(done.orig_prompt).toBe(PROMPT);
    expect(String(done.video_url).startsWith(new URL(upstream.url).origin)).toBe(true);
  });

  it('cancel: a PENDING task is canceled; a finished one gets DashScope’s own 400', async () => {
    await clock.advanceAsync(1_000);
    const second = output(
      await create(sdkCreateBody({ prompt: 'A short zoom.', first_frame_url: FIRST_FRAME })),
    );
    const canceled = await cancelTask(second.task_id);
    expect(canceled.status_code).toBe(200);
    expect(output(await fetchTask(second.task_id)).task_status).toBe('CANCELED');
    const refused = await cancelTask(firstTaskId);
    expect(refused.status_code).toBe(400);
    expect(refused.code).toBeTruthy();
    expect(refused.request_id).not.toBe('');
  });

  it('what the relay refuses reaches the SDK as status, code and message', async () => {
    const list = await fetch(`${base}/tasks?page_no=1&page_size=10`, {
      headers: sdkHeaders('sdk-user-1'),
    }).then(sdkRead);
    expect([list.status_code, list.code]).toEqual([404, 'NotFound']);
    const foreign = await fetchTask(firstTaskId, 'sdk-user-2');
    expect([foreign.status_code, foreign.code]).toEqual([404, 'NotFound']);
    const unsigned = await fetchTask('00000000-0000-4000-8000-000000000000');
    expect(unsigned.status_code).toBe(404);
    const nobody = await fetchTask(firstTaskId, 'not a user id!');
    expect([nobody.status_code, nobody.code]).toEqual([401, 'Unauthenticated']);

    await clock.advanceAsync(1_000);
    const badModel = await create(
      sdkCreateBody({ first_frame_url: FIRST_FRAME }, {}, 'wan-no-such-kf2v'),
      'sdk-user-3',
    );
    expect([badModel.status_code, badModel.code]).toEqual([403, 'Forbidden']);
    expect(badModel.message).not.toBe('');
    const noFrame = await create(sdkCreateBody({ prompt: 'No first frame.' }), 'sdk-user-4');
    expect([noFrame.status_code, noFrame.code]).toEqual([400, 'InvalidParameter']);
    const notAnImage = await create(
      sdkCreateBody({ first_frame_url: 'data:image/png;base64,aGVsbG8=' }),
      'sdk-user-5',
    );
    expect([notAnImage.status_code, notAnImage.code]).toEqual([400, 'InvalidParameter']);
  });

  it('nothing of the SDK’s own headers went upstream', () => {
    for (const call of tap.calls) {
      expect(Object.keys(call.headers).sort()).toEqual(
        call.method === 'POST' && call.url.endsWith('video-synthesis')
          ? ['accept', 'authorization', 'content-type', 'x-dashscope-async']
          : ['accept', 'authorization'],
      );
      expect(call.headers.authorization).not.toContain('sdk-user');
    }
  });
});
