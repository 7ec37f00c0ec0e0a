/** @module Time helpers: daily index names, ISO 8601 and the alert time formats OSSEC and Wazuh write. */

const MS_PER_DAY = 86_400_000;
/** ECMAScript's Date range: ±100,000,000 days from the epoch. */
const MAX_DATE_MS = 8.64e15;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;
const MONTH_INDEX = new Map<string, number>(MONTHS.map((m, i) => [m, i]));

/** True when `ms` is an integer millisecond time that Date can represent. */
export function isValidTimeMs(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= MAX_DATE_MS;
}

/**
 * ISO 8601 with milliseconds in UTC (`2024-03-02T14:33:47.000Z`), as Date#toISOString writes it.
 * The date part is cached per day: the forwarder formats one per event, mostly of the same day.
 */
export function toIsoTimestamp(ms: number): string {
  const day = Math.floor(ms / MS_PER_DAY);
  if (day !== isoDay) {
    const iso = new Date(ms).toISOString();
    // Years outside 0000–9999 are written ±YYYYYY; leave those to Date.
    if (iso.length !== 24) return iso;
    isoDay = day;
    isoDatePart = iso.slice(0, 11);
  }
  let rest = ms - day * MS_PER_DAY;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  const milli = rest - s * 1000;
  return `${isoDatePart}${pad2(h)}:${pad2(m)}:${pad2(s)}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
let isoDay = Number.NaN;
let isoDatePart = '';


/**
 * The blog's daily index for a UTC day: `cwl-YYYY.MM.DD`. Cached per day because every event of
 * a delivery usually falls on the same one or two days.
 */
export function indexNameForTime(ms: number, prefix = 'cwl-'): string {
  const day = Math.floor(ms / MS_PER_DAY);
  if (day === cachedDay && prefix === cachedPrefix) return cachedName;
  const d = new Date(day * MS_PER_DAY);
  cachedName = `${prefix}${d.getUTCFullYear()}.${pad2(d.getUTCMonth() + 1)}.${pad2(d.getUTCDate())}`;
  cachedDay = day;
  cachedPrefix = prefix;
  return cachedName;
}
let cachedDay = Number.NaN;
let cachedPrefix = '';
let cachedName = '';

/** The UTC day of an index name `cwl-YYYY.MM.DD` as epoch ms at 00:00, or undefined if it is not one. */
export function timeOfIndexName(name: string, prefix = 'cwl-'): number | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const m = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(name.slice(prefix.length));
  if (!m) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return indexNameForTime(ms, prefix) === name ? ms : undefined;
}

/**
 * Wazuh's `timestamp`: `YYYY-MM-DDTHH:MM:SS[.fff…]±ZZZZ` (offset without colon; early 3.0 builds
 * had no fraction; replayed data has microseconds). Also accepts `Z` and `±ZZ:ZZ`.
 */
export function parseIsoTime(text: string): number | undefined {
  // Wazuh writes one shape (`2024-03-02T00:00:00.000+0000`), and the forwarder reads one per
  // event, mostly of the same day: that shape on the last day read is read by hand.
  if (text.length === 28 && isoShapeDay !== '' && text.startsWith(isoShapeDay)) {
    const fast = wazuhShapeTime(text, isoShapeDayMs);
    if (fast !== false) return fast;
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (!m) return undefined;
  const frac = m[7] ? Number((m[7] + '00').slice(0, 3)) : 0;
  let ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), frac);
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60_000;
  }
  const checked = checkedFields(m, ms);
  // A digit first (no space that trim() took away): the date part is then text's first 11 characters.
  if (checked !== undefined && text.length === 28 && text.charCodeAt(0) >= 48 && text.charCodeAt(0) <= 57 && wazuhShapeTime(text, 0) !== false) {
    isoShapeDay = text.slice(0, 11);
    isoShapeDayMs = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  }
  return checked;
}
/** The date part (`YYYY-MM-DDT`) of the last valid time of Wazuh's shape, and its UTC midnight. */
let isoShapeDay = '';
let isoShapeDayMs = 0;
const WAZUH_TIME_DIGITS = [11, 12, 14, 15, 17, 18, 20, 21, 22, 24, 25, 26, 27];

/**
 * `HH:MM:SS.fff±ZZZZ` at 11..27 of `text` on the day starting at `dayMs`, as parseIsoTime's
 * expression and checks read it (false: not this shape, ask the expression).
 */
function wazuhShapeTime(text: string, dayMs: number): number | undefined | false {
  for (const i of WAZUH_TIME_DIGITS) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  const sign = text[23];
  if (text[13] !== ':' || text[16] !== ':' || (text[19] !== '.' && text[19] !== ',') || (sign !== '+' && sign !== '-')) return false;
  const two = (i: number): number => (text.charCodeAt(i) - 48) * 10 + text.charCodeAt(i + 1) - 48;
  const hour = two(11);
  const minute = two(14);
  const second = two(17);
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const offsetMinutes = two(24) * 60 + two(26);
  const ms = dayMs + hour * 3_600_000 + minute * 60_000 + second * 1000 + Number(text.slice(20, 23)) - (sign === '-' ? -1 : 1) * offsetMinutes * 60_000;
  return isValidTimeMs(ms) ? ms : undefined;
}

/**
 * OSSEC's `timestamp` and the alerts.log date line: `YYYY Mon DD HH:MM:SS` in the manager's local
 * time, zone unknown; read as UTC.
 */
export function parseOssecTime(text: string): number | undefined {
  const m = /^(\d{4}) ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const month = MONTH_INDEX.get(m[2] as string);
  if (month === undefined) return undefined;
  const ms = Date.UTC(Number(m[1]), month, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return validDay(ms, Number(m[3])) ? ms : undefined;
}

/** A ctime string such as `Fri Mar 10 16:58:09 2017` (an OSSEC dev build's TimeStamp), read as UTC. */
export function parseCtime(text: string): number | undefined {
  const m = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(text.trim());
  if (!m) return undefined;
  const month = MONTH_INDEX.get(m[1] as string);
  if (month === undefined) return undefined;
  const ms = Date.UTC(Number(m[6]), month, Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
  return validDay(ms, Number(m[2])) ? ms : undefined;
}

/** Epoch seconds from an OSSEC/Wazuh alert id `<epoch>.<n>`. */
export function timeOfAlertId(id: string): number | undefined {
  // /^(\d{1,12})\.\d+$/ by hand: this runs twice per event on the forwarder's path, and the
  // regular expression's match array was a measurable share of it.
  const dot = id.indexOf('.');
  if (dot < 1 || dot > 12 || dot === id.length - 1) return undefined;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (i !== dot && (c < 48 || c > 57)) return undefined;
  }
  return Number(id.slice(0, dot)) * 1000;
}

function checkedFields(m: RegExpExecArray, ms: number): number | undefined {
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  const base = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(base).getUTCDate() !== Number(m[3]) || Number(m[2]) < 1 || Number(m[2]) > 12) return undefined;
  return isValidTimeMs(ms) ? ms : undefined;
}

function validDay(ms: number, day: number): boolean {
  const d = new Date(ms);
  return isValidTimeMs(ms) && d.getUTCDate() === day && d.getUTCHours() < 24;
}
