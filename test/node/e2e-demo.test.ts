/**
 * The demo end to end, as a person uses it: the demo server (Vite + the relay + the in-process
 * simulator, importing the built library from dist/) and Debian's Chromium driven by Playwright.
 * Two generated images chosen through the file inputs, a prompt, Generate, queued → running →
 * succeeded, the video plays, Download saves a file; the video is made from the user's own
 * frames (a red first frame and a blue last frame: the played video starts red and ends blue,
 * read back from the <video> through a canvas); a reload mid-run resumes the same task (one
 * create); a moderation failure lands on the prompt; a 429 storm shows "retrying" and then
 * succeeds. And the command `npm start` runs after its build prints a URL whose page reaches idle.
 * The simulator's videos are made by the system ffmpeg (scripts/ensure-system-deps.sh installs it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright';
import {
  fillForm,
  FORM,
  ROOT,
  startDemoBrowser,
  waitForState,
  type DemoBrowser,
} from './helpers/demo-browser.js';

/** Divides the simulator's task durations so a run takes seconds. */
const SPEED = 120;

let demo: DemoBrowser;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  demo = await startDemoBrowser({ speed: SPEED });
  ({ origin, browser } = demo);
}, 60_000);

afterAll(async () => {
  await demo?.close();
});

async function stats(): Promise<{ createCount: number }> {
  return (await (await fetch(`${origin}/__simulator/stats`)).json()) as { createCount: number };
}

