/**
 * @module Keeps the text index (text-index.ts) equal to the DuckDB table it indexes. The store
 * commits a batch to DuckDB first and hands it to the index's writer after (text-index-writes.ts:
 * a worker thread for a file), and deletes in the same order, so after a crash the index can only
 * lack rows of a day, or still hold a deleted day's rows: never hold rows DuckDB lacks within a day
 * both count alike. At open, each index day whose row count differs from DuckDB's is rebuilt from
 * DuckDB; until then the store answers by scanning. A search first waits for the index writes
 * handed over before it (`settled`), so that it sees every write that resolved.
 */
import { statSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { COL, TABLE, type Row } from './schema.js';
import { TextIndex } from './text-index.js';
import { RawTextRowsBuilder, textIndexWriter, withoutRows, type RawTextRows, type TextIndexWriter } from './text-index-writes.js';

const REBUILD_CHUNK = 10_000;
const DAY_MS = 86_400_000;
/**
 * Batches handed to the writer and not yet acknowledged, at most: one being written, one waiting,
 * so that DuckDB's commit of the next batch overlaps the index's; beyond, the store's write queue
 * waits (memory stays bounded when the index falls behind).
 */
const MAX_PENDING_WRITES = 2;

/** The rows' index entries (time, index day, level column, raw texts), as the writer takes them. */
export function textIndexRows(rows: readonly Row[]): RawTextRows {
  const out = new RawTextRowsBuilder(rows.length);
  for (const row of rows) {
    const v = row.values;
    out.push(v[COL.ts] as number, v[COL.dedup_ts] as number, v[COL.level], v[COL.full_log] as string | null, v[COL.message] as string | null, v[COL.comment] as string | null);
  }
  return out.build();
}

/** The days whose row counts differ between DuckDB and the index (either side may lack a day). */
export async function daysOutOfStep(connection: DuckDBConnection, index: TextIndex): Promise<number[]> {
  const stored = new Map<number, number>();
  const rows = (await connection.runAndReadAll(`SELECT dedup_ts // ${DAY_MS} AS day, count(*) FROM ${TABLE} GROUP BY day`)).getRows();
  for (const [day, n] of rows) stored.set(Number(day), Number(n));
  const indexed = index.dayCounts();
  const days = new Set<number>();
  for (const [day, n] of stored) if (indexed.get(day) !== n) days.add(day);
  for (const [day, n] of indexed) if (stored.get(day) !== n) days.add(day);
  return [...days].sort((a, b) => a - b);
}

/** Rebuilds one day of the index from DuckDB's rows of that day, through the index's writer. */
export async function rebuildDay(connection: DuckDBConnection, writer: TextIndexWriter, day: number): Promise<number> {
  await writer.apply({ op: 'delete', fromDay: day, toDay: day + 1 });
  const from = BigInt(day * DAY_MS);
  const to = BigInt((day + 1) * DAY_MS);
  const result = await connection.stream(`SELECT ts, dedup_ts, level, full_log, message, comment FROM ${TABLE} WHERE dedup_ts >= $1 AND dedup_ts < $2`, [from, to]);
  let batch = new RawTextRowsBuilder(REBUILD_CHUNK);
  let n = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (const [ts, dedup, level, fullLog, message, comment] of chunk.getRows()) {
      batch.push(Number(ts), Number(dedup), level, fullLog as string | null, message as string | null, comment as string | null);
      if (batch.length >= REBUILD_CHUNK) {
        n += await writer.apply({ op: 'add', rows: batch.build() });
        batch = new RawTextRowsBuilder(REBUILD_CHUNK);
      }
    }
  }
  return n + (batch.length > 0 ? await writer.apply({ op: 'add', rows: batch.build() }) : 0);
}

/**
 * The store's text index and whether it may answer: not before it has caught up with DuckDB at
 * open, and not after a write to it failed (then until the next open, which rebuilds what differs).
 * `index` is the connection searches read; every write goes through `writer`, in order.
 */
