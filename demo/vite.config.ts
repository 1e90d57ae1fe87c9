// The demo app: served by Vite on 127.0.0.1, importing the BUILT library from dist/ through
// the package's own entry names, exactly as an app would. The relay is mounted on the same
// server at /api/keyframe-video (Vite dev-server middleware). Its upstream is real DashScope
// when DASHSCOPE_API_KEY is set, else an in-process simulator (see docs/demo.md), whose videos
// are crossfades of the user's own two frames made by the system ffmpeg (the sample clip when
// ffmpeg is missing).
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
// Types only: at run time the built entries in dist/ are loaded (see loadDist).
import type * as RelayEntry from '../src/relay/index.js';
import type * as RelayNodeEntry from '../src/relay/node.js';
import type * as SimulatorEntry from '../src/simulator/index.js';
import type * as SimulatorNodeEntry from '../src/simulator/node.js';
import type { DashScopeSimulator, FaultMatch, SimulatorFault } from '../src/simulator/index.js';

type RelayModule = typeof RelayEntry;
type RelayNodeModule = typeof RelayNodeEntry;
type SimulatorModule = typeof SimulatorEntry;
type SimulatorNodeModule = typeof SimulatorNodeEntry;

const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));
const loadDist = async <T>(file: string): Promise<T> => {
  const path = dist(file);
  if (!existsSync(path)) {
    throw new Error(
      `The demo uses the built library: ${path} is missing. Run \`npm run build\` (npm start does).`,
    );
  }
  return (await import(pathToFileURL(path).href)) as T;
};

/** Where the relay is mounted (the hooks' default endpoint). */
const ENDPOINT = '/api/keyframe-video';
/** Where the in-process simulator answers (its video links point here). */
const SIMULATOR_BASE = '/__simulator/api/v1';
/** The demo's only user. Local development only: a real app authenticates its users. */
const DEMO_USER = { userId: 'demo-user' };

/** Where the simulator's videos come from: ffmpeg crossfades of the frames, or the sample. */
export type DemoVideo =
  | { readonly kind: 'crossfade'; readonly ffmpegVersion: string }
  | { readonly kind: 'sample'; readonly reason: string };

/** What the page shows about its upstream, fixed when the server starts. */
export interface DemoUpstream {
  readonly kind: 'simulator' | 'dashscope';
  readonly region: 'beijing' | 'singapore';
  readonly speed?: number;
  /** Simulator only. */
  readonly video?: DemoVideo;
}

/** The ffmpeg binary the simulator's video source runs (`FFMPEG_PATH`, else `ffmpeg` on PATH). */
const FFMPEG_PATH = process.env.FFMPEG_PATH || undefined;

