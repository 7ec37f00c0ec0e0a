/**
 * The segment codec (text-segment.ts): every term's postings and positions read back as the rows
 * say, edge cases (no documents, empty and null texts, one document, more than 65,536 documents of
 * one millisecond, non-ASCII and prototype-named tokens), damaged bytes refused with
 * TEXT_SEGMENT_CORRUPT (a seeded fuzz loop), and the answers (count, countSharing, times, tallies)
 * equal to TextIndex's, FTS5 being the oracle, for the bench's and text-index-query.ts's
 * expressions over several time ranges.
 */
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cloudWatchEventId } from '../../core/ids.js';
import { FleetSimulator } from '../../simulate/fleet-simulator.js';
import { renderAlert } from '../../simulate/render.js';
import { documentFromLogEvent } from '../../transforms/to-document.js';
import { indexedTextsOf } from './index-analyzer.js';
import { encodeToken, indexedTexts, TEXT_INDEX_COLUMNS, TextIndex } from './text-index.js';
import { bytesSource, decodedPostings, encodeSegment, TextSegment, TextSegmentError, type ByteSource, type SegmentRow } from './text-segment.js';
import { POSITIONAL_COLUMNS } from './text-segment-postings.js';
import { randomFloats as random } from '../../simulate/random.js';
import { storeExpressions } from '../../testing/text-index-expressions.js';

const DAY_MS = 86_400_000;
const START = Date.UTC(2024, 2, 1);

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;

/** Raw words, encoded as the index encodes them: prototype names, non-ASCII (also beyond U+00F0 and the BMP), digits. */
const RAW = ['did', 'not', 'receive', 'identification', 'sshd', 'root', 'admin', '__proto__', 'constructor', 'tostring', 'hasownproperty', 'café', 'straße', 'ÿ', '日本', 'ΣΟΦΙΑ', '😀', 'wp-login.php', '10', 'a', 'x'];
const VOCAB = RAW.map(encodeToken);

/** Rows of random encoded tokens, as TextIndex.add gets them (null, '' and repeated tokens too). */
function randomRows(rnd: () => number, n: number, times: () => number): SegmentRow[] {
  const text = (): string | null => {
    const r = rnd();
    if (r < 0.1) return null;
    if (r < 0.15) return '';
    const len = 1 + Math.floor(rnd() * 9);
    return Array.from({ length: len }, () => pick(rnd, VOCAB)).join(' ');
  };
  const set = (): string | null => {
    const t = text();
    return t === null || t === '' ? t : [...new Set(t.split(' '))].join(' ');
  };
  return Array.from({ length: n }, () => ({ ts: times(), level: rnd() < 0.2 ? null : pick(rnd, [0, 3, 5, 7, 12, -1]), texts: [text(), text(), set(), set()] }));
}

/** The rows in the segment's order (by time, ties as given). */
const ordered = (rows: readonly SegmentRow[]): SegmentRow[] => rows.map((r, i) => [r, i] as const).sort((a, b) => a[0].ts - b[0].ts || a[1] - b[1]).map(([r]) => r);

/** What the rows say a term's postings in a column are: documents, and each one's positions. */
function expectedPostings(rows: readonly SegmentRow[], column: number): Map<string, Array<[number, number[]]>> {
  const out = new Map<string, Array<[number, number[]]>>();
  ordered(rows).forEach((row, doc) => {
    const t = row.texts[column];
    if (t === null || t === undefined || t === '') return;
    t.split(' ').forEach((term, position) => {
      let list = out.get(term);
      if (list === undefined) out.set(term, (list = []));
      const last = list[list.length - 1];
      if (last !== undefined && last[0] === doc) last[1].push(position);
      else list.push([doc, [position]]);
    });
  });
  return out;
}

