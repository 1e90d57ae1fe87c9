/**
 * The simulator's videos in real Chromium: a task made from two real frames (JPEG data URLs)
 * runs to SUCCEEDED on a manual clock, its `video_url` is fetched through the simulator's
 * handler (in a browser the simulator is a function, not a server) and played in a `<video>`
 * from a blob URL. Both sources must play and last 5 s: the bundled sample (H.264 MP4) and the
 * crossfade made from the two frames (VP8 WebM), whose first moments must show the first frame
 * and whose last moments the last frame.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/index.js';
import { createDashScopeSimulator } from '../../src/simulator/index.js';
import {
  createCrossfadeVideoSource,
  sampleVideoSource,
  type VideoSource,
} from '../../src/simulator/video.js';

const ORIGIN = 'https://dashscope.aliyuncs.com';
const BASE = `${ORIGIN}/api/v1`;
const KEY = 'sk-browser-video-test';
const RED: Rgb = [220, 40, 40];
const BLUE: Rgb = [40, 70, 220];

type Rgb = readonly [number, number, number];

/** A 640×480 JPEG in one colour, as a data URL (JPEG: frames must not have alpha). */
async function solidJpeg(colour: Rgb): Promise<string> {
  const canvas = new OffscreenCanvas(640, 480);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('No 2D canvas.');
  context.fillStyle = `rgb(${colour.join(', ')})`;
  context.fillRect(0, 0, 640, 480);
  const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error ?? new Error('FileReader failed.'));
    reader.readAsDataURL(blob);
  });
}

/** Runs a task to SUCCEEDED and returns the answer to its `video_url`. */
async function videoOfTask(source: VideoSource): Promise<Response> {
  const clock = createManualClock(Date.UTC(2025, 8, 29, 6, 18, 52, 331));
  const simulator = createDashScopeSimulator({
    clock,
    seed: 5,
    timing: {
      queueMs: [2_000, 2_000],
      runMs: [60_000, 60_000],
      longRunChance: 0,
      promptExtendMs: [0, 0],
    },
    video: { source },
  });
  const auth = { Authorization: `Bearer ${KEY}` };
  const created = await simulator(
    new Request(`${BASE}/services/aigc/image2video/video-synthesis`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json', 'X-DashScope-Async': 'enable' },
      body: JSON.stringify({
        model: 'wan2.2-kf2v-flash',
        input: {
          first_frame_url: await solidJpeg(RED),
          last_frame_url: await solidJpeg(BLUE),
          prompt: 'Red turns into blue.',
        },
      }),
    }),
  );
  expect(created.status).toBe(200);
  const { output } = (await created.json()) as { output: { task_id: string } };

  await clock.advanceAsync(5 * 60_000);
  const task = await simulator(new Request(`${BASE}/tasks/${output.task_id}`, { headers: auth }));
  const body = (await task.json()) as { output: { task_status: string; video_url?: string } };
  expect(body.output.task_status).toBe('SUCCEEDED');
  expect(body.output.video_url?.startsWith(`${BASE}/`)).toBe(true);
  return simulator(new Request(body.output.video_url ?? ''));
}

const videos: HTMLVideoElement[] = [];
afterEach(() => {
  for (const video of videos.splice(0)) {
    URL.revokeObjectURL(video.src);
    video.remove();
  }
});

function once(target: EventTarget, type: string): Promise<void> {
  return new Promise((resolve, reject) => {
    target.addEventListener(type, () => resolve(), { once: true });
    target.addEventListener(
      'error',
      () => reject(new Error(`The video failed before "${type}".`)),
      {
        once: true,
      },
    );
  });
}

/** Plays `blob` in a muted `<video>` and resolves once it can play. */
async function load(blob: Blob): Promise<HTMLVideoElement> {
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  videos.push(video);
  document.body.append(video);
  const ready = once(video, 'canplay');
  video.src = URL.createObjectURL(blob);
  await ready;
  return video;
}

