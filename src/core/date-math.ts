/**
 * @module Date math as Kibana's time picker and Elasticsearch write it: `now`, `now-15m`,
 * `now/d`, `now-1d/d`, ISO 8601 times, epoch milliseconds, and `<time>||-1d`. All in UTC.
 */
import { err, ok, type Result } from './result.js';
import { isValidTimeMs, parseIsoTime } from './time.js';

type Unit = 'y' | 'M' | 'w' | 'd' | 'h' | 'm' | 's' | 'ms';
const UNIT_MS: Partial<Record<Unit, number>> = { w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

export interface DateMathOptions {
  /** Rounding goes to the end of the unit instead of its start (Kibana does this for the range end). */
  roundUp?: boolean;
}

/** Resolves a date-math expression to epoch ms, or says what is wrong with it. */
export function parseDateMath(text: string, nowMs: number, options: DateMathOptions = {}): Result<number, string> {
  const input = text.trim();
  if (input === '') return err('The time is empty; use an ISO 8601 time such as 2024-03-02T14:00:00Z, or date math such as now-15m.');
  let anchor: number | undefined;
  let rest: string;
  if (input.startsWith('now')) {
    anchor = nowMs;
    rest = input.slice(3);
  } else {
    const bars = input.indexOf('||');
    const base = bars >= 0 ? input.slice(0, bars) : input;
    rest = bars >= 0 ? input.slice(bars + 2) : '';
    const absolute = /^\d{10,}$/.test(base) ? { ms: Number(base), unitMs: 1 } : parseAbsolute(base);
    // Rounding up fills the fields the text leaves out with their largest values, as Elasticsearch's
    // round-up parser does: `lte 2024-03-02` means the whole day.
    anchor = absolute === undefined ? undefined : options.roundUp && rest === '' ? absolute.ms + absolute.unitMs - 1 : absolute?.ms;
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
      time = roundTime(time, unit, options.roundUp === true);
    } else {
      const amount = m[2] === '' ? 1 : Number(m[2]);
      time = addTime(time, op === '-' ? -amount : amount, unit);
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
    const months = unit === 'y' ? amount * 12 : amount;
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
  }
  return ms + amount * (UNIT_MS[unit] as number);
}

function roundTime(ms: number, unit: Unit, up: boolean): number {
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
  return up ? next - 1 : start;
}

/** Durations on the command line: `500ms`, `90s`, `5m`, `1h`, `7d`; a bare number is seconds. */
export function parseDuration(text: string): Result<number, string> {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) return err(`"${text}" is not a duration: use a number with a unit, such as 500ms, 90s, 5m, 1h or 7d.`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 's') as 'ms'];
  return ok(Math.round(Number(m[1]) * factor));
}
