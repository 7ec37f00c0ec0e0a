import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusDocuments } from '../../../test/contracts/query-corpus.case.js';
import type { IndexedDocument } from '../../core/document.js';
import { cloudWatchEventId } from '../../core/ids.js';
import { parseQueryInput } from '../../query/parse-query.js';
import type { SearchRequest, SortKey } from '../../query/search-api.js';
import { FleetSimulator } from '../../simulate/fleet-simulator.js';
import { renderAlert } from '../../simulate/render.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { DuckDbStore } from './store.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function simulated(count: number, startMs: number, seed = 5): IndexedDocument[] {
  const sim = new FleetSimulator({ hosts: 2, seed, ratePerSec: 1, startMs, scenarios: ['ssh-brute-force'] });
  return Array.from({ length: count }, (_, i) => {
    const alert = sim.next();
    return documentFromLogEvent({ eventId: cloudWatchEventId(alert.timeMs, i), timestampMs: alert.timeMs, message: renderAlert(alert, 'ossec-json'), owner: 'o', logGroup: 'hids-alerts', logStream: alert.host.instanceId });
  });
}

function query(text: string | object): SearchRequest['query'] {
  const parsed = parseQueryInput(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.value;
}

describe('DuckDbStore writes', () => {
  it('keeps every field of a document and rebuilds it exactly', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    const docs = corpusDocuments();
    await store.write(docs);
    const result = await store.search({ query: { kind: 'match_all' }, size: 100 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const byId = new Map(result.value.hits.map((h) => [h.id, h]));
    for (const doc of docs) {
      const hit = byId.get(doc.id);
      expect(hit, doc.id).toBeDefined();
      expect(hit!.index).toBe(doc.index);
      expect(hit!.document).toEqual(JSON.parse(JSON.stringify(doc.document)));
    }
    await store.close();
  });

  it('writes a re-delivered alert once, within a batch and across batches', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    const docs = simulated(500, Date.UTC(2024, 2, 2));
    expect(await store.write(docs)).toMatchObject({ kind: 'ok', written: 500, duplicates: 0, rejected: 0 });
    // The same alerts again, with other CloudWatch event ids and times (an agent that re-read its file).
    const again = docs.map((d, i) => documentFromLogEvent({ eventId: `redelivered-${i}`, timestampMs: Date.parse(d.document['@timestamp']) + 3_600_000, message: d.document['@message'], owner: 'o', logGroup: 'hids-alerts', logStream: d.document['@log_stream'] }));
    expect(await store.write([...again.slice(0, 200), ...again.slice(0, 200)])).toMatchObject({ written: 0, duplicates: 400 });
    const other = simulated(10, Date.UTC(2024, 2, 3), 99);
    const mixed = await store.write([...other, ...docs.slice(0, 5)]);
    expect(mixed).toMatchObject({ written: 10, duplicates: 5 });
    expect(mixed.kind === 'ok' && mixed.outcomes.map((o) => o.kind)).toEqual([...Array(10).fill('indexed'), ...Array(5).fill('duplicate')]);
    const count = await store.search({ query: { kind: 'match_all' }, size: 0 });
    expect(count.ok && count.value.total).toBe(510);
    await store.close();
  });

  it('refuses a document it cannot map (nested deeper than the stack) with the reason, and writes the rest', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    let deep = '1';
    for (let i = 0; i < 20_000; i++) deep = `{"a":${deep}}`;
    const bad = documentFromLogEvent({ eventId: 'deep-1', timestampMs: Date.UTC(2024, 2, 2), message: `{"rule":{"level":3,"sidid":1,"comment":"deep"},"id":"1709337600.1","deep":${deep}}`, owner: 'o', logGroup: 'g', logStream: 's' });
    const good = simulated(2, Date.UTC(2024, 2, 2));
    const result = await store.write([good[0]!, bad, good[1]!]);
    expect(result.kind === 'ok' && result.outcomes.map((o) => o.kind)).toEqual(['indexed', 'rejected', 'indexed']);
    expect(result.kind === 'ok' && result.outcomes[1]).toMatchObject({ reason: expect.stringMatching(/^The index cannot hold this document: Maximum call stack/) });
    await store.close();
  });

  it('answers retryable, not an exception, when it cannot take writes (a closed store)', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    await store.close();
    const result = await store.write(simulated(3, Date.UTC(2024, 2, 2)));
    expect(result.kind).toBe('retryable');
    expect(result.kind === 'retryable' && result.error.message).toMatch(/cannot take writes now: The store is closed/);
  });

  it('keeps acknowledged writes across a close and reopen of the file', async () => {
    const path = join(tmp, 'reopen.duckdb');
    const store = await DuckDbStore.open({ path });
    await store.write(simulated(300, Date.UTC(2024, 2, 2)));
    await store.close();
    const again = await DuckDbStore.open({ path });
    const result = await again.search({ query: query('rule.level:>=1'), size: 0 });
    expect(result.ok && result.value.total).toBe(300);
    expect((await again.fields()).map((f) => f.name)).toContain('decoder_desc.name');
    await again.close();
  });
});

