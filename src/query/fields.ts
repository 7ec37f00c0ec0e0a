/**
 * @module The index's field model, shared by both backends: which fields the document schema types
 * (ARCHITECTURE.md), how text fields are analyzed, and which fields free text searches.
 */

/** OpenSearch field types used by the `cwl-*` mapping. */
export type FieldType = 'text' | 'keyword' | 'integer' | 'long' | 'double' | 'date' | 'ip' | 'boolean';

export interface FieldSpec {
  name: string;
  type: FieldType;
  /** keyword: values longer than this are stored but not indexed (not searchable, not aggregated). */
  ignoreAbove?: number;
}

/** Text fields have an exact `.keyword` sub-field, as OpenSearch's default dynamic mapping gives them. */
export const KEYWORD_SUBFIELD = 'keyword';

/** Fields with a fixed type. Everything else is dynamic: strings are keywords (≤ 1024 chars), numbers long/double. */
export const SCHEMA_FIELDS: readonly FieldSpec[] = [
  { name: '@timestamp', type: 'date' },
  { name: '@id', type: 'keyword' },
  { name: '@message', type: 'text' },
  { name: '@owner', type: 'keyword' },
  { name: '@log_group', type: 'keyword' },
  { name: '@log_stream', type: 'keyword' },
  { name: 'id', type: 'keyword' },
  { name: 'rule.level', type: 'integer' },
  { name: 'rule.sidid', type: 'integer' },
  { name: 'rule.comment', type: 'text' },
  { name: 'rule.comment.keyword', type: 'keyword', ignoreAbove: 512 },
  { name: 'rule.group', type: 'keyword' },
  { name: 'rule.groups', type: 'keyword' },
  { name: 'rule.firedtimes', type: 'integer' },
  { name: 'rule.frequency', type: 'integer' },
  { name: 'srcip', type: 'ip' },
  { name: 'dstip', type: 'ip' },
  { name: 'agentip', type: 'ip' },
  { name: 'srcport', type: 'keyword' },
  { name: 'dstport', type: 'keyword' },
  { name: 'srcuser', type: 'keyword' },
  { name: 'dstuser', type: 'keyword' },
  { name: 'hostname', type: 'keyword' },
  { name: 'location', type: 'keyword' },
  { name: 'decoder', type: 'keyword' },
  { name: 'program_name', type: 'keyword' },
  { name: 'full_log', type: 'text' },
  { name: 'full_log.keyword', type: 'keyword', ignoreAbove: 2048 },
  { name: 'TimeStamp', type: 'date' },
  { name: 'hidsmon.flags', type: 'keyword' },
  { name: 'hidsmon.format', type: 'keyword' },
];

/** Free text (a query term without a field) searches these, as ARCHITECTURE.md says. */
export const DEFAULT_SEARCH_FIELDS: readonly string[] = ['full_log', '@message'];

/** Dynamic string fields are keywords up to this length (the template's `unknown_strings`). */
export const DYNAMIC_KEYWORD_IGNORE_ABOVE = 1024;

const BY_NAME = new Map(SCHEMA_FIELDS.map((f) => [f.name, f]));

export function schemaField(name: string): FieldSpec | undefined {
  return BY_NAME.get(name);
}

/** The keyword field that aggregations and sorting use for `name` (text fields use their `.keyword`). */
export function aggregatableField(name: string): string {
  return BY_NAME.get(name)?.type === 'text' && BY_NAME.has(`${name}.${KEYWORD_SUBFIELD}`) ? `${name}.${KEYWORD_SUBFIELD}` : name;
}

/** The type a dynamic field gets from a JSON value, as OpenSearch's dynamic mapping with our template does. */
export function dynamicFieldType(value: unknown): FieldType | undefined {
  switch (typeof value) {
    case 'string':
      return 'keyword';
    case 'number':
      return Number.isInteger(value) ? 'long' : 'double';
    case 'boolean':
      return 'boolean';
    default:
      return undefined;
  }
}

/**
 * `rule.*`, `data.*.id`: does a field name match a Lucene field pattern? A glob matcher in
 * O(pattern × name) steps: field names and query patterns are both the user's, and a backtracking
 * RegExp of `a*a*a*…b` would take exponential time on a long name of a's.
 */
export function fieldPatternMatcher(pattern: string): (name: string) => boolean {
  const parts = pattern.split('*');
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  const middle = parts.slice(1, -1).filter((p) => p !== '');
  return (name) => {
    if (parts.length === 1) return name === pattern;
    if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
    // Leftmost placement of each middle part is optimal for `*` globs: no backtracking needed.
    let at = first.length;
    const end = name.length - last.length;
    for (const part of middle) {
      const found = name.indexOf(part, at);
      if (found < 0 || found + part.length > end) return false;
      at = found + part.length;
    }
    return true;
  };
}
