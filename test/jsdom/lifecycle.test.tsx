// Ownership and persistence: unmounting in any phase aborts what is in flight and nothing
// happens afterwards; a reload restores the inputs, the frames (IndexedDB), the task and the
// finished result; failures and resets keep what they should.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { createStack, type Stack } from './helpers/stack.js';
import {
  chooseFrames,
  fillForm,
  framesSettled,
  generateButton,
  promptField,
  renderStudio,
  shownStatus,
  typePrompt,
} from './helpers/studio.js';

// Whole jobs through relay and simulator: quick alone, slower on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

afterEach(cleanup);

const PROMPT = 'A kite rises over a beach at dusk.';

type Phase = 'preparing' | 'submitting' | 'queued' | 'running' | 'retrying';

/** Brings a fresh studio to `phase`, with a request in flight where the phase has one. */
async function reach(stack: Stack, phase: Phase) {
  const studio = renderStudio(stack, { persistKey: 'studio' });
  if (phase === 'preparing') {
    // Generate right after choosing: the frames are still being read and checked.
    chooseFrames();
    typePrompt(PROMPT);
    fireEvent.click(generateButton());
    expect(shownStatus()).toBe('preparing');
    return studio;
  }
  await fillForm(PROMPT);
  if (phase === 'submitting') stack.sim.inject({ kind: 'delay', ms: 5_000 }, { route: 'create' });
  if (phase === 'queued') stack.sim.inject({ kind: 'delay', ms: 5_000 }, { route: 'get' });
  fireEvent.click(generateButton());
  await stack.settle();
  if (phase === 'running') await stack.advance(35_000);
  if (phase === 'retrying') {
    stack.network.offline = true;
    await stack.advance(40_000);
  }
  expect(shownStatus()).toBe(phase);
  return studio;
}

describe('unmounting aborts in-flight work and changes nothing afterwards', () => {
  test.each<Phase>(['preparing', 'submitting', 'queued', 'running', 'retrying'])(
    'during %s',
    async (phase) => {
      const stack = createStack();
      const studio = await reach(stack, phase);
      const inFlight = stack.network.requests.filter((request) => !request.settled);
      if (phase === 'submitting' || phase === 'queued') expect(inFlight).toHaveLength(1);

      studio.view.unmount();
      await stack.settle();
      for (const request of inFlight) expect(request.signal?.aborted).toBe(true);
      const requests = stack.network.requests.length;
      const writes = stack.storageWrites;

      await stack.advance(10 * 60_000);
      expect(stack.network.requests).toHaveLength(requests);
      expect(stack.storageWrites).toBe(writes);
    },
  );
});

