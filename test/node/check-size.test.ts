// The budget script (scripts/check-size.ts) run as `npm test` runs it, against the BUILT package,
// with budget files written here: it must fail the run when a figure is over its ceiling, pass
// (loudly saying OVER TARGET) when a figure is over its target but within its ceiling, and report
// every figure. Run after `npm run build` (the README test command does).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const scratch = join(root, 'reports', 'check-size-test');
const TSX = join(root, 'node_modules', '.bin', 'tsx');

interface Limits {
  target: number;
  ceiling: number;
  totalCeiling: number;
}
type Figures = Record<'hooks' | 'studio' | 'styles' | 'core', Limits>;

interface Outcome {
  code: number;
  stdout: string;
  report: { figures: { id: string; status: string; initial: { gzip: number } }[] };
}

async function checkSize(name: string, figures: Figures): Promise<Outcome> {
  const config = join(scratch, `${name}.json`);
  const report = join(scratch, `${name}-report.json`);
  writeFileSync(config, JSON.stringify({ figures }));
  const args = ['scripts/check-size.ts', '--no-peers', '--config', config, '--report', report];
  let code = 0;
  let stdout: string;
  try {
    ({ stdout } = await run(TSX, args, { cwd: root, encoding: 'utf8' }));
  } catch (error) {
    const failure = error as { code?: number; stdout?: string };
    code = failure.code ?? -1;
    stdout = failure.stdout ?? '';
  }
  return { code, stdout, report: JSON.parse(readFileSync(report, 'utf8')) as Outcome['report'] };
}

/** Ceilings far above any figure: only the targets can be missed. */
const ROOMY: Figures = {
  hooks: { target: 10_000, ceiling: 10_000_000, totalCeiling: 10_000_000 },
  studio: { target: 30_000, ceiling: 10_000_000, totalCeiling: 10_000_000 },
  styles: { target: 5_000, ceiling: 10_000_000, totalCeiling: 10_000_000 },
  core: { target: 6_000, ceiling: 10_000_000, totalCeiling: 10_000_000 },
};

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'index.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (the README test command does).');
  }
  mkdirSync(scratch, { recursive: true });
});

describe('scripts/check-size.ts', () => {
  test('within every ceiling it passes, and says OVER TARGET for each figure above its target', async () => {
    const outcome = await checkSize('roomy', ROOMY);
    expect(outcome.code).toBe(0);
    const figures = outcome.report.figures;
    expect(figures.map((figure) => figure.id)).toEqual(['hooks', 'studio', 'styles', 'core']);
    for (const figure of figures) {
      expect(figure.initial.gzip).toBeGreaterThan(0);
      const target = ROOMY[figure.id as keyof Figures].target;
      expect(figure.status).toBe(figure.initial.gzip > target ? 'over-target' : 'ok');
      if (figure.status === 'over-target') expect(outcome.stdout).toContain('**OVER TARGET**');
    }
    expect(outcome.stdout).toMatch(/^\| bundle \| initial \(min\+gz\) \|/m);
  }, 120_000);

  test('a figure over its ceiling fails the run and is named', async () => {
    const styles = { target: 100, ceiling: 100, totalCeiling: 10_000_000 };
    const outcome = await checkSize('tight', { ...ROOMY, styles });
    expect(outcome.code).toBe(1);
    expect(outcome.report.figures.find((figure) => figure.id === 'styles')?.status).toBe(
      'over-ceiling',
    );
    expect(outcome.stdout).toContain('**FAIL: over ceiling**');
    expect(outcome.stdout).toMatch(/FAILED: styles over the ceiling/);
  }, 120_000);
});
