/**
 * @module OpenSearch Dashboards saved objects for hidsmon's indices: an index pattern, the HIDS
 * visualizations, a saved search for Discover and the "HIDS Alerts" dashboard, every reference
 * resolving inside the set, as NDJSON that `POST /api/saved_objects/_import` accepts. Pure.
 */
import { ALERT_COLUMNS, ALERTS_SEARCH_GRID, HIDS_PANELS, type GridPlacement, type HidsPanel } from './hids-panels.js';

export interface SavedObjectReference {
  name: string;
  type: string;
  id: string;
}

/** One line of a Dashboards export. */
export interface SavedObject {
  id: string;
  type: 'index-pattern' | 'visualization' | 'search' | 'dashboard';
  attributes: Record<string, unknown>;
  references: SavedObjectReference[];
}

export interface DashboardObjectsOptions {
  /** The index pattern's title; default `cwl-*`, every daily index of every year. */
  indexPattern?: string;
  /** The dashboard's title; default "HIDS Alerts". */
  title?: string;
}

export const DEFAULT_INDEX_PATTERN = 'cwl-*';
export const DEFAULT_DASHBOARD_TITLE = 'HIDS Alerts';

export const INDEX_PATTERN_ID = 'hidsmon-index-pattern';
export const ALERTS_SEARCH_ID = 'hidsmon-alerts-search';
export const DASHBOARD_ID = 'hidsmon-hids-alerts';

/** The reference name Dashboards gives a search source's index pattern. */
export const INDEX_REF_NAME = 'kibanaSavedObjectMeta.searchSourceJSON.index';

/**
 * A dashboard panel's `version`. Dashboards migrates panels whose version reads as older than 7.3
 * (the last change of the panel shape); every OpenSearch Dashboards release reads as newer.
 */
const PANEL_VERSION = '7.10.0';

/** Lucene, as everywhere in hidsmon: a query typed in the hidsmon UI works unchanged in Dashboards. */
const EMPTY_QUERY = { query: '', language: 'lucene' };

/** Characters Dashboards refuses in an index pattern, plus space and comma (which would name several). */
const ILLEGAL_PATTERN_CHARACTERS = ['\\', '/', '?', '"', '<', '>', '|', ' ', ','];

/** Why an index pattern cannot be used, or undefined when it can. */
export function indexPatternProblem(pattern: string): string | undefined {
  if (pattern === '') return 'The index pattern is empty; give one such as cwl-*.';
  const bad = ILLEGAL_PATTERN_CHARACTERS.find((c) => pattern.includes(c));
  if (bad !== undefined) return `The index pattern "${pattern}" contains "${bad}", which Dashboards does not allow; give one such as cwl-*.`;
  if (pattern.startsWith('-') || pattern.startsWith('_') || pattern.startsWith('+')) return `The index pattern "${pattern}" starts with "${pattern[0]}"; index names cannot.`;
  if (pattern !== pattern.toLowerCase()) return `The index pattern "${pattern}" has upper-case letters; index names are lower case.`;
  return undefined;
}

/** A search source that takes its index pattern from the object's references. */
function searchSource(): string {
  return JSON.stringify({ query: EMPTY_QUERY, filter: [], indexRefName: INDEX_REF_NAME });
}

const INDEX_REFERENCE: SavedObjectReference = { name: INDEX_REF_NAME, type: 'index-pattern', id: INDEX_PATTERN_ID };

const COUNT_AGG = { id: '1', enabled: true, type: 'count', schema: 'metric', params: {} };

/** The panel's bucket aggregation in visState form; its schema says where the buckets go. */
function bucketAgg(panel: HidsPanel): Record<string, unknown> {
  const schema = panel.vis === 'table' ? 'bucket' : 'segment';
  if (panel.bucket.type === 'date_histogram') {
    return {
      id: '2',
      enabled: true,
      type: 'date_histogram',
      schema,
      params: { field: panel.bucket.field, useNormalizedOpenSearchInterval: true, scaleMetricValues: false, interval: 'auto', drop_partials: false, min_doc_count: 1, extended_bounds: {} },
    };
  }
  return {
    id: '2',
    enabled: true,
    type: 'terms',
    schema,
    params: { field: panel.bucket.field, orderBy: '1', order: 'desc', size: panel.bucket.size, otherBucket: false, otherBucketLabel: 'Other', missingBucket: false, missingBucketLabel: 'Missing' },
  };
}

/** Axis and series settings of the point-series charts (line, vertical bars), as Dashboards 2.x saves them. */
function pointSeriesParams(type: 'line' | 'histogram'): Record<string, unknown> {
  return {
    type,
    grid: { categoryLines: false },
    categoryAxes: [{ id: 'CategoryAxis-1', type: 'category', position: 'bottom', show: true, style: {}, scale: { type: 'linear' }, labels: { show: true, filter: true, truncate: 100 }, title: {} }],
    valueAxes: [
      { id: 'ValueAxis-1', name: 'LeftAxis-1', type: 'value', position: 'left', show: true, style: {}, scale: { type: 'linear', mode: 'normal' }, labels: { show: true, rotate: 0, filter: false, truncate: 100 }, title: { text: 'Alerts' } },
    ],
    seriesParams: [
      {
        show: true,
        type,
        mode: type === 'line' ? 'normal' : 'stacked',
        data: { label: 'Alerts', id: '1' },
        valueAxis: 'ValueAxis-1',
        drawLinesBetweenPoints: true,
        lineWidth: 2,
        interpolate: 'linear',
        showCircles: true,
      },
    ],
    addTooltip: true,
    addLegend: type !== 'line',
    legendPosition: 'right',
    times: [],
    addTimeMarker: false,
    labels: { show: false },
    thresholdLine: { show: false, value: 10, width: 1, style: 'full', color: '#E7664C' },
  };
}

