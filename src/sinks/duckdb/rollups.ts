/**
 * @module The embedded store's rollups: alert counts per quarter hour and per UTC day (of
 * `@timestamp`), in total and per value of the dashboard's fields, kept in the same transaction as
 * the rows they count (written, deleted), so that the dashboard's panels over an unfiltered query
 * cost what the number of days costs, not the number of alerts: whole days come from the daily
 * level, the whole quarter hours of a range's partial days from the quarter hours, the partial
 * quarter hours at its edges from the rows. Pure: SQL text and plans; the store runs them.
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
export const DAY_TABLE = 'hs_rollup_day';
export const DAY_MS = 86_400_000;
const STATE_TABLE = 'hs_rollup_state';
/** Scratch table (per connection, TEMP) of one write's counts per quarter hour, before they go to both levels. */
const DELTA_TABLE = 'hs_rollup_delta';
/** Bump when the dimensions or their values change: a store opened with another version rebuilds its rollup from the rows. */
export const ROLLUP_VERSION = 3;

/** A rolled-up field: its number in the table, and the SQL type its values are read back as. */
export interface RollupDimension {
  dim: number;
  /** The aggregatable field (after aggregatableField: `rule.comment.keyword`). */
  field: string;
  sqlType: 'INTEGER' | 'BIGINT' | 'VARCHAR';
}

/** Dimension 0 is the count itself (value ''); the others are the fields the dashboard groups by. */
export const TOTAL_DIM = 0;
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
    ...LEVELS.map((l) => `CREATE TABLE IF NOT EXISTS ${l.table} (${l.key} BIGINT NOT NULL, dim UTINYINT NOT NULL, v VARCHAR NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (${l.key}, dim, v))`),
    `CREATE TABLE IF NOT EXISTS ${STATE_TABLE} (version INTEGER NOT NULL)`,
    `CREATE TEMP TABLE IF NOT EXISTS ${DELTA_TABLE} (slot BIGINT NOT NULL, dim UTINYINT NOT NULL, v VARCHAR NOT NULL, n BIGINT NOT NULL)`,
  ];
}

/** The rollup's two levels: quarter hours (histograms in any zone, a range's partial days) and UTC days (the whole days of a range). */
const LEVELS = [
  { table: ROLLUP_TABLE, key: 'slot', ms: SLOT_MS },
  { table: DAY_TABLE, key: 'day', ms: DAY_MS },
] as const;

/** A change to the rollup: run `count` (with the parameters of `rows`), then each of `levels` (none), then `clear`. */
export interface RollupDelta {
  /** Counts the rows once, per quarter hour, dimension and value, into the scratch table: the one pass over the rows. */
  count: string;
  /** One statement per level, in DELTA_LEVELS order: adds the counts to it, RETURNING (key, dim, v, n) as they now stand. */
  levels: readonly string[];
  /** Empties the scratch table for the next change (a rolled-back transaction leaves it empty too). */
  clear: string;
}

/**
 * The statements that add (`sign` 1) or take away (-1) the counts of `rows`, a SELECT of rows shaped
 * as the table's (at least ts and the dimensions' columns), at each level. The rows are read and
 * grouped once, into quarter hours; the days are summed from those (a day is whole quarter hours),
 * not from the rows again. Takings-away leave zero counts: run DROP_EMPTY_STATEMENTS after them.
 */
export function rollupDelta(rows: string, sign: 1 | -1): RollupDelta {
  const dims = [TOTAL_DIM, ...ROLLUP_DIMENSIONS.map((d) => d.dim)];
  const values = ["''", ...ROLLUP_DIMENSIONS.map((d) => `CAST(${VALUE_SQL.get(d.dim) as string} AS VARCHAR)`)];
  const [slot, day] = LEVELS;
  // The start of the slot or day a time is in, rounded down (`//` rounds toward zero: times before 1970 would go to the next one).
  const start = (ts: string, ms: number): string => `${ts} - ((${ts} % ${ms}) + ${ms}) % ${ms}`;
  const upsert = (l: (typeof LEVELS)[number], select: string): string =>
    `INSERT INTO ${l.table} ${select} ON CONFLICT (${l.key}, dim, v) DO UPDATE SET n = n + excluded.n RETURNING ${l.key}, dim, v, n`;
  return {
    count:
      `INSERT INTO ${DELTA_TABLE} SELECT ${start('ts', slot.ms)} AS slot, dim, v, ${sign} * count(*) AS n ` +
      `FROM (SELECT ts, unnest([${dims.join(', ')}]) AS dim, unnest([${values.join(', ')}]) AS v FROM (${rows}) r) WHERE v IS NOT NULL GROUP BY ALL`,
    levels: [
      upsert(slot, `SELECT slot, dim, v, n FROM ${DELTA_TABLE}`),
      upsert(day, `SELECT ${start('slot', day.ms)} AS day, dim, v, sum(n) AS n FROM ${DELTA_TABLE} GROUP BY ALL`),
    ],
    clear: `DELETE FROM ${DELTA_TABLE}`,
  };
}

