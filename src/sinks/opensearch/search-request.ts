/**
 * @module A hidsmon SearchRequest as an OpenSearch `_search` body, and its answer (or its error) back
 * as a SearchResponse (or a QueryError). Pure: the backend does the I/O.
 */
import { compileToOpenSearch, sourceQueryDsl, type Dsl } from '../../query/compile/to-opensearch.js';
import { aggregatableField } from '../../query/fields.js';
import type { QueryLimits } from '../../query/limits.js';
import { sortsByField, type AggregationRequest, type AggregationResult, type DateHistogramRequest, type HistogramBucket, type Hit, type QueryError, type SearchRequest, type SortKey, type SortSpec, type SortValue, type TermsBucket, type TimeRange } from '../../query/search-api.js';
import type { FieldType } from '../../query/fields.js';
import type { AlertDocument } from '../../core/document.js';
import { setOwn } from '../../core/own-keys.js';
import { DEFAULT_INDEX_PREFIX } from './connection.js';
import { timeOfIndexName } from '../../core/time.js';

/** Exact distinct counts up to this many values (the most OpenSearch allows). */
export const CARDINALITY_PRECISION_THRESHOLD = 40_000;

/** The request's query as OpenSearch reads it: the user's own (`source`), else the AST compiled. */
export function requestQuery(request: SearchRequest): Dsl {
  const query = request.source === undefined ? compileToOpenSearch(request.query) : sourceQueryDsl(request.source, request.timeZone !== undefined ? { timeZone: request.timeZone } : {});
  if (!request.timeRange) return query;
  return { bool: { must: [query], filter: [timeRangeFilter(request.timeRange)] } };
}

function timeRangeFilter(range: TimeRange): Dsl {
  return { range: { '@timestamp': { gte: range.fromMs, lte: range.toMs, format: 'epoch_millis' } } };
}

/** Aggregation names are the caller's (any string); OpenSearch's are ours: `a<i>`, and `a<i>_missing` beside a terms. */
export function aggregationKey(position: number): string {
  return `a${position}`;
}

/** OpenSearch's spelling of a calendar interval. */
const CALENDAR_INTERVALS = { week: '1w', month: '1M', year: '1y' } as const;

/** A date_histogram's interval once resolved ('auto' needs the time range or the data's). */
export type ResolvedAggregation = Exclude<AggregationRequest, { type: 'date_histogram' }> | (Omit<DateHistogramRequest, 'intervalMs'> & { intervalMs: number });

/** The `_search` body: hits newest first (sort = the embedded store's SortKey), exact total, aggregations. */
export function searchBody(
  request: SearchRequest,
  aggregations: ReadonlyArray<readonly [string, ResolvedAggregation]>,
  size: number,
  limits: Pick<QueryLimits, 'searchTimeoutMs'>,
  sortType?: FieldType,
): Dsl {
  const body: Dsl = {
    query: requestQuery(request),
    size,
    track_total_hits: request.trackTotal !== false,
    sort: sortDsl(request.sort, sortType),
  };
  if (request.searchAfter) body['search_after'] = searchAfterDsl(request.searchAfter, request.sort, sortType);
  if (request.pointInTime !== undefined) body['pit'] = { id: request.pointInTime, keep_alive: POINT_IN_TIME_KEEP_ALIVE };
  // Documents as their fields (a `.keyword` is its parent's value), @id and id for the hit's identity.
  if (request.sourceFields) body['_source'] = { includes: [...new Set(['@id', 'id', ...request.sourceFields.map((f) => f.replace(/\.keyword$/, ''))])] };
  if (limits.searchTimeoutMs > 0) body['timeout'] = `${limits.searchTimeoutMs}ms`;
  if (aggregations.length > 0) {
    const aggs: Dsl = {};
    aggregations.forEach(([, agg], i) => Object.assign(aggs, aggregationDsl(aggregationKey(i), agg, request.timeRange)));
    body['aggs'] = aggs;
  }
  return body;
}

/**
 * The search type of a request: `dfs_query_then_fetch` for a page after a cursor (search_after)
 * of hits sorted by a field, else OpenSearch's default. Why: query_then_fetch hands the bottom sort
 * values of the shards that answered first to the shard requests it sends after them (its "bottom
 * sort values" optimization, SearchQueryThenFetchAsyncAction); on 2.19 such a shard, searching after
 * the cursor, drops a document missing the sorted field when the bottom is missing it too, although
 * the tie-breakers (@timestamp, @id) put it before the bottom. Whether a request leaves before the
 * first answer is a race: with max_concurrent_shard_requests=1 the document was lost in 30 of 30
 * tries, by default in about half, with dfs_query_then_fetch (whose query phase sends no bottom
 * values) in none. The DFS round costs one more round trip per page, for field sorts only.
 */