function visParams(panel: HidsPanel): Record<string, unknown> {
  switch (panel.vis) {
    case 'line':
    case 'histogram':
      return pointSeriesParams(panel.vis);
    case 'pie':
      return { type: 'pie', addTooltip: true, addLegend: true, legendPosition: 'right', isDonut: true, labels: { show: false, values: true, last_level: true, truncate: 100 } };
    case 'table':
      return { perPage: 10, showPartialRows: false, showMetricsAtAllLevels: false, showTotal: false, totalFunc: 'sum', percentageCol: '', sort: { columnIndex: null, direction: null } };
  }
}

/** The parsed visState of a panel (exported for tests that run its aggregation). */
export function panelVisState(panel: HidsPanel): { title: string; type: string; params: Record<string, unknown>; aggs: Array<Record<string, unknown>> } {
  // Count is the metric id "1" that terms orders by (`orderBy: "1"`) and the series plots.
  const count = { ...COUNT_AGG, params: panel.vis === 'table' ? { customLabel: 'Alerts' } : {} };
  return { title: panel.title, type: panel.vis, params: visParams(panel), aggs: [count, bucketAgg(panel)] };
}

function visualization(panel: HidsPanel): SavedObject {
  return {
    id: panel.id,
    type: 'visualization',
    attributes: {
      title: panel.title,
      description: panel.description,
      version: 1,
      uiStateJSON: '{}',
      visState: JSON.stringify(panelVisState(panel)),
      kibanaSavedObjectMeta: { searchSourceJSON: searchSource() },
    },
    references: [INDEX_REFERENCE],
  };
}

function dashboardPanel(index: number, grid: GridPlacement): Record<string, unknown> {
  const panelIndex = String(index + 1);
  return { version: PANEL_VERSION, gridData: { ...grid, i: panelIndex }, panelIndex, embeddableConfig: {}, panelRefName: `panel_${index}` };
}

/** The saved objects, dependencies first: index pattern, saved search, visualizations, dashboard. */
export function dashboardSavedObjects(options: DashboardObjectsOptions = {}): SavedObject[] {
  const pattern = options.indexPattern ?? DEFAULT_INDEX_PATTERN;
  const problem = indexPatternProblem(pattern);
  if (problem !== undefined) throw new RangeError(problem);
  // No `fields`: Dashboards reads them from the cluster when the pattern is first used, so they follow the template.
  const indexPattern: SavedObject = { id: INDEX_PATTERN_ID, type: 'index-pattern', attributes: { title: pattern, timeFieldName: '@timestamp' }, references: [] };
  const search: SavedObject = {
    id: ALERTS_SEARCH_ID,
    type: 'search',
    attributes: {
      title: 'HIDS: Alerts',
      description: 'Every alert, newest first, with its level, rule, source IP, host and log line.',
      hits: 0,
      columns: [...ALERT_COLUMNS],
      sort: [['@timestamp', 'desc']],
      version: 1,
      kibanaSavedObjectMeta: { searchSourceJSON: searchSource() },
    },
    references: [INDEX_REFERENCE],
  };
  const visualizations = HIDS_PANELS.map(visualization);
  const panelTargets: Array<{ type: 'visualization' | 'search'; id: string; grid: GridPlacement }> = [
    ...HIDS_PANELS.map((p) => ({ type: 'visualization' as const, id: p.id, grid: p.grid })),
    { type: 'search', id: ALERTS_SEARCH_ID, grid: ALERTS_SEARCH_GRID },
  ];
  const dashboard: SavedObject = {
    id: DASHBOARD_ID,
    type: 'dashboard',
    attributes: {
      title: options.title ?? DEFAULT_DASHBOARD_TITLE,
      description: 'HIDS alerts from hidsmon: over time, by type, level, rule, source IP and host, and the latest alerts.',
      hits: 0,
      version: 1,
      panelsJSON: JSON.stringify(panelTargets.map((t, i) => dashboardPanel(i, t.grid))),
      optionsJSON: JSON.stringify({ useMargins: true, hidePanelTitles: false }),
      // The dashboard opens on the last 15 minutes, refreshed every 5 seconds: a live view of the fleet.
      timeRestore: true,
      timeFrom: 'now-15m',
      timeTo: 'now',
      refreshInterval: { pause: false, value: 5000 },
      kibanaSavedObjectMeta: { searchSourceJSON: JSON.stringify({ query: EMPTY_QUERY, filter: [] }) },
    },
    references: panelTargets.map((t, i) => ({ name: `panel_${i}`, type: t.type, id: t.id })),
  };
  return [indexPattern, search, ...visualizations, dashboard];
}

/**
 * The objects as a Dashboards export file: one object per line, then the export summary line
 * (which the import skips).
 */
export function savedObjectsNdjson(objects: readonly SavedObject[]): string {
  const lines = objects.map((o) => JSON.stringify(o));
  lines.push(JSON.stringify({ exportedCount: objects.length, missingRefCount: 0, missingReferences: [] }));
  return `${lines.join('\n')}\n`;
}
