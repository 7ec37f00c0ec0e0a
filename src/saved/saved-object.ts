/**
 * @module Saved searches and saved queries, as Kibana has them: a named view stored by the server
 * and shared by everyone who can sign in. A saved search keeps the query, the filter pills, the
 * columns, the sort and the time range; a saved query keeps the query and the pills only (it is
 * applied to any page, the dashboard included). Here: the shapes, the limits and the validation of
 * what a client sends (every string is the client's). Pure.
 */
import type { SavedObjectJson } from '../api/contract.js';
import { parseDateMath } from '../core/date-math.js';
import { isPlainObject } from '../core/paths.js';
import { err, ok, type Result } from '../core/result.js';

export type SavedObjectType = 'search' | 'query';
export const SAVED_OBJECT_TYPES: readonly SavedObjectType[] = ['search', 'query'];

/** A filter pill as the UI keeps it (web/src/filters.ts). */
export interface SavedFilter {
  field: string;
  value: string | number | boolean;
  negate: boolean;
  disabled: boolean;
}

export interface SavedSort {
  field: string;
  order: 'asc' | 'desc';
}

/** What a saved object reproduces; `columns`, `sort` and `time` belong to saved searches only. */
export interface SavedView {
  query: string;
  filters: SavedFilter[];
  columns?: string[];
  sort?: SavedSort[];
  time?: { from: string; to: string };
}

export interface SavedObject {
  id: string;
  type: SavedObjectType;
  name: string;
  view: SavedView;
  createdMs: number;
  updatedMs: number;
  /** Who made it (an API token id; a session counts as the token that signed it in): may change it without admin. */
  owner: string;
  updatedBy: string;
}

/** Bounds on what one object holds, so that a client cannot make the store (or every list) large. */
export const SAVED_LIMITS = {
  name: 100,
  query: 10_000,
  filters: 50,
  field: 256,
  value: 4096,
  columns: 100,
  sort: 5,
  time: 64,
  /** Objects of one type. */
  objects: 1000,
} as const;

export type SavedObjectError = { code: 'invalid'; message: string } | { code: 'duplicate_name'; message: string } | { code: 'not_found'; message: string } | { code: 'forbidden'; message: string } | { code: 'too_many'; message: string };

const invalid = (message: string): Result<never, SavedObjectError> => err({ code: 'invalid', message });

