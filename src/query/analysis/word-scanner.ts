/**
 * @module The standard tokenizer's scanning loop, made fast once for every caller (tokenizeStandard,
 * the text index's analyzer): word-classes.ts's automaton with its states and classes numbered into
 * typed arrays, ASCII classified by char code from a table, other code points from a lazily filled
 * table (the Unicode class regexps run once per distinct code point), and no string made while
 * scanning: a token is reported as its bounds plus what its caller needs to know to skip work
 * (all ASCII? only letters and digits?).
 */
import { ACCEPTING, classOf, nextState, WORD_CLASSES, type WordClass, type WordState } from './word-classes.js';

/** Lucene's default `max_token_length`: a longer word is cut into pieces of at most this many UTF-16 units. */
export const MAX_TOKEN_LENGTH = 255;

const STATES: readonly WordState[] = ['start', 'connector', 'letter', 'number', 'katakana', 'joined', 'midLetter', 'midNumber', 'single'];
const NONE = -1;
const CLASS_COUNT = WORD_CLASSES.length;
const CLASS_NUMBER: ReadonlyMap<WordClass, number> = new Map(WORD_CLASSES.map((c, i) => [c, i]));
/** NEXT[state * CLASS_COUNT + class]: the next state's number, or NONE. */
const NEXT = new Int8Array(STATES.length * CLASS_COUNT).fill(NONE);
for (let s = 0; s < STATES.length; s++) {
  for (let c = 0; c < CLASS_COUNT; c++) {
    const to = nextState(STATES[s] as WordState, WORD_CLASSES[c] as WordClass);
    NEXT[s * CLASS_COUNT + c] = to === undefined ? NONE : STATES.indexOf(to);
  }
}
const ACCEPTS = Uint8Array.from(STATES, (s) => (ACCEPTING.has(s) ? 1 : 0));
const START = STATES.indexOf('start');
const LETTER = STATES.indexOf('letter');
const NUMBER = STATES.indexOf('number');
const UNKNOWN = -2;
/** The class number of every BMP code point, filled as code points are met (UNKNOWN until then). */
const BMP_CLASS = new Int8Array(0x10000).fill(UNKNOWN);
for (let cp = 0; cp < 128; cp++) BMP_CLASS[cp] = CLASS_NUMBER.get(classOf(cp)) as number;
/** 1 for A–Z, a–z, 0–9: the characters a lower-cased token keeps as they are in the index's encoding. */
const ALNUM = Uint8Array.from({ length: 128 }, (_, c) => (/[0-9A-Za-z]/.test(String.fromCharCode(c)) ? 1 : 0));
// The scanner skips runs of ASCII letters and digits inside a word whole; that is sound only while
// the automaton takes each of them from `letter` or `number` to `letter` (a letter) or `number`
// (a digit), both accepting. Checked here so that a change to word-classes.ts cannot break it quietly.
for (const from of [LETTER, NUMBER]) {
  for (let c = 0; c < 128; c++) {
    if (ALNUM[c] !== 1) continue;
    const to = NEXT[from * CLASS_COUNT + (BMP_CLASS[c] as number)];
    if (to !== (c <= 0x39 ? NUMBER : LETTER) || ACCEPTS[to] !== 1) throw new Error(`word-scanner: the automaton no longer keeps ${String.fromCharCode(c)} inside a word`);
  }
}

function bmpClass(c: number): number {
  let k = BMP_CLASS[c] as number;
  if (k === UNKNOWN) {
    k = CLASS_NUMBER.get(classOf(c)) as number;
    BMP_CLASS[c] = k;
  }
  return k;
}

/** Astral code points are rare in logs: classOf's own cache serves them. */
const astralClass = (cp: number): number => CLASS_NUMBER.get(classOf(cp)) as number;

/**
 * Walks a text's tokens in order: after `reset(text)`, each `next()` that returns true leaves the
 * token's bounds in `start`/`end` (UTF-16 offsets), `ascii` (every unit < 0x80) and `plain` (only
 * ASCII letters and digits). At each character the longest run the automaton accepts is a token
 * (within MAX_TOKEN_LENGTH units; the rest of a longer word is scanned afresh), and a character no
 * token can start with is skipped, as in Lucene's JFlex scanner.
 */
export class WordScanner {
  start = 0;
  end = 0;
  ascii = true;
  plain = true;
  private text = '';
  private pos = 0;

  reset(text: string): this {
    this.text = text;
    this.pos = 0;
    return this;
  }

  next(): boolean {
    const text = this.text;
    const n = text.length;
    let i = this.pos;
    while (i < n) {
      let cp = text.charCodeAt(i);
      let size = 1;
      let cls: number;
      if (cp < 0x80) cls = BMP_CLASS[cp] as number;
      else if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n && isLowSurrogate(text.charCodeAt(i + 1))) {
        cp = combine(cp, text.charCodeAt(i + 1));
        size = 2;
        cls = astralClass(cp);
      } else cls = bmpClass(cp);
      let state = NEXT[START * CLASS_COUNT + cls] as number;
      if (state === NONE) {
        i += size;
        continue;
      }
      let ascii = cp < 0x80;
      let plain = ascii && ALNUM[cp] === 1;
      let j = i + size;
      let end = -1;
      let endAscii = ascii;
      let endPlain = plain;
      if (ACCEPTS[state] === 1) end = j;
      while (j < n) {
        cp = text.charCodeAt(j);
        size = 1;
        if (cp < 0x80) {
          if (ALNUM[cp] === 1 && (state === LETTER || state === NUMBER) && j - i < MAX_TOKEN_LENGTH) {
            // Most of a log is runs of ASCII letters and digits: inside a word every one of them
            // is a letter or a digit transition, each accepting, so the run is skipped whole.
            const limit = Math.min(n, i + MAX_TOKEN_LENGTH);
            let last = cp;
            j++;
            while (j < limit) {
              const c = text.charCodeAt(j);
              if (c >= 0x80 || ALNUM[c] !== 1) break;
              last = c;
              j++;
            }
            state = last <= 0x39 ? NUMBER : LETTER;
            end = j;
            endAscii = ascii;
            endPlain = plain;
            continue;
          }
          cls = BMP_CLASS[cp] as number;
        } else {
          if (cp >= 0xd800 && cp <= 0xdbff && j + 1 < n && isLowSurrogate(text.charCodeAt(j + 1))) {
            cp = combine(cp, text.charCodeAt(j + 1));
            size = 2;
            cls = astralClass(cp);
          } else cls = bmpClass(cp);
        }
        if (j + size - i > MAX_TOKEN_LENGTH) break;
        state = NEXT[state * CLASS_COUNT + cls] as number;
        if (state === NONE) break;
        if (cp >= 0x80) ascii = plain = false;
        else if (ALNUM[cp] !== 1) plain = false;
        j += size;
        if (ACCEPTS[state] === 1) {
          end = j;
          endAscii = ascii;
          endPlain = plain;
        }
      }
      if (end < 0) {
        // Underscores with no letter or digit after them: not a token; the scan goes on after the first.
        i += text.charCodeAt(i) >= 0xd800 && text.charCodeAt(i) <= 0xdbff && i + 1 < n && isLowSurrogate(text.charCodeAt(i + 1)) ? 2 : 1;
        continue;
      }
      this.start = i;
      this.end = end;
      this.ascii = endAscii;
      this.plain = endPlain;
      this.pos = end;
      return true;
    }
    this.pos = n;
    return false;
  }
}

const isLowSurrogate = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;
const combine = (high: number, low: number): number => (high - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