/** The average colour of the frame shown at `seconds`. */
/**
 * Seeks and waits until the frame at `seconds` is the one shown: the element is no longer
 * seeking, is at that time with a frame, and the frame callback says it was presented. A
 * 'seeked' event alone is not enough: under load the first frame was still drawn after it. The
 * callback is registered before the seek so it cannot be missed (2 s at most without one).
 */
async function seekTo(video: HTMLVideoElement, seconds: number): Promise<void> {
  const presented = new Promise<void>((resolve) => {
    video.requestVideoFrameCallback(() => resolve());
    setTimeout(resolve, 2_000);
  });
  video.currentTime = seconds;
  const giveUpAt = Date.now() + 15_000;
  while (video.seeking || Math.abs(video.currentTime - seconds) > 0.1 || video.readyState < 2) {
    if (video.error) throw new Error(`The video failed to seek: ${video.error.message}`);
    if (Date.now() > giveUpAt) throw new Error(`The video did not seek to ${String(seconds)} s.`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await presented;
}

async function colourAt(video: HTMLVideoElement, seconds: number): Promise<Rgb> {
  await seekTo(video, seconds);
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 24;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('No 2D canvas.');
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i += 4) {
    sum[0] = (sum[0] ?? 0) + (data[i] ?? 0);
    sum[1] = (sum[1] ?? 0) + (data[i + 1] ?? 0);
    sum[2] = (sum[2] ?? 0) + (data[i + 2] ?? 0);
  }
  const pixels = data.length / 4;
  return [0, 1, 2].map((c) => Math.round((sum[c] ?? 0) / pixels)) as unknown as Rgb;
}

function distance(a: Rgb, b: Rgb): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
}

describe('simulated videos play in Chromium', () => {
  it('the sample clip: H.264 MP4, plays, 5 s long', async () => {
    const response = await videoOfTask(sampleVideoSource);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('video/mp4');
    const video = await load(await response.blob());
    expect(video.duration).toBeGreaterThan(4.5);
    expect(video.duration).toBeLessThan(5.5);
    expect([video.videoWidth, video.videoHeight]).toEqual([640, 360]);
  });

  // Encoding takes a few seconds, more on a busy machine.
  it(
    'the crossfade: WebM made from the two frames, 5 s long, first frame to last',
    { timeout: 60_000 },
    async () => {
      const fallbacks: string[] = [];
      const response = await videoOfTask(
        createCrossfadeVideoSource({
          onFallback: (error) => fallbacks.push(error.detail ?? error.message),
        }),
      );
      expect(fallbacks).toEqual([]);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('video/webm');
      const video = await load(await response.blob());
      // The duration is in the WebM header, so it is known at once (no Infinity until seeked).
      expect(video.duration).toBeGreaterThan(4.5);
      expect(video.duration).toBeLessThan(5.5);
      // 512×384 keeps the first frame's 4:3 (sides rounded to multiples of 16).
      expect([video.videoWidth, video.videoHeight]).toEqual([512, 384]);

      const start = await colourAt(video, 0.1);
      const end = await colourAt(video, 4.9);
      expect(distance(start, RED), `start ${start.join(',')}`).toBeLessThan(40);
      expect(distance(end, BLUE), `end ${end.join(',')}`).toBeLessThan(40);
    },
  );

  it('the crossfade falls back to the sample when a frame cannot be decoded', async () => {
    const fallbacks: string[] = [];
    const source = createCrossfadeVideoSource({
      onFallback: (error) => fallbacks.push(error.code),
    });
    const blob = await source({
      input: { first_frame_url: 'data:image/jpeg;base64,bm90IGFuIGltYWdl', last_frame_url: null },
    });
    expect(fallbacks).toEqual(['Unknown']);
    expect(blob.type).toBe('video/mp4');
    const video = await load(blob);
    expect(video.duration).toBeGreaterThan(4.5);
    expect(video.duration).toBeLessThan(5.5);
  });
});
