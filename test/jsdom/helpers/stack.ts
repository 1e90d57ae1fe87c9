// The whole path a browser takes, in-process and with no network: the hooks' client `fetch` →
// the relay handler → its upstream `fetch` → the DashScope simulator. One manual clock drives
// all of them; `advance(ms)` moves it from timer to timer and lets the real async work between
// (Web Crypto, streams, IndexedDB) finish at each step. Every hook test builds on this.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { act } from '@testing-library/react';
import {
  createManualClock,
  createMemoryStorage,
  type Clock,
  type StorageLike,
} from '../../../src/core/index.js';
import { createKeyframeVideoRelay, type RelayEvent } from '../../../src/relay/index.js';
import {
  createDashScopeSimulator,
  type DashScopeSimulator,
  type DashScopeSimulatorOptions,
} from '../../../src/simulator/index.js';
import {
  createIndexedDbFrameStore,
  type FrameStore,
  type KeyframeVideoProviderProps,
} from '../../../src/index.js';

// The hooks load their frame work with `import()` when the first frame arrives (a chunk of its
// own in an app). Loading it once here makes that import resolve within a few microtasks, as in
// a warm page, so `settle` cannot take a first module transform for quiet.
await import('../../../src/react/frame-processing.js');
await import('../../../src/core/prepare-frame.js');

/** 2025-09-29 14:18:52.331 in Beijing (UTC+8). */
export const T0 = Date.UTC(2025, 8, 29, 6, 18, 52, 331);
export const ENDPOINT = '/api/keyframe-video';
const ORIGIN = 'https://app.test';

/** Exact task timing: 10 s queued, 60 s running. */
export const FIXED_TIMING = {
  queueMs: [10_000, 10_000],
  runMs: [60_000, 60_000],
  longRunChance: 0,
  promptExtendMs: [0, 0],
} as const;

const FRAMES = resolve(dirname(fileURLToPath(import.meta.url)), '../../fixtures/frames') + sep;
const MIME: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  bmp: 'image/bmp',
  gif: 'image/gif',
  svg: 'image/svg+xml',
};

function mimeOf(name: string): string {
  return MIME[name.split('.').pop() ?? ''] ?? '';
}

/** A fixture image's bytes. */
export function fixtureBytes(name: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(readFileSync(`${FRAMES}${name}`));
}

/** A fixture image as a data URL. */
export function fixtureDataUrl(name: string): string {
  return `data:${mimeOf(name)};base64,${Buffer.from(fixtureBytes(name)).toString('base64')}`;
}

/** A fixture image as the File a user would pick. */
export function fixtureFile(name: string): File {
  return new File([fixtureBytes(name)], name, { type: mimeOf(name) });
}

/** One request the hooks sent to the relay. */
export interface ClientRequest {
  readonly method: string;
  readonly path: string;
  readonly signal: AbortSignal | undefined;
  readonly idempotencyKey: string | null;
  /** The clock's time when it left. */
  readonly at: number;
  /** Set once the relay answered (or the network failed it). */
  settled: boolean;
}

/** The network between the browser and the relay, which tests can cut. */
export interface Network {
  /** While true, every request fails like a dropped connection (`fetch` rejects). */
  offline: boolean;
  readonly requests: ClientRequest[];
  /** Called as each request leaves the browser (before the relay sees it). */
  onRequest: ((request: ClientRequest) => void) | undefined;
}

export interface Stack {
  /** The clock every part runs on. */
  readonly clock: Clock;
  readonly sim: DashScopeSimulator;
  readonly relayEvents: RelayEvent[];
  readonly network: Network;
  /** The browser's localStorage stand-in (shared by every root of this stack, like tabs). */
  readonly storage: StorageLike;
  /** How many times `storage` has been written to (set or remove). */
  readonly storageWrites: number;
  /** Props for `KeyframeVideoProvider`: this stack's endpoint, fetch, clock and storage. */
  providerProps(overrides?: Partial<KeyframeVideoProviderProps>): KeyframeVideoProviderProps;
  /** Requests the hooks sent, by route. */
  sent(route: 'create' | 'get' | 'cancel'): ClientRequest[];
  /** Moves the clock `ms` forward, timer by timer, letting async work finish at each step. */
  advance(ms: number): Promise<void>;
  /** Lets pending async work (requests, crypto, IndexedDB) finish without moving the clock. */
  settle(): Promise<void>;
}

