/**
 * @module The embedded index at 1M and 10M simulated alerts (30 days, 2 hosts, both attack
 * scenarios): ingest rate, the five panels of the blog's HIDS dashboard over all data and the last
 * 24 h, the blog's query, a free-text search, bytes per alert on disk and peak RSS. The built
 * indices are cached under .cache/bench/ (keyed by the generator's parameters), so a second run
 * measures queries without re-ingesting.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IndexedDocument } from '../src/core/document.js';
import { cloudWatchEventId } from '../src/core/ids.js';
import { parseQueryInput } from '../src/query/parse-query.js';
import type { AggregationRequest, SearchRequest, WriteResult } from '../src/query/search-api.js';
import { FleetSimulator } from '../src/simulate/fleet-simulator.js';
import { renderAlert } from '../src/simulate/render.js';
import { DuckDbStore } from '../src/sinks/duckdb/store.js';
import { documentFromLogEvent } from '../src/transforms/to-document.js';
import { median, type Row, type SuiteResult } from './harness.js';
import { REPO_ROOT } from './paths.js';

const CACHE = join(REPO_ROOT, '.cache', 'bench');
/** Bump when the generator or the store's layout changes, so that cached indices are rebuilt. */
export const GENERATOR_VERSION = 4;
const END_MS = Date.UTC(2024, 2, 31);
const SPAN_MS = 30 * 86_400_000;
const BATCH = 10_000;
const BLOG_QUERY = 'rule.level: 6 AND @log_stream: "i-0e427a8594852eca2" AND srcip: 10.10.10.10';
const FREE_TEXT = '"did not receive identification"';

export const DASHBOARD_PANELS: Record<string, AggregationRequest> = {
  'alerts over time': { type: 'date_histogram', intervalMs: 'auto' },
  'top 20 rule.comment': { type: 'terms', field: 'rule.comment', size: 20 },
  'rule.level': { type: 'terms', field: 'rule.level', size: 20 },
  'top 10 rule.sidid': { type: 'terms', field: 'rule.sidid', size: 10 },
  'top 10 srcip': { type: 'terms', field: 'srcip', size: 10 },
};

export interface Built {
  store: DuckDbStore;
  ingest: { alerts: number; totalSeconds: number; measured: string; cached: boolean };
}

