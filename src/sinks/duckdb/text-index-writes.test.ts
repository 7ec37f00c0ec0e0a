/**
 * The text index written by its worker thread: a search right after a write resolved sees it (the
 * barrier), deletion stays ordered with writes, close drains the worker, a failed or lost worker
 * makes the index stop answering (the store scans, answers stay right) and never hangs a write,
 * and the store's write queue waits when two batches are still being written (backpressure).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import type { IndexedDocument } from '../../core/document.js';
import { cloudWatchEventId } from '../../core/ids.js';
import { parseQueryInput } from '../../query/parse-query.js';
import type { SearchRequest } from '../../query/search-api.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { DuckDbStore } from './store.js';
import { TextIndex } from './text-index.js';
import { TextIndexKeeper } from './text-index-sync.js';
import { RawTextRowsBuilder, WorkerTextIndexWriter, type TextIndexWrite, type TextIndexWriter } from './text-index-writes.js';
import { indexFileDayCounts } from '../../testing/text-index-files.js';

const DAY_MS = 86_400_000;
const DAY0 = Date.UTC(2024, 2, 1);
const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-text-index-writes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `n` alerts from `first` on, spread over days 0..2; "alpha" on every alert, "beta<i % 3>" on a third each. */
function alerts(first: number, n: number): IndexedDocument[] {
  return Array.from({ length: n }, (_, k) => {
    const i = first + k;
    const ts = DAY0 + (i % 3) * DAY_MS + i * 1000;
    const alert = { rule: { level: 3, comment: `rule ${i % 3}` }, id: `${Math.floor(ts / 1000)}.${i}`, full_log: `alpha beta${i % 3} n${i}` };
    return documentFromLogEvent({ eventId: cloudWatchEventId(ts, i), timestampMs: ts, message: JSON.stringify(alert), owner: 'o', logGroup: 'g', logStream: 's' });
  });
}

function request(q: string): SearchRequest {
  const parsed = parseQueryInput(q);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return { query: parsed.value, size: 3 };
}

async function total(store: DuckDbStore, q: string): Promise<number> {
  const result = await store.search(request(q));
  if (!result.ok) throw new Error(result.error.message);
  return result.value.total;
}