/** Upstream task ids of every poll the relay passed on. */
export function polledUpstreamIds(stack: Stack): Set<string | undefined> {
  return new Set(
    stack.relayEvents
      .filter((event) => event.type === 'relay.request' && event.route === 'get')
      .map((event) => (event.type === 'relay.request' ? event.upstreamTaskId : undefined)),
  );
}

let nextDb = 1;

/**
 * Work the browser does off the main thread, in flight: file reads (jsdom's Blob has no
 * `arrayBuffer()`, so frames are read with a FileReader) and Web Crypto (the relay signs task
 * ids and fingerprints bodies). `settle` waits for these like for requests, so a slow machine
 * cannot pass for "waiting on the clock".
 */
let offThread = 0;

function realTurn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function tracked<T>(work: Promise<T>): Promise<T> {
  offThread += 1;
  return work.finally(() => {
    offThread -= 1;
  });
}

const NativeFileReader = globalThis.FileReader;
if (typeof NativeFileReader === 'function' && !('tracked' in NativeFileReader)) {
  class TrackedFileReader extends NativeFileReader {
    static readonly tracked = true;
    override readAsArrayBuffer(blob: Blob): void {
      offThread += 1;
      this.addEventListener('loadend', () => (offThread -= 1), { once: true });
      super.readAsArrayBuffer(blob);
    }
  }
  globalThis.FileReader = TrackedFileReader;
}

const subtle = globalThis.crypto.subtle as SubtleCrypto & { tracked?: boolean };
if (!subtle.tracked) {
  for (const name of [
    'digest',
    'sign',
    'verify',
    'importKey',
    'deriveBits',
    'deriveKey',
  ] as const) {
    const native = subtle[name].bind(subtle) as (...args: unknown[]) => Promise<unknown>;
    Object.defineProperty(subtle, name, {
      value: (...args: unknown[]) => tracked(native(...args)),
      configurable: true,
    });
  }
  subtle.tracked = true;
}

