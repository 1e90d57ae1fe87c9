/**
 * KeyframeVideoPlayer in Chromium with the real stylesheet: it plays the simulator's video
 * (readyState ≥ 2), the download saves a named copy through an object URL, and axe finds
 * nothing in any state, light or dark.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { createDurationHistory } from '../../../src/core/index.js';
import { DURATIONS_KEY } from '../../../src/react/provider.js';
import { KeyframeVideoPlayer, type UseKeyframeVideoResult } from '../../../src/index.js';
import { expectNoAxeViolations, setTheme } from './helpers/axe.js';
import { sceneFile } from './helpers/frames.js';
import { renderPage } from './helpers/page.js';
import { createInPageService, type InPageService } from './helpers/service.js';

let service: InPageService | undefined;
afterEach(() => {
  cleanup();
  service?.dispose();
  setTheme('light');
});

function renderPlayer(svc: InPageService, persistKey?: string) {
  return renderPage(
    svc,
    (kfv) => (
      <>
        <button {...kfv.getSubmitButtonProps()}>Generate</button>
        <button {...kfv.getCancelButtonProps()}>Cancel</button>
        <KeyframeVideoPlayer keyframeVideo={kfv} />
      </>
    ),
    { tick: 1000, persistKey },
  );
}

async function fill(svc: InPageService, latest: { current: UseKeyframeVideoResult }) {
  const [first, last] = await Promise.all([sceneFile('dawn'), sceneFile('night')]);
  act(() => {
    latest.current.setFrame('first', first);
    latest.current.setFrame('last', last);
    latest.current.setInput('prompt', 'The sun sets and the moon rises over the hills.');
  });
  // Preparation runs in a worker in real time (the first one also waits for the worker's code).
  await expect
    .poll(() => [latest.current.frames.first.status, latest.current.frames.last.status], {
      timeout: 20_000,
    })
    .toEqual(['ready', 'ready']);
  await svc.settle();
}

const player = () => document.querySelector<HTMLElement>('.kfv-player');
const generate = () => fireEvent.click(screen.getByRole('button', { name: 'Generate' }));

describe('KeyframeVideoPlayer in Chromium', () => {
  test('plays the simulator’s video, and saves a named copy', async () => {
    service = createInPageService();
    const { latest } = renderPlayer(service);
    await fill(service, latest);
    generate();
    await service.advance(90_000);
    expect(player()?.dataset.state).toBe('succeeded');
    const video = document.querySelector('video');
    if (!video) throw new Error('No video.');
    expect(video.src).toMatch(/^blob:/);
    expect(video.controls).toBe(true);
    await video.play();
    await expect.poll(() => video.readyState, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(video.duration).toBeGreaterThan(4.5);
    expect(video.duration).toBeLessThan(5.5);
    video.pause();

    const saved: HTMLAnchorElement[] = [];
    const onClick = (event: MouseEvent) => {
      if (event.target instanceof HTMLAnchorElement) {
        saved.push(event.target);
        event.preventDefault(); // Keep the test page; the browser would save the file here.
      }
    };
    document.addEventListener('click', onClick, true);
    try {
      fireEvent.click(screen.getByRole('button', { name: 'Download video' }));
      await expect.poll(() => saved.length, { timeout: 10_000 }).toBe(1);
    } finally {
      document.removeEventListener('click', onClick, true);
    }
    expect(saved[0]?.href).toMatch(/^blob:/);
    expect(saved[0]?.href).not.toBe(video.src);
    expect(saved[0]?.download).toMatch(
      /^keyframe-video-\d{4}-\d{2}-\d{2}-\d{4}-the-sun-sets-and-the-moon-rises-over-the\.mp4$/,
    );
  });

  test('axe: every state, light and dark', { timeout: 30_000 }, async () => {
    service = createInPageService();
    const svc = service;
    // This browser has seen three such videos, so progress is determinate with an ETA.
    const history = createDurationHistory({ key: DURATIONS_KEY, storage: svc.storage });
    for (let run = 0; run < 3; run += 1) {
      history.record({ model: 'wan2.2-kf2v-flash', resolution: '720P', durationMs: 70_000 });
    }
    let page = renderPlayer(svc, 'axe');
    /** Moves the clock a second at a time until the player shows `state` (at most `limit`). */
    const reach = async (state: string, limit: number) => {
      for (let waited = 0; waited < limit && player()?.dataset.state !== state; waited += 2_500) {
        await svc.advance(2_500);
      }
    };
    const check = async (state: string) => {
      expect(player()?.dataset.state).toBe(state);
      for (const theme of ['light', 'dark'] as const) {
        setTheme(theme);
        await expectNoAxeViolations(page.main, `${state}, ${theme}`);
      }
    };
    await check('idle'); // the placeholder
    await fill(svc, page.latest);
    await check('idle'); // the poster

    const release = svc.holdNextCreate();
    generate();
    await svc.settle();
    await check('submitting');
    release();
    await reach('queued', 10_000);
    await check('queued');
    await reach('running', 60_000);
    await check('running');
    expect(screen.getByRole('progressbar', { name: 'Progress' }).hasAttribute('value')).toBe(true);
    svc.offline = true;
    await reach('retrying', 60_000);
    await check('retrying');
    await svc.advance(10 * 60_000, 30_000);
    await check('error');
    svc.offline = false;
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await svc.advance(5_000);
    await check('succeeded');

    svc.sim.inject({ kind: 'fail', code: 'InternalError.Algo' });
    generate();
    await svc.advance(90_000);
    await check('failed');

    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await reach('queued', 10_000);
    expect(player()?.dataset.state).toBe('queued');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await reach('canceled', 10_000);
    await check('canceled');

    fireEvent.click(screen.getByRole('button', { name: 'Make it again' }));
    await svc.advance(90_000);
    expect(player()?.dataset.state).toBe('succeeded');
    page.view.unmount();
    await act(() => svc.clock.advanceAsync(25 * 60 * 60_000));
    page = renderPlayer(svc, 'axe');
    await svc.settle();
    await check('expired');
  });
});
