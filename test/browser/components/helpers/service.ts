/**
 * The path a browser takes, in the page itself: the provider's `fetch` → the relay handler →
 * its upstream `fetch` → the DashScope simulator, all on one manual clock the test moves. A
 * browser has no server to play the simulator's video links from, so the "CDN" step turns
 * each link into a blob URL of the simulator's bytes before the page sees it: the `<video>`
 * then plays the simulator's real video.
 */
import { act } from '@testing-library/react';
import {
  createManualClock,
  createMemoryStorage,
  type ManualClock,
  type StorageLike,
} from '../../../../src/core/index.js';
import { createKeyframeVideoRelay } from '../../../../src/relay/index.js';
import {
  createCrossfadeVideoSource,
  createDashScopeSimulator,
  sampleVideoSource,
  type DashScopeSimulator,
} from '../../../../src/simulator/index.js';
import { createMemoryFrameStore, type KeyframeVideoProviderProps } from '../../../../src/index.js';

export const ENDPOINT = '/api/keyframe-video';

export interface ServiceOptions {
  /** `sample`: the bundled MP4 (fast); `crossfade`: a WebM made from the two frames. */
  readonly video?: 'sample' | 'crossfade';
}

export interface InPageService {
  readonly clock: ManualClock;
  readonly sim: DashScopeSimulator;
  readonly storage: StorageLike;
  /** While true, requests fail like a dropped connection. */
  offline: boolean;
  providerProps(overrides?: Partial<KeyframeVideoProviderProps>): KeyframeVideoProviderProps;
  /** Lets requests, crypto and decoding finish without moving the clock. */
  settle(): Promise<void>;
  /** Holds the next create request on the wire until the returned function is called. */
  holdNextCreate(): () => void;
  /**
   * Moves the clock `ms` forward in steps of `step` ms, letting real async work finish between
   * steps (timers inside a step fire in order).
   */
  advance(ms: number, step?: number): Promise<void>;
  /** Frees the blob URLs made for videos. */
  dispose(): void;
}

const realTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export function createInPageService(options: ServiceOptions = {}): InPageService {
  const clock = createManualClock(Date.UTC(2025, 8, 29, 6, 18, 52, 331));
  const sim = createDashScopeSimulator({
    clock,
    seed: 7,
    timing: {
      queueMs: [10_000, 10_000],
      runMs: [60_000, 60_000],
      longRunChance: 0,
      promptExtendMs: [0, 0],
    },
    video: {
      source: options.video === 'crossfade' ? createCrossfadeVideoSource() : sampleVideoSource,
    },
  });
  const relay = createKeyframeVideoRelay({
    apiKey: 'sk-browser-relay-0123456789abcdef',
    baseUrl: 'https://dashscope.test/api/v1',
    basePath: ENDPOINT,
    authenticate: () => ({ userId: 'alice' }),
    fetch: (input, init) => sim(new Request(input, init)),
    clock,
  });
  const blobUrls = new Map<string, string>();
  let pending = 0;
  let held: Promise<void> | undefined;

  /** The CDN: a simulator link becomes a blob URL of its bytes (made once per link). */
  async function served(link: string): Promise<string> {
    let local = blobUrls.get(link);
    if (local === undefined) {
      const video = await sim(new Request(link));
      local = URL.createObjectURL(await video.blob());
      blobUrls.set(link, local);
    }
    return local;
  }

  const service: InPageService = {
    clock,
    sim,
    storage: createMemoryStorage(),
    offline: false,
    providerProps: (overrides = {}) => ({
      endpoint: ENDPOINT,
      fetch: clientFetch,
      clock,
      storage: service.storage,
      frameStore: createMemoryFrameStore(),
      ...overrides,
    }),
    async settle() {
      // Requests may wait on real work (Web Crypto, decoding, encoding a crossfade video).
      const giveUpAt = performance.now() + 20_000;
      await act(async () => {
        for (let turn = 0; performance.now() < giveUpAt; turn += 1) {
          await realTurn();
          if (turn >= 3 && pending === 0) return;
        }
      });
    },
    holdNextCreate() {
      let release: () => void = () => {};
      held = new Promise<void>((resolve) => {
        release = resolve;
      });
      return () => release();
    },
    async advance(ms, step = 2_500) {
      for (let done = 0; done < ms; done += step) {
        await act(() => clock.advanceAsync(Math.min(step, ms - done)));
        await service.settle();
      }
    },
    dispose() {
      for (const url of blobUrls.values()) URL.revokeObjectURL(url);
      blobUrls.clear();
    },
  };

  async function clientFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    if (service.offline) throw new TypeError('Failed to fetch');
    const url = new URL(String(input instanceof Request ? input.url : input), location.origin);
    if (held && url.pathname.endsWith('/video-synthesis')) {
      // A held request is on the wire, not pending work: settling does not wait for it.
      const gate = held;
      held = undefined;
      await gate;
    }
    pending += 1;
    try {
      const response = await relay(new Request(url, init));
      if (!url.pathname.includes('/tasks/') || !response.ok) return response;
      const body = (await response.clone().json()) as { output?: { video_url?: unknown } };
      const link = body.output?.video_url;
      if (typeof link !== 'string' || !body.output) return response;
      body.output.video_url = await served(link);
      return new Response(JSON.stringify(body), {
        status: response.status,
        headers: response.headers,
      });
    } finally {
      pending -= 1;
    }
  }

  return service;
}
