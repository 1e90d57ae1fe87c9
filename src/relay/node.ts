/**
 * The Node adapter (`react-keyframe-video/relay/node`): serves the Web-standard relay from
 * `node:http` or Express. The Node ↔ Web translation — request streams with backpressure,
 * aborts on disconnect, streamed answers — is `@remix-run/node-fetch-server`'s; this file only
 * adds guards. It imports Node built-ins, so it lives apart from the edge-safe relay.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequestListener } from '@remix-run/node-fetch-server';

/** Options of {@link toNodeListener}. */
export interface NodeListenerOptions {
  /**
   * Trust `Forwarded`/`X-Forwarded-*` for the request URL's host and protocol. Only behind a
   * proxy that overwrites them. The relay itself never uses these headers for decisions.
   */
  trustProxy?: boolean | undefined;
  /** Fixes the host of request URLs (instead of the `Host` header). */
  host?: string | undefined;
  /** Fixes the protocol of request URLs (`"https:"` behind a TLS-terminating proxy). */
  protocol?: string | undefined;
  /**
   * After an early answer (e.g. 413), how long to keep reading and dropping the rest of the
   * upload so the client sees the answer, before closing the connection (default 2000 ms).
   */
  drainMs?: number | undefined;
  /** ...and how many bytes at most (default 16 MiB: loopback and fast links hold megabytes in flight). */
  drainBytes?: number | undefined;
}

/** A `node:http` request listener that also works as Express middleware. */
export type NodeRelayListener = (request: IncomingMessage, response: ServerResponse) => void;

const BODY_ALREADY_READ = JSON.stringify({
  code: 'InternalError',
  message:
    'The request body was already read by another middleware (e.g. express.json()). Mount the relay before body parsers.',
});

/**
 * Wraps a fetch handler (the relay) as a `node:http` listener:
 * `http.createServer(toNodeListener(relay))`, or with Express
 * `app.use('/api/keyframe-video', toNodeListener(relay))` mounted before any body parser.
 */
export function toNodeListener(
  handler: (request: Request) => Promise<Response>,
  options: NodeListenerOptions = {},
): NodeRelayListener {
  const { drainMs: _drainMs, drainBytes: _drainBytes, ...adapterOptions } = options;
  const listenerOptions = {
    ...(adapterOptions.trustProxy === undefined ? {} : { trustProxy: adapterOptions.trustProxy }),
    ...(adapterOptions.host === undefined ? {} : { host: adapterOptions.host }),
    ...(adapterOptions.protocol === undefined ? {} : { protocol: adapterOptions.protocol }),
    onError: () =>
      new Response(
        JSON.stringify({
          code: 'InternalError',
          message: 'The server had an internal error. Try again in a moment.',
        }),
        { status: 500, headers: { 'content-type': 'application/json; charset=utf-8' } },
      ),
  };
  return (request, response) => {
    // A body parser that ran first leaves nothing to read: say so instead of answering 400.
    if (request.readableEnded && request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
      response.end(BODY_ALREADY_READ);
      return;
    }
    // Express rewrites `url` below a mount path; the relay sees the path the client asked for.
    const originalUrl = (request as { originalUrl?: unknown }).originalUrl;
    if (typeof originalUrl === 'string' && originalUrl.startsWith('/')) request.url = originalUrl;
    const listener = createRequestListener(async (webRequest: Request) => {
      const answer = await handler(webRequest);
      // Answered before the whole body arrived: keep the connection through the answer (Node
      // would otherwise reset it under a client that asked for "Connection: close" and is still
      // uploading), then drainThenClose ends it.
      if (!request.complete) response.shouldKeepAlive = true;
      return answer;
    }, listenerOptions);
    response.once('finish', () => {
      if (!request.complete) drainThenClose(request, options);
    });
    listener(request, response);
  };
}

/**
 * After an answer given before the request body was read in full (413, 408, 401…): read and
 * drop what the client is still sending, for a short while and up to a few MiB, so it can read
 * the answer before the connection goes; then close. Closing at once would reset the connection
 * under a client still uploading, and it would often see a network error instead of the 413.
 */
function drainThenClose(request: IncomingMessage, options: NodeListenerOptions): void {
  const maxBytes = options.drainBytes ?? 16 * 1024 * 1024;
  let dropped = 0;
  const close = () => {
    clearTimeout(timer);
    request.socket.destroy();
  };
  const timer = setTimeout(close, options.drainMs ?? 2_000);
  timer.unref?.();
  request.on('data', (chunk: Buffer) => {
    dropped += chunk.byteLength;
    if (dropped > maxBytes) close();
  });
  // The whole upload was dropped: close as the client may have asked, without a reset.
  request.once('end', () => {
    clearTimeout(timer);
    request.socket.end();
  });
  request.once('error', () => clearTimeout(timer));
  request.resume();
}

/** Options of {@link startRelayServer}. */
export interface RelayServerOptions extends NodeListenerOptions {
  /** The relay (or any fetch handler) to serve. */
  relay: (request: Request) => Promise<Response>;
  /** TCP port; 0 picks a free one (read it from `origin`). Default 8787. */
  port?: number | undefined;
  /** Interface to listen on. Default `127.0.0.1`. */
  listenHost?: string | undefined;
}

/** A running relay server. */
export interface RelayServer {
  /** `http://host:port`, without a path. */
  readonly origin: string;
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** The default port of `keyframe-video relay`. */
export const DEFAULT_RELAY_PORT = 8787;

/** Serves a relay on `node:http` and resolves once it listens (the CLI and tests use it). */
export async function startRelayServer(options: RelayServerOptions): Promise<RelayServer> {
  const {
    relay,
    port = DEFAULT_RELAY_PORT,
    listenHost = '127.0.0.1',
    ...listenerOptions
  } = options;
  const server = createServer(toNodeListener(relay, listenerOptions));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, listenHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = listenHost.includes(':') ? `[${listenHost}]` : listenHost;
  let closing: Promise<void> | undefined;
  return {
    origin: `http://${host}:${String(address.port)}`,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
