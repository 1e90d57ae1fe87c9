// Conformance: the signed video links (whole file, byte ranges, HEAD, expiry and tampering, like
// OSS), the request log (no keys, no bodies), and the MSW handlers.
import { setupServer } from 'msw/node';
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/index.js';
import { createDashScopeSimulator } from '../../src/simulator/index.js';
import { createSimulatorHandlers } from '../../src/simulator/msw.js';
import { SAMPLE_VIDEO_INFO } from '../../src/simulator/sample-video.js';
import {
  CREATE_PATH,
  FIRST_FRAME,
  FIXED_TIMING,
  KEY,
  T0,
  createBody,
  startSimulator,
  type Harness,
} from './helpers/simulator-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A simulator with one SUCCEEDED task; returns its video link. */
async function finishedTask(options: Parameters<typeof startSimulator>[0] = {}) {
  const h = await startSimulator({ timing: FIXED_TIMING, ...options });
  harness = h;
  const taskId = await h.createTask();
  h.clock.advance(70_000);
  const videoUrl = (await h.get(taskId)).json.output.video_url as string;
  return { h, taskId, videoUrl };
}

describe('simulator: video links', () => {
  it('serves a real MP4 for the whole file, with Accept-Ranges', async () => {
    const { videoUrl } = await finishedTask();
    const response = await fetch(videoUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    expect(response.headers.get('content-length')).toBe(String(SAMPLE_VIDEO_INFO.byteLength));
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.byteLength).toBe(SAMPLE_VIDEO_INFO.byteLength);
    expect(new TextDecoder().decode(bytes.slice(4, 8))).toBe('ftyp');
  });

  it('answers a Range with 206 and Content-Range, a suffix range too, and 416 past the end', async () => {
    const { videoUrl } = await finishedTask();
    const whole = new Uint8Array(await (await fetch(videoUrl)).arrayBuffer());
    const size = whole.byteLength;

    const part = await fetch(videoUrl, { headers: { Range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 100-199/${String(size)}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(whole.slice(100, 200));

    const tail = await fetch(videoUrl, { headers: { Range: 'bytes=-10' } });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(whole.slice(size - 10));

    const open = await fetch(videoUrl, { headers: { Range: `bytes=${String(size - 5)}-` } });
    expect(open.headers.get('content-range')).toBe(
      `bytes ${String(size - 5)}-${String(size - 1)}/${String(size)}`,
    );
    await open.arrayBuffer();

    const beyond = await fetch(videoUrl, { headers: { Range: `bytes=${String(size)}-` } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${String(size)}`);
  });

  it('answers HEAD with the headers and no body', async () => {
    const { videoUrl } = await finishedTask();
    const head = await fetch(videoUrl, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(SAMPLE_VIDEO_INFO.byteLength));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('refuses an expired link 24 h after the task ended with an OSS-style 403', async () => {
    const { h, taskId, videoUrl } = await finishedTask();
    const expiresAt = Number(new URL(videoUrl).searchParams.get('Expires')) * 1000;
    expect(expiresAt - (T0 + 70_000)).toBeGreaterThanOrEqual(24 * 3_600_000);
    h.clock.advance(expiresAt - h.clock.now() - 1);
    expect((await fetch(videoUrl, { method: 'HEAD' })).status).toBe(200);
    h.clock.advance(1);
    const expired = await fetch(videoUrl);
    expect(expired.status).toBe(403);
    expect(expired.headers.get('content-type')).toBe('application/xml');
    const xml = await expired.text();
    expect(xml).toContain('<Code>AccessDenied</Code>');
    expect(xml).toContain('<Message>Request has expired.</Message>');
    // The task record itself has been UNKNOWN since 24 h after submission.
    expect((await h.get(taskId)).json.output.task_status).toBe('UNKNOWN');
  });

  it('refuses a link with a changed expiry, another task id or no signature', async () => {
    const { h, videoUrl } = await finishedTask();
    const later = new URL(videoUrl);
    later.searchParams.set('Expires', String(Number(later.searchParams.get('Expires')) + 3_600));
    const tampered = await fetch(later);
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');

    const other = new URL(videoUrl);
    other.pathname = other.pathname.replace(
      /[^/]+\.mp4$/,
      '0385dc79-5ff8-4d82-bcb6-000000000000.mp4',
    );
    expect((await fetch(other)).status).toBe(403);

    const bare = await fetch(videoUrl.split('?')[0] ?? '');
    expect(bare.status).toBe(403);
    expect(await bare.text()).toContain('<Code>AccessDenied</Code>');
    expect(
      h.sim.log.filter((entry) => entry.route === 'video').map((entry) => entry.status),
    ).toEqual([403, 403, 403]);
  });

  it('keeps task ids deterministic however many video requests a player makes', async () => {
    const secondTaskId = async (downloads: number) => {
      const { h, videoUrl } = await finishedTask({ seed: 99 });
      for (let i = 0; i < downloads; i += 1) {
        await (await fetch(videoUrl, { headers: { Range: `bytes=${String(i)}-` } })).arrayBuffer();
      }
      const id = await h.createTask();
      await h.close();
      harness = undefined;
      return id;
    };
    expect(await secondTaskId(3)).toBe(await secondTaskId(0));
  });

  it('serves what the video source makes, with its type, made once per task', async () => {
    let made = 0;
    const { videoUrl } = await finishedTask({
      video: {
        source: (task) => {
          made += 1;
          expect(task.input.first_frame_url).toBe(FIRST_FRAME);
          return Promise.resolve(
            new Blob([new Uint8Array([26, 69, 223, 163, 1, 2, 3])], { type: 'video/webm' }),
          );
        },
      },
    });
    const first = await fetch(videoUrl);
    expect(first.headers.get('content-type')).toBe('video/webm');
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(
      new Uint8Array([26, 69, 223, 163, 1, 2, 3]),
    );
    await (await fetch(videoUrl, { headers: { Range: 'bytes=0-1' } })).arrayBuffer();
    expect(made).toBe(1);
  });
});

describe('simulator: request log', () => {
  it('logs method, path, status, route and headers, with the key masked and no body', async () => {
    const { h, taskId } = await finishedTask();
    await h.create(undefined, { key: 'sk-not-a-real-key-123' });
    const log = h.sim.log;
    expect(log.map((entry) => [entry.method, entry.route, entry.status])).toEqual([
      ['POST', 'create', 200],
      ['GET', 'get', 200],
      ['POST', 'create', 401],
    ]);
    expect(log[0]).toMatchObject({
      time: T0,
      path: `/api/v1${CREATE_PATH}`,
      taskId,
      faults: [],
      headers: {
        authorization: 'Bearer ***',
        'x-dashscope-async': 'enable',
        'content-type': 'application/json',
      },
    });
    expect(log[2]?.code).toBe('InvalidApiKey');
    const text = JSON.stringify(log);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain('sk-not-a-real-key-123');
    expect(text).not.toContain('base64');
    expect(log.every((entry) => entry.requestId.length === 36)).toBe(true);
  });

  it('masks link signatures and keeps only the newest entries', async () => {
    const { h, videoUrl } = await finishedTask({ logLimit: 2 });
    await fetch(videoUrl, { method: 'HEAD' });
    expect(h.sim.log).toHaveLength(2);
    expect(h.sim.log[1]?.path).toMatch(/Signature=\*\*\*$/);
    expect(JSON.stringify(h.sim.log)).not.toContain(
      new URL(videoUrl).searchParams.get('Signature'),
    );
  });

  it('shows tasks to tests without the key', async () => {
    const { h, taskId } = await finishedTask();
    expect(h.sim.tasks()).toEqual([
      {
        taskId,
        status: 'SUCCEEDED',
        model: 'wan2.2-kf2v-flash',
        account: expect.stringMatching(/^ak-[0-9a-f]{16}$/),
        submittedAt: T0,
        scheduledAt: T0 + 10_000,
        endedAt: T0 + 70_000,
        canceledAt: undefined,
        failure: undefined,
        prompt: 'A cat looks up at the sky.',
      },
    ]);
    expect(JSON.stringify(h.sim.tasks())).not.toContain(KEY);
  });
});

describe('simulator: MSW handlers', () => {
  it('answers under any base URL, with video links that come back through it', async () => {
    const clock = createManualClock(T0);
    const sim = createDashScopeSimulator({ clock, seed: 3, timing: FIXED_TIMING, apiKeys: [KEY] });
    const base = 'https://relay.example.test/api/keyframe-video';
    const server = setupServer(...createSimulatorHandlers(sim, { baseUrl: `${base}/` }));
    server.listen({ onUnhandledRequest: 'error' });
    try {
      const created = await fetch(`${base}${CREATE_PATH}`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${KEY}`,
          'Content-Type': 'application/json',
          'X-DashScope-Async': 'enable',
        },
        body: JSON.stringify(createBody()),
      });
      expect(created.status).toBe(200);
      const taskId = ((await created.json()) as { output: { task_id: string } }).output.task_id;
      clock.advance(70_000);
      const task = (await (
        await fetch(`${base}/tasks/${taskId}`, { headers: { Authorization: `Bearer ${KEY}` } })
      ).json()) as {
        output: { task_status: string; video_url: string };
      };
      expect(task.output.task_status).toBe('SUCCEEDED');
      expect(task.output.video_url.startsWith(`${base}/files/videos/${taskId}.mp4?`)).toBe(true);
      const part = await fetch(task.output.video_url, { headers: { Range: 'bytes=0-7' } });
      expect(part.status).toBe(206);
      expect((await part.arrayBuffer()).byteLength).toBe(8);
      expect(sim.log.map((entry) => entry.path.split('?')[0])).toEqual([
        `/api/keyframe-video${CREATE_PATH}`,
        `/api/keyframe-video/tasks/${taskId}`,
        `/api/keyframe-video/files/videos/${taskId}.mp4`,
      ]);
    } finally {
      server.close();
    }
  });

  it('matches a bare path on any origin, and turns a dropped connection into a failed fetch', async () => {
    const sim = createDashScopeSimulator({ seed: 4, apiKeys: [KEY] });
    const server = setupServer(...createSimulatorHandlers(sim, { baseUrl: '/api/keyframe-video' }));
    server.listen({ onUnhandledRequest: 'error' });
    try {
      const url = 'http://localhost:6006/api/keyframe-video/tasks';
      const init = { headers: { Authorization: `Bearer ${KEY}` } };
      sim.inject({ kind: 'drop' }, { route: 'list' });
      await expect(fetch(url, init)).rejects.toThrow(TypeError);
      const listed = await fetch(url, init);
      expect(listed.status).toBe(200);
      expect(await listed.json()).toMatchObject({ total: 0, page_no: 1, page_size: 10 });
    } finally {
      server.close();
    }
  });
});
