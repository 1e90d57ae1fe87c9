/**
 * Faults the simulator can inject, scripted ("the next 3 GETs answer 429", "the next task FAILS
 * with DataInspectionFailed") or at seeded random rates. Stories, demos and tests use them to
 * show every unhappy path the real service has, repeatably.
 */
import type { Random } from './random.js';

/** The kinds of request a fault can target. */
export type FaultRoute = 'create' | 'get' | 'cancel' | 'list' | 'video';

/**
 * What an injected fault does.
 * - `http`: answer with this status and DashScope error code instead of handling the request.
 * - `fail`: the task ends FAILED with this code (the request itself succeeds). On a create it
 *   applies to the new task; with a `taskId` it applies to that task if it has not ended.
 * - `delay`: wait `ms` on the simulator's clock (a slow network), before or after handling.
 * - `drop`: the connection closes before any byte of the answer (a network error for the
 *   client), before the request is handled or after.
 * - `nonJson`: an HTML "502 Bad Gateway" page, as a failing gateway sends.
 */
export type SimulatorFault =
  | {
      readonly kind: 'http';
      readonly status: number;
      readonly code: string;
      /** Defaults to DashScope's message for the code. */
      readonly message?: string;
      /** Sends `Retry-After: <seconds>`. */
      readonly retryAfterSec?: number;
    }
  | { readonly kind: 'fail'; readonly code: string; readonly message?: string }
  | { readonly kind: 'delay'; readonly ms: number; readonly when?: FaultTiming }
  | { readonly kind: 'drop'; readonly when?: FaultTiming }
  | { readonly kind: 'nonJson' };

/**
 * Whether a `delay` or `drop` strikes before the request is handled (default: it never reached
 * the service) or after (the service acted — e.g. created the task — and the answer was slow or
 * lost: the case that tempts clients into paying twice).
 */
export type FaultTiming = 'before' | 'after';

/**
 * Which requests a scripted fault applies to. Every given field must match. No `route` and no
 * `taskId` matches every request (for a `fail` fault: every create). `nth` skips the first
 * `nth - 1` matching requests seen after the fault was added (`nth: 2` = the second one).
 */
export interface FaultMatch {
  readonly route?: FaultRoute;
  readonly taskId?: string;
  readonly nth?: number;
}

/** One scripted fault: what, where, and how many times (default once). */
export interface ScriptedFault {
  readonly fault: SimulatorFault;
  readonly match?: FaultMatch;
  /** How many matching requests get it (default 1; `Infinity` for all). */
  readonly times?: number;
}

/**
 * Probabilities in [0, 1] per request, drawn from the seeded stream. Rates apply to the DashScope
 * API routes (create, get, list, cancel); video downloads only get scripted faults.
 */
export interface FaultRates {
  /** A create answers 429 `Throttling.RateQuota`. */
  readonly create429?: number;
  /** A query (get, list, cancel) answers 429 `Throttling.RateQuota`. */
  readonly get429?: number;
  /** 500 `InternalError`. */
  readonly internalError?: number;
  /** 503 `ModelUnavailable`. */
  readonly unavailable?: number;
  /** An accepted task ends FAILED with one of `failCodes`. */
  readonly failTask?: number;
  /** The answer is delayed by a time drawn from `slowMs`. */
  readonly slow?: number;
  /** The connection drops. */
  readonly drop?: number;
  /** An HTML 502 page instead of JSON. */
  readonly nonJson?: number;
}

/** The `faults` option of the simulator. */
export interface FaultOptions {
  readonly rates?: FaultRates;
  /** Faults scripted from the start (also restored by `reset()`). */
  readonly script?: readonly ScriptedFault[];
  /** The range of a `slow` answer's delay in ms (default 2–8 s; not divided by `speed`). */
  readonly slowMs?: readonly [number, number];
  /** Codes a `failTask` rate failure picks from (default `InternalError.Algo`, `DataInspectionFailed`). */
  readonly failCodes?: readonly [string, ...string[]];
}

/** A handle on an injected fault. */
export interface FaultHandle {
  /** How many more matching requests will get it. */
  readonly remaining: number;
  /** Withdraws it. */
  remove(): void;
}

/** Why a task fails. */
export interface TaskFailure {
  readonly code: string;
  readonly message?: string | undefined;
}

/** What happens to one request: an optional delay, then an optional replacement answer. */
export interface RequestFaults {
  /** A delay fault, if one applies (rate-drawn ones strike before handling). */
  readonly delay: Extract<SimulatorFault, { kind: 'delay' }> | undefined;
  readonly answer: Extract<SimulatorFault, { kind: 'http' | 'drop' | 'nonJson' }> | undefined;
  /** Names of the faults applied, for the request log. */
  readonly labels: readonly string[];
}

/** The injector: scripted rules and rates, consulted once per request. */
export interface FaultInjector {
  add(rule: ScriptedFault): FaultHandle;
  /** Decides the faults of one request (consumes matching scripted faults, rolls the rates). */
  forRequest(route: FaultRoute, taskId: string | undefined): RequestFaults;
  /**
   * The failure for the task a request creates (`route: 'create'`, once it is accepted) or names
   * (`get`, `cancel`), from `fail` faults and, for creates, the `failTask` rate.
   */
  takeFailure(route: FaultRoute, taskId: string | undefined): TaskFailure | undefined;
  /** Restores the scripted faults from the options and drops injected ones. */
  reset(): void;
}

interface Rule {
  readonly fault: SimulatorFault;
  readonly match: FaultMatch;
  remaining: number;
  seen: number;
}

