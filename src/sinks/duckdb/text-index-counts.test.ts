/**
 * Counts kept between writes (text-index-counts.ts): a count asked again walks nothing; a write to
 * one of its days, a deletion, or another connection's commit (the writer's worker thread) makes it
 * count again, so that a kept count is never stale.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { indexedTexts, TextIndex, type TextIndexRow } from './text-index.js';
import { TextIndexCounts } from './text-index-counts.js';

const DAY_MS = 86_400_000;
const DAY0 = Date.UTC(2024, 2, 1);
const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-text-counts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function row(ts: number, fullLog: string): TextIndexRow {
  return { ts, day: Math.floor(ts / DAY_MS), level: 3, texts: indexedTexts(fullLog, JSON.stringify({ full_log: fullLog }), null) };
}

/** Rows of "alpha" on days 0..2, `n` a day. */
const rowsOfDays = (n: number): TextIndexRow[] => Array.from({ length: 3 * n }, (_, i) => row(DAY0 + (i % 3) * DAY_MS + 60_000 * i, `alpha n${i}`));

describe('TextIndexCounts', () => {
  it('keeps a count per expression and span, counts again after a write to one of its days, and never keeps the day being written', () => {
    const counts = new TextIndexCounts();
    const extent = { fromMs: DAY0, toMs: DAY0 + 3 * DAY_MS - 1 };
    const asked: Array<[number, number]> = [];
    const within = (span: { fromMs: number; toMs: number }): number => {
      asked.push([span.fromMs, span.toMs]);
      return 7;
    };
    const all = { fromMs: -(2 ** 42), toMs: 2 ** 42 };
    expect(counts.count('a', all, extent, within)).toBe(7);
    expect(counts.count('a', all, extent, within)).toBe(7);
    // The range cut to the extent: one walk, asked again from the kept count.
    expect(asked).toEqual([[extent.fromMs, extent.toMs]]);
    counts.count('b', all, extent, within);
    expect(asked).toHaveLength(2);
    // A write to day 2: every count over it walks again; day 2 (the newest written) is counted on its own from then on.
    counts.writing([DAY0 + 2 * DAY_MS + 5]);
    asked.length = 0;
    expect(counts.count('a', all, extent, within)).toBe(14);
    expect(asked).toEqual([
      [DAY0, DAY0 + 2 * DAY_MS - 1],
      [DAY0 + 2 * DAY_MS, extent.toMs],
    ]);
    asked.length = 0;
    counts.count('a', all, extent, within);
    expect(asked).toEqual([[DAY0 + 2 * DAY_MS, extent.toMs]]);
    // A write to day 0 (a backfill) drops the span over it, and leaves the newest day as it was.
    counts.writing([DAY0 + 10]);
    asked.length = 0;
    counts.count('a', all, extent, within);
    expect(asked).toEqual([
      [DAY0, DAY0 + 2 * DAY_MS - 1],
      [DAY0 + 2 * DAY_MS, extent.toMs],
    ]);
    // Outside the extent nothing is counted; an empty index counts nothing.
    asked.length = 0;
    expect(counts.count('a', { fromMs: 0, toMs: DAY0 - 1 }, extent, within)).toBe(0);
    expect(counts.count('a', all, null, within)).toBe(0);
    expect(asked).toEqual([]);
  });
});

describe('TextIndexCounts over a range that moves', () => {
  it('keeps the whole days inside a range apart from its partial days, so that a range moved on walks only its edges', () => {
    const counts = new TextIndexCounts();
    const extent = { fromMs: DAY0, toMs: DAY0 + 10 * DAY_MS - 1 };
    counts.writing([extent.toMs]); // day 9 is the day being written
    const asked: Array<[number, number]> = [];
    const within = (span: { fromMs: number; toMs: number }): number => {
      asked.push([span.fromMs, span.toMs]);
      return Math.round((span.toMs - span.fromMs + 1) / 60_000); // a match a minute
    };
    const hour = 3_600_000;
    // "The last 3 days" at 12:00 of day 5, then an hour later: days 3 and 4 are whole in both.
    const first = { fromMs: DAY0 + 2 * DAY_MS + 12 * hour, toMs: DAY0 + 5 * DAY_MS + 12 * hour - 1 };
    expect(counts.count('a', first, extent, within)).toBe(3 * 24 * 60);
    expect(asked).toEqual([
      [DAY0 + 3 * DAY_MS, DAY0 + 5 * DAY_MS - 1],
      [first.fromMs, DAY0 + 3 * DAY_MS - 1],
      [DAY0 + 5 * DAY_MS, first.toMs],
    ]);
    asked.length = 0;
    const later = { fromMs: first.fromMs + hour, toMs: first.toMs + hour };
    expect(counts.count('a', later, extent, within)).toBe(3 * 24 * 60);
    expect(asked).toEqual([
      [later.fromMs, DAY0 + 3 * DAY_MS - 1],
      [DAY0 + 5 * DAY_MS, later.toMs],
    ]);
    // The same range again walks nothing; a write to day 4 walks its whole days again.
    asked.length = 0;
    counts.count('a', later, extent, within);
    expect(asked).toEqual([]);
    counts.writing([DAY0 + 4 * DAY_MS + 5]);
    counts.count('a', later, extent, within);
    expect(asked).toEqual([[DAY0 + 3 * DAY_MS, DAY0 + 5 * DAY_MS - 1]]);
  });
});

