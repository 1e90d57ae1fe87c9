// useKeyframeVideo through the real path (client → relay → simulator), driven like a user:
// the full flow, moderation, throttling, a network drop, cancel, expiry and the ETA.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { KeyframeVideoError } from '../../src/index.js';
import { createStack, fixtureFile, T0 } from './helpers/stack.js';
import {
  cancelButton,
  chooseFrame,
  fillForm,
  generateButton,
  promptField,
  renderStudio,
  shownStatus,
  typePrompt,
} from './helpers/studio.js';

// Whole jobs through relay and simulator: quick alone, slower on a busy machine.
vi.setConfig({ testTimeout: 30_000 });

afterEach(cleanup);

const PROMPT = 'A paper boat drifts across a puddle.';

describe('useKeyframeVideo: making a video', () => {
  test('goes idle → preparing → submitting → queued → running → succeeded, with the result', async () => {
    const stack = createStack();
    // The create answer is held 2 s on the simulator's clock so `submitting` can be seen.
    stack.sim.inject({ kind: 'delay', ms: 2_000 }, { route: 'create' });
    let recordAtSend: string | null = null;
    stack.network.onRequest = (request) => {
      if (request.path.endsWith('/video-synthesis')) {
        recordAtSend = stack.storage.getItem('kfv:studio:submission');
      }
    };
    const studio = renderStudio(stack, { persistKey: 'studio' });
    expect(shownStatus()).toBe('idle');
    expect(screen.getByRole('status').textContent).toBe(
      'Ready. Add the frames and a prompt, then generate.',
    );

    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    expect(shownStatus()).toBe('preparing');
    await stack.settle();
    expect(shownStatus()).toBe('submitting');

    // The idempotency key was on disk before the request left, and is the one it carried.
    const [create] = stack.sent('create');
    expect(create?.idempotencyKey).toMatch(/^kfv-[0-9a-f]{16}$/);
    expect(recordAtSend).not.toBeNull();
    expect(JSON.parse(recordAtSend ?? '{}')).toMatchObject({
      idempotencyKey: create?.idempotencyKey,
      model: 'wan2.2-kf2v-flash',
      resolution: '720P',
    });

    await stack.advance(2_000);
    expect(shownStatus()).toBe('queued');
    expect(studio.current.taskId).toEqual(expect.any(String));
    expect(screen.getByRole('status').textContent).toBe('Waiting in the queue…');

    await stack.advance(35_000);
    expect(shownStatus()).toBe('running');
    await stack.advance(60_000);
    expect(shownStatus()).toBe('succeeded');
    expect(studio.seen).toEqual([
      'idle',
      'preparing',
      'submitting',
      'queued',
      'running',
      'succeeded',
    ]);

    const { current } = studio;
    const [task] = stack.sim.tasks();
    expect(task?.status).toBe('SUCCEEDED');
    expect(current.videoUrl).toMatch(/\/files\/videos\/.+\.mp4\?Expires=\d+/);
    expect(screen.getByRole('link', { name: 'Download video' }).getAttribute('href')).toBe(
      current.videoUrl,
    );
    // The link's own expiry (whole seconds), 24 h after the task ended.
    const expires = Number(new URL(current.videoUrl ?? '').searchParams.get('Expires'));
    expect(current.expiresAt).toBe(expires * 1000);
    expect(Math.abs(expires * 1000 - ((task?.endedAt ?? 0) + 24 * 60 * 60 * 1000))).toBeLessThan(
      1_000,
    );
    expect(current.origPrompt).toBe(PROMPT);
    expect(current.actualPrompt?.startsWith(PROMPT)).toBe(true);
    expect(current.usage).toEqual({ videoDuration: 5, videoCount: 1, resolution: 720 });
    expect(current.result?.submittedAt).toBe(task?.submittedAt);
    expect(current.progress).toMatchObject({
      phase: 'succeeded',
      fraction: 1,
      elapsedMs: (task?.endedAt ?? 0) - (task?.submittedAt ?? 0),
    });
    expect(screen.getByRole('status').textContent).toBe('The video is ready.');
    expect(stack.sim.createCount).toBe(1);
  });

  test('a FAILED task with DataInspectionFailed points at the prompt and keeps every input', async () => {
    const stack = createStack();
    stack.sim.inject({ kind: 'fail', code: 'DataInspectionFailed' });
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.advance(120_000);

    expect(shownStatus()).toBe('failed');
    const error = studio.current.error;
    expect(error?.code).toBe('DataInspectionFailed');
    expect(error?.param).toBe('input.prompt');
    expect(error?.detail).toBe('Input or output data may contain inappropriate content.');
    expect(screen.getByRole('alert').textContent).toBe(
      'The content check flagged the prompt or an image. Change the wording or choose other frames, then try again.',
    );
    // The prompt field is marked and described by the error.
    const prompt = promptField();
    expect(prompt.getAttribute('aria-invalid')).toBe('true');
    const describedBy = prompt.getAttribute('aria-describedby') ?? '';
    expect(document.getElementById(describedBy)?.textContent).toBe(error?.message);
    // Nothing the user gave is lost.
    expect(prompt.value).toBe(PROMPT);
    expect(studio.current.frames.first.status).toBe('ready');
    expect(studio.current.frames.last.status).toBe('ready');
    expect(generateButton().disabled).toBe(false);

    // Editing the prompt clears the mark; the failure stays on record.
    typePrompt('A paper boat drifts across a calm pond.');
    expect(promptField().getAttribute('aria-invalid')).toBeNull();
    expect(shownStatus()).toBe('failed');
  });

  test('a moderation message about the last image points at the last frame', async () => {
    const stack = createStack();
    stack.sim.inject({
      kind: 'fail',
      code: 'DataInspectionFailed',
      message: 'The input image (last frame) may contain inappropriate content.',
    });
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.advance(120_000);
    expect(studio.current.error?.param).toBe('input.last_frame_url');
    expect(studio.current.fieldErrors.lastFrame?.code).toBe('DataInspectionFailed');
    expect(screen.getByLabelText('Last frame').getAttribute('aria-invalid')).toBe('true');
    expect(promptField().getAttribute('aria-invalid')).toBeNull();
  });

  test('a create refused by moderation fails on the prompt before any task exists', async () => {
    const stack = createStack();
    stack.sim.inject(
      { kind: 'http', status: 400, code: 'DataInspectionFailed' },
      { route: 'create' },
    );
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.settle();
    expect(shownStatus()).toBe('failed');
    expect(studio.current.taskId).toBeUndefined();
    expect(studio.current.fieldErrors.prompt?.code).toBe('DataInspectionFailed');
    expect(stack.sim.createCount).toBe(0);
    expect(stack.sent('create')).toHaveLength(1);
    expect(promptField().value).toBe(PROMPT);
  });
});

