/**
 * Measures what an app pays for importing part of a package: a snippet such as
 * `export { useTaskPoll } from 'react-keyframe-video'` is bundled by esbuild the way an app's
 * production build would (browser platform, ES modules, minified, code splitting on, React
 * external, `process.env.NODE_ENV` = "production"), and every output file is gzipped at level 9.
 *
 * Used by `scripts/check-size.ts` (the budgets) and `test/node/tree-shaking.test.ts`. Our own
 * package is measured as users get it: `npm pack`, unpacked into a scratch `node_modules`, so the
 * `exports` map, `files` and `sideEffects` of the published package are what the bundler sees.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '..');

/** What the app provides itself (never counted): React and its JSX runtime. */
export const REACT_EXTERNALS = [
  'react',
  'react-dom',
  'react-dom/client',
  'react/jsx-runtime',
  'react/jsx-dev-runtime',
];

/** zod, made external for the information-only "without zod" figures. */
export const ZOD_EXTERNALS = ['zod', 'zod/*'];

/** Bytes of one file or a sum of files: minified, and gzipped at level 9. */
export interface Bytes {
  readonly minified: number;
  readonly gzip: number;
}

/** One input module of a bundle and how many minified bytes it put into the output. */
export interface BundleInput {
  /** Path relative to the repository root (`node_modules/react-dropzone/dist/index.js`). */
  readonly path: string;
  readonly bytes: number;
  /** `initial` when it sits in a chunk loaded with the page, `lazy` when only a dynamic import loads it. */
  readonly load: 'initial' | 'lazy';
}

/** A measured bundle. */
export interface BundleMeasure {
  /** The entry chunk and every chunk it imports statically: what the page loads up front. */
  readonly initial: Bytes;
  /** Every chunk, including those only reached by `import()`, plus lazy assets (the worker). */
  readonly total: Bytes;
  /** Chunks reached only through `import()`. */
  readonly lazyChunks: number;
  /** Files referenced with `new URL('…', import.meta.url)` (the frame worker), measured alone. */
  readonly assets: readonly { readonly path: string; readonly bytes: Bytes }[];
  readonly inputs: readonly BundleInput[];
  /** Packages the bundle imports but does not contain (React, and zod when made external). */
  readonly externalImports: readonly string[];
}

const gzipSize = (contents: Uint8Array | string) => gzipSync(contents, { level: 9 }).length;
const byteLength = (contents: Uint8Array | string) =>
  typeof contents === 'string' ? Buffer.byteLength(contents) : contents.byteLength;

/** Where `npm pack` of this repository is unpacked, under the ignored reports/ folder. */
export const SCRATCH = join(ROOT, 'reports', 'size-scratch');

/**
 * Packs the repository (`npm pack`, as published) and unpacks it into
 * `<scratch>/node_modules/react-keyframe-video`. Snippets bundled with `resolveDir: scratch`
 * then import the published package by its name; its own dependencies (zod, react-dropzone, …)
 * resolve from the repository's node_modules, as they would from an app's.
 */
export function installPackedPackage(scratch: string = SCRATCH): string {
  const installed = join(scratch, 'node_modules', 'react-keyframe-video');
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    throw new Error('dist/ is empty: run `npm run build` first.');
  }
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(installed, { recursive: true });
  // Its own package.json: inside this repository, the name would otherwise resolve to the
  // repository itself (a package's self-reference comes before node_modules).
  writeFileSync(
    join(scratch, 'package.json'),
    `${JSON.stringify({ name: 'size-scratch', private: true, type: 'module' })}\n`,
  );
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
  execFileSync('tar', ['-xzf', join(scratch, tarball), '-C', installed, '--strip-components=1']);
  rmSync(join(scratch, tarball));
  return installed;
}

export interface BundleOptions {
  /** The module to bundle, e.g. `export { useQuery } from '@tanstack/react-query';`. */
  readonly contents: string;
  /** `js` for a module snippet, `css` for `@import "pkg/styles.css";`. */
  readonly loader?: 'js' | 'css';
  /** Where bare imports are resolved from (the scratch folder for our package). */
  readonly resolveDir: string;
  /** Extra externals (ZOD_EXTERNALS for the "without zod" figure). React is always external. */
  readonly external?: readonly string[];
}

