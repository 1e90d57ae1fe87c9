/// <reference types="vitest/config" />
// Builds the library: ESM entries for the package's exports map, dependencies external,
// `'use client'` kept at the top of the browser entry, a shebang on the CLI.
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

/** Entries that run in the browser and must start with the React directive. */
const clientEntries = new Set(['index']);

export default defineConfig({
  plugins: [react()],
  // The frame-preparation worker is started with `{ type: 'module' }`, and its URL must stay
  // relative to the module that starts it once the package sits in an app's node_modules.
  worker: { format: 'es' },
  experimental: { renderBuiltUrl: () => ({ relative: true }) },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // styles.css is its own entry (the JS entries import no CSS, so their types don't either).
    cssCodeSplit: true,
    minify: false,
    target: 'es2022',
    lib: {
      entry: {
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
      },
      formats: ['es'],
      cssFileName: 'styles',
    },
    rollupOptions: {
      external: isExternal,
      output: {
        banner: (chunk) => {
          if (chunk.isEntry && clientEntries.has(chunk.name)) return "'use client';";
          if (chunk.isEntry && chunk.name === 'cli') return '#!/usr/bin/env node';
          return '';
        },
        chunkFileNames: 'chunks/[name]-[hash].js',
      },
    },
  },
});
