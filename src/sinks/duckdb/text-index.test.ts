/**
 * The text index kept with the store: index deletion and retention remove its postings, a restart
 * finds it caught up, an index behind DuckDB (a crash between the two commits) or ahead of it (a
 * crash between the two deletes) is rebuilt from DuckDB at open, and after kill -9 of a writer the
 * index answers as the scan does.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { cloudWatchEventId } from '../../core/ids.js';
import { parseQueryInput } from '../../query/parse-query.js';
import type { SearchRequest } from '../../query/search-api.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { DuckDbStore } from './store.js';
import { indexedTexts, TextIndex } from './text-index.js';
import { indexFileDayCounts } from '../../testing/text-index-files.js';

const DAY_MS = 86_400_000;
const DAY0 = Date.UTC(2024, 2, 1);
const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-text-index-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Documents on days 0..2: "alpha" only on day 0, "beta gamma" on day 1, "delta" on every day; levels 2..6, or none for every seventh. */
function documents() {
  const texts = ['alpha delta', 'beta gamma delta', 'delta epsilon'];
  return Array.from({ length: 30 }, (_, i) => {
    const day = i % 3;
    const ts = DAY0 + day * DAY_MS + i * 60_000;
    const alert = { rule: { ...(i % 7 === 0 ? {} : { level: 2 + (i % 5) }), comment: `rule ${day}` }, id: `${Math.floor(ts / 1000)}.${i}`, full_log: `${texts[day]} n${i}` };
    return documentFromLogEvent({ eventId: cloudWatchEventId(ts, i), timestampMs: ts, message: JSON.stringify(alert), owner: 'o', logGroup: 'g', logStream: 's' });
  });
}

const QUERIES = ['alpha', '"beta gamma"', 'delta', 'full_log:del*', 'delta AND NOT alpha', 'rule.comment:"rule 2"', 'zeta'];

function request(q: string): SearchRequest {
  const parsed = parseQueryInput(q);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return { query: parsed.value, size: 5 };
}

/** With Discover's histogram stacked by level (a size that leaves levels out), which the index counts from each row's level: the rebuilt days' too. */
function stackedRequest(q: string): SearchRequest {
  return { ...request(q), timeRange: { fromMs: DAY0, toMs: DAY0 + 3 * DAY_MS - 1 }, aggregations: { s: { type: 'date_histogram', intervalMs: 6 * 3_600_000, subAggregations: { levels: { type: 'terms', field: 'rule.level', size: 3 } } } } };
}

async function answers(store: DuckDbStore, queries: readonly string[] = QUERIES): Promise<Array<{ q: string; total: number; ids: string[]; stacked: unknown }>> {
  const out = [];
  for (const q of queries) {
    const result = await store.search(request(q));
    if (!result.ok) throw new Error(result.error.message);
    const stacked = await store.search(stackedRequest(q));
    if (!stacked.ok) throw new Error(stacked.error.message);
    out.push({ q, total: result.value.total, ids: result.value.hits.map((h) => h.id), stacked: stacked.value.aggregations });
  }
  return out;
}

/** The answers of the store at `path` by scan (the index left alone). */
async function scanned(path: string, queries: readonly string[] = QUERIES) {
  const store = await DuckDbStore.open({ path, textIndex: false });
  try {
    return await answers(store, queries);
  } finally {
    await store.close();
  }
}

async function indexed(path: string, queries: readonly string[] = QUERIES) {
  const store = await DuckDbStore.open({ path });
  try {
    expect(await store.textIndexCaughtUp()).toBe(true);
    const before = store.textIndexStatus();
    const result = await answers(store, queries);
    expect(store.textIndexStatus().answered - before.answered).toBeGreaterThan(0);
    expect(store.textIndexStatus().stacked - before.stacked).toBeGreaterThan(0);
    return result;
  } finally {
    await store.close();
  }
}

