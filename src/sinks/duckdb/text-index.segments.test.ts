/**
 * The text index with closed days moved into segments (text-index.ts's compactDay): every answer
 * (count, countSharing, times, grain and level tallies) equal to the same rows' answers from FTS5
 * alone (the oracle) over random rows, ranges and grains, kept counts valid through a compaction,
 * late rows into a compacted day, deletion, refused compactions, what a crash leaves (files no
 * record names; a recorded file missing or corrupt), a reading connection beside a writing one
 * (the worker's) seeing each compaction whole, and the open segments bounded.
 */
import { existsSync, mkdtempSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeToken, indexedTexts, TextIndex, writeSegment, type TextIndexRow } from './text-index.js';
import { randomFloats as random } from '../../simulate/random.js';
import { storeExpressions } from '../../testing/text-index-expressions.js';

const DAY_MS = 86_400_000;
const DAY0 = Date.UTC(2024, 2, 1);
const D0 = DAY0 / DAY_MS;
const tmp = mkdtempSync(join(tmpdir(), 'hidsmon-text-segments-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(tmp, `index-${files++}.sqlite`);

const WORDS = ['did', 'not', 'receive', 'identification', 'sshd', 'root', 'admin', 'constructor', '__proto__', 'café', '日本', 'wp-login.php', 'x'];
const COMMON = ['did', 'not', 'receive', 'root'];
const q = (word: string): string => `"${encodeToken(word)}"`;
const phrase = (...words: string[]): string => `"${words.map(encodeToken).join(' ')}"`;

/**
 * `n` rows of index days D0 .. D0 + days - 1; a row's time is mostly within its index day, some a
 * little before or after it (an alert's time and its index day's `dedup_ts` differ), many share a
 * millisecond; levels random or none; texts as the store makes them (indexedTexts).
 */
function randomRows(next: () => number, n: number, days: number): TextIndexRow[] {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const words = (k: number): string => Array.from({ length: 1 + Math.floor(next() * k) }, () => (next() < 0.6 ? pick(COMMON) : pick(WORDS))).join(' ');
  return Array.from({ length: n }, () => {
    const day = D0 + Math.floor(next() * days);
    const edge = next();
    const ts = edge < 0.05 ? day * DAY_MS - 1 - Math.floor(next() * 3_600_000) : edge < 0.1 ? (day + 1) * DAY_MS + Math.floor(next() * 3_600_000) : day * DAY_MS + Math.floor(next() * 40) * 2_000_000;
    const fullLog = next() < 0.1 ? '' : words(7);
    const comment = next() < 0.3 ? null : words(3);
    const srcuser = next() < 0.5 ? pick(WORDS) : undefined;
    const message = JSON.stringify({ rule: { comment }, full_log: fullLog, ...(srcuser === undefined ? {} : { srcuser }) });
    const level = next() < 0.2 ? null : pick([0, 3, 5, 7, 12]);
    return { ts, day, level, texts: indexedTexts(fullLog, message, comment) };
  });
}

/** Expressions as text-index-query.ts and the bench write them (column filters, phrases, prefixes, AND/OR/NOT). */
const free = (body: string): string => `(({full_log comment} : ${body}) NOT ((missing : ${body}) NOT (full_log : ${body}))) OR (extra : ${body})`;
const EXPRESSIONS = [
  q('root'),
  `full_log : ${phrase('did', 'not', 'receive')}`,
  free(q('identification')),
  free(`${q('ro')} *`),
  `${q('ident')} *`,
  `${q('did')} AND ${q('root')}`,
  `${q('did')} NOT ${q('root')}`,
  `(${q('sshd')} OR ${q('admin')}) NOT comment : ${q('not')}`,
  `{full_log comment} : ${phrase('not', 'receive')}`,
  `extra : ${q('srcuser')}`,
  `missing : ${q('not')}`,
  `comment : ${q('did')} OR full_log : ${q('café')}`,
  q('__proto__'),
  q('absent'),
  ...queryExpressions(),
];

/** text-index-query.ts's expressions (exact, verify, upper) for queries over the rows' words, as the store asks them. */
function queryExpressions(): string[] {
  return storeExpressions(['root', '"did not receive"', 'full_log:rec*', 'rule.comment:"did not"', '@message:root', '@message:"not receive"', 'did AND NOT root', '(sshd OR admin) AND did', 'café', '__proto__', 'constructor', '@message:ide*'], DAY0);
}

type Range = { fromMs: number; toMs: number };

/** A tally by grain and level with the levels of a grain sorted: their order is the order the walk met them. */
const sortedLevels = (tally: Array<[number, number | null, number]>): Array<[number, number | null, number]> => [...tally].sort((a, b) => a[0] - b[0] || String(a[1]).localeCompare(String(b[1])));

/** Every answer of the index for the expressions over the ranges (levels within a grain sorted: their order is the walk's). */
function answers(index: TextIndex, ranges: readonly Range[], times: readonly number[]): unknown[] {
  const out: unknown[] = [];
  for (const match of EXPRESSIONS) {
    out.push(index.count(match));
    for (const range of ranges) {
      out.push(index.count(match, range));
      out.push(index.countSharing(match, times, range));
      for (const limit of [1, 7, 100, -1]) out.push(index.times(match, 'desc', limit, range), index.times(match, 'asc', limit, range));
      for (const grain of [60_000, 3_600_000, DAY_MS]) {
        out.push(index.grainCounts(match, grain, range));
        out.push(sortedLevels(index.grainLevelCounts(match, grain, range)));
      }
    }
  }
  return out;
}

function randomRanges(next: () => number, days: number, n: number): Range[] {
  const span = (days + 2) * DAY_MS;
  const ranges: Range[] = [{ fromMs: DAY0 - DAY_MS, toMs: DAY0 + (days + 1) * DAY_MS }, { fromMs: DAY0 + DAY_MS, toMs: DAY0 + 3 * DAY_MS - 1 }];
  for (let i = 0; i < n; i++) {
    const a = DAY0 - DAY_MS + Math.floor(next() * span);
    const b = a + Math.floor(next() * next() * span);
    ranges.push({ fromMs: a, toMs: b });
  }
  return ranges;
}

const rowsOfDay = (rows: readonly TextIndexRow[], day: number): TextIndexRow[] => rows.filter((r) => r.day === day);

/** The file descriptors this process holds open on files under `dir`. */
function fdsUnder(dir: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir)) n++;
    } catch {
      // closed meanwhile (the readdir's own descriptor)
    }
  }
  return n;
}

