/**
 * The service behind every story, all in the page: MSW intercepts the browser's requests to the
 * relay endpoint and hands them to the real relay handler, whose upstream `fetch` is the
 * DashScope simulator; the simulator's video links are intercepted by MSW too. So a story
 * reaches its state by the real code path — the hooks, the client, the relay, the simulator —
 * and a fault script (`sim.inject(...)`) is all that differs between stories.
 */
import { http, type HttpHandler } from 'msw';
import { createKeyframeVideoRelay } from '../../src/relay/index.js';
import {
  createCrossfadeVideoSource,
  createDashScopeSimulator,
  sampleVideoSource,
  type DashScopeSimulator,
  type SimulatorTiming,
} from '../../src/simulator/index.js';
import { createSimulatorHandlers } from '../../src/simulator/msw.js';
import { DEFAULT_SCHEDULE, nextPollDelay } from '../../src/core/index.js';
import type { SetupWorker } from 'msw/browser';

/** The relay endpoint the hooks call (their default). */
export const ENDPOINT = '/api/keyframe-video';
/** Where the simulator answers, in the page's origin (its video links point here). */
const SIMULATOR_BASE = '/__simulator/api/v1';

/** How a story's simulator behaves. */
export interface StoryServiceOptions {
  /** Task durations (default: a quick run, ~1.5 s queued and ~2 s running). */
  readonly timing?: Partial<SimulatorTiming>;
  /** `crossfade`: a video made from the user's two frames; `sample`: the bundled clip. */
  readonly video?: 'crossfade' | 'sample';
  /** Fault scripts and other setup, run once the simulator exists. */
  readonly setup?: (sim: DashScopeSimulator) => void;
}

/** A story's running service. */
export interface StoryService {
  readonly sim: DashScopeSimulator;
  readonly handlers: HttpHandler[];
}

const QUICK: Partial<SimulatorTiming> = {
  queueMs: [1_500, 1_500],
  runMs: [2_000, 2_000],
  longRunChance: 0,
  promptExtendMs: [0, 0],
};

/** Makes the simulator, the relay in front of it, and the MSW handlers for both. */
export function createStoryService(options: StoryServiceOptions = {}): StoryService {
  const sim = createDashScopeSimulator({
    basePath: SIMULATOR_BASE,
    seed: 7,
    timing: { ...QUICK, ...options.timing },
    video: {
      source: options.video === 'sample' ? sampleVideoSource : createCrossfadeVideoSource(),
    },
  });
  const relay = createKeyframeVideoRelay({
    apiKey: 'sk-storybook-0123456789abcdef',
    baseUrl: `${location.origin}${SIMULATOR_BASE}`,
    basePath: ENDPOINT,
    // Storybook only: every request is one fixed user.
    authenticate: () => ({ userId: 'storybook' }),
    rateLimits: { userCreate: false },
    fetch: (input, init) => sim(new Request(input, init)),
  });
  options.setup?.(sim);
  return {
    sim,
    handlers: [
      http.all(`*${ENDPOINT}/*`, ({ request }) => relay(request)),
      ...createSimulatorHandlers(sim, { baseUrl: SIMULATOR_BASE }),
    ],
  };
}

let current: StoryService | undefined;

/** The service of the story being shown (for play functions that act on the simulator). */
export function currentService(): StoryService {
  if (!current)
    throw new Error('No simulated service: add `beforeEach: simulated()` to the story.');
  return current;
}

/** A story's `beforeEach`: a fresh simulator and relay behind MSW. */
export function simulated(options: StoryServiceOptions = {}) {
  // msw-storybook-addon's loader puts the worker on the context (`context.msw`).
  return (context: object) => {
    const { msw } = context as { msw: SetupWorker };
    current = createStoryService(options);
    msw.use(...current.handlers);
  };
}

/**
 * The stories' simulator is about 60× faster than DashScope, so they poll that much more often:
 * the core's schedule with its durations scaled down (at most 4 polls a second, under the
 * relay's per-user limit of 5).
 */
const STORY_SCHEDULE = {
  ...DEFAULT_SCHEDULE,
  minIntervalMs: 250,
  maxIntervalMs: 500,
  requestWorthMs: 5,
  prior: { ...DEFAULT_SCHEDULE.prior, medianMs: 3_000 },
  settleIntervalMs: 250,
  typicalQueueMs: 1_500,
  backoffBaseMs: 250,
  backoffCapMs: 1_000,
};

/** The provider's `schedule` in stories. */
export const storySchedule = (input: Parameters<typeof nextPollDelay>[0]) =>
  nextPollDelay(input, STORY_SCHEDULE);
