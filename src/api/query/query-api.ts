/**
 * @module The query API under `/api`: search with aggregations, the field catalog, a field's top
 * values, indices, and the ingest state. JSON in, JSON out; requests are validated here and
 * errors carry what to fix. Authentication and each route's role are checked before these routes
 * (see the app and authorization.ts).
 */
import { Hono } from 'hono';
import type { DeadLetterInfo, DeadLettersResponse, IngestStatus, KeysListing, DocumentContext, DocumentResponse, FieldsResponse, FleetStatus, IndicesResponse, ReplayResponse, SearchResponse as SearchResponseJson, TopValues } from '../contract.js';
import type { AuditRecorder } from '../../core/audit.js';
import { aggregationsJson } from './wire.js';
import { parseDateMath } from '../../core/date-math.js';
import { canonicalTimeZone } from '../../core/time-zone.js';
import { setOwn } from '../../core/own-keys.js';
import type { Principal } from '../../core/principal.js';
import { isPlainObject, type JsonObject } from '../../core/paths.js';
import { err, ok, type Result } from '../../core/result.js';
import type { QueryNode } from '../../query/ast.js';
import { fleetOf } from '../../query/fleet.js';
import { DEFAULT_CONTEXT_SIZE, documentContext, MAX_CONTEXT_SIZE } from '../../query/context.js';
import { parseQueryInput } from '../../query/parse-query.js';
import { sourceQueryDsl } from '../../query/compile/to-opensearch.js';
import { parseSort } from '../../query/sort.js';
import { exportResponse, isExportBody, parseExportFields } from './export-route.js';
import { MAX_HITS, sortsByField, type SortValue, type AggregationRequest, type DateHistogramRequest, type SubTermsRequest, type Hit, type MetricRequest, type QueryError, type SearchBackend, type SearchRequest, type SortKey, type TimeRange } from '../../query/search-api.js';
import type { ServerMetrics } from '../../telemetry/metrics.js';

/** What the ingest side reports for `/api/ingest`; the server composes it from the durable log and the forwarder. */
export type IngestStatusProvider = () => Promise<IngestStatus>;
/** The oldest dead letters, as the API sends them (src/api/query/wire.ts deadLetterJson). */
export type DeadLetterProvider = (limit: number) => Promise<DeadLetterInfo[]>;

export interface QueryApiDeps {
  backend: SearchBackend;
  now: () => number;
  metrics: ServerMetrics;
  ingestStatus: IngestStatusProvider;
  deadLetters: DeadLetterProvider;
  /** Removes dead letters by id; answers how many there were. */
  removeDeadLetters?: (ids: readonly number[]) => Promise<number>;
  /** Access keys and API tokens by id, role or profile, never their secrets (`GET /api/keys`). */
  keys?: () => KeysListing;
  /** Where index and dead-letter deletions are recorded. */
  audit?: AuditRecorder;
  /** Sends dead letters (these ids, or the oldest `limit`) through the forwarder again; those delivered are removed. */
  replayDeadLetters?: (request: { ids?: readonly number[]; limit: number }) => Promise<ReplayOutcome>;
  /** The fleet view's silence threshold (server config `silent_host_seconds`). */
  silentHostSeconds?: number;
}

/** What a replay did: dead letters delivered (and removed), and those refused again, still stored with the new reason. */
export type ReplayOutcome =
  | { kind: 'done'; replayed: number[]; failed: Array<{ id: number; reason: string }> }
  | { kind: 'unavailable'; message: string };

/** What the app has established before these routes run: who asks (authenticated and authorized), and from where. */
export type QueryApiEnv = { Variables: { principal: Principal; sourceIp: string | undefined; requestId: string } };

const AGGREGATION_TYPES = ['date_histogram', 'terms', 'cardinality'];
/** Dead letters one replay takes at most. */
const MAX_REPLAY = 1000;
const DEFAULT_SILENT_HOST_SECONDS = 180;
/** Event ids are 56 digits; other ids (the store keeps any string) are short too. */
const MAX_SEARCH_AFTER_ID = 1024;

