// Checks the BUILT package the way users get it: `npm pack`, installed into a scratch project,
// imported by a plain Node script. Run after `npm run build` (the README test command does).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '../..');
const scratch = join(root, 'reports', 'package-test');
const installed = join(scratch, 'node_modules', 'react-keyframe-video');

function requireBuild() {
  if (!existsSync(join(root, 'dist', 'core.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (the README test command does).');
  }
}

describe('the built package', () => {
  beforeAll(() => {
    requireBuild();
    rmSync(scratch, { recursive: true, force: true });
    mkdirSync(installed, { recursive: true });
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], {
      cwd: root,
      encoding: 'utf8',
    }).trim();
    execFileSync('tar', ['-xzf', join(scratch, tarball), '-C', installed, '--strip-components=1']);
  }, 60_000);

  it('imports react-keyframe-video/core from a plain Node script', () => {
    const script = `
      import { KeyframeVideoError, createKeyframeVideoClient, checkFrame, createTaskPoller, KEYFRAME_VIDEO_MODELS } from 'react-keyframe-video/core';
      const error = new KeyframeVideoError({ code: 'Throttling.RateQuota', status: 429 });
      console.log(JSON.stringify({
        retryable: error.retryable,
        client: typeof createKeyframeVideoClient,
        checkFrame: typeof checkFrame,
        poller: typeof createTaskPoller,
        models: Object.keys(KEYFRAME_VIDEO_MODELS),
      }));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: scratch,
      encoding: 'utf8',
    });
    const result = JSON.parse(out) as Record<string, unknown>;
    expect(result).toEqual({
      retryable: true,
      client: 'function',
      checkFrame: 'function',
      poller: 'function',
      models: expect.arrayContaining(['wan2.2-kf2v-flash']),
    });
  });

  it('builds the core entry for a platform with no Node built-ins and no React', async () => {
    const result = await build({
      entryPoints: [join(installed, 'dist', 'core.js')],
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
    expect(readFileSync(join(installed, 'dist', 'index.js'), 'utf8')).toMatch(
      /^['"]use client['"];/,
    );
    expect(readFileSync(join(installed, 'dist', 'cli.js'), 'utf8')).toMatch(
      /^#!\/usr\/bin\/env node/,
    );
  });
});
