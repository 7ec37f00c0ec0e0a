/**
 * @module The embedded store's inverted index of its text fields: SQLite FTS5 (node:sqlite) in a file
 * beside the DuckDB file, fed the standard analyzer's tokens (the query engine's), so that terms,
 * phrases, prefixes and exact totals come from postings instead of a scan. FTS5 keeps only the
 * index (contentless); the documents stay in DuckDB. A row's FTS5 rowid is `ts << 10 | n`, so that
 * rowid order is time order: a time range is a rowid range and "newest first" is a backward walk of
 * the doclists. Per day (the document's index day) the index counts its rows in the same SQLite
 * transaction, which is how the store proves it caught up with DuckDB after a crash.
 */
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { encodeToken, indexTokens } from './index-analyzer.js';

/** The DuckDB columns indexed, with the field each holds, in FTS5 column order. */
export const TEXT_INDEX_FIELDS: ReadonlyArray<readonly [field: string, column: string]> = [
  ['full_log', 'full_log'],
  ['@message', 'message'],
  ['rule.comment', 'comment'],
];
const COLUMN_OF_FIELD: ReadonlyMap<string, string> = new Map(TEXT_INDEX_FIELDS);

/** The FTS5 column of a field, or undefined when the index does not hold it. */
export function textIndexColumn(field: string): string | undefined {
  return COLUMN_OF_FIELD.get(field);
}

/**
 * 65,536 rows per millisecond: alerts written with second resolution share one millisecond (a
 * fleet's burst easily passes a thousand), while rowid deltas (varints) in the doclists stay small
 * enough. Times up to 2^42 ms (year 2109) fit beside them in the signed 64-bit rowid.
 */
const SEQ_BITS = 16n;
/** `PRAGMA user_version` of the index's layout; another one is dropped and rebuilt from DuckDB. */
const FORMAT_VERSION = 2;
const SEQ_MASK = (1n << SEQ_BITS) - 1n;
/** How often a rowid taken already (two rows of one millisecond) is retried with the next number. */
const MAX_ROWID_TRIES = 64;

/**
 * Tokens are kept in the alphabet FTS5's `ascii` tokenizer keeps whole ([a-z0-9] and any
 * non-ASCII): index-analyzer.ts's `encodeToken` (a–z, 0–9 as they are, every other character as a
 * marker and a fixed number of hex digits). The code is prefix-free, so a prefix of a token encodes
 * to a prefix of its encoding and FTS5's prefix query is the analyzer's prefix query.
 */
export { encodeToken };

/** A text as the index takes it: its standard-analyzer tokens, encoded, one space between. */
export function indexedText(text: string | null | undefined): string | null {
  if (text === null || text === undefined || text === '') return null;
  return indexTokens(text);
}

/** A row to index: its time, its index day (epoch day of `dedup_ts`), and its texts in TEXT_INDEX_FIELDS order (already `indexedText`). */
export interface TextIndexRow {
  ts: number;
  day: number;
  texts: ReadonlyArray<string | null>;
}

const lowRowid = (ms: number): bigint => BigInt(Math.trunc(ms)) << SEQ_BITS;
const highRowid = (ms: number): bigint => lowRowid(ms) | SEQ_MASK;
/** The time of a rowid. */
export const timeOfRowid = (rowid: bigint): number => Number(rowid >> SEQ_BITS);

/** The widest time range a rowid holds (ms), for queries with no time range. */
const ALL_TIME = { fromMs: -(2 ** 42), toMs: 2 ** 42 };

export class TextIndex {
  private readonly insert: StatementSync;
  private readonly addDay: StatementSync;
  private seq: bigint;

  private constructor(private readonly db: DatabaseSync) {
    this.insert = db.prepare(`INSERT INTO text_index(rowid, ${TEXT_INDEX_FIELDS.map(([, c]) => c).join(', ')}, day) VALUES (?, ?, ?, ?, ?)`);
    this.addDay = db.prepare('INSERT INTO text_days(day, n) VALUES (?, ?) ON CONFLICT(day) DO UPDATE SET n = n + excluded.n');
    const max = db.prepare('SELECT max(rowid) AS m FROM text_index');
    max.setReadBigInts(true);
    const m = (max.get() as { m: bigint | null }).m;
    this.seq = m === null ? 0n : (m & SEQ_MASK) + 1n;
  }

