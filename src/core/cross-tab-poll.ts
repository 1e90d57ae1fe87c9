/**
 * One poll stream per task across the tabs of an origin. Three tabs showing one task would
 * otherwise poll it three times; here they elect one poller with the Web Locks API and share its
 * snapshots over a BroadcastChannel:
 *
 * - every tab asks for the task's lock; the tab that holds it (the leader) runs an ordinary
 *   {@link createTaskPoller} and posts each snapshot to the channel;
 * - the others (followers) wait in the lock's queue, never touch the network, and show what
 *   the leader posts — checked like any input (a schema for the envelope, the codec for the
 *   data), since it may come from another version of the app;
 * - when the leader's tab closes (or stops watching) the browser hands the lock to the next tab
 *   in the queue, which continues from the last shared snapshot on the normal schedule;
 * - a terminal answer ends the stream in every tab, and each releases the lock.
 *
 * Without Web Locks or BroadcastChannel (servers, jsdom, old browsers) it is a plain in-tab
 * poller. Nothing is looked up at import time.
 */
import * as z from 'zod/mini';
import { createIdempotencyKey } from './client.js';
import { systemClock } from './clock.js';
import { KeyframeVideoError } from './errors.js';
import { documentVisibility } from './page-visibility.js';
import { createTaskPoller } from './poller.js';
import type {
  TaskPollSnapshot,
  TaskPoller,
  TaskPollerOptions,
  VisibilitySource,
} from './poller.js';
import { fromWireTask, parseTaskBody, toWireTask } from './schemas.js';
import type { KeyframeVideoTask } from './schemas.js';

/** The part of the Web Locks API (`navigator.locks`) the cross-tab poller uses. */
export interface CrossTabLockManager {
  /**
   * Runs `callback` once the exclusive lock `name` is granted and holds it until the promise
   * the callback returns settles. Aborting `signal` withdraws a request still waiting.
   */
  request(
    name: string,
    options: { signal?: AbortSignal },
    callback: (lock: unknown) => Promise<void>,
  ): Promise<unknown>;
}

/** The part of `BroadcastChannel` the cross-tab poller uses. */
export interface CrossTabChannel {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

/**
 * How answers travel between tabs. `encode` makes an answer postable (structured-clonable);
 * `decode` checks what another tab sent and rebuilds it — it throws to reject the message.
 */
export interface CrossTabCodec<T> {
  /** Default: the answer as it is. */
  encode?: ((data: T) => unknown) | undefined;
  decode: (value: unknown) => T;
}

/**
 * A task travels as its wire body and is read back through the same schema and mapping as an
 * answer from the relay (`parseTaskBody` + `fromWireTask`): another tab's data is input too.
 */
export const keyframeVideoTaskCodec: CrossTabCodec<KeyframeVideoTask> =
  /* @__PURE__ */ Object.freeze({
    encode: (task: KeyframeVideoTask) => toWireTask(task, task.requestId ?? ''),
    decode: (value: unknown) => fromWireTask(parseTaskBody(value)),
  });

/** Options of {@link createCrossTabTaskPoller}: the poller's, plus what names the stream. */
export interface CrossTabTaskPollerOptions<T> extends TaskPollerOptions<T> {
  /**
   * Names the stream across tabs of this origin: pollers with the same name share one stream,
   * so put everything that identifies it in the name (e.g. `"kfv:" + taskId`).
   */
  name: string;
  /** How answers travel between tabs (default: as they are, unchecked — pass a `decode`). */
  codec?: CrossTabCodec<T> | undefined;
  /** Web Locks (default `navigator.locks`); `null`: none, poll in this tab only. */
  locks?: CrossTabLockManager | null | undefined;
  /** Opens a channel (default `new BroadcastChannel(name)`); `null`: none, poll in this tab only. */
  openChannel?: ((name: string) => CrossTabChannel) | null | undefined;
}

/**
 * What this tab does for the stream:
 * - `idle`: nothing (no subscriber yet, or every subscriber left);
 * - `following`: waiting in the lock's queue, showing the leader's snapshots, no requests;
 * - `leading`: holds the lock and polls for every tab;
 * - `finished`: saw a terminal answer (its own or the leader's); nothing runs any more;
 * - `stopped`: `stop()` was called in this tab (other tabs carry on without it);
 * - `local`: no Web Locks or BroadcastChannel here: an ordinary in-tab poller.
 */
export type CrossTabPollRole = 'idle' | 'following' | 'leading' | 'finished' | 'stopped' | 'local';

/** A {@link TaskPoller} that polls once for every tab; `getRole()` says what this tab does. */
export interface CrossTabTaskPoller<T> extends TaskPoller<T> {
  /** What this tab does for the stream now (for devtools and tests). */
  getRole(): CrossTabPollRole;
}

/** Lock and channel names start with this, so they do not clash with an app's own. */
export const CROSS_TAB_PREFIX = 'react-keyframe-video/poll/';

const PROTOCOL = 1;

const SharedErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  status: z.optional(z.number()),
  param: z.optional(z.string()),
  retryable: z.boolean(),
  requestId: z.optional(z.string()),
  retryAfterMs: z.optional(z.number()),
  detail: z.optional(z.string()),
});

