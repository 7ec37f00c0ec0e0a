/** @module The character classes and word automaton of Lucene's StandardTokenizer, written once in RE2 syntax so that the JavaScript tokenizer and the RE2 patterns cannot disagree about a character. */

/**
 * UAX#29 word-break classes as Lucene's grammar (StandardTokenizerImpl.jflex) uses them, after two
 * deliberate merges: Hebrew and South-East-Asian letters are plain ALetter (their special rules are
 * not modelled), and every character that is a token on its own (Han, Hiragana, emoji, regional
 * indicators) is `Single`. `Extend` (marks, format characters, ZWJ, emoji modifiers) never starts
 * anything: the character before it absorbs it (WB4), whatever that character is.
 */
export type WordClass =
  | 'ALetter'
  | 'Numeric'
  | 'Katakana'
  | 'ExtendNumLet'
  | 'Single'
  | 'MidLetter'
  | 'MidNumLet'
  | 'MidNum'
  | 'Extend'
  | 'Other';

export const WORD_CLASSES: readonly WordClass[] = [
  'ALetter', 'Numeric', 'Katakana', 'ExtendNumLet', 'Single', 'MidLetter', 'MidNumLet', 'MidNum', 'Extend', 'Other',
];

/** Every class a unit (a character plus its absorbed Extend characters) can start with. */
export const BASE_CLASSES: readonly WordClass[] = WORD_CLASSES.filter((c) => c !== 'Extend');

const hex = (list: string): string =>
  list
    .split(/\s+/)
    .filter((r) => r !== '')
    .map((r) => r.split('-').map((h) => `\\x{${h}}`).join('-'))
    .join('');

// Class bodies in RE2 syntax. Lists follow WordBreakProperty.txt; the emoji list is Lucene's
// Extended_Pictographic (its UnicodeEmojiProperties.jflex) without the letters U+2139 and U+24C2,
// plus the regional indicators 1F1E6-1F1FF.
const FORMAT = hex('AD 61C 180E 200C-200F 202A-202E 2060-206F FEFF FFF9-FFFB E0001 E0020-E007F');
const EXTEND_LETTERS = hex('FF9E FF9F'); // halfwidth sound marks: Word_Break=Extend although gc=Lm
const OTHER_LETTERS = hex('2160-2182 2185-2188 24B6-24E9'); // roman numerals, circled letters: ALetter though not gc=L
const EXTEND = `\\p{M}${FORMAT}${EXTEND_LETTERS}${hex('1F3FB-1F3FF')}`;
const KATAKANA_EXTRA = hex('3031-3035 309B 309C 30A0 30FC FF70'); // Word_Break=Katakana outside the script
const KATAKANA = `\\p{Katakana}${KATAKANA_EXTRA}`;
const EXTEND_NUM_LET = `_${hex('202F 203F 2040 2054 FE33 FE34 FE4D-FE4F FF3F')}`;
const MID_LETTER = `:${hex('B7 387 5F4 2027 FE13 FE55 FF1A')}`;
const MID_NUM_LET = `.'${hex('2018 2019 2024 FE52 FF07 FF0E')}`;
const MID_NUM = `,;${hex('37E 589 60C 60D 66C 7F8 2044 FE10 FE14 FE50 FE54 FF0C FF1B')}`;
const EMOJI = hex(`A9 AE 203C 2049 2122 2194-2199 21A9-21AA 231A-231B 2328 2388 23CF 23E9-23F3 23F8-23FA
  25AA-25AB 25B6 25C0 25FB-25FE 2600-2605 2607-2612 2614-2685 2690-2705 2708-2712 2714 2716 271D 2721 2728
  2733-2734 2744 2747 274C 274E 2753-2755 2757 2763-2767 2795-2797 27A1 27B0 27BF 2934-2935 2B05-2B07 2B1B-2B1C
  2B50 2B55 3030 303D 3297 3299 1F000-1F0FF 1F10D-1F10F 1F12F 1F16C-1F171 1F17E-1F17F 1F18E 1F191-1F19A
  1F1AD-1F1FF 1F201-1F20F 1F21A 1F22F 1F232-1F23A 1F23C-1F23F 1F249-1F3FA 1F400-1F53D 1F546-1F64F 1F680-1F6FF
  1F774-1F77F 1F7D5-1F7FF 1F80C-1F80F 1F848-1F84F 1F85A-1F85F 1F888-1F88F 1F8AE-1F8FF 1F90C-1F93A 1F93C-1F945
  1F947-1FAFF 1FC00-1FFFD`);

/**
 * The classes are rendered from parts: `pos` is a class body usable inside `[...]` (so several merge
 * into one bracket), `neg` a whole negated bracket. `cover` is a body that contains the part and
 * nothing of `Other`, used to build `Other` (and unions with it) as one negated bracket.
 */
