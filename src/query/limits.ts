/**
 * @module What one search may cost, as OpenSearch bounds it (each limit bears the name of the
 * OpenSearch setting it mirrors), and the checks that need only the query. Pure.
 */
import { err, ok, type Result } from '../core/result.js';
import { walk, type QueryNode } from './ast.js';
import { DEFAULT_HITS, MAX_HITS, type QueryError, type SearchRequest } from './search-api.js';

export interface QueryLimits {
  /** Leaf clauses in a query, all bools together (`indices.query.bool.max_clause_count`). */
  maxClauseCount: number;
  /** Values of one `terms` query (`index.max_terms_count`). */
  maxTermsCount: number;
  /** Buckets of all aggregations of a search together (`search.max_buckets`). */
  maxBuckets: number;
  /** Index terms a fuzzy term stands for (FuzzyQuery's `max_expansions`). */
  maxFuzzyExpansions: number;
  /** Hits one search returns (`index.max_result_window`); deeper pages use search_after. */
  maxResultWindow: number;
  /** A search running longer is stopped, its database query interrupted (`search.default_search_timeout`); 0: none. */
  searchTimeoutMs: number;
  /** Distinct field names the field catalog takes (`index.mapping.total_fields.limit`); further fields stay in the documents, uncatalogued. */
  maxFields: number;
}

export const DEFAULT_QUERY_LIMITS: Readonly<QueryLimits> = Object.freeze({
  maxClauseCount: 1024,
  maxTermsCount: 65_536,
  maxBuckets: 65_535,
  maxFuzzyExpansions: 50,
  maxResultWindow: 10_000,
  searchTimeoutMs: 30_000,
  maxFields: 1000,
});

/** The limits a query breaks by its shape alone (clauses, terms), as a 400's error; else undefined. */
export function checkQueryShape(query: QueryNode, limits: Pick<QueryLimits, 'maxClauseCount' | 'maxTermsCount'>): QueryError | undefined {
  let clauses = 0;
  let terms: { field: string; count: number } | undefined;
  walk(query, (node) => {
    if (node.kind === 'bool') return;
    clauses++;
    if (node.kind === 'terms' && node.values.length > limits.maxTermsCount && !terms) terms = { field: node.field, count: node.values.length };
  });
  if (terms) {
    return {
      kind: 'request',
      field: terms.field,
      message: `The terms query on ${terms.field} has ${terms.count} values, over the limit of ${limits.maxTermsCount} (max_terms_count, OpenSearch's index.max_terms_count). Split it into several searches or raise limits.max_terms_count in hidsmon.yaml.`,
    };
  }
  if (clauses > limits.maxClauseCount) {
    return {
      kind: 'request',
      message: `The query has ${clauses} clauses, over the limit of ${limits.maxClauseCount} (max_clause_count, OpenSearch's indices.query.bool.max_clause_count). Use a terms query for many values of one field, or raise limits.max_clause_count in hidsmon.yaml.`,
    };
  }
  return undefined;
}

/** A 400's error for a search that asks for more buckets than allowed. */
export function tooManyBuckets(buckets: number, limits: Pick<QueryLimits, 'maxBuckets'>): QueryError {
  return {
    kind: 'request',
    message: `The aggregations would make ${buckets} buckets, over the limit of ${limits.maxBuckets} (max_buckets, OpenSearch's search.max_buckets). Use a wider histogram interval, a shorter time range or smaller terms sizes, or raise limits.max_buckets in hidsmon.yaml.`,
  };
}

/** A 400's error for a search stopped at its timeout. */
export function searchTimedOut(limits: Pick<QueryLimits, 'searchTimeoutMs'>): QueryError {
  return {
    kind: 'request',
    message: `The search ran longer than ${limits.searchTimeoutMs} ms (search_timeout_ms) and was stopped. Narrow the time range or the query, or raise limits.search_timeout_ms in hidsmon.yaml.`,
  };
}

/** Buckets the aggregations ask for, where that is known before they run. */
export function plannedBuckets(request: SearchRequest): number {
  let total = 0;
  for (const agg of Object.values(request.aggregations ?? {})) {
    if (agg.type === 'terms') total += agg.size ?? 10;
    else if (agg.type === 'date_histogram' && typeof agg.intervalMs === 'number' && agg.intervalMs > 0 && request.timeRange) {
      total += Math.floor(request.timeRange.toMs / agg.intervalMs) - Math.floor(request.timeRange.fromMs / agg.intervalMs) + 1;
    }
  }
  return total;
}

/**
 * What every backend checks before it runs a search: the query's shape, the page size against
 * max_result_window, and the buckets known beforehand. The page size, or the 400's error.
 */
export function checkSearchRequest(request: SearchRequest, limits: QueryLimits): Result<number, QueryError> {
  const shape = checkQueryShape(request.query, limits);
  if (shape) return err(shape);
  const size = request.size ?? DEFAULT_HITS;
  const maxHits = Math.min(MAX_HITS, limits.maxResultWindow);
  if (!Number.isInteger(size) || size < 0 || size > maxHits) {
    return err({ kind: 'request', message: `size must be a whole number from 0 to ${maxHits} (max_result_window); page with search_after for more.` });
  }
  const buckets = plannedBuckets(request);
  if (buckets > limits.maxBuckets) return err(tooManyBuckets(buckets, limits));
  return ok(size);
}
