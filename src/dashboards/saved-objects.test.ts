/**
 * The saved objects against OpenSearch Dashboards' import rules and the `cwl-*` index template:
 * references resolve, `*RefName`s have their reference, ids are unique, the JSON-string attributes
 * parse, and every aggregation names an aggregatable field of the template.
 */
import { describe, expect, it } from 'vitest';
import { indexTemplate } from '../sinks/opensearch/index-template.js';
import { ALERT_COLUMNS, HIDS_PANELS } from './hids-panels.js';
import { DASHBOARD_ID, INDEX_PATTERN_ID, dashboardSavedObjects, indexPatternProblem, savedObjectsNdjson, type SavedObject } from './saved-objects.js';

const objects = dashboardSavedObjects();

/** Field name → mapping type in the template, multi-fields (`rule.comment.keyword`) included. */
function templateFields(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (properties: Record<string, Record<string, unknown>>, prefix: string): void => {
    for (const [name, mapping] of Object.entries(properties)) {
      const path = `${prefix}${name}`;
      if (mapping['properties']) walk(mapping['properties'] as Record<string, Record<string, unknown>>, `${path}.`);
      if (typeof mapping['type'] === 'string') out.set(path, mapping['type']);
      for (const [sub, subMapping] of Object.entries((mapping['fields'] ?? {}) as Record<string, { type: string }>)) out.set(`${path}.${sub}`, subMapping.type);
    }
  };
  const template = indexTemplate('cwl-') as { template: { mappings: { properties: Record<string, Record<string, unknown>> } } };
  walk(template.template.mappings.properties, '');
  return out;
}

const FIELDS = templateFields();
/** Types OpenSearch aggregates from doc values; `text` is not among them. */
const AGGREGATABLE = new Set(['keyword', 'ip', 'integer', 'long', 'short', 'byte', 'double', 'float', 'date', 'boolean']);

/** The attributes that Dashboards keeps as JSON strings, by where they sit. */
function jsonStrings(o: SavedObject): Record<string, string> {
  const a = o.attributes;
  const out: Record<string, string> = {};
  for (const key of ['visState', 'uiStateJSON', 'panelsJSON', 'optionsJSON']) if (key in a) out[key] = a[key] as string;
  const meta = a['kibanaSavedObjectMeta'] as { searchSourceJSON?: string } | undefined;
  if (meta?.searchSourceJSON !== undefined) out['searchSourceJSON'] = meta.searchSourceJSON;
  return out;
}

/** Every `…RefName` value in a parsed JSON attribute, at any depth. */
function refNames(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refNames(v, found);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.endsWith('RefName') && typeof v === 'string') found.push(v);
      else refNames(v, found);
    }
  }
  return found;
}

const byType = (type: string): SavedObject[] => objects.filter((o) => o.type === type);