function codeOf(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return (e as { code?: unknown }).code;
  }
  return 'no error';
}

describe('TextIndex segments: answers', () => {
  for (const [seed, where] of [
    [1, 'file'],
    [2, 'file'],
    [3, 'memory'],
  ] as const) {
    it(`answers as FTS5 alone does once days are compacted (seed ${seed}, segments in ${where})`, () => {
      const next = random(seed);
      const days = 6;
      const rows = randomRows(next, 700, days);
      const ranges = randomRanges(next, days, 4);
      const times = [...new Set(rows.filter(() => next() < 0.05).map((r) => r.ts))];
      const oracle = TextIndex.open(':memory:');
      oracle.keepCounts(false);
      oracle.add(rows);
      const index = TextIndex.open(where === 'file' ? freshPath() : ':memory:', { segments: true });
      index.keepCounts(false);
      // In several batches, as the store writes.
      for (let i = 0; i < rows.length; i += 100) index.add(rows.slice(i, i + 100));
      const expected = answers(oracle, ranges, times);
      expect(answers(index, ranges, times)).toEqual(expected);
      expect(index.compactionCandidates(2)).toEqual([D0, D0 + 1, D0 + 2, D0 + 3]);
      for (const day of index.compactionCandidates(2)) {
        const { docs, bytes } = index.compactDay(day, rowsOfDay(rows, day));
        expect(docs).toBe(rowsOfDay(rows, day).length);
        expect(bytes).toBeGreaterThan(0);
      }
      expect([...index.segmentDays().keys()]).toEqual([D0, D0 + 1, D0 + 2, D0 + 3]);
      expect(index.compactionCandidates(2)).toEqual([]);
      // The rows moved, their count did not.
      expect(index.dayCounts()).toEqual(oracle.dayCounts());
      expect(answers(index, ranges, times)).toEqual(expected);
      // Every day compacted, FTS5 empty: still the same answers.
      for (const day of [D0 + 4, D0 + 5]) index.compactDay(day, rowsOfDay(rows, day));
      expect(answers(index, ranges, times)).toEqual(expected);
      oracle.close();
      index.close();
    }, 120_000);
  }

  it('keeps counts (and tallies) through a compaction: asked again, they are hits, and right', () => {
    const rows = randomRows(random(7), 300, 4);
    const index = TextIndex.open(freshPath(), { segments: true });
    index.add(rows);
    const range = { fromMs: DAY0, toMs: DAY0 + 2 * DAY_MS - 1 };
    const ask = (): unknown[] => EXPRESSIONS.map((m) => [index.count(m, range), sortedLevels(index.grainLevelCounts(m, 3_600_000, range))]);
    const before = ask();
    const kept = index.keptCounts();
    index.compactDay(D0, rowsOfDay(rows, D0));
    index.compactDay(D0 + 1, rowsOfDay(rows, D0 + 1));
    expect(ask()).toEqual(before);
    expect(index.keptCounts().hits - kept.hits).toBe(2 * EXPRESSIONS.length);
    // And walked again (nothing kept) at the segments, the same.
    index.keepCounts(false);
    expect(ask()).toEqual(before);
    index.close();
  });
});

