/**
 * Running the system `ffmpeg` binary from Node, bounded: one process per job, its stderr kept
 * (the tail only) for the error, killed when it runs past its time, never reading our stdin.
 * Node-only (`node:child_process`): it backs the simulator's ffmpeg video source and lets a
 * server find out at start whether that source can work here.
 */
import { spawn } from 'node:child_process';
import { KeyframeVideoError } from '../core/errors.js';

/** The binary looked up on `PATH` when no path is given. */
export const DEFAULT_FFMPEG_PATH = 'ffmpeg';

/** How much of ffmpeg's stderr is kept for an error's `detail`. */
const STDERR_TAIL_CHARS = 2_000;

/** What one ffmpeg run is allowed. */
export interface FfmpegRunOptions {
  /** The binary: a path or a name on `PATH`. */
  readonly ffmpegPath: string;
  /** After this many milliseconds the process is killed (SIGKILL) and the run fails. */
  readonly timeoutMs: number;
}

/** What a successful run printed (stdout is kept only when asked for: `-version`). */
export interface FfmpegRunResult {
  readonly stdout: string;
}

function tail(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > STDERR_TAIL_CHARS ? `…${trimmed.slice(-STDERR_TAIL_CHARS)}` : trimmed;
}

/**
 * Runs `ffmpeg args…` and resolves when it exits 0. Rejects with a {@link KeyframeVideoError}:
 * `Timeout` when it ran past `timeoutMs` (it is killed first), `Unknown` when the binary is
 * missing or it exited with an error (stderr's tail in `detail`).
 */
export function runFfmpeg(
  args: readonly string[],
  options: FfmpegRunOptions,
): Promise<FfmpegRunResult> {
  const { ffmpegPath, timeoutMs } = options;
  return new Promise<FfmpegRunResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let outcome: 'running' | 'timed-out' | 'settled' = 'running';
    const child = spawn(ffmpegPath, ['-nostdin', '-hide_banner', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const timer = setTimeout(() => {
      if (outcome !== 'running') return;
      outcome = 'timed-out';
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (stdout.length < 64_000) stdout += chunk;
    });
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS * 2);
    });
    const settle = (error: KeyframeVideoError | undefined) => {
      clearTimeout(timer);
      if (outcome === 'settled') return;
      outcome = 'settled';
      if (error) reject(error);
      else resolve({ stdout });
    };
    child.on('error', (cause: NodeJS.ErrnoException) => {
      const missing = cause.code === 'ENOENT';
      settle(
        new KeyframeVideoError({
          code: 'Unknown',
          message: missing
            ? `ffmpeg was not found at "${ffmpegPath}". Install it (Debian: apt-get install ffmpeg) or pass its path as ffmpegPath.`
            : `ffmpeg at "${ffmpegPath}" could not be started (${cause.message}). Check that it is an executable ffmpeg binary.`,
          detail: cause.message,
          cause,
        }),
      );
    });
    child.on('close', (code, signal) => {
      if (outcome === 'timed-out') {
        settle(
          new KeyframeVideoError({
            code: 'Timeout',
            message: `ffmpeg did not finish within ${String(timeoutMs)} ms and was stopped. Raise timeoutMs on a slow machine.`,
            detail: tail(stderr),
          }),
        );
        return;
      }
      if (code === 0) {
        settle(undefined);
        return;
      }
      const how = signal ? `was stopped by ${signal}` : `exited with code ${String(code)}`;
      settle(
        new KeyframeVideoError({
          code: 'Unknown',
          message: `ffmpeg ${how}. Its last output is in the error's detail.`,
          detail: tail(stderr),
        }),
      );
    });
  });
}

/** Whether the system ffmpeg can make the simulator's videos, and if not, why not. */
export type FfmpegAvailability =
  | {
      readonly status: 'available';
      readonly ffmpegPath: string;
      /** The version it reports, e.g. `"5.1.9-0+deb12u1"`. */
      readonly version: string;
    }
  | {
      readonly status: 'unavailable';
      readonly ffmpegPath: string;
      /** What is missing, as a sentence that says what to install. */
      readonly reason: KeyframeVideoError;
    };

function asError(error: unknown): KeyframeVideoError {
  return error instanceof KeyframeVideoError
    ? error
    : new KeyframeVideoError({ code: 'Unknown', detail: String(error), cause: error });
}

/** Options of {@link probeFfmpeg}. */
export interface ProbeFfmpegOptions {
  /** The binary: a path or a name on `PATH` (default `"ffmpeg"`). */
  ffmpegPath?: string | undefined;
  /** Each of the two probe runs is killed after this many milliseconds (default 10 000). */
  timeoutMs?: number | undefined;
}

/**
 * Finds out whether ffmpeg is installed and can make the videos `createFfmpegVideoSource`
 * makes — its version, and a real two-frame crossfade through `xfade` and `libx264` into
 * nothing (`-f null`) — so a server can say at start which videos it will serve. Never throws.
 */
export async function probeFfmpeg(options: ProbeFfmpegOptions = {}): Promise<FfmpegAvailability> {
  const ffmpegPath = options.ffmpegPath ?? DEFAULT_FFMPEG_PATH;
  const run = { ffmpegPath, timeoutMs: options.timeoutMs ?? 10_000 };
  let version: string;
  try {
    const { stdout } = await runFfmpeg(['-version'], run);
    version = /ffmpeg version (\S+)/.exec(stdout)?.[1] ?? 'unknown';
  } catch (error) {
    return { status: 'unavailable', ffmpegPath, reason: asError(error) };
  }
  try {
    const colour = (c: string) => ['-f', 'lavfi', '-i', `color=c=${c}:s=64x64:r=4:d=1`];
    await runFfmpeg(
      [
        ['-v', 'error'],
        colour('red'),
        colour('blue'),
        ['-filter_complex', '[0][1]xfade=transition=fade:duration=0.5:offset=0.25,format=yuv420p'],
        ['-c:v', 'libx264', '-preset', 'veryfast', '-f', 'null', '-'],
      ].flat(),
      run,
    );
  } catch (error) {
    const cause = asError(error);
    return {
      status: 'unavailable',
      ffmpegPath,
      reason: new KeyframeVideoError({
        code: cause.code,
        message: `ffmpeg ${version} at "${ffmpegPath}" cannot make H.264 crossfades: it needs the libx264 encoder and the xfade filter (ffmpeg 4.3 or later; Debian's ffmpeg package has both). ${cause.message}`,
        detail: cause.detail,
        cause,
      }),
    };
  }
  return { status: 'available', ffmpegPath, version };
}
