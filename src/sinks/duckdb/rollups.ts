/**
 * @module The embedded store's rollups: alert counts per quarter hour (of `@timestamp`) in total
 * and per value of the dashboard's fields, kept in the same transaction as the rows they count
 * (written, deleted), so that the dashboard's panels over an unfiltered query cost what the number
 * of quarter hours costs, not the number of alerts: whole quarter hours come from the rollup, the
 * partial ones at a range's edges from the rows. Pure: SQL text and plans; the store runs them.
 *
 * Why a quarter hour: every time-zone offset in use is a whole number of quarter hours, so a
 * histogram in any zone (Asia/Kolkata's +5:30, Asia/Kathmandu's +5:45) with an interval of whole
 * quarter hours groups whole slots, and is exact from the rollup.
 */
import type { QueryNode } from '../../query/ast.js';
import type { SqlField, SqlParams } from '../../query/compile/to-sql.js';
import { aggregatableField } from '../../query/fields.js';
import type { SearchRequest } from '../../query/search-api.js';
import { DuckDbFieldResolver } from './field-resolver.js';
import { TABLE } from './schema.js';

export const SLOT_MS = 900_000;
export const ROLLUP_TABLE = 'hs_rollup';
const STATE_TABLE = 'hs_rollup_state';
/** Bump when the dimensions or their values change: a store opened with another version rebuilds its rollup from the rows. */
export const ROLLUP_VERSION = 1;

/** A rolled-up field: its number in the table, and the SQL type its values are read back as. */
export interface RollupDimension {
  dim: number;
  /** The aggregatable field (after aggregatableField: `rule.comment.keyword`). */
  field: string;
  sqlType: 'INTEGER' | 'BIGINT' | 'VARCHAR';
}

/** Dimension 0 is the count itself (value ''); the others are the fields the dashboard groups by. */
const TOTAL_DIM = 0;
export const ROLLUP_DIMENSIONS: readonly RollupDimension[] = [
  { dim: 1, field: 'rule.level', sqlType: 'INTEGER' },
  { dim: 2, field: 'rule.sidid', sqlType: 'BIGINT' },
  { dim: 3, field: 'rule.comment.keyword', sqlType: 'VARCHAR' },
  { dim: 4, field: 'srcip', sqlType: 'VARCHAR' },
  { dim: 5, field: '@log_stream', sqlType: 'VARCHAR' },
];

/** Schema fields only: their SQL is the same whatever dynamic fields the store has seen. */
const SCHEMA_RESOLVER = new DuckDbFieldResolver(new Map());

/** The dimension that answers terms or cardinality on a field (any spelling aggregatableField accepts), if any. */
export function rollupDimension(field: string): RollupDimension | undefined {
  const name = aggregatableField(field);
  return ROLLUP_DIMENSIONS.find((d) => d.field === name);
}

/**
 * A field's values as one row each, as terms and cardinality count them: lists unnested, values
 * beyond ignore_above left out. The one definition for the rows and for the rollup.
 */
export function aggregationValuesSql(field: SqlField, params: SqlParams): string {
  const expr = field.multi ? `unnest(${field.expr(params)})` : field.expr(params);
  return field.ignoreAbove === undefined ? expr : `(CASE WHEN length(${expr}) <= ${field.ignoreAbove} THEN ${expr} END)`;
}

function dimensionValueSql(d: RollupDimension): string {
  const field = SCHEMA_RESOLVER.field(d.field);
  if (field === undefined || field.multi) throw new Error(`rollup dimension ${d.field} must be a single-valued schema column`);
  // Column fields take no parameters; a throwaway collector proves it.
  const params = { add: () => { throw new Error(`rollup dimension ${d.field} needs a parameter`); } } as unknown as SqlParams;
  return aggregationValuesSql(field, params);
}

const VALUE_SQL: ReadonlyMap<number, string> = new Map(ROLLUP_DIMENSIONS.map((d) => [d.dim, dimensionValueSql(d)]));

