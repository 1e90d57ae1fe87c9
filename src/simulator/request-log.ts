/**
 * The simulator's request log: one entry per request with method, path, status, time and the
 * request headers — with secrets masked (`Authorization: Bearer ***`) and never a body or any
 * image data — so tests can prove what was sent, how often, and that keys never leak.
 */
import type { FaultRoute } from './faults.js';

/** Which part of the API a request went to (`other` for unknown paths, `frame` for hosted frames). */
export type SimulatorRoute = FaultRoute | 'frame' | 'other';

/** One request as the simulator saw it. */
export interface SimulatorLogEntry {
  /** When it arrived, in epoch ms of the simulator's clock. */
  readonly time: number;
  readonly method: string;
  /** Path and query as received; link signatures are masked (`Signature=***`). */
  readonly path: string;
  readonly route: SimulatorRoute;
  /** The HTTP status answered (200 for a dropped connection, whose answer never arrives). */
  readonly status: number;
  /** The `request_id` of the answer (also for errors). */
  readonly requestId: string;
  /** The task concerned, when there is one (for creates: the new task's id). */
  readonly taskId?: string;
  /** The DashScope error code answered, when the answer was an error. */
  readonly code?: string;
  /** The faults applied to this request, e.g. `["http 429 Throttling.RateQuota"]`. */
  readonly faults: readonly string[];
  /** Request headers, lower-case names, secrets masked. */
  readonly headers: Readonly<Record<string, string>>;
}

const SECRET_HEADERS = new Set([
  'cookie',
  'proxy-authorization',
  'x-api-key',
  'x-dashscope-api-key',
]);

/** The request's headers with credentials masked: `Bearer ***` for bearer tokens, else `***`. */
export function redactHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    const key = name.toLowerCase();
    if (key === 'authorization') {
      out[key] = /^bearer\s/i.test(value) ? 'Bearer ***' : '***';
    } else if (SECRET_HEADERS.has(key)) {
      out[key] = '***';
    } else {
      out[key] = value;
    }
  });
  return out;
}

/** The path and query of `url` with link signatures masked. */
export function redactPath(url: URL): string {
  const params = new URLSearchParams(url.search);
  if (params.has('Signature')) params.set('Signature', '***');
  const query = params.toString();
  return query === '' ? url.pathname : `${url.pathname}?${query}`;
}

/** A bounded log: keeps the newest `limit` entries. */
export interface RequestLog {
  readonly entries: readonly SimulatorLogEntry[];
  add(entry: SimulatorLogEntry): void;
  clear(): void;
}

/** Makes a {@link RequestLog} keeping at most `limit` entries (oldest dropped first). */
export function createRequestLog(limit: number): RequestLog {
  let entries: SimulatorLogEntry[] = [];
  return {
    get entries() {
      return entries;
    },
    add(entry) {
      entries.push(Object.freeze(entry));
      if (entries.length > limit) entries = entries.slice(entries.length - limit);
    },
    clear() {
      entries = [];
    },
  };
}
