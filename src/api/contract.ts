/**
 * @module The JSON of the query API under `/api`, defined once: what the server sends and takes,
 * and what the web UI reads (web/src/api.ts re-exports these with `import type`, so the bundle
 * takes no server code). Types only, importing nothing. Names on the wire are snake_case, as
 * OpenSearch's are (`took_ms`, `interval_ms`, `key_ms`, `other_count`); the server's own types are
 * camelCase and are turned into these at the API's edge (src/api/query/wire.ts).
 */

/** A query DSL object, as sent in `filters` and as `query`. */
export type Dsl = Record<string, unknown>;

/** Epoch ms, or date math / ISO 8601 that the server resolves with its own clock. */
export type TimeBound = string | number;

export type SortOrder = 'asc' | 'desc';

/** A terms aggregation inside a histogram's bucket (stacking by level). */
export interface SubTermsSpec {
  type: 'terms';
  field: string;
  size?: number;
}

export type AggregationSpec =
  | {
      type: 'date_histogram';
      interval_ms?: number | 'auto';
      /** A calendar interval instead of a fixed one (OpenSearch's calendar_interval). */
      calendar_interval?: string;
      time_zone?: string;
      aggregations?: Record<string, SubTermsSpec>;
    }
  | { type: 'terms'; field: string; size?: number; missing?: string; metrics?: Record<string, { type: 'max'; field: string }> }
  | { type: 'cardinality'; field: string };

/** `POST /api/search`. */
export interface SearchBody {
  query: string | Dsl;
  filters?: Dsl[];
  from?: TimeBound;
  to?: TimeBound;
  size?: number;
  /** The `sort` of the last hit of the previous page. */
  search_after?: SortKey;
  /** Hits by a field (missing values last, then newest first); absent: newest first. */
  sort?: { field: string; order: SortOrder };
  aggregations?: Record<string, AggregationSpec>;
  /** The zone of date math in from/to (now/d) and of every histogram's buckets, as OpenSearch's time_zone. */
  time_zone?: string;
}

/** A hit's sort: [@timestamp ms, @id], led by the sorted field's value (null: missing) when sorted by a field. */
export type SortKey = [timestampMs: number, eventId: string] | [value: string | number | null, timestampMs: number, eventId: string];

/** `POST /api/export`: a search body with the format and the columns. */
export interface ExportBody extends Omit<SearchBody, 'size' | 'search_after' | 'aggregations'> {
  format: 'csv' | 'ndjson';
  columns?: string[];
}

/** An alert document: nested JSON whose every string is attacker-controlled. */
export type AlertDocument = Record<string, unknown>;

export interface Hit {
  index: string;
  id: string;
  sort: SortKey;
  document: AlertDocument;
}

export interface TermsBucket {
  key: string | number;
  count: number;
  /** The terms aggregation's metrics in this bucket, by name (`max` of a field; null where no document has it). */
  metrics?: Record<string, number | null>;
}

export interface SubTermsResult {
  type: 'terms';
  buckets: TermsBucket[];
  /** Documents of the bucket in terms beyond `size`. */
  other_count: number;
}

export interface HistogramBucket {
  /** The bucket's start, epoch ms. */
  key_ms: number;
  count: number;
  /** Terms counted in the bucket (the histogram's sub-aggregations, by name). */
  aggregations?: Record<string, SubTermsResult>;
}

export type AggregationResult =
  | { type: 'date_histogram'; interval_ms: number; calendar_interval?: 'week' | 'month' | 'year'; time_zone?: string; buckets: HistogramBucket[] }
  | { type: 'terms'; buckets: TermsBucket[]; other_count: number; missing_count?: number }
  | { type: 'cardinality'; value: number };

/** The answer of `POST /api/search`. */
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

/** `GET /api/fields`. */
export interface FieldsResponse {
  fields: FieldInfo[];
}

/** `POST /api/fields/top`: a search body (no size, aggregations or paging) naming a field. */
export type TopValuesBody = Omit<SearchBody, 'size' | 'aggregations' | 'search_after'> & { field: string; size?: number };

/** The answer of `POST /api/fields/top`. */
export interface TopValues {
  field: string;
  total: number;
  /** Matching documents that have the field. */
  present: number;
  values: Array<{ value: string | number; count: number; share: number }>;
}

/** An error answer: `kind` is stable (`syntax`, `query`, `request`, `not_found`, `forbidden`, …). */
export interface ErrorResponse {
  error: { kind: string; message: string; position?: number; hint?: string; field?: string };
}