describe('useKeyframeVideo: transport trouble is `retrying`, then `error` with retry()', () => {
  test('a 429 with Retry-After on a poll waits exactly as long as asked, and shows the wait', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    stack.sim.inject(
      { kind: 'http', status: 429, code: 'Throttling.RateQuota', retryAfterSec: 7 },
      { route: 'get' },
    );
    fireEvent.click(generateButton());
    await stack.settle();

    expect(shownStatus()).toBe('retrying');
    expect(studio.current.phase).toBe('queued');
    expect(studio.current.error?.code).toBe('Throttling.RateQuota');
    expect(studio.current.error?.retryAfterMs).toBe(7_000);
    const asked = stack.clock.now();
    expect(studio.current.retryAt).toBeGreaterThanOrEqual(asked + 7_000);
    expect(screen.getByRole('status').textContent).toMatch(/^Trying again in [78] s\.$/);
    expect(screen.getByRole('alert').textContent).toBe(
      'Too many requests per second. Waiting a moment and trying again.',
    );

    const polls = stack.sent('get').length;
    await stack.advance(6_900);
    expect(stack.sent('get')).toHaveLength(polls);
    await stack.advance((studio.current.retryAt ?? 0) - stack.clock.now());
    expect(stack.sent('get')).toHaveLength(polls + 1);
    expect(shownStatus()).toBe('queued');
    expect(studio.current.error).toBeUndefined();
  });

  test('throttled creates are retried with the same idempotency key and charged once', async () => {
    const stack = createStack();
    stack.sim.inject(
      { kind: 'http', status: 429, code: 'Throttling.RateQuota', retryAfterSec: 3 },
      { route: 'create' },
      2,
    );
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.settle();
    expect(shownStatus()).toBe('retrying');
    expect(studio.current.phase).toBe('submitting');
    expect(studio.current.retryAt).toBeGreaterThanOrEqual(stack.clock.now() + 3_000);

    // The relay's own per-user create limit (2 at once, then 5 a minute) also asks to wait.
    await stack.advance(30_000);
    expect(shownStatus()).toBe('queued');
    const keys = stack.sent('create').map((request) => request.idempotencyKey);
    expect(keys.length).toBeGreaterThanOrEqual(3);
    expect(new Set(keys).size).toBe(1);
    expect(stack.sim.createCount).toBe(1);
  });

  test('a network drop mid-poll is retried, and the task is followed to the end', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.advance(35_000);
    expect(shownStatus()).toBe('running');
    const taskId = studio.current.taskId;

    stack.network.offline = true;
    await stack.advance(30_000);
    expect(shownStatus()).toBe('retrying');
    expect(studio.current.phase).toBe('running');
    expect(studio.current.error?.code).toBe('NetworkError');
    expect(studio.current.taskId).toBe(taskId);
    expect(stack.network.requests.at(-1)?.path).toContain('/tasks/');

    stack.network.offline = false;
    await stack.advance(60_000);
    expect(shownStatus()).toBe('succeeded');
    expect(studio.current.taskId).toBe(taskId);
    expect(stack.sim.createCount).toBe(1);
  });

  test('after repeated failures it stops in `error`, and retry() picks up the same task', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.settle();
    const taskId = studio.current.taskId;
    stack.network.offline = true;
    await stack.advance(10 * 60_000);
    expect(shownStatus()).toBe('error');
    expect(studio.current.error?.code).toBe('PollBudgetExceeded');
    expect(screen.getByRole('status').textContent).toBe(
      'Stopped after repeated connection trouble. Try again.',
    );
    // It really stopped: no more requests while in `error`.
    const sent = stack.network.requests.length;
    await stack.advance(10 * 60_000);
    expect(stack.network.requests).toHaveLength(sent);

    stack.network.offline = false;
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await stack.settle();
    expect(shownStatus()).toBe('succeeded');
    expect(studio.current.taskId).toBe(taskId);
    expect(stack.sim.createCount).toBe(1);
  });
});

