/** @module RE2 patterns that find, in the raw stored text, what a query analyzed by the `standard` analyzer matches: a token, a phrase, a wildcard term. */

// Run a pattern on the LOWERCASED text, `regexp_matches(lower(t), pattern)`: DuckDB's `lower()`
// maps code point by code point, as `lowerCase` and Lucene's filter do. Patterns hold no
// look-around or backreference, every metacharacter of the input is escaped, and boundaries come
// from the tokenizer's own classes and automaton; they differ from it only on words over 255
// characters, which the tokenizer cuts into pieces.
//
// Two dialects give the same answers. The default is right for any text; `{ asciiText: true }` is
// right for pure-ASCII text only and is tiny. The Unicode classes are large enough that RE2's DFA
// runs out of memory on long patterns (phrases of four or more tokens, a `*` inside a wildcard)
// and falls back to its NFA, some 50 times slower, so send ASCII rows to the ASCII pattern:
//   CASE WHEN strlen(t) = length(t) THEN regexp_matches(lower(t), $ascii)
//        ELSE regexp_matches(lower(t), $unicode) END

import { lowerCase, tokenizeStandard } from './standard-tokenizer.js';
import {
  ACCEPTING,
  BASE_CLASSES,
  NEVER_MATCH,
  asciiClassSet,
  classOf,
  classSet,
  nextState,
  type WordClass,
  type WordState,
} from './word-classes.js';

export { NEVER_MATCH };

export interface PatternOptions {
  /** Only texts of pure ASCII will be tested (e.g. `strlen(t) = length(t)`): a much smaller pattern. */
  readonly asciiText?: boolean;
}

/** A lowercase substring every text the token's pattern matches contains (for a `contains` prefilter). */
export function literalCore(token: string): string {
  return lowerCase(token);
}

/**
 * The text holds `token` (compared lowercase) as a whole token of the standard analyzer: `root`
 * matches `sudo root:` but not `rootkit`, `sudo:root` or `root_x`. A string that is not exactly one
 * token (`.*`, `a b`, `ec2-user`) gives NEVER_MATCH.
 */
export function tokenPattern(token: string, options?: PatternOptions): string {
  return dialect(options).token(lowerCase(token));
}

/**
 * The tokens appear consecutively, as `match_phrase` finds them. NEVER_MATCH for no tokens or a
 * string that is not one token; undefined for `slop > 0` with two or more tokens, because Lucene's
 * sloppy phrase (positions within an edit distance, in any order) has no exact regular expression.
 */
export function phrasePattern(tokens: readonly string[], slop = 0, options?: PatternOptions): string | undefined {
  if (tokens.length === 1) return tokenPattern(tokens[0] as string, options);
  if (tokens.length === 0) return NEVER_MATCH;
  return slop > 0 ? undefined : dialect(options).phrase(tokens.map(lowerCase));
}

/**
 * Some token matches the wildcard `pattern`, as a wildcard query on a standard-analyzed field does:
 * `*` any run of characters, `?` one code point, `\` escapes the next character, compared
 * lowercase. `rece*` matches `receive`, `*scan*` matches `portscan`, `10.*.1` matches `10.0.0.1`;
 * a pattern no token can match (`ec2-*`, empty) gives NEVER_MATCH.
 */
export function wildcardTokenPattern(pattern: string, options?: PatternOptions): string {
  return dialect(options).wildcard(parseWildcard(pattern));
}

/**
 * A pattern whose successive matches (`regexp_extract_all(lower(t), pattern)`) are the standard
 * analyzer's tokens of the lowercased text, in order; words over 255 characters stay whole where
 * the tokenizer cuts them.
 */
export function anyTokenPattern(options?: PatternOptions): string {
  return dialect(options).anyToken();
}

// ---------------------------------------------------------------------------------------------

type Item = { kind: 'char'; text: string; cls: WordClass } | { kind: 'one' } | { kind: 'any' };
type CharItem = Item & { kind: 'char' };

