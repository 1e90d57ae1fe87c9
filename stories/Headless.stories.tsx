/**
 * The headless recipe: the same job with only the hooks and plain HTML — no library component,
 * no library CSS classes. Every prop getter wires ids, labels, `aria-*` and handlers.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, waitFor, within } from 'storybook/test';
import { useKeyframeVideo } from '../src/index.js';
import { withStoryProvider } from './support/StudioPage.js';
import { submitHooksForm } from './support/play.js';
import { simulated } from './support/service.js';

/** A form built from `useKeyframeVideo` alone. */
function HeadlessForm() {
  const kfv = useKeyframeVideo();
  return (
    <form
      aria-label="Headless keyframe video"
      data-state={kfv.status}
      onSubmit={(e) => e.preventDefault()}
    >
      <p>
        <label>
          First frame <input {...kfv.getFrameInputProps('first')} />
        </label>
      </p>
      <p>
        <label>
          Last frame <input {...kfv.getFrameInputProps('last')} />
        </label>
      </p>
      <p>
        <label>
          Prompt <textarea {...kfv.getPromptProps()} />
        </label>
      </p>
      <button {...kfv.getSubmitButtonProps()}>Make the video</button>{' '}
      <button {...kfv.getCancelButtonProps()}>Stop</button>
      <p {...kfv.getStatusProps()}>{kfv.statusText}</p>
      {kfv.videoUrl && <video src={kfv.videoUrl} controls muted aria-label="Your video" />}
    </form>
  );
}

const meta = {
  title: 'Recipes/Headless hooks',
  component: HeadlessForm,
  beforeEach: simulated({ video: 'sample' }),
  decorators: [withStoryProvider],
} satisfies Meta<typeof HeadlessForm>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Choose two frames, type a prompt, make the video. */
export const HooksOnly: Story = {
  play: async ({ canvasElement }) => {
    await submitHooksForm(canvasElement, 'Night falls over the hills.', 'Make the video');
    const canvas = within(canvasElement);
    const form = canvas.getByRole('form', { name: 'Headless keyframe video' });
    await waitFor(() => expect(form).toHaveAttribute('data-state', 'succeeded'), {
      timeout: 30_000,
    });
    await expect(canvas.getByLabelText('Your video')).toBeVisible();
  },
};
