/**
 * @module The query API as the browser sees it: the JSON the server sends and takes (mirroring
 * src/api/query/query-api.ts; no server code is bundled), and a small fetch client over the
 * session cookie.
 */

/** A query DSL object, as sent in `filters` (built by filters.ts). */
export type Dsl = Record<string, unknown>;

export type AggregationSpec =
  | { type: 'date_histogram'; interval_ms?: number | 'auto'; calendar_interval?: 'week' | 'month' | 'year'; time_zone?: string; aggregations?: Record<string, { type: 'terms'; field: string; size?: number }> }
  | { type: 'terms'; field: string; size?: number }
  | { type: 'cardinality'; field: string };

/** Epoch ms, or date math / ISO 8601 that the server resolves with its own clock. */
export type TimeBound = string | number;

export interface SearchBody {
  query: string | Dsl;
  filters?: Dsl[];
  from?: TimeBound;
  to?: TimeBound;
  size?: number;
  /** The `sort` of the last hit of the previous page. */
  search_after?: SortKey;
  /** Hits by a field (missing values last, then newest first); absent: newest first. */
  sort?: { field: string; order: 'asc' | 'desc' };
  aggregations?: Record<string, AggregationSpec>;
  /** The zone of date math in from/to (now/d) and of every histogram's buckets, as OpenSearch's time_zone. */
  time_zone?: string;
}

/** A hit's sort: [@timestamp ms, @id], led by the sorted field's value (null: missing) when sorted by a field. */
export type SortKey = [timestampMs: number, eventId: string] | [value: string | number | null, timestampMs: number, eventId: string];

/** An export's body: a search body with the format and the columns (POST /api/export). */
export interface ExportBody extends Omit<SearchBody, 'size' | 'search_after' | 'aggregations'> {
  format: 'csv' | 'ndjson';
  columns?: string[];
}

/**
 * Starts an export: the streamed response (the caller reads its body), its total from
 * X-Total-Count and its file name; a refused query throws an ApiError as `call` does.
 */
async function startExport(body: ExportBody, signal: AbortSignal): Promise<{ response: Response; total: number; fileName: string }> {
  let response: Response;
  try {
    response = await fetch('/api/export', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The hidsmon server cannot be reached. Is it running?');
  }
  if (!response.ok) {
    const json = (await response.json().catch(() => ({}))) as { error?: { kind?: string; message?: string } };
    throw new ApiError(response.status, json.error?.kind ?? 'internal', json.error?.message ?? `The server answered ${response.status}.`);
  }
  const fileName = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? `hidsmon.${body.format}`;
  return { response, total: Number(response.headers.get('x-total-count') ?? -1), fileName };
}

/** An alert document: nested JSON whose every string is attacker-controlled. */
export type AlertDocument = Record<string, unknown>;

export interface Hit {
  index: string;
  id: string;
  sort: SortKey;
  document: AlertDocument;
}

export interface HistogramBucket {
  keyMs: number;
  count: number;
  /** Terms counted in the bucket (the histogram's sub-aggregations, by name). */
  aggregations?: Record<string, { type: 'terms'; buckets: TermsBucket[]; otherCount: number }>;
}

export interface TermsBucket {
  key: string | number;
  count: number;
}

export type AggregationResult =
  | { type: 'date_histogram'; intervalMs: number; buckets: HistogramBucket[]; timeZone?: string; calendarInterval?: 'week' | 'month' | 'year' }
  | { type: 'terms'; buckets: TermsBucket[]; otherCount: number; missingCount?: number }
  | { type: 'cardinality'; value: number };

export interface SearchResponse {
  total: number;
  took_ms: number;
  /** The range the server resolved (epoch ms), so that "now" means the server's now. */
  time_range: { from: number; to: number } | null;
  hits: Hit[];
  aggregations: Record<string, AggregationResult>;
}

export type FieldType = 'text' | 'keyword' | 'integer' | 'long' | 'double' | 'date' | 'ip' | 'boolean';

export interface FieldInfo {
  name: string;
  type: FieldType;
  aggregatable: boolean;
}

export interface TopValues {
  field: string;
  total: number;
  /** Matching documents that have the field. */
  present: number;
  values: Array<{ value: string | number; count: number; share: number }>;
}

export type ErrorKind = 'syntax' | 'query' | 'request' | 'unauthenticated' | 'forbidden' | 'network' | 'internal' | string;

/** An error answer of the API (or a failed connection), with what the server said to fix. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly kind: ErrorKind,
    message: string,
    readonly position?: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The session is missing or over: the UI shows how to sign in. */
  get isAuth(): boolean {
    return this.status === 401;
  }
}

