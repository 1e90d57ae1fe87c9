/**
 * KeyframeVideoPlayer in every state of a job, driven through the whole stack (relay and
 * simulator on one manual clock): the poster while waiting, one announcement per phase,
 * progress with and without history, the video, download (saved and opened), the expiry
 * countdown, and failed / canceled / retrying / error / expired with their next step.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import {
  defaultErrorMessages,
  defaultKeyframeVideoMessages as hookMessages,
  KeyframeVideoPlayer,
  type KeyframeVideoPlayerProps,
  type UseKeyframeVideoOptions,
} from '../../../src/index.js';
import { sampleVideoBytes } from '../../../src/simulator/sample-video.js';
import { createStack, type Stack } from '../helpers/stack.js';
import { chooseFrames, generateButton, typePrompt } from '../helpers/studio.js';
import { renderForm } from './harness.js';

afterEach(cleanup);

const PROMPT = 'A kite rises over a beach at dusk.';

/** A bare form (the hook's own getters) around the player. */
function renderPlayer(
  stack: Stack,
  options: UseKeyframeVideoOptions = {},
  playerProps: Partial<KeyframeVideoPlayerProps> = {},
) {
  return renderForm(
    stack,
    (kfv) => (
      <>
        <label>
          First frame
          <input {...kfv.getFrameInputProps('first')} />
        </label>
        <label>
          Last frame
          <input {...kfv.getFrameInputProps('last')} />
        </label>
        <label>
          Prompt
          <textarea {...kfv.getPromptProps()} />
        </label>
        <button {...kfv.getSubmitButtonProps()}>Generate</button>
        <button {...kfv.getCancelButtonProps()}>Cancel</button>
        <KeyframeVideoPlayer keyframeVideo={kfv} {...playerProps} />
      </>
    ),
    { tick: 1000, ...options },
  );
}

async function generate(stack: Stack) {
  chooseFrames();
  typePrompt(PROMPT);
  await stack.settle();
  expect(generateButton().disabled).toBe(false);
  fireEvent.click(generateButton());
  await stack.settle();
}

const status = () => screen.getByRole('status');
const player = () => status().closest('.kfv-player') as HTMLElement;
const video = () => player().querySelector('video');

/** Every text the live region showed, one entry per DOM change (no de-duplication). */
function recordAnnouncements(): string[] {
  const region = status();
  const seen = [region.textContent ?? ''];
  const observer = new MutationObserver(() => seen.push(region.textContent ?? ''));
  observer.observe(region, { childList: true, characterData: true, subtree: true });
  return seen;
}

