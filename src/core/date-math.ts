/**
 * @module Date math as Kibana's time picker and Elasticsearch write it: `now`, `now-15m`,
 * `now/d`, `now-1d/d`, ISO 8601 times, epoch milliseconds, and `<time>||-1d`. In UTC, or in a time
 * zone as OpenSearch's `time_zone` (rounding and calendar steps in local time). Months clamp as
 * Java's plusMonths does: `2024-03-31||-1M` is 29 February.
 */
import { err, ok, type Result } from './result.js';
import { isValidTimeMs, parseIsoTime } from './time.js';
import { fromLocalMs, instantsOfLocal, toLocalMs, type OffsetFn } from './time-zone.js';

type Unit = 'y' | 'M' | 'w' | 'd' | 'h' | 'm' | 's' | 'ms';
const UNIT_MS: Partial<Record<Unit, number>> = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

export interface DateMathOptions {
  /** Rounding goes to the end of the unit instead of its start (Kibana does this for the range end). */
  roundUp?: boolean;
  /**
   * An IANA zone, `UTC` or `+05:30` (validated by the caller: core/time-zone.ts): `now/d` is local
   * midnight, `-1d` a calendar day (23 or 25 hours across a daylight-saving change), and a time
   * written without an offset is local. Without it, all is UTC.
   */
  timeZone?: string;
}

/** Converts between instants and wall-clock times (ms as if UTC) in the chosen zone; identity for UTC. */
interface Clock {
  toLocal(utcMs: number): number;
  fromLocal(localMs: number): number;
}
const UTC_CLOCK: Clock = { toLocal: (ms) => ms, fromLocal: (ms) => ms };
function clockOf(zone: string | undefined, offsetOf?: OffsetFn): Clock {
  if (zone === undefined || zone === 'UTC' || zone === '+00:00') return UTC_CLOCK;
  if (offsetOf === undefined) return { toLocal: (ms) => toLocalMs(zone, ms), fromLocal: (ms) => fromLocalMs(zone, ms) };
  // The same readings from a table of the zone's offsets (time-zone.ts offsetTable): the gap forward, the earlier of two.
  return { toLocal: (ms) => ms + offsetOf(ms), fromLocal: (ms) => instantsOfLocal(zone, ms, offsetOf)[0] ?? ms - offsetOf(ms - 86_400_000) };
}

/** Resolves a date-math expression to epoch ms, or says what is wrong with it. */
export function parseDateMath(text: string, nowMs: number, options: DateMathOptions = {}): Result<number, string> {
  const input = text.trim();
  if (input === '') return err('The time is empty; use an ISO 8601 time such as 2024-03-02T14:00:00Z, or date math such as now-15m.');
  const clock = clockOf(options.timeZone);
  let anchor: number | undefined;
  let rest: string;
  if (input.startsWith('now')) {
    anchor = nowMs;
    rest = input.slice(3);
  } else {
    const bars = input.indexOf('||');
    const base = bars >= 0 ? input.slice(0, bars) : input;
    rest = bars >= 0 ? input.slice(bars + 2) : '';
    const epoch = /^\d{10,}$/.test(base);
    const absolute = epoch ? { ms: Number(base), unitMs: 1 } : parseAbsolute(base);
    // A time without an offset is a wall-clock time in the zone (epoch ms and explicit offsets are instants).
    const local = !epoch && !/(Z|[+-]\d{2}:?\d{2})$/.test(base);
    const instant = (ms: number): number => (local ? clock.fromLocal(ms) : ms);
    // Rounding up fills the fields the text leaves out with their largest values, as Elasticsearch's
    // round-up parser does: `lte 2024-03-02` means the whole day.
    anchor = absolute === undefined ? undefined : options.roundUp && rest === '' ? instant(absolute.ms + absolute.unitMs) - 1 : instant(absolute.ms);
    if (anchor === undefined) {
      return err(`"${base}" is not a time: use ISO 8601 (2024-03-02, 2024-03-02T14:00:00Z, 2024-03-02T14:00:00+01:00), epoch milliseconds, or date math (now-24h, now/d).`);
    }
  }
  let time = anchor;
  let i = 0;
  while (i < rest.length) {
    const m = /^([+\-/])(\d*)(ms|[yMwdhHms])/.exec(rest.slice(i));
    if (!m) return err(`Cannot read "${rest.slice(i)}" in "${input}": expected +N<unit>, -N<unit> or /<unit>, with unit one of y M w d h m s ms.`);
    const op = m[1]!;
    const unit = (m[3] === 'H' ? 'h' : m[3]) as Unit;
    if (op === '/') {
      if (m[2] !== '') return err(`Rounding takes no number: write /${unit}, not /${m[2]}${unit}.`);
      const { start, next } = roundTime(clock.toLocal(time), unit);
      time = options.roundUp === true ? clock.fromLocal(next) - 1 : clock.fromLocal(start);
    } else {
      const amount = (op === '-' ? -1 : 1) * (m[2] === '' ? 1 : Number(m[2]));
      // Hours and shorter are durations; days and longer are calendar steps in the zone (Java's plusDays).
      time = unit === 'h' || unit === 'm' || unit === 's' || unit === 'ms' ? time + amount * (UNIT_MS[unit] as number) : clock.fromLocal(addTime(clock.toLocal(time), amount, unit));
    }
    i += m[0].length;
  }
  if (!isValidTimeMs(time)) return err(`"${input}" is outside the range of dates.`);
  return ok(time);
}

