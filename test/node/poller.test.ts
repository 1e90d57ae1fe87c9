import { describe, expect, it } from 'vitest';
import {
  KeyframeVideoError,
  createManualClock,
  createPollerRegistry,
  createTaskPoller,
} from '../../src/core/index.js';
import { visibilitySwitch } from './helpers/visibility-switch.js';
import type {
  ManualClock,
  PollScheduleInput,
  TaskPollSnapshot,
  TaskPollerOptions,
} from '../../src/core/index.js';

type Status = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
interface Task {
  id: string;
  status: Status;
}

const SECOND = 1_000;

/**
 * A fake task service on the manual clock: PENDING until `queueMs`, RUNNING until `endMs`, then
 * SUCCEEDED. Answers after `latencyMs` (on the clock) and honours the abort signal.
 */
function taskService(
  clock: ManualClock,
  timing: { queueMs: number; endMs: number },
  latencyMs = 100,
) {
  const calls: { at: number; signal: AbortSignal }[] = [];
  let failures: unknown[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const fetcher = (taskId: string, init: { signal: AbortSignal }): Promise<Task> => {
    calls.push({ at: clock.now(), signal: init.signal });
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const failure = failures.shift();
    return new Promise<Task>((resolve, reject) => {
      const handle = clock.setTimeout(() => {
        inFlight -= 1;
        if (failure !== undefined) {
          reject(failure);
          return;
        }
        const now = clock.now();
        const status: Status =
          now < timing.queueMs ? 'PENDING' : now < timing.endMs ? 'RUNNING' : 'SUCCEEDED';
        resolve({ id: taskId, status });
      }, latencyMs);
      init.signal.addEventListener('abort', () => {
        inFlight -= 1;
        clock.clearTimeout(handle);
        reject(init.signal.reason);
      });
    });
  };
  return {
    fetcher,
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
    failNext(...errors: unknown[]) {
      failures = [...failures, ...errors];
    },
  };
}

function basePoller(
  clock: ManualClock,
  service: ReturnType<typeof taskService>,
  extra: Partial<TaskPollerOptions<Task>> = {},
) {
  return createTaskPoller<Task>({
    taskId: 'task-1',
    fetcher: service.fetcher,
    isTerminal: (task) => task.status === 'SUCCEEDED' || task.status === 'FAILED',
    getPhase: (task) => task.status,
    clock,
    visibility: visibilitySwitch().source,
    random: () => 0.5,
    ...extra,
  });
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

describe('createTaskPoller', () => {
  it('is idle and makes no request until someone subscribes', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 5 * SECOND, endMs: 60 * SECOND });
    const poller = basePoller(clock, service);
    await clock.advanceAsync(10 * SECOND);
    expect(poller.getSnapshot().status).toBe('idle');
    expect(service.calls).toHaveLength(0);
  });

  it('polls a task to its terminal state, then stops with no timer left', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 5 * SECOND, endMs: 100 * SECOND });
    const poller = basePoller(clock, service);
    const statuses: string[] = [];
    poller.subscribe(() => {
      const s = poller.getSnapshot();
      statuses.push(`${s.status}:${s.data?.status ?? '-'}`);
    });
    expect(service.calls).toHaveLength(1);
    await clock.runAllAsync();
    const snapshot = poller.getSnapshot();
    expect(snapshot.status).toBe('done');
    expect(snapshot.data).toEqual({ id: 'task-1', status: 'SUCCEEDED' });
    expect(snapshot.updatedAt).toBeGreaterThanOrEqual(100 * SECOND);
    expect(clock.pending).toBe(0);
    expect(statuses[0]).toBe('polling:-');
    expect(statuses.at(-1)).toBe('done:SUCCEEDED');
    expect(statuses).toContain('polling:PENDING');
    expect(statuses).toContain('polling:RUNNING');
    const calls = service.calls.length;
    await clock.advanceAsync(10 * 60 * SECOND);
    expect(service.calls).toHaveLength(calls);
    expect(service.maxInFlight).toBe(1);
  });

  it('keeps one request in flight however often refresh() is called', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 0, endMs: 60 * SECOND }, 10 * SECOND);
    const poller = basePoller(clock, service, { schedule: () => 1_000 });
    poller.subscribe(() => {});
    for (let i = 0; i < 5; i += 1) {
      poller.refresh();
      await clock.advanceAsync(SECOND);
    }
    expect(service.calls).toHaveLength(1);
    await clock.advanceAsync(5 * SECOND); // the slow answer arrives at 10 s, next poll at 11 s
    expect(service.calls).toHaveLength(1);
    await clock.advanceAsync(1 * SECOND);
    expect(service.calls).toHaveLength(2);
    poller.refresh(); // joins the request in flight
    expect(service.calls).toHaveLength(2);
    expect(service.maxInFlight).toBe(1);
  });

  it('refresh() polls at once when nothing is in flight', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 0, endMs: 10 * 60 * SECOND });
    const poller = basePoller(clock, service, { schedule: () => 60_000 });
    poller.subscribe(() => {});
    await clock.advanceAsync(SECOND);
    expect(service.calls).toHaveLength(1);
    poller.refresh();
    expect(service.calls).toHaveLength(2);
    await clock.advanceAsync(SECOND);
    expect(clock.pending).toBe(1); // one timer only: the refreshed poll replaced the old one
  });

  it('stop() aborts the request in flight and leaves no timer', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 0, endMs: 60 * SECOND }, 5 * SECOND);
    const poller = basePoller(clock, service);
    poller.subscribe(() => {});
    const first = service.calls[0];
    expect(first?.signal.aborted).toBe(false);
    poller.stop();
    expect(first?.signal.aborted).toBe(true);
    expect(poller.getSnapshot().status).toBe('stopped');
    expect(clock.pending).toBe(0);
    await clock.advanceAsync(10 * 60 * SECOND);
    expect(service.calls).toHaveLength(1);
    expect(poller.getSnapshot().status).toBe('stopped');
  });

  it('retries retryable failures with backoff, then recovers', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 0, endMs: 10 * 60 * SECOND });
    const poller = basePoller(clock, service);
    service.failNext(
      new KeyframeVideoError({ code: 'InternalError', status: 500 }),
      new TypeError('Failed to fetch'),
    );
    poller.subscribe(() => {});
    await clock.advanceAsync(100);
    let snapshot = poller.getSnapshot();
    expect(snapshot.status).toBe('retrying');
    expect(snapshot.attempt).toBe(1);
    expect(snapshot.error?.code).toBe('InternalError');
    expect(snapshot.nextPollAt).toBe(clock.now() + 750); // 1 s base, jitter 0.5 × random 0.5
    await clock.advanceAsync(850);
    snapshot = poller.getSnapshot();
    expect(snapshot.status).toBe('retrying');
    expect(snapshot.attempt).toBe(2);
    expect(snapshot.error?.code).toBe('NetworkError');
    expect(snapshot.nextPollAt).toBe(clock.now() + 1_500);
    await clock.advanceAsync(1_600);
    snapshot = poller.getSnapshot();
    expect(snapshot.status).toBe('polling');
    expect(snapshot.attempt).toBe(0);
    expect(snapshot.error).toBeUndefined();
    expect(snapshot.nextPollAt).toBeUndefined();
    expect(snapshot.data?.status).toBe('RUNNING');
  });

  it('waits at least as long as Retry-After asks', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 0, endMs: 10 * 60 * SECOND });
    const poller = basePoller(clock, service);
    service.failNext(
      new KeyframeVideoError({ code: 'Throttling', status: 429, retryAfterMs: 20_000 }),
    );
    poller.subscribe(() => {});
    await clock.advanceAsync(100);
    expect(poller.getSnapshot().nextPollAt).toBe(clock.now() + 20_000);
    await clock.advanceAsync(19_999);
    expect(service.calls).toHaveLength(1);
    await clock.advanceAsync(1);
    expect(service.calls).toHaveLength(2);
  });

  it('gives up at once on a non-retryable failure', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 0, endMs: 60 * SECOND });
    const poller = basePoller(clock, service);
    service.failNext(new KeyframeVideoError({ code: 'InvalidApiKey', status: 401 }));
    poller.subscribe(() => {});
    await clock.runAllAsync();
    const snapshot = poller.getSnapshot();
    expect(snapshot.status).toBe('error');
    expect(snapshot.error?.code).toBe('InvalidApiKey');
    expect(snapshot.error?.retryable).toBe(false);
    expect(service.calls).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('gives up with PollBudgetExceeded after too many failures, and retry() resumes', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 0, endMs: 2 * 60 * SECOND });
    const poller = basePoller(clock, service, { maxConsecutiveErrors: 3 });
    const outage = () => new KeyframeVideoError({ code: 'ModelUnavailable', status: 503 });
    service.failNext(outage(), outage(), outage());
    poller.subscribe(() => {});
    await clock.runAllAsync();
    const failed = poller.getSnapshot();
    expect(failed.status).toBe('error');
    expect(failed.error?.code).toBe('PollBudgetExceeded');
    expect(failed.error?.cause).toBeInstanceOf(KeyframeVideoError);
    expect(failed.attempt).toBe(3);
    expect(service.calls).toHaveLength(3);
    expect(clock.pending).toBe(0);

    poller.retry();
    expect(poller.getSnapshot().status).toBe('polling');
    expect(poller.getSnapshot().error).toBeUndefined();
    await clock.runAllAsync();
    expect(poller.getSnapshot().status).toBe('done');
    expect(poller.getSnapshot().data?.status).toBe('SUCCEEDED');
  });

  it('gives up when a run outlasts maxTotalMs', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 0, endMs: Infinity });
    const poller = basePoller(clock, service, { maxTotalMs: 5 * 60 * SECOND });
    poller.subscribe(() => {});
    await clock.runAllAsync();
    expect(poller.getSnapshot().status).toBe('error');
    expect(poller.getSnapshot().error?.code).toBe('PollBudgetExceeded');
    expect(clock.now()).toBeGreaterThanOrEqual(5 * 60 * SECOND);
    expect(clock.now()).toBeLessThan(5 * 60 * SECOND + 40 * SECOND);
  });

  it('keeps the same snapshot across 50 polls of unchanged data, and notifies no one', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 0, endMs: Infinity });
    const poller = basePoller(clock, service, { schedule: () => 1_000 });
    let notified = 0;
    poller.subscribe(() => {
      notified += 1;
    });
    await clock.advanceAsync(500); // first answer: RUNNING
    const settled = poller.getSnapshot();
    expect(settled.data?.status).toBe('RUNNING');
    const notifiedBefore = notified;
    const callsBefore = service.calls.length;
    await clock.advanceAsync(50 * 1_100);
    expect(service.calls.length - callsBefore).toBeGreaterThanOrEqual(50);
    expect(poller.getSnapshot()).toBe(settled);
    expect(notified).toBe(notifiedBefore);
  });

  it('replaces data only when it differs structurally (or by isEqual)', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 3 * SECOND, endMs: Infinity });
    const poller = basePoller(clock, service, { schedule: () => 1_000 });
    poller.subscribe(() => {});
    await clock.advanceAsync(500);
    const pending = poller.getSnapshot();
    expect(pending.data?.status).toBe('PENDING');
    await clock.advanceAsync(1_100);
    expect(poller.getSnapshot()).toBe(pending);
    await clock.advanceAsync(2_200);
    const running = poller.getSnapshot();
    expect(running).not.toBe(pending);
    expect(running.data?.status).toBe('RUNNING');
    expect(running.updatedAt).toBeGreaterThan(pending.updatedAt ?? Infinity);
    expect(Object.isFrozen(running)).toBe(true);

    const clock2 = createManualClock(0);
    const service2 = taskService(clock2, { queueMs: 3 * SECOND, endMs: Infinity });
    const byId = basePoller(clock2, service2, {
      schedule: () => 1_000,
      isEqual: (a, b) => a.id === b.id,
    });
    byId.subscribe(() => {});
    await clock2.advanceAsync(500);
    const first = byId.getSnapshot();
    await clock2.advanceAsync(5_000);
    expect(byId.getSnapshot()).toBe(first); // RUNNING now, but isEqual says "same"
  });

  it('does not send a second request when a subscriber leaves and one comes back in the same tick', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 0, endMs: 60 * SECOND }, 2 * SECOND);
    const poller = basePoller(clock, service);
    // React StrictMode: subscribe, unsubscribe, subscribe again, all synchronously.
    const unsubscribe = poller.subscribe(() => {});
    unsubscribe();
    const unsubscribeAgain = poller.subscribe(() => {});
    await flushMicrotasks();
    expect(service.calls).toHaveLength(1);
    expect(service.calls[0]?.signal.aborted).toBe(false);
    expect(poller.getSnapshot().status).toBe('polling');

    // A real departure tears down after the microtask: the request is aborted, the poller idles.
    unsubscribeAgain();
    expect(service.calls[0]?.signal.aborted).toBe(false);
    await flushMicrotasks();
    expect(service.calls[0]?.signal.aborted).toBe(true);
    expect(poller.getSnapshot().status).toBe('idle');
    expect(clock.pending).toBe(0);

    // And a later subscriber starts it again.
    poller.subscribe(() => {});
    expect(service.calls).toHaveLength(2);
  });

  it('passes phase, elapsed time, phase time and the expected duration to the schedule', async () => {
    const clock = createManualClock(1_000_000);
    const service = taskService(clock, { queueMs: 1_000_000 + 15 * SECOND, endMs: Infinity }, 0);
    const inputs: PollScheduleInput[] = [];
    let expectedAsked = 0;
    const poller = basePoller(clock, service, {
      startedAt: 1_000_000 - 30 * SECOND, // resumed: submitted 30 s before the poller was made
      expectedDurationMs: () => {
        expectedAsked += 1;
        return 123_000;
      },
      schedule: (input) => {
        inputs.push(input);
        return 10 * SECOND;
      },
    });
    poller.subscribe(() => {});
    await clock.advanceAsync(25 * SECOND);
    expect(inputs.map((i) => i.phase)).toEqual(['PENDING', 'PENDING', 'RUNNING']);
    expect(inputs[0]?.elapsedMs).toBe(30 * SECOND);
    expect(inputs[2]?.elapsedMs).toBe(50 * SECOND);
    expect(inputs[0]?.phaseElapsedMs).toBeUndefined();
    // RUNNING first seen at 20 s; the last PENDING answer was requested at 10 s.
    expect(inputs[2]?.phaseElapsedMs).toBe(10 * SECOND);
    expect(inputs[2]?.expectedDurationMs).toBe(123_000);
    expect(inputs[2]?.attempt).toBe(0);
    expect(inputs[2]?.hidden).toBe(false);
    expect(expectedAsked).toBe(3);
    expect(poller.getSnapshot().startedAt).toBe(1_000_000 - 30 * SECOND);
  });

  it('understands queued/running phases in any case, and treats other phases as unknown', async () => {
    const clock = createManualClock(0);
    const answers = ['queued', 'Running', 'uploading'];
    const phases: string[] = [];
    const poller = createTaskPoller<string>({
      taskId: 'task-1',
      fetcher: () => Promise.resolve(answers.shift() ?? 'done'),
      isTerminal: (phase) => phase === 'done',
      getPhase: (phase) => phase,
      clock,
      visibility: visibilitySwitch().source,
      schedule: (input) => {
        phases.push(input.phase);
        return SECOND;
      },
    });
    poller.subscribe(() => {});
    await clock.runAllAsync();
    expect(phases).toEqual(['PENDING', 'RUNNING', 'unknown']);
    expect(poller.getSnapshot().status).toBe('done');
  });

  it('slows down while the page is hidden and polls promptly when it is shown again', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 0, endMs: Infinity }, 0);
    const page = visibilitySwitch();
    const poller = basePoller(clock, service, {
      visibility: page.source,
      schedule: (input) => (input.hidden ? 60 * SECOND : 5 * SECOND),
    });
    poller.subscribe(() => {});
    expect(page.listeners).toBe(1);
    await clock.advanceAsync(0);
    expect(service.calls.map((c) => c.at)).toEqual([0]);
    page.set(true);
    await clock.advanceAsync(5 * SECOND); // poll at 5 s, next wait is the hidden one
    expect(service.calls.map((c) => c.at)).toEqual([0, 5_000]);
    await clock.advanceAsync(30 * SECOND);
    expect(service.calls).toHaveLength(2);
    page.set(false); // at 35 s: the visible pace says "overdue", so poll now
    await clock.advanceAsync(0);
    expect(service.calls.map((c) => c.at)).toEqual([0, 5_000, 35_000]);
    await clock.advanceAsync(5 * SECOND);
    expect(service.calls.map((c) => c.at)).toEqual([0, 5_000, 35_000, 40_000]);
    poller.stop();
    expect(page.listeners).toBe(0);
  });

  it('reports a listener that throws without breaking the poll loop', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 0, endMs: 30 * SECOND });
    const poller = basePoller(clock, service);
    const reported: unknown[] = [];
    const onError = (error: unknown) => reported.push(error);
    process.on('uncaughtException', onError);
    try {
      poller.subscribe(() => {
        throw new Error('render bug');
      });
      const seen: TaskPollSnapshot<Task>[] = [];
      poller.subscribe(() => seen.push(poller.getSnapshot()));
      await clock.runAllAsync();
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(poller.getSnapshot().status).toBe('done');
      expect(seen.at(-1)?.status).toBe('done');
      expect(reported.length).toBeGreaterThan(0);
    } finally {
      process.off('uncaughtException', onError);
    }
  });
});

