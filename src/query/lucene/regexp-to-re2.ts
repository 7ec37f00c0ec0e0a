/**
 * @module Lucene's regular expressions (RegExp with all optional syntax, as OpenSearch's
 * query_string reads `/.../`) translated to RE2, so that they run in linear time inside DuckDB.
 * Pure.
 *
 * Lucene's dialect is not Perl's: a pattern always matches the whole term (`^` and `$` are plain
 * characters), `.` is any character including a newline, `"..."` is a literal string, `@` any
 * string, `#` the empty language, `<n-m>` a decimal interval, `&` intersection and `~` complement;
 * `?` after a quantifier is one more quantifier, never laziness; `\d \D \s \S \w \W` are ASCII
 * classes and any other escaped letter is an error. RE2 has no intersection or complement, so
 * those are translated only where an equivalent RE2 pattern of about the same size exists (see
 * `complement` and `intersection`); anywhere else the pattern is refused with its position.
 */
import { err, ok, type Result } from '../../core/result.js';

/** OpenSearch's `index.max_regex_length` default. */
export const MAX_REGEX_LENGTH = 1000;
/** RE2's largest repetition count. */
const MAX_REPEAT = 1000;
const MAX_CODE_POINT = 0x10ffff;
const SURROGATES: Range = [0xd800, 0xdfff];

export interface RegexpError {
  message: string;
  /** 0-based offset (UTF-16 code unit) in the pattern. */
  position: number;
}

type Range = [number, number];

type Node =
  | { k: 'chars'; ranges: Range[] } // one character of a set (sorted, merged, no surrogates)
  | { k: 'str'; cps: number[] } // a literal string (possibly empty)
  | { k: 'anystr' }
  | { k: 'none' }
  | { k: 'cat'; a: Node; b: Node }
  | { k: 'alt'; a: Node; b: Node }
  | { k: 'and'; a: Node; b: Node; pos: number }
  | { k: 'rep'; e: Node; min: number; max: number | undefined; pos: number } // max undefined: no bound
  | { k: 'not'; e: Node; pos: number }
  | { k: 'interval'; min: number; max: number; digits: number };