/** A name with its edges trimmed: 1 to 100 characters, no control characters. */
export function parseSavedName(value: unknown): Result<string, SavedObjectError> {
  if (typeof value !== 'string') return invalid('name is a string of 1 to 100 characters.');
  const name = value.trim();
  if (name.length === 0 || name.length > SAVED_LIMITS.name) return invalid(`name is 1 to ${SAVED_LIMITS.name} characters (it has ${name.length}).`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return invalid('name must not hold control characters (new lines, tabs).');
  return ok(name);
}

/** Names compare without case, as a user reads them: "Brute force" and "brute force" are one name. */
export function nameKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

function parseFilter(value: unknown, at: string): Result<SavedFilter, SavedObjectError> {
  if (!isPlainObject(value)) return invalid(`${at} is a pill: {"field": "srcip", "value": "10.0.0.1", "negate": false, "disabled": false}.`);
  const { field, value: v, negate, disabled } = value;
  if (typeof field !== 'string' || field === '' || field.length > SAVED_LIMITS.field) return invalid(`${at}.field is a field name of 1 to ${SAVED_LIMITS.field} characters.`);
  const okValue = (typeof v === 'string' && v.length <= SAVED_LIMITS.value) || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';
  if (!okValue) return invalid(`${at}.value is a string of at most ${SAVED_LIMITS.value} characters, a number or a boolean.`);
  if (negate !== undefined && typeof negate !== 'boolean') return invalid(`${at}.negate is true or false.`);
  if (disabled !== undefined && typeof disabled !== 'boolean') return invalid(`${at}.disabled is true or false.`);
  return ok({ field, value: v as SavedFilter['value'], negate: negate === true, disabled: disabled === true });
}

function parseFieldList(value: unknown, name: string, max: number): Result<string[], SavedObjectError> {
  if (!Array.isArray(value) || value.length > max) return invalid(`${name} is a list of at most ${max} field names.`);
  for (const [i, f] of value.entries()) if (typeof f !== 'string' || f === '' || f.length > SAVED_LIMITS.field) return invalid(`${name}[${i}] is a field name of 1 to ${SAVED_LIMITS.field} characters.`);
  return ok([...new Set(value as string[])]);
}

/**
 * The view of a saved object of `type`, from a request body's fields. A saved query ignores
 * columns, sort and time (Kibana's saved queries carry none); a saved search without a time range
 * opens on the one shown.
 */
export function parseSavedView(type: SavedObjectType, body: Record<string, unknown>, nowMs: number): Result<SavedView, SavedObjectError> {
  const query = body['query'] ?? '';
  if (typeof query !== 'string' || query.length > SAVED_LIMITS.query) return invalid(`query is Lucene text of at most ${SAVED_LIMITS.query} characters.`);
  const rawFilters = body['filters'] ?? [];
  if (!Array.isArray(rawFilters) || rawFilters.length > SAVED_LIMITS.filters) return invalid(`filters is a list of at most ${SAVED_LIMITS.filters} pills.`);
  const filters: SavedFilter[] = [];
  for (const [i, f] of rawFilters.entries()) {
    const parsed = parseFilter(f, `filters[${i}]`);
    if (!parsed.ok) return parsed;
    filters.push(parsed.value);
  }
  const view: SavedView = { query, filters };
  if (type === 'query') return ok(view);
  if (body['columns'] !== undefined) {
    const columns = parseFieldList(body['columns'], 'columns', SAVED_LIMITS.columns);
    if (!columns.ok) return columns;
    view.columns = columns.value;
  }
  if (body['sort'] !== undefined) {
    const sort = body['sort'];
    if (!Array.isArray(sort) || sort.length > SAVED_LIMITS.sort) return invalid(`sort is a list of at most ${SAVED_LIMITS.sort} {"field": "rule.level", "order": "desc"}.`);
    view.sort = [];
    for (const [i, s] of sort.entries()) {
      if (!isPlainObject(s) || typeof s['field'] !== 'string' || s['field'] === '' || s['field'].length > SAVED_LIMITS.field || (s['order'] !== 'asc' && s['order'] !== 'desc')) {
        return invalid(`sort[${i}] is {"field": "<a field name>", "order": "asc" | "desc"}.`);
      }
      view.sort.push({ field: s['field'], order: s['order'] });
    }
  }
  if (body['time'] !== undefined) {
    const time = body['time'];
    if (!isPlainObject(time)) return invalid('time is {"from": "now-24h", "to": "now"}.');
    const bounds: string[] = [];
    for (const name of ['from', 'to'] as const) {
      const bound = time[name];
      if (typeof bound !== 'string' || bound.trim() === '' || bound.length > SAVED_LIMITS.time) return invalid(`time.${name} is date math or an ISO 8601 time of at most ${SAVED_LIMITS.time} characters.`);
      const parsed = parseDateMath(bound.trim(), nowMs, { roundUp: name === 'to' });
      if (!parsed.ok) return invalid(`time.${name}: ${parsed.error}`);
      bounds.push(bound.trim());
    }
    view.time = { from: bounds[0]!, to: bounds[1]! };
  }
  return ok(view);
}

export function parseSavedType(value: string): SavedObjectType | undefined {
  return SAVED_OBJECT_TYPES.find((t) => t === value);
}

/** An object as the API sends it (snake_case, times as epoch ms). */
export function savedObjectJson(o: SavedObject): SavedObjectJson {
  return { id: o.id, type: o.type, name: o.name, ...o.view, created_ms: o.createdMs, updated_ms: o.updatedMs, owner: o.owner, updated_by: o.updatedBy };
}