export function searchTypeOf(request: SearchRequest): 'dfs_query_then_fetch' | undefined {
  return request.searchAfter !== undefined && sortsByField(request.sort) ? 'dfs_query_then_fetch' : undefined;
}

/** How long a point in time lives between two pages of an export. */
export const POINT_IN_TIME_KEEP_ALIVE = '2m';

/** The sort: the field (missing last), then @timestamp and @id descending, as the embedded store orders hits (sort-sql.ts). */
export function sortDsl(sort: SortSpec | undefined, sortType: FieldType | undefined): Dsl[] {
  if (sort === undefined || !sortsByField(sort)) {
    const order = sort?.order ?? 'desc';
    return [{ '@timestamp': { order } }, { '@id': { order } }];
  }
  // unmapped_type: an index without the field sorts its documents as missing instead of failing.
  return [{ [sort.field]: { order: sort.order, missing: '_last', unmapped_type: sortType ?? 'keyword' } }, { '@timestamp': { order: 'desc' } }, { '@id': { order: 'desc' } }];
}

/**
 * OpenSearch reports a missing value as its stand-in, the end of the type's range (±2^31-1 for
 * integers and booleans, ±2^63-1 for longs and dates, ±Infinity for doubles), and wants it back in
 * search_after; hits carry null instead (as the embedded store's), translated back here.
 */
function missingStandIn(type: FieldType | undefined, order: 'asc' | 'desc'): unknown {
  const last = order === 'asc';
  switch (type) {
    case 'integer':
    case 'boolean':
      return last ? 2147483647 : -2147483648;
    case 'long':
    case 'date':
      // A JSON integer as written: a JavaScript number this large loses its last digits, and as
      // text a date field parses it as a date, which fails for -2^63 (desc paging then broke).
      return rawJson(last ? '9223372036854775807' : '-9223372036854775808');
    case 'double':
      return last ? 'Infinity' : '-Infinity';
    default:
      return null;
  }
}

