/// <reference types="vitest/config" />
// Builds the library: ES modules, one output file per source module (so an app's bundler drops
// whatever the app does not import, module by module), dependencies external, the package's
// public entry files under their own names (dist/index.js, dist/core.js, … as in the `exports`
// map), `'use client'` on every browser module that uses React, a shebang on the CLI.
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};
const externalPackages = [
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}),
  ...Object.keys(pkg.optionalDependencies ?? {}),
];
const isExternal = (id: string) =>
  id.startsWith('node:') ||
  builtinModules.includes(id) ||
  externalPackages.some((name) => id === name || id.startsWith(`${name}/`));

/** The package's entry files (keys are the file names in dist/, see `exports`). */
const entries = {
  index: 'src/index.ts',
  core: 'src/core/index.ts',
  relay: 'src/relay/index.ts',
  'relay-node': 'src/relay/node.ts',
  'relay-redis': 'src/relay/redis-store.ts',
  simulator: 'src/simulator/index.ts',
  'simulator-node': 'src/simulator/node.ts',
  'simulator-msw': 'src/simulator/msw.ts',
  cli: 'src/cli.ts',
  styles: 'src/styles.css',
};

/** Modules that import React run in the browser and carry the React Server Components directive. */
const REACT_IDS = new Set(['react', 'react-dom', 'react/jsx-runtime', 'react-dropzone']);
const usesReact = (imports: readonly string[]) => imports.some((id) => REACT_IDS.has(id));

export default defineConfig({
  plugins: [react()],
  // The frame-preparation worker is started with `{ type: 'module' }`, and its URL must stay
  // relative to the module that starts it once the package sits in an app's node_modules.
  worker: { format: 'es' },
  experimental: { renderBuiltUrl: () => ({ relative: true }) },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // public/ holds MSW's service worker for Storybook and the browser tests, not package files.
    copyPublicDir: false,
    sourcemap: true,
    // styles.css is its own entry (the JS entries import no CSS, so their types don't either).
    cssCodeSplit: true,
    minify: false,
    target: 'es2022',
    lib: {
      entry: entries,
      formats: ['es'],
      cssFileName: 'styles',
    },
    rollupOptions: {
      external: isExternal,
      output: {
        preserveModules: true,
        preserveModulesRoot: 'src',
        // Entries keep their public names; every other module keeps its path under src/.
        entryFileNames: (chunk) =>
          chunk.isEntry && chunk.name in entries ? `${chunk.name}.js` : '[name].js',
        banner: (chunk) => {
          if (chunk.isEntry && chunk.name === 'cli') return '#!/usr/bin/env node';
          const browserEntry = chunk.isEntry && chunk.name === 'index';
          if (browserEntry || usesReact(chunk.imports)) return "'use client';";
          return '';
        },
      },
    },
  },
});
