import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusDocuments } from '../../../test/contracts/query-corpus.case.js';
import { openSearchPair, type OpenSearchPair } from '../../../test/support/opensearch-pair.js';
import { cloudWatchEventId } from '../../core/ids.js';
import { UnavailableError } from '../../pipeline/retry.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import type { SearchRequest, SearchResponse, SortKey } from '../../query/search-api.js';
import { DuckDbStore } from '../duckdb/store.js';
import { ensureIndexTemplate } from './index-template.js';
import { OpenSearchBackend } from './search-backend.js';

const MATCH_ALL = { kind: 'match_all' } as const;
/** The corpus documents' day, and a range around them. */
const RANGE = { fromMs: Date.UTC(2024, 2, 2, 12), toMs: Date.UTC(2024, 2, 3, 6) - 1 };

describe('OpenSearchBackend against a real OpenSearch 2.19, beside the embedded store on the same documents', () => {
  let os: OpenSearchPair;
  let db: DuckDbStore;

  beforeAll(async () => {
    os = await openSearchPair();
    db = await DuckDbStore.open({ path: ':memory:', threads: 1 });
    expect(await os.write(corpusDocuments())).toMatchObject({ written: 23 });
    expect(await db.write(corpusDocuments())).toMatchObject({ written: 23 });
  }, 200_000);
  afterAll(async () => {
    await os?.close();
    await db?.close();
  });

  const both = async (request: SearchRequest): Promise<[SearchResponse, SearchResponse]> => {
    const [a, b] = await Promise.all([os.search(request), db.search(request)]);
    if (!a.ok) throw new Error(`OpenSearch: ${a.error.message}`);
    if (!b.ok) throw new Error(`embedded: ${b.error.message}`);
    return [a.value, b.value];
  };

  it('pages newest first with search_after; each hit has the index, id, sort key and document the embedded store gives', async () => {
    const pages: Array<Array<[string, string, SortKey, string]>> = [[], []];
    for (const [k, backend] of [os, db].entries()) {
      let after: SortKey | undefined;
      for (let page = 0; page < 10; page++) {
        const found = await backend.search({ query: MATCH_ALL, size: 5, ...(after ? { searchAfter: after } : {}) });
        if (!found.ok) throw new Error(found.error.message);
        expect(found.value.total).toBe(23);
        if (found.value.hits.length === 0) break;
        for (const h of found.value.hits) pages[k]?.push([h.index, h.id, h.sort, String(h.document['@message'])]);
        after = found.value.hits.at(-1)?.sort;
      }
    }
    expect(pages[0]).toHaveLength(23);
    expect(pages[0]).toEqual(pages[1]);
    const times = (pages[0] ?? []).map((p) => p[2][0] as number);
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('counts exactly and filters on the time range, bounds included', async () => {
    const [first] = await both({ query: MATCH_ALL, size: 100 });
    const last = first.hits[0]?.sort[0] as number;
    const [a, b] = await both({ query: MATCH_ALL, size: 100, timeRange: { fromMs: last - 3_600_000, toMs: last } });
    expect(a.total).toBe(b.total);
    expect(a.hits.map((h) => h.id)).toEqual(b.hits.map((h) => h.id));
    expect(a.hits[0]?.sort[0]).toBe(last);
  });

  it('answers the dashboard aggregations with the embedded store\'s buckets, zero buckets filled over the range', async () => {
    const request: SearchRequest = {
      query: MATCH_ALL,
      size: 0,
      timeRange: RANGE,
      aggregations: {
        overTime: { type: 'date_histogram', intervalMs: 3_600_000 },
        auto: { type: 'date_histogram', intervalMs: 'auto' },
        levels: { type: 'terms', field: 'rule.level', size: 5 },
        sources: { type: 'terms', field: 'srcip', size: 3, missing: '(none)' },
        comments: { type: 'terms', field: 'rule.comment', size: 20 },
        users: { type: 'cardinality', field: 'srcuser' },
        hosts: { type: 'cardinality', field: 'hostname' },
        ['__proto__']: { type: 'terms', field: 'location', size: 2 },
      },
    };
    const [a, b] = await both(request);
    expect(a.aggregations).toEqual(b.aggregations);
    // A field no document has: every document misses it (the embedded store says 0; disagreements.md).
    const none = await os.search({ ...request, aggregations: { nothing: { type: 'terms', field: 'no.such.field', missing: 'x' } } });
    expect(none.ok && none.value.aggregations['nothing']).toEqual({ type: 'terms', buckets: [], otherCount: 0, missingCount: 23 });
    expect(a.total).toBe(23);
    const overTime = a.aggregations['overTime'];
    expect(overTime?.type === 'date_histogram' && overTime.buckets.length).toBe(18);
    expect(Object.hasOwn(a.aggregations, '__proto__')).toBe(true);
  });

  it('fits an auto histogram to the matching data when there is no time range, as the embedded store', async () => {
    const [a, b] = await both({ query: { kind: 'term', field: 'rule.level', value: '6' }, source: 'rule.level:6', size: 0, aggregations: { t: { type: 'date_histogram', intervalMs: 'auto' } } });
    expect(a.aggregations).toEqual(b.aggregations);
  });

  it('says which kind of error a refused query is, with OpenSearch\'s reason', async () => {
    const syntax = await os.search({ query: MATCH_ALL, source: 'rule.level:(6', size: 1 });
    expect(syntax).toMatchObject({ ok: false, error: { kind: 'syntax', message: expect.stringMatching(/^Cannot parse 'rule\.level:\(6'/) } });
    const value = await os.search({ query: MATCH_ALL, source: 'srcip:10.10.10', size: 1 });
    expect(value).toMatchObject({ ok: false, error: { kind: 'query', message: expect.stringContaining("'10.10.10' is not an IP string literal") } });
    const text = await os.search({ query: MATCH_ALL, size: 0, aggregations: { m: { type: 'terms', field: '@message' } } });
    expect(text).toMatchObject({ ok: false, error: { kind: 'request', message: expect.stringContaining('Text fields are not optimised') } });
  });

  it('refuses what the embedded store refuses before asking the cluster: size, buckets, clauses', async () => {
    expect(await os.search({ query: MATCH_ALL, size: 10_001 })).toMatchObject({ ok: false, error: { kind: 'request' } });
    const buckets = await os.search({ query: MATCH_ALL, size: 0, timeRange: { fromMs: 0, toMs: 100_000_000 }, aggregations: { h: { type: 'date_histogram', intervalMs: 1000 } } });
    expect(buckets).toMatchObject({ ok: false, error: { kind: 'request', message: expect.stringContaining('max_buckets') } });
    const many = { kind: 'bool' as const, must: [], filter: [], mustNot: [], should: Array.from({ length: 1025 }, (_, i) => ({ kind: 'term' as const, field: 'srcuser', value: `u${i}` })) };
    expect(await os.search({ query: many, size: 1 })).toMatchObject({ ok: false, error: { kind: 'request', message: expect.stringContaining('max_clause_count') } });
  });

  it('lists the fields of the mappings, typed as the embedded catalog types them', async () => {
    const fields = new Map((await os.fields()).map((f) => [f.name, f]));
    expect(fields.get('rule.comment')).toEqual({ name: 'rule.comment', type: 'text', aggregatable: false });
    expect(fields.get('rule.comment.keyword')).toEqual({ name: 'rule.comment.keyword', type: 'keyword', aggregatable: true });
    expect(fields.get('rule.level')).toEqual({ name: 'rule.level', type: 'integer', aggregatable: true });
    expect(fields.get('srcip')).toEqual({ name: 'srcip', type: 'ip', aggregatable: true });
    expect(fields.get('@timestamp')?.type).toBe('date');
    // Dynamic strings are keywords in both.
    const embedded = new Map((await db.fields()).map((f) => [f.name, f]));
    expect(fields.get('data.url')).toEqual(embedded.get('data.url'));
  });
});

describe('OpenSearchBackend paging through documents of the same millisecond', () => {
  it('orders ties by event id as the embedded store does, so search_after neither skips nor repeats', async () => {
    const os = await openSearchPair();
    const db = await DuckDbStore.open({ path: ':memory:', threads: 1 });
    try {
      const t = Date.UTC(2024, 2, 2, 12);
      const docs = [3, 11, 7, 1, 250, 42].map((seq) =>
        documentFromLogEvent({ eventId: cloudWatchEventId(t, seq), timestampMs: t, message: `not an alert ${seq}`, owner: '123456789012', logGroup: 'hids-alerts', logStream: 'i-0ties' }),
      );
      await os.write(docs);
      await db.write(docs);
      const pages = async (backend: OpenSearchPair | DuckDbStore): Promise<string[]> => {
        const ids: string[] = [];
        let after: SortKey | undefined;
        for (let page = 0; page < 10; page++) {
          const found = await backend.search({ query: MATCH_ALL, size: 2, ...(after ? { searchAfter: after } : {}) });
          if (!found.ok) throw new Error(found.error.message);
          if (found.value.hits.length === 0) break;
          ids.push(...found.value.hits.map((h) => h.id));
          after = found.value.hits.at(-1)?.sort;
        }
        return ids;
      };
      const fromOs = await pages(os);
      expect(fromOs).toHaveLength(6);
      expect(fromOs).toEqual(await pages(db));
    } finally {
      await os.close();
      await db.close();
    }
  });
});

describe('OpenSearchBackend when the cluster misbehaves', () => {
  it('reads a 200 that failed on some shards as an error, not as fewer hits', async () => {
    const pair = await openSearchPair();
    try {
      // The same field is a number in one daily index and a keyword in the next (dynamic mapping
      // by each day's first alert): `port_x:abc` fails on the first index's shard only.
      // The template as the sink installs it (its explicit default fields keep query_string strict).
      await ensureIndexTemplate(pair.client, pair.prefix);
      const doc = (day: number, value: unknown) => ({ '@timestamp': new Date(Date.UTC(2024, 2, day, 12)).toISOString(), '@id': `p${day}`, port_x: value });
      await pair.client.index({ index: `${pair.prefix}2024.03.01`, id: 'p1', body: doc(1, 22) as never, refresh: true } as never);
      await pair.client.index({ index: `${pair.prefix}2024.03.02`, id: 'p2', body: doc(2, 'abc') as never, refresh: true } as never);
      const raw = await pair.client.search({ index: `${pair.prefix}*`, body: { query: { query_string: { query: 'port_x:abc' } } } as never });
      expect((raw.body as unknown as { _shards: { failed: number } })._shards.failed).toBe(1);
      const found = await pair.search({ query: MATCH_ALL, source: 'port_x:abc', size: 10 });
      expect(found).toMatchObject({ ok: false, error: { kind: 'query', message: expect.stringContaining('abc') } });
      // The catalog says what Kibana would call a conflict: not aggregatable.
      expect((await pair.fields()).find((f) => f.name === 'port_x')).toEqual({ name: 'port_x', type: 'keyword', aggregatable: false });
    } finally {
      await pair.close();
    }
  });

  it('says plainly that an unreachable cluster cannot be reached, as an error the pipeline retries', async () => {
    const backend = await OpenSearchBackend.open({ url: 'http://127.0.0.1:9', requestTimeoutMs: 2000 });
    try {
      await expect(backend.search({ query: MATCH_ALL })).rejects.toThrow(UnavailableError);
      await expect(backend.search({ query: MATCH_ALL })).rejects.toThrow(/OpenSearch at http:\/\/127\.0\.0\.1:9 cannot be reached to search/);
      await expect(backend.indices()).rejects.toThrow(/cannot be reached to list the indices/);
    } finally {
      await backend.close();
    }
    await expect(backend.search({ query: MATCH_ALL })).rejects.toThrow(/closed/);
  });

  it('lists only daily indices, by hidsmon\'s names, and deletes old ones by the day in the name', async () => {
    const pair = await openSearchPair();
    try {
      for (const name of ['2024.02.27', '2024.03.01', '2024.03.02', 'not-a-day', '2024.13.01']) {
        await pair.client.indices.create({ index: `${pair.prefix}${name}` });
      }
      expect((await pair.indices()).map((i) => i.name)).toEqual(['cwl-2024.02.27', 'cwl-2024.03.01', 'cwl-2024.03.02']);
      expect(await pair.deleteOlderThan(2, Date.UTC(2024, 2, 3, 10))).toEqual(['cwl-2024.02.27']);
      expect(await pair.deleteIndex('cwl-2024.03.01')).toBe(true);
      expect(await pair.deleteIndex('cwl-2024.03.01')).toBe(false);
      expect(await pair.deleteIndex('not-a-day')).toBe(false);
      expect((await pair.indices()).map((i) => i.name)).toEqual(['cwl-2024.03.02']);
      const left = await pair.client.cat.indices({ index: `${pair.prefix}*`, format: 'json', h: 'index' } as never);
      expect((left.body as unknown as Array<{ index: string }>).map((r) => r.index).sort()).toEqual([`${pair.prefix}2024.03.02`, `${pair.prefix}2024.13.01`, `${pair.prefix}not-a-day`]);
    } finally {
      await pair.close();
    }
  });
});
