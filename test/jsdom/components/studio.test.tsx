/**
 * KeyframeVideoStudio through roles and labels: the empty form, options generated from the
 * model table, the cost line, the prompt limit, the advanced disclosure, swap and the pair
 * warning, a whole job to the video with the rewritten prompt, service errors on their field,
 * Cancel and Start over.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import {
  defaultErrorMessages,
  KeyframeVideoStudio,
  type KeyframeVideoStudioProps,
} from '../../../src/index.js';
import { KEYFRAME_VIDEO_MODELS, SEED_MAX } from '../../../src/core/index.js';
import { createStack, fixtureFile, type Stack } from '../helpers/stack.js';
import { description, dropzone, renderForm, renderWithProvider } from './harness.js';

afterEach(cleanup);

const PROMPT = 'A paper boat drifts across a puddle.';

function renderStudio(stack: Stack, props: Partial<KeyframeVideoStudioProps> = {}) {
  return renderForm(stack, (kfv) => <KeyframeVideoStudio keyframeVideo={kfv} {...props} />, {
    tick: 1000,
  });
}

function choose(slot: 'First' | 'Last', name: string) {
  fireEvent.change(screen.getByLabelText(new RegExp(`^${slot} frame`), { selector: 'input' }), {
    target: { files: [fixtureFile(name)] },
  });
}

async function fill(stack: Stack, prompt = PROMPT) {
  choose('First', 'valid-640x480.jpg');
  choose('Last', 'valid-640x480.jpg');
  fireEvent.change(screen.getByLabelText('Prompt'), { target: { value: prompt } });
  await stack.settle();
}

const form = () => screen.getByRole('form', { name: 'Keyframe video' });
const generate = () => screen.getByRole('button', { name: 'Generate' });
const optionTexts = (select: HTMLElement) =>
  within(select)
    .getAllByRole('option')
    .map((option) => option.textContent);

describe('KeyframeVideoStudio', () => {
  test('empty: Generate stays focusable, marked disabled, with the reason next to it', () => {
    const stack = createStack();
    const { latest } = renderStudio(stack);
    expect(form().dataset.state).toBe('idle');
    const button = generate();
    expect(button.getAttribute('aria-disabled')).toBe('true');
    expect(button.hasAttribute('disabled')).toBe(false);
    expect(latest.current.submitReason).toBeDefined();
    expect(description(button)).toBe(latest.current.submitReason);
    expect(screen.getByText(latest.current.submitReason ?? '')).toBeTruthy();
    fireEvent.click(button);
    expect(stack.sent('create')).toHaveLength(0);
    // Nothing is shouted at an empty form: no field is invalid yet.
    expect(form().querySelectorAll('[aria-invalid="true"]')).toHaveLength(0);
  });

  test('model and resolution are generated from the model table', () => {
    renderStudio(createStack());
    const model = screen.getByLabelText('Model');
    expect(optionTexts(model)).toEqual(
      Object.values(KEYFRAME_VIDEO_MODELS).map((entry) => entry.label),
    );
    expect((model as HTMLSelectElement).value).toBe('wan2.2-kf2v-flash');
    const resolution = screen.getByLabelText('Resolution') as HTMLSelectElement;
    expect(optionTexts(resolution)).toEqual(['480P', '720P (default)', '1080P']);
    expect(resolution.value).toBe('720P');
    expect(screen.queryByLabelText('Effect template')).toBeNull();
  });

  test('a model with templates offers them, and says the last frame is then ignored', async () => {
    const stack = createStack();
    const { latest } = renderStudio(stack);
    fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'wanx2.1-kf2v-plus' } });
    expect(optionTexts(screen.getByLabelText('Resolution'))).toEqual(['720P (default)']);
    const template = screen.getByLabelText('Effect template');
    expect(optionTexts(template)).toEqual([
      'None',
      'hanfu-1',
      'solaron',
      'magazine',
      'mech1',
      'mech2',
    ]);
    const note = 'With an effect template only the first frame is used; the last frame is ignored.';
    expect(description(template)).toBe(note);
    expect(within(dropzone('Last frame')).queryByText(note)).toBeNull();
    fireEvent.change(template, { target: { value: 'solaron' } });
    expect(latest.current.inputs.template).toBe('solaron');
    expect(within(dropzone('Last frame')).getByText(note)).toBeTruthy();
    // Back to a model without templates: the template goes with it.
    fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'wan2.2-kf2v-flash' } });
    expect(latest.current.inputs.template).toBeUndefined();
    expect(screen.queryByLabelText('Effect template')).toBeNull();
  });

  test('the estimated cost follows the price table', () => {
    renderStudio(createStack());
    expect(screen.getByText('Estimated cost: CN¥1.00 for 5 s at 720P.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Resolution'), { target: { value: '1080P' } });
    expect(screen.getByText('Estimated cost: CN¥2.40 for 5 s at 1080P.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Model'), { target: { value: 'wanx2.1-kf2v-plus' } });
    expect(screen.getByText('Estimated cost: about CN¥3.50 for 5 s at 720P.')).toBeTruthy();
  });

  test('the cost line takes the app’s prices, its own words, or goes away', () => {
    const stack = createStack();
    const flash = KEYFRAME_VIDEO_MODELS['wan2.2-kf2v-flash'];
    const models = {
      [flash.id]: {
        ...flash,
        pricePerSecond: {
          currency: 'USD' as const,
          byResolution: { '480P': 0.02, '720P': 0.05, '1080P': 0.1 },
        },
      },
    };
    const view = renderWithProvider(stack, <KeyframeVideoStudio />, { models });
    expect(screen.getByText('Estimated cost: $0.25 for 5 s at 720P.')).toBeTruthy();
    view.unmount();

    renderWithProvider(
      stack,
      <KeyframeVideoStudio cost={(estimate) => `Costs ${String(estimate?.amount)} credits`} />,
    );
    expect(screen.getByText('Costs 1 credits')).toBeTruthy();
    cleanup();

    renderWithProvider(stack, <KeyframeVideoStudio cost={false} />);
    expect(screen.queryByText(/Estimated cost/)).toBeNull();
  });

  test('the prompt counts characters as the service does, and the limit is on the field', async () => {
    const stack = createStack();
    renderStudio(stack);
    const prompt = screen.getByLabelText('Prompt');
    expect(description(prompt)).toContain('0 / 800');
    // Code points, not UTF-16 units: the cat is one character (its string length is 11).
    fireEvent.change(prompt, { target: { value: '🐱 looks up' } });
    expect(description(prompt)).toContain('10 / 800');
    expect(prompt.getAttribute('aria-invalid')).toBeNull();

    fireEvent.change(prompt, { target: { value: 'x'.repeat(801) } });
    await stack.settle();
    expect(prompt.getAttribute('aria-invalid')).toBe('true');
    expect(description(prompt)).toContain('801 / 800');
    expect(description(prompt)).toContain(
      'The prompt is 801 characters long. Shorten it to 800 characters or fewer.',
    );
    expect(screen.getByText('801 / 800').hasAttribute('data-invalid')).toBe(true);
  });

  test('advanced options: a disclosure with the negative prompt, seed, watermark, rewriting', () => {
    const stack = createStack();
    const { latest } = renderStudio(stack);
    const toggle = screen.getByRole('button', { name: 'Advanced options' });
    const panel = document.getElementById(toggle.getAttribute('aria-controls') ?? '');
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    expect(panel?.hidden).toBe(true);
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect(toggle.dataset.state).toBe('open');
    expect(panel?.hidden).toBe(false);

    const negative = screen.getByLabelText('Negative prompt');
    expect(description(negative)).toBe('What the video should avoid. 0 / 500');
    fireEvent.change(negative, { target: { value: 'blur' } });
    expect(latest.current.inputs.negativePrompt).toBe('blur');

    fireEvent.click(screen.getByRole('button', { name: 'Random seed' }));
    const seed = latest.current.inputs.seed ?? -1;
    expect(Number.isInteger(seed) && seed >= 0 && seed <= SEED_MAX).toBe(true);
    expect((screen.getByLabelText('Seed') as HTMLInputElement).value).toBe(String(seed));
    fireEvent.change(screen.getByLabelText('Seed'), { target: { value: '' } });
    expect(latest.current.inputs.seed).toBeUndefined();

    const watermark = screen.getByLabelText('Add an “AI-generated” watermark') as HTMLInputElement;
    expect(watermark.checked).toBe(false);
    fireEvent.click(watermark);
    expect(latest.current.inputs.watermark).toBe(true);

    const rewrite = screen.getByLabelText('Let the service rewrite the prompt') as HTMLInputElement;
    expect(rewrite.checked).toBe(true);
    fireEvent.click(rewrite);
    expect(latest.current.inputs.promptExtend).toBe(false);

    fireEvent.click(toggle);
    expect(panel?.hidden).toBe(true);
  });

  test('an error in a hidden field opens the panel and sits on the field', async () => {
    const stack = createStack();
    const { latest } = renderStudio(stack);
    act(() => latest.current.setInput('seed', 1.5));
    await stack.settle();
    const toggle = screen.getByRole('button', { name: 'Advanced options' });
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    const seed = screen.getByLabelText('Seed');
    expect(seed.getAttribute('aria-invalid')).toBe('true');
    expect(description(seed)).toContain('The seed must be a whole number from 0 to 2147483647.');
  });

  test('swap exchanges the first and last frame', async () => {
    const stack = createStack();
    const { latest } = renderStudio(stack);
    choose('First', 'valid-640x480.jpg');
    choose('Last', 'valid-lossy-600x400.webp');
    await stack.settle();
    fireEvent.click(screen.getByRole('button', { name: 'Swap first and last frame' }));
    await stack.settle();
    expect(latest.current.frames.first).toMatchObject({ name: 'valid-lossy-600x400.webp' });
    expect(latest.current.frames.last).toMatchObject({ name: 'valid-640x480.jpg' });
    expect(within(dropzone('First frame')).getByText('valid-lossy-600x400.webp')).toBeTruthy();
  });

  test('different shapes: the pair warning with the fit action', async () => {
    const stack = createStack();
    renderStudio(stack);
    choose('First', 'valid-640x480.jpg');
    choose('Last', 'valid-lossy-600x400.webp');
    await stack.settle();
    expect(
      screen.getByText(
        'The last frame is 600 × 400 (3:2) but the first is 640 × 480 (4:3). The video takes the first frame’s shape, so the last frame will be fitted and may be cropped.',
      ),
    ).toBeTruthy();
    // jsdom cannot decode images, so fitting fails here (it is exercised in Chromium).
    fireEvent.click(screen.getByRole('button', { name: 'Fit last frame to first' }));
    await waitFor(() =>
      expect(
        screen.getByText(
          'The last frame could not be fitted here. Crop it to the first frame’s shape yourself.',
        ),
      ).toBeTruthy(),
    );
    // The same shape twice: no warning.
    choose('Last', 'valid-640x480.jpg');
    await stack.settle();
    expect(screen.queryByRole('button', { name: 'Fit last frame to first' })).toBeNull();
  });

  test('a whole job: Generate, the video, and the rewritten prompt beside the original', async () => {
    const stack = createStack();
    const { latest } = renderStudio(stack);
    await fill(stack);
    expect(generate().getAttribute('aria-disabled')).toBeNull();
    fireEvent.click(generate());
    await stack.settle();
    expect(form().dataset.state).toBe('queued');
    // While it runs, Generate says why it cannot start another.
    expect(description(generate())).toBe(latest.current.submitReason);
    await stack.advance(90_000);
    expect(form().dataset.state).toBe('succeeded');
    expect(form().querySelector('video')?.getAttribute('src')).toBe(latest.current.videoUrl);
    const terms = screen.getAllByRole('term').map((term) => term.textContent);
    expect(terms).toEqual(['Your prompt', 'Rewritten by the service']);
    const definitions = screen.getAllByRole('definition').map((item) => item.textContent);
    expect(definitions).toEqual([PROMPT, latest.current.actualPrompt]);
    expect(latest.current.actualPrompt).not.toBe(PROMPT);
  });

  test('prompt rewriting off: no rewritten prompt', async () => {
    const stack = createStack();
    renderStudio(stack, { defaultAdvancedOpen: true });
    await fill(stack);
    fireEvent.click(screen.getByLabelText('Let the service rewrite the prompt'));
    fireEvent.click(generate());
    await stack.advance(90_000);
    expect(form().dataset.state).toBe('succeeded');
    expect(screen.queryByRole('term')).toBeNull();
  });

  test('a service error lands on its field, with aria-invalid and the sentence linked', async () => {
    const stack = createStack();
    stack.sim.inject({ kind: 'fail', code: 'DataInspectionFailed' });
    renderStudio(stack);
    await fill(stack);
    fireEvent.click(generate());
    await stack.advance(120_000);
    expect(form().dataset.state).toBe('failed');
    const prompt = screen.getByLabelText('Prompt');
    expect(prompt.getAttribute('aria-invalid')).toBe('true');
    expect(description(prompt)).toContain(defaultErrorMessages.DataInspectionFailed);
  });

  test('Cancel is marked disabled with nothing to cancel, and cancels a queued job', async () => {
    const stack = createStack();
    renderStudio(stack);
    const cancel = screen.getByRole('button', { name: 'Cancel' });
    expect(cancel.getAttribute('aria-disabled')).toBe('true');
    await fill(stack);
    fireEvent.click(generate());
    await stack.settle();
    expect(cancel.getAttribute('aria-disabled')).toBeNull();
    fireEvent.click(cancel);
    await stack.settle();
    expect(form().dataset.state).toBe('canceled');
    expect(stack.sent('cancel')).toHaveLength(1);
  });

  test('Start over clears the job, the frames and the inputs', async () => {
    const stack = createStack();
    const { latest } = renderStudio(stack);
    await fill(stack);
    fireEvent.click(generate());
    await stack.advance(90_000);
    expect(form().dataset.state).toBe('succeeded');
    fireEvent.click(screen.getByRole('button', { name: 'Start over' }));
    await stack.settle();
    expect(form().dataset.state).toBe('idle');
    expect(latest.current.frames.first.status).toBe('empty');
    expect((screen.getByLabelText('Prompt') as HTMLTextAreaElement).value).toBe('');
    expect(form().querySelector('video')).toBeNull();
  });

  test('its own form from hook options, with className and style on the root', async () => {
    const stack = createStack();
    renderWithProvider(
      stack,
      <KeyframeVideoStudio
        className="brand"
        style={{ maxWidth: 960 }}
        defaults={{ prompt: 'Hello', resolution: '1080P' }}
      />,
    );
    expect(form().className).toBe('kfv-root kfv-studio brand');
    expect(form().style.maxWidth).toBe('960px');
    expect((screen.getByLabelText('Prompt') as HTMLTextAreaElement).value).toBe('Hello');
    expect((screen.getByLabelText('Resolution') as HTMLSelectElement).value).toBe('1080P');
  });
});
