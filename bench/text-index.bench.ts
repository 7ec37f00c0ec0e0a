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
 * runs only with HIDSMON_BENCH_TEXT_POSTINGS=1. Then FTS5 layouts side by side on the same alerts
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
import { encodeToken, indexedTexts, TextIndex, type TextIndexRow } from '../src/sinks/duckdb/text-index.js';
import { median, type Row, type SuiteResult } from './harness.js';
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
function ftsExpressions(q: (typeof QUERIES)[number]): { exact: string; upper: string } {
  const body = `"${q.tokens.map(encodeToken).join(' ')}"${q.prefix ? ' *' : ''}`;
  const free = `(({full_log comment} : ${body}) NOT ((missing : ${body}) NOT (full_log : ${body}))) OR (extra : ${body})`;
  if (q.tokens.length > 1) return { exact: `full_log : ${body}`, upper: q.tokens.map((t) => `"${encodeToken(t)}"`).join(' AND ') };
  return { exact: free, upper: q.prefix ? body : free };
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
        docs.push({ ts, day: Math.floor(ts / DAY_MS), tokens: postings ? texts.map((t) => (typeof t === 'string' ? tokenizeStandard(t) : [])) : [], texts: indexedTexts(str(texts[0]), str(texts[1]), str(texts[2])), message: null });
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

    const rows: Row[] = [
      { measure: 'alerts', fts5: count, 'duckdb postings': count },
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
    rows.push(...layoutComparison(docs, dir, log));
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
    const rows: TextIndexRow[] = docs.slice(start, start + BATCH).map((d) => ({ ts: d.ts, day: d.day, level: null, texts: d.texts }));
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
