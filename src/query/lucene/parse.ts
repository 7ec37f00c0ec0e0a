/** @module Recursive-descent parser for Lucene's classic query syntax, with OpenSearch query_string semantics. */

import { luceneRegexpToRe2 } from './regexp-to-re2.js';
import { err, ok, type Result } from '../../core/result.js';
import {
  boolNode,
  escapeForPattern,
  fixPureNegative,
  matchAll,
  type QueryNode,
  type QuerySyntaxError,
  type RangeNode,
  wildcardPattern,
} from '../ast.js';
import { lex, suggestQuoted, unescape, type Token, type TokenKind } from './tokenize.js';

export interface LuceneOptions {
  /** Occurrence of clauses without AND/OR/+/-; Lucene's and OpenSearch's default is OR. */
  defaultOperator?: 'OR' | 'AND';
  /** One default field (query_string `default_field`); absent or `*` means all default fields (field null). */
  defaultField?: string;
  /** query_string's analyze_wildcard: true (Kibana's setting, the default here); the DSL's default is false. */
  analyzeWildcard?: boolean;
}

type Parsed = Result<QueryNode, QuerySyntaxError>;
type Occur = 'must' | 'should' | 'mustNot';
interface Clause {
  occur: Occur;
  node: QueryNode;
}

/** Parenthesis nesting limit, so hostile input cannot exhaust the stack. */
const MAX_DEPTH = 100;
const ALL_FIELDS = '*';
const JAVA_INT_MAX = 2 ** 31 - 1;
const EXISTS_FIELD = '_exists_';

const HINTS = {
  lone: 'Attach the operator to what it applies to (-term, +term, !term), or escape it (\\-) to search for the character.',
  range: 'Write ranges as field:[low TO high] (inclusive) or field:{low TO high} (exclusive); use * for an open end.',
  unclosedRange: 'Close the range with ] (inclusive) or } (exclusive), as in field:[low TO high].',
};

const REGEXP_HINT = 'Lucene regular expressions match the whole term; escape . ? + * | { } [ ] ( ) " \\ # @ & < > ~ with \\ to mean the character itself.';

function fail(message: string, position: number, hint: string): { ok: false; error: QuerySyntaxError } {
  return err({ message, position, hint });
}

/**
 * Parses Lucene query text. Empty or whitespace-only text is an error here (query_string semantics);
 * `parseLucene` is the query-bar entry point that maps it to match_all.
 */
export function parseQueryString(text: string, options: LuceneOptions = {}): Parsed {
  const { tokens, error } = lex(text);
  if (tokens.length === 1 && error === null) return fail('The query is empty', 0, 'Type a term, or field:value.');
  const defaultField = options.defaultField === undefined || options.defaultField === ALL_FIELDS ? null : options.defaultField;
  const parser = new Parser(text, tokens, options.defaultOperator === 'AND', defaultField, options.analyzeWildcard ?? true);
  const result = parser.parseTop();
  // A lexical error wins once the parser got that far; an earlier syntax error is reported first.
  return error !== null && (result.ok || parser.reachedEnd) ? err(error) : result;
}

