/**
 * @module Counts of the text index's matches kept between writes, as Lucene keeps per-segment
 * caches: an FTS5 count walks every match (FTS5 keeps no per-term document count: ~45 ms for a
 * phrase at 1,000,000 alerts), so a count asked again of rows no write touched since is taken from
 * here. A count is kept per expression and time span, with the days (UTC, of the rows' times, which
 * are their rowids') it covers; a write to one of those days drops it. The day being written
 * (`hot`: the newest day of the last write) is left out of kept spans and counted on each ask, so
 * that steady ingest into today leaves the older days' counts in place. A histogram's tallies (the
 * matches per grain and level) are kept the same way (`keep`): they add up over spans as counts do.
 * Pure: the index does the counting and tells of its writes.
 */

const DAY_MS = 86_400_000;
/** Counts kept at most (the least recently asked go first). */
const MAX_ENTRIES = 512;
/**
 * Cells kept at most, over all entries: a count is one, a histogram's tally its (grain, level)
 * pairs (30 days per hour by 16 levels: ~11,500), so that kept tallies stay within a few MB.
 */
const MAX_CELLS = 200_000;
/** Written days remembered at most; past it everything is dropped (a bulk load of many days). */
const MAX_WRITTEN_DAYS = 4_096;

/** An inclusive time range (ms). */
export interface TimeSpan {
  fromMs: number;
  toMs: number;
}

const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

export class TextIndexCounts {
  private readonly entries = new Map<string, { value: unknown; cells: number; epoch: number; fromDay: number; toDay: number }>();
  private cells = 0;
  /** Per day written since the last drop, the epoch of its last write. */
  private readonly written = new Map<number, number>();
  private epoch = 0;
  private hot: number | undefined;
  /** The times of the index's first and last rows (null: none), while known; every row lies within. */
  private extent: TimeSpan | null | undefined;
  /** Counts answered from the kept ones, and counted. */
  hits = 0;
  misses = 0;

  /** The extent as the index last read it; undefined: to be read again. */
  knownExtent(): TimeSpan | null | undefined {
    return this.extent;
  }

  setExtent(extent: TimeSpan | null): void {
    this.extent = extent;
  }

  /** Rows are being written at these times (ms): counts over their days are dropped. */
  writing(times: Iterable<number>): void {
    this.epoch++;
    let newest: number | undefined;
    let first: number | undefined;
    let last: number | undefined;
    for (const t of times) {
      const day = dayOf(t);
      this.written.set(day, this.epoch);
      if (newest === undefined || day > newest) newest = day;
      if (first === undefined || t < first) first = t;
      if (last === undefined || t > last) last = t;
    }
    if (newest === undefined || first === undefined || last === undefined) return;
    if (this.hot === undefined || newest > this.hot) this.hot = newest; // a backfill of older days leaves it
    if (this.extent !== undefined) this.extent = this.extent === null ? { fromMs: first, toMs: last } : { fromMs: Math.min(this.extent.fromMs, first), toMs: Math.max(this.extent.toMs, last) };
    if (this.written.size > MAX_WRITTEN_DAYS) this.drop();
  }

  /** Anything may have changed (rows deleted, or written by another connection): every count is dropped. */
  drop(): void {
    this.entries.clear();
    this.cells = 0;
    this.written.clear();
    this.extent = undefined;
  }

  /**
   * The matches of `match` within `range`, from the kept counts where they hold; `countWithin`
   * counts an inclusive time range. The range is first cut to the extent (the index's rows), so
   * that a search without a time range keeps one count however wide its range is.
   */
  count(match: string, range: TimeSpan, extent: TimeSpan | null, countWithin: (span: TimeSpan) => number): number {
    return this.keep(`n:${match}`, range, extent, { answer: countWithin, join: (a, b) => a + b, none: 0, cells: () => 1 });
  }

