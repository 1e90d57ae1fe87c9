/**
 * DashScope writes task times as `YYYY-MM-DD HH:mm:ss.SSS` in the server's zone, with no offset
 * (UTC+8 in both Beijing and Singapore). These two functions turn them into epoch milliseconds
 * and back, so ETAs and the 24-hour link expiry can be computed in any browser time zone.
 */
import { KeyframeVideoError } from './errors.js';

/** The zone DashScope writes its task times in: UTC+8, as minutes east of UTC. */
export const DASHSCOPE_UTC_OFFSET_MINUTES = 480;

const MINUTE_MS = 60_000;
const DASHSCOPE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/**
 * Reads a DashScope time (`"2025-09-29 14:18:52.331"`, fraction optional) as epoch milliseconds.
 * Returns `NaN` when the text is not such a time (a task answer with an odd time should still be
 * usable, so this never throws).
 *
 * @param utcOffsetMinutes - the server's zone, minutes east of UTC (default 480 = UTC+8).
 */
export function parseDashScopeTime(
  text: string,
  utcOffsetMinutes: number = DASHSCOPE_UTC_OFFSET_MINUTES,
): number {
  const match = DASHSCOPE_TIME.exec(text.trim());
  if (!match) return Number.NaN;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millis = Number((match[7] ?? '0').padEnd(3, '0').slice(0, 3));
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  const wallClock = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC rolls 31 April over to 1 May: reject days the month does not have.
  if (new Date(wallClock).getUTCDate() !== day) return Number.NaN;
  return wallClock - utcOffsetMinutes * MINUTE_MS;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

/**
 * Writes epoch milliseconds the way DashScope does (`"2025-09-29 14:18:52.331"`), in the zone
 * `utcOffsetMinutes` east of UTC (default 480 = UTC+8). The simulator uses it to answer like the
 * real service. Throws a `KeyframeVideoError` for a time that is not a finite number.
 */
export function formatDashScopeTime(
  epochMs: number,
  utcOffsetMinutes: number = DASHSCOPE_UTC_OFFSET_MINUTES,
): string {
  if (!Number.isFinite(epochMs)) {
    throw new KeyframeVideoError({
      code: 'InvalidParameter',
      message: 'formatDashScopeTime needs a finite time in epoch milliseconds.',
      detail: `Got ${String(epochMs)}.`,
    });
  }
  const wall = new Date(Math.round(epochMs) + utcOffsetMinutes * MINUTE_MS);
  return (
    `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())} ` +
    `${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}.` +
    pad(wall.getUTCMilliseconds(), 3)
  );
}