describe('TextIndexCounts keep (a histogram\'s tallies)', () => {
  it('keeps an answer that adds up over spans, answers the day being written on each ask and joins it to the kept part', () => {
    const counts = new TextIndexCounts();
    const extent = { fromMs: DAY0, toMs: DAY0 + 3 * DAY_MS - 1 };
    const asked: Array<[number, number]> = [];
    // Per 2-day grain, as a tally: [grain, count of days in the span].
    const answer = (span: { fromMs: number; toMs: number }): Array<[number, number]> => {
      asked.push([span.fromMs, span.toMs]);
      const grains = new Map<number, number>();
      for (let day = Math.floor(span.fromMs / DAY_MS); day <= Math.floor(span.toMs / DAY_MS); day++) {
        const grain = Math.floor(day / 2) * 2 * DAY_MS;
        grains.set(grain, (grains.get(grain) ?? 0) + 1);
      }
      return [...grains];
    };
    const join = (a: Array<[number, number]>, b: Array<[number, number]>): Array<[number, number]> => {
      const sum = new Map(a);
      for (const [k, n] of b) sum.set(k, (sum.get(k) ?? 0) + n);
      return [...sum];
    };
    const how = { answer, join, none: [] as Array<[number, number]>, cells: (v: Array<[number, number]>) => v.length };
    const all = { fromMs: -(2 ** 42), toMs: 2 ** 42 };
    const whole = counts.keep('t', all, extent, how);
    expect(counts.keep('t', all, extent, how)).toBe(whole);
    expect(asked).toHaveLength(1);
    // A count of the same expression is another answer, kept apart.
    expect(counts.count('t', all, extent, () => 5)).toBe(5);
    expect(counts.keep('t', all, extent, how)).toBe(whole);
    // Day 1 written (the newest day written from then on): the kept part stops before it, that day
    // and what follows are answered on each ask, and the grain both parts share adds up.
    counts.writing([DAY0 + DAY_MS + 5]);
    asked.length = 0;
    const after = counts.keep('t', all, extent, how);
    const grain0 = Math.floor(DAY0 / DAY_MS / 2) * 2 * DAY_MS;
    expect(new Map(after)).toEqual(new Map(whole));
    expect(asked).toEqual([
      [DAY0, DAY0 + DAY_MS - 1],
      [DAY0 + DAY_MS, extent.toMs],
    ]);
    expect(new Map(after).get(grain0)).toBe(new Map(whole).get(grain0));
    asked.length = 0;
    counts.keep('t', all, extent, how);
    expect(asked).toEqual([[DAY0 + DAY_MS, extent.toMs]]);
    expect(counts.keep('t', all, null, how)).toEqual([]);
  });

  it('keeps no answer heavier than its bound, and drops the least recently asked past it', () => {
    const counts = new TextIndexCounts();
    const extent = { fromMs: DAY0, toMs: DAY0 + DAY_MS - 1 };
    let walks = 0;
    const how = (cells: number) => ({ answer: () => (walks++, cells), join: (a: number, b: number) => a + b, none: 0, cells: (v: number) => v });
    counts.keep('huge', extent, extent, how(10_000_000));
    counts.keep('huge', extent, extent, how(10_000_000));
    expect(walks).toBe(2);
    walks = 0;
    counts.keep('a', extent, extent, how(150_000));
    counts.keep('b', extent, extent, how(150_000)); // together past the bound: 'a' goes
    counts.keep('b', extent, extent, how(150_000));
    expect(walks).toBe(2);
    counts.keep('a', extent, extent, how(150_000));
    expect(walks).toBe(3);
  });
});

