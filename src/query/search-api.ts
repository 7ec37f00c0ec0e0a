/**
 * @module The search interface both backends implement (embedded DuckDB, OpenSearch): hits sorted
 * newest first with search_after paging and an exact total, and the aggregations Discover and the
 * HIDS dashboard need.
 */
import type { AlertDocument, IndexedDocument } from '../core/document.js';
import type { Result } from '../core/result.js';
import type { QueryNode } from './ast.js';
import type { FieldType } from './fields.js';

export interface TimeRange {
  /** Epoch ms, inclusive. */
  fromMs: number;
  /** Epoch ms, inclusive (Kibana's `lte`). */
  toMs: number;
}

export type AggregationRequest =
  | DateHistogramRequest
  | { type: 'terms'; field: string; size?: number; missing?: string; metrics?: Record<string, MetricRequest> }
  | { type: 'cardinality'; field: string };

/**
 * Counts over time. `timeZone` (an IANA zone, UTC or +05:30, as OpenSearch's time_zone) puts bucket
 * starts at local multiples of the interval: local midnight for days, across daylight-saving changes.
 * `subAggregations`: terms counted in each bucket (the histogram stacked by rule level).
 */
export interface DateHistogramRequest {
  type: 'date_histogram';
  field?: '@timestamp';
  intervalMs?: number | 'auto';
  minDocCount?: number;
  timeZone?: string;
  /**
   * Calendar weeks (from Monday), months or years, as OpenSearch's calendar_interval, instead of
   * a fixed interval; `intervalMs` is then their nominal length (7, 30 or 365 days) for planning.
   */
  calendarInterval?: 'week' | 'month' | 'year';
  subAggregations?: Record<string, SubTermsRequest>;
}

/** A terms aggregation inside each date_histogram bucket. */
export interface SubTermsRequest {
  type: 'terms';
  field: string;
  size?: number;
}

/** A metric computed in each terms bucket (OpenSearch's `max` sub-aggregation): the fleet view's last alert and highest level. */
export interface MetricRequest {
  type: 'max';
  /** A date field (its value in epoch ms) or a number field. */
  field: string;
}

export interface SearchRequest {
  query: QueryNode;
  /**
   * The query exactly as the user gave it (Lucene text, or the DSL object), parsed into `query`.
   * The OpenSearch backend sends it (Lucene as `query_string` with Kibana's settings, the DSL as it
   * is), so that OpenSearch itself reads the user's query; without it, it compiles `query`. The
   * embedded store ignores it.
   */
  source?: string | Record<string, unknown>;
  timeRange?: TimeRange;
  /**
   * The zone of the Lucene query's own date math (`@timestamp:[now/d TO now]`), as query_string's
   * time_zone, which Kibana sets from its dateFormat:tz. DSL ranges name their own.
   */
  timeZone?: string;
  /** Hits to return (0 for aggregations only); at most MAX_HITS. */
  size?: number;
  /** The `sort` of the last hit of the previous page. */
  searchAfter?: SortKey;
  /** How hits are ordered (default: @timestamp descending). */
  sort?: SortSpec;
  /** false: `total` need not be counted (an export's later pages); it is then -1 where not counted. */
  trackTotal?: boolean;
  /** A point-in-time view of the backend (`openPointInTime`) that every page of a long read sees. */
  pointInTime?: string;
  /**
   * Only these fields of each hit's document are read (an export's columns): a backend may then
   * leave the others out (OpenSearch's `_source` filter; the embedded store reads only their columns).
   */
  sourceFields?: readonly string[];
  aggregations?: Record<string, AggregationRequest>;
}

export type SortOrder = 'asc' | 'desc';

/**
 * Hits by one field, missing values last (OpenSearch's default), then @timestamp descending and
 * @id descending as tie-breakers, so that every document has its own place and search_after pages
 * neither skip nor repeat. On @timestamp itself the tie-breaker @id takes the same order.
 */
export interface SortSpec {
  field: string;
  order: SortOrder;
}

export const DEFAULT_SORT: SortSpec = Object.freeze({ field: '@timestamp', order: 'desc' }) as SortSpec;