describe('useKeyframeVideo: cancel', () => {
  test('while queued, the task is canceled upstream', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.settle();
    expect(shownStatus()).toBe('queued');
    expect(cancelButton().disabled).toBe(false);

    fireEvent.click(cancelButton());
    await stack.settle();
    expect(shownStatus()).toBe('canceled');
    expect(stack.sent('cancel')).toHaveLength(1);
    expect(stack.sim.tasks()[0]?.status).toBe('CANCELED');
    expect(screen.getByRole('status').textContent).toBe('Canceled. Nothing was made.');
    // No more polling once canceled.
    const polls = stack.sent('get').length;
    await stack.advance(120_000);
    expect(stack.sent('get')).toHaveLength(polls);
    expect(studio.current.frames.first.status).toBe('ready');
  });

  test('while running, it stops watching and says politely that the provider cannot cancel', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.advance(35_000);
    expect(shownStatus()).toBe('running');

    fireEvent.click(cancelButton());
    await stack.settle();
    expect(stack.sent('cancel')).toHaveLength(0);
    expect(shownStatus()).toBe('idle');
    expect(studio.current.notice?.code).toBe('CancelRefused');
    expect(screen.getByRole('note').textContent).toBe(
      'The task is already running and the provider cannot cancel it; it will finish and be billed.',
    );
    const polls = stack.sent('get').length;
    await stack.advance(120_000);
    expect(stack.sent('get')).toHaveLength(polls);
    expect(promptField().value).toBe(PROMPT);
    expect(generateButton().disabled).toBe(false);
  });

  test('when the task starts running while the cancel is on its way, the refusal is polite too', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.settle();
    expect(shownStatus()).toBe('queued');
    // The task starts at 10 s; the hook last saw it PENDING at 0 s.
    await stack.advance(12_000);
    expect(shownStatus()).toBe('queued');
    fireEvent.click(cancelButton());
    await stack.settle();
    expect(stack.sent('cancel')).toHaveLength(1);
    expect(shownStatus()).toBe('idle');
    expect(studio.current.notice?.code).toBe('CancelRefused');
  });
});

describe('useKeyframeVideo: expired', () => {
  test('a task the service no longer knows (UNKNOWN) is `expired`', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.settle();
    expect(shownStatus()).toBe('queued');
    stack.sim.reset(); // The service forgets every task.
    await stack.advance(60_000);
    expect(shownStatus()).toBe('expired');
    expect(studio.current.error?.code).toBe('TaskExpired');
    expect(screen.getByRole('alert').textContent).toBe(
      'This video task is no longer known to the service (tasks and links last 24 hours). Start a new one.',
    );
    expect(promptField().value).toBe(PROMPT);
  });

  test('a finished video turns `expired` when its link passes 24 hours', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.advance(120_000);
    expect(shownStatus()).toBe('succeeded');
    const expiresAt = studio.current.expiresAt ?? 0;
    await stack.advance(expiresAt - stack.clock.now() - 1);
    expect(shownStatus()).toBe('succeeded');
    await stack.advance(1);
    expect(shownStatus()).toBe('expired');
    expect(studio.current.videoUrl).toBeUndefined();
    expect(screen.queryByRole('link', { name: 'Download video' })).toBeNull();
  });
});

