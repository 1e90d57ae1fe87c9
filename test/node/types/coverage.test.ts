// The guard of the type tests: every runtime export of every package entry has a type-level
// test. Entries come from package.json `exports` (each `types` file maps back to the source
// module tsc emitted it from), their runtime exports from importing that module, and "has a
// type test" means the name is the subject of an `expectTypeOf(...)` call — as its argument
// (`expectTypeOf(name)`, `expectTypeOf(Entry.name)`) or in its type argument
// (`expectTypeOf<typeof name>()`) — in a type-test file that imports it from that entry. Add an
// export, and this fails until its types are pinned in test/node/types/<entry>.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { packageEntries, root, sourceFile } from '../helpers/package-entries.js';

/** Files whose `expectTypeOf` calls count: this folder's type tests and the hooks' jsdom ones. */
const TYPE_TEST_FILES = [
  ...readdirSync(import.meta.dirname)
    .filter((name) => name.endsWith('.test.ts') && name !== 'coverage.test.ts')
    .map((name) => join(import.meta.dirname, name)),
  join(root, 'test', 'jsdom', 'types.test.ts'),
];

type Binding = { readonly source: string; readonly name: string } | { readonly source: string };

/** Names each import binds in `file`, resolved to absolute source modules. */
function importBindings(file: ts.SourceFile, path: string): Map<string, Binding> {
  const bindings = new Map<string, Binding>();
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier))
      continue;
    const specifier = statement.moduleSpecifier.text;
    if (!specifier.startsWith('.')) continue;
    const source = sourceFile(resolve(dirname(path), specifier).replace(/\.js$/, ''));
    const clause = statement.importClause;
    if (!source || !clause?.namedBindings) continue;
    if (ts.isNamespaceImport(clause.namedBindings)) {
      bindings.set(clause.namedBindings.name.text, { source });
    } else {
      for (const element of clause.namedBindings.elements) {
        const name = (element.propertyName ?? element.name).text;
        bindings.set(element.name.text, { source, name });
      }
    }
  }
  return bindings;
}

/**
 * `"<source>#<name>"` for every imported name that is the subject of an `expectTypeOf` call:
 * in its arguments, or in a `typeof` query in its type arguments. Chained matchers
 * (`.toEqualTypeOf<typeof X>()`) do not count: there X is the expectation, not the subject.
 */
function typeTestedNames(text: string, path: string): Set<string> {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const bindings = importBindings(file, path);
  const covered = new Set<string>();
  const mark = (local: string, member?: string) => {
    const binding = bindings.get(local);
    if (!binding) return;
    if ('name' in binding) covered.add(`${binding.source}#${binding.name}`);
    else if (member !== undefined) covered.add(`${binding.source}#${member}`);
  };
  const inValue = (node: ts.Node): void => {
    if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression)) {
      mark(node.expression.text, node.name.text);
    } else if (ts.isIdentifier(node)) {
      mark(node.text);
    }
    ts.forEachChild(node, inValue);
  };
  const inType = (node: ts.Node): void => {
    if (ts.isTypeQueryNode(node)) {
      const name = node.exprName;
      if (ts.isIdentifier(name)) mark(name.text);
      else if (ts.isIdentifier(name.left)) mark(name.left.text, name.right.text);
    }
    ts.forEachChild(node, inType);
  };
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === 'expectTypeOf'
    ) {
      node.arguments.forEach(inValue);
      node.typeArguments?.forEach(inType);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return covered;
}

const entries = packageEntries();
const covered = new Set(
  TYPE_TEST_FILES.flatMap((path) => [...typeTestedNames(readFileSync(path, 'utf8'), path)]),
);

describe('the guard itself', () => {
  test('finds every entry of the package', () => {
    expect(entries.map((entry) => entry.key)).toEqual(
      expect.arrayContaining([
        '.',
        './core',
        './relay',
        './relay/node',
        './relay/redis',
        './simulator',
        './simulator/node',
        './simulator/msw',
      ]),
    );
  });

  test('counts a name only as the subject of expectTypeOf', () => {
    const path = join(import.meta.dirname, 'example.test.ts');
    const found = typeTestedNames(
      [
        "import * as Core from '../../../src/core/index.js';",
        "import { a, b as bee, c, d, e } from '../../../src/core/index.js';",
        "import { f } from 'vitest';",
        'expectTypeOf(a).toEqualTypeOf<typeof c>();',
        'expectTypeOf<typeof bee>().returns.toEqualTypeOf<number>();',
        'expectTypeOf(Core.g<number>).toBeFunction();',
        'expectTypeOf<Parameters<typeof Core.h>>().toEqualTypeOf<[]>();',
        'expectTypeOf(f).toBeFunction();',
        'd();',
      ].join('\n'),
      path,
    );
    const core = join(root, 'src', 'core', 'index.ts');
    expect([...found].sort()).toEqual([`${core}#a`, `${core}#b`, `${core}#g`, `${core}#h`]);
  });
});

describe('every runtime export has a type test', () => {
  test.each(entries.map((entry) => [entry.key, entry] as const))('%s', async (_key, entry) => {
    const runtime = Object.keys((await import(pathToFileURL(entry.source).href)) as object);
    expect(runtime.length).toBeGreaterThan(0);
    const untested = runtime.filter((name) => !covered.has(`${entry.source}#${name}`)).sort();
    expect(
      untested,
      `Runtime exports of "${entry.key}" (${relative(root, entry.source)}) without an expectTypeOf in ${TYPE_TEST_FILES.map((p) => relative(root, p)).join(', ')}`,
    ).toEqual([]);
  });
});
