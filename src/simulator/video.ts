/**
 * Where the simulator's videos come from. A task's `video_url` must serve a real, playable
 * 5-second clip: by default the bundled sample (H.264 MP4, like DashScope's output), and in a
 * browser optionally one made from the task's own two frames, so a demo shows the first frame
 * fading into the last.
 */
import { KeyframeVideoError } from '../core/errors.js';
import { SAMPLE_VIDEO_MIME_TYPE, sampleVideoBytes } from './sample-video.js';
import { muxWebm, type WebmFrame } from './webm-muxer.js';

/** What a video source is told about the task: its two frames as sent in the create body. */
export interface VideoSourceTask {
  readonly taskId?: string;
  readonly input: {
    /** An image data URL or `http(s)` URL. */
    readonly first_frame_url: string;
    readonly last_frame_url?: string | null | undefined;
  };
}

/**
 * Makes the bytes a task's `video_url` serves. Return a `Blob` whose `type` is the video's MIME
 * type (`video/mp4`, `video/webm`); the simulator answers with it as the `Content-Type`.
 */
export type VideoSource = (task: VideoSourceTask) => Promise<Blob>;

/** The bundled 5 s sample clip: works everywhere (browsers, Node, edge), never looks at frames. */
export const sampleVideoSource: VideoSource = () =>
  Promise.resolve(new Blob([sampleVideoBytes()], { type: SAMPLE_VIDEO_MIME_TYPE }));

/** Options of {@link createCrossfadeVideoSource}. */
export interface CrossfadeVideoOptions {
  /** Length of the clip's longer side in pixels (default 512); sides are rounded to 16. */
  maxSide?: number;
  /** Frames per second (default 15: plenty for a slow crossfade, and quick to encode). */
  fps?: number;
  /** Clip length in seconds (default 5, like DashScope's). */
  durationSeconds?: number;
  /** Target bits per second of the VP8 stream (default 1,000,000). */
  bitrate?: number;
  /** Used when this browser cannot make the clip (default: the bundled sample). */
  fallback?: VideoSource;
  /** Told why the fallback was used: for logs and tests. */
  onFallback?: (reason: KeyframeVideoError) => void;
}

/** MIME type of the clips {@link createCrossfadeVideoSource} makes. */
export const CROSSFADE_VIDEO_MIME_TYPE = 'video/webm';

const VP8 = 'vp8';

function roundTo16(value: number): number {
  return Math.max(16, Math.round(value / 16) * 16);
}

/** The output keeps the first frame's aspect, like the service (sides multiples of 16). */
function outputSize(width: number, height: number, maxSide: number) {
  const scale = maxSide / Math.max(width, height);
  return { width: roundTo16(width * scale), height: roundTo16(height * scale) };
}

interface Canvas2D {
  readonly canvas: OffscreenCanvas | HTMLCanvasElement;
  readonly context: OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;
}

function createCanvas(width: number, height: number): Canvas2D | undefined {
  if (typeof OffscreenCanvas === 'function') {
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d');
    return context ? { canvas, context } : undefined;
  }
  if (typeof document === 'undefined') return undefined;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  return context ? { canvas, context } : undefined;
}

/** Whether this runtime has what the crossfade needs; `undefined` when it has, else why not. */
function missingFeature(): string | undefined {
  if (typeof createImageBitmap !== 'function') return 'createImageBitmap';
  if (typeof VideoEncoder !== 'function' || typeof VideoFrame !== 'function') return 'WebCodecs';
  if (typeof OffscreenCanvas !== 'function' && typeof document === 'undefined') return 'a canvas';
  if (typeof document !== 'undefined') {
    const canPlay = document.createElement('video').canPlayType('video/webm; codecs="vp8"');
    if (canPlay === '') return 'WebM (VP8) playback';
  }
  return undefined;
}

async function decodeImage(url: string): Promise<ImageBitmap> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`The frame answered HTTP ${String(response.status)}.`);
  return createImageBitmap(await response.blob(), { imageOrientation: 'from-image' });
}

/** Draws `image` to cover the whole canvas, zoomed by `zoom` around the centre. */
function drawCover(target: Canvas2D, image: ImageBitmap, zoom: number): void {
  const { width, height } = target.canvas;
  const scale = Math.max(width / image.width, height / image.height) * zoom;
  const drawWidth = image.width * scale;
  const drawHeight = image.height * scale;
  target.context.drawImage(
    image,
    (width - drawWidth) / 2,
    (height - drawHeight) / 2,
    drawWidth,
    drawHeight,
  );
}

/** Eases the crossfade in and out, so both frames are held briefly at the ends. */
function smoothstep(t: number): number {
  const x = Math.min(1, Math.max(0, (t - 0.1) / 0.8));
  return x * x * (3 - 2 * x);
}