async function upstreamFromEnv(): Promise<DemoUpstream> {
  const region = process.env.DASHSCOPE_REGION === 'singapore' ? 'singapore' : 'beijing';
  if (process.env.DASHSCOPE_API_KEY) return { kind: 'dashscope', region };
  const speed = Number(process.env.DEMO_SIMULATOR_SPEED ?? 10);
  const { probeFfmpeg } = await loadDist<SimulatorNodeModule>('simulator-node.js');
  const ffmpeg = await probeFfmpeg({ ffmpegPath: FFMPEG_PATH });
  const video: DemoVideo =
    ffmpeg.status === 'available'
      ? { kind: 'crossfade', ffmpegVersion: ffmpeg.version }
      : { kind: 'sample', reason: ffmpeg.reason.message };
  if (video.kind === 'sample') {
    console.warn(`[demo] The simulator will play its sample clip: ${video.reason}`);
  }
  return {
    kind: 'simulator',
    region,
    speed: Number.isFinite(speed) && speed > 0 ? speed : 10,
    video,
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? {} : (JSON.parse(text) as unknown);
}

/** Mounts the relay (and, in simulator mode, the simulator and its dev-only debug routes). */
function relayPlugin(upstream: DemoUpstream): Plugin {
  return {
    name: 'keyframe-video-demo-relay',
    configureServer(server) {
      let ready: Promise<(req: IncomingMessage, res: ServerResponse, next: () => void) => void>;
      const setUp = async (origin: string) => {
        const { createKeyframeVideoRelay } = await loadDist<RelayModule>('relay.js');
        const { toNodeListener } = await loadDist<RelayNodeModule>('relay-node.js');
        if (upstream.kind === 'dashscope') {
          const relay = createKeyframeVideoRelay({
            region: upstream.region,
            basePath: ENDPOINT,
            authenticate: () => DEMO_USER,
          });
          const relayListener = toNodeListener(relay);
          return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
            if (req.url?.startsWith(`${ENDPOINT}/`)) relayListener(req, res);
            else next();
          };
        }
        const { createDashScopeSimulator } = await loadDist<SimulatorModule>('simulator.js');
        const { createFfmpegVideoSource } =
          await loadDist<SimulatorNodeModule>('simulator-node.js');
        const sim: DashScopeSimulator = createDashScopeSimulator({
          basePath: SIMULATOR_BASE,
          region: upstream.region,
          speed: upstream.speed,
          timing: { longRunChance: 0 },
          // Each video is made from the task's own frames; a task whose clip cannot be made
          // (a frame given as a link, ffmpeg failing) still plays: the sample, with a warning.
          video:
            upstream.video?.kind === 'crossfade'
              ? {
                  source: createFfmpegVideoSource({
                    ffmpegPath: FFMPEG_PATH,
                    onFallback: (reason, task) =>
                      server.config.logger.warn(
                        `[demo] task ${task.taskId ?? '?'} plays the sample clip: ${reason.message}${reason.detail ? `\n${reason.detail}` : ''}`,
                      ),
                  }),
                }
              : undefined,
        });
        const relay = createKeyframeVideoRelay({
          apiKey: 'sk-demo-simulator-0123456789abcdef',
          baseUrl: `${origin}${SIMULATOR_BASE}`,
          basePath: ENDPOINT,
          authenticate: () => DEMO_USER,
          // One local user trying things out: more creates a minute than the default 5.
          rateLimits: { userCreate: { limit: 30, windowMs: 60_000, burst: 10 } },
          // In-process: the relay's upstream calls go straight to the simulator.
          fetch: (input, init) => sim(new Request(input, init)),
        });
        const relayListener = toNodeListener(relay);
        const simulatorListener = toNodeListener((request) => sim(request));
        /** Task reads (polls) that reached the relay, for the cross-tab test. */
        let taskGetCount = 0;
        return (req: IncomingMessage, res: ServerResponse, next: () => void) => {
          const url = req.url ?? '/';
          if (url.startsWith(`${ENDPOINT}/`)) {
            if (req.method === 'GET' && url.startsWith(`${ENDPOINT}/tasks/`)) taskGetCount += 1;
            return relayListener(req, res);
          }
          if (url.startsWith(`${SIMULATOR_BASE}/`)) return simulatorListener(req, res);
          // Dev-only debug routes (simulator mode only): counters and fault injection.
          if (url === '/__simulator/stats' && req.method === 'GET') {
            return sendJson(res, 200, {
              createCount: sim.createCount,
              taskGetCount,
              tasks: sim.tasks().map((task) => ({ taskId: task.taskId, status: task.status })),
            });
          }
          if (url === '/__simulator/inject' && req.method === 'POST') {
            void readJson(req).then(
              (body) => {
                const { fault, match, times } = body as {
                  fault: SimulatorFault;
                  match?: FaultMatch;
                  times?: number;
                };
                sim.inject(fault, match, times);
                sendJson(res, 200, { injected: true });
              },
              () => sendJson(res, 400, { code: 'InvalidParameter', message: 'Send JSON.' }),
            );
            return;
          }
          if (url === '/__simulator/reset' && req.method === 'POST') {
            sim.reset();
            return sendJson(res, 200, { reset: true });
          }
          next();
        };
      };
      server.middlewares.use((req, res, next) => {
        const url = req.url ?? '/';
        if (!url.startsWith(`${ENDPOINT}/`) && !url.startsWith('/__simulator/')) return next();
        // The simulator's video links must point back at this server: its origin is the Host
        // the first request came to (the server only listens on 127.0.0.1).
        ready ??= setUp(`http://${req.headers.host ?? '127.0.0.1'}`);
        ready.then(
          (handle) => handle(req, res, next),
          (error: unknown) => next(error),
        );
      });
    },
  };
}

export default defineConfig(async () => {
  const upstream = await upstreamFromEnv();
  return {
    root: fileURLToPath(new URL('.', import.meta.url)),
    plugins: [react(), relayPlugin(upstream)],
    define: { __DEMO_UPSTREAM__: JSON.stringify(upstream) },
    resolve: {
      alias: [
        { find: /^react-keyframe-video\/core$/, replacement: dist('core.js') },
        { find: /^react-keyframe-video\/styles\.css$/, replacement: dist('styles.css') },
        { find: /^react-keyframe-video$/, replacement: dist('index.js') },
      ],
    },
    server: { host: '127.0.0.1', port: Number(process.env.PORT ?? 5173), strictPort: false },
  };
});
