// useTaskPoll: a generic task followed to its end, shared poll streams, renders only on change,
// elapsed time computed at render, stop/refresh, and cleanup on unmount. The task here is an
// app's own job API (a small in-test service on a manual clock), and a real DashScope task
// through the relay.
import { Profiler, type ReactNode } from 'react';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import {
  createKeyframeVideoClient,
  createManualClock,
  isTerminalTaskStatus,
  KeyframeVideoError,
  type KeyframeVideoTask,
  type ManualClock,
} from '../../src/core/index.js';
import { KeyframeVideoProvider, useTaskPoll, type UseTaskPollOptions } from '../../src/index.js';
import { createStack, fixtureDataUrl } from './helpers/stack.js';

// Whole jobs through relay and simulator: quick alone, slower on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

afterEach(cleanup);

interface Job {
  id: string;
  state: 'waiting' | 'working' | 'done';
  result?: string;
}

/** An app's job service: jobs change state at set times; every fetch is recorded. */
function createJobService(clock: ManualClock) {
  const fetches: { id: string; at: number; signal: AbortSignal }[] = [];
  const plan = new Map<string, { workingAt: number; doneAt: number }>();
  let failures: KeyframeVideoError[] = [];
  return {
    fetches,
    add(id: string, workingAt: number, doneAt: number) {
      plan.set(id, { workingAt, doneAt });
    },
    failNext(...errors: KeyframeVideoError[]) {
      failures = errors;
    },
    fetcher: async (id: string, { signal }: { signal: AbortSignal }): Promise<Job> => {
      fetches.push({ id, at: clock.now(), signal });
      await Promise.resolve();
      const failure = failures.shift();
      if (failure) throw failure;
      const times = plan.get(id);
      if (!times) throw new KeyframeVideoError({ code: 'NotFound', status: 404 });
      const now = clock.now();
      // A fresh object each time, as JSON from a server would be.
      if (now >= times.doneAt) return { id, state: 'done', result: `video-${id}.mp4` };
      return { id, state: now >= times.workingAt ? 'working' : 'waiting' };
    },
  };
}

function jobOptions(
  service: ReturnType<typeof createJobService>,
  extra: Partial<UseTaskPollOptions<Job>> = {},
): UseTaskPollOptions<Job> {
  return {
    fetcher: service.fetcher,
    isTerminal: (job) => job.state === 'done',
    schedule: () => 1_000,
    ...extra,
  };
}

function JobStatus(props: {
  id: string | null;
  service: ReturnType<typeof createJobService>;
  label: string;
  options?: Partial<UseTaskPollOptions<Job>>;
}) {
  const poll = useTaskPoll(props.id, jobOptions(props.service, props.options));
  return (
    <section aria-label={props.label} data-state={poll.status}>
      <p>{poll.data?.state ?? 'no answer yet'}</p>
      <p>elapsed {poll.elapsedMs === undefined ? '–' : Math.round(poll.elapsedMs / 1000)} s</p>
      {poll.nextPollAt !== undefined && <p>next at {poll.nextPollAt}</p>}
      {poll.error && <p role="alert">{poll.error.code}</p>}
      <button type="button" onClick={poll.stop}>
        Stop {props.label}
      </button>
      <button type="button" onClick={poll.refresh}>
        Refresh {props.label}
      </button>
    </section>
  );
}

function withClock(clock: ManualClock, children: ReactNode) {
  return (
    <KeyframeVideoProvider clock={clock} random={() => 0.5}>
      {children}
    </KeyframeVideoProvider>
  );
}

async function advance(clock: ManualClock, ms: number) {
  await act(() => clock.advanceAsync(ms));
}

function region(label: string): HTMLElement {
  return screen.getByRole('region', { name: label });
}

