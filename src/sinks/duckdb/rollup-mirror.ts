/**
 * @module An in-memory copy of the rollup tables (rollups.ts), kept by the write path from the
 * rows its own statements return (RETURNING: each count as committed, applied after the commit),
 * so that an unfiltered dashboard's counts are summed in JavaScript instead of by a DuckDB
 * statement, whose fixed cost is most of the time of a query over the small rollup. Bounded: past
 * `maxEntries` counts the dimension holding most is dropped from memory (a hostile cardinality of
 * srcip), and its reads go to the tables again, exactly as before. Pure: no I/O.
 */
import { ipSortKey } from '../../core/ip.js';
import type { FieldType } from '../../query/fields.js';
import { DAY_MS, partsOf, ROLLUP_DIMENSIONS, SLOT_MS, TOTAL_DIM, type RollupCoverage, type RollupLevel, type Span } from './rollups.js';

/** Counts kept in memory by default (about 100 bytes each): 1,000,000 simulated alerts over 30 days make about 160,000. */
export const DEFAULT_MIRROR_ENTRIES = 500_000;

/** A row of a rollup table, as loaded or as a write's RETURNING gives it: the slot or day, dimension, value, count. */
export type RollupRow = readonly unknown[];

/** A value's count, per slot or day (by its number since 1970: a small integer, which a Map finds faster than a time), per dimension. */
type Counts = Map<string, number>;
type Level = Map<number, Map<number, Counts>>;
const STEP: Record<RollupLevel, number> = { slot: SLOT_MS, day: DAY_MS };

/** Rows at a range's edges, as rollups.edgeRowsSql groups them: `values[dim]` (the total's is ''), null where the row has none. */
export interface EdgeRow {
  ts: number;
  values: ReadonlyArray<string | null>;
  n: number;
}

/** An edge row from rollups.edgeRowsSql's columns: ts, then each of ROLLUP_DIMENSIONS' values in their order, then the count. */
export function edgeRowOf(row: readonly unknown[]): EdgeRow {
  const values: Array<string | null> = [''];
  ROLLUP_DIMENSIONS.forEach((d, i) => {
    const v = row[i + 1];
    values[d.dim] = v === null || v === undefined ? null : String(v);
  });
  return { ts: Number(row[0]), values, n: Number(row[ROLLUP_DIMENSIONS.length + 1]) };
}

export class RollupMirror {
  private readonly levels: Record<RollupLevel, Level> = { slot: new Map(), day: new Map() };
  /** Counts held per dimension (both levels), and in all. */
  private readonly entries = new Map<number, number>();
  private held = 0;
  private readonly dropped = new Set<number>();
  /** Per quarter hour (by its number since 1970), how many committed changes it has seen: what a copy of its rows was read at (slotVersion). */
  private readonly slotChanges = new Map<number, number>();

  constructor(private readonly maxEntries: number) {}

  /** The counts held. */
  get size(): number {
    return this.held;
  }

  /** Whether the dimension's counts are in memory (else its reads go to the tables). */
  holds(dim: number): boolean {
    return !this.dropped.has(dim);
  }

  /** Leaves a dimension to the tables from now on: the loader's choice (by sizes), or the bound's. */
  drop(dim: number): void {
    this.dropped.add(dim);
    for (const level of Object.values(this.levels)) level.delete(dim);
    this.held -= this.entries.get(dim) ?? 0;
    this.entries.delete(dim);
  }

  /** Sets counts as the tables now hold them (a count of 0 or less: the count is gone). Call only after the rows' transaction committed. */
  set(level: RollupLevel, rows: Iterable<RollupRow>): void {
    const byDim = this.levels[level];
    const step = STEP[level];
    // Every row a write adds or deletes changes its quarter hour's total (dimension 0), so the slots seen here are all it changed; each counted once.
    const changed = level === 'slot' ? new Set<number>() : undefined;
    for (const row of rows) {
      const dim = Number(row[1]);
      const key = Math.round(Number(row[0]) / step);
      if (changed && !changed.has(key)) {
        changed.add(key);
        this.slotChanges.set(key, (this.slotChanges.get(key) ?? 0) + 1);
      }
      if (this.dropped.has(dim)) continue;
      const value = String(row[2]);
      const n = Number(row[3]);
      let keys = byDim.get(dim);
      if (keys === undefined) byDim.set(dim, (keys = new Map()));
      let counts = keys.get(key);
      const had = counts?.has(value) ?? false;
      if (n > 0) {
        if (counts === undefined) keys.set(key, (counts = new Map()));
        counts.set(value, n);
        if (!had) this.count(dim, 1);
      } else if (had && counts) {
        counts.delete(value);
        if (counts.size === 0) keys.delete(key);
        this.count(dim, -1);
      }
    }
    // Over the bound: the dimension holding most leaves memory (the total last, as every read needs it).
    while (this.held > this.maxEntries) {
      const [dim] = [...this.entries].sort((a, b) => Number(a[0] === TOTAL_DIM) - Number(b[0] === TOTAL_DIM) || b[1] - a[1])[0] ?? [];
      if (dim === undefined) break;
      this.drop(dim);
    }
  }

  private count(dim: number, by: number): void {
    this.entries.set(dim, (this.entries.get(dim) ?? 0) + by);
    this.held += by;
  }