class Fail extends Error {
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

/**
 * The RE2 pattern (unanchored text; run it with `regexp_full_match`, or wrap it in `^(?:...)$`)
 * that matches exactly the strings the Lucene pattern matches.
 */
export function luceneRegexpToRe2(pattern: string): Result<string, RegexpError> {
  if (pattern.length > MAX_REGEX_LENGTH) {
    return err({
      position: MAX_REGEX_LENGTH,
      message: `The regular expression is ${pattern.length} characters long, over the maximum of ${MAX_REGEX_LENGTH} (OpenSearch's index.max_regex_length); shorten it.`,
    });
  }
  try {
    const node = new Parser(pattern).parse();
    return ok(emit(node));
  } catch (e) {
    if (e instanceof Fail) return err({ message: `${e.message} at position ${e.position} of the regular expression`, position: e.position });
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing, following the grammar of Lucene's RegExp javadoc with every optional operator enabled.

const DIGITS: Range[] = [[0x30, 0x39]];
const SPACE: Range[] = [
  [0x09, 0x0a],
  [0x0d, 0x0d],
  [0x20, 0x20],
];
const WORD: Range[] = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const ANY: Range[] = normalize([[0, MAX_CODE_POINT]]);

class Parser {
  private pos = 0;
  constructor(private readonly s: string) {}

  parse(): Node {
    if (this.s.length === 0) return { k: 'str', cps: [] };
    const node = this.union();
    if (this.pos < this.s.length) throw new Fail(`unexpected '${this.peekChar()}' (end of the expression expected; escape it as \\${this.peekChar()})`, this.pos);
    return node;
  }

  private more(): boolean {
    return this.pos < this.s.length;
  }

  private peekChar(): string {
    return String.fromCodePoint(this.s.codePointAt(this.pos) as number);
  }

  private peek(chars: string): boolean {
    return this.more() && chars.includes(this.peekChar());
  }

  private match(c: string): boolean {
    if (this.more() && this.peekChar() === c) {
      this.pos += c.length;
      return true;
    }
    return false;
  }

  private next(): number {
    if (!this.more()) throw new Fail('unexpected end of the expression', this.pos);
    const cp = this.s.codePointAt(this.pos) as number;
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private union(): Node {
    let node = this.inter();
    while (this.match('|')) node = { k: 'alt', a: node, b: this.inter() };
    return node;
  }

  private inter(): Node {
    let node = this.concat();
    for (;;) {
      const at = this.pos;
      if (!this.match('&')) return node;
      node = { k: 'and', a: node, b: this.concat(), pos: at };
    }
  }

  private concat(): Node {
    let node = this.repeat();
    while (this.more() && !this.peek(')|&')) node = { k: 'cat', a: node, b: this.repeat() };
    return node;
  }

  private repeat(): Node {
    let node = this.complement();
    while (this.peek('?*+{')) {
      const at = this.pos;
      if (this.match('?')) node = { k: 'rep', e: node, min: 0, max: 1, pos: at };
      else if (this.match('*')) node = { k: 'rep', e: node, min: 0, max: undefined, pos: at };
      else if (this.match('+')) node = { k: 'rep', e: node, min: 1, max: undefined, pos: at };
      else {
        this.match('{');
        const min = this.integer();
        let max: number | undefined = min;
        if (this.match(',')) max = this.peek('0123456789') ? this.integer() : undefined;
        if (!this.match('}')) throw new Fail("expected '}'", this.pos);
        if (max !== undefined && min > max) throw new Fail(`invalid repetition range {${min},${max}}: the minimum is above the maximum`, at);
        if (min > MAX_REPEAT || (max ?? 0) > MAX_REPEAT) throw new Fail(`repetition count above ${MAX_REPEAT} (the most the linear-time engine takes); use a smaller count`, at);
        node = { k: 'rep', e: node, min, max, pos: at };
      }
    }
    return node;
  }

  private integer(): number {
    const start = this.pos;
    while (this.peek('0123456789')) this.pos++;
    if (start === this.pos) throw new Fail('integer expected', this.pos);
    return Number(this.s.slice(start, this.pos));
  }

  private complement(): Node {
    const at = this.pos;
    if (this.match('~')) return { k: 'not', e: this.complement(), pos: at };
    return this.charClass();
  }

  private charClass(): Node {
    if (!this.match('[')) return this.simple();
    const negate = this.match('^');
    const ranges: Range[] = [];
    do {
      if (this.match('\\')) {
        const predefined = this.predefined();
        if (predefined) ranges.push(...predefined);
        else {
          const c = this.next();
          ranges.push([c, c]);
        }
      } else {
        const at = this.pos;
        const from = this.charExp();
        if (this.match('-')) {
          const to = this.charExp();
          if (from > to) throw new Fail(`invalid range ${String.fromCodePoint(from)}-${String.fromCodePoint(to)}: its start is above its end`, at);
          ranges.push([from, to]);
        } else ranges.push([from, from]);
      }
    } while (this.more() && !this.peek(']'));
    if (!this.match(']')) throw new Fail("expected ']'", this.pos);
    const set = normalize(ranges);
    return { k: 'chars', ranges: negate ? complementRanges(set) : set };
  }

  /** After a backslash: `\d \D \s \S \w \W` (and `\\`); another letter is an error; else undefined. */
  private predefined(): Range[] | undefined {
    if (!this.more()) return undefined;
    const c = this.peekChar();
    const classes: Record<string, Range[]> = { d: DIGITS, D: complementRanges(DIGITS), s: SPACE, S: complementRanges(SPACE), w: WORD, W: complementRanges(WORD) };
    const set = Object.hasOwn(classes, c) ? classes[c] : undefined;
    if (set) {
      this.pos++;
      return normalize(set);
    }
    if (/^[A-Za-z]$/.test(c)) throw new Fail(`invalid character class \\${c} (Lucene knows \\d \\D \\s \\S \\w \\W; write \\\\ for a backslash)`, this.pos - 1);
    return undefined;
  }

  private simple(): Node {
    const at = this.pos;
    if (this.match('.')) return { k: 'chars', ranges: ANY };
    if (this.match('#')) return { k: 'none' };
    if (this.match('@')) return { k: 'anystr' };
    if (this.match('"')) {
      const start = this.pos;
      while (this.more() && !this.peek('"')) this.next();
      if (!this.match('"')) throw new Fail(`expected '"' to close the string opened at position ${at}`, this.pos);
      return { k: 'str', cps: codePoints(this.s.slice(start, this.pos - 1)) };
    }
    if (this.match('(')) {
      if (this.match(')')) return { k: 'str', cps: [] };
      const inner = this.union();
      if (!this.match(')')) throw new Fail(`expected ')' to close the group opened at position ${at}`, this.pos);
      return inner;
    }
    if (this.match('<')) {
      const start = this.pos;
      while (this.more() && !this.peek('>')) this.next();
      if (!this.match('>')) throw new Fail("expected '>'", this.pos);
      return interval(this.s.slice(start, this.pos - 1), at);
    }
    if (this.match('\\')) {
      const predefined = this.predefined();
      if (predefined) return { k: 'chars', ranges: predefined };
      return single(this.next());
    }
    return single(this.next());
  }

  private charExp(): number {
    this.match('\\');
    return this.next();
  }
}

function interval(body: string, at: number): Node {
  const dash = body.indexOf('-');
  if (dash < 0) throw new Fail(`<${body}> is a named automaton, which OpenSearch does not define; write a numeric interval such as <1-100> or escape the < as \\<`, at);
  const lo = body.slice(0, dash);
  const hi = body.slice(dash + 1);
  if (!/^\d+$/.test(lo) || !/^\d+$/.test(hi) || Number(lo) > 2 ** 31 - 1 || Number(hi) > 2 ** 31 - 1) {
    throw new Fail('interval syntax error (write <n-m> with whole numbers up to 2147483647)', at + body.length + 1);
  }
  const a = Number(lo);
  const b = Number(hi);
  return { k: 'interval', min: Math.min(a, b), max: Math.max(a, b), digits: lo.length === hi.length ? lo.length : 0 };
}

function single(cp: number): Node {
  return { k: 'chars', ranges: normalize([[cp, cp]]) };
}

function codePoints(text: string): number[] {
  return Array.from(text, (c) => c.codePointAt(0) as number);
}

/** Sorted, merged ranges without the surrogates (no UTF-8 text holds them). */
function normalize(ranges: readonly Range[]): Range[] {
  const cut: Range[] = [];
  for (const [a, b] of ranges) {
    if (b < SURROGATES[0] || a > SURROGATES[1]) cut.push([a, b]);
    else {
      if (a < SURROGATES[0]) cut.push([a, SURROGATES[0] - 1]);
      if (b > SURROGATES[1]) cut.push([SURROGATES[1] + 1, b]);
    }
  }
  cut.sort((x, y) => x[0] - y[0]);
  const out: Range[] = [];
  for (const r of cut) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

function complementRanges(ranges: readonly Range[]): Range[] {
  const set = normalize(ranges);
  const out: Range[] = [];
  let from = 0;
  for (const [a, b] of set) {
    if (a > from) out.push([from, a - 1]);
    from = b + 1;
  }
  if (from <= MAX_CODE_POINT) out.push([from, MAX_CODE_POINT]);
  return normalize(out);
}

function intersectRanges(x: readonly Range[], y: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const [a, b] of x) for (const [c, d] of y) if (Math.max(a, c) <= Math.min(b, d)) out.push([Math.max(a, c), Math.min(b, d)]);
  return normalize(out);
}

// ---------------------------------------------------------------------------------------------
// Emitting RE2. Every construct is wrapped so that it can take a quantifier; no capture groups.

/** Matches no string (valid in RE2 and in JavaScript with the `u` flag). */
export const RE2_NEVER = '[^\\x{0}-\\x{10FFFF}]';
const RE2_ANY_CHAR = '[\\x{0}-\\x{10FFFF}]';

function hexCp(cp: number): string {
  return `\\x{${cp.toString(16).toUpperCase()}}`;
}

function literalChar(cp: number): string {
  const c = String.fromCodePoint(cp);
  if (/^[A-Za-z0-9]$/.test(c)) return c;
  if (/^[\\^$.|?*+()[\]{}]$/.test(c)) return `\\${c}`;
  if (cp > 0x20 && cp < 0x7f) return c;
  return hexCp(cp);
}

function classText(ranges: readonly Range[]): string {
  if (ranges.length === 0) return RE2_NEVER;
  if (ranges.length === 1 && ranges[0]![0] === ranges[0]![1]) return literalChar(ranges[0]![0]);
  const body = ranges.map(([a, b]) => (a === b ? hexCp(a) : `${hexCp(a)}-${hexCp(b)}`)).join('');
  return `[${body}]`;
}

function group(re: string): string {
  return `(?:${re})`;
}

function emit(node: Node): string {
  switch (node.k) {
    case 'chars':
      return classText(node.ranges);
    case 'str':
      return node.cps.map(literalChar).join('');
    case 'anystr':
      return `${RE2_ANY_CHAR}*`;
    case 'none':
      return RE2_NEVER;
    case 'cat':
      return emit(node.a) + emit(node.b);
    case 'alt':
      return group(`${emit(node.a)}|${emit(node.b)}`);
    case 'rep': {
      const inner = group(emit(node.e));
      if (node.max === undefined) return node.min === 0 ? `${inner}*` : node.min === 1 ? `${inner}+` : `${inner}{${node.min},}`;
      if (node.min === 0 && node.max === 1) return `${inner}?`;
      return node.min === node.max ? `${inner}{${node.min}}` : `${inner}{${node.min},${node.max}}`;
    }
    case 'interval':
      return intervalPattern(node.min, node.max, node.digits);
    case 'not':
      return complement(node.e, node.pos);
    case 'and':
      return intersection(node.a, node.b, node.pos);
  }
}

/** The literal string a node stands for, if it is one (Lucene folds such concatenations too). */
function literalOf(node: Node): number[] | undefined {
  if (node.k === 'str') return node.cps;
  if (node.k === 'chars' && node.ranges.length === 1 && node.ranges[0]![0] === node.ranges[0]![1]) return [node.ranges[0]![0]];
  if (node.k === 'cat') {
    const a = literalOf(node.a);
    const b = a && literalOf(node.b);
    return a && b ? [...a, ...b] : undefined;
  }
  return undefined;
}

/**
 * `~X`: every string X does not match. Translated where a pattern of X's size exists: X one
 * character of a set C (then: the empty string, one character outside C, or two or more), X a
 * literal string, `@`, `#`, or another complement.
 */
function complement(e: Node, pos: number): string {
  if (e.k === 'not') return emit(e.e);
  if (e.k === 'anystr') return RE2_NEVER;
  if (e.k === 'none') return `${RE2_ANY_CHAR}*`;
  if (e.k === 'chars') {
    const outside = complementRanges(e.ranges);
    const one = outside.length === 0 ? '' : `${classText(outside)}|`;
    return `(?:${one}${RE2_ANY_CHAR}{2,})?`;
  }
  const literal = literalOf(e);
  if (literal) return notString(literal);
  throw new Fail(
    'the complement operator ~ works here only before a character, a character class, a literal string, @ or #: its general form has no linear-time equivalent; rewrite the expression without it',
    pos,
  );
}

/** Every string but `cps`: shorter, longer, or differing at the first character that differs. */
function notString(cps: readonly number[]): string {
  if (cps.length === 0) return `${RE2_ANY_CHAR}+`;
  const [first, ...rest] = cps as [number, ...number[]];
  const other = complementRanges([[first, first]]);
  return `(?:${classText(other)}${RE2_ANY_CHAR}*|${literalChar(first)}${notString(rest)})?`;
}

/**
 * `A&B`: strings both match. Translated where one side decides it: `@` (the other side), `#`
 * (nothing), two single-character sets (their common characters), or intersections nested of those.
 */
function intersection(a: Node, b: Node, pos: number): string {
  const simplified = simplifyAnd(a, b);
  if (simplified) return emit(simplified);
  throw new Fail(
    'the intersection operator & works here only with @, # or two character classes on its sides: its general form has no linear-time equivalent; rewrite the expression without it, or search with two clauses joined by AND',
    pos,
  );
}

function simplifyAnd(a: Node, b: Node): Node | undefined {
  const side = (n: Node): Node | undefined => (n.k === 'and' ? simplifyAnd(n.a, n.b) : n);
  const x = side(a);
  const y = side(b);
  if (!x || !y) return undefined;
  if (x.k === 'anystr') return y;
  if (y.k === 'anystr') return x;
  if (x.k === 'none' || y.k === 'none') return { k: 'none' };
  if (x.k === 'chars' && y.k === 'chars') return { k: 'chars', ranges: intersectRanges(x.ranges, y.ranges) };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// `<n-m>`: decimal numbers from n to m. With n and m of the same length the numbers have exactly
// that many digits (zero-padded); otherwise any number of leading zeros is accepted.

function intervalPattern(min: number, max: number, digits: number): string {
  if (digits > 0) return group(digitRange(String(min).padStart(digits, '0'), String(max).padStart(digits, '0')));
  const lengths: string[] = [];
  const loLen = String(min).length;
  const hiLen = String(max).length;
  for (let len = loLen; len <= hiLen; len++) {
    const lo = len === loLen ? String(min) : `1${'0'.repeat(len - 1)}`;
    const hi = len === hiLen ? String(max) : '9'.repeat(len);
    lengths.push(digitRange(lo, hi));
  }
  return `0*${group(lengths.join('|'))}`;
}

/** Strings of the same length as `lo` and `hi` (digits) from lo to hi, as alternatives. */
function digitRange(lo: string, hi: string): string {
  if (lo.length === 0) return '';
  const digit = (a: string, b: string): string => (a === b ? a : `[${a}-${b}]`);
  const rest = lo.length - 1;
  const anyRest = rest === 0 ? '' : rest === 1 ? '[0-9]' : `[0-9]{${rest}}`;
  if (lo[0] === hi[0]) return `${lo[0]}${wrapAlt(digitRange(lo.slice(1), hi.slice(1)))}`;
  if (/^0*$/.test(lo.slice(1)) && /^9*$/.test(hi.slice(1))) return `${digit(lo[0]!, hi[0]!)}${anyRest}`;
  const parts: string[] = [];
  const loHead = Number(lo[0]);
  const hiHead = Number(hi[0]);
  let from = loHead;
  if (!/^0*$/.test(lo.slice(1))) {
    parts.push(`${lo[0]}${wrapAlt(digitRange(lo.slice(1), '9'.repeat(rest)))}`);
    from = loHead + 1;
  }
  let to = hiHead;
  const upper = /^9*$/.test(hi.slice(1)) ? undefined : `${hi[0]}${wrapAlt(digitRange('0'.repeat(rest), hi.slice(1)))}`;
  if (upper !== undefined) to = hiHead - 1;
  if (from <= to) parts.push(`${digit(String(from), String(to))}${anyRest}`);
  if (upper !== undefined) parts.push(upper);
  return parts.join('|');
}

function wrapAlt(re: string): string {
  return re.includes('|') ? group(re) : re;
}
