// The relay on a real 127.0.0.1 server in front of the simulator on another real 127.0.0.1
// server, plus a raw HTTP client that can stream bodies slowly, send headers fetch would refuse,
// and read an early answer (413) while the upload is still going. Relay tests talk HTTP only.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KeyframeVideoError } from '../../../src/core/index.js';
import {
  createKeyframeVideoRelay,
  type KeyframeVideoRelayOptions,
  type RelayEvent,
  type RelayUser,
} from '../../../src/relay/index.js';
import { startRelayServer, type RelayServer } from '../../../src/relay/node.js';
import { startSimulatorServer, type SimulatorServer } from '../../../src/simulator/node.js';
import type { DashScopeSimulatorOptions } from '../../../src/simulator/index.js';

export const SERVER_KEY = 'sk-relay-server-0123456789abcdef0123';
export const PREFIX = '/api/keyframe-video';
export const CREATE = `${PREFIX}/services/aigc/image2video/video-synthesis`;
export const MODEL = 'wan2.2-kf2v-flash';

/** Bearer tokens the test `authenticate` knows, and the user each stands for. */
export const TOKENS = {
  alice: 'tok-alice-5b0f7d0c9a1e4e3f',
  bob: 'tok-bob-8c2d1e6f3a7b4c9d',
  carol: 'tok-carol-1a2b3c4d5e6f7a8b',
  /** `authenticate` throws a plain Error (a bug or an outage in the app's session store). */
  throws: 'tok-throws-0000',
  /** `authenticate` returns a user whose id is not a string. */
  badUser: 'tok-bad-user-0000',
  /** `authenticate` refuses with a KeyframeVideoError Forbidden (a banned user). */
  banned: 'tok-banned-0000',
} as const;

const USERS: Readonly<Record<string, string>> = {
  [TOKENS.alice]: 'alice',
  [TOKENS.bob]: 'bob',
  [TOKENS.carol]: 'carol',
};

/** The app's `authenticate` in these tests: a bearer token looked up in a table. */
export function testAuthenticate(request: Request): RelayUser | null {
  const match = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '');
  const token = match?.[1];
  if (token === undefined) return null;
  if (token === TOKENS.throws) {
    throw new Error(`session store down while checking Bearer ${token} and key ${SERVER_KEY}`);
  }
  if (token === TOKENS.badUser) return { userId: 42 } as unknown as RelayUser;
  if (token === TOKENS.banned) {
    throw new KeyframeVideoError({
      code: 'Forbidden',
      status: 403,
      message: 'This account is suspended.',
    });
  }
  const userId = USERS[token];
  return userId === undefined ? null : { userId };
}

/** `Authorization` header for a user. */
export function as(user: 'alice' | 'bob' | 'carol'): Record<string, string> {
  return { authorization: `Bearer ${TOKENS[user]}` };
}

const FRAMES = fileURLToPath(new URL('../../fixtures/frames/', import.meta.url));