describe('useKeyframeVideo: progress', () => {
  test('the ETA is unknown until this browser has seen videos of the kind, then learned', async () => {
    const stack = createStack();
    const studio = renderStudio(stack, { tick: 1_000 });
    await fillForm(PROMPT);
    for (let video = 0; video < 3; video += 1) {
      fireEvent.click(generateButton());
      await stack.advance(5_000);
      expect(studio.current.progress.expectedDurationMs).toBeUndefined();
      expect(studio.current.progress.remainingMs).toBeUndefined();
      expect(studio.current.progress.etaText).toBe('Usually 1–5 minutes.');
      await stack.advance(120_000);
      expect(shownStatus()).toBe('succeeded');
    }
    // Three 70 s videos of this model and resolution: the next is expected to take as long.
    fireEvent.click(generateButton());
    await stack.advance(10_000);
    const { progress } = studio.current;
    expect(progress.expectedDurationMs).toBe(70_000);
    expect(progress.elapsedMs).toBe(10_000);
    expect(progress.remainingMs).toBe(60_000);
    expect(progress.fraction).toBeCloseTo(10 / 70);
    expect(progress.etaText).toBe('About 1 min left.');
    // Ticking: elapsed moves with the clock without any new answer.
    await stack.advance(1_000);
    expect(studio.current.progress.elapsedMs).toBe(11_000);
    expect(stack.sim.createCount).toBe(4);
  });
});

