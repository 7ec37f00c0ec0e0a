/**
 * The store with text_segments on (text-index-compaction.ts): closed days moved into segments
 * answer every search as before the compaction and as the scan (totals, pages, histograms; words,
 * phrases, prefixes, NOT); a late alert into a compacted day is found; retention drops compacted
 * days; a reopen answers the same; a segment file lost in a crash is rebuilt by the catch-up; the
 * quiet period and the two newest days are kept; a failed compaction is told with its code and
 * changes nothing; the timer's passes stop at close.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { IndexedDocument } from '../../core/document.js';
import { cloudWatchEventId } from '../../core/ids.js';
import { parseQueryInput } from '../../query/parse-query.js';
import type { SearchRequest } from '../../query/search-api.js';
import { docArbOver, documents, queryArb, START } from '../../testing/text-index-arbitraries.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { DuckDbStore } from './store.js';
import { TextIndexCompactor } from './text-index-compaction.js';
import { TextIndexKeeper, type SegmentEncoderThread } from './text-index-sync.js';
import { InlineTextIndexWriter, RawTextRowsBuilder, WorkerTextIndexWriter, type TextIndexWriter } from './text-index-writes.js';

const DAY_MS = 86_400_000;
const DAY0 = Date.UTC(2024, 2, 1);
const D0 = DAY0 / DAY_MS;
const DAYS = 6;
const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-text-segments-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PHRASES = ['did not receive identification', 'accepted password for root', 'session opened for user admin', 'failed password for invalid user'];

/** `n` alerts from `first` on over DAYS days (`dayOf` picks each one's day); words, phrases and levels vary. */
function alerts(first: number, n: number, dayOf: (i: number) => number = (i) => i % DAYS): IndexedDocument[] {
  return Array.from({ length: n }, (_, k) => {
    const i = first + k;
    const ts = DAY0 + dayOf(i) * DAY_MS + ((i * 7919) % 86_000) * 1000;
    const alert = { rule: { level: i % 5 === 0 ? undefined : i % 13, comment: `rule ${i % 3} ${PHRASES[i % 4]}` }, id: `${Math.floor(ts / 1000)}.${i}`, full_log: `sshd: ${PHRASES[(i * 3) % 4]} n${i} beta${i % 3}`, srcuser: i % 2 === 0 ? 'root' : 'café' };
    return documentFromLogEvent({ eventId: cloudWatchEventId(ts, i), timestampMs: ts, message: JSON.stringify(alert), owner: 'o', logGroup: 'g', logStream: 's' });
  });
}

const QUERIES = ['sshd', 'beta1', '"did not receive"', '"accepted password"', 'pass*', 'identif*', 'sshd AND NOT beta2', 'full_log:"password for"', 'rule.comment:"rule 1"', '@message:café', '"did not receive" OR beta0', 'n1*', 'root AND NOT "failed password"', 'nothingatall'];

function requests(q: string): SearchRequest[] {
  const parsed = parseQueryInput(q);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return [
    { query: parsed.value, size: 5 },
    {
      query: parsed.value,
      size: 4,
      sort: { field: '@timestamp', order: 'asc' },
      timeRange: { fromMs: DAY0 + DAY_MS / 2, toMs: DAY0 + 4 * DAY_MS + 3_600_000 },
      aggregations: {
        h: { type: 'date_histogram', intervalMs: 6 * 3_600_000 },
        s: { type: 'date_histogram', intervalMs: DAY_MS, subAggregations: { levels: { type: 'terms', field: 'rule.level', size: 3 } } },
      },
    },
  ];
}

/** Every request's answer (total, page ids in order, aggregations). */
async function answers(store: DuckDbStore, queries: readonly string[] = QUERIES): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const q of queries) {
    for (const request of requests(q)) {
      const result = await store.search(request);
      if (!result.ok) throw new Error(`${q}: ${result.error.message}`);
      out.push({ q, total: result.value.total, ids: result.value.hits.map((h) => h.id), aggregations: result.value.aggregations });
    }
  }
  return out;
}

