/**
 * @module Bench `text-index`: the inverted-index candidates for the embedded store's free text, fed
 * the same standard-analyzer tokens of the same simulated alerts (1,000,000 over 30 days by
 * default, HIDSMON_BENCH_TEXT_ALERTS to change it): (a) a postings table in DuckDB (term id, doc,
 * field, position: one row per token), (b) SQLite FTS5 through node:sqlite (the store's
 * TextIndex: contentless, detail=full, encoded tokens), (c) a Rust search library's npm binding
 * (none maintained found: see NO_RUST_BINDING). For each: ingest cost per alert (tokenizing
 * counted once, apart), bytes per alert, and the exact total plus the newest page of 20 for a
 * phrase, a word and a prefix. Every candidate's totals must agree.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBDataChunk, DuckDBInstance, INTEGER, UTINYINT, USMALLINT, type DuckDBValue } from '@duckdb/node-api';
import { tokenizeStandard } from '../src/query/analysis/standard-tokenizer.js';
import { encodeToken, TextIndex, type TextIndexRow } from '../src/sinks/duckdb/text-index.js';
import { median, type Row, type SuiteResult } from './harness.js';
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
  /** Tokens per field: full_log, @message, rule.comment. */
  tokens: string[][];
}

const QUERIES = [
  { name: 'phrase "did not receive identification"', tokens: ['did', 'not', 'receive', 'identification'], prefix: false },
  { name: 'word identification', tokens: ['identification'], prefix: false },
  { name: 'prefix ident*', tokens: ['ident'], prefix: true },
] as const;

/** Free text searches full_log and @message (fields 0 and 1). */
function ftsExpression(q: (typeof QUERIES)[number]): string {
  const body = `"${q.tokens.map(encodeToken).join(' ')}"${q.prefix ? ' *' : ''}`;
  return `(full_log : ${body}) OR (message : ${body})`;
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
    let tokenizeMs = 0;
    const docs: Doc[] = [];
    for (const batch of simulatedDocuments(count)) {
      const t0 = performance.now();
      for (const d of batch) {
        const doc = d.document as Record<string, unknown>;
        const rule = doc['rule'] as Record<string, unknown> | undefined;
        const texts = [doc['full_log'], doc['@message'], rule?.['comment']];
        const ts = Date.parse(doc['@timestamp'] as string);
        docs.push({ ts, day: Math.floor(ts / DAY_MS), tokens: texts.map((t) => (typeof t === 'string' ? tokenizeStandard(t) : [])) });
      }
      tokenizeMs += performance.now() - t0;
      if (docs.length % 200_000 === 0) log(`  tokenized ${docs.length.toLocaleString('en-US')}`);
    }
    // In time order, as the FTS5 rowids and the postings' doc numbers are.
    docs.sort((a, b) => a.ts - b.ts);
    const tokensPerAlert = docs.reduce((n, d) => n + d.tokens[0]!.length + d.tokens[1]!.length + d.tokens[2]!.length, 0) / docs.length;

    const fts = await ftsCandidate(docs, join(dir, 'fts.sqlite'), log);
    const postings = await duckDbCandidate(docs, join(dir, 'postings.duckdb'), log);

    const rows: Row[] = [
      { measure: 'alerts', fts5: count, 'duckdb postings': count },
      { measure: 'tokens per alert (full_log, @message, rule.comment)', fts5: Math.round(tokensPerAlert), 'duckdb postings': Math.round(tokensPerAlert) },
      { measure: 'tokenizing (µs/alert, shared)', fts5: round((tokenizeMs * 1000) / count), 'duckdb postings': round((tokenizeMs * 1000) / count) },
      { measure: 'index ingest (µs/alert, tokens given)', fts5: round((fts.ingestMs * 1000) / count), 'duckdb postings': round((postings.ingestMs * 1000) / count) },
      { measure: 'index bytes per alert', fts5: Math.round(fts.bytes / count), 'duckdb postings': Math.round(postings.bytes / count) },
    ];
    for (const q of QUERIES) {
      const a = fts.queries.get(q.name) as QueryFigures;
      const b = postings.queries.get(q.name) as QueryFigures;
      if (a.total !== b.total) throw new Error(`${q.name}: FTS5 found ${a.total}, the postings table ${b.total}`);
      rows.push({ measure: `${q.name}: exact total + newest ${PAGE} (ms, median of ${RUNS})`, fts5: round(a.ms), 'duckdb postings': round(b.ms), total: a.total });
    }
    rows.push({ measure: 'Rust library binding', fts5: '-', 'duckdb postings': '-', total: NO_RUST_BINDING });
    if (process.env['HIDSMON_BENCH_TEXT_STORE'] !== '0') rows.push(...(await storeComparison(count, dir, log)));
    return {
      suite: 'text-index',
      description: `${count.toLocaleString('en-US')} simulated alerts over 30 days; the standard analyzer's tokens of full_log, @message and rule.comment into each candidate; free-text queries over full_log and @message`,
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
    const rows: TextIndexRow[] = docs.slice(start, start + BATCH).map((d) => ({ ts: d.ts, day: d.day, texts: d.tokens.map((t) => (t.length === 0 ? null : t.map(encodeToken).join(' '))) }));
    index.add(rows);
    ingestMs += performance.now() - t0;
  }
  log(`  FTS5: ${docs.length.toLocaleString('en-US')} indexed in ${Math.round(ingestMs)} ms`);
  const queries = new Map<string, QueryFigures>();
  for (const q of QUERIES) {
    const expression = ftsExpression(q);
    let total = 0;
    const times: number[] = [];
    for (let run = 0; run < RUNS + 1; run++) {
      const t = timed(() => {
        total = index.count(expression);
        index.times(expression, 'desc', PAGE);
      });
      if (run > 0) times.push(t.ms);
    }
    queries.set(q.name, { ms: median(times), total });
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