function expectRoundTrip(rows: readonly SegmentRow[], segment: TextSegment): void {
  expect(segment.docCount).toBe(rows.length);
  for (let c = 0; c < TEXT_INDEX_COLUMNS.length; c++) {
    const expected = expectedPostings(rows, c);
    const positional = POSITIONAL_COLUMNS.includes(c);
    for (const [term, list] of expected) {
      const p = segment.postings(c, term, true);
      expect([...p.docs], `${c} ${term}`).toEqual(list.map(([d]) => d));
      expect(segment.docFrequency(c, term)).toBe(list.length);
      if (positional) {
        const got = [...p.docs].map((_, i) => [...(p.positions as Uint32Array).subarray((p.starts as Uint32Array)[i], (p.starts as Uint32Array)[i + 1])]);
        expect(got, `${c} ${term} positions`).toEqual(list.map(([, ps]) => ps));
      }
      expect([...segment.postings(c, term, false).docs]).toEqual(list.map(([d]) => d));
    }
    const terms = [...expected.keys()].sort();
    for (const prefix of ['', 'd', 'ro', '·5f', 'º', 'º0000', 'zz', terms[0] ?? 'a']) expect(segment.termsWithPrefix(c, prefix), `${c} ${prefix}*`).toEqual(terms.filter((t) => t.startsWith(prefix)));
    for (const absent of ['nothere', 'proto', '', 'd']) if (!expected.has(absent)) expect(segment.postings(c, absent, true).docs.length).toBe(0);
  }
}

const open = (rows: readonly SegmentRow[]): TextSegment => TextSegment.open(bytesSource(encodeSegment(rows)));