type ApiError = { status: number; error: { kind: string; message: string; position?: number; hint?: string; field?: string } };

function fail(status: number, kind: string, message: string, extra: Partial<ApiError['error']> = {}): ApiError {
  return { status, error: { kind, message, ...extra } };
}

function fromQueryError(e: QueryError): ApiError {
  const { kind, message, ...rest } = e;
  return { status: 400, error: { kind, message, ...rest } };
}

/** The search body: Lucene text or DSL, filter pills, time range, paging and aggregations. */
export function parseSearchBody(body: unknown, nowMs: number): Result<SearchRequest, ApiError> {
  if (!isPlainObject(body)) return err(fail(400, 'request', 'The body must be a JSON object such as {"query": "rule.level:>=7", "from": "now-24h"}.'));
  const query = parseQueryInput(body['query'] ?? '');
  if (!query.ok) return err(fromQueryError(query.error));
  const must: QueryNode[] = [query.value];
  const filters = body['filters'] ?? [];
  if (!Array.isArray(filters)) return err(fail(400, 'request', 'filters must be a list of query DSL objects.'));
  for (const [i, filter] of filters.entries()) {
    if (!isPlainObject(filter)) return err(fail(400, 'request', `filters[${i}] must be a query DSL object.`));
    const parsed = parseQueryInput(filter);
    if (!parsed.ok) return err(fail(400, parsed.error.kind, `filters[${i}]: ${parsed.error.message}`));
    must.push(parsed.value);
  }
  // OpenSearch's time_zone: date math in from/to (now/d is local midnight) and every histogram's buckets, unless one names its own.
  const zone = parseTimeZone(body['time_zone'], 'time_zone');
  if (!zone.ok) return zone;
  const range = parseTimeRange(body['from'], body['to'], nowMs, zone.value);
  if (!range.ok) return range;
  const size = body['size'] ?? 20;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > MAX_HITS) return err(fail(400, 'request', `size must be a whole number from 0 to ${MAX_HITS} (max_result_window); page further with search_after.`));
  const request: SearchRequest = { query: must.length === 1 ? query.value : { kind: 'bool', must, should: [], mustNot: [], filter: [] }, size };
  // The query as the user wrote it, for a backend that reads it itself (OpenSearch); filter pills
  // are DSL already, so a query with filters is the bool that `query` parsed from.
  const source = (body['query'] ?? '') as string | Record<string, unknown>;
  // A Lucene query's date math is in the body's zone (query_string's time_zone); a DSL query's ranges name their own.
  const lucene = typeof source === 'string';
  request.source = filters.length === 0 ? source : { bool: { must: [sourceQueryDsl(source, lucene && zone.value !== undefined ? { timeZone: zone.value } : {}), ...(filters as Record<string, unknown>[])] } };
  if (lucene && zone.value !== undefined) request.timeZone = zone.value;
  if (range.value) request.timeRange = range.value;
  if (body['sort'] !== undefined && body['sort'] !== null) {
    const sort = parseSort(body['sort']);
    if (typeof sort === 'string') return err(fail(400, 'request', sort));
    request.sort = sort;
  }
  const after = body['search_after'];
  if (after !== undefined) {
    const key = searchAfterKey(after, request.sort !== undefined && sortsByField(request.sort));
    if (!key) {
      return err(
        fail(
          400,
          'request',
          `search_after is the sort of the last hit of the previous page: [timestamp_ms, "@id"] (by a field: [value, timestamp_ms, "@id"]), a whole number of milliseconds and an id of at most ${MAX_SEARCH_AFTER_ID} characters.`,
        ),
      );
    }
    request.searchAfter = key;
  }
  const aggs = body['aggregations'] ?? body['aggs'];
  if (aggs !== undefined) {
    if (!isPlainObject(aggs)) return err(fail(400, 'request', 'aggregations is an object of named aggregations.'));
    const out: Record<string, AggregationRequest> = {};
    for (const [name, spec] of Object.entries(aggs)) {
      if (!isPlainObject(spec) || typeof spec['type'] !== 'string' || !AGGREGATION_TYPES.includes(spec['type'])) {
        return err(fail(400, 'request', `aggregations.${name}: type must be one of ${AGGREGATION_TYPES.join(', ')}.`));
      }
      if (spec['type'] !== 'date_histogram' && typeof spec['field'] !== 'string') return err(fail(400, 'request', `aggregations.${name}: a field is required.`));
      if (spec['size'] !== undefined && (typeof spec['size'] !== 'number' || !Number.isInteger(spec['size']) || spec['size'] < 1 || spec['size'] > 1000)) {
        return err(fail(400, 'request', `aggregations.${name}: size must be a whole number from 1 to 1000.`));
      }
      if (spec['interval_ms'] !== undefined && spec['interval_ms'] !== 'auto' && (typeof spec['interval_ms'] !== 'number' || !Number.isInteger(spec['interval_ms']) || spec['interval_ms'] < 1)) {
        return err(fail(400, 'request', `aggregations.${name}: interval_ms is "auto" or a positive whole number of milliseconds.`));
      }
      // Names are the caller's, any string: setOwn keeps `__proto__` a name, not a prototype.
      if (spec['type'] === 'date_histogram') {
        const histogram = parseDateHistogram(name, spec, zone.value);
        if (!histogram.ok) return histogram;
        setOwn(out, name, histogram.value);
      }
      else if (spec['type'] === 'terms') {
        const metrics = parseMetrics(name, spec['metrics']);
        if (!metrics.ok) return metrics;
        setOwn(out, name, { type: 'terms', field: spec['field'] as string, size: (spec['size'] as number | undefined) ?? 10, ...(typeof spec['missing'] === 'string' ? { missing: spec['missing'] } : {}), ...(metrics.value ? { metrics: metrics.value } : {}) });
      }
      else setOwn(out, name, { type: 'cardinality', field: spec['field'] as string });
    }
    request.aggregations = out;
  }
  return ok(request);
}

