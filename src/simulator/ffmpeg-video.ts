/**
 * A video source for the simulator in Node that makes a real clip from the task's own two
 * frames with the system ffmpeg: the first frame holds, crossfades into the last, and the last
 * holds — 5 s of H.264 in MP4 (yuv420p, `faststart`, BT.709), like DashScope's output, in the
 * first frame's aspect. So a local demo without a key shows a video made from the user's frames.
 * Without ffmpeg, or when a run fails, the task still gets a video: the fallback (the sample).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDataUrl } from '../core/data-url.js';
import { KeyframeVideoError } from '../core/errors.js';
import { readImageHeader, type ExifOrientation, type ImageHeader } from '../core/image-header.js';
import { DEFAULT_FFMPEG_PATH, runFfmpeg } from './ffmpeg.js';
import { sampleVideoSource, type VideoSource, type VideoSourceTask } from './video.js';

/** MIME type of the clips {@link createFfmpegVideoSource} makes. */
export const FFMPEG_VIDEO_MIME_TYPE = 'video/mp4';

/** Options of {@link createFfmpegVideoSource}. Every one has a default. */
export interface FfmpegVideoOptions {
  /** The ffmpeg binary: a path or a name on `PATH` (default `"ffmpeg"`). */
  ffmpegPath?: string | undefined;
  /** The clip's longer side in pixels (default 640); both sides are rounded to even numbers. */
  maxSide?: number | undefined;
  /** Frames per second (default 24). */
  fps?: number | undefined;
  /** Clip length in seconds (default 5, like DashScope's). */
  durationSeconds?: number | undefined;
  /** A run that takes longer is killed and the fallback is used (default 60 000 ms). */
  timeoutMs?: number | undefined;
  /** ffmpeg processes at once; more tasks wait their turn (default 2). */
  concurrency?: number | undefined;
  /** Where each run's temporary folder is made and removed again (default: the OS temp dir). */
  tempDir?: string | undefined;
  /** Used when the clip cannot be made (default: the bundled sample clip). */
  fallback?: VideoSource | undefined;
  /** Told why the fallback was used, and for which task: for logs and tests. */
  onFallback?: ((reason: KeyframeVideoError, task: VideoSourceTask) => void) | undefined;
}

interface Settings {
  readonly ffmpegPath: string;
  readonly maxSide: number;
  readonly fps: number;
  readonly durationSeconds: number;
  readonly timeoutMs: number;
  readonly tempDir: string | undefined;
}

const EXTENSIONS: Readonly<Record<ImageHeader['format'], string>> = {
  jpeg: 'jpg',
  png: 'png',
  webp: 'webp',
  bmp: 'bmp',
};

/** ffmpeg filters that show a stored image the way its EXIF orientation says it is displayed. */
const ORIENTATION_FILTERS: Readonly<Record<ExifOrientation, string>> = {
  1: '',
  2: 'hflip,',
  3: 'hflip,vflip,',
  4: 'vflip,',
  5: 'transpose=cclock_flip,',
  6: 'transpose=clock,',
  7: 'transpose=clock_flip,',
  8: 'transpose=cclock,',
};

function even(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}

/** The output keeps the first frame's (displayed) aspect, longer side `maxSide`, even sides. */
function outputSize(first: ImageHeader, maxSide: number) {
  const scale = maxSide / Math.max(first.width, first.height);
  return { width: even(first.width * scale), height: even(first.height * scale) };
}

function positive(
  name: keyof FfmpegVideoOptions,
  value: number | undefined,
  fallback: number,
  check: (n: number) => boolean,
  rule: string,
): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || !check(value)) {
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      param: name,
      message: `${name} must be ${rule}; got ${String(value)}.`,
    });
  }
  return value;
}

interface FrameFile {
  readonly path: string;
  readonly header: ImageHeader;
}

/** Decodes a frame's data URL, reads its header and writes it where ffmpeg can read it. */
async function writeFrame(url: string, param: string, dir: string, name: string) {
  if (!/^data:/i.test(url)) {
    throw new KeyframeVideoError({
      code: 'Unknown',
      param,
      message: `The ${param} is a link, not a data URL; this video source reads only data URLs, so the sample clip is used.`,
    });
  }
  const parsed = parseDataUrl(url);
  if (!parsed.ok)
    throw new KeyframeVideoError({ code: 'InvalidParameter', param, message: parsed.message });
  const header = readImageHeader(parsed.bytes);
  if (!header.ok) {
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      param,
      message: `The ${param} is not a readable JPEG, PNG, WebP or BMP image (${header.message}).`,
    });
  }
  const path = join(dir, `${name}.${EXTENSIONS[header.format]}`);
  await writeFile(path, parsed.bytes);
  return { path, header } satisfies FrameFile;
}

