/**
 * @module The benches' cache of loaded data sets under .cache/bench/ (keyed by alert count and
 * generator version): the files a store is made of, copying them for a run, and disk use, which is
 * checked before a data set is built and printed with every run.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDbStore } from '../src/sinks/duckdb/store.js';
import { KEEP_NEWEST_DAYS } from '../src/sinks/duckdb/text-index-compaction.js';
import { build, storePath } from './store.bench.js';
import { REPO_ROOT } from './paths.js';

export const CACHE_DIR = join(REPO_ROOT, '.cache', 'bench');

/**
 * The files of an embedded store at `<db>`: DuckDB's file and its log, and the text index's SQLite
 * side file with its log. A copy without the side file makes the server rebuild the text index in
 * the background, and free-text searches scan until then.
 */
export const STORE_FILE_SUFFIXES = ['', '.wal', '.text.sqlite', '.text.sqlite-wal'] as const;
/** The directory of the text index's segment files (closed days, with text_segments on), beside them. */
export const SEGMENTS_SUFFIX = '.text.sqlite.segments';

/** Copies the store at `from` to `to` (each file of STORE_FILE_SUFFIXES that exists); returns the bytes copied. */
export function copyStoreFiles(from: string, to: string): { bytes: number; sideFileCopied: boolean } {
  let bytes = 0;
  let sideFileCopied = false;
  for (const suffix of STORE_FILE_SUFFIXES) {
    rmSync(`${to}${suffix}`, { force: true });
    if (!existsSync(`${from}${suffix}`)) continue;
    copyFileSync(`${from}${suffix}`, `${to}${suffix}`);
    bytes += statSync(`${to}${suffix}`).size;
    if (suffix === '.text.sqlite') sideFileCopied = true;
  }
  // The segments the side file records: without them it drops those days and the server rebuilds them.
  rmSync(`${to}${SEGMENTS_SUFFIX}`, { recursive: true, force: true });
  if (existsSync(`${from}${SEGMENTS_SUFFIX}`)) {
    cpSync(`${from}${SEGMENTS_SUFFIX}`, `${to}${SEGMENTS_SUFFIX}`, { recursive: true });
    bytes += treeBytes(`${to}${SEGMENTS_SUFFIX}`);
  }
  return { bytes, sideFileCopied };
}

/** Bytes of the store at `path`, the text index's side file and segment files included. */
export function storeBytes(path: string): number {
  return STORE_FILE_SUFFIXES.reduce((sum, suffix) => sum + (statSync(`${path}${suffix}`, { throwIfNoEntry: false })?.size ?? 0), 0) + treeBytes(`${path}${SEGMENTS_SUFFIX}`);
}

/** Bytes under `path` (files only; symbolic links are not followed); 0 if it does not exist. */
export function treeBytes(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  let sum = 0;
  // Bounded: a data set's tree has thousands of files, not millions.
  const stack = [path];
  for (let visited = 0; stack.length > 0 && visited < 1_000_000; visited++) {
    const dir = stack.pop() as string;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.isFile()) sum += statSync(full, { throwIfNoEntry: false })?.size ?? 0;
    }
  }
  return sum;
}

export function freeDiskBytes(path: string): number {
  mkdirSync(path, { recursive: true });
  const fs = statfsSync(path);
  return fs.bavail * fs.bsize;
}

/** A data set is not built, nor copied, unless the disk keeps this much free beside it. */
const DISK_MARGIN_BYTES = 2 * 2 ** 30;

/** Throws, naming the sizes, unless `needBytes` (and the margin) fit on the disk that holds `path`. */
export function requireFreeDisk(path: string, needBytes: number, what: string): void {
  const free = freeDiskBytes(path);
  if (free < needBytes + DISK_MARGIN_BYTES) {
    throw new Error(`Not enough disk for ${what}: about ${gib(needBytes)} GiB needed plus ${gib(DISK_MARGIN_BYTES)} GiB kept free, ${gib(free)} GiB free at ${path}. Free room (rm -rf ${CACHE_DIR}/<old entries>) or use a smaller HIDSMON_BENCH_BACKEND_ALERTS.`);
  }
}

/**
 * Removes the cache entries (files or folders directly under CACHE_DIR) whose names match `stale`
 * and differ from `keep`: data sets of another generator version or layout that no run can use.
 */
export function removeStaleEntries(stale: RegExp, keep: string, log: (line: string) => void): void {
  if (!existsSync(CACHE_DIR)) return;
  for (const name of readdirSync(CACHE_DIR)) {
    if (name === keep || !stale.test(name)) continue;
    const path = join(CACHE_DIR, name);
    log(`  removing the stale cache entry ${path} (${gib(treeBytes(path))} GiB)`);
    rmSync(path, { recursive: true, force: true });
  }
}

