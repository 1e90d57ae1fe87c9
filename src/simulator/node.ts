/**
 * `react-keyframe-video/simulator/node`: the simulator as a local HTTP server (Node only, uses
 * `node:http`). Browser code imports `react-keyframe-video/simulator` instead.
 */
export {
  DEFAULT_SIMULATOR_PORT,
  startSimulatorServer,
  type SimulatorServer,
  type SimulatorServerOptions,
} from './node-server.js';
