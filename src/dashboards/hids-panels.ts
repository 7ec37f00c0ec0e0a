/**
 * @module The HIDS Alerts dashboard's visualizations as data: the blog's five panels (as the web UI's
 * dashboard draws them) plus alerts by host, each one count metric over one bucket aggregation on a
 * field of the `cwl-*` template. saved-objects.ts renders them for OpenSearch Dashboards.
 */

/** The bucket aggregation of a panel; the metric is always the document count. */
export type PanelBucket =
  | { type: 'date_histogram'; field: '@timestamp' }
  /** `field` is aggregatable in the template (keyword, ip or numeric; text fields by their `.keyword`). */
  | { type: 'terms'; field: string; size: number };

/** The vislib types used: a line over time, a donut, vertical bars, a data table. */
export type VisType = 'line' | 'pie' | 'histogram' | 'table';

/** Where a panel sits on the dashboard's 48-column grid (height in grid rows). */
export interface GridPlacement {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface HidsPanel {
  /** The visualization's saved-object id: stable, so that a second import replaces it instead of duplicating it. */
  id: string;
  title: string;
  description: string;
  vis: VisType;
  bucket: PanelBucket;
  grid: GridPlacement;
}

/**
 * Sizes and fields follow web/src/dashboard.tsx (DASHBOARD_AGGREGATIONS), so that both dashboards
 * count the same buckets; `rule.comment` is text, so its panel aggregates `rule.comment.keyword`.
 */
export const HIDS_PANELS: readonly HidsPanel[] = [
  {
    id: 'hidsmon-alerts-over-time',
    title: 'HIDS: Alerts over time',
    description: 'Alerts per interval (@timestamp).',
    vis: 'line',
    bucket: { type: 'date_histogram', field: '@timestamp' },
    grid: { x: 0, y: 0, w: 48, h: 12 },
  },
  {
    id: 'hidsmon-top-alert-types',
    title: 'HIDS: Top 20 alert types',
    description: 'The 20 most frequent rule descriptions (rule.comment).',
    vis: 'pie',
    bucket: { type: 'terms', field: 'rule.comment.keyword', size: 20 },
    grid: { x: 0, y: 12, w: 24, h: 15 },
  },
  {
    id: 'hidsmon-rule-levels',
    title: 'HIDS: Rule level breakdown',
    description: 'Alerts by OSSEC rule level (0-15; 10 and above are severe).',
    vis: 'pie',
    bucket: { type: 'terms', field: 'rule.level', size: 16 },
    grid: { x: 24, y: 12, w: 24, h: 15 },
  },
  {
    id: 'hidsmon-top-rule-ids',
    title: 'HIDS: Top 10 rule ids',
    description: 'The 10 rules (rule.sidid) that fired most.',
    vis: 'histogram',
    bucket: { type: 'terms', field: 'rule.sidid', size: 10 },
    grid: { x: 0, y: 27, w: 24, h: 15 },
  },
  {
    id: 'hidsmon-top-source-ips',
    title: 'HIDS: Top 10 source IPs',
    description: 'The 10 source addresses (srcip) in most alerts.',
    vis: 'table',
    bucket: { type: 'terms', field: 'srcip', size: 10 },
    grid: { x: 24, y: 27, w: 24, h: 15 },
  },
  {
    id: 'hidsmon-alerts-by-host',
    title: 'HIDS: Alerts by host',
    description: 'Alerts per monitored host (@log_stream, the instance id).',
    vis: 'table',
    bucket: { type: 'terms', field: '@log_stream', size: 20 },
    grid: { x: 0, y: 42, w: 24, h: 15 },
  },
];

/** The saved search's place on the dashboard: the latest alerts, beside alerts by host. */
export const ALERTS_SEARCH_GRID: GridPlacement = { x: 24, y: 42, w: 24, h: 15 };

/** Discover's columns for the saved search: what an analyst reads first. */
export const ALERT_COLUMNS: readonly string[] = ['rule.level', 'rule.comment', 'srcip', '@log_stream', 'full_log'];
