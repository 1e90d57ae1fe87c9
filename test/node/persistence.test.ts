import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  SUBMISSION_MAX_AGE_MS,
  createDurationHistory,
  createMemoryStorage,
  createSubmissionStore,
  localStorageOrMemory,
} from '../../src/core/index.js';
import type { StorageLike } from '../../src/core/index.js';

const KEY = 'kfv:test';
const HOUR = 60 * 60 * 1000;

/** Replaces `globalThis.localStorage` for one test (Node 20 has none). */
function installLocalStorage(value: PropertyDescriptor): void {
  Object.defineProperty(globalThis, 'localStorage', { configurable: true, ...value });
}

afterEach(() => {
  Reflect.deleteProperty(globalThis, 'localStorage');
  Reflect.deleteProperty(globalThis, 'window');
});

describe('createSubmissionStore', () => {
  it('records the submission before the request is sent, then attaches the task id', () => {
    const storage = createMemoryStorage();
    let now = 1_700_000_000_000;
    const store = createSubmissionStore({ key: KEY, storage, now: () => now });

    const begun = store.begin({
      idempotencyKey: 'idem-1',
      model: 'wan2.2-kf2v-flash',
      resolution: '720P',
    });
    // Written synchronously: a reload right after `begin` (before any answer) still finds it.
    const raw = storage.getItem(KEY);
    expect(raw).not.toBeNull();
    expect(JSON.parse(raw ?? '{}')).toMatchObject({ version: 1, idempotencyKey: 'idem-1' });
    expect(begun.taskId).toBeUndefined();
    expect(store.read()).toEqual({
      version: 1,
      idempotencyKey: 'idem-1',
      submittedAt: 1_700_000_000_000,
      model: 'wan2.2-kf2v-flash',
      resolution: '720P',
    });

    now += 1_500;
    const attached = store.attach('task-abc');
    expect(attached).toMatchObject({
      taskId: 'task-abc',
      attachedAt: now,
      idempotencyKey: 'idem-1',
    });
    expect(store.read()?.taskId).toBe('task-abc');
  });

  it('is read back by a new store on the same storage (a reload)', () => {
    const storage = createMemoryStorage();
    const before = createSubmissionStore({ key: KEY, storage, now: () => 1_000 });
    before.begin({
      idempotencyKey: 'idem-2',
      model: 'wanx2.1-kf2v-plus',
      fingerprint: 'sha256:abc',
    });
    before.attach('task-2');

    const after = createSubmissionStore({ key: KEY, storage, now: () => 60_000 });
    expect(after.read()).toMatchObject({
      idempotencyKey: 'idem-2',
      taskId: 'task-2',
      model: 'wanx2.1-kf2v-plus',
      fingerprint: 'sha256:abc',
      submittedAt: 1_000,
    });
    after.clear();
    expect(before.read()).toBeUndefined();
  });

  it('discards corrupt JSON and records of the wrong shape instead of throwing', () => {
    const storage = createMemoryStorage();
    const store = createSubmissionStore({ key: KEY, storage });
    for (const bad of [
      '{not json',
      'null',
      '42',
      JSON.stringify({ version: 2, idempotencyKey: 'x', submittedAt: 1, model: 'm' }),
      JSON.stringify({ version: 1, submittedAt: 1, model: 'm' }),
      JSON.stringify({ version: 1, idempotencyKey: 'x', submittedAt: 'yesterday', model: 'm' }),
      JSON.stringify({ version: 1, idempotencyKey: 'x', submittedAt: 1, model: 'm', taskId: 7 }),
    ]) {
      storage.setItem(KEY, bad);
      expect(store.read(), bad).toBeUndefined();
      expect(storage.getItem(KEY), bad).toBeNull();
    }
    expect(store.attach('task-x')).toBeUndefined();
    expect(storage.getItem(KEY)).toBeNull();
  });

  it('drops records older than 24 hours', () => {
    const storage = createMemoryStorage();
    let now = 5_000_000;
    const store = createSubmissionStore({ key: KEY, storage, now: () => now });
    store.begin({ idempotencyKey: 'idem-3', model: 'm' });
    now += SUBMISSION_MAX_AGE_MS;
    expect(store.read()?.idempotencyKey).toBe('idem-3');
    now += 1;
    expect(store.read()).toBeUndefined();
    expect(storage.getItem(KEY)).toBeNull();
    expect(SUBMISSION_MAX_AGE_MS).toBe(24 * HOUR);
  });

  it('tells subscribers about its writes', () => {
    const store = createSubmissionStore({ key: KEY, storage: createMemoryStorage() });
    const seen: (string | undefined)[] = [];
    const unsubscribe = store.subscribe(() => seen.push(store.read()?.taskId ?? 'none'));
    store.begin({ idempotencyKey: 'idem-4', model: 'm' });
    store.attach('task-4');
    store.clear();
    unsubscribe();
    store.begin({ idempotencyKey: 'idem-5', model: 'm' });
    expect(seen).toEqual(['none', 'task-4', 'none']);
  });

  it('does not let a failing storage stop a submission', () => {
    const broken: StorageLike = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => {
        throw new Error('SecurityError');
      },
    };
    const store = createSubmissionStore({ key: KEY, storage: broken });
    expect(() => store.begin({ idempotencyKey: 'idem-6', model: 'm' })).not.toThrow();
    expect(store.read()).toBeUndefined();
    expect(() => store.clear()).not.toThrow();
  });
});

