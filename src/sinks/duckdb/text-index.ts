/**
 * @module The embedded store's inverted index of its text fields: SQLite FTS5 (node:sqlite) in a file
 * beside the DuckDB file, fed the standard analyzer's tokens (the query engine's), so that terms,
 * phrases, prefixes and exact totals come from postings instead of a scan. FTS5 keeps only the
 * index (contentless); the documents stay in DuckDB. `@message` (the whole alert as JSON, which
 * holds `full_log` and `rule.comment` again) is kept as a delta against them: the tokens it adds
 * (`extra`) and the tokens of those fields it lacks (`missing`, nearly always none), so that the
 * index holds each alert's text about once. A row's FTS5 rowid is `ts << 16 | n`, so that
 * rowid order is time order: a time range is a rowid range and "newest first" is a backward walk of
 * the doclists. Per day (the document's index day) the index counts its rows in the same SQLite
 * transaction, which is how the store proves it caught up with DuckDB after a crash. Beside the
 * day each row keeps its `rule.level` (UNINDEXED), so that a histogram stacked by level is counted
 * from the matches alone. Opened with `segments`, a closed day's rows can be moved out of FTS5
 * into an immutable segment (text-segment.ts, a file of its own: `compactDay`); every row is then
 * in exactly one place, and every answer is FTS5's part plus the segments' parts, read at one
 * snapshot of the file (the segment list and FTS5 in one read transaction).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { encodeToken, indexTokens } from './index-analyzer.js';
import { TEXT_INDEX_COLUMNS } from './text-index-columns.js';
import { TextIndexCounts, type TimeSpan } from './text-index-counts.js';
import { FileSegmentStore, MemorySegmentStore, SEGMENT_SUFFIX, SegmentReaders, TextSegmentStoreError, type SegmentStore } from './text-segment-files.js';
import { decodedPostings, encodeSegment, TextSegment } from './text-segment.js';

/** The FTS5 columns, in order (text-index-columns.ts). */
export { TEXT_INDEX_COLUMNS };

/** How the index holds a field: as an FTS5 column of its own, or as the delta (`message`). */
export type TextIndexColumn = 'full_log' | 'comment' | 'message';
const COLUMN_OF_FIELD: ReadonlyMap<string, TextIndexColumn> = new Map([
  ['full_log', 'full_log'],
  ['@message', 'message'],
  ['rule.comment', 'comment'],
]);

/** How the index holds a field, or undefined when it does not. */
export function textIndexColumn(field: string): TextIndexColumn | undefined {
  return COLUMN_OF_FIELD.get(field);
}

/**
 * 65,536 rows per millisecond: alerts written with second resolution share one millisecond (a
 * fleet's burst easily passes a thousand), while rowid deltas (varints) in the doclists stay small
 * enough. Times up to 2^42 ms (year 2109) fit beside them in the signed 64-bit rowid.
 */
const SEQ_BITS = 16n;
/** `PRAGMA user_version` of the index's layout; another one is dropped and rebuilt from DuckDB. */
const FORMAT_VERSION = 4;
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

/**
 * A row to index: its time, its index day (epoch day of `dedup_ts`), its `rule.level` as the
 * store's `level` column holds it (NULL when the alert has none or not a 32-bit integer, which the
 * scan's terms leave out alike), and its texts in TEXT_INDEX_COLUMNS order (`indexedTexts`).
 */
export interface TextIndexRow {
  ts: number;
  day: number;
  level: number | null;
  texts: ReadonlyArray<string | null>;
}

/**
 * The FTS5 columns' texts of a row (TEXT_INDEX_COLUMNS order): `full_log` and `rule.comment` as
 * their encoded tokens, `@message` as the distinct tokens it adds to them and the distinct tokens
 * of theirs it lacks (an escape in the JSON can split a token of `full_log`). The definition, kept
 * plain: the write path uses index-analyzer.ts's indexedTextsOf, one pass over bytes, which a
 * property test holds equal to this.
 */
export function indexedTexts(fullLog: string | null | undefined, message: string | null | undefined, comment: string | null | undefined): Array<string | null> {
  const log = indexedText(fullLog);
  const rule = indexedText(comment);
  const own = new Set<string>();
  if (log !== null && log !== '') for (const t of log.split(' ')) own.add(t);
  if (rule !== null && rule !== '') for (const t of rule.split(' ')) own.add(t);
  const whole = indexedText(message);
  const inMessage = new Set<string>();
  let extra = '';
  if (whole !== null && whole !== '') {
    for (const t of whole.split(' ')) {
      if (inMessage.has(t)) continue;
      inMessage.add(t);
      if (!own.has(t)) extra += extra === '' ? t : ` ${t}`;
    }
  }
  let missing = '';
  for (const t of own) if (!inMessage.has(t)) missing += missing === '' ? t : ` ${t}`;
  return [log, rule, extra === '' ? null : extra, missing === '' ? null : missing];
}

const lowRowid = (ms: number): bigint => BigInt(Math.trunc(ms)) << SEQ_BITS;
const highRowid = (ms: number): bigint => lowRowid(ms) | SEQ_MASK;
/** The time of a rowid. */
export const timeOfRowid = (rowid: bigint): number => Number(rowid >> SEQ_BITS);

/**
 * The content table's column of `level`: FTS5 keeps a contentless table's UNINDEXED columns
 * (contentless_unindexed=1) in `text_index_content(id, c<i>...)`, `i` the column's position in
 * the table (TEXT_INDEX_COLUMNS, then day, then level).
 */
const LEVEL_CONTENT_COLUMN = `c${TEXT_INDEX_COLUMNS.length + 1}`;
/** The SQL function that counts each match into TextIndex's tally (registered on its connection only). */
const TALLY_FUNCTION = 'hidsmon_tally';

/** Matches per grain (its time, in time order) and per level (null: none, or not asked). */
type Tally = Array<[number, ReadonlyMap<number | null, number>]>;

