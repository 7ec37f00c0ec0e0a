/**
 * @module Keeps the text index (text-index.ts) equal to the DuckDB table it indexes. The store
 * commits a batch to DuckDB first and hands it to the index's writer after (text-index-writes.ts:
 * a worker thread for a file), and deletes in the same order, so after a crash the index can only
 * lack rows of a day, or still hold a deleted day's rows: never hold rows DuckDB lacks within a day
 * both count alike. At open, each index day whose row count differs from DuckDB's is rebuilt from
 * DuckDB; until then the store answers by scanning. A search first waits for the index writes
 * handed over before it (`settled`), so that it sees every write that resolved.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBResult } from '@duckdb/node-api';
import { COL, TABLE, type Row } from './schema.js';
import { segmentsDir, TextIndex, type PreparedSegment } from './text-index.js';
import { errorCode, RawTextRowsBuilder, TextIndexCompactionError, TextIndexWriterError, textIndexWriter, WorkerTextIndexWriter, withoutRows, type EncodeChunk, type RawTextRows, type TextIndexWriter } from './text-index-writes.js';

const REBUILD_CHUNK = 10_000;
const DAY_MS = 86_400_000;
/**
 * Batches handed to the writer and not yet acknowledged, at most: one being written, one waiting,
 * so that DuckDB's commit of the next batch overlaps the index's; beyond, the store's write queue
 * waits (memory stays bounded when the index falls behind).
 */
const MAX_PENDING_WRITES = 2;
/** Reclaim steps of one pass at most (each ~RECLAIM_STEP_MS of merging: ~40 minutes of the writer's time, far past any index's merge). */
const MAX_RECLAIM_STEPS = 10_000;

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

/**
 * DuckDB's rows of index day `day` as the writer takes them, REBUILD_CHUNK at a time (one
 * statement, read as DuckDB produces it: a day of 333,000 alerts is never held here at once).
 */
async function* dayRows(connection: DuckDBConnection, day: number): AsyncGenerator<RawTextRows> {
  yield* chunksOf(await startDayRows(connection, day));
}

/** The statement reading DuckDB's rows of index day `day`, started: its snapshot is DuckDB's rows as of now. */
function startDayRows(connection: DuckDBConnection, day: number): Promise<DuckDBResult> {
  const from = BigInt(day * DAY_MS);
  const to = BigInt((day + 1) * DAY_MS);
  return connection.stream(`SELECT ts, dedup_ts, level, full_log, message, comment FROM ${TABLE} WHERE dedup_ts >= $1 AND dedup_ts < $2`, [from, to]);
}

async function* chunksOf(result: DuckDBResult): AsyncGenerator<RawTextRows> {
  let batch = new RawTextRowsBuilder(REBUILD_CHUNK);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    for (const [ts, dedup, level, fullLog, message, comment] of chunk.getRows()) {
      batch.push(Number(ts), Number(dedup), level, fullLog as string | null, message as string | null, comment as string | null);
      if (batch.length >= REBUILD_CHUNK) {
        yield batch.build();
        batch = new RawTextRowsBuilder(REBUILD_CHUNK);
      }
    }
  }
  if (batch.length > 0) yield batch.build();
}

/** Rebuilds one day of the index from DuckDB's rows of that day, through the index's writer. */
export async function rebuildDay(connection: DuckDBConnection, writer: TextIndexWriter, day: number): Promise<number> {
  await writer.apply({ op: 'delete', fromDay: day, toDay: day + 1 });
  let n = 0;
  for await (const rows of dayRows(connection, day)) n += await writer.apply({ op: 'add', rows });
  return n;
}

/**
 * Moves index day `day` into a segment (TextIndex.compactDay) with DuckDB's rows of that day, read
 * and handed to the writer in chunks (the writer keeps them analysed until the last: the codec
 * encodes a day at once). Run on the store's write queue, so that no write comes between the rows
 * read and the compaction; the index refuses it if its count of the day differs (nothing changes).
 * `stopping`: checked between chunks, so that a closing store does not wait for a whole day.
 * Returns the day's rows compacted, or 'stopped'.
 */
export async function compactDay(connection: DuckDBConnection, writer: TextIndexWriter, day: number, stopping: () => boolean): Promise<number | 'stopped'> {
  return handInChunks(dayRows(connection, day), (rows, first, last) => writer.apply({ op: 'compact', day, rows, first, last }), stopping);
}

/**
 * Hands `chunks` over one by one (`first`, `last` marked; an empty last one when there are none),
 * at most MAX_PENDING_WRITES unacknowledged (as for adds): the read of the next chunk overlaps
 * the analysis of this one, and memory stays bounded. Returns the last chunk's answer.
 */
