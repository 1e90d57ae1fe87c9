/**
 * Frame-preparation bench: `npx tsx bench/frames/run.ts`.
 *
 * Builds the bench page with Vite (the library from source, its worker bundled as an app would
 * bundle it), serves it on 127.0.0.1, drives Debian's Chromium (CHROMIUM_PATH, or the first
 * one scripts/chromium.ts finds) headless with Playwright, and prints one table: time per image
 * (median of the timed runs), output size and whether the output is API-legal (passes
 * checkFrame), for prepareFrame and its peers, measured in the same run. Then the ratios
 * against the peers and the targets; exits non-zero when a target is missed:
 * - 6000×4000 JPEG: prepareFrame (worker) ≤ 0.8 × the time of browser-image-compression
 *   (maxWidthOrHeight 2000), and its output ≤ 1 MB;
 * - prepareFrame's output is API-legal on every image;
 * - no main-thread long task over 50 ms while the worker prepares.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright';
import { build, preview } from 'vite';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.ts';
import type { BenchReport, BenchRow } from './main.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const configFile = join(here, 'vite.config.ts');
const PHOTO = 'photo-6000x4000.jpg';
const OURS = 'prepareFrame (worker)';
const PEER = 'browser-image-compression (maxWidthOrHeight 2000)';
const TIME_RATIO_TARGET = 0.8;
const PHOTO_BYTES_TARGET = 1024 * 1024;
const LONG_TASK_TARGET_MS = 50;

const kb = (bytes: number | undefined) =>
  bytes === undefined
    ? '—'
    : bytes >= 1024 * 1024
      ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
      : `${Math.round(bytes / 1024)} KB`;

function table(rows: readonly BenchRow[]): string {
  const lines = [
    '| image | input | tool | time (ms) | runs | output | bytes | API-legal | longest main-thread task |',
    '|---|---|---|---:|---:|---|---:|---|---:|',
  ];
  for (const row of rows) {
    const legal = row.legal ? 'yes' : `no (${row.problems.join(', ')})`;
    const task = row.longestTaskMs === 0 ? '< 50 ms' : `${row.longestTaskMs} ms`;
    lines.push(
      `| ${row.image} | ${row.inputSize}, ${kb(row.inputBytes)} | ${row.tool} | ${row.ms ?? '—'} | ${row.runs} | ${row.outputSize ?? '—'} | ${kb(row.outputBytes)} | ${legal} | ${task} |`,
    );
  }
  return lines.join('\n');
}

function ratios(rows: readonly BenchRow[]): string[] {
  const lines: string[] = [];
  const images = [...new Set(rows.map((row) => row.image))];
  for (const image of images) {
    const ours = rows.find((row) => row.image === image && row.tool === OURS);
    if (ours?.ms === undefined) continue;
    const parts = rows
      .filter((row) => row.image === image && !row.ours && row.ms !== undefined)
      .map((row) => `${((ours.ms ?? 0) / (row.ms ?? 1)).toFixed(2)}× ${row.tool}`);
    lines.push(`${image}: prepareFrame (worker) ${ours.ms} ms = ${parts.join(', ')}`);
  }
  return lines;
}

function judge(rows: readonly BenchRow[]): { passed: string[]; missed: string[] } {
  const passed: string[] = [];
  const missed: string[] = [];
  const note = (ok: boolean, text: string) => (ok ? passed : missed).push(text);
  const ours = rows.find((row) => row.image === PHOTO && row.tool === OURS);
  const peer = rows.find((row) => row.image === PHOTO && row.tool === PEER);
  if (ours?.ms === undefined || peer?.ms === undefined) {
    missed.push(`${PHOTO}: no timing for ${ours?.ms === undefined ? OURS : PEER}`);
  } else {
    const ratio = ours.ms / peer.ms;
    note(
      ratio <= TIME_RATIO_TARGET,
      `${PHOTO}: time ${ratio.toFixed(2)}× ${PEER} (target ≤ ${TIME_RATIO_TARGET}×)`,
    );
    note(
      (ours.outputBytes ?? Infinity) <= PHOTO_BYTES_TARGET,
      `${PHOTO}: output ${kb(ours.outputBytes)} (target ≤ 1 MB)`,
    );
  }
  for (const row of rows.filter((r) => r.ours)) {
    note(
      row.legal,
      `${row.image}: ${row.tool} output API-legal${row.legal ? '' : ` — ${row.problems.join(', ')}`}`,
    );
  }
  const worker = rows.filter((row) => row.tool === OURS);
  const longest = Math.max(0, ...worker.map((row) => row.longestTaskMs));
  note(
    longest <= LONG_TASK_TARGET_MS,
    `longest main-thread task during worker preparation: ${longest === 0 ? 'none over 50 ms' : `${longest} ms`} (target ≤ ${LONG_TASK_TARGET_MS} ms)`,
  );
  return { passed, missed };
}

async function main(): Promise<number> {
  const outDir = mkdtempSync(join(tmpdir(), 'kfv-bench-frames-'));
  const server = await (async () => {
    await build({ configFile, build: { outDir } });
    return preview({ configFile, build: { outDir } });
  })();
  const browser = await chromium.launch({
    executablePath: findChromium(),
    args: [...CHROMIUM_ARGS],
  });
  try {
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('the preview server has no local URL');
    const page = await browser.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') console.error(`[page] ${message.text()}`);
    });
    page.on('pageerror', (error) => console.error(`[page] ${error.message}`));
    await page.goto(url);
    await page.waitForFunction(() => typeof window.runFramesBench === 'function');
    page.setDefaultTimeout(0);
    console.log(`Chromium ${browser.version()} · ${cpus().length} cores · Node ${process.version}`);
    console.log('Running (each tool: one warm-up, then the median of the timed runs)…\n');
    const report = (await page.evaluate(() => {
      if (!window.runFramesBench) throw new Error('bench page not ready');
      return window.runFramesBench();
    })) as BenchReport;

    console.log(table(report.rows));
    console.log(
      `\nTime: median of up to ${report.runs} timed runs after a warm-up (1 run for tools slower than 2.5 s). ${report.hardwareConcurrency} logical CPUs; ${report.userAgent}`,
    );
    console.log('\nRatios (lower is faster):');
    for (const line of ratios(report.rows)) console.log(`- ${line}`);
    const { passed, missed } = judge(report.rows);
    console.log('\nTargets:');
    for (const line of passed) console.log(`  ok      ${line}`);
    for (const line of missed) console.log(`  MISSED  ${line}`);
    return missed.length === 0 ? 0 : 1;
  } finally {
    await browser.close();
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    rmSync(outDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
