/**
 * @module The embedded store's hit order as SQL: ORDER BY and the search_after condition for a
 * SortSpec, in OpenSearch's order (numbers by number, addresses by address, keywords by their bytes,
 * a list by its least value ascending and its greatest descending, missing values last), with
 * @timestamp and the event id as tie-breakers.
 */
import { ipSortKey } from '../../core/ip.js';
import type { SqlField, SqlParams } from '../../query/compile/to-sql.js';
import { sortsByField, type QueryError, type SortKey, type SortSpec, type SortValue } from '../../query/search-api.js';
import { eventSequence } from './schema.js';

export interface HitOrder {
  /** SQL of the sorted field's value as hits report it (none when sorted by time). */
  value?: string;
  orderBy: string;
  /** The condition that keeps the hits after `key`, or a QueryError when the key does not fit this sort. */
  after(key: SortKey, params: SqlParams): string | QueryError;
  /** A row's sort key from its value (as `value` selected it), time and event id. */
  key(value: unknown, ts: number, id: string): SortKey;
}

const NUMERIC = new Set(['integer', 'long', 'double', 'date']);

/** The order of hits for `sort` (undefined: newest first); `field` is the sorted field's SQL, undefined when the index has never seen it. */
export function hitOrder(sort: SortSpec | undefined, field: SqlField | undefined, params: SqlParams, ipKeyFunction: string): HitOrder {
  if (sort === undefined || !sortsByField(sort)) return timeOrder(sort?.order ?? 'desc');
  const ties = timeOrder('desc');
  const sorted = sortedValue(field, sort.order, params, ipKeyFunction);
  const dir = sort.order === 'asc' ? 'ASC' : 'DESC';
  const beyond = sort.order === 'asc' ? '>' : '<';
  const type = field?.type;
  return {
    value: sorted.value,
    orderBy: `${sorted.order} ${dir} NULLS LAST, ${ties.orderBy}`,
    after(key, p) {
      if (key.length !== 3) return { kind: 'request', message: `search_after has three parts when hits are sorted by ${sort.field}: [value, timestamp_ms, "@id"], the sort of the last hit.` };
      const [value, ts, id] = key;
      const tie = ties.after([ts, id], p) as string;
      if (value === null) return `(${sorted.order} IS NULL AND ${tie})`;
      const bound = orderValue(value, type);
      if (bound === undefined) return { kind: 'request', message: `search_after's first value does not fit ${sort.field}.` };
      const b = p.add(bound);
      return `(${sorted.order} IS NULL OR ${sorted.order} ${beyond} ${b} OR (${sorted.order} = ${b} AND ${tie}))`;
    },
    key: (value, ts, id) => [reportedValue(value, type), ts, id],
  };
}

/** Time then event id, both in `order` (ids kept as sequence numbers first, as their text sorts). */
function timeOrder(order: 'asc' | 'desc'): HitOrder {
  const desc = order === 'desc';
  return {
    orderBy: desc ? 'ts DESC, event_seq DESC NULLS LAST, event_id DESC' : 'ts ASC, event_seq ASC NULLS FIRST, event_id ASC',
    after(key, p) {
      if (key.length !== 2) return { kind: 'request', message: 'search_after has two parts when hits are sorted by time: [timestamp_ms, "@id"], the sort of the last hit.' };
      const [ts, id] = key;
      const seq = eventSequence(id, ts);
      const t = p.add(ts);
      if (desc) {
        return seq === undefined
          ? `(ts < ${t} OR (ts = ${t} AND event_seq IS NULL AND event_id < ${p.add(id)}))`
          : `(ts < ${t} OR (ts = ${t} AND (event_seq IS NULL OR event_seq < ${p.add(seq)})))`;
      }
      return seq === undefined
        ? `(ts > ${t} OR (ts = ${t} AND (event_seq IS NOT NULL OR event_id > ${p.add(id)})))`
        : `(ts > ${t} OR (ts = ${t} AND event_seq > ${p.add(seq)}))`;
    },
    key: (_value, ts, id) => [ts, id],
  };
}

/** SQL of the value ordered by, and of the value reported (an address is ordered by its key, reported as text). */
function sortedValue(field: SqlField | undefined, order: 'asc' | 'desc', params: SqlParams, ipKeyFunction: string): { order: string; value: string } {
  // Not a literal NULL: DuckDB refuses to ORDER BY one.
  if (!field) return { order: 'CAST(NULL AS VARCHAR)', value: 'NULL' };
  const expr = field.expr(params);
  if (!field.multi) {
    const indexed = field.ignoreAbove === undefined ? expr : `(CASE WHEN length(${expr}) <= ${field.ignoreAbove} THEN ${expr} END)`;
    return field.type === 'ip' ? { order: ipKeySql(indexed, ipKeyFunction), value: indexed } : { order: indexed, value: indexed };
  }
  // A list sorts by its least value ascending, its greatest descending (OpenSearch's sort mode).
  let element = 'x';
  // A date is epoch milliseconds or an ISO 8601 text.
  if (field.type === 'date') element = 'coalesce(TRY_CAST(x AS DOUBLE), epoch_ms(TRY_CAST(x AS TIMESTAMPTZ)))';
  else if (NUMERIC.has(field.type)) element = 'TRY_CAST(x AS DOUBLE)';
  else if (field.type === 'ip') element = `${ipKeyFunction}(x)`;
  const kept = field.ignoreAbove === undefined ? expr : `list_filter(${expr}, x -> length(x) <= ${field.ignoreAbove})`;
  const pick = `${order === 'asc' ? 'list_min' : 'list_max'}(list_transform(${kept}, x -> ${element}))`;
  return { order: pick, value: pick };
}

/** IPv4 as core/ip.ts's IPV4 reads it (no leading zeros): its key is computed in SQL. */
const IPV4_SQL_PATTERN = "'(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])([.](25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}'";

/**
 * An address's sort key (ipSortKey's 32 hex digits): IPv4, by far the most common, in SQL (the
 * IPv4-mapped IPv6 key, ::ffff:a.b.c.d), anything else by the registered function, which a sort
 * would otherwise call for every matching row.
 */
function ipKeySql(expr: string, ipKeyFunction: string): string {
  const octet = (i: number): string => `CAST(split_part(${expr}, '.', ${i}) AS BIGINT)`;
  const v4 = `'00000000000000000000ffff' || printf('%08x', ${octet(1)} * 16777216 + ${octet(2)} * 65536 + ${octet(3)} * 256 + ${octet(4)})`;
  return `(CASE WHEN regexp_full_match(${expr}, ${IPV4_SQL_PATTERN}) THEN ${v4} ELSE ${ipKeyFunction}(${expr}) END)`;
}

/** A reported value as the ORDER BY compares it. */
function orderValue(value: SortValue, type: string | undefined): string | number | undefined {
  if (type === 'ip') return typeof value === 'string' ? (ipSortKey(value) ?? (/^[0-9a-f]{32}$/.test(value) ? value : undefined)) : undefined;
  if (type === 'boolean') return value === 1 || value === 'true' ? 'true' : value === 0 || value === 'false' ? 'false' : undefined;
  if (type !== undefined && NUMERIC.has(type)) return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** A row's value as hits report it: numbers as numbers, booleans as 1/0 (as OpenSearch does), missing as null. */
function reportedValue(value: unknown, type: string | undefined): SortValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  if (type === 'boolean') return value === 'true' || value === true ? 1 : 0;
  return String(value);
}