async function handInChunks<T>(chunks: AsyncIterable<RawTextRows>, send: (rows: RawTextRows, first: boolean, last: boolean) => Promise<T>, stopping: () => boolean): Promise<T | 'stopped'> {
  const inFlight: Array<Promise<T>> = [];
  const hand = async (rows: RawTextRows, first: boolean, last: boolean): Promise<void> => {
    const acknowledged = send(rows, first, last);
    acknowledged.catch(() => undefined); // awaited below, or left when stopping: never unhandled
    inFlight.push(acknowledged);
    while (inFlight.length > MAX_PENDING_WRITES) await inFlight.shift();
  };
  let pending: RawTextRows | undefined;
  let first = true;
  for await (const rows of chunks) {
    if (pending !== undefined) {
      await hand(pending, first, false);
      first = false;
    }
    if (stopping()) return 'stopped';
    pending = rows;
  }
  await hand(pending ?? new RawTextRowsBuilder(0).build(), first, true);
  const answers = await Promise.all(inFlight);
  return answers[answers.length - 1] as T;
}

/** A thread that encodes segments apart from the writer (text-index-writes.ts's WorkerTextIndexWriter with `encoder`). */
export interface SegmentEncoderThread {
  encode(chunk: EncodeChunk): Promise<{ n: number; prepared?: PreparedSegment }>;
  close(): Promise<void>;
}

