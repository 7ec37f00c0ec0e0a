/**
 * @module The standard analyzer's tokens of a text, encoded for the text index (text-index.ts's
 * `encodeToken`, space-separated), in one pass of word-scanner.ts's loop (the query engine's
 * tokenizer's): the text lower-cased once, a token of ASCII letters and digits taken as a slice of
 * it with nothing else to do, others encoded from tables. Gives exactly
 * `tokenizeStandard(text).map(encodeToken).join(' ')` (tested).
 */
import { lowerCase, lowerCasedInPlace } from '../../query/analysis/standard-tokenizer.js';
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

/** The encoded tokens of `text`, space-separated ('' for none). */
export function indexTokens(text: string): string {
  let out = '';
  const lowered = lowerCasedInPlace(text);
  const scanner = SCANNER.reset(text);
  while (scanner.next()) {
    const { start, end } = scanner;
    let token: string;
    if (scanner.ascii && lowered !== undefined) {
      token = lowered.slice(start, end);
      if (!scanner.plain) token = encodeToken(token);
    } else token = encodeToken(lowerCase(text.slice(start, end)));
    out = out.length === 0 ? token : `${out} ${token}`;
  }
  scanner.reset('');
  return out;
}
