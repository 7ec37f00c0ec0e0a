/** @module For tests: what a store's text index side file holds, read through a connection of its own. */
import { TextIndex } from '../sinks/duckdb/text-index.js';

/** Rows per index day in the text index beside the DuckDB file at `storePath`. */
export function indexFileDayCounts(storePath: string): Map<number, number> {
  const index = TextIndex.open(`${storePath}.text.sqlite`);
  try {
    return index.dayCounts();
  } finally {
    index.close();
  }
}
