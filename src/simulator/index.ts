/**
 * `react-keyframe-video/simulator`: a faithful DashScope keyframe-to-video service as a `fetch`
 * handler, for demos, Storybook (through MSW) and tests — no key, no network. Browser-safe and
 * free of optional dependencies: the MSW handlers (`createSimulatorHandlers`) live in `msw.ts`,
 * which imports `msw`, and the Node server in `node-server.ts`; neither is re-exported here.
 */
export {
  createDashScopeSimulator,
  DEFAULT_TIMING,
  type DashScopeSimulator,
  type DashScopeSimulatorOptions,
  type DurationRange,
  type SimulatorLimits,
  type SimulatorRequestContext,
  type SimulatorTaskView,
  type SimulatorTiming,
  type SimulatorVideoSource,
} from './simulator.js';
export type {
  FaultHandle,
  FaultMatch,
  FaultOptions,
  FaultRates,
  FaultRoute,
  FaultTiming,
  ScriptedFault,
  SimulatorFault,
  TaskFailure,
} from './faults.js';
export type { SimulatorLogEntry, SimulatorRoute } from './request-log.js';
export type { LiveTaskStatus } from './task-store.js';
export type { FetchImage } from './frame-intake.js';
export { DASHSCOPE_MESSAGES, DASHSCOPE_STATUSES, isSimulatedConnectionDrop } from './answers.js';
export {
  sampleVideoSource,
  createCrossfadeVideoSource,
  CROSSFADE_VIDEO_MIME_TYPE,
  type VideoSource,
  type VideoSourceTask,
  type CrossfadeVideoOptions,
} from './video.js';