/** The sort of a hit: [a whole epoch-ms time, an event id], led by the sorted field's value when sorted by a field; anything else never came from a hit. */
function searchAfterKey(after: unknown, byField: boolean): SortKey | undefined {
  if (!Array.isArray(after) || after.length !== (byField ? 3 : 2)) return undefined;
  const [ts, id] = byField ? after.slice(1) : after;
  if (!Number.isSafeInteger(ts) || typeof id !== 'string' || id.length > MAX_SEARCH_AFTER_ID) return undefined;
  if (!byField) return [ts as number, id];
  const value: unknown = after[0];
  const fits = value === null || (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.length <= MAX_SEARCH_AFTER_ID);
  return fits ? [value as SortValue, ts as number, id] : undefined;
}

/** A time zone as OpenSearch's time_zone takes it: an IANA name (Europe/Berlin), UTC, or an offset (+05:30). */
function parseTimeZone(value: unknown, name: string): Result<string | undefined, ApiError> {
  if (value === undefined || value === null) return ok(undefined);
  const zone = typeof value === 'string' ? canonicalTimeZone(value) : undefined;
  return zone === undefined ? err(fail(400, 'request', `${name} is an IANA time zone such as Europe/Berlin, UTC, or an offset such as +05:30.`)) : ok(zone);
}

/** OpenSearch's calendar intervals (both spellings), as DateHistogramRequest names them. */
const CALENDAR_INTERVALS: Record<string, 'week' | 'month' | 'year'> = { '1w': 'week', week: 'week', '1M': 'month', month: 'month', '1y': 'year', year: 'year' };
/** Their nominal lengths, for the bucket count a request plans (max_buckets). */
const NOMINAL_CALENDAR_MS = { week: 7 * 86_400_000, month: 28 * 86_400_000, year: 365 * 86_400_000 } as const;

