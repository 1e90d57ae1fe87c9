/**
 * KeyframeVideoStudio in Chromium with the real stylesheet: the whole flow from the keyboard
 * alone (Tab, Enter, Space, typing; the file chooser answered with `userEvent.upload` on the
 * input of the focused dropzone) to a playing video made from the two frames; the fit action;
 * and the main states at 320 px and 1280 px — screenshots into reports/screenshots, no
 * horizontal overflow, and axe in light and dark.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { commands, page, userEvent } from 'vitest/browser';
import { KeyframeVideoStudio } from '../../../src/index.js';
import { expectNoAxeViolations, setTheme } from './helpers/axe.js';
import { damagedFile, sceneFile, transferOf } from './helpers/frames.js';
import { renderPage } from './helpers/page.js';
import { createInPageService, type InPageService } from './helpers/service.js';

let service: InPageService | undefined;
afterEach(async () => {
  cleanup();
  service?.dispose();
  setTheme('light');
  await page.viewport(1280, 900);
});

function renderStudio(svc: InPageService) {
  return renderPage(svc, (kfv) => <KeyframeVideoStudio keyframeVideo={kfv} />, { tick: 1000 });
}

const form = () => screen.getByRole('form', { name: 'Keyframe video' });
const zone = (label: string) => screen.getByRole('group', { name: new RegExp(`^${label}`) });

/** Presses Tab until `target` has the focus (it must be reachable within `limit` presses). */
async function tabTo(target: Element, limit = 30) {
  for (let presses = 0; presses < limit && document.activeElement !== target; presses += 1) {
    await userEvent.keyboard('{Tab}');
  }
  expect(document.activeElement, `Tab reaches ${target.outerHTML.slice(0, 80)}`).toBe(target);
}

/** Moves the clock a few seconds at a time until the studio shows `state`. */
async function reach(svc: InPageService, state: string, limit = 120_000) {
  for (let waited = 0; waited < limit && form().dataset.state !== state; waited += 5_000) {
    await svc.advance(5_000);
  }
  expect(form().dataset.state).toBe(state);
}

/**
 * The runner paints only the part of the test page inside its own window, so a tall page is
 * shot part by part (scrolled) and the painted slices are stitched into one PNG here, in the
 * page, then written to reports/screenshots.
 */
const SHOT_HEIGHT = 680;

async function screenshots(name: string) {
  const width = document.documentElement.clientWidth;
  const total = document.documentElement.scrollHeight;
  const sheet = document.createElement('canvas');
  sheet.width = width;
  sheet.height = total;
  const context = sheet.getContext('2d');
  if (!context) throw new Error('No 2D canvas.');
  // A sticky part would show up in every slice: pin it where it is at the top of the page.
  const unstick = document.createElement('style');
  unstick.textContent = '.kfv-studio__output { position: static !important; }';
  document.head.append(unstick);
  for (let top = 0; top < total; top += window.innerHeight) {
    window.scrollTo(0, top);
    const y = window.scrollY;
    const base64 = await page.screenshot({ save: false });
    const bitmap = await createImageBitmap(
      await (await fetch(`data:image/png;base64,${base64}`)).blob(),
    );
    const height = Math.min(window.innerHeight, total - y);
    context.drawImage(bitmap, 0, y, width, height, 0, y, width, height);
    bitmap.close();
  }
  window.scrollTo(0, 0);
  unstick.remove();
  // Encoded synchronously: the asynchronous encoder can wait seconds for its turn here.
  const png = sheet.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
  await commands.writeFile(`reports/screenshots/${name}.png`, png, 'base64');
}

async function dropOn(target: HTMLElement, file: File) {
  target.dispatchEvent(
    new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: transferOf([file]) }),
  );
  await expect.poll(() => target.dataset.state, { timeout: 20_000 }).toMatch(/^(ready|invalid)$/);
}

