/**
 * Polling benchmark: requests spent and detection delay of the task poller's schedule against
 * fixed-interval peers and the official Python SDK's `wait`, all measured in the same run.
 *
 *   npx tsx bench/poll.ts [--tasks 1000] [--seed 20261125]
 *
 * Every strategy drives the REAL `createTaskPoller` on a manual clock; only the `schedule`
 * differs. Each simulated task answers PENDING, then RUNNING, then SUCCEEDED, after a seeded
 * random request latency. Detection delay = the moment the poller's snapshot turns `done` minus
 * the moment the task actually ended (so it includes the answer's latency).
 *
 * "ours (with history)" feeds the schedule only what a browser could know: the median of the
 * durations it observed (submit → seen done) for earlier tasks of the same model and resolution,
 * through `createDurationHistory` — never the task's own duration. The first tasks of each kind
 * run with no history, as they would in a fresh browser.
 *
 * Exits non-zero when either of our rows misses a target on the realistic mix.
 */
import { createManualClock } from '../src/core/clock.js';
import { createTaskPoller } from '../src/core/poller.js';
import type { VisibilitySource } from '../src/core/poller.js';
import { nextPollDelay } from '../src/core/schedule.js';
import type { PollScheduleInput } from '../src/core/schedule.js';
import { createDurationHistory, createMemoryStorage } from '../src/core/persistence.js';
import type { DurationHistory } from '../src/core/persistence.js';

const TARGETS = { requestRatio: 0.6, meanDelayMs: 3_500, p95DelayMs: 7_000 };
const MIN_TOTAL_MS = 60_000;
const MAX_TOTAL_MS = 540_000;

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : Number.NaN;
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

const TASKS = argument('tasks', 1_000);
const SEED = argument('seed', 20261125);

