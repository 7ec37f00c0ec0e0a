/**
 * @module The text index's FTS5 expressions (the subset text-index-query.ts and the bench generate)
 * parsed and evaluated over a text segment's postings (text-segment-postings.ts) with FTS5's
 * semantics, to the ascending ordinals of the documents that match. Column filters (`col : x`,
 * `{a b} : x`, on a phrase or a parenthesised group), phrases (`"t1 t2"`, or a bare word, split
 * and folded as FTS5's `ascii` tokenizer does), a prefix on a phrase's last token (`"t" *`),
 * `AND`, `OR`, binary `NOT` and parentheses, with FTS5's precedence (NOT, then AND, then OR).
 * Anything else throws a TextSegmentMatchError (code TEXT_SEGMENT_UNSUPPORTED_EXPRESSION), so that
 * the caller falls back to FTS5: never a wrong answer. Sets are sorted Uint32Arrays. Pure.
 */
import { TEXT_INDEX_COLUMNS } from './text-index-columns.js';
import { POSITIONAL_COLUMNS, type Postings, type PostingsReader } from './text-segment-postings.js';

/**
 * A parsed expression. `columns`: a bit mask of TEXT_INDEX_COLUMNS positions (bit i: column i),
 * the column filters around the phrase intersected (0: no column, so no document). A phrase's
 * `tokens` are as the index keeps them (the `ascii` tokenizer's: lower-cased ASCII letters);
 * `prefix`: its last token stands for every term starting with it. `not`: `include` without
 * any of `exclude` (FTS5's left-associative `a NOT b NOT c` is `a NOT (b OR c)`).
 */
export type MatchExpression =
  | { readonly kind: 'phrase'; readonly columns: number; readonly tokens: readonly string[]; readonly prefix: boolean }
  | { readonly kind: 'and' | 'or'; readonly children: readonly MatchExpression[] }
  | { readonly kind: 'not'; readonly include: MatchExpression; readonly exclude: readonly MatchExpression[] };

/** Every column: FTS5's meaning of a phrase without a column filter. */
export const ALL_COLUMNS_MASK = (1 << TEXT_INDEX_COLUMNS.length) - 1;
const POSITIONAL_MASK = POSITIONAL_COLUMNS.reduce((mask, c) => mask | (1 << c), 0);

/** An expression the matcher does not evaluate (or not exactly): the caller asks FTS5 instead. */
export class TextSegmentMatchError extends Error {
  readonly code = 'TEXT_SEGMENT_UNSUPPORTED_EXPRESSION' as const;
  constructor(
    message: string,
    /** The offset in the expression where it was found, when it is about a place in it. */
    readonly at?: number,
  ) {
    super(message);
    this.name = 'TextSegmentMatchError';
  }
}

/**
 * Bounds against hostile input. Generated expressions stay far below them: a Lucene query is at
 * most 100 levels deep (lucene/parse.ts) and FTS5's own parser stops at ~100 levels of parentheses
 * (its stack); a terms query of 65,536 values (max_terms_count) over @message is ~4 phrases a value.
 */
export const MATCH_LIMITS = Object.freeze({ maxLength: 4 * 1024 * 1024, maxDepth: 256, maxPhrases: 1 << 18 });

const unsupported = (message: string, at?: number): TextSegmentMatchError => new TextSegmentMatchError(message, at);

// ---------------------------------------------------------------------------------------------
// Lexing

/** A lexical token's kind: a quoted string or a bare word (`quoted` tells), a keyword, or a sign. */
type Tok = 'string' | 'AND' | 'OR' | 'NOT' | '(' | ')' | '{' | '}' | ':' | '*' | 'end';

interface Token {
  tok: Tok;
  at: number;
  /** A string's text (a quoted one's `""` unescaped). */
  text: string;
  quoted: boolean;
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isAsciiAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
/** FTS5's bare-word characters (sqlite3Fts5IsBareword) but 0x1A, which no one writes. */
const isBareword = (c: number): boolean => c >= 0x80 || isAsciiAlnum(c) || c === 0x5f;

const SINGLE: ReadonlyMap<number, Tok> = new Map([
  [0x28, '('],
  [0x29, ')'],
  [0x7b, '{'],
  [0x7d, '}'],
  [0x3a, ':'],
  [0x2a, '*'],
]);

/** Characters FTS5 gives a meaning the matcher does not take on: `+` (phrase concatenation), `^` (first token), `-` (column exclusion), `,` (NEAR's distance). */
const UNSUPPORTED_CHARACTERS: ReadonlyMap<number, string> = new Map([
  [0x2b, "'+' (phrase concatenation)"],
  [0x5e, "'^' (initial token)"],
  [0x2d, "'-' (column exclusion)"],
  [0x2c, "',' (NEAR's distance)"],
]);

/**
 * The expression's tokens, one at a time (a lookahead of one): memory stays that of the parse
 * tree, which a hostile input of a million parentheses never builds (the depth limit stops it).
 */
class Lexer {
  private i = 0;
  private ahead: Token | undefined;

