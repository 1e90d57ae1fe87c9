// Checks the BUILT package the way users get it: `npm pack` (its `--json` file list is the one
// `npm pack --dry-run --json` prints), the tarball installed into a scratch project, imported by
// plain Node scripts. Run after `npm run build` (the README test command does). Nothing here
// names a build output file: paths come from package.json (`exports`, `main`, `bin`, `files`)
// and from the pack itself, because the build's file layout may change.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import ts from 'typescript';
import {
  exportPaths,
  packageEntries,
  readPackageJson,
  root,
  type ExportTarget,
} from './helpers/package-entries.js';

const pkg = readPackageJson();
const entries = packageEntries(pkg);

/** Files a user may get besides the build output. */
const TOP_LEVEL_FILES = new Set([
  'package.json',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
  'LICENSE.md',
  'LICENSE.txt',
]);
/** What the build output may hold: code, declarations, the stylesheet, the simulator's clip, maps. */
const DIST_FILE = /^dist\/.+\.(js|d\.ts|css|mp4|map)$/;
/** Never shipped, wherever they are. */
const DEV_ONLY =
  /(^|\/)(src|test|tests|stories|__tests__|node_modules)\/|\.(test|spec|stories)\.[^/]+$/;

let scratch: string;
let installed: string;
let files: string[];
let fileSet: Set<string>;

/** `./dist/x.js` → `dist/x.js`. */
function packPath(target: string): string {
  return posix.normalize(target.replace(/^\.\//, ''));
}

function readInstalled(path: string): string {
  return readFileSync(join(installed, path), 'utf8');
}

/** Runs an ES module script with plain Node in the scratch project (real package resolution). */
function runNode(script: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: scratch,
    encoding: 'utf8',
  });
}

/**
 * The module specifiers a shipped JS or declaration file imports — static and dynamic imports,
 * re-exports, `import("…")` types, and `new URL("…", import.meta.url)` assets (the worker).
 * Parsed, not grepped: the shipped code keeps its comments, which quote imports as examples.
 */
