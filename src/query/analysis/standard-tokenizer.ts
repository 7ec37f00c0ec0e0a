/** @module The tokens OpenSearch's `standard` analyzer makes of a text: Lucene's StandardTokenizer (UAX#29 word breaks) plus its lowercase filter. */

import { MAX_TOKEN_LENGTH, WordScanner } from './word-scanner.js';

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

export { MAX_TOKEN_LENGTH };

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
 * The lowercased tokens of `text`, in order, as the `standard` analyzer (no stop words) emits them
 * (word-scanner.ts's loop: the longest run the word automaton accepts, within 255 UTF-16 units).
 */
export function tokenizeStandard(text: string): string[] {
  const tokens: string[] = [];
  const lowered = lowerCasedInPlace(text);
  const scanner = SCANNER.reset(text);
  while (scanner.next()) {
    const { start, end } = scanner;
    tokens.push(scanner.ascii && lowered !== undefined ? lowered.slice(start, end) : lowerCase(text.slice(start, end)));
  }
  scanner.reset('');
  return tokens;
}

/** One scanner for every call: tokenizing is synchronous, so calls never overlap. */
const SCANNER = new WordScanner();

/**
 * `text.toLowerCase()` when every character keeps its offset in it (so an ASCII token's slice of it
 * is that token lower-cased), else undefined. Only U+0130 grows under toLowerCase (tested over every
 * code point), so one pass lower-cases the whole text instead of one call per token.
 */
export function lowerCasedInPlace(text: string): string | undefined {
  if (text.indexOf('\u0130') >= 0) return undefined;
  const lowered = text.toLowerCase();
  return lowered.length === text.length ? lowered : undefined;
}
