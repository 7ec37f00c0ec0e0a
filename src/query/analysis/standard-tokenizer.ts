/** @module The tokens OpenSearch's `standard` analyzer makes of a text: Lucene's StandardTokenizer (UAX#29 word breaks) plus its lowercase filter. */

import { ACCEPTING, classOf, nextState, type WordState } from './word-classes.js';

// Known differences from Lucene 9's StandardTokenizer (all rare in host logs):
// - Hebrew `'`/`"` rules (WB7a-c) are not modelled: `צה"ל` is two tokens, not one.
// - Thai, Lao, Myanmar, Khmer letters are plain letters: their runs are one token as in Lucene,
//   but they also join adjacent Latin letters, digits, `_` and `.`/`:`, where Lucene splits.
// - Emoji: each pictograph (with the variation selectors, ZWJ and skin tones after it) is its own
//   token; Lucene makes one token of a ZWJ sequence, a flag (two regional indicators, here two
//   tokens) or a keycap (`#️⃣`, dropped here). Skin tones are absorbed after any character.
// - Letter, digit and mark classes come from the running Unicode tables (\p{L}, \p{Nd}, \p{M}),
//   not Lucene's Unicode 9; besides gc=L only roman numerals and circled letters are letters.
// - Rare format characters (Arabic number signs, Egyptian and shorthand format controls) separate.

/** Lucene's default `max_token_length`: a longer word is cut into pieces of at most this many UTF-16 units. */
export const MAX_TOKEN_LENGTH = 255;

/**
 * Lowercases like Lucene's LowerCaseFilter and DuckDB's `lower()`: code point by code point, with
 * the simple mapping. Differs from `String#toLowerCase` only for U+0130 (`İ` becomes `i`, not
 * `i̇`) and a final `Σ` (stays `σ`).
 */
export function lowerCase(text: string): string {
  if (!/[\u0130\u03a3]/.test(text)) return text.toLowerCase();
  let out = '';
  for (const ch of text) out += ch === '\u0130' ? 'i' : ch.toLowerCase();
  return out;
}

/**
 * The lowercased tokens of `text`, in order, as the `standard` analyzer (no stop words) emits them.
 *
 * A scanner in the manner of Lucene's JFlex grammar: at each character, the longest run the word
 * automaton accepts is a token (within 255 UTF-16 units, the scanner's buffer; the rest of a
 * longer word is scanned afresh); a character no token can start with is skipped.
 */
export function tokenizeStandard(text: string): string[] {
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
      i += firstSize; // underscores with no letter or digit: not a token
      continue;
    }
    tokens.push(lowerCase(text.slice(i, end)));
    i = end;
  }
  return tokens;
}
