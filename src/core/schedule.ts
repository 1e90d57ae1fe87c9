/**
 * When to ask about a task next. One pure function, so the rule is unit-tested with a fake clock,
 * benchmarked (bench/poll.ts) and replaceable as a whole.
 *
 * While healthy, the interval follows the square-root law for polling a job of uncertain length:
 * a request buys the most detection delay where the task is most likely to end now, and
 * minimising `requests + delay / requestWorthMs` gives `interval = √(2 · requestWorthMs / hazard)`,
 * where `hazard` is the chance per ms that a task still going at this age ends now. Durations are
 * modelled as log-normal: the API's documented spread (1–5 min, up to 9) when nothing else is
 * known; mostly the learned median for the model when there is one (the prior keeps some weight,
 * so a stale or wrong median cannot blind the schedule). Once the model says 5 % of tasks would
 * have ended, the interval is capped at 6 s, which bounds the 95th-percentile detection delay.
 * Queue time beyond a typical queue (a long `PENDING`) does not age the task. The result: sparse
 * polls early in a long run, dense polls around and after the expected end.
 *
 * On errors: exponential backoff with jitter, capped, never shorter than `Retry-After`.
 * Hidden pages: slower, capped.
 */

/**
 * The phases the schedule understands. Callers map task-specific states onto them (DashScope's
 * `PENDING`/`RUNNING` map to themselves; anything else is `'unknown'`).
 */
export type SchedulePhase = 'PENDING' | 'RUNNING' | 'unknown';

/** Everything the schedule may look at. The poller fills it in; tests and benchmarks do too. */
export interface PollScheduleInput {
  /** The task's phase as of the last successful poll. */
  phase: SchedulePhase;
  /** Milliseconds since the task was submitted. */
  elapsedMs: number;
  /**
   * Upper bound on the time spent in `phase`: milliseconds since the last poll that still saw the
   * previous phase. Undefined when no phase change was observed (the first answer was already
   * `RUNNING`, e.g. after a reload), in which case the whole `elapsedMs` counts.
   */
  phaseElapsedMs?: number | undefined;
  /**
   * A typical total duration (submit → end) for this model and resolution, known before the task
   * ends — e.g. the median of previous tasks (`createDurationHistory`). Undefined when unknown.
   */
  expectedDurationMs?: number | undefined;
  /** Consecutive failed polls; 0 when the last poll succeeded. */
  attempt: number;
  /** The last failure, when `attempt > 0`. */
  lastError?: { retryable: boolean; retryAfterMs?: number | undefined } | undefined;
  /** Whether the page is hidden (a background tab). */
  hidden: boolean;
  /** Source of jitter in [0, 1). `Math.random` in production, seeded in tests and benchmarks. */
  random: () => number;
}

/** A log-normal duration model: its median and its spread (σ of the log). */
export interface DurationPrior {
  medianMs: number;
  spread: number;
}

/** The knobs of {@link nextPollDelay}. Defaults are {@link DEFAULT_SCHEDULE}. */
export interface PollScheduleOptions {
  /** Never poll a healthy task more often than this. */
  minIntervalMs: number;
  /** Never leave a healthy, visible task unpolled longer than this. */
  maxIntervalMs: number;
  /**
   * How much detection delay one request is worth, in ms. Larger: fewer requests, later
   * detection. The healthy interval is `√(2 · requestWorthMs / hazard)`.
   */
  requestWorthMs: number;
  /** The duration model when no expected duration is known: the API's documented spread. */
  prior: DurationPrior;
  /**
   * Once the model says this share of tasks would have ended by now, never wait longer than
   * `settleIntervalMs`: this bounds the detection delay of all but the earliest-ending tasks.
   */
  settleQuantile: number;
  /** See `settleQuantile`. */
  settleIntervalMs: number;
  /** Spread (σ of the log) around a known expected duration. */
  historySpread: number;
  /**
   * How much a known expected duration is trusted, in [0, 1]. The rest of the weight stays on
   * `prior`, so a task far from its kind's median (or a stale median) is still caught in time.
   */
  historyWeight: number;
  /**
   * Queue time already counted in a typical duration. Queue time beyond it (seen as a long
   * `PENDING`) does not advance the task's clock, because the run has not started.
   */
  typicalQueueMs: number;
  /** Healthy intervals vary by ± this fraction so many clients do not poll in step. */
  jitter: number;
  /** First retry delay after a failure. */
  backoffBaseMs: number;
  /** Retry delays never exceed this (unless the server's `Retry-After` asks for longer). */
  backoffCapMs: number;
  /** Retry delays are drawn from [(1 − backoffJitter) · d, d]. */
  backoffJitter: number;
  /** Delays are multiplied by this while the page is hidden... */
  hiddenMultiplier: number;
  /** ...but not beyond this (nor below the visible delay). */
  hiddenMaxIntervalMs: number;
}