describe('TextIndex segments: writes', () => {
  it('counts late rows into a compacted day once, and compacts the day again with them', () => {
    const path = freshPath();
    const rows = randomRows(random(11), 300, 4);
    const index = TextIndex.open(path, { segments: true });
    index.add(rows);
    index.compactDay(D0, rowsOfDay(rows, D0));
    const late: TextIndexRow[] = [
      { ts: DAY0 + 5_000, day: D0, level: 3, texts: [`${encodeToken('root')} late`, null, null, null] },
      { ts: DAY0 + 5_000, day: D0, level: null, texts: ['late', null, null, null] },
    ];
    index.add(late);
    const all = [...rows, ...late];
    const oracle = TextIndex.open(':memory:');
    oracle.add(all);
    const ranges = [{ fromMs: DAY0, toMs: DAY0 + DAY_MS - 1 }, { fromMs: DAY0 - DAY_MS, toMs: DAY0 + 5 * DAY_MS }];
    const check = (): void => {
      expect(index.count('late')).toBe(2);
      expect(index.count(q('root'))).toBe(oracle.count(q('root')));
      expect(answers(index, ranges, [DAY0 + 5_000])).toEqual(answers(oracle, ranges, [DAY0 + 5_000]));
      expect(index.dayCounts()).toEqual(oracle.dayCounts());
    };
    check();
    expect(index.compactionCandidates(2)).toEqual([D0, D0 + 1]);
    // Only the late rows: refused (the day's count is of all its rows).
    expect(codeOf(() => index.compactDay(D0, late))).toBe('TEXT_SEGMENT_COUNT_MISMATCH');
    const [oldFile] = readdirSync(`${path}.segments`);
    index.compactDay(D0, rowsOfDay(all, D0));
    expect(index.segmentDays().get(D0)?.docs).toBe(rowsOfDay(all, D0).length);
    // The old segment's file went with its record.
    expect(readdirSync(`${path}.segments`)).toHaveLength(1);
    expect(readdirSync(`${path}.segments`)).not.toContain(oldFile);
    check();
    oracle.close();
    index.close();
  });

  it('deletes a compacted day: its segment, its record and its file', () => {
    const path = freshPath();
    const rows = randomRows(random(12), 300, 4);
    const index = TextIndex.open(path, { segments: true });
    index.add(rows);
    index.compactDay(D0, rowsOfDay(rows, D0));
    index.compactDay(D0 + 1, rowsOfDay(rows, D0 + 1));
    expect(readdirSync(`${path}.segments`)).toHaveLength(2);
    const oracle = TextIndex.open(':memory:');
    oracle.add(rows);
    const range = [{ fromMs: DAY0 - DAY_MS, toMs: DAY0 + 5 * DAY_MS }];
    // Open its segment first: deletion closes it too.
    expect(index.count(q('root'))).toBe(oracle.count(q('root')));
    expect(index.deleteDays(D0, D0 + 1)).toBe(oracle.deleteDays(D0, D0 + 1));
    expect([...index.segmentDays().keys()]).toEqual([D0 + 1]);
    expect(readdirSync(`${path}.segments`)).toHaveLength(1);
    expect(index.dayCounts()).toEqual(oracle.dayCounts());
    expect(answers(index, range, [])).toEqual(answers(oracle, range, []));
    // The segment and FTS5's rows of a range of days at once.
    index.add([{ ts: DAY0 + DAY_MS + 1, day: D0 + 1, level: 1, texts: ['late', null, null, null] }]);
    oracle.add([{ ts: DAY0 + DAY_MS + 1, day: D0 + 1, level: 1, texts: ['late', null, null, null] }]);
    expect(index.deleteDays(D0, D0 + 3)).toBe(oracle.deleteDays(D0, D0 + 3));
    expect(index.segmentDays().size).toBe(0);
    expect(readdirSync(`${path}.segments`)).toHaveLength(0);
    expect(answers(index, range, [])).toEqual(answers(oracle, range, []));
    expect(index.openSegments()).toBe(0);
    oracle.close();
    index.close();
  });

  it('refuses a compaction whose rows are not the day\'s, and changes nothing', () => {
    const path = freshPath();
    const rows = randomRows(random(13), 200, 3);
    const index = TextIndex.open(path, { segments: true });
    index.add(rows);
    const before = [index.dayCounts(), index.count(q('root')), index.times(q('root'), 'desc', 5)];
    const day = rowsOfDay(rows, D0);
    expect(codeOf(() => index.compactDay(D0, day.slice(1)))).toBe('TEXT_SEGMENT_COUNT_MISMATCH');
    expect(codeOf(() => index.compactDay(D0, [...day.slice(1), { ...(rows.find((r) => r.day === D0 + 1) as TextIndexRow) }]))).toBe('TEXT_SEGMENT_COUNT_MISMATCH');
    expect(codeOf(() => index.compactDay(D0 + 9, day))).toBe('TEXT_SEGMENT_COUNT_MISMATCH');
    expect([index.dayCounts(), index.count(q('root')), index.times(q('root'), 'desc', 5)]).toEqual(before);
    expect(index.segmentDays().size).toBe(0);
    expect(existsSync(`${path}.segments`) ? readdirSync(`${path}.segments`) : []).toEqual([]);
    // A day with no rows: nothing to do.
    expect(index.compactDay(D0 + 9, [])).toEqual({ docs: 0, bytes: 0 });
    index.close();
  });

  it('records a segment written apart (writeSegment, off the writer\'s thread), or refuses it and removes its file', () => {
    const path = freshPath();
    const rows = randomRows(random(15), 300, 4);
    const index = TextIndex.open(path, { segments: true });
    index.add(rows);
    const oracle = TextIndex.open(':memory:');
    oracle.add(rows);
    const prepared = writeSegment(path, D0, rowsOfDay(rows, D0));
    expect(prepared.docs).toBe(rowsOfDay(rows, D0).length);
    // A late row after the segment was written: the day no longer counts its documents.
    index.add([{ ts: DAY0 + 1, day: D0, level: null, texts: ['late', null, null, null] }]);
    oracle.add([{ ts: DAY0 + 1, day: D0, level: null, texts: ['late', null, null, null] }]);
    expect(codeOf(() => index.commitSegment(prepared))).toBe('TEXT_SEGMENT_COUNT_MISMATCH');
    expect(readdirSync(`${path}.segments`)).toEqual([]);
    const again = writeSegment(path, D0, rowsOfDay([...rows, { ts: DAY0 + 1, day: D0, level: null, texts: ['late', null, null, null] }], D0));
    expect(index.commitSegment(again)).toEqual({ docs: again.docs, bytes: again.bytes });
    expect(readdirSync(`${path}.segments`)).toEqual([again.file]);
    expect(EXPRESSIONS.map((m) => index.count(m))).toEqual(EXPRESSIONS.map((m) => oracle.count(m)));
    expect(index.count('late')).toBe(1);
    oracle.close();
    index.close();
  });

  it('is off by default: no segments table, and compactDay refuses', () => {
    const path = freshPath();
    const index = TextIndex.open(path);
    index.add([{ ts: DAY0, day: D0, level: null, texts: ['a', null, null, null] }]);
    expect(codeOf(() => index.compactDay(D0, [{ ts: DAY0, day: D0, level: null, texts: ['a', null, null, null] }]))).toBe('TEXT_SEGMENTS_OFF');
    expect(index.segmentDays().size).toBe(0);
    expect(index.compactionCandidates(2)).toEqual([]);
    index.close();
  });

  it('answers with the segments of a file opened without the option (they are never left out)', () => {
    const path = freshPath();
    const rows = randomRows(random(14), 200, 3);
    const writer = TextIndex.open(path, { segments: true });
    writer.add(rows);
    writer.compactDay(D0, rowsOfDay(rows, D0));
    writer.close();
    const reader = TextIndex.open(path);
    const oracle = TextIndex.open(':memory:');
    oracle.add(rows);
    expect(EXPRESSIONS.map((m) => reader.count(m))).toEqual(EXPRESSIONS.map((m) => oracle.count(m)));
    expect(codeOf(() => reader.compactDay(D0 + 1, rowsOfDay(rows, D0 + 1)))).toBe('TEXT_SEGMENTS_OFF');
    reader.close();
    oracle.close();
  });
});

