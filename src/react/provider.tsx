/**
 * `KeyframeVideoProvider`: the configuration every hook below it shares — where the relay is
 * (or a custom transport), model defaults, messages, storage, and one poller registry so that
 * hooks watching one task share one poll stream. Without a provider, hooks use the defaults
 * (the relay at `/api/keyframe-video`, English, localStorage and IndexedDB).
 *
 * Server-safe: nothing here touches a browser global while rendering on a server.
 */
import { useContext, useMemo, useState, type ReactNode } from 'react';
import {
  createDurationHistory,
  createKeyframeVideoClient,
  createPollerRegistry,
  DEFAULT_MODEL,
  KEYFRAME_VIDEO_MODELS,
  localStorageOrMemory,
  systemClock,
  type Clock,
  type DurationHistory,
  type KeyframeVideoClient,
  type KeyframeVideoHeaders,
  type KeyframeVideoModelTable,
  type KeyframeVideoTransport,
  type PollScheduleInput,
  type StorageLike,
  type TaskPollerRegistry,
} from '../core/index.js';
import { HooksConfigContext, pagePollerRegistry, type HooksConfig } from './config-context.js';
import type { FramePreparation } from './frame-processing.js';
import { createIndexedDbFrameStore, type FrameStore } from './frame-store.js';
import { resolveHookMessages } from './hook-messages.js';
import type { KeyframeVideoInputs } from './keyframe-video-state.js';
import type { KeyframeVideoMessages, KeyframeVideoMessagesInput } from './messages.js';
import { defaultUiMessages } from './ui-messages.js';

/** Props of {@link KeyframeVideoProvider}. Pass stable values (module constants or memoized). */
export interface KeyframeVideoProviderProps {
  /** The relay's base path or URL (default `"/api/keyframe-video"`). */
  endpoint?: string | undefined;
  /** Replaces HTTP (functions `create`, `get`, `cancel`); give this or `endpoint`, not both. */
  transport?: KeyframeVideoTransport | undefined;
  /** A ready client (overrides `endpoint`, `transport`, `fetch`, `headers`, `timeoutMs`). */
  client?: KeyframeVideoClient | undefined;
  /** The fetch the client uses (default: the global one). */
  fetch?: typeof fetch | undefined;
  /** Extra headers for every request, e.g. the app's session token. */
  headers?: KeyframeVideoHeaders | undefined;
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number | undefined;
  /** The capability table forms are generated from and validated against. */
  models?: KeyframeVideoModelTable | undefined;
  /** Initial values of every form below (model, resolution, prompt extension…). */
  defaults?: Partial<KeyframeVideoInputs> | undefined;
  /** Texts to replace (i18n): error sentences per code and status texts per state. */
  messages?: KeyframeVideoMessagesInput | undefined;
  /** Where small state is kept (default: localStorage, memory where it is unusable). */
  storage?: StorageLike | undefined;
  /** Where frames are kept across reloads (default: IndexedDB, memory where it is unusable). */
  frameStore?: FrameStore | undefined;
  /** How frames are conformed before checking (default `'auto'`). */
  prepare?: FramePreparation | undefined;
  /**
   * Replaces the polling schedule (default: the core's `nextPollDelay`). A server's
   * `Retry-After` is honoured on top of it.
   */
  schedule?: ((input: PollScheduleInput) => number) | undefined;
  /** Time and timers (default: the system clock); tests pass a manual clock. */
  clock?: Clock | undefined;
  /** Jitter source in [0, 1) for polling and retries (default `Math.random`); for tests. */
  random?: (() => number) | undefined;
  children?: ReactNode;
}

/** What hooks read from the provider (or the defaults). */
export interface KeyframeVideoConfig {
  readonly client: KeyframeVideoClient;
  /** Identifies the client in poller keys. */
  readonly clientKey: string;
  readonly registry: TaskPollerRegistry;
  readonly models: KeyframeVideoModelTable;
  readonly defaults: KeyframeVideoInputs;
  readonly messages: KeyframeVideoMessages;
  readonly storage: StorageLike;
  readonly frameStore: FrameStore;
  readonly durations: DurationHistory;
  readonly prepare: FramePreparation;
  readonly schedule: ((input: PollScheduleInput) => number) | undefined;
  readonly clock: Clock;
  readonly random: (() => number) | undefined;
}

/** The inputs of an empty form before any defaults are applied. */
export const BASE_INPUTS: KeyframeVideoInputs = Object.freeze({
  model: DEFAULT_MODEL,
  prompt: '',
  negativePrompt: '',
  template: undefined,
  resolution: undefined,
  seed: undefined,
  watermark: undefined,
  promptExtend: undefined,
});

/** The storage key of the learned durations (per browser, not per form). */
export const DURATIONS_KEY = 'kfv:durations';

const clientKeys = new WeakMap<KeyframeVideoClient, string>();
let nextClientKey = 1;