function specifiersOf(path: string, code: string): string[] {
  const kind = path.endsWith('.d.ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const file = ts.createSourceFile(path, code, ts.ScriptTarget.Latest, false, kind);
  const found: string[] = [];
  const literal = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteralLike(node)) found.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      literal(node.moduleSpecifier);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      literal(node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      literal(node.argument.literal);
    } else if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'URL' &&
      node.arguments?.[1]?.getText(file) === 'import.meta.url'
    ) {
      literal(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The package name of a bare specifier (`@scope/name/sub` → `@scope/name`). */
function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

beforeAll(() => {
  const main = exportPaths(pkg.exports['.'] as ExportTarget).map(packPath);
  if (!main.every((path) => existsSync(join(root, path)))) {
    throw new Error('dist/ is missing: run `npm run build` first (the README test command does).');
  }
  mkdirSync(join(root, 'reports'), { recursive: true });
  scratch = mkdtempSync(join(root, 'reports', 'package-test-'));
  installed = join(scratch, 'node_modules', pkg.name);
  mkdirSync(installed, { recursive: true });
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], {
      cwd: root,
      encoding: 'utf8',
    }),
  ) as [{ filename: string; files: { path: string }[] }];
  files = packed.files.map((file) => file.path).sort();
  fileSet = new Set(files);
  execFileSync('tar', [
    '-xzf',
    join(scratch, packed.filename),
    '-C',
    installed,
    '--strip-components=1',
  ]);
}, 60_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('what the package ships', () => {
  it('only what users need: package.json, README, CHANGELOG, LICENSE and the build output', () => {
    const unexpected = files.filter(
      (path) => !(TOP_LEVEL_FILES.has(path) || DIST_FILE.test(path)) || DEV_ONLY.test(path),
    );
    expect(unexpected).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'CHANGELOG.md']));
  });

  it('everything package.json "files" names is there (npm skips a missing one silently)', () => {
    const missing = (pkg.files ?? []).filter(
      (entry) => !files.some((path) => path === entry || path.startsWith(`${entry}/`)),
    );
    expect(missing).toEqual([]);
  });

  it('every target of "exports", "main", "module", "types" and "bin" is in the pack', () => {
    const targets = [
      ...Object.values(pkg.exports).flatMap(exportPaths),
      ...[pkg.main, pkg.module, pkg.types].filter((path): path is string => path !== undefined),
      ...(typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {})),
    ].map(packPath);
    expect(targets.length).toBeGreaterThan(entries.length);
    expect(targets.filter((path) => !fileSet.has(path))).toEqual([]);
  });

  it('every relative import of the shipped code and declarations is shipped too', () => {
    const broken: string[] = [];
    for (const path of files.filter((p) => p.endsWith('.js') || p.endsWith('.d.ts'))) {
      for (const specifier of specifiersOf(path, readInstalled(path))) {
        if (!specifier.startsWith('.')) continue;
        const target = posix.normalize(posix.join(posix.dirname(path), specifier));
        const candidates = path.endsWith('.d.ts')
          ? [target.replace(/\.js$/, '.d.ts'), target]
          : [target];
        if (!candidates.some((candidate) => fileSet.has(candidate)))
          broken.push(`${path} → ${specifier}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the shipped code imports only dependencies, peer dependencies and Node built-ins', () => {
    const allowed = new Set([
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}),
      ...Object.keys(pkg.optionalDependencies ?? {}),
      ...builtinModules,
    ]);
    const undeclared = new Set<string>();
    for (const path of files.filter((p) => p.endsWith('.js'))) {
      for (const specifier of specifiersOf(path, readInstalled(path))) {
        if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        if (!allowed.has(packageNameOf(specifier))) undeclared.add(`${path} → ${specifier}`);
      }
    }
    expect([...undeclared]).toEqual([]);
  });

  // Decision (docs/decisions.md, "Source maps"): maps are shipped with the sources inside them
  // (`sourcesContent`), so stack traces and debuggers show the TypeScript without shipping src/.
  it('source maps are usable: each carries its sources or points at shipped files', () => {
    const useless: string[] = [];
    for (const path of files.filter((p) => p.endsWith('.map'))) {
      const map = JSON.parse(readInstalled(path)) as {
        sources?: string[];
        sourcesContent?: (string | null)[];
        sourceRoot?: string;
      };
      (map.sources ?? []).forEach((source, index) => {
        if (typeof map.sourcesContent?.[index] === 'string') return;
        const shipped = posix.normalize(
          posix.join(posix.dirname(path), map.sourceRoot ?? '', source),
        );
        if (!fileSet.has(shipped)) useless.push(`${path}: ${source}`);
      });
    }
    expect(useless).toEqual([]);
  });

  it('every sourceMappingURL comment points at a shipped map', () => {
    const dangling: string[] = [];
    for (const path of files.filter((p) => p.endsWith('.js') || p.endsWith('.css'))) {
      const match = /[#@] sourceMappingURL=(\S+?)\s*(?:\*\/)?\s*$/.exec(readInstalled(path));
      if (!match?.[1] || match[1].startsWith('data:')) continue;
      const map = posix.normalize(posix.join(posix.dirname(path), match[1]));
      if (!fileSet.has(map)) dangling.push(`${path} → ${match[1]}`);
    }
    expect(dangling).toEqual([]);
  });
});

describe('the installed package in plain Node', () => {
  it('imports react-keyframe-video/core from a Node script', () => {
    const out = runNode(`
      import { KeyframeVideoError, createKeyframeVideoClient, checkFrame, createTaskPoller, KEYFRAME_VIDEO_MODELS } from '${pkg.name}/core';
      const error = new KeyframeVideoError({ code: 'Throttling.RateQuota', status: 429 });
      console.log(JSON.stringify({
        retryable: error.retryable,
        client: typeof createKeyframeVideoClient,
        checkFrame: typeof checkFrame,
        poller: typeof createTaskPoller,
        models: Object.keys(KEYFRAME_VIDEO_MODELS),
      }));
    `);
    expect(JSON.parse(out)).toEqual({
      retryable: true,
      client: 'function',
      checkFrame: 'function',
      poller: 'function',
      models: expect.arrayContaining(['wan2.2-kf2v-flash']),
    });
  });

  it('every entry resolves through "exports" and exports exactly what its source module does', async () => {
    const out = runNode(`
      const specifiers = ${JSON.stringify(entries.map((entry) => entry.specifier))};
      const result = {};
      for (const specifier of specifiers) result[specifier] = Object.keys(await import(specifier)).sort();
      console.log(JSON.stringify(result));
    `);
    const built = JSON.parse(out) as Record<string, string[]>;
    for (const entry of entries) {
      const source = Object.keys((await import(pathToFileURL(entry.source).href)) as object).sort();
      expect(
        built[entry.specifier],
        `${entry.specifier}: the built entry differs from its source (stale dist/? run npm run build)`,
      ).toEqual(source);
    }
  });

  it('renders the studio from the built browser entry with react-dom/server', () => {
    const html = runNode(`
      import { createElement } from 'react';
      import { renderToString } from 'react-dom/server';
      import { KeyframeVideoProvider, KeyframeVideoStudio } from '${pkg.name}';
      console.log(renderToString(createElement(KeyframeVideoProvider, { endpoint: '/api/kfv' }, createElement(KeyframeVideoStudio))));
    `);
    expect(html).toMatch(/^<form [^>]*aria-label="Keyframe video"[^>]*data-state="idle"/);
    expect(html).toContain('Generate</button>');
  });

  it('builds the core entry for a platform with no Node built-ins and no React', async () => {
    const core = exportPaths(pkg.exports['./core'] as ExportTarget)
      .map(packPath)
      .find((path) => path.endsWith('.js'));
    expect(core).toBeDefined();
    const result = await build({
      entryPoints: [join(installed, String(core))],
      bundle: true,
      write: false,
      platform: 'neutral',
      mainFields: ['module', 'main'],
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: scratch,
      nodePaths: [join(root, 'node_modules')],
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((p) => /node_modules\/(react|react-dom)\//.test(p))).toBe(false);
    expect(inputs.some((p) => p.startsWith('node:'))).toBe(false);
    // zod/mini only: the full zod barrel would mean the classic API slipped in.
    expect(inputs.some((p) => /zod\/v4\/classic\//.test(p))).toBe(false);
  });

  it('keeps the React directive on the browser entry and a shebang on the CLI', () => {
    const browser = exportPaths(pkg.exports['.'] as ExportTarget)
      .map(packPath)
      .find((path) => path.endsWith('.js'));
    expect(readInstalled(String(browser))).toMatch(/^['"]use client['"];/);
    const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {});
    expect(bins.length).toBeGreaterThan(0);
    for (const bin of bins) expect(readInstalled(packPath(bin))).toMatch(/^#!\/usr\/bin\/env node/);
  });
});
