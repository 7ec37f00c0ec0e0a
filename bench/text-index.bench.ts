/**
 * @module Bench `text-index`: the inverted-index candidates for the embedded store's free text, fed
 * the same standard-analyzer tokens of the same simulated alerts (1,000,000 over 30 days by
 * default, HIDSMON_BENCH_TEXT_ALERTS to change it): (a) a postings table in DuckDB (term id, doc,
 * field, position: one row per token), (b) SQLite FTS5 through node:sqlite (the store's
 * TextIndex: contentless, detail=full, encoded tokens), (c) a Rust search library's npm binding
 * (none maintained found: see NO_RUST_BINDING). For each: ingest cost per alert (tokenizing
 * counted once, apart), bytes per alert, and the exact total plus the newest page of 20 for a
 * phrase, a word and a prefix. Every candidate's totals must agree. The postings table lost by
 * two orders of magnitude (bench/results/text-index.json's history) and takes minutes at 1M: it
 * runs only with HIDSMON_BENCH_TEXT_POSTINGS=1. (d) Segments (text-segment.ts: each UTC day as one
 * immutable segment, what the store keeps a closed day as) side by side with FTS5 (its counts not
 * kept) on the same rows (segmentsComparison: build, bytes, totals, pages and per-hour tallies by
 * level, answers asserted equal; HIDSMON_BENCH_TEXT_SEGMENTS=0 leaves it out). Then FTS5 layouts side by side on the same alerts
 * (layoutComparison): `@message` whole or as a delta, rowids `ts << 16` or dense. With
 * HIDSMON_BENCH_TEXT_TANTIVY=1: instead of those, tantivy (a Rust search library, through the CLI in
 * bench/text-candidates/tantivy, built with cargo when there is one) side by side with FTS5 on the
 * same rows (bench/text-candidates/tantivy-candidate.ts), into bench/results/text-index-tantivy-<n>.json.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBDataChunk, DuckDBInstance, INTEGER, UTINYINT, USMALLINT, type DuckDBValue } from '@duckdb/node-api';
import { tokenizeStandard } from '../src/query/analysis/standard-tokenizer.js';
import { DatabaseSync } from 'node:sqlite';
import { indexTokens } from '../src/sinks/duckdb/index-analyzer.js';
import { encodeToken, indexedTexts, TEXT_INDEX_COLUMNS, TextIndex, type TextIndexRow } from '../src/sinks/duckdb/text-index.js';
import { median, type Row, type SuiteResult } from './harness.js';
import { bytesSource, encodeSegment, TextSegment, type SegmentRow } from '../src/sinks/duckdb/text-segment.js';
import { tantivyComparison } from './text-candidates/tantivy-candidate.js';
import { build, simulatedDocuments } from './store.bench.js';
import { DuckDbStore } from '../src/sinks/duckdb/store.js';
import { parseQueryInput } from '../src/query/parse-query.js';
import type { SearchRequest } from '../src/query/search-api.js';

const DAY_MS = 86_400_000;
const RUNS = 7;
const PAGE = 20;
/** What the npm registry gave for Rust search-library bindings (`npm view`, 2026-12-01). */
const NO_RUST_BINDING = 'no maintained npm binding of tantivy or another Rust search library found (npm view tantivy: one 0.1.0 release with no description or repository; the registry search API answers 404 here)';

interface Doc {
  ts: number;
  day: number;
  /** `rule.level` as the store's INTEGER column holds it (null: none, or not a 32-bit integer). */
  level: number | null;
  /** Tokens per field: full_log, @message, rule.comment. */
  tokens: string[][];
  /** The index's texts (text-index.ts's TEXT_INDEX_COLUMNS: full_log, rule.comment, @message's delta). */
  texts: Array<string | null>;
  /** @message's encoded tokens whole, for the layout before the delta. */
  message: string | null;
}

const QUERIES = [
  { name: 'phrase "did not receive identification"', tokens: ['did', 'not', 'receive', 'identification'], prefix: false },
  { name: 'word identification', tokens: ['identification'], prefix: false },
  { name: 'prefix ident*', tokens: ['ident'], prefix: true },
] as const;

/**
 * Free text searches full_log and @message, as text-index-query.ts writes it over the delta:
 * `exact` are matches, `verify` the rows the store would check against DuckDB (a phrase's rows
 * whose @message holds every word, outside full_log's phrase; the prefix's rare lacking tokens).
 */
function ftsExpressions(q: { readonly tokens: readonly string[]; readonly prefix: boolean }): { exact: string; upper: string } {
  const body = `"${q.tokens.map(encodeToken).join(' ')}"${q.prefix ? ' *' : ''}`;
  const free = `(({full_log comment} : ${body}) NOT ((missing : ${body}) NOT (full_log : ${body}))) OR (extra : ${body})`;
  if (q.tokens.length > 1) return { exact: `full_log : ${body}`, upper: q.tokens.map((t) => `"${encodeToken(t)}"`).join(' AND ') };
  return { exact: free, upper: q.prefix ? body : free };
}

/** A level as DuckDB's `level INTEGER` takes `rule.level`: a 32-bit integer, else none. */
function levelOf(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
  return Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 ? n : null;
}

