/**
 * @module The query API as the browser sees it: the JSON the server sends and takes, as
 * src/api/contract.ts defines it once for both sides (type-only imports: the bundle takes no server
 * code), and a small fetch client over the session cookie.
 */
import type { AuditPage, DeadLettersResponse, DetectionJson, DetectionListJson, NotificationsJson, RuleListJson, RuleObjectJson, RuleValidationJson, DocumentContext, DocumentResponse, ExportBody, FieldsResponse, FleetStatus, Health, IndicesResponse, IngestStatus, KeysListing, ReplayResponse, SavedKind, SavedObjectJson, SavedViewFields, SearchBody, SearchResponse, SessionInfo, TopValues, TopValuesBody } from '../../src/api/contract.js';

export type {
  AggregationResult,
  AggregationSpec,
  AlertDocument,
  AuditPage,
  AuditRecord,
  DeadLetterInfo,
  DetectionJson,
  DetectionListJson,
  NotificationAttemptJson,
  NotificationsJson,
  RuleListJson,
  RuleObjectJson,
  RuleProblemJson,
  RuleValidationJson,
  DocumentContext,
  Dsl,
  ExportBody,
  FieldInfo,
  FieldType,
  FleetHost,
  FleetStatus,
  Health,
  HistogramBucket,
  Hit,
  IndexInfo,
  IngestLogGroup,
  IngestStatus,
  KeysListing,
  Role,
  SavedKind,
  SavedViewFields,
  SearchBody,
  SearchResponse,
  SessionInfo,
  SortKey,
  TermsBucket,
  TimeBound,
  TopValues,
} from '../../src/api/contract.js';
/** A saved search or saved query as listed and opened. */
export type SavedObjectInfo = SavedObjectJson;

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

function auditQuery(filters: AuditFilters): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value !== undefined && value !== '') params.set(key, String(value));
  return params.toString();
}

/** Filters of GET /api/detections. */
export interface DetectionFilters {
  status?: string;
  rule?: string;
  q?: string;
  limit?: number;
  cursor?: string;
}

export const api = {
  health: (signal?: AbortSignal) => call<Health>('GET', '/healthz', undefined, signal),
  session: (signal?: AbortSignal) => call<SessionInfo>('GET', '/api/session', undefined, signal),
  keys: (signal?: AbortSignal) => call<KeysListing>('GET', '/api/keys', undefined, signal),
  indices: (signal?: AbortSignal) => call<IndicesResponse>('GET', '/api/indices', undefined, signal),
  deleteIndex: (name: string) => call<{ deleted: string }>('DELETE', `/api/indices/${encodeURIComponent(name)}`, undefined),
  audit: (filters: AuditFilters, signal?: AbortSignal) => call<AuditPage>('GET', `/api/audit?${auditQuery(filters)}`, undefined, signal),
  detections: (filters: DetectionFilters, signal?: AbortSignal) => call<DetectionListJson>('GET', `/api/detections?${auditQuery(filters as AuditFilters)}`, undefined, signal),
  notifications: (signal?: AbortSignal) => call<NotificationsJson>('GET', '/api/notifications?limit=50', undefined, signal),
  setDetectionStatus: (id: string, status: DetectionJson['status']) => call<DetectionJson>('POST', `/api/detections/${encodeURIComponent(id)}/status`, { status }),
  rules: (signal?: AbortSignal) => call<RuleListJson>('GET', '/api/rules', undefined, signal),
  validateRule: (yaml: string) => call<RuleValidationJson>('POST', '/api/rules/validate', { yaml }),
  addRule: (yaml: string) => call<{ rule: RuleObjectJson }>('POST', '/api/rules', { yaml }),
  deleteRule: (id: string) => call<{ deleted: string }>('DELETE', `/api/rules/${encodeURIComponent(id)}`, undefined),
  ingest: (signal?: AbortSignal) => call<IngestStatus>('GET', '/api/ingest', undefined, signal),
  document: (index: string, id: string, signal?: AbortSignal) => call<DocumentResponse>('GET', `/api/doc/${encodeURIComponent(index)}/${encodeURIComponent(id)}`, undefined, signal),
  context: (index: string, id: string, size: number, signal?: AbortSignal) =>
    call<DocumentContext>('GET', `/api/doc/${encodeURIComponent(index)}/${encodeURIComponent(id)}/context?size=${size}`, undefined, signal),
  fleet: (range: { from: string; to: string }, signal?: AbortSignal) => call<FleetStatus>('GET', `/api/fleet?${new URLSearchParams(range).toString()}`, undefined, signal),
  deadLetters: (signal?: AbortSignal) => call<DeadLettersResponse>('GET', '/api/dead-letters?limit=100', undefined, signal),
  replayDeadLetters: (ids?: number[]) => call<ReplayResponse>('POST', '/api/dead-letters/replay', ids ? { ids } : {}),
  logout: () => call<{ signed_out: boolean }>('POST', '/api/logout', {}),
  search: (body: SearchBody, signal?: AbortSignal) => call<SearchResponse>('POST', '/api/search', body, signal),
  startExport,
  fields: (signal?: AbortSignal) => call<FieldsResponse>('GET', '/api/fields', undefined, signal),
  savedList: (kind: SavedKind, signal?: AbortSignal) =>
    call<{ saved_searches?: SavedObjectInfo[]; saved_queries?: SavedObjectInfo[] }>('GET', `/api/saved/${kind}`, undefined, signal).then((r) => r.saved_searches ?? r.saved_queries ?? []),
  savedGet: (kind: SavedKind, id: string, signal?: AbortSignal) => call<SavedObjectInfo>('GET', `/api/saved/${kind}/${encodeURIComponent(id)}`, undefined, signal),
  savedCreate: (kind: SavedKind, body: SavedViewFields & { name: string }) => call<SavedObjectInfo>('POST', `/api/saved/${kind}`, body),
  savedChange: (kind: SavedKind, id: string, body: Partial<SavedViewFields> & { name?: string }) => call<SavedObjectInfo>('PATCH', `/api/saved/${kind}/${encodeURIComponent(id)}`, body),
  savedDelete: (kind: SavedKind, id: string) => call<{ deleted: string }>('DELETE', `/api/saved/${kind}/${encodeURIComponent(id)}`, undefined),
  topValues: (body: TopValuesBody, signal?: AbortSignal) =>
    call<TopValues>('POST', '/api/fields/top', body, signal),
};

export function isAbort(e: unknown): boolean {
  return (e as Error | undefined)?.name === 'AbortError';
}
