/**
 * The rollup gives the rows' answers: the same documents in a store that counts from its rollup
 * and in one that counts from its rows (useRollups: false), asked the dashboard's aggregations over
 * random time ranges, intervals and time zones; after re-deliveries, index deletion, retention and
 * a reopen of the file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertDocument, IndexedDocument } from '../../core/document.js';
import { indexNameForTime } from '../../core/time.js';
import type { AggregationRequest, SearchRequest, SearchResponse } from '../../query/search-api.js';
import { rollupCoverage, SLOT_MS } from './rollups.js';
import { DuckDbStore } from './store.js';
import { randomFloats as prng } from '../../simulate/random.js';

const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-rollups-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const START = Date.UTC(2024, 2, 30, 20, 7, 13); // three days across Europe's daylight-saving change (31 March)
const SPAN = 3 * 86_400_000;
const HOUR = 3_600_000;

const COMMENTS = ['sshd: authentication failed.', 'Multiple SSHD authentication failures.', 'Port scan', 'x'.repeat(600), 'Ünïcödé rule'];
const IPS = ['10.0.0.1', '10.0.0.10', '9.0.0.1', '192.168.1.7', '2001:db8::1', 'not-an-ip'];

/**
 * Documents with every shape the rollup must count as the rows do: fields missing, a level that is
 * not a number (it stays out of the column), a comment beyond ignore_above, times at slot edges,
 * and alert ids whose own time (the daily index) is another day than @timestamp.
 */
function documents(seed: number, count: number): IndexedDocument[] {
  const r = prng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  return Array.from({ length: count }, (_, i) => {
    const onEdge = r() < 0.1;
    const ts = onEdge ? Math.ceil((START + r() * SPAN) / SLOT_MS) * SLOT_MS - (r() < 0.5 ? 1 : 0) : Math.floor(START + r() * SPAN);
    const rule: Record<string, unknown> = {};
    if (r() < 0.9) rule['level'] = r() < 0.05 ? 'high' : Math.floor(r() * 16);
    if (r() < 0.9) rule['sidid'] = 5700 + Math.floor(r() * 12);
    if (r() < 0.9) rule['comment'] = pick(COMMENTS);
    const doc: Record<string, unknown> = {
      '@id': `event-${seed}-${i}`,
      '@timestamp': new Date(ts).toISOString(),
      '@message': `message ${i}`,
      '@owner': 'o',
      '@log_group': 'hids-alerts',
      '@log_stream': pick(['i-1', 'i-2', 'i-3']),
      rule,
      hidsmon: {},
    };
    if (r() < 0.8) doc['srcip'] = pick(IPS);
    let index = indexNameForTime(ts);
    let id = doc['@id'] as string;
    if (r() < 0.3) {
      // The alert's own id: its epoch (seconds) places the document in its day's index.
      const alertMs = Math.floor((ts - r() * 2 * 86_400_000) / 1000) * 1000;
      doc['id'] = `${alertMs / 1000}.${i}`;
      index = indexNameForTime(alertMs);
      id = `alert-${seed}-${i}`;
    }
    return { index, id, document: doc as unknown as AlertDocument };
  });
}