  constructor(private readonly expression: string) {}

  peek(): Token {
    this.ahead ??= this.read();
    return this.ahead;
  }

  next(): Token {
    const token = this.peek();
    this.ahead = undefined;
    return token;
  }

  private read(): Token {
    const expression = this.expression;
    const n = expression.length;
    let i = this.i;
    while (i < n && isSpace(expression.charCodeAt(i))) i++;
    if (i === n) {
      this.i = i;
      return { tok: 'end', at: n, text: '', quoted: false };
    }
    const c = expression.charCodeAt(i);
    const single = SINGLE.get(c);
    if (single !== undefined) {
      this.i = i + 1;
      return { tok: single, at: i, text: '', quoted: false };
    }
    if (c === 0x22) {
      // A quoted string: `""` is a quote inside it.
      const at = i;
      let text = '';
      let from = ++i;
      for (;;) {
        const end = expression.indexOf('"', i);
        if (end < 0) throw unsupported('An unterminated quoted string.', at);
        if (expression.charCodeAt(end + 1) === 0x22) {
          text += expression.slice(from, end + 1);
          i = from = end + 2;
          continue;
        }
        text += expression.slice(from, end);
        i = end + 1;
        break;
      }
      this.i = i;
      return { tok: 'string', at, text, quoted: true };
    }
    if (isBareword(c)) {
      const at = i;
      while (i < n && isBareword(expression.charCodeAt(i))) i++;
      const text = expression.slice(at, i);
      this.i = i;
      // Keywords are case-sensitive in FTS5 (`and` is a word).
      const tok = text === 'AND' ? 'AND' : text === 'OR' ? 'OR' : text === 'NOT' ? 'NOT' : 'string';
      return { tok, at, text, quoted: false };
    }
    const what = UNSUPPORTED_CHARACTERS.get(c);
    throw unsupported(what !== undefined ? `${what} is not supported.` : `Unexpected character U+${c.toString(16).padStart(4, '0')}.`, i);
  }
}

/**
 * A string's tokens as FTS5's `ascii` tokenizer makes them: runs of ASCII letters and digits and
 * of any non-ASCII character, ASCII letters folded to lower case (non-ASCII is kept as it is).
 */
export function asciiTokens(text: string): string[] {
  const tokens: string[] = [];
  let start = -1;
  let folded = false;
  const flush = (end: number): void => {
    const raw = text.slice(start, end);
    tokens.push(folded ? raw.replace(/[A-Z]+/g, (s) => s.toLowerCase()) : raw);
    start = -1;
    folded = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80 || isAsciiAlnum(c)) {
      if (start < 0) start = i;
      if (c >= 0x41 && c <= 0x5a) folded = true;
    } else if (start >= 0) flush(i);
  }
  if (start >= 0) flush(text.length);
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Parsing

const COLUMN_OF_NAME: ReadonlyMap<string, number> = new Map(TEXT_INDEX_COLUMNS.map((name, i) => [name, i]));
/** FTS5 compares column names without ASCII case (sqlite3_strnicmp); only ASCII folds. */
const asciiLower = (s: string): string => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

class Parser {
  private depth = 0;
  private phrases = 0;

  constructor(private readonly lexer: Lexer) {}

  parse(): MatchExpression {
    const expression = this.or(ALL_COLUMNS_MASK);
    const rest = this.peek();
    if (rest.tok !== 'end') throw this.unexpected(rest);
    return expression;
  }

  private peek(): Token {
    return this.lexer.peek();
  }

  private next(): Token {
    return this.lexer.next();
  }

  private unexpected(token: Token): TextSegmentMatchError {
    if (token.tok === 'end') return unsupported('The expression ends too early.', token.at);
    // Two operands side by side: FTS5's implicit AND (a filter then covers only the first), or a group after a word (NEAR).
    if (token.tok === 'string' || token.tok === '{') return unsupported('An implicit AND (two phrases side by side) is not supported.', token.at);
    return unsupported('Unexpected token.', token.at);
  }

