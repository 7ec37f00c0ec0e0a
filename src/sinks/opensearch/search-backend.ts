/**
 * @module The OpenSearch search backend: the SearchBackend the embedded store implements, answered
 * by an OpenSearch cluster's daily indices (`<prefix>YYYY.MM.DD`), with the same limits and the same
 * kinds of errors.
 */
import { errors, type Client } from '@opensearch-project/opensearch';
import { err, ok, type Result } from '../../core/result.js';
import { timeOfIndexName } from '../../core/time.js';
import { UnavailableError } from '../../pipeline/retry.js';
import { checkSearchRequest, DEFAULT_QUERY_LIMITS, searchTimedOut, tooManyBuckets, type QueryLimits } from '../../query/limits.js';
import {
  autoIntervalMs,
  type FieldInfo,
  type Hit,
  type IndexInfo,
  type QueryError,
  type DocumentSink,
  type SearchBackend,
  type SearchRequest,
  type SearchResponse,
  sortsByField,
} from '../../query/search-api.js';
import type { FieldType } from '../../query/fields.js';
import { sortFieldProblem } from '../../query/sort.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, indexPattern, indexPrefixOf, openSearchClient, physicalDailyIndex, type OpenSearchConnectionOptions } from './connection.js';
import { fieldsFromMappings, type MappingsByIndex } from './mapping-fields.js';
import { deleteDailyIndex, deleteIndicesOlderThan } from './retention.js';
import {
  aggregationsOf,
  hitsOf,
  logicalIndexName,
  queryErrorOf,
  requestQuery,
  searchBody,
  searchTypeOf,
  totalOf,
  type RawError,
  type RawSearchResponse,
  type ResolvedAggregation,
} from './search-request.js';

export interface OpenSearchBackendOptions extends OpenSearchConnectionOptions {
  /** What one search may cost (defaults: OpenSearch's, as the embedded store's). */
  limits?: Partial<QueryLimits>;
}

/** The client waits this much longer than the search's own timeout, so that OpenSearch's answer (timed_out) comes first. */
const CLIENT_TIMEOUT_MARGIN_MS = 5_000;

export class OpenSearchBackend implements SearchBackend {
  private readonly limits: QueryLimits;
  private readonly prefix: string;
  private readonly pattern: string;
  private closed = false;

  private constructor(
    private readonly client: Client,
    private readonly options: OpenSearchBackendOptions,
  ) {
    this.limits = { ...DEFAULT_QUERY_LIMITS, ...options.limits };
    this.prefix = indexPrefixOf(options);
    this.pattern = indexPattern(options);
  }

  /** Opens the client; the cluster is first asked at the first search, so a server starts while OpenSearch is still coming up. */
  static open(options: OpenSearchBackendOptions): Promise<OpenSearchBackend> {
    return Promise.resolve(new OpenSearchBackend(openSearchClient(options), options));
  }

  async search(request: SearchRequest): Promise<Result<SearchResponse, QueryError>> {
    this.assertOpen();
    const checked = checkSearchRequest(request, this.limits);
    if (!checked.ok) return checked;
    const size = checked.value;
    const started = performance.now();
    let sortType: FieldType | undefined;
    if (request.sort !== undefined && sortsByField(request.sort)) {
      const catalog = await this.fields();
      const unsortable = sortFieldProblem(request.sort, catalog);
      if (unsortable) return err(unsortable);
      const field = request.sort.field;
      sortType = catalog.find((f) => f.name === field)?.type;
    }
    const aggregations = await this.resolveAggregations(request);
    if (!aggregations.ok) return aggregations;
    const answer = await this.searchRequest(searchBody(request, aggregations.value, size, this.limits, sortType), request.pointInTime !== undefined, searchTypeOf(request));
    if (!answer.ok) return answer;
    const response = answer.value;
    const result: SearchResponse = {
      total: totalOf(response),
      hits: hitsOf(response, this.prefix, request.sort, sortType),
      aggregations: aggregationsOf(response, aggregations.value),
      tookMs: Math.round(performance.now() - started),
    };
    let buckets = 0;
    for (const agg of Object.values(result.aggregations)) buckets += agg.type === 'cardinality' ? 0 : agg.buckets.length;
    if (buckets > this.limits.maxBuckets) return err(tooManyBuckets(buckets, this.limits));
    return ok(result);
  }

