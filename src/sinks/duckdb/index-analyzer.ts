/**
 * @module The standard analyzer's tokens of a text, encoded for the text index (text-index.ts's
 * `encodeToken`, space-separated), from word-scanner.ts's loop (the query engine's tokenizer's),
 * lower-cased and encoded as bytes of one buffer: an ASCII token costs no string of its own. Gives exactly
 * `tokenizeStandard(text).map(encodeToken).join(' ')` (tested).
 */
import { Buffer } from 'node:buffer';
import { lowerCase } from '../../query/analysis/standard-tokenizer.js';
import { WordScanner } from '../../query/analysis/word-scanner.js';

/** How each ASCII character is written in an encoded token: itself for a–z and 0–9, else `·` and 2 hex digits. */
const ASCII_CODE: readonly string[] = Array.from({ length: 128 }, (_, c) =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) ? String.fromCharCode(c) : `·${c.toString(16).padStart(2, '0')}`,
);

/** A token's encoding: a–z and 0–9 as they are, other ASCII as `·` and 2 hex digits, the rest as `º` and 6. */
export function encodeToken(token: string): string {
  let plain = true;
  for (let i = 0; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39))) {
      plain = false;
      break;
    }
  }
  if (plain) return token;
  let out = '';
  for (let i = 0; i < token.length; i++) {
    const c = token.codePointAt(i) as number;
    if (c < 0x80) out += ASCII_CODE[c] as string;
    else {
      out += `º${c.toString(16).padStart(6, '0')}`;
      if (c > 0xffff) i++;
    }
  }
  return out;
}

/** One scanner for every call: analysis is synchronous, so calls never overlap. */
const SCANNER = new WordScanner();

const HEX = Uint8Array.from('0123456789abcdef', (ch) => ch.charCodeAt(0));
const SPACE = 0x20;
const ASCII_MARK = 0xb7; // `·`
const OTHER_MARK = 0xba; // `º`
/**
 * The encoded text is built as Latin-1 bytes (the code's alphabet is a–z, 0–9, `·`, `º` and hex
 * digits, so it always is Latin-1) and made a string once: no string per token, no concatenation.
 * Reused across calls, grown when a text needs more.
 */
let bytes = Buffer.allocUnsafe(1 << 16);
/** At most this many bytes per UTF-16 unit of input: `º` and 6 hex digits for one unit, a separator. */
const MAX_BYTES_PER_UNIT = 8;

/** Writes the encoding of an ASCII character, lower-cased (A–Z become a–z), at `at`; returns the next free offset. */
function putAscii(out: Buffer, at: number, c: number): number {
  if (c >= 0x61 && c <= 0x7a) out[at++] = c;
  else if (c >= 0x41 && c <= 0x5a) out[at++] = c + 0x20;
  else if (c >= 0x30 && c <= 0x39) out[at++] = c;
  else {
    out[at++] = ASCII_MARK;
    out[at++] = HEX[c >> 4] as number;
    out[at++] = HEX[c & 15] as number;
  }
  return at;
}

/** Token bounds in the byte buffer, in the order written; grown as needed. */
class Tokens {
  starts = new Int32Array(1024);
  ends = new Int32Array(1024);
  /** FNV-1a of each token's bytes, computed once as it is written. */
  hashes = new Int32Array(1024);
  count = 0;
  push(start: number, end: number, hash: number): void {
    if (this.count === this.starts.length) {
      this.starts = grown(this.starts);
      this.ends = grown(this.ends);
      this.hashes = grown(this.hashes);
    }
    this.starts[this.count] = start;
    this.ends[this.count] = end;
    this.hashes[this.count++] = hash;
  }
}

/**
 * Writes the encoded tokens of `text` into `out` from `at`, one space between them (none before the
 * first); with `tokens`, records each token's bytes there. Returns the next free offset.
 */
function writeTokens(text: string, out: Buffer, at: number, tokens: Tokens | undefined): number {
  const first = at;
  const scanner = SCANNER.reset(text);
  while (scanner.next()) {
    const { start, end } = scanner;
    if (at > first) out[at++] = SPACE;
    const tokenStart = at;
    if (scanner.ascii) {
      for (let k = start; k < end; k++) at = putAscii(out, at, text.charCodeAt(k));
    } else {
      // Not ASCII: lower-cased as a whole token (U+0130 and a final sigma are special), then each code point.
      const lowered = lowerCase(text.slice(start, end));
      for (let k = 0; k < lowered.length; k++) {
        const cp = lowered.codePointAt(k) as number;
        if (cp < 0x80) {
          at = putAscii(out, at, cp);
          continue;
        }
        if (cp > 0xffff) k++;
        out[at++] = OTHER_MARK;
        for (let shift = 20; shift >= 0; shift -= 4) out[at++] = HEX[(cp >> shift) & 15] as number;
      }
    }
    if (tokens !== undefined) {
      let h = 0x811c9dc5;
      for (let k = tokenStart; k < at; k++) h = Math.imul(h ^ (out[k] as number), 0x01000193);
      tokens.push(tokenStart, at, h);
    }
  }
  scanner.reset('');
  return at;
}

/** Room for the encodings of texts of `units` UTF-16 units in all, and as many bytes again for what is made of them. */
function buffer(units: number): Buffer {
  const need = 2 * units * MAX_BYTES_PER_UNIT + 16;
  if (bytes.length < need) bytes = Buffer.allocUnsafe(need);
  return bytes;
}

