/**
 * @module Bench candidate for issue 14, measurement only (not shipped, not in tests or CI): tantivy,
 * a Rust search library, as the text index, through a CLI of the project's own
 * (bench/text-candidates/tantivy) fed the very rows the FTS5 candidate indexed (the analyzer's
 * encoded tokens, indexedTexts), side by side with the shipped FTS5 layout (text-index.ts) on the
 * same file: bytes per alert, ingest µs per alert, the word, the phrase and the word's per-hour
 * histogram, with every answer (totals, the newest 20 times, the buckets) asserted equal.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { homedir, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatabaseSync } from 'node:sqlite';
import { encodeToken, TextIndex } from '../../src/sinks/duckdb/text-index.js';
import { median, type Row } from '../harness.js';

/** The crate, from dist/bench/text-candidates/ (the bench runs built) to the source tree's. */
const CRATE = fileURLToPath(new URL('../../../bench/text-candidates/tantivy/', import.meta.url));
const BINARY = join(CRATE, 'target', 'release', 'hidsmon-tantivy-bench');
const WARMUP = 5;
const RUNS = 7;
const PAGE = 20;
const HOUR_MS = 3_600_000;
/** Rows per commit: the store writes FTS5 one transaction per batch of 10,000 (the FTS5 candidate too). */
const COMMIT_EVERY = 10_000;
const CLI_TIMEOUT_MS = 30 * 60_000;

/** A row as both candidates index it: time, index day and the four texts (TEXT_INDEX_COLUMNS order). */
export interface CandidateDoc {
  ts: number;
  day: number;
  texts: ReadonlyArray<string | null>;
}

const WORD = ['identification'];
const PHRASE = ['did', 'not', 'receive', 'identification'];

/** The FTS5 expressions of the same questions (text-index-query.ts's shape over the delta). */
const encodedWord = `"${WORD.map(encodeToken).join(' ')}"`;
const FTS_WORD = `(({full_log comment} : ${encodedWord}) NOT ((missing : ${encodedWord}) NOT (full_log : ${encodedWord}))) OR (extra : ${encodedWord})`;
const FTS_PHRASE = `{full_log comment} : "${PHRASE.map(encodeToken).join(' ')}"`;

interface Answer {
  ms: number;
  /** The query's first run after the index was opened (untimed in the median). */
  firstMs: number;
  total: number;
  newest: number[];
}

interface Answers {
  word: Answer;
  phrase: Answer;
  histogram: { ms: number; firstMs: number; buckets: Array<[number, number]> };
}

interface CliBuild {
  docs: number;
  ingestMs: number;
  backgroundMergeMs: number;
  segmentsWritten: number;
  bytesWritten: number;
  mergeMs: number;
  bytesMerged: number;
  parts: Record<string, number>;
}

type CliOutput = Partial<CliBuild> & Partial<Answers>;