/** A fixture frame's bytes. */
export function frameBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FRAMES}${name}`));
}

/** Bytes as a data URL with the given media type. */
export function dataUrl(bytes: Uint8Array, mime: string): string {
  return `data:${mime};base64,${Buffer.from(bytes).toString('base64')}`;
}

export const FIRST_FRAME = dataUrl(frameBytes('valid-640x480.jpg'), 'image/jpeg');
export const LAST_FRAME = dataUrl(frameBytes('valid-rgb-512x512.png'), 'image/png');

/** A valid create body with `input`/`parameters` fields merged in. */
export function createBody(
  input: Record<string, unknown> = {},
  parameters?: Record<string, unknown>,
  model: string = MODEL,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    input: {
      first_frame_url: FIRST_FRAME,
      last_frame_url: LAST_FRAME,
      prompt: 'A cat looks up.',
      ...input,
    },
  };
  if (parameters) body.parameters = parameters;
  return body;
}

/** One request the relay sent upstream, as the tap saw it. */
export interface TapCall {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON body the relay sent (creates only). */
  readonly body: Record<string, unknown> | undefined;
}

/** A window onto the relay's upstream traffic: the real global fetch, recorded. */
export interface UpstreamTap {
  readonly fetch: typeof fetch;
  readonly calls: TapCall[];
}

/**
 * Wraps the global fetch so tests can see exactly what the relay sends upstream, and adds
 * hostile headers to every upstream answer (a cookie, server banners) that must never reach
 * the relay's client.
 */
export function createUpstreamTap(): UpstreamTap {
  const calls: TapCall[] = [];
  const tapped: typeof fetch = async (input, init) => {
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((value, name) => (headers[name] = value));
    const body =
      typeof init?.body === 'string'
        ? (JSON.parse(init.body) as Record<string, unknown>)
        : undefined;
    calls.push({ method: init?.method ?? 'GET', url: String(input), headers, body });
    const response = await fetch(input, init);
    const answerHeaders = new Headers(response.headers);
    answerHeaders.append('set-cookie', 'upstream-session=stolen; Path=/; HttpOnly');
    answerHeaders.set('server', 'upstream-banner/1.0');
    answerHeaders.set('x-dashscope-internal', 'secret-routing-info');
    return new Response(response.body, { status: response.status, headers: answerHeaders });
  };
  return { fetch: tapped, calls };
}

/** The simulator on 127.0.0.1, accepting only the server key; limits high unless overridden. */
export function startUpstream(options: DashScopeSimulatorOptions = {}): Promise<SimulatorServer> {
  return startSimulatorServer({
    port: 0,
    apiKeys: [SERVER_KEY],
    seed: 7,
    ...options,
    limits: {
      createPerSecond: 1_000,
      queryPerSecond: 1_000,
      concurrentTasks: 100,
      ...options.limits,
    },
  });
}

/** No limits: tests that are not about rate limits must not trip them. */
export const NO_RATE_LIMITS = {
  userCreate: false,
  userQuery: false,
  accountCreate: false,
  accountQuery: false,
} as const;

/** A relay server and what it reported. */
export interface RelayHarness {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly server: RelayServer;
  readonly events: RelayEvent[];
  close(): Promise<void>;
}

/** Starts a relay on 127.0.0.1 in front of `upstreamUrl` with the test `authenticate`. */
export async function startRelay(
  upstreamUrl: string,
  options: Partial<KeyframeVideoRelayOptions> = {},
): Promise<RelayHarness> {
  const events: RelayEvent[] = [];
  const relay = createKeyframeVideoRelay({
    apiKey: SERVER_KEY,
    baseUrl: upstreamUrl,
    basePath: PREFIX,
    authenticate: testAuthenticate,
    rateLimits: NO_RATE_LIMITS,
    onEvent: (event) => events.push(event),
    ...options,
  });
  const server = await startRelayServer({ relay, port: 0 });
  return { origin: server.origin, server, events, close: () => server.close() };
}

/** An answer read by {@link send}. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire JSON, asserted field by field
  readonly json: any;
  /** Body bytes written before the answer's headers arrived. */
  readonly sentBeforeAnswer: number;
}

/** What {@link send} sends. A function body is streamed: it gets `write` and a stop flag. */
export interface RawRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array | ((sink: BodySink) => Promise<void>);
}

/** Where a streamed body writes; `answered` turns true when the answer's headers arrived. */
export interface BodySink {
  write(chunk: Uint8Array): Promise<void>;
  readonly answered: boolean;
}

/**
 * Sends one request with node:http (no fetch): any headers, any bytes, streamed or slow bodies,
 * and an answer read as soon as it arrives, even mid-upload. Write errors after the answer (the
 * server closed the connection on purpose) are ignored.
 */
export function send(origin: string, path: string, request: RawRequest = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let sentBeforeAnswer = -1;
    let answered = false;
    const req = httpRequest(`${origin}${path}`, {
      method: request.method ?? 'GET',
      headers: request.headers ?? {},
      agent: false,
    });
    req.on('response', (response) => {
      answered = true;
      sentBeforeAnswer = sent;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', () => undefined);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          text,
          json,
          sentBeforeAnswer,
        });
      });
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const body = request.body;
    if (body === undefined) {
      req.end();
    } else if (typeof body === 'string' || body instanceof Uint8Array) {
      sent = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
      req.end(body);
    } else {
      const sink: BodySink = {
        async write(chunk) {
          if (answered || req.destroyed) return;
          sent += chunk.byteLength;
          if (!req.write(chunk)) {
            await new Promise<void>((done) => {
              const finish = () => {
                req.off('drain', finish);
                req.off('close', finish);
                req.off('response', finish);
                done();
              };
              req.once('drain', finish);
              req.once('close', finish);
              req.once('response', finish);
            });
          }
        },
        get answered() {
          return answered || req.destroyed;
        },
      };
      body(sink).then(
        () => {
          if (!answered && !req.destroyed) req.end();
        },
        (error: unknown) => req.destroy(error as Error),
      );
    }
  });
}

/** JSON POST helper. */
export function postJson(
  origin: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  return send(origin, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Creates a task as `user` and returns its relay task id. */
export async function createTask(
  origin: string,
  user: 'alice' | 'bob' | 'carol',
  body: unknown = createBody(),
  headers: Record<string, string> = {},
): Promise<string> {
  const answer = await postJson(origin, CREATE, body, { ...as(user), ...headers });
  if (answer.status !== 200)
    throw new Error(`create failed: ${String(answer.status)} ${answer.text}`);
  return String(answer.json.output.task_id);
}

/** Resolves after `ms` of real time (only for slow-drip pacing; tests never assert on time). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Simulator and relay servers started together, closed together. */
export interface Stack {
  readonly upstream: SimulatorServer;
  readonly relay: RelayHarness;
  readonly tap: UpstreamTap;
  close(): Promise<void>;
}

/** Starts the simulator and a relay (with an upstream tap) in front of it. */
export async function startStack(
  options: Partial<KeyframeVideoRelayOptions> = {},
  upstreamOptions: DashScopeSimulatorOptions = {},
): Promise<Stack> {
  const upstream = await startUpstream(upstreamOptions);
  const tap = createUpstreamTap();
  const relay = await startRelay(upstream.url, { fetch: tap.fetch, ...options });
  return {
    upstream,
    relay,
    tap,
    async close() {
      await relay.close();
      await upstream.close();
    },
  };
}