describe('TextIndex counts kept between writes', () => {
  it('answers a count asked again from the kept one, and the new count after a write, a deletion, or another connection\'s commit', () => {
    const path = join(tmp, 'kept.sqlite');
    const index = TextIndex.open(path);
    const other = TextIndex.open(path); // as the writer's worker thread: a connection of its own
    try {
      index.add(rowsOfDays(4));
      const all = index.count('alpha');
      expect(all).toBe(12);
      const day1 = { fromMs: DAY0 + DAY_MS, toMs: DAY0 + 2 * DAY_MS - 1 };
      expect(index.count('alpha', day1)).toBe(4);
      const before = index.keptCounts();
      expect(index.count('alpha')).toBe(12);
      expect(index.count('alpha', day1)).toBe(4);
      expect(index.keptCounts().hits - before.hits).toBe(2);
      // Its own write, to day 1.
      index.add([row(DAY0 + DAY_MS + 1_000, 'alpha again')]);
      expect(index.count('alpha')).toBe(13);
      expect(index.count('alpha', day1)).toBe(5);
      // Another connection's write, to day 0, and a new day before the extent.
      other.add([row(DAY0 + 2_000, 'alpha other'), row(DAY0 - DAY_MS, 'alpha earlier')]);
      expect(index.count('alpha')).toBe(15);
      expect(index.count('alpha', { fromMs: DAY0 - DAY_MS, toMs: DAY0 - 1 })).toBe(1);
      // A deletion of index days (its own, then the other connection's).
      index.deleteDays(Math.floor(DAY0 / DAY_MS) + 1, Math.floor(DAY0 / DAY_MS) + 2);
      expect(index.count('alpha', day1)).toBe(0);
      expect(index.count('alpha')).toBe(10);
      other.deleteDays(Math.floor(DAY0 / DAY_MS) - 1, Math.floor(DAY0 / DAY_MS) + 1);
      expect(index.count('alpha')).toBe(4);
      // Off: every count walks, and gives the same.
      index.keepCounts(false);
      expect(index.count('alpha')).toBe(4);
    } finally {
      other.close();
      index.close();
    }
  });

  it('answers a histogram asked again from the kept tally, and the new one after a write or another connection\'s commit', () => {
    const path = join(tmp, 'kept-tally.sqlite');
    const index = TextIndex.open(path);
    const other = TextIndex.open(path);
    try {
      index.add(rowsOfDays(4));
      const daily = index.grainLevelCounts('alpha', DAY_MS);
      expect(daily).toEqual([0, 1, 2].map((d) => [DAY0 + d * DAY_MS, 3, 4]));
      const before = index.keptCounts();
      expect(index.grainLevelCounts('alpha', DAY_MS)).toEqual(daily);
      expect(index.grainCounts('alpha', DAY_MS)).toEqual([0, 1, 2].map((d) => [DAY0 + d * DAY_MS, 4]));
      expect(index.grainCounts('alpha', DAY_MS)).toEqual([0, 1, 2].map((d) => [DAY0 + d * DAY_MS, 4]));
      // The stacked tally from the kept one, the plain one walked once then kept.
      expect(index.keptCounts().hits - before.hits).toBe(2);
      // Its own write, to day 1 at another level (its first match: levels go in order of first match); then the other connection's, to day 0.
      index.add([{ ...row(DAY0 + DAY_MS + 1_000, 'alpha again'), level: 9 }]);
      expect(index.grainLevelCounts('alpha', DAY_MS)).toEqual([[DAY0, 3, 4], [DAY0 + DAY_MS, 9, 1], [DAY0 + DAY_MS, 3, 4], [DAY0 + 2 * DAY_MS, 3, 4]]);
      other.add([{ ...row(DAY0 + 2_000, 'alpha other'), level: null }]);
      expect(index.grainLevelCounts('alpha', 3 * DAY_MS).reduce((n, [, , c]) => n + c, 0)).toBe(14);
      expect(index.grainLevelCounts('alpha', DAY_MS)[0]).toEqual([DAY0, 3, 4]);
      expect(index.grainLevelCounts('alpha', DAY_MS)[1]).toEqual([DAY0, null, 1]);
      index.deleteDays(Math.floor(DAY0 / DAY_MS), Math.floor(DAY0 / DAY_MS) + 1);
      expect(index.grainLevelCounts('alpha', DAY_MS)).toEqual([[DAY0 + DAY_MS, 9, 1], [DAY0 + DAY_MS, 3, 4], [DAY0 + 2 * DAY_MS, 3, 4]]);
      index.keepCounts(false);
      expect(index.grainLevelCounts('alpha', DAY_MS)).toEqual([[DAY0 + DAY_MS, 9, 1], [DAY0 + DAY_MS, 3, 4], [DAY0 + 2 * DAY_MS, 3, 4]]);
    } finally {
      other.close();
      index.close();
    }
  });
});