describe('the text index written by its worker', () => {
  it('keeps the counts of days the worker did not write, and counts again those of days it wrote or deleted', async () => {
    const keeper = TextIndexKeeper.open(join(tmp, 'announced.duckdb'));
    const rows = (times: number[]) => {
      const b = new RawTextRowsBuilder(times.length);
      for (const t of times) b.push(t, t, 3, 'alpha', null, null);
      return b.build();
    };
    const write = async (times: number[]) => {
      await keeper.added(rows(times), undefined);
      await keeper.settled();
    };
    try {
      await write([DAY0 + 1000, DAY0 + DAY_MS + 1000, DAY0 + 2 * DAY_MS + 1000]);
      const day0 = { fromMs: DAY0, toMs: DAY0 + DAY_MS - 1 };
      expect(keeper.index.count('alpha', day0)).toBe(1);
      const before = keeper.index.keptCounts();
      // Ingest into the newest day: day 0's count is kept (the worker's commit alone drops nothing).
      await write([DAY0 + 2 * DAY_MS + 2000]);
      expect(keeper.index.count('alpha', day0)).toBe(1);
      expect(keeper.index.keptCounts().hits - before.hits).toBe(1);
      expect(keeper.index.count('alpha')).toBe(4);
      // A late alert of day 0, then day 0 deleted: counted again each time.
      await write([DAY0 + 5000]);
      expect(keeper.index.count('alpha', day0)).toBe(2);
      expect(keeper.index.count('alpha')).toBe(5);
      await keeper.deleted(DAY0 / DAY_MS, DAY0 / DAY_MS + 1);
      expect(keeper.index.count('alpha', day0)).toBe(0);
      expect(keeper.index.count('alpha')).toBe(3);
    } finally {
      await keeper.close();
    }
  });

  it('a search right after a write resolved sees it, and one started while writes are pending sees those handed over', async () => {
    const path = join(tmp, 'barrier.duckdb');
    const store = await DuckDbStore.open({ path });
    expect(await store.textIndexCaughtUp()).toBe(true);
    // Ten batches, each written before the previous one resolved (as the bench writes).
    let written = 0;
    let pending: Promise<unknown> | undefined;
    for (let b = 0; b < 10; b++) {
      const next = store.write(alerts(b * 300, 300));
      if (pending) await pending;
      pending = next;
      written += 300;
    }
    await pending;
    const answered = store.textIndexStatus().answered;
    expect(await total(store, 'alpha')).toBe(written);
    expect(await total(store, 'beta1')).toBe(written / 3);
    expect(store.textIndexStatus().answered - answered).toBe(2); // from the index, not the scan
    // A search asked in the same turn as a write resolves: the write's rows are in its answer.
    const last = store.write(alerts(written, 300));
    const after = last.then(() => total(store, 'alpha'));
    expect(await after).toBe(written + 300);
    await store.close();
    expect(indexFileDayCounts(path)).toEqual(new Map([[19783, 1100], [19784, 1100], [19785, 1100]]));
  });

  it('keeps deletion in order with the writes around it (index deletion, retention)', async () => {
    const path = join(tmp, 'delete.duckdb');
    const store = await DuckDbStore.open({ path });
    await store.textIndexCaughtUp();
    const first = store.write(alerts(0, 300));
    const deleting = store.deleteIndex('cwl-2024.03.01');
    const second = store.write(alerts(300, 300));
    await Promise.all([first, deleting, second]);
    // Day 0's 100 alerts of the first batch went; the second batch's 100 of day 0 came after.
    expect(await total(store, 'beta0')).toBe(100);
    expect(await total(store, 'alpha')).toBe(500);
    await store.deleteOlderThan(1, DAY0 + 3 * DAY_MS); // keeps day 2 only
    expect(await total(store, 'alpha')).toBe(200);
    expect(store.textIndexStatus().ready).toBe(true);
    await store.close();
    expect(indexFileDayCounts(path)).toEqual(new Map([[19785, 200]]));
  });

  it('close drains the writes handed over: the index file then counts every row written', async () => {
    const path = join(tmp, 'drain.duckdb');
    const store = await DuckDbStore.open({ path });
    await store.textIndexCaughtUp();
    const writes = [store.write(alerts(0, 900)), store.write(alerts(900, 900)), store.write(alerts(1800, 900))];
    await Promise.all(writes);
    await store.close();
    expect(indexFileDayCounts(path)).toEqual(new Map([[19783, 900], [19784, 900], [19785, 900]]));
  });

  it('a failed index write makes the index stop answering: the store scans, answers stay right, and a reopen catches up', async () => {
    const path = join(tmp, 'failed.duckdb');
    const store = await DuckDbStore.open({ path });
    await store.textIndexCaughtUp();
    await store.write(alerts(0, 300));
    // Another connection holds the index file's write lock: the worker's next insert fails (busy).
    const blocker = new DatabaseSync(`${path}.text.sqlite`);
    blocker.exec('BEGIN IMMEDIATE');
    const result = await store.write(alerts(300, 300));
    expect(result.kind).toBe('ok'); // DuckDB took the rows: the index is behind, not the write refused
    expect(await total(store, 'alpha')).toBe(600);
    expect(store.textIndexStatus().ready).toBe(false);
    blocker.exec('ROLLBACK');
    blocker.close();
    await store.write(alerts(600, 300));
    expect(await total(store, 'alpha')).toBe(900);
    expect(store.textIndexStatus().ready).toBe(false); // until reopen
    await store.close();
    const reopened = await DuckDbStore.open({ path });
    expect(await reopened.textIndexCaughtUp()).toBe(true);
    const answered = reopened.textIndexStatus().answered;
    expect(await total(reopened, 'alpha')).toBe(900);
    expect(reopened.textIndexStatus().answered - answered).toBe(1);
    await reopened.close();
  });

  it('a worker that exits fails the requests waiting and every later one, without a hang', async () => {
    const path = join(tmp, 'exited.text.sqlite');
    TextIndex.open(path).close();
    const writer = new WorkerTextIndexWriter(path);
    const rows = new RawTextRowsBuilder(1);
    rows.push(DAY0, DAY0, 3, 'alpha', null, null);
    expect(await writer.apply({ op: 'add', rows: rows.build() })).toBe(1);
    // A batch that keeps the worker busy for a while (stopped between rows), so that it is still waiting.
    const many = new RawTextRowsBuilder(20_000);
    for (let i = 0; i < 20_000; i++) many.push(DAY0 + i, DAY0, 3, `alpha beta gamma delta n${i} `.repeat(8), null, null);
    const waiting = writer.apply({ op: 'add', rows: many.build() });
    await (writer as unknown as { worker: Worker }).worker.terminate();
    await expect(waiting).rejects.toMatchObject({ code: 'TEXT_INDEX_WORKER_EXITED' });
    await expect(writer.apply({ op: 'delete', fromDay: 0, toDay: 1 })).rejects.toMatchObject({ code: 'TEXT_INDEX_WORKER_EXITED' });
    await writer.close();
  });

  it('a worker that cannot open the index answers each request with the failure', async () => {
    const writer = new WorkerTextIndexWriter(join(tmp, 'no-such-dir', 'x.text.sqlite'));
    await expect(writer.apply({ op: 'delete', fromDay: 0, toDay: 1 })).rejects.toMatchObject({ code: 'TEXT_INDEX_WRITE_FAILED' });
    await writer.close();
  });
});

