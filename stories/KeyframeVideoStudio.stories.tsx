/**
 * KeyframeVideoStudio in every state. Each story runs the real code path — hooks, client, the
 * relay handler, the DashScope simulator — behind MSW; a story differs only by its simulator
 * timing and fault script, and its play function does what a user does to get there.
 */
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import type { CSSProperties } from 'react';
import { KeyframeVideoStudio } from '../src/index.js';
import { withStoryProvider } from './support/StudioPage.js';
import { chooseDamagedFrame, chooseFrames, generate, reach, studioForm } from './support/play.js';
import { currentService, simulated } from './support/service.js';

const LONG = 600_000;

const meta = {
  title: 'Components/KeyframeVideoStudio',
  component: KeyframeVideoStudio,
  tags: ['autodocs'],
  beforeEach: simulated(),
  decorators: [withStoryProvider],
} satisfies Meta<typeof KeyframeVideoStudio>;

export default meta;
type Story = StoryObj<typeof meta>;

/** Nothing chosen yet. */
export const Empty: Story = {
  play: async ({ canvasElement }) => playIdle(canvasElement),
};

async function playIdle(canvasElement: HTMLElement) {
  await expect(studioForm(canvasElement)).toHaveAttribute('data-state', 'idle');
}

/** A damaged file as the first frame: its problem is shown before anything is sent. */
export const InvalidFrames: Story = {
  play: async ({ canvasElement }) => {
    await chooseDamagedFrame(canvasElement);
    const zone = within(canvasElement).getByRole('group', { name: /^First frame/ });
    await waitFor(() => expect(zone).toHaveAttribute('data-state', 'invalid'), { timeout: 20_000 });
    await expect(within(zone).getByText(/The JPEG file is incomplete/)).toBeVisible();
  },
};

/**
 * Generate pressed while the frames are still being prepared: the job waits in `preparing`.
 * (This story's app-supplied `prepare` step never finishes, to hold the state.)
 */
export const Preparing: Story = {
  args: { prepare: () => new Promise<never>(() => {}) },
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await chooseFrames(canvasElement);
    await userEvent.type(canvas.getByLabelText('Prompt'), 'The sun sets.');
    await userEvent.click(canvas.getByRole('button', { name: 'Generate' }));
    await reach(canvasElement, 'preparing');
  },
};

/** Submitted; the service has not started it (the simulator keeps it PENDING). */
export const Queued: Story = {
  beforeEach: simulated({ timing: { queueMs: [LONG, LONG] } }),
  play: async ({ canvasElement }) => {
    await generate(canvasElement);
    await reach(canvasElement, 'queued');
  },
};

/** RUNNING, with the elapsed time and an honest ETA. */
export const RunningWithEta: Story = {
  beforeEach: simulated({ timing: { queueMs: [0, 0], runMs: [LONG, LONG] } }),
  play: async ({ canvasElement }) => {
    await generate(canvasElement);
    await reach(canvasElement, 'running');
    await expect(within(canvasElement).getByText(/Elapsed/)).toBeVisible();
  },
};

/** Done: the video made from the two frames plays, with a download button. */
export const Succeeded: Story = {
  play: async ({ canvasElement }) => playSucceeded(canvasElement),
};

async function playSucceeded(canvasElement: HTMLElement) {
  {
    await generate(canvasElement);
    await reach(canvasElement, 'succeeded', 30_000);
    await expect(
      within(canvasElement).getByRole('button', { name: 'Download video' }),
    ).toBeVisible();
    const video = canvasElement.querySelector('video');
    await waitFor(() => expect(video?.readyState ?? 0).toBeGreaterThanOrEqual(2), {
      timeout: 20_000,
    });
  }
}

/** The content check failed the task: the message is on the prompt field. */
export const FailedModeration: Story = {
  beforeEach: simulated({
    setup: (sim) => {
      sim.inject({
        kind: 'fail',
        code: 'DataInspectionFailed',
        message: 'Input data may contain inappropriate content.',
      });
    },
  }),
  play: async ({ canvasElement }) => {
    await generate(canvasElement);
    await reach(canvasElement, 'failed');
    await expect(within(canvasElement).getByLabelText('Prompt')).toHaveAttribute(
      'aria-invalid',
      'true',
    );
  },
};

/** Every task query answers 429: the studio shows it is retrying, and keeps the task. */
export const ThrottledRetrying: Story = {
  beforeEach: simulated({
    setup: (sim) => {
      sim.inject(
        { kind: 'http', status: 429, code: 'Throttling.RateQuota' },
        { route: 'get' },
        Infinity,
      );
    },
  }),
  play: async ({ canvasElement }) => {
    await generate(canvasElement);
    await reach(canvasElement, 'retrying');
  },
};

/** The service no longer knows the task (UNKNOWN): the job is expired. */
export const Expired: Story = {
  beforeEach: simulated({ timing: { queueMs: [LONG, LONG] } }),
  play: async ({ canvasElement }) => {
    await generate(canvasElement);
    await reach(canvasElement, 'queued');
    // The service forgets every task, as it does after 24 h.
    currentService().sim.reset();
    await reach(canvasElement, 'expired');
  },
};

/** Canceled while queued. */
export const Canceled: Story = {
  beforeEach: simulated({ timing: { queueMs: [LONG, LONG] } }),
  play: async ({ canvasElement }) => {
    await generate(canvasElement);
    await reach(canvasElement, 'queued');
    await userEvent.click(within(canvasElement).getByRole('button', { name: 'Cancel' }));
    await reach(canvasElement, 'canceled');
  },
};

/** The dark theme (`data-theme="dark"`), finished video. */
export const DarkTheme: Story = {
  args: { style: { padding: 16 } },
  globals: { backgrounds: { value: 'dark' } },
  decorators: [
    (Story) => (
      <div data-theme="dark" className="kfv-root" style={{ background: '#101318', padding: 8 }}>
        <Story />
      </div>
    ),
  ],
  play: async ({ canvasElement }) => playSucceeded(canvasElement),
};

/** A custom brand: only --kfv-* custom properties change. */
export const CustomBrand: Story = {
  decorators: [
    (Story) => (
      <div
        style={
          {
            '--kfv-accent': '#0b6e4f',
            '--kfv-accent-fg': '#ffffff',
            '--kfv-radius': '2px',
            '--kfv-font': 'Georgia, serif',
          } as CSSProperties
        }
      >
        <Story />
      </div>
    ),
  ],
  play: async ({ canvasElement }) => playIdle(canvasElement),
};
