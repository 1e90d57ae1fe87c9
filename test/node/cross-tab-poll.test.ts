/**
 * One poll stream per task across tabs, with the real pieces Node 20 has: its BroadcastChannel
 * (messages between instances are real, asynchronous and structured-cloned) and the core's
 * poller on a manual clock. Node has no Web Locks: `helpers/web-locks.ts` plays the browser's
 * lock manager (per-tab views; closing a tab releases its locks as a browser does). Each
 * simulated tab has its own poller, channel, lock view and timers.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CROSS_TAB_PREFIX,
  KeyframeVideoError,
  createCrossTabTaskPoller,
  createManualClock,
  createTaskPoller,
  fromWireTask,
  isTerminalTaskStatus,
  keyframeVideoTaskCodec,
  nextPollDelay,
  toWireTask,
} from '../../src/core/index.js';
import { visibilitySwitch } from './helpers/visibility-switch.js';
import type {
  Clock,
  CrossTabChannel,
  CrossTabLockManager,
  CrossTabTaskPoller,
  CrossTabTaskPollerOptions,
  KeyframeVideoTask,
  ManualClock,
  PollScheduleInput,
  TaskPollSnapshot,
} from '../../src/core/index.js';
import { createFakeLockOrigin, type FakeLockOrigin } from './helpers/web-locks.js';

const SECOND = 1_000;
const LATENCY = 100;
const T0 = Date.UTC(2025, 8, 29, 6, 0, 0);

/** Lets real message delivery (BroadcastChannel) and lock grants happen; the clock stays put. */
async function settle(turns = 6): Promise<void> {
  for (let i = 0; i < turns; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A task service on the manual clock: PENDING until `queueMs`, RUNNING until `endMs`, then
 * SUCCEEDED; answers after {@link LATENCY} ms and honours aborts. `failNext` makes the next
 * requests fail with the given errors.
 */
function taskService(clock: ManualClock, timing: { queueMs: number; endMs: number }) {
  let failures: unknown[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let requestSeq = 0;
  return {
    get maxInFlight() {
      return maxInFlight;
    },
    failNext(...errors: unknown[]) {
      failures = [...failures, ...errors];
    },
    fetch(taskId: string, init: { signal: AbortSignal }): Promise<KeyframeVideoTask> {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const failure = failures.shift();
      requestSeq += 1;
      const requestId = `req-${String(requestSeq)}`;
      return new Promise<KeyframeVideoTask>((resolve, reject) => {
        const handle = clock.setTimeout(() => {
          inFlight -= 1;
          if (failure !== undefined) {
            reject(failure);
            return;
          }
          const elapsed = clock.now() - T0;
          const status =
            elapsed < timing.queueMs ? 'PENDING' : elapsed < timing.endMs ? 'RUNNING' : 'SUCCEEDED';
          const task: KeyframeVideoTask = {
            taskId,
            status,
            submittedAt: T0,
            ...(status === 'SUCCEEDED'
              ? { videoUrl: `https://cdn.test/${taskId}.mp4`, endedAt: T0 + timing.endMs }
              : {}),
          };
          // What the client makes of the service's answer.
          resolve(fromWireTask(toWireTask(task, requestId)));
        }, LATENCY);
        init.signal.addEventListener('abort', () => {
          inFlight -= 1;
          clock.clearTimeout(handle);
          reject(init.signal.reason);
        });
      });
    },
  };
}

/** Requests ignore per-request ids: the same task in the same state is the same news. */
const sameTask = (a: KeyframeVideoTask, b: KeyframeVideoTask): boolean =>
  JSON.stringify({ ...a, requestId: undefined }) === JSON.stringify({ ...b, requestId: undefined });

const opened: BroadcastChannel[] = [];
afterEach(() => {
  for (const channel of opened.splice(0)) channel.close();
});

interface Tab {
  readonly name: string;
  readonly poller: CrossTabTaskPoller<KeyframeVideoTask>;
  /** Clock times of this tab's requests. */
  readonly calls: number[];
  /** Every snapshot this tab's listener saw. */
  readonly seen: TaskPollSnapshot<KeyframeVideoTask>[];
  /** Scheduling inputs of this tab's waits. */
  readonly scheduled: PollScheduleInput[];
  unsubscribe(): void;
  /** The tab goes away without a word (closed, crashed): locks released, channels closed. */
  close(): void;
}

interface World {
  readonly clock: ManualClock;
  readonly service: ReturnType<typeof taskService>;
  readonly origin: FakeLockOrigin;
  readonly stream: string;
  readonly lock: string;
  open(
    name: string,
    extra?: Partial<CrossTabTaskPollerOptions<KeyframeVideoTask>>,
    subscribe?: boolean,
  ): Tab;
  /** Moves the clock `ms` forward in small steps, letting messages arrive between steps. */
  drive(ms: number, step?: number): Promise<void>;
}

let worlds = 0;

function world(
  timing = { queueMs: 10 * SECOND, endMs: 60 * SECOND },
  schedule: (input: PollScheduleInput) => number = nextPollDelay,
): World {
  const clock = createManualClock(T0);
  const service = taskService(clock, timing);
  const origin = createFakeLockOrigin();
  worlds += 1;
  // A fresh name per test: Node's BroadcastChannel is process-wide.
  const stream = `test-${String(process.pid)}-${String(worlds)}:task-1`;
  return {
    clock,
    service,
    origin,
    stream,
    lock: `${CROSS_TAB_PREFIX}${stream}`,
    open(name, extra = {}, subscribe = true) {
      const calls: number[] = [];
      const seen: TaskPollSnapshot<KeyframeVideoTask>[] = [];
      const scheduled: PollScheduleInput[] = [];
      const channels: BroadcastChannel[] = [];
      let alive = true;
      // The tab's own timers: a closed tab's never fire.
      const tabClock: Clock = {
        now: () => clock.now(),
        setTimeout: (fn, ms) =>
          clock.setTimeout(() => {
            if (alive) fn();
          }, ms),
        clearTimeout: (handle) => clock.clearTimeout(handle),
      };
      const poller = createCrossTabTaskPoller<KeyframeVideoTask>({
        name: stream,
        taskId: 'task-1',
        fetcher: (taskId, init) => {
          calls.push(clock.now());
          return service.fetch(taskId, init);
        },
        isTerminal: (task) => isTerminalTaskStatus(task.status),
        getPhase: (task) => task.status,
        isEqual: sameTask,
        codec: keyframeVideoTaskCodec,
        startedAt: T0,
        clock: tabClock,
        random: () => 0.5,
        schedule: (input) => {
          scheduled.push(input);
          return schedule(input);
        },
        visibility: visibilitySwitch().source,
        locks: origin.tab(name),
        openChannel: (channelName) => {
          const channel = new BroadcastChannel(channelName);
          channels.push(channel);
          opened.push(channel);
          return channel as unknown as CrossTabChannel;
        },
        ...extra,
      });
      const unsubscribe = subscribe
        ? poller.subscribe(() => seen.push(poller.getSnapshot()))
        : () => {};
      return {
        name,
        poller,
        calls,
        seen,
        scheduled,
        unsubscribe,
        close() {
          alive = false;
          origin.closeTab(name);
          for (const channel of channels) channel.close();
        },
      };
    },
    async drive(ms, step = 250) {
      for (let moved = 0; moved < ms; moved += step) {
        await clock.advanceAsync(Math.min(step, ms - moved));
        await settle();
      }
    },
  };
}

async function untilRole(tab: Tab, role: string): Promise<void> {
  await vi.waitFor(() => expect(tab.poller.getRole()).toBe(role), { timeout: 2_000 });
}

const statusesOf = (tab: Tab) => [
  ...new Set(tab.seen.map((snapshot) => snapshot.data?.status).filter(Boolean)),
];

describe('createCrossTabTaskPoller: one stream for many tabs', () => {
  it('three tabs on one task make the requests one tab would, all from the leader', async () => {
    const w = world();
    const a = w.open('A');
    await untilRole(a, 'leading');
    const b = w.open('B');
    const c = w.open('C');
    await settle();
    expect(b.poller.getRole()).toBe('following');
    expect(c.poller.getRole()).toBe('following');

    // The same task followed by a lone, ordinary poller on the same clock: the yardstick.
    const loneCalls: number[] = [];
    const lone = createTaskPoller<KeyframeVideoTask>({
      taskId: 'task-1',
      fetcher: (taskId, init) => {
        loneCalls.push(w.clock.now());
        return w.service.fetch(taskId, init);
      },
      isTerminal: (task) => isTerminalTaskStatus(task.status),
      getPhase: (task) => task.status,
      isEqual: sameTask,
      startedAt: T0,
      clock: w.clock,
      random: () => 0.5,
      visibility: visibilitySwitch().source,
    });
    lone.subscribe(() => {});

    await w.drive(120 * SECOND, 500);

    expect(lone.getSnapshot().status).toBe('done');
    expect(a.calls).toEqual(loneCalls);
    expect(b.calls).toEqual([]);
    expect(c.calls).toEqual([]);
    for (const tab of [a, b, c]) {
      const snapshot = tab.poller.getSnapshot();
      expect(snapshot.status).toBe('done');
      expect(snapshot.data?.status).toBe('SUCCEEDED');
      expect(snapshot.data?.videoUrl).toBe('https://cdn.test/task-1.mp4');
      expect(tab.poller.getRole()).toBe('finished');
      // The followers saw each phase as the leader learned it, in order.
      expect(statusesOf(tab)).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
    }
    // Received data went through the wire schema and mapping and came out equal.
    expect(b.poller.getSnapshot().data).toEqual(a.poller.getSnapshot().data);
    expect(b.poller.getSnapshot().data).not.toBe(a.poller.getSnapshot().data);
    // The end released everything: no holder, nobody waiting.
    expect(w.origin.holder(w.lock)).toBeUndefined();
    expect(w.origin.waiting(w.lock)).toBe(0);
    expect(w.service.maxInFlight).toBe(2); // the leader's request, and the lone poller's
  });

  it("when the leader's tab closes, a follower takes over from the last snapshot on schedule", async () => {
    // A fixed 5 s between answers makes "on schedule" exact.
    const w = world({ queueMs: 10 * SECOND, endMs: 40 * SECOND }, () => 5 * SECOND);
    const a = w.open('A');
    await untilRole(a, 'leading');
    const b = w.open('B');
    const c = w.open('C');
    await settle();
    await w.drive(20 * SECOND);
    // A asked at 0, 5.1, 10.2 and 15.3 s; the answer to the last came at 15.4 s.
    expect(a.calls.map((at) => at - T0)).toEqual([0, 5_100, 10_200, 15_300]);
    const before = b.poller.getSnapshot();
    expect(before.status).toBe('polling');
    expect(before.data?.status).toBe('RUNNING');

    a.close();
    await vi.waitFor(() =>
      expect([b, c].map((tab) => tab.poller.getRole()).sort()).toEqual(['following', 'leading']),
    );
    const [leader, follower] = b.poller.getRole() === 'leading' ? [b, c] : [c, b];
    // Nothing was reset: the new leader shows the last shared snapshot.
    const taken = leader.poller.getSnapshot();
    expect(taken.status).toBe('polling');
    expect(taken.data?.status).toBe('RUNNING');
    expect(taken.startedAt).toBe(T0);
    expect(leader.calls).toEqual([]);

    // Its first request goes out when A's would have: 5 s after the last answer (15.4 s).
    await w.drive(300, 100);
    expect(leader.calls).toEqual([]);
    await w.drive(200, 100);
    expect(leader.calls.map((at) => at - T0)).toEqual([20_400]);

    await w.drive(40 * SECOND);
    for (const tab of [leader, follower]) {
      expect(tab.poller.getSnapshot().status).toBe('done');
      expect(tab.poller.getSnapshot().data?.status).toBe('SUCCEEDED');
      expect(tab.poller.getRole()).toBe('finished');
    }
    expect(follower.calls).toEqual([]);
    expect(leader.calls.map((at) => at - T0)).toEqual([20_400, 25_500, 30_600, 35_700, 40_800]);
    expect(w.origin.holder(w.lock)).toBeUndefined();
  });

  it('a leader whose last subscriber leaves hands over, and gives its lock back', async () => {
    const w = world({ queueMs: 10 * SECOND, endMs: 40 * SECOND }, () => 5 * SECOND);
    const a = w.open('A');
    await untilRole(a, 'leading');
    const b = w.open('B');
    await settle();
    await w.drive(6 * SECOND);
    a.unsubscribe();
    await untilRole(b, 'leading');
    expect(a.poller.getRole()).toBe('idle');
    expect(a.poller.getSnapshot().status).toBe('idle');
    expect(w.origin.holder(w.lock)).toBe('B');
    const callsOfA = a.calls.length;
    await w.drive(40 * SECOND);
    expect(b.poller.getSnapshot().status).toBe('done');
    expect(a.calls).toHaveLength(callsOfA);
    expect(b.calls.length).toBeGreaterThan(0);
  });

  it("shares the leader's give-up, and a follower's retry and refresh reach the leader", async () => {
    const w = world({ queueMs: 10 * SECOND, endMs: 40 * SECOND }, () => 5 * SECOND);
    w.service.failNext(new KeyframeVideoError({ code: 'Forbidden', status: 403 }));
    const a = w.open('A');
    await untilRole(a, 'leading');
    const b = w.open('B');
    const c = w.open('C');
    await w.drive(1 * SECOND);
    for (const tab of [a, b, c]) expect(tab.poller.getSnapshot().status).toBe('error');
    const shared = b.poller.getSnapshot().error;
    expect(shared).toBeInstanceOf(KeyframeVideoError);
    expect(shared?.code).toBe('Forbidden');
    expect(shared?.status).toBe(403);
    expect(shared?.retryable).toBe(false);
    expect(a.calls).toHaveLength(1);

    // Retry in a follower: the leader polls again, at once; nobody else does.
    b.poller.retry();
    await settle();
    expect(a.calls).toHaveLength(2);
    await w.drive(1 * SECOND);
    for (const tab of [a, b, c]) {
      expect(tab.poller.getSnapshot().status).toBe('polling');
      expect(tab.poller.getSnapshot().data?.status).toBe('PENDING');
    }

    // Refresh in a follower: the leader polls now instead of in 5 s.
    c.poller.refresh();
    await settle();
    expect(a.calls).toHaveLength(3);
    expect(b.calls.length + c.calls.length).toBe(0);
  });

  it('a new leader keeps a give-up until someone retries, and a retry sent as the leader goes is not lost', async () => {
    const w = world({ queueMs: 10 * SECOND, endMs: 40 * SECOND }, () => 5 * SECOND);
    w.service.failNext(new KeyframeVideoError({ code: 'Forbidden', status: 403 }));
    const a = w.open('A');
    await untilRole(a, 'leading');
    const b = w.open('B');
    const c = w.open('C');
    await w.drive(1 * SECOND);
    expect(b.poller.getSnapshot().status).toBe('error');

    // A goes; B or C leads now, and does not quietly start polling again.
    a.close();
    await vi.waitFor(() =>
      expect([b, c].map((tab) => tab.poller.getRole()).sort()).toEqual(['following', 'leading']),
    );
    const [leader, follower] = b.poller.getRole() === 'leading' ? [b, c] : [c, b];
    await w.drive(20 * SECOND);
    expect(leader.calls).toEqual([]);
    expect(leader.poller.getSnapshot().status).toBe('error');

    // The follower retries just as the leader's tab goes: the lock comes to it with the retry.
    follower.poller.retry();
    leader.close();
    await untilRole(follower, 'leading');
    await settle();
    expect(follower.calls).toEqual([w.clock.now()]);
    await w.drive(1 * SECOND);
    expect(follower.poller.getSnapshot().status).toBe('polling');
  });

  it('stop() in a follower stops that tab only', async () => {
    const w = world({ queueMs: 10 * SECOND, endMs: 40 * SECOND }, () => 5 * SECOND);
    const a = w.open('A');
    await untilRole(a, 'leading');
    const b = w.open('B');
    const c = w.open('C');
    await w.drive(1 * SECOND);
    c.poller.stop();
    expect(c.poller.getRole()).toBe('stopped');
    const stopped = c.poller.getSnapshot();
    expect(stopped.status).toBe('stopped');
    expect(w.origin.waiting(w.lock)).toBe(1); // only B still waits
    await w.drive(45 * SECOND);
    expect(b.poller.getSnapshot().status).toBe('done');
    expect(c.poller.getSnapshot()).toBe(stopped);
    // It can come back: it joins again (the stream has ended, so it polls once and is done).
    c.poller.retry();
    await settle();
    await w.drive(1 * SECOND);
    expect(c.poller.getSnapshot().status).toBe('done');
    expect(c.calls).toHaveLength(1);
  });

  it('ignores messages that do not hold up, and takes those that do', async () => {
    const w = world();
    const a = w.open('A');
    await untilRole(a, 'leading');
    const b = w.open('B');
    await w.drive(1 * SECOND);
    const shown = b.poller.getSnapshot();
    expect(shown.data?.status).toBe('PENDING');

    const intruder = new BroadcastChannel(w.lock);
    opened.push(intruder);
    const state = (data: unknown, status = 'polling') => ({
      v: 1,
      from: 'intruder',
      kind: 'state',
      state: { status, hasData: true, data, attempt: 0, startedAt: T0 },
    });
    const running = toWireTask({ taskId: 'task-1', status: 'RUNNING' }, 'req-x');
    const succeeded = toWireTask(
      { taskId: 'task-1', status: 'SUCCEEDED', videoUrl: 'https://evil.test/x.mp4' },
      'req-y',
    );
    intruder.postMessage('junk');
    intruder.postMessage({ ...state(running), v: 2 }); // another protocol version
    intruder.postMessage(state({ output: { task_status: 'RUNNING' } })); // not a task body
    intruder.postMessage(
      state(toWireTask({ taskId: 'task-1', status: 'SUCCEEDED' }, 'r')), // SUCCEEDED, no video
    );
    intruder.postMessage(state(running, 'done')); // "done" with a task that is not over
    intruder.postMessage(state(succeeded, 'polling')); // a terminal task that is not "done"
    await settle();
    expect(b.poller.getSnapshot()).toBe(shown);
    expect(b.calls).toEqual([]);

    // A well-formed message is taken (the same channel, so the checks above could have failed).
    intruder.postMessage(state(running));
    await settle();
    expect(b.poller.getSnapshot().data?.status).toBe('RUNNING');
  });

  it('a hidden leader polls at the visible pace while a follower is in view', async () => {
    const w = world({ queueMs: 10 * SECOND, endMs: 300 * SECOND });
    const leaderView = visibilitySwitch(true);
    const followerView = visibilitySwitch(false);
    const a = w.open('A', { visibility: leaderView.source });
    await untilRole(a, 'leading');
    await w.drive(3 * SECOND);
    expect(a.scheduled.at(-1)?.hidden).toBe(true);

    const b = w.open('B', { visibility: followerView.source });
    await settle();
    await w.drive(10 * SECOND);
    expect(a.scheduled.at(-1)?.hidden).toBe(false);

    followerView.set(true);
    await settle();
    const count = a.scheduled.length;
    await w.drive(30 * SECOND);
    expect(a.scheduled.length).toBeGreaterThan(count);
    expect(a.scheduled.at(-1)?.hidden).toBe(true);

    followerView.set(false);
    await settle();
    b.unsubscribe(); // a follower that leaves no longer counts
    await settle();
    const afterLeave = a.scheduled.length;
    await w.drive(30 * SECOND);
    expect(a.scheduled.length).toBeGreaterThan(afterLeave);
    expect(a.scheduled.at(-1)?.hidden).toBe(true);
  });
});

describe('createCrossTabTaskPoller: where tabs cannot coordinate', () => {
  it('without Web Locks (Node, jsdom, old browsers) it is an in-tab poller', async () => {
    const clock = createManualClock(T0);
    const service = taskService(clock, { queueMs: 10 * SECOND, endMs: 40 * SECOND });
    expect((globalThis as { navigator?: { locks?: unknown } }).navigator?.locks).toBeUndefined();
    const make = () =>
      createCrossTabTaskPoller<KeyframeVideoTask>({
        name: 'no-locks:task-1',
        taskId: 'task-1',
        fetcher: (taskId, init) => service.fetch(taskId, init),
        isTerminal: (task) => isTerminalTaskStatus(task.status),
        clock,
        random: () => 0.5,
        visibility: visibilitySwitch().source,
      });
    const first = make();
    const second = make();
    expect(first.getRole()).toBe('local');
    first.subscribe(() => {});
    second.subscribe(() => {});
    await clock.runAllAsync();
    expect(first.getSnapshot().status).toBe('done');
    expect(second.getSnapshot().status).toBe('done');
    expect(service.maxInFlight).toBe(2); // two tabs, two streams: the old behaviour
  });

  it('without BroadcastChannel it is an in-tab poller too', () => {
    const clock = createManualClock(T0);
    const poller = createCrossTabTaskPoller<KeyframeVideoTask>({
      name: 'no-channel:task-1',
      taskId: 'task-1',
      fetcher: () => new Promise<KeyframeVideoTask>(() => {}),
      isTerminal: (task) => isTerminalTaskStatus(task.status),
      clock,
      locks: createFakeLockOrigin().tab('A'),
      openChannel: null,
    });
    expect(poller.getRole()).toBe('local');
  });

  it('when the lock manager refuses (a sandboxed frame), the tab polls on its own', async () => {
    const clock = createManualClock(T0);
    const service = taskService(clock, { queueMs: 10 * SECOND, endMs: 40 * SECOND });
    const refusing: CrossTabLockManager = {
      request: () => Promise.reject(new DOMException('No locks here.', 'SecurityError')),
    };
    const poller = createCrossTabTaskPoller<KeyframeVideoTask>({
      name: `refused-${String(process.pid)}:task-1`,
      taskId: 'task-1',
      fetcher: (taskId, init) => service.fetch(taskId, init),
      isTerminal: (task) => isTerminalTaskStatus(task.status),
      clock,
      random: () => 0.5,
      visibility: visibilitySwitch().source,
      locks: refusing,
      openChannel: (name) => {
        const channel = new BroadcastChannel(name);
        opened.push(channel);
        return channel as unknown as CrossTabChannel;
      },
    });
    poller.subscribe(() => {});
    await settle();
    expect(poller.getRole()).toBe('local');
    await clock.runAllAsync();
    expect(poller.getSnapshot().status).toBe('done');
  });
});

describe('createTaskPoller resumeFrom', () => {
  it("starts from another poller's answer and waits as the schedule says", async () => {
    const clock = createManualClock(T0 + 30 * SECOND);
    const service = taskService(clock, { queueMs: 10 * SECOND, endMs: 60 * SECOND });
    const calls: number[] = [];
    const running: KeyframeVideoTask = { taskId: 'task-1', status: 'RUNNING' };
    const inputs: PollScheduleInput[] = [];
    const poller = createTaskPoller<KeyframeVideoTask>({
      taskId: 'task-1',
      fetcher: (taskId, init) => {
        calls.push(clock.now());
        return service.fetch(taskId, init);
      },
      isTerminal: (task) => isTerminalTaskStatus(task.status),
      getPhase: (task) => task.status,
      clock,
      schedule: (input) => {
        inputs.push(input);
        return 4 * SECOND;
      },
      visibility: visibilitySwitch().source,
      resumeFrom: { data: running, answeredAt: T0 + 28 * SECOND, updatedAt: T0 + 12 * SECOND },
    });
    expect(poller.getSnapshot().data).toBe(running);
    expect(poller.getSnapshot().updatedAt).toBe(T0 + 12 * SECOND);
    poller.subscribe(() => {});
    expect(poller.getSnapshot().status).toBe('polling');
    expect(inputs[0]?.phase).toBe('RUNNING');
    await clock.advanceAsync(2 * SECOND - 1);
    expect(calls).toEqual([]);
    await clock.advanceAsync(1);
    expect(calls).toEqual([T0 + 32 * SECOND]);
    // retry() polls at once: the resume point is used by the first run only.
    poller.stop();
    poller.retry();
    expect(calls).toHaveLength(2);
  });
});
