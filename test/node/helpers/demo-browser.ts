/**
 * The demo server (Vite + the relay + the in-process simulator, importing the built library from
 * dist/) on 127.0.0.1 and Debian's Chromium driven by Playwright, as the end-to-end tests use
 * them. The simulator is the upstream (DASHSCOPE_API_KEY is unset while the demo runs) and its
 * task durations are divided by `speed`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright';
import { createServer, type ViteDevServer } from 'vite';

/** The repository root, with a trailing slash. */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Debian's Chromium (scripts/ensure-system-deps.sh exports CHROMIUM_PATH). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The flags of ../shared/TOOLCHAIN.md: headless, no sandbox (root), no network side trips. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

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
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
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