/** Lets the encoder catch up, so at most a few frames wait in memory at once. */
async function drainQueue(encoder: VideoEncoder, limit: number): Promise<void> {
  while (encoder.encodeQueueSize > limit) {
    await new Promise<void>((resolve) => {
      encoder.addEventListener('dequeue', () => resolve(), { once: true });
    });
  }
}

interface CrossfadeSettings {
  readonly maxSide: number;
  readonly fps: number;
  readonly durationSeconds: number;
  readonly bitrate: number;
}

async function encodeCrossfade(task: VideoSourceTask, settings: CrossfadeSettings): Promise<Blob> {
  const first = await decodeImage(task.input.first_frame_url);
  const lastUrl = task.input.last_frame_url;
  const last = lastUrl ? await decodeImage(lastUrl) : first;
  try {
    const { width, height } = outputSize(first.width, first.height, settings.maxSide);
    const config: VideoEncoderConfig = {
      codec: VP8,
      width,
      height,
      bitrate: settings.bitrate,
      framerate: settings.fps,
      // Speed over compression: the clip is small and made while a user waits.
      latencyMode: 'realtime',
    };
    const support = await VideoEncoder.isConfigSupported(config);
    if (!support.supported) throw new Error('This browser cannot encode VP8 at this size.');
    const target = createCanvas(width, height);
    if (!target) throw new Error('No 2D canvas is available.');

    const frames: WebmFrame[] = [];
    let encoderError: unknown;
    const encoder = new VideoEncoder({
      output: (chunk) => {
        const data = new Uint8Array(chunk.byteLength);
        chunk.copyTo(data);
        frames.push({ data, timestampUs: chunk.timestamp, keyFrame: chunk.type === 'key' });
      },
      error: (error) => {
        encoderError = error;
      },
    });
    encoder.configure(config);

    const frameCount = Math.round(settings.fps * settings.durationSeconds);
    const frameUs = 1_000_000 / settings.fps;
    try {
      for (let index = 0; index < frameCount && encoderError === undefined; index += 1) {
        const progress = frameCount > 1 ? index / (frameCount - 1) : 0;
        const zoom = 1 + 0.06 * progress;
        target.context.globalAlpha = 1;
        target.context.fillStyle = '#000';
        target.context.fillRect(0, 0, width, height);
        drawCover(target, first, zoom);
        target.context.globalAlpha = smoothstep(progress);
        drawCover(target, last, zoom);
        const frame = new VideoFrame(target.canvas, {
          timestamp: Math.round(index * frameUs),
          duration: Math.round(frameUs),
        });
        encoder.encode(frame, { keyFrame: index % (settings.fps * 2) === 0 });
        frame.close();
        await drainQueue(encoder, 4);
      }
      if (encoderError === undefined) await encoder.flush();
    } finally {
      if (encoder.state !== 'closed') encoder.close();
    }
    if (encoderError !== undefined) throw encoderError;
    if (frames.length === 0 || !frames[0]?.keyFrame) throw new Error('The encoder made no video.');

    const bytes = muxWebm(
      { codecId: 'V_VP8', width, height, durationUs: frameCount * frameUs },
      frames,
    );
    return new Blob([bytes], { type: CROSSFADE_VIDEO_MIME_TYPE });
  } finally {
    first.close();
    if (last !== first) last.close();
  }
}

/**
 * A video source for browsers that makes a real clip from the task's two frames: the first
 * frame crossfades into the last over 5 s with a slow zoom, drawn on a canvas and encoded with
 * WebCodecs (VP8) into WebM, faster than real time. Where the browser cannot (no WebCodecs, no
 * VP8, a frame that does not decode or a cross-origin URL), it falls back to the sample clip.
 */
export function createCrossfadeVideoSource(options: CrossfadeVideoOptions = {}): VideoSource {
  const settings: CrossfadeSettings = {
    maxSide: options.maxSide ?? 512,
    fps: options.fps ?? 15,
    durationSeconds: options.durationSeconds ?? 5,
    bitrate: options.bitrate ?? 1_000_000,
  };
  const fallback = options.fallback ?? sampleVideoSource;
  return async (task) => {
    const missing = missingFeature();
    try {
      if (missing !== undefined) throw new Error(`This runtime has no ${missing}.`);
      return await encodeCrossfade(task, settings);
    } catch (cause) {
      options.onFallback?.(
        new KeyframeVideoError({
          code: 'Unknown',
          message: 'The crossfade video could not be made here, so the sample clip is used.',
          detail: cause instanceof Error ? cause.message : String(cause),
          cause,
        }),
      );
      return fallback(task);
    }
  };
}
