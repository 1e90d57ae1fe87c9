// Serves a fetch handler on 127.0.0.1 (a free port) with node:http, so tests talk to it over
// real HTTP with plain `fetch`, the way apps and official clients do.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequestListener } from '@remix-run/node-fetch-server';
import { isSimulatedConnectionDrop } from '../../../src/simulator/index.js';

/** A running test server. */
export interface TestServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly origin: string;
  close(): Promise<void>;
}

/** Starts `handler` on a free loopback port. Close it in `afterAll`/`afterEach`. */
export async function serve(
  handler: (request: Request) => Promise<Response> | Response,
): Promise<TestServer> {
  const server = createServer(
    createRequestListener((request) => handler(request), {
      onError(error) {
        if (isSimulatedConnectionDrop(error)) return;
        console.error(error);
        return undefined;
      },
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${String(port)}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
