// Conformance: scripted and seeded faults over HTTP — injected HTTP errors (429, 500, 503,
// moderation), FAILED tasks, slow answers (on the manual clock), dropped connections and HTML
// gateway pages — and that a fault never charges a task it did not create.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  FIXED_TIMING,
  UUID_V4,
  startSimulator,
  type Harness,
} from './helpers/simulator-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(options: Parameters<typeof startSimulator>[0] = {}): Promise<Harness> {
  harness = await startSimulator({
    timing: FIXED_TIMING,
    limits: { createPerSecond: 1000 },
    ...options,
  });
  return harness;
}

describe('simulator: scripted faults', () => {
  it('answers the next 3 task queries with 429, then normally again', async () => {
    const h = await start();
    const taskId = await h.createTask();
    const handle = h.sim.inject(
      { kind: 'http', status: 429, code: 'Throttling.RateQuota' },
      { route: 'get' },
      3,
    );
    expect(handle.remaining).toBe(3);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await h.get(taskId)).status);
    expect(statuses).toEqual([429, 429, 429, 200]);
    expect(handle.remaining).toBe(0);
    const throttled = h.sim.log.filter((entry) => entry.status === 429);
    expect(throttled.map((entry) => [entry.route, entry.code, entry.faults])).toEqual(
      Array.from({ length: 3 }, () => [
        'get',
        'Throttling.RateQuota',
        ['http 429 Throttling.RateQuota'],
      ]),
    );
  });

  it('answers 500 InternalError and 503 ModelUnavailable with DashScope’s messages, creating nothing', async () => {
    const h = await start();
    h.sim.inject({ kind: 'http', status: 500, code: 'InternalError' }, { route: 'create' });
    h.sim.inject(
      { kind: 'http', status: 503, code: 'ModelUnavailable' },
      { route: 'create', nth: 2 },
    );
    const internal = await h.create();
    expect([internal.status, internal.json]).toEqual([
      500,
      {
        code: 'InternalError',
        message:
          'An internal error has occured, please try again later or contact service support.',
        request_id: expect.stringMatching(UUID_V4),
      },
    ]);
    const unavailable = await h.create();
    expect([unavailable.status, unavailable.json.code, unavailable.json.message]).toEqual([
      503,
      'ModelUnavailable',
      'Model is unavailable, please try again later.',
    ]);
    expect(h.sim.createCount).toBe(0);
    expect((await h.create()).status).toBe(200);
    expect(h.sim.createCount).toBe(1);
  });

  it('scripts a moderation failure on create, with a custom message and Retry-After', async () => {
    const h = await start();
    h.sim.inject(
      {
        kind: 'http',
        status: 400,
        code: 'DataInspectionFailed',
        message: 'Input data may contain inappropriate content.',
      },
      { route: 'create' },
    );
    h.sim.inject(
      { kind: 'http', status: 429, code: 'Throttling', retryAfterSec: 7 },
      { route: 'list' },
    );
    const moderated = await h.create();
    expect([moderated.status, moderated.json.code, moderated.json.message]).toEqual([
      400,
      'DataInspectionFailed',
      'Input data may contain inappropriate content.',
    ]);
    const listed = await h.list();
    expect([listed.status, listed.headers.get('retry-after')]).toEqual([429, '7']);
  });

  it('only faults the nth matching request when nth is given', async () => {
    const h = await start();
    const taskId = await h.createTask();
    h.sim.inject({ kind: 'http', status: 500, code: 'InternalError' }, { route: 'get', nth: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await h.get(taskId)).status);
    expect(statuses).toEqual([200, 500, 200]);
  });

  it('targets one task by id, and fails a running task on its next query', async () => {
    const h = await start();
    const kept = await h.createTask();
    const doomed = await h.createTask();
    h.sim.inject({ kind: 'http', status: 500, code: 'InternalError' }, { taskId: doomed });
    expect((await h.get(kept)).status).toBe(200);
    expect((await h.get(doomed)).status).toBe(500);
    h.clock.advance(20_000);
    h.sim.inject({ kind: 'fail', code: 'InternalError.Algo' }, { taskId: doomed });
    expect((await h.get(doomed)).json.output.task_status).toBe('RUNNING');
    h.clock.advance(60_000);
    const [keptOut, doomedOut] = [
      (await h.get(kept)).json.output,
      (await h.get(doomed)).json.output,
    ];
    expect(keptOut.task_status).toBe('SUCCEEDED');
    expect(doomedOut).toMatchObject({
      task_status: 'FAILED',
      code: 'InternalError.Algo',
      message:
        'An internal error has occured during execution, please try again later or contact service support.',
    });
    expect(doomedOut).not.toHaveProperty('video_url');
  });

  it('takes scripted faults from the options, and restores them on reset()', async () => {
    const h = await start({
      faults: {
        script: [
          { fault: { kind: 'fail', code: 'DataInspectionFailed', message: 'Output flagged.' } },
        ],
      },
    });
    const failing = await h.createTask();
    const fine = await h.createTask();
    h.clock.advance(70_000);
    expect((await h.get(failing)).json.output).toMatchObject({
      task_status: 'FAILED',
      message: 'Output flagged.',
    });
    expect((await h.get(fine)).json.output.task_status).toBe('SUCCEEDED');
    h.sim.reset();
    expect(h.sim.createCount).toBe(0);
    expect(h.sim.log).toHaveLength(0);
    const again = await h.createTask();
    h.clock.advance(70_000);
    expect((await h.get(again)).json.output.code).toBe('DataInspectionFailed');
  });

  it('holds an answer for a delay on the simulator’s clock', async () => {
    const h = await start();
    const taskId = await h.createTask();
    h.sim.inject({ kind: 'delay', ms: 5_000 }, { route: 'get' });
    let settled = false;
    const answer = h.get(taskId).then((result) => {
      settled = true;
      return result;
    });
    await vi.waitFor(() => expect(h.clock.pending).toBe(1));
    h.clock.advance(4_999);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    h.clock.advance(1);
    const result = await answer;
    expect(result.status).toBe(200);
    // The request was handled after the delay: the task's state is as of T0 + 5 s.
    expect(result.json.output.task_status).toBe('PENDING');
    expect(h.sim.log.at(-1)?.faults).toEqual(['delay 5000ms']);
  });

  it('can delay the answer after handling: a slow create has already made (and charged) the task', async () => {
    const h = await start();
    h.sim.inject({ kind: 'delay', ms: 30_000, when: 'after' }, { route: 'create' });
    const answer = h.create();
    await vi.waitFor(() => expect(h.clock.pending).toBe(1));
    expect(h.sim.createCount).toBe(1);
    h.clock.advance(30_000);
    expect((await answer).status).toBe(200);
  });

  it('drops the connection before handling (nothing created) or after (created, answer lost)', async () => {
    const h = await start();
    h.sim.inject({ kind: 'drop' }, { route: 'create' });
    await expect(h.create()).rejects.toThrow(TypeError);
    expect(h.sim.createCount).toBe(0);
    h.sim.inject({ kind: 'drop', when: 'after' }, { route: 'create' });
    await expect(h.create()).rejects.toThrow(TypeError);
    expect(h.sim.createCount).toBe(1);
    expect(h.sim.tasks()).toHaveLength(1);
    // The server itself is fine afterwards.
    expect((await h.create()).status).toBe(200);
  });

  it('answers an HTML 502 page instead of JSON for a nonJson fault', async () => {
    const h = await start();
    const taskId = await h.createTask();
    h.sim.inject({ kind: 'nonJson' }, { route: 'get' });
    const page = await h.get(taskId);
    expect(page.status).toBe(502);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('502 Bad Gateway');
    expect(page.json).toBeUndefined();
  });

  it('can withdraw an injected fault', async () => {
    const h = await start();
    const handle = h.sim.inject(
      { kind: 'http', status: 500, code: 'InternalError' },
      { route: 'list' },
    );
    handle.remove();
    expect((await h.list()).status).toBe(200);
  });
});

