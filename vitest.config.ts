// Test projects: `node` (core, relay, simulator), `jsdom` (hooks and components with Testing
// Library), `browser` (real Chromium through the Playwright provider). Browser tests are never
// skipped: without a Chromium the run fails and says what to install.
import { defineConfig, mergeConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { storybookTest } from '@storybook/addon-vitest/vitest-plugin';
import viteConfig from './vite.config.ts';
import { CHROMIUM_ARGS, findChromium } from './scripts/chromium.ts';

/** Every browser project gets its own object: Vitest refuses a shared one. */
export function chromiumBrowser() {
  return {
    enabled: true,
    headless: true,
    screenshotFailures: false,
    provider: playwright({
      launchOptions: {
        executablePath: findChromium(),
        args: [...CHROMIUM_ARGS],
      },
    }),
    instances: [{ browser: 'chromium' as const }],
  };
}

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: 'node',
            environment: 'node',
            include: ['test/node/**/*.test.ts'],
            testTimeout: 20_000,
          },
        },
        {
          extends: true,
          test: {
            name: 'jsdom',
            environment: 'jsdom',
            include: ['test/jsdom/**/*.test.{ts,tsx}'],
            // Full flows run relay + simulator in-process; leave room on a busy 2-core machine.
            testTimeout: 30_000,
          },
        },
        {
          extends: true,
          optimizeDeps: { include: ['react', 'react-dom', 'react-dom/client', 'zod/mini'] },
          test: {
            name: 'browser',
            include: ['test/browser/**/*.test.{ts,tsx}'],
            browser: chromiumBrowser(),
          },
        },
        {
          // Every story renders, passes its play function and its axe check in Chromium.
          extends: true,
          plugins: [storybookTest({ configDir: '.storybook' })],
          optimizeDeps: {
            include: [
              'react',
              'react-dom',
              'react-dom/client',
              'zod/mini',
              'msw',
              'msw/browser',
              'msw-storybook-addon/csf3',
              'react-dropzone',
              'idb-keyval',
            ],
          },
          test: {
            name: 'storybook',
            browser: chromiumBrowser(),
            // After the other projects: on 2 cores, two Chromiums plus jsdom at once starve
            // jsdom's 5 s test timeouts.
            sequence: { groupOrder: 1 },
          },
        },
      ],
    },
  }),
);