/**
 * Defaults tuned with bench/poll.ts (see docs/benchmarks.md): on DashScope-like tasks they use
 * 0.56× the requests of fixed 5 s polling (0.49× with a learned median), noticing the end 3.2 s
 * late on average (fixed 5 s: 2.6 s) and within 6 s for 95 % of tasks.
 *
 * The prior, a log-normal with median 150 s and σ 0.45, puts 90 % of tasks between 1.2 and
 * 5.2 minutes and 99.7 % under 9.6 minutes: the API's documented "typically 1–5 minutes, seen up
 * to 8–9".
 */
export const DEFAULT_SCHEDULE: Readonly<PollScheduleOptions> = Object.freeze({
  minIntervalMs: 2_000,
  maxIntervalMs: 30_000,
  requestWorthMs: 250,
  prior: Object.freeze({ medianMs: 150_000, spread: 0.45 }),
  settleQuantile: 0.05,
  settleIntervalMs: 6_000,
  historySpread: 0.3,
  historyWeight: 0.8,
  typicalQueueMs: 10_000,
  jitter: 0.1,
  backoffBaseMs: 1_000,
  backoffCapMs: 30_000,
  backoffJitter: 0.5,
  hiddenMultiplier: 4,
  hiddenMaxIntervalMs: 60_000,
});

/**
 * Milliseconds to wait before the next poll. Pure: the same input (including what `random`
 * returns) gives the same delay.
 *
 * - `attempt > 0` (the last poll failed; the poller only asks for retryable failures):
 *   `backoffBaseMs · 2^(attempt − 1)` capped at `backoffCapMs`, jittered down by up to
 *   `backoffJitter`, and never shorter than `lastError.retryAfterMs`.
 * - Healthy: the square-root law over the task's completion hazard (see the file comment),
 *   clamped to [`minIntervalMs`, `maxIntervalMs`], ± `jitter`.
 * - Hidden page: × `hiddenMultiplier`, capped at `hiddenMaxIntervalMs` (never below the visible
 *   delay, never below `Retry-After`).
 */
export function nextPollDelay(
  input: PollScheduleInput,
  options: Partial<PollScheduleOptions> = {},
): number {
  const o: PollScheduleOptions = { ...DEFAULT_SCHEDULE, ...options };
  const random = clamp01(input.random());
  const retryAfterMs = input.attempt > 0 ? (input.lastError?.retryAfterMs ?? 0) : 0;
  const visible =
    input.attempt > 0 ? backoffDelay(input.attempt, random, o) : healthyDelay(input, random, o);
  const delay = input.hidden
    ? Math.max(visible, Math.min(visible * o.hiddenMultiplier, o.hiddenMaxIntervalMs))
    : visible;
  return Math.round(Math.max(delay, retryAfterMs, 0));
}

function backoffDelay(attempt: number, random: number, o: PollScheduleOptions): number {
  // 2^(attempt-1) overflows to Infinity for huge attempts; min() keeps it at the cap.
  const ceiling = Math.min(o.backoffBaseMs * 2 ** (attempt - 1), o.backoffCapMs);
  return ceiling * (1 - o.backoffJitter * random);
}

