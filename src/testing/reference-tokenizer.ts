/**
 * @module Test helper: the standard tokenizer read straight off word-classes.ts (string states,
 * `classOf` and `nextState` per code point, `lowerCase` per token), the slow and plain reading that
 * the fast scanner (word-scanner.ts) and the index analyzer are held equal to; and fast-check texts
 * that reach every corner of the automaton and of the lower-casing.
 */
import fc from 'fast-check';
import { lowerCase, MAX_TOKEN_LENGTH } from '../query/analysis/standard-tokenizer.js';
import { ACCEPTING, classOf, nextState, type WordState } from '../query/analysis/word-classes.js';

/** The tokens of `text` as the automaton defines them: at each character the longest accepted run. */
export function referenceTokens(text: string): string[] {
  const tokens: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const first = text.codePointAt(i) as number;
    const firstSize = first > 0xffff ? 2 : 1;
    let state: WordState | undefined = nextState('start', classOf(first));
    if (state === undefined) {
      i += firstSize;
      continue;
    }
    let j = i + firstSize;
    let end = ACCEPTING.has(state) ? j : -1;
    while (j < n) {
      const cp = text.codePointAt(j) as number;
      const size = cp > 0xffff ? 2 : 1;
      if (j + size - i > MAX_TOKEN_LENGTH) break;
      state = nextState(state, classOf(cp));
      if (state === undefined) break;
      j += size;
      if (ACCEPTING.has(state)) end = j;
    }
    if (end < 0) {
      i += firstSize;
      continue;
    }
    tokens.push(lowerCase(text.slice(i, end)));
    i = end;
  }
  return tokens;
}

/**
 * Pieces of host-log text and of every class the automaton tells apart: ASCII words in both
 * cases, dotted and comma'd numbers, apostrophes (straight and curly), underscores, mid-letter and
 * mid-number punctuation, JSON escapes as they appear in @message, CJK, kana, Hangul, Thai, Hebrew,
 * Arabic digits, combining marks, ZWJ and variation selectors, emoji with skin tones, regional
 * indicators, the letters whose lower case is special (İ, Σ, ẞ, Deseret), lone surrogates.
 */
const PIECES = [
  'a', 'Z', 'sshd', 'Failed', 'ROOT', '0', '9', '42', '_', '__', '.', '..', ':', ',', ';', "'", '’', '‘', '"', '-', ' ', '  ', '\n', '\r\n', '\t', '/', '@', '(', ')', '[', ']', '=',
  '10.10.10.10', '1,000.5', '1.000,5', '3.14', '1;2', "don't", "O'Neil", 'wp-login.php', 'sudo:session', 'a_1', '_a', 'x__y', 'constructor', '__proto__',
  '\\"', '\\n', '\\u00e9', '\\\\', '{"a":"b"}',
  'é', 'É', 'ß', 'ẞ', 'İ', 'ı', 'Σ', 'σ', 'ς', 'ΣΑΣ', 'Ǆ', 'ǅ', '\u0301', '\u0308', 'e\u0301', '\u00ad', '\u200b', '\u200c', '\u200d', '\ufe0f', '\u2060',
  '日', '本語', 'カ', 'カタカナ', 'ー', 'ｶ', 'ﾞ', 'ひ', 'ら', '한국어', 'ก', 'ไทย', 'א', 'שלום', '١', '٢٣', '١٬٢', 'Ⅻ', 'ⓐ', '𐐀', '𐐨', '𝒜', '𠀋',
  '😀', '👍🏽', '👨\u200d👩\u200d👧', '🇫🇷', '#\ufe0f\u20e3', '©', '™', '\ud800', '\udc00', '\u2028', '\u3000', '\ufeff',
];

/** Random texts assembled from PIECES: the constructions logs have, in every mixture. */
export const piecesText: fc.Arbitrary<string> = fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }).map((p) => p.join(''));

/** Every kind of string fast-check makes: ASCII, any code point, any UTF-16 unit (lone surrogates). */
export const anyText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 80 }),
  fc.string({ unit: 'grapheme-composite', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: fc.constantFrom('a', 'B', '1', '.', ',', "'", '_', ':', ' ', 'é', '\u0301'), maxLength: 300 }),
);