/** All of a delta's statements in order, for a caller that wants none of their rows and passes no parameters. */
export const deltaStatements = (delta: RollupDelta): string[] => [delta.count, ...delta.levels, delta.clear];

/** Which level each of a RollupDelta's `levels` writes (their RETURNING rows are (key, dim, v, n) of that level). */
export const DELTA_LEVELS: readonly RollupLevel[] = ['slot', 'day'];
export type RollupLevel = 'slot' | 'day';

/** Every row of a level, (key, dim, v, n), of the dimensions `dims`: what an in-memory copy (rollup-mirror.ts) loads. */
export function levelRowsSql(level: RollupLevel, dims: readonly number[]): string {
  const l = LEVELS[level === 'slot' ? 0 : 1];
  return `SELECT ${l.key}, dim, v, n FROM ${l.table} WHERE dim IN (${dims.map((d) => Number(d)).join(', ') || 'NULL'})`;
}

/** The number of rows of each dimension at each level: (level 0 slot / 1 day, dim, rows). */
export const LEVEL_SIZES_SQL = LEVELS.map((l, i) => `SELECT ${i} AS level, dim, count(*) AS rows FROM ${l.table} GROUP BY dim`).join(' UNION ALL ');

/**
 * SQL of the rows at a coverage's edges (its raw spans) grouped as the rollup counts them: (ts,
 * then each dimension's value as the rollup's text, NULL where a row has none, then the count).
 * One statement for every aggregation of a request.
 */
export function edgeRowsSql(spans: readonly Span[], params: SqlParams): string {
  return `SELECT ts, ${ROLLUP_DIMENSIONS.map((d) => `v${d.dim}`).join(', ')}, count(*) FROM (${edgeSelects(spans, params)}) GROUP BY ALL`;
}

/**
 * The same rows one by one (each with a count of 1), at most `limit`: a range's edges seldom hold
 * more than a few thousand rows, and DuckDB's GROUP BY cost more than the rest of an unfiltered
 * dashboard (~1.5 of 2.6 ms at 10,000,000 alerts); more than `limit`, and the grouped SQL answers.
 */
export function edgeRowsUngroupedSql(spans: readonly Span[], params: SqlParams, limit: number): string {
  return `SELECT ts, ${ROLLUP_DIMENSIONS.map((d) => `v${d.dim}`).join(', ')}, 1 FROM (${edgeSelects(spans, params)}) LIMIT ${params.add(limit)}`;
}

function edgeSelects(spans: readonly Span[], params: SqlParams): string {
  const values = ROLLUP_DIMENSIONS.map((d) => `CAST(${VALUE_SQL.get(d.dim) as string} AS VARCHAR) AS v${d.dim}`).join(', ');
  // One SELECT per edge: a single range on ts lets DuckDB skip the row groups outside it.
  return spans.map((s) => `SELECT ts, ${values} FROM ${TABLE} WHERE ts >= ${params.add(s.fromMs)} AND ts < ${params.add(s.toMs)}`).join(' UNION ALL ');
}

export const DROP_EMPTY_STATEMENTS = LEVELS.map((l) => `DELETE FROM ${l.table} WHERE n = 0`);

/** Statements (one transaction) that make the rollup the counts of every row, marked current. */
export function rebuildRollupStatements(): string[] {
  return [...LEVELS.map((l) => `DELETE FROM ${l.table}`), ...deltaStatements(rollupDelta(`SELECT * FROM ${TABLE}`, 1)), `DELETE FROM ${STATE_TABLE}`, `INSERT INTO ${STATE_TABLE} VALUES (${ROLLUP_VERSION})`];
}

export const ROLLUP_VERSION_SQL = `SELECT max(version) FROM ${STATE_TABLE}`;

/** Epoch ms, from inclusive, to exclusive. */
export interface Span {
  fromMs: number;
  toMs: number;
}

/**
 * Which part of a request the rollup answers: for an unbounded request all of it; for a range,
 * the whole quarter hours (`slots`, from `firstSlot` to `endSlot`), of which the whole UTC days,
 * and the times at the edges outside whole slots, which the rows answer.
 */
