// No video is ever paid twice: StrictMode, fast double clicks, remounts mid-flight and two tabs
// all end in one upstream create, asserted with the simulator's `createCount` (and, where the
// relay's Idempotency-Key handling could hide a second request, with the requests themselves).
import { Profiler } from 'react';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { createMemoryStorage, type StorageLike } from '../../src/core/index.js';
import { KeyframeVideoProvider, type UseKeyframeVideoResult } from '../../src/index.js';
import { createStack, polledUpstreamIds } from './helpers/stack.js';
import {
  fillForm,
  framesSettled,
  generateButton,
  promptField,
  renderStudio,
  shownStatus,
  Studio,
} from './helpers/studio.js';

const containers: HTMLElement[] = [];
// Whole jobs through relay and simulator: quick alone, slower on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

afterEach(() => {
  cleanup();
  for (const container of containers.splice(0)) container.remove();
});

function tab(): HTMLElement {
  const container = document.createElement('div');
  document.body.append(container);
  containers.push(container);
  return container;
}

const PROMPT = 'Two hands let go of a red balloon.';

describe('one video, one charge', () => {
  test('StrictMode: one create and one poll stream', async () => {
    const stack = createStack();
    renderStudio(stack, { strict: true, persistKey: 'studio' });
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.advance(120_000);
    expect(shownStatus()).toBe('succeeded');
    expect(stack.sent('create')).toHaveLength(1);
    expect(stack.sim.createCount).toBe(1);
    // Never two polls at once: StrictMode's double subscribe did not start a second stream.
    const times = stack.sent('get').map((request) => request.at);
    expect(new Set(times).size).toBe(times.length);
  });

  test('a fast double click (and a double submit()) sends one create', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    const button = generateButton();
    fireEvent.click(button);
    fireEvent.click(button);
    const { submit } = studio.current;
    expect(submit()).toBe(false);
    await stack.advance(120_000);
    expect(shownStatus()).toBe('succeeded');
    expect(stack.sent('create')).toHaveLength(1);
    expect(stack.sim.createCount).toBe(1);
  });

  test('unmount and remount during `submitting`: the same key again, one create, the same task', async () => {
    const stack = createStack();
    // The create answer is held: the component goes away while it is on its way.
    stack.sim.inject({ kind: 'delay', ms: 5_000 }, { route: 'create' });
    const first = renderStudio(stack, { persistKey: 'studio' });
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.settle();
    expect(shownStatus()).toBe('submitting');
    const [sent] = stack.sent('create');
    expect(sent?.settled).toBe(false);
    first.view.unmount();
    await stack.settle();
    expect(sent?.signal?.aborted).toBe(true);

    // The page comes back (StrictMode, as in development) while the first create still waits.
    const second = renderStudio(stack, { persistKey: 'studio', strict: true });
    expect(shownStatus()).toBe('submitting');
    expect(promptField().value).toBe(PROMPT);
    await stack.advance(6_000);
    expect(shownStatus()).toBe('queued');

    const creates = stack.sent('create');
    expect(creates).toHaveLength(2);
    expect(creates[1]?.idempotencyKey).toBe(creates[0]?.idempotencyKey);
    expect(stack.sim.createCount).toBe(1);
    const replayed = stack.relayEvents.filter(
      (event) => event.type === 'relay.request' && event.route === 'create' && event.replayed,
    );
    expect(replayed).toHaveLength(1);

    await stack.advance(120_000);
    expect(shownStatus()).toBe('succeeded');
    expect(second.current.frames.first.status).toBe('ready');
    expect(polledUpstreamIds(stack)).toEqual(new Set([stack.sim.tasks()[0]?.taskId]));
    expect(stack.sim.createCount).toBe(1);
  });

  test('unmount and remount during `running`: polling resumes on the same task, no create', async () => {
    const stack = createStack();
    const first = renderStudio(stack, { persistKey: 'studio' });
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.advance(35_000);
    expect(shownStatus()).toBe('running');
    const taskId = first.current.taskId;
    first.view.unmount();
    await stack.advance(10_000);

    const second = renderStudio(stack, { persistKey: 'studio' });
    // Shown at once from what was saved, then confirmed by the first poll.
    expect(shownStatus()).toBe('running');
    expect(second.current.taskId).toBe(taskId);
    expect(second.current.progress.startedAt).toBe(first.current.progress.startedAt);
    await stack.advance(60_000);
    expect(shownStatus()).toBe('succeeded');
    expect(stack.sent('create')).toHaveLength(1);
    expect(stack.sim.createCount).toBe(1);
  });

  test('two tabs with the same storage: a tab opened later follows the first tab’s task', async () => {
    const stack = createStack();
    const tabA = tab();
    renderStudio(stack, { persistKey: 'studio', container: tabA });
    await fillForm(PROMPT, tabA);
    fireEvent.click(generateButton(tabA));
    await stack.settle();
    expect(shownStatus(tabA)).toBe('queued');

    const tabB = tab();
    const b = renderStudio(stack, { persistKey: 'studio', container: tabB });
    expect(shownStatus(tabB)).toBe('queued');
    await stack.advance(120_000);
    expect(shownStatus(tabA)).toBe('succeeded');
    expect(shownStatus(tabB)).toBe('succeeded');
    expect(b.current.videoUrl).toEqual(expect.any(String));
    expect(stack.sent('create')).toHaveLength(1);
    expect(stack.sim.createCount).toBe(1);
  });

  test('two tabs with the same storage clicking Generate at once pay once', async () => {
    const stack = createStack();
    const tabA = tab();
    const a = renderStudio(stack, { persistKey: 'studio', container: tabA });
    await fillForm(PROMPT, tabA);
    await stack.settle(); // A's frames reach IndexedDB.

    // Tab B opens with what A left in storage: the prompt, the parameters and the frames.
    const tabB = tab();
    const b = renderStudio(stack, { persistKey: 'studio', container: tabB });
    expect(promptField(tabB).value).toBe(PROMPT);
    await framesSettled(tabB);
    await waitFor(() => expect(generateButton(tabB).disabled).toBe(false));

    fireEvent.click(generateButton(tabA));
    fireEvent.click(generateButton(tabB));
    await stack.advance(5_000);
    expect(shownStatus(tabA)).toBe('queued');
    expect(shownStatus(tabB)).toBe('queued');
    expect(b.current.taskId).toBe(a.current.taskId);
    expect(stack.sim.createCount).toBe(1);
    const keys = new Set(stack.sent('create').map((request) => request.idempotencyKey));
    expect(keys.size).toBe(1);

    await stack.advance(120_000);
    expect(shownStatus(tabA)).toBe('succeeded');
    expect(shownStatus(tabB)).toBe('succeeded');
    expect(stack.sim.createCount).toBe(1);

    // After it concluded, the same request is a new video with a new key.
    fireEvent.click(generateButton(tabA));
    await stack.settle();
    expect(stack.sim.createCount).toBe(2);
    expect(new Set(stack.sent('create').map((request) => request.idempotencyKey)).size).toBe(2);
  });

  test('two tabs that cannot yet see each other’s submission record still pay once', async () => {
    // Two tabs are two processes: both may read "no submission yet" before either writes one.
    // Tab B here sees the shared storage except the submission record, which stays its own.
    const stack = createStack();
    const own = createMemoryStorage();
    const isRecord = (key: string) => key.endsWith(':submission');
    const storageOfB: StorageLike = {
      getItem: (key) => (isRecord(key) ? own : stack.storage).getItem(key),
      setItem: (key, value) => (isRecord(key) ? own : stack.storage).setItem(key, value),
      removeItem: (key) => (isRecord(key) ? own : stack.storage).removeItem(key),
    };
    const tabA = tab();
    const a = renderStudio(stack, { persistKey: 'studio', container: tabA });
    await fillForm(PROMPT, tabA);
    await stack.settle();
    const tabB = tab();
    const b = renderStudio(stack, {
      persistKey: 'studio',
      container: tabB,
      provider: { storage: storageOfB },
    });
    await framesSettled(tabB);
    await waitFor(() => expect(generateButton(tabB).disabled).toBe(false));

    fireEvent.click(generateButton(tabA));
    fireEvent.click(generateButton(tabB));
    await stack.advance(5_000);
    // Both sent a create, with the same key derived from the same request: one task.
    const creates = stack.sent('create');
    expect(creates).toHaveLength(2);
    expect(creates[1]?.idempotencyKey).toBe(creates[0]?.idempotencyKey);
    expect(stack.sim.createCount).toBe(1);
    expect(b.current.taskId).toBe(a.current.taskId);
    expect(shownStatus(tabB)).toBe('queued');
  });
});