class Parser {
  private pos = 0;
  /** Whether the parser looked at the final token (eof, or where the lexer stopped). */
  reachedEnd = false;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
    private readonly andDefault: boolean,
    private readonly defaultField: string | null,
    private readonly analyzeWildcards: boolean,
  ) {}

  parseTop(): Parsed {
    const q = this.query(null, 0);
    if (!q.ok) return q;
    const t = this.peek();
    return t.kind === 'eof' ? q : this.unexpected(t);
  }

  private peek(ahead = 0): Token {
    const index = Math.min(this.pos + ahead, this.tokens.length - 1);
    if (index === this.tokens.length - 1) this.reachedEnd = true;
    return this.tokens[index] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  /** Lucene's Query production: a flat list of clauses, each with an optional conjunction and modifier. */
  private query(field: string | null, depth: number): Parsed {
    const clauses: Clause[] = [];
    let firstPlain: QueryNode | null = null;
    for (;;) {
      const t = this.peek();
      let conj: 'none' | 'and' | 'or' = 'none';
      let intro: Token | null = null;
      if (t.kind === 'and' || t.kind === 'or') {
        if (clauses.length === 0) {
          return fail(`${t.text} has nothing before it`, t.start, `Remove the leading ${t.text}, or put a term before it.`);
        }
        conj = t.kind;
        intro = this.next();
      } else if (!STARTS_CLAUSE.has(t.kind)) {
        break;
      }
      if (conj === 'none') {
        const group = this.multiTerm(field);
        if (group !== null) {
          if (!group.ok) return group;
          if (clauses.length === 0) firstPlain = group.value;
          addClause(clauses, conj, 'none', group.value, this.andDefault);
          continue;
        }
      }
      let mod: 'none' | 'req' | 'not' = 'none';
      const m = this.peek();
      if (m.kind === 'plus' || m.kind === 'minus' || m.kind === 'not') {
        mod = m.kind === 'plus' ? 'req' : 'not';
        intro = this.next();
      }
      const c = this.clause(field, depth, intro);
      if (!c.ok) return c;
      if (clauses.length === 0 && mod === 'none') firstPlain = c.value;
      addClause(clauses, conj, mod, c.value, this.andDefault);
    }
    if (clauses.length === 0) {
      const t = this.peek();
      if (t.kind === 'rparen' && depth > 0) return fail('Empty parentheses', t.start, 'Put a query inside (), or remove them.');
      return this.unexpected(t);
    }
    // Lucene returns a lone unmodified clause as itself rather than wrapping it.
    if (clauses.length === 1 && firstPlain !== null) return ok(firstPlain);
    return ok(buildBool(clauses));
  }

  /**
   * Lucene's MultiTerm production (query_string has no split_on_whitespace since 2.x): plain terms in
   * a row, none with an operator, field, boost or fuzziness, are one text for the field's analyzer,
   * so `srcuser:(root admin)` is the keyword `root admin`. Null when the next tokens are not such a run.
   */
  private multiTerm(field: string | null): Parsed | null {
    const continues = (ahead: number): boolean => this.peek(ahead).kind === 'term' && !ENDS_MULTI_TERM.has(this.peek(ahead + 1).kind);
    if (this.peek().kind !== 'term' || !continues(1)) return null;
    const words = [this.next()];
    while (continues(0)) words.push(this.next());
    const values: string[] = [];
    for (const word of words) {
      if (field === null) {
        const misplaced = misplacedOperator(word);
        if (misplaced) return misplaced;
      }
      const value = unescape(word.text, word.start);
      if (!value.ok) return value;
      values.push(value.value);
    }
    return this.fieldQuery(this.resolve(field), values.join(' '), words[0] as Token);
  }

  /** Lucene's Clause production: `[field:] (term | "(" query ")")`. */
  private clause(field: string | null, depth: number, intro: Token | null): Parsed {
    const t = this.peek();
    if (!STARTS_VALUE.has(t.kind)) return intro === null ? this.unexpected(t) : this.missingAfter(intro, t);
    let f = field;
    const after = this.peek(1);
    if ((t.kind === 'term' || t.kind === 'star') && after.kind === 'colon') {
      const name = t.kind === 'star' ? ok(ALL_FIELDS) : unescape(t.text, t.start);
      if (!name.ok) return name;
      f = name.value;
      this.next();
      this.next();
      const v = this.peek();
      if (v.kind === 'colon') return this.colonInValue(v);
      if (v.kind === 'plus' || v.kind === 'minus' || v.kind === 'not') {
        return fail(
          `${v.text} cannot follow "${t.text}:"`,
          v.start,
          `Put it before the field (${v.text}${t.text}:value), or escape it to search for it (${t.text}:\\${v.text}value).`,
        );
      }
      if (!STARTS_VALUE.has(v.kind)) {
        return fail(
          `Missing value after "${t.text}:"`,
          v.start,
          `Put a value after the colon: ${t.text}:value, ${t.text}:"a phrase", or ${t.text}:* to match documents that have the field.`,
        );
      }
    } else if ((t.kind === 'prefix' || t.kind === 'wildcard') && after.kind === 'colon') {
      const hint = 'Escape them to query a field pattern: data.win.\\*:value.';
      return fail('A field name cannot contain an unescaped * or ?', after.start, hint);
    } else if (t.kind === 'quoted' && after.kind === 'colon') {
      const hint = 'Write the field name bare, escaping special characters: my\\ field:value.';
      return fail('A field name cannot be quoted', after.start, hint);
    }
    if (this.peek().kind === 'lparen') {
      const open = this.next();
      if (depth >= MAX_DEPTH) return fail('Parentheses are nested too deeply', open.start, `Use at most ${MAX_DEPTH} levels of nesting.`);
      const q = this.query(f, depth + 1);
      if (!q.ok) return q;
      const close = this.peek();
      if (close.kind === 'eof') return fail('Missing closing parenthesis', open.start, 'Add a ) to close the group opened here.');
      if (close.kind !== 'rparen') return this.unexpected(close);
      this.next();
      this.skipBoost();
      return q;
    }
    return this.term(f);
  }

  /** Lucene's Term production: a bare token, a phrase or a range, with optional ^boost and ~fuzz. */
  private term(field: string | null): Parsed {
    const t = this.next();
    switch (t.kind) {
      case 'bare_op':
        return fail(`A lone ${t.text[0]}`, t.start, HINTS.lone);
      case 'range_start':
        return this.range(t, field);
      case 'quoted':
        return this.phrase(field, t, this.suffix());
      case 'term':
      case 'star':
      case 'prefix':
      case 'wildcard':
      case 'regexp':
        return this.bare(field, t, this.suffix());
      default:
        return this.unexpected(t);
    }
  }

  /** `^boost [~fuzz]` or `~fuzz [^boost]`; boosts only affect scoring, so they are dropped. */
  private suffix(): Token | null {
    let fuzzy: Token | null = null;
    if (this.skipBoost()) {
      if (this.peek().kind === 'fuzzy') fuzzy = this.next();
    } else if (this.peek().kind === 'fuzzy') {
      fuzzy = this.next();
      this.skipBoost();
    }
    return fuzzy;
  }

  private skipBoost(): boolean {
    if (this.peek().kind !== 'caret') return false;
    this.next();
    this.next(); // the tokenizer guarantees a number after ^
    return true;
  }

  /** Kibana sends analyze_wildcard: true, and so do we: text fields analyze a wildcard's literal parts. */
  private analyzeWildcard(): { analyze?: { operator: 'or' | 'and' } } {
    return this.analyzeWildcards ? { analyze: { operator: this.andDefault ? 'and' : 'or' } } : {};
  }

  /**
   * The field a node gets: no field means the default field. An explicit `*:` is the field pattern
   * `*`, every field, as in OpenSearch (where a value some field cannot hold fails the query).
   */
  private resolve(field: string | null): string | null {
    return field === null ? this.defaultField : field;
  }

  /** Lucene's handleBareTokenQuery with OpenSearch's overrides: wildcard, prefix, regexp, fuzzy, then plain. */
  private bare(explicitField: string | null, t: Token, fuzzy: Token | null): Parsed {
    const field = this.resolve(explicitField);
    if (explicitField === null && t.kind !== 'regexp' && t.kind !== 'star') {
      const misplaced = misplacedOperator(t);
      if (misplaced) return misplaced;
    }
    if (field === EXISTS_FIELD && (t.kind !== 'term' || fuzzy !== null)) {
      return fail('_exists_ takes a plain field name', t.start, 'Write _exists_:field.name, without wildcards, regexes or ~.');
    }
    switch (t.kind) {
      case 'star':
        // OpenSearch: `*` on all fields matches everything, on one field it tests existence.
        return ok(field === null || field === ALL_FIELDS ? matchAll() : { kind: 'exists', field });
      case 'wildcard':
        return ok({ kind: 'wildcard', field, pattern: wildcardPattern(t.text), ...this.analyzeWildcard() });
      case 'prefix': {
        // Lucene unescapes a prefix term's body (\u included) before building the query.
        const body = unescape(t.text.slice(0, -1), t.start);
        return body.ok ? ok({ kind: 'wildcard', field, pattern: `${escapeForPattern(body.value)}*`, ...this.analyzeWildcard() }) : body;
      }
      case 'regexp': {
        // Checked here, where the query text is known, so that the error points into it.
        const pattern = t.text.slice(1, -1);
        const checked = luceneRegexpToRe2(pattern);
        if (!checked.ok) return fail(checked.error.message, t.start + 1 + checked.error.position, REGEXP_HINT);
        return ok({ kind: 'regexp', field, pattern });
      }
    }
    const value = unescape(t.text, t.start);
    if (!value.ok) return value;
    if (fuzzy !== null) {
      const distance = fuzzyDistance(fuzzy, value.value);
      return distance.ok ? ok({ kind: 'fuzzy', field, value: value.value, distance: distance.value }) : distance;
    }
    return this.fieldQuery(field, value.value, t);
  }

  /** OpenSearch's getFieldQuery for unquoted text: `_exists_:f`, and `field:>=v` style comparisons. */
  private fieldQuery(field: string | null, value: string, t: Token): Parsed {
    if (field === EXISTS_FIELD) return ok({ kind: 'exists', field: value });
    const op = value[0];
    if (value.length > 1 && (op === '>' || op === '<')) {
      if (field === null) {
        return fail('A comparison needs a field', t.start, `Write it after a field name: field:${value}, e.g. rule.level:>=10.`);
      }
      if (value === '>=' || value === '<=') {
        return fail(`Missing value after ${value}`, t.end, `Write field:${value}value, e.g. rule.level:>=10.`);
      }
      const inclusive = value.length > 2 && value[1] === '=';
      const bound = value.slice(inclusive ? 2 : 1);
      return ok(op === '>' ? makeRange(field, bound, inclusive, null, true) : makeRange(field, null, true, bound, inclusive));
    }
    return ok(this.andDefault ? { kind: 'term', field, value, operator: 'and' } : { kind: 'term', field, value });
  }

  private phrase(explicitField: string | null, t: Token, fuzzy: Token | null): Parsed {
    const field = this.resolve(explicitField);
    const value = unescape(t.text.slice(1, -1), t.start + 1);
    if (!value.ok) return value;
    if (field === EXISTS_FIELD) return ok({ kind: 'exists', field: value.value });
    // Lucene's handleQuotedTerm: (int) Float.parseFloat(suffix), and an unparsable suffix keeps slop 0.
    const slop = fuzzy === null ? 0 : Math.min(JAVA_INT_MAX, Math.trunc(javaFloat(fuzzy.text.slice(1)) ?? 0));
    if (slop < 0) {
      const hint = 'Write "a phrase"~2 to allow words up to 2 positions apart.';
      return fail('Phrase slop cannot be negative', fuzzy?.start ?? t.end, hint);
    }
    return ok(slop > 0 ? { kind: 'phrase', field, value: value.value, slop } : { kind: 'phrase', field, value: value.value });
  }

  private range(start: Token, explicitField: string | null): Parsed {
    const unterminated = fail('Unterminated range', start.start, HINTS.unclosedRange);
    const lower = this.next();
    if (lower.kind === 'eof') return unterminated;
    if (lower.kind === 'range_end') return fail('Empty range', lower.start, HINTS.range);
    const to = this.next();
    if (to.kind === 'eof') return unterminated;
    if (to.kind !== 'range_to') return fail('Missing TO in range', to.start, HINTS.range);
    const upper = this.next();
    if (upper.kind === 'eof') return unterminated;
    if (upper.kind === 'range_end') return fail('Missing upper bound in range', upper.start, HINTS.range);
    const end = this.next();
    if (end.kind === 'eof') return unterminated;
    if (end.kind !== 'range_end') return fail('Expected ] or } to close the range', end.start, HINTS.range);
    this.skipBoost();
    const field = this.resolve(explicitField);
    if (field === null) return fail('A range needs a field', start.start, 'Write field:[low TO high], e.g. rule.level:[10 TO *].');
    const low = rangeBound(lower);
    if (!low.ok) return low;
    const high = rangeBound(upper);
    if (!high.ok) return high;
    return ok(makeRange(field, low.value, start.text === '[', high.value, end.text === ']'));
  }

  private missingAfter(intro: Token, t: Token): Parsed {
    if (t.kind === 'and' || t.kind === 'or' || t.kind === 'not' || t.kind === 'plus' || t.kind === 'minus') {
      const hint = `Put a term between ${intro.text} and ${t.text}, or remove one of them.`;
      return fail(`${t.text} cannot follow ${intro.text}`, t.start, hint);
    }
    if (intro.kind === 'plus' || intro.kind === 'minus' || (intro.kind === 'not' && intro.text === '!')) {
      return fail(`A lone ${intro.text}`, intro.start, HINTS.lone);
    }
    return fail(`${intro.text} needs a clause after it`, intro.start, `Add a term after ${intro.text}, or remove it.`);
  }

  private colonInValue(t: Token): { ok: false; error: QuerySyntaxError } {
    return fail(
      'Unexpected : in a value',
      t.start,
      `Quote values that contain ":", such as IPv6 addresses or times: ${suggestQuoted(this.text, t.start)}; or escape each colon as \\:.`,
    );
  }

  private unexpected(t: Token): { ok: false; error: QuerySyntaxError } {
    switch (t.kind) {
      case 'rparen':
        return fail('Unexpected )', t.start, 'Remove it, or add a matching ( before it.');
      case 'colon':
        return this.colonInValue(t);
      case 'fuzzy':
        return fail(
          '~ must follow a term or phrase',
          t.start,
          'Write term~ or term~1 (fuzzy), "two words"~3 (proximity), or \\~ for the character.',
        );
      case 'caret':
        return fail('^ must follow a term, phrase or group', t.start, 'Write term^2 (boost), or \\^ for the character.');
      case 'bare_op':
        return fail(`A lone ${t.text[0]}`, t.start, HINTS.lone);
      case 'eof':
        return fail('Unexpected end of query', t.start, 'Finish the query with a term.');
      default:
        return fail(`Unexpected ${t.text}`, t.start, 'Escape special characters with \\, or quote the value.');
    }
  }
}

