/**
 * @module A date_histogram's buckets in a time zone, as OpenSearch's fixed_interval with time_zone
 * makes them: the store groups times at a grain no bucket boundary falls inside, then each grain
 * goes to its bucket here; empty buckets are filled the way OpenSearch steps from one to the next
 * (23 or 25 hours for a day across a daylight-saving change). Pure.
 */
import { calendarPeriod } from '../core/date-math.js';
import { gcd, nextBucketInZone, offsetTable, roundInZone } from '../core/time-zone.js';
import type { HistogramBucket, TermsBucket, TimeRange } from './search-api.js';

/** Every offset in use today is a whole number of quarter hours; so is every change of offset. */
const QUARTER_HOUR_MS = 900_000;

/** How a store groups times: `ts // grainMs * grainMs`, then `bucketOf` the grain's start. */
export interface HistogramGrouping {
  grainMs: number;
  bucketOf(grainStartMs: number): number;
  /** The bucket after one (the fill's step). */
  next(bucketMs: number): number;
}

const CALENDAR_UNITS = { week: 'w', month: 'M', year: 'y' } as const;

/**
 * The grouping for an interval in a zone; without a zone (or in UTC), buckets are the grain
 * itself. A calendar interval (weeks from Monday, months, years) starts at local midnight: a grain
 * of a day in UTC, of a quarter hour in a zone.
 */
export function histogramGrouping(intervalMs: number, timeZone: string | undefined, range: TimeRange | undefined, calendar?: 'week' | 'month' | 'year'): HistogramGrouping {
  if (calendar !== undefined) {
    const unit = CALENDAR_UNITS[calendar];
    const utc = timeZone === undefined || timeZone === 'UTC' || timeZone === '+00:00';
    const zone = utc ? undefined : timeZone;
    const table = zone !== undefined ? zoneTable(zone, range) : undefined;
    const grain = table ? grainIn(86_400_000, table) : 86_400_000;
    const memo = new Map<number, number>();
    return {
      grainMs: grain,
      bucketOf: (k) => {
        let b = memo.get(k);
        if (b === undefined) memo.set(k, (b = calendarPeriod(k, unit, zone, table?.offsetAt).start));
        return b;
      },
      next: (k) => calendarPeriod(k, unit, zone, table?.offsetAt).next,
    };
  }
  if (timeZone === undefined || timeZone === 'UTC' || timeZone === '+00:00') {
    return { grainMs: intervalMs, bucketOf: (k) => Math.floor(k / intervalMs) * intervalMs, next: (k) => k + intervalMs };
  }
  const table = zoneTable(timeZone, range);
  const grain = grainIn(intervalMs, table);
  const memo = new Map<number, number>();
  return {
    grainMs: grain,
    bucketOf: (k) => {
      let b = memo.get(k);
      if (b === undefined) {
        b = roundInZone(timeZone, k, intervalMs, table.offsetAt);
        memo.set(k, b);
      }
      return b;
    },
    next: (k) => nextBucketInZone(timeZone, k, intervalMs, table.offsetAt),
  };
}

/** Tables made lately, by zone and whole UTC days: a dashboard asks for the same zone and days on every refresh. */
const TABLES = new Map<string, ReturnType<typeof offsetTable>>();
const TABLES_KEPT = 32;
const DAY_MS = 86_400_000;

/**
 * The zone's offsets over the range (or around now), looked up without Intl. Made for the whole
 * UTC days around the range (a table answers outside its range too, only slower), and kept: making
 * one asks Intl every 6 hours of the range, about a millisecond for a month.
 */
function zoneTable(zone: string, range: TimeRange | undefined): ReturnType<typeof offsetTable> {
  const now = Date.now();
  const fromDay = Math.floor((range?.fromMs ?? now) / DAY_MS);
  const toDay = Math.floor((range?.toMs ?? now) / DAY_MS) + 1;
  const key = `${fromDay}/${toDay}/${zone}`;
  let table = TABLES.get(key);
  if (table === undefined) {
    table = offsetTable(zone, fromDay * DAY_MS, toDay * DAY_MS);
    if (TABLES.size >= TABLES_KEPT) TABLES.delete(TABLES.keys().next().value as string);
    TABLES.set(key, table);
  }
  return table;
}

/**
 * A grain no bucket boundary falls inside: boundaries are local multiples of the interval (so at
 * multiples of the gcd of the interval and every offset in use) or changes of offset. Never
 * coarser than the interval, never finer than a minute.
 */
function grainIn(intervalMs: number, table: ReturnType<typeof offsetTable>): number {
  let grain = intervalMs;
  for (const o of table.offsets) grain = gcd(grain, o || grain);
  for (const t of table.transitions) grain = gcd(grain, ((t % grain) + grain) % grain || grain);
  // A boundary off the minute (an old local mean time) would make grains of seconds: a quarter hour then, as nearly every zone.
  return grain < 60_000 ? gcd(intervalMs, QUARTER_HOUR_MS) : grain;
}

/** Counts per bucket from counts per grain. */
export function countsByBucket(grains: Iterable<readonly [number, number]>, grouping: HistogramGrouping): Map<number, number> {
  const out = new Map<number, number>();
  for (const [k, c] of grains) {
    const b = grouping.bucketOf(k);
    out.set(b, (out.get(b) ?? 0) + c);
  }
  return out;
}

/** Guard against a caller asking for millions of empty buckets. */
const MAX_FILLED = 100_000;

/** Buckets from the range's first to its last, zeros filled in (fillHistogram's answer, in a zone). */
export function fillZonedHistogram(counts: Map<number, number>, grouping: HistogramGrouping, range: TimeRange | undefined, intervalMs: number): HistogramBucket[] {
  const keys = [...counts.keys()].sort((a, b) => a - b);
  if (!range && keys.length === 0) return [];
  const first = range ? grouping.bucketOf(range.fromMs) : (keys[0] as number);
  const last = range ? grouping.bucketOf(range.toMs) : (keys[keys.length - 1] as number);
  if ((last - first) / intervalMs > MAX_FILLED) return keys.map((k) => ({ keyMs: k, count: counts.get(k) as number }));
  const buckets: HistogramBucket[] = [];
  for (let key = first; key <= last && buckets.length <= MAX_FILLED; key = grouping.next(key)) buckets.push({ keyMs: key, count: counts.get(key) ?? 0 });
  return buckets;
}

/**
 * A terms sub-aggregation's buckets per histogram bucket, from counts per (grain, value): count
 * down, then the value up (numbers as numbers), the first `size`, as the embedded terms order.
 */
export function subTermsByBucket(
  rows: Iterable<readonly [grainMs: number, key: string | number, count: number]>,
  grouping: HistogramGrouping,
  size: number,
): Map<number, { buckets: TermsBucket[]; otherCount: number }> {
  const perBucket = new Map<number, Map<string | number, number>>();
  for (const [k, key, c] of rows) {
    const b = grouping.bucketOf(k);
    let values = perBucket.get(b);
    if (!values) perBucket.set(b, (values = new Map()));
    values.set(key, (values.get(key) ?? 0) + c);
  }
  const out = new Map<number, { buckets: TermsBucket[]; otherCount: number }>();
  for (const [b, values] of perBucket) {
    const all = [...values].sort((x, y) => y[1] - x[1] || compareKeys(x[0], y[0]));
    const top = all.slice(0, size).map(([key, count]) => ({ key, count }));
    const other = all.slice(size).reduce((n, [, c]) => n + c, 0);
    out.set(b, { buckets: top, otherCount: other });
  }
  return out;
}

function compareKeys(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