const DEFAULT_SLOW_MS: readonly [number, number] = [2000, 8000];
const DEFAULT_FAIL_CODES: readonly [string, ...string[]] = [
  'InternalError.Algo',
  'DataInspectionFailed',
];

function label(fault: SimulatorFault): string {
  switch (fault.kind) {
    case 'http':
      return `http ${String(fault.status)} ${fault.code}`;
    case 'fail':
      return `fail ${fault.code}`;
    case 'delay':
      return `delay ${String(fault.ms)}ms${fault.when === 'after' ? ' after' : ''}`;
    case 'drop':
      return `drop${fault.when === 'after' ? ' after' : ''}`;
    case 'nonJson':
      return 'nonJson';
  }
}

function matches(rule: Rule, route: FaultRoute, taskId: string | undefined): boolean {
  const { match } = rule;
  if (match.route !== undefined && match.route !== route) return false;
  if (match.taskId !== undefined && match.taskId !== taskId) return false;
  // A `fail` fault with nothing to say which task only ever applies to new tasks.
  if (rule.fault.kind === 'fail' && match.route === undefined && match.taskId === undefined) {
    return route === 'create';
  }
  return true;
}

/** Makes a {@link FaultInjector} drawing its rates from `random`. */
export function createFaultInjector(options: FaultOptions, random: Random): FaultInjector {
  const rates = options.rates ?? {};
  const slowMs = options.slowMs ?? DEFAULT_SLOW_MS;
  const failCodes = options.failCodes ?? DEFAULT_FAIL_CODES;
  let rules: Rule[] = [];

  function add(scripted: ScriptedFault): FaultHandle {
    const rule: Rule = {
      fault: scripted.fault,
      match: scripted.match ?? {},
      remaining: scripted.times ?? 1,
      seen: 0,
    };
    rules.push(rule);
    return {
      get remaining() {
        return rule.remaining;
      },
      remove() {
        rules = rules.filter((r) => r !== rule);
      },
    };
  }

  function reset(): void {
    rules = [];
    for (const scripted of options.script ?? []) add(scripted);
  }
  reset();

  function rolled(route: FaultRoute): { delayMs: number; answer: RequestFaults['answer'] } {
    if (route === 'video') return { delayMs: 0, answer: undefined };
    // Every rate is rolled on every request, so the stream stays aligned whatever comes out.
    const throttled = random.chance(
      route === 'create' ? (rates.create429 ?? 0) : (rates.get429 ?? 0),
    );
    const internal = random.chance(rates.internalError ?? 0);
    const unavailable = random.chance(rates.unavailable ?? 0);
    const drop = random.chance(rates.drop ?? 0);
    const nonJson = random.chance(rates.nonJson ?? 0);
    const slow = random.chance(rates.slow ?? 0);
    const slowBy = Math.round(random.between(slowMs[0], slowMs[1]));
    let answer: RequestFaults['answer'];
    if (drop) answer = { kind: 'drop' };
    else if (nonJson) answer = { kind: 'nonJson' };
    else if (throttled) answer = { kind: 'http', status: 429, code: 'Throttling.RateQuota' };
    else if (unavailable) answer = { kind: 'http', status: 503, code: 'ModelUnavailable' };
    else if (internal) answer = { kind: 'http', status: 500, code: 'InternalError' };
    return { delayMs: slow ? slowBy : 0, answer };
  }

  /**
   * Counts this request against every live rule of the kinds `accept` allows, and consumes
   * those that are due (`nth` reached) unless `taken` says a fault of that kind already applies.
   */
  function consume(
    route: FaultRoute,
    taskId: string | undefined,
    accept: (fault: SimulatorFault) => boolean,
    taken: (fault: SimulatorFault) => boolean,
  ): SimulatorFault[] {
    const applied: SimulatorFault[] = [];
    for (const rule of rules) {
      if (rule.remaining <= 0 || !accept(rule.fault) || !matches(rule, route, taskId)) continue;
      rule.seen += 1;
      if (rule.match.nth !== undefined && rule.seen < rule.match.nth) continue;
      if (taken(rule.fault)) continue;
      rule.remaining -= 1;
      applied.push(rule.fault);
    }
    rules = rules.filter((r) => r.remaining > 0);
    return applied;
  }

  return {
    add,
    reset,
    forRequest(route, taskId) {
      let delay: RequestFaults['delay'];
      let answer: RequestFaults['answer'];
      const labels: string[] = [];
      const applied = consume(
        route,
        taskId,
        (fault) => fault.kind !== 'fail',
        (fault) => (fault.kind === 'delay' ? delay !== undefined : answer !== undefined),
      );
      for (const fault of applied) {
        if (fault.kind === 'delay') delay = fault;
        else if (fault.kind !== 'fail') answer = fault;
        labels.push(label(fault));
      }
      const random = rolled(route);
      if (!delay && random.delayMs > 0) {
        delay = { kind: 'delay', ms: random.delayMs };
        labels.push(`rate ${label(delay)}`);
      }
      if (!answer && random.answer) {
        answer = random.answer;
        labels.push(`rate ${label(random.answer)}`);
      }
      return { delay, answer, labels };
    },
    takeFailure(route, taskId) {
      let failure: TaskFailure | undefined;
      consume(
        route,
        taskId,
        (fault) => fault.kind === 'fail',
        () => failure !== undefined,
      ).forEach((fault) => {
        if (fault.kind === 'fail') failure = { code: fault.code, message: fault.message };
      });
      if (route !== 'create') return failure;
      const rateFailure = random.chance(rates.failTask ?? 0);
      const code = random.pick(failCodes);
      return failure ?? (rateFailure ? { code } : undefined);
    },
  };
}