  /** Opens (creating) the index at `path` (`:memory:` for tests). */
  static open(path: string): TextIndex {
    const db = new DatabaseSync(path);
    // WAL: a commit is one append; a kill -9 loses nothing committed (the log is in the OS's
    // cache), and a power cut at worst loses the newest commits, which the day counts then show.
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    const columns = TEXT_INDEX_FIELDS.map(([, c]) => c).join(', ');
    db.exec(
      `CREATE VIRTUAL TABLE IF NOT EXISTS text_index USING fts5(${columns}, day UNINDEXED, ` +
        `content='', contentless_delete=1, contentless_unindexed=1, tokenize='ascii', detail=full)`,
    );
    db.exec('CREATE TABLE IF NOT EXISTS text_days (day INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
    const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    if (version !== FORMAT_VERSION) {
      // Another layout (rowids of other sequence bits): emptied, so that the day counts differ and the store rebuilds the days.
      db.exec("INSERT INTO text_index(text_index) VALUES ('delete-all')");
      db.exec('DELETE FROM text_days');
      db.exec(`PRAGMA user_version = ${FORMAT_VERSION}`);
    }
    return new TextIndex(db);
  }

  /** Adds rows in one transaction: all of them or none. */
  add(rows: readonly TextIndexRow[]): void {
    if (rows.length === 0) return;
    const perDay = new Map<number, number>();
    this.db.exec('BEGIN');
    try {
      for (const row of rows) {
        this.insertRow(row);
        perDay.set(row.day, (perDay.get(row.day) ?? 0) + 1);
      }
      for (const [day, n] of perDay) this.addDay.run(day, n);
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  private insertRow(row: TextIndexRow): void {
    const texts = row.texts;
    for (let attempt = 0; ; attempt++) {
      const rowid = lowRowid(row.ts) | (this.seq & SEQ_MASK);
      this.seq++;
      try {
        this.insert.run(rowid, texts[0] ?? null, texts[1] ?? null, texts[2] ?? null, row.day);
        return;
      } catch (e) {
        // Only a rowid taken already (more than 65,536 rows of one millisecond) is retried.
        if (attempt >= MAX_ROWID_TRIES || !/constraint/i.test((e as Error).message)) throw e;
      }
    }
  }

  /** Removes the rows of index days in [fromDay, toDay); returns how many. */
  deleteDays(fromDay: number, toDay: number): number {
    this.db.exec('BEGIN');
    try {
      const ids = this.db.prepare('SELECT rowid FROM text_index WHERE day >= ? AND day < ?');
      ids.setReadBigInts(true);
      const remove = this.db.prepare('DELETE FROM text_index WHERE rowid = ?');
      let n = 0;
      for (const { rowid } of ids.iterate(fromDay, toDay) as Iterable<{ rowid: bigint }>) {
        remove.run(rowid);
        n++;
      }
      this.db.prepare('DELETE FROM text_days WHERE day >= ? AND day < ?').run(fromDay, toDay);
      this.db.exec('COMMIT');
      return n;
    } catch (e) {
      this.db.exec('ROLLBACK');
      throw e;
    }
  }

  /** Rows per index day, as counted when they were added. */
  dayCounts(): Map<number, number> {
    const rows = this.db.prepare('SELECT day, n FROM text_days').all() as Array<{ day: number; n: number }>;
    return new Map(rows.map((r) => [Number(r.day), Number(r.n)]));
  }

  /** How many rows match the FTS5 expression within the time range (inclusive ms). */
  count(match: string, range: { fromMs: number; toMs: number } = ALL_TIME): number {
    const statement = this.db.prepare('SELECT count(*) AS n FROM text_index WHERE text_index MATCH ? AND rowid BETWEEN ? AND ?');
    return Number((statement.get(match, lowRowid(range.fromMs), highRowid(range.toMs)) as { n: number }).n);
  }

  /** The times of the first `limit` matching rows in time order (newest first for `desc`). */
  times(match: string, order: 'asc' | 'desc', limit: number, range: { fromMs: number; toMs: number } = ALL_TIME): number[] {
    const statement = this.db.prepare(`SELECT rowid FROM text_index WHERE text_index MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid ${order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`);
    statement.setReadBigInts(true);
    const rows = statement.all(match, lowRowid(range.fromMs), highRowid(range.toMs), limit) as Array<{ rowid: bigint }>;
    return rows.map((r) => timeOfRowid(r.rowid));
  }

  /** Merges the index's segments into one (smaller, faster; takes a while on a big index). */
  optimize(): void {
    this.db.exec("INSERT INTO text_index(text_index) VALUES ('optimize')");
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}