describe('renders', () => {
  test('at most one render per status change across 50 polls of an unchanged status', async () => {
    // 10 s queued, 110 s running, polled every 2 s: ~55 polls that each say RUNNING.
    const stack = createStack({ timing: { runMs: [110_000, 110_000] } });
    let renders = 0;
    let latest: UseKeyframeVideoResult | undefined;
    const statuses: string[] = [];
    render(
      <KeyframeVideoProvider {...stack.providerProps({ schedule: () => 2_000 })}>
        <Profiler id="studio" onRender={() => (renders += 1)}>
          <Studio
            onResult={(result) => {
              latest = result;
              if (statuses.at(-1) !== result.status) statuses.push(result.status);
            }}
          />
        </Profiler>
      </KeyframeVideoProvider>,
    );
    await fillForm(PROMPT);
    await stack.settle();
    renders = 0;
    statuses.length = 0;
    act(() => {
      fireEvent.click(generateButton());
    });
    await stack.advance(12_000);
    expect(shownStatus()).toBe('running');
    const rendersWhileQueued = renders;
    const pollsBefore = stack.sent('get').length;

    await stack.advance(100_000);
    expect(stack.sent('get').length - pollsBefore).toBeGreaterThanOrEqual(50);
    expect(shownStatus()).toBe('running');
    expect(renders).toBe(rendersWhileQueued);

    await stack.advance(20_000);
    expect(latest?.status).toBe('succeeded');
    expect(statuses).toEqual(['preparing', 'submitting', 'queued', 'running', 'succeeded']);
    expect(renders).toBeLessThanOrEqual(statuses.length);
    expect(screen.getByRole('status').textContent).toBe('The video is ready.');
  });
});