export const gib = (bytes: number): string => (bytes / 2 ** 30).toFixed(2);

/** Disk the embedded store takes while it is built, per alert, with room to spare (~700-880 B with the text index). */
const EMBEDDED_BYTES_PER_ALERT = 1_000;

/**
 * The embedded data set of `count` alerts: the store bench's cached file (built now if missing),
 * its text index caught up in the cache itself (a side file of another layout, or none, is rebuilt
 * from DuckDB now, once, not in every run's copy while it is timed), checkpointed and closed.
 */
export async function cachedStoreCaughtUp(count: number, log: (line: string) => void): Promise<{ path: string; source: string }> {
  const path = storePath(count);
  if (!existsSync(path)) requireFreeDisk(CACHE_DIR, count * EMBEDDED_BYTES_PER_ALERT, `the embedded data set of ${count.toLocaleString('en-US')} alerts`);
  const { store, ingest: built } = await build(count, log);
  try {
    const waitStarted = performance.now();
    if (!(await store.textIndexCaughtUp())) throw new Error(`The text index of ${path} did not catch up`);
    const waitedMs = performance.now() - waitStarted;
    await store.checkpoint();
    const index = waitedMs > 1000 ? `text index brought up to date in the cache (${Math.round(waitedMs / 1000)} s)` : 'text index up to date';
    return { path, source: `${built.cached ? 'the store bench\'s cached store' : 'built now into the store bench\'s cache'} ${path}, ${index}, copied for the run with its side file` };
  } finally {
    await store.close();
  }
}

/** The cached data set of `count` alerts with its text index's closed days compacted into segments (text_segments on). */
export const compactedStorePath = (count: number): string => storePath(count).replace(/\.duckdb$/, '-segments.duckdb');

/**
 * The embedded data set of `count` alerts as a store with text_segments on finds it once its
 * closed days are compacted (every day older than the newest): made once from cachedStoreCaughtUp's
 * copy (the cache's own entry is never opened with segments) and kept beside it, so that a run
 * times the searches, not the compaction the server would do in the background after it starts.
 */
export async function cachedStoreCompacted(count: number, log: (line: string) => void): Promise<{ path: string; source: string }> {
  const base = await cachedStoreCaughtUp(count, log);
  const path = compactedStorePath(count);
  const done = `${path}.compacted`;
  // A copy compacted under another KEEP_NEWEST_DAYS (an older marker has none: 2) is compacted further in place, not copied again.
  const marked = existsSync(path) && existsSync(done) ? ((JSON.parse(readFileSync(done, 'utf8')) as { keepNewestDays?: number }).keepNewestDays ?? 2) : undefined;
  if (marked === KEEP_NEWEST_DAYS) return { path, source: `${base.source}; its closed days compacted into text segments once, cached at ${path}` };
  if (marked === undefined) {
    requireFreeDisk(CACHE_DIR, storeBytes(base.path), `the compacted copy of the embedded data set of ${count.toLocaleString('en-US')} alerts`);
    rmSync(done, { force: true });
    copyStoreFiles(base.path, path);
  }
  log(`  compacting the closed days of ${path} into text segments (once${marked === undefined ? '' : `, after those of ${marked} newest days kept`})...`);
  const started = performance.now();
  // The index's own account of giving back what the compactions freed (its steps and time), and of any failure.
  const told = (level: 'info' | 'warn', fields: Record<string, unknown>, message: string): void => {
    if (level !== 'info' || 'steps' in fields) log(`    ${message} ${JSON.stringify(fields)}`);
  };
  const store = await DuckDbStore.open({ path, textSegments: true, textCompaction: { quietMs: 0, intervalMs: 0 }, limits: { searchTimeoutMs: 0 }, log: told });
  try {
    // Bounded: one day per pass, at most a year of days.
    for (let pass = 0; pass < 366; pass++) {
      const outcomes = await store.compactClosedDays({ maxDays: 1 });
      const outcome = outcomes[0];
      if (outcome === undefined) break;
      if (outcome.kind === 'failed') throw new Error(`compacting day ${outcome.day} of ${path} failed: ${outcome.code} ${outcome.message}`);
      if (pass % 5 === 4) log(`    ${pass + 1} days compacted (${Math.round((performance.now() - started) / 1000)} s)`);
    }
    await store.checkpoint();
  } finally {
    await store.close();
  }
  writeFileSync(done, JSON.stringify({ compactedSeconds: (performance.now() - started) / 1000, measured: new Date().toISOString(), keepNewestDays: KEEP_NEWEST_DAYS }));
  return { path, source: `${base.source}; its closed days compacted into text segments now (${Math.round((performance.now() - started) / 1000)} s), cached at ${path}` };
}
