// Builds the frame-preparation bench page like an app would: the library from source, its
// worker bundled by Vite (module format), the peers from node_modules. Output goes to a
// temporary directory chosen by run.ts.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  worker: { format: 'es' },
  build: { target: 'es2022', emptyOutDir: true, chunkSizeWarningLimit: 2048 },
  preview: { host: '127.0.0.1', port: 4790, strictPort: false },
});
