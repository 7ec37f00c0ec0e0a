/**
 * @module For tests: a worker thread that compacts days of a text index file on its own connection
 * (as the store's writer thread does), one after the other, then posts 'done'.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TextIndex, type TextIndexRow } from '../sinks/duckdb/text-index.js';

const { path, days } = workerData as { path: string; days: Array<{ day: number; rows: TextIndexRow[] }> };
const index = TextIndex.open(path, { segments: true });
try {
  for (const { day, rows } of days) index.compactDay(day, rows);
} finally {
  index.close();
}
parentPort?.postMessage('done');