/** What a compaction of a day came to. */
export type CompactionOutcome =
  | { kind: 'compacted'; day: number; docs: number }
  | { kind: 'failed'; day: number; code: string; message: string }
  | { kind: 'stopped'; day: number };

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
  /** Per index day, when rows were last written to it since open (ms, `now`): the compaction's quiet period. */
  private readonly lastWrites = new Map<number, number>();
  /** Per index day, writes handed over since open; and deletions: a compaction encoded apart commits only if neither changed meanwhile. */
  private readonly writesTo = new Map<number, number>();
  private deletions = 0;

  private constructor(
    readonly index: TextIndex,
    private readonly writer: TextIndexWriter,
    private readonly path: string,
    private readonly now: () => number,
    /** When the index was opened: a day not written since counts as written then. */
    readonly openedAt: number,
    /** Starts a thread that encodes segments apart from the writer (undefined: the writer encodes, compactDay). */
    private readonly encoder: (() => SegmentEncoderThread) | undefined,
  ) {}

  /**
   * The index beside the DuckDB file at `storePath` (in memory for an in-memory store), written by
   * a worker thread unless `worker` is false (`writer`: another writer, for tests).
   */
  static open(storePath: string, options: { worker?: boolean; segments?: boolean; now?: () => number; writer?: (index: TextIndex, path: string) => TextIndexWriter; encoder?: () => SegmentEncoderThread } = {}): TextIndexKeeper {
    const path = storePath === ':memory:' ? ':memory:' : `${storePath}.text.sqlite`;
    const segments = options.segments === true;
    // This connection creates (or replaces) the file's layout, and repairs its segments, before
    // the writer opens its own (no compaction can be in flight yet).
    const index = TextIndex.open(path, { segments });
    const writer = options.writer ? options.writer(index, path) : textIndexWriter(index, path, options.worker !== false, segments);
    const now = options.now ?? Date.now;
    // A file's writer thread would spend ~100 µs a row encoding a segment, while adds wait behind
    // it: a thread of each compaction's own encodes, and the writer only commits.
    const encoder = options.encoder ?? (segments && !options.writer && options.worker !== false && path !== ':memory:' ? () => new WorkerTextIndexWriter(path, true, true) : undefined);
    return new TextIndexKeeper(index, writer, path, now, now(), encoder);
  }

  /** When rows were last written to index day `day` (ms): since open, else the open. */
  lastWriteTo(day: number): number {
    return this.lastWrites.get(day) ?? this.openedAt;
  }

  private wroteTo(days: Float64Array | readonly number[]): void {
    const at = this.now();
    let last = Number.NaN;
    for (const day of days) {
      if (day === last) continue; // rows of a batch mostly share their day
      last = day;
      this.lastWrites.set(day, at);
      this.writesTo.set(day, (this.writesTo.get(day) ?? 0) + 1);
    }
  }

  /** Changes with every write handed over to index day `day` and with every deletion. */
  private versionOf(day: number): string {
    return `${this.deletions}:${this.writesTo.get(day) ?? 0}`;
  }

  /**
   * Moves index day `day` into a segment (compactDay, on the store's write queue `run`). Never
   * rejects: a failure (the index's count of the day differs, I/O) changes nothing and is told
   * with its code, to be tried again later (the day counts as written now, so that it waits a
   * quiet period again). Only a writer that stopped (timed out, exited) stops the index answering.
   */
  async compact(connection: DuckDBConnection, run: <T>(step: () => Promise<T>) => Promise<T>, day: number, stopping: () => boolean, connect?: () => Promise<DuckDBConnection>): Promise<CompactionOutcome> {
    const stop = (): boolean => this.closed || stopping();
    try {
      const n =
        this.encoder !== undefined && connect !== undefined
          ? await this.compactApart(connect, this.encoder, run, day, stop)
          : await run(() => (stop() || !this.ready ? Promise.resolve('stopped' as const) : compactDay(connection, this.writer, day, stop)));
      return n === 'stopped' ? { kind: 'stopped', day } : { kind: 'compacted', day, docs: n };
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      this.stopIfWriterStopped(error);
      this.wroteTo([day]);
      const code = (error instanceof TextIndexWriterError ? error.writeCode : undefined) ?? errorCode(error) ?? 'TEXT_INDEX_COMPACTION_FAILED';
      return { kind: 'failed', day, code, message: error.message };
    }
  }

  /**
   * A compaction whose segment is encoded by a thread of its own, off the write queue: DuckDB's
   * read of the day starts on the queue (its snapshot: the rows every write handed over so far
   * holds), is encoded meanwhile writes go on, and the writer commits it on the queue if no write to
   * the day and no deletion came since (else it waits for a later pass); the writer checks the
   * day's count again. The queue is held twice briefly instead of for the whole encoding.
   */
  private async compactApart(connect: () => Promise<DuckDBConnection>, encoder: () => SegmentEncoderThread, run: <T>(step: () => Promise<T>) => Promise<T>, day: number, stop: () => boolean): Promise<number | 'stopped'> {
    const connection = await connect();
    const thread = encoder();
    let written: PreparedSegment | undefined;
    try {
      const started = await run(async () => (stop() || !this.ready ? undefined : { version: this.versionOf(day), result: await startDayRows(connection, day) }));
      if (started === undefined) return 'stopped';
      const encoded = await handInChunks(chunksOf(started.result), (rows, first, last) => thread.encode({ op: 'encode', day, rows, first, last }), stop);
      if (encoded === 'stopped') return 'stopped';
      written = encoded.prepared;
      if (written === undefined) return 0; // a day DuckDB no longer holds: nothing to commit
      const prepared = written;
      return await run(async () => {
        if (stop()) return 'stopped' as const;
        if (this.versionOf(day) !== started.version) throw new TextIndexCompactionError(`Day ${day} was written or a day deleted while its segment was encoded; compacted later.`);
        written = undefined; // the writer's now: recorded, or removed by it when the count differs
        return this.writer.apply({ op: 'commit', prepared });
      });
    } finally {
      if (written !== undefined) rmSync(join(segmentsDir(this.path), written.file), { force: true });
      await thread.close();
      connection.closeSync();
    }
  }

  /**
   * Gives back the pages compactions freed (TextIndex.reclaimStep), one bounded step at a time,
   * each a step of `run` (the store's write queue), so that writes go on between them; at most
   * `maxSteps`. Resolves with the steps taken, or 'stopped'. Rejects when the writer fails.
   */
  async reclaim(run: <T>(step: () => Promise<T>) => Promise<T>, stopping: () => boolean, maxSteps = MAX_RECLAIM_STEPS): Promise<number | 'stopped'> {
    try {
      for (let steps = 1; steps <= maxSteps; steps++) {
        const done = await run(() => (this.closed || stopping() || !this.ready ? Promise.resolve(undefined) : this.writer.apply({ op: 'reclaim' })));
        if (done === undefined) return 'stopped';
        if (done === 1) return steps;
      }
      return maxSteps;
    } catch (e) {
      this.stopIfWriterStopped(e);
      throw e;
    }
  }

  /** Of a compaction's or a reclaim's failures, only a writer that stopped (timed out, exited) stops the index answering. */
  private stopIfWriterStopped(e: unknown): void {
    if (e instanceof TextIndexWriterError && e.code !== 'TEXT_INDEX_WRITE_FAILED') this.failed ??= e;
  }

  /** Index days with rows still in FTS5 older than the newest `keepNewest` days (TextIndex.compactionCandidates), ascending. */
  compactionCandidates(keepNewest: number): number[] {
    return this.index.compactionCandidates(keepNewest);
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
        this.wroteTo([day]);
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
    this.wroteTo(rows.day);
    this.track(this.writer.apply({ op: 'add', rows }));
    // Each pending write settles within the writer's bound, so this loop ends.
    while (this.pending.size >= MAX_PENDING_WRITES) await Promise.race(this.pending);
  }

  /** After DuckDB deleted the rows of index days [fromDay, toDay): resolves once the index did too (or failed). */
  async deleted(fromDay: number, toDay: number): Promise<void> {
    this.deletions++;
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

  /** Bytes of the index on disk: its SQLite file, its log, and its segment files. */
  bytes(): number {
    if (this.path === ':memory:') return 0;
    const size = (p: string): number => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    return size(this.path) + size(`${this.path}-wal`) + this.index.segmentBytes();
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