describe('TextIndex segments: the file shrinks', () => {
  const bytes = (path: string): number => [path, `${path}-wal`].reduce((n, p) => n + (existsSync(p) ? statSync(p).size : 0), 0);
  const many = (seed: number): TextIndexRow[] => randomRows(random(seed), 6_000, 8).map((r, i) => ({ ...r, texts: [`${r.texts[0] ?? ''} u${i} v${i % 97}`, ...r.texts.slice(1)] }));

  it('gives FTS5\'s freed pages back once the closed days are compacted (a file made with segments)', () => {
    const path = freshPath();
    const rows = many(41);
    const index = TextIndex.open(path, { segments: true });
    for (let i = 0; i < rows.length; i += 500) index.add(rows.slice(i, i + 500));
    index.close();
    const before = bytes(path);
    const compacting = TextIndex.open(path, { segments: true });
    for (const day of compacting.compactionCandidates(2)) compacting.compactDay(day, rowsOfDay(rows, day));
    // Compactions alone give nothing back: the deleted rows stay as tombstones till the reclaim.
    expect(bytes(path)).toBeGreaterThan(before * 0.9);
    let steps = 0;
    while (!compacting.reclaimStep(0)) steps++;
    expect(steps).toBeGreaterThan(0); // a budget of 0 ms: one merge a step, so more than one step
    compacting.close();
    // 6 of 8 days moved out: the file keeps about the two days left (and the pages FTS5 keeps for them).
    expect(bytes(path)).toBeLessThan(before * 0.5);
    const oracle = TextIndex.open(':memory:');
    oracle.add(rows);
    const reopened = TextIndex.open(path, { segments: true });
    expect(EXPRESSIONS.map((m) => reopened.count(m))).toEqual(EXPRESSIONS.map((m) => oracle.count(m)));
    reopened.close();
    oracle.close();
  });

  it('gives them back in a file made without segments, a reader beside it, and answers the same', () => {
    const path = freshPath();
    const rows = many(42);
    const plain = TextIndex.open(path);
    for (let i = 0; i < rows.length; i += 500) plain.add(rows.slice(i, i + 500));
    plain.close();
    const before = bytes(path);
    const index = TextIndex.open(path, { segments: true });
    const reader = TextIndex.open(path, { segments: true });
    expect(reader.count(q('root'))).toBeGreaterThan(0); // a reader beside the vacuum
    for (const day of index.compactionCandidates(2)) index.compactDay(day, rowsOfDay(rows, day));
    index.reclaimPages();
    index.close();
    expect(bytes(path)).toBeLessThan(before * 0.5);
    const oracle = TextIndex.open(':memory:');
    oracle.add(rows);
    expect(EXPRESSIONS.map((m) => reader.count(m))).toEqual(EXPRESSIONS.map((m) => oracle.count(m)));
    reader.close();
    oracle.close();
  });
});