/** The same alerts for the same count, every time: seed, hosts, rate and times are fixed. */
export function* simulatedDocuments(count: number): Generator<IndexedDocument[]> {
  const sim = new FleetSimulator({ hosts: 2, seed: 2024, ratePerSec: count / (SPAN_MS / 1000), startMs: END_MS - SPAN_MS, scenarios: ['ssh-brute-force', 'port-scan'], attackShare: 0.2 });
  let batch: IndexedDocument[] = [];
  for (let i = 0; i < count; i++) {
    const alert = sim.next();
    batch.push(documentFromLogEvent({ eventId: cloudWatchEventId(alert.timeMs, i), timestampMs: alert.timeMs, message: renderAlert(alert, 'ossec-json'), owner: '123456789012', logGroup: 'hids-alerts-us-east-1', logStream: alert.host.instanceId }));
    if (batch.length === BATCH) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

export const storePath = (count: number): string => join(CACHE, `store-${count}-v${GENERATOR_VERSION}.duckdb`);

/** What web/src/dashboard.tsx asks for: DASHBOARD_AGGREGATIONS, its histogram stacked by rule level, in the viewer's zone. */
const UI_DASHBOARD = (timeZone: string): Record<string, AggregationRequest> => ({
  over_time: { type: 'date_histogram', intervalMs: 'auto', timeZone, subAggregations: { levels: { type: 'terms', field: 'rule.level', size: 16 } } },
  types: { type: 'terms', field: 'rule.comment', size: 20 },
  levels: { type: 'terms', field: 'rule.level', size: 16 },
  rule_ids: { type: 'terms', field: 'rule.sidid', size: 10 },
  source_ips: { type: 'terms', field: 'srcip', size: 10 },
  hosts: { type: 'cardinality', field: '@log_stream' },
});

export async function build(count: number, log: (line: string) => void): Promise<Built> {
  mkdirSync(CACHE, { recursive: true });
  const path = storePath(count);
  const meta = `${path}.json`;
  if (existsSync(path) && existsSync(meta)) {
    const ingest = JSON.parse(readFileSync(meta, 'utf8'));
    return { store: await DuckDbStore.open({ path, now: () => END_MS, limits: NO_TIMEOUT }), ingest: { ...ingest, cached: true } };
  }
  removeStoreFiles(path);
  const store = await DuckDbStore.open({ path, now: () => END_MS, limits: NO_TIMEOUT });
  const started = performance.now();
  let done = 0;
  // One batch in flight: the next batch is simulated and transformed while DuckDB commits this one.
  let pending: Promise<unknown> | undefined;
  for (const batch of simulatedDocuments(count)) {
    const written = store.write(batch).then(tookAll);
    if (pending) await pending;
    pending = written;
    done += batch.length;
    if (done % 1_000_000 === 0) log(`  ingested ${done.toLocaleString('en-US')} of ${count.toLocaleString('en-US')}`);
  }
  await pending;
  await store.checkpoint();
  const ingest = { alerts: count, totalSeconds: (performance.now() - started) / 1000, measured: new Date().toISOString(), cached: false };
  writeFileSync(meta, JSON.stringify(ingest));
  return { store, ingest };
}

/**
 * Removes a store's files, the text index's side file and its logs too: a side file left beside a
 * new DuckDB file would be an index ahead of it (and 450 MB of disk at 300,000 alerts).
 */
function removeStoreFiles(path: string): void {
  for (const suffix of ['', '.wal', '.text.sqlite', '.text.sqlite-wal', '.text.sqlite-shm']) rmSync(`${path}${suffix}`, { force: true });
}

/** The bench measures how long searches take, so none is cut off at the server's search timeout. */
const NO_TIMEOUT = { searchTimeoutMs: 0 };

function request(query: string, extra: Partial<SearchRequest> = {}): SearchRequest {
  const parsed = parseQueryInput(query);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return { query: parsed.value, ...extra };
}

/** Median wall time of a search over several runs (the first run warms the caches and is dropped). */
async function timeSearch(store: DuckDbStore, req: SearchRequest, runs = 7): Promise<{ ms: number; total: number }> {
  const times: number[] = [];
  let total = 0;
  for (let i = 0; i <= runs; i++) {
    const t = performance.now();
    const result = await store.search(req);
    const ms = performance.now() - t;
    if (!result.ok) throw new Error(result.error.message);
    total = result.value.total;
    if (i > 0) times.push(ms);
  }
  return { ms: median(times), total };
}

/**
 * The store alone: documents made beforehand, written in batches of 10,000 with one in flight,
 * into a fresh file, then a checkpoint (compression) — what a forwarder feeding it would see.
 */
async function storeOnlyRate(count: number): Promise<number> {
  const docs = [...simulatedDocuments(count)];
  const path = join(CACHE, 'store-only.duckdb');
  removeStoreFiles(path);
  const store = await DuckDbStore.open({ path });
  const started = performance.now();
  let pending: Promise<unknown> | undefined;
  for (const batch of docs) {
    const written = store.write(batch).then(tookAll);
    if (pending) await pending;
    pending = written;
  }
  await pending;
  await store.checkpoint();
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  removeStoreFiles(path);
  return count / seconds;
}

export async function runStoreBench(sizes: number[], log: (line: string) => void): Promise<SuiteResult> {
  const rows: Row[] = [];
  const goals: NonNullable<SuiteResult['goals']> = [];
  mkdirSync(CACHE, { recursive: true });
  const STORE_ONLY = 300_000;
  const storeRate = await storeOnlyRate(STORE_ONLY);
  rows.push({ alerts: '0.3M', measure: 'ingest into the store alone (documents made beforehand), with checkpoint', value: Math.round(storeRate), unit: 'alerts/s' });
  for (const count of sizes) {
    log(`store bench: ${count.toLocaleString('en-US')} alerts`);
    const { store, ingest } = await build(count, log);
    try {
      const label = `${count / 1_000_000}M`;
      const ingestRate = ingest.alerts / ingest.totalSeconds;
      rows.push({ alerts: label, measure: `ingest end to end: simulate + transform + store, then checkpoint${ingest.cached ? ` (index cached; measured ${ingest.measured.slice(0, 10)})` : ''}`, value: Math.round(ingestRate), unit: 'alerts/s' });
      const all = { fromMs: END_MS - SPAN_MS, toMs: END_MS };
      const day = { fromMs: END_MS - 86_400_000, toMs: END_MS };
      let panelsAll = 0;
      for (const [rangeName, range] of [['all data', all], ['last 24 h', day]] as const) {
        const together = await timeSearch(store, request('', { timeRange: range, size: 0, aggregations: DASHBOARD_PANELS }));
        rows.push({ alerts: label, measure: `five dashboard panels together, ${rangeName}`, value: together.ms, unit: 'ms' });
        if (rangeName === 'all data') panelsAll = together.ms;
        for (const [name, agg] of Object.entries(DASHBOARD_PANELS)) {
          const one = await timeSearch(store, request('', { timeRange: range, size: 0, aggregations: { [name]: agg } }), 3);
          rows.push({ alerts: label, measure: `  panel: ${name}, ${rangeName}`, value: one.ms, unit: 'ms' });
        }
      }
      // Side by side: the same requests counted from the rows (useRollups: false), the path before the rollup.
      const dashboards: Array<[string, SearchRequest]> = [
        ['five dashboard panels together, all data', request('', { timeRange: all, size: 0, aggregations: DASHBOARD_PANELS })],
        ['five dashboard panels together, last 24 h', request('', { timeRange: day, size: 0, aggregations: DASHBOARD_PANELS })],
        ["web UI dashboard's request, all data, Asia/Kolkata (stacked by level, hosts)", request('', { timeRange: all, size: 0, aggregations: UI_DASHBOARD('Asia/Kolkata') })],
        ["web UI dashboard's request, all data, Europe/Berlin", request('', { timeRange: all, size: 0, aggregations: UI_DASHBOARD('Europe/Berlin') })],
        ['five panels with a filter (rule.level:>=10: from the rows on both)', request('rule.level:>=10', { timeRange: all, size: 0, aggregations: DASHBOARD_PANELS })],
      ];
      // Two more read-only instances on the same file, alike but for the rollup (and without the text
      // index, whose catching up would weigh on one side): the log is checkpointed first, so that they have nothing to write.
      await store.checkpoint();
      const open = (useRollups: boolean): Promise<DuckDbStore> => DuckDbStore.open({ path: storePath(count), now: () => END_MS, limits: NO_TIMEOUT, useRollups, textIndex: false, readConnections: 1 });
      const [rollupStore, rowsStore] = [await open(true), await open(false)];
      for (const [name, req] of dashboards) {
        const rolled = await timeSearch(rollupStore, req);
        const fromRows = await timeSearch(rowsStore, req);
        rows.push({ alerts: label, measure: `${name}: from the rollup`, value: rolled.ms, unit: 'ms', 'from the rows (ms)': Math.round(fromRows.ms * 10) / 10, 'rows / rollup': (fromRows.ms / rolled.ms).toFixed(1) });
      }
      await rollupStore.close();
      await rowsStore.close();
      const blog = await timeSearch(store, request(BLOG_QUERY, { timeRange: all, size: 20 }));
      rows.push({ alerts: label, measure: `blog query, first page of 20 + exact total (${blog.total.toLocaleString('en-US')} hits)`, value: blog.ms, unit: 'ms' });
      const free = await timeSearch(store, request(FREE_TEXT, { timeRange: all, size: 20 }), 3);
      rows.push({ alerts: label, measure: `free text ${FREE_TEXT}, first page + total (${free.total.toLocaleString('en-US')} hits)`, value: free.ms, unit: 'ms' });
      const freeDay = await timeSearch(store, request(FREE_TEXT, { timeRange: day, size: 20 }), 3);
      rows.push({ alerts: label, measure: 'free text, last 24 h', value: freeDay.ms, unit: 'ms' });
      const bytes = store.fileBytes();
      rows.push({ alerts: label, measure: 'bytes per alert on disk', value: bytes / count, unit: 'B' });
      rows.push({ alerts: label, measure: 'peak RSS of this process so far', value: Math.round(process.resourceUsage().maxRSS / 1024), unit: 'MiB' });
      if (count === 10_000_000) {
        goals.push({ goal: 'ingest ≥ 100,000 alerts/s at 10M', met: ingestRate >= 100_000, measured: `${Math.round(ingestRate).toLocaleString('en-US')} alerts/s end to end at 10M; ${Math.round(storeRate).toLocaleString('en-US')} alerts/s into the store alone (0.3M)` });
        goals.push({ goal: 'five panels together < 250 ms at 10M (all data)', met: panelsAll < 250, measured: `${panelsAll.toFixed(0)} ms` });
        goals.push({ goal: "blog query's first page < 100 ms at 10M", met: blog.ms < 100, measured: `${blog.ms.toFixed(1)} ms` });
        goals.push({ goal: '≤ 120 bytes per alert on disk at 10M', met: bytes / count <= 120, measured: `${(bytes / count).toFixed(1)} B` });
      }
    } finally {
      await store.close();
    }
  }
  return {
    suite: 'store',
    description: 'Embedded DuckDB index; simulated ossec-json alerts over 30 days, 2 hosts, both attack scenarios; medians of repeated runs on warm caches; DuckDB uses both cores.',
    rows,
    goals,
  };
}

/** A bench counts only batches the store took: a retryable answer ends it with the store's error. */
function tookAll(result: WriteResult): void {
  if (result.kind !== 'ok') throw result.error;
}
