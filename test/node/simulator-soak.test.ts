// A bounded soak of the simulator's Node server: 1,000 requests (creates, queries, lists,
// cancels, video downloads) with seeded faults (429, 500, 503, dropped connections, HTML 502
// pages, slow answers, FAILED tasks). The server must answer every request in a well-formed way,
// stay up, and keep its heap flat: it runs in a child process started with --expose-gc and
// reports its heap after a forced collection at request 200 and at request 1,000.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_FRAME, LAST_FRAME } from './helpers/simulator-harness.js';
import type { SoakMessage } from './helpers/soak-server.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER = fileURLToPath(new URL('./helpers/soak-server.ts', import.meta.url));
const TOTAL = 1_000;
const CHECKPOINT = 200;
const CONCURRENCY = 8;
const MAX_GROWTH_BYTES = 20 * 1024 * 1024;
const KEY = 'sk-soak-test';

type Outcome = 'ok' | 'video' | 'error-json' | 'html-502' | 'dropped' | 'malformed';

let child: ChildProcess;
let url = '';
const inbox: SoakMessage[] = [];
const waiters: ((message: SoakMessage) => void)[] = [];

function next(type: SoakMessage['type']): Promise<SoakMessage> {
  const index = inbox.findIndex((m) => m.type === type);
  if (index >= 0) return Promise.resolve(inbox.splice(index, 1)[0] as SoakMessage);
  return new Promise((resolve) => {
    const wait = (message: SoakMessage) => {
      if (message.type !== type) return;
      waiters.splice(waiters.indexOf(wait), 1);
      inbox.splice(inbox.indexOf(message), 1);
      resolve(message);
    };
    waiters.push(wait);
  });
}

async function heapUsed(): Promise<number> {
  const reply = next('memory');
  child.send({ type: 'memory' });
  const message = await reply;
  if (message.type !== 'memory') throw new Error('Expected a memory report.');
  return message.heapUsed;
}