async function inject(body: unknown): Promise<void> {
  const answer = await fetch(`${origin}/__simulator/inject`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(answer.status).toBe(200);
}

/** Two 1280×720 JPEGs in one colour each, red and blue, as base64. */
const SOLID_FRAMES = `(async () => {
  const draw = async (colour) => {
    const canvas = new OffscreenCanvas(1280, 720);
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = colour;
    ctx.fillRect(0, 0, 1280, 720);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  };
  return [await draw('rgb(220, 40, 40)'), await draw('rgb(40, 70, 220)')];
})()`;
const RED = [220, 40, 40] as const;
const BLUE = [40, 70, 220] as const;

/**
 * Pauses the studio's <video>, seeks it to its start and to just before its end, draws each
 * frame onto a canvas and returns the average colour of the middle of the picture.
 */
const READ_VIDEO_ENDS = `(async () => {
  const video = document.querySelector('form[aria-label="Keyframe video"] video');
  video.pause();
  const canvas = document.createElement('canvas');
  canvas.width = 64;
  canvas.height = 36;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  // Done when the element says so (not seeking, at the time asked, a frame at hand) and the
  // frame callback says the new frame was presented: a 'seeked' event alone can belong to an
  // earlier seek, or come before the frame is ready to draw. The callback is registered before
  // the seek so it cannot be missed (2 s at most without one).
  const seek = async (time) => {
    const presented = new Promise((resolve) => {
      if (typeof video.requestVideoFrameCallback === 'function') video.requestVideoFrameCallback(() => resolve());
      setTimeout(resolve, 2000);
    });
    video.currentTime = time;
    const giveUpAt = Date.now() + 15000;
    while (video.seeking || Math.abs(video.currentTime - time) > 0.1 || video.readyState < 2) {
      if (video.error) throw new Error('The video failed to seek.');
      if (Date.now() > giveUpAt) throw new Error('The video did not seek to ' + time + ' s.');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await presented;
  };
  const colourAt = async (time) => {
    await seek(time);
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    const { data } = ctx.getImageData(16, 9, 32, 18);
    const sum = [0, 0, 0];
    for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) sum[c] += data[i + c];
    return sum.map((v) => Math.round(v / (data.length / 4)));
  };
  const start = await colourAt(0);
  const end = await colourAt(video.duration - 0.05);
  return { duration: video.duration, width: video.videoWidth, height: video.videoHeight, start, end };
})()`;

/** Records every `data-state` the studio form takes, in order, into `window.__states`. */
const RECORD_STATES = `(() => {
  const form = document.querySelector('form[aria-label="Keyframe video"]');
  window.__states = [form.dataset.state];
  new MutationObserver(() => {
    const last = window.__states[window.__states.length - 1];
    if (form.dataset.state !== last) window.__states.push(form.dataset.state);
  }).observe(form, { attributes: true, attributeFilter: ['data-state'] });
})()`;

async function openDemo(): Promise<Page> {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.goto(`${origin}/`);
  await page.waitForSelector(`${FORM}[data-state="idle"]`, { timeout: 30_000 });
  return page;
}

async function statesOf(page: Page): Promise<string[]> {
  return (await page.evaluate('window.__states')) as string[];
}

describe('the demo in Chromium (simulator upstream)', () => {
  test('the page says which upstream is live', async () => {
    const page = await openDemo();
    const badge = page.getByTestId('upstream');
    expect(await badge.getAttribute('data-upstream')).toBe('simulator');
    expect(await badge.textContent()).toContain('simulator');
    // ffmpeg is installed here, so the videos are made from the user's frames.
    const video = page.getByTestId('video-source');
    expect(await video.getAttribute('data-video-source')).toBe('crossfade');
    expect(await video.textContent()).toContain('crossfade of your two frames');
    await page.context().close();
  }, 60_000);

  test('two frames and a prompt make a video that plays and downloads', async () => {
    const page = await openDemo();
    const before = await stats();
    await fillForm(page, 'The sun sets and the moon rises over the hills.');
    await page.evaluate(RECORD_STATES);
    await page.getByRole('button', { name: 'Generate' }).click();
    await waitForState(page, 'succeeded', 60_000);
    const states = await statesOf(page);
    const order = ['queued', 'running', 'succeeded'].map((s) => states.indexOf(s));
    expect(
      order.every((i) => i >= 0),
      states.join(' → '),
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect((await stats()).createCount - before.createCount).toBe(1);

    await page.waitForFunction(
      (selector) =>
        (document.querySelector<HTMLVideoElement>(`${selector} video`)?.readyState ?? 0) >= 2,
      FORM,
      { timeout: 20_000 },
    );
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 20_000 }),
      page.getByRole('button', { name: 'Download video' }).click(),
    ]);
    const saved = await download.path();
    expect(statSync(saved).size).toBeGreaterThan(1000);
    expect(download.suggestedFilename()).toMatch(/\.mp4$/);
    await page.context().close();
  }, 60_000);

  test('the video played is made from your own two frames: red first, blue last', async () => {
    const page = await openDemo();
    await fillForm(page, 'A red wall slowly turns blue.', SOLID_FRAMES);
    await page.getByRole('button', { name: 'Generate' }).click();
    await waitForState(page, 'succeeded', 60_000);
    await page.waitForFunction(
      (selector) =>
        (document.querySelector<HTMLVideoElement>(`${selector} video`)?.readyState ?? 0) >= 2,
      FORM,
      { timeout: 30_000 },
    );
    const read = (await page.evaluate(READ_VIDEO_ENDS)) as {
      duration: number;
      width: number;
      height: number;
      start: number[];
      end: number[];
    };
    const near = (actual: number[], expected: readonly number[]) =>
      Math.max(...expected.map((v, i) => Math.abs(v - (actual[i] ?? -999))));
    const seen = `start rgb(${read.start.join(', ')}), end rgb(${read.end.join(', ')})`;
    expect(near(read.start, RED), seen).toBeLessThanOrEqual(40);
    expect(near(read.end, BLUE), seen).toBeLessThanOrEqual(40);
    expect(read.duration).toBeGreaterThan(4.5);
    expect(read.duration).toBeLessThan(5.5);
    // The first frame's 16:9 aspect, not the sample clip's size.
    expect(read.width / read.height).toBeCloseTo(16 / 9, 1);
    await page.context().close();
  }, 90_000);

  test('a reload in the middle of a run resumes the same task', async () => {
    const page = await openDemo();
    const before = await stats();
    await fillForm(page, 'A paper boat drifts across a pond.');
    await page.getByRole('button', { name: 'Generate' }).click();
    await waitForState(page, /^(queued|running)$/);
    await page.reload();
    await waitForState(page, 'succeeded', 60_000);
    expect((await stats()).createCount - before.createCount).toBe(1);
    await page.context().close();
  }, 60_000);

  test('a moderation failure shows its message on the prompt field', async () => {
    const page = await openDemo();
    await inject({
      fault: {
        kind: 'fail',
        code: 'DataInspectionFailed',
        message: 'Input data may contain inappropriate content.',
      },
      times: 1,
    });
    await fillForm(page, 'A prompt the content check flags.');
    await page.getByRole('button', { name: 'Generate' }).click();
    await waitForState(page, 'failed', 60_000);
    const prompt = page.getByLabel('Prompt', { exact: true });
    expect(await prompt.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await prompt.getAttribute('aria-describedby')) ?? '';
    const descriptions = await Promise.all(
      describedBy
        .split(/\s+/)
        .filter(Boolean)
        .map((id) => page.locator(`[id="${id}"]`).textContent()),
    );
    expect(descriptions.join(' ')).toContain('content check flagged the prompt');
    await page.context().close();
  }, 60_000);

  test('a storm of 429s shows "retrying" and then succeeds', async () => {
    const page = await openDemo();
    await fillForm(page, 'Clouds race over a mountain.');
    await page.evaluate(RECORD_STATES);
    await inject({
      fault: { kind: 'http', status: 429, code: 'Throttling.RateQuota' },
      match: { route: 'get' },
      times: 6,
    });
    await page.getByRole('button', { name: 'Generate' }).click();
    await waitForState(page, 'succeeded', 60_000);
    const states = await statesOf(page);
    expect(states, states.join(' → ')).toContain('retrying');
    expect(states.indexOf('retrying')).toBeLessThan(states.indexOf('succeeded'));
    await page.context().close();
  }, 60_000);
});

describe('the demo command', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill();
  });

  test('prints its URL, and the page there reaches the idle state', async () => {
    // `npm start` = `npm run build` + this command; the build is checked elsewhere.
    child = spawn(
      process.execPath,
      [`${ROOT}node_modules/vite/bin/vite.js`, '--config', 'demo/vite.config.ts'],
      {
        cwd: ROOT,
        env: { ...process.env, PORT: '0', DASHSCOPE_API_KEY: '', NO_COLOR: '1', FORCE_COLOR: '0' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const started = child;
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`No URL printed:\n${out}`)), 30_000);
      started.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        // eslint-disable-next-line no-control-regex -- strip colour codes if any.
        const found = /Local:\s+(http:\/\/\S+)/.exec(out.replace(/\x1b\[[0-9;]*m/g, ''));
        if (found?.[1]) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      });
      started.on('exit', (code) => reject(new Error(`The demo exited (${String(code)}):\n${out}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector(`${FORM}[data-state="idle"]`, { timeout: 30_000 });
    await context.close();
  }, 60_000);
});