describe('createPollerRegistry', () => {
  it('shares one poll stream between two subscribers of one task', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 5 * SECOND, endMs: 90 * SECOND });
    const registry = createPollerRegistry();
    let created = 0;
    const make = () => {
      created += 1;
      return basePoller(clock, service);
    };
    const first = registry.get('task-1', make);
    const second = registry.get('task-1', make);
    expect(second).toBe(first);
    expect(created).toBe(1);
    const seenA: string[] = [];
    const seenB: string[] = [];
    const stopA = first.subscribe(() => seenA.push(first.getSnapshot().status));
    const stopB = second.subscribe(() => seenB.push(second.getSnapshot().status));
    await clock.runAllAsync();
    expect(seenA.at(-1)).toBe('done');
    expect(seenB.at(-1)).toBe('done');

    // The same task polled alone takes the same number of requests: one stream, not two.
    const soloClock = createManualClock(0);
    const soloService = taskService(soloClock, { queueMs: 5 * SECOND, endMs: 90 * SECOND });
    basePoller(soloClock, soloService).subscribe(() => {});
    await soloClock.runAllAsync();
    expect(service.calls.length).toBe(soloService.calls.length);
    expect(service.maxInFlight).toBe(1);

    expect(registry.size).toBe(1);
    stopA();
    await flushMicrotasks();
    expect(registry.size).toBe(1);
    stopB();
    await flushMicrotasks();
    expect(registry.size).toBe(0);
    registry.get('task-1', make);
    expect(created).toBe(2);
  });

  it('keeps an entry whose subscriber re-subscribes in the same tick', async () => {
    const clock = createManualClock(0);
    const service = taskService(clock, { queueMs: 0, endMs: 60 * SECOND }, SECOND);
    const registry = createPollerRegistry();
    const poller = registry.get('task-1', () => basePoller(clock, service));
    poller.subscribe(() => {})();
    const again = registry.get('task-1', () => basePoller(clock, service));
    again.subscribe(() => {});
    await flushMicrotasks();
    expect(again).toBe(poller);
    expect(registry.size).toBe(1);
    expect(service.calls).toHaveLength(1);
  });
});