interface Part {
  readonly pos?: string;
  readonly neg?: string;
  readonly cover: string;
}
const P = {
  letter: { neg: `[^\\P{L}\\p{Han}\\p{Hiragana}${KATAKANA}${EXTEND_LETTERS}]`, cover: '\\p{L}' },
  otherLetter: { pos: OTHER_LETTERS, cover: OTHER_LETTERS },
  han: { neg: '[^\\P{Han}\\p{M}]', cover: '\\p{Han}' }, // U+16FF0-1 are Han and Mc: Extend wins
  hiragana: { pos: '\\p{Hiragana}', cover: '\\p{Hiragana}' },
  emoji: { pos: EMOJI, cover: EMOJI },
  katakana: { pos: KATAKANA, cover: KATAKANA },
  numeric: { pos: '\\p{Nd}', cover: '\\p{Nd}' },
  extendNumLet: { pos: EXTEND_NUM_LET, cover: EXTEND_NUM_LET },
  midLetter: { pos: MID_LETTER, cover: MID_LETTER },
  midNumLet: { pos: MID_NUM_LET, cover: MID_NUM_LET },
  midNum: { pos: MID_NUM, cover: MID_NUM },
  extend: { pos: EXTEND, cover: EXTEND },
} satisfies Record<string, Part>;
const PARTS: readonly Part[] = Object.values(P);
const PARTS_OF: Record<Exclude<WordClass, 'Other'>, readonly Part[]> = {
  ALetter: [P.letter, P.otherLetter],
  Numeric: [P.numeric],
  Katakana: [P.katakana],
  ExtendNumLet: [P.extendNumLet],
  Single: [P.han, P.hiragana, P.emoji],
  MidLetter: [P.midLetter],
  MidNumLet: [P.midNumLet],
  MidNum: [P.midNum],
  Extend: [P.extend],
};
/** Which parts reach into another part's cover (so a negated `Other` bracket misses them). */
const REACHES_INTO = new Map<Part, readonly Part[]>([
  [P.letter, [P.han, P.hiragana, P.katakana, P.extend]],
  [P.han, [P.extend]],
]);

/** A valid pattern (RE2 and JavaScript `u`) that matches no string. */
export const NEVER_MATCH = '[^\\x{0}-\\x{10FFFF}]';

const alternation = (alts: readonly string[]): string => (alts.length === 1 ? (alts[0] as string) : `(?:${alts.join('|')})`);

function directRendering(parts: readonly Part[]): string[] {
  const negs = parts.flatMap((p) => (p.neg === undefined ? [] : [p.neg]));
  const pos = parts.flatMap((p) => (p.pos === undefined ? [] : [p.pos])).join('');
  return pos === '' ? negs : [...negs, `[${pos}]`];
}

const renderCache = new Map<string, string>();

/**
 * An RE2 atom matching exactly one character of any of `classes` (a union of classes; no class
 * means a pattern that matches nothing). Chooses the shortest of the equivalent renderings.
 */
export function classSet(classes: Iterable<WordClass>): string {
  const wanted = new Set(classes);
  const key = WORD_CLASSES.filter((c) => wanted.has(c)).join(',');
  const cached = renderCache.get(key);
  if (cached !== undefined) return cached;
  const members = new Set([...wanted].flatMap((c) => (c === 'Other' ? [] : PARTS_OF[c])));
  const outside = PARTS.filter((p) => !members.has(p));
  const candidates: string[] = [];
  if (wanted.has('Other') && outside.length === 0) candidates.push('[\\x{0}-\\x{10FFFF}]');
  else if (wanted.has('Other')) {
    // Everything outside the listed covers, plus members those covers swallowed.
    const missed = [...members].filter((m) => outside.some((o) => REACHES_INTO.get(o)?.includes(m)));
    candidates.push(alternation([`[^${outside.map((p) => p.cover).join('')}]`, ...directRendering(missed)]));
    if (outside.every((p) => p.pos !== undefined)) candidates.push(`[^${outside.map((p) => p.pos).join('')}]`);
  } else {
    const direct = directRendering([...members]);
    candidates.push(direct.length === 0 ? NEVER_MATCH : alternation(direct));
  }
  const best = candidates.reduce((a, b) => (b.length < a.length ? b : a));
  renderCache.set(key, best);
  return best;
}

const SCRIPTS = /^(?:Han|Hiragana|Katakana)$/;

/**
 * The JavaScript (`u` flag) equivalent of a pattern built here: `\x{H}` becomes `\u{H}` and script
 * properties gain `sc=`. Everything else used here has the same meaning in both dialects.
 */
export function toJsRegExpSource(re2: string): string {
  return re2.replace(/\\(?:x\{([0-9A-Fa-f]+)\}|([pP])\{(\w+)\}|([^]))/gu, (whole, code?: string, p?: string, name?: string) => {
    if (code !== undefined) return `\\u{${code}}`;
    if (p !== undefined && name !== undefined) return SCRIPTS.test(name) ? `\\${p}{sc=${name}}` : whole;
    return whole;
  });
}