  /** Intervals of 'auto' histograms: from the time range, else from the matching data's first and last time (as the embedded store). */
  private async resolveAggregations(request: SearchRequest): Promise<Result<Array<readonly [string, ResolvedAggregation]>, QueryError>> {
    const out: Array<readonly [string, ResolvedAggregation]> = [];
    let dataRange: { fromMs: number; toMs: number } | null | undefined;
    for (const [name, agg] of Object.entries(request.aggregations ?? {})) {
      if (agg.type !== 'date_histogram') {
        out.push([name, agg]);
        continue;
      }
      let intervalMs = agg.intervalMs ?? 'auto';
      if (intervalMs === 'auto') {
        let bounds = request.timeRange ?? dataRange;
        if (bounds === undefined) {
          const found = await this.dataRange(request);
          if (!found.ok) return found;
          bounds = dataRange = found.value;
        }
        intervalMs = bounds ? autoIntervalMs(bounds) : 1000;
      }
      if (!Number.isInteger(intervalMs) || intervalMs <= 0) return err({ kind: 'request', message: 'A date_histogram interval must be a positive whole number of milliseconds.' });
      out.push([name, { ...agg, intervalMs }]);
    }
    return ok(out);
  }

  private async dataRange(request: SearchRequest): Promise<Result<{ fromMs: number; toMs: number } | null, QueryError>> {
    const answer = await this.searchRequest({
      query: requestQuery(request),
      size: 0,
      aggs: { first: { min: { field: '@timestamp' } }, last: { max: { field: '@timestamp' } } },
    });
    if (!answer.ok) return answer;
    const aggs = answer.value.aggregations as Record<string, { value: number | null }> | undefined;
    const first = aggs?.['first']?.value;
    const last = aggs?.['last']?.value;
    return ok(typeof first === 'number' && typeof last === 'number' ? { fromMs: first, toMs: last } : null);
  }

  /** One `_search`: OpenSearch's refusals of the query as QueryErrors, a timeout as the limit's error, shard failures never as an empty answer. */
  /** A point in time over the daily indices, for an export's pages to read one unchanging view. */
  async openPointInTime(keepAliveMs: number): Promise<string> {
    this.assertOpen();
    try {
      const answer = await this.client.createPit({ index: this.pattern, keep_alive: `${Math.max(1000, Math.round(keepAliveMs))}ms` } as never);
      return (answer.body as unknown as { pit_id: string }).pit_id;
    } catch (e) {
      throw this.clusterError(e, 'open a point in time');
    }
  }

  async closePointInTime(id: string): Promise<void> {
    if (this.closed) return;
    try {
      await this.client.deletePit({ body: { pit_id: [id] } } as never);
    } catch {
      // It expires by itself within its keep-alive; a failure to close it early costs nothing more.
    }
  }

  private async searchRequest(body: Record<string, unknown>, pointInTime = false, searchType?: 'dfs_query_then_fetch'): Promise<Result<RawSearchResponse, QueryError>> {
    const timeoutMs = this.limits.searchTimeoutMs > 0 ? this.limits.searchTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS : (this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS);
    let response: RawSearchResponse;
    try {
      // A point in time names its indices itself; the path then has none.
      const params = { body: body as never, ...(pointInTime ? {} : { index: this.pattern }), ...(searchType ? { search_type: searchType } : {}) };
      const answer = await this.client.search(params, { requestTimeout: timeoutMs });
      response = answer.body as unknown as RawSearchResponse;
    } catch (e) {
      if (e instanceof errors.TimeoutError) return err(searchTimedOut(this.limits));
      if (e instanceof errors.ResponseError && e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500 && ![401, 403, 408, 429].includes(e.statusCode)) {
        const error = (e.body as { error?: RawError } | undefined)?.error;
        const refused = error ? queryErrorOf(error) : undefined;
        if (refused) return err(refused);
      }
      throw this.clusterError(e, 'search');
    }
    const failed = response._shards?.failed ?? 0;
    if (failed > 0) {
      // A 200 that failed on some shards is not an empty result (opensearch.md §0).
      const reason = response._shards?.failures?.[0]?.reason;
      const refused = reason ? queryErrorOf(reason) : undefined;
      if (refused) return err(refused);
      throw new Error(`OpenSearch failed the search on ${failed} of ${response._shards?.total ?? '?'} shards: ${reason?.reason ?? 'no reason given'}`);
    }
    if (response.timed_out) return err(searchTimedOut(this.limits));
    return ok(response);
  }

  /** One document by index and id (an `ids` query on that one daily index, so that the hit carries its sort key as search hits do). */
  async document(index: string, id: string): Promise<Hit | undefined> {
    this.assertOpen();
    const physical = physicalDailyIndex(this.prefix, index);
    if (physical === undefined || id.length === 0 || id.length > 512) return undefined;
    let response: RawSearchResponse;
    try {
      const body = { query: { ids: { values: [id] } }, size: 1, sort: [{ '@timestamp': { order: 'desc' } }, { '@id': { order: 'desc' } }] };
      response = (await this.client.search({ index: physical, ignore_unavailable: true, body: body as never })).body as unknown as RawSearchResponse;
    } catch (e) {
      throw this.clusterError(e, 'search');
    }
    return hitsOf(response, this.prefix)[0];
  }

