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
import { parseQueryInput } from '../../query/parse-query.js';
import type { SearchRequest } from '../../query/search-api.js';
import { docArb, documents, queryArb, START } from '../../testing/text-index-arbitraries.js';
import { cloudWatchEventId } from '../../core/ids.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { DuckDbStore } from './store.js';

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
              // An export's projection: the texts a check reads come beside its columns.
              { query: parsed.value, size: 3, sourceFields: ['srcip', 'rule.level'] },
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

  it('gives the scan\'s page where the hits share their seconds with many other rows, fewer or more than a page reads at once', async () => {
    const indexed = await DuckDbStore.open({ path: ':memory:', readConnections: 1, threads: 1 });
    const scanned = await DuckDbStore.open({ path: ':memory:', readConnections: 1, threads: 1, textIndex: false });
    try {
      // Per second, `perSecond` alerts of which every seventh holds the word: 300 rows at a page
      // of 20's seconds (within what it reads at once), and 1,500 in one second (beyond: counted first).
      const second = (from: number, seconds: number, perSecond: number) =>
        Array.from({ length: seconds * perSecond }, (_, i) => {
          const ts = from + Math.floor(i / perSecond) * 1000;
          const alert = { rule: { level: 3, comment: 'c' }, id: `${ts / 1000}.${i}`, full_log: i % 7 === 0 ? `sshd needle n${i}` : `sshd hay n${i}` };
          return documentFromLogEvent({ eventId: cloudWatchEventId(ts, from / 1000 + i), timestampMs: ts, message: JSON.stringify(alert), owner: 'o', logGroup: 'g', logStream: 's' });
        });
      const batch = [...second(START, 20, 15), ...second(START + 60_000, 1, 1_500)];
      await indexed.write(batch);
      await scanned.write(batch);
      const parsed = parseQueryInput('needle');
      if (!parsed.ok) throw new Error(parsed.error.message);
      const ranges = [undefined, { fromMs: START, toMs: START + 30_000 }];
      for (const timeRange of ranges) {
        for (const size of [3, 20, 250]) {
          for (const order of ['desc', 'asc'] as const) {
            const request: SearchRequest = { query: parsed.value, size, sort: { field: '@timestamp', order }, ...(timeRange ? { timeRange } : {}) };
            const a = await indexed.search(request);
            const b = await scanned.search(request);
            if (!a.ok || !b.ok) throw new Error('a search failed');
            expect({ size, order, timeRange, total: a.value.total, ids: a.value.hits.map((h) => h.id) }).toEqual({ size, order, timeRange, total: b.value.total, ids: b.value.hits.map((h) => h.id) });
            expect(a.value.hits.length).toBe(Math.min(size, b.value.total));
          }
        }
      }
      expect(indexed.textIndexStatus().answered).toBeGreaterThan(0);
      expect(indexed.textIndexStatus().disagreed).toBe(0);
    } finally {
      await indexed.close();
      await scanned.close();
    }
  }, 120_000);
});