describe('DuckDbStore search', () => {
  let store: DuckDbStore;
  const start = Date.UTC(2024, 2, 1);
  const docs = simulated(3000, start);
  beforeAll(async () => {
    store = await DuckDbStore.open({ path: ':memory:', now: () => start + 3 * 86_400_000 });
    await store.write(docs);
  });
  afterAll(() => store.close());

  it('pages newest first with search_after, without gaps or repeats, and counts exactly', async () => {
    const seen: string[] = [];
    let after: SortKey | undefined;
    for (;;) {
      const page = await store.search({ query: query('rule.level:<7'), size: 250, ...(after ? { searchAfter: after } : {}) });
      if (!page.ok) throw new Error(page.error.message);
      if (page.value.hits.length === 0) break;
      for (const hit of page.value.hits) seen.push(hit.document['@id']);
      after = page.value.hits[page.value.hits.length - 1]!.sort;
      expect(page.value.total).toBe(docs.filter((d) => (d.document['rule'] as { level: number }).level < 7).length);
    }
    const expected = docs
      .filter((d) => (d.document['rule'] as { level: number }).level < 7)
      .sort((a, b) => Date.parse(b.document['@timestamp']) - Date.parse(a.document['@timestamp']) || (b.document['@id'] < a.document['@id'] ? -1 : 1))
      .map((d) => d.document['@id']);
    expect(seen).toEqual(expected);
  });

  it('restricts to the time range, inclusive at both ends', async () => {
    const t = Date.parse(docs[100]!.document['@timestamp']);
    const u = Date.parse(docs[200]!.document['@timestamp']);
    const result = await store.search({ query: { kind: 'match_all' }, timeRange: { fromMs: t, toMs: u }, size: 0 });
    const expected = docs.filter((d) => Date.parse(d.document['@timestamp']) >= t && Date.parse(d.document['@timestamp']) <= u).length;
    expect(result.ok && result.value.total).toBe(expected);
  });

  it('aggregates like the HIDS dashboard: histogram, top terms, levels, rule ids, source IPs, cardinality', async () => {
    const range = { fromMs: start, toMs: start + 86_400_000 - 1 };
    const result = await store.search({
      query: { kind: 'match_all' },
      timeRange: range,
      size: 0,
      aggregations: {
        overTime: { type: 'date_histogram', intervalMs: 'auto' },
        hourly: { type: 'date_histogram', intervalMs: 3_600_000 },
        comments: { type: 'terms', field: 'rule.comment', size: 20 },
        levels: { type: 'terms', field: 'rule.level', size: 20 },
        sidids: { type: 'terms', field: 'rule.sidid', size: 10 },
        sources: { type: 'terms', field: 'srcip', size: 10, missing: '(none)' },
        groups: { type: 'terms', field: 'rule.group', size: 3 },
        hosts: { type: 'cardinality', field: '@log_stream' },
      },
    });
    if (!result.ok) throw new Error(result.error.message);
    const inRange = docs.filter((d) => Date.parse(d.document['@timestamp']) <= range.toMs);
    const aggs = result.value.aggregations;
    expect(result.value.total).toBe(inRange.length);
    const auto = aggs['overTime']!;
    expect(auto.type === 'date_histogram' && auto.intervalMs).toBe(1_800_000);
    const hourly = aggs['hourly']!;
    if (hourly.type !== 'date_histogram') throw new Error('histogram');
    expect(hourly.buckets).toHaveLength(24);
    expect(hourly.buckets.reduce((n, b) => n + b.count, 0)).toBe(inRange.length);
    expect(hourly.buckets[0]!.keyMs).toBe(start);
    const expectedHour = inRange.filter((d) => Date.parse(d.document['@timestamp']) < start + 3_600_000).length;
    expect(hourly.buckets[0]!.count).toBe(expectedHour);

    const levels = aggs['levels']!;
    if (levels.type !== 'terms') throw new Error('terms');
    const levelCounts = new Map<number, number>();
    for (const d of inRange) {
      const level = (d.document['rule'] as { level: number }).level;
      levelCounts.set(level, (levelCounts.get(level) ?? 0) + 1);
    }
    expect(new Map(levels.buckets.map((b) => [b.key, b.count]))).toEqual(levelCounts);
    for (let i = 1; i < levels.buckets.length; i++) expect(levels.buckets[i - 1]!.count).toBeGreaterThanOrEqual(levels.buckets[i]!.count);

    const sources = aggs['sources']!;
    if (sources.type !== 'terms') throw new Error('terms');
    const withIp = inRange.filter((d) => d.document['srcip'] !== undefined);
    expect(sources.buckets).toHaveLength(10);
    expect(sources.otherCount + sources.buckets.reduce((n, b) => n + b.count, 0)).toBe(withIp.length);
    expect(sources.missingCount).toBe(inRange.length - withIp.length);
    expect(aggs['comments']!.type === 'terms' && aggs['comments']!.buckets.length).toBeGreaterThan(5);
    expect(aggs['groups']!.type === 'terms' && aggs['groups']!.buckets[0]!.key).toBe('syslog');
    expect(aggs['hosts']).toEqual({ type: 'cardinality', value: 2 });
  });

  it('lists fields with their types for the sidebar', async () => {
    const fields = new Map((await store.fields()).map((f) => [f.name, f]));
    expect(fields.get('rule.level')).toEqual({ name: 'rule.level', type: 'integer', aggregatable: true });
    expect(fields.get('full_log')).toEqual({ name: 'full_log', type: 'text', aggregatable: false });
    expect(fields.get('srcip')?.type).toBe('ip');
    expect(fields.get('rule.firedtimes')?.type).toBe('integer');
    expect(fields.get('decoder_desc.name')?.type).toBe('keyword');
    expect(fields.get('TimeStamp')?.type).toBe('date');
  });

  it('reports a value that does not fit its field as a query error', async () => {
    const result = await store.search({ query: query('rule.level:high'), size: 1 });
    expect(result).toMatchObject({ ok: false, error: { kind: 'query', field: 'rule.level' } });
    expect(!result.ok && result.error.message).toMatch(/'high' is not a number/);
  });
});

