/**
 * @module The standard analyzer's tokens of a text, encoded for the text index (text-index.ts's
 * `encodeToken`, space-separated), in one pass: the word automaton of word-classes.ts with its
 * states and classes numbered once into arrays, so that ingest does not pay a string-keyed lookup
 * per character. Gives exactly `tokenizeStandard(text).map(encodeToken).join(' ')` (tested).
 */
import { lowerCase, MAX_TOKEN_LENGTH } from '../../query/analysis/standard-tokenizer.js';
import { ACCEPTING, classOf, nextState, WORD_CLASSES, type WordClass, type WordState } from '../../query/analysis/word-classes.js';

const STATES: readonly WordState[] = ['start', 'connector', 'letter', 'number', 'katakana', 'joined', 'midLetter', 'midNumber', 'single'];
const NONE = -1;
const CLASS_COUNT = WORD_CLASSES.length;
const CLASS_NUMBER: ReadonlyMap<WordClass, number> = new Map(WORD_CLASSES.map((c, i) => [c, i]));
/** next[state * CLASS_COUNT + class]: the next state's number, or NONE. */
const NEXT = new Int8Array(STATES.length * CLASS_COUNT).fill(NONE);
for (let s = 0; s < STATES.length; s++) {
  for (let c = 0; c < CLASS_COUNT; c++) {
    const to = nextState(STATES[s] as WordState, WORD_CLASSES[c] as WordClass);
    NEXT[s * CLASS_COUNT + c] = to === undefined ? NONE : STATES.indexOf(to);
  }
}
const ACCEPTS = Uint8Array.from(STATES, (s) => (ACCEPTING.has(s) ? 1 : 0));
const ASCII_CLASS = Int8Array.from({ length: 128 }, (_, cp) => CLASS_NUMBER.get(classOf(cp)) as number);
const START = STATES.indexOf('start');

const classNumber = (cp: number): number => (cp < 128 ? (ASCII_CLASS[cp] as number) : (CLASS_NUMBER.get(classOf(cp)) as number));

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
  for (const ch of token) {
    const cp = ch.codePointAt(0) as number;
    if ((cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39)) out += ch;
    else if (cp < 0x80) out += `·${cp.toString(16).padStart(2, '0')}`;
    else out += `º${cp.toString(16).padStart(6, '0')}`;
  }
  return out;
}

/** The encoded tokens of `text`, space-separated ('' for none). The loop is tokenizeStandard's. */
export function indexTokens(text: string): string {
  let out = '';
  const n = text.length;
  let i = 0;
  while (i < n) {
    const first = text.codePointAt(i) as number;
    const firstSize = first > 0xffff ? 2 : 1;
    let state = NEXT[START * CLASS_COUNT + classNumber(first)] as number;
    if (state === NONE) {
      i += firstSize;
      continue;
    }
    let j = i + firstSize;
    let end = ACCEPTS[state] ? j : -1;
    let ascii = first < 128;
    while (j < n) {
      const cp = text.codePointAt(j) as number;
      const size = cp > 0xffff ? 2 : 1;
      if (j + size - i > MAX_TOKEN_LENGTH) break;
      state = NEXT[state * CLASS_COUNT + classNumber(cp)] as number;
      if (state === NONE) break;
      if (cp >= 128) ascii = false;
      j += size;
      if (ACCEPTS[state]) end = j;
    }
    if (end < 0) {
      i += firstSize;
      continue;
    }
    const token = text.slice(i, end);
    const lowered = ascii ? token.toLowerCase() : lowerCase(token);
    out += out.length === 0 ? encodeToken(lowered) : ` ${encodeToken(lowered)}`;
    i = end;
  }
  return out;
}