describe('TextIndex segments: after a crash', () => {
  function compacted(seed: number): { path: string; rows: TextIndexRow[] } {
    const path = freshPath();
    const rows = randomRows(random(seed), 300, 4);
    const index = TextIndex.open(path, { segments: true });
    index.add(rows);
    index.compactDay(D0, rowsOfDay(rows, D0));
    index.compactDay(D0 + 1, rowsOfDay(rows, D0 + 1));
    index.close();
    return { path, rows };
  }

  it('removes at open the files no record names (a compaction or deletion that died midway)', () => {
    const { path, rows } = compacted(21);
    const dir = `${path}.segments`;
    const recorded = readdirSync(dir).sort();
    writeFileSync(join(dir, 'd19785-0123456789ab.seg.tmp'), 'half written');
    writeFileSync(join(dir, 'd19785-ba9876543210.seg'), 'written, never recorded');
    const index = TextIndex.open(path, { segments: true });
    expect(readdirSync(dir).sort()).toEqual(recorded);
    const oracle = TextIndex.open(':memory:');
    oracle.add(rows);
    expect(index.dayCounts()).toEqual(oracle.dayCounts());
    expect(EXPRESSIONS.map((m) => index.count(m))).toEqual(EXPRESSIONS.map((m) => oracle.count(m)));
    index.close();
    oracle.close();
  });

  for (const damage of ['missing', 'corrupt'] as const) {
    it(`drops at open a recorded segment whose file is ${damage}, so that its day's count differs and catch-up rebuilds it`, () => {
      const { path, rows } = compacted(damage === 'missing' ? 22 : 23);
      const dir = `${path}.segments`;
      const file = readdirSync(dir).find((f) => f.startsWith(`d${D0}-`)) as string;
      if (damage === 'missing') rmSync(join(dir, file));
      else writeFileSync(join(dir, file), Buffer.alloc(300, 7));
      const index = TextIndex.open(path, { segments: true });
      expect([...index.segmentDays().keys()]).toEqual([D0 + 1]);
      // Day 0 lost its rows (the store's daysOutOfStep sees it differ from DuckDB's count), the others are as counted.
      const counts = index.dayCounts();
      expect(counts.has(D0)).toBe(false);
      expect(counts.get(D0 + 1)).toBe(rowsOfDay(rows, D0 + 1).length);
      expect(readdirSync(dir)).toHaveLength(1);
      // Rebuilt as the store does (delete the day, add its rows): the answers are right again.
      index.deleteDays(D0, D0 + 1);
      index.add(rowsOfDay(rows, D0));
      const oracle = TextIndex.open(':memory:');
      oracle.add(rows);
      expect(EXPRESSIONS.map((m) => index.count(m))).toEqual(EXPRESSIONS.map((m) => oracle.count(m)));
      expect(index.dayCounts()).toEqual(oracle.dayCounts());
      index.close();
      oracle.close();
    });
  }
});

