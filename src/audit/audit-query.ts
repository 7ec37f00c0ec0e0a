/**
 * @module What a search of the audit log asks (time range, actor, action, outcome, resource, text,
 * paging) and the wire form of an entry, parsed from `GET /api/audit`'s query string and checked
 * here, so that the store only sees typed values. Pure.
 */
import type { AuditRecord } from '../api/contract.js';
import type { AuditEntry, AuditOutcome } from '../core/audit.js';
import { parseDateMath } from '../core/date-math.js';
import { err, ok, type Result } from '../core/result.js';

export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['allowed', 'denied', 'failed'];
export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;
/** A filter value longer than this is a mistake or an attack, not a search. */
const MAX_FILTER_CHARS = 1024;
const MAX_FILTER_VALUES = 50;

/** A position in the newest-first order: the entry's time, then its id. */
export interface AuditCursor {
  timeMs: number;
  id: number;
}

export interface AuditQuery {
  fromMs?: number;
  toMs?: number;
  /** Matches the actor's id, or for a session the id of the token that made it. */
  actors: string[];
  /** Globs (`*`, `?`); a value without either is a prefix (`logs:` is every CloudWatch Logs action). */
  actions: string[];
  outcomes: AuditOutcome[];
  /** Globs; a value without a wildcard matches exactly. */
  resources: string[];
  /** Case-insensitive substring of the message, action, resource, actor, source ip or detail. */
  text?: string;
  limit: number;
  /** Newest first, older than this (the previous page's `next_cursor`). */
  before?: AuditCursor;
  /** Oldest first, ids greater than this: what `--follow` polls with. */
  afterId?: number;
}

/** One entry as the API and the CLI's `--json` show it: the contract's (src/api/contract.ts). */
export type AuditRecordJson = AuditRecord;

/** A stored entry: what was recorded, with the id the store gave it. */
export interface StoredAuditEntry extends AuditEntry {
  id: number;
}

export type AuditQueryError = { kind: 'request'; message: string };

function bad(message: string): { ok: false; error: AuditQueryError } {
  return err({ kind: 'request', message });
}

/** Reads a query string's parameters (each may repeat) into a query; `now` resolves date math. */
export function parseAuditQuery(params: URLSearchParams, nowMs: number): Result<AuditQuery, AuditQueryError> {
  const many = (name: string): Result<string[], AuditQueryError> => {
    const values = params.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
    if (values.length > MAX_FILTER_VALUES) return bad(`${name}: at most ${MAX_FILTER_VALUES} values.`);
    const long = values.find((v) => v.length > MAX_FILTER_CHARS);
    return long ? bad(`${name}: a value is over ${MAX_FILTER_CHARS} characters.`) : ok(values);
  };
  const query: AuditQuery = { actors: [], actions: [], outcomes: [], resources: [], limit: DEFAULT_AUDIT_LIMIT };
  for (const [name, key] of [['actor', 'actors'], ['action', 'actions'], ['resource', 'resources']] as const) {
    const values = many(name);
    if (!values.ok) return values;
    query[key] = values.value;
  }
  const outcomes = many('outcome');
  if (!outcomes.ok) return outcomes;
  for (const o of outcomes.value) {
    if (!(AUDIT_OUTCOMES as readonly string[]).includes(o)) return bad(`outcome is one of ${AUDIT_OUTCOMES.join(', ')}, not "${o}".`);
  }
  query.outcomes = outcomes.value as AuditOutcome[];
  for (const [name, roundUp] of [['from', false], ['to', true]] as const) {
    const text = params.get(name);
    if (text === null || text.trim() === '') continue;
    const parsed = parseDateMath(text, nowMs, { roundUp });
    if (!parsed.ok) return bad(`${name}: ${parsed.error}`);
    if (name === 'from') query.fromMs = parsed.value;
    else query.toMs = parsed.value;
  }
  if (query.fromMs !== undefined && query.toMs !== undefined && query.toMs < query.fromMs) return bad('"to" is before "from".');
  const text = params.get('q') ?? params.get('text');
  if (text !== null && text.trim() !== '') {
    if (text.length > MAX_FILTER_CHARS) return bad(`q is over ${MAX_FILTER_CHARS} characters.`);
    query.text = text.trim();
  }
  const limit = params.get('limit');
  if (limit !== null) {
    if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_AUDIT_LIMIT) return bad(`limit is a whole number from 1 to ${MAX_AUDIT_LIMIT}.`);
    query.limit = Number(limit);
  }
  const cursor = params.get('cursor');
  if (cursor !== null && cursor !== '') {
    const decoded = decodeAuditCursor(cursor);
    if (!decoded) return bad('cursor is the next_cursor of a previous answer.');
    query.before = decoded;
  }
  const after = params.get('after_id');
  if (after !== null && after !== '') {
    if (!/^\d{1,15}$/.test(after)) return bad('after_id is the id of an entry (a whole number).');
    query.afterId = Number(after);
  }
  if (query.before && query.afterId !== undefined) return bad('Give cursor (older entries) or after_id (newer entries), not both.');
  return ok(query);
}

export function encodeAuditCursor(cursor: AuditCursor): string {
  return `${cursor.timeMs}.${cursor.id}`;
}

export function decodeAuditCursor(text: string): AuditCursor | undefined {
  const m = /^(-?\d{1,16})\.(\d{1,15})$/.exec(text);
  if (!m) return undefined;
  const cursor = { timeMs: Number(m[1]), id: Number(m[2]) };
  return Number.isSafeInteger(cursor.timeMs) && Number.isSafeInteger(cursor.id) ? cursor : undefined;
}

/**
 * A glob as a SQL LIKE pattern with `\` as the escape: `*` any run, `?` one character, every other
 * character (LIKE's own `%` and `_` included) literal. `prefix` appends `%` when the glob has no wildcard.
 */
export function globToLike(glob: string, mode: 'prefix' | 'exact'): string {
  let out = '';
  let wild = false;
  for (const ch of glob) {
    if (ch === '*') {
      out += '%';
      wild = true;
    } else if (ch === '?') {
      out += '_';
      wild = true;
    } else if (ch === '%' || ch === '_' || ch === '\\') out += `\\${ch}`;
    else out += ch;
  }
  return !wild && mode === 'prefix' ? `${out}%` : out;
}

export function auditRecordJson(entry: StoredAuditEntry): AuditRecordJson {
  const actor: AuditRecordJson['actor'] = { kind: entry.actor.kind, id: entry.actor.id };
  if (entry.actor.kind === 'access-key') actor.arn = entry.actor.arn;
  if (entry.actor.kind === 'api-token' || entry.actor.kind === 'session') actor.role = entry.actor.role;
  if (entry.actor.kind === 'session') actor.token_id = entry.actor.tokenId;
  return {
    id: entry.id,
    time: new Date(entry.timeMs).toISOString(),
    time_ms: entry.timeMs,
    actor,
    source_ip: entry.sourceIp ?? null,
    action: entry.action,
    resource: entry.resource ?? null,
    outcome: entry.outcome,
    message: entry.message ?? null,
    detail: entry.detail ?? null,
    request_id: entry.requestId ?? null,
  };
}