function healthyDelay(input: PollScheduleInput, random: number, o: PollScheduleOptions): number {
  const expected = input.expectedDurationMs;
  const known = expected !== undefined && Number.isFinite(expected) && expected > 0;
  const components: MixtureComponent[] = known
    ? [
        { weight: o.historyWeight, medianMs: expected, spread: o.historySpread },
        { weight: 1 - o.historyWeight, ...o.prior },
      ]
    : [{ weight: 1, ...o.prior }];
  const { hazard, ended } = mixtureAt(taskAgeMs(input, o), components);
  const ideal = hazard > 0 ? Math.sqrt((2 * o.requestWorthMs) / hazard) : Infinity;
  const ceiling =
    ended >= o.settleQuantile ? Math.min(o.settleIntervalMs, o.maxIntervalMs) : o.maxIntervalMs;
  const interval = Math.min(Math.max(ideal, o.minIntervalMs), ceiling);
  return interval * (1 + o.jitter * (2 * random - 1));
}

/**
 * The task's age on the clock its duration model runs on: time since submit, minus queue time
 * beyond a typical queue (a task cannot end while it waits for a worker).
 */
function taskAgeMs(input: PollScheduleInput, o: PollScheduleOptions): number {
  const elapsed = Math.max(0, input.elapsedMs);
  switch (input.phase) {
    case 'PENDING':
      return Math.min(elapsed, o.typicalQueueMs);
    case 'RUNNING': {
      if (input.phaseElapsedMs === undefined) return elapsed;
      const queuedAtLeast = Math.max(0, elapsed - Math.max(0, input.phaseElapsedMs));
      return elapsed - Math.max(0, queuedAtLeast - o.typicalQueueMs);
    }
    case 'unknown':
      return elapsed;
  }
}

interface MixtureComponent extends DurationPrior {
  weight: number;
}

/**
 * For a mixture of log-normals at `ageMs`: the hazard f(t) / (1 − F(t)) (chance per ms that a
 * task still going ends now) and F(t) (the share that would have ended). Survivals are handled
 * as logarithms so far-overdue ages do not underflow to 0/0.
 */
function mixtureAt(
  ageMs: number,
  components: readonly MixtureComponent[],
): { hazard: number; ended: number } {
  const usable = components.filter((c) => c.weight > 0 && c.medianMs > 0 && c.spread > 0);
  if (ageMs <= 0 || usable.length === 0) return { hazard: 0, ended: 0 };
  const totalWeight = usable.reduce((sum, c) => sum + c.weight, 0);
  const terms = usable.map((c) => {
    const z = Math.log(ageMs / c.medianMs) / c.spread;
    const logSurvival = logUpperTail(z);
    return {
      logWeightedSurvival: Math.log(c.weight) + logSurvival,
      hazard: normalMillsInverse(z) / (c.spread * ageMs),
    };
  });
  const top = Math.max(...terms.map((t) => t.logWeightedSurvival));
  let density = 0;
  let survival = 0;
  for (const term of terms) {
    const scaled = Math.exp(term.logWeightedSurvival - top);
    survival += scaled;
    density += scaled * term.hazard;
  }
  return { hazard: density / survival, ended: 1 - (survival * Math.exp(top)) / totalWeight };
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * φ(z) / (1 − Φ(z)) for the standard normal, stable for large z (where both tend to 0). Uses the
 * Numerical Recipes `erfcc` approximation (relative error < 1.2e-7), in which φ cancels out.
 */
function normalMillsInverse(z: number): number {
  const density = Math.exp(-(z * z) / 2) / SQRT_2PI;
  if (z < 0) return density / (1 - upperTail(-z));
  const t = 1 / (1 + z / (2 * Math.SQRT2));
  return 2 / (SQRT_2PI * t * Math.exp(erfcPolynomial(t)));
}

/** 1 − Φ(z) for z ≥ 0. */
function upperTail(z: number): number {
  return Math.exp(logUpperTail(z));
}

/** ln(1 − Φ(z)), finite even where 1 − Φ(z) underflows. */
function logUpperTail(z: number): number {
  if (z < 0) return Math.log1p(-upperTail(-z));
  const t = 1 / (1 + z / (2 * Math.SQRT2));
  return Math.log(0.5 * t) - (z * z) / 2 + erfcPolynomial(t);
}

function erfcPolynomial(t: number): number {
  return (
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t *
                          (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))
  );
}

function clamp01(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value >= 1 ? 1 : value;
}