describe('useKeyframeVideo: inputs and validation', () => {
  test('submit is disabled with the reason linked until the form can be sent', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    const button = generateButton();
    expect(button.disabled).toBe(true);
    const reason = document.getElementById(button.getAttribute('aria-describedby') ?? '');
    expect(reason?.textContent).toBe('Add a first frame: the video starts from it.');
    // A missing frame is a reason, not an error on the field.
    expect(screen.getByLabelText('First frame').getAttribute('aria-invalid')).toBeNull();

    typePrompt('x'.repeat(801));
    expect(studio.current.fieldErrors.prompt?.param).toBe('input.prompt');
    expect(promptField().getAttribute('aria-invalid')).toBe('true');
    expect(studio.current.blockers.map((error) => error.param)).toEqual([
      'input.first_frame_url',
      'input.prompt',
    ]);

    chooseFrame('First', 'small-300x300.jpg');
    await waitFor(() => expect(studio.current.frames.first.status).toBe('invalid'));
    expect(studio.current.fieldErrors.firstFrame?.message).toMatch(
      /^The first frame cannot be used\. The image is 300×300 pixels; each side must be at least 360/,
    );
    expect(screen.getByLabelText('First frame').getAttribute('aria-invalid')).toBe('true');

    chooseFrame('First', 'valid-640x480.jpg');
    typePrompt(PROMPT);
    await waitFor(() => expect(generateButton().disabled).toBe(false));
    expect(generateButton().getAttribute('aria-describedby')).toBeNull();
    expect(studio.current.blockers).toEqual([]);
    // Only the first frame is required.
    expect(studio.current.frames.last.status).toBe('empty');
  });

  test('inputs are checked against the model table; switching model drops what it lacks', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    await waitFor(() => expect(studio.current.canSubmit).toBe(true));
    const { setInput, setInputs } = studio.current;

    setInputs({ resolution: '4K', seed: 12.5 });
    await waitFor(() => expect(studio.current.canSubmit).toBe(false));
    expect(Object.keys(studio.current.fieldErrors).sort()).toEqual(['resolution', 'seed']);

    setInputs({ resolution: '1080P', seed: 42 });
    await waitFor(() => expect(studio.current.canSubmit).toBe(true));
    expect(studio.current.cost).toMatchObject({ amount: 2.4, currency: 'CNY' });

    setInput('model', 'wanx2.1-kf2v-plus');
    await waitFor(() => expect(studio.current.inputs.model).toBe('wanx2.1-kf2v-plus'));
    expect(studio.current.inputs.resolution).toBeUndefined();
    expect(studio.current.model?.templates).toContain('hanfu-1');
    setInput('template', 'hanfu-1');
    await waitFor(() => expect(studio.current.inputs.template).toBe('hanfu-1'));
    expect(studio.current.canSubmit).toBe(true);

    fireEvent.click(generateButton());
    await stack.settle();
    expect(stack.sim.tasks()[0]).toMatchObject({ model: 'wanx2.1-kf2v-plus' });
  });

  test('a pair of frames with different shapes gets a warning, and swapFrames swaps them', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    expect(studio.current.pairWarning).toMatch(
      /^The last frame is 600×400 \(3:2\) but the first frame is 640×480 \(4:3\)/,
    );
    studio.current.swapFrames();
    await waitFor(() => expect(studio.current.frames.first.status).toBe('ready'));
    expect(studio.current.frames.first).toMatchObject({
      name: 'valid-lossy-600x400.webp',
      width: 600,
    });
    expect(studio.current.frames.last).toMatchObject({ name: 'valid-640x480.jpg', width: 640 });
    expect(studio.current.pairWarning).toMatch(/^The last frame is 640×480/);
  });

  test('frames can be links; a link that is not one is refused on its field', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    studio.current.setFrame('first', 'ftp://example.com/a.png');
    await waitFor(() => expect(studio.current.frames.first.status).toBe('invalid'));
    expect(studio.current.fieldErrors.firstFrame?.message).toBe(
      'The first frame must be an http(s) link or an image file. Check the link or choose a file.',
    );
    studio.current.setFrame('first', 'https://images.example.com/a.jpg');
    await waitFor(() => expect(studio.current.frames.first.status).toBe('ready'));
    expect(studio.current.frames.first).toMatchObject({ url: 'https://images.example.com/a.jpg' });
    studio.current.setFrame('first', null);
    await waitFor(() => expect(studio.current.frames.first.status).toBe('empty'));
  });

  test('a custom preparation conforms a frame before it is checked', async () => {
    const stack = createStack();
    const calls: string[] = [];
    const studio = renderStudio(stack, {
      prepare: async (file, { slot, param, signal }) => {
        calls.push(`${slot} ${param} ${String(signal.aborted)} ${(file as File).name}`);
        // The app's own resizer: here it hands back a conforming image.
        return { blob: fixtureFile('valid-rgb-512x512.png'), name: 'resized.png' };
      },
    });
    chooseFrame('First', 'small-300x300.jpg');
    await waitFor(() => expect(studio.current.frames.first.status).toBe('ready'));
    expect(studio.current.frames.first).toMatchObject({ name: 'resized.png', width: 512 });
    expect(calls).toEqual(['first input.first_frame_url false small-300x300.jpg']);
  });

  test('a preparation that refuses marks the frame invalid with its reason', async () => {
    const stack = createStack();
    const studio = renderStudio(stack, {
      prepare: () =>
        Promise.reject(
          new KeyframeVideoError({
            code: 'FrameRejected',
            message: 'This HEIC photo cannot be read here. Export it as a JPEG.',
          }),
        ),
    });
    chooseFrame('First', 'valid-640x480.jpg');
    await waitFor(() => expect(studio.current.frames.first.status).toBe('invalid'));
    expect(studio.current.fieldErrors.firstFrame).toMatchObject({
      code: 'FrameRejected',
      param: 'input.first_frame_url',
      message: 'This HEIC photo cannot be read here. Export it as a JPEG.',
    });
    expect(generateButton().disabled).toBe(true);
  });

  test("with prepare: 'off' a frame that breaks a rule is refused with every reason", async () => {
    const stack = createStack();
    const studio = renderStudio(stack, { prepare: 'off' });
    chooseFrame('First', 'alpha-rgba-512x512.png');
    await waitFor(() => expect(studio.current.frames.first.status).toBe('invalid'));
    expect(studio.current.fieldErrors.firstFrame?.message).toMatch(/transparency/);
  });

  test('messages replace status texts and error sentences (i18n)', async () => {
    const stack = createStack();
    stack.sim.inject({ kind: 'fail', code: 'DataInspectionFailed' });
    renderStudio(stack, {
      provider: {
        messages: {
          status: { idle: 'Bereit.', failed: 'Das Video konnte nicht erstellt werden.' },
          errors: { DataInspectionFailed: 'Die Inhaltsprüfung hat angeschlagen.' },
        },
      },
    });
    expect(screen.getByRole('status').textContent).toBe('Bereit.');
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.advance(120_000);
    expect(screen.getByRole('status').textContent).toBe('Das Video konnte nicht erstellt werden.');
    expect(screen.getByRole('alert').textContent).toBe('Die Inhaltsprüfung hat angeschlagen.');
  });

  test('submitted at the clock time of the click', async () => {
    const stack = createStack();
    const studio = renderStudio(stack);
    await fillForm(PROMPT);
    fireEvent.click(generateButton());
    await stack.settle();
    expect(studio.current.progress.startedAt).toBe(T0);
  });
});