/** At most this many terms sub-aggregations in a histogram (stacking needs one). */
const MAX_SUB_AGGREGATIONS = 4;

/** `{"type": "date_histogram", "interval_ms": 3600000, "time_zone": "Europe/Berlin", "aggregations": {"levels": {"type": "terms", "field": "rule.level"}}}` */
function parseDateHistogram(name: string, spec: Record<string, unknown>, defaultZone: string | undefined): Result<DateHistogramRequest, ApiError> {
  const zone = parseTimeZone(spec['time_zone'], `aggregations.${name}.time_zone`);
  if (!zone.ok) return zone;
  const timeZone = zone.value ?? defaultZone;
  const out: DateHistogramRequest = { type: 'date_histogram', intervalMs: (spec['interval_ms'] as number | 'auto' | undefined) ?? 'auto', ...(timeZone !== undefined ? { timeZone } : {}) };
  const calendar = spec['calendar_interval'];
  if (calendar !== undefined) {
    const unit = typeof calendar === 'string' ? CALENDAR_INTERVALS[calendar] : undefined;
    if (unit === undefined || !Object.hasOwn(CALENDAR_INTERVALS, calendar as string)) return err(fail(400, 'request', `aggregations.${name}.calendar_interval is one of ${Object.keys(CALENDAR_INTERVALS).join(', ')}.`));
    if (spec['interval_ms'] !== undefined) return err(fail(400, 'request', `aggregations.${name}: interval_ms or calendar_interval, not both.`));
    out.calendarInterval = unit;
    out.intervalMs = NOMINAL_CALENDAR_MS[unit];
  }
  const subs = spec['aggregations'] ?? spec['aggs'];
  if (subs === undefined) return ok(out);
  if (!isPlainObject(subs) || Object.keys(subs).length > MAX_SUB_AGGREGATIONS) return err(fail(400, 'request', `aggregations.${name}.aggregations is an object of at most ${MAX_SUB_AGGREGATIONS} named terms aggregations.`));
  const inner: Record<string, SubTermsRequest> = {};
  for (const [subName, sub] of Object.entries(subs)) {
    const where = `aggregations.${name}.aggregations.${subName}`;
    if (!isPlainObject(sub) || sub['type'] !== 'terms' || typeof sub['field'] !== 'string') return err(fail(400, 'request', `${where}: a histogram's sub-aggregations are terms with a field.`));
    const size = sub['size'] ?? 10;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 100) return err(fail(400, 'request', `${where}: size must be a whole number from 1 to 100.`));
    setOwn(inner, subName, { type: 'terms', field: sub['field'], size });
  }
  out.subAggregations = inner;
  return ok(out);
}

/** A terms aggregation's `metrics`: `{"last": {"type": "max", "field": "@timestamp"}}`, at most MAX_METRICS. */
function parseMetrics(aggregation: string, value: unknown): Result<Record<string, MetricRequest> | undefined, ApiError> {
  if (value === undefined) return ok(undefined);
  const problem = `aggregations.${aggregation}.metrics is an object of at most ${MAX_METRICS} named metrics such as {"last": {"type": "max", "field": "@timestamp"}}.`;
  if (!isPlainObject(value) || Object.keys(value).length > MAX_METRICS) return err(fail(400, 'request', problem));
  const out: Record<string, MetricRequest> = {};
  for (const [name, metric] of Object.entries(value)) {
    if (!isPlainObject(metric) || metric['type'] !== 'max' || typeof metric['field'] !== 'string') return err(fail(400, 'request', problem));
    setOwn(out, name, { type: 'max', field: metric['field'] });
  }
  return ok(out);
}

const MAX_METRICS = 10;

