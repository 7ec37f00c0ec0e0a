/**
 * @module A closed day of the text index as an immutable segment (Lucene-like, our own codec):
 * `encodeSegment` writes a day's rows as bytes; `TextSegment` reads them through a ByteSource (a
 * buffer, or a file read at offsets), gives the matcher its postings (PostingsReader) and answers
 * what TextIndex answers (count, countSharing, times, tallies) over a time range, with its
 * semantics. Pure: no I/O but the byte source's reads.
 *
 * Layout (little-endian; varints are LEB128 of non-negative integers below 2^53):
 *
 *   preamble  "HSEG" · version u8 · header length u32 · header CRC-32 u32
 *   header    file length, body CRC-32 (every byte after the header; `verify`), doc count,
 *             first and last time (f64), the time step (gcd of the gaps), the times and levels
 *             regions (length, CRC-32), the level dictionary, then per column: term count,
 *             tokens, the dictionary, postings and positions regions' lengths, and the sparse
 *             dictionary index (per block of BLOCK_TERMS terms: its first term, its length, its
 *             postings and positions bases, its CRC-32)
 *   times     the gaps between consecutive documents' times over the step, packed
 *   levels    each document's level as an index into the level dictionary, packed
 *   per column, in TEXT_INDEX_COLUMNS order:
 *     dictionary  blocks of terms, front-coded (a block's first term is in the sparse index),
 *                 each with its document frequency and where its postings are; a term of one
 *                 document holds that document (and its positions) inline
 *     postings    per term, the gaps between its documents (minus one), packed
 *     positions   per term (positional columns only): each document's number of positions
 *                 (minus one), packed, then the gaps between positions within a document, packed
 *
 * "Packed" is blocks of PACK values, each block a width byte and its values in that many bits (a
 * term in every document costs a byte per 128 of them). Opening reads the preamble, the header
 * and its sparse index only; a dictionary block, a term's postings, the times and the levels are
 * read when first needed. Every read is bounds-checked and every decoded value range-checked, so
 * that bytes that are not a segment (truncated, damaged, hostile) throw TextSegmentError with
 * code TEXT_SEGMENT_CORRUPT, never a crash, a hang or a huge allocation.
 */
import { Buffer } from 'node:buffer';
import { crc32 } from 'node:zlib';
import { TEXT_INDEX_COLUMNS } from './text-index-columns.js';
import { POSITIONAL_COLUMNS, type Postings, type PostingsReader } from './text-segment-postings.js';
import { matchingDocCount, matchingDocs, matchingDocsAtMost } from './text-segment-match.js';
import { BoundedLru } from '../../core/bounded-lru.js';

/** A row of a segment: its time (ms), its `rule.level` (null: none), its texts in TEXT_INDEX_COLUMNS order. */
export interface SegmentRow {
  ts: number;
  level: number | null;
  /** Encoded tokens, one space between (what TextIndex.add gets); null or '' for none. */
  texts: ReadonlyArray<string | null>;
}

/** Where a segment's bytes are: a buffer, or a file read at offsets (pread). */
export interface ByteSource {
  readonly size: number;
  /** `length` bytes from `offset` (fewer only past the end). */
  read(offset: number, length: number): Uint8Array;
}

/** An error of the byte source itself while opening, told apart from the bytes' (TextSegment.open). */
class SourceFailure {
  constructor(readonly cause: unknown) {}
}

function readSource(source: ByteSource, offset: number, length: number): Uint8Array {
  try {
    return source.read(offset, length);
  } catch (e) {
    throw new SourceFailure(e);
  }
}

/** A segment's bytes held in memory. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: (offset, length) => bytes.subarray(offset, offset + length),
  };
}

/** How many values a term's decoded postings hold: its documents, and its positions twice (their starts beside them). */
const valuesOf = (p: Postings): number => p.docs.length + (p.positions?.length ?? 0) * 2;
/** Each TextSegment's key in a DecodedPostings shared by several. */
let nextSegmentKey = 0;

/**
 * Decoded postings kept between answers (BoundedLru, weighed in values: valuesOf): a phrase's
 * tokens, asked first without positions and then with them, and a search's count and page, decode
 * each term once. A segment opened alone keeps its own; the text index shares one among its
 * segments, so that the budget is the index's, not a day's: at 10,000,000 alerts a phrase's four
 * tokens took ~500,000 values in each day, just past a day's own budget, and every count decoded
 * them again (~75 ms a count where ~30 ms walk them). Keys: segment, column and term.
 */
export type DecodedPostings = BoundedLru<Postings>;
export const decodedPostings = (maxValues: number, maxTerms: number): DecodedPostings => new BoundedLru(maxValues, maxTerms, valuesOf);

/** Errors of a segment, with stable codes. */
export class TextSegmentError extends Error {
  constructor(
    readonly code: 'TEXT_SEGMENT_CORRUPT',
    message: string,
  ) {
    super(message);
    this.name = 'TextSegmentError';
  }
}

const corrupt = (what: string): TextSegmentError => new TextSegmentError('TEXT_SEGMENT_CORRUPT', `text segment corrupt: ${what}`);

/** Matches per grain (its time, in time order) and per level (null: none, or not asked), as TextIndex's. */
export type SegmentTally = Array<[number, Map<number | null, number>]>;

/** An inclusive time range (ms). */
export interface SegmentRange {
  fromMs: number;
  toMs: number;
}

const MAGIC = [0x48, 0x53, 0x45, 0x47]; // "HSEG"
const VERSION = 1;
const PREAMBLE = 13;
/** Terms per dictionary block: the sparse index holds one term in BLOCK_TERMS. */
const BLOCK_TERMS = 32;
/** Values per packed block. */
const PACK = 128;
/** The widest packed value (times' gaps may pass 32 bits; every value stays an exact double). */
const MAX_WIDTH = 53;
/** Matched expressions kept per segment, and their ordinals at most (2 MB). */
const MATCHED_KEPT = 4;
const MATCHED_ORDINALS = 1 << 19;
/** Decoded postings a segment opened alone keeps, and their values at most (docs and positions' starts and positions: ~2 MB). */
const DECODED_KEPT = 32;
const DECODED_VALUES = 1 << 19;
/** Decoded dictionary blocks kept per segment (the least recently used go first). */
const CACHED_BLOCKS = 256;
const COLUMNS = TEXT_INDEX_COLUMNS.length;
const POSITIONAL: readonly boolean[] = Array.from({ length: COLUMNS }, (_, c) => POSITIONAL_COLUMNS.includes(c));

// ---------------------------------------------------------------------------------------------
// Bytes out

