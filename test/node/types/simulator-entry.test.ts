// Type tests for every runtime export of `react-keyframe-video/simulator`, `/simulator/node` and
// `/simulator/msw`: the simulator is a fetch handler (so it can be a relay's `fetch`, an MSW
// handler's body or a server's listener), with inspection and fault injection on the side.
// Checked by `tsc` and run as tests; test/node/types/coverage.test.ts fails when an export has
// no `expectTypeOf` here.
import type { HttpHandler } from 'msw';
import { describe, expectTypeOf, test } from 'vitest';
import type { Clock, KeyframeVideoError } from '../../../src/core/index.js';
import {
  type CROSSFADE_VIDEO_MIME_TYPE,
  DASHSCOPE_MESSAGES,
  DASHSCOPE_STATUSES,
  DEFAULT_TIMING,
  createCrossfadeVideoSource,
  createDashScopeSimulator,
  isSimulatedConnectionDrop,
  sampleVideoSource,
  type CrossfadeVideoOptions,
  type DashScopeSimulator,
  type DashScopeSimulatorOptions,
  type DurationRange,
  type FaultHandle,
  type SimulatorFault,
  type SimulatorRequestContext,
  type SimulatorTiming,
  type VideoSource,
  type VideoSourceTask,
} from '../../../src/simulator/index.js';
import {
  createSimulatorHandlers,
  type SimulatorHandlersOptions,
} from '../../../src/simulator/msw.js';
import {
  type DEFAULT_FFMPEG_PATH,
  type DEFAULT_SIMULATOR_PORT,
  type FFMPEG_VIDEO_MIME_TYPE,
  createFfmpegVideoSource,
  probeFfmpeg,
  startSimulatorServer,
  type FfmpegAvailability,
  type FfmpegVideoOptions,
  type ProbeFfmpegOptions,
  type SimulatorServer,
  type SimulatorServerOptions,
} from '../../../src/simulator/node.js';

describe('react-keyframe-video/simulator', () => {
  test('the simulator is a fetch handler with inspection and faults on the side', () => {
    expectTypeOf(createDashScopeSimulator).parameters.toEqualTypeOf<
      [options?: DashScopeSimulatorOptions]
    >();
    expectTypeOf(createDashScopeSimulator).returns.toEqualTypeOf<DashScopeSimulator>();
    expectTypeOf<DashScopeSimulator>().toBeCallableWith(new Request('http://localhost/'));
    expectTypeOf<DashScopeSimulator>().parameters.toEqualTypeOf<
      [request: Request, context?: SimulatorRequestContext]
    >();
    expectTypeOf<DashScopeSimulator>().returns.toEqualTypeOf<Promise<Response>>();
    expectTypeOf<DashScopeSimulator['createCount']>().toEqualTypeOf<number>();
    expectTypeOf<DashScopeSimulator['clock']>().toEqualTypeOf<Clock>();
    expectTypeOf<DashScopeSimulator['inject']>().parameter(0).toEqualTypeOf<SimulatorFault>();
    expectTypeOf<DashScopeSimulator['inject']>().returns.toEqualTypeOf<FaultHandle>();
    expectTypeOf<SimulatorFault['kind']>().toEqualTypeOf<
      'http' | 'fail' | 'delay' | 'drop' | 'nonJson'
    >();
  });

  test('timing and answers are data', () => {
    expectTypeOf(DEFAULT_TIMING).toEqualTypeOf<SimulatorTiming>();
    expectTypeOf<SimulatorTiming['queueMs']>().toEqualTypeOf<DurationRange>();
    expectTypeOf<DurationRange>().toEqualTypeOf<readonly [min: number, max: number]>();
    expectTypeOf(DASHSCOPE_MESSAGES).toEqualTypeOf<Readonly<Record<string, string>>>();
    expectTypeOf(DASHSCOPE_STATUSES).toEqualTypeOf<Readonly<Record<string, number>>>();
    expectTypeOf(isSimulatedConnectionDrop).toEqualTypeOf<(error: unknown) => boolean>();
  });

  test('video sources make a clip per task', () => {
    expectTypeOf<VideoSource>().toEqualTypeOf<(task: VideoSourceTask) => Promise<Blob>>();
    expectTypeOf(sampleVideoSource).toEqualTypeOf<VideoSource>();
    expectTypeOf(createCrossfadeVideoSource).toEqualTypeOf<
      (options?: CrossfadeVideoOptions) => VideoSource
    >();
    expectTypeOf<typeof CROSSFADE_VIDEO_MIME_TYPE>().toEqualTypeOf<'video/webm'>();
  });
});

describe('react-keyframe-video/simulator/node', () => {
  test('startSimulatorServer takes the simulator’s options plus where to listen', () => {
    expectTypeOf(startSimulatorServer).toEqualTypeOf<
      (options?: SimulatorServerOptions) => Promise<SimulatorServer>
    >();
    expectTypeOf<SimulatorServerOptions>().toMatchTypeOf<DashScopeSimulatorOptions>();
    expectTypeOf<{ port: 0; host: '127.0.0.1' }>().toMatchTypeOf<SimulatorServerOptions>();
    expectTypeOf<SimulatorServer['simulator']>().toEqualTypeOf<DashScopeSimulator>();
    expectTypeOf<SimulatorServer['url']>().toEqualTypeOf<string>();
    expectTypeOf<typeof DEFAULT_SIMULATOR_PORT>().toEqualTypeOf<8790>();
  });

  test('ffmpeg: a probe that reports, and a video source from the frames', () => {
    expectTypeOf(probeFfmpeg).toEqualTypeOf<
      (options?: ProbeFfmpegOptions) => Promise<FfmpegAvailability>
    >();
    expectTypeOf<FfmpegAvailability['status']>().toEqualTypeOf<'available' | 'unavailable'>();
    expectTypeOf<
      Extract<FfmpegAvailability, { status: 'unavailable' }>['reason']
    >().toEqualTypeOf<KeyframeVideoError>();
    expectTypeOf(createFfmpegVideoSource).toEqualTypeOf<
      (options?: FfmpegVideoOptions) => VideoSource
    >();
    expectTypeOf<typeof FFMPEG_VIDEO_MIME_TYPE>().toEqualTypeOf<'video/mp4'>();
    expectTypeOf<typeof DEFAULT_FFMPEG_PATH>().toEqualTypeOf<'ffmpeg'>();
  });
});

describe('react-keyframe-video/simulator/msw', () => {
  test('createSimulatorHandlers gives MSW 2 handlers', () => {
    expectTypeOf(createSimulatorHandlers).toEqualTypeOf<
      (simulator: DashScopeSimulator, options: SimulatorHandlersOptions) => HttpHandler[]
    >();
    expectTypeOf<SimulatorHandlersOptions>().toEqualTypeOf<{ baseUrl: string }>();
  });
});