describe('KeyframeVideoPlayer', () => {
  test('before anything: a placeholder and the ready text in the live region', () => {
    renderPlayer(createStack());
    expect(screen.getByText('The video will appear here.')).toBeTruthy();
    expect(status().getAttribute('aria-live')).toBe('polite');
    expect(status().textContent).toBe(hookMessages.status.idle);
    expect(player().dataset.state).toBe('idle');
    expect(video()).toBeNull();
  });

  test('the first frame is the poster; no controls until there is a video', async () => {
    const stack = createStack();
    const { latest } = renderPlayer(stack);
    chooseFrames();
    await stack.settle();
    const first = latest.current.frames.first;
    expect(first.status).toBe('ready');
    expect(video()?.getAttribute('poster')).toBe(first.status === 'ready' ? first.url : '');
    expect(video()?.hasAttribute('src')).toBe(false);
    expect(video()?.hasAttribute('controls')).toBe(false);
    expect(video()?.getAttribute('aria-label')).toBe('Generated video');
  });

  test('each phase is announced once, however often the timers re-render', async () => {
    const stack = createStack();
    renderPlayer(stack);
    chooseFrames();
    typePrompt(PROMPT);
    await stack.settle();
    const heard = recordAnnouncements();
    fireEvent.click(generateButton());
    await stack.advance(90_000);
    expect(player().dataset.state).toBe('succeeded');
    const { status: said } = hookMessages;
    expect(heard).toEqual([
      said.idle,
      said.preparing,
      said.submitting,
      said.queued,
      said.running,
      said.succeeded,
    ]);
  });

  test('without history: indeterminate progress, the usual range, and the time so far', async () => {
    const stack = createStack();
    renderPlayer(stack);
    await generate(stack);
    await stack.advance(5_000);
    const bar = screen.getByRole('progressbar', { name: 'Progress' });
    expect(bar.hasAttribute('value')).toBe(false);
    expect(screen.getByText(hookMessages.etaUnknown)).toBeTruthy();
    expect(screen.getByText('Elapsed 0:05')).toBeTruthy();
    await stack.advance(20_000);
    expect(screen.getByText('Elapsed 0:25')).toBeTruthy();
  });

  test('with history: determinate progress and an ETA', async () => {
    const stack = createStack();
    renderPlayer(stack);
    // This browser sees three 70-second videos of this kind (its history needs three).
    for (let run = 0; run < 3; run += 1) {
      if (run === 0) await generate(stack);
      else fireEvent.click(generateButton());
      await stack.advance(90_000);
      expect(player().dataset.state).toBe('succeeded');
    }
    fireEvent.click(generateButton());
    await stack.advance(15_000);
    const bar = screen.getByRole('progressbar', { name: 'Progress' }) as HTMLProgressElement;
    expect(bar.getAttribute('max')).toBe('1');
    expect(bar.value).toBeGreaterThan(0.15);
    expect(bar.value).toBeLessThan(0.3);
    expect(screen.getByText(hookMessages.etaRemaining(55))).toBeTruthy();
  });

  test('succeeded: the native player, a download, and the countdown to the link expiry', async () => {
    const stack = createStack();
    const { latest } = renderPlayer(stack);
    await generate(stack);
    await stack.advance(90_000);
    const element = video();
    expect(element?.getAttribute('src')).toBe(latest.current.videoUrl);
    expect(element?.hasAttribute('controls')).toBe(true);
    expect(element?.hasAttribute('playsinline')).toBe(true);
    expect(screen.getByRole('button', { name: 'Download video' })).toBeTruthy();
    expect(
      screen.getByText('The link expires in 23 h 59 min. Download the video to keep it.'),
    ).toBeTruthy();
    await stack.advance(10 * 60_000);
    expect(
      screen.getByText('The link expires in 23 h 49 min. Download the video to keep it.'),
    ).toBeTruthy();
  });

  test('download: fetches a copy and saves it under a readable name', async () => {
    // The simulator's default source is a Blob, which jsdom's Blob cannot read back: serve bytes.
    const stack = createStack({ video: { source: () => Promise.resolve(sampleVideoBytes()) } });
    const fetchVideo: typeof fetch = (input, init) => stack.sim(new Request(input, init));
    const { latest } = renderPlayer(stack, {}, { fetch: fetchVideo });
    await generate(stack);
    await stack.advance(90_000);

    // jsdom has no object URLs; give it the browser's two functions for this test.
    const made: Blob[] = [];
    const revoked: string[] = [];
    Object.assign(URL, {
      createObjectURL: (blob: Blob) => `blob:test/${String(made.push(blob))}`,
      revokeObjectURL: (url: string) => revoked.push(url),
    });
    const clicked: HTMLAnchorElement[] = [];
    const onClick = (event: MouseEvent) => {
      if (event.target instanceof HTMLAnchorElement) {
        clicked.push(event.target);
        event.preventDefault();
      }
    };
    document.addEventListener('click', onClick, true);
    try {
      fireEvent.click(screen.getByRole('button', { name: 'Download video' }));
      expect(screen.getByRole('button', { name: 'Downloading…' })).toBeTruthy();
      await waitFor(() => expect(made).toHaveLength(1));
      expect(made[0]?.type).toBe('video/mp4');
      expect(made[0]?.size).toBeGreaterThan(10_000);
      expect(clicked).toHaveLength(1);
      expect(clicked[0]?.href).toBe('blob:test/1');
      expect(clicked[0]?.download).toMatch(
        /^keyframe-video-\d{4}-\d{2}-\d{2}-\d{4}-a-kite-rises-over-a-beach-at-dusk\.mp4$/,
      );
      // Done: the button is back to its label.
      expect(await screen.findByRole('button', { name: 'Download video' })).toBeTruthy();
      expect(latest.current.videoUrl).toBeDefined();
      await stack.advance(10_000);
      expect(revoked).toEqual(['blob:test/1']);
    } finally {
      document.removeEventListener('click', onClick, true);
      Reflect.deleteProperty(URL, 'createObjectURL');
      Reflect.deleteProperty(URL, 'revokeObjectURL');
    }
  });

  test('download: when no copy can be made, the link opens in a new tab and says so', async () => {
    const stack = createStack();
    const { latest } = renderPlayer(stack);
    await generate(stack);
    await stack.advance(90_000);
    const clicked: HTMLAnchorElement[] = [];
    const onClick = (event: MouseEvent) => {
      if (event.target instanceof HTMLAnchorElement) {
        clicked.push(event.target);
        event.preventDefault();
      }
    };
    document.addEventListener('click', onClick, true);
    try {
      fireEvent.click(screen.getByRole('button', { name: 'Download video' }));
      await stack.settle();
    } finally {
      document.removeEventListener('click', onClick, true);
    }
    expect(clicked).toHaveLength(1);
    expect(clicked[0]?.href).toBe(latest.current.videoUrl);
    expect(clicked[0]?.target).toBe('_blank');
    expect(
      screen.getByText(/The copy could not be saved here, so the video opened in a new tab/),
    ).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Open the video' }).getAttribute('href')).toBe(
      latest.current.videoUrl,
    );
  });

  test('failed: the reason, and Try again makes a new video', async () => {
    const stack = createStack();
    renderPlayer(stack);
    stack.sim.inject({ kind: 'fail', code: 'InternalError.Algo' });
    await generate(stack);
    await stack.advance(90_000);
    expect(player().dataset.state).toBe('failed');
    expect(status().textContent?.startsWith(`${hookMessages.status.failed} `)).toBe(true);
    expect(status().textContent?.length).toBeGreaterThan(hookMessages.status.failed.length + 10);
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await stack.advance(90_000);
    expect(player().dataset.state).toBe('succeeded');
    expect(stack.sim.createCount).toBe(2);
  });

  test('canceled while queued: nothing made, and Make it again', async () => {
    const stack = createStack();
    renderPlayer(stack);
    await generate(stack);
    expect(player().dataset.state).toBe('queued');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await stack.settle();
    expect(player().dataset.state).toBe('canceled');
    expect(status().textContent).toBe(hookMessages.status.canceled);
    fireEvent.click(screen.getByRole('button', { name: 'Make it again' }));
    await stack.advance(90_000);
    expect(player().dataset.state).toBe('succeeded');
  });

  test('cancel while running: the notice says the service cannot stop it', async () => {
    const stack = createStack();
    renderPlayer(stack);
    await generate(stack);
    await stack.advance(35_000);
    expect(player().dataset.state).toBe('running');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await stack.settle();
    expect(screen.getByText(defaultErrorMessages.CancelRefused)).toBeTruthy();
  });

  test('retrying: the wait is shown (not announced), and Try now', async () => {
    const stack = createStack();
    renderPlayer(stack);
    await generate(stack);
    stack.network.offline = true;
    await stack.advance(30_000);
    expect(player().dataset.state).toBe('retrying');
    expect(status().textContent).toBe(hookMessages.status.retrying);
    const wait = screen.getByText(/^Trying again in \d+ s\.$/);
    expect(status().contains(wait)).toBe(false);
    stack.network.offline = false;
    fireEvent.click(screen.getByRole('button', { name: 'Try now' }));
    await stack.advance(90_000);
    expect(player().dataset.state).toBe('succeeded');
    expect(stack.sim.createCount).toBe(1);
  });

  test('error: stopped after repeated trouble; Try again resumes the same task', async () => {
    const stack = createStack();
    const { latest } = renderPlayer(stack);
    await generate(stack);
    const taskId = latest.current.taskId;
    stack.network.offline = true;
    await stack.advance(10 * 60_000);
    expect(player().dataset.state).toBe('error');
    expect(status().textContent).toContain(hookMessages.status.error);
    stack.network.offline = false;
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await stack.advance(5_000);
    expect(player().dataset.state).toBe('succeeded');
    expect(latest.current.taskId).toBe(taskId);
    expect(stack.sim.createCount).toBe(1);
  });

  test('expired: after 24 h the link is gone; Make it again', async () => {
    const stack = createStack();
    const first = renderPlayer(stack, { persistKey: 'player' });
    await generate(stack);
    await stack.advance(90_000);
    expect(player().dataset.state).toBe('succeeded');
    first.view.unmount();
    await act(async () => stack.advance(25 * 60 * 60_000));

    renderPlayer(stack, { persistKey: 'player' });
    await stack.settle();
    expect(player().dataset.state).toBe('expired');
    expect(status().textContent?.startsWith(hookMessages.status.expired)).toBe(true);
    expect(video()?.hasAttribute('src')).toBe(false);
    expect(screen.queryByRole('button', { name: 'Download video' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Make it again' })).toBeTruthy();
  });
});