function parseTimeRange(from: unknown, to: unknown, nowMs: number, timeZone?: string): Result<TimeRange | undefined, ApiError> {
  if (from === undefined && to === undefined) return ok(undefined);
  const bound = (value: unknown, name: string, roundUp: boolean, fallback: string): Result<number, ApiError> => {
    if (value === undefined) value = fallback;
    if (typeof value === 'number' && Number.isFinite(value)) return ok(value);
    if (typeof value !== 'string') return err(fail(400, 'request', `${name} is epoch milliseconds or a time such as now-24h or 2024-03-02T14:00:00Z.`));
    const parsed = parseDateMath(value, nowMs, { roundUp, ...(timeZone !== undefined ? { timeZone } : {}) });
    return parsed.ok ? parsed : err(fail(400, 'request', `${name}: ${parsed.error}`));
  };
  const fromMs = bound(from, 'from', false, 'now-15m');
  if (!fromMs.ok) return fromMs;
  const toMs = bound(to, 'to', true, 'now');
  if (!toMs.ok) return toMs;
  if (toMs.value < fromMs.value) return err(fail(400, 'request', '"to" is before "from".'));
  return ok({ fromMs: fromMs.value, toMs: toMs.value });
}

async function jsonBody(c: { req: { json(): Promise<unknown> } }): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    return Symbol.for('invalid');
  }
}