const SharedStateSchema = z.object({
  status: z.enum(['polling', 'retrying', 'done', 'error']),
  hasData: z.boolean(),
  data: z.optional(z.unknown()),
  error: z.optional(SharedErrorSchema),
  attempt: z.number(),
  nextPollAt: z.optional(z.number()),
  updatedAt: z.optional(z.number()),
  startedAt: z.number(),
  answeredAt: z.optional(z.number()),
});

const envelope = { v: z.literal(PROTOCOL), from: z.string() };

/** Every message on a stream's channel. Anything else (other versions, junk) is ignored. */
const MessageSchema = z.discriminatedUnion('kind', [
  /** Leader → all: the snapshot changed (or a follower joined). */
  z.object({ ...envelope, kind: z.literal('state'), state: SharedStateSchema }),
  /** Leader → all: a request settled (the new leader's schedule counts from it). */
  z.object({ ...envelope, kind: z.literal('polled'), at: z.number() }),
  /** Follower → leader: here I am (send the snapshot); am I hidden. */
  z.object({ ...envelope, kind: z.literal('join'), hidden: z.boolean() }),
  /** Follower → leader: my visibility (on change, and when a new leader asks). */
  z.object({ ...envelope, kind: z.literal('presence'), hidden: z.boolean() }),
  /** Follower → leader: I no longer watch. */
  z.object({ ...envelope, kind: z.literal('leave') }),
  /** New leader → followers: say whether you are hidden. */
  z.object({ ...envelope, kind: z.literal('leader') }),
  /** Follower → leader: a user action in the follower's tab. */
  z.object({ ...envelope, kind: z.literal('command'), command: z.enum(['refresh', 'retry']) }),
]);

type Message = z.infer<typeof MessageSchema>;
type SharedState = z.infer<typeof SharedStateSchema>;
type SharedError = z.infer<typeof SharedErrorSchema>;
type WithoutEnvelope<M> = M extends unknown ? Omit<M, 'v' | 'from'> : never;
/** A message as sent (the envelope is added by `post`). */
type Outgoing = WithoutEnvelope<Message>;

interface NavigatorLike {
  locks?: CrossTabLockManager;
}

function defaultLocks(): CrossTabLockManager | null {
  const nav = (globalThis as { navigator?: NavigatorLike }).navigator;
  const locks = nav?.locks;
  return locks && typeof locks.request === 'function' ? locks : null;
}

function defaultOpenChannel(): ((name: string) => CrossTabChannel) | null {
  const Channel = (globalThis as { BroadcastChannel?: new (name: string) => CrossTabChannel })
    .BroadcastChannel;
  return typeof Channel === 'function' ? (name) => new Channel(name) : null;
}

function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function sharedError(error: KeyframeVideoError): SharedError {
  const shared: SharedError = {
    code: error.code,
    message: error.message,
    retryable: error.retryable,
  };
  if (error.status !== undefined) shared.status = error.status;
  if (error.param !== undefined) shared.param = error.param;
  if (error.requestId !== undefined) shared.requestId = error.requestId;
  if (error.retryAfterMs !== undefined) shared.retryAfterMs = error.retryAfterMs;
  if (error.detail !== undefined) shared.detail = error.detail;
  return shared;
}

