/**
 * The simulator's ffmpeg video source with the real system ffmpeg: a red first frame and a blue
 * last frame make a 5 s H.264 MP4 (faststart, yuv420p, even sides, the first frame's aspect)
 * that starts red, ends blue and is purple in between — read back by decoding with ffmpeg into
 * raw RGB and with ffprobe. Through the simulator, a task's `video_url` serves that clip. When
 * ffmpeg is missing, fails or hangs (stand-in scripts), the task gets the sample clip and
 * `onFallback` says why; a hung ffmpeg is killed; temporary files are always removed; runs at
 * once are capped by `concurrency`. `probeFfmpeg` tells a working ffmpeg from a missing or
 * unfit one.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeyframeVideoError } from '../../src/core/index.js';
import { sampleVideoSource } from '../../src/simulator/index.js';
import {
  createFfmpegVideoSource,
  probeFfmpeg,
  type FfmpegVideoOptions,
} from '../../src/simulator/node.js';
import { FIXED_TIMING, createBody, startSimulator } from './helpers/simulator-harness.js';

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
const FFPROBE = process.env.FFPROBE_PATH ?? 'ffprobe';

type Rgb = readonly [number, number, number];
const RED: Rgb = [230, 30, 30];
const BLUE: Rgb = [30, 60, 230];
const GREEN: Rgb = [30, 200, 60];
const YELLOW: Rgb = [240, 220, 40];

beforeAll(() => {
  try {
    execFileSync(FFMPEG, ['-hide_banner', '-version'], { stdio: 'ignore' });
    execFileSync(FFPROBE, ['-hide_banner', '-version'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'These tests need ffmpeg and ffprobe: `apt-get install -y ffmpeg` (scripts/ensure-system-deps.sh does it as root).',
    );
  }
});

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'kfv-ffmpeg-test-'));
});
afterEach(() => {
  rmSync(work, { recursive: true, force: true });
});

const hex = (c: Rgb) => `0x${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** A still in one colour (or two side by side), encoded by ffmpeg as `format`, as bytes. */
async function still(
  format: 'jpg' | 'png',
  width: number,
  height: number,
  colours: readonly Rgb[],
): Promise<Buffer> {
  const out = join(work, `still-${String(Math.random()).slice(2)}.${format}`);
  const part = Math.round(width / colours.length);
  const inputs = colours.flatMap((c) => [
    '-f',
    'lavfi',
    '-i',
    `color=c=${hex(c)}:s=${String(part)}x${String(height)}`,
  ]);
  const stack =
    colours.length > 1
      ? [
          '-filter_complex',
          `${colours.map((_, i) => `[${String(i)}]`).join('')}hstack=inputs=${String(colours.length)}`,
        ]
      : [];
  await run(FFMPEG, ['-v', 'error', ...inputs, ...stack, '-frames:v', '1', '-q:v', '2', out]);
  return readFileSync(out);
}

const dataUrl = (bytes: Buffer, mime: string) => `data:${mime};base64,${bytes.toString('base64')}`;

/** An APP1 segment with a big-endian TIFF block holding one tag: Orientation. */
function withExifOrientation(jpeg: Buffer, orientation: number): Buffer {
  const tiff = Buffer.alloc(26);
  tiff.write('MM', 0, 'latin1');
  tiff.writeUInt16BE(42, 2);
  tiff.writeUInt32BE(8, 4); // first IFD right after the header
  tiff.writeUInt16BE(1, 8); // one entry
  tiff.writeUInt16BE(0x0112, 10); // Orientation
  tiff.writeUInt16BE(3, 12); // SHORT
  tiff.writeUInt32BE(1, 14); // count
  tiff.writeUInt16BE(orientation, 18);
  tiff.writeUInt32BE(0, 22); // no next IFD
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const header = Buffer.alloc(4);
  header.writeUInt16BE(0xffe1, 0);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), header, payload, jpeg.subarray(2)]);
}

