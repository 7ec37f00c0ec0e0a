/**
 * @module Export throughput: a whole result as CSV (query/export.ts, what `POST /api/export` and
 * `hidsmon search --all` run) over the store bench's simulated alerts (1,000,000 by default,
 * HIDSMON_BENCH_EXPORT=N for another count), newest first and sorted by a field: rows/s, MB/s and
 * the peak RSS growth. Side by side in one run: the store's streamed scan (one ordered statement,
 * what exports use) and paging with search_after (what a backend without a scan gets), so that
 * their ratio holds however loaded the machine is.
 */
import { DuckDbStore } from '../src/sinks/duckdb/store.js';
import { startExport } from '../src/query/export.js';
import { DEFAULT_EXPORT_COLUMNS } from '../src/query/export-format.js';
import type { SearchBackend, SearchRequest, SortSpec } from '../src/query/search-api.js';
import type { Row, SuiteResult } from './harness.js';
import { build } from './store.bench.js';

const GOAL_ROWS_PER_S = 50_000;

type Method = 'streamed' | 'paged';

/** The store as a backend without its scan: the export pages with search_after. */
function pagedOnly(store: DuckDbStore): SearchBackend {
  return {
    search: (r) => store.search(r),
    document: (i, d) => store.document(i, d),
    fields: () => store.fields(),
    indices: () => store.indices(),
    deleteIndex: (n) => store.deleteIndex(n),
    deleteOlderThan: (d, n) => store.deleteOlderThan(d, n),
  };
}

async function exportOnce(store: DuckDbStore, method: Method, sort: SortSpec | undefined, pageSize: number): Promise<{ rows: number; bytes: number; seconds: number; rssGrowthMiB: number }> {
  const request: SearchRequest = { query: { kind: 'match_all' }, ...(sort ? { sort } : {}) };
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const started = performance.now();
  const run = await startExport(method === 'streamed' ? store : pagedOnly(store), request, { format: 'csv', columns: DEFAULT_EXPORT_COLUMNS, pageSize });
  let bytes = 0;
  let rows = -1; // the header
  for await (const chunk of run.chunks) {
    bytes += Buffer.byteLength(chunk);
    for (let i = chunk.indexOf('\r\n'); i >= 0; i = chunk.indexOf('\r\n', i + 2)) rows++;
    const rss = process.memoryUsage().rss;
    if (rss > peak) peak = rss;
  }
  const seconds = (performance.now() - started) / 1000;
  if (rows < run.total) throw new Error(`exported ${rows} rows of ${run.total}`);
  return { rows: run.total, bytes, seconds, rssGrowthMiB: Math.round((peak - rssBefore) / 2 ** 20) };
}

export async function runExportBench(log: (line: string) => void): Promise<SuiteResult> {
  const count = Number(process.env['HIDSMON_BENCH_EXPORT'] ?? 1_000_000);
  const { store } = await build(count, log);
  const rows: Row[] = [];
  let newestFirst = 0;
  try {
    const cases: Array<[string, SortSpec | undefined, Method]> = [
      ['newest first', undefined, 'streamed'],
      ['newest first', undefined, 'paged'],
      ['rule.level asc', { field: 'rule.level', order: 'asc' }, 'streamed'],
      ['rule.level asc', { field: 'rule.level', order: 'asc' }, 'paged'],
      ['srcip asc', { field: 'srcip', order: 'asc' }, 'streamed'],
    ];
    // Paged by a field, each page scans the matching rows again: at a million rows, minutes.
    if (count <= 200_000) cases.push(['srcip asc', { field: 'srcip', order: 'asc' }, 'paged']);
    const pageSize = 5000;
    for (const [name, sort, method] of cases) {
      log(`export: ${name}, ${method}`);
      const r = await exportOnce(store, method, sort, pageSize);
      const perS = Math.round(r.rows / r.seconds);
      if (name === 'newest first' && method === 'streamed') newestFirst = perS;
      rows.push({ sort: name, method: method === 'paged' ? `search_after, pages of ${pageSize}` : 'one streamed statement', rows: r.rows, seconds: Number(r.seconds.toFixed(1)), rows_per_s: perS, mb_per_s: Number((r.bytes / 2 ** 20 / r.seconds).toFixed(1)), rss_growth_mib: r.rssGrowthMiB });
    }
  } finally {
    await store.close();
  }
  return {
    suite: 'export',
    description: `CSV export (${DEFAULT_EXPORT_COLUMNS.length} columns) of ${count.toLocaleString('en-US')} simulated alerts from the embedded index: as POST /api/export reads it (the store's scan, one streamed statement), and paged with search_after for comparison; the text is counted, not written.`,
    rows,
    goals: [{ goal: `export at least ${GOAL_ROWS_PER_S.toLocaleString('en-US')} rows/s to CSV`, met: newestFirst >= GOAL_ROWS_PER_S, measured: `${newestFirst.toLocaleString('en-US')} rows/s newest first` }],
  };
}
