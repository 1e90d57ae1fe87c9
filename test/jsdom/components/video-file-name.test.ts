/** The name a downloaded video is saved under: date, the prompt's first words, the type. */
import { describe, expect, test } from 'vitest';
import { videoFileName } from '../../../src/index.js';

// Local time, so the expected stamp does not depend on the machine's time zone.
const MADE_AT = new Date(2025, 8, 29, 14, 18, 52).getTime();

describe('videoFileName', () => {
  test('date and time, then the prompt’s first words', () => {
    expect(videoFileName({ prompt: 'A cat looks up.', madeAt: MADE_AT, type: 'video/mp4' })).toBe(
      'keyframe-video-2025-09-29-1418-a-cat-looks-up.mp4',
    );
  });

  test('the extension follows the type (MP4 when unknown)', () => {
    expect(videoFileName({ madeAt: MADE_AT, type: 'video/webm' })).toBe(
      'keyframe-video-2025-09-29-1418.webm',
    );
    expect(videoFileName({ madeAt: MADE_AT, type: '' })).toBe('keyframe-video-2025-09-29-1418.mp4');
  });

  test('only whole words, at most 40 characters, accents dropped, nothing a file system rejects', () => {
    const name = videoFileName({
      prompt: 'Crème brûlée: the torch/caramel "crackles" slowly, then the spoon breaks it open',
      madeAt: MADE_AT,
    });
    expect(name).toBe('keyframe-video-2025-09-29-1418-creme-brulee-the-torch-caramel-crackles.mp4');
    expect(name).not.toMatch(/[\\/:*?"<>|\s]/);
  });

  test('a prompt in another script leaves the date alone', () => {
    expect(videoFileName({ prompt: '小猫抬起头。', madeAt: MADE_AT })).toBe(
      'keyframe-video-2025-09-29-1418.mp4',
    );
  });
});
