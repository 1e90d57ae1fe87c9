/** FrameDropzone alone, on a `useKeyframeVideo` job: empty, a usable frame, an unusable one. */
import type { ComponentType } from 'react';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { FrameDropzone, useKeyframeVideo, type FrameDropzoneProps } from '../src/index.js';
import { damagedFile, sceneFile } from './support/frames.js';
import { withStoryProvider } from './support/StudioPage.js';
import { simulated } from './support/service.js';

type Args = Omit<FrameDropzoneProps, 'keyframeVideo'>;

/** The dropzone on its own job (as an app places it in its own form). */
function Dropzone(args: Args) {
  const kfv = useKeyframeVideo();
  return (
    <div className="kfv-root" style={{ maxWidth: 420 }}>
      <FrameDropzone {...args} keyframeVideo={kfv} />
    </div>
  );
}

const meta: Meta<Args> = {
  title: 'Components/FrameDropzone',
  component: FrameDropzone as unknown as ComponentType<Args>,
  render: (args) => <Dropzone {...args} />,
  tags: ['autodocs'],
  args: { slot: 'first' },
  beforeEach: simulated(),
  decorators: [withStoryProvider],
};

export default meta;
type Story = StoryObj<Args>;

const zoneOf = (canvasElement: HTMLElement) =>
  within(canvasElement).getByRole('group', { name: /^First frame/ });
const inputOf = (canvasElement: HTMLElement) => {
  const input = canvasElement.querySelector<HTMLInputElement>('input[type="file"]');
  if (!input) throw new Error('No file input.');
  return input;
};

/** Waiting for an image. */
export const Empty: Story = {
  play: async ({ canvasElement }) => {
    await expect(zoneOf(canvasElement)).toHaveAttribute('data-state', 'empty');
  },
};

/** An image that meets every rule: preview, size and what was done to it. */
export const Ready: Story = {
  play: async ({ canvasElement }) => {
    await userEvent.upload(inputOf(canvasElement), await sceneFile('dawn'));
    await waitFor(() => expect(zoneOf(canvasElement)).toHaveAttribute('data-state', 'ready'), {
      timeout: 20_000,
    });
  },
};

/** A damaged file: every problem, said before anything is sent. */
export const Invalid: Story = {
  play: async ({ canvasElement }) => {
    await userEvent.upload(inputOf(canvasElement), await damagedFile());
    await waitFor(() => expect(zoneOf(canvasElement)).toHaveAttribute('data-state', 'invalid'), {
      timeout: 20_000,
    });
  },
};

/** The last frame, marked optional. */
export const OptionalLastFrame: Story = {
  args: { slot: 'last', optional: true },
};
