/**
 * KeyframeVideoPlayer on a job driven by a plain form (the hooks' prop getters): waiting,
 * running with progress and ETA, retrying, and the finished video with download and expiry.
 */
import type { ComponentType } from 'react';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import {
  KeyframeVideoPlayer,
  useKeyframeVideo,
  type KeyframeVideoPlayerProps,
} from '../src/index.js';
import { withStoryProvider } from './support/StudioPage.js';
import { submitHooksForm } from './support/play.js';
import { simulated } from './support/service.js';

type Args = Omit<KeyframeVideoPlayerProps, 'keyframeVideo'>;

function PlayerWithForm(args: Args) {
  const kfv = useKeyframeVideo({ tick: 1000 });
  return (
    <div className="kfv-root" style={{ maxWidth: 640 }} data-testid="job" data-state={kfv.status}>
      <form aria-label="Inputs" onSubmit={(e) => e.preventDefault()}>
        <label>
          First frame <input {...kfv.getFrameInputProps('first')} />
        </label>{' '}
        <label>
          Last frame <input {...kfv.getFrameInputProps('last')} />
        </label>{' '}
        <label>
          Prompt <input type="text" {...kfv.getPromptProps()} />
        </label>{' '}
        <button {...kfv.getSubmitButtonProps()}>Generate</button>
      </form>
      <KeyframeVideoPlayer {...args} keyframeVideo={kfv} />
    </div>
  );
}

const meta: Meta<Args> = {
  title: 'Components/KeyframeVideoPlayer',
  component: KeyframeVideoPlayer as unknown as ComponentType<Args>,
  render: (args) => <PlayerWithForm {...args} />,
  tags: ['autodocs'],
  beforeEach: simulated({ video: 'sample' }),
  decorators: [withStoryProvider],
};

export default meta;
type Story = StoryObj<Args>;

const start = (canvasElement: HTMLElement) =>
  submitHooksForm(canvasElement, 'Night falls.', 'Generate');

async function reach(canvasElement: HTMLElement, state: string, timeout = 20_000) {
  const job = within(canvasElement).getByTestId('job');
  await waitFor(() => expect(job).toHaveAttribute('data-state', state), { timeout });
}

/** Before anything is made: the placeholder. */
export const Waiting: Story = {};

/** Running: progress, elapsed time and the ETA. */
export const Running: Story = {
  beforeEach: simulated({
    video: 'sample',
    timing: { queueMs: [0, 0], runMs: [600_000, 600_000] },
  }),
  play: async ({ canvasElement }) => {
    await start(canvasElement);
    await reach(canvasElement, 'running');
  },
};

/** The finished video, its download button and expiry countdown. */
export const Succeeded: Story = {
  play: async ({ canvasElement }) => {
    await start(canvasElement);
    await reach(canvasElement, 'succeeded', 30_000);
    await expect(
      within(canvasElement).getByRole('button', { name: 'Download video' }),
    ).toBeVisible();
  },
};
