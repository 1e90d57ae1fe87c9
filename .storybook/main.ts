// Storybook 10 with Vite: stories and MDX docs from stories/, MSW's worker served from public/.
import type { StorybookConfig } from '@storybook/react-vite';

const config: StorybookConfig = {
  framework: '@storybook/react-vite',
  stories: ['../stories/**/*.mdx', '../stories/**/*.stories.@(ts|tsx)'],
  addons: ['@storybook/addon-docs', '@storybook/addon-a11y', '@storybook/addon-vitest'],
  staticDirs: ['../public'],
  core: { disableTelemetry: true },
  // The root vite.config.ts builds the library; Storybook needs none of its build options.
  viteFinal: (viteConfig) => {
    if (viteConfig.build) {
      delete viteConfig.build.lib;
      delete viteConfig.build.rollupOptions;
      viteConfig.build.emptyOutDir = true;
    }
    return viteConfig;
  },
};

export default config;