function sameError(error: KeyframeVideoError | undefined, shared: SharedError): boolean {
  return error !== undefined && jsonOf(sharedError(error)) === jsonOf(shared);
}

/** One stretch of work between a start (subscribe, retry) and its end; aborting ends it all. */
interface Run {
  readonly controller: AbortController;
  readonly channel: CrossTabChannel;
  readonly visibility: VisibilitySource;
  /** Followers' visibility, by tab (leader only). */
  readonly followers: Map<string, boolean>;
  /** The inner poller's visibility listeners (leader only). */
  readonly visibilityListeners: Set<() => void>;
  /** Whether becoming leader should poll at once (a retry) rather than on schedule. */
  pollNowOnLead: boolean;
  inner: { poller: TaskPoller<unknown>; unsubscribe: () => void } | undefined;
  cleanups: (() => void)[];
}

/**
 * Makes a poller that polls once for all the tabs of this origin following the same `name`
 * (see the file comment), with the same interface as {@link createTaskPoller}: `subscribe`,
 * `getSnapshot`, `refresh`, `stop`, `retry`, plus `getRole()`.
 *
 * Per tab: `stop()` stops this tab only (another takes over polling if this one led);
 * `refresh()` and `retry()` in a follower are forwarded to the leader. The leader's snapshot is
 * every tab's: `polling`, `retrying` (with the leader's `nextPollAt`), `done` and `error`.
 *
 * @example
 * ```ts
 * const poller = createCrossTabTaskPoller({
 *   name: `kfv:${taskId}`,
 *   taskId,
 *   fetcher: (id, { signal }) => client.get(id, { signal }),
 *   isTerminal: (task) => isTerminalTaskStatus(task.status),
 *   getPhase: (task) => task.status,
 *   codec: keyframeVideoTaskCodec,
 * });
 * const stop = poller.subscribe(() => render(poller.getSnapshot()));
 * ```
 */
