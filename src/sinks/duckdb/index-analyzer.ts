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

/** The encoded tokens of `text`, space-separated ('' for none). */
export function indexTokens(text: string): string {
  if (bytes.length < text.length * MAX_BYTES_PER_UNIT) bytes = Buffer.allocUnsafe(text.length * MAX_BYTES_PER_UNIT);
  const out = bytes;
  let at = 0;
  const scanner = SCANNER.reset(text);
  while (scanner.next()) {
    const { start, end } = scanner;
    if (at > 0) out[at++] = SPACE;
    if (scanner.ascii) {
      for (let k = start; k < end; k++) at = putAscii(out, at, text.charCodeAt(k));
      continue;
    }
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
  scanner.reset('');
  return at === 0 ? '' : out.toString('latin1', 0, at);
}
