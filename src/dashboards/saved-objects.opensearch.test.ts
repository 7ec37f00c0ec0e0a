/**
 * Each HIDS visualization's aggregation, run by real OpenSearch on the simulated alerts, gives the
 * buckets that the hidsmon query API gives for the same panel of its own dashboard (over the
 * embedded DuckDB index holding the same alerts). OpenSearch gets them through the OpenSearch sink. The visState → OpenSearch request translation is
 * this test's (Dashboards' own is not available here), kept to what the panels use.
 */
import type { SearchResponse } from '../api/contract.js';
import type { Client } from '@opensearch-project/opensearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedOpenSearch, testIndexPrefix } from '../../test/support/opensearch.js';
import { createQueryApi } from '../api/query/query-api.js';
import { cloudWatchEventId } from '../core/ids.js';
import type { IndexedDocument } from '../core/document.js';
import { FleetSimulator } from '../simulate/fleet-simulator.js';
import { renderAlert } from '../simulate/render.js';
import { DuckDbStore } from '../sinks/duckdb/store.js';
import { openSearchClient } from '../sinks/opensearch/connection.js';
import { indexTemplateName } from '../sinks/opensearch/index-template.js';
import { OpenSearchSink } from '../sinks/opensearch/sink.js';
import { serverMetrics } from '../telemetry/metrics.js';
import { documentFromLogEvent } from '../transforms/to-document.js';
import { HIDS_PANELS, type HidsPanel } from './hids-panels.js';
import { dashboardSavedObjects } from './saved-objects.js';

const START = Date.UTC(2024, 2, 2, 14, 0, 0);
/** The dashboard's 15 minutes, the alerts inside them (and a few before, outside). */
const RANGE = { from: START, to: START + 15 * 60_000 - 1 };

/** The web UI dashboard's aggregation for each panel (web/src/dashboard.tsx, DASHBOARD_AGGREGATIONS), as the query API takes it. */
const HIDSMON_PANEL_AGGREGATIONS: Record<string, Record<string, unknown>> = {
  'hidsmon-alerts-over-time': { type: 'date_histogram', interval_ms: 'auto' },
  'hidsmon-top-alert-types': { type: 'terms', field: 'rule.comment', size: 20 },
  'hidsmon-rule-levels': { type: 'terms', field: 'rule.level', size: 16 },
  'hidsmon-top-rule-ids': { type: 'terms', field: 'rule.sidid', size: 10 },
  'hidsmon-top-source-ips': { type: 'terms', field: 'srcip', size: 10 },
  'hidsmon-alerts-by-host': { type: 'terms', field: '@log_stream', size: 20 },
};

function simulatedAlerts(): IndexedDocument[] {
  const sim = new FleetSimulator({ hosts: 4, seed: 2024, ratePerSec: 1.2, startMs: START - 60_000, scenarios: ['ssh-brute-force', 'port-scan'] });
  return Array.from({ length: 1000 }, (_, i) => {
    const alert = sim.next();
    return documentFromLogEvent({ eventId: cloudWatchEventId(alert.timeMs, i), timestampMs: alert.timeMs, message: renderAlert(alert, 'ossec-json'), owner: '123456789012', logGroup: 'hids-alerts', logStream: alert.host.instanceId });
  });
}

interface VisAgg {
  id: string;
  type: string;
  schema: string;
  params: { field?: string; size?: number; order?: string; orderBy?: string; interval?: string; min_doc_count?: number };
}

/**
 * The OpenSearch aggregation Dashboards sends for a visualization's bucket agg. `interval: "auto"`
 * is resolved by Dashboards from the time range; here it takes the interval hidsmon chose for the
 * same range, so that the buckets can be compared one by one.
 */
function openSearchAggs(visState: { aggs: VisAgg[] }, autoIntervalMs: number | undefined): Record<string, unknown> {
  const bucket = visState.aggs.find((a) => a.schema !== 'metric');
  const metricIds = new Set(visState.aggs.filter((a) => a.schema === 'metric' && a.type === 'count').map((a) => a.id));
  if (!bucket) throw new Error('no bucket aggregation');
  const p = bucket.params;
  if (bucket.type === 'terms') {
    if (!metricIds.has(p.orderBy as string)) throw new Error(`orderBy ${p.orderBy} is not a count metric`);
    return { [bucket.id]: { terms: { field: p.field, size: p.size, order: { _count: p.order } } } };
  }
  if (bucket.type === 'date_histogram') {
    if (p.interval !== 'auto' || autoIntervalMs === undefined) throw new Error(`interval ${p.interval} is not handled by this test`);
    return { [bucket.id]: { date_histogram: { field: p.field, fixed_interval: `${autoIntervalMs}ms`, min_doc_count: p.min_doc_count, time_zone: 'UTC' } } };
  }
  throw new Error(`aggregation ${bucket.type} is not handled by this test`);
}

type Buckets = Array<{ key: string | number; count: number }>;