describe('backpressure', () => {
  it('added() waits while two writes are unacknowledged, and goes on as each is', async () => {
    const answers: Array<() => void> = [];
    const given: TextIndexWrite[] = [];
    const writer: TextIndexWriter = {
      apply: (write) => {
        given.push(write);
        return new Promise((resolve) => answers.push(() => resolve(1)));
      },
      close: () => Promise.resolve(),
    };
    const keeper = TextIndexKeeper.open(':memory:', { writer: () => writer });
    const rows = new RawTextRowsBuilder(1);
    rows.push(DAY0, DAY0, null, 'alpha', null, null);
    const batch = rows.build();
    let returned = 0;
    await keeper.added(batch, undefined).then(() => returned++); // one pending: room for another
    const second = keeper.added(batch, undefined).then(() => returned++);
    const settled = keeper.settled();
    let isSettled = false;
    void settled.then(() => (isSettled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(returned).toBe(1); // two pending: the second waits
    expect(given.length).toBe(2); // handed over already (in order), waiting for room only
    answers[0]?.();
    await second;
    expect(returned).toBe(2);
    expect(isSettled).toBe(false); // the second is not yet acknowledged
    answers[1]?.();
    await settled;
    await keeper.close();
  });
});

describe('compaction through the worker', () => {
  it('stages a compaction\'s chunks and compacts on the last; a refused or interrupted one is told with its code and changes nothing', async () => {
    const path = join(tmp, 'compact.text.sqlite');
    TextIndex.open(path, { segments: true }).close();
    const writer = new WorkerTextIndexWriter(path, true);
    const day = DAY0 / DAY_MS;
    const rows = (from: number, n: number, dayMs = DAY0) => {
      const b = new RawTextRowsBuilder(n);
      for (let i = from; i < from + n; i++) b.push(dayMs + i * 1000, dayMs, i % 3, `alpha n${i}`, null, null);
      return b.build();
    };
    const reader = TextIndex.open(path, { segments: true });
    try {
      await writer.apply({ op: 'add', rows: rows(0, 5) });
      await writer.apply({ op: 'add', rows: rows(0, 1, DAY0 + 3 * DAY_MS) });
      // Refused: the index counts 5 rows of the day, 4 given.
      await expect(writer.apply({ op: 'compact', day, rows: rows(0, 4), first: true, last: true })).rejects.toMatchObject({ code: 'TEXT_INDEX_WRITE_FAILED', writeCode: 'TEXT_SEGMENT_COUNT_MISMATCH' });
      // A chunk without its first, and chunks with another write between them: nothing compacted.
      await expect(writer.apply({ op: 'compact', day, rows: rows(0, 5), first: false, last: true })).rejects.toMatchObject({ writeCode: 'TEXT_INDEX_COMPACTION_INTERRUPTED' });
      expect(await writer.apply({ op: 'compact', day, rows: rows(0, 3), first: true, last: false })).toBe(3);
      await writer.apply({ op: 'add', rows: rows(1, 1, DAY0 + 3 * DAY_MS) });
      await expect(writer.apply({ op: 'compact', day, rows: rows(3, 2), first: false, last: true })).rejects.toMatchObject({ writeCode: 'TEXT_INDEX_COMPACTION_INTERRUPTED' });
      expect(reader.segmentDays().size).toBe(0);
      // In two chunks: the day becomes a segment, answers unchanged.
      expect(await writer.apply({ op: 'compact', day, rows: rows(0, 3), first: true, last: false })).toBe(3);
      expect(await writer.apply({ op: 'compact', day, rows: rows(3, 2), first: false, last: true })).toBe(5);
      expect(reader.segmentDays().get(day)?.docs).toBe(5);
      expect(reader.count('alpha')).toBe(7);
      expect(reader.count('n4')).toBe(1);
      expect(reader.dayCounts()).toEqual(new Map([[day, 5], [day + 3, 2]]));
    } finally {
      reader.close();
      await writer.close();
    }
  });
});