  private or(columns: number): MatchExpression {
    const first = this.and(columns);
    if (this.peek().tok !== 'OR') return first;
    const children: MatchExpression[] = [];
    pushFlat(children, first, 'or');
    while (this.peek().tok === 'OR') {
      this.next();
      pushFlat(children, this.and(columns), 'or');
    }
    return { kind: 'or', children };
  }

  private and(columns: number): MatchExpression {
    const first = this.not(columns);
    if (this.peek().tok !== 'AND') return first;
    const children: MatchExpression[] = [];
    pushFlat(children, first, 'and');
    while (this.peek().tok === 'AND') {
      this.next();
      pushFlat(children, this.not(columns), 'and');
    }
    return { kind: 'and', children };
  }

  private not(columns: number): MatchExpression {
    const include = this.primary(columns);
    if (this.peek().tok !== 'NOT') return include;
    const exclude: MatchExpression[] = [];
    while (this.peek().tok === 'NOT') {
      this.next();
      exclude.push(this.primary(columns));
    }
    return { kind: 'not', include, exclude };
  }

  private primary(columns: number): MatchExpression {
    const token = this.next();
    if (token.tok === '(') return this.group(columns, token);
    if (token.tok === '{') {
      const mask = this.columnList(token);
      return this.filtered(columns & mask);
    }
    if (token.tok !== 'string') throw this.unexpected(token);
    const after = this.peek();
    if (after.tok === ':') {
      if (token.quoted) throw unsupported('A quoted column name is not supported.', token.at);
      return this.filtered(columns & this.columnList(token));
    }
    if (after.tok === '(') throw unsupported(token.text.toUpperCase() === 'NEAR' ? 'NEAR is not supported.' : 'A word before a parenthesis (NEAR syntax) is not supported.', token.at);
    return this.phrase(columns, token);
  }

  /** After a column filter's name or list: `:` and a phrase or a parenthesised group, under the filter. */
  private filtered(columns: number): MatchExpression {
    const colon = this.next();
    if (colon.tok !== ':') throw this.unexpected(colon);
    const token = this.next();
    if (token.tok === '(') return this.group(columns, token);
    // FTS5 has no filter of a filter (`a : b : x`) and no `{...}` after a filter.
    if (token.tok !== 'string' || this.peek().tok === ':') throw this.unexpected(token);
    if (this.peek().tok === '(') throw unsupported('NEAR is not supported.', token.at);
    return this.phrase(columns, token);
  }

  private group(columns: number, open: Token): MatchExpression {
    if (++this.depth > MATCH_LIMITS.maxDepth) throw unsupported(`Parentheses are nested deeper than ${MATCH_LIMITS.maxDepth} levels.`, open.at);
    const inner = this.or(columns);
    const close = this.next();
    if (close.tok !== ')') throw close.tok === 'end' ? unsupported('An unclosed parenthesis.', open.at) : this.unexpected(close);
    this.depth--;
    return inner;
  }

  /** A column name (bare word) or, after `{`, names up to `}`: their mask. */
  private columnList(first: Token): number {
    const names: Token[] = [];
    if (first.tok === '{') {
      for (let t = this.next(); t.tok !== '}'; t = this.next()) {
        if (t.tok !== 'string' || t.quoted) throw t.tok === 'string' ? unsupported('A quoted column name is not supported.', t.at) : this.unexpected(t);
        names.push(t);
      }
      if (names.length === 0) throw unsupported('An empty column list.', first.at);
    } else names.push(first);
    let mask = 0;
    for (const name of names) {
      const column = COLUMN_OF_NAME.get(asciiLower(name.text));
      if (column === undefined) throw unsupported(`No such column: ${name.text.slice(0, 64)}.`, name.at);
      mask |= 1 << column;
    }
    return mask;
  }