describe('text index with the store', () => {
  it('index deletion and retention remove the postings of those days', async () => {
    const store = await DuckDbStore.open({ path: ':memory:' });
    await store.textIndexCaughtUp();
    await store.write(documents());
    expect((await answers(store, ['alpha', 'delta'])).map((a) => a.total)).toEqual([10, 30]);
    await store.deleteIndex('cwl-2024.03.01');
    const afterDelete = await answers(store, ['alpha', 'delta', '"beta gamma"']);
    expect(afterDelete.map((a) => a.total)).toEqual([0, 20, 10]);
    await store.deleteOlderThan(1, DAY0 + 3 * DAY_MS); // keeps day 2 only
    expect((await answers(store, ['delta', '"beta gamma"', 'epsilon'])).map((a) => a.total)).toEqual([10, 0, 10]);
    expect(store.textIndexStatus().answered).toBeGreaterThanOrEqual(8);
    await store.close();
  });

  it('is caught up after a restart, and answers as the scan does', async () => {
    const path = join(tmp, 'restart.duckdb');
    const store = await DuckDbStore.open({ path });
    await store.textIndexCaughtUp();
    await store.write(documents());
    await store.close();
    expect(indexFileDayCounts(path)).toEqual(new Map([[19783, 10], [19784, 10], [19785, 10]]));
    expect(await indexed(path)).toEqual(await scanned(path));
  });

  it('rebuilds at open a day the index lacks (behind DuckDB) or still holds (ahead of it)', async () => {
    const path = join(tmp, 'repair.duckdb');
    const store = await DuckDbStore.open({ path });
    await store.textIndexCaughtUp();
    await store.write(documents());
    await store.close();
    // Behind: the index lost day 1's rows, as if the process died after DuckDB's commit.
    const index = TextIndex.open(`${path}.text.sqlite`);
    index.deleteDays(19784, 19785);
    index.close();
    const expected = await scanned(path);
    expect(await indexed(path)).toEqual(expected);
    // Ahead: DuckDB deleted day 0 while the index was not kept (as if the process died between the deletes).
    const bare = await DuckDbStore.open({ path, textIndex: false });
    await bare.deleteIndex('cwl-2024.03.01');
    await bare.close();
    expect(indexFileDayCounts(path).get(19783)).toBe(10);
    const afterDelete = await scanned(path);
    expect(afterDelete.find((a) => a.q === 'alpha')?.total).toBe(0);
    expect(await indexed(path)).toEqual(afterDelete);
    expect(indexFileDayCounts(path).has(19783)).toBe(false);
  });

  it('after kill -9 of a writer, reopens caught up and answers as the scan does', async () => {
    const path = join(tmp, 'killed.duckdb');
    const child = new URL('../../testing/store-writer-child.ts', import.meta.url).pathname;
    await new Promise<void>((resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, path, '300'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let acks = 0;
      let stderr = '';
      proc.stderr.on('data', (c) => (stderr += c));
      proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        acks += chunk.split('\n').filter((l) => l.startsWith('ack ')).length;
        if (acks >= 5) proc.kill('SIGKILL');
      });
      proc.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited ${code}: ${stderr}`))));
    });
    const queries = ['sshd', '"did not receive identification"', 'fail*', 'session AND NOT root'];
    const expected = await scanned(path, queries);
    expect(expected[0]?.total).toBeGreaterThan(0);
    expect(await indexed(path, queries)).toEqual(expected);
  }, 120_000);
});

describe('@message as a delta against full_log and rule.comment', () => {
  it('keeps the tokens @message adds and those it lacks, each once', () => {
    // JSON.stringify escapes the newline: @message holds `did\\nnot`, whose tokens are `did` and `nnot`.
    const fullLog = 'sshd did\nnot receive';
    const message = JSON.stringify({ rule: { comment: 'ssh scan' }, full_log: fullLog, srcuser: 'root' });
    expect(indexedTexts(fullLog, message, 'ssh scan')).toEqual(['sshd did not receive', 'ssh scan', 'rule comment full·5flog nnot srcuser root', 'not']);
    expect(indexedTexts(null, null, null)).toEqual([null, null, null, null]);
  });

  it('answers terms, prefixes and phrases in @message as the scan does, checking the phrases against the rows', async () => {
    const at = (i: number): number => DAY0 + i * 60_000;
    const alerts = [
      { rule: { level: 3, sidid: 5710, comment: 'ssh' }, full_log: 'sshd did\nnot receive identification', srcuser: 'admin' }, // @message lacks `not`
      { rule: { level: 3, sidid: 5710, comment: 'ssh' }, full_log: 'did not receive identification', srcuser: 'root' },
      { rule: { level: 3, sidid: 5710, comment: 'ssh' }, full_log: 'session opened', srcuser: 'did not receive' }, // the phrase only in another field of @message
      { rule: { level: 3, sidid: 5710, comment: 'did' }, full_log: 'session closed', srcuser: 'receive' },
    ];
    const batch = alerts.map((a, i) => documentFromLogEvent({ eventId: cloudWatchEventId(at(i), i), timestampMs: at(i), message: JSON.stringify({ id: `${Math.floor(at(i) / 1000)}.${i}`, ...a }), owner: 'o', logGroup: 'g', logStream: 's' }));
    const queries = ['@message:not', 'not', '@message:"did not"', '"did not receive"', '@message:"srcuser did"', '"full_log session"', '@message:nn*', '@message:no*', '@message:"did not" AND NOT session', 'receive AND NOT @message:"did not receive"'];
    const indexedStore = await DuckDbStore.open({ path: ':memory:' });
    const scannedStore = await DuckDbStore.open({ path: ':memory:', textIndex: false });
    try {
      expect(await indexedStore.textIndexCaughtUp()).toBe(true);
      await indexedStore.write(batch);
      await scannedStore.write(batch);
      const expected = await answers(scannedStore, queries);
      expect(expected.map((a) => a.total)).toEqual([2, 3, 2, 3, 1, 2, 1, 2, 1, 2]);
      expect(await answers(indexedStore, queries)).toEqual(expected);
      const status = indexedStore.textIndexStatus();
      // Each query is searched twice by `answers`: alone, and with the histogram stacked by level.
      expect(status.answered).toBe(2 * queries.length);
      // Stacked from the index where it knows every match (the phrases it must check are counted from the rows).
      expect(status.stacked).toBeGreaterThan(0);
      expect(status.verified).toBeGreaterThan(0);
      expect(status.disagreed).toBe(0);
    } finally {
      await indexedStore.close();
      await scannedStore.close();
    }
  });
});

describe('TextIndex rowids', () => {
  it('keeps thousands of rows of one millisecond (alerts of second resolution), each at its time', () => {
    const index = TextIndex.open(':memory:');
    const ts = DAY0 + 7_000;
    index.add(Array.from({ length: 3_000 }, (_, i) => ({ ts, day: 0, level: null, texts: [`burst n${i}`, null, null, null] })));
    index.add([{ ts: ts + 1, day: 0, level: null, texts: ['burst after', null, null, null] }]);
    expect(index.count('burst')).toBe(3_001);
    expect(index.count('burst', { fromMs: ts, toMs: ts })).toBe(3_000);
    expect(index.times('burst', 'desc', 2)).toEqual([ts + 1, ts]);
    index.close();
  });

  it('drops an index of another layout, so that the store rebuilds it', () => {
    const path = join(tmp, 'old-layout.sqlite');
    const first = TextIndex.open(path);
    first.add([{ ts: DAY0, day: 0, level: 3, texts: ['kept', null, null, null] }]);
    first.close();
    const older = new DatabaseSync(path);
    older.exec('PRAGMA user_version = 1');
    older.close();
    const reopened = TextIndex.open(path);
    expect([reopened.count('kept'), reopened.dayCounts().size]).toEqual([0, 0]);
    reopened.close();
  });

  it('drops an index of the layout before rule.level was kept (version 3), and keeps the level then', () => {
    const path = join(tmp, 'layout-3.sqlite');
    const older = new DatabaseSync(path);
    older.exec(
      "CREATE VIRTUAL TABLE text_index USING fts5(full_log, comment, extra, missing, day UNINDEXED, content='', contentless_delete=1, contentless_unindexed=1, tokenize='ascii', detail=full)",
    );
    older.exec('CREATE TABLE text_days (day INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
    older.exec("INSERT INTO text_index(rowid, full_log, day) VALUES (1, 'kept', 0)");
    older.exec('INSERT INTO text_days VALUES (0, 1)');
    older.exec('PRAGMA user_version = 3');
    older.close();
    const reopened = TextIndex.open(path);
    expect([reopened.count('kept'), reopened.dayCounts().size]).toEqual([0, 0]);
    // The rebuilt layout has the column: a row's level is kept and read back.
    reopened.add([{ ts: DAY0, day: 0, level: 7, texts: ['kept', null, null, null] }]);
    expect(reopened.grainLevelCounts('kept', 60_000)).toEqual([[DAY0, 7, 1]]);
    reopened.close();
  });
});

describe('TextIndex grainLevelCounts', () => {
  it('counts matches per grain and level, a missing level as null, grains in time order', () => {
    const index = TextIndex.open(':memory:');
    const row = (ts: number, level: number | null, text: string) => ({ ts, day: 0, level, texts: [text, null, null, null] });
    index.add([row(DAY0, 3, 'sshd a'), row(DAY0 + 1, 3, 'sshd b'), row(DAY0 + 2, null, 'sshd c'), row(DAY0 + 3, -5, 'other'), row(DAY0 + 60_000, 12, 'sshd d'), row(DAY0 + 61_000, 3, 'sshd e'), row(DAY0 + 180_000, 3, 'sshd f')]);
    const sorted = (rows: Array<[number, number | null, number]>) => [...rows].sort((x, y) => x[0] - y[0] || String(x[1]).localeCompare(String(y[1])));
    expect(sorted(index.grainLevelCounts('sshd', 60_000))).toEqual([
      [DAY0, 3, 2],
      [DAY0, null, 1],
      [DAY0 + 60_000, 12, 1],
      [DAY0 + 60_000, 3, 1],
      [DAY0 + 180_000, 3, 1],
    ]);
    // Grains in time order as returned, and the range bounds the walk.
    expect(index.grainLevelCounts('sshd', 60_000).map(([k]) => k)).toEqual([DAY0, DAY0, DAY0 + 60_000, DAY0 + 60_000, DAY0 + 180_000]);
    expect(index.grainLevelCounts('sshd OR other', 1_000, { fromMs: DAY0 + 2, toMs: DAY0 + 60_000 })).toEqual(expect.arrayContaining([[DAY0, null, 1], [DAY0, -5, 1], [DAY0 + 60_000, 12, 1]]));
    expect(index.grainLevelCounts('sshd OR other', 1_000, { fromMs: DAY0 + 2, toMs: DAY0 + 60_000 })).toHaveLength(3);
    index.close();
  });

  it('reads each match\'s own level (the content row of its rowid), and nothing of deleted rows', () => {
    const index = TextIndex.open(':memory:');
    const row = (ts: number, day: number, level: number | null, text: string) => ({ ts, day, level, texts: [text, null, null, null] });
    index.add([row(DAY0, 0, 1, 'sshd a'), row(DAY0, 0, 2, 'sshd b'), row(DAY0 + 5, 1, 2 ** 31 - 1, 'sshd c'), row(DAY0 + 6, 1, -(2 ** 31), 'other')]);
    expect(index.deleteDays(0, 1)).toBe(2);
    // The same millisecond again, other levels: the deleted rows' levels are not counted.
    index.add([row(DAY0, 0, 9, 'sshd d'), row(DAY0, 0, null, 'nothing')]);
    expect(index.grainLevelCounts('sshd', 1_000)).toEqual([[DAY0, 9, 1], [DAY0, 2 ** 31 - 1, 1]]);
    expect(index.grainCounts('sshd', 1_000)).toEqual([[DAY0, 2]]);
    expect(index.grainLevelCounts('other OR nothing', 1)).toEqual([[DAY0, null, 1], [DAY0 + 6, -(2 ** 31), 1]]);
    index.close();
  });
});

