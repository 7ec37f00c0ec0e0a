import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSearchPair, type OpenSearchPair } from '../../../test/support/opensearch-pair.js';
import type { IndexedDocument } from '../../core/document.js';
import { toLocalMs } from '../../core/time-zone.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { parseQueryInput } from '../../query/parse-query.js';
import type { AggregationResult, SearchRequest } from '../../query/search-api.js';
import { DuckDbStore } from '../duckdb/store.js';

const MATCH_ALL = { kind: 'match_all' } as const;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Alerts every 37 minutes (so that they fall on every quarter and half hour) around daylight-saving changes. */
function alertsAround(fromMs: number, days: number, start: number): IndexedDocument[] {
  const out: IndexedDocument[] = [];
  for (let t = fromMs, i = start; t < fromMs + days * DAY; t += 37 * 60_000, i++) {
    const message = JSON.stringify({ rule: { level: 3 + (i % 10), comment: 'test', sidid: 5700 + (i % 10) }, id: `${t / 1000}.${i}`, hostname: 'h', full_log: `alert ${i}` });
    out.push(documentFromLogEvent({ eventId: String(10_000_000 + i).padStart(56, '0'), timestampMs: t, message, owner: '123456789012', logGroup: 'hids-alerts', logStream: 'i-0123' }));
  }
  return out;
}

/** Windows around Berlin's (31 March, 27 October 2024) and St John's (10 March, 3 November 2024) changes. */
const WINDOWS = [
  { fromMs: Date.UTC(2024, 2, 8), toMs: Date.UTC(2024, 2, 12) - 1 },
  { fromMs: Date.UTC(2024, 2, 28), toMs: Date.UTC(2024, 3, 2) - 1 },
  { fromMs: Date.UTC(2024, 9, 25), toMs: Date.UTC(2024, 9, 30) - 1 },
  { fromMs: Date.UTC(2024, 10, 1), toMs: Date.UTC(2024, 10, 5) - 1 },
];