/** Lucene's disallowedPostMultiTerm: a term followed by one of these is not part of a multi-term text. */
const ENDS_MULTI_TERM = new Set<TokenKind>(['colon', 'star', 'fuzzy', 'caret', 'and', 'or']);

const STARTS_VALUE = new Set<TokenKind>(['term', 'star', 'prefix', 'wildcard', 'regexp', 'quoted', 'range_start', 'lparen', 'bare_op']);
const STARTS_CLAUSE = new Set<TokenKind>([...STARTS_VALUE, 'plus', 'minus', 'not']);

/** Lucene's QueryParserBase.addClause, verbatim in effect. */
function addClause(
  clauses: Clause[],
  conj: 'none' | 'and' | 'or',
  mod: 'none' | 'req' | 'not',
  node: QueryNode,
  andDefault: boolean,
): void {
  const last = clauses[clauses.length - 1];
  // AND makes the preceding clause required, unless it is prohibited.
  if (last !== undefined && conj === 'and' && last.occur !== 'mustNot') last.occur = 'must';
  // With default AND, OR makes the preceding clause optional (a OR b would otherwise be +a b).
  if (last !== undefined && andDefault && conj === 'or' && last.occur !== 'mustNot') last.occur = 'should';
  let occur: Occur;
  if (mod === 'not') occur = 'mustNot';
  else if (andDefault) occur = conj === 'or' ? 'should' : 'must';
  else occur = mod === 'req' || conj === 'and' ? 'must' : 'should';
  clauses.push({ occur, node });
}