/** The query API's roles: a viewer reads; an admin also deletes indices and manages keys. */
export type Role = 'viewer' | 'admin';

/** `GET /api/session`. */
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

/** `GET /api/indices`. */
export interface IndicesResponse {
  indices: IndexInfo[];
}

/** `GET /api/keys` (admin): ids and grants, never secrets. */
export interface KeysListing {
  access_keys: Array<{
    id: string;
    profile: string | null;
    /** A key with its own IAM-like policy: its statements. */
    statements?: Array<Record<string, unknown>>;
    log_groups: string[] | null;
    description: string | null;
    created: string | null;
    revoked: string | null;
    /** `configured` (hidsmon.yaml, the environment) or `file` (credentials.json). */
    source: 'configured' | 'file';
  }>;
  api_tokens: Array<{ id: string; role: Role; description: string | null; created: string | null; revoked: string | null; source: 'configured' | 'file' }>;
}

/** What /healthz says. */
export type Health = { status: 'ok' } | { status: 'degraded'; reasons: string[] };

/** One audit log entry; every string is as recorded, attacker-controlled. */
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

/** `GET /api/audit`. */
export interface AuditPage {
  entries: AuditRecord[];
  next_cursor: string | null;
  /** Entries lost since the server started. */
  dropped: number;
}

/** A log group on /api/ingest: what decides its indexing, and who changed it lately. */
export interface IngestLogGroup {
  name: string;
  exists: boolean;
  retention_days: number | null;
  subscription_filters: Array<{ name: string; pattern: string; destination: string }>;
  recent_changes: AuditRecord[];
}

/** `GET /api/ingest`. */
export interface IngestStatus {
  log: { groups: number; streams: number; events: number; stored_bytes: number; last_sequence: number };
  streams: Array<{ log_group: string; log_stream: string; events: number; last_event: number | null; last_ingestion: number | null }>;
  forwarder: Array<{ destination: string; status: string; cursor: number; lag_events: number; lag_seconds: number; restarts: number; last_error?: string }>;
  dead_letters: number;
  /**
   * Admission control: PutLogEvents answers ThrottlingException while a destination is more than
   * `max_lag_ms` or `max_lag_events` behind (0: no bound). `lag_*` are those of the destination
   * furthest behind now; `throttled` counts refused requests since start, by reason.
   */
  flow_control?: {
    max_lag_ms: number;
    max_lag_events: number;
    /** Events that may always wait: no refusal below this backlog. */
    allowance_events: number;
    throttling: boolean;
    reason?: 'lag_events' | 'lag_seconds';
    destination?: string;
    lag_events: number;
    lag_ms: number;
    throttled_requests: number;
    throttled: { lag_events: number; lag_seconds: number };
    /** Admitted PutLogEvents not yet stored, and their events (estimated from their size): counted as backlog. */
    in_flight_requests: number;
    in_flight_events: number;
  };
  /** When the server started (epoch ms): `rejected` and `duplicates` count from then. */
  since?: number;
  /** Ingest requests refused, by CloudWatch error code. */
  rejected?: Record<string, number>;
  /** Documents a destination already held (an event delivered twice), collapsed, by destination. */
  duplicates?: Record<string, number>;
  log_groups?: IngestLogGroup[];
  /** The last retention run: what it deleted, and what it keeps while a destination has not taken it. */
  retention?: {
    last_run: number | null;
    deleted?: unknown;
    waiting: boolean;
    held_events: number;
    waiting_on: Array<{ destination: string; cursor: number; held_events: number }>;
  };
}

/** A filter pill as saved (the UI's Filter). */
export interface SavedFilterJson {
  field: string;
  value: string | number | boolean;
  negate: boolean;
  disabled: boolean;
}

/** What a saved object reproduces; `columns`, `sort` and `time` belong to saved searches only. */
export interface SavedViewFields {
  query: string;
  filters: SavedFilterJson[];
  columns?: string[];
  sort?: Array<{ field: string; order: SortOrder }>;
  time?: { from: string; to: string };
}

/** Where saved objects are: `/api/saved/searches`, `/api/saved/queries`. */
export type SavedKind = 'searches' | 'queries';

/** A saved search or saved query, shared by everyone who signs in. */
export interface SavedObjectJson extends SavedViewFields {
  id: string;
  type: 'search' | 'query';
  name: string;
  created_ms: number;
  updated_ms: number;
  /** The token (with its role) that made it: it may change it without admin. */
  owner: string;
  updated_by: string;
}

/** `GET /api/saved/searches` or `/api/saved/queries`. */
export type SavedListResponse = { saved_searches: SavedObjectJson[] } | { saved_queries: SavedObjectJson[] };

