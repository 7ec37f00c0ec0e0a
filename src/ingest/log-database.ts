/**
 * @module The durable log's DuckDB file and its two lanes: one writer connection (every change, in
 * order) and one reader connection, plus the sequence high-water mark that every deletion saves.
 */
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';
import { databaseFileBytes, inTransaction, SerialQueue } from '../storage/duckdb-support.js';
import { createLogStatements, EVENTS, META } from './log-schema.js';
import type { LogStoreOptions } from './log-types.js';

/** Rows per DuckDB data chunk when appending. */
export const CHUNK_ROWS = 2048;

export class LogDatabase {
  readonly writes = new SerialQueue();
  readonly reads = new SerialQueue();
  /** The highest sequence number given out (0 before the first event). */
  lastSequence = 0;
  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    readonly writer: DuckDBConnection,
    readonly reader: DuckDBConnection,
    private readonly options: LogStoreOptions,
  ) {}

  static async open(options: LogStoreOptions): Promise<LogDatabase> {
    // zstd for messages needs the newer storage format.
    const config: Record<string, string> = { storage_compatibility_version: 'latest', checkpoint_threshold: options.checkpointThreshold ?? '128MB' };
    if (options.threads !== undefined) config['threads'] = String(options.threads);
    // DuckDB's own default is 80% of the machine's memory; the log needs little (it appends and scans).
    config['memory_limit'] ??= '512MB';
    const instance = await DuckDBInstance.create(options.path, config);
    const writer = await instance.connect();
    try {
      for (const statement of createLogStatements()) await writer.run(statement);
      const reader = await instance.connect();
      const db = new LogDatabase(instance, writer, reader, options);
      const [meta] = await db.rows(`SELECT max(value) FROM ${META} WHERE name = 'last_sequence'`);
      const [maxSeq] = await db.rows(`SELECT max(seq) FROM ${EVENTS}`);
      db.lastSequence = Math.max(Number(meta?.[0] ?? 0), Number(maxSeq?.[0] ?? 0));
      return db;
    } catch (e) {
      writer.closeSync();
      instance.closeSync();
      throw e;
    }
  }

  /** For loading state at open, before any lane runs. */
  async rows(sql: string): Promise<DuckDBValue[][]> {
    return (await this.writer.runAndReadAll(sql)).getRows();
  }

  write<T>(task: () => Promise<T>): Promise<T> {
    return this.writes.run(async () => {
      this.assertOpen();
      return task();
    });
  }

  read<T>(task: () => Promise<T>): Promise<T> {
    return this.reads.run(async () => {
      this.assertOpen();
      return task();
    });
  }

  /** Runs `work` on the writer in one transaction; call it inside the write lane. */
  transaction(work: () => Promise<void>): Promise<void> {
    return inTransaction(this.writer, work);
  }

  /** Deletions make `max(seq)` shrink: the high-water mark is kept so that numbers are never reused. */
  async saveLastSequence(): Promise<void> {
    await this.writer.run(`DELETE FROM ${META} WHERE name = 'last_sequence'`);
    await this.writer.run(`INSERT INTO ${META} VALUES ('last_sequence', $1)`, [BigInt(this.lastSequence)]);
  }

  now(): number {
    return (this.options.now ?? Date.now)();
  }

  fileBytes(): number {
    return databaseFileBytes(this.options.path);
  }

  assertOpen(): void {
    if (this.closed) throw new Error('The log store is closed.');
  }

  /** Waits for both lanes to drain, then closes; later calls are refused. */
  async close(): Promise<boolean> {
    if (this.closed) return false;
    await this.writes.run(async () => undefined);
    await this.reads.run(async () => undefined);
    this.closed = true;
    this.reader.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
    return true;
  }
}

/** An integer as SQL text: only for numbers the store made itself or checked to be integers. */
export function sqlInt(value: number): string {
  if (!Number.isSafeInteger(value)) throw new Error(`Not a safe integer: ${value}`);
  return String(value);
}

/** Code-unit order, which is ASCII order for CloudWatch names (localeCompare would fold case). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