export type RollupCoverage = { kind: 'all' } | { kind: 'range'; slots: Span; days: Span | undefined; raw: Span[] };

/** Where a count's parts come from: days from the daily level, slots from the quarter hours, raw from the rows. */
export interface Parts {
  days: Span | 'all' | undefined;
  slots: Span[] | 'all';
  raw: Span[];
}

/**
 * The coverage of a request whose query matches every document (the dashboard unfiltered), or
 * undefined: a filter the rollup has no dimensions for, or a range shorter than two slots (the
 * rows are as quick there).
 */
export function rollupCoverage(request: SearchRequest): RollupCoverage | undefined {
  if (!matchesEverything(request.query)) return undefined;
  const range = request.timeRange;
  if (range === undefined) return { kind: 'all' };
  // The range is inclusive at both ends: a slot [s, s + SLOT) is whole when from <= s and s + SLOT - 1 <= to.
  const firstSlot = Math.ceil(range.fromMs / SLOT_MS) * SLOT_MS;
  const endSlot = Math.floor((range.toMs + 1) / SLOT_MS) * SLOT_MS;
  if (endSlot - firstSlot < SLOT_MS) return undefined;
  const firstDay = Math.ceil(firstSlot / DAY_MS) * DAY_MS;
  const endDay = Math.floor(endSlot / DAY_MS) * DAY_MS;
  const raw = [
    { fromMs: range.fromMs, toMs: firstSlot },
    { fromMs: endSlot, toMs: range.toMs + 1 },
  ].filter((r) => r.toMs > r.fromMs);
  return { kind: 'range', slots: { fromMs: firstSlot, toMs: endSlot }, days: endDay > firstDay ? { fromMs: firstDay, toMs: endDay } : undefined, raw };
}

/** The parts of a coverage for counts at a grain (undefined: no grain, terms and totals): days only where a grain is whole days. */
export function partsOf(c: RollupCoverage, grainMs: number | undefined): Parts {
  const byDays = grainMs === undefined || grainMs % DAY_MS === 0;
  if (c.kind === 'all') return byDays ? { days: 'all', slots: [], raw: [] } : { days: undefined, slots: 'all', raw: [] };
  if (!byDays || c.days === undefined) return { days: undefined, slots: [c.slots], raw: c.raw };
  const slots = [
    { fromMs: c.slots.fromMs, toMs: c.days.fromMs },
    { fromMs: c.days.toMs, toMs: c.slots.toMs },
  ].filter((s) => s.toMs > s.fromMs);
  return { days: c.days, slots, raw: c.raw };
}

/**
 * SELECTs, to be joined by UNION ALL, of (k, v, n) over a coverage's parts: k the grain a time
 * falls in (NULL without a grain), v the dimension's value typed as the field's column (NULLs
 * included; the total's is ''), n a count. TRY_CAST: DuckDB may cast before it filters on `dim`,
 * and other dimensions' values are not numbers; within its own dimension every value is one.
 */
function partSelects(c: RollupCoverage, d: RollupDimension | undefined, grainMs: number | undefined, params: SqlParams): string[] {
  const parts = partsOf(c, grainMs);
  const g = grainMs === undefined ? undefined : params.add(grainMs);
  const key = (column: string): string => (g === undefined ? 'NULL' : `(${column} // ${g}) * ${g}`);
  const dim = d?.dim ?? TOTAL_DIM;
  const value = d === undefined ? "''" : `TRY_CAST(v AS ${d.sqlType})`;
  const within = (column: string, span: Span | 'all'): string => (span === 'all' ? '' : ` AND ${column} >= ${params.add(span.fromMs)} AND ${column} < ${params.add(span.toMs)}`);
  const selects: string[] = [];
  if (parts.days !== undefined) selects.push(`SELECT ${key('day')} AS k, ${value} AS v, n FROM ${DAY_TABLE} WHERE dim = ${dim}${within('day', parts.days)}`);
  for (const span of parts.slots === 'all' ? (['all'] as const) : parts.slots) selects.push(`SELECT ${key('slot')} AS k, ${value} AS v, n FROM ${ROLLUP_TABLE} WHERE dim = ${dim}${within('slot', span)}`);
  // One statement per edge: a single range on ts lets DuckDB skip the row groups outside it.
  for (const span of parts.raw) selects.push(`SELECT ${key('ts')} AS k, ${d === undefined ? "''" : (VALUE_SQL.get(d.dim) as string)} AS v, 1 AS n FROM ${TABLE} WHERE TRUE${within('ts', span)}`);
  return selects;
}