beforeAll(async () => {
  child = fork(SERVER, [], {
    cwd: ROOT,
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { ...process.env, SOAK_SEED: '424242' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', (message: SoakMessage) => {
    inbox.push(message);
    for (const wait of [...waiters]) wait(message);
  });
  const ready = await next('ready');
  if (ready.type === 'ready') url = ready.url;
}, 30_000);

afterAll(async () => {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.send({ type: 'close' });
  await exited;
});

describe('the simulator server under 1,000 requests with seeded faults', () => {
  const outcomes = new Map<Outcome, number>();
  const taskIds: string[] = [];
  const succeeded: string[] = [];
  const videoUrls = new Map<string, string>();
  const problems: string[] = [];

  function count(outcome: Outcome, detail?: string): void {
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if (outcome === 'malformed' && problems.length < 5) problems.push(detail ?? '');
  }

  async function classify(response: Response, what: string): Promise<void> {
    const type = response.headers.get('content-type') ?? '';
    if (type.startsWith('video/')) {
      const bytes = await response.arrayBuffer();
      count(response.status === 200 && bytes.byteLength > 1000 ? 'video' : 'malformed', what);
      return;
    }
    if (type.startsWith('text/html')) {
      await response.text();
      count(
        response.status === 502 ? 'html-502' : 'malformed',
        `${what}: HTML ${String(response.status)}`,
      );
      return;
    }
    const body = (await response.json().catch(() => undefined)) as
      | {
          request_id?: string;
          code?: string;
          message?: string;
          output?: { task_id?: string; task_status?: string; video_url?: string };
          data?: unknown[];
        }
      | undefined;
    if (!body || typeof body.request_id !== 'string') {
      count('malformed', `${what}: ${String(response.status)} without a JSON request_id`);
      return;
    }
    if (response.status !== 200) {
      const wellFormed = typeof body.code === 'string' && typeof body.message === 'string';
      count(wellFormed ? 'error-json' : 'malformed', `${what}: ${String(response.status)}`);
      return;
    }
    const output = body.output;
    if (output?.task_id && output.task_status) {
      if (what === 'create') taskIds.push(output.task_id);
      if (output.task_status === 'SUCCEEDED' && output.video_url) {
        if (!videoUrls.has(output.task_id)) succeeded.push(output.task_id);
        videoUrls.set(output.task_id, output.video_url);
      }
      count('ok');
    } else if (Array.isArray(body.data) || what === 'cancel') {
      count('ok');
    } else {
      count('malformed', `${what}: 200 without output or data`);
    }
  }

  /** Request `i` of the soak: a fixed mix, mostly queries, like a page of polling clients. */
  async function request(i: number): Promise<void> {
    const auth = { Authorization: `Bearer ${KEY}` };
    const known = taskIds.length > 0 ? taskIds[(i * 7) % taskIds.length] : undefined;
    let what: string;
    let send: () => Promise<Response>;
    if (i % 10 === 0 || known === undefined) {
      what = 'create';
      send = () =>
        fetch(`${url}/services/aigc/image2video/video-synthesis`, {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'application/json', 'X-DashScope-Async': 'enable' },
          body: JSON.stringify({
            model: 'wan2.2-kf2v-flash',
            input: {
              first_frame_url: FIRST_FRAME,
              last_frame_url: LAST_FRAME,
              prompt: `soak ${String(i)}`,
            },
            parameters: { resolution: '480P', prompt_extend: i % 20 === 0 },
          }),
        });
    } else if (i % 10 === 5) {
      what = 'list';
      send = () => fetch(`${url}/tasks?page_no=1&page_size=20`, { headers: auth });
    } else if (i % 10 === 7) {
      what = 'cancel';
      const latest = taskIds[taskIds.length - 1] ?? known;
      send = () => fetch(`${url}/tasks/${latest}/cancel`, { method: 'POST', headers: auth });
    } else if (i % 10 === 9 && succeeded.length > 0) {
      what = 'video';
      const videoUrl = videoUrls.get(succeeded[i % succeeded.length] ?? '') ?? '';
      send = () => fetch(videoUrl);
    } else {
      what = 'get';
      send = () => fetch(`${url}/tasks/${known}`, { headers: auth });
    }
    let response: Response;
    try {
      response = await send();
    } catch {
      count('dropped');
      return;
    }
    try {
      await classify(response, what);
    } catch {
      // The body failed after the headers: the connection dropped mid-answer.
      count('dropped');
    }
  }

  async function run(from: number, to: number): Promise<void> {
    let index = from;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (index < to) {
          const i = index;
          index += 1;
          await request(i);
        }
      }),
    );
  }

  it(
    'answers every request well-formed, stays up and keeps its heap flat',
    { timeout: 60_000 },
    async () => {
      const baseline = await heapUsed();
      await run(0, CHECKPOINT);
      const atCheckpoint = await heapUsed();
      await run(CHECKPOINT, TOTAL);
      const atEnd = await heapUsed();

      const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
      const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
      console.log(
        `soak: ${String(total)} requests, ${String(taskIds.length)} tasks, ${String(succeeded.length)} videos; ` +
          `outcomes ${JSON.stringify(Object.fromEntries(outcomes))}; heap after GC: start ${mb(baseline)}, ` +
          `request ${String(CHECKPOINT)} ${mb(atCheckpoint)}, request ${String(TOTAL)} ${mb(atEnd)} ` +
          `(growth ${mb(atEnd - atCheckpoint)})`,
      );

      expect(total).toBe(TOTAL);
      expect(problems).toEqual([]);
      expect(outcomes.get('malformed') ?? 0).toBe(0);
      // The seeded faults did happen, and real work got done between them.
      for (const outcome of ['ok', 'video', 'error-json', 'html-502', 'dropped'] as const) {
        expect(outcomes.get(outcome) ?? 0, outcome).toBeGreaterThan(0);
      }
      expect(atEnd - atCheckpoint).toBeLessThan(MAX_GROWTH_BYTES);

      // Still up: a list answers 200 (a few tries, since rate faults still apply to it).
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 10 && !statuses.includes(200); attempt += 1) {
        const response = await fetch(`${url}/tasks?page_no=1&page_size=1`, {
          headers: { Authorization: `Bearer ${KEY}` },
        }).catch(() => undefined);
        statuses.push(response?.status ?? 0);
        await response?.arrayBuffer().catch(() => undefined);
      }
      expect(statuses).toContain(200);
      expect(child.exitCode).toBeNull();
    },
  );
});