describe('nothing lost on reload', () => {
  test('the prompt, the parameters and the frames themselves come back', async () => {
    const stack = createStack();
    const first = renderStudio(stack, { persistKey: 'studio' });
    await fillForm(PROMPT);
    first.current.setInputs({ resolution: '1080P', seed: 7, watermark: true });
    await stack.settle();
    first.view.unmount();
    await stack.settle();

    const second = renderStudio(stack, { persistKey: 'studio' });
    expect(promptField().value).toBe(PROMPT);
    expect(second.current.inputs).toMatchObject({ resolution: '1080P', seed: 7, watermark: true });
    await framesSettled();
    expect(second.current.frames.first).toMatchObject({
      status: 'ready',
      name: 'valid-640x480.jpg',
      width: 640,
      height: 480,
    });
    expect(second.current.frames.last).toMatchObject({
      status: 'ready',
      name: 'valid-lossy-600x400.webp',
    });
    expect(generateButton().disabled).toBe(false);
    expect(shownStatus()).toBe('idle');
    expect(stack.network.requests).toHaveLength(0);

    // Another key is another form.
    cleanup();
    renderStudio(stack, { persistKey: 'other' });
    expect(promptField().value).toBe('');
  });

  test('a finished result is restored while its link is valid, then shown as expired', async () => {
    const stack = createStack();
    const first = renderStudio(stack, { persistKey: 'studio' });
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.advance(120_000);
    expect(shownStatus()).toBe('succeeded');
    const { videoUrl, expiresAt } = first.current;
    first.view.unmount();
    await stack.settle();
    const requests = stack.network.requests.length;

    const second = renderStudio(stack, { persistKey: 'studio' });
    expect(shownStatus()).toBe('succeeded');
    expect(second.current.videoUrl).toBe(videoUrl);
    expect(screen.getByRole('link', { name: 'Download video' })).toBeTruthy();
    await stack.settle();
    expect(stack.network.requests).toHaveLength(requests);
    second.view.unmount();

    await stack.advance((expiresAt ?? 0) - stack.clock.now() + 1);
    const third = renderStudio(stack, { persistKey: 'studio' });
    expect(shownStatus()).toBe('expired');
    expect(third.current.videoUrl).toBeUndefined();
    expect(third.current.error?.code).toBe('TaskExpired');
    expect(promptField().value).toBe(PROMPT);
  });

  test('a failure keeps the frames and the prompt, also across a reload', async () => {
    const stack = createStack();
    stack.sim.inject({ kind: 'fail', code: 'InternalError.Algo' });
    const first = renderStudio(stack, { persistKey: 'studio' });
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.advance(120_000);
    expect(shownStatus()).toBe('failed');
    expect(first.current.error?.code).toBe('InternalError.Algo');
    expect(first.current.frames.first.status).toBe('ready');
    first.view.unmount();
    await stack.settle();

    const second = renderStudio(stack, { persistKey: 'studio' });
    expect(promptField().value).toBe(PROMPT);
    await framesSettled();
    expect(second.current.frames.first.status).toBe('ready');
    expect(second.current.frames.last.status).toBe('ready');
    // Try again makes a new video (the failed one is over).
    fireEvent.click(generateButton());
    await stack.advance(120_000);
    expect(shownStatus()).toBe('succeeded');
    expect(stack.sim.createCount).toBe(2);
  });

  test('a task that ended while the page was closed is picked up at its end', async () => {
    const stack = createStack();
    const first = renderStudio(stack, { persistKey: 'studio' });
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.settle();
    const taskId = first.current.taskId;
    first.view.unmount();
    await stack.advance(10 * 60_000);

    const second = renderStudio(stack, { persistKey: 'studio' });
    expect(shownStatus()).toBe('queued');
    await stack.settle();
    expect(shownStatus()).toBe('succeeded');
    expect(second.current.taskId).toBe(taskId);
    expect(stack.sent('create')).toHaveLength(1);
  });
});

describe('reset', () => {
  test('forgets the job but keeps the inputs; with clearInputs, everything', async () => {
    const stack = createStack();
    const studio = renderStudio(stack, { persistKey: 'studio' });
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.advance(120_000);
    expect(shownStatus()).toBe('succeeded');

    studio.current.reset();
    await waitFor(() => expect(shownStatus()).toBe('idle'));
    expect(studio.current.videoUrl).toBeUndefined();
    expect(promptField().value).toBe(PROMPT);
    expect(studio.current.frames.first.status).toBe('ready');

    studio.current.reset({ clearInputs: true });
    await waitFor(() => expect(promptField().value).toBe(''));
    expect(studio.current.frames.first.status).toBe('empty');
    await stack.settle();
    studio.view.unmount();

    const again = renderStudio(stack, { persistKey: 'studio' });
    await stack.settle();
    expect(promptField().value).toBe('');
    expect(again.current.frames.first.status).toBe('empty');
    expect(shownStatus()).toBe('idle');
  });

  test('reset while running stops watching; a reload does not resume the task', async () => {
    const stack = createStack();
    const studio = renderStudio(stack, { persistKey: 'studio' });
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.advance(35_000);
    expect(shownStatus()).toBe('running');
    studio.current.reset();
    await waitFor(() => expect(shownStatus()).toBe('idle'));
    const polls = stack.sent('get').length;
    await stack.advance(60_000);
    expect(stack.sent('get')).toHaveLength(polls);
    studio.view.unmount();
    renderStudio(stack, { persistKey: 'studio' });
    await stack.settle();
    expect(shownStatus()).toBe('idle');
    expect(stack.sent('get')).toHaveLength(polls);
  });
});
