// The package's entries as package.json `exports` declares them, each mapped back to the source
// module it is built from — so tests that go over "every entry" pick up a new entry by
// themselves, and never depend on the build's file layout.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

export const root = resolve(import.meta.dirname, '../../..');

/** package.json as the tests read it. */
export interface PackageJson {
  name: string;
  main?: string;
  module?: string;
  types?: string;
  files?: string[];
  bin?: string | Record<string, string>;
  exports: Record<string, ExportTarget>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/** A target in `exports`: a path, or conditions (`types`, `default`, …) leading to paths. */
export type ExportTarget = string | { readonly [condition: string]: ExportTarget };

export function readPackageJson(): PackageJson {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
}

/** One JavaScript entry of the package. */
export interface PackageEntry {
  /** The `exports` key: `"."`, `"./core"`, … */
  readonly key: string;
  /** The specifier apps import: `"react-keyframe-video/core"`. */
  readonly specifier: string;
  /** The source module the entry is built from (absolute path). */
  readonly source: string;
}

/** An existing `.ts`/`.tsx` file for a path without extension, if any. */
export function sourceFile(base: string): string | undefined {
  return [`${base}.ts`, `${base}.tsx`].find((candidate) => existsSync(candidate));
}

/**
 * The package's JavaScript entries and their sources. tsc emits declarations from `rootDir`
 * into `outDir` (tsconfig.build.json), so `exports[key].types` locates the source module
 * whatever the JavaScript build's file layout. Entries without `types` (CSS, package.json) are
 * not JavaScript entries.
 */
export function packageEntries(pkg: PackageJson = readPackageJson()): PackageEntry[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.build.json'), ts.sys.readFile).config as {
    compilerOptions: { outDir: string; rootDir: string };
  };
  const outDir = resolve(root, config.compilerOptions.outDir);
  const rootDir = resolve(root, config.compilerOptions.rootDir);
  return Object.entries(pkg.exports).flatMap(([key, target]) => {
    if (typeof target === 'string') return [];
    const types = target.types;
    if (typeof types !== 'string') return [];
    const base = join(rootDir, relative(outDir, resolve(root, types))).replace(/\.d\.ts$/, '');
    const source = sourceFile(base);
    if (!source) throw new Error(`No source module for "${key}" (looked for ${base}.ts).`);
    return [{ key, specifier: key === '.' ? pkg.name : `${pkg.name}${key.slice(1)}`, source }];
  });
}

/** Every file path an `exports` target leads to, through all its conditions. */
export function exportPaths(target: ExportTarget): string[] {
  return typeof target === 'string' ? [target] : Object.values(target).flatMap(exportPaths);
}
