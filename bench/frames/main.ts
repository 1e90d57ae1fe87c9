/**
 * The frame-preparation bench page. Makes the test images in the browser (the same generator
 * the browser tests use), then runs each tool on each image: `prepareFrame` (worker and main
 * thread), browser-image-compression (its defaults, and `maxWidthOrHeight: 2000`) and pica
 * (fit into 2000 px, JPEG 0.9). For each run it records time, output size, whether the output
 * passes `checkFrame` (the API's rules), and the longest main-thread task seen meanwhile
 * (PerformanceObserver 'longtask'). run.ts drives it with Playwright and prints the table.
 */
import imageCompression from 'browser-image-compression';
import bicLibraryUrl from 'browser-image-compression/dist/browser-image-compression.js?url';
import pica from 'pica';
import { checkFrame, prepareFrame } from '../../src/core/index.js';
import { makeBenchImages, type TestImage } from '../../test/browser/images.js';

/** One tool, as an app would call it. */
interface Contender {
  readonly name: string;
  /** Whether the targets judge it (our code) or it is a peer for comparison. */
  readonly ours: boolean;
  run(file: File): Promise<Blob>;
}

/** One tool on one image. */
export interface BenchRow {
  readonly image: string;
  readonly inputSize: string;
  readonly inputBytes: number;
  readonly tool: string;
  readonly ours: boolean;
  /** Median of the timed runs, ms (undefined when the tool failed). */
  readonly ms: number | undefined;
  /** How many timed runs the median is of. */
  readonly runs: number;
  readonly outputBytes: number | undefined;
  readonly outputSize: string | undefined;
  readonly legal: boolean;
  /** The rules broken, or the tool's error. */
  readonly problems: readonly string[];
  /** Longest main-thread long task during the timed runs, ms (0 = none over 50 ms). */
  readonly longestTaskMs: number;
}

/** What the page reports to run.ts. */
export interface BenchReport {
  readonly userAgent: string;
  readonly hardwareConcurrency: number;
  /** Timed runs per tool and image (one for tools slower than 2.5 s). */
  readonly runs: number;
  readonly rows: readonly BenchRow[];
}

const TIMED_RUNS = 5;
const SLOW_MS = 2500;
// Served from this page's origin, so its worker works offline (the default is a CDN URL).
const bicLibUrl = new URL(bicLibraryUrl, location.href).href;
const resizer = pica();

async function picaFit(file: File): Promise<Blob> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const scale = Math.min(1, 2000 / Math.max(bitmap.width, bitmap.height));
  const target = document.createElement('canvas');
  target.width = Math.round(bitmap.width * scale);
  target.height = Math.round(bitmap.height * scale);
  await resizer.resize(bitmap, target);
  bitmap.close();
  return resizer.toBlob(target, 'image/jpeg', 0.9);
}

const contenders: readonly Contender[] = [
  {
    name: 'prepareFrame (worker)',
    ours: true,
    run: async (file) => (await prepareFrame(file)).blob,
  },
  {
    name: 'prepareFrame (main thread)',
    ours: true,
    run: async (file) => (await prepareFrame(file, { worker: 'never' })).blob,
  },
  {
    name: 'browser-image-compression (defaults)',
    ours: false,
    run: (file) => imageCompression(file, { libURL: bicLibUrl }),
  },
  {
    name: 'browser-image-compression (maxWidthOrHeight 2000)',
    ours: false,
    run: (file) => imageCompression(file, { maxWidthOrHeight: 2000, libURL: bicLibUrl }),
  },
  { name: 'pica (fit 2000, JPEG 0.9)', ours: false, run: picaFit },
];

/** Long tasks on the main thread, kept with their start and end times. */
const longTasks: { start: number; end: number }[] = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    longTasks.push({ start: entry.startTime, end: entry.startTime + entry.duration });
  }
}).observe({ type: 'longtask' });

function longestTaskBetween(start: number, end: number): number {
  let longest = 0;
  for (const task of longTasks) {
    if (task.end > start && task.start < end) longest = Math.max(longest, task.end - task.start);
  }
  return Math.round(longest);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Lets queued long-task entries arrive before the window is read. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

/** One tool's runs on one image. */
interface Trial {
  readonly contender: Contender;
  readonly times: number[];
  longestTaskMs: number;
  output: Blob | undefined;
  error: string | undefined;
  /** Slow tools (over SLOW_MS in the warm-up) get one timed run. */
  runs: number;
}

async function timed(trial: Trial, file: File): Promise<void> {
  await settle();
  const start = performance.now();
  try {
    trial.output = await trial.contender.run(file);
  } catch (error) {
    trial.error = error instanceof Error ? error.message : String(error);
    return;
  }
  const end = performance.now();
  trial.times.push(end - start);
  await settle();
  trial.longestTaskMs = Math.max(trial.longestTaskMs, longestTaskBetween(start, end));
}

/**
 * Runs every tool on one image: a warm-up each (worker start, wasm compile, caches), then the
 * timed runs round-robin, so a burst of load on the machine hits every tool alike.
 */
async function measureImage(image: TestImage): Promise<BenchRow[]> {
  const input = await checkFrame(image.file);
  const trials: Trial[] = [];
  for (const contender of contenders) {
    const trial: Trial = {
      contender,
      times: [],
      longestTaskMs: 0,
      output: undefined,
      error: undefined,
      runs: TIMED_RUNS,
    };
    const start = performance.now();
    try {
      await contender.run(image.file);
    } catch (error) {
      trial.error = error instanceof Error ? error.message : String(error);
    }
    if (performance.now() - start > SLOW_MS) trial.runs = 1;
    trials.push(trial);
  }
  for (let round = 0; round < TIMED_RUNS; round++) {
    for (const trial of trials) {
      if (trial.error === undefined && trial.times.length < trial.runs)
        await timed(trial, image.file);
    }
  }
  const rows: BenchRow[] = [];
  for (const trial of trials) {
    const base = {
      image: image.name,
      inputSize: `${input.width ?? '?'}×${input.height ?? '?'}`,
      inputBytes: image.file.size,
      tool: trial.contender.name,
      ours: trial.contender.ours,
      runs: trial.times.length,
      longestTaskMs: trial.longestTaskMs,
    };
    if (trial.error !== undefined || !trial.output) {
      rows.push({
        ...base,
        ms: undefined,
        outputBytes: undefined,
        outputSize: undefined,
        legal: false,
        problems: [`failed: ${trial.error ?? 'no output'}`],
      });
      continue;
    }
    const check = await checkFrame(trial.output);
    rows.push({
      ...base,
      ms: Math.round(median(trial.times)),
      outputBytes: trial.output.size,
      outputSize: `${check.width ?? '?'}×${check.height ?? '?'}`,
      legal: check.ok,
      problems: check.problems.map((problem) => problem.reason),
    });
  }
  return rows;
}

async function runFramesBench(): Promise<BenchReport> {
  const status = document.getElementById('status');
  const say = (text: string) => {
    if (status) status.textContent = text;
    console.log(text);
  };
  say('making the test images…');
  const images = await makeBenchImages();
  const rows: BenchRow[] = [];
  for (const image of images) {
    say(`${image.name}…`);
    rows.push(...(await measureImage(image)));
  }
  say('done');
  return {
    userAgent: navigator.userAgent,
    hardwareConcurrency: navigator.hardwareConcurrency,
    runs: TIMED_RUNS,
    rows,
  };
}

declare global {
  interface Window {
    runFramesBench?: () => Promise<BenchReport>;
  }
}
window.runFramesBench = runFramesBench;
document.getElementById('status')?.replaceChildren('ready');