describe('useTaskPoll', () => {
  test('with no task it is idle and fetches nothing', async () => {
    const clock = createManualClock(1_000);
    const service = createJobService(clock);
    render(withClock(clock, <JobStatus id={null} service={service} label="Job" />));
    await advance(clock, 60_000);
    expect(region('Job').getAttribute('data-state')).toBe('idle');
    expect(screen.getByText('elapsed – s')).toBeTruthy();
    expect(service.fetches).toHaveLength(0);
  });

  test('follows a task to its end; elapsed is computed at render and frozen at the end', async () => {
    const clock = createManualClock(1_000);
    const service = createJobService(clock);
    service.add('a', 3_000, 6_000);
    render(withClock(clock, <JobStatus id="a" service={service} label="Job" />));
    await advance(clock, 0);
    expect(region('Job').getAttribute('data-state')).toBe('polling');
    expect(screen.getByText('waiting')).toBeTruthy();
    await advance(clock, 2_000);
    expect(screen.getByText('working')).toBeTruthy();
    expect(screen.getByText('elapsed 2 s')).toBeTruthy();
    await advance(clock, 10_000);
    expect(region('Job').getAttribute('data-state')).toBe('done');
    expect(screen.getByText('done')).toBeTruthy();
    // It stopped at the final answer, which arrived 5 s after it started.
    expect(screen.getByText('elapsed 5 s')).toBeTruthy();
    expect(service.fetches.map((fetch) => fetch.at)).toEqual([
      1_000, 2_000, 3_000, 4_000, 5_000, 6_000,
    ]);
  });

  test('hooks on the same task share one poll stream; another scope is another stream', async () => {
    const clock = createManualClock(0);
    const service = createJobService(clock);
    service.add('a', 5_000, 20_000);
    render(
      withClock(
        clock,
        <>
          <JobStatus id="a" service={service} label="Header" />
          <JobStatus id="a" service={service} label="Panel" />
        </>,
      ),
    );
    await advance(clock, 9_500);
    expect(service.fetches.map((fetch) => fetch.at)).toEqual([
      0, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 9_000,
    ]);
    expect(region('Header').textContent).toContain('working');
    expect(region('Panel').textContent).toContain('working');
    cleanup();

    const separate = createJobService(clock);
    separate.add('b', 5_000, 20_000);
    render(
      withClock(
        clock,
        <>
          <JobStatus id="b" service={separate} label="One" options={{ scope: 'one' }} />
          <JobStatus id="b" service={separate} label="Two" options={{ scope: 'two' }} />
        </>,
      ),
    );
    await advance(clock, 500);
    expect(separate.fetches).toHaveLength(2);
  });

  test('renders only when the snapshot changes: 50 polls of an unchanged state render nothing', async () => {
    const clock = createManualClock(0);
    const service = createJobService(clock);
    service.add('a', 2_000, 60_000);
    let renders = 0;
    render(
      withClock(
        clock,
        <Profiler id="job" onRender={() => (renders += 1)}>
          <JobStatus id="a" service={service} label="Job" />
        </Profiler>,
      ),
    );
    await advance(clock, 5_000);
    expect(screen.getByText('working')).toBeTruthy();
    const before = renders;
    const fetchesBefore = service.fetches.length;
    await advance(clock, 50_000);
    expect(service.fetches.length - fetchesBefore).toBe(50);
    expect(renders).toBe(before);
    await advance(clock, 10_000);
    expect(region('Job').getAttribute('data-state')).toBe('done');
    // The mount, then one render per change: polling, the first answer, working, done.
    expect(renders).toBeLessThanOrEqual(5);
  });

  test('tick re-renders on a timer for a moving elapsed time; without it, nothing ticks', async () => {
    const clock = createManualClock(0);
    const service = createJobService(clock);
    service.add('a', 0, 600_000);
    render(
      withClock(
        clock,
        <>
          <JobStatus
            id="a"
            service={service}
            label="Ticking"
            options={{ tick: 1_000, schedule: () => 60_000, scope: 'ticking' }}
          />
          <JobStatus
            id="a"
            service={service}
            label="Still"
            options={{ schedule: () => 60_000, scope: 'still' }}
          />
        </>,
      ),
    );
    await advance(clock, 0);
    await advance(clock, 7_000);
    expect(region('Ticking').textContent).toContain('elapsed 7 s');
    expect(region('Still').textContent).toContain('elapsed 0 s');
  });

  test('a failure is `retrying` with the wait; Retry-After is honoured (also over a custom schedule)', async () => {
    const clock = createManualClock(0);
    const service = createJobService(clock);
    service.add('a', 0, 30_000);
    service.failNext(
      new KeyframeVideoError({ code: 'Throttling', status: 429, retryAfterMs: 5_000 }),
    );
    render(withClock(clock, <JobStatus id="a" service={service} label="Job" />));
    await advance(clock, 0);
    expect(region('Job').getAttribute('data-state')).toBe('retrying');
    expect(screen.getByRole('alert').textContent).toBe('Throttling');
    expect(screen.getByText('next at 5000')).toBeTruthy();
    await advance(clock, 4_999);
    expect(service.fetches).toHaveLength(1);
    await advance(clock, 1);
    expect(service.fetches).toHaveLength(2);
    expect(region('Job').getAttribute('data-state')).toBe('polling');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  test('stop() aborts the request in flight and stops; refresh() starts again', async () => {
    const clock = createManualClock(0);
    const service = createJobService(clock);
    service.add('a', 0, 30_000);
    render(withClock(clock, <JobStatus id="a" service={service} label="Job" />));
    await advance(clock, 0);
    // The next request is in flight when the user stops.
    await act(async () => {
      clock.advance(1_000);
      fireEvent.click(screen.getByRole('button', { name: 'Stop Job' }));
    });
    expect(service.fetches.at(-1)?.signal.aborted).toBe(true);
    expect(region('Job').getAttribute('data-state')).toBe('stopped');
    await advance(clock, 60_000);
    expect(service.fetches).toHaveLength(2);

    fireEvent.click(screen.getByRole('button', { name: 'Refresh Job' }));
    await advance(clock, 0);
    expect(service.fetches).toHaveLength(3);
    expect(region('Job').getAttribute('data-state')).toBe('done');
  });

  test('unmounting aborts the request in flight and polls no more', async () => {
    const clock = createManualClock(0);
    const service = createJobService(clock);
    service.add('a', 0, 30_000);
    const view = render(withClock(clock, <JobStatus id="a" service={service} label="Job" />));
    await advance(clock, 0);
    clock.advance(1_000);
    expect(service.fetches).toHaveLength(2);
    view.unmount();
    await advance(clock, 0);
    expect(service.fetches[1]?.signal.aborted).toBe(true);
    await advance(clock, 60_000);
    expect(service.fetches).toHaveLength(2);
  });

  test('a DashScope task through the relay, with the client as fetcher', async () => {
    const stack = createStack();
    const client = createKeyframeVideoClient({
      endpoint: '/api/keyframe-video',
      fetch: stack.providerProps().fetch,
      headers: { Authorization: 'Bearer alice' },
      clock: stack.clock,
    });
    const created = await client.create({
      model: 'wan2.2-kf2v-flash',
      firstFrameUrl: fixtureDataUrl('valid-640x480.jpg'),
    });

    function Task() {
      const poll = useTaskPoll<KeyframeVideoTask>(created.taskId, {
        fetcher: (id, init) => client.get(id, init),
        isTerminal: (task) => isTerminalTaskStatus(task.status),
        getPhase: (task) => task.status,
        // Each answer carries a new request id: that alone is not news.
        isEqual: (a, b) => a.status === b.status && a.videoUrl === b.videoUrl,
        scope: 'dashscope',
      });
      return (
        <p role="status" data-state={poll.status}>
          {poll.data?.status ?? '…'}
        </p>
      );
    }
    render(
      <KeyframeVideoProvider {...stack.providerProps()}>
        <Task />
      </KeyframeVideoProvider>,
    );
    await stack.settle();
    expect(screen.getByRole('status').textContent).toBe('PENDING');
    await stack.advance(120_000);
    expect(screen.getByRole('status').textContent).toBe('SUCCEEDED');
    expect(screen.getByRole('status').getAttribute('data-state')).toBe('done');
  });
});
