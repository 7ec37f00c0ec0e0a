/**
 * @module How long the store's compaction of closed days takes and what it saves: a copy of the
 * cached data set of `count` alerts (bench/dataset-cache.ts; never the cache itself) opened with
 * text_segments on, its closed days compacted one by one (`maxDays` at most), each day's time (the
 * time the store's write queue is held), the process's peak RSS meanwhile, and the bytes per alert
 * of the text index (SQLite file and segments) and of the whole store before and after; and, as
 * writes go on meanwhile (one alert into the newest day every 50 ms), the longest a write waited.
 * HIDSMON_BENCH_ENCODE_APART=false: the writer encodes on the write queue (the other way).
 * Run: `npx tsx bench/text-compaction.ts 1000000 [maxDays] [cached store path]` (the cached data set
 * must exist; by default this tree's .cache/bench/store-<count>-v<n>.duckdb).
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cloudWatchEventId } from '../src/core/ids.js';
import { DuckDbStore } from '../src/sinks/duckdb/store.js';
import { documentFromLogEvent } from '../src/transforms/to-document.js';
import { copyStoreFiles, storeBytes } from './dataset-cache.js';
import { storePath } from './store.bench.js';

const count = Number(process.argv[2] ?? 1_000_000);
const maxDays = Number(process.argv[3] ?? 1000);
const source = process.argv[4] ?? storePath(count);
if (!existsSync(source)) throw new Error(`No cached data set at ${source}.`);
const dir = mkdtempSync(join(tmpdir(), 'hidsmon-compaction-'));
const path = join(dir, 'index.duckdb');
const sideBytes = (): number => ['.text.sqlite', '.text.sqlite-wal'].reduce((n, s) => n + (statSync(`${path}${s}`, { throwIfNoEntry: false })?.size ?? 0), 0);
try {
  copyStoreFiles(source, path);
  const before = { store: storeBytes(path), side: sideBytes() };
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const encodeApart = process.env['HIDSMON_BENCH_ENCODE_APART'] !== 'false';
  const store = await DuckDbStore.open({ path, textSegments: true, textCompaction: { quietMs: 0, intervalMs: 0, encodeApart } });
  try {
    if (!(await store.textIndexCaughtUp())) throw new Error('the text index did not catch up');
    const times: number[] = [];
    const newest = Math.max(...(await store.indices()).map((i) => Date.parse(`${i.name.slice(4).replaceAll('.', '-')}T00:00:00Z`)));
    let seq = 0;
    /** Writes one alert into the newest day every 50 ms while `running`; the longest wait. */
    const writesDuring = async (running: () => boolean): Promise<number> => {
      let longest = 0;
      while (running()) {
        const ts = newest + 3_600_000 + seq;
        const doc = documentFromLogEvent({ eventId: cloudWatchEventId(ts, seq), timestampMs: ts, message: JSON.stringify({ id: `bench.${seq}`, full_log: `compaction probe ${seq}`, rule: { level: 3 } }), owner: 'o', logGroup: 'bench-probe', logStream: 's' });
        seq++;
        const started = performance.now();
        await store.write([doc]);
        longest = Math.max(longest, performance.now() - started);
        await new Promise((r) => setTimeout(r, 50));
      }
      return longest;
    };
    for (let d = 0; d < maxDays; d++) {
      const rssBefore = process.memoryUsage().rss;
      peakRss = rssBefore;
      const started = performance.now();
      // One day a pass, to time each (the time the store's write queue is held for it).
      let running = true;
      const probe = writesDuring(() => running);
      const outcomes = (await store.compactClosedDays({ maxDays: 1 }))[0];
      running = false;
      const longestWrite = await probe;
      if (outcomes === undefined) break;
      const ms = performance.now() - started;
      times.push(ms);
      console.log(`day ${new Date(outcomes.day * 86_400_000).toISOString().slice(0, 10)}: ${outcomes.kind}${outcomes.kind === 'compacted' ? ` ${outcomes.docs} docs` : outcomes.kind === 'failed' ? ` ${outcomes.code} ${outcomes.message}` : ''} in ${Math.round(ms)} ms (a write waited ${Math.round(longestWrite)} ms at most meanwhile), peak RSS ${Math.round(peakRss / 2 ** 20)} MiB (${Math.round(rssBefore / 2 ** 20)} before)`);
    }
    const status = store.textIndexStatus().segments;
    await store.close();
    const after = { store: storeBytes(path), side: sideBytes() };
    const per = (n: number): number => Math.round(n / count);
    console.log(`encode apart: ${encodeApart}; ${times.length} days compacted, median ${Math.round([...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0)} ms a day; segments ${status.days} days, ${status.docs} docs, ${per(status.bytes)} B/alert of all alerts (${Math.round(status.bytes / Math.max(1, status.docs))} B per segment doc)`);
    console.log(`text index B/alert: before ${per(before.side)} (FTS5), after ${per(after.side + status.bytes)} (FTS5 file ${per(after.side)} + segments ${per(status.bytes)}); whole store B/alert: ${per(before.store)} -> ${per(after.store)}`);
  } finally {
    clearInterval(sampler);
    await store.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