/** `*`, `?`, and `\` escaping the next character; literals lowercased; `**` is `*`, `*?` becomes `?*`. */
function parseWildcard(pattern: string): Item[] {
  const items: Item[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    let ch = chars[i] as string;
    if (ch === '*') {
      if (items.at(-1)?.kind !== 'any') items.push({ kind: 'any' });
    } else if (ch === '?') {
      if (items.at(-1)?.kind === 'any') items.splice(items.length - 1, 0, { kind: 'one' });
      else items.push({ kind: 'one' });
    } else {
      if (ch === '\\' && i + 1 < chars.length) ch = chars[++i] as string;
      for (const c of lowerCase(ch)) items.push({ kind: 'char', text: c, cls: classOf(c.codePointAt(0) as number) });
    }
  }
  return items;
}

/** `text` as an RE2 literal: metacharacters escaped, non-ASCII other than letters and digits as `\x{...}`. */
function literal(text: string): string {
  let out = '';
  for (const ch of text) {
    if (/[\\^$.|?*+()[\]{}]/.test(ch)) out += `\\${ch}`;
    else if ((ch >= ' ' && ch < '\x7f') || /[\p{L}\p{N}]/u.test(ch)) out += ch;
    else out += `\\x{${(ch.codePointAt(0) as number).toString(16).toUpperCase()}}`;
  }
  return out;
}

/** Alternation; an empty option makes the group optional. */
function alt(options: readonly string[]): string {
  const distinct = [...new Set(options)];
  const nonEmpty = distinct.filter((o) => o !== '');
  if (nonEmpty.length === 0) return '';
  const body = nonEmpty.length === 1 ? (nonEmpty[0] as string) : `(?:${nonEmpty.join('|')})`;
  if (nonEmpty.length === distinct.length) return body;
  return `${isAtom(body) ? body : `(?:${body})`}?`;
}

/** One bracket expression or one group: safe to follow with a quantifier. */
function isAtom(re: string): boolean {
  const open = re[0];
  if (open !== '[' && open !== '(') return false;
  let depth = 0;
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') i++;
    else if (open === '[' && c === ']') return i === re.length - 1;
    else if (open === '(' && c === '(') depth++;
    else if (open === '(' && c === ')' && --depth === 0) return i === re.length - 1;
  }
  return false;
}

const star = (re: string): string => (re === '' ? '' : `${isAtom(re) ? re : `(?:${re})`}*`);

/** Regex pieces of one alternative; alternatives reaching the same state share their common start. */
type Seq = readonly string[];
function merge(seqs: readonly Seq[]): Seq {
  if (seqs.length === 1) return seqs[0] as Seq;
  const first = seqs[0] as Seq;
  let common = 0;
  while (common < first.length && seqs.every((s) => s.length > common && s[common] === first[common])) common++;
  return [...first.slice(0, common), alt(seqs.map((s) => s.slice(common).join('')))];
}

type Live = Map<WordState, Seq[]>;
const push = (live: Live, state: WordState, seq: Seq): void => {
  live.set(state, [...(live.get(state) ?? []), seq]);
};

function reachable(from: WordState): Set<WordState> {
  const seen = new Set<WordState>([from]);
  for (const s of seen) {
    for (const c of [...BASE_CLASSES, 'Extend' as const]) {
      const t = nextState(s, c);
      if (t !== undefined) seen.add(t);
    }
  }
  return seen;
}

const GAP: WordClass[] = ['Other', 'MidLetter', 'MidNumLet', 'MidNum', 'ExtendNumLet'];
const baseExcept = (...out: WordClass[]): WordClass[] => BASE_CLASSES.filter((c) => !out.includes(c));

interface Shape {
  readonly first: WordClass;
  readonly end: WordState;
}

/** First class and final automaton state of a lowercase token, or undefined if it is not exactly one token. */
function shapeOf(token: string): Shape | undefined {
  const tokens = tokenizeStandard(token);
  if (tokens.length !== 1 || tokens[0] !== token) return undefined;
  let state: WordState | undefined = 'start';
  for (const ch of token) state = state && nextState(state, classOf(ch.codePointAt(0) as number));
  return state && { first: classOf(token.codePointAt(0) as number), end: state };
}

