/**
 * @module Bench `backends`: the same simulated alerts (1,000,000 over 30 days by default,
 * HIDSMON_BENCH_BACKEND_ALERTS to change it) in both backends, side by side in one run: each
 * sink's ingest rate on a fresh slice of the alerts (HIDSMON_BENCH_INGEST_ALERTS, default 200,000:
 * the same batches of 10,000, one in flight, as the forwarder writes), then a hidsmon server on each
 * whole data set (child processes, `--backend embedded` and `--backend opensearch`), queried over
 * the same HTTP API: the five dashboard panels, the blog's query, free text with an exact total, a
 * numeric range. Also bytes per alert on disk and resident memory (the hidsmon server's; for
 * OpenSearch the JVM's plus its hidsmon server's).
 *
 * The whole data sets are cached under .cache/bench/, keyed by alert count and generator version,
 * so that a run at 10M does not write 10M alerts into each backend again: the embedded store is
 * the store bench's cached file (text index side file included, copied for the run), OpenSearch is
 * the data directory of a node of the integ-test-zip that the bench starts itself (2 GiB heap,
 * HIDSMON_BENCH_OPENSEARCH_HEAP_MB) and stops by its PID, loaded once for the cache with refreshes
 * off, no replicas and several bulk requests in flight, then refreshed and force-merged. With
 * HIDSMON_BENCH_OPENSEARCH_URL (a node already running, a shared development node) the cache cannot
 * be used: the data set is written through the sink under an index prefix of the run's own that is
 * deleted at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WriteResult } from '../src/query/search-api.js';
import { DuckDbStore } from '../src/sinks/duckdb/store.js';
import { OpenSearchSink } from '../src/sinks/opensearch/sink.js';
import { ensureOpenSearch, startOpenSearch } from '../src/testing/opensearch.js';
import { freePort, startServerProcess } from '../src/testing/processes.js';
import { ensureIndexTemplate, indexTemplate, indexTemplateName } from '../src/sinks/opensearch/index-template.js';
import { DEFAULTS } from '../src/config/server-config.js';
import { KEEP_NEWEST_DAYS } from '../src/sinks/duckdb/text-index-compaction.js';
import { CACHE_DIR, cachedStoreCaughtUp, cachedStoreCompacted, copyStoreFiles, freeDiskBytes, gib, removeStaleEntries, requireFreeDisk, storeBytes, treeBytes } from './dataset-cache.js';
import { median, type Row, type SuiteResult } from './harness.js';
import { DASHBOARD_PANELS, GENERATOR_VERSION, simulatedDocuments } from './store.bench.js';

const KEY = { id: 'AKIAHIDSMONBENCHBKND', secret: 'bench-backends-secret-0123456789abcdef' };
const TOKEN = 'bench-backends-api-token-0123456789abcdef';
const END_MS = Date.UTC(2024, 2, 31);
const SPAN_MS = 30 * 86_400_000;
const BLOG_QUERY = 'rule.level: 6 AND @log_stream: "i-0e427a8594852eca2" AND srcip: 10.10.10.10';
const RUNS = 7;
/**
 * Untimed runs of each query on each server before any is timed: a user's OpenSearch node is warm
 * (its request cache, the JIT, the page cache) and so is a user's hidsmon server, so both get the
 * same warm-up, interleaved query by query, and then the median of RUNS.
 */
const WARMUP_RUNS = 5;

const QUERIES: Array<{ name: string; body: Record<string, unknown> }> = [
  { name: 'five dashboard panels (all data)', body: { query: '', size: 0, aggregations: panelsBody() } },
  { name: "the web UI dashboard's request (all data, Asia/Kolkata: stacked by level, five panels, hosts)", body: { query: '', size: 0, time_zone: 'Asia/Kolkata', aggregations: uiDashboardBody() } },
  { name: "the blog's query", body: { query: BLOG_QUERY, size: 20 } },
  { name: 'free text "did not receive identification" (exact total, first page)', body: { query: '"did not receive identification"', size: 20 } },
  { name: 'free text: one word (identification)', body: { query: 'identification', size: 20 } },
  { name: 'numeric range rule.level:[10 TO 15]', body: { query: 'rule.level:[10 TO 15]', size: 20 } },
];