class Writer {
  buf = new Uint8Array(1 << 16);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.length++] = v;
  }

  u32(v: number): void {
    this.room(4);
    const b = this.buf;
    b[this.length++] = v & 0xff;
    b[this.length++] = (v >>> 8) & 0xff;
    b[this.length++] = (v >>> 16) & 0xff;
    b[this.length++] = (v >>> 24) & 0xff;
  }

  f64(v: number): void {
    this.room(8);
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat64(this.length, v, true);
    this.length += 8;
  }

  varint(v: number): void {
    this.room(8);
    const b = this.buf;
    while (v >= 0x80) {
      b[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    b[this.length++] = v;
  }

  bytes(src: Uint8Array, from = 0, to = src.length): void {
    this.room(to - from);
    if (to - from < 32) {
      // A term's suffix is a few bytes: a loop costs less than a subarray and a set.
      const b = this.buf;
      let at = this.length;
      for (let k = from; k < to; k++) b[at++] = src[k] as number;
    } else this.buf.set(src.subarray(from, to), this.length);
    this.length += to - from;
  }

  /** `n` values of `values` from `from`, packed in blocks of PACK. */
  packed(values: ArrayLike<number>, from: number, n: number): void {
    for (let start = 0; start < n; start += PACK) this.packBlock(values, from + start, Math.min(PACK, n - start));
  }

  private packBlock(values: ArrayLike<number>, from: number, n: number): void {
    let max = 0;
    for (let i = from; i < from + n; i++) if ((values[i] as number) > max) max = values[i] as number;
    const width = bitWidth(max);
    this.u8(width);
    if (width === 0) return;
    const size = Math.ceil((n * width) / 8);
    this.room(size);
    const b = this.buf;
    const base = this.length;
    if (width <= 24) {
      // Values into a 32-bit accumulator, whole bytes out of it.
      let acc = 0;
      let have = 0;
      let at = base;
      for (let i = from; i < from + n; i++) {
        acc |= (values[i] as number) << have;
        have += width;
        while (have >= 8) {
          b[at++] = acc & 0xff;
          acc >>>= 8;
          have -= 8;
        }
      }
      if (have > 0) b[at] = acc & 0xff;
      this.length += size;
      return;
    }
    b.fill(0, base, base + size);
    let bit = 0;
    for (let i = from; i < from + n; i++) {
      let v = values[i] as number;
      let left = width;
      while (left > 0) {
        const at = base + (bit >>> 3);
        const off = bit & 7;
        const take = Math.min(8 - off, left);
        const unit = 1 << take;
        const low = v % unit;
        b[at] = (b[at] as number) | (low << off);
        v = (v - low) / unit;
        left -= take;
        bit += take;
      }
    }
    this.length += size;
  }

  take(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function bitWidth(max: number): number {
  if (max === 0) return 0;
  if (max < 2 ** 32) return 32 - Math.clz32(max);
  return 32 + bitWidth(Math.floor(max / 2 ** 32));
}

// ---------------------------------------------------------------------------------------------
// Bytes in

/** A cursor over bytes; every read past `end` is a corrupt segment. */
class Reader {
  constructor(
    readonly buf: Uint8Array,
    public at: number,
    readonly end: number,
  ) {}

  u8(): number {
    if (this.at >= this.end) throw corrupt('truncated');
    return this.buf[this.at++] as number;
  }

  u32(): number {
    if (this.at + 4 > this.end) throw corrupt('truncated');
    const b = this.buf;
    const v = ((b[this.at] as number) | ((b[this.at + 1] as number) << 8) | ((b[this.at + 2] as number) << 16) | ((b[this.at + 3] as number) << 24)) >>> 0;
    this.at += 4;
    return v;
  }

  f64(): number {
    if (this.at + 8 > this.end) throw corrupt('truncated');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset).getFloat64(this.at, true);
    this.at += 8;
    return v;
  }

  varint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.at >= this.end) throw corrupt('truncated varint');
      const byte = this.buf[this.at++] as number;
      v += (byte & 0x7f) * scale;
      if (byte < 0x80) {
        if (v > Number.MAX_SAFE_INTEGER) throw corrupt('varint too large');
        return v;
      }
      scale *= 0x80;
    }
    throw corrupt('varint too long');
  }

  /** A varint that must be at most `max` (a count or a length: bounds every allocation). */
  bounded(max: number, what: string): number {
    const v = this.varint();
    if (v > max) throw corrupt(`${what} out of range`);
    return v;
  }

  /** `n` packed values (blocks of PACK) into `out` from `outAt`: values of up to 32 bits. */
  unpack(n: number, out: Uint32Array, outAt: number): void {
    for (let start = 0; start < n; start += PACK) this.unpackBlock(Math.min(PACK, n - start), out, outAt + start);
  }

  private unpackBlock(n: number, out: Uint32Array, outAt: number): void {
    const width = this.u8();
    if (width > 32) throw corrupt('packed width');
    if (width === 0) {
      out.fill(0, outAt, outAt + n);
      return;
    }
    const size = Math.ceil((n * width) / 8);
    const base = this.at;
    if (base + size > this.end) throw corrupt('truncated packed block');
    const b = this.buf;
    if (width <= 24) {
      // A 32-bit window over four bytes: one read per value, the block's last bytes one by one.
      const mask = (1 << width) - 1;
      const last = this.end - 4;
      let bit = 0;
      for (let i = 0; i < n; i++) {
        const at = base + (bit >>> 3);
        let word: number;
        if (at <= last) word = (b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24);
        else {
          word = 0;
          for (let k = 0; at + k < this.end && k < 4; k++) word |= (b[at + k] as number) << (8 * k);
        }
        out[outAt + i] = (word >>> (bit & 7)) & mask;
        bit += width;
      }
    } else unpackWide(b, base, n, width, out, outAt);
    this.at += size;
  }

  /** Like unpack, of values of up to MAX_WIDTH bits (the times' gaps): a block of up to 32 bits as unpack's. */
  unpackWide(n: number, out: Float64Array, outAt: number): void {
    for (let start = 0; start < n; start += PACK) {
      const count = Math.min(PACK, n - start);
      const width = this.buf[this.at];
      if (width !== undefined && width <= 32 && this.at < this.end) {
        this.unpackBlock(count, SCRATCH, 0);
        for (let i = 0; i < count; i++) out[outAt + start + i] = SCRATCH[i] as number;
        continue;
      }
      this.u8();
      if (width === undefined || width > MAX_WIDTH) throw corrupt('packed width');
      const size = Math.ceil((count * width) / 8);
      if (this.at + size > this.end) throw corrupt('truncated packed block');
      unpackWide(this.buf, this.at, count, width, out, outAt + start);
      this.at += size;
    }
  }
}

const SCRATCH = new Uint32Array(PACK);

/** Packed values bit by bit (any width up to MAX_WIDTH; the bytes are known to be there). */
function unpackWide(b: Uint8Array, base: number, n: number, width: number, out: Uint32Array | Float64Array, outAt: number): void {
  let bit = 0;
  for (let i = 0; i < n; i++) {
    let v = 0;
    let scale = 1;
    let left = width;
    while (left > 0) {
      const at = base + (bit >>> 3);
      const off = bit & 7;
      const take = Math.min(8 - off, left);
      v += (((b[at] as number) >>> off) & ((1 << take) - 1)) * scale;
      scale *= 1 << take;
      left -= take;
      bit += take;
    }
    out[outAt + i] = v;
  }
}

// ---------------------------------------------------------------------------------------------
// Terms as bytes

/**
 * A term's bytes: a UTF-16 unit below 0xF0 as one byte, any other as three (0xF0 | its top 4
 * bits, 8 bits, 4 bits). Byte order is then the strings' order (JavaScript's `<`, which sorted
 * the dictionary), the code is prefix-free (a term starts with a prefix iff its bytes start with
 * the prefix's), and the index's alphabet (a-z, 0-9, `·`, `º`) is one byte a character.
 */
