/** @module Field names → SQL over the embedded store's columns and its `extra` JSON, with their types. */
import type { SqlField, SqlFieldResolver, SqlParams } from '../../query/compile/to-sql.js';
import { DEFAULT_SEARCH_FIELDS, DYNAMIC_KEYWORD_IGNORE_ABOVE, fieldPatternMatcher, KEYWORD_SUBFIELD, SCHEMA_FIELDS, schemaField, type FieldType } from '../../query/fields.js';
import type { FieldInfo } from '../../query/search-api.js';
import { COLUMN_OF_PATH, EVENT_ID_FUNCTION, eventSequence, TABLE } from './schema.js';
import { timeOfAlertId } from '../../core/time.js';

const LIST_COLUMNS = new Set(['groups', 'flags']);

/** A JSON Pointer (RFC 6901) for a dotted path: every character of a key is addressable. */
export function jsonPointer(path: string): string {
  return `/${path.split('.').map((k) => k.replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
}

export class DuckDbFieldResolver implements SqlFieldResolver {
  /** Dynamic fields seen in `extra`, with the type their first value gave them (as OpenSearch's dynamic mapping). */
  constructor(private readonly dynamic: ReadonlyMap<string, FieldType>) {}

  field(name: string): SqlField | undefined {
    if (name === '@id') return EVENT_ID_FIELD;
    if (name === 'id') return ALERT_ID_FIELD;
    const column = COLUMN_OF_PATH.get(name);
    const spec = schemaField(name);
    if (column !== undefined && spec !== undefined) return columnField(name, spec.type, column);
    if (name.endsWith(`.${KEYWORD_SUBFIELD}`) && spec !== undefined) {
      const parent = name.slice(0, -KEYWORD_SUBFIELD.length - 1);
      const parentColumn = COLUMN_OF_PATH.get(parent);
      if (parentColumn !== undefined) return { ...columnField(name, 'keyword', parentColumn), ...(spec.ignoreAbove ? { ignoreAbove: spec.ignoreAbove } : {}) };
    }
    const type = spec?.type ?? this.dynamic.get(name);
    if (type === undefined || !this.dynamic.has(name)) return undefined;
    return {
      name,
      type,
      multi: true,
      ...(type === 'keyword' && spec === undefined ? { ignoreAbove: DYNAMIC_KEYWORD_IGNORE_ABOVE } : {}),
      expr: (params: SqlParams) => `hs_values(hs_doc(message, patch, patch_full), ${params.add(jsonPointer(name))})`,
    };
  }

  matching(pattern: string): SqlField[] {
    const matches = fieldPatternMatcher(pattern);
    return this.names()
      .filter(matches)
      .map((n) => this.field(n))
      .filter((f): f is SqlField => f !== undefined);
  }

  defaultFields(): SqlField[] {
    return DEFAULT_SEARCH_FIELDS.map((n) => this.field(n)).filter((f): f is SqlField => f !== undefined);
  }

  /** Every field name the index knows: the typed columns, their `.keyword`s, and the dynamic fields. */
  names(): string[] {
    const names = new Set<string>();
    for (const spec of SCHEMA_FIELDS) if (COLUMN_OF_PATH.has(spec.name) || COLUMN_OF_PATH.has(spec.name.replace(/\.keyword$/, ''))) names.add(spec.name);
    names.add('@id');
    names.add('id');
    for (const name of this.dynamic.keys()) names.add(name);
    return [...names].sort();
  }

  catalog(): FieldInfo[] {
    return this.names()
      .map((name) => this.field(name))
      .filter((f): f is SqlField => f !== undefined)
      .map((f) => ({ name: f.name, type: f.type, aggregatable: f.type !== 'text' }));
  }
}

function columnField(name: string, type: FieldType, column: string): SqlField {
  const multi = LIST_COLUMNS.has(column);
  return {
    name,
    type,
    multi,
    expr: () => (multi ? `string_split(${column}, ',')` : column),
    ...(type === 'ip' ? { distinctValues: () => `SELECT DISTINCT ${column} AS v FROM ${TABLE}` } : {}),
  };
}

/** `@id`: text, or a sequence number when the id has hidsmon's own layout (then found by ts and seq). */
const EVENT_ID_FIELD: SqlField = {
  name: '@id',
  type: 'keyword',
  multi: false,
  expr: () => `coalesce(event_id, ${EVENT_ID_FUNCTION}(ts, event_seq))`,
  equals: (value, params) => {
    const digits = /^\d{56}$/.test(value) ? BigInt(value) >> 144n : undefined;
    const ts = digits === undefined || digits > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(digits);
    const seq = ts === undefined ? undefined : eventSequence(value, ts);
    const text = `event_id = ${params.add(value)}`;
    return seq === undefined ? text : `((ts = ${params.add(ts as number)} AND event_seq = ${params.add(seq)}) OR ${text})`;
  },
};

/** `id`, the alert's own id: text, or `<dedup_ts / 1000>.<alert_offset>`. */
const ALERT_ID_FIELD: SqlField = {
  name: 'id',
  type: 'keyword',
  multi: false,
  expr: () => `coalesce(alert_id, CAST(dedup_ts // 1000 AS VARCHAR) || '.' || CAST(alert_offset AS VARCHAR))`,
  equals: (value, params) => {
    const ms = timeOfAlertId(value);
    const offset = ms === undefined ? undefined : Number(value.slice(value.indexOf('.') + 1));
    const text = `alert_id = ${params.add(value)}`;
    if (ms === undefined || offset === undefined || !Number.isSafeInteger(offset) || `${ms / 1000}.${offset}` !== value) return text;
    return `((dedup_ts = ${params.add(ms)} AND alert_offset = ${params.add(offset)}) OR ${text})`;
  },
};