describe('HIDS visualizations on real OpenSearch agree with the hidsmon API', () => {
  const prefix = testIndexPrefix();
  let client: Client;
  let store: DuckDbStore;
  let api: ReturnType<typeof createQueryApi>;
  const objects = dashboardSavedObjects({ indexPattern: `${prefix}*` });
  const visualizations = new Map(objects.filter((o) => o.type === 'visualization').map((o) => [o.id, JSON.parse(o.attributes['visState'] as string) as { aggs: VisAgg[] }]));
  /** What Dashboards searches: the index pattern's title, with its time field bounding the dashboard's range. */
  const indexPattern = objects.find((o) => o.type === 'index-pattern')?.attributes as { title: string; timeFieldName: string };

  beforeAll(async () => {
    const url = await sharedOpenSearch();
    client = openSearchClient({ url, indexPrefix: prefix });
    const docs = simulatedAlerts();
    // Indexed as the server's OpenSearch destination does (template first); the sink puts cwl- days under this suite's prefix.
    const sink = await OpenSearchSink.open({ url, indexPrefix: prefix, client, refresh: 'wait_for' });
    expect(await sink.write(docs)).toMatchObject({ kind: 'ok', written: docs.length });
    await sink.close();
    store = await DuckDbStore.open({ path: ':memory:', now: () => RANGE.to });
    expect(await store.write(docs)).toMatchObject({ kind: 'ok', written: docs.length });
    api = createQueryApi({ backend: store, now: () => RANGE.to, metrics: serverMetrics(), ingestStatus: async () => ({ log: { groups: 0, streams: 0, events: 0, stored_bytes: 0, last_sequence: 0 }, streams: [], forwarder: [], dead_letters: 0 }), deadLetters: async () => [] });
  }, 240_000);

  afterAll(async () => {
    await store?.close();
    if (client) {
      await client.indices.delete({ index: `${prefix}*`, ignore_unavailable: true }).catch(() => undefined);
      await client.indices.deleteIndexTemplate({ name: indexTemplateName(prefix) }).catch(() => undefined);
      await client.close();
    }
  });

  async function hidsmonPanel(panel: HidsPanel): Promise<{ total: number; buckets: Buckets; otherCount?: number; intervalMs?: number }> {
    const aggregation = HIDSMON_PANEL_AGGREGATIONS[panel.id];
    const response = await api.request('/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '', from: RANGE.from, to: RANGE.to, size: 0, aggregations: { panel: aggregation } }) });
    expect(response.status).toBe(200);
    const result = (await response.json()) as SearchResponse;
    const agg = result.aggregations['panel']!;
    if (agg.type === 'date_histogram') return { total: result.total, intervalMs: agg.interval_ms, buckets: agg.buckets.filter((b) => b.count > 0).map((b) => ({ key: b.key_ms, count: b.count })) };
    if (agg.type !== 'terms') throw new Error(`A panel's aggregation is a histogram or terms, not ${agg.type}.`);
    return { total: result.total, otherCount: agg.other_count, buckets: agg.buckets.map((b) => ({ key: b.key, count: b.count })) };
  }

  async function openSearchPanel(panel: HidsPanel, autoIntervalMs: number | undefined): Promise<{ total: number; buckets: Buckets; otherCount: number | undefined }> {
    const aggs = openSearchAggs(visualizations.get(panel.id) as { aggs: VisAgg[] }, autoIntervalMs);
    const response = await client.search({
      index: indexPattern.title,
      body: { size: 0, track_total_hits: true, query: { bool: { filter: [{ range: { [indexPattern.timeFieldName]: { gte: RANGE.from, lte: RANGE.to, format: 'epoch_millis' } } }] } }, aggs } as never,
    });
    const body = response.body as unknown as { _shards: { failed: number }; hits: { total: { value: number } }; aggregations: Record<string, { buckets: Array<{ key: string | number; doc_count: number }>; sum_other_doc_count?: number }> };
    expect(body._shards.failed).toBe(0);
    const agg = body.aggregations['2'] as { buckets: Array<{ key: string | number; doc_count: number }>; sum_other_doc_count?: number };
    return { total: body.hits.total.value, otherCount: agg.sum_other_doc_count, buckets: agg.buckets.map((b) => ({ key: b.key, count: b.doc_count })) };
  }

  it.each(HIDS_PANELS.map((p) => [p.title, p] as const))('%s', async (_title, panel) => {
    const hidsmon = await hidsmonPanel(panel);
    const openSearch = await openSearchPanel(panel, hidsmon.intervalMs);
    expect(hidsmon.buckets.length, 'the panel has something to compare').toBeGreaterThan(1);
    expect(openSearch.total).toBe(hidsmon.total);
    expect(openSearch.buckets).toEqual(hidsmon.buckets);
    if (panel.bucket.type === 'terms') expect(openSearch.otherCount).toBe(hidsmon.otherCount);
  });
});