  /**
   * How many committed changes the slot holding `timeMs` has seen: rows read from it are still its
   * rows while this is what it was before they were read (changes are counted after their commit).
   */
  slotVersion(timeMs: number): number {
    return this.slotChanges.get(Math.floor(timeMs / SLOT_MS)) ?? 0;
  }

  /** The number of alerts in the slot starting at `slotMs` (0: none; the rows there need no reading). */
  slotTotal(slotMs: number): number {
    return this.levels.slot.get(TOTAL_DIM)?.get(Math.round(slotMs / SLOT_MS))?.get('') ?? 0;
  }

  /**
   * A dimension's counts over a coverage, per grain start (key 0 without a grain), per value: the
   * same sums as the tables' (rollups.partSelects), the edges' rows from `edges`. Undefined when the
   * dimension is not in memory. With `bucketOf`, per bucket (the grain's) instead.
   */
  counts(coverage: RollupCoverage, dim: number, grainMs: number | undefined, edges: readonly EdgeRow[], bucketOf?: (grainStartMs: number) => number): Map<number, Counts> | undefined {
    if (this.dropped.has(dim)) return undefined;
    const parts = partsOf(coverage, grainMs);
    const out = new Map<number, Counts>();
    let lastGrain = Number.NaN;
    let lastSums: Counts | undefined;
    /** The sums of the grain a time falls in (as the tables' SQL, `(t // g) * g`, which rounds toward zero), or of its bucket. */
    const sums = (t: number): Counts => {
      const grain = grainMs === undefined ? 0 : Math.trunc(t / grainMs) * grainMs;
      if (grain === lastGrain && lastSums !== undefined) return lastSums;
      const k = bucketOf ? bucketOf(grain) : grain;
      let counts = out.get(k);
      if (counts === undefined) out.set(k, (counts = new Map()));
      lastGrain = grain;
      lastSums = counts;
      return counts;
    };
    const addLevel = (level: RollupLevel, span: Span | 'all'): void => {
      const keys = this.levels[level].get(dim);
      if (keys === undefined) return;
      const step = STEP[level];
      // forEach with the sums as `this`: no [value, n] pair per count (as for...of makes), no closure per slot.
      const each = (index: number, counts: Counts): void => counts.forEach(addTo, sums(index * step));
      if (span === 'all') {
        keys.forEach((counts, index) => each(index, counts));
        return;
      }
      // Spans start and end on their level's boundaries.
      const from = Math.round(span.fromMs / step);
      const to = Math.round(span.toMs / step);
      if (to - from > keys.size) keys.forEach((counts, index) => index >= from && index < to && each(index, counts));
      else
        for (let index = from; index < to; index++) {
          const counts = keys.get(index);
          if (counts !== undefined) each(index, counts);
        }
    };
    if (parts.days !== undefined) addLevel('day', parts.days);
    for (const span of parts.slots === 'all' ? (['all'] as const) : parts.slots) addLevel('slot', span);
    for (const row of edges) {
      const value = row.values[dim];
      if (value === null || value === undefined || !parts.raw.some((s) => row.ts >= s.fromMs && row.ts < s.toMs)) continue;
      const into = sums(row.ts);
      into.set(value, (into.get(value) ?? 0) + row.n);
    }
    return out;
  }
}

function addTo(this: Counts, n: number, value: string): void {
  this.set(value, (this.get(value) ?? 0) + n);
}

/**
 * The order of a terms aggregation's buckets, as the tables' SQL orders them: count down, then the
 * value as its type orders it (addresses by address, those that are none last; numbers by number),
 * then the value's bytes.
 */
export function termsComparator(type: FieldType): (a: readonly [string, number], b: readonly [string, number]) => number {
  const byType = typeOrder(type);
  return (a, b) => b[1] - a[1] || byType(a[0], b[0]) || compareBytes(a[0], b[0]);
}

function typeOrder(type: FieldType): (a: string, b: string) => number {
  switch (type) {
    case 'ip': {
      const keys = new Map<string, string | undefined>();
      const key = (v: string): string | undefined => {
        if (!keys.has(v)) keys.set(v, ipSortKey(v));
        return keys.get(v);
      };
      return (a, b) => {
        const x = key(a);
        const y = key(b);
        if (x === y) return 0;
        if (x === undefined) return 1;
        if (y === undefined) return -1;
        return x < y ? -1 : 1;
      };
    }
    case 'integer':
    case 'long':
      return (a, b) => {
        const x = BigInt(a);
        const y = BigInt(b);
        return x < y ? -1 : x > y ? 1 : 0;
      };
    case 'double':
    case 'date':
      return (a, b) => Number(a) - Number(b);
    default:
      return () => 0;
  }
}

/** Strings in the order of their UTF-8 bytes (DuckDB's VARCHAR order), which is the order of their code points. */
export function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (a code point above U+FFFF) sorts after every other unit, as its code point does.
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** The rollup in memory over one request's coverage, with the rows at its edges (read once for all its aggregations). */
export class MirrorView {
  constructor(
    private readonly mirror: RollupMirror,
    private readonly coverage: RollupCoverage,
    private readonly edges: readonly EdgeRow[],
  ) {}

  counts(dim: number, grainMs: number | undefined, bucketOf?: (grainStartMs: number) => number): Map<number, Map<string, number>> | undefined {
    return this.mirror.counts(this.coverage, dim, grainMs, this.edges, bucketOf);
  }
}
