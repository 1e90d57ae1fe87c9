// Tree-shaking of the BUILT package as an app's bundler sees it: `npm pack`, unpacked into a
// scratch node_modules, snippets bundled by esbuild (browser ESM, minified, React external; see
// scripts/bundle-size.ts). Importing one hook must not pull the styled components or
// react-dropzone, image code must load only when a frame arrives, and the core must not pull
// React. Run after `npm run build` (the README test command does).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  installPackedPackage,
  measureBundle,
  ROOT,
  type BundleInput,
  type BundleMeasure,
} from '../../scripts/bundle-size.js';

const scratch = join(ROOT, 'reports', 'tree-shaking-scratch');

const bundle = (contents: string, loader: 'js' | 'css' = 'js') =>
  measureBundle({ contents, loader, resolveDir: scratch });

/** Paths of the inputs that put bytes into the bundle, `initial` ones or all of them. */
function included(measure: BundleMeasure, load?: BundleInput['load']): string[] {
  return measure.inputs
    .filter((input) => load === undefined || input.load === load)
    .map((input) => input.path);
}

const ofOurs = (dir: string) => (path: string) =>
  path.includes(`/node_modules/react-keyframe-video/dist/${dir}`);
const DROPZONE = /(^|\/)node_modules\/(react-dropzone|file-selector|attr-accept)\//;
const IMAGE_CODE = /\/dist\/core\/(image-pipeline|image-header|prepare-frame|png-encoder)\.js$/;

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (the README test command does).');
  }
  installPackedPackage(scratch);
}, 60_000);

describe('tree-shaking the built package', () => {
  test('the bundle really comes from the packed package (the checks below look at the right files)', async () => {
    const measure = await bundle("export { KeyframeVideoStudio } from 'react-keyframe-video';");
    const paths = included(measure);
    expect(paths.some(ofOurs('components/'))).toBe(true);
    expect(paths.some((path) => DROPZONE.test(path))).toBe(true);
    expect(paths.every((path) => !path.startsWith('src/'))).toBe(true);
  });

  test('useTaskPoll alone pulls no component, no react-dropzone, no form store and no image code', async () => {
    const measure = await bundle("export { useTaskPoll } from 'react-keyframe-video';");
    const paths = included(measure);
    expect(paths.some(ofOurs('react/use-task-poll.js'))).toBe(true);
    expect(paths.filter(ofOurs('components/'))).toEqual([]);
    expect(paths.filter((path) => DROPZONE.test(path))).toEqual([]);
    expect(paths.filter(ofOurs('react/keyframe-video-store.js'))).toEqual([]);
    expect(paths.filter((path) => IMAGE_CODE.test(path))).toEqual([]);
    expect(measure.assets).toEqual([]);
    // It reads the provider's registry, clock and jitter only: not the whole configuration
    // (client, frame store on idb-keyval, learned durations, messages).
    expect(paths.filter(ofOurs('react/provider.js'))).toEqual([]);
    expect(paths.filter(ofOurs('react/frame-store.js'))).toEqual([]);
    expect(paths.filter((path) => path.includes('/node_modules/idb-keyval/'))).toEqual([]);
    expect(paths.filter(ofOurs('react/hook-messages.js'))).toEqual([]);
  });

  test('useKeyframeVideo pulls no component and no react-dropzone; image code loads only on demand', async () => {
    const measure = await bundle("export { useKeyframeVideo } from 'react-keyframe-video';");
    const paths = included(measure);
    expect(paths.some(ofOurs('react/keyframe-video-store.js'))).toBe(true);
    expect(paths.filter(ofOurs('components/'))).toEqual([]);
    expect(paths.filter((path) => DROPZONE.test(path))).toEqual([]);
    // The frame work is there, but in chunks reached only through import().
    expect(paths.filter((path) => IMAGE_CODE.test(path)).length).toBeGreaterThan(0);
    expect(included(measure, 'initial').filter((path) => IMAGE_CODE.test(path))).toEqual([]);
    expect(included(measure, 'initial').filter(ofOurs('react/frame-processing.js'))).toEqual([]);
    expect(measure.lazyChunks).toBeGreaterThan(0);
    // The components' words are the components' business: the hooks load only their own texts.
    expect(paths.some(ofOurs('react/hook-messages.js'))).toBe(true);
    expect(paths.filter(ofOurs('react/ui-messages.js'))).toEqual([]);
    expect(paths.filter(ofOurs('react/messages.js'))).toEqual([]);
  });

  test('the /core client and poller pull no React and nothing of the React layer', async () => {
    const measure = await bundle(
      "export { createKeyframeVideoClient, createTaskPoller } from 'react-keyframe-video/core';",
    );
    const paths = included(measure);
    expect(paths.some(ofOurs('core/client.js'))).toBe(true);
    expect(measure.externalImports.filter((path) => /^react(-dom)?(\/|$)/.test(path))).toEqual([]);
    expect(paths.filter(ofOurs('react/'))).toEqual([]);
    expect(paths.filter(ofOurs('components/'))).toEqual([]);
    expect(paths.filter((path) => IMAGE_CODE.test(path))).toEqual([]);
  });

  test('sideEffects: importing the entry for nothing bundles nothing, while the stylesheet is kept', async () => {
    const bare = await bundle("import 'react-keyframe-video';");
    expect(bare.initial.minified).toBe(0);
    const styles = await bundle("@import 'react-keyframe-video/styles.css';", 'css');
    expect(styles.initial.minified).toBeGreaterThan(1_000);
  });
});