async function call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      // Every write says JSON: the server refuses cookie-only writes that a cross-site form could send.
      headers: body === undefined && method === 'GET' ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The hidsmon server cannot be reached. Is it running?');
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(response.status, 'internal', `The server answered ${response.status} without JSON.`);
  }
  if (!response.ok) {
    const error = (json as { error?: { kind?: string; message?: string; position?: number; hint?: string } }).error ?? {};
    throw new ApiError(response.status, error.kind ?? 'internal', error.message ?? `The server answered ${response.status}.`, error.position, error.hint);
  }
  return json as T;
}

/** The query API's roles: a viewer reads; an admin also deletes indices and manages keys. */
export type Role = 'viewer' | 'admin';

export interface SessionInfo {
  authenticated: boolean;
  role: Role;
  principal: { kind: string; id: string };
}

export interface IndexInfo {
  name: string;
  documents: number;
  bytes: number;
}

/** `GET /api/keys` (admin): ids and grants, never secrets. */
export interface KeysListing {
  access_keys: Array<{ id: string; profile: string | null; log_groups: string[] | null; description: string | null; created: string | null; revoked: string | null }>;
  api_tokens: Array<{ id: string; role: Role; description: string | null; created: string | null; revoked: string | null }>;
}

/** What /healthz says. */
export type Health = { status: 'ok' } | { status: 'degraded'; reasons: string[] };

/** One audit log entry (mirrors src/audit/audit-query.ts); every string is as recorded, attacker-controlled. */
export interface AuditRecord {
  id: number;
  time: string;
  time_ms: number;
  actor: { kind: string; id: string; arn?: string; role?: string; token_id?: string };
  source_ip: string | null;
  action: string;
  resource: string | null;
  outcome: 'allowed' | 'denied' | 'failed';
  message: string | null;
  detail: Record<string, unknown> | null;
  request_id: string | null;
}

export interface AuditPage {
  entries: AuditRecord[];
  next_cursor: string | null;
  /** Entries lost since the server started. */
  dropped: number;
}

/** Filters of GET /api/audit, as its query string takes them. */
export interface AuditFilters {
  from?: string;
  to?: string;
  actor?: string;
  action?: string;
  outcome?: string;
  resource?: string;
  q?: string;
  limit?: number;
  cursor?: string;
}

/** A log group on /api/ingest: what decides its indexing, and who changed it lately. */
export interface IngestLogGroup {
  name: string;
  exists: boolean;
  retention_days: number | null;
  subscription_filters: Array<{ name: string; pattern: string; destination: string }>;
  recent_changes: AuditRecord[];
}

export interface IngestStatus {
  log: { groups: number; streams: number; events: number; stored_bytes: number; last_sequence: number };
  streams: Array<{ log_group: string; log_stream: string; events: number; last_event: number | null; last_ingestion: number | null }>;
  forwarder: Array<{ destination: string; status: string; cursor: number; lag_events: number; lag_seconds: number; restarts: number; last_error?: string }>;
  dead_letters: number;
  /** When the server started (epoch ms): `rejected` and `duplicates` count from then. */
  since?: number;
  /** Ingest requests refused, by CloudWatch error code. */
  rejected?: Record<string, number>;
  /** Documents a destination already held (an event delivered twice), collapsed, by destination. */
  duplicates?: Record<string, number>;
  log_groups?: IngestLogGroup[];
}

/** A saved search (query, pills, columns, sort, time) or a saved query (query and pills), shared by everyone who signs in (mirrors src/saved/saved-object.ts). */
export type SavedKind = 'searches' | 'queries';
export interface SavedViewFields {
  query: string;
  filters: Array<{ field: string; value: string | number | boolean; negate: boolean; disabled: boolean }>;
  columns?: string[];
  sort?: Array<{ field: string; order: 'asc' | 'desc' }>;
  time?: { from: string; to: string };
}
export interface SavedObjectInfo extends SavedViewFields {
  id: string;
  type: 'search' | 'query';
  name: string;
  created_ms: number;
  updated_ms: number;
  owner: string;
  updated_by: string;
}

/** A document's surrounding alerts on its host (mirrors src/query/context.ts): both sides nearest first. */
export interface DocumentContext {
  anchor: Hit;
  newer: Hit[];
  older: Hit[];
}