const ZONES = [undefined, 'UTC', 'Europe/Berlin', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns', '+05:30', '-03:00'];
const INTERVALS: Array<number | 'auto'> = ['auto', 60_000, 7 * 60_000, SLOT_MS, 2 * SLOT_MS, HOUR, 3 * HOUR, 12 * HOUR, 86_400_000];

function dashboard(intervalMs: number | 'auto', timeZone: string | undefined, calendar: 'week' | 'month' | undefined): Record<string, AggregationRequest> {
  return {
    over_time: {
      type: 'date_histogram',
      intervalMs,
      ...(timeZone ? { timeZone } : {}),
      ...(calendar ? { calendarInterval: calendar } : {}),
      subAggregations: { levels: { type: 'terms', field: 'rule.level', size: 16 } },
    },
    plain_over_time: { type: 'date_histogram', intervalMs, ...(timeZone ? { timeZone } : {}) },
    types: { type: 'terms', field: 'rule.comment', size: 3 },
    levels: { type: 'terms', field: 'rule.level', size: 16 },
    rule_ids: { type: 'terms', field: 'rule.sidid', size: 4 },
    source_ips: { type: 'terms', field: 'srcip', size: 10 },
    source_ips_missing: { type: 'terms', field: 'srcip', size: 2, missing: '(none)' },
    hosts: { type: 'cardinality', field: '@log_stream' },
    streams: { type: 'terms', field: '@log_stream', size: 2 },
  };
}

const requestArb = fc.record({
  from: fc.integer({ min: START - HOUR, max: START + SPAN + HOUR }),
  length: fc.oneof(fc.integer({ min: 0, max: 2 * HOUR }), fc.integer({ min: 0, max: SPAN + 2 * HOUR })),
  whole: fc.boolean(),
  unbounded: fc.boolean(),
  interval: fc.constantFrom(...INTERVALS),
  zone: fc.constantFrom(...ZONES),
  calendar: fc.constantFrom(undefined, undefined, undefined, 'week' as const, 'month' as const),
  filtered: fc.constantFrom(false, false, false, true),
});

function searchOf(q: typeof requestArb extends fc.Arbitrary<infer T> ? T : never): SearchRequest {
  // Some ranges start and end on slot boundaries, as the dashboard's rounded ranges do.
  const fromMs = q.whole ? Math.floor(q.from / SLOT_MS) * SLOT_MS : q.from;
  const toMs = q.whole ? fromMs + Math.ceil(q.length / SLOT_MS) * SLOT_MS - 1 : q.from + q.length;
  return {
    // The API's shape of an empty query with a filter pill that matches everything.
    query: q.filtered ? { kind: 'bool', must: [{ kind: 'match_all' }], filter: [{ kind: 'match_all' }], should: [], mustNot: [] } : { kind: 'match_all' },
    ...(q.unbounded ? {} : { timeRange: { fromMs, toMs } }),
    size: 0,
    aggregations: dashboard(q.interval, q.zone, q.calendar),
  };
}

function answer(result: Awaited<ReturnType<DuckDbStore['search']>>): Omit<SearchResponse, 'tookMs'> | { error: string } {
  if (!result.ok) return { error: result.error.message };
  const { tookMs: _, ...rest } = result.value;
  return rest;
}

/** The answers to random dashboard requests, compared: each rolled-up store's with the rows'. */
async function expectSameAnswers(rolled: DuckDbStore | DuckDbStore[], rows: DuckDbStore, runs: number, seed: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(requestArb, async (q) => {
      const request = searchOf(q);
      const expected = answer(await rows.search(request));
      for (const store of [rolled].flat()) expect(answer(await store.search(request))).toEqual(expected);
    }),
    { numRuns: runs, seed },
  );
}

/** A store counting from its rollup in memory, one counting from the rollup's tables (none in memory), and one counting its rows. */
async function trio(memoryEntries?: number): Promise<[DuckDbStore, DuckDbStore, DuckDbStore]> {
  const now = () => START + SPAN;
  return [
    await DuckDbStore.open({ path: ':memory:', now, ...(memoryEntries === undefined ? {} : { rollupMemoryEntries: memoryEntries }) }),
    await DuckDbStore.open({ path: ':memory:', now, rollupMemoryEntries: 0 }),
    await DuckDbStore.open({ path: ':memory:', now, useRollups: false }),
  ];
}

async function pair(path?: string): Promise<[DuckDbStore, DuckDbStore]> {
  const now = () => START + SPAN;
  return [await DuckDbStore.open({ path: path ?? ':memory:', now }), await DuckDbStore.open({ path: ':memory:', now, useRollups: false })];
}

