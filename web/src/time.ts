/**
 * @module Time ranges as the time picker shows them: Kibana's quick ranges, relative ranges, labels,
 * absolute input, and time formatting, all in the chosen time zone (setDisplayTimeZone: the
 * browser's, UTC or any IANA zone, as Kibana's dateFormat:tz). Pure apart from that setting.
 */
import { fromLocalMs, isValidTimeZone, toLocalMs } from '../../src/core/time-zone.js';
import type { TimeSpan } from './state.js';

export const QUICK_RANGES: ReadonlyArray<TimeSpan & { label: string }> = [
  { from: 'now/d', to: 'now/d', label: 'Today' },
  { from: 'now/w', to: 'now/w', label: 'This week' },
  { from: 'now-15m', to: 'now', label: 'Last 15 minutes' },
  { from: 'now-1h', to: 'now', label: 'Last 1 hour' },
  { from: 'now-2h', to: 'now', label: 'Last 2 hours' },
  { from: 'now-12h', to: 'now', label: 'Last 12 hours' },
  { from: 'now-24h', to: 'now', label: 'Last 24 hours' },
  { from: 'now-7d', to: 'now', label: 'Last 7 days' },
  { from: 'now-30d', to: 'now', label: 'Last 30 days' },
];

/** The units of a relative range ("last N minutes"), as date math writes them. */
export const RELATIVE_UNITS: ReadonlyArray<{ unit: 's' | 'm' | 'h' | 'd' | 'w' | 'M' | 'y'; one: string; many: string }> = [
  { unit: 's', one: 'second', many: 'seconds' },
  { unit: 'm', one: 'minute', many: 'minutes' },
  { unit: 'h', one: 'hour', many: 'hours' },
  { unit: 'd', one: 'day', many: 'days' },
  { unit: 'w', one: 'week', many: 'weeks' },
  { unit: 'M', one: 'month', many: 'months' },
  { unit: 'y', one: 'year', many: 'years' },
];

/** `now-<n><unit>` → `now`: the last N units. */
export function relativeSpan(amount: number, unit: string): TimeSpan {
  return { from: `now-${Math.max(1, Math.floor(amount))}${unit}`, to: 'now' };
}

/** The amount and unit of a "last N units" span, else undefined. */
export function relativeParts(span: TimeSpan): { amount: number; unit: string } | undefined {
  const m = /^now-(\d+)([smhdwMy])$/.exec(span.from);
  return m && span.to === 'now' ? { amount: Number(m[1]), unit: m[2] as string } : undefined;
}

/** The setting: `browser` (the default) or a zone Intl knows (UTC, Europe/Berlin, +05:30). */
export type TimeZoneSetting = string;
export const BROWSER_ZONE: TimeZoneSetting = 'browser';

let setting: TimeZoneSetting = BROWSER_ZONE;

let browserZone: string | undefined;

/**
 * The browser's own zone, by Intl, read once for the page's life (a zone changed in the OS shows
 * after a reload): every time shown asks for it, and a DateTimeFormat per ask cost ~20 ms of CPU
 * per Discover load at 1M alerts (load 16).
 */
export function browserTimeZone(): string {
  browserZone ??= new Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  return browserZone;
}

/** The zone times are shown in, and the one histograms and `now/d` are computed in (sent as time_zone). */
export function displayTimeZone(): string {
  return setting === BROWSER_ZONE ? browserTimeZone() : setting;
}

export function timeZoneSetting(): TimeZoneSetting {
  return setting;
}

/** Sets the zone; an unknown zone falls back to the browser's. */
export function setDisplayTimeZone(value: TimeZoneSetting): void {
  setting = value === BROWSER_ZONE || !isValidTimeZone(value) ? BROWSER_ZONE : value;
}

export { isValidTimeZone };

/** A short name for the zone beside times: `UTC`, `IST`, `GMT+5:30`, `CET`… (the zone's own at `ms`). */
export function zoneAbbreviation(ms: number = Date.now(), zone: string = displayTimeZone()): string {
  if (zone === 'UTC') return 'UTC';
  try {
    const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'short' }).formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName');
    return part?.value ?? zone;
  } catch {
    return zone;
  }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Wall-clock fields of `ms` in the display zone (read with getUTC*). */
function local(ms: number): Date {
  return new Date(toLocalMs(displayTimeZone(), ms));
}

