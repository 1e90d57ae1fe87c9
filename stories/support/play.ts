/** What play functions do as a user: choose frames, type a prompt, generate, wait for a state. */
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { damagedFile, sceneFile } from './frames.js';

/** The studio form (its `data-state` is the job's status). */
export function studioForm(canvasElement: HTMLElement): HTMLElement {
  return within(canvasElement).getByRole('form', { name: 'Keyframe video' });
}

function fileInputs(canvasElement: HTMLElement): HTMLInputElement[] {
  return [...canvasElement.querySelectorAll<HTMLInputElement>('input[type="file"]')];
}

/** Chooses the dawn and night frames through the first two file inputs in `container`. */
export async function chooseFrames(container: HTMLElement) {
  const [first, last] = fileInputs(container);
  if (!first || !last) throw new Error('No file inputs.');
  await userEvent.upload(first, await sceneFile('dawn'));
  await userEvent.upload(last, await sceneFile('night'));
}

/** Chooses the dawn and night frames through the file inputs and types a prompt. */
export async function fillStudio(
  canvasElement: HTMLElement,
  prompt = 'The sun sets and the moon rises.',
) {
  await chooseFrames(canvasElement);
  await userEvent.type(within(canvasElement).getByLabelText('Prompt'), prompt);
  const generate = within(canvasElement).getByRole('button', { name: 'Generate' });
  await waitFor(() => expect(generate).not.toHaveAttribute('aria-disabled', 'true'), {
    timeout: 20_000,
  });
  return generate;
}

/** Fills the form and presses Generate. */
export async function generate(canvasElement: HTMLElement, prompt?: string) {
  const button = await fillStudio(canvasElement, prompt);
  await userEvent.click(button);
}

/**
 * In a form built from the hooks' prop getters (inputs labelled "First frame", "Last frame" and
 * "Prompt"): chooses the dawn and night frames, types `prompt`, waits until the `submit` button
 * is enabled and presses it.
 */
export async function submitHooksForm(canvasElement: HTMLElement, prompt: string, submit: string) {
  const canvas = within(canvasElement);
  await userEvent.upload(canvas.getByLabelText('First frame'), await sceneFile('dawn'));
  await userEvent.upload(canvas.getByLabelText('Last frame'), await sceneFile('night'));
  await userEvent.type(canvas.getByLabelText('Prompt'), prompt);
  const button = canvas.getByRole('button', { name: submit });
  await waitFor(() => expect(button).toBeEnabled(), { timeout: 20_000 });
  await userEvent.click(button);
}

/** Chooses a damaged file as the first frame. */
export async function chooseDamagedFrame(canvasElement: HTMLElement) {
  const [first] = fileInputs(canvasElement);
  if (!first) throw new Error('No file input.');
  await userEvent.upload(first, await damagedFile());
}

/** Waits until the studio's `data-state` is `state`. */
export async function reach(canvasElement: HTMLElement, state: string, timeout = 20_000) {
  await waitFor(() => expect(studioForm(canvasElement)).toHaveAttribute('data-state', state), {
    timeout,
  });
}