/** `GET /api/doc/{index}/{id}`. */
export interface DocumentResponse {
  hit: Hit;
}

/** `GET /api/doc/{index}/{id}/context`: a document's surrounding alerts on its host, both sides nearest first. */
export interface DocumentContext {
  anchor: Hit;
  newer: Hit[];
  older: Hit[];
}

/** A host on /api/fleet: `silent` once its agent's last heartbeat is older than silent_host_seconds. */
export interface FleetHost {
  log_stream: string;
  status: 'silent' | 'reporting' | 'no_heartbeat';
  alerts: number;
  max_level: number | null;
  last_alert: number | null;
  last_heartbeat: number | null;
}

/** `GET /api/fleet`. */
export interface FleetStatus {
  now: number;
  time_range: { from: number; to: number };
  silent_host_seconds: number;
  took_ms: number;
  truncated: boolean;
  hosts: FleetHost[];
}

/** An event a sink refused for good, with why. */
export interface DeadLetterInfo {
  id: number;
  time_ms: number;
  destination: string;
  reason: string;
  log_group: string;
  log_stream: string;
  event_id: string;
  /** The event's own time, epoch ms. */
  timestamp: number;
  message: string;
}

/** `GET /api/dead-letters` (admin). */
export interface DeadLettersResponse {
  dead_letters: DeadLetterInfo[];
}

/** `POST /api/dead-letters/replay` (admin). */
export interface ReplayResponse {
  replayed: number[];
  failed: Array<{ id: number; reason: string }>;
}

/** A detection (issue 15): a rule's condition met by a group of alerts in a window. Values are alert text. */
export interface DetectionJson {
  id: string;
  rule: { id: string; name: string; kind: 'threshold' | 'spread' | 'new_term' | 'silent_host'; severity: 'low' | 'medium' | 'high' | 'critical' };
  group: Array<{ field: string; value: string }>;
  count: number;
  hosts: string[];
  /** ISO 8601 UTC; with `query`, what Discover shows to see exactly the matching alerts. */
  window: { start: string; end: string };
  created_at: string;
  status: 'open' | 'acknowledged' | 'closed';
  /** Who changed `status` last, and when (absent until someone does). */
  status_by?: string;
  status_at?: string;
  query: string;
  /** The first matching alerts, oldest first. */
  evidence: Array<{ id: string; index: string; '@timestamp': string; '@log_stream': string; level?: number; rule_id?: string; description?: string; text: string }>;
}

/** `GET /api/detections` (viewer): newest first; `next` is the cursor of the next page. */
export interface DetectionListJson {
  detections: DetectionJson[];
  total: number;
  next: string | null;
}

/** One attempt to send a notification (sent, retrying, failed), or one not tried (suppressed by the throttle, dropped by a full queue). */
export interface NotificationAttemptJson {
  time_ms: number;
  channel: string;
  channel_kind: 'webhook' | 'slack' | 'email' | 'sns';
  detection_id: string;
  rule_id: string;
  attempt: number;
  result: 'sent' | 'retrying' | 'failed' | 'suppressed' | 'dropped';
  error?: string;
  delay_ms?: number;
  duration_ms?: number;
}

/** `GET /api/notifications` (admin): the newest attempts and the counts since start. */
export interface NotificationsJson {
  configured: boolean;
  attempts: NotificationAttemptJson[];
  stats: { sent: number; failed: number; retried: number; suppressed: number; dropped: number; queued: number };
}

/** A rule as its YAML names it (`GET /api/rules`, `POST /api/rules`); names and queries are operator or admin text. */
export interface RuleObjectJson {
  id: string;
  name: string;
  description?: string;
  severity: 'low' | 'medium' | 'high' | 'critical';
  enabled: boolean;
  query: string;
  condition: { kind: 'threshold' | 'spread' | 'new_term' | 'silent_host'; [key: string]: unknown };
}

/** `GET /api/rules` (viewer): every rule in force, where it comes from, and why the engine disabled it, if it did. */
export interface RuleListJson {
  rules: Array<{ rule: RuleObjectJson; source: 'builtin' | 'file' | 'api'; editable: boolean; engine_error?: string }>;
}

/** A problem in a rule's text, at its 1-based line and column (0 when it is not about one place). */
export interface RuleProblemJson {
  message: string;
  path: string;
  line: number;
  column: number;
}

/** `POST /api/rules/validate` (viewer). */
export type RuleValidationJson = { valid: true; rule: RuleObjectJson } | { valid: false; problems: RuleProblemJson[] };