const union = (selects: string[]): string => selects.join(' UNION ALL ');

/** True for match_all, and a bool of nothing but match_alls to satisfy (an empty query with no filters, as the API builds it). */
export function matchesEverything(node: QueryNode): boolean {
  if (node.kind === 'match_all') return true;
  if (node.kind !== 'bool') return false;
  if (node.should.length > 0 || node.mustNot.length > 0 || (node.minimumShouldMatch ?? 0) > 0) return false;
  return [...node.must, ...node.filter].every(matchesEverything);
}

/** SQL of the number of documents in the coverage. */
export function totalSql(c: RollupCoverage, params: SqlParams): string {
  return `SELECT coalesce(sum(n), 0) FROM (${union(partSelects(c, undefined, undefined, params))})`;
}

/**
 * SQL of a terms aggregation's rows (value, count, the count of every document with a value), in
 * the order the rows' path gives them: `order` is that path's tie-break over `v`.
 */
export function termsSql(c: RollupCoverage, d: RollupDimension, order: string, size: number, params: SqlParams): string {
  return (
    `WITH c AS (SELECT v, sum(n) AS c FROM (${union(partSelects(c, d, undefined, params))}) WHERE v IS NOT NULL GROUP BY v) ` +
    `SELECT v, c, sum(c) OVER () AS n FROM c ORDER BY c DESC, ${order} ASC, v ASC LIMIT ${params.add(size)}`
  );
}

export function cardinalitySql(c: RollupCoverage, d: RollupDimension, params: SqlParams): string {
  return `SELECT count(DISTINCT v) FROM (${union(partSelects(c, d, undefined, params))}) WHERE v IS NOT NULL`;
}

/** True when histogram grains of this size are whole slots (and so are answered by them). */
export function slotsMakeGrains(grainMs: number): boolean {
  return grainMs >= SLOT_MS && grainMs % SLOT_MS === 0;
}

/** SQL of (grain start, count) rows: the histogram's counts at a grain of whole slots. */
export function histogramSql(c: RollupCoverage, grainMs: number, params: SqlParams): string {
  return `SELECT k, sum(n) FROM (${union(partSelects(c, undefined, grainMs, params))}) GROUP BY k`;
}

/** SQL of (grain start, value, count) rows: a histogram's terms sub-aggregation at a grain of whole slots. */
export function histogramTermsSql(c: RollupCoverage, d: RollupDimension, grainMs: number, params: SqlParams): string {
  return `SELECT k, v, sum(n) FROM (${union(partSelects(c, d, grainMs, params))}) WHERE v IS NOT NULL GROUP BY k, v`;
}

/** One aggregation of a batch: terms (top `size` in the rows' order, `order` its tie-break over `v`) or cardinality, on a rolled-up field. */
export type BatchItem = { kind: 'terms'; dimension: RollupDimension; size: number; order: string } | { kind: 'cardinality'; dimension: RollupDimension };

/**
 * SQL answering the total (item -1) and every item in ONE statement, as rows (item, rank, value as
 * text, count, count of every document with a value): a statement costs about as much to start as
 * to run over the rollup, so the dashboard's panels share one.
 */
export function batchSql(c: RollupCoverage, items: readonly BatchItem[], params: SqlParams): string {
  const selects = [`SELECT -1 AS i, 0 AS r, NULL::VARCHAR AS v, coalesce(sum(n), 0)::HUGEINT AS c, NULL::HUGEINT AS n FROM (${union(partSelects(c, undefined, undefined, params))})`];
  items.forEach((item, i) => {
    const values = `(${union(partSelects(c, item.dimension, undefined, params))})`;
    if (item.kind === 'cardinality') selects.push(`SELECT ${i} AS i, 0 AS r, NULL::VARCHAR AS v, count(DISTINCT v)::HUGEINT AS c, NULL::HUGEINT AS n FROM ${values} WHERE v IS NOT NULL`);
    else
      selects.push(
        `SELECT ${i} AS i, r, CAST(v AS VARCHAR) AS v, c::HUGEINT AS c, n::HUGEINT AS n FROM (SELECT v, c, sum(c) OVER () AS n, row_number() OVER (ORDER BY c DESC, ${item.order} ASC, v ASC) AS r ` +
          `FROM (SELECT v, sum(n) AS c FROM ${values} WHERE v IS NOT NULL GROUP BY v)) WHERE r <= ${params.add(item.size)}`,
      );
  });
  return selects.map((s) => `(${s})`).join(' UNION ALL ');
}
