/**
 * @module When the store moves closed days of its text index into segments (text-index.ts's
 * compactDay): a day is closed once it is older than the newest index day by at least
 * KEEP_NEWEST_DAYS (today stays in FTS5, where writes go) and no row was written to it for a quiet
 * period: yesterday too, ten minutes after its last alert, so that a search walks one day of
 * FTS5, not two (a late alert into a compacted day goes to FTS5 and is compacted in turn). A pass compacts the closed days one at a time, each as one step of the
 * store's write queue (writes go on between days), then gives back the pages they freed in bounded
 * steps (TextIndex.reclaimStep); passes run after open and on a timer, never two at once, and stop
 * when the store closes.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CompactionOutcome, TextIndexKeeper } from './text-index-sync.js';

/** Index days kept in FTS5 however quiet: the newest one (today). */
export const KEEP_NEWEST_DAYS = 1;
/** How long a day must go without a write before it is compacted (ms), by default. */
export const DEFAULT_QUIET_MS = 10 * 60_000;
/** How often a pass looks for closed days (ms), by default. */
export const DEFAULT_INTERVAL_MS = 60_000;

/** The closed days among `candidates` (days with rows in FTS5, old enough): those quiet for `quietMs` at `nowMs`. */
export function closedDays(candidates: readonly number[], lastWriteTo: (day: number) => number, nowMs: number, quietMs: number): number[] {
  return candidates.filter((day) => nowMs - lastWriteTo(day) >= quietMs);
}

export interface CompactorOptions {
  /** Quiet period (ms; default DEFAULT_QUIET_MS; tests 0). */
  quietMs?: number;
  /** Time between passes (ms; default DEFAULT_INTERVAL_MS); 0: no background passes (none after open either), only those asked for. */
  intervalMs?: number;
  now?: () => number;
  /** A DuckDB connection of the compaction's own (closed by it), to read a day while writes go on; without, the day is read and encoded on the write queue. */
  connect?: () => Promise<DuckDBConnection>;
  /** Told of every day compacted, or failed (with its code). */
  log?: (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => void;
}

/** Compacts the keeper's closed days on the store's write queue. */
export class TextIndexCompactor {
  private running: Promise<CompactionOutcome[]> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Days compacted and compactions failed since open. */
  compacted = 0;
  failures = 0;

  constructor(
    private readonly keeper: TextIndexKeeper,
    private readonly connection: DuckDBConnection,
    private readonly run: <T>(step: () => Promise<T>) => Promise<T>,
    private readonly options: CompactorOptions = {},
  ) {}

  /** A first pass once `ready` resolves, then the timer (unref'd: it keeps no process alive); none with intervalMs 0. */
  start(ready: Promise<unknown>): void {
    const interval = this.options.intervalMs ?? DEFAULT_INTERVAL_MS;
    if (interval <= 0) return;
    void ready.then(() => this.tick());
    this.timer = setInterval(() => this.tick(), interval);
    this.timer.unref();
  }

  private tick(): void {
    if (this.stopped || this.running !== undefined) return;
    void this.pass();
  }

  /**
   * One pass over the closed days now (after the pass running, if one is), `maxDays` of them at
   * most (oldest first). Never rejects; each day's outcome, in order.
   */
  async compactClosedDays(maxDays = Number.POSITIVE_INFINITY): Promise<CompactionOutcome[]> {
    while (this.running !== undefined) await this.running;
    return this.pass(maxDays);
  }

  private pass(maxDays = Number.POSITIVE_INFINITY): Promise<CompactionOutcome[]> {
    const pass = this.compactEach(maxDays).finally(() => {
      this.running = undefined;
    });
    this.running = pass;
    return pass;
  }

  private async compactEach(maxDays: number): Promise<CompactionOutcome[]> {
    const outcomes: CompactionOutcome[] = [];
    if (this.stopped || !this.keeper.ready) return outcomes;
    const now = this.options.now ?? Date.now;
    // The candidates as of every write handed over (the reading connection sees them once settled).
    await this.keeper.settled();
    let days: number[];
    try {
      days = closedDays(this.keeper.compactionCandidates(KEEP_NEWEST_DAYS), (day) => this.keeper.lastWriteTo(day), now(), this.options.quietMs ?? DEFAULT_QUIET_MS);
    } catch (e) {
      this.options.log?.('warn', { component: 'text-index', err: (e as Error).message }, 'Could not list the text index days to compact; tried again at the next pass.');
      return outcomes;
    }
    // Bounded: each candidate once per pass; a day written meanwhile is refused by its count and tried later.
    for (const day of days) {
      if (this.stopped || outcomes.length >= maxDays) break;
      // Written since the list was made: not quiet any more.
      if (now() - this.keeper.lastWriteTo(day) < (this.options.quietMs ?? DEFAULT_QUIET_MS)) continue;
      const outcome = await this.keeper.compact(this.connection, this.run, day, () => this.stopped, this.options.connect);
      outcomes.push(outcome);
      if (outcome.kind === 'compacted') {
        this.compacted++;
        this.options.log?.('info', { component: 'text-index', day: isoDay(day), docs: outcome.docs }, 'Moved a closed day of the text index into a segment.');
      } else if (outcome.kind === 'failed') {
        this.failures++;
        this.options.log?.('warn', { component: 'text-index', day: isoDay(day), code: outcome.code, err: outcome.message }, 'Could not move a closed day of the text index into a segment; its rows stay in FTS5 and it is tried again later.');
      } else break;
    }
    // The pages the pass freed given back, in bounded steps on the queue (writes go on between them).
    if (!this.stopped && outcomes.some((o) => o.kind === 'compacted')) {
      const started = now();
      try {
        const steps = await this.keeper.reclaim(this.run, () => this.stopped);
        if (steps !== 'stopped') this.options.log?.('info', { component: 'text-index', steps, ms: now() - started }, 'Gave back the pages of the text index that compactions freed.');
      } catch (e) {
        this.options.log?.('warn', { component: 'text-index', err: (e as Error).message }, 'Could not give back the pages of the text index that compactions freed; tried again after the next compaction.');
      }
    }
    return outcomes;
  }

  /** Stops the timer and waits for the pass running (it stops between chunks). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}

const isoDay = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);