const segmentsOn = { textSegments: true, textCompaction: { quietMs: 0, intervalMs: 0 } } as const;

/**
 * A store with segments at `tmp/<file>` and, for the scan's answers, one without a text index in
 * memory, both given the same alerts once the first has caught up.
 */
async function storesWith(file: string, batch: readonly IndexedDocument[]): Promise<{ path: string; store: DuckDbStore; scanned: DuckDbStore }> {
  const path = join(tmp, file);
  const scanned = await DuckDbStore.open({ path: ':memory:', textIndex: false, readConnections: 1 });
  const store = await DuckDbStore.open({ path, ...segmentsOn });
  expect(await store.textIndexCaughtUp()).toBe(true);
  await store.write(batch);
  await scanned.write(batch);
  return { path, store, scanned };
}

/** The segment files recorded in a store's text index side file, by day (absolute paths). */
function recordedSegments(storePath: string): Map<number, string> {
  const index = `${storePath}.text.sqlite`;
  const db = new DatabaseSync(index, { readOnly: true });
  try {
    const rows = db.prepare('SELECT day, file FROM text_segments').all() as Array<{ day: number; file: string }>;
    return new Map(rows.map((r) => [Number(r.day), isAbsolute(r.file) ? r.file : join(`${index}.segments`, r.file)]));
  } finally {
    db.close();
  }
}

