/** @module The query AST shared by the Lucene and JSON DSL parsers and by the SQL and OpenSearch compilers. */

/**
 * One search query. Field `null` means "the default fields" (Kibana's `*`: every searchable field).
 * Values are the text the user wrote, not yet analyzed: lowercasing, tokenizing and type conversion
 * per field are the compilers' job.
 *
 * `bool` follows OpenSearch's bool query exactly: every `must` and `filter` clause must match, no
 * `mustNot` clause may match, and `should` clauses are optional when there is a `must` or `filter`
 * clause; otherwise at least one must match. `minimumShouldMatch` (always >= 1 when present, and only
 * with `should` clauses) overrides that count; a count above `should.length` matches nothing. The
 * parsers never emit a purely negative bool: they add `match_all` to `must`, as OpenSearch does.
 *
 * `range` holds at most one lower bound (`gt` or `gte`) and one upper bound (`lt` or `lte`); the parsers
 * turn a range with no bounds into `exists`. `format` and `timeZone` are the DSL's date options, kept
 * for the compilers (optional extras beyond the brief's shape). `fuzzy.distance` is already resolved
 * (0, 1 or 2), including OpenSearch's AUTO for a bare `~`. `terms.values` is never empty.
 */
export type QueryNode =
  | { kind: 'match_all' }
  | { kind: 'match_none' }
  | BoolNode
  | TermNode
  | WildcardNode
  | { kind: 'phrase'; field: string | null; value: string; slop?: number } // quoted text, escapes resolved
  | { kind: 'prefix'; field: string; value: string } // DSL prefix
  | { kind: 'regexp'; field: string | null; pattern: string } // Lucene /regex/, raw (Lucene RegExp syntax)
  | { kind: 'fuzzy'; field: string | null; value: string; distance: number } // term~ / term~1
  | RangeNode
  | { kind: 'exists'; field: string }
  | { kind: 'terms'; field: string; values: string[] } // DSL terms
  | { kind: 'match'; field: string | null; query: string; operator: 'or' | 'and' }; // DSL match: analyzed text

/**
 * Unquoted text, escapes resolved: one term, or several that Lucene reads as one text (`root admin`
 * in `srcuser:(root admin)`: bare terms in a row with no operator between them, as query_string does
 * without split_on_whitespace). Each field's analyzer then decides: a keyword field reads one value
 * `root admin`, a number or ip field fails on it, a text field searches its tokens, joined with
 * `operator` (the query's default operator; absent means or). `exact` is the DSL's term query,
 * which is not analyzed: on a text field the value must be one of its (lower-case) terms as written.
 */
export interface TermNode {
  kind: 'term';
  field: string | null;
  value: string;
  operator?: 'and';
  exact?: true;
}

/**
 * `*` and `?` are wildcards; only \\ \* \? remain escapes. `analyze` (query_string's
 * analyze_wildcard, which Kibana always sends) has text fields analyze the literal parts: a prefix
 * `wp-log*` becomes `wp OR log*` (joined with `operator`), and in other patterns each literal run
 * becomes its first token. Without it the pattern is still lower-cased on text fields, as
 * query_string normalizes it; `exact` (the DSL's wildcard query) is not even lower-cased. The DSL's
 * `prefix`, `terms` are exact in the same way.
 */
export interface WildcardNode {
  kind: 'wildcard';
  field: string | null;
  pattern: string;
  analyze?: { operator: 'or' | 'and' };
  exact?: true;
}

export interface BoolNode {
  kind: 'bool';
  must: QueryNode[];
  should: QueryNode[];
  mustNot: QueryNode[];
  filter: QueryNode[];
  minimumShouldMatch?: number;
}

export interface RangeNode {
  kind: 'range';
  field: string;
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  /** DSL `format` of date bounds, e.g. `strict_date_optional_time`. */
  format?: string;
  /** DSL `time_zone` for date bounds, e.g. `+01:00`. */
  timeZone?: string;
  /** The DSL's range: on a text field its bounds are compared as written; query_string lower-cases them. */
  exact?: true;
}

export type QueryKind = QueryNode['kind'];
export type NodeOf<K extends QueryKind> = Extract<QueryNode, { kind: K }>;

export interface QuerySyntaxError {
  message: string;
  /** 0-based offset (UTF-16 code unit) of the offending character in the query text. */
  position: number;
  /** What to write instead, in one short sentence. */
  hint: string;
}

export function matchAll(): QueryNode {
  return { kind: 'match_all' };
}

export function matchNone(): QueryNode {
  return { kind: 'match_none' };
}

export function boolNode(parts: Partial<Omit<BoolNode, 'kind'>> = {}): BoolNode {
  const node: BoolNode = {
    kind: 'bool',
    must: parts.must ?? [],
    should: parts.should ?? [],
    mustNot: parts.mustNot ?? [],
    filter: parts.filter ?? [],
  };
  if (parts.minimumShouldMatch !== undefined) node.minimumShouldMatch = parts.minimumShouldMatch;
  return node;
}

/** OpenSearch's `fixNegativeQueryIfNeeded`: a bool of only `mustNot` clauses matches everything else. */
export function fixPureNegative(node: BoolNode): BoolNode {
  const negativeOnly =
    node.mustNot.length > 0 && node.must.length === 0 && node.should.length === 0 && node.filter.length === 0;
  if (negativeOnly) node.must.push(matchAll());
  return node;
}