describe('localStorageOrMemory', () => {
  it('works with no window and no localStorage (server rendering), without sharing between calls', () => {
    installLocalStorage({ value: undefined });
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    expect(typeof (globalThis as { localStorage?: unknown }).localStorage).toBe('undefined');
    const first = localStorageOrMemory();
    first.setItem('k', 'v');
    expect(first.getItem('k')).toBe('v');
    // Two server requests must not see each other's data.
    expect(localStorageOrMemory().getItem('k')).toBeNull();
    const store = createSubmissionStore({ key: KEY });
    store.begin({ idempotencyKey: 'idem-ssr', model: 'm' });
    expect(store.read()?.idempotencyKey).toBe('idem-ssr');
  });

  it('touches neither window nor localStorage when the module is imported', async () => {
    let touched = 0;
    Object.defineProperty(globalThis, 'window', {
      configurable: true,
      get() {
        touched += 1;
        return undefined;
      },
    });
    installLocalStorage({
      get() {
        touched += 1;
        return undefined;
      },
    });
    vi.resetModules();
    const fresh = await import('../../src/core/persistence.js');
    expect(typeof fresh.createSubmissionStore).toBe('function');
    expect(touched).toBe(0);
  });

  it('uses localStorage when it works, so a reload finds the record', () => {
    const backing = createMemoryStorage();
    installLocalStorage({ value: backing });
    localStorageOrMemory().setItem('k', 'kept');
    expect(backing.getItem('k')).toBe('kept');
    expect(localStorageOrMemory().getItem('k')).toBe('kept');
  });

  it('falls back to memory when reading localStorage throws (blocked storage)', () => {
    installLocalStorage({
      get() {
        throw new Error('SecurityError: The operation is insecure.');
      },
    });
    const storage = localStorageOrMemory();
    storage.setItem('k', 'v');
    expect(storage.getItem('k')).toBe('v');
  });

  it('falls back to memory when writes throw (Safari private mode, full quota)', () => {
    const backing = createMemoryStorage();
    installLocalStorage({
      value: {
        getItem: (key: string) => backing.getItem(key),
        setItem: () => {
          throw new Error('QuotaExceededError');
        },
        removeItem: (key: string) => backing.removeItem(key),
      },
    });
    const storage = localStorageOrMemory();
    storage.setItem('k', 'v');
    expect(storage.getItem('k')).toBe('v');
    storage.removeItem('k');
    expect(storage.getItem('k')).toBeNull();
  });

  it('keeps values in memory when the quota fills up after the probe', () => {
    const backing = createMemoryStorage();
    let full = false;
    installLocalStorage({
      value: {
        getItem: (key: string) => backing.getItem(key),
        setItem: (key: string, value: string) => {
          if (full) throw new Error('QuotaExceededError');
          backing.setItem(key, value);
        },
        removeItem: (key: string) => backing.removeItem(key),
      },
    });
    const storage = localStorageOrMemory();
    storage.setItem('a', 'stored');
    full = true;
    storage.setItem('b', 'in memory');
    expect(backing.getItem('a')).toBe('stored');
    expect(backing.getItem('b')).toBeNull();
    expect(storage.getItem('b')).toBe('in memory');
  });
});