describe('a store with text segments', () => {
  it('compacts the closed days and answers as before and as the scan; a late alert, a reopen and a lost segment file answer right', async () => {
    const opened = await storesWith('store.duckdb', alerts(0, 1800));
    const { path, scanned } = opened;
    let store = opened.store;
    try {
      const before = await answers(store);
      expect(before).toEqual(await answers(scanned));

      const indexBytes = (): number => [`${path}.text.sqlite`, `${path}.text.sqlite-wal`].reduce((n, p) => n + (existsSync(p) ? statSync(p).size : 0), 0);
      const bytesBefore = indexBytes();
      const outcomes = await store.compactClosedDays();
      // The pass gave FTS5's freed pages back (the writer's reclaim steps): 5 of 6 days moved out.
      expect(indexBytes()).toBeLessThan(bytesBefore * 0.6);
      // Today (the newest index day, 5) stays in FTS5.
      expect(outcomes).toEqual([0, 1, 2, 3, 4].map((d) => ({ kind: 'compacted', day: D0 + d, docs: 300 })));
      expect(await store.compactClosedDays()).toEqual([]); // nothing left to compact
      const status = store.textIndexStatus();
      expect(status.segments).toMatchObject({ on: true, days: 5, docs: 1500, compacted: 5, failed: 0 });
      expect(status.segments.bytes).toBeGreaterThan(0);
      expect(store.fileBytes()).toBeGreaterThan(status.segments.bytes); // the bytes reported count the segments
      expect([...recordedSegments(path).keys()].sort()).toEqual([0, 1, 2, 3, 4].map((d) => D0 + d));

      const answered = store.textIndexStatus().answered;
      expect(await answers(store)).toEqual(before);
      expect(store.textIndexStatus().answered - answered).toBeGreaterThan(QUERIES.length); // from the index, not the scan
      expect(store.textIndexStatus().disagreed).toBe(0);

      // A late alert into compacted day 1 (the newest of the day): it goes to FTS5 and is found once.
      const late = alerts(5000, 1, () => 1);
      await store.write(late);
      await scanned.write(late);
      expect(await answers(store)).toEqual(await answers(scanned));
      const sshd = await store.search(requests('n5000')[0] as SearchRequest);
      expect(sshd.ok && sshd.value.total).toBe(1);
      // Day 1 has a row in FTS5 again: compacted anew with all its rows.
      expect(await store.compactClosedDays()).toEqual([{ kind: 'compacted', day: D0 + 1, docs: 301 }]);
      expect(await answers(store)).toEqual(await answers(scanned));

      // Reopened: the segments are read back and answer the same.
      await store.close();
      store = await DuckDbStore.open({ path, ...segmentsOn });
      expect(await store.textIndexCaughtUp()).toBe(true);
      expect(store.textIndexStatus().segments).toMatchObject({ days: 5, docs: 1501 });
      const afterReopen = store.textIndexStatus().answered;
      expect(await answers(store)).toEqual(await answers(scanned));
      expect(store.textIndexStatus().answered - afterReopen).toBeGreaterThan(QUERIES.length);

      // A crash-ish loss: day 2's segment file gone while the store was down. The day is rebuilt
      // from DuckDB by the catch-up (into FTS5), and compacted again later.
      await store.close();
      const lost = recordedSegments(path).get(D0 + 2) as string;
      rmSync(lost);
      store = await DuckDbStore.open({ path, ...segmentsOn });
      expect(await store.textIndexCaughtUp()).toBe(true);
      expect(store.textIndexStatus().segments.days).toBe(4);
      expect(await answers(store)).toEqual(await answers(scanned));
      expect(await store.compactClosedDays()).toEqual([{ kind: 'compacted', day: D0 + 2, docs: 300 }]);
      expect(await answers(store)).toEqual(await answers(scanned));
    } finally {
      await store.close();
      await scanned.close();
    }
  }, 300_000);

  it('retention and index deletion drop compacted days (records and files)', async () => {
    const { path, store, scanned } = await storesWith('retention.duckdb', alerts(0, 1200));
    try {
      expect((await store.compactClosedDays()).map((o) => o.kind)).toEqual(['compacted', 'compacted', 'compacted', 'compacted', 'compacted']);
      const segmentDir = `${path}.text.sqlite.segments`;
      const files = readdirSync(segmentDir).length;
      expect(await store.deleteIndex('cwl-2024.03.01')).toBe(true);
      expect(await scanned.deleteIndex('cwl-2024.03.01')).toBe(true);
      expect(store.textIndexStatus().segments.days).toBe(4);
      expect(await answers(store)).toEqual(await answers(scanned));
      // Retention: keeps 3 days before day 5 (days 2..5).
      const now = DAY0 + 5 * DAY_MS + 1000;
      expect(await store.deleteOlderThan(3, now)).toEqual(['cwl-2024.03.02']);
      await scanned.deleteOlderThan(3, now);
      expect(store.textIndexStatus().segments).toMatchObject({ days: 3, docs: 600 });
      expect(await answers(store)).toEqual(await answers(scanned));
      expect(readdirSync(segmentDir).length).toBe(files - 2);
      expect(store.textIndexStatus().ready).toBe(true);
    } finally {
      await store.close();
      await scanned.close();
    }
  }, 120_000);

  it('compacts a day only once it is older than the newest and quiet', async () => {
    let clock = DAY0 + 10 * DAY_MS;
    const store = await DuckDbStore.open({ path: ':memory:', now: () => clock, textSegments: true, textCompaction: { quietMs: 600_000, intervalMs: 0 } });
    try {
      await store.textIndexCaughtUp();
      await store.write(alerts(0, 600));
      // Nothing written since open counts as written at the open: not quiet yet.
      expect(await store.compactClosedDays()).toEqual([]);
      clock += 600_000;
      expect((await store.compactClosedDays()).map((o) => o.day)).toEqual([D0, D0 + 1, D0 + 2, D0 + 3, D0 + 4]);
      // A late alert into day 0: not compacted again until day 0 has been quiet for 10 minutes.
      await store.write(alerts(900, 1, () => 0));
      clock += 300_000;
      expect(await store.compactClosedDays()).toEqual([]);
      clock += 300_000;
      expect(await store.compactClosedDays()).toEqual([{ kind: 'compacted', day: D0, docs: 101 }]);
      // A new newest day: day 5 is now older than the newest.
      await store.write(alerts(1000, 1, () => 6));
      clock += 600_000;
      expect((await store.compactClosedDays()).map((o) => o.day)).toEqual([D0 + 5]);
      expect(store.textIndexStatus().segments.days).toBe(6);
    } finally {
      await store.close();
    }
  }, 120_000);

  it('a compaction the index refuses (its count differs) is told with its code, changes nothing and is tried again', async () => {
    const path = join(tmp, 'refused.duckdb');
    const plain = await DuckDbStore.open({ path, textIndex: false });
    await plain.write(alerts(0, 600));
    await plain.close();
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    let drop = true;
    // A writer that loses one row of the compaction's last chunk: the index's count then differs.
    const losing = (inner: TextIndexWriter): TextIndexWriter => ({
      apply: (write) => {
        if (write.op !== 'compact' || !write.last || !drop || write.rows.ts.length === 0) return inner.apply(write);
        const rows = new RawTextRowsBuilder(write.rows.ts.length);
        for (let i = 1; i < write.rows.ts.length; i++) rows.push(write.rows.ts[i] as number, (write.rows.day[i] as number) * DAY_MS, write.rows.level[i], write.rows.texts[3 * i] ?? null, write.rows.texts[3 * i + 1] ?? null, write.rows.texts[3 * i + 2] ?? null);
        return inner.apply({ ...write, rows: rows.build() });
      },
      close: () => inner.close(),
    });
    const keeper = TextIndexKeeper.open(path, { segments: true, writer: (index) => losing(new InlineTextIndexWriter(index)) });
    const run = <T>(step: () => Promise<T>): Promise<T> => step();
    const logged: Array<Record<string, unknown>> = [];
    const compactor = new TextIndexCompactor(keeper, connection, run, { quietMs: 0, intervalMs: 0, log: (_level, fields) => void logged.push(fields) });
    try {
      await keeper.catchUp(connection, run);
      const counts = keeper.index.dayCounts();
      const failed = await compactor.compactClosedDays();
      expect(failed.map((o) => o.kind)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
      expect(failed[0]).toMatchObject({ code: 'TEXT_SEGMENT_COUNT_MISMATCH' });
      expect(logged.map((f) => f['code'])).toEqual(Array(5).fill('TEXT_SEGMENT_COUNT_MISMATCH'));
      expect(compactor.failures).toBe(5);
      expect(keeper.ready).toBe(true); // the index still answers: nothing changed
      expect(keeper.index.segmentDays().size).toBe(0);
      expect(keeper.index.dayCounts()).toEqual(counts);
      expect(keeper.index.count('sshd')).toBe(600);
      drop = false;
      expect((await compactor.compactClosedDays()).map((o) => o.kind)).toEqual(['compacted', 'compacted', 'compacted', 'compacted', 'compacted']);
      expect(keeper.index.count('sshd')).toBe(600);
      expect(keeper.index.dayCounts()).toEqual(counts);
    } finally {
      await compactor.stop();
      await keeper.close();
      connection.closeSync();
      instance.closeSync();
    }
  }, 120_000);

  it('a segment encoded apart is not committed when its day was written meanwhile: its file is removed, the day compacted later', async () => {
    const path = join(tmp, 'meanwhile.duckdb');
    const plain = await DuckDbStore.open({ path, textIndex: false });
    await plain.write(alerts(0, 600));
    await plain.close();
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    let keeper: TextIndexKeeper | undefined;
    let writeMeanwhile = true;
    // The real encoder thread; a write to the day is handed over while its last chunk is encoded.
    const encoder = (): SegmentEncoderThread => {
      const thread = new WorkerTextIndexWriter(`${path}.text.sqlite`, true, true);
      return {
        encode: async (chunk) => {
          const reply = await thread.encode(chunk);
          if (chunk.last && writeMeanwhile) {
            const late = new RawTextRowsBuilder(1);
            late.push(DAY0 + (chunk.day - D0) * DAY_MS + 5, DAY0 + (chunk.day - D0) * DAY_MS, 3, 'late meanwhile', null, null);
            await keeper?.added(late.build(), undefined);
          }
          return reply;
        },
        close: () => thread.close(),
      };
    };
    keeper = TextIndexKeeper.open(path, { segments: true, encoder });
    const run = <T>(step: () => Promise<T>): Promise<T> => step();
    const compactor = new TextIndexCompactor(keeper, connection, run, { quietMs: 0, intervalMs: 0, connect: () => instance.connect() });
    try {
      await keeper.catchUp(connection, run);
      const refused = await compactor.compactClosedDays(1);
      expect(refused).toMatchObject([{ kind: 'failed', day: D0, code: 'TEXT_INDEX_COMPACTION_INTERRUPTED' }]);
      await keeper.settled();
      expect(keeper.index.segmentDays().size).toBe(0);
      expect(readdirSync(`${path}.text.sqlite.segments`)).toEqual([]); // the segment written apart is gone
      expect(keeper.index.count('sshd')).toBe(600);
      expect(keeper.index.count('meanwhile')).toBe(1);
      // Later, without a write meanwhile: the index counts a row DuckDB lacks, so the writer refuses it too.
      writeMeanwhile = false;
      expect(await compactor.compactClosedDays(1)).toMatchObject([{ kind: 'failed', day: D0, code: 'TEXT_SEGMENT_COUNT_MISMATCH' }]);
      expect(readdirSync(`${path}.text.sqlite.segments`)).toEqual([]);
      // Day 1 (DuckDB and the index agree): compacted through the encoder thread.
      expect(await compactor.compactClosedDays(2)).toMatchObject([{ kind: 'failed', day: D0 }, { kind: 'compacted', day: D0 + 1, docs: 100 }]);
      expect(keeper.index.segmentDays().get(D0 + 1)?.docs).toBe(100);
      expect(keeper.index.count('sshd')).toBe(600);
    } finally {
      await compactor.stop();
      await keeper.close();
      connection.closeSync();
      instance.closeSync();
    }
  }, 120_000);

  it('a segment that cannot answer (its bytes gone bad under a running store) makes the scan answer, not an error', async () => {
    const { path, store, scanned } = await storesWith('corrupt.duckdb', alerts(0, 600));
    try {
      expect((await store.compactClosedDays()).length).toBe(5);
      for (const file of recordedSegments(path).values()) writeFileSync(file, randomBytes(statSync(file).size));
      const queries = ['sshd', '"did not receive"', 'pass*'];
      expect(await answers(store, queries)).toEqual(await answers(scanned, queries));
      expect(store.textIndexStatus().segments.fellBack).toBeGreaterThan(0);
    } finally {
      await store.close();
      await scanned.close();
    }
  }, 120_000);

  it('close during a pass stops it between days; the reopened store answers right and holds only recorded segment files', async () => {
    const opened = await storesWith('closing.duckdb', alerts(0, 1200));
    const { path, scanned } = opened;
    let store = opened.store;
    try {
      const pass = store.compactClosedDays();
      // Closed once the first day is in, while the pass goes on.
      for (let i = 0; i < 2000 && store.textIndexStatus().segments.days < 1; i++) await new Promise((r) => setTimeout(r, 5));
      await store.close();
      const outcomes = await pass;
      expect(outcomes.length).toBeGreaterThan(0);
      expect(outcomes.length).toBeLessThan(5); // stopped before the last day
      expect(outcomes.filter((o) => o.kind === 'failed')).toEqual([]);
      store = await DuckDbStore.open({ path, ...segmentsOn });
      expect(await store.textIndexCaughtUp()).toBe(true);
      const recorded = [...recordedSegments(path).values()].map((f) => f.slice(f.lastIndexOf('/') + 1)).sort();
      expect(readdirSync(`${path}.text.sqlite.segments`).sort()).toEqual(recorded);
      expect(await answers(store, ['sshd', '"did not receive"'])).toEqual(await answers(scanned, ['sshd', '"did not receive"']));
      expect((await store.compactClosedDays()).length).toBe(5 - recorded.length);
      expect(await answers(store, ['sshd', '"did not receive"'])).toEqual(await answers(scanned, ['sshd', '"did not receive"']));
    } finally {
      await store.close();
      await scanned.close();
    }
  }, 120_000);

  it('compacts on its timer in the background, and close stops it', async () => {
    const path = join(tmp, 'timer.duckdb');
    const store = await DuckDbStore.open({ path, textSegments: true, textCompaction: { quietMs: 0, intervalMs: 25 } });
    try {
      await store.textIndexCaughtUp();
      await store.write(alerts(0, 600));
      for (let i = 0; i < 400 && store.textIndexStatus().segments.days < 5; i++) await new Promise((r) => setTimeout(r, 25));
      expect(store.textIndexStatus().segments.days).toBe(5);
      // Writes go on meanwhile, and are found.
      await store.write(alerts(600, 600));
      const result = await store.search(requests('sshd')[0] as SearchRequest);
      expect(result.ok && result.value.total).toBe(1200);
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe('text segments against the scan', () => {
  it('gives the same answers before and after compaction on random documents and queries', async () => {
    let compacted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(docArbOver(80), { minLength: 10, maxLength: 40 }), fc.array(queryArb, { minLength: 3, maxLength: 8 }), fc.boolean(), async (docs, queries, onFile) => {
        const path = onFile ? join(tmp, `property-${Math.random().toString(36).slice(2)}.duckdb`) : ':memory:';
        const segmented = await DuckDbStore.open({ path, readConnections: 1, threads: 1, ...segmentsOn });
        const scanned = await DuckDbStore.open({ path: ':memory:', readConnections: 1, threads: 1, textIndex: false });
        const asked: string[] = queries.filter((q) => parseQueryInput(q).ok);
        const requestsOf = (q: string): SearchRequest[] => {
          const parsed = parseQueryInput(q);
          if (!parsed.ok) return [];
          return [
            { query: parsed.value, size: 3 },
            { query: parsed.value, size: 50, sort: { field: '@timestamp', order: 'asc' }, timeRange: { fromMs: START + 1000 * 60_000, toMs: START + 6000 * 60_000 }, aggregations: { h: { type: 'date_histogram', intervalMs: 3_600_000 }, s: { type: 'date_histogram', intervalMs: 21_600_000, subAggregations: { levels: { type: 'terms', field: 'rule.level', size: 2 } } } } },
          ];
        };
        const all = async (store: DuckDbStore): Promise<unknown[]> => {
          const out: unknown[] = [];
          for (const q of asked) {
            for (const request of requestsOf(q)) {
              const r = await store.search(request);
              out.push(r.ok ? { q, total: r.value.total, ids: r.value.hits.map((h) => h.id), aggregations: r.value.aggregations } : { q, error: r.error.message });
            }
          }
          return out;
        };
        try {
          expect(await segmented.textIndexCaughtUp()).toBe(true);
          const batch = documents(docs);
          await segmented.write(batch);
          await scanned.write(batch);
          const expected = await all(scanned);
          expect(await all(segmented)).toEqual(expected);
          const outcomes = await segmented.compactClosedDays();
          expect(outcomes.every((o) => o.kind === 'compacted')).toBe(true);
          compacted += outcomes.length;
          expect(await all(segmented)).toEqual(expected);
          // Late alerts (copies of the first few under new ids) into days compacted or not.
          const late = documents(docs.slice(0, 3), 10_000);
          await segmented.write(late);
          await scanned.write(late);
          expect(await all(segmented)).toEqual(await all(scanned));
          expect(segmented.textIndexStatus().disagreed).toBe(0);
        } finally {
          await segmented.close();
          await scanned.close();
        }
      }),
      { numRuns: Number(process.env['HIDSMON_PROPERTY_RUNS'] ?? 6), endOnFailure: true },
    );
    expect(compacted).toBeGreaterThan(5); // days were compacted (not FTS5 against the scan only)
  }, 900_000);
});
