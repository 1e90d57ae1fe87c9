/**
 * How the simulator gets and judges a frame, like the service: a data URL is decoded; an
 * `http(s)` URL is downloaded (from the frames the simulator hosts, or through the injectable
 * `fetchImage`); then the core frame checks decide. A failed download answers
 * `BadRequest.InputDownloadFailed`, an unaccepted format 415 `BadRequest.UnsupportedFileFormat`,
 * any other problem 400 `InvalidParameter` naming the field.
 */
import {
  checkFrame,
  checkFrameBytes,
  frameCheckError,
  FRAME_RULES,
  type FrameCheck,
} from '../core/frames.js';
import { messageFor, type ErrorAnswer } from './answers.js';
import { readCapped } from './read-capped.js';

/** Downloads an image for an `http(s)` frame URL (the simulator's `fetchImage` option). */
export type FetchImage = (url: string) => Promise<Response>;

/** A file the simulator serves under `{basePath}/files/frames/{name}`. */
export interface HostedFile {
  readonly bytes: Uint8Array;
  readonly type: string;
}

/** A frame that passed every check: its size decides the video's shape. */
export interface AcceptedFrame {
  readonly ok: true;
  readonly width: number;
  readonly height: number;
}

/** A frame that did not: the error answer to send. */
export interface RejectedFrame {
  readonly ok: false;
  readonly error: ErrorAnswer;
}

/** Where frames come from. */
export interface FrameSources {
  /** Frames hosted by the simulator itself, by name. */
  readonly hosted: ReadonlyMap<string, HostedFile>;
  /** Used for every other `http(s)` URL. */
  readonly fetchImage: FetchImage;
}

const HOSTED_PATH = /\/files\/frames\/([^/?#]+)$/;

/** The default `fetchImage`: the simulator downloads nothing from the network. */
export const refuseDownloads: FetchImage = (url) =>
  Promise.reject(
    new Error(
      `The simulator does not download ${url}: host the frame with hostFrame() or pass fetchImage.`,
    ),
  );

function downloadFailed(param: string, url: string): RejectedFrame {
  return {
    ok: false,
    error: {
      status: 400,
      code: 'BadRequest.InputDownloadFailed',
      message: `${messageFor('BadRequest.InputDownloadFailed').replace(/\.$/, '')}: ${url}`,
      param,
    },
  };
}

function judged(check: FrameCheck, param: string): AcceptedFrame | RejectedFrame {
  const error = frameCheckError(check, param);
  if (!error) return { ok: true, width: check.width ?? 0, height: check.height ?? 0 };
  const unsupported = check.problems.some((p) => p.reason === 'unsupported-format');
  return {
    ok: false,
    error: unsupported
      ? { status: 415, code: 'BadRequest.UnsupportedFileFormat', message: error.message, param }
      : { status: 400, code: 'InvalidParameter', message: error.message, param },
  };
}

async function download(
  url: string,
  sources: FrameSources,
): Promise<{ bytes: Uint8Array | 'too-large'; type: string | undefined } | undefined> {
  const hostedName = HOSTED_PATH.exec(new URL(url).pathname)?.[1];
  const hosted =
    hostedName === undefined ? undefined : sources.hosted.get(decodeURIComponent(hostedName));
  if (hosted) {
    return {
      bytes: hosted.bytes.byteLength > FRAME_RULES.maxBytes ? 'too-large' : hosted.bytes,
      type: hosted.type,
    };
  }
  try {
    const response = await sources.fetchImage(url);
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    const type = response.headers.get('Content-Type') ?? undefined;
    return { bytes: await readCapped(response, FRAME_RULES.maxBytes), type };
  } catch {
    return undefined;
  }
}

/**
 * Gets and checks the frame given in `param` (`"input.first_frame_url"`): a data URL or an
 * `http(s)` URL (the request was already checked to hold one of those).
 */
export async function takeFrame(
  value: string,
  param: string,
  sources: FrameSources,
): Promise<AcceptedFrame | RejectedFrame> {
  if (value.slice(0, 5).toLowerCase() === 'data:') return judged(await checkFrame(value), param);
  const downloaded = await download(value, sources);
  if (!downloaded) return downloadFailed(param, value);
  if (downloaded.bytes === 'too-large') {
    return {
      ok: false,
      error: {
        status: 400,
        code: 'InvalidParameter',
        message: `File size is larger than ${String(FRAME_RULES.maxBytes / (1024 * 1024))}MB.`,
        param,
      },
    };
  }
  const name = new URL(value).pathname.split('/').pop();
  return judged(checkFrameBytes(downloaded.bytes, { type: downloaded.type, name }), param);
}
