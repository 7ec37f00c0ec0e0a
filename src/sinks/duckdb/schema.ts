/**
 * @module The embedded store's table. The hot fields are typed columns (what queries and dashboards
 * filter and group on); `@message` is kept as received; every other field is recovered from the
 * message itself: `patch` holds only what normalization changed (an RFC 7396 merge patch over the
 * alert JSON), or, for what is not JSON (alerts.log, non-alerts), all of those fields. That keeps a
 * document whole in about half the bytes of storing it twice. Pure: rows ↔ documents.
 */
import type { AlertDocument, IndexedDocument } from '../../core/document.js';
import { alertDocumentId, cloudWatchEventId, usableAlertId } from '../../core/ids.js';
import { ownValue, setOwn } from '../../core/own-keys.js';
import { isPlainObject, type JsonObject } from '../../core/paths.js';
import { indexNameForTime, timeOfAlertId, timeOfIndexName, toIsoTimestamp } from '../../core/time.js';

export const TABLE = 'alerts';
export const FIELDS_TABLE = 'fields';
export const STAGING = 'staging';
/** SQL function (registered by the store) that prints an event id stored as a sequence number. */
export const EVENT_ID_FUNCTION = 'hs_event_id';
const ZSTD = 'USING COMPRESSION zstd';

/**
 * Columns, in table order. Times are epoch ms (integer compares keep zone maps useful; the histogram
 * is a division). Lists (rule.group, hidsmon.flags) are comma-joined. Ids of hidsmon's own layout
 * are stored as numbers: a CloudWatch event id `(ts << 144) | seq` as `event_seq`, an alert id
 * `<epoch>.<offset>` as `alert_offset` (its epoch is `dedup_ts`); other ids as text.
 */
export const COLUMNS = [
  { name: 'ts', sql: 'BIGINT NOT NULL', path: '@timestamp' },
  { name: 'event_seq', sql: 'BIGINT', path: undefined },
  { name: 'event_id', sql: `VARCHAR ${ZSTD}`, path: undefined },
  { name: 'owner', sql: 'VARCHAR', path: '@owner' },
  { name: 'log_group', sql: 'VARCHAR NOT NULL', path: '@log_group' },
  { name: 'log_stream', sql: 'VARCHAR NOT NULL', path: '@log_stream' },
  // Where an earlier copy of the same document would be: the alert's own time, else the event time.
  { name: 'dedup_ts', sql: 'BIGINT NOT NULL', path: undefined },
  { name: 'alert_offset', sql: 'BIGINT', path: undefined },
  { name: 'alert_id', sql: `VARCHAR ${ZSTD}`, path: undefined },
  { name: 'level', sql: 'INTEGER', path: 'rule.level' },
  { name: 'sidid', sql: 'BIGINT', path: 'rule.sidid' },
  { name: 'comment', sql: 'VARCHAR', path: 'rule.comment' },
  { name: 'groups', sql: 'VARCHAR', path: 'rule.group' },
  { name: 'srcip', sql: 'VARCHAR', path: 'srcip' },
  { name: 'dstip', sql: 'VARCHAR', path: 'dstip' },
  { name: 'srcuser', sql: 'VARCHAR', path: 'srcuser' },
  { name: 'dstuser', sql: 'VARCHAR', path: 'dstuser' },
  { name: 'hostname', sql: 'VARCHAR', path: 'hostname' },
  { name: 'location', sql: 'VARCHAR', path: 'location' },
  { name: 'decoder', sql: 'VARCHAR', path: 'decoder' },
  { name: 'program_name', sql: 'VARCHAR', path: 'program_name' },
  { name: 'full_log', sql: `VARCHAR ${ZSTD}`, path: 'full_log' },
  { name: 'flags', sql: 'VARCHAR', path: 'hidsmon.flags' },
  { name: 'format', sql: 'VARCHAR', path: 'hidsmon.format' },
  { name: 'message', sql: `VARCHAR NOT NULL ${ZSTD}`, path: '@message' },
  // true: `patch` holds all other fields; false: a merge patch over the message's JSON (NULL: none).
  { name: 'patch_full', sql: 'BOOLEAN NOT NULL', path: undefined },
  { name: 'patch', sql: `VARCHAR ${ZSTD}`, path: undefined },
] as const;

