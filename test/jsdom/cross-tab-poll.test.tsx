// The hooks' cross-tab polling, wired end to end in jsdom: two React roots with their own
// providers play two tabs of one origin (each with its own client `fetch`, counted apart). The
// channel is Node's real BroadcastChannel; jsdom has no Web Locks, so the platform's lock
// manager is played by `test/node/helpers/web-locks.ts`. Everything else is the real path:
// hooks → relay → simulator on one manual clock.
import * as z from 'zod/mini';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createManualClock, type ManualClock } from '../../src/core/index.js';
import { KeyframeVideoProvider, useTaskPoll, type UseTaskPollOptions } from '../../src/index.js';
import { createFakeLockOrigin } from '../node/helpers/web-locks.js';
import { createStack, type Stack } from './helpers/stack.js';
import { fillForm, generateButton, renderStudio, shownStatus } from './helpers/studio.js';

vi.setConfig({ testTimeout: 30_000 });

const containers: HTMLElement[] = [];

beforeEach(() => {
  Object.defineProperty(navigator, 'locks', {
    configurable: true,
    value: createFakeLockOrigin().tab('page'),
  });
});

afterEach(() => {
  cleanup();
  for (const container of containers.splice(0)) container.remove();
  Reflect.deleteProperty(navigator, 'locks');
});

function tab(): HTMLElement {
  const container = document.createElement('div');
  document.body.append(container);
  containers.push(container);
  return container;
}

/** The stack's client fetch, with this tab's task reads counted apart. */
function countingFetch(stack: Stack, gets: number[]): typeof fetch {
  const inner = stack.providerProps().fetch;
  if (!inner) throw new Error('The stack gives a fetch.');
  return (input, init) => {
    if ((init?.method ?? 'GET') === 'GET' && String(input).includes('/tasks/')) {
      gets.push(stack.clock.now());
    }
    return inner(input, init);
  };
}

const PROMPT = 'A kite climbs over a windy beach.';

describe('useKeyframeVideo across tabs', () => {
  test('two tabs on one persisted task poll it once; the second takes over when the first goes', async () => {
    const stack = createStack();
    const getsA: number[] = [];
    const getsB: number[] = [];
    const tabA = tab();
    const a = renderStudio(stack, {
      persistKey: 'studio',
      crossTab: true,
      container: tabA,
      provider: { fetch: countingFetch(stack, getsA) },
    });
    await fillForm(PROMPT, tabA);
    fireEvent.click(generateButton(tabA));
    await stack.advance(1_000);
    expect(shownStatus(tabA)).toBe('queued');

    // The second tab finds the task in storage and follows the first tab's stream.
    const tabB = tab();
    renderStudio(stack, {
      persistKey: 'studio',
      crossTab: true,
      container: tabB,
      provider: { fetch: countingFetch(stack, getsB) },
    });
    expect(shownStatus(tabB)).toBe('queued');
    await stack.advance(30_000);
    expect(shownStatus(tabA)).toBe('running');
    expect(shownStatus(tabB)).toBe('running');
    expect(getsA.length).toBeGreaterThan(0);
    expect(getsB).toEqual([]);
    expect(stack.sent('get')).toHaveLength(getsA.length);

    // The first tab goes away: the second polls from then on, and sees the video.
    a.view.unmount();
    const before = stack.sent('get').length;
    await stack.advance(90_000);
    expect(shownStatus(tabB)).toBe('succeeded');
    expect(getsB.length).toBeGreaterThan(0);
    expect(stack.sent('get').length - before).toBe(getsB.length);
    expect(stack.sim.createCount).toBe(1);
  });

  test('crossTab: false — each tab polls for itself', async () => {
    const stack = createStack();
    const getsA: number[] = [];
    const getsB: number[] = [];
    const tabA = tab();
    renderStudio(stack, {
      persistKey: 'studio',
      crossTab: false,
      container: tabA,
      provider: { fetch: countingFetch(stack, getsA) },
    });
    await fillForm(PROMPT, tabA);
    fireEvent.click(generateButton(tabA));
    await stack.advance(1_000);
    const tabB = tab();
    renderStudio(stack, {
      persistKey: 'studio',
      crossTab: false,
      container: tabB,
      provider: { fetch: countingFetch(stack, getsB) },
    });
    await stack.advance(120_000);
    expect(shownStatus(tabA)).toBe('succeeded');
    expect(shownStatus(tabB)).toBe('succeeded');
    expect(getsA.length).toBeGreaterThan(0);
    expect(getsB.length).toBeGreaterThan(0);
  });
});

const JobSchema = z.object({ id: z.string(), state: z.enum(['running', 'done']) });
type Job = z.infer<typeof JobSchema>;

function JobStatus(props: { id: string; label: string; options: UseTaskPollOptions<Job> }) {
  const poll = useTaskPoll(props.id, props.options);
  return (
    <p aria-label={props.label} data-state={poll.status}>
      {poll.data?.state ?? '-'}
    </p>
  );
}

async function advance(clock: ManualClock, ms: number): Promise<void> {
  const realTurns = async () => {
    for (let i = 0; i < 6; i += 1) await new Promise<void>((resolve) => setTimeout(resolve, 0));
  };
  await act(async () => {
    await realTurns();
    for (let moved = 0; moved < ms; moved += 500) {
      await clock.advanceAsync(Math.min(500, ms - moved));
      await realTurns();
    }
  });
}

describe('useTaskPoll across tabs', () => {
  test('tabs share one stream, and answers from the other tab go through `decode`', async () => {
    const clock = createManualClock(0);
    const fetches = { A: 0, B: 0 };
    const decode = vi.fn((value: unknown) => JobSchema.parse(value));
    const options = (name: 'A' | 'B'): UseTaskPollOptions<Job> => ({
      fetcher: (id) => {
        fetches[name] += 1;
        return Promise.resolve({ id, state: clock.now() >= 20_000 ? 'done' : 'running' });
      },
      isTerminal: (job) => job.state === 'done',
      schedule: () => 5_000,
      crossTab: { decode },
    });
    render(
      <>
        <KeyframeVideoProvider clock={clock}>
          <JobStatus id="job-1" label="Tab A" options={options('A')} />
        </KeyframeVideoProvider>
        <KeyframeVideoProvider clock={clock}>
          <JobStatus id="job-1" label="Tab B" options={options('B')} />
        </KeyframeVideoProvider>
      </>,
    );
    await advance(clock, 1_000);
    const shown = (label: string) => screen.getByLabelText(label);
    expect(shown('Tab A').textContent).toBe('running');
    expect(shown('Tab B').textContent).toBe('running');
    expect(fetches.A + fetches.B).toBe(1);
    await advance(clock, 30_000);
    expect(shown('Tab A').dataset.state).toBe('done');
    expect(shown('Tab B').dataset.state).toBe('done');
    expect(shown('Tab B').textContent).toBe('done');
    // One stream (every 5 s until 20 s): the requests of one tab, not two.
    expect(fetches.A + fetches.B).toBe(5);
    expect(Math.min(fetches.A, fetches.B)).toBe(0);
    expect(decode).toHaveBeenCalled();
  });
});
