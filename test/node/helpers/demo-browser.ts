/**
 * The demo server (Vite + the relay + the in-process simulator, importing the built library from
 * dist/) on 127.0.0.1 and Debian's Chromium driven by Playwright, as the end-to-end tests use
 * them. The simulator is the upstream (DASHSCOPE_API_KEY is unset while the demo runs) and its
 * task durations are divided by `speed`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright';
import { createServer, type ViteDevServer } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../../../scripts/chromium.js';

/** The repository root, with a trailing slash. */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** A running demo and browser; `close` stops both and restores the environment. */
export interface DemoBrowser {
  readonly origin: string;
  readonly browser: Browser;
  close(): Promise<void>;
}

/** Starts the demo server in simulator mode at the given speed, then Chromium. */
export async function startDemoBrowser(options: { speed: number }): Promise<DemoBrowser> {
  if (!existsSync(`${ROOT}dist/index.js`)) {
    throw new Error('The demo uses the built library: run `npm run build` first.');
  }
  const saved = { key: process.env.DASHSCOPE_API_KEY, speed: process.env.DEMO_SIMULATOR_SPEED };
  const restore = () => {
    if (saved.key !== undefined) process.env.DASHSCOPE_API_KEY = saved.key;
    if (saved.speed === undefined) delete process.env.DEMO_SIMULATOR_SPEED;
    else process.env.DEMO_SIMULATOR_SPEED = saved.speed;
  };
  delete process.env.DASHSCOPE_API_KEY;
  process.env.DEMO_SIMULATOR_SPEED = String(options.speed);
  let server: ViteDevServer | undefined;
  try {
    server = await createServer({
      configFile: `${ROOT}demo/vite.config.ts`,
      logLevel: 'silent',
      server: { host: '127.0.0.1', port: 0 },
    });
    await server.listen();
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('The demo server printed no URL.');
    const browser = await chromium.launch({
      executablePath: findChromium(),
      args: [...CHROMIUM_ARGS],
    });
    const running = server;
    return {
      origin: url.replace(/\/$/, ''),
      browser,
      async close() {
        await browser.close();
        await running.close();
        restore();
      },
    };
  } catch (error) {
    await server?.close();
    restore();
    throw error;
  }
}

/** The studio's form on the demo page; its `data-state` is the job's state. */
export const FORM = 'form[aria-label="Keyframe video"]';

/** Two 1280×720 JPEGs drawn in the page (a dawn and a night sky), as base64. */
export const DRAW_FRAMES = `(async () => {
  const draw = async (top, bottom, sunY) => {
    const canvas = new OffscreenCanvas(1280, 720);
    const ctx = canvas.getContext('2d');
    const sky = ctx.createLinearGradient(0, 0, 0, 720);
    sky.addColorStop(0, top);
    sky.addColorStop(1, bottom);
    ctx.fillStyle = sky;
    ctx.fillRect(0, 0, 1280, 720);
    ctx.fillStyle = '#fff3c4';
    ctx.beginPath();
    ctx.arc(800, sunY, 64, 0, Math.PI * 2);
    ctx.fill();
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  };
  return [await draw('#2b4a8b', '#f7d08a', 450), await draw('#050a1f', '#34407a', 180)];
})()`;

/** Waits until the studio's `data-state` matches; the error says where it stayed and shows the form. */
export async function waitForState(page: Page, state: string | RegExp, timeout = 30_000) {
  const pattern = typeof state === 'string' ? `^${state}$` : state.source;
  try {
    await page.waitForFunction(
      ([selector, source]) =>
        new RegExp(source).test(document.querySelector<HTMLElement>(selector)?.dataset.state ?? ''),
      [FORM, pattern] as const,
      { timeout },
    );
  } catch (error) {
    const now = await page.locator(FORM).getAttribute('data-state');
    const text = await page.locator(FORM).innerText();
    throw new Error(`The studio stayed "${String(now)}", not ${pattern}:\n${text}`, {
      cause: error,
    });
  }
}

/** Chooses the two frames (drawn in the page by `frames`) through the file inputs, types a prompt. */
export async function fillForm(page: Page, prompt: string, frames = DRAW_FRAMES) {
  const [first, last] = (await page.evaluate(frames)) as [string, string];
  const inputs = page.locator(`${FORM} input[type="file"]`);
  await inputs.nth(0).setInputFiles({
    name: 'dawn.jpg',
    mimeType: 'image/jpeg',
    buffer: Buffer.from(first, 'base64'),
  });
  await inputs.nth(1).setInputFiles({
    name: 'night.jpg',
    mimeType: 'image/jpeg',
    buffer: Buffer.from(last, 'base64'),
  });
  await page.getByLabel('Prompt', { exact: true }).fill(prompt);
  // Both frames checked and the prompt typed: Generate is no longer aria-disabled.
  await page.waitForFunction(
    (selector) =>
      [...document.querySelectorAll(`${selector} button`)].some(
        (b) => b.textContent === 'Generate' && b.getAttribute('aria-disabled') !== 'true',
      ),
    FORM,
    { timeout: 30_000 },
  );
}
