import { describe, expect, it } from 'vitest';
import { parseSearchBody } from './query-api.js';

const NOW = Date.UTC(2024, 2, 31, 12); // 14:00 in Berlin, the day clocks go forward

describe('the search body\'s time_zone (as OpenSearch\'s)', () => {
  it('reads from/to date math in the zone: now/d is local midnight', () => {
    const parsed = parseSearchBody({ from: 'now/d', to: 'now/d', time_zone: 'Europe/Berlin' }, NOW);
    expect(parsed.ok && parsed.value.timeRange).toEqual({ fromMs: Date.UTC(2024, 2, 30, 23), toMs: Date.UTC(2024, 2, 31, 22) - 1 });
    const utc = parseSearchBody({ from: 'now/d', to: 'now/d' }, NOW);
    expect(utc.ok && utc.value.timeRange).toEqual({ fromMs: Date.UTC(2024, 2, 31), toMs: Date.UTC(2024, 3, 1) - 1 });
  });

  it('is every histogram\'s zone unless one names its own, and takes terms sub-aggregations', () => {
    const parsed = parseSearchBody(
      {
        time_zone: 'Asia/Kolkata',
        aggregations: {
          a: { type: 'date_histogram', interval_ms: 86_400_000 },
          b: { type: 'date_histogram', time_zone: 'utc', aggregations: { levels: { type: 'terms', field: 'rule.level', size: 16 } } },
        },
      },
      NOW,
    );
    expect(parsed.ok && parsed.value.aggregations).toEqual({
      a: { type: 'date_histogram', intervalMs: 86_400_000, timeZone: 'Asia/Kolkata' },
      b: { type: 'date_histogram', intervalMs: 'auto', timeZone: 'UTC', subAggregations: { levels: { type: 'terms', field: 'rule.level', size: 16 } } },
    });
  });

  it('puts a Lucene query\'s date math in the zone (query_string time_zone), not a DSL query\'s', () => {
    const lucene = parseSearchBody({ query: '@timestamp:[now/d TO now]', time_zone: 'Asia/Kolkata', filters: [{ term: { srcip: '10.0.0.1' } }] }, NOW);
    expect(lucene.ok && lucene.value.timeZone).toBe('Asia/Kolkata');
    expect(lucene.ok && JSON.stringify(lucene.value.source)).toContain('"time_zone":"Asia/Kolkata"');
    const dsl = parseSearchBody({ query: { range: { '@timestamp': { gte: 'now/d' } } }, time_zone: 'Asia/Kolkata' }, NOW);
    expect(dsl.ok && dsl.value.timeZone).toBeUndefined();
  });

  it('takes calendar intervals as OpenSearch spells them', () => {
    const parsed = parseSearchBody({ aggregations: { w: { type: 'date_histogram', calendar_interval: '1w' }, m: { type: 'date_histogram', calendar_interval: 'month', time_zone: 'Europe/Berlin' } } }, NOW);
    expect(parsed.ok && parsed.value.aggregations).toEqual({
      w: { type: 'date_histogram', intervalMs: 7 * 86_400_000, calendarInterval: 'week' },
      m: { type: 'date_histogram', intervalMs: 28 * 86_400_000, calendarInterval: 'month', timeZone: 'Europe/Berlin' },
    });
  });

  it.each([
    [{ aggregations: { h: { type: 'date_histogram', calendar_interval: '2w' } } }, /calendar_interval is one of/],
    [{ aggregations: { h: { type: 'date_histogram', calendar_interval: 'toString' } } }, /calendar_interval is one of/],
    [{ aggregations: { h: { type: 'date_histogram', calendar_interval: '1w', interval_ms: 1000 } } }, /not both/],
    [{ time_zone: 'Mars/Olympus' }, /time_zone is an IANA time zone/],
    [{ time_zone: 5 }, /time_zone/],
    [{ aggregations: { h: { type: 'date_histogram', time_zone: 'Nowhere' } } }, /aggregations\.h\.time_zone/],
    [{ aggregations: { h: { type: 'date_histogram', aggregations: { x: { type: 'cardinality', field: 'a' } } } } }, /sub-aggregations are terms/],
    [{ aggregations: { h: { type: 'date_histogram', aggregations: { x: { type: 'terms', field: 'a', size: 0 } } } } }, /size must be/],
  ])('refuses %j with a 400 that says why', (body, message) => {
    const parsed = parseSearchBody(body, NOW);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.status).toBe(400);
      expect(parsed.error.error.message).toMatch(message);
    }
  });
});
