/**
 * The Chromium that the browser tests, the Storybook tests, the end-to-end tests and the frame
 * bench drive: where it is and the flags it runs with, in one place.
 */
import { existsSync } from 'node:fs';

/** Where to look: CHROMIUM_PATH first (scripts/ensure-system-deps.sh exports it), then Debian's. */
const CHROMIUM_CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
].filter((p): p is string => Boolean(p));

/** The first Chromium found; throws with what to install when there is none. */
export function findChromium(): string {
  const found = CHROMIUM_CANDIDATES.find((p) => existsSync(p));
  if (!found) {
    throw new Error(
      "No Chromium found for the browser tests. Install Debian's package: `apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH).",
    );
  }
  return found;
}

/** The flags of ../shared/TOOLCHAIN.md: headless, no sandbox (root), no network side trips. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
