/**
 * The text index (text-index.ts) against the scan it stands in for: random documents and random
 * text queries (words, phrases with and without slop, prefixes, AND/OR/NOT, prototype names,
 * non-ASCII, empty text) on two stores, one with the index and one without; every answer (the
 * total and the page, in order) is the same. The page is small so that ties at its edge matter.
 * `@message` is indexed as a delta against full_log and rule.comment (text-index.ts): the texts
 * hold what JSON escapes (a newline, a quote, a backslash), so that `@message` lacks tokens of
 * full_log, and the alert has fields of its own, so that phrases span JSON keys and values.
 * Discover's histogram stacked by rule.level (terms in each bucket, of random sizes, in zones) is
 * compared too: levels are random, missing, or not an integer the level column takes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloudWatchEventId } from '../../core/ids.js';
import { parseQueryInput } from '../../query/parse-query.js';
import type { SearchRequest } from '../../query/search-api.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { DuckDbStore } from './store.js';

const WORDS = ['did', 'not', 'receive', 'identification', 'sshd', 'root', 'admin', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'café', 'straße', 'İstanbul', 'ΣΟΦΙΑ', '日本', 'wp-login.php', '10.0.0.1', 'a_b', 'x', 'é'];
const START = Date.UTC(2024, 2, 1);

// Common words most of the time, so that phrases and their words apart both occur.
const COMMON = ['did', 'not', 'receive', 'root'];
const anyWord = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...COMMON) }, { weight: 2, arbitrary: fc.constantFrom(...WORDS) });
// What JSON.stringify escapes, between words: `did\nnot` is `did\\nnot` in @message, whose tokens are `did` and `nnot`.
const separator = fc.oneof({ weight: 6, arbitrary: fc.constant(' ') }, { weight: 1, arbitrary: fc.constantFrom('\n', '\t', '"', '\\', ' "', '\\u00e9', '\r\n') });
const text = fc.array(fc.tuple(anyWord, separator), { minLength: 1, maxLength: 8 }).map((ws) => ws.map(([w, s], i) => (i === 0 ? w : `${s}${w}`)).join(''));
const docArb = fc.record({
  fullLog: fc.oneof(text, fc.constant('')),
  comment: fc.option(text, { nil: undefined }),
  // Few distinct times, spread over three days: ties at a page's edge, and several index days.
  minute: fc.integer({ min: 0, max: 40 }).map((m) => m * 107 * 60_000),
  // Missing, or what the level column does not take (a string, a fraction, beyond 32 bits): those alerts are in no level's bucket.
  level: fc.oneof({ weight: 6, arbitrary: fc.constantFrom<unknown>(3, 5, 0, 7, 12, -1) }, { weight: 2, arbitrary: fc.constant<unknown>(undefined) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('high', '5', 4.5, 2 ** 40, null) }),
  // A field of the alert's own: its words are in @message only.
  srcuser: fc.option(fc.constantFrom(...COMMON, 'admin', 'café', 'did not'), { nil: undefined }),
});

const word = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...COMMON) }, { weight: 2, arbitrary: fc.constantFrom(...WORDS, 'missing') });
const quote = (s: string): string => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
const leaf = fc.oneof(
  word.map((w) => quote(w)),
  fc.tuple(fc.constantFrom('full_log', 'rule.comment', '@message'), word).map(([f, w]) => `${f}:${quote(w)}`),
  fc.tuple(word, word, fc.option(word, { nil: undefined }), fc.constantFrom(0, 0, 0, 1, 2)).map(([a, b, c, slop]) => `${quote([a, b, c].filter(Boolean).join(' '))}${slop > 0 ? `~${slop}` : ''}`),
  fc.constantFrom('ro*', 'ide*', 'wp-log*', 'caf*', 'const*', 'full_log:did*', 'rule.comment:adm*', '10.0*', 'stra*', '@message:nn*', '@message:ro*', 'nnot', '@message:nnot'),
  // Phrases across JSON keys and values, and phrases in @message alone.
  fc.constantFrom('"full_log did"', '"level 3"', '"srcuser root"', '"comment did"', '@message:"did not"', '@message:"not receive"', '"did not" AND srcuser:root', '@message:"srcuser did not"', '"root full_log"'),
  // What the index does not answer: with a text clause, the index's matches restrict the scan (a prefilter).
  fc.constantFrom('rule.level:5', 'full_log:/r.*t/', 'full_log:recieve~1', '"root admin"~1'),
);
const queryArb = fc.oneof(
  leaf,
  fc.tuple(leaf, fc.constantFrom('AND', 'OR', 'AND NOT'), leaf).map(([a, op, b]) => `${a} ${op} ${b}`),
  fc.tuple(leaf, leaf, leaf).map(([a, b, c]) => `(${a} OR ${b}) AND NOT ${c}`),
  fc.tuple(leaf, leaf, leaf).map(([a, b, c]) => `${a} AND ${b} AND (${c} OR rule.level:3)`),
);

function documents(docs: Array<{ fullLog: string; comment: string | undefined; minute: number; level: unknown; srcuser: string | undefined }>) {
  return docs.map((d, i) => {
    const ts = START + d.minute;
    const alert = { rule: { ...(d.level !== undefined ? { level: d.level } : {}), ...(d.comment !== undefined ? { comment: d.comment } : {}) }, id: `${Math.floor(ts / 1000)}.${i}`, full_log: d.fullLog, ...(d.srcuser !== undefined ? { srcuser: d.srcuser } : {}) };
    return documentFromLogEvent({ eventId: cloudWatchEventId(ts, i), timestampMs: ts, message: JSON.stringify(alert), owner: 'o', logGroup: 'g', logStream: 's' });
  });
}

describe('text index against the scan', () => {
  it('gives the same totals and pages on random documents and queries', async () => {
    let answered = 0;
    let prefiltered = 0;
    let verified = 0;
    let stacked = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(docArb, { minLength: 10, maxLength: 40 }), fc.array(queryArb, { minLength: 4, maxLength: 10 }), fc.constantFrom(1, 2, 3, 16), fc.constantFrom('Asia/Kolkata', 'America/New_York', '+05:45'), async (docs, queries, levelsSize, zone) => {
        const indexed = await DuckDbStore.open({ path: ':memory:', readConnections: 1, threads: 1 });
        const scanned = await DuckDbStore.open({ path: ':memory:', readConnections: 1, threads: 1, textIndex: false });
        try {
          expect(await indexed.textIndexCaughtUp()).toBe(true);
          const batch = documents(docs);
          await indexed.write(batch);
          await scanned.write(batch);
          for (const q of queries) {
            const parsed = parseQueryInput(q);
            if (!parsed.ok) continue;
            const requests: SearchRequest[] = [
              { query: parsed.value, size: 3 },
              // With Discover's histograms: from the index's times where it knows every match.
              // Plain, and stacked by level (Discover's shape) in UTC and in a zone, with terms' sizes that leave some levels out.
              {
                query: parsed.value,
                size: 50,
                sort: { field: '@timestamp', order: 'asc' },
                timeRange: { fromMs: START + 1000 * 60_000, toMs: START + 3000 * 60_000 },
                aggregations: {
                  h: { type: 'date_histogram', intervalMs: 3_600_000 },
                  z: { type: 'date_histogram', intervalMs: 86_400_000, timeZone: 'Asia/Kolkata' },
                  s: { type: 'date_histogram', intervalMs: 3_600_000, subAggregations: { levels: { type: 'terms', field: 'rule.level', size: levelsSize } } },
                  sz: { type: 'date_histogram', intervalMs: 21_600_000, timeZone: zone, subAggregations: { levels: { type: 'terms', field: 'rule.level', size: levelsSize }, again: { type: 'terms', field: 'rule.level' } } },
                },
              },
            ];
            for (const request of requests) {
              const a = await indexed.search(request);
              const b = await scanned.search(request);
              expect(a.ok, q).toBe(b.ok);
              if (!a.ok || !b.ok) continue;
              expect({ q, total: a.value.total, ids: a.value.hits.map((h) => h.id), aggregations: a.value.aggregations }).toEqual({ q, total: b.value.total, ids: b.value.hits.map((h) => h.id), aggregations: b.value.aggregations });
            }
          }
          stacked += indexed.textIndexStatus().stacked;
          answered += indexed.textIndexStatus().answered;
          prefiltered += indexed.textIndexStatus().prefiltered;
          verified += indexed.textIndexStatus().verified;
          // Never a page the rows contradict (which the store would hide by scanning).
          expect(indexed.textIndexStatus().disagreed).toBe(0);
        } finally {
          await indexed.close();
          await scanned.close();
        }
      }),
      { numRuns: Number(process.env['HIDSMON_PROPERTY_RUNS'] ?? 15), endOnFailure: true },
    );
    // The index answered (the comparison was not scan against scan).
    expect(answered).toBeGreaterThan(5);
    expect(prefiltered).toBeGreaterThan(5);
    // Phrases in @message were checked against the rows (the delta keeps no positions).
    expect(verified).toBeGreaterThan(5);
    // Stacked histograms were counted from the index (not scan against scan).
    expect(stacked).toBeGreaterThan(5);
  }, 900_000);
});
