/**
 * FrameDropzone in Chromium with the real stylesheet: a real `drop` (a DragEvent whose
 * DataTransfer holds a File made from canvas bytes), a real `paste` (a ClipboardEvent), the
 * keyboard opening the chooser, preparation's report in words, and axe in every state, light
 * and dark.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { cleanup, screen, within } from '@testing-library/react';
import { userEvent } from 'vitest/browser';
import { FrameDropzone, type PrepareFrameFunction } from '../../../src/index.js';
import { expectNoAxeViolations, setTheme } from './helpers/axe.js';
import { damagedFile, sceneFile, transferOf } from './helpers/frames.js';
import { renderPage } from './helpers/page.js';
import { createInPageService, type InPageService } from './helpers/service.js';

let service: InPageService | undefined;
afterEach(() => {
  cleanup();
  service?.dispose();
  setTheme('light');
});

function renderDropzone(provider: Parameters<typeof renderPage>[3] = {}) {
  service = createInPageService();
  const page = renderPage(
    service,
    (kfv) => <FrameDropzone keyframeVideo={kfv} slot="first" />,
    {},
    provider,
  );
  const zone = screen.getByRole('group', { name: 'First frame' });
  return { ...page, zone, service };
}

const chooseButton = () => screen.getByRole('button', { name: 'Choose an image First frame' });

async function until(check: () => boolean, what: string) {
  await expect.poll(check, { timeout: 10_000, message: what }).toBe(true);
}

describe('FrameDropzone in Chromium', () => {
  test('a real drop of a canvas-made file: dragging, then ready with the preparation report', async () => {
    const { zone, latest } = renderDropzone();
    const file = await sceneFile('dawn', 2400, 1600, 'dawn.jpg');
    const transfer = transferOf([file]);
    zone.dispatchEvent(
      new DragEvent('dragenter', { bubbles: true, cancelable: true, dataTransfer: transfer }),
    );
    zone.dispatchEvent(
      new DragEvent('dragover', { bubbles: true, cancelable: true, dataTransfer: transfer }),
    );
    await until(() => zone.dataset.state === 'dragging', 'dragging');
    expect(zone.hasAttribute('data-dragging')).toBe(true);
    const drop = new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: transfer });
    zone.dispatchEvent(drop);
    expect(drop.defaultPrevented).toBe(true);
    await until(() => zone.dataset.state === 'ready', 'ready');
    expect(latest.current.frames.first).toMatchObject({
      status: 'ready',
      width: 2000,
      height: 1333,
    });
    const preview = within(zone).getByRole('img', {
      name: 'First frame preview',
    }) as HTMLImageElement;
    await until(() => preview.complete && preview.naturalWidth === 2000, 'preview decoded');
    expect(within(zone).getByText(/^2000 × 1333 px · \d+ KB$/)).toBeTruthy();
    expect(within(zone).getByText('Adjusted to meet the rules:')).toBeTruthy();
    expect(within(zone).getByText(/^Resized 2400×1600 → 2000×1333/)).toBeTruthy();
  });

  test('a real paste into the focused dropzone', async () => {
    const { zone } = renderDropzone();
    chooseButton().focus();
    const file = await sceneFile('night', 960, 720, 'night.jpg');
    const paste = new ClipboardEvent('paste', {
      bubbles: true,
      cancelable: true,
      clipboardData: transferOf([file]),
    });
    document.activeElement?.dispatchEvent(paste);
    expect(paste.defaultPrevented).toBe(true);
    await until(() => zone.dataset.state === 'ready', 'ready');
    expect(within(zone).getByText('Used as it is: it meets every rule.')).toBeTruthy();
    expect(within(zone).getByText(/^960 × 720 px · /)).toBeTruthy();
  });

  test('Tab reaches the chooser; Enter and Space open it', async () => {
    renderDropzone();
    const input = document.querySelector<HTMLInputElement>('input[type="file"]');
    let opened = 0;
    input?.addEventListener('click', (event) => {
      opened += 1;
      event.preventDefault(); // No native dialog in a test.
    });
    await userEvent.keyboard('{Tab}');
    expect(document.activeElement).toBe(chooseButton());
    await userEvent.keyboard('{Enter}');
    expect(opened).toBe(1);
    await userEvent.keyboard(' ');
    expect(opened).toBe(2);
  });

  test('axe: every state, light and dark', async () => {
    // A preparation that waits, so "checking" holds still for axe.
    const gate: { release?: (() => void) | undefined } = {};
    const slow: PrepareFrameFunction = (file) =>
      new Promise((resolve) => {
        gate.release = () => resolve({ blob: file });
      });
    const release = () => {
      const waiting = gate.release;
      gate.release = undefined;
      waiting?.();
    };
    const { zone, main } = renderDropzone({ prepare: slow });
    const check = async (state: string) => {
      for (const theme of ['light', 'dark'] as const) {
        setTheme(theme);
        await expectNoAxeViolations(main, `${state}, ${theme}`);
      }
    };
    expect(zone.dataset.state).toBe('empty');
    await check('empty');

    const file = await sceneFile('dawn', 1280, 720);
    const transfer = transferOf([file]);
    zone.dispatchEvent(
      new DragEvent('dragenter', { bubbles: true, cancelable: true, dataTransfer: transfer }),
    );
    await until(() => zone.dataset.state === 'dragging', 'dragging');
    await check('dragging');

    zone.dispatchEvent(
      new DragEvent('drop', { bubbles: true, cancelable: true, dataTransfer: transfer }),
    );
    await until(() => zone.dataset.state === 'checking', 'checking');
    await check('checking');
    release();
    await until(() => zone.dataset.state === 'ready', 'ready');
    await check('ready');

    const damaged = await damagedFile();
    zone.dispatchEvent(
      new DragEvent('drop', {
        bubbles: true,
        cancelable: true,
        dataTransfer: transferOf([damaged]),
      }),
    );
    await until(
      () => gate.release !== undefined && zone.dataset.state === 'checking',
      'checking again',
    );
    release();
    await until(() => zone.dataset.state === 'invalid', 'invalid');
    expect(within(zone).getByText('This image cannot be used:')).toBeTruthy();
    await check('invalid');
  });
});