/** The encoded tokens of `text`, space-separated ('' for none). */
export function indexTokens(text: string): string {
  const out = buffer(text.length);
  const end = writeTokens(text, out, 0, undefined);
  return end === 0 ? '' : out.toString('latin1', 0, end);
}

function grown(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

const OWN = new Tokens();
const MESSAGE = new Tokens();

/**
 * A set of tokens (by their bytes in the buffer): open addressing over token numbers, so that a
 * lookup hashes and compares bytes and makes no string.
 */
class TokenSet {
  private slots = new Int32Array(1024);
  private mask = 0;
  private out: Buffer = bytes;
  private tokens: Tokens = OWN;

  /** Empties the set, sized for up to `n` members of `tokens` (bytes in `out`). */
  reset(out: Buffer, tokens: Tokens, n: number): void {
    let size = 16;
    while (size < 2 * n) size *= 2;
    if (this.slots.length < size) this.slots = new Int32Array(size);
    else this.slots.fill(0, 0, size);
    this.mask = size - 1;
    this.out = out;
    this.tokens = tokens;
  }

  /** Whether the set holds token `t` of `of` (any Tokens over the same buffer). */
  has(of: Tokens, t: number): boolean {
    return this.slots[this.find(of.starts[t] as number, of.ends[t] as number, of.hashes[t] as number)] !== 0;
  }

  /** Adds token `t` of the set's tokens; false when an equal one was there already. */
  add(t: number): boolean {
    const tokens = this.tokens;
    const slot = this.find(tokens.starts[t] as number, tokens.ends[t] as number, tokens.hashes[t] as number);
    if (this.slots[slot] !== 0) return false;
    this.slots[slot] = t + 1;
    return true;
  }

  private find(start: number, end: number, hash: number): number {
    const { out, tokens, slots, mask } = this;
    let slot = hash & mask;
    for (;;) {
      const held = slots[slot] as number;
      if (held === 0 || (tokens.hashes[held - 1] === hash && sameBytes(out, tokens.starts[held - 1] as number, tokens.ends[held - 1] as number, start, end))) return slot;
      slot = (slot + 1) & mask;
    }
  }
}

function sameBytes(out: Buffer, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (let k = 0; k < aEnd - a; k++) if (out[a + k] !== out[b + k]) return false;
  return true;
}

const OWN_SET = new TokenSet();
const MESSAGE_SET = new TokenSet();

const present = (text: string | null | undefined): text is string => text !== null && text !== undefined && text !== '';

/**
 * text-index.ts's `indexedTexts` in one pass over one buffer, exactly (tested): `full_log` and
 * `rule.comment` as their encoded tokens (null for no text), then the distinct tokens of `@message`
 * that neither has (in order of first appearance), then the distinct tokens of theirs that
 * `@message` lacks (in order of first appearance, full_log's first); null for none. Tokens are
 * compared as bytes in the buffer (the encoding is one-to-one), so that no token is made a string.
 */
export function indexedTextsOf(fullLog: string | null | undefined, message: string | null | undefined, comment: string | null | undefined): Array<string | null> {
  const out = buffer((fullLog?.length ?? 0) + (message?.length ?? 0) + (comment?.length ?? 0));
  OWN.count = 0;
  MESSAGE.count = 0;
  const logEnd = present(fullLog) ? writeTokens(fullLog, out, 0, OWN) : 0;
  const ruleEnd = present(comment) ? writeTokens(comment, out, logEnd, OWN) : logEnd;
  const messageEnd = present(message) ? writeTokens(message, out, ruleEnd, MESSAGE) : ruleEnd;
  OWN_SET.reset(out, OWN, OWN.count);
  /** The distinct own tokens, in order of first appearance. */
  const distinct: number[] = [];
  for (let t = 0; t < OWN.count; t++) if (OWN_SET.add(t)) distinct.push(t);
  MESSAGE_SET.reset(out, MESSAGE, MESSAGE.count);
  // Tokens are short: a loop copies them for less than Buffer#copy's call into C++.
  let at = messageEnd;
  const extraStart = at;
  for (let t = 0; t < MESSAGE.count; t++) {
    if (!MESSAGE_SET.add(t) || OWN_SET.has(MESSAGE, t)) continue;
    if (at > extraStart) out[at++] = SPACE;
    for (let k = MESSAGE.starts[t] as number; k < (MESSAGE.ends[t] as number); k++) out[at++] = out[k] as number;
  }
  const extraEnd = at;
  const missingStart = at;
  for (const t of distinct) {
    if (MESSAGE_SET.has(OWN, t)) continue;
    if (at > missingStart) out[at++] = SPACE;
    for (let k = OWN.starts[t] as number; k < (OWN.ends[t] as number); k++) out[at++] = out[k] as number;
  }
  const text = (start: number, end: number): string => (end === start ? '' : out.toString('latin1', start, end));
  return [
    present(fullLog) ? text(0, logEnd) : null,
    present(comment) ? text(logEnd, ruleEnd) : null,
    extraEnd === extraStart ? null : text(extraStart, extraEnd),
    at === missingStart ? null : text(missingStart, at),
  ];
}
