/**
 * @module Bench `backends`: the same simulated alerts (1,000,000 over 30 days by default,
 * HIDSMON_BENCH_BACKEND_ALERTS to change it) through both backends in one run, side by side: each
 * sink's ingest rate (the same batches of 10,000, one in flight), then a hidsmon server on each
 * (child processes, `--backend embedded` and `--backend opensearch`), queried over the same HTTP
 * API: the five dashboard panels, the blog's query, free text with an exact total, a numeric range.
 * Ingest is the sink's writing alone (the documents are made beforehand, untimed).
 * Also bytes per alert on disk and resident memory (the hidsmon server's; for OpenSearch the JVM's
 * plus its hidsmon server's). The OpenSearch node is a real single node of the integ-test-zip
 * started for the run (scripts/ensure-opensearch.sh) and stopped by its PID; or, with
 * HIDSMON_BENCH_OPENSEARCH_URL, a node already running (a shared development node), written under
 * an index prefix of the run's own that is deleted at the end.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WriteResult } from '../src/query/search-api.js';
import { DuckDbStore } from '../src/sinks/duckdb/store.js';
import { OpenSearchSink } from '../src/sinks/opensearch/sink.js';
import { startOpenSearch } from '../src/testing/opensearch.js';
import { freePort, startServerProcess } from '../src/testing/processes.js';
import { indexTemplateName } from '../src/sinks/opensearch/index-template.js';
import { median, type Row, type SuiteResult } from './harness.js';
import { DASHBOARD_PANELS, simulatedDocuments } from './store.bench.js';

const KEY = { id: 'AKIAHIDSMONBENCHBKND', secret: 'bench-backends-secret-0123456789abcdef' };
const TOKEN = 'bench-backends-api-token-0123456789abcdef';
const END_MS = Date.UTC(2024, 2, 31);
const SPAN_MS = 30 * 86_400_000;
const BLOG_QUERY = 'rule.level: 6 AND @log_stream: "i-0e427a8594852eca2" AND srcip: 10.10.10.10';
const RUNS = 7;

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

async function timed(port: number, body: Record<string, unknown>): Promise<{ ms: number; total: number }> {
  const times: number[] = [];
  let total = 0;
  for (let i = 0; i <= RUNS; i++) {
    const r = await search(port, body);
    total = r.total;
    if (i > 0) times.push(r.ms); // the first run warms caches
  }
  return { ms: median(times), total };
}

export async function runBackendsBench(log: (line: string) => void): Promise<SuiteResult> {
  const count = Number(process.env['HIDSMON_BENCH_BACKEND_ALERTS'] ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'hidsmon-bench-backends-'));
  const entry = fileURLToPath(new URL('../src/testing/cli-entry.js', import.meta.url));
  const env = { HIDSMON_ACCESS_KEY_ID: KEY.id, HIDSMON_SECRET_ACCESS_KEY: KEY.secret, HIDSMON_API_TOKEN: TOKEN, HIDSMON_LOG_LEVEL: 'warn', HIDSMON_RETENTION_DAYS: '0' };
  const given = process.env['HIDSMON_BENCH_OPENSEARCH_URL'];
  // On a node the bench did not start, its indices and template get a prefix of their own, deleted at the end.
  const prefix = given ? `bench${Math.random().toString(36).slice(2, 8)}-cwl-` : 'cwl-';
  log(given ? `  using the OpenSearch node at ${given} (indices ${prefix}*)` : `  starting OpenSearch (2 GiB heap)...`);
  const node = given ? { url: given.replace(/\/$/, ''), pid: undefined, stop: async () => undefined } : await startOpenSearch({ heapMb: 2048 });
  const servers: ChildProcess[] = [];
  try {
    // Ingest: the same documents into each sink, one after the other.
    const embeddedData = join(dir, 'embedded');
    mkdirSync(embeddedData, { recursive: true, mode: 0o700 });
    const store = await DuckDbStore.open({ path: join(embeddedData, 'index.duckdb'), now: () => END_MS, limits: { searchTimeoutMs: 0 } });
    log(`  ingesting ${count.toLocaleString('en-US')} alerts into the embedded store...`);
    const embeddedRate = await ingest((b) => store.write(b), count, log, 'embedded');
    await store.checkpoint();
    await store.close();
    const sink = await OpenSearchSink.open({ url: node.url, indexPrefix: prefix });
    log(`  ingesting ${count.toLocaleString('en-US')} alerts into OpenSearch...`);
    const openSearchRate = await ingest((b) => sink.write(b), count, log, 'opensearch');
    await sink.close();
    await fetch(`${node.url}/${prefix}*/_refresh`, { method: 'POST' });
    await fetch(`${node.url}/${prefix}*/_flush`, { method: 'POST' });

    const embeddedBytes = ['index.duckdb', 'index.duckdb.wal'].reduce((sum, f) => sum + (statSync(join(embeddedData, f), { throwIfNoEntry: false })?.size ?? 0), 0);
    const cat = (await (await fetch(`${node.url}/_cat/indices/${prefix}*?format=json&bytes=b`)).json()) as Array<{ 'store.size': string; 'docs.count': string }>;
    const openSearchBytes = cat.reduce((sum, i) => sum + Number(i['store.size']), 0);
    const openSearchDocs = cat.reduce((sum, i) => sum + Number(i['docs.count']), 0);

    // A hidsmon server on each backend, queried over the same HTTP API.
    const embeddedPort = await freePort();
    const embeddedServer = await startServerProcess({ nodeArgs: ['--min-semi-space-size=16', entry], data: embeddedData, port: embeddedPort, env, timeoutMs: 120_000 });
    servers.push(embeddedServer);
    const openSearchPort = await freePort();
    const openSearchServer = await startServerProcess({ nodeArgs: ['--min-semi-space-size=16', entry], data: join(dir, 'opensearch'), port: openSearchPort, env: { ...env, HIDSMON_BACKEND: 'opensearch', HIDSMON_OPENSEARCH_URL: node.url, HIDSMON_OPENSEARCH_INDEX_PREFIX: prefix }, timeoutMs: 120_000 });
    servers.push(openSearchServer);

    const rows: Row[] = [
      { measure: 'ingest (sink, alerts/s)', embedded: Math.round(embeddedRate), opensearch: Math.round(openSearchRate), 'opensearch / embedded': (openSearchRate / embeddedRate).toFixed(2) },
      { measure: 'bytes per alert on disk', embedded: Math.round(embeddedBytes / count), opensearch: Math.round(openSearchBytes / Math.max(1, openSearchDocs)), 'opensearch / embedded': (openSearchBytes / Math.max(1, openSearchDocs) / (embeddedBytes / count)).toFixed(2) },
    ];
    const mismatches: string[] = [];
    // Interleaved, query by query, so that both see the same machine load.
    for (const q of QUERIES) {
      log(`  ${q.name}...`);
      const e = await timed(embeddedPort, q.body);
      const o = await timed(openSearchPort, q.body);
      if (e.total !== o.total) mismatches.push(`${q.name}: embedded ${e.total}, opensearch ${o.total}`);
      rows.push({ measure: `${q.name} (ms, median of ${RUNS})`, embedded: Math.round(e.ms), opensearch: Math.round(o.ms), 'opensearch / embedded': (o.ms / e.ms).toFixed(2), totals: e.total === o.total ? `${e.total} both` : `${e.total} vs ${o.total}` });
    }
    const embeddedRss = rssOf(embeddedServer.pid!);
    const openSearchRss = (node.pid === undefined ? 0 : rssOf(node.pid)) + rssOf(openSearchServer.pid!);
    rows.push({ measure: 'resident memory after the queries (MB)', embedded: mb(embeddedRss), opensearch: mb(openSearchRss), 'opensearch / embedded': (openSearchRss / embeddedRss).toFixed(2), totals: node.pid === undefined ? 'opensearch: its hidsmon server only (the JVM of a node the bench did not start is not counted)' : 'opensearch: JVM (2 GiB heap) + its hidsmon server' });
    if (openSearchDocs !== count) mismatches.push(`OpenSearch holds ${openSearchDocs} documents of ${count}`);
    return {
      suite: 'backends',
      description: `${count.toLocaleString('en-US')} simulated alerts over 30 days through the embedded store and a real single-node OpenSearch 2.19 in one run; queries over the hidsmon HTTP API of a server on each backend${mismatches.length ? `; TOTALS DIFFER: ${mismatches.join('; ')}` : '; every total agrees'}`,
      rows,
      goals: [{ goal: 'OpenSearch ingest at least 20,000 alerts/s', met: openSearchRate >= 20_000, measured: `${Math.round(openSearchRate)} alerts/s` }],
    };
  } finally {
    for (const s of servers) s.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    if (given) {
      await fetch(`${node.url}/${prefix}*`, { method: 'DELETE' }).catch(() => undefined);
      await fetch(`${node.url}/_index_template/${indexTemplateName(prefix)}`, { method: 'DELETE' }).catch(() => undefined);
    }
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
