import { describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULE, nextPollDelay } from '../../src/core/index.js';
import type { PollScheduleInput } from '../../src/core/index.js';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

function input(overrides: Partial<PollScheduleInput> = {}): PollScheduleInput {
  return {
    phase: 'RUNNING',
    elapsedMs: 2 * MINUTE,
    attempt: 0,
    hidden: false,
    random: () => 0.5,
    ...overrides,
  };
}

const retryable = { retryable: true };

describe('nextPollDelay: errors', () => {
  it('backs off exponentially from the base and stops growing at the 30 s cap', () => {
    // random() = 0 means no jitter reduction: the delay is the ceiling itself.
    const delays = [1, 2, 3, 4, 5, 6, 7, 50, 5000].map((attempt) =>
      nextPollDelay(input({ attempt, lastError: retryable, random: () => 0 })),
    );
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
    expect(DEFAULT_SCHEDULE.backoffCapMs).toBe(30_000);
  });

  it('keeps jittered delays within [(1 - backoffJitter) · d, d] and never above the cap', () => {
    for (let attempt = 1; attempt <= 12; attempt += 1) {
      const ceiling = Math.min(1000 * 2 ** (attempt - 1), 30_000);
      for (const r of [0, 0.1, 0.37, 0.5, 0.77, 0.999]) {
        const delay = nextPollDelay(input({ attempt, lastError: retryable, random: () => r }));
        expect(delay).toBeGreaterThanOrEqual(Math.floor(ceiling * 0.5));
        expect(delay).toBeLessThanOrEqual(ceiling);
        expect(delay).toBeLessThanOrEqual(30_000);
      }
    }
  });

  it('varies with the jitter source (so clients do not retry in step)', () => {
    const low = nextPollDelay(input({ attempt: 4, lastError: retryable, random: () => 0.9 }));
    const high = nextPollDelay(input({ attempt: 4, lastError: retryable, random: () => 0.1 }));
    expect(low).toBeLessThan(high);
  });

  it('never retries sooner than Retry-After, even beyond the cap', () => {
    const asked = nextPollDelay(
      input({ attempt: 1, lastError: { retryable: true, retryAfterMs: 45_000 } }),
    );
    expect(asked).toBe(45_000);
    const shortAsk = nextPollDelay(
      input({ attempt: 4, lastError: { retryable: true, retryAfterMs: 500 }, random: () => 0 }),
    );
    expect(shortAsk).toBe(8_000);
  });

  it('is slower when hidden, capped, and still honours Retry-After', () => {
    const visible = nextPollDelay(input({ attempt: 2, lastError: retryable, random: () => 0 }));
    const hidden = nextPollDelay(
      input({ attempt: 2, lastError: retryable, random: () => 0, hidden: true }),
    );
    expect(hidden).toBe(visible * DEFAULT_SCHEDULE.hiddenMultiplier);
    const hiddenCapped = nextPollDelay(
      input({ attempt: 9, lastError: retryable, random: () => 0, hidden: true }),
    );
    expect(hiddenCapped).toBe(DEFAULT_SCHEDULE.hiddenMaxIntervalMs);
    const hiddenAsked = nextPollDelay(
      input({ attempt: 9, lastError: { retryable: true, retryAfterMs: 90_000 }, hidden: true }),
    );
    expect(hiddenAsked).toBe(90_000);
  });
});