  /**
   * An answer over `range` that adds up over spans as a count does (`how.join` adds the answers of
   * two spans that follow each other), from the kept ones where they hold, as `count` does: `key`
   * names what is answered (the expression and whatever else shapes the answer); `how.cells`
   * weighs a kept answer against MAX_CELLS. A kept answer is shared: callers must not change it.
   */
  keep<T>(key: string, range: TimeSpan, extent: TimeSpan | null, how: { answer: (span: TimeSpan) => T; join: (a: T, b: T) => T; none: T; cells: (value: T) => number }): T {
    if (extent === null) return how.none;
    const fromMs = Math.max(range.fromMs, extent.fromMs);
    const toMs = Math.min(range.toMs, extent.toMs);
    if (fromMs > toMs) return how.none;
    // The day being written is counted on each ask, and so is what follows it.
    const hotFrom = this.hot === undefined ? undefined : this.hot * DAY_MS;
    if (hotFrom !== undefined && hotFrom <= fromMs) return how.answer({ fromMs, toMs });
    const keptTo = hotFrom !== undefined && hotFrom <= toMs ? hotFrom - 1 : toMs;
    const kept = this.keptByDays(key, { fromMs, toMs: keptTo }, how);
    return keptTo < toMs ? how.join(kept, how.answer({ fromMs: keptTo + 1, toMs })) : kept;
  }

  /**
   * A span kept as its whole UTC days apart from its two partial days at the edges, so that a range
   * relative to now (Discover's "last 7 days", moving on every refresh) still finds the whole days
   * in the middle kept, and walks only the edges (each kept too, for a range asked again as it is).
   */
  private keptByDays<T>(key: string, span: TimeSpan, how: { answer: (span: TimeSpan) => T; join: (a: T, b: T) => T; cells: (value: T) => number }): T {
    const firstWhole = Math.ceil(span.fromMs / DAY_MS) * DAY_MS;
    const wholeTo = Math.floor((span.toMs + 1) / DAY_MS) * DAY_MS - 1;
    if (firstWhole > wholeTo || (firstWhole === span.fromMs && wholeTo === span.toMs)) return this.kept(key, span, how);
    let answer = this.kept(key, { fromMs: firstWhole, toMs: wholeTo }, how);
    if (span.fromMs < firstWhole) answer = how.join(this.kept(key, { fromMs: span.fromMs, toMs: firstWhole - 1 }, how), answer);
    if (wholeTo < span.toMs) answer = how.join(answer, this.kept(key, { fromMs: wholeTo + 1, toMs: span.toMs }, how));
    return answer;
  }

  private kept<T>(what: string, span: TimeSpan, how: { answer: (span: TimeSpan) => T; cells: (value: T) => number }): T {
    const key = `${span.fromMs}:${span.toMs}:${what}`;
    const entry = this.entries.get(key);
    if (entry !== undefined && this.unwritten(entry)) {
      // Asked again: the most recently asked go last, the least recently first out.
      this.entries.delete(key);
      this.entries.set(key, entry);
      this.hits++;
      return entry.value as T;
    }
    this.misses++;
    const epoch = this.epoch;
    const value = how.answer(span);
    const cells = how.cells(value);
    this.forget(key);
    if (cells > MAX_CELLS) return value; // kept, it would push out everything else
    this.entries.set(key, { value, cells, epoch, fromDay: dayOf(span.fromMs), toDay: dayOf(span.toMs) });
    this.cells += cells;
    while (this.entries.size > MAX_ENTRIES || this.cells > MAX_CELLS) this.forget(this.entries.keys().next().value as string);
    return value;
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.cells -= entry.cells;
  }

  /** No day of the entry's written since it was counted. */
  private unwritten(entry: { epoch: number; fromDay: number; toDay: number }): boolean {
    for (const [day, epoch] of this.written) if (epoch > entry.epoch && day >= entry.fromDay && day <= entry.toDay) return false;
    return true;
  }
}