export function rollupStatements(): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${ROLLUP_TABLE} (slot BIGINT NOT NULL, dim UTINYINT NOT NULL, v VARCHAR NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (slot, dim, v))`,
    `CREATE TABLE IF NOT EXISTS ${STATE_TABLE} (version INTEGER NOT NULL)`,
  ];
}

/**
 * SQL that adds (`sign` 1) or takes away (-1) the counts of `rows`, a SELECT of rows shaped as the
 * table's (at least ts and the dimensions' columns). Takings-away leave zero counts: run
 * `DROP_EMPTY_SLOTS_SQL` after them.
 */
export function rollupDeltaSql(rows: string, sign: 1 | -1): string {
  const dims = [TOTAL_DIM, ...ROLLUP_DIMENSIONS.map((d) => d.dim)];
  const values = ["''", ...ROLLUP_DIMENSIONS.map((d) => `CAST(${VALUE_SQL.get(d.dim) as string} AS VARCHAR)`)];
  return (
    `INSERT INTO ${ROLLUP_TABLE} SELECT (ts // ${SLOT_MS}) * ${SLOT_MS} AS slot, dim, v, ${sign} * count(*) AS n ` +
    `FROM (SELECT ts, unnest([${dims.join(', ')}]) AS dim, unnest([${values.join(', ')}]) AS v FROM (${rows}) r) WHERE v IS NOT NULL GROUP BY ALL ` +
    `ON CONFLICT (slot, dim, v) DO UPDATE SET n = n + excluded.n`
  );
}

export const DROP_EMPTY_SLOTS_SQL = `DELETE FROM ${ROLLUP_TABLE} WHERE n = 0`;

/** Statements (one transaction) that make the rollup the counts of every row, marked current. */
export function rebuildRollupStatements(): string[] {
  return [`DELETE FROM ${ROLLUP_TABLE}`, rollupDeltaSql(`SELECT * FROM ${TABLE}`, 1), `DELETE FROM ${STATE_TABLE}`, `INSERT INTO ${STATE_TABLE} VALUES (${ROLLUP_VERSION})`];
}

export const ROLLUP_VERSION_SQL = `SELECT max(version) FROM ${STATE_TABLE}`;

/**
 * Which part of a request the rollup answers: the whole slots `[fromSlot, toSlot)`, and the rows
 * at the edges (before the first whole slot, from the end of the last) that the rows answer.
 */
export interface RollupCoverage {
  /** SQL over the rollup's `slot`: the whole slots of the range. */
  slots: (params: SqlParams) => string;
  /** SQL over the rows' `ts`: the range's times outside whole slots (FALSE when none). */
  edges: (params: SqlParams) => string;
}

/**
 * The coverage of a request whose query matches every document (the dashboard unfiltered), or
 * undefined: a filter the rollup has no dimensions for, or a range shorter than two slots (the
 * rows are as quick there).
 */
export function rollupCoverage(request: SearchRequest): RollupCoverage | undefined {
  if (!matchesEverything(request.query)) return undefined;
  const range = request.timeRange;
  if (range === undefined) return { slots: () => 'TRUE', edges: () => 'FALSE' };
  // The range is inclusive at both ends: a slot [s, s + SLOT) is whole when from <= s and s + SLOT - 1 <= to.
  const first = Math.ceil(range.fromMs / SLOT_MS) * SLOT_MS;
  const end = Math.floor((range.toMs + 1) / SLOT_MS) * SLOT_MS;
  if (end - first < SLOT_MS) return undefined;
  return {
    slots: (p) => `slot >= ${p.add(first)} AND slot < ${p.add(end)}`,
    edges: (p) => `((ts >= ${p.add(range.fromMs)} AND ts < ${p.add(first)}) OR (ts >= ${p.add(end)} AND ts <= ${p.add(range.toMs)}))`,
  };
}