function buildBool(clauses: Clause[]): QueryNode {
  const only = clauses.length === 1 ? clauses[0] : undefined;
  if (only !== undefined && only.occur !== 'mustNot') return only.node; // +a and a alone mean a
  const bool = boolNode();
  for (const c of clauses) bool[c.occur].push(c.node);
  return fixPureNegative(bool);
}

/** OpenSearch's getRangeQuery: a `*` bound is open, and a range open at both ends tests existence. */
function makeRange(field: string, lower: string | null, lowerInclusive: boolean, upper: string | null, upperInclusive: boolean): QueryNode {
  const low = lower === '*' ? null : lower;
  const high = upper === '*' ? null : upper;
  if (low === null && high === null) return { kind: 'exists', field };
  const node: RangeNode = { kind: 'range', field };
  if (low !== null) node[lowerInclusive ? 'gte' : 'gt'] = low;
  if (high !== null) node[upperInclusive ? 'lte' : 'lt'] = high;
  return node;
}

function rangeBound(t: Token): Result<string | null, QuerySyntaxError> {
  if (t.kind === 'range_quoted') return unescape(t.text.slice(1, -1), t.start + 1);
  if (t.text === '*') return ok(null);
  return unescape(t.text, t.start);
}

/**
 * OpenSearch's handleBareFuzzy: `~` alone is AUTO (0 edits below 3 characters, 1 below 6, else 2);
 * `~n` allows min(2, trunc(n)) edits.
 */