/** Bundles a snippet like an app's production build and measures it. */
export async function measureBundle(options: BundleOptions): Promise<BundleMeasure> {
  const outdir = join(options.resolveDir, 'out');
  const css = options.loader === 'css';
  const result = await build({
    stdin: {
      contents: options.contents,
      resolveDir: options.resolveDir,
      loader: options.loader ?? 'js',
      sourcefile: css ? 'entry.css' : 'entry.js',
    },
    bundle: true,
    minify: true,
    format: 'esm',
    splitting: !css,
    platform: 'browser',
    target: 'es2022',
    outdir,
    write: false,
    metafile: true,
    // Our package must be read as published, not through this repository's tsconfig `paths`.
    tsconfigRaw: '{}',
    define: { 'process.env.NODE_ENV': '"production"' },
    external: [...REACT_EXTERNALS, ...(options.external ?? [])],
    nodePaths: [join(ROOT, 'node_modules')],
    absWorkingDir: ROOT,
    logLevel: 'silent',
  });
  const files = new Map(result.outputFiles.map((file) => [file.path, file.contents]));
  const outputs = result.metafile.outputs;
  const pathOf = (key: string) => resolve(ROOT, key);
  const entry = Object.keys(outputs).find((key) => outputs[key]?.entryPoint !== undefined);
  if (entry === undefined) throw new Error('esbuild produced no entry chunk.');

  // The entry chunk and its static imports load with the page; chunks reached through import()
  // load on demand. esbuild also emits a chunk for an import() inside code it then drops; no
  // path leads to such a chunk, so it is not counted.
  const reach = (kinds: ReadonlySet<string>): Set<string> => {
    const seen = new Set<string>();
    const visit = (key: string) => {
      if (seen.has(key)) return;
      seen.add(key);
      for (const imported of outputs[key]?.imports ?? []) {
        if (kinds.has(imported.kind) && !imported.external) visit(imported.path);
      }
    };
    visit(entry);
    return seen;
  };
  const initialKeys = reach(new Set(['import-statement']));
  const reachableKeys = reach(new Set(['import-statement', 'dynamic-import']));

  const sum = (keys: readonly string[]): Bytes => {
    let minified = 0;
    let gzip = 0;
    for (const key of keys) {
      const contents = files.get(pathOf(key));
      if (contents === undefined || key.endsWith('.map')) continue;
      minified += byteLength(contents);
      gzip += gzipSize(contents);
    }
    return { minified, gzip };
  };
  const allKeys = [...reachableKeys];
  const inputs = collectInputs(result.metafile, initialKeys, reachableKeys);
  const assets = await measureAssets(inputs);
  const initial = sum([...initialKeys]);
  const chunks = sum(allKeys);
  return {
    initial,
    total: {
      minified: assets.reduce((n, asset) => n + asset.bytes.minified, chunks.minified),
      gzip: assets.reduce((n, asset) => n + asset.bytes.gzip, chunks.gzip),
    },
    lazyChunks: allKeys.length - initialKeys.size,
    assets,
    inputs,
    externalImports: [
      ...new Set(
        Object.values(outputs).flatMap((output) =>
          output.imports.filter((imported) => imported.external).map((imported) => imported.path),
        ),
      ),
    ].sort(),
  };
}

function collectInputs(
  metafile: Metafile,
  initialKeys: ReadonlySet<string>,
  reachableKeys: ReadonlySet<string>,
): BundleInput[] {
  const inputs: BundleInput[] = [];
  for (const [key, output] of Object.entries(metafile.outputs)) {
    if (!reachableKeys.has(key)) continue;
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      if (bytesInOutput === 0) continue;
      inputs.push({
        path: relative(ROOT, resolve(ROOT, path)),
        bytes: bytesInOutput,
        load: initialKeys.has(key) ? 'initial' : 'lazy',
      });
    }
  }
  return inputs.sort((a, b) => b.bytes - a.bytes);
}

/** `new URL("../assets/prepare-frame-worker-….js", import.meta.url)` in an included module. */
const ASSET_URL =
  /new URL\(\s*(?:\/\*[^*]*\*\/\s*)?["'](\.{1,2}\/[^"']+\.js)["']\s*,\s*import\.meta\.url\s*\)/g;

/**
 * Lazy assets: files our included modules load by URL (the frame-preparation worker). esbuild
 * leaves such URLs alone, and an app's bundler copies the file; it is measured here bundled and
 * minified on its own, and counted in `total` only (it loads when a frame is prepared).
 */
async function measureAssets(
  inputs: readonly BundleInput[],
): Promise<{ path: string; bytes: Bytes }[]> {
  const found = new Set<string>();
  for (const input of inputs) {
    if (!input.path.includes('react-keyframe-video/dist/')) continue;
    const file = resolve(ROOT, input.path);
    for (const match of readFileSync(file, 'utf8').matchAll(ASSET_URL)) {
      found.add(resolve(dirname(file), match[1] ?? ''));
    }
  }
  const assets: { path: string; bytes: Bytes }[] = [];
  for (const file of [...found].sort()) {
    const result = await build({
      entryPoints: [file],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      tsconfigRaw: '{}',
      define: { 'process.env.NODE_ENV': '"production"' },
      nodePaths: [join(ROOT, 'node_modules')],
      logLevel: 'silent',
    });
    const contents = result.outputFiles[0]?.contents ?? new Uint8Array();
    assets.push({
      path: relative(ROOT, file),
      bytes: { minified: contents.byteLength, gzip: gzipSize(contents) },
    });
  }
  return assets;
}

/** The version of an installed package (for the printed table). */
export function installedVersion(name: string, from: string = ROOT): string {
  const file = join(from, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
