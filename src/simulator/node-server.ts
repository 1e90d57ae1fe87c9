/**
 * The simulator as a local HTTP server for Node: the same fetch handler, behind `node:http`
 * through `@remix-run/node-fetch-server`. It backs `keyframe-video simulator`, lets official
 * DashScope clients (the Python SDK, curl) run against the simulator, and listens on loopback
 * only unless told otherwise. Node-only: not exported from the browser-safe simulator entry.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequestListener } from '@remix-run/node-fetch-server';
import { KeyframeVideoError } from '../core/errors.js';
import { isSimulatedConnectionDrop } from './answers.js';
import {
  createDashScopeSimulator,
  type DashScopeSimulator,
  type DashScopeSimulatorOptions,
} from './simulator.js';

/** Options of {@link startSimulatorServer}: where to listen, plus every simulator option. */
export type SimulatorServerOptions = DashScopeSimulatorOptions & {
  /** TCP port; 0 picks a free one (read it from `url`). Default 8790. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1`: the simulator is for this machine only. */
  host?: string;
};

/** A running simulator server. */
export interface SimulatorServer {
  /** The API base URL, e.g. `http://127.0.0.1:8790/api/v1` (set `DASHSCOPE_HTTP_BASE_URL` to it). */
  readonly url: string;
  /** The simulator behind it: its log, clock and fault injection. */
  readonly simulator: DashScopeSimulator;
  /** Stops listening and closes open connections; resolves when the server is closed. */
  close(): Promise<void>;
}

/** The default port of `keyframe-video simulator`. */
export const DEFAULT_SIMULATOR_PORT = 8790;

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** An answer for a handler that threw: DashScope's error shape, so clients parse it as usual. */
function internalErrorAnswer(): Response {
  return Response.json(
    {
      code: 'InternalError',
      message: 'The simulator failed on this request; see the server log.',
      request_id: crypto.randomUUID(),
    },
    { status: 500 },
  );
}

/**
 * Starts the simulator on `http://{host}:{port}` and resolves once it is listening. The
 * returned `url` includes the API base path, ready for `DASHSCOPE_HTTP_BASE_URL`.
 */
export async function startSimulatorServer(
  options: SimulatorServerOptions = {},
): Promise<SimulatorServer> {
  const { port = DEFAULT_SIMULATOR_PORT, host = '127.0.0.1', ...simulatorOptions } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      param: 'port',
      message: `The port must be a whole number from 0 to 65535 (0 picks a free one); got ${String(port)}.`,
    });
  }
  const simulator = createDashScopeSimulator(simulatorOptions);
  const server = createServer(
    createRequestListener(simulator, {
      onError(error) {
        // A "drop" fault closes the connection on purpose: nothing to report.
        if (isSimulatedConnectionDrop(error)) return;
        console.error(error);
        return internalErrorAnswer();
      },
    }),
  );

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  const basePath = (simulatorOptions.basePath ?? '/api/v1').replace(/\/+$/, '');
  const url = `http://${formatHost(host)}:${String(address.port)}${basePath}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    simulator,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