describe('simulator: fault rates', () => {
  async function pattern(seed: number): Promise<number[]> {
    const h = await startSimulator({
      seed,
      limits: { queryPerSecond: 1000 },
      faults: { rates: { get429: 0.3, internalError: 0.1, unavailable: 0.1 } },
    });
    try {
      const taskId = await h.createTask();
      const statuses: number[] = [];
      for (let i = 0; i < 40; i += 1) statuses.push((await h.get(taskId)).status);
      return statuses;
    } finally {
      await h.close();
    }
  }

  it('injects faults at seeded rates, the same ones for the same seed', async () => {
    const a = await pattern(5);
    expect(a).toContain(429);
    expect(a).toContain(200);
    expect(a.filter((status) => status >= 500).length).toBeGreaterThan(0);
    expect(await pattern(5)).toEqual(a);
    expect(await pattern(6)).not.toEqual(a);
  });

  it('fails tasks at the failTask rate with the configured codes', async () => {
    const h = await start({
      faults: { rates: { failTask: 1 }, failCodes: ['IPInfringementSuspect'] },
    });
    const taskId = await h.createTask();
    h.clock.advance(70_000);
    expect((await h.get(taskId)).json.output).toMatchObject({
      task_status: 'FAILED',
      code: 'IPInfringementSuspect',
    });
  });

  it('delays answers at the slow rate by a time drawn from slowMs', async () => {
    const h = await start({ faults: { rates: { slow: 1 }, slowMs: [3_000, 3_000] } });
    const answer = h.create();
    await vi.waitFor(() => expect(h.clock.pending).toBe(1));
    h.clock.advance(3_000);
    expect((await answer).status).toBe(200);
    expect(h.sim.log.at(-1)?.faults).toEqual(['rate delay 3000ms']);
  });

  it('drops connections and sends HTML pages at their rates', async () => {
    const h = await start({ faults: { rates: { drop: 1 } } });
    await expect(h.list()).rejects.toThrow(TypeError);
    await h.close();
    harness = await startSimulator({ faults: { rates: { nonJson: 1 } } });
    expect((await harness.list()).status).toBe(502);
  });
});