  private phrase(columns: number, token: Token): MatchExpression {
    if (!token.quoted && token.text.toUpperCase() === 'NEAR') throw unsupported('NEAR is not supported.', token.at);
    if (++this.phrases > MATCH_LIMITS.maxPhrases) throw unsupported(`More than ${MATCH_LIMITS.maxPhrases} phrases.`, token.at);
    const tokens = asciiTokens(token.text);
    // FTS5 drops an empty phrase and its operator with it (`"" NOT a` matches nothing, `a OR ""` is `a`): not worth copying.
    if (tokens.length === 0) throw unsupported('A phrase without tokens.', token.at);
    let prefix = false;
    if (this.peek().tok === '*') {
      this.next();
      prefix = true;
    }
    if (tokens.length > 1 && (columns & ~POSITIONAL_MASK) !== 0) throw unsupported('A phrase of several tokens on a column kept without positions (extra, missing).', token.at);
    return { kind: 'phrase', columns, tokens, prefix };
  }
}

/** Adds an operand, a group of the same operator as its operands (one list, so that an AND orders all its operands by rarity). */
function pushFlat(into: MatchExpression[], child: MatchExpression, kind: 'and' | 'or'): void {
  // A loop, not push(...children): a spread of 100,000+ arguments overflows the stack.
  if (child.kind === kind) for (const c of child.children) into.push(c);
  else into.push(child);
}

/** Parses an expression of the supported subset; throws a TextSegmentMatchError otherwise. */
export function parseMatch(expression: string): MatchExpression {
  if (expression.length > MATCH_LIMITS.maxLength) throw unsupported(`The expression is longer than ${MATCH_LIMITS.maxLength} characters.`);
  // A lone surrogate reaches SQLite as U+FFFD: FTS5 would match that, not the string's code units.
  if (/[\uD800-\uDFFF]/u.test(expression)) throw unsupported('The expression holds a lone surrogate.');
  return new Parser(new Lexer(expression)).parse();
}

/** Parsed expressions by their text: the store asks the same few over every segment. */
const PARSED = new Map<string, MatchExpression>();
const PARSED_ENTRIES = 256;
/** Longer expressions are parsed each time, so that the cache stays small (~8 MB at most). */
const PARSED_KEY_LENGTH = 16 * 1024;

function parsedOf(expression: string): MatchExpression {
  const cached = PARSED.get(expression);
  if (cached !== undefined) {
    // Most recently used last: the first entry is the one to evict.
    PARSED.delete(expression);
    PARSED.set(expression, cached);
    return cached;
  }
  const parsed = parseMatch(expression);
  if (expression.length <= PARSED_KEY_LENGTH) {
    if (PARSED.size >= PARSED_ENTRIES) PARSED.delete(PARSED.keys().next().value as string);
    PARSED.set(expression, parsed);
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// Sorted sets

const EMPTY = new Uint32Array(0);

const trimmed = (out: Uint32Array, n: number): Uint32Array => (n === out.length ? out : out.slice(0, n));

/** The first index `i >= from` with `a[i] >= target` (a.length when none): exponential, then binary search. */
export function gallop(a: Uint32Array, from: number, target: number): number {
  let lo = from;
  if (lo >= a.length || (a[lo] as number) >= target) return lo;
  let step = 1;
  let hi = lo + 1;
  while (hi < a.length && (a[hi] as number) < target) {
    lo = hi;
    step <<= 1;
    hi = lo + step;
  }
  if (hi > a.length) hi = a.length;
  // a[lo] < target; a[hi] >= target or hi === a.length.
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** When the larger set is this many times the smaller, the smaller gallops through it instead of a merge. */
const GALLOP_RATIO = 16;

export function intersect(x: Uint32Array, y: Uint32Array): Uint32Array {
  const [a, b] = x.length <= y.length ? [x, y] : [y, x];
  if (a.length === 0) return EMPTY;
  const out = new Uint32Array(a.length);
  let n = 0;
  if (b.length > a.length * GALLOP_RATIO) {
    let j = 0;
    for (let i = 0; i < a.length; i++) {
      const v = a[i] as number;
      j = gallop(b, j, v);
      if (j === b.length) break;
      if (b[j] === v) out[n++] = v;
    }
    return trimmed(out, n);
  }
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const u = a[i] as number;
    const v = b[j] as number;
    if (u < v) i++;
    else if (u > v) j++;
    else {
      out[n++] = u;
      i++;
      j++;
    }
  }
  return trimmed(out, n);
}

export function union(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint32Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const u = a[i] as number;
    const v = b[j] as number;
    if (u < v) {
      out[n++] = u;
      i++;
    } else if (u > v) {
      out[n++] = v;
      j++;
    } else {
      out[n++] = u;
      i++;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++] as number;
  while (j < b.length) out[n++] = b[j++] as number;
  return trimmed(out, n);
}

/** `a` without the members of `b`. */
export function difference(a: Uint32Array, b: Uint32Array): Uint32Array {
  if (a.length === 0 || b.length === 0) return a;
  const out = new Uint32Array(a.length);
  let n = 0;
  let j = 0;
  const galloping = b.length > a.length * GALLOP_RATIO;
  for (let i = 0; i < a.length; i++) {
    const v = a[i] as number;
    if (galloping) j = gallop(b, j, v);
    else while (j < b.length && (b[j] as number) < v) j++;
    if (j === b.length) {
      out.set(a.subarray(i), n);
      n += a.length - i;
      break;
    }
    if (b[j] !== v) out[n++] = v;
  }
  return trimmed(out, n);
}

/** Lists at which a union of many (a prefix's terms) goes through a bit set rather than merges. */
const BITSET_LISTS = 8;

/** The union of many sets: merged in pairs, or through a bit set when they are many and large. */
export function unionAll(lists: readonly Uint32Array[]): Uint32Array {
  const sets = lists.filter((l) => l.length > 0);
  if (sets.length === 0) return EMPTY;
  if (sets.length === 1) return sets[0] as Uint32Array;
  let total = 0;
  let max = 0;
  for (const s of sets) {
    total += s.length;
    const last = s[s.length - 1] as number;
    if (last > max) max = last;
  }
  if (sets.length >= BITSET_LISTS && total * 8 >= max / 32) {
    // Sized by the largest member, not the reader's docCount, so that no member can fall outside it.
    const bits = new Uint32Array((max >>> 5) + 1);
    for (const s of sets) for (let i = 0; i < s.length; i++) bits[(s[i] as number) >>> 5]! |= 1 << ((s[i] as number) & 31);
    const out = new Uint32Array(Math.min(total, max + 1));
    let n = 0;
    for (let w = 0; w < bits.length; w++) {
      let word = bits[w] as number;
      while (word !== 0) {
        const low = word & -word;
        out[n++] = (w << 5) + (31 - Math.clz32(low));
        word ^= low;
      }
    }
    return trimmed(out, n);
  }
  let level = sets;
  while (level.length > 1) {
    const next: Uint32Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? union(level[i] as Uint32Array, level[i + 1] as Uint32Array) : (level[i] as Uint32Array));
    level = next;
  }
  return level[0] as Uint32Array;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** Positions of documents, aligned with `docs` (Postings' layout). */
interface Positional {
  docs: Uint32Array;
  starts: Uint32Array;
  positions: Uint32Array;
}

/** One evaluation over one reader: each term's postings read once (maps per column, keyed by the term itself). */
class Evaluation {
  private readonly docsOf = TEXT_INDEX_COLUMNS.map(() => new Map<string, Uint32Array>());
  private readonly positionalOf = TEXT_INDEX_COLUMNS.map(() => new Map<string, Positional>());
  private readonly prefixOf = TEXT_INDEX_COLUMNS.map(() => new Map<string, { terms: string[]; docs: Uint32Array }>());
  private readonly estimates = new Map<MatchExpression, number>();

  constructor(private readonly reader: PostingsReader) {}

  evaluate(node: MatchExpression, within: Uint32Array | undefined): Uint32Array {
    switch (node.kind) {
      case 'phrase':
        return this.phrase(node, within);
      case 'or': {
        const parts = node.children.map((child) => this.evaluate(child, within));
        return unionAll(parts);
      }
      case 'and': {
        // The rarest first: each next operand is evaluated only within what is left.
        const ordered = [...node.children].sort((a, b) => this.estimate(a) - this.estimate(b));
        let result = within;
        for (const child of ordered) {
          result = this.evaluate(child, result);
          if (result.length === 0) return EMPTY;
        }
        return result ?? EMPTY;
      }
      case 'not': {
        let result = this.evaluate(node.include, within);
        for (const exclude of node.exclude) {
          if (result.length === 0) return EMPTY;
          result = difference(result, this.evaluate(exclude, result));
        }
        return result;
      }
    }
  }

  /** At most how many documents a node matches, from document frequencies: orders an AND's operands. */
  private estimate(node: MatchExpression): number {
    const known = this.estimates.get(node);
    if (known !== undefined) return known;
    let n = 0;
    switch (node.kind) {
      case 'phrase':
        for (const column of columnsOf(node.columns)) {
          let least = Infinity;
          for (let i = 0; i < node.tokens.length; i++) least = Math.min(least, this.tokenDocs(column, node.tokens[i] as string, node.prefix && i === node.tokens.length - 1).length);
          n += least;
        }
        break;
      case 'or':
        for (const child of node.children) n += this.estimate(child);
        break;
      case 'and':
        n = Infinity;
        for (const child of node.children) n = Math.min(n, this.estimate(child));
        break;
      case 'not':
        n = this.estimate(node.include);
        break;
    }
    this.estimates.set(node, n);
    return n;
  }

  /** How many documents a node matches: evaluate's length, without the answer's array for a phrase of several tokens in one column (phraseWalk's own count). */
  count(node: MatchExpression): number {
    if (node.kind === 'phrase' && node.tokens.length > 1) {
      const columns = columnsOf(node.columns);
      if (columns.length === 1 && (node.columns & ~POSITIONAL_MASK) === 0) return this.phraseWalk(columns[0] as number, node.tokens, node.prefix, undefined);
    }
    return this.evaluate(node, undefined).length;
  }

  private phrase(node: Extract<MatchExpression, { kind: 'phrase' }>, within: Uint32Array | undefined): Uint32Array {
    const { tokens, prefix } = node;
    if (tokens.length === 0) throw unsupported('A phrase without tokens.');
    if (tokens.length > 1 && (node.columns & ~POSITIONAL_MASK) !== 0) throw unsupported('A phrase of several tokens on a column kept without positions (extra, missing).');
    const parts: Uint32Array[] = [];
    for (const column of columnsOf(node.columns)) {
      if (tokens.length === 1) {
        const docs = this.tokenDocs(column, tokens[0] as string, prefix);
        parts.push(within === undefined ? docs : intersect(docs, within));
      } else parts.push(this.phraseIn(column, tokens, prefix, within));
    }
    return unionAll(parts);
  }

  /**
   * The documents holding the tokens at consecutive positions of one positional column. The
   * rarest token's documents (within `within`) are the candidates; each token in turn then
   * filters them in one pass over its list (galloping past gaps) by its first position in each
   * document (`heads`): where every token so far is there once, the candidate stays only if this
   * token sits right after the previous ones, and a candidate where some token is there several
   * times is decided at the end from all its positions. A pass is a few array reads per
   * candidate (the tokens of a log line's phrase are nearly always there once each), instead of
   * each token's cursor, positions' bounds and positions per document (~5x as long).
   */
  private phraseIn(column: number, tokens: readonly string[], prefix: boolean, within: Uint32Array | undefined): Uint32Array {
    const n = this.phraseWalk(column, tokens, prefix, within);
    return n === 0 ? EMPTY : phraseScratch(n).docs.slice(0, n);
  }

  /** phraseIn's walk: how many documents hold the phrase, they themselves the first that many of phraseScratch's docs (until the next walk). */
  private phraseWalk(column: number, tokens: readonly string[], prefix: boolean, within: Uint32Array | undefined): number {
    const last = tokens.length - 1;
    let rarest: Uint32Array | undefined;
    for (let i = 0; i < tokens.length; i++) {
      const list = this.tokenDocs(column, tokens[i] as string, prefix && i === last);
      if (rarest === undefined || list.length < rarest.length) rarest = list;
    }
    const driver = within === undefined ? (rarest as Uint32Array) : intersect(rarest as Uint32Array, within);
    if (driver.length === 0) return 0;
    const postings = tokens.map((t, i) => (prefix && i === last ? this.prefixPositions(column, t, driver) : this.positional(column, t)));
    // The candidates, filtered in place in scratch (the driver may be the reader's), and per
    // candidate the phrase's start (token 0's position), or SEVERAL: decided at the end.
    const { docs, start } = phraseScratch(driver.length);
    docs.set(driver);
    let n = driver.length;
    for (let i = 0; i < postings.length && n > 0; i++) {
      const p = postings[i] as Positional;
      const list = p.docs;
      const head = heads(p);
      let j = 0;
      let kept = 0;
      for (let r = 0; r < n; r++) {
        const doc = docs[r] as number;
        if (list[j] !== doc) {
          j = gallop(list, j, doc);
          if (j === list.length) break; // past this token's last document: no later one holds the phrase
          if (list[j] !== doc) continue;
        }
        const h = head[j++] as number;
        let s: number;
        if (i === 0) s = h;
        else {
          s = start[r] as number;
          if (s !== SEVERAL) {
            if (h === SEVERAL) s = SEVERAL;
            else if (h !== s + i) continue;
          }
        }
        docs[kept] = doc;
        start[kept] = s;
        kept++;
      }
      n = kept;
    }
    // The candidates some token is in several times (or a prefix in none): all their positions.
    const k = postings.length;
    const cursors = new Int32Array(k);
    const from = new Int32Array(k);
    const to = new Int32Array(k);
    const scratch = new Int32Array(k);
    const positionsOf = postings.map((p) => p.positions);
    let out = 0;
    for (let r = 0; r < n; r++) {
      const doc = docs[r] as number;
      if (start[r] === SEVERAL) {
        for (let i = 0; i < k; i++) {
          const p = postings[i] as Positional;
          const c = gallop(p.docs, cursors[i] as number, doc); // every token holds it (the passes above)
          cursors[i] = c;
          from[i] = p.starts[c] as number;
          to[i] = p.starts[c + 1] as number;
        }
        if (!consecutive(positionsOf, from, to, scratch)) continue;
      }
      docs[out++] = doc;
    }
    return out;
  }

  /** A token's documents in a column: a term's, or (prefix) those of every term starting with it. */
  private tokenDocs(column: number, token: string, prefix: boolean): Uint32Array {
    if (prefix) return this.prefixTerms(column, token).docs;
    const cache = this.docsOf[column] as Map<string, Uint32Array>;
    let docs = cache.get(token);
    if (docs === undefined) {
      docs = this.reader.postings(column, token, false).docs;
      cache.set(token, docs);
    }
    return docs;
  }

  /** Whether `docs` is one of the reader's arrays (which the caller then gets a copy of). */
  owns(docs: Uint32Array): boolean {
    for (const cache of this.docsOf) for (const list of cache.values()) if (list === docs) return true;
    return false;
  }

  private prefixTerms(column: number, token: string): { terms: string[]; docs: Uint32Array } {
    const cache = this.prefixOf[column] as Map<string, { terms: string[]; docs: Uint32Array }>;
    let entry = cache.get(token);
    if (entry === undefined) {
      const terms = this.reader.termsWithPrefix(column, token);
      const docs = unionAll(terms.map((term) => this.tokenDocs(column, term, false)));
      entry = { terms, docs };
      cache.set(token, entry);
    }
    return entry;
  }

  private positional(column: number, term: string): Positional {
    const cache = this.positionalOf[column] as Map<string, Positional>;
    let p = cache.get(term);
    if (p === undefined) {
      const postings: Postings = this.reader.postings(column, term, true);
      if (postings.starts === undefined || postings.positions === undefined || postings.starts.length !== postings.docs.length + 1) {
        throw unsupported(`The segment gave no positions for a term of column ${TEXT_INDEX_COLUMNS[column]}.`);
      }
      p = { docs: postings.docs, starts: postings.starts, positions: postings.positions };
      cache.set(term, p);
    }
    return p;
  }

  /**
   * A prefix's positions in the documents `docs` (all of which hold one of its terms): every
   * term's positions in each of them, merged, aligned with `docs`. Two passes over the terms'
   * documents within `docs` (count, then fill), no per-document objects.
   */
  private prefixPositions(column: number, token: string, docs: Uint32Array): Positional {
    const { terms } = this.prefixTerms(column, token);
    const perTerm = terms.map((term) => this.positional(column, term));
    const counts = new Uint32Array(docs.length + 1);
    const each = (visit: (d: number, p: Positional, k: number) => void): void => {
      for (const p of perTerm) {
        // The smaller of the two walks, galloping through the other.
        if (p.docs.length < docs.length) {
          let d = 0;
          for (let k = 0; k < p.docs.length; k++) {
            d = gallop(docs, d, p.docs[k] as number);
            if (d === docs.length) break;
            if (docs[d] === p.docs[k]) visit(d, p, k);
          }
        } else {
          let k = 0;
          for (let d = 0; d < docs.length; d++) {
            k = gallop(p.docs, k, docs[d] as number);
            if (k === p.docs.length) break;
            if (p.docs[k] === docs[d]) visit(d, p, k);
          }
        }
      }
    };
    each((d, p, k) => {
      counts[d + 1]! += (p.starts[k + 1] as number) - (p.starts[k] as number);
    });
    for (let d = 0; d < docs.length; d++) counts[d + 1]! += counts[d] as number;
    const starts = counts;
    const positions = new Uint32Array(starts[docs.length] as number);
    const fill = starts.slice(0, docs.length);
    each((d, p, k) => {
      const a = p.starts[k] as number;
      const b = p.starts[k + 1] as number;
      positions.set(p.positions.subarray(a, b), fill[d] as number);
      fill[d]! += b - a;
    });
    if (terms.length > 1) for (let d = 0; d < docs.length; d++) positions.subarray(starts[d] as number, starts[d + 1] as number).sort();
    return { docs, starts, positions };
  }
}

/**
 * phraseIn's working arrays, kept between calls and grown as needed: a phrase's walk over a day of
 * 10,000,000 alerts took two arrays of its ~40,000 candidates per segment, and the garbage
 * collector's time (the buffers are outside the heap, counted against it) was most of a walk's.
 * Only the answer, the size of its matches, is new. phraseIn neither nests nor yields.
 */
let scratchDocs = new Uint32Array(0);
let scratchStart = new Uint32Array(0);
function phraseScratch(n: number): { docs: Uint32Array; start: Uint32Array } {
  if (scratchDocs.length < n) {
    const size = 2 ** Math.ceil(Math.log2(n));
    scratchDocs = new Uint32Array(size);
    scratchStart = new Uint32Array(size);
  }
  return { docs: scratchDocs, start: scratchStart };
}

/** A document where a token is more than once (or, for a prefix's merged positions, not at all): its positions decide. */
const SEVERAL = 0xffffffff;
/** Each positional list's heads, kept as long as its positions are (the reader's decoded postings). */
const HEADS = new WeakMap<Uint32Array, Uint32Array>();

/**
 * A token's position in each of its documents, aligned with its docs, where it is there once;
 * SEVERAL where it is not (a position equal to SEVERAL is decided from the positions too).
 */
function heads(p: Positional): Uint32Array {
  let head = HEADS.get(p.positions);
  if (head === undefined) {
    const { starts, positions } = p;
    head = new Uint32Array(p.docs.length);
    for (let c = 0; c < head.length; c++) {
      const a = starts[c] as number;
      head[c] = (starts[c + 1] as number) - a === 1 ? (positions[a] as number) : SEVERAL;
    }
    HEADS.set(p.positions, head);
  }
  return head;
}

/** Whether some start s has s + i among the positions of token i (positions[from[i] .. to[i])) for every i; `at`: scratch cursors. */
function consecutive(positionsOf: readonly Uint32Array[], from: Int32Array, to: Int32Array, at: Int32Array): boolean {
  const first = positionsOf[0] as Uint32Array;
  at.set(from);
  for (let a = from[0] as number; a < (to[0] as number); a++) {
    const s = first[a] as number;
    let all = true;
    for (let i = 1; i < positionsOf.length; i++) {
      const positions = positionsOf[i] as Uint32Array;
      const want = s + i;
      let j = at[i] as number;
      const end = to[i] as number;
      while (j < end && (positions[j] as number) < want) j++;
      at[i] = j;
      if (j === end) return false; // no later start can reach past this token's last position
      if (positions[j] !== want) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

const COLUMN_LISTS: readonly (readonly number[])[] = Array.from({ length: ALL_COLUMNS_MASK + 1 }, (_, mask) => TEXT_INDEX_COLUMNS.map((_, i) => i).filter((i) => (mask & (1 << i)) !== 0));

function columnsOf(mask: number): readonly number[] {
  const list = COLUMN_LISTS[mask];
  if (list === undefined) throw unsupported(`No such column mask: ${mask}.`);
  return list;
}

/**
 * At most how many of `docCount` documents match, from document frequencies alone (the
 * dictionary's, no postings decoded): a phrase in a column is in no more documents than its rarest
 * token there (a prefix: than the column's documents), an AND in no more than its rarest operand,
 * an OR in no more than its operands together, a NOT in no more than what it keeps. Throws as
 * matchingDocs does for an expression outside the subset.
 */
export function matchingDocsAtMost(expression: string, frequency: (column: number, term: string) => number, docCount: number): number {
  const bound = (node: MatchExpression): number => {
    switch (node.kind) {
      case 'phrase': {
        let n = 0;
        for (const column of columnsOf(node.columns)) {
          let least = docCount;
          const exact = node.prefix ? node.tokens.length - 1 : node.tokens.length;
          for (let i = 0; i < exact; i++) least = Math.min(least, frequency(column, node.tokens[i] as string));
          n += least;
        }
        return Math.min(n, docCount);
      }
      case 'or':
        return Math.min(docCount, node.children.reduce((n, child) => n + bound(child), 0));
      case 'and':
        return node.children.reduce((n, child) => Math.min(n, bound(child)), docCount);
      case 'not':
        return bound(node.include);
    }
  };
  return bound(parsedOf(expression));
}

/** How many of the segment's documents match: matchingDocs' length, where it can be counted without making the array (Evaluation.count). */
export function matchingDocCount(expression: string | MatchExpression, reader: PostingsReader): number {
  return new Evaluation(reader).count(typeof expression === 'string' ? parsedOf(expression) : expression);
}

/**
 * The ordinals of the segment's documents that match, ascending, with FTS5's semantics; throws a
 * TextSegmentMatchError for an expression outside the subset. The array is the caller's.
 */
export function matchingDocs(expression: string | MatchExpression, reader: PostingsReader): Uint32Array {
  const parsed = typeof expression === 'string' ? parsedOf(expression) : expression;
  const evaluation = new Evaluation(reader);
  const docs = evaluation.evaluate(parsed, undefined);
  return docs.length > 0 && evaluation.owns(docs) ? docs.slice() : docs;
}