describe('text segment: encoding and reading back', () => {
  it("every term's postings and positions are what the rows say, in time order (ties as given)", () => {
    const rnd = random(1);
    for (const n of [1, 2, 7, 200, 3_000]) {
      const rows = randomRows(rnd, n, () => START + Math.floor(rnd() * 40) * 60_000);
      const segment = open(rows);
      expectRoundTrip(rows, segment);
      const times = ordered(rows).map((r) => r.ts);
      expect(segment.fromMs).toBe(times[0]);
      expect(segment.toMs).toBe(times[times.length - 1]);
      expect(() => segment.verify()).not.toThrow();
    }
  });

  it('many documents per term (several packed blocks, wide gaps) and long token runs read back', () => {
    const rnd = random(2);
    const rows: SegmentRow[] = Array.from({ length: 5_000 }, (_, i) => ({
      ts: START + i * 1_000 + (i % 7 === 0 ? 123_456_789 : 0),
      level: i % 3,
      texts: [
        Array.from({ length: i % 50 === 0 ? 300 : 5 }, (_, k) => (k % 3 === 0 ? 'common' : `t${Math.floor(rnd() * 400)}`)).join(' '),
        i % 1000 === 0 ? 'rare' : null,
        `u${i}`,
        null,
      ],
    }));
    const segment = open(rows);
    expectRoundTrip(rows, segment);
    expect(segment.count('full_log : "common"')).toBe(5_000);
  });

  it('no documents: opens, answers nothing', () => {
    const segment = open([]);
    expect(segment.docCount).toBe(0);
    expect(segment.count('full_log : "did"')).toBe(0);
    expect(segment.times('"did"', 'desc', 10)).toEqual([]);
    expect(segment.tally('"did"', 1000, undefined, true)).toEqual([]);
    expect(segment.postings(0, 'did', true).docs.length).toBe(0);
    expect(segment.termsWithPrefix(0, '')).toEqual([]);
  });

  it('empty and null texts hold no terms; one document', () => {
    const rows: SegmentRow[] = [{ ts: START, level: null, texts: ['', null, '', null] }];
    const segment = open(rows);
    expect(segment.docCount).toBe(1);
    for (let c = 0; c < 4; c++) expect(segment.termsWithPrefix(c, '')).toEqual([]);
    const one = open([{ ts: START, level: 4, texts: ['did not did', 'sshd', 'x', 'y'] }]);
    expect(one.postings(0, 'did', true)).toEqual({ docs: Uint32Array.of(0), starts: Uint32Array.of(0, 2), positions: Uint32Array.of(0, 2) });
    expect(one.count('full_log : "did not"')).toBe(1);
    expect(one.tally('"did"', 60_000, undefined, true)).toEqual([[START, new Map([[4, 1]])]]);
  });

  it('more than 65,536 documents of one millisecond (past the rowid sequence) are all kept, in order', () => {
    const n = 70_000;
    const rows: SegmentRow[] = Array.from({ length: n }, (_, i) => ({ ts: START, level: i % 2, texts: [i === n - 1 ? 'last one' : 'one', null, `id${i}`, null] }));
    const segment = open(rows);
    expect(segment.docCount).toBe(n);
    expect(segment.count('full_log : "one"')).toBe(n);
    expect(segment.count('full_log : "one"', { fromMs: START, toMs: START })).toBe(n);
    expect([...segment.postings(0, 'last', false).docs]).toEqual([n - 1]);
    expect([...segment.postings(2, 'id69999', false).docs]).toEqual([n - 1]);
    expect(segment.times('"one"', 'desc', 3)).toEqual([START, START, START]);
    expect(segment.tally('"one"', 1000, undefined, true)).toEqual([[START, new Map([[0, n / 2], [1, n / 2]])]]);
    expect(segment.countSharing('"one"', [START, START + 1], { fromMs: 0, toMs: START * 2 })).toEqual({ n, shared: n });
  });

  it('non-ASCII and prototype-named tokens are terms like any other (also unencoded, as FTS5 tokenizes them)', () => {
    const rows: SegmentRow[] = [
      { ts: START, level: null, texts: ['__proto__ constructor café 日本 😀 ÿ', 'toString', '__proto__', null] },
      { ts: START + 1, level: null, texts: [`${encodeToken('__proto__')} ${encodeToken('日本')}`, null, 'constructor', null] },
    ];
    const segment = open(rows);
    // FTS5's ascii tokenizer: `__proto__` is `proto`, upper case folded, non-ASCII kept as it is.
    expect([...segment.postings(0, 'proto', true).docs]).toEqual([0]);
    expect([...segment.postings(0, 'café', true).docs]).toEqual([0]);
    expect(segment.postings(0, '日本', true).positions).toEqual(Uint32Array.of(3));
    expect([...segment.postings(0, '😀', true).docs]).toEqual([0]);
    expect([...segment.postings(0, 'ÿ', true).docs]).toEqual([0]);
    expect([...segment.postings(1, 'tostring', true).docs]).toEqual([0]);
    expect([...segment.postings(0, encodeToken('__proto__'), true).docs]).toEqual([1]);
    expect(segment.termsWithPrefix(0, 'º')).toEqual([encodeToken('日本')]);
    expect(segment.termsWithPrefix(0, '')).toEqual(['café', 'constructor', 'proto', 'ÿ', '·5f·5fproto·5f·5f', 'º0065e5º00672c', '日本', '😀'].sort());
    expect(segment.postings(0, 'constructor', false).docs).toEqual(Uint32Array.of(0));
    expect(segment.postings(0, 'hasOwnProperty', false).docs.length).toBe(0);
  });

  it('the time range picks the documents (inclusive, ms truncated as rowids are)', () => {
    const rows: SegmentRow[] = [0, 1000, 1000, 2000, 5000].map((t, i) => ({ ts: START + t, level: i, texts: ['w', null, null, null] }));
    const segment = open(rows);
    const count = (fromMs: number, toMs: number): number => segment.count('full_log : "w"', { fromMs, toMs });
    expect(count(START, START + 5000)).toBe(5);
    expect(count(START + 1000, START + 1000)).toBe(2);
    expect(count(START + 1, START + 999)).toBe(0);
    expect(count(START + 1000.7, START + 2000.2)).toBe(3);
    expect(count(START + 6000, START + 9000)).toBe(0);
    expect(count(START + 3000, START + 1000)).toBe(0);
    expect(segment.times('full_log : "w"', 'asc', 2, { fromMs: START + 1, toMs: START + 9999 })).toEqual([START + 1000, START + 1000]);
    expect(segment.times('full_log : "w"', 'desc', 2)).toEqual([START + 5000, START + 2000]);
    expect(segment.times('full_log : "w"', 'desc', -1)).toHaveLength(5);
    expect(segment.times('full_log : "w"', 'desc', 0)).toEqual([]);
  });

  it('keeps the last matched expressions between answers unless keepMatches says no (text_count_cache false walks every answer)', () => {
    const rows: SegmentRow[] = [0, 1000, 2000].map((t, i) => ({ ts: START + t, level: i, texts: ['w v', null, null, null] }));
    const segment = open(rows);
    const match = '{full_log comment} : "w v"';
    expect(segment.count(match)).toBe(3);
    expect(segment.keptMatches()).toBe(1);
    segment.keepMatches = () => false;
    expect(segment.count(match)).toBe(3);
    expect(segment.times(match, 'desc', 1)).toEqual([START + 2000]);
    expect(segment.keptMatches()).toBe(0);
    segment.keepMatches = () => true;
    expect(segment.count(match)).toBe(3);
    expect(segment.keptMatches()).toBe(1);
  });

  it('segments sharing one DecodedPostings each read their own postings, and it keeps within its budget, least recently used out', () => {
    const rnd = random(7);
    const shared = decodedPostings(1 << 20, 10_000); // room for all: a term of one segment is there when another asks
    const rowsOf = [0, 1, 2].map(() => randomRows(rnd, 300, () => START + Math.floor(rnd() * 40) * 60_000));
    const segments = rowsOf.map((rows) => TextSegment.open(bytesSource(encodeSegment(rows)), shared));
    // Twice over, in turns: the second round reads what the first kept, each segment its own.
    for (let round = 0; round < 2; round++) {
      segments.forEach((segment, i) => expectRoundTrip(rowsOf[i] as SegmentRow[], segment));
      expect(shared.size).toBeGreaterThan(0);
    }
    const cache = decodedPostings(10, 2);
    const postings = (n: number) => ({ docs: Uint32Array.from({ length: n }, (_, k) => k) });
    cache.set('a', postings(4));
    cache.set('b', postings(4));
    expect(cache.get('a')).toBeDefined(); // a is now the most recently used
    cache.set('c', postings(4)); // past 10 values: b goes
    expect([cache.get('a') !== undefined, cache.get('b') !== undefined, cache.get('c') !== undefined]).toEqual([true, false, true]);
    cache.set('big', postings(11)); // alone past the budget: not kept, nothing dropped for it
    expect([cache.get('big'), cache.size]).toEqual([undefined, 8]);
    cache.set('__proto__', { docs: new Uint32Array(1), starts: Uint32Array.of(0, 1), positions: new Uint32Array(1) }); // 3 values
    expect(cache.get('__proto__')?.docs.length).toBe(1);
    expect(cache.size).toBeLessThanOrEqual(10);
  });

  it('more than 256 distinct levels (and fractions, negatives, none) are tallied each as it is', () => {
    const levels = [...Array.from({ length: 300 }, (_, i) => i - 20), 4.5, null];
    const rows: SegmentRow[] = levels.map((level, i) => ({ ts: START + i * 1_000, level, texts: ['w', null, null, null] }));
    const tally = open(rows).tally('full_log : "w"', DAY_MS, undefined, true);
    expect(tally).toEqual([[START, new Map(levels.map((level) => [level, 1]))]]);
  });

  it('times over more than 49 days (past 32-bit offsets) and before 1970 read back exactly', () => {
    const at = [-5_000, START, START + 2 ** 32 + 5, START + 2 ** 40 + 1];
    const rows: SegmentRow[] = at.map((ts) => ({ ts, level: null, texts: ['w', null, null, null] }));
    const segment = open(rows);
    expect(segment.times('full_log : "w"', 'asc', 10)).toEqual(at);
    expect(segment.count('full_log : "w"', { fromMs: START, toMs: START + 2 ** 32 + 5 })).toBe(2);
    expect(segment.count('full_log : "w"', { fromMs: -5_000, toMs: -5_000 })).toBe(1);
    expect(segment.tally('full_log : "w"', DAY_MS, { fromMs: START + 1, toMs: START + 2 ** 41 }, false)).toEqual([
      [Math.floor((START + 2 ** 32 + 5) / DAY_MS) * DAY_MS, new Map([[null, 1]])],
      [Math.floor((START + 2 ** 40 + 1) / DAY_MS) * DAY_MS, new Map([[null, 1]])],
    ]);
  });
});