  /** Every field of every daily index, merged (mapping-fields.ts says how types that differ are resolved). */
  async fields(): Promise<FieldInfo[]> {
    this.assertOpen();
    try {
      const answer = await this.client.indices.getMapping({ index: this.pattern });
      return fieldsFromMappings(answer.body as unknown as MappingsByIndex, this.limits.maxFields);
    } catch (e) {
      throw this.clusterError(e, 'read the mappings');
    }
  }

  /** The daily indices, by hidsmon's name (`cwl-YYYY.MM.DD`), oldest first; other indices under the prefix are not hidsmon's. */
  async indices(): Promise<IndexInfo[]> {
    this.assertOpen();
    let rows: Array<{ index: string; 'docs.count'?: string | null; 'store.size'?: string | null }>;
    try {
      const answer = await this.client.cat.indices({ index: this.pattern, format: 'json', bytes: 'b', h: 'index,docs.count,store.size' } as never);
      rows = answer.body as unknown as typeof rows;
    } catch (e) {
      throw this.clusterError(e, 'list the indices');
    }
    return rows
      .filter((r) => timeOfIndexName(r.index, this.prefix) !== undefined)
      .map((r) => ({ name: logicalIndexName(this.prefix, r.index), documents: Number(r['docs.count'] ?? 0) || 0, bytes: Number(r['store.size'] ?? 0) || 0 }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async deleteIndex(name: string): Promise<boolean> {
    this.assertOpen();
    const physical = physicalDailyIndex(this.prefix, name);
    if (physical === undefined) return false;
    try {
      return await deleteDailyIndex(this.client, this.prefix, physical);
    } catch (e) {
      throw this.clusterError(e, `delete ${name}`);
    }
  }

  async deleteOlderThan(days: number, nowMs: number): Promise<string[]> {
    this.assertOpen();
    try {
      return (await deleteIndicesOlderThan(this.client, this.prefix, days, nowMs)).map((n) => logicalIndexName(this.prefix, n));
    } catch (e) {
      throw this.clusterError(e, 'delete old indices');
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
  }

  /** An error of the cluster, not of the request, said plainly: unreachable, overloaded, refusing hidsmon's credentials. */
  private clusterError(e: unknown, what: string): Error {
    const where = `OpenSearch at ${this.options.url}`;
    if (e instanceof errors.ConnectionError || e instanceof errors.NoLivingConnectionsError) {
      return new UnavailableError(`${where} cannot be reached to ${what}: ${e.message}`, undefined, { cause: e });
    }
    if (e instanceof errors.TimeoutError) return new UnavailableError(`${where} did not answer in time to ${what}.`, undefined, { cause: e });
    if (e instanceof errors.ResponseError) {
      const status = e.statusCode ?? 0;
      const reason = (e.body as { error?: RawError } | undefined)?.error?.reason ?? e.message;
      if (status === 429 || status >= 500) return new UnavailableError(`${where} cannot ${what} now (HTTP ${status}): ${reason}`, undefined, { cause: e });
      if (status === 401 || status === 403) return new Error(`${where} refused hidsmon's credentials to ${what} (HTTP ${status}): ${reason}`, { cause: e });
      return new Error(`${where} refused to ${what} (HTTP ${status}): ${reason}`, { cause: e });
    }
    return e instanceof Error ? e : new Error(String(e));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The OpenSearch backend is closed.');
  }
}

/**
 * The backend's searches and a sink's writes as one index: the query API's shape under
 * `backend: opensearch`, and the conformance suite's. Closing either part is the caller's.
 */
export function searchableIndex(backend: OpenSearchBackend, sink: DocumentSink): SearchBackend & DocumentSink {
  return {
    search: (request) => backend.search(request),
    document: (index, id) => backend.document(index, id),
    // Exports page on a point in time (query/export.ts).
    openPointInTime: (keepAliveMs) => backend.openPointInTime(keepAliveMs),
    closePointInTime: (id) => backend.closePointInTime(id),
    fields: () => backend.fields(),
    indices: () => backend.indices(),
    deleteIndex: (name) => backend.deleteIndex(name),
    deleteOlderThan: (days, nowMs) => backend.deleteOlderThan(days, nowMs),
    write: (documents) => sink.write(documents),
  };
}