function fuzzyDistance(fuzzy: Token, value: string): Result<number, QuerySyntaxError> {
  const spec = fuzzy.text.slice(1);
  if (spec === '' || spec.toUpperCase() === 'AUTO') {
    const length = [...value].length;
    return ok(length < 3 ? 0 : length < 6 ? 1 : 2);
  }
  const n = javaFloat(spec);
  const distance = n === null ? -1 : Math.min(2, Math.trunc(n));
  if (distance < 0) {
    return fail(`Invalid fuzziness ${fuzzy.text}`, fuzzy.start, 'Write term~ (automatic), or term~0, term~1 or term~2 edits.');
  }
  return ok(distance);
}

/** Java's Float.parseFloat for the decimal forms a ~suffix can hold; null where Java would throw. */
function javaFloat(text: string): number | null {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$/.test(text) ? parseFloat(text) : null;
}

const MISPLACED = /^([A-Za-z_@][\w@.-]*)(==?|[<>]=?)/;

/** `rule.level=6` or `rule.level>=6` without a colon: Lucene would search that text, almost never the intent. */
function misplacedOperator(t: Token): { ok: false; error: QuerySyntaxError } | null {
  const m = MISPLACED.exec(t.text);
  if (m === null) return null;
  const [, name = '', op = ''] = m;
  const rest = t.text.slice(name.length + op.length);
  const hint = op.startsWith('=')
    ? `Use ${name}:${rest || 'value'} to search a field; to search the text itself, quote it: "${t.text}".`
    : `Write comparisons with a colon: ${name}:${op}${rest || 'value'}; to search the text itself, quote it: "${t.text}".`;
  return fail(`"${op}" is not a field operator`, t.start + name.length, hint);
}
