/**
 * @module A document's context: the alerts just before and just after it on the same host (its
 * @log_stream), whatever the query and filters that found it, as Kibana's "surrounding documents".
 * Two searches from the anchor's own sort key, one back in time and one forward (search_after both
 * ways), on any SearchBackend; heartbeats left out.
 */
import { ok, type Result } from '../core/result.js';
import { boolNode, type QueryNode } from './ast.js';
import type { Hit, QueryError, SearchBackend, SearchRequest, SortKey } from './search-api.js';

export const MAX_CONTEXT_SIZE = 100;
export const DEFAULT_CONTEXT_SIZE = 5;

export interface DocumentContext {
  anchor: Hit;
  /** The `size` alerts after the anchor, nearest first (oldest first). */
  newer: Hit[];
  /** The `size` alerts before it, nearest first (newest first). */
  older: Hit[];
}

const HEARTBEAT: QueryNode = { kind: 'term', field: 'hidsmon.flags', value: 'heartbeat', exact: true };

/** The searches around `anchor`: same stream, no time range, from the anchor's sort key each way. */
export function contextRequests(anchor: Hit, size: number): { newer: SearchRequest; older: SearchRequest } {
  const stream = anchor.document['@log_stream'];
  const sameHost: QueryNode = { kind: 'term', field: '@log_stream', value: typeof stream === 'string' ? stream : '', exact: true };
  const query = boolNode({ filter: [sameHost], mustNot: [HEARTBEAT] });
  // The anchor's key on the time sort, whatever sort found it.
  const key: SortKey = [Date.parse(String(anchor.document['@timestamp'])), String(anchor.document['@id'])];
  const base = { query, size, searchAfter: key, trackTotal: false } as const;
  return { newer: { ...base, sort: { field: '@timestamp', order: 'asc' } }, older: { ...base, sort: { field: '@timestamp', order: 'desc' } } };
}

export async function documentContext(backend: SearchBackend, anchor: Hit, size: number): Promise<Result<DocumentContext, QueryError>> {
  const requests = contextRequests(anchor, size);
  const [newer, older] = await Promise.all([backend.search(requests.newer), backend.search(requests.older)]);
  if (!newer.ok) return newer;
  if (!older.ok) return older;
  return ok({ anchor, newer: newer.value.hits, older: older.value.hits });
}
