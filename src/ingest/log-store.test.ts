import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileFilterPattern } from '../core/filter-pattern.js';
import { cloudWatchEventId } from '../core/ids.js';
import { LogStore, type LogEventInput } from './log-store.js';

const NOW = Date.UTC(2024, 5, 1, 12);
const DAY = 86_400_000;
const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-log-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function events(count: number, start = NOW - 60_000, prefix = 'm'): LogEventInput[] {
  return Array.from({ length: count }, (_, i) => ({ timestamp: start + i, message: `${prefix}${i}` }));
}

async function unwrap<T>(p: Promise<{ ok: true; value: T } | { ok: false; error: unknown }>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`unexpected ${JSON.stringify(r.error)}`);
  return r.value;
}

describe('LogStore', () => {
  let store: LogStore;
  let clock = NOW;
  beforeEach(async () => {
    clock = NOW;
    store = await LogStore.open({ path: ':memory:', now: () => clock });
  });
  afterEach(async () => store.close());

  it('creates groups and streams once, and lists them sorted', async () => {
    await unwrap(store.createLogGroup('b', { tags: { team: 'sec' }, kmsKeyId: 'k', logGroupClass: 'INFREQUENT_ACCESS' }));
    await unwrap(store.createLogGroup('B'));
    await unwrap(store.createLogGroup('a'));
    expect(await store.createLogGroup('a')).toEqual({ ok: false, error: { kind: 'group-exists' } });
    expect(store.listLogGroups().map((g) => g.name)).toEqual(['B', 'a', 'b']);
    expect(store.getLogGroup('b')).toEqual({ name: 'b', creationTime: NOW, logGroupClass: 'INFREQUENT_ACCESS', kmsKeyId: 'k', tags: { team: 'sec' }, deletionProtection: false, storedBytes: 0 });
    await unwrap(store.createLogStream('a', 's2'));
    await unwrap(store.createLogStream('a', 's1'));
    expect(await store.createLogStream('a', 's1')).toEqual({ ok: false, error: { kind: 'stream-exists' } });
    expect(await store.createLogStream('nope', 's1')).toEqual({ ok: false, error: { kind: 'group-not-found' } });
    const streams = store.listLogStreams('a');
    expect(streams.ok && streams.value.map((s) => s.name)).toEqual(['s1', 's2']);
    expect(store.listLogStreams('nope')).toEqual({ ok: false, error: { kind: 'group-not-found' } });
  });

  it('stores events with increasing sequence numbers and stream statistics', async () => {
    await unwrap(store.createLogGroup('g'));
    await unwrap(store.createLogStream('g', 's'));
    const first = await unwrap(store.putLogEvents('g', 's', events(3)));
    expect(first).toEqual({ stored: 3, firstSequence: 1, lastSequence: 3 });
    clock += 1000;
    const second = await unwrap(store.putLogEvents('g', 's', [{ timestamp: NOW - 120_000, message: 'ü' }]));
    expect(second).toEqual({ stored: 1, firstSequence: 4, lastSequence: 4 });
    expect(store.lastSequence()).toBe(4);
    const stream = store.getLogStream('g', 's');
    expect(stream).toEqual({ ok: true, value: { logGroup: 'g', name: 's', creationTime: NOW, firstEventTimestamp: NOW - 120_000, lastEventTimestamp: NOW - 60_000 + 2, lastIngestionTime: NOW + 1000, lastSequence: 4, events: 4, storedBytes: 6 + 2 } });
    expect(store.getLogGroup('g')?.storedBytes).toBe(8);
    const all = await store.readAfter(0, 10);
    expect(all.map((e) => e.sequence)).toEqual([1, 2, 3, 4]);
    expect(all[3]).toEqual({ sequence: 4, eventId: cloudWatchEventId(NOW - 120_000, 4), logGroup: 'g', logStream: 's', timestamp: NOW - 120_000, ingestionTime: NOW + 1000, message: 'ü' });
  });

  it('answers missing groups and streams, rejects old and new events, refuses wide spans', async () => {
    await unwrap(store.createLogGroup('g'));
    await unwrap(store.createLogStream('g', 's'));
    expect(await store.putLogEvents('x', 's', events(1))).toEqual({ ok: false, error: { kind: 'group-not-found' } });
    expect(await store.putLogEvents('g', 'x', events(1))).toEqual({ ok: false, error: { kind: 'stream-not-found' } });
    const mixed = await unwrap(store.putLogEvents('g', 's', [
      { timestamp: NOW - 15 * DAY, message: 'old' },
      { timestamp: NOW, message: 'kept' },
      { timestamp: NOW + 3 * 3_600_000, message: 'new' },
    ]));
    expect(mixed).toEqual({ stored: 1, firstSequence: 1, lastSequence: 1, rejected: { tooOldLogEventEndIndex: 1, tooNewLogEventStartIndex: 2 } });
    expect(await unwrap(store.putLogEvents('g', 's', [{ timestamp: NOW - 20 * DAY, message: 'old' }]))).toEqual({ stored: 0, rejected: { tooOldLogEventEndIndex: 1 } });
    expect(await store.putLogEvents('g', 's', [{ timestamp: NOW - 2 * DAY, message: 'a' }, { timestamp: NOW, message: 'b' }])).toEqual({ ok: false, error: { kind: 'span-too-long' } });
    await unwrap(store.putRetentionPolicy('g', 1));
    expect(await unwrap(store.putLogEvents('g', 's', [{ timestamp: NOW - 2 * DAY, message: 'a' }, { timestamp: NOW - 1, message: 'b' }]))).toEqual({ stored: 1, firstSequence: 2, lastSequence: 2, rejected: { expiredLogEventEndIndex: 1 } });
    expect((await store.readAfter(0, 10)).map((e) => e.message)).toEqual(['kept', 'b']);
  });

  it('gathers concurrent puts into fewer commits, each caller getting its own contiguous range', async () => {
    await unwrap(store.createLogGroup('g'));
    for (let s = 0; s < 20; s++) await unwrap(store.createLogStream('g', `s${s}`));
    const before = store.putCommits;
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => unwrap(store.putLogEvents('g', `s${i % 20}`, events(5, NOW - 10_000 + i, `c${i}-`)))),
    );
    const commits = store.putCommits - before;
    expect(commits).toBeLessThan(20);
    const ranges = results.map((r) => [r.firstSequence as number, r.lastSequence as number] as const).sort((a, b) => a[0] - b[0]);
    ranges.forEach(([first, last], i) => {
      expect(last - first).toBe(4);
      expect(first).toBe(i * 5 + 1);
    });
    const all = await store.readAfter(0, 10_000);
    expect(all).toHaveLength(1000);
    expect(all.map((e) => e.sequence)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    // Each caller's events are stored in its order under its own range.
    for (let i = 0; i < 200; i++) {
      const r = results[i] as { firstSequence: number };
      expect(all.slice(r.firstSequence - 1, r.firstSequence + 4).map((e) => e.message)).toEqual([0, 1, 2, 3, 4].map((k) => `c${i}-${k}`));
    }
  });

  it('wakes listeners after each commit, and reads after a sequence number by group', async () => {
    await unwrap(store.createLogGroup('a'));
    await unwrap(store.createLogGroup('b'));
    await unwrap(store.createLogStream('a', 's'));
    await unwrap(store.createLogStream('b', 's'));
    const seen: number[] = [];
    const stop = store.onAppend((seq) => seen.push(seq));
    await unwrap(store.putLogEvents('a', 's', events(2)));
    for (let i = 0; i < 5; i++) await unwrap(store.putLogEvents('b', 's', events(1000, NOW - 50_000)));
    await unwrap(store.putLogEvents('a', 's', events(2, NOW - 1000, 'late')));
    stop();
    await unwrap(store.putLogEvents('a', 's', events(1)));
    expect(seen).toEqual([2, 1002, 2002, 3002, 4002, 5002, 5004]);
    const fromA = await store.readAfter(0, 10, ['a']);
    expect(fromA.map((e) => e.sequence)).toEqual([1, 2, 5003, 5004, 5005]);
    expect((await store.readAfter(2, 3, ['a'])).map((e) => e.message)).toEqual(['late0', 'late1', 'm0']);
    expect((await store.readAfter(1000, 2)).map((e) => e.sequence)).toEqual([1001, 1002]);
    expect(await store.readAfter(5005, 10)).toEqual([]);
    expect(await store.readAfter(0, 10, ['none'])).toEqual([]);
  });

  it('pages GetLogEvents forward and backward in time order, within a byte budget', async () => {
    await unwrap(store.createLogGroup('g'));
    await unwrap(store.createLogStream('g', 's'));
    await unwrap(store.createLogStream('g', 'other'));
    // Two batches whose times interleave: time order is not sequence order.
    await unwrap(store.putLogEvents('g', 's', [0, 2, 4, 6, 8].map((t) => ({ timestamp: NOW + t, message: `t${t}` }))));
    await unwrap(store.putLogEvents('g', 'other', events(3)));
    await unwrap(store.putLogEvents('g', 's', [1, 3, 5, 7, 9].map((t) => ({ timestamp: NOW + t, message: `t${t}` }))));
    const page = async (q: Partial<Parameters<LogStore['getLogEvents']>[0]>) => (await unwrap(store.getLogEvents({ logGroup: 'g', logStream: 's', startFromHead: true, limit: 4, maxBytes: 1_048_576, ...q }))).map((e) => e.message);
    expect(await page({})).toEqual(['t0', 't1', 't2', 't3']);
    expect(await page({ startFromHead: false })).toEqual(['t6', 't7', 't8', 't9']);
    const head = await unwrap(store.getLogEvents({ logGroup: 'g', logStream: 's', startFromHead: true, limit: 4, maxBytes: 1_048_576 }));
    const last = head[3] as { timestamp: number; sequence: number };
    expect(await page({ from: { direction: 'forward', position: last } })).toEqual(['t4', 't5', 't6', 't7']);
    expect(await page({ from: { direction: 'backward', position: last } })).toEqual(['t0', 't1', 't2']);
    expect(await page({ startTime: NOW + 3, endTime: NOW + 6, limit: 10 })).toEqual(['t3', 't4', 't5']);
    // 26 bytes overhead + 2 bytes each: a budget of 84 holds three events.
    expect(await page({ limit: 10, maxBytes: 84 })).toEqual(['t0', 't1', 't2']);
    expect(await page({ limit: 10, maxBytes: 84, startFromHead: false })).toEqual(['t7', 't8', 't9']);
    expect(await page({ limit: 10, maxBytes: 1 })).toEqual(['t0']);
    expect(await store.getLogEvents({ logGroup: 'g', logStream: 'x', startFromHead: true, limit: 1, maxBytes: 1 })).toEqual({ ok: false, error: { kind: 'stream-not-found' } });
  });

  it('filters a group by pattern and streams, with resumable positions', async () => {
    await unwrap(store.createLogGroup('g'));
    for (const s of ['web-1', 'web-2', 'db-1']) await unwrap(store.createLogStream('g', s));
    await unwrap(store.putLogEvents('g', 'web-1', [{ timestamp: NOW, message: 'ERROR a' }, { timestamp: NOW + 2, message: 'INFO b' }]));
    await unwrap(store.putLogEvents('g', 'web-2', [{ timestamp: NOW + 1, message: 'ERROR c' }, { timestamp: NOW + 3, message: '{"level": 7}' }]));
    await unwrap(store.putLogEvents('g', 'db-1', [{ timestamp: NOW + 4, message: 'ERROR d' }]));
    const matcher = (p: string) => {
      const c = compileFilterPattern(p);
      if (!c.ok) throw new Error(c.error.message);
      return c.value;
    };
    const run = (q: Partial<Parameters<LogStore['filterLogEvents']>[0]>) => unwrap(store.filterLogEvents({ logGroup: 'g', descending: false, limit: 100, maxBytes: 1_048_576, maxScan: 100_000, ...q }));
    expect((await run({ matcher: matcher('ERROR') })).events.map((e) => e.message)).toEqual(['ERROR a', 'ERROR c', 'ERROR d']);
    expect((await run({ mustContain: ['ERROR'] })).events.map((e) => e.logStream)).toEqual(['web-1', 'web-2', 'db-1']);
    expect((await run({ matcher: matcher('{ $.level > 6 }') })).events.map((e) => e.message)).toEqual(['{"level": 7}']);
    expect((await run({ logStreamPrefix: 'web' })).events).toHaveLength(4);
    expect((await run({ logStreams: ['db-1', 'missing'] })).events.map((e) => e.message)).toEqual(['ERROR d']);
    expect((await run({ logStreams: ['missing'] })).events).toEqual([]);
    expect((await run({ descending: true, limit: 2 })).events.map((e) => e.timestamp)).toEqual([NOW + 4, NOW + 3]);
    // Both ends inclusive, as AWS documents FilterLogEvents (GetLogEvents' end is exclusive).
    expect((await run({ startTime: NOW + 1, endTime: NOW + 3 })).events.map((e) => e.timestamp)).toEqual([NOW + 1, NOW + 2, NOW + 3]);
    expect((await run({ startTime: NOW + 2, endTime: NOW + 2 })).events.map((e) => e.message)).toEqual(['INFO b']);
    // Paging by limit and by scan budget.
    const p1 = await run({ limit: 2 });
    expect(p1.events.map((e) => e.timestamp)).toEqual([NOW, NOW + 1]);
    const p2 = await run({ limit: 2, after: p1.next });
    expect(p2.events.map((e) => e.timestamp)).toEqual([NOW + 2, NOW + 3]);
    const p3 = await run({ limit: 2, after: p2.next });
    expect(p3.events.map((e) => e.timestamp)).toEqual([NOW + 4]);
    expect(p3.next).toBeUndefined();
    const scan = await run({ matcher: matcher('"ERROR d"'), maxScan: 2 });
    expect(scan.events).toEqual([]);
    expect(scan.next).toEqual({ timestamp: NOW + 1, sequence: 3 });
    expect((await run({ matcher: matcher('"ERROR d"'), after: scan.next })).events.map((e) => e.message)).toEqual(['ERROR d']);
    expect(await store.filterLogEvents({ logGroup: 'x', descending: false, limit: 1, maxBytes: 1, maxScan: 1 })).toEqual({ ok: false, error: { kind: 'group-not-found' } });
  });

  it('keeps at most two subscription filters per group; the same name updates', async () => {
    await unwrap(store.createLogGroup('g'));
    const a = await unwrap(store.putSubscriptionFilter('g', { name: 'a', pattern: '', destinationArn: 'arn:hidsmon:sink:embedded', distribution: 'ByLogStream' }));
    expect(a).toEqual({ logGroup: 'g', name: 'a', pattern: '', destinationArn: 'arn:hidsmon:sink:embedded', distribution: 'ByLogStream', creationTime: NOW });
    await unwrap(store.putSubscriptionFilter('g', { name: 'b', pattern: 'x', destinationArn: 'arn:hidsmon:sink:opensearch', roleArn: 'r', distribution: 'Random' }));
    expect(await store.putSubscriptionFilter('g', { name: 'c', pattern: '', destinationArn: 'd', distribution: 'ByLogStream' })).toEqual({ ok: false, error: { kind: 'filter-limit', limit: 2 } });
    clock += 5;
    await unwrap(store.putSubscriptionFilter('g', { name: 'a', pattern: 'ERROR', destinationArn: 'arn:hidsmon:sink:opensearch', distribution: 'ByLogStream' }));
    const filters = await unwrap(Promise.resolve(store.listSubscriptionFilters('g')));
    expect(filters.map((f) => [f.name, f.pattern, f.creationTime])).toEqual([['a', 'ERROR', NOW], ['b', 'x', NOW]]);
    expect(await store.deleteSubscriptionFilter('g', 'zz')).toEqual({ ok: false, error: { kind: 'filter-not-found' } });
    await unwrap(store.deleteSubscriptionFilter('g', 'b'));
    expect(store.listSubscriptionFilters().ok && (store.listSubscriptionFilters() as { value: unknown[] }).value).toHaveLength(1);
    expect(store.listSubscriptionFilters('nope')).toEqual({ ok: false, error: { kind: 'group-not-found' } });
  });

  it('expires events by each group retention and deletes groups and streams with their events', async () => {
    await unwrap(store.createLogGroup('short'));
    await unwrap(store.createLogGroup('forever'));
    for (const g of ['short', 'forever']) {
      await unwrap(store.createLogStream(g, 's'));
      await unwrap(store.putLogEvents(g, 's', [{ timestamp: NOW - 3 * DAY, message: 'old' }]));
      await unwrap(store.putLogEvents(g, 's', [{ timestamp: NOW - 1000, message: 'recent' }]));
    }
    await unwrap(store.putRetentionPolicy('short', 1));
    expect(await store.expireEvents(NOW, [])).toEqual({ deleted: 1, heldEvents: 0, waitingOn: [] });
    expect(await store.expireEvents(NOW, [])).toEqual({ deleted: 0, heldEvents: 0, waitingOn: [] });
    expect((await store.readAfter(0, 10)).map((e) => `${e.logGroup}:${e.message}`)).toEqual(['short:recent', 'forever:old', 'forever:recent']);
    expect(store.getLogStream('short', 's')).toMatchObject({ ok: true, value: { firstEventTimestamp: NOW - 1000, events: 1 } });
    await unwrap(store.putRetentionPolicy('short', undefined));
    expect(store.getLogGroup('short')?.retentionInDays).toBeUndefined();
    expect(await store.putRetentionPolicy('nope', 1)).toEqual({ ok: false, error: { kind: 'group-not-found' } });

    await unwrap(store.deleteLogStream('forever', 's'));
    expect(await store.deleteLogStream('forever', 's')).toEqual({ ok: false, error: { kind: 'stream-not-found' } });
    await unwrap(store.deleteLogGroup('short'));
    expect(await store.deleteLogGroup('short')).toEqual({ ok: false, error: { kind: 'group-not-found' } });
    expect(await store.readAfter(0, 10)).toEqual([]);
    expect(store.lastSequence()).toBe(4);
    const stats = await store.stats();
    expect(stats).toMatchObject({ groups: 1, streams: 0, events: 0, lastSequence: 4 });
  });

  it('keeps cursors and dead letters', async () => {
    expect(await store.getCursor('embedded')).toBeUndefined();
    await store.setCursor('embedded', 10);
    await store.setCursor('embedded', 12);
    expect(await store.getCursor('embedded')).toBe(12);
    const letter = { timeMs: NOW, destination: 'opensearch', reason: 'mapper_parsing_exception', logGroup: 'g', logStream: 's', eventId: cloudWatchEventId(NOW, 1), timestamp: NOW, message: 'm' };
    const ids = await store.addDeadLetters(Array.from({ length: 2500 }, (_, i) => ({ ...letter, message: `m${i}` })));
    expect(ids[0]).toBe(1);
    expect(ids[2499]).toBe(2500);
    await store.addDeadLetters([{ ...letter, destination: 'embedded' }]);
    expect(await store.countDeadLetters()).toBe(2501);
    expect(await store.countDeadLetters('embedded')).toBe(1);
    const page1 = await store.listDeadLetters({ limit: 2 });
    expect(page1).toEqual([{ id: 1, ...letter, message: 'm0' }, { id: 2, ...letter, message: 'm1' }]);
    const page2 = await store.listDeadLetters({ limit: 2, after: 2499 });
    expect(page2.map((l) => [l.id, l.destination])).toEqual([[2500, 'opensearch'], [2501, 'embedded']]);
    expect((await store.listDeadLetters({ limit: 5, destination: 'embedded' })).map((l) => l.id)).toEqual([2501]);
    expect(await store.removeDeadLetters([1, 2, 9999])).toBe(2);
    expect(await store.countDeadLetters()).toBe(2499);
  });

  it('refuses work once closed', async () => {
    await store.close();
    await expect(store.putLogEvents('g', 's', events(1))).rejects.toThrow('closed');
    await expect(store.readAfter(0, 1)).rejects.toThrow('closed');
    store = await LogStore.open({ path: ':memory:' });
  });
});