/** A sorted field's value in a hit's sort key: a number, a keyword or an address; null where the document has none. */
export type SortValue = string | number | null;

/**
 * The sort of a hit, unique per document: [@timestamp ms, @id] when sorted by time, else
 * [the field's value, @timestamp ms, @id].
 */
export type SortKey = [timestampMs: number, eventId: string] | [value: SortValue, timestampMs: number, eventId: string];

/** True when the request sorts by a field other than @timestamp (hits then carry three-part sort keys). */
export function sortsByField(sort: SortSpec | undefined): boolean {
  return sort !== undefined && sort.field !== '@timestamp';
}

export interface Hit {
  index: string;
  id: string;
  sort: SortKey;
  document: AlertDocument;
}

export interface HistogramBucket {
  keyMs: number;
  count: number;
  /** The sub-aggregations' answers, under their names (only when the request had subAggregations). */
  aggregations?: Record<string, SubTermsResult>;
}

export interface SubTermsResult {
  type: 'terms';
  buckets: TermsBucket[];
  otherCount: number;
}

export interface TermsBucket {
  key: string | number;
  count: number;
  /** The bucket's metrics under the names `metrics` gave them; null where no document of the bucket has the field. */
  metrics?: Record<string, number | null>;
}

export type AggregationResult =
  | { type: 'date_histogram'; intervalMs: number; buckets: HistogramBucket[]; timeZone?: string; calendarInterval?: 'week' | 'month' | 'year' }
  | { type: 'terms'; buckets: TermsBucket[]; otherCount: number; missingCount?: number }
  | { type: 'cardinality'; value: number };

export interface SearchResponse {
  /** Exact number of matching documents. */
  total: number;
  hits: Hit[];
  aggregations: Record<string, AggregationResult>;
  tookMs: number;
}

export interface QueryError {
  /** `syntax`: the query text; `query`: a value that does not fit its field; `request`: the request itself. */
  kind: 'syntax' | 'query' | 'request';
  message: string;
  position?: number;
  hint?: string;
  field?: string;
}

export interface FieldInfo {
  name: string;
  type: FieldType;
  aggregatable: boolean;
}

export interface IndexInfo {
  name: string;
  documents: number;
  /** Bytes on disk attributed to the index (the embedded store apportions its file by rows). */
  bytes: number;
}

/** What became of one document of a write. */
export type DocumentOutcome =
  | { kind: 'indexed' }
  /** The sink already held a document with this index and id: not written again. */
  | { kind: 'duplicate' }
  /** Refused for good (it does not fit the mapping, it is malformed): retrying cannot help. */
  | { kind: 'rejected'; reason: string };

export interface WriteSummary {
  kind: 'ok';
  /** One per document written, in the same order. */
  outcomes: DocumentOutcome[];
  /** Documents new to the index. */
  written: number;
  /** Documents it already held (same id): not written again. */
  duplicates: number;
  rejected: number;
}

/**
 * A write's result: per-document outcomes, or `retryable` when the sink as a whole cannot take the
 * batch now (connection refused, timeout, 429, 5xx, a busy or failing database); then nothing of
 * the batch is known to be written and the caller retries all of it. A sink may also throw such
 * errors (`classifyError` in pipeline/retry.ts reads them); any other throw is a bug or a poison
 * document, which the forwarder isolates.
 */
export type WriteResult = WriteSummary | { kind: 'retryable'; error: Error; retryAfterMs?: number };

/** Where documents go: the embedded store, OpenSearch. Every sink passes test/contracts/sink.case.ts. */
export interface DocumentSink {
  write(documents: readonly IndexedDocument[]): Promise<WriteResult>;
}

export const INDEXED: DocumentOutcome = Object.freeze({ kind: 'indexed' });
export const DUPLICATE: DocumentOutcome = Object.freeze({ kind: 'duplicate' });

/** The summary of per-document outcomes. */
export function writeSummary(outcomes: DocumentOutcome[]): WriteSummary {
  let written = 0;
  let duplicates = 0;
  for (const o of outcomes) {
    if (o.kind === 'indexed') written++;
    else if (o.kind === 'duplicate') duplicates++;
  }
  return { kind: 'ok', outcomes, written, duplicates, rejected: outcomes.length - written - duplicates };
}