function panelsBody(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, agg] of Object.entries(DASHBOARD_PANELS)) {
    out[name] = agg.type === 'date_histogram' ? { type: 'date_histogram', interval_ms: 'auto' } : { ...agg };
  }
  return out;
}

/** What web/src/dashboard.tsx asks for (DASHBOARD_AGGREGATIONS with the histogram stacked by rule level). */
function uiDashboardBody(): Record<string, unknown> {
  return {
    over_time: { type: 'date_histogram', interval_ms: 'auto', aggregations: { levels: { type: 'terms', field: 'rule.level', size: 16 } } },
    types: { type: 'terms', field: 'rule.comment', size: 20 },
    levels: { type: 'terms', field: 'rule.level', size: 16 },
    rule_ids: { type: 'terms', field: 'rule.sidid', size: 10 },
    source_ips: { type: 'terms', field: 'srcip', size: 10 },
    hosts: { type: 'cardinality', field: '@log_stream' },
  };
}

function tookAll(result: WriteResult): void {
  if (result.kind !== 'ok') throw new Error(`a bench write was not taken: ${result.error.message}`);
  if (result.written + result.duplicates !== result.outcomes.length) throw new Error(`a bench write rejected ${result.rejected} documents`);
}

const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);

/**
 * The sink alone: documents are simulated and transformed beforehand, 100,000 at a time (untimed),
 * then written in batches of 10,000 with one in flight, as the forwarder writes; alerts/s of the
 * writing only, so that the bench process's own simulation does not count against a sink.
 */
async function ingest(write: (batch: Parameters<DuckDbStore['write']>[0]) => Promise<WriteResult>, count: number, log: (line: string) => void, name: string): Promise<number> {
  let writingMs = 0;
  let done = 0;
  let group: Array<Parameters<DuckDbStore['write']>[0]> = [];
  const flush = async (): Promise<void> => {
    const started = performance.now();
    let pending: Promise<void> | undefined;
    for (const batch of group) {
      const written = write(batch).then(tookAll);
      if (pending) await pending;
      pending = written;
    }
    await pending;
    writingMs += performance.now() - started;
    group = [];
  };
  for (const batch of simulatedDocuments(count)) {
    group.push(batch);
    done += batch.length;
    if (group.length === 10) await flush();
    if (done % 250_000 === 0) log(`  ${name}: ${done.toLocaleString('en-US')} of ${count.toLocaleString('en-US')}`);
  }
  await flush();
  return count / (writingMs / 1000);
}

async function search(port: number, body: Record<string, unknown>): Promise<{ ms: number; total: number }> {
  const t = performance.now();
  const r = await fetch(`http://127.0.0.1:${port}/api/search`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...body, from: new Date(END_MS - SPAN_MS).toISOString(), to: new Date(END_MS).toISOString() }),
  });
  const json = (await r.json()) as { total?: number; error?: unknown };
  const ms = performance.now() - t;
  if (!r.ok) throw new Error(`search ${JSON.stringify(body)} answered ${r.status}: ${JSON.stringify(json)}`);
  return { ms, total: json.total ?? -1 };
}

/** The median of RUNS, on a server warmed beforehand (warmUp). */
async function timed(port: number, body: Record<string, unknown>): Promise<{ ms: number; total: number }> {
  const times: number[] = [];
  let total = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = await search(port, body);
    total = r.total;
    times.push(r.ms);
  }
  return { ms: median(times), total };
}

/** Stops the embedded server and starts it again on the same data and port with text_count_cache false. */
async function restartWalking(server: ChildProcess, data: string, port: number, entry: string, env: Record<string, string>): Promise<ChildProcess> {
  const exited = new Promise<void>((resolve) => (server.exitCode !== null ? resolve() : server.once('exit', () => resolve())));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
  return startServerProcess({ nodeArgs: ['--min-semi-space-size=16', entry], data, port, env: { ...env, HIDSMON_TEXT_COUNT_CACHE: 'false' }, timeoutMs: 120_000 });
}