describe('KeyframeVideoStudio in Chromium', () => {
  test('the whole flow from the keyboard alone, to a playing video', async () => {
    service = createInPageService({ video: 'crossfade' });
    const svc = service;
    renderStudio(svc);
    const [dawn, night] = await Promise.all([sceneFile('dawn'), sceneFile('night')]);

    for (const [label, file] of [
      ['First frame', dawn],
      ['Last frame', night],
    ] as const) {
      const choose = within(zone(label)).getByRole('button', { name: /^Choose an image/ });
      await tabTo(choose);
      const input = zone(label).querySelector<HTMLInputElement>('input[type="file"]');
      if (!input) throw new Error('No file input.');
      let chooserOpened = false;
      input.addEventListener('click', () => (chooserOpened = true), { once: true });
      await userEvent.keyboard('{Enter}');
      expect(chooserOpened).toBe(true);
      // The chooser's answer: the file the user picks.
      await userEvent.upload(input, file);
      await expect.poll(() => zone(label).dataset.state, { timeout: 20_000 }).toBe('ready');
      // Focus stays on the same button, which now replaces the frame.
      expect(document.activeElement).toBe(choose);
    }

    await tabTo(screen.getByLabelText('Prompt'));
    await userEvent.keyboard('The sun sets and the moon rises over the hills.');
    const advanced = screen.getByRole('button', { name: 'Advanced options' });
    await tabTo(advanced);
    await userEvent.keyboard(' ');
    expect(advanced.getAttribute('aria-expanded')).toBe('true');
    const generate = screen.getByRole('button', { name: 'Generate' });
    await tabTo(generate);
    await userEvent.keyboard('{Enter}');
    await svc.settle();
    expect(form().dataset.state).not.toBe('idle');
    await reach(svc, 'succeeded');

    const video = form().querySelector('video');
    if (!video) throw new Error('No video.');
    await tabTo(video);
    video.muted = true;
    await userEvent.keyboard(' ');
    await expect.poll(() => video.readyState, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
    // The crossfade made from the two frames: 5 s, the first frame's 16:9.
    expect(video.duration).toBeGreaterThan(4.5);
    expect(video.videoWidth / video.videoHeight).toBeCloseTo(16 / 9, 1);
    await tabTo(screen.getByRole('button', { name: 'Download video' }));
  });

  test('fit last frame to first: the last frame is cropped to the first frame’s shape', async () => {
    service = createInPageService();
    const { latest } = renderStudio(service);
    await dropOn(zone('First frame'), await sceneFile('dawn', 1280, 720));
    await dropOn(zone('Last frame'), await sceneFile('night', 960, 720));
    const fit = screen.getByRole('button', { name: 'Fit last frame to first' });
    expect(
      screen.getByText(/^The last frame is 960 × 720 \(4:3\) but the first is 1280 × 720 \(16:9\)/),
    ).toBeTruthy();
    fireEvent.click(fit);
    await expect
      .poll(
        () => {
          const last = latest.current.frames.last;
          return last.status === 'ready'
            ? `${String(last.width)}×${String(last.height)}`
            : last.status;
        },
        { timeout: 20_000 },
      )
      .toBe('960×540');
    expect(screen.queryByRole('button', { name: 'Fit last frame to first' })).toBeNull();
  });

  test(
    'main states at 320 px and 1280 px: screenshots, no overflow, axe light and dark',
    { timeout: 60_000 },
    async () => {
      service = createInPageService();
      const svc = service;
      const { main } = renderStudio(svc);
      const capture = async (state: string) => {
        for (const theme of ['light', 'dark'] as const) {
          setTheme(theme);
          await expectNoAxeViolations(main, `studio ${state}, ${theme}`);
        }
        setTheme('light');
        for (const width of [320, 1280]) {
          await page.viewport(width, SHOT_HEIGHT);
          expect(
            document.documentElement.scrollWidth,
            `${state} at ${String(width)} px overflows`,
          ).toBeLessThanOrEqual(window.innerWidth);
          await screenshots(`studio-${state}-${String(width)}`);
        }
      };

      await capture('empty');

      await dropOn(zone('First frame'), await damagedFile());
      expect(zone('First frame').dataset.state).toBe('invalid');
      await capture('invalid-frame');

      await dropOn(zone('First frame'), await sceneFile('dawn'));
      await dropOn(zone('Last frame'), await sceneFile('night'));
      fireEvent.change(screen.getByLabelText('Prompt'), {
        target: { value: 'The sun sets and the moon rises over the hills.' },
      });
      fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
      await reach(svc, 'running');
      await capture('running');

      await reach(svc, 'succeeded');
      await capture('succeeded');

      svc.sim.inject({ kind: 'fail', code: 'InternalError.Algo' });
      fireEvent.click(screen.getByRole('button', { name: 'Generate' }));
      await reach(svc, 'failed');
      await capture('failed');

      // The dark theme, to look at too.
      setTheme('dark');
      await page.viewport(1280, SHOT_HEIGHT);
      await screenshots('studio-failed-1280-dark');
    },
  );
});
