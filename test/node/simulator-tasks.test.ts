// Conformance: the task lifecycle over HTTP — PENDING → RUNNING → SUCCEEDED with every field in
// DashScope's format, FAILED on HTTP 200, CANCELED, UNKNOWN, the 2-running-tasks limit, and
// determinism with a seed. Time moves only through the manual clock.
import { afterEach, describe, expect, it } from 'vitest';
import {
  DASHSCOPE_TIME,
  FIXED_TIMING,
  KEY,
  OTHER_KEY,
  T0,
  UUID_V4,
  createBody,
  frameDataUrl,
  startSimulator,
  type Harness,
} from './helpers/simulator-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(options: Parameters<typeof startSimulator>[0] = {}): Promise<Harness> {
  harness = await startSimulator({ timing: FIXED_TIMING, ...options });
  return harness;
}

describe('simulator: task lifecycle', () => {
  it('answers a create like DashScope: 200, PENDING, a v4 task id and a request id', async () => {
    const h = await start();
    const created = await h.create();
    expect(created.status).toBe(200);
    expect(created.headers.get('content-type')).toMatch(/^application\/json/);
    expect(created.json).toEqual({
      request_id: expect.stringMatching(UUID_V4),
      output: { task_status: 'PENDING', task_id: expect.stringMatching(UUID_V4) },
    });
    expect(h.sim.createCount).toBe(1);
  });

  it('moves PENDING → RUNNING → SUCCEEDED with DashScope times (UTC+8) and usage', async () => {
    const h = await start();
    const taskId = await h.createTask();

    const pending = await h.get(taskId);
    expect(pending.status).toBe(200);
    expect(pending.json).toEqual({
      request_id: expect.stringMatching(UUID_V4),
      output: { task_id: taskId, task_status: 'PENDING', submit_time: '2025-09-29 14:18:52.331' },
    });

    h.clock.advance(10_000);
    const running = await h.get(taskId);
    expect(running.json.output).toEqual({
      task_id: taskId,
      task_status: 'RUNNING',
      submit_time: '2025-09-29 14:18:52.331',
      scheduled_time: '2025-09-29 14:19:02.331',
    });

    h.clock.advance(60_000);
    const done = await h.get(taskId);
    expect(done.status).toBe(200);
    const { output, usage } = done.json;
    expect(output).toMatchObject({
      task_id: taskId,
      task_status: 'SUCCEEDED',
      submit_time: '2025-09-29 14:18:52.331',
      scheduled_time: '2025-09-29 14:19:02.331',
      end_time: '2025-09-29 14:20:02.331',
      orig_prompt: 'A cat looks up at the sky.',
    });
    for (const field of ['submit_time', 'scheduled_time', 'end_time']) {
      expect(output[field]).toMatch(DASHSCOPE_TIME);
    }
    expect(output.actual_prompt).toMatch(/^A cat looks up at the sky\. \S/);
    expect(output.actual_prompt.length).toBeGreaterThan(output.orig_prompt.length);
    const link = new URL(output.video_url);
    expect(link.origin).toBe(h.origin);
    expect(link.pathname).toBe(`/api/v1/files/videos/${taskId}.mp4`);
    // The link expires 24 h after the task ended, in whole epoch seconds (rounded up), like OSS.
    expect(Number(link.searchParams.get('Expires'))).toBe(Math.ceil((T0 + 70_000) / 1000) + 86_400);
    expect(link.searchParams.get('Signature')).toMatch(/^[0-9a-f]{32}$/);
    expect(usage).toEqual({ video_duration: 5, video_count: 1, SR: 720 });
  });

  it('reports the requested resolution as SR, and a WxH video_ratio for 2.1 models', async () => {
    const h = await start();
    const hd = await h.createTask(createBody({}, { resolution: '1080P' }));
    const plus = await h.createTask(
      createBody({ last_frame_url: undefined }, undefined, 'wanx2.1-kf2v-plus'),
    );
    h.clock.advance(70_000);
    expect((await h.get(hd)).json.usage).toEqual({ video_duration: 5, video_count: 1, SR: 1080 });
    // The first frame is 640×480 (4:3): 720P at 4:3, sides multiples of 16.
    expect((await h.get(plus)).json.usage).toEqual({
      video_duration: 5,
      video_count: 1,
      video_ratio: '1104*832',
    });
  });

  it('leaves actual_prompt out when prompt_extend is false, and rewrites the same way twice', async () => {
    const h = await start();
    const plain = await h.createTask(createBody({}, { prompt_extend: false }));
    const extended = await h.createTask(createBody({ prompt: 'Same words.' }));
    h.clock.advance(1_000);
    const again = await h.createTask(createBody({ prompt: 'Same words.' }));
    h.clock.advance(140_000);
    const plainOut = (await h.get(plain)).json.output;
    expect(plainOut.task_status).toBe('SUCCEEDED');
    expect(plainOut).not.toHaveProperty('actual_prompt');
    expect(plainOut.orig_prompt).toBe('A cat looks up at the sky.');
    const first = (await h.get(extended)).json.output.actual_prompt;
    expect(first).toMatch(/^Same words\. /);
    expect((await h.get(again)).json.output.actual_prompt).toBe(first);
  });

  it('writes times in the configured zone', async () => {
    const h = await start({ timeZoneOffsetMinutes: 0 });
    const taskId = await h.createTask();
    expect((await h.get(taskId)).json.output.submit_time).toBe('2025-09-29 06:18:52.331');
  });

  it('answers UNKNOWN (HTTP 200) for an unknown id, another key’s task and a record older than 24 h', async () => {
    const h = await start();
    const unknown = await h.get('0385dc79-5ff8-4d82-bcb6-000000000000');
    expect(unknown.status).toBe(200);
    expect(unknown.json).toEqual({
      request_id: expect.stringMatching(UUID_V4),
      output: { task_id: '0385dc79-5ff8-4d82-bcb6-000000000000', task_status: 'UNKNOWN' },
    });

    const taskId = await h.createTask();
    const foreign = await h.get(taskId, OTHER_KEY);
    expect(foreign.status).toBe(200);
    expect(foreign.json.output).toEqual({ task_id: taskId, task_status: 'UNKNOWN' });
    expect((await h.get(taskId, KEY)).json.output.task_status).toBe('PENDING');

    h.clock.advance(24 * 3_600_000 - 1);
    expect((await h.get(taskId)).json.output.task_status).toBe('SUCCEEDED');
    h.clock.advance(1);
    expect((await h.get(taskId)).json.output).toEqual({ task_id: taskId, task_status: 'UNKNOWN' });
  });

  it('runs at most two tasks per key at once; the third waits in PENDING for a free slot', async () => {
    const h = await start();
    const first = await h.createTask();
    const second = await h.createTask();
    h.clock.advance(1_000); // the create rate is 2 per second
    const third = await h.createTask();
    const fourth = await h.createTask(undefined, OTHER_KEY); // another account has its own slots

    h.clock.advance(30_000);
    const status = async (id: string, key = KEY) => (await h.get(id, key)).json.output;
    expect((await status(first)).task_status).toBe('RUNNING');
    expect((await status(second)).task_status).toBe('RUNNING');
    expect(await status(third)).toEqual({
      task_id: third,
      task_status: 'PENDING',
      submit_time: '2025-09-29 14:18:53.331',
    });
    expect((await status(fourth, OTHER_KEY)).task_status).toBe('RUNNING');

    // The first two end 70 s after T0; the third starts exactly when the first slot frees.
    h.clock.advance(70_000 - 31_000 - 1);
    expect((await status(third)).task_status).toBe('PENDING');
    h.clock.advance(1);
    const firstDone = await status(first);
    const thirdNow = await status(third);
    expect(firstDone.task_status).toBe('SUCCEEDED');
    expect(thirdNow.task_status).toBe('RUNNING');
    expect(thirdNow.scheduled_time).toBe(firstDone.end_time);
    h.clock.advance(60_000);
    expect((await status(third)).task_status).toBe('SUCCEEDED');
  });

  it('keeps the queue exact whatever the polling rhythm (no polls while slots change hands)', async () => {
    const h = await start();
    const ids = [await h.createTask(), await h.createTask()];
    h.clock.advance(1_000);
    ids.push(await h.createTask(), await h.createTask());
    // Nobody asks for 10 minutes: four tasks, two slots, 60 s each.
    h.clock.advance(600_000);
    const outputs = await Promise.all(ids.map(async (id) => (await h.get(id)).json.output));
    expect(outputs.map((o) => o.task_status)).toEqual([
      'SUCCEEDED',
      'SUCCEEDED',
      'SUCCEEDED',
      'SUCCEEDED',
    ]);
    expect(outputs.map((o) => o.scheduled_time)).toEqual([
      '2025-09-29 14:19:02.331',
      '2025-09-29 14:19:02.331',
      '2025-09-29 14:20:02.331',
      '2025-09-29 14:20:02.331',
    ]);
  });

  it('answers FAILED with output.code and output.message on HTTP 200', async () => {
    const h = await start();
    h.sim.inject({ kind: 'fail', code: 'DataInspectionFailed' });
    const taskId = await h.createTask();
    h.clock.advance(10_000);
    expect((await h.get(taskId)).json.output.task_status).toBe('RUNNING');
    h.clock.advance(60_000);
    const failed = await h.get(taskId);
    expect(failed.status).toBe(200);
    expect(failed.json).toEqual({
      request_id: expect.stringMatching(UUID_V4),
      output: {
        task_id: taskId,
        task_status: 'FAILED',
        submit_time: '2025-09-29 14:18:52.331',
        scheduled_time: '2025-09-29 14:19:02.331',
        end_time: '2025-09-29 14:20:02.331',
        code: 'DataInspectionFailed',
        message: 'Input or output data may contain inappropriate content.',
      },
    });
  });

  it('cancels a PENDING task, which then answers CANCELED and frees its place in the queue', async () => {
    const h = await start();
    const first = await h.createTask();
    const second = await h.createTask();
    h.clock.advance(1_000);
    const third = await h.createTask();
    const canceled = await h.cancel(second);
    expect(canceled.status).toBe(200);
    expect(canceled.json).toEqual({ request_id: expect.stringMatching(UUID_V4) });
    expect((await h.get(second)).json.output).toEqual({
      task_id: second,
      task_status: 'CANCELED',
      submit_time: '2025-09-29 14:18:52.331',
    });
    h.clock.advance(10_000);
    expect((await h.get(first)).json.output.task_status).toBe('RUNNING');
    expect((await h.get(third)).json.output.task_status).toBe('RUNNING');
    expect((await h.get(second)).json.output.task_status).toBe('CANCELED');
  });

  it('refuses to cancel RUNNING, SUCCEEDED, unknown and another key’s tasks', async () => {
    const h = await start();
    const taskId = await h.createTask();
    const refused = {
      code: 'UnsupportedOperation',
      message: 'The operation is unsupported on the referee object.',
      request_id: expect.stringMatching(UUID_V4),
    };
    const foreign = await h.cancel(taskId, OTHER_KEY);
    expect([foreign.status, foreign.json]).toEqual([400, refused]);
    h.clock.advance(10_000);
    const running = await h.cancel(taskId);
    expect([running.status, running.json]).toEqual([400, refused]);
    h.clock.advance(60_000);
    const succeeded = await h.cancel(taskId);
    expect([succeeded.status, succeeded.json]).toEqual([400, refused]);
    const unknown = await h.cancel('no-such-task');
    expect([unknown.status, unknown.json]).toEqual([400, refused]);
    expect((await h.get(taskId)).json.output.task_status).toBe('SUCCEEDED');
  });

  it('gives the same ids, request ids and durations for the same seed, and others for another', async () => {
    const run = async (seed: number) => {
      const h = await startSimulator({ seed });
      try {
        const created = await h.create();
        const taskId = created.json.output.task_id as string;
        h.clock.advance(20 * 60_000);
        const done = await h.get(taskId);
        // Same answers apart from the server's port.
        return JSON.parse(
          JSON.stringify({ created: created.json, done: done.json }).replaceAll(h.origin, 'ORIGIN'),
        );
      } finally {
        await h.close();
      }
    };
    const a = await run(42);
    const b = await run(42);
    const c = await run(43);
    expect(b).toEqual(a);
    expect(c.created.output.task_id).not.toBe(a.created.output.task_id);
    expect(c.done.output.end_time).not.toBe(a.done.output.end_time);
  });

  it('draws realistic default durations: at least 2 s queued, 1–9 minutes running', async () => {
    const h = await start({ timing: {}, seed: 11 });
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      ids.push(await h.createTask());
      h.clock.advance(1_000);
    }
    h.clock.advance(3_600_000);
    const epoch = (time: string) => Date.parse(`${time.replace(' ', 'T')}+08:00`);
    for (const id of ids) {
      const { output } = (await h.get(id)).json;
      expect(output.task_status).toBe('SUCCEEDED');
      const queuedMs = epoch(output.scheduled_time) - epoch(output.submit_time);
      const runMs = epoch(output.end_time) - epoch(output.scheduled_time);
      expect(queuedMs).toBeGreaterThanOrEqual(2_000);
      expect(runMs).toBeGreaterThanOrEqual(60_000);
      expect(runMs).toBeLessThanOrEqual(540_000);
    }
  });

  it('divides every duration by speed', async () => {
    const h = await start({ speed: 20 });
    const taskId = await h.createTask();
    h.clock.advance(500); // 10 s / 20
    expect((await h.get(taskId)).json.output.task_status).toBe('RUNNING');
    h.clock.advance(3_000); // 60 s / 20
    expect((await h.get(taskId)).json.output.task_status).toBe('SUCCEEDED');
  });

  it('ignores the last frame when a template is used (only the first frame counts)', async () => {
    const h = await start();
    const created = await h.create(
      createBody(
        {
          template: 'hanfu-1',
          prompt: undefined,
          last_frame_url: frameDataUrl('pattern-120x80.gif'),
        },
        undefined,
        'wanx2.1-kf2v-plus',
      ),
    );
    expect(created.status).toBe(200);
  });
});