describe('createManualClock', () => {
  it('fires due timers in time order (ties in the order set), with now() at each due time', () => {
    const clock = createManualClock(100);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${String(clock.now())}`), 20);
    clock.setTimeout(() => fired.push(`a@${String(clock.now())}`), 10);
    clock.setTimeout(() => fired.push(`c@${String(clock.now())}`), 20);
    const cleared = clock.setTimeout(() => fired.push('never'), 15);
    clock.clearTimeout(cleared);
    clock.clearTimeout('not a handle');
    expect(clock.pending).toBe(3);
    clock.advance(15);
    expect(fired).toEqual(['a@110']);
    expect(clock.now()).toBe(115);
    clock.advance(5);
    expect(fired).toEqual(['a@110', 'b@120', 'c@120']);
    expect(clock.pending).toBe(0);
  });

  it('runs timers set by timers within the same advance, and lets promises settle in advanceAsync', async () => {
    const clock = createManualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
    }, 5);
    clock.advance(10);
    expect(fired).toEqual([5, 10]);

    const chained: number[] = [];
    const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms));
    void (async () => {
      await sleep(1_000);
      chained.push(clock.now());
      await sleep(1_000);
      chained.push(clock.now());
    })();
    await clock.advanceAsync(2_000);
    expect(chained).toEqual([1_010, 2_010]);
  });

  it('stops a timer loop that never ends instead of hanging', async () => {
    const clock = createManualClock(0);
    const loop = (): void => {
      clock.setTimeout(loop, 1_000);
    };
    loop();
    expect(() => clock.runAll(50)).toThrow(KeyframeVideoError);
    await expect(clock.runAllAsync(50)).rejects.toThrow(/never ends/);
  });
});