export type ColumnName = (typeof COLUMNS)[number]['name'];
export const COLUMN_NAMES: readonly ColumnName[] = COLUMNS.map((c) => c.name);
const at = (name: ColumnName): number => COLUMN_NAMES.indexOf(name);
export const COL = Object.fromEntries(COLUMN_NAMES.map((n) => [n, at(n)])) as Record<ColumnName, number>;

/** Column of each document path kept in a column (`@id` and `id` are spread over two columns each). */
export const COLUMN_OF_PATH: ReadonlyMap<string, ColumnName> = new Map(COLUMNS.filter((c) => c.path !== undefined).map((c) => [c.path as string, c.name]));
/** Paths whose values live in columns, not in the message JSON or the patch. */
const COLUMN_PATHS = new Set([...COLUMN_OF_PATH.keys(), '@id', 'id']);
const TOP_COLUMN_KEYS = new Set([...COLUMN_PATHS].filter((p) => p.startsWith('@') || !p.includes('.')));
// A Map: the keys looked up are the document's own, any name at all (`constructor`, `__proto__`).
const NESTED_COLUMN_KEYS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['rule', new Set(['level', 'sidid', 'comment', 'group'])],
  ['hidsmon', new Set(['flags', 'format'])],
]);
const LIST_PATHS = new Set(['rule.group', 'hidsmon.flags']);

/** The staging table holds a row as numbers, one JSON array of the small strings, and the big texts. */
export const STAGED_NUMBERS: readonly ColumnName[] = ['ts', 'event_seq', 'dedup_ts', 'alert_offset', 'level', 'sidid'];
export const STAGED_TEXTS: readonly ColumnName[] = ['full_log', 'message', 'patch'];
export const PACKED: readonly ColumnName[] = COLUMN_NAMES.filter((n) => !STAGED_NUMBERS.includes(n) && !STAGED_TEXTS.includes(n) && n !== 'patch_full');

