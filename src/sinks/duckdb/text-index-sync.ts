/**
 * @module Keeps the text index (text-index.ts) equal to the DuckDB table it indexes. The store
 * commits a batch to DuckDB first and to the index after, and deletes in the same order, so after
 * a crash the index can only lack rows of a day, or still hold a deleted day's rows: never hold
 * rows DuckDB lacks within a day both count alike. At open, each index day whose row count differs
 * from DuckDB's is rebuilt from DuckDB; until then the store answers by scanning.
 */
import { statSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { COL, TABLE, type Row } from './schema.js';
import { indexedTextsOf } from './index-analyzer.js';
import { TextIndex, type TextIndexRow } from './text-index.js';

const DAY_MS = 86_400_000;
const REBUILD_CHUNK = 10_000;

/** A row's index entry: its time, its index day, its level column and its texts as the index takes them. */
export function textIndexRow(row: Row): TextIndexRow {
  const v = row.values;
  return {
    ts: v[COL.ts] as number,
    day: Math.floor((v[COL.dedup_ts] as number) / DAY_MS),
    level: levelOf(v[COL.level]),
    texts: indexedTextsOf(v[COL.full_log] as string | null, v[COL.message] as string | null, v[COL.comment] as string | null),
  };
}

/** The `level` column's value as the index keeps it: the same integer, or null. */
function levelOf(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
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

/** Rebuilds one day of the index from DuckDB's rows of that day. */
export async function rebuildDay(connection: DuckDBConnection, index: TextIndex, day: number): Promise<number> {
  index.deleteDays(day, day + 1);
  const from = BigInt(day * DAY_MS);
  const to = BigInt((day + 1) * DAY_MS);
  const result = await connection.stream(`SELECT ts, dedup_ts, level, full_log, message, comment FROM ${TABLE} WHERE dedup_ts >= $1 AND dedup_ts < $2`, [from, to]);
  let batch: TextIndexRow[] = [];
  let n = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (const [ts, dedup, level, fullLog, message, comment] of chunk.getRows()) {
      batch.push({ ts: Number(ts), day: Math.floor(Number(dedup) / DAY_MS), level: levelOf(level), texts: indexedTextsOf(fullLog as string | null, message as string | null, comment as string | null) });
      if (batch.length >= REBUILD_CHUNK) {
        index.add(batch);
        n += batch.length;
        batch = [];
      }
    }
  }
  index.add(batch);
  return n + batch.length;
}

/**
 * The store's text index and whether it may answer: not before it has caught up with DuckDB at
 * open, and not after a write to it failed (then until the next open, which rebuilds what differs).
 */
export class TextIndexKeeper {
  private caughtUp = false;
  private failed: Error | undefined;
  private closed = false;

  private constructor(
    readonly index: TextIndex,
    private readonly path: string,
  ) {}

  /** The index beside the DuckDB file at `storePath` (in memory for an in-memory store). */
  static open(storePath: string): TextIndexKeeper {
    const path = storePath === ':memory:' ? ':memory:' : `${storePath}.text.sqlite`;
    return new TextIndexKeeper(TextIndex.open(path), path);
  }

  /** True when the index holds exactly the rows DuckDB holds. */
  get ready(): boolean {
    return this.caughtUp && this.failed === undefined;
  }

  /** Rebuilds the days that differ from DuckDB, each as one step of `run` (the store's write queue), so that writes go on between days. */
  async catchUp(connection: DuckDBConnection, run: <T>(step: () => Promise<T>) => Promise<T>): Promise<void> {
    const days = await run(() => (this.closed ? Promise.resolve([]) : daysOutOfStep(connection, this.index)));
    for (const day of days) {
      if (this.closed) return;
      await run(() => (this.closed ? Promise.resolve(0) : rebuildDay(connection, this.index, day)));
    }
    this.caughtUp = true;
  }

  /**
   * After DuckDB committed the rows: adds those it took (not the duplicates). A failure here leaves
   * DuckDB ahead; the index then stops answering (the store scans) until a reopen catches it up.
   */
  added(entries: readonly TextIndexRow[], duplicates: ReadonlySet<number> | undefined): void {
    if (this.failed) return;
    try {
      this.index.add(duplicates === undefined || duplicates.size === 0 ? entries : entries.filter((_, i) => !duplicates.has(i)));
    } catch (e) {
      this.failed = e as Error;
    }
  }

  /** After DuckDB deleted the rows of index days [fromDay, toDay). */
  deleted(fromDay: number, toDay: number): void {
    if (this.failed) return;
    try {
      this.index.deleteDays(fromDay, toDay);
    } catch (e) {
      this.failed = e as Error;
    }
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

  close(): void {
    this.closed = true;
    this.index.close();
  }
}