/** The pattern builders over one rendering of the character classes. */
class Dialect {
  private readonly x: string;
  private readonly letters: string;
  private readonly numbers: string;
  private readonly connectors: string;
  private readonly blocks: string;
  private readonly kRun: string | undefined;
  private readonly letterMid: string;
  private readonly numberMid: string;
  private readonly hubPrefix: Record<'letter' | 'number' | 'joined', string>;
  private readonly pathCache = new Map<string, string | undefined>();

  constructor(private readonly mode: 'unicode' | 'ascii') {
    // A unit is a base character and the Extend characters it absorbs (WB4); ASCII has none.
    this.x = mode === 'unicode' ? `${classSet(['Extend'])}*` : '';
    const a = this.unit(['ALetter']);
    const n = this.unit(['Numeric']);
    const e = this.unit(['ExtendNumLet']);
    this.kRun = this.has('Katakana') ? `(?:${this.unit(['Katakana'])})+` : undefined;
    this.letterMid = this.unit(['MidLetter', 'MidNumLet']);
    this.numberMid = this.unit(['MidNum', 'MidNumLet']);
    // Blocks for inner `*`: each starts with a letter, digit or connector and ends in a "hub"
    // state (letter, number, joined), so a run of blocks is never ambiguous about where it is.
    this.letters = `${a}(?:${this.letterMid}${a})*`;
    this.numbers = `${n}(?:${this.numberMid}${n})*`;
    this.connectors = this.kRun === undefined ? e : `${e}(?:${this.kRun}${e})*`;
    this.blocks = `(?:${this.letters}|${this.numbers}|${this.connectors})*`;
    this.hubPrefix = {
      letter: `(?:${this.letterMid}${a})*`,
      number: `(?:${this.numberMid}${n})*`,
      joined: this.kRun === undefined ? '' : `(?:${this.kRun}${e})*`,
    };
  }

  private set(classes: readonly WordClass[]): string {
    return this.mode === 'ascii' ? asciiClassSet(classes) : classSet(classes);
  }

  private has(c: WordClass): boolean {
    return this.set([c]) !== NEVER_MATCH;
  }

  private unit(classes: readonly WordClass[]): string {
    return this.set(classes) + this.x;
  }

  private literal(text: string): string | undefined {
    return this.mode === 'ascii' && /[^\0-\x7f]/.test(text) ? undefined : literal(text);
  }

  /** The text before a token that starts with class `first`: a word boundary falls there. */
  private leftBoundary(first: WordClass): string {
    const x = this.x;
    switch (first) {
      case 'ALetter': // a MidLetter/MidNumLet between two letters joins them (WB6/7)
        return `(?:^|${this.set(['Other', 'Katakana', 'Single', 'MidNum'])}|(?:^|${this.set(baseExcept('ALetter'))})${x}${this.set(['MidLetter', 'MidNumLet'])})${x}`;
      case 'Numeric': // a MidNum/MidNumLet between two digits joins them (WB11/12)
        return `(?:^|${this.set(['Other', 'Katakana', 'Single', 'MidLetter'])}|(?:^|${this.set(baseExcept('Numeric'))})${x}${this.set(['MidNum', 'MidNumLet'])})${x}`;
      case 'Katakana':
        return `(?:^|${this.set(baseExcept('Katakana', 'ExtendNumLet'))})${x}`;
      case 'ExtendNumLet':
        return `(?:^|${this.set(['Other', 'Single', 'MidLetter', 'MidNumLet', 'MidNum'])})${x}`;
      default: // Han, Hiragana and emoji never join what precedes them
        return '';
    }
  }

  /** The text after a token whose automaton ended in `end` (an Extend character would belong to it). */
  private rightBoundary(end: WordState): string {
    switch (end) {
      case 'letter':
        return `(?:$|${this.set(['Other', 'Katakana', 'Single', 'MidNum'])}|${this.letterMid}(?:$|${this.set(baseExcept('ALetter'))}))`;
      case 'number':
        return `(?:$|${this.set(['Other', 'Katakana', 'Single', 'MidLetter'])}|${this.numberMid}(?:$|${this.set(baseExcept('Numeric'))}))`;
      case 'katakana':
        return `(?:$|${this.set(baseExcept('Katakana', 'ExtendNumLet'))})`;
      case 'joined':
        return `(?:$|${this.set(['Other', 'Single', 'MidLetter', 'MidNumLet', 'MidNum'])})`;
      default:
        return `(?:$|${this.set(BASE_CLASSES)})`;
    }
  }