/** WARMUP_RUNS untimed runs of each query on each server, the two servers taking turns. */
async function warmUp(ports: readonly number[]): Promise<void> {
  for (const q of QUERIES) for (let i = 0; i < WARMUP_RUNS; i++) for (const port of ports) await search(port, q.body);
}

/** Disk OpenSearch takes while the data set is loaded, per alert, with room to spare (~780-930 B merged, ~1,000 as written). */
const OPENSEARCH_LOAD_BYTES_PER_ALERT = 1_600;
/** Writes of 10,000 in flight while OpenSearch is loaded for the cache, each of up to two `_bulk` bodies. */
const CACHE_LOAD_WRITES_IN_FLIGHT = 3;
/** The cached node's daily indices: the product's default prefix. */
const CACHE_PREFIX = 'cwl-';

interface Node {
  url: string;
  pid: number | undefined;
  stop(): Promise<void>;
}

/** The OpenSearch side's whole data set: on which node, under which prefix, and how it got there. */
interface OpenSearchDataSet {
  node: Node;
  prefix: string;
  /** In words, for the output. */
  source: string;
  /** The cache entry's folder (undefined on a node the bench did not start). */
  entry?: string;
  /** When this run wrote the data set: the rate and how. */
  loaded?: { alertsPerSecond: number; how: string };
}

async function openSearchJson(url: string, init?: RequestInit): Promise<any> {
  const response = await fetch(url, { ...init, headers: { 'Content-Type': 'application/json', ...init?.headers } });
  const body = (await response.json()) as any;
  if (!response.ok || (body?._shards?.failed ?? 0) > 0) throw new Error(`${init?.method ?? 'GET'} ${url} answered ${response.status}: ${JSON.stringify(body).slice(0, 500)}`);
  return body;
}

const countDocs = async (url: string, prefix: string): Promise<number> => Number((await openSearchJson(`${url}/${prefix}*/_count`)).count);

