/**
 * @module What the log keeps for each destination the forwarder delivers to: its cursor (the last
 * sequence number it has taken) and the events it refused for good (dead letters, with reasons).
 */
import { BIGINT, DuckDBDataChunk, VARCHAR, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { CHUNK_ROWS, sqlInt, type LogDatabase } from './log-database.js';
import { CURSORS, DEAD_LETTERS } from './log-schema.js';
import type { DeadLetter, DeadLetterInput } from './log-types.js';

const DEAD_LETTER_TYPES: DuckDBType[] = [BIGINT, BIGINT, VARCHAR, VARCHAR, VARCHAR, VARCHAR, VARCHAR, BIGINT, VARCHAR];

export class DestinationState {
  private readonly cursors = new Map<string, number>();
  private lastDeadLetterId = 0;

  constructor(private readonly db: LogDatabase) {}

  async load(): Promise<void> {
    for (const [destination, seq] of await this.db.rows(`SELECT destination, seq FROM ${CURSORS}`)) this.cursors.set(String(destination), Number(seq));
    const [maxLetter] = await this.db.rows(`SELECT max(id) FROM ${DEAD_LETTERS}`);
    this.lastDeadLetterId = Number(maxLetter?.[0] ?? 0);
  }

  /** The cursor as held in memory (every change is durable first). */
  cursor(destination: string): number | undefined {
    return this.cursors.get(destination);
  }

  getCursor(destination: string): Promise<number | undefined> {
    return Promise.resolve(this.cursors.get(destination));
  }

  /** Records the last sequence number forwarded to a destination, durably. */
  setCursor(destination: string, seq: number): Promise<void> {
    return this.db.write(async () => {
      await this.db.transaction(async () => {
        await this.db.writer.run(`DELETE FROM ${CURSORS} WHERE destination = $1`, [destination]);
        await this.db.writer.run(`INSERT INTO ${CURSORS} VALUES ($1, $2)`, [destination, BigInt(seq)]);
      });
      this.cursors.set(destination, seq);
    });
  }

  /** Stores events a destination refused for good, with the reason; returns their ids. */
  addDeadLetters(letters: readonly DeadLetterInput[]): Promise<number[]> {
    if (letters.length === 0) return Promise.resolve([]);
    return this.db.write(async () => {
      const columns: DuckDBValue[][] = DEAD_LETTER_TYPES.map(() => []);
      const ids: number[] = [];
      let id = this.lastDeadLetterId;
      for (const l of letters) {
        ids.push(++id);
        const values: DuckDBValue[] = [BigInt(id), BigInt(l.timeMs), l.destination, l.reason, l.logGroup, l.logStream, l.eventId, BigInt(l.timestamp), l.message];
        values.forEach((v, c) => (columns[c] as DuckDBValue[]).push(v));
      }
      await this.db.transaction(async () => {
        const appender = await this.db.writer.createAppender(DEAD_LETTERS);
        try {
          for (let offset = 0; offset < ids.length; offset += CHUNK_ROWS) {
            const rows = Math.min(CHUNK_ROWS, ids.length - offset);
            const chunk = DuckDBDataChunk.create(DEAD_LETTER_TYPES, rows);
            chunk.setColumns(columns.map((c) => c.slice(offset, offset + rows)));
            appender.appendDataChunk(chunk);
          }
          appender.flushSync();
        } finally {
          appender.closeSync();
        }
      });
      this.lastDeadLetterId = id;
      return ids;
    });
  }

  /** Dead letters in id order, after the id `after` (for paging). */
  listDeadLetters(options: { limit: number; after?: number; destination?: string; ids?: readonly number[] }): Promise<DeadLetter[]> {
    return this.db.read(async () => {
      const params: DuckDBValue[] = [BigInt(options.after ?? 0), BigInt(Math.max(0, options.limit))];
      const destination = options.destination === undefined ? '' : ` AND destination = $3`;
      if (options.destination !== undefined) params.push(options.destination);
      // Ids are whole numbers (checked), written into the SQL as removeDeadLetters does.
      const ids = options.ids === undefined ? '' : ` AND id IN (${[...options.ids.filter((id) => Number.isSafeInteger(id)).map(sqlInt), 'NULL'].join(', ')})`;
      const rows = await this.db.reader.runAndReadAll(`SELECT id, time, destination, reason, log_group, log_stream, event_id, ts, message FROM ${DEAD_LETTERS} WHERE id > $1${destination}${ids} ORDER BY id LIMIT $2`, params);
      return rows.getRows().map(([id, time, dest, reason, group, stream, eventId, ts, message]) => ({
        id: Number(id),
        timeMs: Number(time),
        destination: String(dest),
        reason: String(reason),
        logGroup: String(group),
        logStream: String(stream),
        eventId: String(eventId),
        timestamp: Number(ts),
        message: String(message),
      }));
    });
  }

  countDeadLetters(destination?: string): Promise<number> {
    return this.db.read(async () => {
      const rows = destination === undefined ? await this.db.reader.runAndReadAll(`SELECT count(*) FROM ${DEAD_LETTERS}`) : await this.db.reader.runAndReadAll(`SELECT count(*) FROM ${DEAD_LETTERS} WHERE destination = $1`, [destination]);
      return Number(rows.getRows()[0]?.[0] ?? 0);
    });
  }

  /** Removes dead letters (after a replay, say); returns how many were removed. */
  removeDeadLetters(ids: readonly number[]): Promise<number> {
    const valid = ids.filter((id) => Number.isSafeInteger(id));
    if (valid.length === 0) return Promise.resolve(0);
    return this.db.write(async () => (await this.db.writer.run(`DELETE FROM ${DEAD_LETTERS} WHERE id IN (${valid.map(sqlInt).join(', ')})`)).rowsChanged);
  }
}
