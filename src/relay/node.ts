/**
 * The Node adapter (`react-keyframe-video/relay/node`): serves the Web-standard relay from
 * `node:http` or Express. Requests with a body (request streams with backpressure) and unusual
 * ones (HTTP/2, `trustProxy`) are translated by `@remix-run/node-fetch-server`, as are streamed
 * answers. Body-less requests on HTTP/1 — task reads, polled every few seconds by every open
 * page — are built here directly, with an abort signal made only when the handler asks for it:
 * in Node 20, a `Request` that follows a signal costs more than the relay's own work on a read.
 * It imports Node built-ins, so it lives apart from the edge-safe relay.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequest, sendResponse } from '@remix-run/node-fetch-server';

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

/** The answer when the handler throws or the request cannot be translated. */
function internalError(): Response {
  return new Response(
    JSON.stringify({
      code: 'InternalError',
      message: 'The server had an internal error. Try again in a moment.',
    }),
    { status: 500, headers: { 'content-type': 'application/json; charset=utf-8' } },
  );
}

/**
 * A body-less request whose `signal` is made on first use: it aborts when the connection closes
 * before the answer was sent. Handlers that never look at it (most answers) never pay for it.
 */
class NodeRequest extends Request {
  readonly #response: ServerResponse;
  #controller: AbortController | undefined;

  constructor(url: string, init: RequestInit, response: ServerResponse) {
    super(url, init);
    this.#response = response;
  }

  override get signal(): AbortSignal {
    if (!this.#controller) {
      const controller = new AbortController();
      const response = this.#response;
      if (response.destroyed && !response.writableFinished) controller.abort();
      else
        response.once('close', () => {
          if (!response.writableFinished) controller.abort();
        });
      this.#controller = controller;
    }
    return this.#controller.signal;
  }
}

interface AdapterOptions {
  trustProxy?: boolean;
  host?: string;
  protocol?: string;
}

/**
 * The request's headers as a record, as node-fetch-server reads them (repeated headers as Node
 * joined them); the `Request` makes its `Headers` from it once.
 */
function headerRecord(request: IncomingMessage): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    record[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return record;
}

/** The Web request for a Node one (see the file comment for which path is taken). */
function toWebRequest(
  request: IncomingMessage,
  response: ServerResponse,
  options: AdapterOptions,
): Request {
  const method = request.method ?? 'GET';
  if (
    (method !== 'GET' && method !== 'HEAD') ||
    options.trustProxy ||
    request.httpVersionMajor !== 1
  ) {
    return createRequest(request, response, options);
  }
  const encrypted = (request.socket as { encrypted?: boolean }).encrypted === true;
  const protocol = options.protocol ?? (encrypted ? 'https:' : 'http:');
  const host = options.host ?? request.headers.host ?? 'localhost';
  return new NodeRequest(
    `${protocol}//${host}${request.url ?? '/'}`,
    { method, headers: headerRecord(request) },
    response,
  );
}

/** Sends the answer unless the connection is already gone; a failure mid-answer ends it. */
async function answer(response: ServerResponse, webResponse: Response): Promise<void> {
  if (response.destroyed) {
    await webResponse.body?.cancel().catch(() => undefined);
    return;
  }
  try {
    await sendResponse(response, webResponse);
  } catch (error) {
    if (response.destroyed) return;
    if (response.headersSent) {
      response.destroy(error instanceof Error ? error : undefined);
      return;
    }
    await sendResponse(response, internalError()).catch(() => response.destroy());
  }
}

/**
 * Wraps a fetch handler (the relay) as a `node:http` listener:
 * `http.createServer(toNodeListener(relay))`, or with Express
 * `app.use('/api/keyframe-video', toNodeListener(relay))` mounted before any body parser.
 */
export function toNodeListener(
  handler: (request: Request) => Promise<Response>,
  options: NodeListenerOptions = {},
): NodeRelayListener {
  const adapterOptions: AdapterOptions = {
    ...(options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy }),
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.protocol === undefined ? {} : { protocol: options.protocol }),
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
    response.once('finish', () => {
      if (!request.complete) drainThenClose(request, options);
    });
    let webRequest: Request;
    try {
      webRequest = toWebRequest(request, response, adapterOptions);
    } catch {
      // A Host header no URL can be made of, or a Host that contradicts HTTP/2's :authority.
      void answer(response, internalError());
      return;
    }
    void handler(webRequest).then(
      (webResponse) => {
        // Answered before the whole body arrived: keep the connection through the answer (Node
        // would otherwise reset it under a client that asked for "Connection: close" and is
        // still uploading), then drainThenClose ends it.
        if (!request.complete) response.shouldKeepAlive = true;
        return answer(response, webResponse);
      },
      () => answer(response, internalError()),
    );
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
