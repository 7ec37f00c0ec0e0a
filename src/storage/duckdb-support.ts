/** @module What both DuckDB databases (the durable log and the embedded index) need alike. */
import { statSync } from 'node:fs';

/** Runs async tasks one after another: a DuckDB connection runs one statement at a time. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task, task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** Runs `work` in one transaction on `connection`: COMMIT when it resolves, ROLLBACK (and rethrow) when it fails. */
export async function inTransaction(connection: { run(sql: string): Promise<unknown> }, work: () => Promise<void>): Promise<void> {
  await connection.run('BEGIN TRANSACTION');
  try {
    await work();
    await connection.run('COMMIT');
  } catch (e) {
    await connection.run('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** Bytes of a database file and its write-ahead log (0 for `:memory:`). */
export function databaseFileBytes(path: string): number {
  if (path === ':memory:') return 0;
  const size = (p: string): number => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return size(path) + size(`${path}.wal`);
}