const classRegExps: ReadonlyArray<readonly [WordClass, RegExp]> = (['ALetter', 'Numeric', 'MidNumLet', 'MidLetter', 'MidNum', 'ExtendNumLet', 'Extend', 'Katakana', 'Single'] as const).map(
  (c) => [c, new RegExp(`^${toJsRegExpSource(classSet([c]))}$`, 'u')] as const,
);
const asciiClasses: WordClass[] = [];
const classCache = new Map<number, WordClass>();

function computeClass(cp: number): WordClass {
  const ch = String.fromCodePoint(cp);
  for (const [c, re] of classRegExps) if (re.test(ch)) return c;
  return 'Other';
}
for (let cp = 0; cp < 128; cp++) asciiClasses.push(computeClass(cp));

/** The word-break class of a code point (the same answer the RE2 classes give). */
export function classOf(cp: number): WordClass {
  if (cp < 128) return asciiClasses[cp] as WordClass;
  let c = classCache.get(cp);
  if (c === undefined) {
    c = computeClass(cp);
    if (classCache.size < 65_536) classCache.set(cp, c);
  }
  return c;
}

const asciiCache = new Map<string, string>();

/**
 * Like `classSet`, restricted to ASCII: the same answer on every ASCII character, and a tiny class
 * (RE2 keeps such patterns in its fast DFA). For texts known to be pure ASCII.
 */
export function asciiClassSet(classes: Iterable<WordClass>): string {
  const wanted = new Set(classes);
  const key = WORD_CLASSES.filter((c) => wanted.has(c)).join(',');
  const cached = asciiCache.get(key);
  if (cached !== undefined) return cached;
  const one = (c: number): string => (/[0-9A-Za-z]/.test(String.fromCharCode(c)) ? String.fromCharCode(c) : `\\x{${c.toString(16).toUpperCase()}}`);
  const ranges: string[] = [];
  for (let cp = 0; cp < 128; cp++) {
    if (!wanted.has(asciiClasses[cp] as WordClass)) continue;
    let end = cp;
    while (end + 1 < 128 && wanted.has(asciiClasses[end + 1] as WordClass)) end++;
    ranges.push(end === cp ? one(cp) : end === cp + 1 ? one(cp) + one(end) : `${one(cp)}-${one(end)}`);
    cp = end;
  }
  const rendered = ranges.length === 0 ? NEVER_MATCH : `[${ranges.join('')}]`;
  asciiCache.set(key, rendered);
  return rendered;
}

/**
 * States of the word automaton: Lucene's word rule read one character at a time. `connector` is a
 * run of ExtendNumLet with nothing else yet (no token unless a letter, digit or katakana follows);
 * `joined` is ExtendNumLet inside a token; `midLetter`/`midNumber` wait for the character after a
 * MidLetter/MidNumLet/MidNum. `single` is a one-character token (Han, Hiragana, emoji).
 */
export type WordState =
  | 'start'
  | 'connector'
  | 'letter'
  | 'number'
  | 'katakana'
  | 'joined'
  | 'midLetter'
  | 'midNumber'
  | 'single';

const ANY_WORD = { ALetter: 'letter', Numeric: 'number', Katakana: 'katakana', ExtendNumLet: 'joined' } as const;
const TRANSITIONS: Record<WordState, Partial<Record<WordClass, WordState>>> = {
  start: { ALetter: 'letter', Numeric: 'number', Katakana: 'katakana', ExtendNumLet: 'connector', Single: 'single' },
  connector: { ...ANY_WORD, ExtendNumLet: 'connector', Extend: 'connector' },
  letter: { ALetter: 'letter', Numeric: 'number', ExtendNumLet: 'joined', MidLetter: 'midLetter', MidNumLet: 'midLetter', Extend: 'letter' },
  number: { ALetter: 'letter', Numeric: 'number', ExtendNumLet: 'joined', MidNum: 'midNumber', MidNumLet: 'midNumber', Extend: 'number' },
  katakana: { Katakana: 'katakana', ExtendNumLet: 'joined', Extend: 'katakana' },
  joined: { ...ANY_WORD, Extend: 'joined' },
  midLetter: { ALetter: 'letter', Extend: 'midLetter' },
  midNumber: { Numeric: 'number', Extend: 'midNumber' },
  single: { Extend: 'single' },
};

/** Where the automaton goes on a character of class `c`, or undefined where the token cannot go on. */
export function nextState(state: WordState, c: WordClass): WordState | undefined {
  return TRANSITIONS[state][c];
}

/** States in which the text read so far is a whole token. */
export const ACCEPTING: ReadonlySet<WordState> = new Set(['letter', 'number', 'katakana', 'joined', 'single']);
