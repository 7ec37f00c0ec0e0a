/**
 * @module The embedded index: one DuckDB file under the data directory. Writes are idempotent by
 * document id and durable when acknowledged (DuckDB's write-ahead log is synced at commit); the
 * blog's daily indices are the UTC days of `@timestamp`.
 */
import { BIGINT, BOOLEAN, INTEGER, DuckDBConnection, DuckDBDataChunk, DuckDBInstance, DuckDBScalarFunction, VARCHAR, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import type { IndexedDocument } from '../../core/document.js';
import { cloudWatchEventId } from '../../core/ids.js';
import { setOwn } from '../../core/own-keys.js';
import { ipSortKey } from '../../core/ip.js';
import { err, ok, type Result } from '../../core/result.js';
import { indexNameForTime, timeOfIndexName } from '../../core/time.js';
import { compileToSql, SqlParams, type SqlField } from '../../query/compile/to-sql.js';
import type { TextSql } from '../../query/compile/text-sql.js';
import { aggregatableField, dynamicFieldType, schemaField, type FieldType } from '../../query/fields.js';
import {
  autoIntervalMs,
  fillHistogram,
  type AggregationRequest,
  type AggregationResult,
  type DateHistogramRequest,
  type DocumentSink,
  type HistogramBucket,
  type FieldInfo,
  type Hit,
  type IndexInfo,
  type QueryError,
  type SearchBackend,
  type SearchRequest,
  type SearchResponse,
  type SortKey,
  type SubTermsRequest,
  type TermsBucket,
  type HitScan,
  type ScanOptions,
  DUPLICATE,
  INDEXED,
  writeSummary,
  type DocumentOutcome,
  type WriteResult,
} from '../../query/search-api.js';
import { UnavailableError } from '../../pipeline/retry.js';
import { databaseFileBytes, SerialQueue } from '../../storage/duckdb-support.js';
import { DuckDbFieldResolver } from './field-resolver.js';
import { countsByBucket, fillZonedHistogram, histogramGrouping, subTermsByBucket } from '../../query/zoned-histogram.js';
import { COL, COLUMN_NAMES, EVENT_ID_FUNCTION, createStatements, documentFromRow, documentFromRowLazily, projectedColumns, duplicatesInStagingSql, eventSequence, FIELDS_TABLE, insertFromStagingSql, newStagedRowsSql, PACKED, packedRowSql, rowFromDocument, rowFromPacked, STAGED_NUMBERS, STAGED_TEXTS, STAGING, stagedRowsSql, TABLE, type Row } from './schema.js';
import * as rollups from './rollups.js';
import { DEFAULT_MIRROR_ENTRIES, edgeRowOf, MirrorView, RollupMirror, termsComparator, type EdgeRow } from './rollup-mirror.js';
import { checkSearchRequest, DEFAULT_QUERY_LIMITS, searchTimedOut, tooManyBuckets, type QueryLimits } from '../../query/limits.js';
import { ReadPool, ReadTimeoutError, type Deadline } from './read-pool.js';
import { createDuckDbTextSql } from './text-sql.js';
import { hitOrder } from './sort-sql.js';
import { TextIndexKeeper, textIndexRows, type CompactionOutcome } from './text-index-sync.js';
import { TextIndexCompactor } from './text-index-compaction.js';
import { matchingRows, type TextIndex } from './text-index.js';
import { textIndexPrefilter, textIndexQuery, type TextIndexQuery } from './text-index-query.js';
import { streamedScan } from './scan.js';
import { sortFieldProblem } from '../../query/sort.js';
import { BoundedLru } from '../../core/bounded-lru.js';

const DAY_MS = 86_400_000;
const CHUNK_ROWS = 2048;
export const DEFAULT_MEMORY_LIMIT = '2GB';
const IP_KEY_FUNCTION = 'hs_ip_key';
/** A page's columns when it reads every one (no projection). */
const ALL_COLUMNS_SQL = COLUMN_NAMES.join(', ');
/** Rows at a dashboard's edges read one by one (rollups.edgeRowsUngroupedSql); more, and DuckDB groups them. */
const EDGE_ROWS_UNGROUPED = 8_192;
/** Edge rows kept between searches (mirrorView), at most, in all and in edges. */
const EDGE_ROWS_KEPT = 32_768;
const EDGE_SPANS_KEPT = 256;
/** Up to this many index matches, a query the index answers only in part scans only their times. */
const TEXT_PREFILTER_MAX = 50_000;
/**
 * Rows the text index cannot decide (a phrase in `@message`, kept without positions), checked
 * against DuckDB's rows, at most this many per search; more, and the scan answers.
 */
const TEXT_VERIFY_MAX = 10_000;
/** Exports read at once, each on a connection and a sort of its own. */
const MAX_OPEN_SCANS = 4;

export interface DuckDbStoreOptions {
  /** The database file, or `:memory:` for tests. */
  path: string;
  /** DuckDB worker threads (default: all cores). */
  threads?: number;
  /** DuckDB's memory budget (its syntax, e.g. `2GB`); beyond it, large operations spill to disk. */
  memoryLimit?: string;
  /** Clock for date math in queries (`now-15m`). */
  now?: () => number;
  /** What one search may cost (defaults: OpenSearch's). */
  limits?: Partial<QueryLimits>;
  /** Read connections, so that this many searches run at once (default 3). */
  readConnections?: number;
  /**
   * false: every count from the rows, none from the rollup (rollups.ts), which is kept all the
   * same; the path that proves the rollup right. Default true.
   */
  useRollups?: boolean;
  /**
   * Counts of the rollup kept in memory (rollup-mirror.ts), at most; 0: none, every rollup read
   * is a statement. Default DEFAULT_MIRROR_ENTRIES.
   */
  rollupMemoryEntries?: number;
  /**
   * false: no inverted index of the text fields (text-index.ts): text predicates scan the rows.
   * The path that proves the index right. Default true.
   */
  textIndex?: boolean;
  /**
   * false: every count and histogram tally of the text index walks its matches; by default they
   * are kept between writes to their days (text-index-counts.ts). For benches that measure the walk.
   */
  textCountCache?: boolean;
  /**
   * false: the text index is written on the calling thread (as the reference, in benches); by
   * default a file store's index is written by a worker thread of its own (text-index-writes.ts).
   */
  textIndexWorker?: boolean;
  /**
   * true: closed days of the text index (older than the newest day, quiet) are moved out of FTS5 into
   * segment files of their own (text-index-compaction.ts): fewer bytes, faster counts on old days.
   * Default false.
   */
  textSegments?: boolean;
  /**
   * When closed days are compacted (with textSegments): quiet period and time between passes (ms;
   * text-index-compaction.ts's defaults). `encodeApart` false: a day is read and encoded on the
   * write queue by the index's writer (writes wait meanwhile), for benches that compare; by default
   * a file store's day is encoded by a thread of its own while writes go on.
   */
  textCompaction?: { quietMs?: number; intervalMs?: number; encodeApart?: boolean };
  /** Told of background work's outcomes (a day compacted, a compaction failed with its code). */
  log?: (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => void;
}

const DEFAULT_READ_CONNECTIONS = 3;

/** The text index's segments (textIndexStatus): whether closed days are compacted, the days held as segments, their rows and bytes, compactions done and failed since open. */
export interface TextSegmentsStatus {
  on: boolean;
  days: number;
  docs: number;
  bytes: number;
  compacted: number;
  failed: number;
  /** Searches a segment could not answer since open, answered by the scan. */
  fellBack: number;
}

export class DuckDbStore implements DocumentSink, SearchBackend {
  private readonly writes = new SerialQueue();
  private readonly dynamicFields = new Map<string, FieldType>();
  private readonly limits: QueryLimits;
  private readonly text: TextSql;
  /** The scans being opened or read (store.scan): stopped when the store closes. */
  private readonly scans = new Set<{ opening?: Promise<unknown>; scan?: HitScan }>();
  private closed = false;
  /** The inverted index of the text fields, and its catching up with DuckDB since open. */
  private textIndex: TextIndexKeeper | undefined;
  private textIndexCatchUp: Promise<void> = Promise.resolve();
  /** Moves closed days of the text index into segments (textSegments only). */
  private textCompactor: TextIndexCompactor | undefined;
  private textIndexAnswers = 0;
  private textIndexPrefiltered = 0;
  private textIndexDisagreements = 0;
  /** Searches whose rows the index could not all decide (verifyTimes), checked in DuckDB. */
  private textIndexVerified = 0;
  /** Histograms stacked by level counted from the index (grainLevelCounts) instead of the rows. */
  private textIndexStacked = 0;
  /** Searches a segment could not answer (segmentCannotAnswer), answered by the scan. */
  private textIndexFallbacks = 0;
  /** Per request, the times its text prefilter allows (null: none applies), computed once for its several statements. */
  private readonly textPrefilters = new WeakMap<SearchRequest, number[] | null>();
  private readonly textCounts = new WeakMap<SearchRequest, Map<string, number>>();
  /** Per request, the index's plan (null: the scan answers), computed once for its several statements. */
  private readonly textPlans = new WeakMap<SearchRequest, TextIndexPlan | null>();
  /** The rollup in memory (undefined: off). */
  private mirror: RollupMirror | undefined;
  private mirrorAnswers = 0;
  /**
   * A range's edge rows, per edge, with the version of its quarter hour when they were read: while
   * no write changes that quarter hour they are its rows, and a dashboard over a fixed range reads
   * them once, not on every refresh (as OpenSearch's request cache answers a repeated one).
   */
  private readonly keptEdges = new BoundedLru<{ version: number; rows: EdgeRow[] }>(EDGE_ROWS_KEPT, EDGE_SPANS_KEPT, (kept) => kept.rows.length + 1);
  private edgeReads = 0;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly writer: DuckDBConnection,
    private readonly reads: ReadPool,
    private readonly options: DuckDbStoreOptions,
  ) {
    this.limits = { ...DEFAULT_QUERY_LIMITS, ...options.limits };
    this.text = createDuckDbTextSql({ fuzzyMaxExpansions: this.limits.maxFuzzyExpansions });
  }

  static async open(options: DuckDbStoreOptions): Promise<DuckDbStore> {
    // zstd for text columns needs the newer storage format; a larger log between checkpoints
    // halves the cost of each commit (the checkpoint then compresses more rows at once).
    const config: Record<string, string> = { storage_compatibility_version: 'latest', checkpoint_threshold: '256MB' };
    if (options.threads !== undefined) config['threads'] = String(options.threads);
    // DuckDB's own default is 80% of the machine's memory: too much for a service beside others.
    config['memory_limit'] = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
    const instance = await DuckDBInstance.create(options.path, config);
    const writer = await instance.connect();
    for (const statement of [...createStatements(), ...rollups.rollupStatements()]) await writer.run(statement);
    await ensureRollups(writer);
    const readers: DuckDBConnection[] = [];
    for (let i = 0; i < Math.max(1, options.readConnections ?? DEFAULT_READ_CONNECTIONS); i++) {
      const reader = await instance.connect();
      reader.registerScalarFunction(ipKeyFunction());
      reader.registerScalarFunction(eventIdFunction());
      readers.push(reader);
    }
    const store = new DuckDbStore(instance, writer, new ReadPool(readers), options);
    const memory = options.useRollups === false ? 0 : (options.rollupMemoryEntries ?? DEFAULT_MIRROR_ENTRIES);
    if (memory > 0) store.mirror = await loadMirror(writer, memory);
    const fields = await writer.runAndReadAll(`SELECT path, type FROM ${FIELDS_TABLE}`);
    for (const [path, type] of fields.getRows()) store.dynamicFields.set(String(path), String(type) as FieldType);
    if (options.textIndex !== false) {
      const segments = options.textSegments === true;
      const keeper = TextIndexKeeper.open(options.path, { worker: options.textIndexWorker !== false, segments, ...(options.now ? { now: options.now } : {}) });
      if (options.textCountCache === false) keeper.index.keepCounts(false);
      store.textIndex = keeper;
      const run = <T>(step: () => Promise<T>): Promise<T> => store.writes.run(step);
      // In the background, a day at a time between writes: until it is done, searches scan.
      store.textIndexCatchUp = keeper.catchUp(writer, run).catch(() => undefined);
      if (segments) {
        store.textCompactor = new TextIndexCompactor(keeper, writer, run, { ...options.textCompaction, ...(options.textCompaction?.encodeApart === false ? {} : { connect: () => instance.connect() }), ...(options.now ? { now: options.now } : {}), ...(options.log ? { log: options.log } : {}) });
        store.textCompactor.start(store.textIndexCatchUp);
      }
    }
    return store;
  }

  /** Resolves when the text index has caught up with the rows held at open (searches scan until then). */
  textIndexCaughtUp(): Promise<boolean> {
    return this.textIndexCatchUp.then(() => this.textIndex?.ready ?? false);
  }

  /**
   * Whether the text index answers now, how many searches it answered since open, how many it
   * narrowed (the prefilter), and how many of its answers the rows contradicted (then the scan answered).
   */
  /** Whether the rollup's counts are in memory (all of them: `whole`), how many, how many searches they answered since open, and how many read their edges' rows (not kept). */
  rollupStatus(): { inMemory: boolean; whole: boolean; entries: number; answered: number; edgeReads: number } {
    const mirror = this.mirror;
    const dims = [rollups.TOTAL_DIM, ...rollups.ROLLUP_DIMENSIONS.map((d) => d.dim)];
    return { inMemory: mirror?.holds(rollups.TOTAL_DIM) ?? false, whole: mirror !== undefined && dims.every((d) => mirror.holds(d)), entries: mirror?.size ?? 0, answered: this.mirrorAnswers, edgeReads: this.edgeReads };
  }

  textIndexStatus(): { ready: boolean; answered: number; prefiltered: number; disagreed: number; verified: number; stacked: number; segments: TextSegmentsStatus } {
    return { ready: this.textIndex?.ready ?? false, answered: this.textIndexAnswers, prefiltered: this.textIndexPrefiltered, disagreed: this.textIndexDisagreements, verified: this.textIndexVerified, stacked: this.textIndexStacked, segments: this.textSegmentsStatus() };
  }

  /** The text index's closed days held as segments (their days, rows and bytes), and its compactions since open. */
  private textSegmentsStatus(): TextSegmentsStatus {
    let days = 0;
    let docs = 0;
    let bytes = 0;
    if (this.textIndex && !this.closed) {
      for (const segment of this.textIndex.index.segmentDays().values()) {
        days++;
        docs += segment.docs;
        bytes += segment.bytes;
      }
    }
    return { on: this.textCompactor !== undefined, days, docs, bytes, compacted: this.textCompactor?.compacted ?? 0, failed: this.textCompactor?.failures ?? 0, fellBack: this.textIndexFallbacks };
  }

  /**
   * Moves the text index's closed days into segments now (the pass the timer runs; after the one
   * running, if one is), `maxDays` of them at most (oldest first); with textSegments only, else
   * nothing. Each day's outcome, in order.
   */
  async compactClosedDays(options: { maxDays?: number } = {}): Promise<CompactionOutcome[]> {
    await this.textIndexCatchUp;
    return this.textCompactor?.compactClosedDays(options.maxDays) ?? [];
  }

  /**
   * Writes documents not already held (the same document identity, core/ids.ts) and reports each
   * one: indexed, duplicate, or rejected with the reason (a document the table cannot hold). Resolves
   * once the batch is committed to the write-ahead log; `retryable` when the database cannot take
   * it now (I/O, memory, a closed store), and then nothing of the batch is written.
   */
  write(documents: readonly IndexedDocument[]): Promise<WriteResult> {
    // Rows are prepared now, outside the queue: a caller that writes the next batch before this one
    // resolves gets its JavaScript work done while DuckDB commits this one.
    try {
      return this.prepareAndWrite(documents);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private prepareAndWrite(documents: readonly IndexedDocument[]): Promise<WriteResult> {
    if (this.closed) return Promise.resolve(storeUnavailable(new Error('The store is closed.')));
    const outcomes = new Array<DocumentOutcome>(documents.length);
    const rows: Row[] = [];
    /** For each row, the positions of the documents it stands for (the first, and repeats in this batch). */
    const rowDocuments: number[][] = [];
    const rowOfKey = new Map<string, number>();
    for (let i = 0; i < documents.length; i++) {
      const doc = documents[i] as IndexedDocument;
      const problem = documentProblem(doc);
      if (problem !== undefined) {
        outcomes[i] = { kind: 'rejected', reason: problem };
        continue;
      }
      let row: Row;
      try {
        row = rowFromDocument(doc);
      } catch (e) {
        // A document the row mapping cannot take (nesting deeper than the stack, say): this one
        // is refused with the reason, the others are written.
        outcomes[i] = { kind: 'rejected', reason: `The index cannot hold this document: ${(e as Error).message}` };
        continue;
      }
      const seen = rowOfKey.get(row.key);
      if (seen !== undefined) {
        (rowDocuments[seen] as number[]).push(i);
        outcomes[i] = DUPLICATE;
        continue;
      }
      rowOfKey.set(row.key, rows.length);
      rowDocuments.push([i]);
      rows.push(row);
    }
    if (rows.length === 0) return Promise.resolve(writeSummary(outcomes));
    let minDedup = Number.POSITIVE_INFINITY;
    let maxDedup = Number.NEGATIVE_INFINITY;
    for (const row of rows) {
      const t = row.values[COL.dedup_ts] as number;
      if (t < minDedup) minDedup = t;
      if (t > maxDedup) maxDedup = t;
    }
    const chunks: DuckDBDataChunk[] = [];
    for (let start = 0; start < rows.length; start += CHUNK_ROWS) chunks.push(stagingChunk(rows, start, Math.min(rows.length, start + CHUNK_ROWS)));
    const range = [BigInt(minDedup), BigInt(maxDedup)];
    const textEntries = this.textIndex ? textIndexRows(rows) : undefined;
    return this.writes.run(async () => {
      if (this.closed) return storeUnavailable(new Error('The store is closed.'));
      const newFields = this.newFields(rows);
      try {
        // The fast path: every row new. When some were held already, the transaction is redone to
        // learn which (rare: re-deliveries after a restart), so that each document gets its outcome.
        let duplicates: Set<number> | undefined;
        // The rollup's counts as this transaction leaves them, for the copy in memory once it commits.
        let counted: Array<readonly unknown[][]> = [];
        for (let pass = 0; pass < 2; pass++) {
          counted = [];
          await this.writer.run('BEGIN TRANSACTION');
          await this.writer.run(`DELETE FROM ${STAGING}`);
          const appender = await this.writer.createAppender(STAGING);
          for (const chunk of chunks) appender.appendDataChunk(chunk);
          appender.closeSync();
          if (pass === 1) {
            duplicates = new Set((await this.writer.runAndReadAll(duplicatesInStagingSql('$1', '$2'), range)).getRows().map((r) => Number(r[0])));
            // The rollup counts only the rows this write adds: a re-delivered alert is counted once.
            counted = await this.changeRollup(rollups.rollupDelta(newStagedRowsSql('$1', '$2'), 1), range);
          }
          const inserted = await this.writer.run(insertFromStagingSql('$1', '$2'), range);
          if (pass === 0 && inserted.rowsChanged < rows.length) {
            await this.writer.run('ROLLBACK');
            continue;
          }
          if (pass === 0) counted = await this.changeRollup(rollups.rollupDelta(stagedRowsSql('TRUE'), 1), []);
          break;
        }
        for (const [path, type] of newFields) await this.writer.run(`INSERT OR IGNORE INTO ${FIELDS_TABLE} VALUES ($1, $2)`, [path, type]);
        await this.writer.run('COMMIT');
        this.mirrorCommitted(counted);
        for (const [path, type] of newFields) if (!this.dynamicFields.has(path)) this.dynamicFields.set(path, type);
        for (let r = 0; r < rows.length; r++) outcomes[(rowDocuments[r] as number[])[0] as number] = duplicates?.has(r) ? DUPLICATE : INDEXED;
        // After DuckDB's commit, never before: the index is never ahead of the rows (text-index-sync.ts).
        // Handed to its writer (waiting only when two batches are still being written); a search
        // waits for it. Never rejects.
        if (textEntries) await this.textIndex?.added(textEntries, duplicates);
        return writeSummary(outcomes);
      } catch (e) {
        await this.writer.run('ROLLBACK').catch(() => undefined);
        if (isUnavailableDatabase(e)) return storeUnavailable(e as Error);
        throw e;
      }
    });
  }

  /**
   * Field names to add to the catalog. Past `maxFields` names (OpenSearch's
   * index.mapping.total_fields.limit) further names are not catalogued, so that alerts with
   * ever-new keys cannot grow it without bound; their values stay in the documents.
   */
  private newFields(rows: Row[]): Array<[string, FieldType]> {
    const found = new Map<string, FieldType>();
    const room = this.limits.maxFields - this.dynamicFields.size;
    for (const row of rows) {
      if (found.size >= room) break;
      for (const [path, value] of row.fields) {
        if (found.size >= room) break;
        if (this.dynamicFields.has(path) || found.has(path)) continue;
        const sample = Array.isArray(value) ? value.find((v) => v !== null) : value;
        const type = schemaField(path)?.type ?? dynamicFieldType(sample);
        if (type !== undefined) found.set(path, type);
      }
    }
    return [...found];
  }

  /**
   * Runs on a read connection of its own, so that other searches go on meanwhile; past the search
   * timeout the running statement is interrupted and the answer says which limit stopped it.
   */
  async search(asked: SearchRequest): Promise<Result<SearchResponse, QueryError>> {
    // Every index write handed over before this search is in the index (or failed): it sees every write that resolved.
    await this.textIndex?.settled();
    this.assertOpen();
    // A copy: what is worked out once per search (the text index's plan and counts) is keyed by
    // it, and must not outlive this search when a caller asks the same request again.
    const request: SearchRequest = { ...asked };
    try {
      return await this.searchRequest(request);
    } catch (e) {
      if (!segmentCannotAnswer(e)) throw e;
      // A segment that cannot answer this search (an expression its matcher does not take, bytes
      // gone bad): its rows are no longer in FTS5, so the scan answers, nothing of the index used.
      this.textIndexFallbacks++;
      (request as ScanOnly)[SCAN_ONLY] = true;
      return this.searchRequest(request);
    }
  }

  private async searchRequest(request: SearchRequest): Promise<Result<SearchResponse, QueryError>> {
    const checked = checkSearchRequest(request, this.limits);
    if (!checked.ok) return checked;
    const size = checked.value;
    const unsortable = request.sort ? sortFieldProblem(request.sort, this.resolver().catalog()) : undefined;
    if (unsortable) return err(unsortable);
    const params = new SqlParams();
    const where = this.where(request, params);
    if (!where.ok) return where;
    try {
      return await this.reads.use(async (connection, deadline) => {
        const refused = await refusedPattern(connection, params.regexPatterns);
        if (refused) return err(refused);
        const dc = new DeadlineConnection(connection, deadline);
        const text = this.textIndexPlan(request);
        if (text === undefined) return this.searchOn(dc, request, size, where.value, params);
        this.textIndexAnswers++;
        const answer = await this.searchOn(dc, request, size, where.value, params, text);
        // The index's page short of its own total would mean index and rows disagree: the scan answers.
        if (answer.ok && size > 0 && !request.searchAfter && answer.value.total > answer.value.hits.length && answer.value.hits.length < size) {
          this.textIndexDisagreements++;
          return this.searchOn(dc, request, size, where.value, params);
        }
        return answer;
      }, this.limits.searchTimeoutMs);
    } catch (e) {
      if (e instanceof ReadTimeoutError) return err(searchTimedOut(this.limits));
      throw e;
    }
  }

  /**
   * A whole result (an export) as ONE statement, ordered as search pages it (hitOrder: the same
   * sort and tie-breakers), whose chunks are read as DuckDB produces them: no page is re-planned
   * or re-sorted, and what the sort holds meanwhile is within the instance's memory limit (DuckDB
   * spills beyond it). It runs on a connection of its own, not one of the searches', since a slow
   * client holds it for as long as it takes; at most MAX_OPEN_SCANS run at once. The statement
   * reads one snapshot, as a point in time does, and is interrupted when the reader stops early.
   */
  async scan(asked: SearchRequest, options: ScanOptions = {}): Promise<Result<HitScan, QueryError>> {
    await this.textIndex?.settled(); // as in search
    this.assertOpen();
    const request: SearchRequest = { ...asked }; // as in search: nothing worked out outlives this scan
    const unsortable = request.sort ? sortFieldProblem(request.sort, this.resolver().catalog()) : undefined;
    if (unsortable) return err(unsortable);
    if (this.scans.size >= MAX_OPEN_SCANS) return err({ kind: 'request', message: `At most ${MAX_OPEN_SCANS} exports run at once; try again when one has finished.` });
    let params = new SqlParams();
    let where: Result<string, QueryError>;
    try {
      where = this.where(request, params);
    } catch (e) {
      if (!segmentCannotAnswer(e)) throw e;
      this.textIndexFallbacks++; // as in search: no prefilter from the index
      (request as ScanOnly)[SCAN_ONLY] = true;
      params = new SqlParams();
      where = this.where(request, params);
    }
    if (!where.ok) return where;
    const entry: { opening?: Promise<unknown>; scan?: HitScan } = {};
    this.scans.add(entry);
    const opening = this.openScan(request, options, params, where.value, () => void this.scans.delete(entry));
    entry.opening = opening;
    const opened = await opening.catch((e: unknown) => {
      this.scans.delete(entry);
      throw e;
    });
    if (opened.ok) entry.scan = opened.value;
    else this.scans.delete(entry);
    return opened;
  }

  private async openScan(request: SearchRequest, options: ScanOptions, params: SqlParams, where: string, forget: () => void): Promise<Result<HitScan, QueryError>> {
    const connection = await this.instance.connect();
    try {
      connection.registerScalarFunction(ipKeyFunction());
      connection.registerScalarFunction(eventIdFunction());
      const refused = await refusedPattern(connection, params.regexPatterns);
      if (refused) {
        connection.closeSync();
        return err(refused);
      }
      const counted = params.bind(`SELECT count(*) FROM ${TABLE} WHERE ${where}`);
      const total = Number((await connection.runAndReadAll(counted.sql, counted.values as DuckDBValue[])).getRows()[0]?.[0] ?? 0);
      const order = hitOrder(request.sort, request.sort ? this.resolver().field(request.sort.field) : undefined, params, IP_KEY_FUNCTION);
      const limit = options.maxRows !== undefined && Number.isFinite(options.maxRows) ? ` LIMIT ${params.add(Math.max(0, Math.floor(options.maxRows)))}` : '';
      // A row as one string (packedRowSql): each string read is a call across into JavaScript.
      const statement = params.bind(`SELECT ${packedRowSql(request.sourceFields)} FROM ${TABLE} WHERE ${where} ORDER BY ${order.orderBy}${limit}`);
      return ok(streamedScan(connection, { sql: statement.sql, values: statement.values as DuckDBValue[] }, total, (packed) => documentFromRowLazily(rowFromPacked(packed as string)), forget));
    } catch (e) {
      connection.closeSync();
      throw e;
    }
  }

  /** Buckets the aggregations ask for, where that is known before they run. */
  /**
   * The text index's answer to the request's query (text-index-query.ts), when the index is
   * caught up and answers it exactly; undefined: the scan answers.
   */
  private textIndexPlan(request: SearchRequest): TextIndexPlan | undefined {
    if (!this.textIndex?.ready || (request as ScanOnly)[SCAN_ONLY] === true) return undefined;
    const cached = this.textPlans.get(request);
    if (cached !== undefined) return cached ?? undefined;
    const options = { nowMs: this.now(), ipKeyFunction: IP_KEY_FUNCTION, ...(request.timeZone !== undefined ? { timeZone: request.timeZone } : {}) };
    const index = this.textIndex.index;
    let query = textIndexQuery(request.query, this.resolver(), this.text, options);
    if (query.kind === 'match' && query.missing.length > 0) {
      // Bodies no row of the range lacks in @message (nearly all): the bounds walk them bare. One
      // walk of `missing : body` each, against the bound's NOT in every count and page (a page of
      // the word took as long as its count: the NOT walked the whole doclist to find no row).
      const missingFree = new Set(query.missing.filter((body) => this.textCount(request, index, `missing : ${body}`) === 0));
      if (missingFree.size > 0) query = textIndexQuery(request.query, this.resolver(), this.text, { ...options, missingFree });
    }
    let plan: TextIndexPlan | null = null;
    if (query.kind === 'none') plan = { query, verifyTimes: [] };
    else if (query.kind === 'match') {
      // No row between the bounds when both count alike (exact within upper): two walks without
      // positions mostly, instead of the difference's (a phrase's words NOT the phrase). The upper
      // is walked only when its bound from the segments' dictionaries says more than the exact
      // count: a phrase whose rarest word is only ever in the phrase (a log line's template) is not.
      const between = query.verify !== null && (query.exact === null || this.boundsDiffer(request, index, query.upper, query.exact));
      const verify = between ? index.times(query.verify as string, 'desc', TEXT_VERIFY_MAX + 1, request.timeRange) : [];
      if (verify.length <= TEXT_VERIFY_MAX) plan = { query, verifyTimes: [...new Set(verify)] };
    }
    this.textPlans.set(request, plan);
    return plan ?? undefined;
  }

  /**
   * The times of a page the index answers: its exact matches' first times in order, up to the one
   * where they hold `size` rows (the page's last time: the index's exact matches are matches,
   * whatever else is there), and the times of rows it leaves to check up to there; `matches`, the
   * index's count of exact matches at each of those times. A time where DuckDB holds as many rows
   * as `matches` says is decided (every row there matches); the others' rows are checked.
   */
  private pageCandidates(index: TextIndex, exact: string | undefined, verifyTimes: readonly number[], order: 'asc' | 'desc', size: number, range: SearchRequest['timeRange']): { times: number[]; matches: Map<number, number> } {
    const limit = 2 * size; // beyond the page, so that the page's last time is seldom the list's last
    const listed = exact === undefined ? [] : index.times(exact, order, limit, range);
    const counted = new Map<number, number>();
    for (const t of listed) counted.set(t, (counted.get(t) ?? 0) + 1);
    const last = listed[listed.length - 1];
    const matches = new Map<number, number>();
    let taken = 0;
    let boundary: number | undefined;
    for (const [t, n] of counted) {
      // The list may stop inside its last time: there the index counts its matches.
      const indexed = t === last && listed.length >= limit ? index.count(exact as string, { fromMs: t, toMs: t }) : n;
      matches.set(t, indexed);
      taken += indexed;
      if (taken >= size) {
        boundary = t;
        break;
      }
    }
    const within = (t: number): boolean => boundary === undefined || (order === 'desc' ? t >= boundary : t <= boundary);
    return { times: [...new Set([...matches.keys(), ...verifyTimes])].filter(within), matches };
  }

  /**
   * The page of a search the index answers, from the rows at its candidate times (pageCandidates)
   * read with their texts in ONE statement; the rows at undecided times are decided by matchingRows
   * (the index's own analyzer and semantics: DuckDB's predicate would compile its regular
   * expressions, ~150 ms a search). Only when more rows than textPageRowsCap(size) share those
   * times (a burst of one second) are they counted first, and only the rows needed read.
   */
  private async textPageRows(connection: ReadConnection, candidates: { times: number[]; matches: Map<number, number> }, columns: string, orderBy: string, size: number, whole: string | undefined): Promise<DuckDBValue[][]> {
    const params = new SqlParams();
    // The texts a check of undecided rows reads: a page of every column holds them already (read
    // again, they cost ~2 ms at 10M: the message's zstd), a projection reads them beside it.
    const allColumns = columns === ALL_COLUMNS_SQL;
    const all = `SELECT ${columns}${allColumns ? '' : `, ${TABLE}.full_log, ${TABLE}.message, ${TABLE}.comment`} FROM ${TABLE} WHERE TRUE${timesInSql(candidates.times, params)} ORDER BY ${orderBy}`;
    const cap = textPageRowsCap(size);
    let rows = (await this.query(connection, `${all} LIMIT ${params.add(cap + 1)}`, params)).getRows();
    const rowsAt = new Map<number, number>();
    const undecided = (): Set<number> => new Set(candidates.times.filter((t) => rowsAt.get(t) !== (candidates.matches.get(t) ?? 0)));
    let open: Set<number>;
    if (rows.length <= cap) {
      for (const row of rows) rowsAt.set(Number(row[COL.ts]), (rowsAt.get(Number(row[COL.ts])) ?? 0) + 1);
      open = undecided();
    } else {
      const counts = new SqlParams();
      for (const [ts, n] of (await this.query(connection, `SELECT ts, count(*) FROM ${TABLE} WHERE TRUE${timesInSql(candidates.times, counts)} GROUP BY ts`, counts)).getRows()) rowsAt.set(Number(ts), Number(n));
      open = undecided();
      rows = (await this.query(connection, open.size === 0 ? `${all} LIMIT ${params.add(size)}` : all, params)).getRows();
    }
    if (open.size === 0 || whole === undefined) return rows.slice(0, size);
    const [fullLog, message, comment] = allColumns ? [COL.full_log, COL.message, COL.comment] : [COLUMN_NAMES.length, COLUMN_NAMES.length + 1, COLUMN_NAMES.length + 2];
    const checked = rows.map((row, i) => [i, row] as const).filter(([, row]) => open.has(Number(row[COL.ts])));
    const matched = matchingRows(whole, checked.map(([, row]) => [row[fullLog] as string | null, row[message] as string | null, row[comment] as string | null]));
    const rejected = new Set(checked.filter((_, j) => !matched.has(j)).map(([i]) => i));
    return rows.filter((_, i) => !rejected.has(i)).slice(0, size);
  }

  /**
   * How many rows the query matches per grain of time (keys multiples of `grainMs`), when the text
   * index knows every match (a plan with no rows to check); else undefined.
   */
  private textGrainCounts(request: SearchRequest, grainMs: number): Array<[number, number]> | undefined {
    const plan = this.textIndexPlan(request);
    const index = this.textIndex?.index;
    if (!plan || !index || plan.verifyTimes.length > 0) return undefined;
    if (plan.query.kind === 'none') return [];
    if (plan.query.kind !== 'match' || plan.query.exact === null) return undefined;
    return index.grainCounts(plan.query.exact, grainMs, request.timeRange);
  }

  /**
   * A histogram stacked by `rule.level` (every sub-aggregation a terms on it) of a query the text
   * index knows every match of: `[grain, level, n]` (text-index.ts's grainLevelCounts); else
   * undefined. The level the index keeps is the `level` column's, which the scan's terms read.
   */
  private textGrainLevelCounts(request: SearchRequest, subs: ReadonlyArray<SubTermsRequest>, grainMs: number): Array<[number, number | null, number]> | undefined {
    if (subs.length === 0 || !subs.every((sub) => this.resolver().field(aggregatableField(sub.field))?.name === 'rule.level')) return undefined;
    const plan = this.textIndexPlan(request);
    const index = this.textIndex?.index;
    if (!plan || !index || plan.verifyTimes.length > 0) return undefined;
    if (plan.query.kind === 'none') return [];
    if (plan.query.kind !== 'match' || plan.query.exact === null) return undefined;
    this.textIndexStacked++;
    return index.grainLevelCounts(plan.query.exact, grainMs, request.timeRange);
  }

  /**
   * The exact total of a search the index answers: its exact matches, plus the rows at the times
   * of those it cannot decide that DuckDB finds matching, less the exact matches at those times
   * (counted there already).
   */
  private async textTotal(connection: ReadConnection, request: SearchRequest, index: TextIndex, plan: TextIndexPlan): Promise<Result<number, QueryError>> {
    if (plan.query.kind !== 'match') return ok(0);
    const { exact } = plan.query;
    const times = plan.verifyTimes;
    if (times.length === 0) return ok(exact === null ? 0 : this.textCount(request, index, exact));
    this.textIndexVerified++;
    const known = exact === null ? { n: 0, shared: 0 } : index.countSharing(exact, times, request.timeRange);
    // The rows at those times, decided as the page's are (matchingRows), not by DuckDB's predicate.
    const params = new SqlParams();
    const rows = await this.query(connection, `SELECT full_log, message, comment FROM ${TABLE} WHERE TRUE${timesInSql(times, params)}`, params);
    const checked = matchingRows(plan.query.whole, rows.getRows() as Array<[string | null, string | null, string | null]>).size;
    return ok(known.n - known.shared + checked);
  }

  private async searchOn(connection: ReadConnection, request: SearchRequest, size: number, whereSql: string, params: SqlParams, text?: TextIndexPlan): Promise<Result<SearchResponse, QueryError>> {
    {
      const started = performance.now();
      const query = (sql: string, p: SqlParams): ReturnType<DuckDBConnection['runAndReadAll']> => this.query(connection, sql, p);
      const where = { value: whereSql };
      // An export's later pages need no count: the first page told it.
      const coverage = this.rollupCoverage(request);
      // An unfiltered search: its total and its terms and cardinality panels from the rollup: its copy in memory, else one statement.
      const view = coverage ? await this.mirrorView(connection, coverage) : undefined;
      const batch = coverage ? ((view && this.mirrorBatch(view, request)) ?? (await this.rollupBatch(connection, request, coverage))) : undefined;
      const totalParams = new SqlParams();
      const totalSql = coverage ? rollups.totalSql(coverage, totalParams) : `SELECT count(*) FROM ${TABLE} WHERE ${where.value}`;
      const index = text && this.textIndex?.index;
      const textMatch = text?.query.kind === 'match' ? (text.query.exact ?? undefined) : undefined;
      let total: number;
      if (request.trackTotal === false) total = -1;
      else if (index && text) {
        const counted = await this.textTotal(connection, request, index, text);
        if (!counted.ok) return counted;
        total = counted.value;
      }
      else if (batch) total = batch.total;
      else total = Number((await query(totalSql, coverage ? totalParams : params)).getRows()[0]?.[0] ?? 0);
      const hits: Hit[] = [];
      if (size > 0 && total !== 0) {
        const pageParams = new SqlParams();
        const pageWhere = this.where(request, pageParams);
        if (!pageWhere.ok) return pageWhere;
        const order = hitOrder(request.sort, request.sort ? this.resolver().field(request.sort.field) : undefined, pageParams, IP_KEY_FUNCTION);
        let after = '';
        if (request.searchAfter) {
          const condition = order.after(request.searchAfter, pageParams);
          if (typeof condition !== 'string') return err(condition);
          after = ` AND ${condition}`;
        }
        const value = order.value === undefined ? '' : `, ${order.value} AS sort_value`;
        const limit = pageParams.add(size);
        const columns = request.sourceFields ? (projectedColumns(request.sourceFields)?.join(', ') ?? ALL_COLUMNS_SQL) : ALL_COLUMNS_SQL;
        let page = '';
        // The page's rows when the text index's page read them itself (textPageRows).
        let read: DuckDBValue[][] | undefined;
        if (order.value === undefined) {
          // By time: the page's time bound first, from the time column alone; the rows then come
          // from the row groups within it (zone maps), not from a sort of every matching row's columns.
          const dir = request.sort?.order === 'asc' ? 'ASC' : 'DESC';
          if (index && !request.searchAfter) {
            // The index's first matches in time order give the page's times; the rows of those
            // times that match (ties at the edge included) are the page, in the usual order.
            const candidates = this.pageCandidates(index, textMatch, text?.verifyTimes ?? [], dir === 'ASC' ? 'asc' : 'desc', size, request.timeRange);
            read = await this.textPageRows(connection, candidates, columns, order.orderBy, size, text?.query.kind === 'match' ? text.query.whole : undefined);
          } else {
            const bound = await query(`SELECT ts FROM ${TABLE} WHERE ${pageWhere.value}${after} ORDER BY ts ${dir} LIMIT 1 OFFSET ${pageParams.add(size - 1)}`, pageParams);
            const edge = bound.getRows()[0]?.[0];
            const window = edge === undefined || edge === null ? '' : ` AND ts ${dir === 'ASC' ? '<=' : '>='} ${pageParams.add(Number(edge))}`;
            page = `SELECT ${columns} FROM ${TABLE} WHERE ${pageWhere.value}${after}${window} ORDER BY ${order.orderBy} LIMIT ${limit}`;
          }
        } else {
          // By a field: the page's rows are chosen by their row ids and sort values alone, then read whole.
          page =
            `SELECT ${columns}${value} FROM ${TABLE} WHERE rowid IN ` +
            `(SELECT rowid FROM ${TABLE} WHERE ${pageWhere.value}${after} ORDER BY ${order.orderBy} LIMIT ${limit}) ORDER BY ${order.orderBy}`;
        }
        const rows = read ?? (await query(page, pageParams)).getRows();
        for (const row of rows) {
          const doc = documentFromRow(row);
          hits.push({ ...doc, sort: order.key(row[COLUMN_NAMES.length], Number(row[COL.ts]), doc.document['@id']) });
        }
      }
      const aggregations: Record<string, AggregationResult> = {};
      let buckets = 0;
      for (const [name, agg] of Object.entries(request.aggregations ?? {})) {
        const batched = batch?.results.get(name);
        const result = batched ? ok(batched) : await this.aggregate(connection, agg, request, view);
        if (!result.ok) return result;
        buckets += result.value.type === 'cardinality' ? 0 : result.value.buckets.length;
        if (buckets > this.limits.maxBuckets) return err(tooManyBuckets(buckets, this.limits));
        setOwn(aggregations, name, result.value); // the name is the caller's: `__proto__` is a name too
      }
      return ok({ total, hits, aggregations, tookMs: Math.round(performance.now() - started) });
    }
  }

  /** Applies a change to the rollup (in the caller's transaction); gives each level's RETURNING rows, in DELTA_LEVELS order, for the copy in memory. */
  private async changeRollup(delta: rollups.RollupDelta, params: DuckDBValue[]): Promise<Array<readonly unknown[][]>> {
    await this.writer.run(delta.count, params);
    const counted: Array<readonly unknown[][]> = [];
    for (const statement of delta.levels) counted.push((await this.writer.runAndReadAll(statement)).getRows());
    await this.writer.run(delta.clear);
    return counted;
  }

  /** The copy in memory takes a committed transaction's rollup counts (a RollupDelta's RETURNING rows, level by level). */
  private mirrorCommitted(counted: ReadonlyArray<readonly unknown[][]>): void {
    const mirror = this.mirror;
    if (mirror) counted.forEach((rows, i) => mirror.set(rollups.DELTA_LEVELS[i] as rollups.RollupLevel, rows));
  }

  /**
   * The rollup in memory over a request's coverage, with the rows at its edges read once for all
   * its aggregations; an edge in a quarter hour without alerts (the copy knows) is not read at all.
   */
  private async mirrorView(connection: ReadConnection, coverage: rollups.RollupCoverage): Promise<MirrorView | undefined> {
    const mirror = this.mirror;
    if (!mirror?.holds(rollups.TOTAL_DIM)) return undefined;
    const spans = coverage.kind === 'range' ? coverage.raw.filter((s) => mirror.slotTotal(Math.floor(s.fromMs / rollups.SLOT_MS) * rollups.SLOT_MS) > 0) : [];
    const edges: EdgeRow[] = [];
    // Each edge lies in one quarter hour; its version is taken before any read, so that a write committing meanwhile leaves what is read stale, never kept as current.
    const unread: Array<{ span: rollups.Span; key: string; version: number }> = [];
    for (const span of spans) {
      const key = `${span.fromMs}:${span.toMs}`;
      const version = mirror.slotVersion(span.fromMs);
      const kept = this.keptEdges.get(key);
      if (kept?.version === version) for (const row of kept.rows) edges.push(row);
      else unread.push({ span, key, version });
    }
    if (unread.length > 0) {
      this.edgeReads++;
      const toRead = unread.map((u) => u.span);
      const params = new SqlParams();
      let rows = (await this.query(connection, rollups.edgeRowsUngroupedSql(toRead, params, EDGE_ROWS_UNGROUPED + 1), params)).getRows();
      if (rows.length > EDGE_ROWS_UNGROUPED) {
        const grouped = new SqlParams();
        rows = (await this.query(connection, rollups.edgeRowsSql(toRead, grouped), grouped)).getRows();
      }
      const read = rows.map(edgeRowOf);
      for (const row of read) edges.push(row);
      for (const { span, key, version } of unread) this.keptEdges.set(key, { version, rows: read.filter((r) => r.ts >= span.fromMs && r.ts < span.toMs) });
    }
    return new MirrorView(mirror, coverage, edges);
  }

  /** The total and the terms and cardinality aggregations rollupBatch answers, summed from the rollup in memory; undefined if a dimension they need is not there. */
  private mirrorBatch(view: MirrorView, request: SearchRequest): { total: number; results: Map<string, AggregationResult> } | undefined {
    const totals = view.counts(rollups.TOTAL_DIM, undefined);
    if (!totals) return undefined;
    const results = new Map<string, AggregationResult>();
    for (const [name, agg] of Object.entries(request.aggregations ?? {})) {
      if (agg.type === 'date_histogram' || (agg.type === 'terms' && (agg.missing !== undefined || Object.keys(agg.metrics ?? {}).length > 0))) continue;
      const field = this.resolver().field(aggregatableField(agg.field));
      const dimension = field && field.type !== 'text' ? rollups.rollupDimension(agg.field) : undefined;
      if (!field || !dimension) continue;
      const values = view.counts(dimension.dim, undefined);
      if (!values) return undefined;
      const all = [...(values.get(0) ?? [])];
      if (agg.type === 'cardinality') {
        results.set(name, { type: 'cardinality', value: all.length });
        continue;
      }
      const top = all.sort(termsComparator(field.type)).slice(0, agg.size ?? 10);
      const buckets: TermsBucket[] = top.map(([v, c]) => ({ key: termKey(field.type, v), count: c }));
      const withValue = all.reduce((n, [, c]) => n + c, 0);
      results.set(name, { type: 'terms', buckets, otherCount: withValue - buckets.reduce((n, b) => n + b.count, 0) });
    }
    this.mirrorAnswers++;
    return { total: totals.get(0)?.get('') ?? 0, results };
  }

  /** The total and the terms and cardinality aggregations the rollup answers, from ONE statement (rollups.batchSql). */
  private async rollupBatch(connection: ReadConnection, request: SearchRequest, coverage: rollups.RollupCoverage): Promise<{ total: number; results: Map<string, AggregationResult> }> {
    const names: string[] = [];
    const types: FieldType[] = [];
    const items: rollups.BatchItem[] = [];
    for (const [name, agg] of Object.entries(request.aggregations ?? {})) {
      if (agg.type === 'date_histogram' || (agg.type === 'terms' && (agg.missing !== undefined || Object.keys(agg.metrics ?? {}).length > 0))) continue;
      const field = this.resolver().field(aggregatableField(agg.field));
      const dimension = field && field.type !== 'text' ? rollups.rollupDimension(agg.field) : undefined;
      if (!field || !dimension) continue;
      names.push(name);
      types.push(field.type);
      items.push(agg.type === 'cardinality' ? { kind: 'cardinality', dimension } : { kind: 'terms', dimension, size: agg.size ?? 10, order: termOrder(field) });
    }
    const params = new SqlParams();
    const rows = (await this.query(connection, rollups.batchSql(coverage, items, params), params)).getRows();
    let total = 0;
    const counted = items.map(() => [] as Array<[rank: number, value: unknown, count: number, withValue: number]>);
    for (const [i, r, v, c, n] of rows) {
      if (Number(i) < 0) total = Number(c);
      else (counted[Number(i)] as Array<[number, unknown, number, number]>).push([Number(r), v, Number(c), Number(n)]);
    }
    const results = new Map<string, AggregationResult>();
    items.forEach((item, k) => {
      const found = (counted[k] as Array<[number, unknown, number, number]>).sort((a, b) => a[0] - b[0]);
      if (item.kind === 'cardinality') {
        results.set(names[k] as string, { type: 'cardinality', value: found[0]?.[2] ?? 0 });
        return;
      }
      const buckets: TermsBucket[] = found.map(([, v, c]) => ({ key: termKey(types[k] as FieldType, v), count: c }));
      results.set(names[k] as string, { type: 'terms', buckets, otherCount: (found[0]?.[3] ?? 0) - buckets.reduce((n, b) => n + b.count, 0) });
    });
    return { total, results };
  }

  private where(request: SearchRequest, params: SqlParams): Result<string, QueryError> {
    const compiled = compileToSql(request.query, this.resolver(), params, { nowMs: this.now(), text: this.text, ipKeyFunction: IP_KEY_FUNCTION, ...(request.timeZone !== undefined ? { timeZone: request.timeZone } : {}) });
    if (!compiled.ok) return err({ kind: 'query', message: compiled.error.message, ...(compiled.error.field ? { field: compiled.error.field } : {}) });
    const range = request.timeRange;
    const time = range ? `ts BETWEEN ${params.add(range.fromMs)} AND ${params.add(range.toMs)} AND ` : '';
    return ok(`${time}${compiled.value}${this.textPrefilterSql(request, params)}`);
  }

  /**
   * ` AND ts IN (...)`: the times of the index's matches of what it answers in the query
   * (text-index-query.ts's prefilter), when they are few (TEXT_PREFILTER_MAX): the rows of other
   * times cannot match, so DuckDB reads only those. A necessary condition, never a change of answer.
   */
  /** The index's count of an expression's matches in the request's time range, counted once per request (the total and the prefilter ask alike). */
  private textCount(request: SearchRequest, index: TextIndex, expression: string): number {
    let counts = this.textCounts.get(request);
    if (counts === undefined) this.textCounts.set(request, (counts = new Map()));
    let n = counts.get(expression);
    if (n === undefined) counts.set(expression, (n = index.count(expression, request.timeRange)));
    return n;
  }

  /** Whether fewer rows match `exact` than `upper`, of which it is a part (textIndexQuery's bounds). */
  private boundsDiffer(request: SearchRequest, index: TextIndex, upper: string, exact: string): boolean {
    const exactly = this.textCount(request, index, exact);
    if (index.countAtMost(upper, request.timeRange) === exactly) return false;
    return this.textCount(request, index, upper) !== exactly;
  }

  private textPrefilterSql(request: SearchRequest, params: SqlParams): string {
    const index = this.textIndex?.ready && (request as ScanOnly)[SCAN_ONLY] !== true ? this.textIndex.index : undefined;
    if (!index) return '';
    let times = this.textPrefilters.get(request);
    if (times === undefined) {
      // A query the index answers whole needs no prefilter for its total and page, only for its aggregations.
      const whole = Object.keys(request.aggregations ?? {}).length === 0 && this.textIndexPlan(request) !== undefined;
      const expression = whole ? undefined : textIndexPrefilter(request.query, this.resolver(), this.text, { nowMs: this.now(), ipKeyFunction: IP_KEY_FUNCTION, ...(request.timeZone !== undefined ? { timeZone: request.timeZone } : {}) });
      const count = expression === undefined ? Number.POSITIVE_INFINITY : this.textCount(request, index, expression);
      times = count > TEXT_PREFILTER_MAX ? null : [...new Set(index.times(expression as string, 'desc', count, request.timeRange))];
      this.textPrefilters.set(request, times);
      if (times !== null) this.textIndexPrefiltered++;
    }
    return times === null ? '' : timesInSql(times, params);
  }

  /** `view`: the rollup in memory over the request's coverage, where it is unfiltered and the copy is there. */
  private async aggregate(connection: ReadConnection, agg: AggregationRequest, request: SearchRequest, view?: MirrorView): Promise<Result<AggregationResult, QueryError>> {
    const query = (sql: string, p: SqlParams): ReturnType<DuckDBConnection['runAndReadAll']> => this.query(connection, sql, p);
    const params = new SqlParams();
    const where = this.where(request, params);
    if (!where.ok) return where;
    if (agg.type === 'date_histogram') {
      const range = request.timeRange;
      let intervalMs = agg.intervalMs ?? 'auto';
      if (intervalMs === 'auto') {
        const bounds = range ?? (await this.dataRange(connection, where.value, params));
        intervalMs = bounds ? autoIntervalMs(bounds) : 1000;
      }
      if (!Number.isInteger(intervalMs) || intervalMs <= 0) return err({ kind: 'request', message: 'A date_histogram interval must be a positive whole number of milliseconds.' });
      return this.dateHistogram(connection, agg, intervalMs, request, where.value, params, view);
    }
    const field = this.resolver().field(aggregatableField(agg.field));
    // An unfiltered query on a rolled-up field: counted from the rollup (and the rows at the range's edges).
    const coverage = this.rollupCoverage(request);
    const dimension = coverage && field ? rollups.rollupDimension(agg.field) : undefined;
    if (agg.type === 'cardinality') {
      if (!field) return ok({ type: 'cardinality', value: 0 });
      const values = this.aggregationValues(field, params);
      const rolled = new SqlParams();
      const rows = coverage && dimension ? await query(rollups.cardinalitySql(coverage, dimension, rolled), rolled) : await query(`SELECT count(DISTINCT v) FROM (SELECT ${values} AS v FROM ${TABLE} WHERE ${where.value}) WHERE v IS NOT NULL`, params);
      return ok({ type: 'cardinality', value: Number(rows.getRows()[0]?.[0] ?? 0) });
    }
    const size = agg.size ?? 10;
    if (!field) {
      if (agg.missing === undefined) return ok({ type: 'terms', buckets: [], otherCount: 0 });
      // A field no document has: every matching document is missing it, as OpenSearch's `missing` counts.
      const rows = await query(`SELECT count(*) FROM ${TABLE} WHERE ${where.value}`, params);
      return ok({ type: 'terms', buckets: [], otherCount: 0, missingCount: Number(rows.getRows()[0]?.[0] ?? 0) });
    }
    if (field.type === 'text') return err({ kind: 'request', field: field.name, message: `${field.name} is a text field; aggregate on a keyword field.` });
    const values = this.aggregationValues(field, params);
    const metrics = Object.entries(agg.metrics ?? {});
    const metricFields: Array<SqlField | undefined> = [];
    for (const [name, metric] of metrics) {
      const metricField = this.resolver().field(aggregatableField(metric.field));
      if (metricField && !METRIC_TYPES.has(metricField.type)) return err({ kind: 'request', field: metricField.name, message: `metrics.${name}: max needs a number or date field; ${metricField.name} is ${metricField.type}.` });
      metricFields.push(metricField);
    }
    // Each metric is a column beside the value, so that one pass groups and measures (OpenSearch's max sub-aggregation).
    const metricColumns = metricFields.map((f, i) => `, ${f ? metricValue(f, params) : 'NULL'} AS m${i}`).join('');
    const metricMaxes = metricFields.map((_, i) => `, max(m${i})`).join('');
    const rolled = new SqlParams();
    const rows =
      coverage && dimension && metrics.length === 0
        ? await query(rollups.termsSql(coverage, dimension, termOrder(field), size, rolled), rolled)
        : await query(
            `WITH v AS (SELECT ${values} AS v${metricColumns} FROM ${TABLE} WHERE ${where.value}) ` +
              `SELECT v, count(*) AS c, sum(count(*)) OVER () AS n${metricMaxes} FROM v WHERE v IS NOT NULL GROUP BY v ORDER BY c DESC, ${termOrder(field)} ASC, v ASC LIMIT ${params.add(size)}`,
            params,
          );
    const list = rows.getRows();
    const totalWithValue = Number(list[0]?.[2] ?? 0);
    const buckets = list.map((row) => {
      const bucket: TermsBucket = { key: termKey(field.type, row[0]), count: Number(row[1]) };
      if (metrics.length > 0) {
        const out: Record<string, number | null> = {};
        metrics.forEach(([name], i) => setOwn(out, name, row[3 + i] === null || row[3 + i] === undefined ? null : Number(row[3 + i])));
        bucket.metrics = out;
      }
      return bucket;
    });
    const result: AggregationResult = { type: 'terms', buckets, otherCount: totalWithValue - buckets.reduce((n, b) => n + b.count, 0) };
    if (agg.missing !== undefined) {
      const missingParams = new SqlParams();
      const missingWhere = this.where({ ...request, query: { kind: 'bool', must: [request.query], should: [], filter: [], mustNot: [{ kind: 'exists', field: field.name }] } }, missingParams);
      if (!missingWhere.ok) return missingWhere;
      const missing = await query(`SELECT count(*) FROM ${TABLE} WHERE ${missingWhere.value}`, missingParams);
      result.missingCount = Number(missing.getRows()[0]?.[0] ?? 0);
    }
    return ok(result);
  }

  /**
   * Counts per grain (the interval, or finer in a zone: zoned-histogram.ts), gathered into buckets;
   * sub-aggregated terms counted per grain and value in the same pass.
   */
  private async dateHistogram(connection: ReadConnection, agg: DateHistogramRequest, intervalMs: number, request: SearchRequest, where: string, params: SqlParams, fromMemory?: MirrorView): Promise<Result<AggregationResult, QueryError>> {
    const range = request.timeRange;
    const bounds = range ?? (agg.timeZone ? await this.dataRange(connection, where, params) : undefined);
    const grouping = histogramGrouping(intervalMs, agg.timeZone, bounds, agg.calendarInterval);
    // Grains of whole quarter hours (any interval of them, in any zone in use) come from the rollup where the query is unfiltered.
    const coverage = rollups.slotsMakeGrains(grouping.grainMs) ? this.rollupCoverage(request) : undefined;
    const rolled = new SqlParams();
    const grain = params.add(grouping.grainMs);
    // The rollup in memory where it holds the counts, else the rollup's tables, else the rows.
    const view = coverage ? fromMemory : undefined;
    // From memory the counts are summed per bucket at once (grains to buckets as `grouping` maps them); the grouping of what is already a bucket is itself.
    const inBuckets = view?.counts(rollups.TOTAL_DIM, grouping.grainMs, grouping.bucketOf);
    // A query the text index answers whole: its matches' times are the histogram's (a row's bucket
    // is its time's), and stacked by level its matches' levels are the terms' (one walk for both).
    const stacked = inBuckets || coverage ? undefined : this.textGrainLevelCounts(request, Object.values(agg.subAggregations ?? {}), grouping.grainMs);
    const matched = inBuckets || coverage ? undefined : stacked ? sumOverLevels(stacked) : this.textGrainCounts(request, grouping.grainMs);
    const counts = inBuckets
      ? new Map([...inBuckets].map(([k, c]) => [k, c.get('') ?? 0] as const))
      : matched
        ? countsByBucket(matched, grouping)
        : countsByBucket(
          (coverage ? await this.query(connection, rollups.histogramSql(coverage, grouping.grainMs, rolled), rolled) : await this.query(connection, `SELECT (ts // ${grain}) * ${grain} AS k, count(*) FROM ${TABLE} WHERE ${where} GROUP BY k`, params)).getRows().map(([k, c]) => [Number(k), Number(c)] as const),
          grouping,
        );
    const sorted = [...counts].sort((a, b) => a[0] - b[0]).map(([keyMs, count]): HistogramBucket => ({ keyMs, count }));
    const buckets = (agg.minDocCount ?? 0) > 0 ? sorted : agg.timeZone || agg.calendarInterval ? fillZonedHistogram(counts, grouping, range, intervalMs) : fillHistogram(counts, intervalMs, range);
    for (const [name, sub] of Object.entries(agg.subAggregations ?? {})) {
      const field = this.resolver().field(aggregatableField(sub.field));
      if (field?.type === 'text') return err({ kind: 'request', field: field.name, message: `${field.name} is a text field; aggregate on a keyword field.` });
      const perBucket = new Map<number, { buckets: TermsBucket[]; otherCount: number }>();
      if (field) {
        const subParams = new SqlParams();
        const subWhere = this.where(request, subParams);
        if (!subWhere.ok) return subWhere;
        const g = subParams.add(grouping.grainMs);
        const values = this.aggregationValues(field, subParams);
        const dimension = coverage ? rollups.rollupDimension(sub.field) : undefined;
        const subRolled = new SqlParams();
        const inMemory = dimension ? view?.counts(dimension.dim, grouping.grainMs, grouping.bucketOf) : undefined;
        const found = stacked
          ? subTermsByBucket(
              stacked.filter((row): row is [number, number, number] => row[1] !== null),
              grouping,
              sub.size ?? 10,
            )
          : inMemory
          ? subTermsByBucket(
              [...inMemory].flatMap(([k, values]) => [...values].map(([v, c]) => [k, termKey(field.type, v), c] as const)),
              { ...grouping, bucketOf: (k) => k },
              sub.size ?? 10,
            )
          : subTermsByBucket(
              (coverage && dimension
                ? await this.query(connection, rollups.histogramTermsSql(coverage, dimension, grouping.grainMs, subRolled), subRolled)
                : await this.query(connection, `WITH v AS (SELECT (ts // ${g}) * ${g} AS k, ${values} AS v FROM ${TABLE} WHERE ${subWhere.value}) SELECT k, v, count(*) FROM v WHERE v IS NOT NULL GROUP BY k, v`, subParams)
              )
                .getRows()
                .map(([k, v, c]) => [Number(k), termKey(field.type, v), Number(c)] as const),
              grouping,
              sub.size ?? 10,
            );
        for (const [k, v] of found) perBucket.set(k, v);
      }
      for (const bucket of buckets) {
        const answer = perBucket.get(bucket.keyMs) ?? { buckets: [], otherCount: 0 };
        bucket.aggregations ??= {};
        setOwn(bucket.aggregations, name, { type: 'terms', ...answer });
      }
    }
    return ok({ type: 'date_histogram', intervalMs, buckets, ...(agg.timeZone ? { timeZone: agg.timeZone } : {}), ...(agg.calendarInterval ? { calendarInterval: agg.calendarInterval } : {}) });
  }

  /** One row per value: lists are unnested, values beyond ignore_above left out (not indexed). */
  private aggregationValues(field: SqlField, params: SqlParams): string {
    return rollups.aggregationValuesSql(field, params);
  }

  private async dataRange(connection: ReadConnection, where: string, params: SqlParams): Promise<{ fromMs: number; toMs: number } | undefined> {
    const rows = await this.query(connection, `SELECT min(ts), max(ts) FROM ${TABLE} WHERE ${where}`, params);
    const [min, max] = rows.getRows()[0] ?? [];
    return min === null || min === undefined ? undefined : { fromMs: Number(min), toMs: Number(max) };
  }

  /** Runs a read with exactly the parameters its SQL uses. */
  private query(connection: ReadConnection, sql: string, params: SqlParams): ReturnType<DuckDBConnection['runAndReadAll']> {
    const bound = params.bind(sql);
    return connection.runAndReadAll(bound.sql, bound.values as DuckDBValue[]);
  }

  /**
   * One document by index and id. The id is the event id, or a hash of the alert's own id (core/ids.ts)
   * that DuckDB's sha256 computes the same way, within the index's day only; the row found is then
   * checked to name exactly this index and id.
   */
  document(index: string, id: string): Promise<Hit | undefined> {
    const dayMs = timeOfIndexName(index);
    if (dayMs === undefined || id.length === 0 || id.length > 1024) return Promise.resolve(undefined);
    return this.reads.use(async (reader) => {
      this.assertOpen();
      const params = new SqlParams();
      const resolver = this.resolver();
      const eventId = resolver.field('@id') as SqlField;
      const alertId = (resolver.field('id') as SqlField).expr(params);
      const idParam = params.add(id);
      const alertHash = `left(sha256(log_group || chr(0) || log_stream || chr(0) || ${alertId}), 32) = ${idParam}`;
      const sql = `SELECT ${COLUMN_NAMES.join(', ')} FROM ${TABLE} WHERE dedup_ts >= ${params.add(dayMs)} AND dedup_ts < ${params.add(dayMs + DAY_MS)} AND (${eventId.equals ? eventId.equals(id, params) : `${eventId.expr(params)} = ${idParam}`} OR (${alertId} IS NOT NULL AND ${alertHash})) LIMIT 10`;
      const rows = await this.query(reader, sql, params);
      for (const row of rows.getRows()) {
        const doc = documentFromRow(row);
        if (doc.index === index && doc.id === id) return { ...doc, sort: [Number(row[COL.ts]), doc.document['@id']] as SortKey };
      }
      return undefined;
    });
  }

  fields(): Promise<FieldInfo[]> {
    return Promise.resolve(this.resolver().catalog());
  }

  /** Daily indices by the day that names each document's index (`dedup_ts`: the alert's own time, else the event's), as hits report it. */
  indices(): Promise<IndexInfo[]> {
    return this.reads.use(async (reader) => {
      this.assertOpen();
      const rows = (await reader.runAndReadAll(`SELECT dedup_ts // ${DAY_MS} AS day, count(*) FROM ${TABLE} GROUP BY day ORDER BY day`)).getRows();
      const total = rows.reduce((n, [, c]) => n + Number(c), 0);
      const bytes = this.fileBytes();
      return rows.map(([day, count]) => ({ name: indexNameForTime(Number(day) * DAY_MS), documents: Number(count), bytes: total === 0 ? 0 : Math.round((bytes * Number(count)) / total) }));
    });
  }

  deleteIndex(name: string): Promise<boolean> {
    const day = timeOfIndexName(name);
    if (day === undefined) return Promise.resolve(false);
    return this.writes.run(async () => {
      this.assertOpen();
      const deleted = await this.deleteRows('dedup_ts >= $1 AND dedup_ts < $2', [BigInt(day), BigInt(day + DAY_MS)]);
      await this.textIndex?.deleted(day / DAY_MS, day / DAY_MS + 1);
      if (deleted > 0) await this.writer.run('CHECKPOINT');
      return deleted > 0;
    });
  }

  async deleteOlderThan(days: number, nowMs: number): Promise<string[]> {
    const cutoff = Math.floor(nowMs / DAY_MS) * DAY_MS - days * DAY_MS;
    const old = (await this.indices()).filter((i) => (timeOfIndexName(i.name) as number) < cutoff).map((i) => i.name);
    if (old.length === 0) return [];
    await this.writes.run(async () => {
      await this.deleteRows('dedup_ts < $1', [BigInt(cutoff)]);
      await this.textIndex?.deleted(Number.MIN_SAFE_INTEGER, cutoff / DAY_MS);
      await this.writer.run('CHECKPOINT');
    });
    return old;
  }

  /** Deletes the rows `where` selects and takes their counts out of the rollup, in one transaction (on the write queue). */
  private async deleteRows(where: string, values: DuckDBValue[]): Promise<number> {
    await this.writer.run('BEGIN TRANSACTION');
    try {
      const counted = await this.changeRollup(rollups.rollupDelta(`SELECT * FROM ${TABLE} WHERE ${where}`, -1), values);
      for (const statement of rollups.DROP_EMPTY_STATEMENTS) await this.writer.run(statement);
      const deleted = await this.writer.run(`DELETE FROM ${TABLE} WHERE ${where}`, values);
      await this.writer.run('COMMIT');
      this.mirrorCommitted(counted);
      return deleted.rowsChanged;
    } catch (e) {
      await this.writer.run('ROLLBACK').catch(() => undefined);
      throw e;
    }
  }

  /** Writes everything to the main file (normally DuckDB does so when the log grows). */
  checkpoint(): Promise<void> {
    return this.writes.run(async () => {
      await this.writer.run('CHECKPOINT');
    });
  }

  /** Bytes of the database file and its write-ahead log. */
  fileBytes(): number {
    return databaseFileBytes(this.options.path) + (this.textIndex?.bytes() ?? 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // No compaction starts from now on; the one running stops between its chunks.
    await this.textCompactor?.stop();
    await this.writes.run(async () => undefined);
    await this.reads.drain();
    // Exports still being read stop here (their statements are interrupted, connections closed).
    for (const entry of [...this.scans]) {
      await entry.opening?.catch(() => undefined);
      await entry.scan?.close();
    }
    this.closed = true;
    await this.textIndex?.close();
    this.reads.closeAll();
    this.writer.closeSync();
    this.instance.closeSync();
  }

  private rollupCoverage(request: SearchRequest): rollups.RollupCoverage | undefined {
    return this.options.useRollups === false ? undefined : rollups.rollupCoverage(request);
  }

  private resolver(): DuckDbFieldResolver {
    return new DuckDbFieldResolver(this.dynamicFields);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The store is closed.');
  }
}

/**
 * The rollup's copy in memory, loaded from its tables: the dimensions that fit in `maxEntries`
 * counts (smallest first; the total first of all), the others left to the tables.
 */
async function loadMirror(writer: DuckDBConnection, maxEntries: number): Promise<RollupMirror> {
  const mirror = new RollupMirror(maxEntries);
  const sizes = new Map<number, number>();
  for (const [, dim, rows] of (await writer.runAndReadAll(rollups.LEVEL_SIZES_SQL)).getRows()) sizes.set(Number(dim), (sizes.get(Number(dim)) ?? 0) + Number(rows));
  const dims = [rollups.TOTAL_DIM, ...rollups.ROLLUP_DIMENSIONS.map((d) => d.dim)].sort((a, b) => Number(b === rollups.TOTAL_DIM) - Number(a === rollups.TOTAL_DIM) || (sizes.get(a) ?? 0) - (sizes.get(b) ?? 0));
  let room = maxEntries;
  const held: number[] = [];
  for (const dim of dims) {
    const size = sizes.get(dim) ?? 0;
    if (size <= room && (dim === rollups.TOTAL_DIM || mirror.holds(rollups.TOTAL_DIM))) {
      held.push(dim);
      room -= size;
    } else mirror.drop(dim);
  }
  for (const level of rollups.DELTA_LEVELS) mirror.set(level, (await writer.runAndReadAll(rollups.levelRowsSql(level, held))).getRows());
  return mirror;
}

/** A store opened without a current rollup (new, or made by an older version) counts its rows into one, in one transaction. */
async function ensureRollups(writer: DuckDBConnection): Promise<void> {
  const version = (await writer.runAndReadAll(rollups.ROLLUP_VERSION_SQL)).getRows()[0]?.[0];
  if (version !== null && version !== undefined && Number(version) === rollups.ROLLUP_VERSION) return;
  await writer.run('BEGIN TRANSACTION');
  try {
    for (const statement of rollups.rebuildRollupStatements()) await writer.run(statement);
    await writer.run('COMMIT');
  } catch (e) {
    await writer.run('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** A read connection that starts no statement once its search's time is up. */
class DeadlineConnection {
  constructor(
    private readonly connection: DuckDBConnection,
    private readonly deadline: Deadline,
  ) {}

  runAndReadAll(sql: string, values: DuckDBValue[]): ReturnType<DuckDBConnection['runAndReadAll']> {
    if (this.deadline.expired) return Promise.reject(new ReadTimeoutError(this.deadline.timeoutMs));
    return this.connection.runAndReadAll(sql, values);
  }
}

type ReadConnection = Pick<DeadlineConnection, 'runAndReadAll'>;

/** RE2 compiles each pattern before a statement runs; one it refuses (too large) is the user's to simplify. */
async function refusedPattern(connection: DuckDBConnection, patterns: readonly string[]): Promise<QueryError | undefined> {
  for (const pattern of new Set(patterns)) {
    try {
      await connection.runAndReadAll('SELECT regexp_matches(\'\', $1)', [pattern]);
    } catch (e) {
      const reason = (e as Error).message.replace(/^Invalid Input Error: /, '');
      return { kind: 'query', message: `The regular expression is too complex for the linear-time engine (RE2: ${reason}); simplify it, e.g. with fewer or smaller repetitions.` };
    }
  }
  return undefined;
}

/**
 * Rows a text index's page reads at once at its candidate times (textPageRows); beyond, they are
 * counted first and read again, two statements more. Per hit, and a thousand besides: a word
 * common in a fleet's alerts shares its seconds with other alerts (at 10,000,000 simulated alerts,
 * a page of 20 of `identification` took 85 rows, so three statements), while a burst of one second
 * can hold far more.
 */
const TEXT_PAGE_ROWS_PER_HIT = 4;
const TEXT_PAGE_ROWS_SLACK = 1_000;
const textPageRowsCap = (size: number): number => TEXT_PAGE_ROWS_PER_HIT * size + TEXT_PAGE_ROWS_SLACK;

interface TextIndexPlan {
  query: TextIndexQuery;
  verifyTimes: number[];
}

/** ` AND ts IN (times)` (FALSE for none), with the times' bounds first so that DuckDB's zone maps skip row groups. */
function timesInSql(times: readonly number[], params: SqlParams): string {
  if (times.length === 0) return ' AND FALSE';
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const t of times) {
    if (t < min) min = t;
    if (t > max) max = t;
  }
  return ` AND ts BETWEEN ${params.add(min)} AND ${params.add(max)} AND ts IN (SELECT unnest(from_json(${params.add(JSON.stringify(times))}, '["BIGINT"]')))`;
}

const STAGING_TYPES: DuckDBType[] = [...STAGED_NUMBERS.map(() => BIGINT), VARCHAR, ...STAGED_TEXTS.map(() => VARCHAR), BOOLEAN, INTEGER];
const NUMBER_COLUMNS = STAGED_NUMBERS.map((n) => COL[n]);
const PACKED_COLUMNS = PACKED.map((n) => COL[n]);
const TEXT_COLUMNS = STAGED_TEXTS.map((n) => COL[n]);

/**
 * A staging chunk: the numbers, the small strings as one JSON array, the big texts. Every string
 * crosses into DuckDB in its own call, so packing fifteen small ones into one makes a row cheap.
 */
function stagingChunk(rows: Row[], start: number, end: number): DuckDBDataChunk {
  const chunk = DuckDBDataChunk.create(STAGING_TYPES, end - start);
  const columns: DuckDBValue[][] = STAGING_TYPES.map(() => new Array<DuckDBValue>(end - start));
  for (let r = start; r < end; r++) {
    const values = (rows[r] as Row).values;
    const i = r - start;
    let c = 0;
    for (const column of NUMBER_COLUMNS) {
      const v = values[column];
      (columns[c++] as DuckDBValue[])[i] = v === null ? null : BigInt(v as number);
    }
    (columns[c++] as DuckDBValue[])[i] = JSON.stringify(PACKED_COLUMNS.map((column) => values[column]));
    for (const column of TEXT_COLUMNS) (columns[c++] as DuckDBValue[])[i] = values[column] as string | null;
    (columns[c++] as DuckDBValue[])[i] = values[COL.patch_full] as boolean;
    (columns[c] as DuckDBValue[])[i] = r;
  }
  chunk.setColumns(columns);
  return chunk;
}

/** Why the table cannot hold a document, or undefined. Checked before a row is built, so that one such document costs the others nothing. */
function documentProblem(indexed: IndexedDocument): string | undefined {
  const doc: unknown = indexed?.document;
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'the document is not a JSON object';
  const d = doc as Record<string, unknown>;
  const timestamp = d['@timestamp'];
  const ts = typeof timestamp === 'string' ? Date.parse(timestamp) : Number.NaN;
  if (!Number.isSafeInteger(ts)) return `@timestamp must be an ISO 8601 date, not ${JSON.stringify(timestamp) ?? 'missing'}`;
  for (const field of ['@id', '@message', '@log_group', '@log_stream'] as const) {
    if (typeof d[field] !== 'string') return `${field} must be a string`;
  }
  if (typeof indexed.id !== 'string' || indexed.id === '' || typeof indexed.index !== 'string') return 'the document has no index or id';
  return undefined;
}

/**
 * Set on a request a segment could not answer (segmentCannotAnswer): the scan answers it alone.
 * A symbol key, so that the requests derived from it (`{ ...request, query }`) carry it too.
 */
const SCAN_ONLY = Symbol('scanOnly');
type ScanOnly = SearchRequest & { [SCAN_ONLY]?: true };

/** Errors of a segment at answer time after which the scan answers the search (text-segment*.ts's codes). */
const SEGMENT_FALLBACK_CODES: ReadonlySet<string> = new Set(['TEXT_SEGMENT_UNSUPPORTED_EXPRESSION', 'TEXT_SEGMENT_CORRUPT', 'TEXT_SEGMENT_GONE']);

function segmentCannotAnswer(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && SEGMENT_FALLBACK_CODES.has(code);
}

/** DuckDB errors that say the database cannot work now, not that this batch is wrong. */
const UNAVAILABLE_DATABASE = /^(IO|Out of Memory|Interrupt|TransactionContext|Connection|FATAL|Fatal) Error/;

function isUnavailableDatabase(e: unknown): boolean {
  return e instanceof Error && UNAVAILABLE_DATABASE.test(e.message);
}

function storeUnavailable(error: Error): WriteResult {
  return { kind: 'retryable', error: new UnavailableError(`The embedded index cannot take writes now: ${error.message}`, undefined, { cause: error }) };
}

/** Field types a max can measure (dates as epoch ms). */
const METRIC_TYPES: ReadonlySet<FieldType> = new Set(['integer', 'long', 'double', 'date']);

/** A metric's value in a row: the column itself, or the largest of a dynamic field's values. */
function metricValue(field: SqlField, params: SqlParams): string {
  const expr = field.expr(params);
  return field.multi ? `list_max(list_transform(${expr}, x -> TRY_CAST(x AS DOUBLE)))` : expr;
}

/** Per grain, the counts of every level summed (null included: a row without a level is in the histogram still), in grain order. */
function sumOverLevels(rows: ReadonlyArray<readonly [number, number | null, number]>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [k, , n] of rows) {
    const last = out[out.length - 1];
    if (last && last[0] === k) last[1] += n;
    else out.push([k, n]);
  }
  return out;
}

function termKey(type: FieldType, key: unknown): string | number {
  if (typeof key === 'bigint') return Number(key);
  if (typeof key === 'number') return key;
  const text = String(key);
  if (type === 'integer' || type === 'long' || type === 'double' || type === 'date') {
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }
  return text;
}

/** `hs_ip_key(ip)`: the 32-hex sort key of an address, NULL if it is not one (CIDR and IP ranges). */
/**
 * Equal counts are ordered by the value as its type orders it, as OpenSearch does: addresses by
 * address (9.0.0.1 before 10.0.0.9 before 10.0.0.10), numbers by number; keywords by their bytes.
 */
function termOrder(field: SqlField): string {
  switch (field.type) {
    case 'ip':
      return `${IP_KEY_FUNCTION}(v)`;
    case 'integer':
    case 'long':
    case 'double':
    case 'date':
      return field.multi ? 'TRY_CAST(v AS DOUBLE)' : 'v';
    default:
      return 'v';
  }
}

function ipKeyFunction(): DuckDBScalarFunction {
  return DuckDBScalarFunction.create({
    name: IP_KEY_FUNCTION,
    returnType: VARCHAR,
    parameterTypes: [VARCHAR],
    mainFunction: (_info, input, output) => {
      const values = input.getColumnVector(0);
      for (let i = 0; i < input.rowCount; i++) {
        const v = values.getItem(i);
        output.setItem(i, typeof v === 'string' ? (ipSortKey(v) ?? null) : null);
      }
      output.flush();
    },
  });
}

/** `hs_event_id(ts, seq)`: the CloudWatch event id of a row stored as a sequence number. */
function eventIdFunction(): DuckDBScalarFunction {
  return DuckDBScalarFunction.create({
    name: EVENT_ID_FUNCTION,
    returnType: VARCHAR,
    parameterTypes: [BIGINT, BIGINT],
    mainFunction: (_info, input, output) => {
      const ts = input.getColumnVector(0);
      const seq = input.getColumnVector(1);
      for (let i = 0; i < input.rowCount; i++) {
        const t = ts.getItem(i);
        const s = seq.getItem(i);
        output.setItem(i, t === null || s === null ? null : cloudWatchEventId(Number(t), Number(s)));
      }
      output.flush();
    },
  });
}