describe('HIDS saved objects: Dashboards import rules', () => {
  it('has the index pattern, a saved search, the blog\'s five visualizations (and alerts by host) and one dashboard, dependencies first', () => {
    expect(objects.map((o) => o.type)).toEqual(['index-pattern', 'search', ...HIDS_PANELS.map(() => 'visualization'), 'dashboard']);
    const titles = byType('visualization').map((o) => o.attributes['title']);
    for (const blog of ['Alerts over time', 'Top 20 alert types', 'Rule level breakdown', 'Top 10 rule ids', 'Top 10 source IPs']) expect(titles).toContain(`HIDS: ${blog}`);
  });

  it('gives every object a unique, stable id', () => {
    const ids = objects.map((o) => o.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboardSavedObjects({ indexPattern: 'other-*', title: 'x' }).map((o) => o.id)).toEqual(ids);
    for (const o of objects) expect(o.id).toMatch(/^[a-z0-9-]+$/);
  });

  it('resolves every reference to an object of the file, by type and id', () => {
    const present = new Set(objects.map((o) => `${o.type}:${o.id}`));
    for (const o of objects) {
      for (const r of o.references) expect(present.has(`${r.type}:${r.id}`), `${o.id} → ${r.type}:${r.id}`).toBe(true);
      const names = o.references.map((r) => r.name);
      expect(new Set(names).size, `${o.id}: reference names are unique`).toBe(names.length);
    }
  });

  it('parses every JSON-string attribute, and each *RefName names a reference of its object (and each reference is used)', () => {
    for (const o of objects) {
      const used: string[] = [];
      for (const [key, text] of Object.entries(jsonStrings(o))) {
        expect(typeof text, `${o.id}.${key}`).toBe('string');
        const parsed = JSON.parse(text) as unknown;
        used.push(...refNames(parsed));
        if (key === 'searchSourceJSON') expect(parsed, `${o.id}: no raw index id (references instead)`).not.toHaveProperty('index');
      }
      const names = new Set(o.references.map((r) => r.name));
      for (const name of used) expect(names.has(name), `${o.id}: ${name}`).toBe(true);
      expect(new Set(used), `${o.id}: every reference is named by an attribute`).toEqual(names);
    }
  });

  it('points each visualization and the search at the index pattern through indexRefName', () => {
    for (const o of [...byType('visualization'), ...byType('search')]) {
      const source = JSON.parse(jsonStrings(o)['searchSourceJSON'] as string) as { indexRefName: string; query: { language: string } };
      expect(o.references.find((r) => r.name === source.indexRefName)).toEqual({ name: 'kibanaSavedObjectMeta.searchSourceJSON.index', type: 'index-pattern', id: INDEX_PATTERN_ID });
      expect(source.query.language).toBe('lucene');
    }
  });

  it('has an index pattern that no year ever needs editing in: cwl-* on @timestamp, fields read from the cluster', () => {
    const [pattern] = byType('index-pattern');
    expect(pattern?.attributes).toEqual({ title: 'cwl-*', timeFieldName: '@timestamp' });
    expect(FIELDS.get('@timestamp')).toBe('date');
    expect(savedObjectsNdjson(objects)).not.toMatch(/cwl-20\d\d/);
  });

  it('aggregates only aggregatable fields of the index template, and dates on the time field', () => {
    for (const o of byType('visualization')) {
      const vis = JSON.parse(o.attributes['visState'] as string) as { title: string; type: string; aggs: Array<{ id: string; type: string; schema: string; params: { field?: string; orderBy?: string } }> };
      expect(vis.title).toBe(o.attributes['title']);
      const ids = vis.aggs.map((a) => a.id);
      expect(new Set(ids).size).toBe(ids.length);
      const metrics = vis.aggs.filter((a) => a.schema === 'metric');
      expect(metrics.map((m) => m.type), o.id).toEqual(['count']);
      for (const agg of vis.aggs.filter((a) => a.schema !== 'metric')) {
        const field = agg.params.field as string;
        const type = FIELDS.get(field);
        expect(type, `${o.id}: ${field} is a field of the template`).toBeDefined();
        expect(AGGREGATABLE.has(type as string), `${o.id}: ${field} (${type}) is aggregatable`).toBe(true);
        if (agg.type === 'date_histogram') expect(field).toBe('@timestamp');
        if (agg.type === 'terms') expect(ids).toContain(agg.params.orderBy);
        // Where the buckets go, per vis type: X axis / slices, or table rows.
        expect(agg.schema).toBe(vis.type === 'table' ? 'bucket' : 'segment');
      }
    }
  });

  it('shows columns in the saved search that the template has, newest first', () => {
    const [search] = byType('search');
    expect(search?.attributes['columns']).toEqual([...ALERT_COLUMNS]);
    for (const column of ALERT_COLUMNS) expect(FIELDS.has(column), column).toBe(true);
    expect(search?.attributes['sort']).toEqual([['@timestamp', 'desc']]);
  });

  it('lays out the dashboard: a panel per visualization and the search, on the 48-column grid without overlaps, last 15 minutes, 5 s refresh', () => {
    const [dashboard] = byType('dashboard');
    expect(dashboard?.id).toBe(DASHBOARD_ID);
    expect(dashboard?.attributes).toMatchObject({ title: 'HIDS Alerts', timeRestore: true, timeFrom: 'now-15m', timeTo: 'now', refreshInterval: { pause: false, value: 5000 } });
    const panels = JSON.parse(dashboard?.attributes['panelsJSON'] as string) as Array<{ panelIndex: string; panelRefName: string; gridData: { x: number; y: number; w: number; h: number; i: string } }>;
    expect(panels.map((p) => p.panelRefName)).toEqual(dashboard?.references.map((r) => r.name));
    expect(dashboard?.references.map((r) => `${r.type}:${r.id}`).sort()).toEqual(objects.filter((o) => o.type === 'visualization' || o.type === 'search').map((o) => `${o.type}:${o.id}`).sort());
    const cells = new Set<string>();
    for (const p of panels) {
      expect(p.gridData.i).toBe(p.panelIndex);
      expect(p.gridData.x + p.gridData.w).toBeLessThanOrEqual(48);
      for (let x = p.gridData.x; x < p.gridData.x + p.gridData.w; x++) {
        for (let y = p.gridData.y; y < p.gridData.y + p.gridData.h; y++) {
          expect(cells.has(`${x},${y}`), `panel ${p.panelIndex} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
    expect(new Set(panels.map((p) => p.panelIndex)).size).toBe(panels.length);
  });

  it('writes Dashboards\' export format: an object per line with id, type, attributes, references, then the summary', () => {
    const lines = savedObjectsNdjson(objects).split('\n');
    expect(lines.pop()).toBe('');
    expect(JSON.parse(lines.pop() as string)).toEqual({ exportedCount: objects.length, missingRefCount: 0, missingReferences: [] });
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(objects);
    for (const l of lines) expect(Object.keys(JSON.parse(l) as object).sort()).toEqual(['attributes', 'id', 'references', 'type']);
  });

  it('takes another index pattern and title, and refuses patterns Dashboards would', () => {
    const custom = dashboardSavedObjects({ indexPattern: 'hids-*', title: 'Fleet' });
    expect(custom[0]?.attributes['title']).toBe('hids-*');
    expect(custom.at(-1)?.attributes['title']).toBe('Fleet');
    for (const bad of ['', 'cwl-* ', 'a,b', 'CWL-*', '_x', 'a/b', 'a"b']) expect(indexPatternProblem(bad), JSON.stringify(bad)).toBeDefined();
    expect(() => dashboardSavedObjects({ indexPattern: 'a|b' })).toThrow(RangeError);
    expect(indexPatternProblem('remote:cwl-*')).toBeUndefined();
  });
});