/** The tallies of two spans, `b` after `a`, as one: a grain both have (a span's edge within it) adds up. */
function joinTallies(a: Tally, b: Tally): Tally {
  const last = a[a.length - 1];
  const first = b[0];
  if (last === undefined || first === undefined || last[0] !== first[0]) return [...a, ...b];
  const shared = new Map(last[1]);
  for (const [level, n] of first[1]) shared.set(level, (shared.get(level) ?? 0) + n);
  return [...a.slice(0, -1), [last[0], shared], ...b.slice(1)];
}

const tallyCells = (tally: Tally): number => tally.reduce((n, [, levels]) => n + levels.size, 1);

/**
 * The tallies of sources that may share grains (FTS5's rows and each segment's, over one span),
 * as one: grain by grain, each level's matches added up; grains in time order.
 */
function mergeTallies(tallies: readonly Tally[]): Tally {
  const nonEmpty = tallies.filter((t) => t.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? [];
  const grains = new Map<number, Map<number | null, number>>();
  for (const tally of nonEmpty) {
    for (const [grain, levels] of tally) {
      let sum = grains.get(grain);
      if (sum === undefined) grains.set(grain, (sum = new Map()));
      for (const [level, n] of levels) sum.set(level, (sum.get(level) ?? 0) + n);
    }
  }
  return [...grains].sort((a, b) => a[0] - b[0]);
}

/** A segment as the index records it (`text_segments`): what was prepared, once committed. */
type SegmentRecord = PreparedSegment;

/** How the index is opened. */
export interface TextIndexOptions {
  /**
   * Closed days may be moved into segments (`compactDay`), kept in `<path>.segments/` (in memory
   * for `:memory:`); at open, unrecorded segment files are removed and a recorded segment that is
   * missing or corrupt is dropped, its rows taken off the day's count (so that the store rebuilds
   * the day). Without it, an index that has segments already still answers with them.
   */
  segments?: boolean;
  /** Segments kept open at most (each holds a file descriptor and its dictionary index). */
  maxOpenSegments?: number;
}

const DEFAULT_MAX_OPEN_SEGMENTS = 64;
/**
 * Decoded postings kept for all the index's segments (DecodedPostings), in values of 4 bytes
 * (~128 MiB) and in terms: the terms of a few searches in each of a month's days. A search's
 * walk then reads arrays instead of decoding the same terms again; its matches are still walked.
 */
const DECODED_VALUES = 1 << 25;
const DECODED_TERMS = 4_096;
/** How often an answer is read again at a newer snapshot when a segment its snapshot lists is gone (deleted since by the writer). */
const MAX_SNAPSHOT_TRIES = 4;
/** Bytes of WAL kept after a checkpoint (journal_size_limit), with segments. */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;
/** A file more free than this share of its pages once no closed day is left in FTS5 is vacuumed (reclaimStep). */
const VACUUM_FREE_SHARE = 0.5;
/**
 * Pages of output of one FTS5 incremental merge ('merge', -N): a few MB, so that a merge through
 * a file of deleted rows (a backlog's, each output page read from many tombstoned ones) stays a
 * fraction of a second.
 */
const RECLAIM_MERGE_PAGES = 256;
/** How long one reclaim step merges before it gives the writer back (ms). */
export const RECLAIM_STEP_MS = 250;

/**
 * A day's segment written durably under its own new name and not yet recorded (writeSegment):
 * what TextIndex.commitSegment records (its index day, file, documents, bytes and the times of its
 * first and last rows). Its file is removed at the next open if never committed.
 */
export interface PreparedSegment {
  day: number;
  file: string;
  docs: number;
  bytes: number;
  fromMs: number;
  toMs: number;
}

/** Encodes `rows` (all of index day `day`'s) as a segment and writes it to `store` under a new name. */
function prepareSegment(store: SegmentStore, day: number, rows: readonly TextIndexRow[]): PreparedSegment {
  for (const row of rows) if (row.day !== day) throw countMismatch(day, `a row of day ${row.day} given`);
  const bytes = encodeSegment(rows);
  let fromMs = Number.POSITIVE_INFINITY;
  let toMs = Number.NEGATIVE_INFINITY;
  for (const row of rows) {
    if (row.ts < fromMs) fromMs = row.ts;
    if (row.ts > toMs) toMs = row.ts;
  }
  // A new name each time: a reader at an older snapshot never finds another segment under the name it lists.
  const file = `d${day}-${randomBytes(6).toString('hex')}${SEGMENT_SUFFIX}`;
  store.write(file, bytes);
  return { day, file, docs: rows.length, bytes: bytes.length, fromMs, toMs };
}

/**
 * Encodes and writes the segment of index day `day` (all its rows) beside the index file at
 * `path`, on any thread and without a connection: encoding a day takes seconds (~10-100 µs a
 * row), which the writer's thread need not spend. The writer then records it (commitSegment).
 */
export function writeSegment(path: string, day: number, rows: readonly TextIndexRow[]): PreparedSegment {
  if (path === ':memory:') throw new TextSegmentStoreError('TEXT_SEGMENTS_OFF', 'An index in memory writes its segments itself (compactDay).');
  return prepareSegment(new FileSegmentStore(segmentsDir(path)), day, rows);
}

/** The widest time range a rowid holds (ms), for queries with no time range. */
const ALL_TIME = { fromMs: -(2 ** 42), toMs: 2 ** 42 };

/**
 * Which of `rows` (full_log, @message, rule.comment) match an FTS5 expression over those three
 * fields whole (text-index-query.ts's `whole`): the few rows the index cannot decide, put in a
 * table of their own with every field's positions, so that they are decided by the same analyzer
 * and the same expression semantics as the index (DuckDB's predicate compiles regular
 * expressions of the Unicode word classes, ~150 ms a search). Returns the rows' positions.
 */
export function matchingRows(expression: string, rows: ReadonlyArray<readonly [fullLog: string | null, message: string | null, comment: string | null]>): Set<number> {
  const matched = new Set<number>();
  if (rows.length === 0) return matched;
  const db = new DatabaseSync(':memory:');
  try {
    db.exec("CREATE VIRTUAL TABLE rows_at USING fts5(full_log, message, comment, tokenize='ascii', detail=full)");
    const insert = db.prepare('INSERT INTO rows_at(rowid, full_log, message, comment) VALUES (?, ?, ?, ?)');
    db.exec('BEGIN');
    rows.forEach(([fullLog, message, comment], i) => insert.run(i, indexedText(fullLog), indexedText(message), indexedText(comment)));
    db.exec('COMMIT');
    for (const { rowid } of db.prepare('SELECT rowid FROM rows_at WHERE rows_at MATCH ?').all(expression) as Array<{ rowid: number }>) matched.add(Number(rowid));
    return matched;
  } finally {
    db.close();
  }
}

export class TextIndex {
  private readonly insert: StatementSync;
  private readonly addDay: StatementSync;
  private readonly tallyTimes: StatementSync;
  private readonly tallyLevels: StatementSync;
  /** Where TALLY_FUNCTION counts a match: set for one statement's run (node:sqlite runs it synchronously). */
  private tallyRow: ((t: number, level: number | null) => void) | undefined;
  private seq: bigint;
  private readonly countWithin: StatementSync;
  private readonly timesDesc: StatementSync;
  private readonly timesAsc: StatementSync;
  private readonly firstRow: StatementSync;
  private readonly lastRow: StatementSync;
  private readonly dataVersion: StatementSync;
  /** Counts kept between writes (text-index-counts.ts); undefined: every count walks its matches. */
  private counts: TextIndexCounts | undefined = new TextIndexCounts();
  /** `PRAGMA data_version` when the kept counts were last checked: another connection's commit changes it. */
  private seenVersion = -1;
  /** True when every write by another connection is told (`wroteElsewhere`): data_version is then not needed. */
  private announced = false;
  /** Where the segments are, and those open; undefined: the index has none (no `text_segments` table). */
  private readonly segmentFiles: { store: SegmentStore; readers: SegmentReaders<TextSegment>; list: StatementSync } | undefined;
  /** The answer being read (`answer`): whether its read transaction has begun, and the segments it lists. */
  private snapshot: { begun: boolean; segments: SegmentRecord[] | undefined } | undefined;
  /** True when opened with `segments`: compactDay may move days into segments. */
  private readonly compacts: boolean;
  /** Merge steps left to the reclaim under way (reclaimStep); undefined: none under way. */
  private mergeStepsLeft: number | undefined;

  private constructor(
    private readonly db: DatabaseSync,
    segments: { store: SegmentStore; maxOpen: number; compacts: boolean } | undefined,
  ) {
    this.countWithin = db.prepare('SELECT count(*) AS n FROM text_index WHERE text_index MATCH ? AND rowid BETWEEN ? AND ?');
    this.timesDesc = db.prepare('SELECT rowid FROM text_index WHERE text_index MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid DESC LIMIT ?');
    this.timesAsc = db.prepare('SELECT rowid FROM text_index WHERE text_index MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rowid ASC LIMIT ?');
    this.firstRow = db.prepare('SELECT rowid FROM text_index ORDER BY rowid ASC LIMIT 1');
    this.lastRow = db.prepare('SELECT rowid FROM text_index ORDER BY rowid DESC LIMIT 1');
    for (const s of [this.timesDesc, this.timesAsc, this.firstRow, this.lastRow]) s.setReadBigInts(true);
    this.dataVersion = db.prepare('PRAGMA data_version');
    this.insert = db.prepare(`INSERT INTO text_index(rowid, ${TEXT_INDEX_COLUMNS.join(', ')}, day, level) VALUES (?, ?, ?, ?, ?, ?, ?)`);
    this.addDay = db.prepare('INSERT INTO text_days(day, n) VALUES (?, ?) ON CONFLICT(day) DO UPDATE SET n = n + excluded.n');
    // directOnly: callable from these statements only, never from the file's schema or triggers.
    db.function(TALLY_FUNCTION, { deterministic: false, directOnly: true }, (t, level) => {
      this.tallyRow?.(Number(t), level === null ? null : Number(level));
      return null;
    });
    const within = 'x.text_index MATCH ? AND x.rowid BETWEEN ? AND ?';
    this.tallyTimes = db.prepare(`SELECT count(${TALLY_FUNCTION}(x.rowid >> ${SEQ_BITS}, NULL)) FROM text_index x WHERE ${within}`);
    // LEFT JOIN: the matches drive, each seeks its content row (never the content table scanned),
    // and every match is counted, a row without one as of no level (FTS5 writes one for each).
    this.tallyLevels = db.prepare(`SELECT count(${TALLY_FUNCTION}(x.rowid >> ${SEQ_BITS}, c.${LEVEL_CONTENT_COLUMN})) FROM text_index x LEFT JOIN text_index_content c ON c.id = x.rowid WHERE ${within}`);
    const max = db.prepare('SELECT max(rowid) AS m FROM text_index');
    max.setReadBigInts(true);
    const m = (max.get() as { m: bigint | null }).m;
    this.seq = m === null ? 0n : (m & SEQ_MASK) + 1n;
    this.compacts = segments?.compacts === true;
    const decoded = decodedPostings(DECODED_VALUES, DECODED_TERMS);
    this.segmentFiles =
      segments === undefined
        ? undefined
        : {
            store: segments.store,
            readers: new SegmentReaders(
              segments.store,
              (source) => {
                const segment = TextSegment.open(source, decoded);
                // A segment's kept matches are kept counts too: text_count_cache false walks them alike.
                segment.keepMatches = () => this.counts !== undefined;
                return segment;
              },
              segments.maxOpen,
            ),
            list: db.prepare('SELECT day, file, docs, bytes, from_ms AS fromMs, to_ms AS toMs FROM text_segments ORDER BY day'),
          };
  }

  /** Opens (creating) the index at `path` (`:memory:` for tests). */
  static open(path: string, options: TextIndexOptions = {}): TextIndex {
    let db = new DatabaseSync(path);
    const version = (db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number }).n;
    const inMemory = path === ':memory:';
    if (version !== FORMAT_VERSION && tables > 0 && !inMemory) {
      // Another layout (other columns, rowids of other sequence bits): the file is removed, so
      // that the day counts differ from DuckDB's and the store rebuilds every day. (FTS5's shadow
      // tables cannot all be dropped from SQL.) Its segments go with it.
      db.close();
      for (const p of [path, `${path}-wal`, `${path}-shm`]) rmSync(p, { force: true });
      rmSync(segmentsDir(path), { recursive: true, force: true });
      db = new DatabaseSync(path);
    }
    // WAL: a commit is one append; a kill -9 loses nothing committed (the log is in the OS's
    // cache), and a power cut at worst loses the newest commits, which the day counts then show.
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    const columns = TEXT_INDEX_COLUMNS.join(', ');
    db.exec(
      `CREATE VIRTUAL TABLE IF NOT EXISTS text_index USING fts5(${columns}, day UNINDEXED, level UNINDEXED, ` +
        `content='', contentless_delete=1, contentless_unindexed=1, tokenize='ascii', detail=full)`,
    );
    db.exec('CREATE TABLE IF NOT EXISTS text_days (day INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
    if (options.segments === true) {
      // A compaction's transaction rewrites FTS5's segments (its deletes): the WAL it grew to is
      // cut back to this once checkpointed, rather than kept at its largest.
      db.exec(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT}`);
      // FTS5 (contentless_delete) merges a segment again once a tenth of its rows are deleted, at
      // the deleting commit: a compaction deletes a day of the few (or, in a backlog, of the
      // many) days FTS5 holds, so each commit rewrote most of FTS5 (7.4 of 9.6 s at 100,000
      // alerts, 28 days compacted). Off: deletes leave tombstones, and once no closed day is left
      // the index is merged once (reclaimStep: 0.2 s of commits and 1 s of merging instead).
      // A setting of FTS5's (its config table), not a change of its layout.
      const deleteMerge = db.prepare("SELECT v FROM text_index_config WHERE k = 'deletemerge'").get() as { v: unknown } | undefined;
      if (Number(deleteMerge?.v) !== 0 || deleteMerge === undefined) db.exec("INSERT INTO text_index(text_index, rank) VALUES ('deletemerge', 0)");
      // A table beside FTS5's (not a change of its layout): the segments and what each holds.
      db.exec('CREATE TABLE IF NOT EXISTS text_segments (day INTEGER PRIMARY KEY, file TEXT NOT NULL, docs INTEGER NOT NULL, bytes INTEGER NOT NULL, from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL)');
    }
    db.exec(`PRAGMA user_version = ${FORMAT_VERSION}`);
    const hasSegments = (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name = 'text_segments'").get() as { n: number }).n > 0;
    if (!hasSegments) return new TextIndex(db, undefined);
    const store = inMemory ? new MemorySegmentStore() : new FileSegmentStore(segmentsDir(path));
    if (options.segments === true && !inMemory) repairSegments(db, store);
    return new TextIndex(db, { store, maxOpen: options.maxOpenSegments ?? DEFAULT_MAX_OPEN_SEGMENTS, compacts: options.segments === true });
  }

  /** Adds rows in one transaction: all of them or none. */
  add(rows: readonly TextIndexRow[]): void {
    if (rows.length === 0) return;
    this.counts?.writing(rows.map((row) => row.ts));
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
        this.insert.run(rowid, texts[0] ?? null, texts[1] ?? null, texts[2] ?? null, texts[3] ?? null, row.day, row.level);
        return;
      } catch (e) {
        // Only a rowid taken already (more than 65,536 rows of one millisecond) is retried.
        if (attempt >= MAX_ROWID_TRIES || !/constraint/i.test((e as Error).message)) throw e;
      }
    }
  }

  /** Removes the FTS5 rows of index days in [fromDay, toDay) (inside the caller's transaction); returns how many. */
  private deleteFtsRows(fromDay: number, toDay: number): number {
    const ids = this.db.prepare('SELECT rowid FROM text_index WHERE day >= ? AND day < ?');
    ids.setReadBigInts(true);
    const remove = this.db.prepare('DELETE FROM text_index WHERE rowid = ?');
    // Read whole before the deletes: a walk of the table while deleting from it is not defined.
    const rowids = (ids.all(fromDay, toDay) as Array<{ rowid: bigint }>).map((r) => r.rowid);
    for (const rowid of rowids) remove.run(rowid);
    return rowids.length;
  }

  /** Removes the rows of index days in [fromDay, toDay), their segments too; returns how many. */
  deleteDays(fromDay: number, toDay: number): number {
    this.counts?.drop(); // index days, not the rows' times: every kept count may change
    let gone: SegmentRecord[] = [];
    this.db.exec('BEGIN');
    try {
      let n = this.deleteFtsRows(fromDay, toDay);
      if (this.segmentFiles !== undefined) {
        gone = (this.segmentFiles.list.all() as unknown as SegmentRecord[]).filter((s) => s.day >= fromDay && s.day < toDay);
        this.db.prepare('DELETE FROM text_segments WHERE day >= ? AND day < ?').run(fromDay, toDay);
        for (const s of gone) n += Number(s.docs);
      }
      this.db.prepare('DELETE FROM text_days WHERE day >= ? AND day < ?').run(fromDay, toDay);
      this.db.exec('COMMIT');
      // The files after the commit: a crash in between leaves unrecorded files, removed at open.
      for (const s of gone) this.removeSegmentFile(s.file);
      return n;
    } catch (e) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw e;
    }
  }

  private removeSegmentFile(file: string): void {
    if (this.segmentFiles === undefined) return;
    this.segmentFiles.readers.close(file);
    this.segmentFiles.store.remove(file);
  }

  /**
   * Moves index day `day`'s rows out of FTS5 into a segment: `rows` are all of them (as add() takes
   * them), else TEXT_SEGMENT_COUNT_MISMATCH and nothing changes. The segment is written durably
   * first, then recorded and the day's FTS5 rows deleted in one transaction; the day's count stays
   * (its rows moved). A day compacted before (with late rows since) gets a new segment of all its
   * rows, which replaces the old one. Answers do not change, so kept counts stay.
   */
  compactDay(day: number, rows: readonly TextIndexRow[]): { docs: number; bytes: number } {
    const files = this.segmentFiles;
    if (files === undefined || !this.compacts) throw new TextSegmentStoreError('TEXT_SEGMENTS_OFF', 'The text index was opened without segments.');
    // Counted first: a wrong day is refused before it is encoded.
    const counted = this.dayCount(day);
    if (rows.length !== counted) throw countMismatch(day, `${rows.length} rows given, the index counts ${counted}`);
    if (rows.length === 0) return { docs: 0, bytes: 0 };
    return this.commitSegment(prepareSegment(files.store, day, rows));
  }

  /**
   * Records a segment written by writeSegment (or compactDay) and deletes its day's FTS5 rows, in
   * one transaction, if the day still counts exactly its documents (else
   * TEXT_SEGMENT_COUNT_MISMATCH, and the file is removed); a segment the day had is replaced.
   * The pages FTS5 freed are given back later, in steps (reclaimStep).
   */
  commitSegment(prepared: PreparedSegment): { docs: number; bytes: number } {
    const files = this.segmentFiles;
    if (files === undefined || !this.compacts) {
      this.segmentFiles?.store.remove(prepared.file);
      throw new TextSegmentStoreError('TEXT_SEGMENTS_OFF', 'The text index was opened without segments.');
    }
    const { day, file, docs } = prepared;
    let previous: SegmentRecord | undefined;
    try {
      this.db.exec('BEGIN IMMEDIATE');
      // Under the write lock: no other connection writes the day until the commit.
      const counted = this.dayCount(day);
      if (counted !== docs) throw countMismatch(day, `the segment holds ${docs} rows, the index counts ${counted}`);
      previous = (files.list.all() as unknown as SegmentRecord[]).find((s) => s.day === day);
      const moved = this.deleteFtsRows(day, day + 1);
      if (moved + Number(previous?.docs ?? 0) !== docs) throw countMismatch(day, `FTS5 holds ${moved} of its rows and its segment ${previous?.docs ?? 0}, the index counts ${docs}`);
      this.db
        .prepare('INSERT INTO text_segments(day, file, docs, bytes, from_ms, to_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(day) DO UPDATE SET file = excluded.file, docs = excluded.docs, bytes = excluded.bytes, from_ms = excluded.from_ms, to_ms = excluded.to_ms')
        .run(day, file, docs, prepared.bytes, prepared.fromMs, prepared.toMs);
      this.db.exec('COMMIT');
    } catch (e) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      files.store.remove(file);
      throw e;
    }
    if (previous !== undefined) this.removeSegmentFile(previous.file);
    this.checkpoint();
    return { docs, bytes: prepared.bytes };
  }

  private dayCount(day: number): number {
    return Number((this.db.prepare('SELECT n FROM text_days WHERE day = ?').get(day) as { n: number } | undefined)?.n ?? 0);
  }

  /**
   * One bounded step of giving back what compactions freed (after them, on the writer, as its
   * own request: writes go on between steps). Once no closed day is left in FTS5 (after a backlog
   * of days compacted, or each day's compaction in steady state), FTS5 is merged into one segment,
   * which drops the deleted rows' postings (kept as tombstones till then: deletemerge is off), by
   * incremental merges of RECLAIM_MERGE_PAGES for up to `budgetMs`, never one optimize: at
   * 10,000,000 alerts the first compaction's optimize ran past the writer's 2-minute bound. Once
   * merged, SQLite keeping freed pages in the file for later writes, VACUUM rewrites what is
   * left (the open days only) when most of the file is free (measured at 300,000 alerts over 31
   * days, 29 compacted: 884 -> 19 B/alert in 0.5 s, where auto_vacuum's incremental_vacuum took
   * 10 s, moving each page), and the WAL is checkpointed and cut back. Returns true when nothing
   * is left to do. Best effort: compactions stand whatever happens here, and the next one tries
   * again.
   */
  reclaimStep(budgetMs = RECLAIM_STEP_MS): boolean {
    if (!this.compacts) return true;
    try {
      // More days to compact: their deletes first, one merge after them all (commitSegment
      // checkpointed). Days older than yesterday: yesterday, still taking late alerts, does not hold it back.
      if (this.compactionCandidates(2).length > 0) return true;
      const started = performance.now();
      // Bounded however fast writes add segments meanwhile (a negative merge takes them in too).
      this.mergeStepsLeft ??= 2 * Math.ceil(this.pragma('page_count') / RECLAIM_MERGE_PAGES) + 8;
      const changes = this.db.prepare('SELECT total_changes() AS n');
      for (;;) {
        const before = Number((changes.get() as { n: number }).n);
        this.db.exec(`INSERT INTO text_index(text_index, rank) VALUES ('merge', -${RECLAIM_MERGE_PAGES})`);
        // FTS5's own test of a merge that found nothing left to merge: fewer than two changes.
        const merged = Number((changes.get() as { n: number }).n) - before >= 2;
        if (!merged || --this.mergeStepsLeft <= 0) break;
        if (performance.now() - started >= budgetMs) return false;
      }
      this.mergeStepsLeft = undefined;
      if (this.pragma('freelist_count') > VACUUM_FREE_SHARE * this.pragma('page_count')) this.db.exec('VACUUM');
      this.checkpoint();
    } catch {
      // Busy (a reader's snapshot) or anything else: the pages stay free in the file, reused by later writes.
      this.mergeStepsLeft = undefined;
    }
    return true;
  }

  /** Every step of reclaimStep, on the caller's thread (an index with no writer queue: tests, tools). */
  reclaimPages(): void {
    while (!this.reclaimStep()) {
      // each step bounded; the merge's own count ends the loop
    }
  }

  private pragma(name: string): number {
    return Number(Object.values(this.db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown>)[0]);
  }

  /** The WAL checkpointed and cut back, if no reader holds it (best effort). */
  private checkpoint(): void {
    try {
      this.db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get();
    } catch {
      // busy: a later checkpoint cuts it back
    }
  }

  /** The index days kept as segments: their documents and bytes. */
  segmentDays(): Map<number, { docs: number; bytes: number }> {
    const out = new Map<number, { docs: number; bytes: number }>();
    if (this.segmentFiles === undefined) return out;
    for (const s of this.segmentFiles.list.all() as unknown as SegmentRecord[]) out.set(Number(s.day), { docs: Number(s.docs), bytes: Number(s.bytes) });
    return out;
  }

  /** The bytes of every segment. */
  segmentBytes(): number {
    let n = 0;
    for (const { bytes } of this.segmentDays().values()) n += bytes;
    return n;
  }

  /**
   * The index days with rows in FTS5 that are at least `keepNewest` days older than the newest
   * index day, oldest first: what compactDay may move (the store decides when a day is quiet, and
   * how many newest days stay: text-index-compaction.ts's KEEP_NEWEST_DAYS).
   */
  compactionCandidates(keepNewest: number): number[] {
    if (this.segmentFiles === undefined) return [];
    const rows = this.db
      .prepare('SELECT d.day AS day FROM text_days d LEFT JOIN text_segments s ON s.day = d.day WHERE d.n > coalesce(s.docs, 0) AND d.day <= (SELECT max(day) FROM text_days) - ? ORDER BY d.day')
      .all(keepNewest) as Array<{ day: number }>;
    return rows.map((r) => Number(r.day));
  }

  /** How many segments are open now (bounded by `maxOpenSegments`). */
  openSegments(): number {
    return this.segmentFiles?.readers.size ?? 0;
  }

  /** Rows per index day, as counted when they were added. */
  dayCounts(): Map<number, number> {
    const rows = this.db.prepare('SELECT day, n FROM text_days').all() as Array<{ day: number; n: number }>;
    return new Map(rows.map((r) => [Number(r.day), Number(r.n)]));
  }

  /**
   * Runs an answer at one snapshot of the file: with segments, its FTS5 statements and the segment
   * list are read in one read transaction (begun on the first read, `read`), so that a compaction
   * or deletion the writer commits meanwhile is seen whole or not at all. A segment the snapshot
   * lists but whose file is gone (deleted after that commit) makes the answer read again.
   */
  private answer<T>(run: () => T): T {
    if (this.segmentFiles === undefined || this.snapshot !== undefined) return run();
    for (let attempt = 1; ; attempt++) {
      const snapshot: { begun: boolean; segments: SegmentRecord[] | undefined } = { begun: false, segments: undefined };
      this.snapshot = snapshot;
      try {
        return run();
      } catch (e) {
        if (!(e instanceof TextSegmentStoreError && e.code === 'TEXT_SEGMENT_GONE') || attempt >= MAX_SNAPSHOT_TRIES) throw e;
      } finally {
        this.snapshot = undefined;
        if (snapshot.begun && this.db.isTransaction) this.db.exec('COMMIT');
      }
    }
  }

  /** Before a read of the answer's snapshot: its read transaction begun. */
  private read(): void {
    const snapshot = this.snapshot;
    if (snapshot === undefined || snapshot.begun) return;
    snapshot.begun = !this.db.isTransaction; // a caller's own transaction is already one snapshot
    if (snapshot.begun) this.db.exec('BEGIN');
  }

  /** The segments of the answer's snapshot; open segments no longer listed are closed. */
  private segments(): SegmentRecord[] {
    const files = this.segmentFiles;
    if (files === undefined) return [];
    if (this.snapshot?.segments !== undefined) return this.snapshot.segments;
    this.read();
    const list = (files.list.all() as unknown as SegmentRecord[]).map((s) => ({ day: Number(s.day), file: s.file, docs: Number(s.docs), bytes: Number(s.bytes), fromMs: Number(s.fromMs), toMs: Number(s.toMs) }));
    files.readers.keepOnly(new Set(list.map((s) => s.file)));
    if (this.snapshot !== undefined) this.snapshot.segments = list;
    return list;
  }

  /** The segments of the snapshot holding rows within the span, each as read. */
  private segmentsWithin(span: TimeSpan): Array<{ record: SegmentRecord; segment: () => TextSegment }> {
    const files = this.segmentFiles;
    if (files === undefined) return [];
    return this.segments()
      .filter((s) => s.fromMs <= span.toMs && s.toMs >= span.fromMs)
      .map((record) => ({ record, segment: () => files.readers.get(record.file) }));
  }

  /** FTS5's matches within the span. */
  private ftsCount(match: string, span: TimeSpan): number {
    this.read();
    return Number((this.countWithin.get(match, lowRowid(span.fromMs), highRowid(span.toMs)) as { n: number }).n);
  }

  /** How many rows match the FTS5 expression within the time range (inclusive ms). */
  count(match: string, range: { fromMs: number; toMs: number } = ALL_TIME): number {
    return this.summed(match, range, (segment, span) => segment.count(match, span), (counts, within) => counts.count(match, range, this.extent(counts), within));
  }

  /**
   * At most how many rows match within the time range, cheaply: FTS5's part counted, each
   * segment's bounded from its dictionary (TextSegment.countAtMost), no segment's postings walked.
   * Where it equals the count of an expression known to match no more, the two count alike.
   */
  countAtMost(match: string, range: { fromMs: number; toMs: number } = ALL_TIME): number {
    // Kept as counts are (FTS5's part is a walk), under a key of its own.
    const keep = (counts: TextIndexCounts, within: (span: TimeSpan) => number): number => counts.keep(`m:${match}`, range, this.extent(counts), { answer: within, join: (a, b) => a + b, none: 0, cells: () => 1 });
    return this.summed(match, range, (segment, span) => segment.countAtMost(match, span), keep);
  }

  /**
   * FTS5's count of `match` within a span plus each segment's part there (`segmentPart`), over the
   * range: from the kept counts (`kept`, given the walk of a span) where they are on, else walked.
   */
  private summed(match: string, range: TimeSpan, segmentPart: (segment: TextSegment, span: TimeSpan) => number, kept: (counts: TextIndexCounts, within: (span: TimeSpan) => number) => number): number {
    return this.answer(() => {
      const within = (span: TimeSpan): number => {
        let n = this.ftsCount(match, span);
        for (const { segment } of this.segmentsWithin(span)) n += segmentPart(segment(), span);
        return n;
      };
      const counts = this.keptAnswers();
      return counts === undefined ? within(range) : kept(counts, within);
    });
  }

  /** The kept counts (undefined: off), all dropped first if another connection committed since. */
  private keptAnswers(): TextIndexCounts | undefined {
    const counts = this.counts;
    if (counts === undefined) return undefined;
    if (this.announced) return counts;
    const version = Number((this.dataVersion.get() as { data_version: number }).data_version);
    if (version !== this.seenVersion) {
      // Another connection (the writer's worker thread) committed: what it changed is not known here.
      this.seenVersion = version;
      counts.drop();
    }
    return counts;
  }

  /**
   * From now on every write to the file by another connection is told through `wroteElsewhere`
   * once it has committed (the store's writer thread, the only other writer: DuckDB's lock keeps
   * one store per file), so kept counts follow those writes day by day.
   */
  writesAnnounced(): void {
    this.announced = true;
  }

  /** Another connection committed rows at these times (ms), or deleted rows: the kept counts they touch are dropped. */
  wroteElsewhere(change: Iterable<number> | 'deleted'): void {
    if (change === 'deleted') this.counts?.drop();
    else this.counts?.writing(change);
  }

  /** Keeps counts between writes (the default), or walks the matches of every count. */
  keepCounts(on: boolean): void {
    this.counts = on ? (this.counts ?? new TextIndexCounts()) : undefined;
  }

  /** How many counts were answered from the kept ones, and how many were counted. */
  keptCounts(): { hits: number; misses: number } {
    return { hits: this.counts?.hits ?? 0, misses: this.counts?.misses ?? 0 };
  }

  /** The times of the first and the last row (null: none), read again after a change the counts do not follow. */
  private extent(counts: TextIndexCounts): TimeSpan | null {
    const known = counts.knownExtent();
    if (known !== undefined) return known;
    this.read();
    const first = this.firstRow.get() as { rowid: bigint } | undefined;
    const last = this.lastRow.get() as { rowid: bigint } | undefined;
    let extent = first === undefined || last === undefined ? null : { fromMs: timeOfRowid(first.rowid), toMs: timeOfRowid(last.rowid) };
    for (const s of this.segments()) extent = extent === null ? { fromMs: s.fromMs, toMs: s.toMs } : { fromMs: Math.min(extent.fromMs, s.fromMs), toMs: Math.max(extent.toMs, s.toMs) };
    counts.setExtent(extent);
    return extent;
  }

  /**
   * How many rows match within the time range, and how many of those have one of `times` (ms), in
   * one walk of the matches: the store adds rows verified in DuckDB at those times, and must not
   * count a row twice.
   */
  countSharing(match: string, times: readonly number[], range: { fromMs: number; toMs: number } = ALL_TIME): { n: number; shared: number } {
    if (times.length === 0) return { n: this.count(match, range), shared: 0 };
    return this.answer(() => {
      const statement = this.db.prepare(
        `SELECT count(*) AS n, coalesce(sum((rowid >> ${SEQ_BITS}) IN (SELECT value FROM json_each(?))), 0) AS shared ` +
          'FROM text_index WHERE text_index MATCH ? AND rowid BETWEEN ? AND ?',
      );
      this.read();
      const row = statement.get(JSON.stringify(times), match, lowRowid(range.fromMs), highRowid(range.toMs)) as { n: number; shared: number };
      const out = { n: Number(row.n), shared: Number(row.shared) };
      for (const { segment } of this.segmentsWithin(range)) {
        const part = segment().countSharing(match, times, range);
        out.n += part.n;
        out.shared += part.shared;
      }
      return out;
    });
  }

  /** The times of the first `limit` matching rows in time order (newest first for `desc`). */
  times(match: string, order: 'asc' | 'desc', limit: number, range: { fromMs: number; toMs: number } = ALL_TIME): number[] {
    return this.answer(() => {
      const statement = order === 'asc' ? this.timesAsc : this.timesDesc;
      this.read();
      const rows = statement.all(match, lowRowid(range.fromMs), highRowid(range.toMs), limit) as Array<{ rowid: bigint }>;
      const fts = rows.map((r) => timeOfRowid(r.rowid));
      const parts = this.segmentsWithin(range);
      if (parts.length === 0 || limit === 0) return fts;
      // SQLite's LIMIT: a negative one is none, so every source is read whole.
      const bounded = limit > 0;
      // Newest segments first (oldest for asc): once `limit` times are known, a segment that
      // cannot hold a time before the limit-th (in the order asked) is not read.
      const desc = order === 'desc';
      parts.sort((a, b) => (desc ? b.record.toMs - a.record.toMs : a.record.fromMs - b.record.fromMs));
      const before = (a: number, b: number): number => (desc ? b - a : a - b);
      let best = fts;
      for (const { record, segment } of parts) {
        if (bounded && best.length >= limit) {
          const last = best[limit - 1] as number;
          if (desc ? record.toMs <= last : record.fromMs >= last) break;
        }
        const merged = [...best, ...segment().times(match, order, limit, range)].sort(before);
        best = bounded ? merged.slice(0, limit) : merged;
      }
      return best;
    });
  }

  /** How many rows match per grain of time (`grainMs`, keys its multiples) within the range, in time order. */
  grainCounts(match: string, grainMs: number, range: { fromMs: number; toMs: number } = ALL_TIME): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const [key, levels] of this.tally(match, grainMs, range, false)) out.push([key, levels.get(null) ?? 0]);
    return out;
  }

  /**
   * How many rows match per grain of time and `rule.level` (null: none) within the range, in one
   * walk of the matches: `[grain, level, n]`, grains in time order (levels in order of first
   * match within a grain). A histogram stacked by level, and its plain counts summed over levels.
   */
  grainLevelCounts(match: string, grainMs: number, range: { fromMs: number; toMs: number } = ALL_TIME): Array<[number, number | null, number]> {
    const out: Array<[number, number | null, number]> = [];
    for (const [key, levels] of this.tally(match, grainMs, range, true)) for (const [level, n] of levels) out.push([key, level, n]);
    return out;
  }

  /** The matches within the range per grain (and per level), kept between writes where it may be. */
  private tally(match: string, grainMs: number, range: { fromMs: number; toMs: number }, withLevels: boolean): Tally {
    return this.answer(() => {
      const walk = (span: TimeSpan): Tally => {
        const fts = this.walkTally(match, grainMs, span, withLevels);
        const parts = this.segmentsWithin(span);
        if (parts.length === 0) return fts;
        return mergeTallies([fts, ...parts.map(({ segment }) => segment().tally(match, grainMs, span, withLevels) as Tally)]);
      };
      const counts = this.keptAnswers();
      if (counts === undefined) return walk(range);
      // Kept between writes as counts are (text-index-counts.ts): Discover asks the same histogram
      // again on every refresh and reload, and it was nine tenths of such a search once its counts were kept.
      return counts.keep(`${withLevels ? 'levels' : 'grains'}:${grainMs}:${match}`, range, this.extent(counts), { answer: walk, join: joinTallies, none: [], cells: tallyCells });
    });
  }

  /**
   * The matches within the range counted per grain (and per level, else all under null) as the
   * walk passes them, grains in time order (FTS5 walks rowids, which are times, ascending). Each
   * match is counted by TALLY_FUNCTION inside the statement: a row read out into JavaScript cost
   * ~4 µs (an object per row; 440-700 ms for 120,000 matches at 1M, 30-80 ms to count them);
   * SQLite's GROUP BY sorts every match again (a temporary B-tree: ~300 ms more with the level).
   * The level comes from the content table by rowid: FTS5's own read of an UNINDEXED column of a
   * contentless table is a statement per row (~250 ms more per 120,000 matches, the join ~100).
   */
  private walkTally(match: string, grainMs: number, range: TimeSpan, withLevels: boolean): Tally {
    const out: Tally = [];
    let key = Number.NaN;
    let levels = new Map<number | null, number>();
    this.tallyRow = (t, level) => {
      const k = Math.floor(t / grainMs) * grainMs;
      if (k !== key) {
        key = k;
        levels = new Map();
        out.push([k, levels]);
      }
      levels.set(level, (levels.get(level) ?? 0) + 1);
    };
    this.read();
    try {
      (withLevels ? this.tallyLevels : this.tallyTimes).get(match, lowRowid(range.fromMs), highRowid(range.toMs));
    } finally {
      this.tallyRow = undefined;
    }
    return out;
  }

  close(): void {
    this.segmentFiles?.readers.closeAll();
    if (this.db.isOpen) this.db.close();
  }
}

const countMismatch = (day: number, what: string): TextSegmentStoreError => new TextSegmentStoreError('TEXT_SEGMENT_COUNT_MISMATCH', `Day ${day} was not compacted: ${what}.`);

/** Where the segments of the index at `path` are kept. */
export function segmentsDir(path: string): string {
  return `${path}.segments`;
}

/**
 * At open: a recorded segment whose file is missing or not a segment (TEXT_SEGMENT_CORRUPT) is
 * dropped and its rows taken off its day's count, so that the count differs from DuckDB's and the
 * store's catch-up rebuilds the day; a file no record names (a compaction that died before its
 * commit, a deletion that died after) is removed.
 */
function repairSegments(db: DatabaseSync, store: SegmentStore): void {
  const records = db.prepare('SELECT day, file, docs FROM text_segments').all() as Array<{ day: number; file: string; docs: number }>;
  const lost: typeof records = [];
  for (const record of records) {
    try {
      const source = store.open(record.file);
      try {
        if (TextSegment.open(source).docCount !== Number(record.docs)) lost.push(record);
      } finally {
        source.close();
      }
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (code !== 'TEXT_SEGMENT_GONE' && code !== 'TEXT_SEGMENT_CORRUPT') throw e;
      lost.push(record);
    }
  }
  if (lost.length > 0) {
    db.exec('BEGIN IMMEDIATE');
    try {
      for (const record of lost) {
        db.prepare('DELETE FROM text_segments WHERE day = ?').run(record.day);
        db.prepare('UPDATE text_days SET n = n - ? WHERE day = ?').run(record.docs, record.day);
      }
      db.exec('DELETE FROM text_days WHERE n <= 0');
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
  }
  const kept = new Set(records.filter((r) => !lost.includes(r)).map((r) => r.file));
  for (const name of store.names()) if (!kept.has(name)) store.remove(name);
}