/** Force merge to one segment per index, as a task polled to its end (a merge of 10M alerts outlasts an HTTP request's patience). */
async function forceMerge(url: string, prefix: string, log: (line: string) => void): Promise<void> {
  const started = await openSearchJson(`${url}/${prefix}*/_forcemerge?max_num_segments=1&wait_for_completion=false`, { method: 'POST' });
  const task = started.task as string | undefined;
  if (!task) return;
  for (const deadline = Date.now() + 3 * 3_600_000; Date.now() < deadline; ) {
    const state = await openSearchJson(`${url}/_tasks/${encodeURIComponent(task)}`);
    if (state.completed) {
      if (state.error || (state.response?._shards?.failed ?? 0) > 0) throw new Error(`force merge failed: ${JSON.stringify(state.error ?? state.response)}`);
      return;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  log('  force merge still running after 3 h: going on without it');
}

/**
 * Loads the data set into the cached node, faster than the product writes (this is not the ingest
 * figure): refreshes off and no replicas during the load, several writes in flight, then the
 * product's own template and refresh interval back, a refresh, a force merge and a flush.
 */
async function loadForCache(url: string, count: number, log: (line: string) => void): Promise<number> {
  const sink = await OpenSearchSink.open({ url, indexPrefix: CACHE_PREFIX, template: { refreshInterval: '-1', replicas: 0 } });
  const started = performance.now();
  try {
    const inFlight: Array<Promise<void>> = [];
    let done = 0;
    for (const batch of simulatedDocuments(count)) {
      const written = sink.write(batch).then(tookAll);
      // Awaited in order below; marked handled now, so that a failure behind the oldest is not an unhandled rejection.
      written.catch(() => undefined);
      inFlight.push(written);
      if (inFlight.length >= CACHE_LOAD_WRITES_IN_FLIGHT) await inFlight.shift();
      done += batch.length;
      if (done % 500_000 === 0) log(`  opensearch cache: ${done.toLocaleString('en-US')} of ${count.toLocaleString('en-US')}`);
    }
    for (const written of inFlight) await written;
    const loadSeconds = (performance.now() - started) / 1000;
    // The product's template for any index made later, and its refresh interval on these.
    await ensureIndexTemplate(sink.client, CACHE_PREFIX);
    const settings = (indexTemplate(CACHE_PREFIX) as { template: { settings: Record<string, unknown> } }).template.settings;
    await openSearchJson(`${url}/${CACHE_PREFIX}*/_settings`, { method: 'PUT', body: JSON.stringify({ index: { refresh_interval: settings['index.refresh_interval'] } }) });
    await openSearchJson(`${url}/${CACHE_PREFIX}*/_refresh`, { method: 'POST' });
    log(`  opensearch cache: ${Math.round(count / loadSeconds).toLocaleString('en-US')} alerts/s written; force merge...`);
    await forceMerge(url, CACHE_PREFIX, log);
    await openSearchJson(`${url}/${CACHE_PREFIX}*/_flush`, { method: 'POST' });
    return count / loadSeconds;
  } finally {
    await sink.close();
  }
}

/**
 * A node of the bench's own on the cache entry for this count, generator version, OpenSearch
 * version and index template: reused when it holds the whole data set, else loaded now.
 */
async function cachedOpenSearch(count: number, heapMb: number, log: (line: string) => void): Promise<OpenSearchDataSet> {
  const { home } = await ensureOpenSearch();
  const template = createHash('sha256').update(JSON.stringify(indexTemplate(CACHE_PREFIX))).digest('hex').slice(0, 8);
  const key = `${basename(home)}-${count}-v${GENERATOR_VERSION}-t${template}`;
  const entry = join(CACHE_DIR, key);
  const marker = join(entry, 'loaded.json');
  // Another generator version, OpenSearch version or template at this count can never be used again.
  removeStaleEntries(new RegExp(`^opensearch-[^-]+-${count}-v`), key, log);
  let loaded = existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { date: string; alertsPerSecond: number }) : undefined;
  if (!loaded) {
    rmSync(entry, { recursive: true, force: true });
    requireFreeDisk(CACHE_DIR, count * OPENSEARCH_LOAD_BYTES_PER_ALERT, `the OpenSearch data set of ${count.toLocaleString('en-US')} alerts`);
  }
  mkdirSync(entry, { recursive: true });
  log(`  starting OpenSearch (${heapMb} MiB heap) on ${loaded ? 'the cached' : 'a new'} data directory ${join(entry, 'data')}...`);
  const node = await startOpenSearch({ heapMb, dataPath: join(entry, 'data'), timeoutMs: 600_000 });
  try {
    if (loaded) {
      const held = await countDocs(node.url, CACHE_PREFIX).catch(() => -1);
      if (held === count) return { node, prefix: CACHE_PREFIX, entry, source: `OpenSearch data directory cached in ${entry} (loaded ${loaded.date.slice(0, 10)})` };
      log(`  the cached node holds ${held} alerts, not ${count}: loading again`);
      rmSync(marker, { force: true });
      await openSearchJson(`${node.url}/${CACHE_PREFIX}*`, { method: 'DELETE' });
      loaded = undefined;
    }
    log(`  loading ${count.toLocaleString('en-US')} alerts into OpenSearch for the cache (refresh off, no replicas, ${CACHE_LOAD_WRITES_IN_FLIGHT} writes in flight)...`);
    const rate = await loadForCache(node.url, count, log);
    const held = await countDocs(node.url, CACHE_PREFIX);
    if (held !== count) throw new Error(`OpenSearch holds ${held} alerts after the load, not ${count}`);
    writeFileSync(marker, JSON.stringify({ date: new Date().toISOString(), alerts: count, alertsPerSecond: rate }));
    return { node, prefix: CACHE_PREFIX, entry, source: `OpenSearch data directory loaded now into the cache ${entry}`, loaded: { alertsPerSecond: rate, how: `for the cache: refresh off, no replicas, ${CACHE_LOAD_WRITES_IN_FLIGHT} writes of 10,000 in flight; then refresh, force merge to 1 segment, flush` } };
  } catch (error) {
    await node.stop();
    throw error;
  }
}

/** A node the bench did not start: the data set written now through the sink, as the product writes, under a prefix of this run's. */
async function sharedOpenSearch(url: string, count: number, log: (line: string) => void): Promise<OpenSearchDataSet> {
  const prefix = `bench${Math.random().toString(36).slice(2, 8)}-cwl-`;
  const node = { url: url.replace(/\/$/, ''), pid: undefined, stop: async () => undefined };
  log(`  using the OpenSearch node at ${node.url} (indices ${prefix}*; no cache on a node the bench did not start)`);
  const sink = await OpenSearchSink.open({ url: node.url, indexPrefix: prefix });
  try {
    const rate = await ingest((b) => sink.write(b), count, log, 'opensearch (data set)');
    await openSearchJson(`${node.url}/${prefix}*/_refresh`, { method: 'POST' });
    await openSearchJson(`${node.url}/${prefix}*/_flush`, { method: 'POST' });
    return { node, prefix, source: `the data set written now through the sink into ${node.url} (indices ${prefix}*)`, loaded: { alertsPerSecond: rate, how: 'through the sink as the product writes (one write in flight)' } };
  } finally {
    await sink.close();
  }
}

async function deletePrefix(url: string, prefix: string): Promise<void> {
  await fetch(`${url}/${prefix}*`, { method: 'DELETE' }).catch(() => undefined);
  await fetch(`${url}/_index_template/${indexTemplateName(prefix)}`, { method: 'DELETE' }).catch(() => undefined);
}

async function indicesBytes(url: string, prefix: string): Promise<{ bytes: number; docs: number }> {
  const cat = (await openSearchJson(`${url}/_cat/indices/${prefix}*?format=json&bytes=b`)) as Array<{ 'store.size': string; 'docs.count': string }>;
  return { bytes: cat.reduce((sum, i) => sum + Number(i['store.size']), 0), docs: cat.reduce((sum, i) => sum + Number(i['docs.count']), 0) };
}

const ratio = (a: number, b: number): string => (a / b).toFixed(2);

export async function runBackendsBench(log: (line: string) => void): Promise<SuiteResult> {
  const count = Number(process.env['HIDSMON_BENCH_BACKEND_ALERTS'] ?? 1_000_000);
  const slice = Math.min(count, Number(process.env['HIDSMON_BENCH_INGEST_ALERTS'] ?? 200_000));
  const heapMb = Number(process.env['HIDSMON_BENCH_OPENSEARCH_HEAP_MB'] ?? 2048);
  const dir = mkdtempSync(join(tmpdir(), 'hidsmon-bench-backends-'));
  const entry = fileURLToPath(new URL('../src/testing/cli-entry.js', import.meta.url));
  // The embedded text index as the product's default keeps it, or as HIDSMON_BENCH_TEXT_SEGMENTS says: closed days in segments or all in FTS5.
  const segments = (process.env['HIDSMON_BENCH_TEXT_SEGMENTS'] ?? String(DEFAULTS.textSegments)) === 'true';
  const env = { HIDSMON_ACCESS_KEY_ID: KEY.id, HIDSMON_SECRET_ACCESS_KEY: KEY.secret, HIDSMON_API_TOKEN: TOKEN, HIDSMON_LOG_LEVEL: 'warn', HIDSMON_RETENTION_DAYS: '0', HIDSMON_TEXT_SEGMENTS: String(segments) };
  const given = process.env['HIDSMON_BENCH_OPENSEARCH_URL'];
  const loadAverages = [loadavg()[0]!.toFixed(2)];
  const servers: ChildProcess[] = [];
  let dataSet: OpenSearchDataSet | undefined;
  const slicePrefix = `ingest${Math.random().toString(36).slice(2, 8)}-cwl-`;
  try {
    // The whole data sets, from the cache where it can be used.
    const embedded = segments ? await cachedStoreCompacted(count, log) : await cachedStoreCaughtUp(count, log);
    const embeddedData = join(dir, 'embedded');
    mkdirSync(embeddedData, { recursive: true, mode: 0o700 });
    requireFreeDisk(dir, storeBytes(embedded.path), 'the run\'s copy of the embedded store');
    const copied = copyStoreFiles(embedded.path, join(embeddedData, 'index.duckdb'));
    if (!copied.sideFileCopied) throw new Error(`${embedded.path} has no text index side file`);
    dataSet = given ? await sharedOpenSearch(given, count, log) : await cachedOpenSearch(count, heapMb, log);
    const { node, prefix } = dataSet;
    loadAverages.push(loadavg()[0]!.toFixed(2));

    // Ingest: a fresh slice into a new store and new indices, the same documents into each sink, one after the other.
    const sliceStorePath = join(dir, 'ingest-embedded', 'index.duckdb');
    mkdirSync(join(dir, 'ingest-embedded'), { recursive: true, mode: 0o700 });
    const sliceStore = await DuckDbStore.open({ path: sliceStorePath, now: () => END_MS, limits: { searchTimeoutMs: 0 }, textSegments: segments });
    log(`  ingest: ${slice.toLocaleString('en-US')} alerts into a new embedded store...`);
    const embeddedRate = await ingest((b) => sliceStore.write(b), slice, log, 'embedded');
    await sliceStore.checkpoint();
    await sliceStore.close();
    const sliceEmbeddedBytes = storeBytes(sliceStorePath);
    rmSync(join(dir, 'ingest-embedded'), { recursive: true, force: true });
    const sink = await OpenSearchSink.open({ url: node.url, indexPrefix: slicePrefix });
    log(`  ingest: ${slice.toLocaleString('en-US')} alerts into new OpenSearch indices (${slicePrefix}*)...`);
    const openSearchRate = await ingest((b) => sink.write(b), slice, log, 'opensearch');
    await sink.close();
    await openSearchJson(`${node.url}/${slicePrefix}*/_refresh`, { method: 'POST' });
    await openSearchJson(`${node.url}/${slicePrefix}*/_flush`, { method: 'POST' });
    const sliceOpenSearch = await indicesBytes(node.url, slicePrefix);
    await deletePrefix(node.url, slicePrefix);
    loadAverages.push(loadavg()[0]!.toFixed(2));

    const embeddedBytes = storeBytes(join(embeddedData, 'index.duckdb'));
    const held = await indicesBytes(node.url, prefix);

    // A hidsmon server on each backend, queried over the same HTTP API.
    const embeddedPort = await freePort();
    const embeddedServer = await startServerProcess({ nodeArgs: ['--min-semi-space-size=16', entry], data: embeddedData, port: embeddedPort, env, timeoutMs: 120_000 });
    servers.push(embeddedServer);
    const openSearchPort = await freePort();
    const openSearchServer = await startServerProcess({ nodeArgs: ['--min-semi-space-size=16', entry], data: join(dir, 'opensearch'), port: openSearchPort, env: { ...env, HIDSMON_BACKEND: 'opensearch', HIDSMON_OPENSEARCH_URL: node.url, HIDSMON_OPENSEARCH_INDEX_PREFIX: prefix }, timeoutMs: 120_000 });
    servers.push(openSearchServer);

    const perAlert = held.bytes / Math.max(1, held.docs);
    const rows: Row[] = [
      { measure: `ingest (sink, alerts/s): a fresh slice of ${slice.toLocaleString('en-US')} alerts into a new store / new indices, batches of 10,000, one in flight`, embedded: Math.round(embeddedRate), opensearch: Math.round(openSearchRate), 'opensearch / embedded': ratio(openSearchRate, embeddedRate) },
      { measure: `bytes per alert on disk, the slice as written (embedded: DuckDB + text index side file; OpenSearch: refreshed and flushed)`, embedded: Math.round(sliceEmbeddedBytes / slice), opensearch: Math.round(sliceOpenSearch.bytes / Math.max(1, sliceOpenSearch.docs)), 'opensearch / embedded': ratio(sliceOpenSearch.bytes / Math.max(1, sliceOpenSearch.docs), sliceEmbeddedBytes / slice) },
      { measure: `bytes per alert on disk, the whole data set (embedded: checkpointed, text index included; OpenSearch: ${given ? 'as written' : 'force-merged to 1 segment per index'})`, embedded: Math.round(embeddedBytes / count), opensearch: Math.round(perAlert), 'opensearch / embedded': ratio(perAlert, embeddedBytes / count) },
    ];
    if (dataSet.loaded) rows.push({ measure: `OpenSearch data set written in this run, ${dataSet.loaded.how} (alerts/s)`, opensearch: Math.round(dataSet.loaded.alertsPerSecond) });
    const mismatches: string[] = [];
    const timings = new Map<string, { e: number; o: number }>();
    log(`  warm-up: ${WARMUP_RUNS} untimed runs of each query on each server...`);
    await warmUp([embeddedPort, openSearchPort]);
    // Interleaved, query by query, so that both see the same machine load.
    for (const q of QUERIES) {
      log(`  ${q.name}...`);
      const e = await timed(embeddedPort, q.body);
      const o = await timed(openSearchPort, q.body);
      timings.set(q.name, { e: e.ms, o: o.ms });
      if (e.total !== o.total) mismatches.push(`${q.name}: embedded ${e.total}, opensearch ${o.total}`);
      rows.push({ measure: `${q.name} (ms, median of ${RUNS} after ${WARMUP_RUNS} untimed)`, embedded: Math.round(e.ms), opensearch: Math.round(o.ms), 'opensearch / embedded': ratio(o.ms, e.ms), totals: e.total === o.total ? `${e.total} both` : `${e.total} vs ${o.total}` });
    }
    loadAverages.push(loadavg()[0]!.toFixed(2));
    const embeddedRss = rssOf(embeddedServer.pid!);

    // The free-text rows again with the embedded server walking the text index on every search
    // (text_count_cache false), as a first search of a query does: the kept counts above are what
    // a repeated search (a refresh, a dashboard's poll) gets.
    const walking = await restartWalking(embeddedServer, embeddedData, embeddedPort, entry, env);
    servers.push(walking);
    const walked = new Map<string, { e: number; o: number }>();
    for (const q of [QUERIES[3]!, QUERIES[4]!]) {
      for (let i = 0; i < WARMUP_RUNS; i++) for (const port of [embeddedPort, openSearchPort]) await search(port, q.body);
      log(`  ${q.name}, walking the index every run...`);
      const e = await timed(embeddedPort, q.body);
      const o = await timed(openSearchPort, q.body);
      walked.set(q.name, { e: e.ms, o: o.ms });
      if (e.total !== o.total) mismatches.push(`${q.name} (walking): embedded ${e.total}, opensearch ${o.total}`);
      rows.push({ measure: `${q.name}, the embedded server walking the text index every run (text_count_cache: false) (ms, median of ${RUNS} after ${WARMUP_RUNS} untimed)`, embedded: Math.round(e.ms), opensearch: Math.round(o.ms), 'opensearch / embedded': ratio(o.ms, e.ms), totals: e.total === o.total ? `${e.total} both` : `${e.total} vs ${o.total}` });
    }
    loadAverages.push(loadavg()[0]!.toFixed(2));
    const openSearchRss = (node.pid === undefined ? 0 : rssOf(node.pid)) + rssOf(openSearchServer.pid!);
    rows.push({ measure: 'resident memory after the queries (MB)', embedded: mb(embeddedRss), opensearch: mb(openSearchRss), 'opensearch / embedded': ratio(openSearchRss, embeddedRss), totals: node.pid === undefined ? 'opensearch: its hidsmon server only (the JVM of a node the bench did not start is not counted)' : `opensearch: JVM (${heapMb} MiB heap) + its hidsmon server` });
    const disk = {
      embeddedCache: storeBytes(embedded.path),
      openSearchCache: dataSet.entry ? treeBytes(dataSet.entry) : 0,
      cacheTotal: treeBytes(CACHE_DIR),
      runCopy: embeddedBytes,
      free: freeDiskBytes(CACHE_DIR),
    };
    const diskLine = `cache ${CACHE_DIR}: ${gib(disk.cacheTotal)} GiB in all (this count: embedded ${gib(disk.embeddedCache)} GiB, OpenSearch ${dataSet.entry ? `${gib(disk.openSearchCache)} GiB` : 'not cached'}); this run's copy of the embedded store ${gib(disk.runCopy)} GiB (removed at the end); ${gib(disk.free)} GiB free`;
    log(`  disk: ${diskLine}`);
    rows.push({ measure: `disk: ${diskLine}`, embedded: gib(disk.embeddedCache + disk.runCopy), opensearch: gib(disk.openSearchCache), totals: 'GiB' });
    if (held.docs !== count) mismatches.push(`OpenSearch holds ${held.docs} documents of ${count}`);
    const t = (name: string): { e: number; o: number } => timings.get(name) ?? { e: Number.NaN, o: Number.NaN };
    const phrase = t(QUERIES[3]!.name);
    const word = t(QUERIES[4]!.name);
    const w = (name: string): { e: number; o: number } => walked.get(name) ?? { e: Number.NaN, o: Number.NaN };
    const phraseWalked = w(QUERIES[3]!.name);
    const wordWalked = w(QUERIES[4]!.name);
    const panels = t(QUERIES[0]!.name);
    return {
      suite: 'backends',
      description: `${count.toLocaleString('en-US')} simulated alerts over 30 days in the embedded store and a real single-node OpenSearch 2.19, side by side in one run; ingest measured on a fresh slice of ${slice.toLocaleString('en-US')} alerts each run; the whole data sets: embedded ${embedded.source} (text_segments ${segments}: ${segments ? `closed days of the text index in segment files, the newest ${KEEP_NEWEST_DAYS} in FTS5` : 'the whole text index in FTS5'}); OpenSearch ${dataSet.source}; queries over the hidsmon HTTP API of a server on each backend, each query run ${WARMUP_RUNS} times untimed on each server (both warm, as a user's are), then timed as the median of ${RUNS}; the embedded text index keeps its counts between writes to their days (text-index-counts.ts, the product's default) and no write comes between these runs, so its free-text rows measure kept counts; the free-text rows marked walking are run again on an embedded server with text_count_cache false, which walks every match on every search${mismatches.length ? `; TOTALS DIFFER: ${mismatches.join('; ')}` : '; every total agrees'}. Load average (1 min) at start, after the data sets, after ingest, after the queries: ${loadAverages.join(', ')}`,
      rows,
      goals: [
        { goal: 'OpenSearch ingest at least 20,000 alerts/s', met: openSearchRate >= 20_000, measured: `${Math.round(openSearchRate)} alerts/s (slice of ${slice.toLocaleString('en-US')})` },
        { goal: 'free text, phrase (exact total, first page): embedded at least as fast as OpenSearch, with its counts kept and walking the index alike', met: phrase.e <= phrase.o && phraseWalked.e <= phraseWalked.o, measured: `counts kept ${Math.round(phrase.e)} ms vs ${Math.round(phrase.o)} ms; walking ${Math.round(phraseWalked.e)} ms vs ${Math.round(phraseWalked.o)} ms` },
        { goal: 'free text, one word (exact total, first page): embedded at least as fast as OpenSearch, with its counts kept and walking the index alike', met: word.e <= word.o && wordWalked.e <= wordWalked.o, measured: `counts kept ${Math.round(word.e)} ms vs ${Math.round(word.o)} ms; walking ${Math.round(wordWalked.e)} ms vs ${Math.round(wordWalked.o)} ms` },
        { goal: 'five dashboard panels (all data) at least 5x faster than OpenSearch', met: panels.o >= 5 * panels.e, measured: `${Math.round(panels.e)} ms vs ${Math.round(panels.o)} ms (${ratio(panels.o, panels.e)}x)` },
        { goal: 'bytes per alert (index included) at most a third of OpenSearch\'s', met: embeddedBytes / count <= perAlert / 3, measured: `${Math.round(embeddedBytes / count)} B vs ${Math.round(perAlert)} B (the whole data sets)` },
      ],
    };
  } finally {
    for (const s of servers) s.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    if (dataSet) {
      await deletePrefix(dataSet.node.url, slicePrefix);
      if (given) await deletePrefix(dataSet.node.url, dataSet.prefix);
      await dataSet.node.stop();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