/** The cargo to build with: on PATH, or rustup's default place; undefined when there is none. */
function cargo(): string | undefined {
  for (const candidate of ['cargo', join(homedir(), '.cargo', 'bin', 'cargo')]) {
    const probe = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

/** Builds the CLI (`cargo build --release --locked`; a no-op when built); why not, when it cannot. */
function buildCli(log: (line: string) => void): { ok: true } | { ok: false; reason: string } {
  const tool = cargo();
  if (tool === undefined) return { ok: false, reason: 'cargo not found (PATH, ~/.cargo/bin): the tantivy candidate is skipped' };
  log('  tantivy: cargo build --release (minutes the first time)...');
  const built = spawnSync(tool, ['build', '--release', '--locked', '--quiet'], { cwd: CRATE, stdio: ['ignore', 'inherit', 'inherit'], timeout: CLI_TIMEOUT_MS });
  if (built.status !== 0 || !existsSync(BINARY)) return { ok: false, reason: `cargo build failed (status ${built.status ?? built.signal}): the tantivy candidate is skipped` };
  return { ok: true };
}

function runCli(args: string[]): CliOutput {
  const run = spawnSync(BINARY, args, { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'inherit'], timeout: CLI_TIMEOUT_MS });
  if (run.status !== 0) throw new Error(`tantivy CLI ${args.join(' ')}: status ${run.status ?? run.signal}`);
  return JSON.parse(run.stdout) as CliOutput;
}

/** The rows as JSON lines, the CLI's input: the same texts the FTS5 candidate was given. */
function writeRows(docs: readonly CandidateDoc[], path: string): void {
  const fd = openSync(path, 'w');
  try {
    let chunk = '';
    for (let i = 0; i < docs.length; i++) {
      const d = docs[i] as CandidateDoc;
      const [fullLog, comment, extra, missing] = d.texts;
      chunk += `${JSON.stringify({ ts: d.ts, day: d.day, level: null, full_log: fullLog ?? null, comment: comment ?? null, extra: extra ?? null, missing: missing ?? null })}\n`;
      if (chunk.length > 1 << 22) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
}

/** Warm (WARMUP runs, the first timed apart), then the median of RUNS timed runs, as the CLI times its queries. */
function timed<T>(run: () => T): { ms: number; firstMs: number; value: T } {
  const t0 = performance.now();
  run();
  const firstMs = performance.now() - t0;
  for (let i = 1; i < WARMUP; i++) run();
  const times: number[] = [];
  let value = run();
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    value = run();
    times.push(performance.now() - t0);
  }
  return { ms: median(times), firstMs, value };
}

/**
 * The same three questions on the shipped FTS5 index at `path`, timed in this process as the CLI
 * times tantivy's. `keep`: with TextIndex's counts and tallies kept between writes
 * (text-index-counts.ts: a repeated count or histogram is answered without a walk); without, every
 * run walks the postings, index against index.
 */
function ftsAnswers(path: string, keep: boolean): Answers {
  const index = TextIndex.open(path);
  index.keepCounts(keep);
  try {
    const newest = (expression: string): { total: number; newest: number[] } => ({ total: index.count(expression), newest: index.times(expression, 'desc', PAGE) });
    const word = timed(() => newest(FTS_WORD));
    const phrase = timed(() => newest(FTS_PHRASE));
    const histogram = timed(() => index.grainCounts(FTS_WORD, HOUR_MS));
    return {
      word: { ms: word.ms, firstMs: word.firstMs, ...word.value },
      phrase: { ms: phrase.ms, firstMs: phrase.firstMs, ...phrase.value },
      histogram: { ms: histogram.ms, firstMs: histogram.firstMs, buckets: histogram.value },
    };
  } finally {
    index.close();
  }
}

/** The FTS5 file merged to one segment ('optimize') and compacted (VACUUM), as tantivy's merge to one segment. */
function ftsMerged(path: string): { ms: number; bytes: number } {
  const db = new DatabaseSync(path);
  try {
    const t0 = performance.now();
    db.exec("INSERT INTO text_index(text_index) VALUES ('optimize')");
    db.exec('VACUUM');
    db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    const ms = performance.now() - t0;
    return { ms, bytes: fileBytes(path) + fileBytes(`${path}-wal`) };
  } finally {
    db.close();
  }
}

function fileBytes(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
}

/** Throws unless both candidates gave the same answers: the comparison is only fair if they did. */
function assertSame(fts: Answers, tantivy: Answers): void {
  for (const q of ['word', 'phrase'] as const) {
    if (fts[q].total !== tantivy[q].total) throw new Error(`${q}: FTS5 found ${fts[q].total}, tantivy ${tantivy[q].total}`);
    if (JSON.stringify(fts[q].newest) !== JSON.stringify(tantivy[q].newest)) throw new Error(`${q}: the newest ${PAGE} differ: FTS5 ${fts[q].newest.join(',')}, tantivy ${tantivy[q].newest.join(',')}`);
  }
  if (JSON.stringify(fts.histogram.buckets) !== JSON.stringify(tantivy.histogram.buckets)) throw new Error(`histogram: FTS5 ${fts.histogram.buckets.length} buckets, tantivy ${tantivy.histogram.buckets.length}, or their counts differ`);
}

const round = (x: number): number => Math.round(x * 10) / 10;
const ratio = (a: number, b: number): string => (b === 0 ? '-' : `${a / b >= 10 ? Math.round(a / b) : (a / b).toPrecision(2)}x`);
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ');

function answersOf(out: CliOutput): Answers {
  if (out.word === undefined || out.phrase === undefined || out.histogram === undefined) throw new Error('tantivy CLI gave no answers');
  return { word: out.word, phrase: out.phrase, histogram: out.histogram };
}

/**
 * tantivy against the shipped FTS5 index on the same rows: `ftsPath` holds the FTS5 candidate's
 * index of `docs` (written one transaction per 10,000 rows, `fts` its ingest time and bytes as
 * written). Queries interleaved: tantivy (in its build run), FTS5, tantivy again (`--open`), FTS5
 * again; each a warm median of 7. Rows for the suite's table; the reason instead when cargo is missing.
 */
export function tantivyComparison(docs: readonly CandidateDoc[], ftsPath: string, fts: { ingestMs: number; bytes: number }, dir: string, log: (line: string) => void): Row[] {
  const n = docs.length;
  const built = buildCli(log);
  if (!built.ok) return [{ measure: 'tantivy (Rust search library, own CLI)', fts5: '-', tantivy: built.reason }];
  const rowsPath = join(dir, 'tantivy-rows.jsonl');
  writeRows(docs, rowsPath);
  const loads = [`start ${load()}`];
  const queryArgs = ['--word', WORD.map(encodeToken).join(' '), '--phrase', PHRASE.map(encodeToken).join(' '), '--grain-ms', String(HOUR_MS), '--page', String(PAGE)];
  const indexDir = join(dir, 'tantivy-1');
  log('  tantivy: 1 thread, commits every 10,000, then the queries...');
  const one = runCli(['--input', rowsPath, '--dir', indexDir, '--threads', '1', '--commit-every', String(COMMIT_EVERY), ...queryArgs]) as CliBuild & Answers;
  const tantivy1 = answersOf(one);
  loads.push(`tantivy 1 ${load()}`);
  log('  FTS5: the same queries...');
  const fts1 = ftsAnswers(ftsPath, false);
  loads.push(`FTS5 1 ${load()}`);
  const tantivy2 = answersOf(runCli(['--open', '--dir', indexDir, ...queryArgs]));
  loads.push(`tantivy 2 ${load()}`);
  const fts2 = ftsAnswers(ftsPath, false);
  loads.push(`FTS5 2 ${load()}`);
  const ftsKept = ftsAnswers(ftsPath, true);
  for (const [a, b] of [[fts1, tantivy1], [fts2, tantivy2], [fts1, fts2], [fts1, ftsKept]] as const) assertSame(a, b);
  rmSync(indexDir, { recursive: true, force: true });

  log('  tantivy: default threads...');
  const dflt = runCli(['--input', rowsPath, '--dir', join(dir, 'tantivy-default'), '--threads', 'default', '--commit-every', String(COMMIT_EVERY)]) as CliBuild;
  rmSync(join(dir, 'tantivy-default'), { recursive: true, force: true });
  log('  tantivy: extra/missing without positions...');
  const basic = runCli(['--input', rowsPath, '--dir', join(dir, 'tantivy-basic'), '--threads', '1', '--commit-every', String(COMMIT_EVERY), '--extra-positions', 'no']) as CliBuild;
  rmSync(join(dir, 'tantivy-basic'), { recursive: true, force: true });
  log('  tantivy: one commit for all rows (bulk)...');
  const bulk = runCli(['--input', rowsPath, '--dir', join(dir, 'tantivy-bulk'), '--threads', '1', '--commit-every', String(n + 1)]) as CliBuild;
  rmSync(join(dir, 'tantivy-bulk'), { recursive: true, force: true });
  rmSync(rowsPath, { force: true });
  loads.push(`ingests ${load()}`);
  log('  FTS5: optimize + VACUUM...');
  const ftsOne = ftsMerged(ftsPath);
  loads.push(`end ${load()}`);

  const perAlert = (bytes: number): number => Math.round(bytes / n);
  const us = (ms: number): number => round((ms * 1000) / n);
  const both = (a: number, b: number): string => `${round(a)} | ${round(b)}`;
  const parts = Object.entries(one.parts).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${round(v / n)}`).join(', ');
  return [
    { measure: `load average (1, 5, 15 min) through the comparison: ${loads.join('; ')}`, fts5: '-', tantivy: '-' },
    { measure: 'index bytes per alert as written (FTS5: file + WAL, one transaction per 10,000; tantivy: directory, commits every 10,000, 1 thread, its merges done)', fts5: perAlert(fts.bytes), tantivy: perAlert(one.bytesWritten), 'tantivy/fts5': ratio(one.bytesWritten, fts.bytes), note: `tantivy ${one.segmentsWritten} segments` },
    { measure: "index bytes per alert merged to one segment (FTS5: 'optimize' + VACUUM; tantivy: merge + garbage collection)", fts5: perAlert(ftsOne.bytes), tantivy: perAlert(one.bytesMerged), 'tantivy/fts5': ratio(one.bytesMerged, ftsOne.bytes), note: `goal: text index <= ~157 B (<= 291 B with the ~134 B store)` },
    { measure: 'tantivy merged, extra/missing without positions (terms only: they never answer a phrase)', fts5: '-', tantivy: perAlert(basic.bytesMerged), note: `as written ${perAlert(basic.bytesWritten)} B; FTS5's like layout (extra in a detail=none table) 406 B, 194 B with dense rowids (bench/results/text-index.json, 200,000)` },
    { measure: 'tantivy bytes per alert by part (merged, positions everywhere)', fts5: '-', tantivy: '-', note: parts },
    { measure: 'index ingest µs/alert, 1 thread, texts given (FTS5: batches of 10,000; tantivy: documents made + added, commits every 10,000)', fts5: us(fts.ingestMs), tantivy: us(one.ingestMs), 'tantivy/fts5': ratio(one.ingestMs, fts.ingestMs), note: `tantivy's background merges after the last commit ${Math.round(one.backgroundMergeMs)} ms more` },
    { measure: 'index ingest µs/alert, default threads (tantivy: 2 cores; FTS5 is one writer)', fts5: '-', tantivy: us(dflt.ingestMs), note: `bytes as written ${perAlert(dflt.bytesWritten)} B, merged ${perAlert(dflt.bytesMerged)} B` },
    { measure: 'index ingest µs/alert, 1 thread, one commit for all rows (bulk, e.g. a rebuild)', fts5: '-', tantivy: us(bulk.ingestMs), note: `${bulk.segmentsWritten} segments as written` },
    { measure: 'merge to one segment (ms)', fts5: Math.round(ftsOne.ms), tantivy: Math.round(one.mergeMs), 'tantivy/fts5': ratio(one.mergeMs, ftsOne.ms), note: 'FTS5 includes VACUUM' },
    { measure: `word identification over full_log + @message (delta rule): exact total + newest ${PAGE} (ms, median of ${RUNS} after ${WARMUP}; round 1 | round 2; FTS5 walking, its kept counts off)`, fts5: both(fts1.word.ms, fts2.word.ms), tantivy: both(tantivy1.word.ms, tantivy2.word.ms), 'tantivy/fts5': ratio(tantivy1.word.ms + tantivy2.word.ms, fts1.word.ms + fts2.word.ms), note: `total ${fts1.word.total} both; newest ${PAGE} times equal` },
    { measure: `phrase "did not receive identification" in full_log or rule.comment ({full_log comment}; @message's delta has no positions, FTS5's check in DuckDB not compared): exact total + newest ${PAGE} (ms)`, fts5: both(fts1.phrase.ms, fts2.phrase.ms), tantivy: both(tantivy1.phrase.ms, tantivy2.phrase.ms), 'tantivy/fts5': ratio(tantivy1.phrase.ms + tantivy2.phrase.ms, fts1.phrase.ms + fts2.phrase.ms), note: `total ${fts1.phrase.total} both; newest ${PAGE} times equal` },
    {
      measure: 'first run of each query after the index is opened (ms; round 1 | round 2: FTS5 a new connection, tantivy a new process): word / phrase / histogram (after the word)',
      fts5: [fts1, fts2].map((a) => `${round(a.word.firstMs)}/${round(a.phrase.firstMs)}/${round(a.histogram.firstMs)}`).join(' | '),
      tantivy: [tantivy1, tantivy2].map((a) => `${round(a.word.firstMs)}/${round(a.phrase.firstMs)}/${round(a.histogram.firstMs)}`).join(' | '),
      note: 'FTS5 without its kept counts (keepCounts(false)), as in the medians',
    },
    {
      measure: "FTS5 with the store's kept counts and tallies (TextIndex.keepCounts(true), text-index-counts.ts: a count or histogram repeated between writes is not walked again): word / phrase / histogram (ms, median | first run)",
      fts5: `${round(ftsKept.word.ms)}/${round(ftsKept.phrase.ms)}/${round(ftsKept.histogram.ms)} | ${round(ftsKept.word.firstMs)}/${round(ftsKept.phrase.firstMs)}/${round(ftsKept.histogram.firstMs)}`,
      tantivy: '-',
      note: 'a cache above the index, which tantivy could have alike; the medians above compare the indices (FTS5 walking every run)',
    },
    { measure: "word's matches per hour (FTS5: TextIndex.grainCounts; tantivy: a collector over the ts column) (ms)", fts5: both(fts1.histogram.ms, fts2.histogram.ms), tantivy: both(tantivy1.histogram.ms, tantivy2.histogram.ms), 'tantivy/fts5': ratio(tantivy1.histogram.ms + tantivy2.histogram.ms, fts1.histogram.ms + fts2.histogram.ms), note: `${fts1.histogram.buckets.length} buckets, every count equal` },
  ];
}