/** Whether `fn` throws TEXT_SEGMENT_CORRUPT (true), throws nothing (false), or something else (fails). */
function corruptOrFine(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (e) {
    if (!(e instanceof TextSegmentError) || e.code !== 'TEXT_SEGMENT_CORRUPT') throw e;
    return true;
  }
}

/** Every read the segment offers, so that damaged bytes past the header are reached too. */
function exercise(segment: TextSegment): void {
  for (let c = 0; c < 4; c++) for (const term of segment.termsWithPrefix(c, '').slice(0, 200)) segment.postings(c, term, true);
  segment.count('full_log : "did"', { fromMs: START, toMs: START + 600_000 });
  segment.times('"did" OR "not"', 'desc', 5, { fromMs: START + 1, toMs: START + 10 * 60_000 });
  segment.tally('did OR not OR sshd', 60_000, { fromMs: START + 1, toMs: START + DAY_MS }, true);
}

describe('text segment: damaged bytes', () => {
  const rnd = random(3);
  const rows = randomRows(rnd, 300, () => START + Math.floor(rnd() * 40) * 60_000);
  const bytes = encodeSegment(rows);

  it('a truncated segment, at any length, is refused at open', () => {
    for (let length = 0; length < bytes.length; length += length < 200 ? 1 : 37) {
      expect(() => TextSegment.open(bytesSource(bytes.subarray(0, length))), `${length}`).toThrow(expect.objectContaining({ code: 'TEXT_SEGMENT_CORRUPT' }));
    }
  });

  it('another version, another magic, or a damaged header is refused at open', () => {
    for (const at of [0, 4, 5, 9, 13, 20]) {
      const copy = bytes.slice();
      copy[at] = (copy[at] as number) ^ 0x01;
      expect(() => TextSegment.open(bytesSource(copy)), `byte ${at}`).toThrow(expect.objectContaining({ code: 'TEXT_SEGMENT_CORRUPT' }));
    }
  });

  it('a header with a valid checksum that claims more documents than its regions hold is refused before allocating', () => {
    const same = encodeSegment(Array.from({ length: 200 }, () => ({ ts: START, level: 1, texts: ['a', null, null, null] })));
    // Preamble (13 bytes), then the header: file length (varint), body CRC (4), document count (varint 200: c8 01).
    const view = new DataView(same.buffer);
    const lengthBytes = (() => {
      let k = 13;
      while ((same[k] as number) >= 0x80) k++;
      return k + 1 - 13;
    })();
    const at = 13 + lengthBytes + 4;
    expect([same[at], same[at + 1]]).toEqual([0xc8, 0x01]);
    same[at] = 0xff;
    same[at + 1] = 0x7f; // 16,383 documents
    const headerLength = view.getUint32(5, true);
    view.setUint32(9, crc32(same.subarray(13, 13 + headerLength)), true);
    expect(() => TextSegment.open(bytesSource(same))).toThrow(expect.objectContaining({ code: 'TEXT_SEGMENT_CORRUPT', message: expect.stringContaining('document count') }));
  });

  it("the source's own errors (a file that cannot be read) are thrown as they are, not taken for corrupt", () => {
    const eio = Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    const failing = (at: number): ByteSource => ({
      size: bytes.length,
      read: (offset, length) => {
        if (offset >= at) throw eio;
        return bytes.subarray(offset, offset + length);
      },
    });
    expect(() => TextSegment.open(failing(0))).toThrow(eio);
    expect(() => TextSegment.open(failing(13))).toThrow(eio);
    const noSize: ByteSource = {
      get size(): number {
        throw eio;
      },
      read: () => new Uint8Array(0),
    };
    expect(() => TextSegment.open(noSize)).toThrow(eio);
    // Opened, then the file fails: the answer fails with the source's error too.
    let broken = false;
    const later = TextSegment.open({ size: bytes.length, read: (offset, length) => (broken ? failing(0) : bytesSource(bytes)).read(offset, length) });
    broken = true;
    expect(() => exercise(later)).toThrow(eio);
  });

  it('a source that reads short is corrupt, not a crash', () => {
    const segment = TextSegment.open(bytesSource(bytes));
    const short: ByteSource = { size: bytes.length, read: (offset, length) => (offset < 100 ? bytes.subarray(offset, offset + length) : bytes.subarray(offset, offset + length - 1)) };
    expect(corruptOrFine(() => exercise(TextSegment.open(short)))).toBe(true);
    expect(corruptOrFine(() => exercise(segment))).toBe(false);
  });

  it('random damage (seeded, bounded): every read either answers or throws TEXT_SEGMENT_CORRUPT, and verify() finds it', () => {
    const fuzz = random(4);
    let refusedAtOpen = 0;
    let refusedOnRead = 0;
    for (let round = 0; round < 400; round++) {
      const copy = bytes.slice();
      const flips = 1 + Math.floor(fuzz() * 4);
      for (let f = 0; f < flips; f++) {
        const at = Math.floor(fuzz() * copy.length);
        copy[at] = fuzz() < 0.5 ? (copy[at] as number) ^ (1 << Math.floor(fuzz() * 8)) : Math.floor(fuzz() * 256);
      }
      if (copy.every((b, i) => b === bytes[i])) continue;
      let segment: TextSegment;
      try {
        segment = TextSegment.open(bytesSource(copy));
      } catch (e) {
        expect(e).toMatchObject({ code: 'TEXT_SEGMENT_CORRUPT' });
        refusedAtOpen++;
        continue;
      }
      if (corruptOrFine(() => exercise(segment))) refusedOnRead++;
      expect(corruptOrFine(() => segment.verify())).toBe(true);
    }
    expect(refusedAtOpen).toBeGreaterThan(0);
    expect(refusedOnRead).toBeGreaterThan(0);
  });

  it('garbage after a valid preamble never crashes or loops (seeded)', () => {
    const fuzz = random(5);
    for (let round = 0; round < 300; round++) {
      const n = 13 + Math.floor(fuzz() * 400);
      const junk = Uint8Array.from({ length: n }, () => Math.floor(fuzz() * 256));
      junk.set([0x48, 0x53, 0x45, 0x47, 1], 0);
      expect(corruptOrFine(() => exercise(TextSegment.open(bytesSource(junk))))).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Against TextIndex (FTS5)

const WORDS = ['did', 'not', 'receive', 'identification', 'sshd', 'root', 'admin', 'constructor', '__proto__', 'toString', 'café', 'straße', '日本', 'wp-login.php', '10.0.0.1', 'password', 'failed', 'for'];
const COMMON = ['did', 'not', 'receive', 'identification', 'password', 'failed'];

/** Alerts' texts as the index gets them (indexedTexts of full_log, @message as JSON, rule.comment). */
function alertRows(rnd: () => number, n: number): SegmentRow[] {
  const word = (): string => (rnd() < 0.6 ? pick(rnd, COMMON) : pick(rnd, WORDS));
  const sentence = (): string => Array.from({ length: 1 + Math.floor(rnd() * 8) }, word).join(rnd() < 0.9 ? ' ' : '\n');
  return Array.from({ length: n }, () => {
    const fullLog = rnd() < 0.05 ? '' : sentence();
    const comment = rnd() < 0.3 ? undefined : sentence();
    const srcuser = rnd() < 0.5 ? word() : undefined;
    const message = JSON.stringify({ full_log: fullLog, rule: { comment }, srcuser });
    // Few distinct times over two days: ties, several grains, ranges through the middle of a second.
    const ts = START + Math.floor(rnd() * 60) * 47_000 * 60 + (rnd() < 0.3 ? 0 : Math.floor(rnd() * 5) * 1_000);
    return { ts, level: rnd() < 0.2 ? null : pick(rnd, [3, 5, 7, 12]), texts: indexedTexts(fullLog, message, comment) };
  });
}

/** The bench's expressions (bench/text-index.bench.ts ftsExpressions): a phrase, a word, a prefix. */
function benchExpressions(): string[] {
  const out: string[] = [];
  for (const [tokens, prefix] of [[['did', 'not', 'receive', 'identification'], false], [['identification'], false], [['ident'], true], [['pass'], true]] as const) {
    const body = `"${tokens.map(encodeToken).join(' ')}"${prefix ? ' *' : ''}`;
    const free = `(({full_log comment} : ${body}) NOT ((missing : ${body}) NOT (full_log : ${body}))) OR (extra : ${body})`;
    if (tokens.length > 1) out.push(`full_log : ${body}`, tokens.map((t) => `"${encodeToken(t)}"`).join(' AND '));
    else out.push(free, prefix ? body : free);
  }
  return out;
}

/** text-index-query.ts's expressions for a few queries (exact, verify, upper). */
function queryExpressions(): string[] {
  return storeExpressions(['password', '"failed password"', '"did not receive"', 'full_log:pass*', 'rule.comment:"did not"', '@message:root', 'password AND NOT root', '(failed OR did) AND sshd', 'café', '__proto__', 'constructor', '@message:ide*'], START);
}

/** Simulated alerts as the bench makes them (FleetSimulator, ossec-json, the store's document): their index texts. */
function simulatedRows(n: number): SegmentRow[] {
  const sim = new FleetSimulator({ hosts: 2, seed: 2024, ratePerSec: 2, startMs: START, scenarios: ['ssh-brute-force', 'port-scan'], attackShare: 0.2 });
  return Array.from({ length: n }, (_, i) => {
    const alert = sim.next();
    const doc = documentFromLogEvent({ eventId: cloudWatchEventId(alert.timeMs, i), timestampMs: alert.timeMs, message: renderAlert(alert, 'ossec-json'), owner: '123456789012', logGroup: 'hids-alerts-us-east-1', logStream: alert.host.instanceId }).document as Record<string, unknown>;
    const rule = doc['rule'] as Record<string, unknown> | undefined;
    const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    const level = rule?.['level'];
    return { ts: Date.parse(doc['@timestamp'] as string), level: typeof level === 'number' ? level : null, texts: indexedTextsOf(str(doc['full_log']), str(doc['@message']), str(rule?.['comment'])) };
  });
}

describe('text segment: the same answers as TextIndex (FTS5) for the same rows', () => {
  it("count, countSharing, times and tallies for the bench's and text-index-query.ts's expressions over several ranges", () => {
    const rnd = random(6);
    const rows = alertRows(rnd, 1_500);
    const index = TextIndex.open(':memory:');
    try {
      index.keepCounts(false);
      index.add(rows.map((r) => ({ ts: r.ts, day: Math.floor(r.ts / DAY_MS), level: r.level, texts: r.texts })));
      const segment = open(rows);
      const expressions = [...benchExpressions(), ...queryExpressions(), 'full_log : "did"', 'comment : "sshd"', 'extra : "root"'];
      const times = ordered(rows).map((r) => r.ts);
      const ranges = [
        undefined,
        { fromMs: times[0] as number, toMs: times[times.length - 1] as number },
        { fromMs: START - DAY_MS, toMs: START + 3 * DAY_MS },
        { fromMs: START + 3_600_000.5, toMs: START + 20 * 3_600_000 + 999.9 },
        { fromMs: times[100] as number, toMs: times[100] as number },
        { fromMs: START + 10 * DAY_MS, toMs: START + 11 * DAY_MS },
        { fromMs: START + DAY_MS, toMs: START },
      ];
      const sharing = [times[5] as number, times[700] as number, times[700] as number, (times[900] as number) + 1, times[1400] as number];
      let nonZero = 0;
      for (const e of expressions) {
        for (const range of ranges) {
          const label = `${e} ${JSON.stringify(range)}`;
          const n = index.count(e, range);
          if (n > 0) nonZero++;
          expect(segment.count(e, range), label).toBe(n);
          expect(segment.countSharing(e, sharing, range), label).toEqual(index.countSharing(e, sharing, range));
          for (const order of ['asc', 'desc'] as const) for (const limit of [1, 20, 5_000]) expect(segment.times(e, order, limit, range), `${label} ${order} ${limit}`).toEqual(index.times(e, order, limit, range));
          for (const grain of [60_000, 3_600_000, 7 * 3_600_000]) {
            const levels = segment.tally(e, grain, range, true).flatMap(([g, cells]) => [...cells].map(([level, k]) => [g, level, k]));
            expect(levels, `${label} levels ${grain}`).toEqual(index.grainLevelCounts(e, grain, range));
            const plain = segment.tally(e, grain, range, false).map(([g, cells]) => [g, cells.get(null) ?? 0]);
            expect(plain, `${label} grains ${grain}`).toEqual(index.grainCounts(e, grain, range));
          }
        }
      }
      expect(nonZero).toBeGreaterThan(expressions.length);
    } finally {
      index.close();
    }
  });

  it("simulated alerts (the bench's generator): the bench's expressions and a few queries' agree over ranges", () => {
    const rows = simulatedRows(3_000);
    const index = TextIndex.open(':memory:');
    try {
      index.keepCounts(false);
      index.add(rows.map((r) => ({ ts: r.ts, day: Math.floor(r.ts / DAY_MS), level: r.level, texts: r.texts })));
      const segment = open(rows);
      const times = ordered(rows).map((r) => r.ts);
      const mid = times[1_500] as number;
      const ranges = [undefined, { fromMs: times[0] as number, toMs: mid }, { fromMs: mid + 0.5, toMs: (times[2_900] as number) + 999 }];
      let nonZero = 0;
      for (const e of [...benchExpressions(), ...queryExpressions(), 'full_log : "sshd"', '"ssh" *']) {
        for (const range of ranges) {
          const label = `${e} ${JSON.stringify(range)}`;
          const n = index.count(e, range);
          if (n > 0) nonZero++;
          expect(segment.count(e, range), label).toBe(n);
          expect(segment.times(e, 'desc', 20, range), label).toEqual(index.times(e, 'desc', 20, range));
          expect(segment.times(e, 'asc', 20, range), label).toEqual(index.times(e, 'asc', 20, range));
          const levels = segment.tally(e, 600_000, range, true).flatMap(([g, cells]) => [...cells].map(([level, k]) => [g, level, k]));
          expect(levels, label).toEqual(index.grainLevelCounts(e, 600_000, range));
          expect(segment.countSharing(e, [mid, times[10] as number], range), label).toEqual(index.countSharing(e, [mid, times[10] as number], range));
        }
      }
      expect(nonZero).toBeGreaterThan(6);
    } finally {
      index.close();
    }
  });
});