export class TextIndexKeeper {
  private caughtUp = false;
  private failed: Error | undefined;
  private closed = false;
  /** Writes handed to the writer and not yet settled (each settles: acknowledged, failed or timed out). */
  private readonly pending = new Set<Promise<void>>();

  private constructor(
    readonly index: TextIndex,
    private readonly writer: TextIndexWriter,
    private readonly path: string,
  ) {}

  /**
   * The index beside the DuckDB file at `storePath` (in memory for an in-memory store), written by
   * a worker thread unless `worker` is false (`writer`: another writer, for tests).
   */
  static open(storePath: string, options: { worker?: boolean; writer?: (index: TextIndex, path: string) => TextIndexWriter } = {}): TextIndexKeeper {
    const path = storePath === ':memory:' ? ':memory:' : `${storePath}.text.sqlite`;
    // This connection creates (or replaces) the file's layout before the writer opens its own.
    const index = TextIndex.open(path);
    const writer = options.writer ? options.writer(index, path) : textIndexWriter(index, path, options.worker !== false);
    return new TextIndexKeeper(index, writer, path);
  }

  /** True when the index holds exactly the rows DuckDB holds (or will, once the writes handed over are acknowledged: `settled`). */
  get ready(): boolean {
    return this.caughtUp && this.failed === undefined;
  }

  /** Why the index stopped answering, if it did. */
  get failure(): Error | undefined {
    return this.failed;
  }

  /** Rebuilds the days that differ from DuckDB, each as one step of `run` (the store's write queue), so that writes go on between days. */
  async catchUp(connection: DuckDBConnection, run: <T>(step: () => Promise<T>) => Promise<T>): Promise<void> {
    try {
      const days = await run(() => (this.closed ? Promise.resolve([]) : daysOutOfStep(connection, this.index)));
      for (const day of days) {
        if (this.closed) return;
        await run(() => (this.closed ? Promise.resolve(0) : rebuildDay(connection, this.writer, day)));
      }
      this.caughtUp = true;
    } catch (e) {
      this.failed ??= e as Error;
      throw e;
    }
  }

  /**
   * After DuckDB committed the rows: hands those it took (not the duplicates) to the writer.
   * Resolves once the writer has room (MAX_PENDING_WRITES), not when the rows are written: a
   * search waits for them (`settled`). A failure leaves DuckDB ahead; the index then stops
   * answering (the store scans) until a reopen catches it up. Never rejects.
   */
  async added(entries: RawTextRows, duplicates: ReadonlySet<number> | undefined): Promise<void> {
    if (this.failed || entries.ts.length === 0) return;
    const rows = duplicates === undefined || duplicates.size === 0 ? entries : withoutRows(entries, duplicates);
    if (rows.ts.length === 0) return;
    this.track(this.writer.apply({ op: 'add', rows }));
    // Each pending write settles within the writer's bound, so this loop ends.
    while (this.pending.size >= MAX_PENDING_WRITES) await Promise.race(this.pending);
  }

  /** After DuckDB deleted the rows of index days [fromDay, toDay): resolves once the index did too (or failed). */
  async deleted(fromDay: number, toDay: number): Promise<void> {
    if (this.failed) return;
    await this.track(this.writer.apply({ op: 'delete', fromDay, toDay }));
  }

  /** Resolves once every write handed to the writer so far has settled (each within the writer's bound). */
  async settled(): Promise<void> {
    if (this.pending.size === 0) return;
    await Promise.all(this.pending);
  }

  private track(write: Promise<unknown>): Promise<void> {
    const settled: Promise<void> = write.then(
      () => undefined,
      (e: unknown) => {
        this.failed ??= e instanceof Error ? e : new Error(String(e));
      },
    );
    this.pending.add(settled);
    void settled.then(() => this.pending.delete(settled));
    return settled;
  }

  bytes(): number {
    if (this.path === ':memory:') return 0;
    const size = (p: string): number => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    return size(this.path) + size(`${this.path}-wal`);
  }

  /** Waits for the writes handed over, stops the writer, closes the index. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.settled();
    await this.writer.close();
    this.index.close();
  }
}