/** True for match_all, and a bool of nothing but match_alls to satisfy (an empty query with no filters, as the API builds it). */
export function matchesEverything(node: QueryNode): boolean {
  if (node.kind === 'match_all') return true;
  if (node.kind !== 'bool') return false;
  if (node.should.length > 0 || node.mustNot.length > 0 || (node.minimumShouldMatch ?? 0) > 0) return false;
  return [...node.must, ...node.filter].every(matchesEverything);
}

/** SQL of the number of documents in the coverage. */
export function totalSql(c: RollupCoverage, params: SqlParams): string {
  return `SELECT (SELECT coalesce(sum(n), 0) FROM ${ROLLUP_TABLE} WHERE dim = ${TOTAL_DIM} AND ${c.slots(params)}) + (SELECT count(*) FROM ${TABLE} WHERE ${c.edges(params)})`;
}

/** SQL of (value, count) rows of a dimension in the coverage: values typed as the field's column, NULLs included. */
function valueCountsSql(c: RollupCoverage, d: RollupDimension, params: SqlParams): string {
  return (
    `SELECT CAST(v AS ${d.sqlType}) AS v, n FROM ${ROLLUP_TABLE} WHERE dim = ${d.dim} AND ${c.slots(params)} ` +
    `UNION ALL SELECT ${VALUE_SQL.get(d.dim) as string} AS v, 1 AS n FROM ${TABLE} WHERE ${c.edges(params)}`
  );
}

/**
 * SQL of a terms aggregation's rows (value, count, the count of every document with a value), in
 * the order the rows' path gives them: `order` is that path's tie-break over `v`.
 */
export function termsSql(c: RollupCoverage, d: RollupDimension, order: string, size: number, params: SqlParams): string {
  return (
    `WITH c AS (SELECT v, sum(n) AS c FROM (${valueCountsSql(c, d, params)}) WHERE v IS NOT NULL GROUP BY v) ` +
    `SELECT v, c, sum(c) OVER () AS n FROM c ORDER BY c DESC, ${order} ASC, v ASC LIMIT ${params.add(size)}`
  );
}

export function cardinalitySql(c: RollupCoverage, d: RollupDimension, params: SqlParams): string {
  return `SELECT count(DISTINCT v) FROM (${valueCountsSql(c, d, params)}) WHERE v IS NOT NULL`;
}

/** True when histogram grains of this size are whole slots (and so are answered by them). */
export function slotsMakeGrains(grainMs: number): boolean {
  return grainMs >= SLOT_MS && grainMs % SLOT_MS === 0;
}

/** SQL of (grain start, count) rows: the histogram's counts at a grain of whole slots. */
export function histogramSql(c: RollupCoverage, grainMs: number, params: SqlParams): string {
  const g = params.add(grainMs);
  return (
    `SELECT k, sum(n) FROM (SELECT (slot // ${g}) * ${g} AS k, n FROM ${ROLLUP_TABLE} WHERE dim = ${TOTAL_DIM} AND ${c.slots(params)} ` +
    `UNION ALL SELECT (ts // ${g}) * ${g} AS k, 1 AS n FROM ${TABLE} WHERE ${c.edges(params)}) GROUP BY k`
  );
}

/** SQL of (grain start, value, count) rows: a histogram's terms sub-aggregation at a grain of whole slots. */
export function histogramTermsSql(c: RollupCoverage, d: RollupDimension, grainMs: number, params: SqlParams): string {
  const g = params.add(grainMs);
  return (
    `SELECT k, v, sum(n) FROM (SELECT (slot // ${g}) * ${g} AS k, CAST(v AS ${d.sqlType}) AS v, n FROM ${ROLLUP_TABLE} WHERE dim = ${d.dim} AND ${c.slots(params)} ` +
    `UNION ALL SELECT (ts // ${g}) * ${g} AS k, ${VALUE_SQL.get(d.dim) as string} AS v, 1 AS n FROM ${TABLE} WHERE ${c.edges(params)}) WHERE v IS NOT NULL GROUP BY k, v`
  );
}