function keyOf(client: KeyframeVideoClient): string {
  let key = clientKeys.get(client);
  if (key === undefined) {
    key = `client-${String(nextClientKey)}`;
    nextClientKey += 1;
    clientKeys.set(client, key);
  }
  return key;
}

/** Browser-lifetime resources, made on first use, never during a server render. */
interface PageResources {
  storage: StorageLike;
  frameStore: FrameStore;
  durations: DurationHistory;
}

let pageResources: PageResources | undefined;

function isBrowser(): boolean {
  return typeof window !== 'undefined' && typeof document !== 'undefined';
}

function resourcesFor(storage: StorageLike | undefined, frameStore: FrameStore | undefined) {
  const make = (): PageResources => {
    const resolvedStorage = storage ?? localStorageOrMemory();
    return {
      storage: resolvedStorage,
      frameStore: frameStore ?? createIndexedDbFrameStore(),
      durations: createDurationHistory({ key: DURATIONS_KEY, storage: resolvedStorage }),
    };
  };
  if (storage !== undefined || frameStore !== undefined || !isBrowser()) return make();
  pageResources ??= make();
  return pageResources;
}

let defaultConfig: HooksConfig | undefined;

function buildConfig(
  props: Omit<KeyframeVideoProviderProps, 'children'>,
  registry: TaskPollerRegistry,
): HooksConfig {
  const clock = props.clock ?? systemClock;
  const client =
    props.client ??
    createKeyframeVideoClient({
      ...(props.transport ? { transport: props.transport } : { endpoint: props.endpoint }),
      fetch: props.fetch,
      headers: props.headers,
      timeoutMs: props.timeoutMs,
      models: props.models,
      clock,
    });
  const resources = resourcesFor(props.storage, props.frameStore);
  return {
    client,
    clientKey: keyOf(client),
    registry,
    models: props.models ?? KEYFRAME_VIDEO_MODELS,
    defaults: { ...BASE_INPUTS, ...props.defaults },
    messages: resolveHookMessages(props.messages),
    uiMessages: props.messages?.ui,
    storage: resources.storage,
    frameStore: resources.frameStore,
    durations: resources.durations,
    prepare: props.prepare ?? 'auto',
    schedule: props.schedule,
    clock,
    random: props.random,
  };
}

/** The configuration without a provider: made once per page (per call on a server). */
function fallbackConfig(): HooksConfig {
  if (!isBrowser()) return buildConfig({}, createPollerRegistry());
  // One registry for the whole page: hooks without a provider share poll streams too.
  defaultConfig ??= buildConfig({}, pagePollerRegistry());
  return defaultConfig;
}

/** The hooks' configuration: the nearest provider's, or the defaults without one. */
export function useHooksConfig(): HooksConfig {
  return useContext(HooksConfigContext) ?? fallbackConfig();
}

const withUiCache = new WeakMap<HooksConfig, KeyframeVideoConfig>();

/** The public configuration: the hooks' one with the components' words merged in (cached). */
function withUi(config: HooksConfig): KeyframeVideoConfig {
  let full = withUiCache.get(config);
  if (full === undefined) {
    const { uiMessages, messages, ...rest } = config;
    full = {
      ...rest,
      messages: {
        ...messages,
        ui: uiMessages ? { ...defaultUiMessages, ...uiMessages } : defaultUiMessages,
      },
    };
    withUiCache.set(config, full);
  }
  return full;
}

/**
 * Shares one configuration with every keyframe-video hook and component below it.
 *
 * @example
 * ```tsx
 * <KeyframeVideoProvider endpoint="/api/keyframe-video" defaults={{ resolution: '720P' }}>
 *   <Studio />
 * </KeyframeVideoProvider>
 * ```
 */
export function KeyframeVideoProvider(props: KeyframeVideoProviderProps) {
  const { children, ...settings } = props;
  // One registry per provider: hooks below it on the same task share one poll stream.
  const [registry] = useState(createPollerRegistry);
  const {
    endpoint,
    transport,
    client,
    fetch,
    headers,
    timeoutMs,
    models,
    defaults,
    messages,
    storage,
    frameStore,
    prepare,
    schedule,
    clock,
    random,
  } = settings;
  const config = useMemo(
    () =>
      buildConfig(
        {
          endpoint,
          transport,
          client,
          fetch,
          headers,
          timeoutMs,
          models,
          defaults,
          messages,
          storage,
          frameStore,
          prepare,
          schedule,
          clock,
          random,
        },
        registry,
      ),
    [
      registry,
      endpoint,
      transport,
      client,
      fetch,
      headers,
      timeoutMs,
      models,
      defaults,
      messages,
      storage,
      frameStore,
      prepare,
      schedule,
      clock,
      random,
    ],
  );
  return <HooksConfigContext.Provider value={config}>{children}</HooksConfigContext.Provider>;
}

/**
 * The configuration of the nearest {@link KeyframeVideoProvider}, or the defaults without one.
 * For components built on the hooks (messages, model table, clock).
 */
export function useKeyframeVideoConfig(): KeyframeVideoConfig {
  return withUi(useHooksConfig());
}