export function createQueryApi(deps: QueryApiDeps): Hono<QueryApiEnv> {
  const api = new Hono<QueryApiEnv>();
  const audit = (c: { get<K extends keyof QueryApiEnv['Variables']>(key: K): QueryApiEnv['Variables'][K] }, action: string, resource: string, outcome: 'allowed' | 'failed', message?: string): void => {
    const sourceIp = c.get('sourceIp');
    deps.audit?.record({ timeMs: deps.now(), actor: c.get('principal'), ...(sourceIp ? { sourceIp } : {}), requestId: c.get('requestId'), action, resource, outcome, ...(message ? { message } : {}) });
  };
  const findDocument = async (index: string, id: string): Promise<Result<Hit, ApiError>> => {
    if (!/^cwl-\d{4}\.\d{2}\.\d{2}$/.test(index)) return err(fail(400, 'request', `"${index.slice(0, 100)}" is not a daily index name such as cwl-2024.03.02.`));
    const hit = await deps.backend.document(index, id);
    return hit ? ok(hit) : err(fail(404, 'not_found', `There is no document ${id.slice(0, 100)} in ${index}.`));
  };
  const timed = async <T>(route: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      deps.metrics.queryLatency.observe((performance.now() - started) / 1000, { route });
    }
  };

  api.post('/search', async (c) => {
    const body = await jsonBody(c);
    if (typeof body === 'symbol') return c.json({ error: { kind: 'request', message: 'The body is not valid JSON.' } }, 400);
    const request = parseSearchBody(body, deps.now());
    if (!request.ok) return c.json({ error: request.error.error }, request.error.status as 400);
    const result = await timed('search', () => deps.backend.search(request.value));
    if (!result.ok) return c.json({ error: fromQueryError(result.error).error }, 400);
    const { total, hits, aggregations, tookMs } = result.value;
    const answer: SearchResponseJson = { total, took_ms: tookMs, time_range: request.value.timeRange ? { from: request.value.timeRange.fromMs, to: request.value.timeRange.toMs } : null, hits, aggregations: aggregationsJson(aggregations) };
    return c.json(answer);
  });

  /** The whole result of a search body as CSV or NDJSON (export-route.ts). */
  api.post('/export', async (c) => {
    const body = await jsonBody(c);
    if (!isExportBody(body)) return c.json({ error: { kind: 'request', message: 'The body is a search body with format and columns: {"query": "rule.level:>=7", "from": "now-24h", "format": "csv", "columns": ["@timestamp", "srcip"]}.' } }, 400);
    const fields = parseExportFields(body);
    if (typeof fields === 'string') return c.json({ error: { kind: 'request', message: fields } }, 400);
    const request = parseSearchBody({ ...body, size: 0, aggregations: undefined }, deps.now());
    if (!request.ok) return c.json({ error: request.error.error }, request.error.status as 400);
    return exportResponse(c, deps.backend, request.value, fields);
  });

  api.get('/fields', async (c) => c.json<FieldsResponse>({ fields: await deps.backend.fields() }));

  /** The Discover sidebar: a field's top values under the current query, with their share of the matching documents. */
  api.post('/fields/top', async (c) => {
    const body = await jsonBody(c);
    if (!isPlainObject(body) || typeof body['field'] !== 'string') return c.json({ error: { kind: 'request', message: 'The body names a field: {"field": "srcip", "query": "...", "from": "now-24h"}.' } }, 400);
    const field = body['field'];
    const size = typeof body['size'] === 'number' && Number.isInteger(body['size']) && body['size'] > 0 && body['size'] <= 100 ? body['size'] : 5;
    const request = parseSearchBody({ ...body, size: 0, aggregations: { top: { type: 'terms', field, size } } }, deps.now());
    if (!request.ok) return c.json({ error: request.error.error }, request.error.status as 400);
    const result = await timed('top', () => deps.backend.search(request.value));
    if (!result.ok) return c.json({ error: fromQueryError(result.error).error }, 400);
    const top = result.value.aggregations['top'];
    const buckets = top?.type === 'terms' ? top.buckets : [];
    const present = top?.type === 'terms' ? top.otherCount + buckets.reduce((n, b) => n + b.count, 0) : 0;
    return c.json<TopValues>({
      field,
      total: result.value.total,
      present,
      values: buckets.map((b) => ({ value: b.key, count: b.count, share: result.value.total === 0 ? 0 : b.count / result.value.total })),
    });
  });

  api.get('/indices', async (c) => c.json<IndicesResponse>({ indices: await deps.backend.indices() }));

  api.delete('/indices/:name', async (c) => {
    const name = c.req.param('name');
    if (!/^cwl-\d{4}\.\d{2}\.\d{2}$/.test(name)) return c.json({ error: { kind: 'request', message: `"${name}" is not a daily index name such as cwl-2024.03.02.` } }, 400);
    const deleted = await deps.backend.deleteIndex(name);
    audit(c, 'index:Delete', name, deleted ? 'allowed' : 'failed', deleted ? undefined : 'No such index.');
    return deleted ? c.json({ deleted: name }) : c.json({ error: { kind: 'not_found', message: `There is no index ${name}.` } }, 404);
  });

  api.get('/ingest', async (c) => c.json(await deps.ingestStatus()));

  /** A permanent link's document, by daily index and id (as hits name them). */
  api.get('/doc/:index/:id', async (c) => {
    const found = await findDocument(c.req.param('index'), c.req.param('id'));
    return found.ok ? c.json<DocumentResponse>({ hit: found.value }) : c.json({ error: found.error.error }, found.error.status as 404);
  });

  /** Surrounding alerts: the `size` before and after a document on its host, the query and filters dropped. */
  api.get('/doc/:index/:id/context', async (c) => {
    const sizeText = c.req.query('size') ?? String(DEFAULT_CONTEXT_SIZE);
    const size = Number(sizeText);
    if (!/^\d+$/.test(sizeText) || size < 1 || size > MAX_CONTEXT_SIZE) return c.json({ error: { kind: 'request', message: `size is a whole number from 1 to ${MAX_CONTEXT_SIZE}: the alerts shown on each side.` } }, 400);
    const found = await findDocument(c.req.param('index'), c.req.param('id'));
    if (!found.ok) return c.json({ error: found.error.error }, found.error.status as 404);
    const context = await timed('context', () => documentContext(deps.backend, found.value, size));
    if (!context.ok) return c.json({ error: fromQueryError(context.error).error }, 400);
    return c.json<DocumentContext>(context.value);
  });

  /** The fleet view: every host with its alerts in the range and its agent's last heartbeat, silent hosts first. */
  api.get('/fleet', async (c) => {
    const nowMs = deps.now();
    const range = parseTimeRange(c.req.query('from') ?? 'now-24h', c.req.query('to') ?? 'now', nowMs);
    if (!range.ok) return c.json({ error: range.error.error }, range.error.status as 400);
    const silentSeconds = deps.silentHostSeconds ?? DEFAULT_SILENT_HOST_SECONDS;
    const fleet = await timed('fleet', () => fleetOf(deps.backend, range.value as TimeRange, nowMs, silentSeconds * 1000));
    if (!fleet.ok) return c.json({ error: fromQueryError(fleet.error).error }, 400);
    return c.json<FleetStatus>({
      now: nowMs,
      time_range: { from: (range.value as TimeRange).fromMs, to: (range.value as TimeRange).toMs },
      silent_host_seconds: silentSeconds,
      took_ms: fleet.value.tookMs,
      truncated: fleet.value.truncated,
      hosts: fleet.value.hosts.map((h) => ({ log_stream: h.logStream, status: h.status, alerts: h.alerts, max_level: h.maxLevel, last_alert: h.lastAlertMs, last_heartbeat: h.lastHeartbeatMs })),
    });
  });

  api.get('/dead-letters', async (c) => {
    const limit = Math.min(1000, Math.max(1, Number(c.req.query('limit') ?? 100) || 100));
    const answer: DeadLettersResponse = { dead_letters: await deps.deadLetters(limit) };
    return c.json(answer);
  });

  api.get('/keys', (c) => (deps.keys ? c.json(deps.keys()) : c.json({ error: { kind: 'not_found', message: 'This server has no credential store to list.' } }, 404)));

  /** Replays dead letters, after the cause is fixed (a mapping, a full disk): `{"ids": [1, 2]}`, or `{}` for the oldest 1000. */
  api.post('/dead-letters/replay', async (c) => {
    const body = await jsonBody(c);
    const ids = isPlainObject(body) ? body['ids'] : undefined;
    if (!isPlainObject(body) || (ids !== undefined && (!Array.isArray(ids) || ids.length > MAX_REPLAY || !ids.every((id) => Number.isSafeInteger(id) && (id as number) > 0)))) {
      return c.json({ error: { kind: 'request', message: `The body is {"ids": [...]} (at most ${MAX_REPLAY} dead letter ids, as GET /api/dead-letters lists them), or {} for the oldest ${MAX_REPLAY}.` } }, 400);
    }
    if (!deps.replayDeadLetters) return c.json({ error: { kind: 'not_found', message: 'This server has no forwarder to replay dead letters through.' } }, 404);
    const outcome = await deps.replayDeadLetters({ ...(ids ? { ids: ids as number[] } : {}), limit: MAX_REPLAY });
    const resource = ids ? (ids as number[]).join(',') : '*';
    if (outcome.kind === 'unavailable') {
      audit(c, 'deadLetters:Replay', resource, 'failed', outcome.message);
      return c.json({ error: { kind: 'unavailable', message: outcome.message } }, 503);
    }
    audit(c, 'deadLetters:Replay', resource, outcome.replayed.length > 0 || outcome.failed.length === 0 ? 'allowed' : 'failed', `${outcome.replayed.length} replayed, ${outcome.failed.length} refused again`);
    return c.json<ReplayResponse>({ replayed: outcome.replayed, failed: outcome.failed });
  });

  api.delete('/dead-letters/:id', async (c) => {
    const id = Number(c.req.param('id'));
    if (!Number.isSafeInteger(id) || id < 1) return c.json({ error: { kind: 'request', message: 'A dead letter id is a positive whole number, as GET /api/dead-letters lists them.' } }, 400);
    const removed = deps.removeDeadLetters ? await deps.removeDeadLetters([id]) : 0;
    audit(c, 'deadLetters:Delete', String(id), removed > 0 ? 'allowed' : 'failed', removed > 0 ? undefined : 'No such dead letter.');
    return removed > 0 ? c.json({ removed: id }) : c.json({ error: { kind: 'not_found', message: `There is no dead letter ${id}.` } }, 404);
  });

  return api;
}