/** The ffmpeg command line: two stills, scaled and cropped alike, held, crossfaded, encoded. */
function crossfadeArgs(first: FrameFile, last: FrameFile, output: string, settings: Settings) {
  const { fps, durationSeconds } = settings;
  const { width, height } = outputSize(first.header, settings.maxSide);
  const frameCount = Math.round(durationSeconds * fps);
  // Each frame is held for a tenth of the clip at its end; the fade fills the rest.
  const hold = Math.round(frameCount * 0.1) / fps;
  const fade = durationSeconds - 2 * hold;
  const inputFrames = Math.round((durationSeconds - hold) * fps);
  const still = (index: number, frame: FrameFile, label: string) =>
    `[${String(index)}:v]${ORIENTATION_FILTERS[frame.header.orientation]}` +
    `scale=${String(width)}:${String(height)}:force_original_aspect_ratio=increase` +
    `:out_color_matrix=bt709:out_range=tv,crop=${String(width)}:${String(height)},setsar=1,` +
    // Decoded and scaled once, then repeated: cheaper than decoding a 2000 px still per frame.
    `format=yuv420p,loop=loop=${String(inputFrames - 1)}:size=1:start=0,` +
    `setpts=N/${String(fps)}/TB[${label}]`;
  const input = (frame: FrameFile) => [
    // `file:` and no pattern: a path is read as a path, whatever characters it holds.
    ['-noautorotate', '-f', 'image2', '-pattern_type', 'none', '-framerate', String(fps)],
    ['-i', `file:${frame.path}`],
  ];
  return [
    ['-v', 'error', '-y'],
    ...input(first),
    ...input(last),
    [
      '-filter_complex',
      [
        still(0, first, 'a'),
        still(1, last, 'b'),
        `[a][b]xfade=transition=fade:duration=${fade.toFixed(4)}:offset=${hold.toFixed(4)},format=yuv420p[v]`,
      ].join(';'),
    ],
    ['-map', '[v]', '-frames:v', String(frameCount), '-r', String(fps)],
    ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p'],
    ['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709'],
    ['-color_range', 'tv', '-an', '-map_metadata', '-1', '-movflags', '+faststart'],
    ['-f', 'mp4', `file:${output}`],
  ].flat();
}

async function encodeCrossfade(task: VideoSourceTask, settings: Settings): Promise<Blob> {
  const dir = await mkdtemp(join(settings.tempDir ?? tmpdir(), 'kfv-ffmpeg-'));
  try {
    const first = await writeFrame(
      task.input.first_frame_url,
      'input.first_frame_url',
      dir,
      'first',
    );
    const lastUrl = task.input.last_frame_url;
    const last = lastUrl ? await writeFrame(lastUrl, 'input.last_frame_url', dir, 'last') : first;
    const output = join(dir, 'video.mp4');
    await runFfmpeg(crossfadeArgs(first, last, output, settings), settings);
    const bytes = new Uint8Array(await readFile(output));
    if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(4, 8)) !== 'ftyp') {
      throw new KeyframeVideoError({
        code: 'Unknown',
        message: 'ffmpeg exited without error but wrote no MP4 file.',
      });
    }
    return new Blob([bytes], { type: FFMPEG_VIDEO_MIME_TYPE });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** At most `limit` jobs at once; the rest wait in arrival order. */
function createLimiter(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(job: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await job();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

/**
 * A simulator video source for Node that makes each task's video from its own two frames with
 * the system ffmpeg (spawned, never a shell): a 5 s, 24 fps H.264 MP4 in which the first frame
 * fades into the last, longer side 640 px, in the first frame's aspect (EXIF orientation
 * applied). Frames must be data URLs. When a clip cannot be made — no ffmpeg, a frame given as a
 * link, a failed or timed-out run (the process is killed) — the task gets `fallback` (the sample
 * clip) and `onFallback` is told why: a task never breaks for want of a video. Temporary files
 * are removed after every run. Pass it as `video: { source }` to `createDashScopeSimulator`.
 */
export function createFfmpegVideoSource(options: FfmpegVideoOptions = {}): VideoSource {
  const settings: Settings = {
    ffmpegPath: options.ffmpegPath ?? DEFAULT_FFMPEG_PATH,
    maxSide: positive(
      'maxSide',
      options.maxSide,
      640,
      (n) => n >= 16 && n <= 4096,
      'from 16 to 4096',
    ),
    fps: positive('fps', options.fps, 24, (n) => n >= 1 && n <= 60, 'from 1 to 60'),
    durationSeconds: positive(
      'durationSeconds',
      options.durationSeconds,
      5,
      (n) => n >= 1 && n <= 60,
      'from 1 to 60 seconds',
    ),
    timeoutMs: positive('timeoutMs', options.timeoutMs, 60_000, (n) => n > 0, 'above 0'),
    tempDir: options.tempDir,
  };
  const concurrency = positive(
    'concurrency',
    options.concurrency,
    2,
    (n) => Number.isInteger(n) && n >= 1,
    'a whole number of at least 1',
  );
  const limit = createLimiter(concurrency);
  const fallback = options.fallback ?? sampleVideoSource;
  return async (task) => {
    try {
      return await limit(() => encodeCrossfade(task, settings));
    } catch (cause) {
      const reason =
        cause instanceof KeyframeVideoError
          ? cause
          : new KeyframeVideoError({
              code: 'Unknown',
              message: 'The ffmpeg crossfade could not be made, so the sample clip is used.',
              detail: cause instanceof Error ? cause.message : String(cause),
              cause,
            });
      options.onFallback?.(reason, task);
      return fallback(task);
    }
  };
}
