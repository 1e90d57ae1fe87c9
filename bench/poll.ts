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
 * Capacity (realistic mix): how many users, each always with one task in flight, one account's
 * 20 queries/s quota carries — from each strategy's mean query rate over a task's life (Σ queries
 * ÷ Σ task lives), and from per-second counts of many such users replaying the simulated tasks out
 * of step (a quota is per second). Then the cost of a task waiting PENDING behind the account's
 * two running tasks. The method is printed with the figures.
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
  /** Submit → the poller saw the end: how long this user's task kept polling. */
  lifeMs: number;
  /** When each query was sent, in ms after the submission. */
  sentAtMs: number[];
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
  const sentAtMs: number[] = [];

  // The simulated server: answers after a latency (median 150 ms), reading the task's state
  // halfway through the round trip.
  const fetcher = (
    _taskId: string,
    init: { signal: AbortSignal },
  ): Promise<{ status: SimStatus }> =>
    new Promise((resolve, reject) => {
      requests += 1;
      const sentAt = clock.now();
      sentAtMs.push(sentAt);
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
    // The queued-task probe below waits longer than the default 30 min give-up.
    maxTotalMs: 2 * 60 * 60 * 1000,
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
  return { requests, delayMs: detectedAt - task.totalMs, lifeMs: detectedAt, sentAtMs };
}

interface Row {
  strategy: Strategy;
  results: readonly TaskResult[];
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
      results,
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

function formatTable(header: readonly string[], lines: readonly (readonly string[])[]): string {
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

function table(rows: readonly Row[]): string {
  return formatTable(
    ['strategy', 'requests/task', 'mean delay', 'p95 delay', 'requests vs fixed 5 s'],
    rows.map((row) => [
      row.strategy.name,
      row.requestsPerTask.toFixed(1),
      seconds(row.meanDelayMs),
      seconds(row.p95DelayMs),
      `${row.ratio.toFixed(2)}×`,
    ]),
  );
}

// ---- Capacity: how many users one account's query quota carries ---------------------------

/** One account's task-query quota (dashscope-api.md: 20 requests/s), and the relay's default share. */
const QUERY_QUOTA_PER_S = 20;
const RELAY_ACCOUNT_QUERY_PER_S = 15;
/** A user count "fits" a quota when at most this share of 1 s windows has more queries than it. */
const OVER_QUOTA_SHARE = 0.01;
const CAPACITY_WARMUP_MS = 30 * 60_000;
const CAPACITY_HORIZON_S = 3_600;
/** The queued-task probe: PENDING this long (behind the account's 2 running tasks), then a run. */
const QUEUED_PROBE = { queueMs: 30 * 60_000, runMs: 165_000, fromMs: 2 * 60_000 };

/**
 * A user who always has one task in flight (the next is submitted when the last is seen done)
 * sends queries at Σ queries ÷ Σ task lives in the long run (renewal–reward), whatever the
 * lengths of the tasks. Queries per second.
 */
function queryRatePerUser(results: readonly TaskResult[]): number {
  const queries = results.reduce((sum, r) => sum + r.requests, 0);
  const lifeMs = results.reduce((sum, r) => sum + r.lifeMs, 0);
  return queries / (lifeMs / 1000);
}

/**
 * Quotas are per second, and the count in each second scatters around the mean, so the
 * mean is not enough. Users are added one at a time; user `i` replays tasks drawn at random
 * from `results` back to back, starting at a random point of a warm-up (so users are out of
 * step, as independent people are), and its queries are counted in 1 s windows over the next
 * hour. A user's stream depends only on `i` and the seed — the same task draws for every
 * strategy — so windows only fill up as users are added. Returns, per quota, the most users for
 * which at most {@link OVER_QUOTA_SHARE} of the windows exceed it.
 */
function burstCapacity(results: readonly TaskResult[], quotas: readonly number[]): number[] {
  const counts = new Uint32Array(CAPACITY_HORIZON_S);
  const over = quotas.map(() => 0);
  const capacity: (number | undefined)[] = quotas.map(() => undefined);
  const horizonMs = CAPACITY_HORIZON_S * 1000;
  for (let user = 0; capacity.includes(undefined) && user < 100_000; user++) {
    const random = prng(SEED ^ Math.imul(user + 1, 0x9e3779b1));
    let startMs = -CAPACITY_WARMUP_MS * random();
    while (startMs < horizonMs) {
      const task = results[Math.floor(random() * results.length)];
      if (!task) break;
      for (const sent of task.sentAtMs) {
        const at = startMs + sent;
        if (at < 0 || at >= horizonMs) continue;
        const second = Math.floor(at / 1000);
        const count = (counts[second] ?? 0) + 1;
        counts[second] = count;
        quotas.forEach((quota, k) => {
          if (count === quota + 1) over[k] = (over[k] ?? 0) + 1;
        });
      }
      startMs += task.lifeMs;
    }
    quotas.forEach((_quota, k) => {
      if (capacity[k] === undefined && (over[k] ?? 0) / CAPACITY_HORIZON_S > OVER_QUOTA_SHARE)
        capacity[k] = user; // users 0 … user − 1 fit
    });
  }
  return capacity.map((c) => c ?? Number.NaN);
}

/**
 * Queries per second of a task that waits in the queue: one task PENDING for 30 min, measured
 * from minute 2 to 30 on the real poller. "ours (with history)" knows a 165 s median.
 */
async function queuedQueryRate(strategy: Strategy): Promise<number> {
  const task: SimTask = {
    model: 'wan2.2-kf2v-flash',
    resolution: '720P',
    queueMs: QUEUED_PROBE.queueMs,
    runMs: QUEUED_PROBE.runMs,
    totalMs: QUEUED_PROBE.queueMs + QUEUED_PROBE.runMs,
  };
  let history: DurationHistory | undefined;
  if (strategy.history) {
    history = createDurationHistory({ storage: createMemoryStorage(), key: 'bench-queued' });
    for (let i = 0; i < 3; i++)
      history.record({ model: task.model, resolution: task.resolution, durationMs: 165_000 });
  }
  const result = await runTask(task, 0, strategy, history);
  const sent = result.sentAtMs.filter((t) => t >= QUEUED_PROBE.fromMs && t < task.queueMs);
  return sent.length / ((task.queueMs - QUEUED_PROBE.fromMs) / 1000);
}

async function capacityReport(rows: readonly Row[]): Promise<void> {
  const quotas = [QUERY_QUOTA_PER_S, RELAY_ACCOUNT_QUERY_PER_S];
  const figures = rows.map((row) => {
    const rate = queryRatePerUser(row.results);
    const [burst20 = Number.NaN, burst15 = Number.NaN] = burstCapacity(row.results, quotas);
    return { row, rate, mean20: Math.floor(QUERY_QUOTA_PER_S / rate), burst20, burst15 };
  });
  const fixed5 = figures.find((f) => f.row.strategy.name === 'fixed 5 s');
  const times = (value: number, peer: number | undefined): string =>
    peer ? `${(value / peer).toFixed(2)}×` : 'n/a';
  console.log(
    [
      '',
      `Capacity: users one account's ${String(QUERY_QUOTA_PER_S)} queries/s quota carries, each user always with one task in flight (realistic mix).`,
      `  Mean: a user's long-run rate = Σ queries ÷ Σ task lives (submit → seen done) over the ${String(TASKS)} tasks above;`,
      `  users = quota ÷ rate. Seconds: users added one by one, each replaying tasks drawn from the same ${String(TASKS)} back to back`,
      `  from a random point of a ${String(CAPACITY_WARMUP_MS / 60_000)} min warm-up; queries counted per 1 s window over ${String(CAPACITY_HORIZON_S / 60)} min; the most users`,
      `  with ≤ ${String(OVER_QUOTA_SHARE * 100)} % of windows over the quota (${String(RELAY_ACCOUNT_QUERY_PER_S)}/s: the relay's default accountQuery limit). Visible pages, no errors.`,
      `  Tasks queue and run as in the mix, i.e. the account's running-task limit is not what holds them (see below).`,
    ].join('\n'),
  );
  console.log(
    formatTable(
      [
        'strategy',
        'queries/s per user',
        `users at ${String(QUERY_QUOTA_PER_S)}/s (mean)`,
        `users at ${String(QUERY_QUOTA_PER_S)}/s (≤ 1 % s over)`,
        `users at ${String(RELAY_ACCOUNT_QUERY_PER_S)}/s (≤ 1 % s over)`,
        'users vs fixed 5 s (mean / s over)',
      ],
      figures.map((f) => [
        f.row.strategy.name,
        f.rate.toFixed(4),
        String(f.mean20),
        String(f.burst20),
        String(f.burst15),
        `${times(f.mean20, fixed5?.mean20)} / ${times(f.burst20, fixed5?.burst20)}`,
      ]),
    ),
  );
  const queued = [];
  for (const row of rows) queued.push({ row, rate: await queuedQueryRate(row.strategy) });
  const queuedFixed5 = queued.find((q) => q.row.strategy.name === 'fixed 5 s');
  console.log(
    [
      '',
      `DashScope runs at most 2 tasks per account at once; the others wait PENDING. A waiting task's cost`,
      `(one task PENDING ${String(QUEUED_PROBE.queueMs / 60_000)} min, queries counted from minute ${String(QUEUED_PROBE.fromMs / 60_000)} on):`,
    ].join('\n'),
  );
  console.log(
    formatTable(
      [
        'strategy',
        'queries/s per waiting task',
        `waiting tasks per ${String(QUERY_QUOTA_PER_S)}/s (mean)`,
        'vs fixed 5 s',
      ],
      queued.map((q) => {
        const waiting = Math.floor(QUERY_QUOTA_PER_S / q.rate);
        const peer = queuedFixed5 ? Math.floor(QUERY_QUOTA_PER_S / queuedFixed5.rate) : undefined;
        return [q.row.strategy.name, q.rate.toFixed(4), String(waiting), times(waiting, peer)];
      }),
    ),
  );
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
    await capacityReport(rows);
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