/** JSON.rawJSON (Node 21+, not yet in TypeScript's lib): JSON.stringify writes the text as it is. */
const rawJson = (text: string): unknown => (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON(text);

function isMissingStandIn(value: unknown, type: FieldType | undefined): boolean {
  if (value === null || value === undefined) return true;
  switch (type) {
    case 'integer':
    case 'boolean':
      return value === 2147483647 || value === -2147483648;
    case 'long':
    case 'date':
      return typeof value === 'number' && Math.abs(value) >= 9.2e18;
    case 'double':
      return value === 'Infinity' || value === '-Infinity';
    default:
      return false;
  }
}

function searchAfterDsl(key: SortKey, sort: SortSpec | undefined, sortType: FieldType | undefined): unknown[] {
  if (sort === undefined || !sortsByField(sort) || key.length !== 3) return [...key];
  const [value, ts, id] = key;
  return [value === null ? missingStandIn(sortType, sort.order) : value, ts, id];
}

function aggregationDsl(key: string, agg: ResolvedAggregation, range: TimeRange | undefined): Dsl {
  switch (agg.type) {
    case 'date_histogram': {
      const minDocCount = agg.minDocCount ?? 0;
      // Zero buckets over the whole range, as the embedded store fills them (fillHistogram).
      const bounds = minDocCount === 0 && range ? { extended_bounds: { min: range.fromMs, max: range.toMs } } : {};
      const zone = agg.timeZone !== undefined ? { time_zone: agg.timeZone } : {};
      const interval = agg.calendarInterval !== undefined ? { calendar_interval: CALENDAR_INTERVALS[agg.calendarInterval] } : { fixed_interval: `${agg.intervalMs}ms` };
      const histogram: Dsl = { date_histogram: { field: '@timestamp', ...interval, min_doc_count: minDocCount, ...zone, ...bounds } };
      const subs = Object.values(agg.subAggregations ?? {});
      if (subs.length > 0) {
        const inner: Dsl = {};
        // By position, as the top-level ones: the caller's names never reach OpenSearch.
        subs.forEach((sub, i) => Object.assign(inner, { [aggregationKey(i)]: { terms: { field: aggregatableField(sub.field), size: sub.size ?? 10, order: [{ _count: 'desc' }, { _key: 'asc' }] } } }));
        histogram['aggs'] = inner;
      }
      return { [key]: histogram };
    }
    case 'terms': {
      const field = aggregatableField(agg.field);
      // The embedded store's order: count down, then the value up.
      const out: Dsl = { [key]: { terms: { field, size: agg.size ?? 10, order: [{ _count: 'desc' }, { _key: 'asc' }] } } };
      const metrics = Object.values(agg.metrics ?? {});
      // Sub-aggregations by position (`m<i>`): the caller's names may be anything.
      if (metrics.length > 0) (out[key] as Dsl)['aggs'] = Object.fromEntries(metrics.map((m, i) => [`m${i}`, { max: { field: aggregatableField(m.field) } }]));
      // A separate count, so that the documents without the field do not take a bucket of the top N.
      if (agg.missing !== undefined) out[`${key}_missing`] = { missing: { field } };
      return out;
    }
    case 'cardinality':
      return { [key]: { cardinality: { field: aggregatableField(agg.field), precision_threshold: CARDINALITY_PRECISION_THRESHOLD } } };
  }
}

/**
 * The name hidsmon gives a daily index: `cwl-YYYY.MM.DD`, whatever prefix the cluster's indices
 * carry (documents are placed by that name, core/ids.ts). Other names are kept as they are.
 */
export function logicalIndexName(prefix: string, name: string): string {
  if (prefix === DEFAULT_INDEX_PREFIX || timeOfIndexName(name, prefix) === undefined) return name;
  return `${DEFAULT_INDEX_PREFIX}${name.slice(prefix.length)}`;
}

interface RawHit {
  _index: string;
  _id: string;
  _source: AlertDocument;
  sort: unknown[];
}

interface RawBucket {
  key: string | number;
  key_as_string?: string;
  doc_count: number;
  /** The metrics' sub-aggregations (`m<i>`): null value where no document of the bucket has the field. */
  [metric: `m${number}`]: { value: number | null } | undefined;
}

export interface RawSearchResponse {
  took?: number;
  timed_out?: boolean;
  _shards?: { total?: number; failed?: number; failures?: Array<{ index?: string; reason?: RawError }> };
  hits: { total?: { value: number; relation: string } | number; hits: RawHit[] };
  aggregations?: Record<string, { buckets?: RawBucket[]; sum_other_doc_count?: number; value?: number; doc_count?: number }>;
}

export function hitsOf(response: RawSearchResponse, prefix: string, sort?: SortSpec, sortType?: FieldType): Hit[] {
  const byField = sortsByField(sort);
  return response.hits.hits.map((h) => {
    const key: SortKey = byField
      ? [isMissingStandIn(h.sort[0], sortType) ? null : (h.sort[0] as SortValue), Number(h.sort[1]), String(h.sort[2])]
      : [Number(h.sort[0]), String(h.sort[1])];
    return { index: logicalIndexName(prefix, h._index), id: h._id, sort: key, document: h._source };
  });
}

export function totalOf(response: RawSearchResponse): number {
  const t = response.hits.total;
  if (t === undefined) return -1; // not counted (track_total_hits: false)
  return typeof t === 'number' ? t : t.value;
}

/** The answers to `aggregations`, under the caller's names. */
export function aggregationsOf(response: RawSearchResponse, aggregations: ReadonlyArray<readonly [string, ResolvedAggregation]>): Record<string, AggregationResult> {
  const out: Record<string, AggregationResult> = {};
  aggregations.forEach(([name, agg], i) => {
    const raw = response.aggregations?.[aggregationKey(i)];
    let result: AggregationResult;
    if (agg.type === 'date_histogram') {
      const subs = Object.entries(agg.subAggregations ?? {});
      const buckets = (raw?.buckets ?? []).map((b): HistogramBucket => {
        const bucket: HistogramBucket = { keyMs: Number(b.key), count: b.doc_count };
        if (subs.length > 0) {
          bucket.aggregations = {};
          subs.forEach(([subName], j) => {
            const inner = (b as unknown as Record<string, { buckets?: RawBucket[]; sum_other_doc_count?: number } | undefined>)[aggregationKey(j)];
            setOwn(bucket.aggregations as Record<string, unknown>, subName, { type: 'terms', buckets: (inner?.buckets ?? []).map((t) => ({ key: termsKey(t), count: t.doc_count })), otherCount: inner?.sum_other_doc_count ?? 0 });
          });
        }
        return bucket;
      });
      result = { type: 'date_histogram', intervalMs: agg.intervalMs, buckets, ...(agg.timeZone !== undefined ? { timeZone: agg.timeZone } : {}), ...(agg.calendarInterval !== undefined ? { calendarInterval: agg.calendarInterval } : {}) };
    } else if (agg.type === 'terms') {
      // Booleans come as 1/0 with key_as_string "true"/"false"; the embedded store keys them by their text.
      const metrics = Object.keys(agg.metrics ?? {});
      const buckets = (raw?.buckets ?? []).map((b) => {
        const bucket: TermsBucket = { key: termsKey(b), count: b.doc_count };
        if (metrics.length > 0) {
          const out: Record<string, number | null> = {};
          metrics.forEach((name, m) => setOwn(out, name, b[`m${m}`]?.value ?? null));
          bucket.metrics = out;
        }
        return bucket;
      });
      result = { type: 'terms', buckets, otherCount: raw?.sum_other_doc_count ?? 0 };
      if (agg.missing !== undefined) result.missingCount = response.aggregations?.[`${aggregationKey(i)}_missing`]?.doc_count ?? 0;
    } else {
      result = { type: 'cardinality', value: raw?.value ?? 0 };
    }
    setOwn(out, name, result); // the name is the caller's: `__proto__` is a name too
  });
  return out;
}

/** An OpenSearch error object (`error` of a 4xx body, `reason` of a shard failure). */
export interface RawError {
  type?: string;
  reason?: string;
  caused_by?: RawError;
  root_cause?: RawError[];
  failed_shards?: Array<{ reason?: RawError }>;
}

/** The chain from an error to its deepest cause, a shard's failure first when the top says only "all shards failed". */
function causeChain(error: RawError): RawError[] {
  const chain: RawError[] = [];
  const start = error.failed_shards?.[0]?.reason ?? error;
  const seen = new Set<RawError>();
  for (let e: RawError | undefined = start; e && !seen.has(e) && chain.length < 20; e = e.caused_by) {
    seen.add(e);
    chain.push(e);
  }
  if (start !== error) chain.push(error);
  return chain;
}

/**
 * OpenSearch's refusal of a search as a QueryError: the query text did not parse (`syntax`), a value
 * does not fit its field (`query`), or the request itself is refused (`request`, e.g. too many
 * buckets or an aggregation on a text field); OpenSearch's own reason is the message. Undefined when
 * the error is not about the request (a node failing): the caller treats that as the cluster's fault.
 */
export function queryErrorOf(error: RawError): QueryError | undefined {
  const chain = causeChain(error);
  const types = new Set(chain.map((e) => e.type));
  const top = chain[0] as RawError;
  const parse = chain.find((e) => e.type === 'parse_exception' || e.type === 'token_mgr_error');
  if (parse?.reason) return { kind: 'syntax', message: firstLine(parse.reason) };
  if (types.has('too_many_buckets_exception')) {
    const tooMany = chain.find((e) => e.type === 'too_many_buckets_exception') as RawError;
    return { kind: 'request', message: `${tooMany.reason ?? 'Too many buckets.'} Use a wider histogram interval, a shorter time range or smaller terms sizes.` };
  }
  if (types.has('query_shard_exception')) {
    const shard = chain.find((e) => e.type === 'query_shard_exception') as RawError;
    return { kind: 'query', message: firstLine(shard.reason ?? top.reason ?? 'OpenSearch refused the query.') };
  }
  if (types.has('illegal_argument_exception') || types.has('x_content_parse_exception') || types.has('parsing_exception') || types.has('search_phase_execution_exception')) {
    const reasoned = chain.find((e) => e.type === 'illegal_argument_exception' || e.type === 'x_content_parse_exception' || e.type === 'parsing_exception') ?? top;
    if (reasoned.type === 'search_phase_execution_exception') return undefined;
    return { kind: 'request', message: firstLine(reasoned.reason ?? 'OpenSearch refused the request.') };
  }
  return undefined;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] as string;
  return line.length > 2000 ? `${line.slice(0, 2000)}…` : line;
}

/** A terms bucket's key: booleans come as 1/0 with key_as_string "true"/"false"; the embedded store keys them by their text. */
function termsKey(b: RawBucket): string | number {
  return b.key_as_string === 'true' || b.key_as_string === 'false' ? b.key_as_string : b.key;
}