interface Probe {
  codec: string;
  pixFmt: string;
  width: number;
  height: number;
  frames: number;
  durationSeconds: number;
}

async function probe(path: string): Promise<Probe> {
  const { stdout } = await run(
    FFPROBE,
    [
      ['-v', 'error', '-select_streams', 'v:0', '-count_frames'],
      ['-show_entries', 'stream=codec_name,pix_fmt,width,height,nb_read_frames:format=duration'],
      ['-of', 'json', path],
    ].flat(),
  );
  const json = JSON.parse(stdout) as {
    streams: {
      codec_name: string;
      pix_fmt: string;
      width: number;
      height: number;
      nb_read_frames: string;
    }[];
    format: { duration: string };
  };
  const stream = json.streams[0];
  if (!stream) throw new Error(`ffprobe found no video stream in ${path}`);
  return {
    codec: stream.codec_name,
    pixFmt: stream.pix_fmt,
    width: stream.width,
    height: stream.height,
    frames: Number(stream.nb_read_frames),
    durationSeconds: Number(json.format.duration),
  };
}

/** Decodes frame `index` as raw RGB and averages a box around (fx, fy) (fractions of the size). */
async function colourAt(
  path: string,
  index: number,
  size: { width: number; height: number },
  fx = 0.5,
  fy = 0.5,
): Promise<Rgb> {
  const { stdout } = await run(
    FFMPEG,
    [
      '-v',
      'error',
      '-i',
      path,
      '-vf',
      `select=eq(n\\,${String(index)}),format=rgb24`,
      '-frames:v',
      '1',
      '-f',
      'rawvideo',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  const pixels = stdout as Buffer;
  expect(pixels.length).toBe(size.width * size.height * 3);
  const cx = Math.round(size.width * fx);
  const cy = Math.round(size.height * fy);
  const sum = [0, 0, 0];
  let count = 0;
  for (let y = cy - 8; y < cy + 8; y++) {
    for (let x = cx - 8; x < cx + 8; x++) {
      const at = (y * size.width + x) * 3;
      for (let c = 0; c < 3; c++) sum[c] = (sum[c] ?? 0) + (pixels[at + c] ?? 0);
      count++;
    }
  }
  return sum.map((v) => Math.round(v / count)) as unknown as Rgb;
}

function expectColour(actual: Rgb, expected: Rgb, tolerance = 24) {
  const distance = Math.max(...actual.map((v, i) => Math.abs(v - (expected[i] ?? 0))));
  expect(
    distance,
    `got rgb(${actual.join(', ')}), expected about rgb(${expected.join(', ')})`,
  ).toBeLessThanOrEqual(tolerance);
}

async function save(blob: Blob, name = 'video.mp4'): Promise<string> {
  const path = join(work, name);
  writeFileSync(path, new Uint8Array(await blob.arrayBuffer()));
  return path;
}

/** Top-level MP4 box types in order (`faststart` puts `moov` before `mdat`). */
function topLevelBoxes(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const boxes: string[] = [];
  for (let at = 0; at + 8 <= bytes.length;) {
    const size = view.getUint32(at);
    boxes.push(new TextDecoder().decode(bytes.subarray(at + 4, at + 8)));
    if (size < 8) break;
    at += size;
  }
  return boxes;
}

/** A stand-in for ffmpeg: a shell script. */
function fakeFfmpeg(name: string, body: string): string {
  const path = join(work, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

function recordFallbacks(): { reasons: KeyframeVideoError[]; options: FfmpegVideoOptions } {
  const reasons: KeyframeVideoError[] = [];
  return { reasons, options: { onFallback: (reason) => reasons.push(reason) } };
}

const sampleBytes = async () =>
  new Uint8Array(await (await sampleVideoSource({ input: { first_frame_url: '' } })).arrayBuffer());

describe('createFfmpegVideoSource with the system ffmpeg', () => {
  it('makes a 5 s H.264 MP4 that starts on the first frame, ends on the last and crossfades', async () => {
    const first = dataUrl(await still('jpg', 1280, 720, [RED]), 'image/jpeg');
    const last = dataUrl(await still('png', 900, 900, [BLUE]), 'image/png');
    const { reasons, options } = recordFallbacks();
    const tempDir = join(work, 'temp');
    execFileSync('mkdir', [tempDir]);
    const source = createFfmpegVideoSource({ ...options, tempDir });

    const blob = await source({
      taskId: 't1',
      input: { first_frame_url: first, last_frame_url: last },
    });
    expect(reasons).toEqual([]);
    expect(blob.type).toBe('video/mp4');
    const bytes = new Uint8Array(await blob.arrayBuffer());
    const boxes = topLevelBoxes(bytes);
    expect(boxes[0]).toBe('ftyp');
    expect(boxes.indexOf('moov')).toBeGreaterThan(-1);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));

    const path = await save(blob);
    const info = await probe(path);
    expect(info).toMatchObject({
      codec: 'h264',
      pixFmt: 'yuv420p',
      width: 640,
      height: 360,
      frames: 120,
    });
    expect(info.durationSeconds).toBeGreaterThanOrEqual(4.9);
    expect(info.durationSeconds).toBeLessThanOrEqual(5.1);

    expectColour(await colourAt(path, 0, info), RED);
    expectColour(await colourAt(path, info.frames - 1, info), BLUE);
    const middle = await colourAt(path, Math.floor(info.frames / 2), info);
    expect(middle[0]).toBeGreaterThan(80);
    expect(middle[2]).toBeGreaterThan(80);
    expect(middle[0]).toBeLessThan(200);
    expect(middle[2]).toBeLessThan(200);
    // The run's temporary folder is gone.
    expect(readdirSync(tempDir)).toEqual([]);
  }, 60_000);

  it("keeps the first frame's shown aspect (EXIF orientation applied) and honours maxSide and fps", async () => {
    // Stored 480×640, red on the left and blue on the right; orientation 6 shows it turned a
    // quarter clockwise: 640×480, red on top, blue at the bottom.
    const stored = await still('jpg', 480, 640, [RED, BLUE]);
    const first = dataUrl(withExifOrientation(stored, 6), 'image/jpeg');
    const last = dataUrl(await still('jpg', 400, 1000, [GREEN]), 'image/jpeg');
    const { reasons, options } = recordFallbacks();
    const source = createFfmpegVideoSource({ ...options, maxSide: 512, fps: 12 });
    const path = await save(
      await source({ input: { first_frame_url: first, last_frame_url: last } }),
    );
    expect(reasons).toEqual([]);
    const info = await probe(path);
    expect(info).toMatchObject({ width: 512, height: 384, frames: 60 });
    expectColour(await colourAt(path, 0, info, 0.5, 0.25), RED);
    expectColour(await colourAt(path, 0, info, 0.5, 0.75), BLUE);
    // The portrait last frame is cropped to cover the landscape clip.
    expectColour(await colourAt(path, info.frames - 1, info), GREEN);
  }, 60_000);

  it('makes a portrait clip from a portrait first frame, sides even', async () => {
    const first = dataUrl(await still('png', 601, 899, [YELLOW]), 'image/png');
    const source = createFfmpegVideoSource({ maxSide: 641 });
    const info = await probe(await save(await source({ input: { first_frame_url: first } })));
    expect(info.height).toBe(642);
    expect(info.width % 2).toBe(0);
    expect(Math.abs(info.width / info.height - 601 / 899)).toBeLessThan(0.01);
  }, 60_000);

  it("serves a task's video_url made from the task's own frames through the simulator", async () => {
    const first = dataUrl(await still('jpg', 640, 480, [GREEN]), 'image/jpeg');
    const last = dataUrl(await still('jpg', 640, 480, [RED]), 'image/jpeg');
    const { reasons, options } = recordFallbacks();
    const h = await startSimulator({
      timing: FIXED_TIMING,
      video: { source: createFfmpegVideoSource(options) },
    });
    try {
      const taskId = await h.createTask(
        createBody({ first_frame_url: first, last_frame_url: last }),
      );
      h.clock.advance(70_000);
      const videoUrl = (await h.get(taskId)).json.output.video_url as string;
      const response = await fetch(videoUrl);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('video/mp4');
      const path = await save(new Blob([await response.arrayBuffer()]));
      const info = await probe(path);
      expect(info).toMatchObject({ width: 640, height: 480 });
      expectColour(await colourAt(path, 0, info), GREEN);
      expectColour(await colourAt(path, info.frames - 1, info), RED);
      expect(reasons).toEqual([]);
    } finally {
      await h.close();
    }
  }, 60_000);

  it('runs at most `concurrency` ffmpeg processes at once, and each task gets its own frames', async () => {
    const log = join(work, 'runs.log');
    const wrapper = fakeFfmpeg(
      'counting-ffmpeg',
      `echo start >> '${log}'\n'${FFMPEG}' "$@"\nstatus=$?\necho end >> '${log}'\nexit $status`,
    );
    const pairs: [Rgb, Rgb][] = [
      [RED, BLUE],
      [GREEN, YELLOW],
      [BLUE, GREEN],
    ];
    const frames = await Promise.all(
      pairs.map(async ([a, b]) => ({
        first: dataUrl(await still('jpg', 640, 360, [a]), 'image/jpeg'),
        last: dataUrl(await still('jpg', 640, 360, [b]), 'image/jpeg'),
      })),
    );
    const { reasons, options } = recordFallbacks();
    const tempDir = join(work, 'temp');
    execFileSync('mkdir', [tempDir]);
    const source = createFfmpegVideoSource({
      ...options,
      ffmpegPath: wrapper,
      concurrency: 2,
      maxSide: 320,
      tempDir,
    });
    const blobs = await Promise.all(
      frames.map((f, i) =>
        source({
          taskId: `t${String(i)}`,
          input: { first_frame_url: f.first, last_frame_url: f.last },
        }),
      ),
    );
    expect(reasons).toEqual([]);
    for (const [i, blob] of blobs.entries()) {
      const path = await save(blob, `video-${String(i)}.mp4`);
      const info = await probe(path);
      const [a, b] = pairs[i] ?? [RED, RED];
      expectColour(await colourAt(path, 0, info), a);
      expectColour(await colourAt(path, info.frames - 1, info), b);
    }
    let running = 0;
    let most = 0;
    const events = readFileSync(log, 'utf8').trim().split('\n');
    for (const event of events) {
      running += event === 'start' ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(events.filter((e) => e === 'start')).toHaveLength(3);
    expect(most).toBe(2);
    expect(readdirSync(tempDir)).toEqual([]);
  }, 90_000);
});

describe('createFfmpegVideoSource falls back to the sample clip', () => {
  const red = async () => dataUrl(await still('jpg', 640, 480, [RED]), 'image/jpeg');

  it('when ffmpeg is not installed, and says so', async () => {
    const { reasons, options } = recordFallbacks();
    const source = createFfmpegVideoSource({
      ...options,
      ffmpegPath: join(work, 'no-such-ffmpeg'),
    });
    const task = { taskId: 'missing', input: { first_frame_url: await red() } };
    const blob = await source(task);
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(await sampleBytes());
    expect(blob.type).toBe('video/mp4');
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toBeInstanceOf(KeyframeVideoError);
    expect(reasons[0]?.message).toMatch(/ffmpeg was not found .*apt-get install ffmpeg/);
  });

  it('when a frame is a link instead of a data URL', async () => {
    const { reasons, options } = recordFallbacks();
    const received: string[] = [];
    const source = createFfmpegVideoSource({
      ...options,
      onFallback: (reason, task) => {
        options.onFallback?.(reason, task);
        received.push(task.taskId ?? '');
      },
    });
    await source({
      taskId: 'linked',
      input: { first_frame_url: await red(), last_frame_url: 'https://example.com/last.jpg' },
    });
    expect(received).toEqual(['linked']);
    expect(reasons[0]?.param).toBe('input.last_frame_url');
    expect(reasons[0]?.message).toMatch(/not a data URL/);
  });

  it('when ffmpeg fails, with its last words in the detail and the temporary files removed', async () => {
    const failing = fakeFfmpeg('failing-ffmpeg', 'echo "Unknown encoder libx264" >&2\nexit 1');
    const { reasons, options } = recordFallbacks();
    const tempDir = join(work, 'temp');
    execFileSync('mkdir', [tempDir]);
    const fallback = () => Promise.resolve(new Blob(['stand-in'], { type: 'video/webm' }));
    const source = createFfmpegVideoSource({ ...options, ffmpegPath: failing, tempDir, fallback });
    const blob = await source({ input: { first_frame_url: await red() } });
    expect(await blob.text()).toBe('stand-in');
    expect(reasons[0]?.message).toMatch(/exited with code 1/);
    expect(reasons[0]?.detail).toContain('Unknown encoder libx264');
    expect(readdirSync(tempDir)).toEqual([]);
  });

  it('when ffmpeg hangs: it is killed after timeoutMs', async () => {
    const pidFile = join(work, 'pid');
    const hanging = fakeFfmpeg('hanging-ffmpeg', `echo $$ > '${pidFile}'\nexec sleep 120`);
    const { reasons, options } = recordFallbacks();
    const tempDir = join(work, 'temp');
    execFileSync('mkdir', [tempDir]);
    const source = createFfmpegVideoSource({
      ...options,
      ffmpegPath: hanging,
      timeoutMs: 500,
      tempDir,
    });
    const blob = await source({ input: { first_frame_url: await red() } });
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(await sampleBytes());
    expect(reasons[0]?.code).toBe('Timeout');
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(readdirSync(tempDir)).toEqual([]);
  });
});

describe('createFfmpegVideoSource options', () => {
  it('refuses values it cannot use, naming the option', () => {
    for (const [name, value] of [
      ['maxSide', 0],
      ['fps', 500],
      ['durationSeconds', Number.NaN],
      ['timeoutMs', -1],
      ['concurrency', 1.5],
    ] as const) {
      let thrown: unknown;
      try {
        createFfmpegVideoSource({ [name]: value });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(KeyframeVideoError);
      expect(thrown).toMatchObject({ code: 'InvalidParameter', param: name });
    }
  });
});

describe('probeFfmpeg', () => {
  it('finds the system ffmpeg and its version', async () => {
    const found = await probeFfmpeg({ ffmpegPath: FFMPEG });
    expect(found.status).toBe('available');
    if (found.status === 'available') expect(found.version).toMatch(/\d/);
  });

  it('says what to install when ffmpeg is missing', async () => {
    const found = await probeFfmpeg({ ffmpegPath: join(work, 'no-such-ffmpeg') });
    expect(found.status).toBe('unavailable');
    if (found.status === 'unavailable')
      expect(found.reason.message).toMatch(/apt-get install ffmpeg/);
  });

  it('tells an ffmpeg that cannot encode the crossfade from a working one', async () => {
    const unfit = fakeFfmpeg(
      'unfit-ffmpeg',
      'case "$*" in *-version*) echo "ffmpeg version 3.4-test"; exit 0;; esac\necho "No such filter: xfade" >&2\nexit 1',
    );
    const found = await probeFfmpeg({ ffmpegPath: unfit });
    expect(found.status).toBe('unavailable');
    if (found.status === 'unavailable') {
      expect(found.reason.message).toMatch(/ffmpeg 3\.4-test .*libx264 .*xfade/);
      expect(found.reason.detail).toContain('No such filter: xfade');
    }
  });
});
