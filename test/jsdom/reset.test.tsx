// reset() leaves no billed task behind that nobody sees: the form is idle at once, and the task
// the forgotten job made (or was making) is canceled in the background while it is still queued.
// A running task cannot be canceled by the service; it finishes upstream. Nothing of this shows
// in the form, and a job submitted right after the reset is never touched by it.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { act, cleanup, fireEvent, render } from '@testing-library/react';
import { KeyframeVideoProvider, type UseKeyframeVideoResult } from '../../src/index.js';
import { createStack, polledUpstreamIds, type Stack } from './helpers/stack.js';
import { fillForm, generateButton, renderStudio, shownStatus, Studio } from './helpers/studio.js';

// Whole jobs through relay and simulator: quick alone, slower on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const PROMPT = 'A paper plane loops over a city roof.';
const SUBMISSION_KEY = 'kfv:studio:submission';

/** The create is handled upstream (the task is made) and its answer takes `ms` to arrive. */
function slowCreateAnswer(stack: Stack, ms: number) {
  stack.sim.inject({ kind: 'delay', ms, when: 'after' }, { route: 'create' });
}

/** The statuses of the simulator's tasks, oldest first. */
function upstreamStatuses(stack: Stack): string[] {
  return stack.sim.tasks().map((task) => task.status);
}

describe('reset() cancels what the forgotten job left queued', () => {
  test('during the create request: idle at once; the task the create made is canceled', async () => {
    const stack = createStack();
    slowCreateAnswer(stack, 5_000);
    const studio = renderStudio(stack, { persistKey: 'studio' });
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.settle();
    expect(shownStatus()).toBe('submitting');
    const [create] = stack.sent('create');
    expect(create?.settled).toBe(false);
    expect(upstreamStatuses(stack)).toEqual(['PENDING']);

    act(() => studio.current.reset());
    expect(shownStatus()).toBe('idle');
    expect(studio.current.taskId).toBeUndefined();
    // The create is not aborted: its answer names the task to cancel.
    expect(create?.signal?.aborted).toBe(false);
    const seenAtReset = studio.seen.length;

    await stack.advance(6_000);
    expect(stack.sent('cancel')).toHaveLength(1);
    expect(upstreamStatuses(stack)).toEqual(['CANCELED']);
    expect(stack.sent('create')).toHaveLength(1);
    expect(stack.sim.createCount).toBe(1);
    expect(stack.storage.getItem(SUBMISSION_KEY)).toBeNull();

    await stack.advance(120_000);
    expect(upstreamStatuses(stack)).toEqual(['CANCELED']);
    expect(stack.sent('get')).toHaveLength(0);
    expect(shownStatus()).toBe('idle');
    expect(studio.seen.slice(seenAtReset - 1)).toEqual(['idle']);
    expect(studio.current.notice).toBeUndefined();
  });

  test('while queued: the task is canceled upstream; the form stays idle and storage has no job', async () => {
    const stack = createStack();
    const studio = renderStudio(stack, { persistKey: 'studio' });
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.settle();
    expect(shownStatus()).toBe('queued');
    expect(stack.storage.getItem(SUBMISSION_KEY)).not.toBeNull();

    act(() => studio.current.reset());
    expect(shownStatus()).toBe('idle');
    const polls = stack.sent('get').length;
    await stack.settle();
    expect(stack.sent('cancel')).toHaveLength(1);
    expect(upstreamStatuses(stack)).toEqual(['CANCELED']);

    await stack.advance(120_000);
    expect(upstreamStatuses(stack)).toEqual(['CANCELED']);
    expect(stack.sent('get')).toHaveLength(polls);
    expect(shownStatus()).toBe('idle');
    expect(studio.seen.at(-1)).toBe('idle');
    expect(studio.seen.filter((status) => status === 'canceled')).toHaveLength(0);
    expect(stack.storage.getItem(SUBMISSION_KEY)).toBeNull();
    const saved = JSON.parse(stack.storage.getItem('kfv:studio:state') ?? '{}') as object;
    expect(saved).not.toHaveProperty('lastStatus');
    expect(saved).not.toHaveProperty('result');
  });
});

describe('reset() leaves a running task alone', () => {
  test('while running: no cancel is sent and the task finishes upstream', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.advance(35_000);
    expect(shownStatus()).toBe('running');

    act(() => studio.current.reset());
    expect(shownStatus()).toBe('idle');
    await stack.advance(60_000);
    expect(stack.sent('cancel')).toHaveLength(0);
    expect(upstreamStatuses(stack)).toEqual(['SUCCEEDED']);
    expect(shownStatus()).toBe('idle');
    expect(studio.current.notice).toBeUndefined();
  });

  test('a task that started running since the last poll: the cancel is refused, and nothing shows', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.settle();
    // The task starts at 10 s; the hook last saw it PENDING.
    await stack.advance(12_000);
    expect(shownStatus()).toBe('queued');

    act(() => studio.current.reset());
    await stack.settle();
    expect(stack.sent('cancel')).toHaveLength(1);
    expect(stack.sent('cancel')[0]?.settled).toBe(true);
    expect(upstreamStatuses(stack)).toEqual(['RUNNING']);
    expect(shownStatus()).toBe('idle');
    expect(studio.current.notice).toBeUndefined();
    expect(studio.current.errorMessage).toBeUndefined();
    await stack.advance(60_000);
    expect(upstreamStatuses(stack)).toEqual(['SUCCEEDED']);
    expect(shownStatus()).toBe('idle');
  });
});

