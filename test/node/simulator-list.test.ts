// Conformance: `GET /tasks` — DashScope's list answer (`data`, `total`, `total_page`,
// `page_no`, `page_size`), its filters (time range in both accepted formats, model, status),
// paging, and the errors for bad query values.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FIXED_TIMING,
  OTHER_KEY,
  T0,
  UUID_V4,
  createBody,
  startSimulator,
  type Harness,
} from './helpers/simulator-harness.js';

let h: Harness;
/** Task ids in creation order: 3 flash tasks, 2 plus tasks, created one second apart. */
let ids: string[];

beforeEach(async () => {
  h = await startSimulator({ timing: FIXED_TIMING, limits: { concurrentTasks: 10 } });
  ids = [];
  for (const model of [
    'wan2.2-kf2v-flash',
    'wan2.2-kf2v-flash',
    'wan2.2-kf2v-flash',
    'wanx2.1-kf2v-plus',
    'wanx2.1-kf2v-plus',
  ]) {
    ids.push(await h.createTask(createBody({}, undefined, model)));
    h.clock.advance(1_000);
  }
  await h.createTask(undefined, OTHER_KEY); // another account's task is never listed
  // Now T0 + 5 s: everything PENDING. Cancel the second task.
  expect((await h.cancel(ids[1] ?? '')).status).toBe(200);
});

afterEach(async () => {
  await h.close();
});

describe('simulator: listing tasks', () => {
  it('lists the key’s tasks newest first with DashScope’s list shape', async () => {
    const listed = await h.list();
    expect(listed.status).toBe(200);
    expect(listed.json).toMatchObject({
      request_id: expect.stringMatching(UUID_V4),
      total: 5,
      total_page: 1,
      page_no: 1,
      page_size: 10,
    });
    expect(listed.json.data.map((item: { task_id: string }) => item.task_id)).toEqual(
      [...ids].reverse(),
    );
    expect(listed.json.data[4]).toEqual({
      task_id: ids[0],
      request_id: expect.stringMatching(UUID_V4),
      status: 'PENDING',
      model_name: 'wan2.2-kf2v-flash',
      region: 'cn-beijing',
      api_key_id: expect.stringMatching(/^ak-[0-9a-f]{16}$/),
      gmt_create: T0,
    });
  });

  it('reports start and end times once tasks run and end', async () => {
    h.clock.advance(10_000 + 60_000);
    const first = (await h.list({ page_size: 100 })).json.data.find(
      (item: { task_id: string }) => item.task_id === ids[0],
    );
    expect(first).toMatchObject({
      status: 'SUCCEEDED',
      gmt_create: T0,
      start_time: T0 + 10_000,
      end_time: T0 + 70_000,
    });
  });

  it('filters by status and by model name', async () => {
    const canceled = await h.list({ status: 'CANCELED' });
    expect(canceled.json.data.map((item: { task_id: string }) => item.task_id)).toEqual([ids[1]]);
    h.clock.advance(10_000);
    const running = await h.list({ status: 'RUNNING' });
    expect(running.json.total).toBe(4);
    const plus = await h.list({ model_name: 'wanx2.1-kf2v-plus' });
    expect(plus.json.data.map((item: { task_id: string }) => item.task_id)).toEqual([
      ids[4],
      ids[3],
    ]);
  });

  it('filters by a submit-time range in both formats DashScope takes', async () => {
    // Tasks were submitted at 14:18:52.331 + 0..4 s (UTC+8).
    const compact = await h.list({ start_time: '20250929141853', end_time: '20250929141855' });
    expect(compact.json.data.map((item: { task_id: string }) => item.task_id)).toEqual([
      ids[2],
      ids[1],
    ]);
    const dashed = await h.list({ start_time: '2025-09-29 14:18:54.331' });
    expect(dashed.json.data.map((item: { task_id: string }) => item.task_id)).toEqual([
      ids[4],
      ids[3],
      ids[2],
    ]);
  });

  it('pages with page_no (from 1) and page_size', async () => {
    const second = await h.list({ page_no: 2, page_size: 2 });
    expect(second.json).toMatchObject({ total: 5, total_page: 3, page_no: 2, page_size: 2 });
    expect(second.json.data.map((item: { task_id: string }) => item.task_id)).toEqual([
      ids[2],
      ids[1],
    ]);
    const beyond = await h.list({ page_no: 9, page_size: 2 });
    expect(beyond.json.data).toEqual([]);
    expect(beyond.json.total).toBe(5);
  });

  it.each([
    [{ page_size: 101 }, 'page_size'],
    [{ page_size: 0 }, 'page_size'],
    [{ page_no: 'x' }, 'page_no'],
    [{ status: 'DONE' }, 'status'],
    [{ start_time: 'yesterday' }, 'start_time'],
    [{ end_time: '2025-13-01 00:00:00' }, 'end_time'],
  ])('answers 400 InvalidParameter for %j', async (query, param) => {
    const answer = await h.list(query);
    expect(answer.status).toBe(400);
    expect(answer.json).toEqual({
      code: 'InvalidParameter',
      message: `The type or value of ${param} is out of definition.`,
      param,
      request_id: expect.stringMatching(UUID_V4),
    });
  });

  it('no longer lists tasks after 24 h', async () => {
    h.clock.advance(24 * 3_600_000 - 4_500); // now T0 + 24 h + 0.5 s: only the first is too old
    const listed = await h.list();
    expect(listed.json.total).toBe(4);
    expect(listed.json.data.map((item: { task_id: string }) => item.task_id)).not.toContain(ids[0]);
  });
});
