// A simulator on a real loopback HTTP server with a manual clock, and small `fetch` helpers
// that speak DashScope's wire protocol the way apps and official SDKs do. Conformance tests
// drive the simulator only through these (plain HTTP), never through its internals.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createManualClock, type ManualClock } from '../../../src/core/index.js';
import {
  createDashScopeSimulator,
  type DashScopeSimulator,
  type DashScopeSimulatorOptions,
} from '../../../src/simulator/index.js';
import { serve } from './serve.js';

/** 2025-09-29 14:18:52.331 in Beijing (UTC+8). */
export const T0 = Date.UTC(2025, 8, 29, 6, 18, 52, 331);
export const KEY = 'sk-test-0123456789abcdef';
export const OTHER_KEY = 'sk-test-fedcba9876543210';
export const CREATE_PATH = '/services/aigc/image2video/video-synthesis';
/** `YYYY-MM-DD HH:mm:ss.SSS`, DashScope's time format. */
export const DASHSCOPE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/;
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Exact timing: 10 s in PENDING, 60 s RUNNING, no long runs, no prompt-extension delay. */
export const FIXED_TIMING = {
  queueMs: [10_000, 10_000],
  runMs: [60_000, 60_000],
  longRunChance: 0,
  promptExtendMs: [0, 0],
} as const;

const FRAMES = fileURLToPath(new URL('../../fixtures/frames/', import.meta.url));

/** A fixture frame's bytes. */
export function frameBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FRAMES}${name}`));
}

/** A fixture frame as a data URL. */
export function frameDataUrl(name: string, mime?: string): string {
  const type =
    mime ??
    { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp', bmp: 'image/bmp', gif: 'image/gif' }[
      name.split('.').pop() ?? ''
    ] ??
    'application/octet-stream';
  return `data:${type};base64,${Buffer.from(frameBytes(name)).toString('base64')}`;
}

export const FIRST_FRAME = frameDataUrl('valid-640x480.jpg');
export const LAST_FRAME = frameDataUrl('valid-rgb-512x512.png');

/** A valid create body, with `input`/`parameters` fields overridden or removed (`undefined`). */
export function createBody(
  input: Record<string, unknown> = {},
  parameters?: Record<string, unknown>,
  model = 'wan2.2-kf2v-flash',
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    input: {
      first_frame_url: FIRST_FRAME,
      last_frame_url: LAST_FRAME,
      prompt: 'A cat looks up at the sky.',
      ...input,
    },
  };
  if (parameters) body.parameters = parameters;
  return body;
}

/** An answer, read once: status, headers and the JSON (or text) body. */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON, asserted field by field
  readonly json: any;
  readonly text: string;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

export interface CreateInit {
  key?: string | null;
  headers?: Record<string, string>;
  /** Sent as-is instead of `JSON.stringify(body)`. */
  rawBody?: string;
}

export interface Harness {
  readonly sim: DashScopeSimulator;
  readonly clock: ManualClock;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** `http://127.0.0.1:<port>/api/v1` */
  readonly base: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  create(body?: unknown, init?: CreateInit): Promise<Answer>;
  /** Creates a task and returns its id (fails the test if the create is refused). */
  createTask(body?: unknown, key?: string): Promise<string>;
  get(taskId: string, key?: string | null): Promise<Answer>;
  cancel(taskId: string, key?: string): Promise<Answer>;
  list(query?: Record<string, string | number>, key?: string): Promise<Answer>;
  close(): Promise<void>;
}

function auth(key: string | null | undefined): Record<string, string> {
  return key === null ? {} : { Authorization: `Bearer ${key ?? KEY}` };
}

/** Starts a simulator (manual clock at {@link T0}) on a loopback server. */
export async function startSimulator(options: DashScopeSimulatorOptions = {}): Promise<Harness> {
  const clock = createManualClock(T0);
  const sim = createDashScopeSimulator({ clock, apiKeys: [KEY, OTHER_KEY], seed: 7, ...options });
  const server = await serve(sim);
  const base = `${server.origin}${sim.basePath}`;
  const harness: Harness = {
    sim,
    clock,
    origin: server.origin,
    base,
    fetch: (path, init) => fetch(`${base}${path}`, init),
    async create(body = createBody(), init = {}) {
      const response = await fetch(`${base}${CREATE_PATH}`, {
        method: 'POST',
        headers: {
          ...auth(init.key),
          'Content-Type': 'application/json',
          'X-DashScope-Async': 'enable',
          ...init.headers,
        },
        body: init.rawBody ?? JSON.stringify(body),
      });
      return answer(response);
    },
    async createTask(body, key) {
      const created = await harness.create(body, { key: key ?? KEY });
      if (created.status !== 200) throw new Error(`create refused: ${created.text}`);
      return created.json.output.task_id as string;
    },
    async get(taskId, key) {
      return answer(await fetch(`${base}/tasks/${taskId}`, { headers: auth(key) }));
    },
    async cancel(taskId, key) {
      return answer(
        await fetch(`${base}/tasks/${taskId}/cancel`, { method: 'POST', headers: auth(key) }),
      );
    },
    async list(query = {}, key) {
      const search = new URLSearchParams(
        Object.entries(query).map(([name, value]) => [name, String(value)]),
      ).toString();
      return answer(
        await fetch(`${base}/tasks${search ? `?${search}` : ''}`, { headers: auth(key) }),
      );
    },
    close: () => server.close(),
  };
  return harness;
}

export { answer as readAnswer };