/**
 * Wildcard text as Lucene's WildcardQuery reads it, in the AST's pattern form: `\x` is a literal x, so
 * only \\ \* \? stay escaped; a trailing lone backslash is a literal backslash.
 */
export function wildcardPattern(raw: string): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = raw[i + 1] ?? '\\';
    out += next === '\\' || next === '*' || next === '?' ? `\\${next}` : next;
    i++;
  }
  return out;
}

/** Escapes a literal string for use inside a wildcard pattern. */
export function escapeForPattern(literal: string): string {
  return literal.replace(/[\\*?]/g, (c) => `\\${c}`);
}

/** Direct sub-queries, in must, filter, should, mustNot order. */
export function children(node: QueryNode): QueryNode[] {
  return node.kind === 'bool' ? [...node.must, ...node.filter, ...node.should, ...node.mustNot] : [];
}

/** Depth-first, parents before children; return `false` from `visit` to skip a node's children. */
export function walk(node: QueryNode, visit: (node: QueryNode, depth: number) => void | boolean, depth = 0): void {
  if (visit(node, depth) === false) return;
  for (const child of children(node)) walk(child, visit, depth + 1);
}

/** The field a leaf queries (null = default fields), or undefined for match_all, match_none and bool. */
export function fieldOf(node: QueryNode): string | null | undefined {
  return 'field' in node ? node.field : undefined;
}

/**
 * A compact canonical string in Lucene-like notation, for tests and logs: `+` must, `#` filter, `-` must
 * not, bare = should, `(...)~n` minimum_should_match, `*:*` match_all, `<none>` match_none,
 * `_exists_:f` exists, `f:[a TO *}` ranges; DSL-only kinds read `prefix(f "v")`, `terms(f ["a","b"])`,
 * `match(f "text" or)`. Special characters in values are backslash-escaped as in a query.
 */
export function describeQuery(node: QueryNode): string {
  const on = (field: string | null): string => (field === null ? '' : `${escapeValue(field)}:`);
  switch (node.kind) {
    case 'match_all':
      return '*:*';
    case 'match_none':
      return '<none>';
    case 'bool': {
      const parts = [
        ...node.must.map((n) => `+${describeQuery(n)}`),
        ...node.filter.map((n) => `#${describeQuery(n)}`),
        ...node.should.map(describeQuery),
        ...node.mustNot.map((n) => `-${describeQuery(n)}`),
      ];
      const msm = node.minimumShouldMatch === undefined ? '' : `~${node.minimumShouldMatch}`;
      return `(${parts.join(' ')})${msm}`;
    }
    case 'term':
      return on(node.field) + escapeValue(node.value);
    case 'phrase':
      return on(node.field) + quote(node.value) + (node.slop ? `~${node.slop}` : '');
    case 'wildcard':
      return on(node.field) + describePattern(node.pattern);
    case 'regexp':
      return `${on(node.field)}/${node.pattern}/`;
    case 'fuzzy':
      return `${on(node.field)}${escapeValue(node.value)}~${node.distance}`;
    case 'range': {
      const lower = node.gte ?? node.gt;
      const upper = node.lte ?? node.lt;
      const bound = (v: string | undefined): string =>
        v === undefined ? '*' : v !== '' && v !== 'TO' && v !== '*' && escapeValue(v) === v ? v : quote(v);
      const options = [
        ...(node.format === undefined ? [] : [`format=${node.format}`]),
        ...(node.timeZone === undefined ? [] : [`time_zone=${node.timeZone}`]),
      ];
      return (
        `${on(node.field)}${node.gte === undefined && node.gt !== undefined ? '{' : '['}` +
        `${bound(lower)} TO ${bound(upper)}${node.lte === undefined && node.lt !== undefined ? '}' : ']'}` +
        (options.length > 0 ? `(${options.join(',')})` : '')
      );
    }
    case 'exists':
      return `_exists_:${escapeValue(node.field)}`;
    case 'prefix':
      return `prefix(${node.field} ${JSON.stringify(node.value)})`;
    case 'terms':
      return `terms(${node.field} ${JSON.stringify(node.values)})`;
    case 'match':
      return `match(${node.field ?? '*'} ${JSON.stringify(node.query)} ${node.operator})`;
  }
}

// Characters that are special anywhere in an unquoted Lucene value; - + < > ' only matter first.
const ALWAYS_SPECIAL = new Set([...'\\()[]{}^"~*?:/!', ' ', '\t', '\n', '\r', '\u3000']);
const SPECIAL_FIRST = new Set([...'-+<>\'']);

function escapeChar(c: string, first: boolean): string {
  return ALWAYS_SPECIAL.has(c) || (first && SPECIAL_FIRST.has(c)) ? `\\${c}` : c;
}

function escapeValue(value: string): string {
  if (value === '') return "''";
  let out = '';
  for (let i = 0; i < value.length; i++) out += escapeChar(value[i] as string, i === 0);
  return out;
}

/** A wildcard pattern keeps its * ? and \-escapes; everything else is escaped like a value. */
function describePattern(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      out += pattern.slice(i, i + 2);
      i++;
    } else {
      out += c === '*' || c === '?' ? c : escapeChar(c, i === 0);
    }
  }
  return out;
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
