// The demo app: served by Vite on 127.0.0.1, importing the BUILT library from dist/ through
// the package's own entry names, exactly as an app would.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  resolve: {
    alias: [
      { find: /^react-keyframe-video\/core$/, replacement: dist('core.js') },
      { find: /^react-keyframe-video\/styles\.css$/, replacement: dist('styles.css') },
      { find: /^react-keyframe-video$/, replacement: dist('index.js') },
    ],
  },
  server: { host: '127.0.0.1', port: Number(process.env.PORT ?? 5173), strictPort: false },
});