  token(token: string): string {
    const shape = shapeOf(token);
    const lit = this.literal(token);
    return shape && lit !== undefined ? this.leftBoundary(shape.first) + lit + this.rightBoundary(shape.end) : NEVER_MATCH;
  }

  /** Text between two consecutive tokens: characters that make no token and join neither neighbour. */
  private gap(before: WordState, after: WordClass): string {
    const joinsBefore = nextState(before, 'ExtendNumLet') !== undefined;
    const joinsAfter = nextState('joined', after) !== undefined;
    const bridges = (mid: WordClass): boolean => {
      const m = nextState(before, mid);
      return m !== undefined && nextState(m, after) !== undefined;
    };
    // A lone unit must join neither side; of two or more, only the outer ones touch a token.
    const alone = GAP.filter((g) => (g === 'ExtendNumLet' ? !joinsBefore && !joinsAfter : !bridges(g)));
    const firsts = GAP.filter((g) => g !== 'ExtendNumLet' || !joinsBefore);
    const lasts = GAP.filter((g) => g !== 'ExtendNumLet' || !joinsAfter);
    const body = `(?:${this.set(alone)}|${this.set(firsts)}${this.set([...GAP, 'Extend'])}*${this.set(lasts)})${this.x}`;
    return nextState(before, after) === undefined ? `(?:${body})?` : body;
  }

  phrase(tokens: readonly string[]): string {
    let out = '';
    let previous: Shape | undefined;
    for (const token of tokens) {
      const shape = shapeOf(token);
      const lit = this.literal(token);
      if (shape === undefined || lit === undefined) return NEVER_MATCH;
      out += (previous === undefined ? this.leftBoundary(shape.first) : this.gap(previous.end, shape.first)) + lit;
      previous = shape;
    }
    return out + this.rightBoundary((previous as Shape).end);
  }

  /** From a hub state (its Extend characters read) to a state of `to`. */
  private hubPaths(hub: 'letter' | 'number' | 'joined', to: ReadonlySet<WordState>): string | undefined {
    // Blocks end in hubs: with every hub allowed, any run of blocks will do and only the non-hub
    // endings (a pending mid, katakana) need a last block of their own. Few alternatives reading
    // the same characters keep RE2's DFA small.
    const allHubs = to.has('letter') && to.has('number') && to.has('joined');
    const tails: string[] = []; // the last block, after any run of blocks
    const direct: string[] = []; // straight from the hub, no block
    if (allHubs) tails.push('');
    else {
      if (to.has(hub)) direct.push('');
      if (to.has('letter')) tails.push(this.letters);
      if (to.has('number')) tails.push(this.numbers);
      if (to.has('joined')) tails.push(this.connectors);
    }
    if (to.has('katakana') && this.kRun !== undefined) {
      tails.push(this.connectors + this.kRun);
      if (hub === 'joined') direct.push(this.kRun);
    }
    if (to.has('midLetter')) {
      tails.push(this.letters + this.letterMid);
      if (hub === 'letter') direct.push(this.letterMid);
    }
    if (to.has('midNumber')) {
      tails.push(this.numbers + this.numberMid);
      if (hub === 'number') direct.push(this.numberMid);
    }
    const options = tails.length === 0 ? direct : [...direct, this.blocks + alt(tails)];
    return options.length === 0 ? undefined : this.hubPrefix[hub] + alt(options);
  }

  /** Every character sequence taking the automaton from `from` to a state of `to` (an inner `*`). */
  private paths(from: WordState, to: ReadonlySet<WordState>): string | undefined {
    const key = `${from}>${[...to].sort().join(',')}`;
    if (!this.pathCache.has(key)) this.pathCache.set(key, this.computePaths(from, to));
    return this.pathCache.get(key);
  }

