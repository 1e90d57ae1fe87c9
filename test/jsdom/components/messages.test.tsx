/**
 * Every word the components show goes through the provider's messages: English and Simplified
 * Chinese are both complete (same keys, every entry a non-empty text), and a studio rendered
 * with `messagesZhCN` shows no English of ours — in the empty form, with an invalid frame, and
 * with a finished video.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { cleanup, fireEvent, screen } from '@testing-library/react';
import {
  defaultErrorMessages,
  defaultKeyframeVideoMessages,
  KeyframeVideoStudio,
  messagesZhCN,
  type KeyframeVideoMessages,
} from '../../../src/index.js';
import { estimateCost, FRAME_RULES, type PrepareFrameReport } from '../../../src/core/index.js';
import { createStack, fixtureFile } from '../helpers/stack.js';
import { renderWithProvider } from './harness.js';

afterEach(cleanup);

/** Every key path of a table (functions and strings are leaves). */
function keyPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [prefix];
  return Object.keys(value)
    .sort()
    .flatMap((key) => keyPaths((value as Record<string, unknown>)[key], `${prefix}.${key}`));
}

const REPORT: PrepareFrameReport = {
  outcome: 'prepared',
  summary: 'Resized 2400×1600 → 2000×1333.',
  changes: [{ kind: 'resized', message: 'resized 2400×1600 → 2000×1333 (longest side 2000)' }],
  kept: [],
  input: { format: 'jpeg', width: 2400, height: 1600, bytes: 2_000_000, orientation: 1 },
  output: {
    format: 'jpeg',
    mime: 'image/jpeg',
    width: 2000,
    height: 1333,
    bytes: 900_000,
    quality: 0.92,
  },
  ranIn: 'worker',
};

/** Calls every function entry with plausible arguments: each must give a non-empty text. */
function everyText(messages: KeyframeVideoMessages): string[] {
  const { ui } = messages;
  const cost = estimateCost({ model: 'wan2.2-kf2v-flash', resolution: '720P' });
  if (!cost) throw new Error('No price.');
  const check = { ok: false, width: 300, height: 300, bytes: 20_000, problems: [] };
  return [
    ...Object.values(messages.status),
    messages.retryingIn(7),
    messages.etaUnknown,
    messages.etaRemaining(95),
    messages.etaOverdue,
    messages.busy,
    ...Object.values(ui.frameLabel),
    ui.dropHint(FRAME_RULES),
    ui.previewAlt('x'),
    ui.frameFacts({ width: 640, height: 480, bytes: 48_000 }),
    ...REPORT.changes.map((change) => ui.frameChange(change, REPORT)),
    ui.frameProblem({ reason: 'too-small', message: 'x' }, check, FRAME_RULES),
    ui.rejectedType('a.svg', FRAME_RULES),
    ui.fileSize(1_500_000),
    ui.pairWarning({ width: 640, height: 480 }, { width: 600, height: 400 }),
    ui.characterCount(3, 800),
    ui.defaultOption('720P'),
    ui.estimatedCost(cost, ui.locale),
    ui.elapsed(65_000),
    ui.expiresIn(5 * 3_600_000),
    ...Object.values(ui).filter((entry): entry is string => typeof entry === 'string'),
  ];
}

describe('messages', () => {
  test('zh-CN has exactly the keys of the English table', () => {
    const english = keyPaths({ ...defaultKeyframeVideoMessages, errors: defaultErrorMessages });
    expect(keyPaths(messagesZhCN)).toEqual(english);
  });

  test('every entry of both tables is a non-empty text', () => {
    for (const messages of [defaultKeyframeVideoMessages, messagesZhCN]) {
      for (const text of everyText(messages)) {
        expect(typeof text).toBe('string');
        expect(text.trim()).not.toBe('');
      }
    }
    for (const text of Object.values(messagesZhCN.errors)) expect(text?.trim()).not.toBe('');
  });

  test('a partial table rewords some entries and keeps the rest', () => {
    const stack = createStack();
    renderWithProvider(stack, <KeyframeVideoStudio />, {
      messages: { ui: { generate: 'Make my video' } },
    });
    expect(screen.getByRole('button', { name: 'Make my video' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Start over' })).toBeTruthy();
  });
});

/** Our English words that must not show in a zh-CN page (names, formats, units are fine). */
function englishLeft(root: HTMLElement): string[] {
  const texts: string[] = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode())
    texts.push(node.textContent ?? '');
  for (const element of root.querySelectorAll('*')) {
    for (const name of ['aria-label', 'alt', 'title', 'placeholder']) {
      const value = element.getAttribute(name);
      if (value) texts.push(value);
    }
  }
  const allowed =
    /Wan|Wanx|Flash|Plus|effect templates|international|JPEG|PNG|BMP|WebP|EXIF|KB|MB|AI|URL|data|valid|jpg|webp|small|png|\d+P/g;
  return texts
    .map((text) => text.replace(allowed, ''))
    .flatMap((text) => text.match(/[A-Za-z]{3,}/g) ?? []);
}

describe('a studio in Simplified Chinese', () => {
  test('(the English detector finds the English studio’s words)', () => {
    const view = renderWithProvider(createStack(), <KeyframeVideoStudio />);
    expect(englishLeft(view.container)).toEqual(expect.arrayContaining(['First', 'Generate']));
  });

  test(
    'shows no English of ours, empty, with an invalid frame, and with a video',
    { timeout: 20_000 },
    async () => {
      const stack = createStack();
      const view = renderWithProvider(stack, <KeyframeVideoStudio tick={1000} />, {
        messages: messagesZhCN,
      });
      const root = view.container;
      expect(screen.getByRole('form', { name: '首尾帧生成视频' })).toBeTruthy();
      expect(englishLeft(root)).toEqual([]);

      fireEvent.change(screen.getByLabelText('首帧', { selector: 'input' }), {
        target: { files: [fixtureFile('small-300x300.jpg')] },
      });
      await stack.settle();
      expect(
        screen.getByText('图片为 300×300 像素，每边至少需要 360 像素，请换一张更大的图片。'),
      ).toBeTruthy();
      expect(englishLeft(root)).toEqual([]);

      fireEvent.change(screen.getByLabelText('首帧', { selector: 'input' }), {
        target: { files: [fixtureFile('valid-640x480.jpg')] },
      });
      fireEvent.change(screen.getByLabelText('提示词'), { target: { value: '小猫抬起头。' } });
      await stack.settle();
      fireEvent.click(screen.getByRole('button', { name: '生成' }));
      await stack.advance(90_000);
      expect(screen.getByRole('status').textContent).toBe('视频已生成。');
      expect(screen.getByRole('button', { name: '下载视频' })).toBeTruthy();
      expect(screen.getByText('预计费用：¥1.00（5 秒，720P）。')).toBeTruthy();
      // The rewritten prompt is the service's text (the simulator answers in English).
      const rewritten = screen.getAllByRole('definition')[1];
      rewritten?.remove();
      expect(englishLeft(root)).toEqual([]);
    },
  );
});