const fileBytes = (p: string): number => {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
};

function timed<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

export async function runTextIndexBench(log: (line: string) => void): Promise<SuiteResult> {
  const count = Number(process.env['HIDSMON_BENCH_TEXT_ALERTS'] ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'hidsmon-text-index-'));
  try {
    // HIDSMON_BENCH_TEXT_CANDIDATES=0: only the store's figures (the candidates take long at 1M).
    if (process.env['HIDSMON_BENCH_TEXT_CANDIDATES'] === '0') {
      return { suite: 'text-index', description: `the text index in the store, ${count.toLocaleString('en-US')} simulated alerts over 30 days (candidates not run)`, rows: await storeComparison(count, dir, log) };
    }
    // Analysis, shared by every candidate: timed once.
    const postings = process.env['HIDSMON_BENCH_TEXT_POSTINGS'] === '1';
    const tantivy = process.env['HIDSMON_BENCH_TEXT_TANTIVY'] === '1';
    let tokenizeMs = 0;
    const docs: Doc[] = [];
    for (const batch of simulatedDocuments(count)) {
      const t0 = performance.now();
      for (const d of batch) {
        const doc = d.document as Record<string, unknown>;
        const rule = doc['rule'] as Record<string, unknown> | undefined;
        const texts = [doc['full_log'], doc['@message'], rule?.['comment']];
        const ts = Date.parse(doc['@timestamp'] as string);
        const str = (t: unknown): string | null => (typeof t === 'string' ? t : null);
        docs.push({ ts, day: Math.floor(ts / DAY_MS), level: levelOf(rule?.['level']), tokens: postings ? texts.map((t) => (typeof t === 'string' ? tokenizeStandard(t) : [])) : [], texts: indexedTexts(str(texts[0]), str(texts[1]), str(texts[2])), message: null });
        const last = docs[docs.length - 1] as Doc;
        const whole = str(texts[1]);
        // @message's tokens whole are only for the layouts, which the tantivy comparison does not run.
        if (whole !== null && !tantivy) last.message = indexTokens(whole);
      }
      tokenizeMs += performance.now() - t0;
      if (docs.length % 200_000 === 0) log(`  tokenized ${docs.length.toLocaleString('en-US')}`);
    }
    // In time order, as the FTS5 rowids and the postings' doc numbers are.
    docs.sort((a, b) => a.ts - b.ts);
    const tokensOf = (t: string | null): number => (t === null ? 0 : t.split(' ').length);
    const indexedPerAlert = docs.reduce((n, d) => n + d.texts.reduce((m, t) => m + tokensOf(t), 0), 0) / docs.length;

    const fts = await ftsCandidate(docs, join(dir, 'fts.sqlite'), log);
    if (tantivy) {
      const label = count % 1_000_000 === 0 ? `${count / 1_000_000}m` : count % 1000 === 0 ? `${count / 1000}k` : String(count);
      return {
        suite: `text-index-tantivy-${label}`,
        description: `${count.toLocaleString('en-US')} simulated alerts over 30 days (the text-index bench's), the same rows (the analyzer's encoded tokens of full_log, rule.comment and @message's delta) into the shipped FTS5 layout (text-index.ts) and into tantivy 0.27 (bench/text-candidates/tantivy, whitespace tokens, no field norms, ts/day/level as fast fields); answers asserted equal. Reproduce: HIDSMON_BENCH_TEXT_TANTIVY=1 HIDSMON_BENCH_TEXT_ALERTS=${count} npm run bench -- text-index`,
        rows: [
          { measure: 'alerts', fts5: count, tantivy: count },
          { measure: 'tokens indexed per alert (full_log, rule.comment, @message\'s extra and missing tokens)', fts5: round(indexedPerAlert), tantivy: round(indexedPerAlert) },
          ...tantivyComparison(docs, join(dir, 'fts.sqlite'), fts, dir, log),
        ],
      };
    }
    const other = postings ? await duckDbCandidate(docs, join(dir, 'postings.duckdb'), log) : undefined;
    const notRun = 'not run (HIDSMON_BENCH_TEXT_POSTINGS=1)';
    // HIDSMON_BENCH_TEXT_SEGMENTS=0: without the segments candidate (closed days as text-segment.ts's segments).
    const segments = process.env['HIDSMON_BENCH_TEXT_SEGMENTS'] === '0' ? undefined : segmentsCandidate(docs, log);

    const rows: Row[] = [
      { measure: 'alerts', fts5: count, 'duckdb postings': count, segments: segments ? count : 'not run (HIDSMON_BENCH_TEXT_SEGMENTS=0)' },
      { measure: 'tokens indexed per alert (FTS5: full_log, rule.comment, @message\'s extra and missing tokens)', fts5: round(indexedPerAlert), 'duckdb postings': '-' },
      { measure: 'tokenizing and @message delta (µs/alert, shared)', fts5: round((tokenizeMs * 1000) / count), 'duckdb postings': round((tokenizeMs * 1000) / count) },
      { measure: 'index ingest (µs/alert, tokens given)', fts5: round((fts.ingestMs * 1000) / count), 'duckdb postings': other ? round((other.ingestMs * 1000) / count) : notRun },
      { measure: 'index bytes per alert', fts5: Math.round(fts.bytes / count), 'duckdb postings': other ? Math.round(other.bytes / count) : notRun },
    ];
    for (const q of QUERIES) {
      const a = fts.queries.get(q.name) as QueryFigures;
      const b = other?.queries.get(q.name);
      if (b && a.total !== b.total) throw new Error(`${q.name}: FTS5 found ${a.total}, the postings table ${b.total}`);
      rows.push({ measure: `${q.name}: exact total + newest ${PAGE} (ms, median of ${RUNS}); FTS5's rows to check in DuckDB`, fts5: round(a.ms), 'duckdb postings': b ? round(b.ms) : notRun, total: `${a.total}; to check ${a.verify ?? 0}` });
    }
    if (segments !== undefined) rows.push(...segmentsComparison(docs, segments, join(dir, 'fts.sqlite'), fts.bytes, log));
    rows.push(...layoutComparison(docs, dir, log));
    rows.push({ measure: 'Rust library binding', fts5: '-', 'duckdb postings': '-', total: NO_RUST_BINDING });
    if (process.env['HIDSMON_BENCH_TEXT_STORE'] !== '0') rows.push(...(await storeComparison(count, dir, log)));
    return {
      suite: 'text-index',
      description: `${count.toLocaleString('en-US')} simulated alerts over 30 days; the standard analyzer's tokens of full_log, @message and rule.comment into each candidate; free-text queries over full_log and @message${segments ? '; segments (text-segment.ts, one per UTC day) side by side with FTS5, its counts not kept, answers asserted equal' : ''}`,
      rows,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (x: number): number => Math.round(x * 10) / 10;

interface QueryFigures {
  ms: number;
  total: number;
  /** FTS5: rows the store would check against DuckDB. */
  verify?: number;
}

interface Candidate {
  ingestMs: number;
  bytes: number;
  queries: Map<string, QueryFigures>;
}

async function ftsCandidate(docs: readonly Doc[], path: string, log: (line: string) => void): Promise<Candidate> {
  const index = TextIndex.open(path);
  let ingestMs = 0;
  const BATCH = 10_000;
  for (let start = 0; start < docs.length; start += BATCH) {
    const t0 = performance.now();
    const rows: TextIndexRow[] = docs.slice(start, start + BATCH).map((d) => ({ ts: d.ts, day: d.day, level: d.level, texts: d.texts }));
    index.add(rows);
    ingestMs += performance.now() - t0;
  }
  log(`  FTS5: ${docs.length.toLocaleString('en-US')} indexed in ${Math.round(ingestMs)} ms`);
  const queries = new Map<string, QueryFigures>();
  for (const q of QUERIES) {
    const { exact, upper } = ftsExpressions(q);
    let total = 0;
    let toCheck = 0;
    const times: number[] = [];
    for (let run = 0; run < RUNS + 1; run++) {
      const t = timed(() => {
        total = index.count(exact);
        // As the store: the rows between the bounds are walked only when the bounds count apart.
        const above = upper === exact ? total : index.count(upper);
        toCheck = above === total ? 0 : index.times(`(${upper}) NOT (${exact})`, 'desc', 10_001).length;
        index.times(exact, 'desc', PAGE);
      });
      if (run > 0) times.push(t.ms);
    }
    queries.set(q.name, { ms: median(times), total, verify: toCheck });
  }
  index.close();
  return { ingestMs, bytes: fileBytes(path) + fileBytes(`${path}-wal`), queries };
}

/**
 * (a) One row per token: (term id, doc, field, position), appended in doc order; terms in a
 * dictionary table. A phrase is a self-join on doc, field and consecutive positions.
 */
async function duckDbCandidate(docs: readonly Doc[], path: string, log: (line: string) => void): Promise<Candidate> {
  const instance = await DuckDBInstance.create(path, { storage_compatibility_version: 'latest' });
  const db = await instance.connect();
  await db.run('CREATE TABLE postings (term INTEGER, doc INTEGER, field UTINYINT, pos USMALLINT)');
  await db.run('CREATE TABLE terms (id INTEGER, term VARCHAR)');
  const ids = new Map<string, number>();
  let ingestMs = 0;
  const CHUNK = 2048;
  const appender = await db.createAppender('postings');
  let cols: DuckDBValue[][] = [[], [], [], []];
  const flush = (): void => {
    if (cols[0]!.length === 0) return;
    const chunk = DuckDBDataChunk.create([INTEGER, INTEGER, UTINYINT, USMALLINT], cols[0]!.length);
    chunk.setColumns(cols);
    appender.appendDataChunk(chunk);
    cols = [[], [], [], []];
  };
  const t0 = performance.now();
  for (let d = 0; d < docs.length; d++) {
    const doc = docs[d] as Doc;
    for (let f = 0; f < 3; f++) {
      const tokens = doc.tokens[f] as string[];
      for (let p = 0; p < tokens.length && p < 65_535; p++) {
        const token = tokens[p] as string;
        let id = ids.get(token);
        if (id === undefined) ids.set(token, (id = ids.size));
        cols[0]!.push(id);
        cols[1]!.push(d);
        cols[2]!.push(f);
        cols[3]!.push(p);
        if (cols[0]!.length === CHUNK) flush();
      }
    }
  }
  flush();
  appender.closeSync();
  const termAppender = await db.createAppender('terms');
  for (const [term, id] of ids) {
    termAppender.appendInteger(id);
    termAppender.appendVarchar(term);
    termAppender.endRow();
  }
  termAppender.closeSync();
  await db.run('CHECKPOINT');
  ingestMs = performance.now() - t0;
  log(`  DuckDB postings: ${docs.length.toLocaleString('en-US')} indexed in ${Math.round(ingestMs)} ms`);
  const queries = new Map<string, QueryFigures>();
  for (const q of QUERIES) {
    const termIds = q.tokens.map((t) => ids.get(t) ?? -1);
    let matching: string;
    if (q.prefix) {
      matching = `SELECT DISTINCT doc FROM postings WHERE field < 2 AND term IN (SELECT id FROM terms WHERE starts_with(term, '${q.tokens[0]}'))`;
    } else if (termIds.length === 1) {
      matching = `SELECT DISTINCT doc FROM postings WHERE field < 2 AND term = ${termIds[0]}`;
    } else {
      const joins = termIds.slice(1).map((id, i) => `JOIN postings p${i + 1} ON p${i + 1}.doc = p0.doc AND p${i + 1}.field = p0.field AND p${i + 1}.pos = p0.pos + ${i + 1} AND p${i + 1}.term = ${id}`);
      matching = `SELECT DISTINCT p0.doc FROM postings p0 ${joins.join(' ')} WHERE p0.field < 2 AND p0.term = ${termIds[0]}`;
    }
    let total = 0;
    const times: number[] = [];
    for (let run = 0; run < RUNS + 1; run++) {
      const t = await timedAsync(async () => {
        total = Number((await db.runAndReadAll(`SELECT count(*) FROM (${matching})`)).getRows()[0]?.[0]);
        await db.runAndReadAll(`SELECT doc FROM (${matching}) ORDER BY doc DESC LIMIT ${PAGE}`);
      });
      if (run > 0) times.push(t.ms);
    }
    queries.set(q.name, { ms: median(times), total });
  }
  db.closeSync();
  instance.closeSync();
  return { ingestMs, bytes: fileBytes(path) + fileBytes(`${path}.wal`), queries };
}

/**
 * FTS5 layouts on the same alerts (the first HIDSMON_BENCH_TEXT_LAYOUT_ALERTS, 200,000 by default,
 * of the time-ordered set: the density of the whole, and minutes less than the whole): `@message`
 * whole with positions (the layout before the delta), the delta in the one table (the store's),
 * the delta's extra tokens in a second table of detail=none; each with rowids `ts << 16` (time
 * order, what the store's queries need) and dense (1, 2, 3, ...: what varint deltas would cost
 * with a rowid → time map, not built). Bytes per alert after a checkpoint, ingest µs per alert
 * with the texts given.
 */
function layoutComparison(docs: readonly Doc[], dir: string, log: (line: string) => void): Row[] {
  const n = Math.min(docs.length, Number(process.env['HIDSMON_BENCH_TEXT_LAYOUT_ALERTS'] ?? 200_000));
  const options = "content='', contentless_delete=1, contentless_unindexed=1, tokenize='ascii'";
  const layouts: Array<{ name: string; ddl: string[]; insert: (db: DatabaseSync) => (rowid: bigint, d: Doc) => void }> = [
    {
      name: '@message whole, positions (before)',
      ddl: [`CREATE VIRTUAL TABLE t USING fts5(full_log, message, comment, day UNINDEXED, ${options}, detail=full)`],
      insert: (db) => {
        const s = db.prepare('INSERT INTO t(rowid, full_log, message, comment, day) VALUES (?, ?, ?, ?, ?)');
        return (rowid, d) => s.run(rowid, d.texts[0] ?? null, d.message ?? null, d.texts[1] ?? null, d.day);
      },
    },
    {
      name: '@message as delta, one table (the store\'s)',
      ddl: [`CREATE VIRTUAL TABLE t USING fts5(full_log, comment, extra, missing, day UNINDEXED, ${options}, detail=full)`],
      insert: (db) => {
        const s = db.prepare('INSERT INTO t(rowid, full_log, comment, extra, missing, day) VALUES (?, ?, ?, ?, ?, ?)');
        return (rowid, d) => s.run(rowid, d.texts[0] ?? null, d.texts[1] ?? null, d.texts[2] ?? null, d.texts[3] ?? null, d.day);
      },
    },
    {
      name: '@message as delta, extra tokens in a detail=none table',
      ddl: [`CREATE VIRTUAL TABLE t USING fts5(full_log, comment, missing, day UNINDEXED, ${options}, detail=full)`, `CREATE VIRTUAL TABLE x USING fts5(extra, content='', contentless_delete=1, tokenize='ascii', detail=none)`],
      insert: (db) => {
        const s = db.prepare('INSERT INTO t(rowid, full_log, comment, missing, day) VALUES (?, ?, ?, ?, ?)');
        const x = db.prepare('INSERT INTO x(rowid, extra) VALUES (?, ?)');
        return (rowid, d) => {
          s.run(rowid, d.texts[0] ?? null, d.texts[1] ?? null, d.texts[3] ?? null, d.day);
          x.run(rowid, d.texts[2] ?? null);
        };
      },
    },
  ];
  const rows: Row[] = [];
  for (const layout of layouts) {
    const figures: Record<string, string> = {};
    for (const rowids of ['ts << 16', 'dense'] as const) {
      const path = join(dir, `layout-${rows.length}-${rowids === 'dense' ? 'dense' : 'ts'}.sqlite`);
      const db = new DatabaseSync(path);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      for (const statement of layout.ddl) db.exec(statement);
      const insert = layout.insert(db);
      const seq = new Map<number, number>();
      const t0 = performance.now();
      for (let start = 0; start < n; start += 10_000) {
        db.exec('BEGIN');
        for (let i = start; i < Math.min(n, start + 10_000); i++) {
          const d = docs[i] as Doc;
          const k = seq.get(d.ts) ?? 0;
          seq.set(d.ts, k + 1);
          insert(rowids === 'dense' ? BigInt(i + 1) : (BigInt(d.ts) << 16n) | BigInt(k), d);
        }
        db.exec('COMMIT');
      }
      const ms = performance.now() - t0;
      db.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      db.close();
      figures[rowids] = `${Math.round(fileBytes(path) / n)} B, ${round((ms * 1000) / n)} µs`;
      rmSync(path, { force: true });
      rmSync(`${path}-wal`, { force: true });
      log(`  layout ${layout.name}, rowids ${rowids}: ${figures[rowids]}`);
    }
    rows.push({ measure: `FTS5 layout at ${n.toLocaleString('en-US')} alerts (bytes/alert, ingest µs/alert): ${layout.name}`, fts5: figures['ts << 16'] as string, 'duckdb postings': '-', total: `dense rowids: ${figures['dense']}` });
  }
  return rows;
}

/** OpenSearch's figures for the same queries at 1,000,000 alerts (bench/results/backends.json, 2026-12-01, behind HTTP). */
const OPENSEARCH_MS: Record<string, number> = { phrase: 76, word: 36 };

/**
 * The winner built into the store: the same searches through DuckDbStore.search (exact total and
 * the newest 20, as the HTTP API asks) with the text index and with the scan, on the store bench's
 * cached store of `count` alerts (its index caught up first); and the store's ingest with and
 * without the index, side by side on fresh stores of STORE_INGEST alerts.
 */
async function storeComparison(count: number, dir: string, log: (line: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const { store } = await build(count, log);
  const path = (store as unknown as { options: { path: string } }).options.path;
  log('  waiting for the store\'s text index to catch up...');
  const t0 = performance.now();
  const ready = await store.textIndexCaughtUp();
  log(`  caught up (${ready}) in ${Math.round(performance.now() - t0)} ms`);
  const storeBytes = store.fileBytes();
  const searches = [
    { key: 'phrase', query: '"did not receive identification"' },
    { key: 'word', query: 'identification' },
    { key: 'prefix', query: 'identif*' },
  ];
  const timeSearches = async (s: DuckDbStore): Promise<Map<string, { ms: number; total: number }>> => {
    const out = new Map<string, { ms: number; total: number }>();
    for (const q of searches) {
      const parsed = parseQueryInput(q.query);
      if (!parsed.ok) throw new Error(parsed.error.message);
      const request: SearchRequest = { query: parsed.value, size: 20 };
      const times: number[] = [];
      let total = 0;
      for (let run = 0; run < 4; run++) {
        const started = performance.now();
        const result = await s.search(request);
        if (!result.ok) throw new Error(result.error.message);
        total = result.value.total;
        if (run > 0) times.push(performance.now() - started);
      }
      out.set(q.key, { ms: median(times), total });
    }
    return out;
  };
  const indexed = await timeSearches(store);
  await store.close();
  const bare = await DuckDbStore.open({ path, textIndex: false, limits: { searchTimeoutMs: 0 } });
  const scanned = await timeSearches(bare);
  await bare.close();
  for (const q of searches) {
    const a = indexed.get(q.key) as { ms: number; total: number };
    const b = scanned.get(q.key) as { ms: number; total: number };
    if (a.total !== b.total) throw new Error(`${q.query}: the index found ${a.total}, the scan ${b.total}`);
    rows.push({ measure: `store.search ${q.query} exact total + newest 20 at ${count.toLocaleString('en-US')} (ms, median of 3): index | scan${OPENSEARCH_MS[q.key] ? ` (OpenSearch ${OPENSEARCH_MS[q.key]} ms)` : ''}`, fts5: round(a.ms), 'duckdb postings': '-', total: `${a.total}; scan ${round(b.ms)} ms` });
  }
  rows.push({ measure: `store bytes per alert at ${count.toLocaleString('en-US')}, index included (OpenSearch 892)`, fts5: Math.round(storeBytes / count), 'duckdb postings': '-' });
  const ingestCount = Number(process.env['HIDSMON_BENCH_TEXT_STORE_ALERTS'] ?? 100_000);
  const rates: Record<string, number> = {};
  for (const textIndex of [false, true]) {
    const s = await DuckDbStore.open({ path: join(dir, `ingest-${textIndex}.duckdb`), textIndex });
    await s.textIndexCaughtUp();
    let writingMs = 0;
    for (const batch of simulatedDocuments(ingestCount)) {
      const started = performance.now();
      await s.write(batch);
      writingMs += performance.now() - started;
    }
    rates[String(textIndex)] = Math.round(ingestCount / (writingMs / 1000));
    await s.close();
  }
  rows.push({ measure: `store ingest, ${ingestCount.toLocaleString('en-US')} alerts in batches of 10,000 (alerts/s): with index | without`, fts5: rates['true'] as number, 'duckdb postings': '-', total: `without: ${rates['false']}` });
  return rows;
}

const HOUR_MS = 3_600_000;
type Range = { fromMs: number; toMs: number };
/** TextIndex's default range (text-index.ts): every time a row can have. */
const ALL_TIME: Range = { fromMs: -(2 ** 42), toMs: 2 ** 42 };
/** The DuckDB store's bytes per alert without its text index, at 10,000,000 and 1,000,000 (bench/results/backends*.json). */
const DUCKDB_BYTES = [100, 134] as const;
/** OpenSearch's bytes per alert at 10,000,000 and 1,000,000 (the same runs): the goal is at most a third. */
const OPENSEARCH_BYTES = [766, 872] as const;

/** The segments candidate: every UTC day of the rows as one segment (text-segment.ts), oldest first. */
interface Segments {
  days: TextSegment[];
  /** Each day's bytes, to open again (a segment keeps matches and decoded postings between calls). */
  encoded: Uint8Array[];
  encodeMs: number;
  openMs: number;
  bytes: number;
}

/**
 * Each UTC day of `docs` (time-ordered) encoded with encodeSegment, as the store would once the day
 * is closed, and opened from its bytes in memory: encoding timed (the tokens given, as the FTS5
 * candidate's ingest), opening apart.
 */
function segmentsCandidate(docs: readonly Doc[], log: (line: string) => void): Segments {
  const out: Segments = { days: [], encoded: [], encodeMs: 0, openMs: 0, bytes: 0 };
  for (let start = 0; start < docs.length; ) {
    const day = (docs[start] as Doc).day;
    let end = start;
    while (end < docs.length && (docs[end] as Doc).day === day) end++;
    const rows: readonly SegmentRow[] = docs.slice(start, end);
    const t0 = performance.now();
    const bytes = encodeSegment(rows);
    const t1 = performance.now();
    const segment = TextSegment.open(bytesSource(bytes));
    out.openMs += performance.now() - t1;
    out.encodeMs += t1 - t0;
    out.bytes += bytes.byteLength;
    if (segment.docCount !== end - start) throw new Error(`segment of day ${day}: ${segment.docCount} documents, ${end - start} rows given`);
    out.days.push(segment);
    out.encoded.push(bytes);
    start = end;
  }
  log(`  segments: ${docs.length.toLocaleString('en-US')} in ${out.days.length} day segments, encoded in ${Math.round(out.encodeMs)} ms, ${Math.round(out.bytes / Math.max(1, docs.length))} B/alert`);
  return out;
}

/** The segments whose days meet the range, oldest first. */
const meeting = (s: Segments, range: Range): TextSegment[] => s.days.filter((d) => d.docCount > 0 && d.toMs >= range.fromMs && d.fromMs <= range.toMs);

/** The segments' answers, as TextIndex would give them over the union: sums, the newest page across days, tallies joined. */
const segmentAnswers = {
  count: (s: Segments, match: string, range: Range): number => meeting(s, range).reduce((n, d) => n + d.count(match, range), 0),
  newest: (s: Segments, match: string, limit: number, range: Range): number[] => {
    const out: number[] = [];
    const days = meeting(s, range);
    // Days are disjoint and in time order: the newest day's page first, older days only to fill it.
    for (let i = days.length - 1; i >= 0 && out.length < limit; i--) out.push(...(days[i] as TextSegment).times(match, 'desc', limit - out.length, range));
    return out;
  },
  tally: (s: Segments, match: string, grainMs: number, range: Range): Array<[number, number | null, number]> => {
    const out: Array<[number, number | null, number]> = [];
    for (const d of meeting(s, range)) for (const [grain, levels] of d.tally(match, grainMs, range, true)) for (const [level, n] of levels) out.push([grain, level, n]);
    return out;
  },
};

/** A tally as one string to compare: (grain, level) cells summed, in grain then level order (none first). */
function tallyKey(cells: ReadonlyArray<readonly [number, number | null, number]>): { key: string; sum: number; grains: number; levels: number } {
  const summed = new Map<string, [number, number | null, number]>();
  for (const [grain, level, n] of cells) {
    const k = `${grain}:${level}`;
    const cell = summed.get(k);
    if (cell) cell[2] += n;
    else summed.set(k, [grain, level, n]);
  }
  const sorted = [...summed.values()].sort((a, b) => a[0] - b[0] || (a[1] ?? -Infinity) - (b[1] ?? -Infinity));
  return { key: sorted.map(([g, l, n]) => `${g}/${l}=${n}`).join(','), sum: sorted.reduce((n, c) => n + c[2], 0), grains: new Set(sorted.map((c) => c[0])).size, levels: new Set(sorted.map((c) => c[1])).size };
}

/**
 * `a` and `b` run alternately (one warm-up each, timed apart as `firstMs`, then RUNS each, which
 * goes first swapped each run): the medians and the last answers. `fresh` (untimed) runs before
 * each run of `b`: the segments opened again, so that every run walks (a segment keeps its last
 * matches, which would answer a repeated count as FTS5's kept counts do). Then `b` RUNS times more
 * without it: `repeatedMs`, what a repeated question costs with the segments' own caches.
 */
function sideBySide<A, B>(a: () => A, b: () => B, fresh: () => void): { a: { ms: number; firstMs: number; value: A }; b: { ms: number; firstMs: number; repeatedMs: number; value: B } } {
  const fa = timed(a);
  fresh();
  const fb = timed(b);
  let va = fa.value;
  let vb = fb.value;
  const ta: number[] = [];
  const tb: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const first = run % 2 === 0;
    if (first) {
      const x = timed(a);
      va = x.value;
      ta.push(x.ms);
    }
    fresh();
    const y = timed(b);
    vb = y.value;
    tb.push(y.ms);
    if (!first) {
      const x = timed(a);
      va = x.value;
      ta.push(x.ms);
    }
  }
  const repeated: number[] = [];
  for (let run = 0; run < RUNS; run++) repeated.push(timed(b).ms);
  return { a: { ms: median(ta), firstMs: fa.ms, value: va }, b: { ms: median(tb), firstMs: fb.ms, repeatedMs: median(repeated), value: vb } };
}

/** The segments' bytes per alert by part (TextSegment.parts), summed over the days. */
function partsOf(segments: Segments, n: number): string {
  const sum = { header: 0, times: 0, levels: 0 };
  const columns = TEXT_INDEX_COLUMNS.map(() => ({ dictionary: 0, postings: 0, positions: 0, terms: 0 }));
  for (const day of segments.days) {
    const parts = day.parts();
    sum.header += parts.header;
    sum.times += parts.times;
    sum.levels += parts.levels;
    parts.columns.forEach((c, i) => {
      const into = columns[i];
      if (into === undefined) return;
      into.dictionary += c.dictionary;
      into.postings += c.postings;
      into.positions += c.positions;
      into.terms += c.terms;
    });
  }
  const b = (x: number): string => String(round(x / n));
  return [`header ${b(sum.header)}`, `times ${b(sum.times)}`, `levels ${b(sum.levels)}`, ...columns.map((c, i) => `${TEXT_INDEX_COLUMNS[i]} ${b(c.dictionary)} / ${b(c.postings)} / ${b(c.positions)} (${c.terms.toLocaleString('en-US')} terms)`)].join('; ');
}

const ratioOf = (a: number, b: number): string => (b === 0 ? '-' : `${(a / b).toPrecision(2)}x`);

/**
 * FTS5 (the candidate's file, counts NOT kept: every count and tally walks its matches) against the
 * segments of the same rows, side by side: build cost and bytes, then per query (the phrase, the
 * word, the prefix over all days; the word over the last 7 days, both edge days partial) the exact
 * total, the newest page of PAGE and the per-hour histogram stacked by level, each the median of
 * RUNS, the segments opened again before each (their kept matches and postings apart, as
 * `repeated`). Every answer must be equal, or the bench fails.
 */
function segmentsComparison(docs: readonly Doc[], segments: Segments, ftsPath: string, ftsBytes: number, log: (line: string) => void): Row[] {
  const n = docs.length;
  const rows: Row[] = [];
  const perAlert = (bytes: number): number => Math.round(bytes / n);
  const ftsB = perAlert(ftsBytes);
  const segB = perAlert(segments.bytes);
  const goal = OPENSEARCH_BYTES.map((b) => Math.floor(b / 3));
  const withStore = (b: number): string => `${b + DUCKDB_BYTES[0]}-${b + DUCKDB_BYTES[1]}`;
  rows.push({ measure: `segments: ${segments.days.length} UTC-day segments (encodeSegment), build µs/alert with the tokens given (FTS5: its ingest, above); opening every segment from memory (ms)`, fts5: '-', segments: round((segments.encodeMs * 1000) / n), total: `open ${round(segments.openMs)} ms` });
  rows.push({ measure: 'segments: text index bytes/alert (segments: sum of encoded sizes; FTS5: its file as written)', fts5: ftsB, segments: segB, total: `segments/FTS5 ${ratioOf(segB, ftsB)}` });
  rows.push({
    measure: `segments: store bytes/alert with DuckDB's ${DUCKDB_BYTES[0]}-${DUCKDB_BYTES[1]} (10M-1M); goal <= a third of OpenSearch's ${OPENSEARCH_BYTES[0]}-${OPENSEARCH_BYTES[1]}: <= ${goal[0]}-${goal[1]}`,
    fts5: withStore(ftsB),
    segments: withStore(segB),
    total: `segments ${segB + DUCKDB_BYTES[1] <= (goal[1] as number) ? 'meet' : 'miss'} it at 1M (${segB + DUCKDB_BYTES[1]} vs ${goal[1]}), ${segB + DUCKDB_BYTES[0] <= (goal[0] as number) ? 'meet' : 'miss'} it at 10M's density (${segB + DUCKDB_BYTES[0]} vs ${goal[0]}); FTS5 ${ftsB + DUCKDB_BYTES[1]}`,
  });
  rows.push({ measure: 'segments: bytes/alert by part (summed over the days; per column: dictionary / postings / positions)', fts5: '-', segments: segB, total: partsOf(segments, n) });
  const index = TextIndex.open(ftsPath);
  index.keepCounts(false);
  const reopen = (): void => {
    segments.days = segments.encoded.map((bytes) => TextSegment.open(bytesSource(bytes)));
  };
  try {
    const lastTs = (docs[n - 1] as Doc).ts;
    // 'The last 7 days' asked 6 hours before the newest alert: both edge days cut mid-day.
    const week: Range = { toMs: lastTs - 6 * HOUR_MS, fromMs: lastTs - 6 * HOUR_MS - 7 * DAY_MS };
    const word = QUERIES[1];
    // The three queries' matches are one alert type of one level: a common word (a third of the
    // alerts, four levels) as well, so that the stacked tallies are compared on several levels.
    const common = { name: 'word sshd (a third of the alerts, four levels)', tokens: ['sshd'], prefix: false };
    const asks = [
      ...QUERIES.map((q) => ({ name: q.name, q, range: ALL_TIME, label: 'all days' })),
      { name: `${word.name}, last 7 days (edges mid-day)`, q: word, range: week, label: '7 days' },
      { name: common.name, q: common, range: ALL_TIME, label: 'all days' },
    ];
    for (const ask of asks) {
      const match = ftsExpressions(ask.q).exact;
      const { range } = ask;
      const total = sideBySide(
        () => index.count(match, range),
        () => segmentAnswers.count(segments, match, range),
        reopen,
      );
      if (total.a.value !== total.b.value) throw new Error(`${ask.name}: FTS5 counted ${total.a.value}, the segments ${total.b.value}`);
      const page = sideBySide(
        () => index.times(match, 'desc', PAGE, range),
        () => segmentAnswers.newest(segments, match, PAGE, range),
        reopen,
      );
      if (page.a.value.join(',') !== page.b.value.join(',')) throw new Error(`${ask.name}: the newest ${PAGE} differ: FTS5 ${page.a.value.join(',')}; segments ${page.b.value.join(',')}`);
      const tally = sideBySide(
        () => tallyKey(index.grainLevelCounts(match, HOUR_MS, range)),
        () => tallyKey(segmentAnswers.tally(segments, match, HOUR_MS, range)),
        reopen,
      );
      if (tally.a.value.key !== tally.b.value.key) throw new Error(`${ask.name}: the per-hour tallies by level differ: FTS5 ${tally.a.value.grains} hours, ${tally.a.value.sum} matches; segments ${tally.b.value.grains} hours, ${tally.b.value.sum}`);
      if (tally.a.value.sum !== total.a.value) throw new Error(`${ask.name}: the tally sums to ${tally.a.value.sum}, the count is ${total.a.value}`);
      const measure = (what: string): string => `segments: ${ask.name}: ${what} (ms, median of ${RUNS}; FTS5 counts not kept, segments opened again before each run)`;
      const first = (x: { a: { firstMs: number }; b: { firstMs: number; repeatedMs: number } }): string => `segments repeated (their kept matches) ${round(x.b.repeatedMs)} ms; first run FTS5 ${round(x.a.firstMs)}, segments ${round(x.b.firstMs)} ms`;
      rows.push({ measure: measure(`exact total, ${ask.label}`), fts5: round(total.a.ms), segments: round(total.b.ms), total: `${total.a.value}; segments/FTS5 ${ratioOf(total.b.ms, total.a.ms)}; ${first(total)}` });
      rows.push({ measure: measure(`newest ${PAGE} times`), fts5: round(page.a.ms), segments: round(page.b.ms), total: `newest ${new Date(page.a.value[0] ?? 0).toISOString()}; segments/FTS5 ${ratioOf(page.b.ms, page.a.ms)}; ${first(page)}` });
      rows.push({ measure: measure('per-hour histogram stacked by level'), fts5: round(tally.a.ms), segments: round(tally.b.ms), total: `${tally.a.value.grains} hours, ${tally.a.value.levels} levels; segments/FTS5 ${ratioOf(tally.b.ms, tally.a.ms)}; ${first(tally)}` });
      log(`  ${ask.name}: total ${total.a.value} (FTS5 ${round(total.a.ms)} ms, segments ${round(total.b.ms)}), page (${round(page.a.ms)}, ${round(page.b.ms)}), histogram (${round(tally.a.ms)}, ${round(tally.b.ms)}): answers equal`);
    }
  } finally {
    index.close();
  }
  return rows;
}