export function createCrossTabTaskPoller<T>(
  options: CrossTabTaskPollerOptions<T>,
): CrossTabTaskPoller<T> {
  const {
    name,
    codec,
    locks: givenLocks,
    openChannel: givenOpenChannel,
    visibility: givenVisibility,
    resumeFrom,
    ...pollerOptions
  } = options;
  const locks = givenLocks === undefined ? defaultLocks() : givenLocks;
  const openChannel = givenOpenChannel === undefined ? defaultOpenChannel() : givenOpenChannel;
  if (!locks || !openChannel) {
    const local = createTaskPoller<T>(options);
    return { ...local, getRole: () => 'local' };
  }
  const lockManager: CrossTabLockManager = locks;
  const open: (name: string) => CrossTabChannel = openChannel;

  const clock = options.clock ?? systemClock;
  const { isTerminal } = options;
  const key = `${CROSS_TAB_PREFIX}${name}`;
  const tabId = createIdempotencyKey();
  const encode = codec?.encode ?? ((data: T): unknown => data);
  const decode = codec?.decode ?? ((value: unknown) => value as T);

  let role: CrossTabPollRole = 'idle';
  const initial = resumeFrom && !isTerminal(resumeFrom.data) ? resumeFrom : undefined;
  let snapshot: TaskPollSnapshot<T> = Object.freeze({
    status: 'idle',
    data: initial?.data,
    error: undefined,
    attempt: 0,
    nextPollAt: undefined,
    updatedAt: initial ? (initial.updatedAt ?? initial.answeredAt) : undefined,
    startedAt: options.startedAt ?? clock.now(),
  });
  /** When the last request (any tab's) settled: a new leader's schedule counts from it. */
  let answeredAt: number | undefined = initial?.answeredAt;
  const listeners = new Set<{ listener: () => void }>();
  let run: Run | undefined;
  let teardownTicket = 0;

  function commit(next: Partial<TaskPollSnapshot<T>>): void {
    const merged = { ...snapshot, ...next };
    const keys = Object.keys(merged) as (keyof TaskPollSnapshot<T>)[];
    if (keys.every((field) => Object.is(merged[field], snapshot[field]))) return;
    snapshot = Object.freeze(merged);
    for (const entry of [...listeners]) {
      try {
        entry.listener();
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  function sameData(a: T | undefined, b: T): boolean {
    if (a === undefined) return false;
    if (options.isEqual) return options.isEqual(a, b);
    const json = jsonOf(b);
    return json !== undefined && json === jsonOf(a);
  }

  function post(target: Run, message: Outgoing): void {
    try {
      target.channel.postMessage({ v: PROTOCOL, from: tabId, ...message });
    } catch {
      // A closed channel (the page is going away) or data that cannot be cloned: the other tabs
      // keep their last snapshot and take over if this tab goes.
    }
  }

  function sharedState(): SharedState {
    const { status } = snapshot;
    const state: SharedState = {
      status: status === 'retrying' || status === 'done' || status === 'error' ? status : 'polling',
      hasData: snapshot.data !== undefined,
      attempt: snapshot.attempt,
      startedAt: snapshot.startedAt,
    };
    if (snapshot.data !== undefined) state.data = encode(snapshot.data);
    if (snapshot.error) state.error = sharedError(snapshot.error);
    if (snapshot.nextPollAt !== undefined) state.nextPollAt = snapshot.nextPollAt;
    if (snapshot.updatedAt !== undefined) state.updatedAt = snapshot.updatedAt;
    if (answeredAt !== undefined) state.answeredAt = answeredAt;
    return state;
  }

  function publish(target: Run): void {
    if (run !== target || role !== 'leading') return;
    const { status } = snapshot;
    if (status === 'polling' || status === 'retrying' || status === 'done' || status === 'error') {
      post(target, { kind: 'state', state: sharedState() });
    }
  }

  function endRun(next: CrossTabPollRole): void {
    const ending = run;
    run = undefined;
    const was = role;
    role = next;
    if (!ending) return;
    if (was === 'following') post(ending, { kind: 'leave' });
    ending.inner?.unsubscribe();
    ending.inner = undefined;
    for (const cleanup of ending.cleanups) cleanup();
    // Withdraws a waiting lock request, or releases the held lock.
    ending.controller.abort();
    try {
      ending.channel.close();
    } catch {
      // Already closed.
    }
  }

  /** A terminal answer: every tab stops, and the lock goes back. */
  function finish(): void {
    endRun('finished');
  }

  /** The leader's snapshot, checked: a message that does not hold up changes nothing. */
  function adopt(state: SharedState): void {
    let data = snapshot.data;
    if (state.hasData) {
      let decoded: T;
      try {
        decoded = decode(state.data);
      } catch {
        return;
      }
      if (decoded === undefined) return;
      if (!sameData(data, decoded)) data = decoded;
    }
    const terminal = data !== undefined && isTerminal(data);
    // "done" must come with a terminal answer, and a terminal answer means done.
    if ((state.status === 'done') !== terminal) return;
    let error: KeyframeVideoError | undefined;
    if (state.error) {
      error = sameError(snapshot.error, state.error)
        ? snapshot.error
        : new KeyframeVideoError({ ...state.error });
    }
    if (state.answeredAt !== undefined) answeredAt = Math.max(answeredAt ?? 0, state.answeredAt);
    commit({
      status: state.status,
      data,
      error,
      attempt: state.attempt,
      nextPollAt: state.nextPollAt,
      updatedAt: state.updatedAt ?? snapshot.updatedAt,
      startedAt: state.startedAt,
    });
    if (state.status === 'done') finish();
  }

  function onInner(target: Run): void {
    if (run !== target || !target.inner) return;
    const inner = target.inner.poller.getSnapshot() as TaskPollSnapshot<T>;
    if (inner.status === 'idle') return;
    commit({
      status: inner.status,
      data: inner.data,
      error: inner.error,
      attempt: inner.attempt,
      nextPollAt: inner.nextPollAt,
      updatedAt: inner.updatedAt,
      startedAt: inner.startedAt,
    });
    publish(target);
    if (inner.status === 'done') finish();
  }

  /** The leader slows down for a hidden page only when every follower's page is hidden too. */
  function sharedVisibility(target: Run): VisibilitySource {
    return {
      isHidden: () =>
        target.visibility.isHidden() && [...target.followers.values()].every((hidden) => hidden),
      subscribe(onChange) {
        target.visibilityListeners.add(onChange);
        return () => target.visibilityListeners.delete(onChange);
      },
    };
  }

  function visibilityChanged(target: Run): void {
    for (const listener of [...target.visibilityListeners]) listener();
  }

  function startInner(target: Run, pollNow: boolean): void {
    if (target.inner) return;
    const data = snapshot.data;
    const poller = createTaskPoller<T>({
      ...pollerOptions,
      startedAt: snapshot.startedAt,
      visibility: sharedVisibility(target),
      resumeFrom:
        data !== undefined && answeredAt !== undefined
          ? { data, answeredAt, updatedAt: snapshot.updatedAt }
          : undefined,
      fetcher: async (taskId, init) => {
        try {
          return await options.fetcher(taskId, init);
        } finally {
          if (!init.signal.aborted && run === target) {
            answeredAt = clock.now();
            post(target, { kind: 'polled', at: answeredAt });
          }
        }
      },
    });
    target.inner = { poller: poller as TaskPoller<unknown>, unsubscribe: () => {} };
    const unsubscribe = poller.subscribe(() => onInner(target));
    // The run may have ended while subscribing (a terminal answer ends it).
    if (target.inner?.poller === poller) target.inner.unsubscribe = unsubscribe;
    else unsubscribe();
    onInner(target);
    if (pollNow && run === target) poller.refresh();
  }

  function lead(target: Run): void {
    if (run !== target || target.controller.signal.aborted) return;
    role = 'leading';
    target.followers.clear();
    post(target, { kind: 'leader' });
    if (snapshot.status === 'done') {
      finish();
      return;
    }
    // A give-up is everyone's: the new leader keeps it until someone retries.
    if (snapshot.status === 'error' && !target.pollNowOnLead) return;
    startInner(target, target.pollNowOnLead);
    target.pollNowOnLead = false;
  }

  function command(target: Run, what: 'refresh' | 'retry'): void {
    if (!target.inner) {
      if (snapshot.status !== 'done') startInner(target, true);
      return;
    }
    if (what === 'retry') target.inner.poller.retry();
    else target.inner.poller.refresh();
  }

  function onMessage(target: Run, message: Message): void {
    switch (message.kind) {
      case 'state':
        // A leader trusts only another tab's terminal answer (a lock handed over just as the
        // old leader finished); followers take every snapshot.
        if (role === 'following' || (role === 'leading' && message.state.status === 'done')) {
          // A leader that is polling again has taken this tab's retry.
          if (message.state.status !== 'error') target.pollNowOnLead = false;
          adopt(message.state);
        }
        return;
      case 'polled':
        if (role === 'following') answeredAt = Math.max(answeredAt ?? 0, message.at);
        return;
      case 'join':
      case 'presence':
        if (role !== 'leading') return;
        target.followers.set(message.from, message.hidden);
        visibilityChanged(target);
        if (message.kind === 'join') publish(target);
        return;
      case 'leave':
        if (role !== 'leading') return;
        target.followers.delete(message.from);
        visibilityChanged(target);
        return;
      case 'leader':
        if (role === 'following') {
          post(target, { kind: 'presence', hidden: target.visibility.isHidden() });
        }
        return;
      case 'command':
        if (role === 'leading') command(target, message.command);
        return;
    }
  }

  /** Makes `run` a new run on `channel` (with nothing started yet) and returns it. */
  function beginRun(
    controller: AbortController,
    channel: CrossTabChannel,
    pollNowOnLead: boolean,
  ): Run {
    run = {
      controller,
      channel,
      visibility: givenVisibility ?? documentVisibility(),
      followers: new Map(),
      visibilityListeners: new Set(),
      pollNowOnLead,
      inner: undefined,
      cleanups: [],
    };
    return run;
  }

  function startRun(pollNow: boolean): void {
    endRun('idle');
    const controller = new AbortController();
    let channel: CrossTabChannel;
    try {
      channel = open(key);
    } catch {
      startLocal(pollNow);
      return;
    }
    const target = beginRun(controller, channel, pollNow);
    role = 'following';

    const onChannelMessage = (event: { data: unknown }): void => {
      if (run !== target) return;
      const parsed = MessageSchema.safeParse(event.data);
      if (parsed.success && parsed.data.from !== tabId) onMessage(target, parsed.data);
    };
    channel.addEventListener('message', onChannelMessage);
    target.cleanups.push(() => channel.removeEventListener('message', onChannelMessage));

    const stopWatching = target.visibility.subscribe(() => {
      if (run !== target) return;
      if (role === 'following') {
        post(target, { kind: 'presence', hidden: target.visibility.isHidden() });
      }
      visibilityChanged(target);
    });
    target.cleanups.push(stopWatching);

    // A closing page says goodbye, so the leader stops counting it as a visible watcher.
    const page = globalThis as {
      addEventListener?: (type: string, listener: () => void) => void;
      removeEventListener?: (type: string, listener: () => void) => void;
    };
    if (typeof page.addEventListener === 'function') {
      const onPageHide = (): void => {
        if (run === target && role === 'following') post(target, { kind: 'leave' });
      };
      page.addEventListener('pagehide', onPageHide);
      target.cleanups.push(() => page.removeEventListener?.('pagehide', onPageHide));
    }

    commit({ status: 'polling', error: undefined, attempt: 0, nextPollAt: undefined });
    post(target, { kind: 'join', hidden: target.visibility.isHidden() });

    const { signal } = controller;
    const held = (): Promise<void> =>
      new Promise<void>((release) => {
        if (signal.aborted) {
          release();
          return;
        }
        signal.addEventListener('abort', () => release(), { once: true });
        lead(target);
      });
    let requested: Promise<unknown>;
    try {
      requested = Promise.resolve(lockManager.request(key, { signal }, held));
    } catch (error) {
      requested = Promise.reject(error);
    }
    requested.catch(() => {
      // Withdrawn (aborted): nothing to do. Refused (e.g. a sandboxed frame has no locks):
      // poll in this tab rather than follow a leader that may never come.
      if (run === target && !signal.aborted) startLocal(target.pollNowOnLead);
    });
  }

  /** This run without coordination: the lock is unusable here. */
  function startLocal(pollNow: boolean): void {
    endRun('idle');
    const controller = new AbortController();
    const closed: CrossTabChannel = {
      postMessage: () => {},
      addEventListener: () => {},
      removeEventListener: () => {},
      close: () => {},
    };
    const target = beginRun(controller, closed, false);
    role = 'local';
    target.cleanups.push(target.visibility.subscribe(() => visibilityChanged(target)));
    startInner(target, pollNow);
  }

  function teardownIfUnused(): void {
    const ticket = (teardownTicket += 1);
    queueMicrotask(() => {
      if (ticket !== teardownTicket || listeners.size > 0 || !run) return;
      endRun('idle');
      commit({ status: 'idle', nextPollAt: undefined });
    });
  }

  function retry(): void {
    if (snapshot.status === 'done') return;
    if (listeners.size === 0) {
      endRun('idle');
      commit({ status: 'idle', error: undefined, attempt: 0, nextPollAt: undefined });
      return;
    }
    const current = run;
    if (current && role === 'following') {
      post(current, { kind: 'command', command: 'retry' });
      // Should the lock come here before the leader acts on it, poll at once.
      current.pollNowOnLead = true;
      return;
    }
    if (current && (role === 'leading' || role === 'local')) {
      command(current, 'retry');
      return;
    }
    startRun(true);
  }

  return {
    subscribe(listener) {
      const entry = { listener };
      listeners.add(entry);
      teardownTicket += 1; // cancels a pending teardown
      if (snapshot.status === 'idle' && !run) startRun(false);
      return () => {
        if (!listeners.delete(entry)) return;
        if (listeners.size === 0) teardownIfUnused();
      };
    },
    getSnapshot: () => snapshot,
    refresh() {
      if (snapshot.status === 'error' || snapshot.status === 'stopped') {
        retry();
        return;
      }
      const current = run;
      if (!current) return;
      if (role === 'following') post(current, { kind: 'command', command: 'refresh' });
      else if (role === 'leading' || role === 'local') command(current, 'refresh');
    },
    stop() {
      if (snapshot.status === 'done') return;
      endRun('stopped');
      commit({ status: 'stopped', nextPollAt: undefined });
    },
    retry,
    getRole: () => role,
  };
}