  private computePaths(from: WordState, to: ReadonlySet<WordState>): string | undefined {
    const x = this.x;
    const then = (head: string, rest: string | undefined): string | undefined => (rest === undefined ? undefined : head + rest);
    const options = (list: Array<string | undefined>): string | undefined => {
      const defined = list.filter((o): o is string => o !== undefined);
      return defined.length === 0 ? undefined : alt(defined);
    };
    const katakana = (): string | undefined => {
      const stay = `(?:${this.unit(['Katakana'])})*`;
      return options([to.has('katakana') ? stay : undefined, then(stay + this.unit(['ExtendNumLet']), this.hubPaths('joined', to))]);
    };
    switch (from) {
      case 'letter':
      case 'number':
      case 'joined':
        return then(x, this.hubPaths(from, to));
      case 'katakana':
        return then(x, katakana());
      case 'midLetter':
        return options([to.has(from) ? x : undefined, then(x + this.unit(['ALetter']), this.hubPaths('letter', to))]);
      case 'midNumber':
        return options([to.has(from) ? x : undefined, then(x + this.unit(['Numeric']), this.hubPaths('number', to))]);
      case 'connector': {
        // Connectors alone, then maybe the token's first letter, digit or katakana.
        const lead = `${x}(?:${this.unit(['ExtendNumLet'])})*`;
        return options([
          to.has('connector') ? lead : undefined,
          then(lead + this.unit(['ALetter']), this.hubPaths('letter', to)),
          then(lead + this.unit(['Numeric']), this.hubPaths('number', to)),
          then(lead + this.unit(['Katakana']), katakana()),
        ]);
      }
      case 'single':
        return to.has('single') ? x : undefined;
      default:
        return undefined;
    }
  }

  /** After a leading `*`, the first character need only lie inside some token: the text before it, by state after it. */
  private insideToken(c: CharItem, lit: string): Array<[WordState, Seq]> {
    const u = (classes: WordClass[]): string => this.unit(classes);
    const joined = `${u(['ALetter', 'Numeric', 'Katakana'])}${star(u(['ExtendNumLet']))}`;
    switch (c.cls) {
      case 'ALetter': // a letter, digit, katakana or ideograph always lies in a token
        return [['letter', [lit]]];
      case 'Numeric':
        return [['number', [lit]]];
      case 'Katakana':
        return [['katakana', [lit]]];
      case 'Single':
        return [['single', [lit]]];
      case 'ExtendNumLet': // `connector` asks nothing here but accepts only once a word character follows
        return [['joined', [joined, lit]], ['connector', [lit]]];
      case 'MidLetter':
        return [['midLetter', [u(['ALetter']), lit]]];
      case 'MidNumLet':
        return [['midLetter', [u(['ALetter']), lit]], ['midNumber', [u(['Numeric']), lit]]];
      case 'MidNum':
        return [['midNumber', [u(['Numeric']), lit]]];
      case 'Extend':
        return [
          ['letter', [u(['ALetter']), lit]],
          ['number', [u(['Numeric']), lit]],
          ['katakana', [u(['Katakana']), lit]],
          ['single', [u(['Single']), lit]],
          ['joined', [joined, lit]],
          ['connector', [u(['ExtendNumLet']), lit]],
          ['midLetter', [u(['ALetter']), u(['MidLetter', 'MidNumLet']), lit]],
          ['midNumber', [u(['Numeric']), u(['MidNum', 'MidNumLet']), lit]],
        ];
      default:
        return [];
    }
  }

  /** The shortest way a trailing `*` completes the token from `state`. */
  private completion(state: WordState): string | undefined {
    if (ACCEPTING.has(state)) return '';
    if (state === 'connector') return `${this.set(['ExtendNumLet', 'Extend'])}*${this.set(['ALetter', 'Numeric', 'Katakana'])}`;
    if (state === 'midLetter') return this.x + this.set(['ALetter']);
    if (state === 'midNumber') return this.x + this.set(['Numeric']);
    return undefined;
  }