describe('a job submitted right after reset()', () => {
  test('proceeds normally with a new key while the old task is canceled behind it', async () => {
    const stack = createStack();
    slowCreateAnswer(stack, 5_000);
    const studio = renderStudio(stack, { persistKey: 'studio' });
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.settle();
    expect(shownStatus()).toBe('submitting');
    // The new create's answer comes after the old one's: the old answer arrives while the new
    // job is `submitting` too, and must not be taken for the new job's.
    slowCreateAnswer(stack, 8_000);

    act(() => studio.current.reset());
    const seenAtSubmit = studio.seen.length;
    fireEvent.click(generateButton());
    expect(shownStatus()).toBe('preparing');
    await stack.settle();
    const [oldCreate, ...newCreates] = stack.sent('create');
    const newKey = newCreates[0]?.idempotencyKey;
    expect(newKey).not.toBe(oldCreate?.idempotencyKey);
    expect(newCreates.every((create) => create.idempotencyKey === newKey)).toBe(true);
    const record = stack.storage.getItem(SUBMISSION_KEY);
    expect(record).toContain(newKey);

    // The old create answers while the new one's answer is still on its way (the service has
    // made the new task already): the old task is canceled, and the new job does not move.
    await stack.advance(6_000);
    expect(stack.sent('cancel')).toHaveLength(1);
    expect(upstreamStatuses(stack)).toEqual(['CANCELED', 'PENDING']);
    expect(studio.current.phase).toBe('submitting');
    expect(studio.current.taskId).toBeUndefined();
    expect(stack.storage.getItem(SUBMISSION_KEY)).toBe(record);

    await stack.advance(120_000);
    expect(shownStatus()).toBe('succeeded');
    expect(upstreamStatuses(stack)).toEqual(['CANCELED', 'SUCCEEDED']);
    // Only the new task was ever watched.
    expect(polledUpstreamIds(stack)).toEqual(new Set([stack.sim.tasks()[1]?.taskId]));
    // The relay's rate limits put `retrying` waits between the new job's creates.
    const seen = new Set(studio.seen.slice(seenAtSubmit).filter((status) => status !== 'retrying'));
    expect([...seen]).toEqual(['preparing', 'submitting', 'queued', 'running', 'succeeded']);
    expect(stack.sent('cancel')).toHaveLength(1);
    expect(stack.sim.createCount).toBe(2);
    expect(new Set(stack.sent('create').map((create) => create.idempotencyKey)).size).toBe(2);
  });
});

describe('unmounting during the background clean-up', () => {
  test.each(['waiting for the create’s answer', 'while the cancel is on its way'] as const)(
    '%s: stops it; no unhandled rejection, no update or write afterwards',
    async (moment) => {
      const stack = createStack();
      slowCreateAnswer(stack, 5_000);
      stack.sim.inject({ kind: 'delay', ms: 5_000, when: 'after' }, { route: 'cancel' });
      const rejections: unknown[] = [];
      const onRejection = (reason: unknown) => rejections.push(reason);
      process.on('unhandledRejection', onRejection);
      const consoleError = vi.spyOn(console, 'error');
      try {
        let renders = 0;
        let latest: UseKeyframeVideoResult | undefined;
        const view = render(
          <KeyframeVideoProvider {...stack.providerProps()}>
            <Studio
              persistKey="studio"
              onResult={(result) => {
                renders += 1;
                latest = result;
              }}
            />
          </KeyframeVideoProvider>,
        );
        await fillForm(PROMPT);
        fireEvent.click(generateButton());
        await stack.settle();
        expect(shownStatus()).toBe('submitting');
        const [create] = stack.sent('create');

        act(() => latest?.reset());
        expect(shownStatus()).toBe('idle');
        expect(create?.signal?.aborted).toBe(false);
        if (moment === 'while the cancel is on its way') {
          await stack.advance(6_000);
          // The service canceled the task; its answer is still on the way.
          expect(upstreamStatuses(stack)).toEqual(['CANCELED']);
          expect(stack.sent('cancel')[0]?.settled).toBe(false);
        }
        const inFlight = stack.network.requests.filter((request) => !request.settled);
        expect(inFlight).toHaveLength(1);

        const rendersAtUnmount = renders;
        const writesAtUnmount = stack.storageWrites;
        view.unmount();
        await stack.advance(120_000);
        // The clean-up lives as long as the store's session: the unmount aborted it.
        expect(inFlight[0]?.signal?.aborted).toBe(true);
        expect(stack.sent('cancel')).toHaveLength(
          moment === 'while the cancel is on its way' ? 1 : 0,
        );
        expect(renders).toBe(rendersAtUnmount);
        expect(stack.storageWrites).toBe(writesAtUnmount);
        expect(rejections).toEqual([]);
        expect(consoleError).not.toHaveBeenCalled();
      } finally {
        process.off('unhandledRejection', onRejection);
      }
    },
  );
});
