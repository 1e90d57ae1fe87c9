// A minimal form an app would build on `useKeyframeVideo` with its prop getters, so tests can
// drive it by role and label like a user. `onResult` exposes the hook's result for assertions
// that have no markup (ids, times).
import { StrictMode, type ReactNode } from 'react';
import { expect } from 'vitest';
import { fireEvent, render, waitFor, within, type RenderResult } from '@testing-library/react';
import {
  KeyframeVideoProvider,
  useKeyframeVideo,
  type KeyframeVideoProviderProps,
  type UseKeyframeVideoOptions,
  type UseKeyframeVideoResult,
} from '../../../src/index.js';
import { fixtureFile, type Stack } from './stack.js';

export interface StudioProps extends UseKeyframeVideoOptions {
  onResult?: (result: UseKeyframeVideoResult) => void;
}

export function Studio({ onResult, ...options }: StudioProps) {
  const kfv = useKeyframeVideo(options);
  onResult?.(kfv);
  return (
    <form aria-label="Keyframe video" data-state={kfv.status}>
      <label>
        First frame
        <input {...kfv.getFrameInputProps('first')} data-state={kfv.frames.first.status} />
      </label>
      {kfv.fieldErrors.firstFrame && (
        <p {...kfv.getFieldErrorProps('firstFrame')}>{kfv.fieldErrors.firstFrame.message}</p>
      )}
      <label>
        Last frame
        <input {...kfv.getFrameInputProps('last')} data-state={kfv.frames.last.status} />
      </label>
      <label>
        Prompt
        <textarea {...kfv.getPromptProps()} />
      </label>
      {kfv.fieldErrors.prompt && (
        <p {...kfv.getFieldErrorProps('prompt')}>{kfv.fieldErrors.prompt.message}</p>
      )}
      <button {...kfv.getSubmitButtonProps()}>Generate</button>
      {kfv.submitReason && <p {...kfv.getSubmitReasonProps()}>{kfv.submitReason}</p>}
      <button {...kfv.getCancelButtonProps()}>Cancel</button>
      <button type="button" onClick={kfv.retry}>
        Try again
      </button>
      <p {...kfv.getStatusProps()}>{kfv.statusText}</p>
      {kfv.errorMessage && <p role="alert">{kfv.errorMessage}</p>}
      {kfv.noticeMessage && <p role="note">{kfv.noticeMessage}</p>}
      {kfv.videoUrl && (
        <a href={kfv.videoUrl} download>
          Download video
        </a>
      )}
    </form>
  );
}

/** Picks a fixture image for a frame, as a user would with the file input. */
export function chooseFrame(slot: 'First' | 'Last', name: string, root = document.body) {
  fireEvent.change(within(root).getByLabelText(`${slot} frame`), {
    target: { files: [fixtureFile(name)] },
  });
}

/** Picks fixture images for the two frames. */
export function chooseFrames(
  first = 'valid-640x480.jpg',
  last = 'valid-lossy-600x400.webp',
  root = document.body,
) {
  chooseFrame('First', first, root);
  chooseFrame('Last', last, root);
}

/** The prompt field. */
export function promptField(root = document.body): HTMLTextAreaElement {
  return within(root).getByLabelText('Prompt');
}

/** Types a prompt into the prompt field. */
export function typePrompt(text: string, root = document.body) {
  fireEvent.change(promptField(root), { target: { value: text } });
}

/** The status shown in the live region (its data-state). */
export function shownStatus(root = document.body): string | null {
  return within(root).getByRole('status').getAttribute('data-state');
}

/** The Generate button. */
export function generateButton(root = document.body): HTMLButtonElement {
  return within(root).getByRole('button', { name: 'Generate' });
}

/** The Cancel button. */
export function cancelButton(root = document.body): HTMLButtonElement {
  return within(root).getByRole('button', { name: 'Cancel' });
}

/** A rendered studio and what its hook returned last. */
export interface RenderedStudio {
  readonly view: RenderResult;
  /** The hook's result at the last render. */
  readonly current: UseKeyframeVideoResult;
  /** Every status the hook rendered with, in order, without repeats. */
  readonly seen: readonly string[];
}

export interface RenderStudioOptions extends UseKeyframeVideoOptions {
  provider?: Partial<KeyframeVideoProviderProps>;
  strict?: boolean;
  /** Render into this container (another "tab") instead of a new one. */
  container?: HTMLElement;
}

/** Renders the studio under a provider wired to `stack`. */
export function renderStudio(stack: Stack, options: RenderStudioOptions = {}): RenderedStudio {
  const { provider, strict, container, ...hookOptions } = options;
  let latest: UseKeyframeVideoResult | undefined;
  const seen: string[] = [];
  const onResult = (result: UseKeyframeVideoResult) => {
    latest = result;
    if (seen.at(-1) !== result.status) seen.push(result.status);
  };
  let tree: ReactNode = (
    <KeyframeVideoProvider {...stack.providerProps(provider)}>
      <Studio {...hookOptions} onResult={onResult} />
    </KeyframeVideoProvider>
  );
  if (strict) tree = <StrictMode>{tree}</StrictMode>;
  const view = render(tree, container ? { container } : {});
  return {
    view,
    get current() {
      if (!latest) throw new Error('The studio has not rendered.');
      return latest;
    },
    seen,
  };
}

/** Chooses two valid frames and types a prompt, then waits until Generate is enabled. */
export async function fillForm(
  prompt = 'A paper boat drifts across a puddle.',
  root = document.body,
) {
  chooseFrames(undefined, undefined, root);
  typePrompt(prompt, root);
  await framesSettled(root);
  await waitFor(() => expect(generateButton(root).disabled).toBe(false));
}

/** Waits until neither frame is being prepared (their inputs' data-state). */
export async function framesSettled(root = document.body) {
  await waitFor(() => {
    for (const slot of ['First', 'Last']) {
      expect(within(root).getByLabelText(`${slot} frame`).getAttribute('data-state')).not.toBe(
        'preparing',
      );
    }
  });
}
