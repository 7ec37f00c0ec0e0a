/**
 * @module Time zones by Intl (IANA names, `UTC`, fixed offsets `+05:30`): offsets, local wall-clock
 * times, and the rounding of a date_histogram in a zone as OpenSearch does it (bucket starts at
 * local multiples of the interval, local midnight for days, across daylight-saving changes). Pure.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Zones already looked up, by the name as given (null: not a zone). Building an Intl.DateTimeFormat
 * to ask ICU cost ~0.4 ms, once per search that names a zone (the web UI's dashboard always does);
 * a zone's answer never changes within a process. Bounded: the names come from requests, so the
 * oldest is dropped past CANONICAL_CACHE_SIZE.
 */
const canonicalNames = new Map<string, string | null>();
const CANONICAL_CACHE_SIZE = 512;

/** The spelling of a zone Intl knows (`utc` → `UTC`, `+0530` → `+05:30`, Asia/Kolkata as it is), else undefined. */
export function canonicalTimeZone(zone: string): string | undefined {
  if (typeof zone !== 'string' || zone.length === 0 || zone.length > 64) return undefined;
  const known = canonicalNames.get(zone);
  if (known !== undefined) return known ?? undefined;
  const found = lookUpTimeZone(zone);
  if (canonicalNames.size >= CANONICAL_CACHE_SIZE) canonicalNames.delete(canonicalNames.keys().next().value!);
  canonicalNames.set(zone, found ?? null);
  return found;
}

function lookUpTimeZone(zone: string): string | undefined {
  const fixed = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (fixed) {
    const [, sign, h, m] = fixed;
    if (Number(h) > 18 || Number(m) > 59) return undefined;
    return `${sign}${h}:${m}`;
  }
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    // ICU answers with legacy names (Asia/Kolkata → Asia/Calcutta); keep the user's name, only its case mended.
    return resolved.toLowerCase() === zone.toLowerCase() || zone.toUpperCase() === 'UTC' ? resolved : zone;
  } catch {
    return undefined;
  }
}

export function isValidTimeZone(zone: string): boolean {
  return canonicalTimeZone(zone) !== undefined;
}

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The zone's offset from UTC at `utcMs`, in ms (positive east of Greenwich: +19,800,000 in Kolkata). */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  const fixed = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  if (fixed) return (fixed[1] === '-' ? -1 : 1) * (Number(fixed[2]) * 3_600_000 + Number(fixed[3]) * 60_000);
  if (zone === 'UTC') return 0;
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(utcMs))) parts[p.type] = p.value;
  const year = parts['era'] === 'BC' || parts['era'] === 'B' ? 1 - Number(parts['year']) : Number(parts['year']);
  const d = new Date(0);
  d.setUTCFullYear(year, Number(parts['month']) - 1, Number(parts['day']));
  d.setUTCHours(Number(parts['hour']), Number(parts['minute']), Number(parts['second']), 0);
  const wholeSeconds = utcMs - (((utcMs % 1000) + 1000) % 1000);
  return d.getTime() - wholeSeconds;
}

/** The wall-clock time at `utcMs` in the zone, written as if it were UTC epoch ms. */
export function toLocalMs(zone: string, utcMs: number): number {
  return utcMs + zoneOffsetMs(zone, utcMs);
}

const DAY_MS = 86_400_000;

/** A zone's offset at an instant (zoneOffsetMs, or a table of it over a range: offsetTable). */
export type OffsetFn = (utcMs: number) => number;

/** Offsets are sampled this often; two changes of offset are always further apart. */
const SAMPLE_MS = 6 * 3_600_000;

/**
 * The zone's offsets over [fromMs, toMs] (a margin of two days either side) as a table of its
 * changes, found by sampling and bisection: one Intl call per six hours instead of one per
 * lookup. Outside the range it asks Intl. `transitions` are the instants the offset changes.
 */