  /**
   * Any one token, written so that RE2's leftmost-first matching takes the longest run, as the
   * tokenizer does: every choice the pattern makes is decided by the next character's class.
   */
  anyToken(): string {
    const a = this.unit(['ALetter']);
    const n = this.unit(['Numeric']);
    const e = this.unit(['ExtendNumLet']);
    const alnum = `(?:${a}(?:${this.letterMid}${a})*|${n}(?:${this.numberMid}${n})*)+`;
    const segment = this.kRun === undefined ? alnum : `(?:${this.kRun}|${alnum})`;
    const word = `(?:${e})*${segment}(?:(?:${e})+${segment})*(?:${e})*`;
    return this.has('Single') ? `(?:${this.unit(['Single'])}|${word})` : word;
  }

  /** The glob runs through the word automaton; each live state carries the regex read so far. */
  wildcard(items: readonly Item[]): string {
    const literals = new Map<CharItem, string>();
    for (const item of items) {
      if (item.kind !== 'char') continue;
      const lit = this.literal(item.text);
      if (lit === undefined || item.cls === 'Other') return NEVER_MATCH;
      literals.set(item, lit);
    }
    const lit = (item: CharItem): string => literals.get(item) as string;
    if (items.length === 0) return NEVER_MATCH;
    if (items.every((i) => i.kind === 'any')) return this.set(['ALetter', 'Numeric', 'Katakana', 'Single']);

    let live: Live = new Map([['start', [[]]]]);
    let i = 0;
    if ((items[0] as Item).kind === 'any') {
      const first = items[1] as CharItem; // `*?` was reordered to `?*`, so a character follows
      live = new Map();
      for (const [s, seq] of this.insideToken(first, lit(first))) push(live, s, seq);
      i = 2;
    }
    for (; i < items.length; i++) {
      const item = items[i] as Item;
      if (item.kind === 'any' && i === items.length - 1) {
        // A trailing `*`: the token only has to be completable; where it ends does not matter.
        const ends = [...live].flatMap(([s, seqs]) => {
          const end = this.completion(s);
          return end === undefined ? [] : [[...merge(seqs), end]];
        });
        return ends.length === 0 ? NEVER_MATCH : merge(ends).join('');
      }
      const next: Live = new Map();
      for (const [state, seqs] of live) {
        const seq = merge(seqs);
        if (item.kind === 'char') {
          const to = nextState(state, item.cls);
          const boundary = state === 'start' ? [this.leftBoundary(item.cls)] : [];
          if (to !== undefined) push(next, to, [...seq, ...boundary, lit(item)]);
        } else if (item.kind === 'one') {
          const byTarget = new Map<WordState, WordClass[]>();
          for (const c of [...BASE_CLASSES, 'Extend' as const]) {
            const to = nextState(state, c);
            if (to === undefined || !this.has(c)) continue;
            if (state === 'start') push(next, to, [...seq, this.leftBoundary(c), this.set([c])]);
            else byTarget.set(to, [...(byTarget.get(to) ?? []), c]);
          }
          for (const [to, classes] of byTarget) push(next, to, [...seq, this.set(classes)]);
        } else {
          // An inner `*` (a character always follows): any path to a state that takes that character.
          const c = items[i + 1] as CharItem;
          const byTarget = new Map<WordState, Set<WordState>>();
          for (const r of reachable(state)) {
            const to = nextState(r, c.cls);
            if (to !== undefined) byTarget.set(to, (byTarget.get(to) ?? new Set<WordState>()).add(r));
          }
          for (const [to, via] of byTarget) {
            const path = this.paths(state, via);
            if (path !== undefined) push(next, to, [...seq, path, lit(c)]);
          }
        }
      }
      if (item.kind === 'any') i++;
      live = next;
      if (live.size === 0) return NEVER_MATCH;
    }
    const ends = [...live].filter(([s]) => ACCEPTING.has(s)).map(([s, seqs]) => [...merge(seqs), this.rightBoundary(s)]);
    return ends.length === 0 ? NEVER_MATCH : merge(ends).join('');
  }
}

const UNICODE = new Dialect('unicode');
const ASCII = new Dialect('ascii');
const dialect = (options?: PatternOptions): Dialect => (options?.asciiText ? ASCII : UNICODE);
