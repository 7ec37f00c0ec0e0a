/**
 * @module Micro-benchmark of the segment matcher (text-segment-match.ts) alone, not a bench suite:
 * one day at 10M alerts (~330,000 simulated alerts, HIDSMON_MICRO_DOCS to change it) as one
 * segment in an in-memory reader (src/testing/text-segment-lists.ts, no codec) and as an encoded
 * segment (text-segment.ts, postings decoded per call), the bench's phrase,
 * word and prefix (text-index.bench.ts's QUERIES and ftsExpressions), each evaluated RUNS times;
 * medians, and FTS5's count of the same expressions over the same rows for scale. Run with
 * `npx tsx bench/text-segment-match.micro.ts`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { encodeToken, indexedTexts, TEXT_INDEX_COLUMNS } from '../src/sinks/duckdb/text-index.js';
import { matchingDocs, parseMatch } from '../src/sinks/duckdb/text-segment-match.js';
import { bytesSource, encodeSegment, TextSegment } from '../src/sinks/duckdb/text-segment.js';
import { ListsReader } from '../src/testing/text-segment-lists.js';
import { median } from './harness.js';
import { simulatedDocuments } from './store.bench.js';

const count = Number(process.env['HIDSMON_MICRO_DOCS'] ?? 330_000);
const RUNS = 21;

// HIDSMON_MICRO_TEXTS: a file (outside the repository) keeping the analysed texts between runs.
const cache = process.env['HIDSMON_MICRO_TEXTS'];
let texts: Array<Array<string | null>> = [];
const t0 = performance.now();
if (cache !== undefined && existsSync(cache)) texts = JSON.parse(readFileSync(cache, 'utf8'));
else {
  for (const batch of simulatedDocuments(count)) {
    for (const d of batch) {
      const doc = d.document as Record<string, unknown>;
      const rule = doc['rule'] as Record<string, unknown> | undefined;
      const str = (t: unknown): string | null => (typeof t === 'string' ? t : null);
      texts.push(indexedTexts(str(doc['full_log']), str(doc['@message']), str(rule?.['comment'])));
    }
  }
  if (cache !== undefined) writeFileSync(cache, JSON.stringify(texts));
}
console.log(`${count.toLocaleString('en-US')} alerts simulated and analysed in ${Math.round(performance.now() - t0)} ms`);
const db = new DatabaseSync(':memory:');
db.exec(
  `CREATE VIRTUAL TABLE text_index USING fts5(${TEXT_INDEX_COLUMNS.join(', ')}, day UNINDEXED, level UNINDEXED, content='', contentless_delete=1, contentless_unindexed=1, tokenize='ascii', detail=full)`,
);
const insert = db.prepare(`INSERT INTO text_index(rowid, ${TEXT_INDEX_COLUMNS.join(', ')}, day, level) VALUES (?, ?, ?, ?, ?, 0, NULL)`);
db.exec('BEGIN');
texts.forEach((row, i) => insert.run(i + 1, ...row));
db.exec('COMMIT');
const ftsCount = db.prepare('SELECT count(*) AS n FROM text_index WHERE text_index MATCH ?');

const t1 = performance.now();
const reader = new ListsReader(texts.length, (doc, column) => {
  const t = texts[doc]?.[column];
  return t === null || t === undefined || t === '' ? null : t.split(' ');
});
console.log(`reader built in ${Math.round(performance.now() - t1)} ms`);
// The same rows as a real segment (text-segment.ts's codec): the matcher over decoded postings.
const t2 = performance.now();
const bytes = encodeSegment(texts.map((row, i) => ({ ts: i, level: null, texts: row })));
const segment = TextSegment.open(bytesSource(bytes));
console.log(`segment encoded in ${Math.round(performance.now() - t2)} ms: ${(bytes.length / texts.length).toFixed(1)} B/doc`);
// The texts go before measuring: the old space's collections (1 GB of strings) are the noise otherwise.
texts = [];

const body = (tokens: readonly string[], prefix: boolean): string => `"${tokens.map(encodeToken).join(' ')}"${prefix ? ' *' : ''}`;
const free = (b: string): string => `(({full_log comment} : ${b}) NOT ((missing : ${b}) NOT (full_log : ${b}))) OR (extra : ${b})`;
const cases = [
  { name: '4-token phrase, full_log : "did not receive identification"', expression: `full_log : ${body(['did', 'not', 'receive', 'identification'], false)}` },
  { name: "phrase's upper bound, its 4 words ANDed", expression: ['did', 'not', 'receive', 'identification'].map((t) => `"${t}"`).join(' AND ') },
  { name: 'word identification (free text: with the @message delta)', expression: free(body(['identification'], false)) },
  { name: 'word identification, bare', expression: body(['identification'], false) },
  { name: 'prefix ident* (free text)', expression: free(body(['ident'], true)) },
];

/** Wall and CPU time (this process's, so a preemption on a loaded machine does not count; GC threads' does) of one call, ms. */
const time = (fn: () => unknown): { wall: number; cpu: number } => {
  const c = process.cpuUsage();
  const s = performance.now();
  fn();
  const wall = performance.now() - s;
  const u = process.cpuUsage(c);
  return { wall, cpu: (u.user + u.system) / 1000 };
};

const fmt = (xs: number[]): string => `median ${median(xs).toFixed(2)} min ${Math.min(...xs).toFixed(2)}`;
for (const c of cases) {
  parseMatch(c.expression);
  let total = 0;
  const ours: number[] = [];
  const oursCpu: number[] = [];
  const real: number[] = [];
  const realCpu: number[] = [];
  const theirs: number[] = [];
  const theirsCpu: number[] = [];
  for (let run = 0; run < RUNS + 1; run++) {
    const a = time(() => (total = matchingDocs(c.expression, reader).length));
    let m = 0;
    const r = time(() => (m = matchingDocs(c.expression, segment).length));
    if (m !== total) throw new Error(`${c.name}: ${total} documents in memory, ${m} in the segment`);
    let n = 0;
    const b = time(() => (n = Number((ftsCount.get(c.expression) as { n: number }).n)));
    if (n !== total) throw new Error(`${c.name}: ${total} documents, FTS5 ${n}`);
    if (run > 0) {
      ours.push(a.wall);
      oursCpu.push(a.cpu);
      real.push(r.wall);
      realCpu.push(r.cpu);
      theirs.push(b.wall);
      theirsCpu.push(b.cpu);
    }
  }
  console.log(`${c.name}: ${total.toLocaleString('en-US')} docs`);
  console.log(`  matchingDocs wall ${fmt(ours)}, cpu ${fmt(oursCpu)} ms`);
  console.log(`  over the encoded segment wall ${fmt(real)}, cpu ${fmt(realCpu)} ms`);
  console.log(`  FTS5 count   wall ${fmt(theirs)}, cpu ${fmt(theirsCpu)} ms (medians' ratio ${(median(theirs) / median(ours)).toFixed(1)}x)`);
}
db.close();