/** `2024-03-02 14:05:09.123` in the display zone (dense and sortable, as a log reader expects). */
export function formatTime(ms: number, withMs = true): string {
  if (!Number.isFinite(ms) || Number.isNaN(new Date(ms).getTime())) return String(ms);
  const d = local(ms);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return withMs ? `${base}.${pad(d.getUTCMilliseconds(), 3)}` : base;
}

/** A bound as the picker shows it: date math as written, ISO times formatted locally. */
export function formatBound(bound: string): string {
  if (bound.startsWith('now')) return bound;
  const ms = Date.parse(bound);
  return Number.isNaN(ms) ? bound : formatTime(ms, ms % 1000 !== 0);
}

export function timeLabel(span: TimeSpan): string {
  const quick = QUICK_RANGES.find((q) => q.from === span.from && q.to === span.to);
  if (quick) return quick.label;
  const relative = relativeParts(span);
  const unit = relative && RELATIVE_UNITS.find((u) => u.unit === relative.unit);
  if (relative && unit) return `Last ${relative.amount} ${relative.amount === 1 ? unit.one : unit.many}`;
  return `${formatBound(span.from)} → ${formatBound(span.to)}`;
}

/**
 * What a user typed in the absolute from/to fields: date math passes as is, `2024-03-02 14:05`
 * (in the display zone, seconds optional) and ISO 8601 become ISO UTC. Undefined when it is neither.
 */
export function parseTimeInput(text: string): string | undefined {
  const input = text.trim();
  if (input === '') return undefined;
  if (/^now([+\-/]\d*(ms|[yMwdhHms]))*$/.test(input)) return input;
  const wall = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?$/.exec(input);
  if (wall) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0'] = wall;
    const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0'))] as const;
    const asUtc = Date.UTC(...fields);
    const check = new Date(asUtc);
    // 2024-02-31 is not a day: Date.UTC would roll it into March.
    if (Number.isNaN(asUtc) || check.getUTCMonth() !== fields[1] || check.getUTCDate() !== fields[2] || fields[3] > 23 || fields[4] > 59 || fields[5] > 59) return undefined;
    return new Date(fromLocalMs(displayTimeZone(), asUtc)).toISOString();
  }
  const ms = Date.parse(input);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** An absolute span from epoch ms (drag-to-zoom, a bucket click). */
export function absoluteSpan(fromMs: number, toMs: number): TimeSpan {
  return { from: new Date(Math.round(fromMs)).toISOString(), to: new Date(Math.round(toMs)).toISOString() };
}

/** A duration for humans: 30 s, 5 min, 3 h, 1 d. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${ms / 1000} s`;
  if (ms < 3_600_000) return `${ms / 60_000} min`;
  if (ms < 86_400_000) return `${ms / 3_600_000} h`;
  return `${ms / 86_400_000} d`;
}

const TICK_STEPS_MS = [
  1000, 5000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 86_400_000, 2 * 86_400_000,
  7 * 86_400_000, 14 * 86_400_000, 30 * 86_400_000,
];

/**
 * Axis ticks for [fromMs, toMs]: a nice step giving at most `maxTicks`, at local multiples of the
 * step in the display zone (local midnight for day steps, across daylight-saving changes, and on
 * the zone's own hours in zones of :30 and :45), with a label format that fits the step.
 */