describe('rollups', () => {
  it('plans whole slots for unfiltered queries only, with the partial slots from the rows', () => {
    const all = { kind: 'match_all' } as const;
    expect(rollupCoverage({ query: all })).toBeDefined();
    expect(rollupCoverage({ query: { kind: 'term', field: 'rule.level', value: '6' } as SearchRequest['query'] })).toBeUndefined();
    expect(rollupCoverage({ query: { kind: 'bool', must: [all], should: [all], filter: [], mustNot: [] } })).toBeUndefined();
    // Less than two slots' worth: the rows answer alone.
    expect(rollupCoverage({ query: all, timeRange: { fromMs: SLOT_MS + 1, toMs: 2 * SLOT_MS + 5 } })).toBeUndefined();
    expect(rollupCoverage({ query: all, timeRange: { fromMs: SLOT_MS + 1, toMs: 3 * SLOT_MS } })).toBeDefined();
  });

  it('counts a time before 1970 in the quarter hour it is in (rounded down, not toward zero)', async () => {
    const [rolled, rows] = await pair();
    try {
      const at = (ms: number, i: number): IndexedDocument => ({ index: indexNameForTime(ms), id: `old-${i}`, document: { '@id': `old-${i}`, '@timestamp': new Date(ms).toISOString(), '@message': 'm', '@log_group': 'g', '@log_stream': 's', rule: { level: 3 }, hidsmon: {} } as unknown as AlertDocument });
      const docs = [-1, -SLOT_MS, -SLOT_MS - 1, 0, SLOT_MS - 1, -3 * SLOT_MS + 5].map(at);
      for (const store of [rolled, rows]) await store.write(docs);
      for (const [fromMs, toMs] of [[0, 2 * SLOT_MS - 1], [-2 * SLOT_MS, -1], [-4 * SLOT_MS, 4 * SLOT_MS]] as const) {
        const request: SearchRequest = { query: { kind: 'match_all' }, size: 0, timeRange: { fromMs, toMs }, aggregations: { levels: { type: 'terms', field: 'rule.level' } } };
        expect(rollupCoverage(request)).toBeDefined();
        expect(answer(await rolled.search(request))).toEqual(answer(await rows.search(request)));
      }
    } finally {
      await rolled.close();
      await rows.close();
    }
  });

  it('an edge of the range holding more rows than are read one by one (a burst of one second) answers as the rows do', async () => {
    const [rolled, rows] = await pair();
    try {
      const burstMs = Math.floor(START / SLOT_MS) * SLOT_MS + 7 * 60_000; // inside a quarter hour
      const docs = Array.from({ length: 9_000 }, (_, i): IndexedDocument => {
        const ms = i < 8_500 ? burstMs : burstMs + 60_000 + i * 10;
        return { index: indexNameForTime(ms), id: `burst-${i}`, document: { '@id': `burst-${i}`, '@timestamp': new Date(ms).toISOString(), '@message': 'm', '@log_group': 'g', '@log_stream': `i-${i % 3}`, rule: { level: i % 7, sidid: 5700 + (i % 4), comment: `c${i % 5}` }, srcip: `10.0.${i % 3}.${i % 11}`, hidsmon: {} } as unknown as AlertDocument };
      });
      for (const store of [rolled, rows]) await store.write(docs);
      const aggregations = dashboard(3_600_000, undefined, undefined);
      // The burst's quarter hour cut by the range's start (the burst in the edge), and by its end.
      for (const timeRange of [{ fromMs: burstMs - 1000, toMs: burstMs + 3 * SLOT_MS }, { fromMs: burstMs - 2 * SLOT_MS, toMs: burstMs + 5000 }]) {
        const request: SearchRequest = { query: { kind: 'match_all' }, size: 0, timeRange, aggregations };
        expect(rollupCoverage(request)).toBeDefined();
        const expected = answer(await rows.search(request));
        expect(expected).toMatchObject({ total: expect.any(Number) });
        expect(answer(await rolled.search(request))).toEqual(expected);
      }
      expect(rolled.rollupStatus().answered).toBeGreaterThan(0);
    } finally {
      await rolled.close();
      await rows.close();
    }
  }, 120_000);

  it('answers the dashboard as the rows do, over random ranges, intervals and time zones, after re-deliveries (from memory and from the tables)', async () => {
    const [inMemory, tables, rows] = await trio();
    try {
      const docs = documents(1, 3000);
      for (let i = 0; i < docs.length; i += 700) {
        const batch = docs.slice(i, i + 700);
        for (const store of [inMemory, tables, rows]) expect(await store.write(batch)).toMatchObject({ kind: 'ok', rejected: 0 });
      }
      // Re-delivered: some of the same documents again, mixed with new ones (the write's slow path).
      const again = [...docs.slice(100, 600), ...documents(2, 300)];
      for (const store of [inMemory, tables, rows]) expect(await store.write(again)).toMatchObject({ kind: 'ok', written: 300, duplicates: 500 });
      const total = await inMemory.search({ query: { kind: 'match_all' }, size: 0 });
      expect(total.ok && total.value.total).toBe(3300);
      await expectSameAnswers([inMemory, tables], rows, 60, 14);
      // Each rolled-up store answered from where it says: memory for one, the tables for the other.
      expect(inMemory.rollupStatus()).toMatchObject({ inMemory: true, whole: true });
      expect(inMemory.rollupStatus().answered).toBeGreaterThan(30);
      expect(tables.rollupStatus()).toEqual({ inMemory: false, whole: false, entries: 0, answered: 0, edgeReads: 0 });
    } finally {
      for (const store of [inMemory, tables, rows]) await store.close();
    }
  }, 180_000);

  it('follows index deletion and retention, whose days are the documents’ indices, not their @timestamp hours', async () => {
    const [inMemory, tables, rows] = await trio();
    const rolled = [inMemory, tables];
    try {
      const docs = documents(3, 2500);
      for (const store of [...rolled, rows]) await store.write(docs);
      const indices = (await rows.indices()).map((i) => i.name);
      expect(indices.length).toBeGreaterThan(3);
      for (const store of [...rolled, rows]) expect(await store.deleteIndex(indices[2] as string)).toBe(true);
      await expectSameAnswers(rolled, rows, 25, 15);
      for (const store of [...rolled, rows]) expect((await store.deleteOlderThan(1, START + SPAN)).length).toBeGreaterThan(0);
      await expectSameAnswers(rolled, rows, 25, 16);
      expect(inMemory.rollupStatus().answered).toBeGreaterThan(0);
    } finally {
      for (const store of [inMemory, tables, rows]) await store.close();
    }
  }, 180_000);

  it('answers from memory only while the counts fit: a hostile cardinality of srcip leaves memory (the tables answer it), and a store too small for any count reads the tables', async () => {
    const docs = documents(5, 1500);
    // The counts these documents make fit, with room to spare; a new srcip per alert does not.
    const unbounded = await DuckDbStore.open({ path: ':memory:' });
    await unbounded.write(docs);
    const needed = unbounded.rollupStatus().entries;
    await unbounded.close();
    expect(needed).toBeGreaterThan(1000);
    const [inMemory, tables, rows] = await trio(needed + 1000);
    const small = await DuckDbStore.open({ path: ':memory:', now: () => START + SPAN, rollupMemoryEntries: 10 });
    try {
      for (const store of [inMemory, tables, rows, small]) await store.write(docs);
      expect(inMemory.rollupStatus()).toMatchObject({ inMemory: true, whole: true, entries: needed });
      // The same alerts again as new ones (other ids), each from an address of its own: only srcip's counts grow.
      const hostile = docs.map((d, i): IndexedDocument => {
        const document = { ...d.document, '@id': `hostile-${i}`, srcip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` } as Record<string, unknown>;
        if (typeof document['id'] === 'string') document['id'] = `${document['id']}h`;
        return { index: d.index, id: `hostile-${i}`, document: document as unknown as AlertDocument };
      });
      for (const store of [inMemory, tables, rows, small]) expect(await store.write(hostile)).toMatchObject({ kind: 'ok', rejected: 0 });
      // srcip left memory during the write; the other counts stayed.
      expect(inMemory.rollupStatus()).toMatchObject({ inMemory: true, whole: false });
      expect(small.rollupStatus()).toMatchObject({ inMemory: false });
      const before = inMemory.rollupStatus().answered;
      await expectSameAnswers([inMemory, tables, small], rows, 30, 18);
      // The panels without srcip still come from memory; those with it from the tables, the same answers.
      const noIp: SearchRequest = { query: { kind: 'match_all' }, size: 0, timeRange: { fromMs: START, toMs: START + SPAN }, aggregations: { levels: { type: 'terms', field: 'rule.level', size: 16 }, hosts: { type: 'cardinality', field: '@log_stream' } } };
      expect(answer(await inMemory.search(noIp))).toEqual(answer(await rows.search(noIp)));
      expect(inMemory.rollupStatus().answered).toBeGreaterThan(before);
      expect(small.rollupStatus().answered).toBe(0);
    } finally {
      for (const store of [inMemory, tables, rows, small]) await store.close();
    }
  }, 180_000);

  it("keeps a range's edge rows while their quarter hours are unchanged, and reads them again once a write or a deletion changes one", async () => {
    const [rolled, rows] = await pair();
    const at = (ms: number, id: string): IndexedDocument => ({ index: indexNameForTime(ms), id, document: { '@id': id, '@timestamp': new Date(ms).toISOString(), '@message': 'm', '@log_group': 'g', '@log_stream': 'i-9', rule: { level: 12, sidid: 5799, comment: 'late' }, srcip: '10.9.9.9', hidsmon: {} } as unknown as AlertDocument });
    try {
      for (const store of [rolled, rows]) await store.write(documents(6, 1500));
      // Both edges inside a quarter hour: the start's 7 s past one, the end's 3 min past one.
      const fromMs = Math.floor(START / SLOT_MS) * SLOT_MS + SLOT_MS + 7_000;
      const toMs = Math.floor((START + 2 * 86_400_000) / SLOT_MS) * SLOT_MS + 180_000;
      const request: SearchRequest = { query: { kind: 'match_all' }, size: 0, timeRange: { fromMs, toMs }, aggregations: dashboard(HOUR, undefined, undefined) };
      const reads = (): number => rolled.rollupStatus().edgeReads;
      const expectAsRows = async (): Promise<void> => expect(answer(await rolled.search(request))).toEqual(answer(await rows.search(request)));
      await expectAsRows();
      const first = reads();
      expect(first).toBe(1);
      await expectAsRows();
      await expectAsRows();
      expect(reads()).toBe(first); // kept
      // Into the end's edge: read again, and counted.
      for (const store of [rolled, rows]) await store.write([at(toMs - 1_000, 'into-end-edge')]);
      await expectAsRows();
      expect(reads()).toBe(first + 1);
      // Into a quarter hour of neither edge: the edges are kept.
      for (const store of [rolled, rows]) await store.write([at(fromMs + 86_400_000, 'in-the-middle')]);
      await expectAsRows();
      expect(reads()).toBe(first + 1);
      // Into the start's quarter hour, before the range: that edge is read again (its quarter hour changed), the answer the same.
      for (const store of [rolled, rows]) await store.write([at(fromMs - 5_000, 'before-the-start')]);
      await expectAsRows();
      expect(reads()).toBe(first + 2);
      // A re-delivery adds nothing.
      for (const store of [rolled, rows]) await store.write([at(toMs - 1_000, 'into-end-edge')]);
      await expectAsRows();
      // The end's day deleted: its edge rows are gone, and so is what was kept of them.
      for (const store of [rolled, rows]) expect(await store.deleteIndex(indexNameForTime(toMs))).toBe(true);
      await expectAsRows();
      expect(reads()).toBe(first + 3);
    } finally {
      await rolled.close();
      await rows.close();
    }
  }, 120_000);

  it('is kept in the file: a reopened store counts from it; a store without one builds it from its rows', async () => {
    const path = join(tmp, 'reopen.duckdb');
    const docs = documents(4, 1500);
    {
      const store = await DuckDbStore.open({ path });
      await store.write(docs);
      await store.close();
    }
    // The rollup is what the store reads: a count added to it behind the store's back shows.
    {
      const instance = await DuckDBInstance.create(path);
      const connection = await instance.connect();
      for (const [table, key] of [['hs_rollup', 'slot'], ['hs_rollup_day', 'day']]) await connection.run(`UPDATE ${table} SET n = n + 1000 WHERE ${key} = (SELECT min(${key}) FROM ${table}) AND dim = 0`);
      connection.closeSync();
      instance.closeSync();
    }
    {
      const store = await DuckDbStore.open({ path });
      const total = await store.search({ query: { kind: 'match_all' }, size: 0 });
      expect(total.ok && total.value.total).toBe(docs.length + 1000);
      await store.close();
    }
    // A file of an older version (no rollup state): rebuilt from the rows at open.
    {
      const instance = await DuckDBInstance.create(path);
      const connection = await instance.connect();
      await connection.run('DROP TABLE hs_rollup_state');
      connection.closeSync();
      instance.closeSync();
    }
    const [rolled, rows] = await pair(path);
    try {
      await rows.write(docs);
      const total = await rolled.search({ query: { kind: 'match_all' }, size: 0 });
      expect(total.ok && total.value.total).toBe(docs.length);
      await expectSameAnswers(rolled, rows, 20, 17);
    } finally {
      await rolled.close();
      await rows.close();
    }
  }, 120_000);
});
