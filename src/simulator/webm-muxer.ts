/**
 * The smallest WebM writer the crossfade video needs: one VP8 video track, frames given in
 * order, everything in memory. Unlike a MediaRecorder file, it records the duration in the
 * header, so a `<video>` knows the clip is 5 s long as soon as it has loaded its metadata.
 * (Matroska/WebM is EBML: each element is an id, a variable-length size and a payload.)
 */

/** One encoded frame, as `EncodedVideoChunk` gives it (timestamps in microseconds). */
export interface WebmFrame {
  readonly data: Uint8Array;
  /** Presentation time in microseconds from the start. */
  readonly timestampUs: number;
  readonly keyFrame: boolean;
}

/** What the WebM header says about the track. */
export interface WebmTrack {
  /** Matroska codec id; `"V_VP8"` (or `"V_VP9"`). */
  readonly codecId: string;
  readonly width: number;
  readonly height: number;
  /** Total length in microseconds (end of the last frame). */
  readonly durationUs: number;
}

type Part = Uint8Array;

const textEncoder = new TextEncoder();

function concat(parts: readonly Part[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** EBML variable-length size: the shortest form that holds `size` (all-ones means "unknown"). */
function vintSize(size: number): Uint8Array {
  for (let length = 1; length <= 8; length += 1) {
    if (size < 2 ** (7 * length) - 1) {
      const out = new Uint8Array(length);
      let rest = size;
      for (let i = length - 1; i >= 0; i -= 1) {
        out[i] = rest % 256;
        rest = Math.floor(rest / 256);
      }
      out[0] = (out[0] ?? 0) | (0x80 >> (length - 1));
      return out;
    }
  }
  throw new RangeError(`An EBML element of ${String(size)} bytes is too large.`);
}

function idBytes(id: number): Uint8Array {
  const bytes: number[] = [];
  for (let rest = id; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return Uint8Array.from(bytes);
}

function element(id: number, payload: Uint8Array | readonly Part[]): Uint8Array {
  const body = payload instanceof Uint8Array ? payload : concat(payload);
  return concat([idBytes(id), vintSize(body.length), body]);
}

function uint(id: number, value: number): Uint8Array {
  const bytes: number[] = [];
  for (let rest = Math.max(0, Math.floor(value)); rest > 0; rest = Math.floor(rest / 256))
    bytes.unshift(rest % 256);
  return element(id, Uint8Array.from(bytes.length > 0 ? bytes : [0]));
}

function float64(id: number, value: number): Uint8Array {
  const payload = new Uint8Array(8);
  new DataView(payload.buffer).setFloat64(0, value);
  return element(id, payload);
}

function text(id: number, value: string): Uint8Array {
  return element(id, textEncoder.encode(value));
}

// Element ids (Matroska specification).
const EBML = 0x1a45dfa3;
const EBML_VERSION = 0x4286;
const EBML_READ_VERSION = 0x42f7;
const EBML_MAX_ID_LENGTH = 0x42f2;
const EBML_MAX_SIZE_LENGTH = 0x42f3;
const DOC_TYPE = 0x4282;
const DOC_TYPE_VERSION = 0x4287;
const DOC_TYPE_READ_VERSION = 0x4285;
const SEGMENT = 0x18538067;
const INFO = 0x1549a966;
const TIMECODE_SCALE = 0x2ad7b1;
const MUXING_APP = 0x4d80;
const WRITING_APP = 0x5741;
const DURATION = 0x4489;
const TRACKS = 0x1654ae6b;
const TRACK_ENTRY = 0xae;
const TRACK_NUMBER = 0xd7;
const TRACK_UID = 0x73c5;
const TRACK_TYPE = 0x83;
const FLAG_LACING = 0x9c;
const CODEC_ID = 0x86;
const DEFAULT_DURATION = 0x23e383;
const VIDEO = 0xe0;
const PIXEL_WIDTH = 0xb0;
const PIXEL_HEIGHT = 0xba;
const CLUSTER = 0x1f43b675;
const CLUSTER_TIMECODE = 0xe7;
const SIMPLE_BLOCK = 0xa3;

/** Timestamps in the file are milliseconds (TimecodeScale = 1,000,000 ns). */
const TIMECODE_SCALE_NS = 1_000_000;
/** A SimpleBlock's time is a signed 16-bit offset from its cluster's time. */
const MAX_BLOCK_OFFSET_MS = 32_767;

function simpleBlock(frame: WebmFrame, clusterMs: number): Uint8Array {
  const header = new Uint8Array(4);
  header[0] = 0x81; // track number 1 as a one-byte vint
  new DataView(header.buffer).setInt16(1, Math.round(frame.timestampUs / 1000) - clusterMs);
  header[3] = frame.keyFrame ? 0x80 : 0x00;
  return element(SIMPLE_BLOCK, [header, frame.data]);
}

/**
 * Writes a complete WebM file from encoded frames (in presentation order, the first a key
 * frame). A new cluster starts at every key frame, so players can seek without an index.
 */
export function muxWebm(track: WebmTrack, frames: readonly WebmFrame[]): Uint8Array<ArrayBuffer> {
  const header = element(EBML, [
    uint(EBML_VERSION, 1),
    uint(EBML_READ_VERSION, 1),
    uint(EBML_MAX_ID_LENGTH, 4),
    uint(EBML_MAX_SIZE_LENGTH, 8),
    text(DOC_TYPE, 'webm'),
    uint(DOC_TYPE_VERSION, 2),
    uint(DOC_TYPE_READ_VERSION, 2),
  ]);
  const info = element(INFO, [
    uint(TIMECODE_SCALE, TIMECODE_SCALE_NS),
    text(MUXING_APP, 'react-keyframe-video'),
    text(WRITING_APP, 'react-keyframe-video simulator'),
    float64(DURATION, track.durationUs / 1000),
  ]);
  const frameDurationNs =
    frames.length > 0 ? Math.round((track.durationUs * 1000) / frames.length) : 0;
  const tracks = element(TRACKS, [
    element(TRACK_ENTRY, [
      uint(TRACK_NUMBER, 1),
      uint(TRACK_UID, 1),
      uint(TRACK_TYPE, 1),
      uint(FLAG_LACING, 0),
      text(CODEC_ID, track.codecId),
      ...(frameDurationNs > 0 ? [uint(DEFAULT_DURATION, frameDurationNs)] : []),
      element(VIDEO, [uint(PIXEL_WIDTH, track.width), uint(PIXEL_HEIGHT, track.height)]),
    ]),
  ]);

  const clusters: Uint8Array[] = [];
  let blocks: Uint8Array[] = [];
  let clusterMs = 0;
  const flush = () => {
    if (blocks.length > 0)
      clusters.push(element(CLUSTER, [uint(CLUSTER_TIMECODE, clusterMs), ...blocks]));
    blocks = [];
  };
  for (const frame of frames) {
    const frameMs = Math.round(frame.timestampUs / 1000);
    if (blocks.length === 0 || frame.keyFrame || frameMs - clusterMs > MAX_BLOCK_OFFSET_MS) {
      flush();
      clusterMs = frameMs;
    }
    blocks.push(simpleBlock(frame, clusterMs));
  }
  flush();

  return concat([header, element(SEGMENT, [info, tracks, ...clusters])]);
}