/** Small, fast, seedable PRNG (mulberry32). */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(random: () => number): number {
  const u = Math.max(random(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function logNormal(random: () => number, median: number, spread: number): number {
  return median * Math.exp(spread * normal(random));
}

interface SimTask {
  model: string;
  resolution: string;
  queueMs: number;
  runMs: number;
  totalMs: number;
}

interface Mix {
  name: string;
  describe: string;
  draw(random: () => number): Omit<SimTask, 'totalMs'>;
}

/**
 * DashScope-like mix. Run time grows with resolution (log-normal, σ 0.25 within a kind); most
 * tasks wait a few seconds in the queue, one in five waits 20–150 s behind the account's other
 * tasks (2 may run at once). Totals outside 1–9 min are redrawn.
 */
const KINDS = [
  { model: 'wan2.2-kf2v-flash', resolution: '480P', weight: 0.3, runMedianMs: 100_000 },
  { model: 'wan2.2-kf2v-flash', resolution: '720P', weight: 0.4, runMedianMs: 165_000 },
  { model: 'wan2.2-kf2v-flash', resolution: '1080P', weight: 0.15, runMedianMs: 270_000 },
  { model: 'wanx2.1-kf2v-plus', resolution: '720P', weight: 0.15, runMedianMs: 210_000 },
] as const;

function pickKind(random: () => number): (typeof KINDS)[number] {
  let roll = random();
  for (const kind of KINDS) {
    roll -= kind.weight;
    if (roll < 0) return kind;
  }
  return KINDS[KINDS.length - 1] as (typeof KINDS)[number];
}

function drawQueueMs(random: () => number): number {
  return random() < 0.8
    ? 1_000 - 5_000 * Math.log(Math.max(random(), 1e-9))
    : 20_000 + 130_000 * random();
}

const REALISTIC: Mix = {
  name: 'realistic',
  describe:
    '4 model/resolution kinds (run medians 100/165/270/210 s, σ 0.25); queue ~1 + Exp(5 s) for 80 %, 20–150 s for 20 %',
  draw(random) {
    const kind = pickKind(random);
    return {
      model: kind.model,
      resolution: kind.resolution,
      queueMs: drawQueueMs(random),
      runMs: logNormal(random, kind.runMedianMs, 0.25),
    };
  },
};

/** A stress mix with no structure to learn: totals uniform over 1–9 min, one kind. */
const UNIFORM: Mix = {
  name: 'uniform 1–9 min',
  describe: 'one kind, totals uniform over 1–9 min, queue ~1 + Exp(5 s)',
  draw(random) {
    const queueMs = 1_000 - 5_000 * Math.log(Math.max(random(), 1e-9));
    const total = MIN_TOTAL_MS + (MAX_TOTAL_MS - MIN_TOTAL_MS) * random();
    return { model: 'wan2.2-kf2v-flash', resolution: '720P', queueMs, runMs: total - queueMs };
  },
};

function makeTasks(mix: Mix, count: number, seed: number): SimTask[] {
  const random = prng(seed);
  const tasks: SimTask[] = [];
  while (tasks.length < count) {
    const task = mix.draw(random);
    const totalMs = task.queueMs + task.runMs;
    if (totalMs >= MIN_TOTAL_MS && totalMs <= MAX_TOTAL_MS && task.runMs > 0)
      tasks.push({ ...task, totalMs });
  }
  return tasks;
}

type Schedule = (input: PollScheduleInput) => number;

interface Strategy {
  name: string;
  /** A fresh schedule per task (the SDK's `wait` counts its own steps). */
  schedule(): Schedule;
  history: boolean;
  ours: boolean;
}

/** The official Python SDK's `wait`: sleeps 1, 1, 2, 2, 2, 4, 4, 4, then 5 s (doubling every 3 polls). */
function sdkWait(): Schedule {
  let step = 0;
  let waitSeconds = 1;
  return () => {
    step += 1;
    if (waitSeconds < 5 && step % 3 === 0) waitSeconds = Math.min(waitSeconds * 2, 5);
    return waitSeconds * 1_000;
  };
}

const STRATEGIES: Strategy[] = [
  { name: 'ours (no history)', schedule: () => nextPollDelay, history: false, ours: true },
  { name: 'ours (with history)', schedule: () => nextPollDelay, history: true, ours: true },
  { name: 'fixed 5 s', schedule: () => () => 5_000, history: false, ours: false },
  { name: 'fixed 15 s', schedule: () => () => 15_000, history: false, ours: false },
  { name: 'SDK wait 1→2→4→5 s', schedule: sdkWait, history: false, ours: false },
];

const VISIBLE: VisibilitySource = { isHidden: () => false, subscribe: () => () => {} };

type SimStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED';

function statusAt(task: SimTask, at: number): SimStatus {
  if (at < task.queueMs) return 'PENDING';
  return at < task.totalMs ? 'RUNNING' : 'SUCCEEDED';
}

interface TaskResult {
  requests: number;
  delayMs: number;
}

async function runTask(
  task: SimTask,
  index: number,
  strategy: Strategy,
  history: DurationHistory | undefined,
): Promise<TaskResult> {
  const clock = createManualClock(0);
  const latencyRandom = prng(SEED ^ (index * 7919 + 1));
  const jitterRandom = prng(SEED ^ (index * 104729 + 2));
  let requests = 0;

  // The simulated server: answers after a latency (median 150 ms), reading the task's state
  // halfway through the round trip.
  const fetcher = (
    _taskId: string,
    init: { signal: AbortSignal },
  ): Promise<{ status: SimStatus }> =>
    new Promise((resolve, reject) => {
      requests += 1;
      const sentAt = clock.now();
      const latency = Math.min(2_000, Math.max(40, logNormal(latencyRandom, 150, 0.5)));
      const handle = clock.setTimeout(
        () => resolve({ status: statusAt(task, sentAt + latency / 2) }),
        latency,
      );
      init.signal.addEventListener('abort', () => {
        clock.clearTimeout(handle);
        reject(init.signal.reason);
      });
    });

  const kind = { model: task.model, resolution: task.resolution };
  const poller = createTaskPoller({
    taskId: `task-${String(index)}`,
    fetcher,
    isTerminal: (data) => data.status === 'SUCCEEDED',
    getPhase: (data) => data.status,
    expectedDurationMs: history ? () => history.expectedDurationMs(kind) : undefined,
    startedAt: 0,
    schedule: strategy.schedule(),
    clock,
    visibility: VISIBLE,
    random: jitterRandom,
  });
  let detectedAt: number | undefined;
  const unsubscribe = poller.subscribe(() => {
    if (poller.getSnapshot().status === 'done') detectedAt ??= clock.now();
  });
  await clock.runAllAsync();
  unsubscribe();
  if (detectedAt === undefined) {
    throw new Error(
      `${strategy.name}: task ${String(index)} ended as ${poller.getSnapshot().status}`,
    );
  }
  history?.record({ ...kind, durationMs: detectedAt });
  return { requests, delayMs: detectedAt - task.totalMs };
}

interface Row {
  strategy: Strategy;
  requestsPerTask: number;
  meanDelayMs: number;
  p95DelayMs: number;
  ratio: number;
}

function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

async function measure(mix: Mix): Promise<Row[]> {
  const tasks = makeTasks(mix, TASKS, SEED);
  const rows: Omit<Row, 'ratio'>[] = [];
  for (const strategy of STRATEGIES) {
    const history = strategy.history
      ? createDurationHistory({ storage: createMemoryStorage(), key: 'bench' })
      : undefined;
    const results: TaskResult[] = [];
    for (const [index, task] of tasks.entries())
      results.push(await runTask(task, index, strategy, history));
    const delays = results.map((r) => r.delayMs).sort((a, b) => a - b);
    rows.push({
      strategy,
      requestsPerTask: results.reduce((sum, r) => sum + r.requests, 0) / results.length,
      meanDelayMs: delays.reduce((sum, d) => sum + d, 0) / delays.length,
      p95DelayMs: percentile(delays, 0.95),
    });
  }
  const fixed5 = rows.find((row) => row.strategy.name === 'fixed 5 s');
  return rows.map((row) => ({
    ...row,
    ratio: fixed5 ? row.requestsPerTask / fixed5.requestsPerTask : Number.NaN,
  }));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function table(rows: readonly Row[]): string {
  const header = ['strategy', 'requests/task', 'mean delay', 'p95 delay', 'requests vs fixed 5 s'];
  const lines = rows.map((row) => [
    row.strategy.name,
    row.requestsPerTask.toFixed(1),
    seconds(row.meanDelayMs),
    seconds(row.p95DelayMs),
    `${row.ratio.toFixed(2)}×`,
  ]);
  const widths = header.map((cell, i) =>
    Math.max(cell.length, ...lines.map((l) => (l[i] ?? '').length)),
  );
  const format = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    format(header),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...lines.map(format),
  ].join('\n');
}

function verdict(row: Row): string[] {
  const misses: string[] = [];
  if (!(row.ratio <= TARGETS.requestRatio))
    misses.push(`requests ${row.ratio.toFixed(2)}× > ${String(TARGETS.requestRatio)}×`);
  if (!(row.meanDelayMs <= TARGETS.meanDelayMs))
    misses.push(`mean ${seconds(row.meanDelayMs)} > ${seconds(TARGETS.meanDelayMs)}`);
  if (!(row.p95DelayMs <= TARGETS.p95DelayMs))
    misses.push(`p95 ${seconds(row.p95DelayMs)} > ${seconds(TARGETS.p95DelayMs)}`);
  return misses;
}

function describeTotals(mix: Mix): string {
  const totals = makeTasks(mix, TASKS, SEED)
    .map((task) => task.totalMs)
    .sort((a, b) => a - b);
  const minutes = (ms: number): string => (ms / 60_000).toFixed(1);
  return `total duration min/p50/p90/max: ${minutes(totals[0] ?? 0)}/${minutes(percentile(totals, 0.5))}/${minutes(percentile(totals, 0.9))}/${minutes(totals[totals.length - 1] ?? 0)} min`;
}

async function main(): Promise<void> {
  console.log(
    `Polling benchmark: ${String(TASKS)} tasks, seed ${String(SEED)}, Node ${process.version}`,
  );
  let failed = false;
  for (const mix of [REALISTIC, UNIFORM]) {
    const gated = mix === REALISTIC;
    console.log(`\nMix: ${mix.name}${gated ? '' : ' (stress, not gated)'} — ${mix.describe}`);
    console.log(describeTotals(mix));
    const rows = await measure(mix);
    console.log(table(rows));
    if (!gated) continue;
    for (const row of rows.filter((r) => r.strategy.ours)) {
      const misses = verdict(row);
      console.log(
        `${row.strategy.name}: ${misses.length === 0 ? 'meets' : 'MISSES'} the targets (≤ ${String(TARGETS.requestRatio)}× requests, mean ≤ ${seconds(TARGETS.meanDelayMs)}, p95 ≤ ${seconds(TARGETS.p95DelayMs)})${misses.length ? `: ${misses.join('; ')}` : ''}`,
      );
      failed ||= misses.length > 0;
    }
  }
  if (failed) process.exitCode = 1;
}

await main();
