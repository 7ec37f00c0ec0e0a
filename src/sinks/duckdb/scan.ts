/**
 * @module One statement's result read as it is produced (DuckDB's streaming result, a chunk of up
 * to 2,048 rows at a time), on a connection of its own: a reader that stops early interrupts the
 * statement (a sort still running stops too) and closes the connection, so nothing is left behind.
 */
import type { DuckDBConnection, DuckDBDataChunk, DuckDBValue } from '@duckdb/node-api';
import type { IndexedDocument } from '../../core/document.js';
import type { HitScan } from '../../query/search-api.js';

export interface StreamedStatement {
  sql: string;
  values: DuckDBValue[];
}

/**
 * The scan of `statement` (one column: a row's value, which `toDocument` reads) on `connection`,
 * which it owns from now on: closed when the batches end, fail or are given up, or when `close` is
 * called before the first. `onClosed` runs once, after.
 */
export function streamedScan(connection: DuckDBConnection, statement: StreamedStatement, total: number, toDocument: (value: unknown) => IndexedDocument, onClosed: () => void): HitScan {
  let closed = false;
  /** The chunk being fetched: DuckDB produces the next one on its own thread while this one is read. */
  let fetching: Promise<DuckDBDataChunk | null> | undefined;
  const release = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    // A statement still running (a sort not yet done, a chunk being fetched) stops at once; the
    // connection is closed only once no fetch of it is under way.
    connection.interrupt();
    await fetching?.catch(() => undefined);
    connection.closeSync();
    onClosed();
  };
  let started = false;
  async function* batches(): AsyncGenerator<readonly IndexedDocument[], void, undefined> {
    started = true;
    try {
      if (closed) return;
      const result = await connection.stream(statement.sql, statement.values);
      fetching = result.fetchChunk();
      for (;;) {
        const chunk = await fetching;
        fetching = undefined;
        const count = chunk?.rowCount ?? 0;
        if (!chunk || count === 0) return;
        fetching = result.fetchChunk();
        const column = chunk.getColumnVector(0);
        const documents = new Array<IndexedDocument>(count);
        for (let i = 0; i < count; i++) documents[i] = toDocument(column.getItem(i));
        yield documents;
      }
    } finally {
      await release();
    }
  }
  const generator = batches();
  return {
    total,
    batches: generator,
    close: async () => {
      if (closed) return;
      // A generator never started runs no `finally`: its connection is closed here instead.
      if (!started) return release();
      // A batch being read (the sort before the first one can take seconds) is stopped now, not
      // awaited: the read then fails, and the generator's `finally` closes the connection.
      connection.interrupt();
      await generator.return(undefined).catch(() => undefined);
    },
  };
}