export function offsetTable(zone: string, fromMs: number, toMs: number): { offsetAt: OffsetFn; offsets: number[]; transitions: number[] } {
  const exact: OffsetFn = (ms) => zoneOffsetMs(zone, ms);
  const lo = fromMs - 2 * DAY_MS;
  const hi = toMs + 2 * DAY_MS;
  if (!(hi > lo) || (hi - lo) / SAMPLE_MS > 200_000) return { offsetAt: exact, offsets: [exact(fromMs)], transitions: [] };
  const starts: number[] = [lo];
  const offsets: number[] = [exact(lo)];
  let previous = lo;
  for (let t = lo + SAMPLE_MS; ; t = Math.min(hi, t + SAMPLE_MS)) {
    const o = exact(t);
    if (o !== offsets[offsets.length - 1]) {
      starts.push(transitionBetween(zone, previous, t, exact));
      offsets.push(o);
    }
    previous = t;
    if (t >= hi) break;
  }
  const offsetAt: OffsetFn = (ms) => {
    if (ms < lo || ms > hi) return exact(ms);
    let a = 0;
    let b = starts.length - 1;
    while (a < b) {
      const m = (a + b + 1) >> 1;
      if ((starts[m] as number) <= ms) a = m;
      else b = m - 1;
    }
    return offsets[a] as number;
  };
  return { offsetAt, offsets, transitions: starts.slice(1) };
}

/**
 * The instants whose wall-clock time in the zone is `localMs`, earliest first: one, two in the hour
 * a clock goes back, none in the hour it skips.
 */
export function instantsOfLocal(zone: string, localMs: number, offsetOf: OffsetFn = (ms) => zoneOffsetMs(zone, ms)): number[] {
  const offsets = new Set([offsetOf(localMs - DAY_MS), offsetOf(localMs), offsetOf(localMs + DAY_MS)]);
  const out = new Set<number>();
  for (const o of offsets) if (offsetOf(localMs - o) === o) out.add(localMs - o);
  return [...out].sort((a, b) => a - b);
}

/** The first instant in (fromMs, toMs] with the offset of `toMs`, when the offset changes between them. */
function transitionBetween(zone: string, fromMs: number, toMs: number, offsetOf: OffsetFn = (ms) => zoneOffsetMs(zone, ms)): number {
  const target = offsetOf(toMs);
  let lo = fromMs; // offset differs from target
  let hi = toMs; // offset is target
  for (let i = 0; i < 64 && hi - lo > 1; i++) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetOf(mid) === target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The wall-clock time as the zone would take it, as OpenSearch reads a local date-time: in a
 * skipped hour the time moves forward by the gap; in a repeated hour it is the earlier instant.
 */
export function fromLocalMs(zone: string, localMs: number): number {
  const instants = instantsOfLocal(zone, localMs);
  if (instants.length > 0) return instants[0] as number;
  const before = zoneOffsetMs(zone, localMs - DAY_MS);
  return localMs - before;
}

/**
 * The start of the date_histogram bucket holding `utcMs` for a fixed interval in a zone: the latest
 * instant at or before it whose local time is a multiple of the interval, never reaching back past
 * an offset change (there the bucket is rounded from just before the change); in a skipped hour, the
 * change itself. Without an offset change this is UTC rounding shifted by the offset.
 */
export function roundInZone(zone: string, utcMs: number, intervalMs: number, offsetOf: OffsetFn = (ms) => zoneOffsetMs(zone, ms), depth = 0): number {
  const offset = offsetOf(utcMs);
  const local = utcMs + offset;
  const roundedLocal = Math.floor(local / intervalMs) * intervalMs;
  const simple = roundedLocal - offset;
  // The common case: the same offset at the bucket's start as at the time.
  if (offsetOf(simple) === offset) return simple;
  const instants = instantsOfLocal(zone, roundedLocal, offsetOf);
  if (instants.length === 0) return transitionBetween(zone, simple - DAY_MS, simple + DAY_MS, offsetOf);
  const transition = transitionBetween(zone, simple, utcMs, offsetOf);
  for (let i = instants.length - 1; i >= 0; i--) {
    const at = instants[i] as number;
    if (at > utcMs) continue;
    if (at < transition && depth < 4) return roundInZone(zone, transition - 1, intervalMs, offsetOf, depth + 1);
    return at;
  }
  return instants[0] as number;
}

/** The bucket after the one starting at `keyMs` (23 or 25 hours later for a day across a change). */
export function nextBucketInZone(zone: string, keyMs: number, intervalMs: number, offsetOf: OffsetFn = (ms) => zoneOffsetMs(zone, ms)): number {
  for (let step = 1; step <= 4; step++) {
    const next = roundInZone(zone, keyMs + step * intervalMs, intervalMs, offsetOf);
    if (next > keyMs) return next;
  }
  return keyMs + intervalMs;
}

/** The greatest common divisor, for grouping at a grain no bucket boundary falls inside. */
export function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y) [x, y] = [y, x % y];
  return x;
}