describe('LogStore on disk', () => {
  it('keeps everything across a reopen and never reuses sequence numbers', async () => {
    const path = join(tmp, 'log.duckdb');
    const now = () => NOW;
    let store = await LogStore.open({ path, now });
    await unwrap(store.createLogGroup('g', { tags: { a: 'b' } }));
    await unwrap(store.createLogGroup('doomed'));
    await unwrap(store.putRetentionPolicy('g', 7));
    await unwrap(store.createLogStream('g', 's'));
    await unwrap(store.createLogStream('doomed', 's'));
    await unwrap(store.putLogEvents('g', 's', events(3)));
    await unwrap(store.putLogEvents('doomed', 's', events(2)));
    await unwrap(store.putSubscriptionFilter('g', { name: 'f', pattern: '{ $.a = 1 }', destinationArn: 'arn:hidsmon:sink:embedded', distribution: 'ByLogStream' }));
    await store.setCursor('embedded', 3);
    await store.addDeadLetters([{ timeMs: NOW, destination: 'x', reason: 'r', logGroup: 'g', logStream: 's', eventId: '1', timestamp: NOW, message: 'm' }]);
    await unwrap(store.deleteLogGroup('doomed'));
    await store.close();

    store = await LogStore.open({ path, now });
    expect(store.lastSequence()).toBe(5);
    expect(store.getLogGroup('g')).toMatchObject({ retentionInDays: 7, tags: { a: 'b' }, storedBytes: 6 });
    expect(store.getLogGroup('doomed')).toBeUndefined();
    expect(store.getLogStream('g', 's')).toMatchObject({ ok: true, value: { events: 3, lastSequence: 3, firstEventTimestamp: NOW - 60_000 } });
    expect(store.listSubscriptionFilters('g')).toMatchObject({ ok: true, value: [{ name: 'f', pattern: '{ $.a = 1 }' }] });
    expect(await store.getCursor('embedded')).toBe(3);
    expect(await store.countDeadLetters()).toBe(1);
    expect((await store.readAfter(0, 10)).map((e) => e.message)).toEqual(['m0', 'm1', 'm2']);
    expect(await unwrap(store.putLogEvents('g', 's', events(1)))).toMatchObject({ firstSequence: 6 });
    expect((await store.addDeadLetters([{ timeMs: NOW, destination: 'x', reason: 'r', logGroup: 'g', logStream: 's', eventId: '1', timestamp: NOW, message: 'm' }]))[0]).toBe(2);
    // A new group does not take the id of the deleted one's streams in a way that confuses events.
    await unwrap(store.createLogGroup('new'));
    await unwrap(store.createLogStream('new', 's'));
    expect((await store.readAfter(0, 10, ['new']))).toEqual([]);
    await store.close();
  });
});