describe('DuckDbStore indices', () => {
  it('lists daily indices, deletes one, and drops old ones', async () => {
    const store = await DuckDbStore.open({ path: join(tmp, 'indices.duckdb') });
    const day = 86_400_000;
    const start = Date.UTC(2024, 2, 1, 23, 55);
    await store.write(simulated(400, start));
    const indices = await store.indices();
    expect(indices.map((i) => i.name)).toEqual(['cwl-2024.03.01', 'cwl-2024.03.02']);
    expect(indices.reduce((n, i) => n + i.documents, 0)).toBe(400);
    expect(indices.every((i) => i.bytes > 0)).toBe(true);
    expect(await store.deleteIndex('cwl-2024.03.01')).toBe(true);
    expect(await store.deleteIndex('cwl-2024.03.01')).toBe(false);
    expect((await store.indices()).map((i) => i.name)).toEqual(['cwl-2024.03.02']);
    await store.write(simulated(50, start + 10 * day, 8));
    expect(await store.deleteOlderThan(7, start + 11 * day)).toEqual(['cwl-2024.03.02']);
    expect((await store.indices()).map((i) => i.name)).toEqual(['cwl-2024.03.11']);
    await store.close();
  });
});

describe('DuckDbStore terms aggregations order ties as OpenSearch does', () => {
  // Four alerts, one of each value: every count ties. Orders taken from OpenSearch 2.19.6 with the cwl template.
  const pairs: Array<[string, number]> = [['10.0.0.10', 10], ['10.0.0.9', 9], ['9.0.0.1', 100], ['100.0.0.1', 2]];
  const docs = pairs.map(([ip, level], i) =>
    documentFromLogEvent({ eventId: `a${i}`, timestampMs: Date.UTC(2024, 2, 2, 12, i), message: JSON.stringify({ rule: { level, comment: 'x', sidid: 1 }, srcip: ip, extra_n: level, full_log: 'x' }), owner: 'o', logGroup: 'g', logStream: 's' }),
  );

  it('by address on ip fields, by number on numeric fields (typed and dynamic), and counts a field nobody has as missing everywhere', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    await store.write(docs);
    const result = await store.search({
      query: { kind: 'match_all' },
      size: 0,
      aggregations: {
        ip: { type: 'terms', field: 'srcip' },
        level: { type: 'terms', field: 'rule.level' },
        dynamic: { type: 'terms', field: 'extra_n' },
        nobody: { type: 'terms', field: 'no.such', missing: 'x' },
      },
    });
    await store.close();
    if (!result.ok) throw new Error(result.error.message);
    const keys = (name: string): unknown[] => {
      const agg = result.value.aggregations[name]!;
      return agg.type === 'terms' ? agg.buckets.map((b) => b.key) : [];
    };
    expect(keys('ip')).toEqual(['9.0.0.1', '10.0.0.9', '10.0.0.10', '100.0.0.1']);
    expect(keys('level')).toEqual([2, 9, 10, 100]);
    expect(keys('dynamic')).toEqual([2, 9, 10, 100]);
    expect(result.value.aggregations['nobody']).toMatchObject({ type: 'terms', buckets: [], missingCount: 4 });
  });
});