describe('TextIndex segments: connections and files', () => {
  it('a reading connection beside the writing one sees the answers unchanged across compactions and deletion', () => {
    const path = freshPath();
    const rows = randomRows(random(31), 400, 5);
    const writer = TextIndex.open(path, { segments: true });
    const reader = TextIndex.open(path, { segments: true });
    writer.add(rows);
    const range = [{ fromMs: DAY0 - DAY_MS, toMs: DAY0 + 6 * DAY_MS }, { fromMs: DAY0 + DAY_MS / 2, toMs: DAY0 + 2 * DAY_MS }];
    const expected = answers(reader, range, []);
    for (const day of writer.compactionCandidates(2)) {
      writer.compactDay(day, rowsOfDay(rows, day));
      expect(answers(reader, range, [])).toEqual(expected);
    }
    expect(reader.segmentDays().size).toBe(3);
    // The writer deletes a day whose segment the reader has open: the reader closes it at its next answer.
    writer.deleteDays(D0, D0 + 1);
    const oracle = TextIndex.open(':memory:');
    oracle.add(rows.filter((r) => r.day !== D0));
    expect(answers(reader, range, [])).toEqual(answers(oracle, range, []));
    // The reader's segments of days 1 and 2 (the writer reads none).
    expect(fdsUnder(`${path}.segments`)).toBe(2);
    oracle.close();
    writer.close();
    reader.close();
    expect(fdsUnder(`${path}.segments`)).toBe(0);
  });

  it('a reader answering while a writer thread compacts days never counts a row twice or misses one', async () => {
    const path = freshPath();
    const days = 12;
    const rows = randomRows(random(32), 1_200, days);
    const setup = TextIndex.open(path, { segments: true });
    setup.add(rows);
    setup.close();
    const reader = TextIndex.open(path, { segments: true });
    reader.keepCounts(false);
    const match = free(q('root'));
    const expected = reader.count(match);
    const worker = new Worker(new URL('../../testing/text-index-compactor-child.ts', import.meta.url), {
      workerData: { path, days: Array.from({ length: days }, (_, i) => ({ day: D0 + i, rows: rowsOfDay(rows, D0 + i) })) },
      execArgv: ['--import', 'tsx'],
    });
    const done = new Promise<string>((resolve, reject) => {
      worker.on('message', (m: string) => resolve(m));
      worker.on('error', reject);
    });
    let finished = false;
    void done.then(() => (finished = true), () => (finished = true));
    const seen = new Set<number>();
    let answersRead = 0;
    // Bounded in time and count; each round a synchronous burst (the worker runs meanwhile), then a turn of the event loop.
    const deadline = Date.now() + 60_000;
    while (!finished && Date.now() < deadline && answersRead < 200_000) {
      for (let i = 0; i < 50; i++) {
        seen.add(reader.count(match));
        answersRead++;
      }
      await new Promise((r) => setImmediate(r));
    }
    expect(await done).toBe('done');
    await worker.terminate();
    expect(reader.segmentDays().size).toBe(days);
    expect([...seen]).toEqual([expected]);
    expect(reader.count(match)).toBe(expected);
    reader.close();
  }, 90_000);

  it('a segment file gone under a reader: an open one still answers, one not open throws TEXT_SEGMENT_GONE (reading again a bounded number of times)', () => {
    const path = freshPath();
    const rows = randomRows(random(34), 300, 4);
    const index = TextIndex.open(path, { segments: true });
    index.add(rows);
    index.compactDay(D0, rowsOfDay(rows, D0));
    index.compactDay(D0 + 1, rowsOfDay(rows, D0 + 1));
    const day0 = { fromMs: DAY0, toMs: DAY0 + DAY_MS - 1 };
    index.keepCounts(false);
    const n = index.count(q('root'), day0); // opens day 0's segment (and day 1's: its rows' times reach into day 0)
    const day1Only = { fromMs: DAY0 + DAY_MS + 3_600_000, toMs: DAY0 + 2 * DAY_MS - 1 };
    for (const file of readdirSync(`${path}.segments`)) rmSync(join(`${path}.segments`, file));
    expect(index.count(q('root'), day0)).toBe(n);
    const reader = TextIndex.open(path, { segments: false });
    expect(codeOf(() => reader.count(q('root'), day1Only))).toBe('TEXT_SEGMENT_GONE');
    reader.close();
    index.close();
  });

  it('keeps at most maxOpenSegments open, and closes them all at close', () => {
    const path = freshPath();
    const rows = randomRows(random(33), 500, 7);
    const index = TextIndex.open(path, { segments: true, maxOpenSegments: 2 });
    index.add(rows);
    for (const day of index.compactionCandidates(2)) index.compactDay(day, rowsOfDay(rows, day));
    expect(index.segmentDays().size).toBe(5);
    const oracle = TextIndex.open(':memory:');
    oracle.add(rows);
    const range = [{ fromMs: DAY0 - DAY_MS, toMs: DAY0 + 8 * DAY_MS }];
    expect(answers(index, range, [])).toEqual(answers(oracle, range, []));
    expect(index.openSegments()).toBe(2);
    expect(fdsUnder(`${path}.segments`)).toBe(2);
    index.close();
    expect(fdsUnder(`${path}.segments`)).toBe(0);
    oracle.close();
  });
});