export function createStatements(): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${TABLE} (${COLUMNS.map((c) => `${c.name} ${c.sql}`).join(', ')})`,
    `CREATE TABLE IF NOT EXISTS ${FIELDS_TABLE} (path VARCHAR PRIMARY KEY, type VARCHAR NOT NULL)`,
    // The document's non-column fields as JSON: the message's alert JSON with the patch applied.
    `CREATE OR REPLACE MACRO hs_doc(message, patch, patch_full) AS CASE WHEN patch_full THEN patch WHEN patch IS NULL THEN substr(message, strpos(message, '{')) ELSE json_merge_patch(substr(message, strpos(message, '{')), patch) END`,
    // A dynamic field's values as a list of strings, whether the JSON holds a scalar or an array.
    `CREATE OR REPLACE MACRO hs_values(doc, pointer) AS CASE json_type(doc, pointer) WHEN 'ARRAY' THEN json_extract_string(json_extract(doc, pointer), '$[*]') WHEN 'OBJECT' THEN NULL ELSE [json_extract_string(doc, pointer)] END`,
    `CREATE TEMP TABLE IF NOT EXISTS ${STAGING} (${STAGED_NUMBERS.map((n) => `${n} BIGINT`).join(', ')}, packed VARCHAR, ${STAGED_TEXTS.map((n) => `${n} VARCHAR`).join(', ')}, patch_full BOOLEAN, pos INTEGER)`,
  ];
}

/** SQL that moves the staging rows not already stored into the table. */
export function insertFromStagingSql(minDedup: string, maxDedup: string): string {
  return `INSERT INTO ${TABLE} ${newStagedRowsSql(minDedup, maxDedup)}`;
}

/** SQL selecting the staging rows that pass `where` (over `s`, the staging row) as rows of the table: its columns, in its order. */
export function stagedRowsSql(where: string): string {
  const select = COLUMN_NAMES.map((n) => (PACKED.includes(n) ? `p[${PACKED.indexOf(n) + 1}] AS ${n}` : n === 'level' ? 'CAST(level AS INTEGER) AS level' : n)).join(', ');
  return `SELECT ${select} FROM (SELECT *, from_json(packed, '["VARCHAR"]') AS p FROM ${STAGING}) s WHERE ${where}`;
}

/** SQL selecting the staging rows not already stored (those insertFromStagingSql moves), as rows of the table. */
export function newStagedRowsSql(minDedup: string, maxDedup: string): string {
  return stagedRowsSql(`NOT ${storedAlready(minDedup, maxDedup)}`);
}

/** SQL giving the staging positions (`pos`) of rows the table already holds: the documents a write reports as duplicates. */
export function duplicatesInStagingSql(minDedup: string, maxDedup: string): string {
  return `SELECT pos FROM (SELECT *, from_json(packed, '["VARCHAR"]') AS p FROM ${STAGING}) s WHERE ${storedAlready(minDedup, maxDedup)}`;
}

/** True for a staging row `s` whose document identity (core/ids.ts, in columns) is already in the table. */
function storedAlready(minDedup: string, maxDedup: string): string {
  const same = (c: string): string => `a.${c} IS NOT DISTINCT FROM s.${c}`;
  return (
    `EXISTS (SELECT 1 FROM ${TABLE} a WHERE a.dedup_ts BETWEEN ${minDedup} AND ${maxDedup} AND a.dedup_ts = s.dedup_ts ` +
    `AND a.log_stream = s.p[${PACKED.indexOf('log_stream') + 1}] AND a.log_group = s.p[${PACKED.indexOf('log_group') + 1}] ` +
    `AND ${same('alert_offset')} AND a.alert_id IS NOT DISTINCT FROM s.p[${PACKED.indexOf('alert_id') + 1}] ` +
    `AND (s.alert_offset IS NOT NULL OR s.p[${PACKED.indexOf('alert_id') + 1}] IS NOT NULL OR (${same('event_seq')} AND a.event_id IS NOT DISTINCT FROM s.p[${PACKED.indexOf('event_id') + 1}])))`
  );
}

export type RowValue = string | number | boolean | null;

/** A document as column values (in COLUMNS order), its deduplication key, and its dynamic fields. */
export interface Row {
  values: RowValue[];
  key: string;
  /** Non-column leaf paths (dotted) with their values, for the field catalog. */
  fields: Array<[string, unknown]>;
}

/** A document → a row. A value of a column's path with an unexpected type stays in the patch. */
export function rowFromDocument(indexed: IndexedDocument): Row {
  const doc = indexed.document;
  const values: RowValue[] = new Array<RowValue>(COLUMNS.length).fill(null);
  const rest = withoutColumns(doc, values);
  const ts = Date.parse(doc['@timestamp']);
  values[COL.ts] = ts;
  values[COL.message] = doc['@message'];

  const eventId = doc['@id'];
  const seq = eventSequence(eventId, ts);
  if (seq === undefined) values[COL.event_id] = eventId;
  else values[COL.event_seq] = seq;

  // The columns hold the document identity (core/ids.ts) in parts: an alert's usable id with the
  // time that places it (the id's epoch, else the day of its index), or the event id and time.
  const alertId = usableAlertId(doc['id']);
  const alertMs = alertId === undefined ? undefined : timeOfAlertId(alertId);
  values[COL.dedup_ts] = alertId === undefined ? ts : (alertMs ?? timeOfIndexName(indexed.index) ?? ts);
  if (alertId !== undefined) {
    const offset = alertMs === undefined ? undefined : alertOffset(alertId, alertMs);
    if (offset === undefined) values[COL.alert_id] = alertId;
    else values[COL.alert_offset] = offset;
  } else if (doc['id'] !== undefined) {
    rest['id'] = doc['id'];
  }

  const expanded = expandDottedKeys(rest);
  const base = messageJson(doc);
  const patch = base === undefined || containsNull(expanded) ? undefined : mergePatchBetween(withoutColumns(base, undefined), expanded);
  if (patch === undefined) {
    values[COL.patch_full] = true;
    values[COL.patch] = Object.keys(expanded).length > 0 ? JSON.stringify(expanded) : null;
  } else {
    values[COL.patch_full] = false;
    values[COL.patch] = Object.keys(patch).length > 0 ? JSON.stringify(patch) : null;
  }
  const fields: Array<[string, unknown]> = [];
  collectLeaves(expanded, '', fields);
  return { values, key: `${indexed.index}\u0000${indexed.id}`, fields };
}

/** The sequence of an event id in hidsmon's layout for this timestamp, or undefined. */
export function eventSequence(eventId: string, ts: number): number | undefined {
  if (eventId.length !== 56 || !/^\d+$/.test(eventId) || !Number.isSafeInteger(ts) || ts < 0) return undefined;
  const value = BigInt(eventId);
  if (value >> 144n !== BigInt(ts)) return undefined;
  const seq = value & ((1n << 144n) - 1n);
  return seq <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(seq) : undefined;
}

/** The offset of an alert id `<epoch>.<offset>` that prints back exactly, or undefined. */
function alertOffset(alertId: string, alertMs: number): number | undefined {
  const dot = alertId.indexOf('.');
  const offset = Number(alertId.slice(dot + 1));
  return Number.isSafeInteger(offset) && `${alertMs / 1000}.${offset}` === alertId ? offset : undefined;
}

/** The alert JSON inside the message, where the document was made from one. */
function messageJson(doc: AlertDocument): JsonObject | undefined {
  const format = doc.hidsmon?.format;
  if (format !== 'ossec-json' && format !== 'wazuh-json') return undefined;
  const message = doc['@message'];
  try {
    const parsed: unknown = JSON.parse(message.slice(message.indexOf('{')));
    return isPlainObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A shallow copy of a document without its column paths. With `values`, the column values are
 * taken out into it; a value whose type does not fit its column stays in the copy.
 */
function withoutColumns(doc: JsonObject, values: RowValue[] | undefined): JsonObject {
  const rest: JsonObject = {};
  for (const key of Object.keys(doc)) {
    const value = doc[key];
    if (value === undefined) continue;
    const nested = NESTED_COLUMN_KEYS.get(key);
    if (nested && isPlainObject(value)) {
      const inner: JsonObject = {};
      let kept = false;
      for (const k of Object.keys(value)) {
        if (nested.has(k) && (values === undefined || takeColumn(`${key}.${k}`, value[k], values))) continue;
        setOwn(inner, k, value[k]);
        kept = true;
      }
      if (kept) setOwn(rest, key, inner);
    } else if (TOP_COLUMN_KEYS.has(key) && (values === undefined || key === '@id' || key === 'id' || takeColumn(key, value, values))) {
      continue;
    } else {
      setOwn(rest, key, value);
    }
  }
  return rest;
}

function takeColumn(path: string, value: unknown, values: RowValue[]): boolean {
  const column = COLUMN_OF_PATH.get(path);
  if (column === undefined) return false;
  if (column === 'ts' || column === 'message') return true;
  if (LIST_PATHS.has(path)) {
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v !== '' && !v.includes(','))) return false;
    values[COL[column]] = value.join(',');
    return true;
  }
  if (column === 'level' || column === 'sidid') {
    if (!Number.isSafeInteger(value) || (column === 'level' && Math.abs(value as number) > 2 ** 31 - 1)) return false;
    values[COL[column]] = value as number;
    return true;
  }
  if (typeof value !== 'string') return false;
  values[COL[column]] = value;
  return true;
}

/** The RFC 7396 merge patch that turns `base` into `target` (`null` deletes). */
export function mergePatchBetween(base: JsonObject, target: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(base)) if (!Object.hasOwn(target, key)) setOwn(patch, key, null);
  for (const key of Object.keys(target)) {
    const want = target[key];
    if (!Object.hasOwn(base, key)) {
      setOwn(patch, key, want);
      continue;
    }
    const have = base[key];
    if (isPlainObject(want) && isPlainObject(have)) {
      const inner = mergePatchBetween(have, want);
      if (Object.keys(inner).length > 0) setOwn(patch, key, inner);
    } else if (!sameJson(have, want)) setOwn(patch, key, want);
  }
  return patch;
}

/** RFC 7396: applies a merge patch. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  // Spread copies every own key, `__proto__` too; reads and writes below touch own keys only.
  const out: JsonObject = isPlainObject(target) ? { ...target } : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) delete out[key];
    else setOwn(out, key, applyMergePatch(ownValue(out, key), value));
  }
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A merge patch cannot say "set to null"; such documents keep all their fields in the patch. */
function containsNull(value: unknown): boolean {
  if (value === null) return true;
  if (Array.isArray(value)) return value.some(containsNull);
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) if (containsNull(value[key])) return true;
  }
  return false;
}

/** OpenSearch expands `{"a.b": 1}` to `{"a": {"b": 1}}`; so does the store, so that paths mean one thing. */
export function expandDottedKeys(value: JsonObject): JsonObject {
  let dotted = false;
  for (const key of Object.keys(value)) if (key.includes('.') || isPlainObject(value[key])) dotted = true;
  if (!dotted) return value;
  const out: JsonObject = {};
  for (const key of Object.keys(value)) {
    let v = value[key];
    if (isPlainObject(v)) v = expandDottedKeys(v);
    const parts = key.includes('.') && !key.startsWith('.') && !key.endsWith('.') && !key.includes('..') ? key.split('.') : [key];
    let node = out;
    for (let i = 0; i < parts.length - 1; i++) {
      const part = parts[i] as string;
      let next = ownValue(node, part);
      if (!isPlainObject(next)) {
        next = {};
        setOwn(node, part, next);
      }
      node = next as JsonObject;
    }
    const last = parts[parts.length - 1] as string;
    const have = ownValue(node, last);
    setOwn(node, last, isPlainObject(have) && isPlainObject(v) ? { ...have, ...v } : v);
  }
  return out;
}

function collectLeaves(value: JsonObject, prefix: string, out: Array<[string, unknown]>): void {
  for (const key of Object.keys(value)) {
    const v = value[key];
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(v)) collectLeaves(v, path, out);
    else out.push([path, v]);
  }
}

/**
 * The SELECT list of a read that needs only `fields` (all kept in columns): the message and patch
 * are read only for rows where a numeric column of those fields is NULL (its value may be one the
 * column could not hold, kept in the message). Undefined when a field is not in a column.
 */
export function projectedColumns(fields: readonly string[]): string[] | undefined {
  return projectedExpressions(fields)?.map((expr, i) => (expr === COLUMN_NAMES[i] ? expr : `${expr} AS ${COLUMN_NAMES[i]}`));
}

/**
 * A row read as ONE string, a JSON array of its columns in COLUMNS order (those `fields` need, the
 * others null, as projectedColumns reads them), for rowFromPacked: every string read costs a call
 * across into JavaScript, so that a streamed export reads one string per row instead of twenty.
 * The values come back the same (integers as numbers, as documentFromRow makes them).
 */
export function packedRowSql(fields: readonly string[] | undefined): string {
  return `json_array(${((fields && projectedExpressions(fields)) ?? COLUMN_NAMES).join(', ')})`;
}

export function rowFromPacked(text: string): unknown[] {
  return JSON.parse(text) as unknown[];
}

/** Each column's SQL as projectedColumns reads it: the column, or NULL when not needed. */
function projectedExpressions(fields: readonly string[]): string[] | undefined {
  const numeric: ColumnName[] = [];
  const read = new Set<ColumnName>(IDENTITY_COLUMNS);
  for (const field of fields) {
    const path = field.endsWith('.keyword') ? field.slice(0, -'.keyword'.length) : field;
    if (path === '@id' || path === 'id' || path === '@timestamp') continue;
    const column = COLUMN_OF_PATH.get(path);
    if (column === undefined || column === 'message') return undefined;
    read.add(column);
    if (column === 'level' || column === 'sidid') numeric.push(column);
  }
  const needed = numeric.length === 0 ? 'FALSE' : numeric.map((c) => `${c} IS NULL`).join(' OR ');
  // Every string read costs a call across into JavaScript: the columns not asked for are not read.
  return COLUMN_NAMES.map((name) => (name === 'message' || name === 'patch' ? `CASE WHEN ${needed} THEN ${name} END` : read.has(name) ? name : 'NULL'));
}

/** What a hit's time, ids and index are made of (documentFromRow), read whatever the fields. */
const IDENTITY_COLUMNS: readonly ColumnName[] = ['ts', 'event_seq', 'event_id', 'dedup_ts', 'alert_offset', 'alert_id', 'log_group', 'log_stream', 'patch_full'];

/** A row read back (columns in COLUMNS order) → the hit's index, id and document. */
export function documentFromRow(row: readonly unknown[]): IndexedDocument {
  const read = readRow(row);
  return { index: read.index, id: read.id(), document: read.document };
}

/**
 * As documentFromRow, with the hit's id computed when first read: an export's CSV and columns
 * never read it, and for an alert it is a hash (alertDocumentId), a good part of a row's cost.
 */
export function documentFromRowLazily(row: readonly unknown[]): IndexedDocument {
  const read = readRow(row);
  let id: string | undefined;
  return {
    index: read.index,
    get id(): string {
      return (id ??= read.id());
    },
    document: read.document,
  };
}

function rowNumber(row: readonly unknown[], c: ColumnName): number | undefined {
  const value = row[COL[c]];
  return value === null || value === undefined ? undefined : Number(value);
}

function rowText(row: readonly unknown[], c: ColumnName): string | undefined {
  const value = row[COL[c]];
  return typeof value === 'string' ? value : undefined;
}

function readRow(row: readonly unknown[]): { index: string; id: () => string; document: AlertDocument } {
  const ts = rowNumber(row, 'ts') as number;
  const message = rowText(row, 'message');
  const patchText = rowText(row, 'patch');
  const patch: unknown = patchText === undefined ? {} : JSON.parse(patchText);
  let doc: JsonObject;
  if (row[COL.patch_full] === true) doc = patch as JsonObject;
  // A projection that read no message (projectedColumns): the document of the columns alone.
  else if (message === undefined) doc = {};
  else {
    const base = withoutColumns(JSON.parse(message.slice(message.indexOf('{'))) as JsonObject, undefined);
    doc = applyMergePatch(base, patch) as JsonObject;
  }
  const seq = rowNumber(row, 'event_seq');
  const eventId = seq === undefined ? (rowText(row, 'event_id') as string) : cloudWatchEventId(ts, seq);
  const offset = rowNumber(row, 'alert_offset');
  const dedup = rowNumber(row, 'dedup_ts') as number;
  const alertId = offset === undefined ? rowText(row, 'alert_id') : `${dedup / 1000}.${offset}`;
  doc['@id'] = eventId;
  if (alertId !== undefined) doc['id'] = alertId;
  for (const column of COLUMNS) {
    if (column.path === undefined) continue;
    let value = row[COL[column.name]];
    if (value === null || value === undefined) continue;
    if (column.name === 'ts') value = toIsoTimestamp(ts);
    else if (LIST_PATHS.has(column.path)) value = String(value).split(',');
    else if (typeof value === 'bigint') value = Number(value);
    setNested(doc, column.path, value);
  }
  if (!isPlainObject(ownValue(doc, 'hidsmon'))) doc['hidsmon'] = {};
  const logGroup = rowText(row, 'log_group') as string;
  const logStream = rowText(row, 'log_stream') as string;
  return {
    index: indexNameForTime(alertId !== undefined ? dedup : ts),
    id: () => (alertId !== undefined ? alertDocumentId(logGroup, logStream, alertId) : eventId),
    document: doc as AlertDocument,
  };
}

/** `@`-fields are top-level names with no nesting; others nest on dots. */
function setNested(doc: JsonObject, path: string, value: unknown): void {
  if (path.startsWith('@')) {
    doc[path] = value;
    return;
  }
  const parts = path.split('.');
  let node = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    let next = ownValue(node, part);
    if (!isPlainObject(next)) {
      next = {};
      setOwn(node, part, next);
    }
    node = next as JsonObject;
  }
  setOwn(node, parts[parts.length - 1] as string, value);
}