/** A host on /api/fleet (mirrors src/query/fleet.ts): `silent` once its agent's last heartbeat is older than silent_host_seconds. */
export interface FleetHost {
  log_stream: string;
  status: 'silent' | 'reporting' | 'no_heartbeat';
  alerts: number;
  max_level: number | null;
  last_alert: number | null;
  last_heartbeat: number | null;
}
export interface FleetStatus {
  now: number;
  time_range: { from: number; to: number };
  silent_host_seconds: number;
  took_ms: number;
  truncated: boolean;
  hosts: FleetHost[];
}
export interface DeadLetterInfo {
  id: number;
  timeMs: number;
  destination: string;
  reason: string;
  logGroup: string;
  logStream: string;
  eventId: string;
  timestamp: number;
  message: string;
}

function auditQuery(filters: AuditFilters): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== '') params.set(key, String(value));
  return params.toString();
}

export const api = {
  health: (signal?: AbortSignal) => call<Health>('GET', '/healthz', undefined, signal),
  session: (signal?: AbortSignal) => call<SessionInfo>('GET', '/api/session', undefined, signal),
  keys: (signal?: AbortSignal) => call<KeysListing>('GET', '/api/keys', undefined, signal),
  indices: (signal?: AbortSignal) => call<{ indices: IndexInfo[] }>('GET', '/api/indices', undefined, signal),
  deleteIndex: (name: string) => call<{ deleted: string }>('DELETE', `/api/indices/${encodeURIComponent(name)}`, undefined),
  audit: (filters: AuditFilters, signal?: AbortSignal) => call<AuditPage>('GET', `/api/audit?${auditQuery(filters)}`, undefined, signal),
  ingest: (signal?: AbortSignal) => call<IngestStatus>('GET', '/api/ingest', undefined, signal),
  document: (index: string, id: string, signal?: AbortSignal) => call<{ hit: Hit }>('GET', `/api/doc/${encodeURIComponent(index)}/${encodeURIComponent(id)}`, undefined, signal),
  context: (index: string, id: string, size: number, signal?: AbortSignal) =>
    call<DocumentContext>('GET', `/api/doc/${encodeURIComponent(index)}/${encodeURIComponent(id)}/context?size=${size}`, undefined, signal),
  fleet: (range: { from: string; to: string }, signal?: AbortSignal) => call<FleetStatus>('GET', `/api/fleet?${new URLSearchParams(range).toString()}`, undefined, signal),
  deadLetters: (signal?: AbortSignal) => call<{ dead_letters: DeadLetterInfo[] }>('GET', '/api/dead-letters?limit=100', undefined, signal),
  replayDeadLetters: (ids?: number[]) => call<{ replayed: number[]; failed: Array<{ id: number; reason: string }> }>('POST', '/api/dead-letters/replay', ids ? { ids } : {}),
  logout: () => call<{ signed_out: boolean }>('POST', '/api/logout', {}),
  search: (body: SearchBody, signal?: AbortSignal) => call<SearchResponse>('POST', '/api/search', body, signal),
  startExport,
  fields: (signal?: AbortSignal) => call<{ fields: FieldInfo[] }>('GET', '/api/fields', undefined, signal),
  savedList: (kind: SavedKind, signal?: AbortSignal) =>
    call<{ saved_searches?: SavedObjectInfo[]; saved_queries?: SavedObjectInfo[] }>('GET', `/api/saved/${kind}`, undefined, signal).then((r) => r.saved_searches ?? r.saved_queries ?? []),
  savedGet: (kind: SavedKind, id: string, signal?: AbortSignal) => call<SavedObjectInfo>('GET', `/api/saved/${kind}/${encodeURIComponent(id)}`, undefined, signal),
  savedCreate: (kind: SavedKind, body: SavedViewFields & { name: string }) => call<SavedObjectInfo>('POST', `/api/saved/${kind}`, body),
  savedChange: (kind: SavedKind, id: string, body: Partial<SavedViewFields> & { name?: string }) => call<SavedObjectInfo>('PATCH', `/api/saved/${kind}/${encodeURIComponent(id)}`, body),
  savedDelete: (kind: SavedKind, id: string) => call<{ deleted: string }>('DELETE', `/api/saved/${kind}/${encodeURIComponent(id)}`, undefined),
  topValues: (body: Omit<SearchBody, 'size' | 'aggregations' | 'search_after'> & { field: string; size?: number }, signal?: AbortSignal) =>
    call<TopValues>('POST', '/api/fields/top', body, signal),
};

export function isAbort(e: unknown): boolean {
  return (e as Error | undefined)?.name === 'AbortError';
}