describe('date_histogram time_zone: the embedded store makes the buckets OpenSearch 2.19 makes', () => {
  let os: OpenSearchPair;
  let db: DuckDbStore;

  beforeAll(async () => {
    os = await openSearchPair();
    db = await DuckDbStore.open({ path: ':memory:', threads: 1 });
    const docs = WINDOWS.flatMap((w, k) => alertsAround(w.fromMs, Math.round((w.toMs + 1 - w.fromMs) / DAY), k * 1000));
    expect(await os.write(docs)).toMatchObject({ written: docs.length });
    expect(await db.write(docs)).toMatchObject({ written: docs.length });
  }, 200_000);
  afterAll(async () => {
    await os?.close();
    await db?.close();
  });

  const histogramOnBoth = async (request: SearchRequest): Promise<[AggregationResult | undefined, AggregationResult | undefined]> => {
    const [a, b] = await Promise.all([os.search(request), db.search(request)]);
    if (!a.ok) throw new Error(`OpenSearch: ${a.error.message}`);
    if (!b.ok) throw new Error(`embedded: ${b.error.message}`);
    return [a.value.aggregations['h'], b.value.aggregations['h']];
  };

  const CASES: Array<[zone: string, intervalMs: number]> = [];
  for (const zone of ['Europe/Berlin', 'Asia/Kolkata', 'America/St_Johns', 'Asia/Kathmandu', '+05:30', 'UTC']) {
    for (const interval of [30 * 60_000, HOUR, 3 * HOUR, 12 * HOUR, DAY, 7 * DAY]) CASES.push([zone, interval]);
  }

  it.each(CASES)('%s, every %i ms, over each change: equal bucket keys and counts', async (timeZone, intervalMs) => {
    for (const range of WINDOWS) {
      const [a, b] = await histogramOnBoth({ query: MATCH_ALL, size: 0, timeRange: range, aggregations: { h: { type: 'date_histogram', intervalMs, timeZone } } });
      expect(b).toEqual(a);
      expect(a?.type === 'date_histogram' && a.buckets.reduce((n, x) => n + x.count, 0)).toBeGreaterThan(100);
    }
  });

  it.each([
    ['Europe/Berlin', 'week'],
    ['Europe/Berlin', 'month'],
    ['America/St_Johns', 'week'],
    ['Asia/Kolkata', 'month'],
    [undefined, 'week'],
    [undefined, 'month'],
    [undefined, 'year'],
    ['Europe/Berlin', 'year'],
  ] as const)('calendar intervals in %s: every %s, over the whole year and each change, as OpenSearch', async (timeZone, calendarInterval) => {
    const nominal = { week: 7 * DAY, month: 30 * DAY, year: 365 * DAY }[calendarInterval];
    const whole = { fromMs: WINDOWS[0]!.fromMs, toMs: WINDOWS[3]!.toMs };
    for (const range of [whole, ...WINDOWS]) {
      const [a, b] = await histogramOnBoth({ query: MATCH_ALL, size: 0, timeRange: range, aggregations: { h: { type: 'date_histogram', intervalMs: nominal, calendarInterval, ...(timeZone ? { timeZone } : {}) } } });
      expect(b).toEqual(a);
    }
    const [a] = await histogramOnBoth({ query: MATCH_ALL, size: 0, timeRange: whole, aggregations: { h: { type: 'date_histogram', intervalMs: nominal, calendarInterval, ...(timeZone ? { timeZone } : {}) } } });
    // Each bucket starts at local midnight: on a Monday for weeks, on the 1st for months.
    for (const bucket of a?.type === 'date_histogram' ? a.buckets : []) {
      const local = new Date(toLocalMs(timeZone ?? 'UTC', bucket.keyMs));
      expect([local.getUTCHours(), local.getUTCMinutes()]).toEqual([0, 0]);
      if (calendarInterval === 'week') expect(local.getUTCDay()).toBe(1);
      else expect(local.getUTCDate()).toBe(1);
    }
  });

  it('a DSL range\'s time_zone rounds its date math in the zone, as OpenSearch', async () => {
    for (const [gte, lte, timeZone] of [
      ['2024-03-31||/d', '2024-03-31||/d', 'Europe/Berlin'],
      ['2024-10-27', '2024-10-27', 'Europe/Berlin'],
      ['2024-11-03T00:00:00', '2024-11-03T12:00:00||+1d', 'America/St_Johns'],
      ['2024-03-30||/d', '2024-03-30||/d', 'Asia/Kolkata'],
    ]) {
      const source = { range: { '@timestamp': { gte, lte, time_zone: timeZone } } };
      const query = parseQueryInput(source);
      if (!query.ok) throw new Error(query.error.message);
      const [a, b] = await Promise.all([os.search({ query: query.value, source, size: 0 }), db.search({ query: query.value, source, size: 0 })]);
      if (!a.ok || !b.ok) throw new Error(`${a.ok ? '' : a.error.message} ${b.ok ? '' : b.error.message}`);
      expect(b.value.total).toBe(a.value.total);
      expect(a.value.total).toBeGreaterThan(10);
    }
    const bad = parseQueryInput({ range: { '@timestamp': { gte: 'now/d', time_zone: 'Mars/Olympus' } } });
    const refused = bad.ok ? await db.search({ query: bad.value, size: 0 }) : bad;
    expect(refused.ok).toBe(false);
  });

  it('a Lucene query\'s date math is in the request\'s zone (query_string\'s time_zone), as OpenSearch', async () => {
    for (const [text, timeZone] of [
      ['@timestamp:[2024-03-31 TO 2024-03-31]', 'Europe/Berlin'],
      ['@timestamp:[2024-10-27 TO 2024-10-27] AND rule.level:>=5', 'Europe/Berlin'],
      ['@timestamp:[2024-11-03 TO 2024-11-04}', 'America/St_Johns'],
      ['@timestamp:>=2024-03-30 AND @timestamp:<2024-03-31', 'Asia/Kolkata'],
    ] as const) {
      const query = parseQueryInput(text);
      if (!query.ok) throw new Error(query.error.message);
      const totals = [];
      for (const zone of [timeZone, undefined]) {
        const request = { query: query.value, source: text, size: 200, ...(zone ? { timeZone: zone } : {}) };
        const [a, b] = await Promise.all([os.search(request), db.search(request)]);
        if (!a.ok || !b.ok) throw new Error(`${text}: ${a.ok ? '' : a.error.message} ${b.ok ? '' : b.error.message}`);
        expect(b.value.total).toBe(a.value.total);
        expect(b.value.hits.map((h) => h.id)).toEqual(a.value.hits.map((h) => h.id));
        totals.push(a.value.hits.at(-1)?.sort[0]);
      }
      // The zone moves the day: its first alert is another than in UTC.
      expect(totals[0]).not.toBe(totals[1]);
    }
  });

  it('days in Berlin start at local midnight: 23 hours on 31 March, 25 hours on 27 October', async () => {
    for (const [range, day, hours] of [
      [WINDOWS[1], Date.UTC(2024, 2, 30, 23), 23],
      [WINDOWS[2], Date.UTC(2024, 9, 26, 22), 25],
    ] as const) {
      const [a, b] = await histogramOnBoth({ query: MATCH_ALL, size: 0, timeRange: range, aggregations: { h: { type: 'date_histogram', intervalMs: DAY, timeZone: 'Europe/Berlin' } } });
      expect(b).toEqual(a);
      const keys = a?.type === 'date_histogram' ? a.buckets.map((x) => x.keyMs) : [];
      const i = keys.indexOf(day);
      expect(i).toBeGreaterThan(0);
      expect(((keys[i + 1] as number) - day) / HOUR).toBe(hours);
    }
  });

  it('without a time range (the data\'s bounds) and with min_doc_count 1, as OpenSearch', async () => {
    for (const timeZone of ['Europe/Berlin', 'America/St_Johns']) {
      const [a, b] = await histogramOnBoth({ query: MATCH_ALL, size: 0, aggregations: { h: { type: 'date_histogram', intervalMs: DAY, timeZone } } });
      expect(b).toEqual(a);
      const [c, d] = await histogramOnBoth({ query: MATCH_ALL, size: 0, timeRange: WINDOWS[2], aggregations: { h: { type: 'date_histogram', intervalMs: HOUR, timeZone, minDocCount: 1 } } });
      expect(d).toEqual(c);
    }
  });

  it('stacks by rule.level: the terms in each bucket equal OpenSearch\'s, in a zone and in UTC', async () => {
    for (const timeZone of ['Europe/Berlin', undefined]) {
      const [a, b] = await histogramOnBoth({
        query: MATCH_ALL,
        size: 0,
        timeRange: WINDOWS[1],
        aggregations: { h: { type: 'date_histogram', intervalMs: 6 * HOUR, ...(timeZone ? { timeZone } : {}), subAggregations: { levels: { type: 'terms', field: 'rule.level', size: 4 } } } },
      });
      expect(b).toEqual(a);
      const first = a?.type === 'date_histogram' ? a.buckets.find((x) => x.count > 0) : undefined;
      const levels = first?.aggregations?.['levels'];
      expect(levels?.buckets).toHaveLength(4);
      expect((levels?.buckets ?? []).reduce((n, x) => n + x.count, 0) + (levels?.otherCount ?? 0)).toBe(first?.count);
    }
  });
});