describe('nextPollDelay: healthy polling', () => {
  it('is pure: the same input gives the same delay', () => {
    const a = nextPollDelay(input({ elapsedMs: 95_000, random: () => 0.3 }));
    const b = nextPollDelay(input({ elapsedMs: 95_000, random: () => 0.3 }));
    expect(a).toBe(b);
  });

  it('with no history, polls sparsely early and densely where DashScope tasks usually end', () => {
    const early = nextPollDelay(input({ elapsedMs: 20 * SECOND }));
    const typicalEnd = nextPollDelay(input({ elapsedMs: 3 * MINUTE }));
    expect(early).toBe(DEFAULT_SCHEDULE.maxIntervalMs);
    expect(typicalEnd).toBeLessThanOrEqual(DEFAULT_SCHEDULE.settleIntervalMs);
    expect(typicalEnd).toBeGreaterThanOrEqual(DEFAULT_SCHEDULE.minIntervalMs);
    // The interval shrinks as the task ages into the region where tasks end.
    const curve = [0.5, 1, 1.5, 2].map((m) => nextPollDelay(input({ elapsedMs: m * MINUTE })));
    for (let i = 1; i < curve.length; i += 1)
      expect(curve[i]).toBeLessThanOrEqual(curve[i - 1] ?? 0);
    expect(curve[0]).toBeGreaterThan(curve[3] ?? Infinity);
  });

  it('adapts to the expected duration: dense near a short expected end, sparse far from a long one', () => {
    const at90s = (expectedDurationMs: number): number =>
      nextPollDelay(input({ elapsedMs: 90 * SECOND, expectedDurationMs }));
    expect(at90s(100 * SECOND)).toBeLessThanOrEqual(DEFAULT_SCHEDULE.settleIntervalMs);
    expect(at90s(7 * MINUTE)).toBeGreaterThan(3 * DEFAULT_SCHEDULE.settleIntervalMs);
  });

  it('keeps polling densely when a task overruns its expected duration', () => {
    for (const elapsedMs of [2 * MINUTE, 5 * MINUTE, 9 * MINUTE, 30 * MINUTE]) {
      const delay = nextPollDelay(input({ elapsedMs, expectedDurationMs: MINUTE }));
      expect(delay, String(elapsedMs)).toBeLessThanOrEqual(DEFAULT_SCHEDULE.settleIntervalMs);
      expect(delay).toBeGreaterThanOrEqual(DEFAULT_SCHEDULE.minIntervalMs);
    }
  });

  it('does not age a task while it waits in the queue', () => {
    const running = nextPollDelay(input({ phase: 'RUNNING', elapsedMs: 3 * MINUTE }));
    const stillQueued = nextPollDelay(input({ phase: 'PENDING', elapsedMs: 3 * MINUTE }));
    expect(stillQueued).toBe(DEFAULT_SCHEDULE.maxIntervalMs);
    expect(running).toBeLessThan(stillQueued);
    // Seen RUNNING 20 s after a long queue: the run is young, so polls stay sparse.
    const afterLongQueue = nextPollDelay(
      input({ phase: 'RUNNING', elapsedMs: 3 * MINUTE, phaseElapsedMs: 20 * SECOND }),
    );
    expect(afterLongQueue).toBe(DEFAULT_SCHEDULE.maxIntervalMs);
    // A short queue changes nothing.
    const afterShortQueue = nextPollDelay(
      input({ phase: 'RUNNING', elapsedMs: 3 * MINUTE, phaseElapsedMs: 3 * MINUTE - 5 * SECOND }),
    );
    expect(afterShortQueue).toBe(running);
  });

  it('stays within ± jitter of the same interval', () => {
    const base = nextPollDelay(input({ elapsedMs: 3 * MINUTE, random: () => 0.5 }));
    for (const r of [0, 0.25, 0.75, 0.999]) {
      const delay = nextPollDelay(input({ elapsedMs: 3 * MINUTE, random: () => r }));
      expect(delay).toBeGreaterThanOrEqual(Math.floor(base * (1 - DEFAULT_SCHEDULE.jitter)));
      expect(delay).toBeLessThanOrEqual(Math.ceil(base * (1 + DEFAULT_SCHEDULE.jitter)));
    }
    expect(nextPollDelay(input({ elapsedMs: 3 * MINUTE, random: () => 0 }))).toBeLessThan(
      nextPollDelay(input({ elapsedMs: 3 * MINUTE, random: () => 0.999 })),
    );
  });

  it('is slower when hidden, up to the hidden cap', () => {
    const visible = nextPollDelay(input({ elapsedMs: 3 * MINUTE }));
    const hidden = nextPollDelay(input({ elapsedMs: 3 * MINUTE, hidden: true }));
    expect(hidden).toBe(visible * DEFAULT_SCHEDULE.hiddenMultiplier);
    const hiddenEarly = nextPollDelay(input({ elapsedMs: 10 * SECOND, hidden: true }));
    expect(hiddenEarly).toBe(DEFAULT_SCHEDULE.hiddenMaxIntervalMs);
  });

  it('returns a finite, non-negative delay for odd input', () => {
    const odd: Partial<PollScheduleInput>[] = [
      { elapsedMs: -5_000 },
      { elapsedMs: 0 },
      { elapsedMs: 1e12 },
      { expectedDurationMs: 0 },
      { expectedDurationMs: Number.NaN },
      { phase: 'unknown', elapsedMs: 1e9, expectedDurationMs: 1 },
      { random: () => Number.NaN },
      { random: () => 7 },
    ];
    for (const overrides of odd) {
      const delay = nextPollDelay(input(overrides));
      expect(Number.isFinite(delay), JSON.stringify(overrides)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(DEFAULT_SCHEDULE.maxIntervalMs * 1.1);
    }
  });

  it('takes option overrides', () => {
    const delay = nextPollDelay(input({ elapsedMs: 10 * SECOND }), { maxIntervalMs: 12_000 });
    expect(delay).toBe(12_000);
  });
});