function termBytes(term: string, out: Writer): void {
  for (let i = 0; i < term.length; i++) {
    const c = term.charCodeAt(i);
    if (c < 0xf0) out.u8(c);
    else {
      out.u8(0xf0 | (c >>> 12));
      out.u8((c >>> 4) & 0xff);
      out.u8(c & 0xf);
    }
  }
}

const TERM = new Writer();

function termToBytes(term: string): Uint8Array {
  TERM.length = 0;
  termBytes(term, TERM);
  return TERM.buf.subarray(0, TERM.length);
}

function bytesToTerm(b: Uint8Array, from: number, to: number): string {
  let plain = true;
  for (let i = from; i < to; i++) {
    if ((b[i] as number) >= 0xf0) {
      plain = false;
      break;
    }
  }
  if (plain) return to - from <= 64 ? String.fromCharCode.apply(null, b.subarray(from, to) as unknown as number[]) : Buffer.from(b.buffer, b.byteOffset + from, to - from).toString('latin1');
  let out = '';
  for (let i = from; i < to; i++) {
    const c = b[i] as number;
    if (c < 0xf0) out += String.fromCharCode(c);
    else {
      if (i + 2 >= to) throw corrupt('term bytes');
      out += String.fromCharCode(((c & 0xf) << 12) | ((b[i + 1] as number) << 4) | ((b[i + 2] as number) & 0xf));
      i += 2;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tokens

/** FTS5's `ascii` tokenizer: runs of ASCII letters and digits and any non-ASCII, ASCII folded to lower case. */
const isTokenUnit = (c: number): boolean => c >= 0x80 || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a);

const asciiLower = (token: string): string => token.replace(/[A-Z]+/g, (s) => s.toLowerCase());

// ---------------------------------------------------------------------------------------------
// Encoding

class GrowU32 {
  a = new Uint32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
}

/** One column's postings, gathered: per term its tokens' documents (and positions) in document order. */
interface ColumnPostings {
  terms: string[];
  /** Per term (in `terms`' order), where its entries start in `docs`/`positions`; terms.length + 1 entries. */
  starts: Uint32Array;
  docs: Uint32Array;
  positions: Uint32Array | undefined;
  tokens: number;
}

/**
 * The distinct terms of a column, found by their characters in the text (a hash over the
 * folded units, compared in place): no string is made for a token already seen, which most are.
 */
class TermTable {
  names: string[] = [];
  private hashes = new Int32Array(1024);
  private slots = new Int32Array(2048);
  private mask = 2047;

  /** The id of the token text[start, end) (`upper`: it holds A-Z, compared folded), added if new. */
  id(text: string, start: number, end: number, hash: number, upper: boolean): number {
    const { names, slots, mask } = this;
    const length = end - start;
    let slot = hash & mask;
    for (;;) {
      const held = slots[slot] as number;
      if (held === 0) break;
      const id = held - 1;
      if (this.hashes[id] === hash) {
        const name = names[id] as string;
        if (name.length === length) {
          let k = 0;
          while (k < length && name.charCodeAt(k) === fold(text.charCodeAt(start + k))) k++;
          if (k === length) return id;
        }
      }
      slot = (slot + 1) & mask;
    }
    const id = names.length;
    const token = text.slice(start, end);
    names.push(upper ? asciiLower(token) : token);
    if (id === this.hashes.length) {
      const grown = new Int32Array(id * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    this.hashes[id] = hash;
    slots[slot] = id + 1;
    if (2 * names.length > mask) this.grow();
    return id;
  }

  private grow(): void {
    const size = this.slots.length * 2;
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let id = 0; id < this.names.length; id++) {
      let slot = (this.hashes[id] as number) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = id + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** The id of a term given whole (the encoder's rank of the sorted terms). */
  idOf(term: string): number {
    let hash = FNV_OFFSET;
    for (let k = 0; k < term.length; k++) hash = Math.imul(hash ^ term.charCodeAt(k), FNV_PRIME);
    return this.id(term, 0, term.length, hash, false);
  }
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const fold = (c: number): number => (c >= 0x41 && c <= 0x5a ? c + 0x20 : c);

function gatherColumn(texts: ReadonlyArray<string | null | undefined>, positional: boolean): ColumnPostings {
  const table = new TermTable();
  const names = table.names;
  const tokenTerm = new GrowU32();
  const docStart = new Uint32Array(texts.length + 1);
  /** Non-positional: a term once per document (FTS5 answers the same; the column is a set). */
  let lastDoc = new Int32Array(1024);
  for (let d = 0; d < texts.length; d++) {
    docStart[d] = tokenTerm.n;
    const text = texts[d];
    if (text === null || text === undefined || text === '') continue;
    // FTS5's ascii tokenizer (isTokenUnit's runs, A-Z folded), hashing as it goes: most of encoding's time.
    const n = text.length;
    let i = 0;
    while (i < n) {
      while (i < n && !isTokenUnit(text.charCodeAt(i))) i++;
      if (i >= n) break;
      const start = i;
      let upper = false;
      let hash = FNV_OFFSET;
      for (; i < n; i++) {
        let c = text.charCodeAt(i);
        if (c >= 0x41 && c <= 0x5a) {
          upper = true;
          c += 0x20;
        } else if (!(c >= 0x80 || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39))) break;
        hash = Math.imul(hash ^ c, FNV_PRIME);
      }
      const known = names.length;
      const id = table.id(text, start, i, hash, upper);
      if (id === known) {
        if (id === lastDoc.length) {
          const grown = new Int32Array(lastDoc.length * 2);
          grown.set(lastDoc);
          lastDoc = grown;
        }
        lastDoc[id] = -1;
      }
      if (!positional) {
        if (lastDoc[id] === d) continue;
        lastDoc[id] = d;
      }
      tokenTerm.push(id);
    }
  }
  docStart[texts.length] = tokenTerm.n;
  const tokens = tokenTerm.n;
  // Terms in the dictionary's order; the entries bucketed by term (a counting sort, stable: document order).
  // (The default sort compares UTF-16 units, as `<` does, natively: a comparator costs 5x.)
  const sorted = names.slice().sort();
  const rank = new Uint32Array(names.length);
  for (let r = 0; r < sorted.length; r++) rank[table.idOf(sorted[r] as string)] = r;
  const starts = new Uint32Array(names.length + 1);
  for (let k = 0; k < tokens; k++) {
    const slot = (rank[tokenTerm.a[k] as number] as number) + 1;
    starts[slot] = (starts[slot] as number) + 1;
  }
  for (let i = 1; i < starts.length; i++) starts[i] = (starts[i] as number) + (starts[i - 1] as number);
  const cursor = starts.slice(0, starts.length - 1);
  const docs = new Uint32Array(tokens);
  const positions = positional ? new Uint32Array(tokens) : undefined;
  for (let d = 0; d < texts.length; d++) {
    const from = docStart[d] as number;
    const to = docStart[d + 1] as number;
    for (let k = from; k < to; k++) {
      const r = rank[tokenTerm.a[k] as number] as number;
      const slot = cursor[r] as number;
      cursor[r] = slot + 1;
      docs[slot] = d;
      if (positions !== undefined) positions[slot] = k - from;
    }
  }
  return { terms: sorted, starts, docs, positions, tokens };
}

/** What a column's dictionary and postings come to. */
interface EncodedColumn {
  termCount: number;
  tokens: number;
  dictionary: Uint8Array;
  postings: Uint8Array;
  positions: Uint8Array;
  /** The sparse index's bytes (per block: first term, block length, bases, CRC-32). */
  sparse: Uint8Array;
  blocks: number;
}

function encodeColumn(gathered: ColumnPostings, positional: boolean): EncodedColumn {
  const { terms, starts, docs, positions } = gathered;
  const dict = new Writer();
  const post = new Writer();
  const pos = new Writer();
  const sparse = new Writer();
  const gaps = new GrowU32();
  const freqs = new GrowU32();
  const posGaps = new GrowU32();
  let previous = new Uint8Array(0);
  let blockStart = 0;
  let lastPostingsBase = 0;
  let lastPositionsBase = 0;
  let singleBefore = 0;
  const endBlock = (): void => {
    if (dict.length === blockStart) return;
    sparse.varint(dict.length - blockStart);
    sparse.u32(crc32(dict.buf.subarray(blockStart, dict.length)));
  };
  for (let t = 0; t < terms.length; t++) {
    const bytes = termToBytes(terms[t] as string).slice();
    if (t % BLOCK_TERMS === 0) {
      endBlock();
      blockStart = dict.length;
      sparse.varint(bytes.length);
      sparse.bytes(bytes);
      sparse.varint(post.length - lastPostingsBase);
      sparse.varint(pos.length - lastPositionsBase);
      lastPostingsBase = post.length;
      lastPositionsBase = pos.length;
      singleBefore = 0;
    } else {
      let shared = 0;
      const max = Math.min(previous.length, bytes.length);
      while (shared < max && previous[shared] === bytes[shared]) shared++;
      dict.varint(shared);
      dict.varint(bytes.length - shared);
      dict.bytes(bytes, shared);
    }
    previous = bytes;
    // The term's documents (distinct, ascending) and, per document, its positions.
    gaps.n = 0;
    freqs.n = 0;
    posGaps.n = 0;
    const from = starts[t] as number;
    const to = starts[t + 1] as number;
    let prevDoc = -1;
    let prevPos = 0;
    for (let k = from; k < to; k++) {
      const d = docs[k] as number;
      if (d !== prevDoc) {
        gaps.push(d - prevDoc - 1);
        if (positional) freqs.push(0);
        prevDoc = d;
        if (positions !== undefined) {
          prevPos = positions[k] as number;
          posGaps.push(prevPos);
        }
      } else if (positions !== undefined) {
        freqs.a[freqs.n - 1] = (freqs.a[freqs.n - 1] as number) + 1;
        const p = positions[k] as number;
        posGaps.push(p - prevPos - 1);
        prevPos = p;
      }
    }
    const df = gaps.n;
    dict.varint(df);
    if (df === 1) {
      // One document: held inline, as a zigzag step from the block's previous such term (terms of
      // one document each, such as a time or an id, sort near their documents' order).
      const d = prevDoc;
      const step = d - singleBefore;
      dict.varint(step >= 0 ? step * 2 : -step * 2 - 1);
      singleBefore = d;
      if (positional) {
        dict.varint(freqs.a[0] as number);
        for (let i = 0; i < posGaps.n; i++) dict.varint(posGaps.a[i] as number);
      }
      continue;
    }
    const postStart = post.length;
    post.packed(gaps.a, 0, df);
    dict.varint(post.length - postStart);
    if (positional) {
      const posStart = pos.length;
      pos.packed(freqs.a, 0, df);
      pos.packed(posGaps.a, 0, posGaps.n);
      dict.varint(pos.length - posStart);
    }
  }
  endBlock();
  return { termCount: terms.length, tokens: gathered.tokens, dictionary: dict.take(), postings: post.take(), positions: pos.take(), sparse: sparse.take(), blocks: Math.ceil(terms.length / BLOCK_TERMS) };
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** A day's rows as a segment's bytes (rows ordered by time inside, stably: ties keep their order). */
export function encodeSegment(rows: readonly SegmentRow[]): Uint8Array {
  const n = rows.length;
  const rowTimes = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const ts = Math.trunc((rows[i] as SegmentRow).ts);
    if (!Number.isFinite(ts) || Math.abs(ts) > 2 ** 52) throw new RangeError(`segment row time out of range: ${(rows[i] as SegmentRow).ts}`);
    rowTimes[i] = ts;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (rowTimes[a] as number) - (rowTimes[b] as number) || a - b);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) times[i] = rowTimes[order[i] as number] as number;
  // Times: gaps over their common step (alerts of second resolution: a step of 1,000 ms).
  let step = 0;
  for (let i = 1; i < n; i++) step = gcd(step, (times[i] as number) - (times[i - 1] as number));
  if (step === 0) step = 1;
  const timeGaps = new Float64Array(Math.max(0, n - 1));
  for (let i = 1; i < n; i++) timeGaps[i - 1] = ((times[i] as number) - (times[i - 1] as number)) / step;
  const timesOut = new Writer();
  timesOut.packed(timeGaps, 0, timeGaps.length);
  // Levels: a dictionary of the distinct ones, each document an index into it.
  const levelIds = new Map<number | null, number>();
  const levelIndex = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const raw = (rows[order[i] as number] as SegmentRow).level;
    // As SQLite keeps them: NaN is NULL, -0 is 0.
    const level = raw === undefined || raw === null || Number.isNaN(raw) ? null : raw === 0 ? 0 : raw;
    let id = levelIds.get(level);
    if (id === undefined) levelIds.set(level, (id = levelIds.size));
    levelIndex[i] = id;
  }
  const levelsOut = new Writer();
  levelsOut.packed(levelIndex, 0, n);
  const columns: EncodedColumn[] = [];
  for (let c = 0; c < COLUMNS; c++) {
    const texts = order.map((i) => (rows[i] as SegmentRow).texts[c] ?? null);
    columns.push(encodeColumn(gatherColumn(texts, POSITIONAL[c] as boolean), POSITIONAL[c] as boolean));
  }
  const timesBytes = timesOut.take();
  const levelsBytes = levelsOut.take();
  const body: Uint8Array[] = [timesBytes, levelsBytes];
  for (const col of columns) body.push(col.dictionary, col.postings, col.positions);
  let bodyLength = 0;
  let bodyCrc = 0;
  for (const part of body) {
    bodyLength += part.length;
    bodyCrc = crc32(part, bodyCrc);
  }
  const header = new Writer();
  const fields = new Writer();
  fields.u32(bodyCrc);
  fields.varint(n);
  fields.f64(n === 0 ? Number.NaN : (times[0] as number));
  fields.f64(n === 0 ? Number.NaN : (times[n - 1] as number));
  fields.varint(step);
  fields.varint(timesBytes.length);
  fields.u32(crc32(timesBytes));
  fields.varint(levelsBytes.length);
  fields.u32(crc32(levelsBytes));
  fields.varint(levelIds.size);
  for (const level of levelIds.keys()) {
    if (level === null) fields.u8(0);
    else {
      fields.u8(1);
      fields.f64(level);
    }
  }
  fields.varint(COLUMNS);
  for (let c = 0; c < COLUMNS; c++) {
    const col = columns[c] as EncodedColumn;
    fields.varint(col.termCount);
    fields.varint(col.tokens);
    fields.varint(col.dictionary.length);
    fields.varint(col.postings.length);
    fields.varint(col.positions.length);
    fields.bytes(col.sparse);
  }
  // The file length is the header's first field; its varint's own length is found by trying.
  const rest = fields.take();
  let total = PREAMBLE + rest.length + bodyLength + 1;
  for (;;) {
    header.length = 0;
    header.varint(total);
    const next = PREAMBLE + header.length + rest.length + bodyLength;
    if (next === total) break;
    total = next;
  }
  header.bytes(rest);
  const headerBytes = header.take();
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[4] = VERSION;
  const view = new DataView(out.buffer);
  view.setUint32(5, headerBytes.length, true);
  view.setUint32(9, crc32(headerBytes), true);
  out.set(headerBytes, PREAMBLE);
  let at = PREAMBLE + headerBytes.length;
  for (const part of body) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading

/** A column's header: where its regions are and its sparse dictionary index. */
interface ColumnHeader {
  termCount: number;
  tokens: number;
  positional: boolean;
  dictOffset: number;
  postingsOffset: number;
  positionsOffset: number;
  positionsEnd: number;
  /**
   * Per block: its first term (its bytes in the header, from firstFrom to firstTo: searched as
   * bytes, so that opening makes no string), and where its dictionary bytes, postings and
   * positions start.
   */
  firstFrom: Uint32Array;
  firstTo: Uint32Array;
  blockOffsets: Float64Array;
  postingsBases: Float64Array;
  positionsBases: Float64Array;
  blockCrcs: Uint32Array;
}

/** A dictionary block, decoded: its terms and where each one's postings are. */
interface DictBlock {
  terms: string[];
  df: Uint32Array;
  /** df 1: the document; else the postings' offset (absolute in the source). */
  docOrOffset: Float64Array;
  postingsLength: Uint32Array;
  /** df 1 in a positional column: its positions are inline (in `inline` from inlineStart[i]); else the positions' offset and length. */
  positionsOffset: Float64Array;
  positionsLength: Uint32Array;
  inlineStart: Uint32Array;
  inline: Uint32Array;
}

const EMPTY: Postings = { docs: new Uint32Array(0) };
const emptyPostings = (withPositions: boolean): Postings => (withPositions ? { docs: new Uint32Array(0), starts: new Uint32Array(1), positions: new Uint32Array(0) } : EMPTY);

/** `^column : "token"$` with a single token (FTS5's ascii tokens, lower case already): answered from the dictionary alone. */
const SINGLE_TERM = /^\s*(full_log|comment|extra|missing)\s*:\s*"([a-z0-9\u0080-\uffff]+)"\s*$/;

export class TextSegment implements PostingsReader {
  readonly docCount: number;
  /** The first and the last document's times (NaN for no documents). */
  readonly fromMs: number;
  readonly toMs: number;
  readonly byteLength: number;
  private readonly bodyCrc: number;
  private readonly bodyOffset: number;
  /** The header's bytes: the sparse index's first terms are read from them. */
  private readonly header: Uint8Array;
  private readonly step: number;
  private readonly timesRegion: { offset: number; length: number; crc: number };
  private readonly levelsRegion: { offset: number; length: number; crc: number };
  private readonly levelValues: Array<number | null>;
  private readonly columns: ColumnHeader[];
  private timesCache: Uint32Array | Float64Array | undefined;
  private levelsCache: Uint8Array | Uint32Array | undefined;
  private readonly blocks = new Map<number, DictBlock>();
  private readonly matched = new BoundedLru<Uint32Array>(MATCHED_ORDINALS, MATCHED_KEPT, (docs) => docs.length);
  /** Decoded postings (the index's, shared by its segments, or this segment's own), under keyPrefix. */
  private readonly decoded: DecodedPostings;
  private readonly keyPrefix = `${nextSegmentKey++}:`;
  /**
   * Whether matches are kept between answers (the index's text_count_cache): off, every answer
   * walks its postings, as the index's own counts do then.
   */
  keepMatches: () => boolean = () => true;

  private constructor(
    private readonly source: ByteSource,
    decoded: DecodedPostings | undefined,
  ) {
    this.decoded = decoded ?? decodedPostings(DECODED_VALUES, DECODED_KEPT);
    let size: number;
    try {
      size = source.size;
    } catch (e) {
      throw new SourceFailure(e);
    }
    if (!Number.isSafeInteger(size) || size < PREAMBLE) throw corrupt('too short');
    const pre = readSource(source, 0, PREAMBLE);
    if (pre.length !== PREAMBLE) throw corrupt('truncated');
    for (let i = 0; i < 4; i++) if (pre[i] !== MAGIC[i]) throw corrupt('not a segment');
    if (pre[4] !== VERSION) throw corrupt(`version ${pre[4]}`);
    const p = new Reader(pre, 5, PREAMBLE);
    const headerLength = p.u32();
    const headerCrc = p.u32();
    if (PREAMBLE + headerLength > size) throw corrupt('truncated header');
    const header = readSource(source, PREAMBLE, headerLength);
    if (header.length !== headerLength) throw corrupt('truncated header');
    if (crc32(header) !== headerCrc) throw corrupt('header checksum');
    this.header = header;
    const r = new Reader(header, 0, headerLength);
    const total = r.varint();
    if (total !== size) throw corrupt(`length ${size}, expected ${total}`);
    this.byteLength = size;
    this.bodyOffset = PREAMBLE + headerLength;
    this.bodyCrc = r.u32();
    this.docCount = r.bounded(2 ** 32 - 1, 'document count');
    this.fromMs = r.f64();
    this.toMs = r.f64();
    this.step = r.varint();
    let at = this.bodyOffset;
    const region = (): { offset: number; length: number; crc: number } => {
      const length = r.bounded(size - at, 'region');
      const reg = { offset: at, length, crc: r.u32() };
      at += length;
      return reg;
    };
    this.timesRegion = region();
    this.levelsRegion = region();
    const levelCount = r.bounded(Math.max(1, this.docCount), 'level count');
    this.levelValues = [];
    for (let i = 0; i < levelCount; i++) this.levelValues.push(r.u8() === 0 ? null : r.f64());
    if (this.docCount > 0 && levelCount === 0) throw corrupt('level count');
    // Every document costs at least a bit in the times and levels (a block of PACK a byte): a
    // count the regions cannot hold is refused before anything is allocated for it.
    if (this.docCount > 0 && (this.timesRegion.length < Math.ceil((this.docCount - 1) / PACK) || this.levelsRegion.length < Math.ceil(this.docCount / PACK))) throw corrupt('document count');
    if (r.varint() !== COLUMNS) throw corrupt('column count');
    this.columns = [];
    for (let c = 0; c < COLUMNS; c++) {
      const termCount = r.bounded(2 ** 32 - 1, 'term count');
      const tokens = r.bounded(2 ** 40, 'token count');
      const dictLength = r.bounded(size - at, 'dictionary');
      const dictOffset = at;
      at += dictLength;
      const postingsLength = r.bounded(size - at, 'postings');
      const postingsOffset = at;
      at += postingsLength;
      const positionsLength = r.bounded(size - at, 'positions');
      const positionsOffset = at;
      at += positionsLength;
      if (tokens > PACK * (dictLength + postingsLength + positionsLength)) throw corrupt('token count');
      const blocks = Math.ceil(termCount / BLOCK_TERMS);
      if (blocks > headerLength) throw corrupt('block count');
      const col: ColumnHeader = {
        termCount,
        tokens,
        positional: POSITIONAL[c] as boolean,
        dictOffset,
        postingsOffset,
        positionsOffset,
        positionsEnd: positionsOffset + positionsLength,
        firstFrom: new Uint32Array(blocks),
        firstTo: new Uint32Array(blocks),
        blockOffsets: new Float64Array(blocks + 1),
        postingsBases: new Float64Array(blocks),
        positionsBases: new Float64Array(blocks),
        blockCrcs: new Uint32Array(blocks),
      };
      let blockAt = dictOffset;
      let postingsBase = postingsOffset;
      let positionsBase = positionsOffset;
      for (let b = 0; b < blocks; b++) {
        const termLength = r.bounded(headerLength, 'term length');
        if (r.at + termLength > r.end) throw corrupt('truncated term');
        col.firstFrom[b] = r.at;
        col.firstTo[b] = r.at + termLength;
        r.at += termLength;
        if (b > 0 && compareBytes(header, col.firstFrom[b - 1] as number, col.firstTo[b - 1] as number, header, col.firstFrom[b] as number, col.firstTo[b] as number) >= 0) throw corrupt('dictionary order');
        postingsBase += r.bounded(postingsOffset + postingsLength - postingsBase, 'postings base');
        positionsBase += r.bounded(positionsOffset + positionsLength - positionsBase, 'positions base');
        col.postingsBases[b] = postingsBase;
        col.positionsBases[b] = positionsBase;
        col.blockOffsets[b] = blockAt;
        blockAt += r.bounded(dictOffset + dictLength - blockAt, 'block length');
        col.blockCrcs[b] = r.u32();
      }
      col.blockOffsets[blocks] = blockAt;
      if (blockAt !== dictOffset + dictLength) throw corrupt('dictionary length');
      this.columns.push(col);
    }
    if (r.at !== r.end) throw corrupt('header length');
    if (at !== size) throw corrupt('regions do not fill the file');
    if (this.docCount > 0 && !(Number.isFinite(this.fromMs) && Number.isFinite(this.toMs) && this.fromMs <= this.toMs)) throw corrupt('time range');
    if (this.docCount === 0 && this.columns.some((col) => col.termCount > 0)) throw corrupt('terms without documents');
  }

  /**
   * Opens a segment: reads its preamble, header and sparse dictionary index. Bytes that are not a
   * segment throw TEXT_SEGMENT_CORRUPT; the source's own errors (a file's EIO, EMFILE) are thrown
   * as they are, so that a segment is never taken for corrupt because its file could not be read.
   * `decoded`: where its decoded postings are kept (shared with other segments), else its own.
   */
  static open(source: ByteSource, decoded?: DecodedPostings): TextSegment {
    try {
      return new TextSegment(source, decoded);
    } catch (e) {
      if (e instanceof SourceFailure) throw e.cause;
      if (e instanceof TextSegmentError) throw e;
      // Anything else the bytes provoke (a typed array's RangeError): still corrupt.
      throw corrupt(e instanceof Error ? e.message : String(e));
    }
  }

  /** Bytes per part of the segment (for stats and the bench): the header holds the sparse index. */
  parts(): { header: number; times: number; levels: number; columns: Array<{ dictionary: number; postings: number; positions: number; terms: number }> } {
    return {
      header: this.bodyOffset,
      times: this.timesRegion.length,
      levels: this.levelsRegion.length,
      columns: this.columns.map((c) => ({ dictionary: c.postingsOffset - c.dictOffset, postings: c.positionsOffset - c.postingsOffset, positions: c.positionsEnd - c.positionsOffset, terms: c.termCount })),
    };
  }

  /** Reads every byte and checks the body's checksum (opening checks the header's only). */
  verify(): void {
    let crc = 0;
    const CHUNK = 1 << 20;
    for (let at = this.bodyOffset; at < this.byteLength; at += CHUNK) crc = crc32(this.read(at, Math.min(CHUNK, this.byteLength - at)), crc);
    if (crc !== this.bodyCrc) throw corrupt('body checksum');
  }

  private read(offset: number, length: number): Uint8Array {
    const bytes = this.source.read(offset, length);
    if (bytes.length !== length) throw corrupt('short read');
    return bytes;
  }

  /**
   * The documents' times as offsets (ms) from the first, in order, read and checked when first
   * needed: 32 bits each when the segment spans less than 49 days (a day's always does).
   */
  private docTimes(): Uint32Array | Float64Array {
    if (this.timesCache !== undefined) return this.timesCache;
    const n = this.docCount;
    const span = this.toMs - this.fromMs;
    const out = n === 0 || span < 2 ** 32 ? new Uint32Array(n) : new Float64Array(n);
    if (n > 0) {
      const { offset, length, crc } = this.timesRegion;
      const bytes = this.read(offset, length);
      if (crc32(bytes) !== crc) throw corrupt('times checksum');
      const r = new Reader(bytes, 0, length);
      if (out instanceof Uint32Array) r.unpack(n - 1, out, 1);
      else r.unpackWide(n - 1, out, 1);
      out[0] = 0;
      const step = this.step;
      let t = 0;
      for (let i = 1; i < n; i++) {
        t += (out[i] as number) * step;
        if (t > span) throw corrupt('times');
        out[i] = t;
      }
      if (t !== span) throw corrupt('times');
    }
    this.timesCache = out;
    return out;
  }

  /** Each document's level, an index into levelValues (a byte each for up to 256 levels). */
  private levels(): Uint8Array | Uint32Array {
    if (this.levelsCache !== undefined) return this.levelsCache;
    const n = this.docCount;
    const ids = new Uint32Array(n);
    const { offset, length, crc } = this.levelsRegion;
    const bytes = this.read(offset, length);
    if (crc32(bytes) !== crc) throw corrupt('levels checksum');
    new Reader(bytes, 0, length).unpack(n, ids, 0);
    for (let i = 0; i < n; i++) if ((ids[i] as number) >= this.levelValues.length) throw corrupt('level');
    const out = this.levelValues.length <= 256 ? new Uint8Array(ids) : ids;
    this.levelsCache = out;
    return out;
  }

  /** Block `b` of column `c`'s dictionary, decoded (cached). */
  private block(c: number, b: number): DictBlock {
    const key = b * COLUMNS + c;
    const cached = this.blocks.get(key);
    if (cached !== undefined) {
      this.blocks.delete(key);
      this.blocks.set(key, cached);
      return cached;
    }
    const col = this.columns[c] as ColumnHeader;
    const start = col.blockOffsets[b] as number;
    const bytes = this.read(start, (col.blockOffsets[b + 1] as number) - start);
    if (crc32(bytes) !== col.blockCrcs[b]) throw corrupt('dictionary checksum');
    const n = Math.min(BLOCK_TERMS, col.termCount - b * BLOCK_TERMS);
    const block: DictBlock = {
      terms: [],
      df: new Uint32Array(n),
      docOrOffset: new Float64Array(n),
      postingsLength: new Uint32Array(n),
      positionsOffset: new Float64Array(n),
      positionsLength: new Uint32Array(n),
      inlineStart: new Uint32Array(n + 1),
      inline: new Uint32Array(0),
    };
    const inline = new GrowU32();
    const r = new Reader(bytes, 0, bytes.length);
    const from = col.firstFrom[b] as number;
    const to = col.firstTo[b] as number;
    let term = this.header.slice(from, to);
    let postingsAt = col.postingsBases[b] as number;
    let positionsAt = col.positionsBases[b] as number;
    let single = 0;
    for (let i = 0; i < n; i++) {
      if (i === 0) block.terms.push(bytesToTerm(this.header, from, to));
      else {
        const shared = r.bounded(term.length, 'shared prefix');
        const suffix = r.bounded(r.end - r.at, 'suffix');
        const next = new Uint8Array(shared + suffix);
        next.set(term.subarray(0, shared));
        next.set(bytes.subarray(r.at, r.at + suffix), shared);
        r.at += suffix;
        term = next;
        block.terms.push(bytesToTerm(term, 0, term.length));
      }
      const df = r.bounded(this.docCount, 'document frequency');
      if (df === 0) throw corrupt('document frequency');
      block.df[i] = df;
      block.inlineStart[i] = inline.n;
      if (df === 1) {
        const z = r.varint();
        single += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
        if (single < 0 || single >= this.docCount) throw corrupt('document');
        block.docOrOffset[i] = single;
        if (col.positional) {
          const extra = r.bounded(col.tokens, 'positions');
          for (let k = 0; k <= extra; k++) inline.push(r.bounded(col.tokens, 'position'));
        }
      } else {
        const length = r.bounded(col.positionsOffset - postingsAt, 'postings length');
        block.docOrOffset[i] = postingsAt;
        block.postingsLength[i] = length;
        postingsAt += length;
        if (col.positional) {
          const plength = r.bounded(col.positionsEnd - positionsAt, 'positions length');
          block.positionsOffset[i] = positionsAt;
          block.positionsLength[i] = plength;
          positionsAt += plength;
        }
      }
    }
    block.inlineStart[n] = inline.n;
    block.inline = inline.a.slice(0, inline.n);
    if (r.at !== r.end) throw corrupt('dictionary block length');
    if (this.blocks.size >= CACHED_BLOCKS) this.blocks.delete(this.blocks.keys().next().value as number);
    this.blocks.set(key, block);
    return block;
  }

  /** The last block of the column whose first term is ≤ `term` (-1: none). */
  private lastBlockAtMost(col: ColumnHeader, term: string): number {
    const key = termToBytes(term);
    const { header } = this;
    let lo = 0;
    let hi = col.firstFrom.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(header, col.firstFrom[mid] as number, col.firstTo[mid] as number, key, 0, key.length) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Where `term` is in column `c`: its block and index there, or undefined. */
  private find(c: number, term: string): { block: DictBlock; i: number } | undefined {
    const col = this.columns[c];
    if (col === undefined || col.termCount === 0) return undefined;
    const b = this.lastBlockAtMost(col, term);
    if (b < 0) return undefined;
    const block = this.block(c, b);
    const i = block.terms.indexOf(term);
    return i < 0 ? undefined : { block, i };
  }

  /** How many documents hold `term` in column `c` (the dictionary only). */
  docFrequency(column: number, term: string): number {
    const found = this.find(column, term);
    return found === undefined ? 0 : (found.block.df[found.i] as number);
  }

  /**
   * The term's postings (PostingsReader), kept decoded (DecodedPostings). The arrays are
   * shared: callers must not change them (the matcher copies what it returns).
   */
  postings(column: number, term: string, withPositions: boolean): Postings {
    const col = this.columns[column];
    const positions = withPositions && col !== undefined && col.positional;
    const key = `${this.keyPrefix}${column}:${term}`;
    const kept = this.decoded.get(key);
    if (kept !== undefined && (kept.positions !== undefined || !positions)) {
      return positions ? kept : kept.positions === undefined ? kept : { docs: kept.docs };
    }
    const fresh = this.decode(column, term, positions);
    if (fresh.docs.length > 0) this.decoded.set(key, fresh); // a term not there is not kept
    return fresh;
  }

  private decode(column: number, term: string, positions: boolean): Postings {
    const col = this.columns[column];
    const found = this.find(column, term);
    if (found === undefined) return emptyPostings(positions);
    const { block, i } = found;
    const df = block.df[i] as number;
    const docs = new Uint32Array(df);
    if (df === 1) {
      docs[0] = block.docOrOffset[i] as number;
      if (!positions) return { docs };
      const inline = block.inline.subarray(block.inlineStart[i] as number, block.inlineStart[i + 1] as number);
      // Inline: the first position, then the gaps (minus one).
      const out = new Uint32Array(inline.length);
      let p = -1;
      for (let k = 0; k < inline.length; k++) {
        p = k === 0 ? (inline[k] as number) : p + (inline[k] as number) + 1;
        if (p > 0xffffffff) throw corrupt('position');
        out[k] = p;
      }
      return { docs, starts: Uint32Array.of(0, out.length), positions: out };
    }
    const bytes = this.read(block.docOrOffset[i] as number, block.postingsLength[i] as number);
    const r = new Reader(bytes, 0, bytes.length);
    r.unpack(df, docs, 0);
    let d = -1;
    for (let k = 0; k < df; k++) {
      d += (docs[k] as number) + 1;
      docs[k] = d;
    }
    if (d >= this.docCount) throw corrupt('document');
    if (r.at !== r.end) throw corrupt('postings length');
    if (!positions) return { docs };
    const pbytes = this.read(block.positionsOffset[i] as number, block.positionsLength[i] as number);
    const pr = new Reader(pbytes, 0, pbytes.length);
    const starts = new Uint32Array(df + 1);
    pr.unpack(df, starts, 1);
    let total = 0;
    for (let k = 1; k <= df; k++) {
      total += (starts[k] as number) + 1;
      if (total > (col as ColumnHeader).tokens) throw corrupt('positions');
      starts[k] = total;
    }
    const out = new Uint32Array(total);
    pr.unpack(total, out, 0);
    if (pr.at !== pr.end) throw corrupt('positions length');
    // Within a document, the first position as it is and then gaps: mostly one position, no loop.
    let from = 0;
    for (let k = 1; k <= df; k++) {
      const to = starts[k] as number;
      let p = out[from] as number;
      for (let j = from + 1; j < to; j++) {
        p += (out[j] as number) + 1;
        out[j] = p;
      }
      from = to;
    }
    return { docs, starts, positions: out };
  }

  termsWithPrefix(column: number, prefix: string): string[] {
    const col = this.columns[column];
    const out: string[] = [];
    if (col === undefined || col.termCount === 0) return out;
    // The terms starting with the prefix are contiguous, from the first term ≥ it.
    for (let b = Math.max(0, this.lastBlockAtMost(col, prefix)); b < col.firstFrom.length; b++) {
      const block = this.block(column, b);
      for (const term of block.terms) {
        if (term.startsWith(prefix)) out.push(term);
        else if (term > prefix) return out;
      }
    }
    return out;
  }

  /** The ordinals [lo, hi) of the documents within the (inclusive) time range. */
  private ordinals(range: SegmentRange | undefined): [number, number] {
    const n = this.docCount;
    if (range === undefined || n === 0) return [0, n];
    const from = Math.trunc(range.fromMs);
    const to = Math.trunc(range.toMs);
    if (!(from <= to) || to < this.fromMs || from > this.toMs) return [0, 0];
    if (from <= this.fromMs && to >= this.toMs) return [0, n];
    const offsets = this.docTimes();
    return [lowerBound(offsets, from - this.fromMs), lowerBound(offsets, to + 1 - this.fromMs)];
  }

  /**
   * The documents matching the expression (the matcher's), the last few kept: a search asks the
   * count, the page and the histogram of one expression in turn, and a phrase's match is most of
   * each answer's time.
   */
  private matches(match: string): Uint32Array {
    if (!this.keepMatches()) {
      this.matched.clear();
      return matchingDocs(match, this);
    }
    const kept = this.matched.get(match);
    if (kept !== undefined) return kept;
    const docs = matchingDocs(match, this);
    this.matched.set(match, docs);
    return docs;
  }

  /** How many matched expressions are kept (keepMatches). */
  keptMatches(): number {
    return this.matched.count;
  }

  /** How many documents match the FTS5 expression within the time range (inclusive ms). */
  count(match: string, range?: SegmentRange): number {
    const [lo, hi] = this.ordinals(range);
    if (lo >= hi) return 0;
    if (lo === 0 && hi === this.docCount) {
      const single = SINGLE_TERM.exec(match);
      if (single !== null) return this.docFrequency(TEXT_INDEX_COLUMNS.indexOf(single[1] as (typeof TEXT_INDEX_COLUMNS)[number]), single[2] as string);
    }
    // Walking (nothing kept) over the whole segment: counted, no array of the matches made.
    if (lo === 0 && hi === this.docCount && !this.keepMatches()) return matchingDocCount(match, this);
    const docs = this.matches(match);
    return lowerBound(docs, hi) - lowerBound(docs, lo);
  }

  /** At most how many documents match (within the range: of its documents), from the dictionary alone (matchingDocsAtMost). */
  countAtMost(match: string, range?: SegmentRange): number {
    const [lo, hi] = this.ordinals(range);
    if (lo >= hi) return 0;
    return Math.min(hi - lo, matchingDocsAtMost(match, (column, term) => this.docFrequency(column, term), this.docCount));
  }

  /** How many documents match within the range, and how many of those have one of `times` (ms). */
  countSharing(match: string, times: readonly number[], range?: SegmentRange): { n: number; shared: number } {
    if (times.length === 0) return { n: this.count(match, range), shared: 0 };
    const [lo, hi] = this.ordinals(range);
    if (lo >= hi) return { n: 0, shared: 0 };
    const docs = this.matches(match);
    const first = lowerBound(docs, lo);
    const n = lowerBound(docs, hi) - first;
    const all = this.docTimes();
    let shared = 0;
    for (const t of new Set(times)) {
      // The documents of that millisecond, and of those the matches within the range.
      const tlo = Math.max(lo, lowerBound(all, t - this.fromMs));
      const thi = Math.min(hi, lowerBound(all, t + 1 - this.fromMs));
      if (tlo < thi && Number.isInteger(t)) shared += lowerBound(docs, thi) - lowerBound(docs, tlo);
    }
    return { n, shared };
  }

  /** The times of the first `limit` matching documents in time order (newest first for `desc`). */
  times(match: string, order: 'asc' | 'desc', limit: number, range?: SegmentRange): number[] {
    const [lo, hi] = this.ordinals(range);
    if (lo >= hi || limit === 0) return [];
    const docs = this.matches(match);
    const first = lowerBound(docs, lo);
    const last = lowerBound(docs, hi);
    // SQLite's LIMIT: a negative one is no limit.
    const n = limit < 0 ? last - first : Math.min(Math.floor(limit), last - first);
    const all = this.docTimes();
    const out: number[] = new Array<number>(n);
    for (let k = 0; k < n; k++) out[k] = this.fromMs + (all[docs[order === 'asc' ? first + k : last - 1 - k] as number] as number);
    return out;
  }

  /** The matches within the range per grain (`grainMs`) and per level (all under null without `withLevels`), in time order. */
  tally(match: string, grainMs: number, range: SegmentRange | undefined, withLevels: boolean): SegmentTally {
    const out: SegmentTally = [];
    const [lo, hi] = this.ordinals(range);
    if (lo >= hi) return out;
    const docs = this.matches(match);
    const first = lowerBound(docs, lo);
    const last = lowerBound(docs, hi);
    if (first >= last) return out;
    const times = this.docTimes();
    const levels = withLevels ? this.levels() : undefined;
    const values: ReadonlyArray<number | null> = levels === undefined ? [null] : this.levelValues;
    // Per grain, counts per level id in an array, and the ids in order of their first match (the Map's order).
    const counts = new Float64Array(values.length);
    const seen: number[] = [];
    let key = Number.NaN;
    let previous = Number.NaN;
    const flush = (): void => {
      const cell = new Map<number | null, number>();
      for (const id of seen) {
        cell.set(values[id] as number | null, counts[id] as number);
        counts[id] = 0;
      }
      seen.length = 0;
      out.push([key, cell]);
    };
    for (let k = first; k < last; k++) {
      const d = docs[k] as number;
      const t = this.fromMs + (times[d] as number);
      if (t !== previous) {
        previous = t;
        const g = Math.floor(t / grainMs) * grainMs;
        if (g !== key) {
          if (seen.length > 0) flush();
          key = g;
        }
      }
      const id = levels === undefined ? 0 : (levels[d] as number);
      if (counts[id] === 0) seen.push(id);
      counts[id] = (counts[id] as number) + 1;
    }
    if (seen.length > 0) flush();
    return out;
  }
}

/** The order of a[aFrom, aTo) and b[bFrom, bTo) as bytes (negative: a first). */
function compareBytes(a: Uint8Array, aFrom: number, aTo: number, b: Uint8Array, bFrom: number, bTo: number): number {
  const n = Math.min(aTo - aFrom, bTo - bFrom);
  for (let k = 0; k < n; k++) {
    const d = (a[aFrom + k] as number) - (b[bFrom + k] as number);
    if (d !== 0) return d;
  }
  return aTo - aFrom - (bTo - bFrom);
}

/** The first index of the ascending `a` whose value is ≥ `x` (a.length: none). */
function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
