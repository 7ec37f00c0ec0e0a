/**
 * @module The field catalog from the daily indices' mappings (`GET <prefix>*\/_mapping`): dotted
 * names, multi-fields (`rule.comment.keyword`) as fields of their own, one type per name across the
 * indices. Pure.
 */
import { schemaField, type FieldType } from '../../query/fields.js';
import type { FieldInfo } from '../../query/search-api.js';

interface MappingNode {
  type?: string;
  properties?: Record<string, MappingNode>;
  fields?: Record<string, MappingNode>;
}

/** `GET _mapping`'s answer: per index, its mappings. */
export type MappingsByIndex = Record<string, { mappings?: { properties?: Record<string, MappingNode> } }>;

/** OpenSearch types as the catalog's FieldType; types hidsmon never maps (geo, binary, …) are left out. */
const FIELD_TYPES: Record<string, FieldType> = {
  text: 'text',
  match_only_text: 'text',
  keyword: 'keyword',
  constant_keyword: 'keyword',
  wildcard: 'keyword',
  byte: 'integer',
  short: 'integer',
  integer: 'integer',
  long: 'long',
  unsigned_long: 'long',
  half_float: 'double',
  float: 'double',
  scaled_float: 'double',
  double: 'double',
  date: 'date',
  date_nanos: 'date',
  ip: 'ip',
  boolean: 'boolean',
};

function fieldType(type: string | undefined): FieldType | undefined {
  return type !== undefined && Object.hasOwn(FIELD_TYPES, type) ? FIELD_TYPES[type] : undefined;
}

const NUMBER_WIDTH: Partial<Record<FieldType, number>> = { integer: 1, long: 2, double: 3 };

function collect(properties: Record<string, MappingNode> | undefined, prefix: string, into: Map<string, FieldType>): void {
  if (!properties) return;
  for (const [name, node] of Object.entries(properties)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    const type = fieldType(node.type);
    if (type !== undefined) into.set(path, type);
    for (const [sub, subNode] of Object.entries(node.fields ?? {})) {
      const subType = fieldType(subNode.type);
      if (subType !== undefined) into.set(`${path}.${sub}`, subType);
    }
    collect(node.properties, path, into);
  }
}

/**
 * One entry per field name over all indices, sorted by name. Where the indices disagree on a type:
 * numbers take the widest (integer < long < double; Kibana shows them all as `number`, and a terms
 * aggregation merges them); any other mix is what Kibana shows as `conflict`, which FieldType has
 * no name for: it is reported as `keyword` (every value reads as text) and not aggregatable, since
 * an aggregation over it fails on the indices of the other type. Text is never aggregatable, as in
 * the embedded catalog. At most `maxFields` entries (the limits' max_fields).
 */
export function fieldsFromMappings(byIndex: MappingsByIndex, maxFields = Number.POSITIVE_INFINITY): FieldInfo[] {
  const typesByName = new Map<string, Set<FieldType>>();
  for (const index of Object.keys(byIndex).sort()) {
    const fields = new Map<string, FieldType>();
    collect(byIndex[index]?.mappings?.properties, '', fields);
    for (const [name, type] of fields) {
      const seen = typesByName.get(name) ?? new Set<FieldType>();
      seen.add(type);
      typesByName.set(name, seen);
    }
  }
  const out: FieldInfo[] = [];
  for (const [name, types] of typesByName) {
    const list = [...types];
    if (list.length === 1) {
      const type = list[0] as FieldType;
      out.push({ name, type, aggregatable: type !== 'text' });
    } else if (list.every((t) => NUMBER_WIDTH[t] !== undefined)) {
      const widest = list.reduce((a, b) => ((NUMBER_WIDTH[a] as number) >= (NUMBER_WIDTH[b] as number) ? a : b));
      out.push({ name, type: widest, aggregatable: true });
    } else {
      out.push({ name, type: 'keyword', aggregatable: false });
    }
  }
  const byName = (a: FieldInfo, b: FieldInfo): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  if (out.length <= maxFields) return out.sort(byName);
  // Past the limit (as the embedded catalog stops at it), the schema's fields are kept first.
  const schema = out.filter((f) => schemaField(f.name) !== undefined);
  const others = out.filter((f) => schemaField(f.name) === undefined).sort(byName);
  return [...schema, ...others].slice(0, maxFields).sort(byName);
}
