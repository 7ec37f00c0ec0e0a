/**
 * @module What one search may cost, as OpenSearch bounds it (each limit bears the name of the
 * OpenSearch setting it mirrors), and the checks that need only the query. Pure.
 */
import { walk, type QueryNode } from './ast.js';
import type { QueryError } from './search-api.js';

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