/** An absolute time and the precision it was written with (a day, a minute, a millisecond...). */
function parseAbsolute(text: string): { ms: number; unitMs: number } | undefined {
  const at = (ms: number | undefined, unitMs: number): { ms: number; unitMs: number } | undefined => (ms === undefined ? undefined : { ms, unitMs });
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return at(parseIsoTime(`${text}T00:00:00Z`), 86_400_000);
  const hours = /^(\d{4}-\d{2}-\d{2}[T ]\d{2})(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (hours) return at(parseIsoTime(`${hours[1]}:00:00${hours[2] ?? 'Z'}`), 3_600_000);
  const minutes = /^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (minutes) return at(parseIsoTime(`${minutes[1]}:00${minutes[2] ?? 'Z'}`), 60_000);
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
  return at(parseIsoTime(withZone), /[.,]\d+(Z|[+-]\d{2}:?\d{2})$/.test(withZone) ? 1 : 1000);
}

function addTime(ms: number, amount: number, unit: Unit): number {
  if (unit === 'y' || unit === 'M') {
    const d = new Date(ms);
    const months = d.getUTCFullYear() * 12 + d.getUTCMonth() + (unit === 'y' ? amount * 12 : amount);
    const year = Math.floor(months / 12);
    const month = months - year * 12;
    // The day clamps to the month's last (31 March - 1M = 29 February), as Java's plusMonths; Date.UTC would overflow into March.
    const out = new Date(0);
    out.setUTCFullYear(year, month, 1);
    const lastDay = new Date(out.getTime());
    lastDay.setUTCFullYear(year, month + 1, 0);
    out.setUTCFullYear(year, month, Math.min(d.getUTCDate(), lastDay.getUTCDate()));
    out.setUTCHours(d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
    return out.getTime();
  }
  return ms + amount * (UNIT_MS[unit] as number);
}

/** A calendar unit of a date_histogram's calendar_interval. */
export type CalendarUnit = 'w' | 'M' | 'y';

/**
 * The calendar week (from Monday), month or year holding `utcMs`, in the zone (UTC without one):
 * its first instant and the next one's, as OpenSearch's calendar_interval rounds.
 */
export function calendarPeriod(utcMs: number, unit: CalendarUnit, timeZone?: string, offsetOf?: OffsetFn): { start: number; next: number } {
  const clock = clockOf(timeZone, offsetOf);
  const { start, next } = roundTime(clock.toLocal(utcMs), unit);
  return { start: clock.fromLocal(start), next: clock.fromLocal(next) };
}

/** The start of the unit holding `ms` and the start of the next one (both as if UTC: local when the caller converts). */
function roundTime(ms: number, unit: Unit): { start: number; next: number } {
  const d = new Date(ms);
  let start: number;
  let next: number;
  switch (unit) {
    case 'y':
      start = Date.UTC(d.getUTCFullYear(), 0, 1);
      next = Date.UTC(d.getUTCFullYear() + 1, 0, 1);
      break;
    case 'M':
      start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
      next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      break;
    case 'w': {
      // ISO weeks start on Monday.
      const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      start = day - ((d.getUTCDay() + 6) % 7) * 86_400_000;
      next = start + 7 * 86_400_000;
      break;
    }
    default: {
      const size = UNIT_MS[unit] as number;
      start = Math.floor(ms / size) * size;
      next = start + size;
    }
  }
  return { start, next };
}

/** Durations on the command line: `500ms`, `90s`, `5m`, `1h`, `7d`; a bare number is seconds. */
export function parseDuration(text: string): Result<number, string> {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) return err(`"${text}" is not a duration: use a number with a unit, such as 500ms, 90s, 5m, 1h or 7d.`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms'];
  return ok(Math.round(Number(m[1]) * factor));
}