export function timeTicks(fromMs: number, toMs: number, maxTicks: number): Array<{ ms: number; label: string }> {
  const zone = displayTimeZone();
  const span = Math.max(1, toMs - fromMs);
  const step = TICK_STEPS_MS.find((s) => span / s <= Math.max(1, maxTicks)) ?? (TICK_STEPS_MS[TICK_STEPS_MS.length - 1] as number);
  const localFrom = toLocalMs(zone, fromMs);
  const dayStep = step >= 86_400_000;
  // Day steps count whole local days from a local midnight; shorter steps are multiples of the step in local time.
  let l = dayStep ? Math.ceil(localFrom / 86_400_000) * 86_400_000 : Math.ceil(localFrom / step) * step;
  const ticks: Array<{ ms: number; label: string }> = [];
  const spansDays = formatTime(fromMs, false).slice(0, 10) !== formatTime(toMs, false).slice(0, 10);
  let previous = -Infinity;
  for (let i = 0; i < 400 && ticks.length < 200; i++, l += step) {
    const t = fromLocalMs(zone, l);
    if (t > toMs) break;
    if (t < fromMs || t <= previous) continue;
    previous = t;
    const d = new Date(toLocalMs(zone, t));
    const hm = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    const day = `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    const label = dayStep ? day : step < 60_000 ? `${hm}:${pad(d.getUTCSeconds())}` : spansDays && d.getUTCHours() === 0 && d.getUTCMinutes() === 0 ? day : hm;
    ticks.push({ ms: t, label });
  }
  return ticks;
}

export type CalendarInterval = 'week' | 'month' | 'year';

/**
 * The histogram's interval choices (Kibana's): fixed intervals, calendar weeks (from Monday),
 * months and years (`ms` their shortest length, for scaling); `auto` lets the server choose.
 */
export const HISTOGRAM_INTERVALS: ReadonlyArray<{ key: string; label: string; ms: number | 'auto'; calendar?: CalendarInterval }> = [
  { key: 'auto', label: 'Auto', ms: 'auto' },
  { key: 's', label: 'Second', ms: 1000 },
  { key: 'm', label: 'Minute', ms: 60_000 },
  { key: '30m', label: '30 minutes', ms: 1_800_000 },
  { key: 'h', label: 'Hour', ms: 3_600_000 },
  { key: '3h', label: '3 hours', ms: 3 * 3_600_000 },
  { key: '12h', label: '12 hours', ms: 12 * 3_600_000 },
  { key: 'd', label: 'Day', ms: 86_400_000 },
  { key: 'w', label: 'Week', ms: 7 * 86_400_000, calendar: 'week' },
  { key: 'M', label: 'Month', ms: 28 * 86_400_000, calendar: 'month' },
  { key: 'y', label: 'Year', ms: 365 * 86_400_000, calendar: 'year' },
];

/** "per 1 h", "per week": a histogram answer's interval for humans. */
export function intervalLabel(histogram: { interval_ms: number; calendar_interval?: CalendarInterval }): string {
  return histogram.calendar_interval ?? formatDuration(histogram.interval_ms);
}

/** More bars than this are unreadable (and may pass the server's max_buckets): the interval is scaled up, as Kibana does. */
export const MAX_HISTOGRAM_BARS = 1500;

/** A span's length when it can be told without the server (date math of now and units, ISO times); else undefined. */
export function spanLengthMs(span: TimeSpan, nowMs: number = Date.now()): number | undefined {
  const at = (bound: string): number | undefined => {
    if (!bound.startsWith('now')) {
      const ms = Date.parse(bound);
      return Number.isNaN(ms) ? undefined : ms;
    }
    let t = nowMs;
    const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, H: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, M: 31 * 86_400_000, y: 366 * 86_400_000 };
    for (const m of bound.slice(3).matchAll(/([+\-/])(\d*)(ms|[yMwdhHms])/g)) {
      if (m[1] === '/') continue; // rounding moves a bound by less than its unit
      t += (m[1] === '-' ? -1 : 1) * Number(m[2] || 1) * (units[m[3] as string] as number);
    }
    return t;
  };
  const from = at(span.from);
  const to = at(span.to);
  if (from === undefined || to === undefined) return undefined;
  // `now/d → now/d` is a whole unit; a rounded bound spans its unit at most.
  const rounded = /\/(ms|[yMwdhHms])$/.exec(span.to)?.[1];
  return Math.max(0, to - from) + (rounded ? ((({ d: 86_400_000, w: 7 * 86_400_000, h: 3_600_000, M: 31 * 86_400_000, y: 366 * 86_400_000 }) as Record<string, number>)[rounded] ?? 0) : 0);
}

/**
 * The interval to ask for: the chosen one, or (when it would make more than MAX_HISTOGRAM_BARS
 * bars over the span) the smallest choice that does not, with `scaled` set.
 */
export function histogramInterval(key: string, span: TimeSpan, nowMs: number = Date.now()): { ms: number | 'auto'; calendar?: CalendarInterval; scaled: boolean } {
  const chosen = HISTOGRAM_INTERVALS.find((i) => i.key === key) ?? (HISTOGRAM_INTERVALS[0] as (typeof HISTOGRAM_INTERVALS)[number]);
  const answer = (i: (typeof HISTOGRAM_INTERVALS)[number], scaled: boolean) => ({ ms: i.ms, ...(i.calendar ? { calendar: i.calendar } : {}), scaled });
  if (chosen.ms === 'auto') return { ms: 'auto', scaled: false };
  const length = spanLengthMs(span, nowMs);
  if (length === undefined || length / chosen.ms <= MAX_HISTOGRAM_BARS) return answer(chosen, false);
  const fits = HISTOGRAM_INTERVALS.find((i) => i.ms !== 'auto' && length / i.ms <= MAX_HISTOGRAM_BARS);
  return fits ? answer(fits, true) : { ms: 'auto', scaled: true };
}