export interface SearchBackend {
  search(request: SearchRequest): Promise<Result<SearchResponse, QueryError>>;
  /** One document by its daily index (`cwl-YYYY.MM.DD`) and id, as hits name it (a permanent link); undefined if there is none. */
  document(index: string, id: string): Promise<Hit | undefined>;
  /**
   * A consistent view for reading a whole result page by page (OpenSearch's point in time); the
   * embedded store needs none (an export bounds its time range instead). Closed with closePointInTime.
   */
  openPointInTime?(keepAliveMs: number): Promise<string>;
  closePointInTime?(id: string): Promise<void>;
  /**
   * A whole result in the request's order (its sort and tie-breakers, as search_after pages it)
   * read as one stream, for a backend that can do better than paging (the embedded store: one
   * ordered statement whose chunks are read as they come). Without it, query/export.ts pages with
   * search_after on a point in time. `size`, `searchAfter` and `aggregations` are not read.
   */
  scan?(request: SearchRequest, options?: ScanOptions): Promise<Result<HitScan, QueryError>>;
  fields(): Promise<FieldInfo[]>;
  indices(): Promise<IndexInfo[]>;
  /** Deletes one daily index; false if there was none. */
  deleteIndex(name: string): Promise<boolean>;
  /** Drops the daily indices older than `days` days before `nowMs`; returns their names. */
  deleteOlderThan(days: number, nowMs: number): Promise<string[]>;
}

export interface ScanOptions {
  /** At most this many hits (default: all of them). */
  maxRows?: number;
}

/** A whole result being read: the count, then the hits in order, a batch at a time. */
export interface HitScan {
  /** The matching documents, counted before the first batch. */
  total: number;
  /** The hits in order; ending it early (`return`) stops the read. A failed read throws. */
  batches: AsyncGenerator<readonly IndexedDocument[], void, undefined>;
  /** Stops the read and releases what it holds, whether or not a batch was taken. */
  close(): Promise<void>;
}

export const MAX_HITS = 10_000;
export const DEFAULT_HITS = 20;

/** Kibana's auto interval aims at about this many buckets. */
export const AUTO_HISTOGRAM_BUCKETS = 50;
const NICE_INTERVALS_MS = [
  1, 5, 10, 50, 100, 500, 1000, 5000, 10_000, 30_000, 60_000, 300_000, 600_000, 1_800_000, 3_600_000, 3 * 3_600_000, 12 * 3_600_000, 86_400_000,
  7 * 86_400_000, 30 * 86_400_000, 365 * 86_400_000,
];

/** The smallest "nice" interval (1s, 5s, 10s, 30s, 1m, 5m, …, 1d, 7d, 30d, 1y) giving at most ~50 buckets. */
export function autoIntervalMs(range: TimeRange, targetBuckets = AUTO_HISTOGRAM_BUCKETS): number {
  const span = Math.max(1, range.toMs - range.fromMs + 1);
  const raw = span / targetBuckets;
  return NICE_INTERVALS_MS.find((i) => i >= raw) ?? (NICE_INTERVALS_MS[NICE_INTERVALS_MS.length - 1] as number);
}

/** Buckets from the first to the last bucket of the range, zeros filled in, as Kibana draws them. */
export function fillHistogram(counts: Map<number, number>, intervalMs: number, range: TimeRange | undefined): HistogramBucket[] {
  const keys = [...counts.keys()].sort((a, b) => a - b);
  if (!range && keys.length === 0) return [];
  const first = range ? Math.floor(range.fromMs / intervalMs) * intervalMs : (keys[0] as number);
  const last = range ? Math.floor(range.toMs / intervalMs) * intervalMs : (keys[keys.length - 1] as number);
  const buckets: HistogramBucket[] = [];
  // Guard against a caller asking for millions of empty buckets.
  if ((last - first) / intervalMs > 100_000) return keys.map((k) => ({ keyMs: k, count: counts.get(k) as number }));
  for (let key = first; key <= last; key += intervalMs) buckets.push({ keyMs: key, count: counts.get(key) ?? 0 });
  return buckets;
}
