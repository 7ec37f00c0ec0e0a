/**
 * @module The composable index template for the daily indices, generated from the shared field model
 * (query/fields.ts) so that both backends type every field alike, and shaped so that no OSSEC/Wazuh
 * alert blocks a batch: malformed values are kept in `_source` instead of rejecting the document.
 */
import type { Client } from '@opensearch-project/opensearch';
import { DEFAULT_SEARCH_FIELDS, DYNAMIC_KEYWORD_IGNORE_ABOVE, KEYWORD_SUBFIELD, SCHEMA_FIELDS, type FieldSpec } from '../../query/fields.js';

/**
 * Schema keywords that name no limit of their own still get one: Lucene refuses a term over 32,766
 * bytes, and would reject the whole document; a UTF-8 character takes at most 4 bytes.
 */
export const SCHEMA_KEYWORD_IGNORE_ABOVE = 8191;

/** Fields per daily index (OpenSearch's default is 1000). */
export const TOTAL_FIELDS_LIMIT = 10_000;

export interface IndexTemplateOptions {
  /** Replicas per index; default 0 (the caller decides from the cluster, see ensureIndexTemplate). */
  replicas?: number;
  /** Default 1s, as OpenSearch's own: the UI shows an alert about a second after it arrives. */
  refreshInterval?: string;
}

type Mapping = Record<string, unknown>;
type Properties = Record<string, Mapping>;

/** The template's name for a prefix: `${prefix}template`. */
export function indexTemplateName(prefix: string): string {
  return `${prefix}template`;
}

function leafMapping(spec: FieldSpec): Mapping {
  switch (spec.type) {
    case 'keyword':
      return { type: 'keyword', ignore_above: spec.ignoreAbove ?? SCHEMA_KEYWORD_IGNORE_ABOVE };
    case 'ip':
      // A hostname or `(none)` in srcip must not reject the alert: kept in _source, listed in _ignored.
      return { type: 'ip', ignore_malformed: true };
    case 'date':
      // @timestamp is ISO 8601, TimeStamp epoch ms (OSSEC); the default format reads both. (A bad
      // @timestamp must be refused, not ignored, but `ignore_malformed: false` here does not win
      // over the index setting on 2.19, tried on the node: the sink checks @timestamp itself.)
      return { type: 'date', format: 'strict_date_optional_time||epoch_millis' };
    default:
      return { type: spec.type };
  }
}

/**
 * `properties` for SCHEMA_FIELDS: dotted names become nested objects (`rule.level` → rule.properties.level),
 * and `<text>.keyword` becomes the text field's keyword sub-field (a multi-field), not an object.
 */
export function schemaProperties(fields: readonly FieldSpec[] = SCHEMA_FIELDS): Properties {
  const byName = new Map(fields.map((f) => [f.name, f]));
  const root: Properties = {};
  for (const spec of fields) {
    const dot = spec.name.lastIndexOf('.');
    const parent = dot > 0 ? byName.get(spec.name.slice(0, dot)) : undefined;
    if (parent?.type === 'text' && spec.name.slice(dot + 1) === KEYWORD_SUBFIELD) continue; // added with its parent
    const path = spec.name.split('.');
    let properties = root;
    for (const part of path.slice(0, -1)) {
      const object = (properties[part] ??= { properties: {} });
      properties = object['properties'] as Properties;
    }
    const leaf = leafMapping(spec);
    const keyword = byName.get(`${spec.name}.${KEYWORD_SUBFIELD}`);
    if (spec.type === 'text' && keyword) leaf['fields'] = { [KEYWORD_SUBFIELD]: leafMapping(keyword) };
    properties[path[path.length - 1] as string] = leaf;
  }
  return root;
}

/** The composable template body for `${prefix}*`. */
export function indexTemplate(prefix: string, options: IndexTemplateOptions = {}): Record<string, unknown> {
  return {
    index_patterns: [`${prefix}*`],
    // A longer prefix is more specific (`cwl-prod-*` within `cwl-*`): it wins, and OpenSearch
    // refuses two overlapping templates of the same priority.
    priority: 200 + prefix.length,
    _meta: { managed_by: 'hidsmon' },
    template: {
      settings: {
        'index.number_of_shards': 1,
        'index.number_of_replicas': options.replicas ?? 0,
        'index.refresh_interval': options.refreshInterval ?? '1s',
        // A bare word searches what it searches in the embedded engine (query/fields.ts).
        'index.query.default_field': [...DEFAULT_SEARCH_FIELDS],
        // A string in a numeric field, an out-of-range number, a bad date or ip, an object where a
        // value is mapped: kept in _source (and named in _ignored), not rejected. On 2.19 the index
        // setting covers more than the field parameter (objects, booleans), tried on the node.
        'index.mapping.ignore_malformed': true,
        // Wazuh's own template's figure: decoders add fields (Windows event channel, syscheck), and
        // past the limit (1000 by default) every alert bringing a new field of the day is refused.
        'index.mapping.total_fields.limit': TOTAL_FIELDS_LIMIT,
      },
      mappings: {
        // "2024-01-01" in an unknown field stays a keyword: a date guess would reject the next "n/a".
        date_detection: false,
        numeric_detection: false,
        dynamic_templates: [
          { unknown_strings: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: DYNAMIC_KEYWORD_IGNORE_ABOVE } } },
          { unknown_integers: { match_mapping_type: 'long', mapping: { type: 'long' } } },
          { unknown_decimals: { match_mapping_type: 'double', mapping: { type: 'double' } } },
        ],
        properties: schemaProperties(),
      },
    },
  };
}

/**
 * Replicas for this cluster when not configured: 0 on a single data node (a replica could never be
 * assigned, every index would stay yellow), else 1.
 */
export async function defaultReplicas(client: Client): Promise<number> {
  const health = await client.cluster.health({});
  const nodes = (health.body as { number_of_data_nodes?: number }).number_of_data_nodes ?? 1;
  return nodes > 1 ? 1 : 0;
}

/** Installs (or replaces) the template; idempotent. Throws the client's error when the cluster refuses. */
export async function ensureIndexTemplate(client: Client, prefix: string, options: IndexTemplateOptions = {}): Promise<void> {
  const replicas = options.replicas ?? (await defaultReplicas(client));
  await client.indices.putIndexTemplate({ name: indexTemplateName(prefix), body: indexTemplate(prefix, { ...options, replicas }) as never });
}