describe('createDurationHistory', () => {
  const flash720 = { model: 'wan2.2-kf2v-flash', resolution: '720P' };

  it('returns the median of the recorded durations, and undefined with too few', () => {
    const history = createDurationHistory({ key: 'kfv:durations', storage: createMemoryStorage() });
    expect(history.expectedDurationMs(flash720)).toBeUndefined();
    history.record({ ...flash720, durationMs: 200_000 });
    history.record({ ...flash720, durationMs: 100_000 });
    expect(history.expectedDurationMs(flash720)).toBeUndefined(); // fewer than 3 samples
    history.record({ ...flash720, durationMs: 600_000 });
    expect(history.expectedDurationMs(flash720)).toBe(200_000); // robust to the slow one
    history.record({ ...flash720, durationMs: 150_000 });
    expect(history.expectedDurationMs(flash720)).toBe(175_000); // even count: mean of the middle two
  });

  it('keeps only the last samples, per model and resolution, across reloads', () => {
    const storage = createMemoryStorage();
    const history = createDurationHistory({ key: 'kfv:durations', storage, maxSamples: 20 });
    for (let i = 0; i < 5; i += 1) history.record({ ...flash720, durationMs: 900_000 });
    for (let i = 0; i < 20; i += 1)
      history.record({ ...flash720, durationMs: 120_000 + i * 1_000 });
    history.record({ model: 'wan2.2-kf2v-flash', resolution: '1080P', durationMs: 1 });
    const reloaded = createDurationHistory({ key: 'kfv:durations', storage });
    expect(reloaded.expectedDurationMs(flash720)).toBe(129_500);
    expect(
      reloaded.expectedDurationMs({ model: 'wan2.2-kf2v-flash', resolution: '1080P' }),
    ).toBeUndefined();
    expect(reloaded.expectedDurationMs({ model: 'wan2.2-kf2v-flash' })).toBeUndefined();
  });

  it('counts a task once when several tabs sharing the storage each see it finish', () => {
    const storage = createMemoryStorage();
    const tabA = createDurationHistory({ key: 'kfv:durations', storage, minSamples: 2 });
    const tabB = createDurationHistory({ key: 'kfv:durations', storage, minSamples: 2 });
    tabA.record({ ...flash720, durationMs: 100_000, taskId: 'task-1' });
    tabB.record({ ...flash720, durationMs: 100_400, taskId: 'task-1' });
    expect(tabB.expectedDurationMs(flash720)).toBeUndefined(); // still one sample
    tabB.record({ ...flash720, durationMs: 300_000, taskId: 'task-2' });
    tabA.record({ ...flash720, durationMs: 300_000, taskId: 'task-2' });
    expect(tabA.expectedDurationMs(flash720)).toBe(200_000); // 100 s and 300 s, once each
    // A history written before task ids were kept still reads, and records go on.
    storage.setItem('kfv:durations', '{"version":1,"samples":{"wan2.2-kf2v-flash|720P":[50000]}}');
    tabA.record({ ...flash720, durationMs: 70_000, taskId: 'task-3' });
    expect(tabA.expectedDurationMs(flash720)).toBe(60_000);
  });

  it('ignores impossible durations and corrupt storage', () => {
    const storage = createMemoryStorage();
    const history = createDurationHistory({ key: 'kfv:durations', storage, minSamples: 1 });
    for (const durationMs of [0, -5, Number.NaN, Infinity, 25 * HOUR])
      history.record({ ...flash720, durationMs });
    expect(history.expectedDurationMs(flash720)).toBeUndefined();
    storage.setItem('kfv:durations', '{"version":1,"samples":{"x":"nope"}}');
    expect(history.expectedDurationMs(flash720)).toBeUndefined();
    storage.setItem('kfv:durations', 'garbage');
    expect(() => history.record({ ...flash720, durationMs: 90_000 })).not.toThrow();
    expect(history.expectedDurationMs(flash720)).toBe(90_000);
    history.clear();
    expect(history.expectedDurationMs(flash720)).toBeUndefined();
  });
});