/** Builds a stack. `simulator` options are merged over exact timing and seed 1. */
export function createStack(simulator: DashScopeSimulatorOptions = {}): Stack {
  const manual = createManualClock(T0);
  // Timers are tracked so `advance` can jump straight to the next one.
  const dueTimes = new Map<unknown, number>();
  /** Counts signs of progress (timers set, requests sent or answered) for `settle`. */
  let activity = 0;
  const clock: Clock = {
    now: () => manual.now(),
    setTimeout(fn, ms) {
      const handle = manual.setTimeout(() => {
        dueTimes.delete(handle);
        fn();
      }, ms);
      dueTimes.set(handle, manual.now() + (Number.isFinite(ms) && ms > 0 ? ms : 0));
      activity += 1;
      return handle;
    },
    clearTimeout(handle) {
      dueTimes.delete(handle);
      manual.clearTimeout(handle);
    },
  };
  const sim = createDashScopeSimulator({
    clock,
    seed: 1,
    ...simulator,
    timing: { ...FIXED_TIMING, ...simulator.timing },
  });
  const relayEvents: RelayEvent[] = [];
  const relay = createKeyframeVideoRelay({
    apiKey: 'sk-test-relay-0123456789abcdef',
    baseUrl: 'https://dashscope.test/api/v1',
    basePath: ENDPOINT,
    authenticate: (request) => {
      const match = /^Bearer (\w+)$/.exec(request.headers.get('authorization') ?? '');
      return match?.[1] ? { userId: match[1] } : null;
    },
    fetch: (input, init) => sim(new Request(input, init)),
    clock,
    onEvent: (event) => relayEvents.push(event),
  });

  const network: Network = { offline: false, requests: [], onRequest: undefined };
  let pending = 0;
  const clientFetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input), ORIGIN);
    const headers = new Headers(init?.headers);
    const record: ClientRequest = {
      method: init?.method ?? 'GET',
      path: url.pathname,
      signal: init?.signal ?? undefined,
      idempotencyKey: headers.get('idempotency-key'),
      at: clock.now(),
      settled: false,
    };
    network.requests.push(record);
    activity += 1;
    network.onRequest?.(record);
    if (network.offline) {
      record.settled = true;
      throw new TypeError('Failed to fetch');
    }
    pending += 1;
    try {
      // The body is read here, so `settle` also waits for the answer's bytes.
      const response = await relay(new Request(url, init));
      const body = await response.text();
      return new Response(body, { status: response.status, headers: response.headers });
    } finally {
      pending -= 1;
      activity += 1;
      record.settled = true;
    }
  };

  const memory = createMemoryStorage();
  let storageWrites = 0;
  const storage: StorageLike = {
    getItem: (key) => memory.getItem(key),
    setItem(key, value) {
      storageWrites += 1;
      memory.setItem(key, value);
    },
    removeItem(key) {
      storageWrites += 1;
      memory.removeItem(key);
    },
  };
  const dbName = `kfv-test-${String(nextDb++)}`;

  /** IndexedDB work counts as pending too: a submission waits for its frames to be saved. */
  function trackedFrameStore(): FrameStore {
    const store = createIndexedDbFrameStore({ dbName });
    const track = <T>(work: () => Promise<T>): Promise<T> => {
      pending += 1;
      activity += 1;
      return work().finally(() => {
        pending -= 1;
        activity += 1;
      });
    };
    return {
      save: (key, frame) => track(() => store.save(key, frame)),
      load: (key) => track(() => store.load(key)),
      remove: (key) => track(() => store.remove(key)),
    };
  }

  /**
   * Real turns of the event loop until nothing is pending, or until nothing has moved for a
   * while (a request waiting for the clock, e.g. the relay pausing between idempotency checks).
   */
  async function settle(): Promise<void> {
    let seen = activity;
    let quiet = 0;
    for (let turn = 0; turn < 2_000; turn += 1) {
      await realTurn();
      if (activity === seen) quiet += 1;
      else [seen, quiet] = [activity, 0];
      if (offThread > 0) {
        quiet = 0;
        continue;
      }
      if (pending === 0 && quiet >= 6) return;
      // Requests still pending with nothing moving are waiting for the clock.
      if (quiet >= 25) return;
    }
  }

  function nextDue(): number | undefined {
    let next: number | undefined;
    for (const due of dueTimes.values()) if (next === undefined || due < next) next = due;
    return next;
  }

  return {
    clock,
    sim,
    relayEvents,
    network,
    storage,
    get storageWrites() {
      return storageWrites;
    },
    providerProps: (overrides = {}) => ({
      endpoint: ENDPOINT,
      fetch: clientFetch,
      headers: { Authorization: 'Bearer alice' },
      clock,
      // No jitter: every wait is exactly what the schedule computes.
      random: () => 0.5,
      storage,
      frameStore: trackedFrameStore(),
      ...overrides,
    }),
    sent(route) {
      return network.requests.filter((request) => {
        if (route === 'create') return request.path.endsWith('/video-synthesis');
        if (route === 'cancel') return request.path.endsWith('/cancel');
        return request.method === 'GET' && request.path.includes('/tasks/');
      });
    },
    settle: () => act(settle),
    async advance(ms) {
      const end = manual.now() + ms;
      await act(async () => {
        await settle();
        for (let steps = 0; steps < 100_000; steps += 1) {
          const next = nextDue();
          if (next === undefined || next > end) break;
          await manual.advanceAsync(Math.max(0, next - manual.now()));
          await settle();
        }
        await manual.advanceAsync(Math.max(0, end - manual.now()));
        await settle();
      });
    },
  };
}
