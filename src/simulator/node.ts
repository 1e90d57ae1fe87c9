/**
 * `react-keyframe-video/simulator/node`: the simulator as a local HTTP server (Node only, uses
 * `node:http`), and a video source that makes each task's video from its own frames with the
 * system ffmpeg (`node:child_process`). Browser code imports `react-keyframe-video/simulator`
 * instead.
 */
export {
  DEFAULT_SIMULATOR_PORT,
  startSimulatorServer,
  type SimulatorServer,
  type SimulatorServerOptions,
} from './node-server.js';
export {
  createFfmpegVideoSource,
  FFMPEG_VIDEO_MIME_TYPE,
  type FfmpegVideoOptions,
} from './ffmpeg-video.js';
export {
  DEFAULT_FFMPEG_PATH,
  probeFfmpeg,
  type FfmpegAvailability,
  type ProbeFfmpegOptions,
} from './ffmpeg.js';
