/**
 * @module A query as an FTS5 expression over the text index, when the index can answer it exactly.
 * The query is compiled once more by the one compiler (to-sql.ts) with a TextSql that marks each
 * text predicate the index answers (a term, terms, a phrase without slop, a prefix, on an indexed
 * field) around the scan's own SQL; if what is left outside the marks is only AND, OR, NOT,
 * TRUE, FALSE and parentheses, the marks' FTS5 expressions joined the same way are the query.
 * Anything else (another field, a regexp, a fuzzy term, a sloppy phrase, a range) is unanswered,
 * and the store scans. Pure.
 */
import { compileToSql, SqlParams, type SqlField, type SqlFieldResolver } from '../../query/compile/to-sql.js';
import type { TextSql } from '../../query/compile/text-sql.js';
import { lowerCase } from '../../query/analysis/standard-tokenizer.js';
import type { QueryNode } from '../../query/ast.js';
import { encodeToken, textIndexColumn, type TextIndexColumn } from './text-index.js';

/**
 * What the index makes of a query. `match`: the rows matching `exact` match the query, the query's
 * rows lie within those matching `upper`, and `verify` (`upper` without `exact`, when they differ)
 * holds the rows the index cannot decide, which the store checks against DuckDB: a phrase in
 * `@message`, kept as a delta without positions (text-index.ts), and rarely a prefix. `exact`
 * null: no row is known to match without a check. `whole` is the query over full_log, @message and
 * rule.comment each with positions (text-index.ts's matchingRows), which decides a row exactly.
 * `missing`: the bodies whose `missing : body` the bounds test; when the index holds no such row
 * (in the search's time range), the query compiled again with them in `missingFree` walks the
 * bare body instead (text-index.ts: no row then lacks them in @message).
 */
export type TextIndexQuery =
  | { kind: 'match'; exact: string | null; verify: string | null; upper: string; whole: string; missing: readonly string[] }
  | { kind: 'all' }
  | { kind: 'none' }
  | { kind: 'unanswered' };

const UNANSWERED: TextIndexQuery = { kind: 'unanswered' };

export interface TextIndexQueryOptions {
  nowMs: number;
  ipKeyFunction: string;
  timeZone?: string;
  /**
   * Bodies no row in the searched range holds in `missing` (an FTS5 count of `missing : body` is
   * 0): their `@message` is then every row holding them anywhere, the bare body, which FTS5 walks
   * without decoding positions, and the bound needs no NOT against `missing` (whose column filter
   * walked the body's whole doclist even for a page of 20).
   */
  missingFree?: ReadonlySet<string>;
}

export function textIndexQuery(query: QueryNode, resolver: SqlFieldResolver, text: TextSql, options: TextIndexQueryOptions): TextIndexQuery {
  const { missingFree, ...compileOptions } = options;
  const leaves: Leaf[] = [];
  const compiled = compileToSql(query, resolver, new SqlParams(), { ...compileOptions, text: markedTextSql(text, leaves) });
  if (!compiled.ok) return UNANSWERED;
  const tree = parse(compiled.value, leaves);
  if (tree === undefined) return UNANSWERED;
  const missing = new Set<string>();
  const context: Context = { missingFree: missingFree ?? new Set(), missing };
  const lower = toFts(tree, 'lower', context);
  const upper = toFts(tree, 'upper', context);
  if (lower.kind === 'unanswered' || upper.kind === 'unanswered') return UNANSWERED;
  if (upper.kind === 'none') return { kind: 'none' };
  if (lower.kind === 'all' && upper.kind === 'all') return { kind: 'all' };
  if (lower.kind === 'all' || upper.kind === 'all') return UNANSWERED;
  const exact = lower.kind === 'match' ? lower.expression : null;
  const verify = exact === null ? upper.expression : exact === upper.expression ? null : `(${upper.expression}) NOT (${exact})`;
  const whole = toFts(tree, 'whole', context);
  if (whole.kind !== 'match') return UNANSWERED;
  return { kind: 'match', exact, verify, upper: upper.expression, whole: whole.expression, missing: [...missing] };
}

const OPEN = (i: number): string => `(/*fts${i}[*/ `;
const CLOSE = (i: number): string => ` /*]fts${i}*/)`;

/**
 * What a marked predicate stands for on one field: any of `bodies` (FTS5 phrases, a prefix
 * ending in ` *`); a phrase of several tokens keeps its tokens' bodies as `terms`.
 */
export interface Leaf {
  column: TextIndexColumn;
  kind: 'term' | 'prefix' | 'phrase';
  bodies: readonly string[];
  terms?: readonly string[];
}

const render = (columns: readonly string[], body: string): string => (columns.length === 1 ? `${columns[0]} : ${body}` : `{${columns.join(' ')}} : ${body}`);

/** The TextSql whose answerable predicates are marked with the leaf they stand for (its index in `leaves`). */
export function markedTextSql(inner: TextSql, leaves: Leaf[]): TextSql {
  const mark = (sql: string, fts: Leaf | undefined): string => {
    if (fts === undefined) return sql;
    const i = leaves.push(fts) - 1;
    return `${OPEN(i)}${sql}${CLOSE(i)}`;
  };
  const column = (field: SqlField): TextIndexColumn | undefined => (field.multi || field.type !== 'text' ? undefined : textIndexColumn(field.name));
  const quoted = (tokens: readonly string[]): string => `"${tokens.map(encodeToken).join(' ')}"`;
  return {
    tokens: (t) => inner.tokens(t),
    token(field, token, params) {
      const c = column(field);
      return mark(inner.token(field, token, params), c === undefined ? undefined : { column: c, kind: 'term', bodies: [quoted([token])] });
    },
    anyToken(field, tokens, params) {
      const c = column(field);
      return mark(inner.anyToken(field, tokens, params), c !== undefined && tokens.length > 0 ? { column: c, kind: 'term', bodies: tokens.map((t) => quoted([t])) } : undefined);
    },
    phrase(field, tokens, slop, params) {
      const c = column(field);
      const leaf: Leaf | undefined =
        c === undefined || slop !== 0 || tokens.length === 0
          ? undefined
          : tokens.length === 1
            ? { column: c, kind: 'term', bodies: [quoted(tokens)] }
            : { column: c, kind: 'phrase', bodies: [quoted(tokens)], terms: tokens.map((t) => quoted([t])) };
      return mark(inner.phrase(field, tokens, slop, params), leaf);
    },
    wildcard(field, pattern, params) {
      const c = column(field);
      const body = c === undefined ? undefined : prefixOrLiteral(lowerCase(pattern));
      const fts: Leaf | undefined = c === undefined || body === undefined || body.text === '' ? undefined : { column: c, kind: body.prefix ? 'prefix' : 'term', bodies: [`${quoted([body.text])}${body.prefix ? ' *' : ''}`] };
      return mark(inner.wildcard(field, pattern, params), fts);
    },
    anyTokenWhere: (field, predicate, params) => inner.anyTokenWhere(field, predicate, params),
    regexp: (field, re2, params) => inner.regexp(field, re2, params),
    fuzzyValues: (field, value, distance, params) => inner.fuzzyValues(field, value, distance, params),
    fuzzy: (field, value, distance, params) => inner.fuzzy(field, value, distance, params),
  };
}

/** A bound of the rows over the delta, or `whole`: exact over the three fields with positions. */
type Bound = 'lower' | 'upper' | 'whole';
const flip = (bound: Bound): Bound => (bound === 'lower' ? 'upper' : bound === 'upper' ? 'lower' : 'whole');
const OWN_COLUMNS = ['full_log', 'comment'] as const;

/** What rendering knows of the index (bodies with no row in `missing`) and collects (bodies whose `missing` it tests). */
interface Context {
  missingFree: ReadonlySet<string>;
  missing: Set<string>;
}

/**
 * `@message ∋ body` from the delta, for a term body exactly: the tokens it adds, or those of
 * full_log and rule.comment it does not lack. `also`: columns the caller ORs in anyway (free
 * text's full_log), whose rows need no check against `missing`. For a prefix this is a lower
 * bound (another token of the prefix may be the one missing); `({full_log comment} : b) OR
 * (extra : b)` is the upper.
 */
function inMessage(body: string, also: readonly string[], context: Context): string {
  // No row lacks the body in @message: every row holding it anywhere holds it in @message.
  if (context.missingFree.has(body)) return body;
  const own = `{full_log comment} : ${body}`;
  if (also.length === 2) return `(${own}) OR (extra : ${body})`;
  context.missing.add(body);
  const lacking = also.length === 0 ? `missing : ${body}` : `(missing : ${body}) NOT (${render(also, body)})`;
  return `((${own}) NOT (${lacking})) OR (extra : ${body})`;
}

/**
 * The FTS5 expression of a leaf on `columns` (the same bodies ORed over several fields), as a
 * lower or upper bound of its rows; undefined: no rows. Exact except for `@message`'s phrases and
 * prefixes (inMessage).
 */
function renderLeaf(columns: ReadonlySet<TextIndexColumn>, leaf: Leaf, bound: Bound, context: Context): string | undefined {
  if (bound === 'whole') return render([...columns].sort(), leaf.bodies.length === 1 ? (leaf.bodies[0] as string) : `(${leaf.bodies.join(' OR ')})`);
  const own = OWN_COLUMNS.filter((c) => columns.has(c));
  const ownPart = own.length === 0 ? [] : [render(own, leaf.bodies.length === 1 ? (leaf.bodies[0] as string) : `(${leaf.bodies.join(' OR ')})`)];
  let parts: string[];
  if (!columns.has('message')) parts = ownPart;
  // A term's or prefix's rows in @message include those in the fields ORed with it (`own`).
  else if (leaf.kind === 'term' || (leaf.kind === 'prefix' && bound === 'lower')) parts = leaf.bodies.map((body) => inMessage(body, own, context));
  // Bounds above: the prefix, or every token of the phrase, in any column of the row (each token
  // of @message is in one of them, and so is the phrase in full_log or rule.comment): walked
  // without positions or column filters, the rows between the bounds then checked.
  else if (leaf.kind === 'prefix') parts = [leaf.bodies.length === 1 ? (leaf.bodies[0] as string) : `(${leaf.bodies.join(' OR ')})`];
  else if (bound === 'upper') parts = [(leaf.terms as readonly string[]).join(' AND ')];
  else parts = ownPart;
  return parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : parts.map((p) => `(${p})`).join(' OR ');
}

/** A wildcard pattern that is a literal token or a literal prefix (`abc*`), escapes resolved; else undefined. */
function prefixOrLiteral(pattern: string): { text: string; prefix: boolean } | undefined {
  let text = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) text += pattern[++i];
    else if (c === '*' && i === pattern.length - 1) return { text, prefix: true };
    else if (c === '*' || c === '?') return undefined;
    else text += c;
  }
  return { text, prefix: false };
}

type Tree = { k: 'leaf'; leaf: Leaf } | { k: 'and' | 'or'; xs: Tree[] } | { k: 'not'; x: Tree } | { k: 'true' } | { k: 'false' };

/** The boolean structure of compiled SQL whose only atoms are marks, TRUE and FALSE; undefined otherwise. */
function parse(sql: string, leaves: readonly Leaf[]): Tree | undefined {
  const tokens: Array<string | number> = [];
  let rest = sql.replaceAll('/* no terms */', '');
  for (let i = 0; i < leaves.length; i++) {
    const start = rest.indexOf(OPEN(i));
    const end = rest.indexOf(CLOSE(i));
    if (start < 0 || end < start) continue; // dropped by simplification
    rest = `${rest.slice(0, start)} \u0000${i}\u0000 ${rest.slice(end + CLOSE(i).length)}`;
  }
  const re = /\s*(\u0000(\d+)\u0000|\(|\)|AND\b|OR\b|NOT\b|TRUE\b|FALSE\b)\s*/y;
  let at = 0;
  while (at < rest.length) {
    if (/^\s*$/.test(rest.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(rest);
    if (!m) return undefined;
    tokens.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
    at = re.lastIndex;
  }
  let p = 0;
  const expr = (): Tree | undefined => {
    const xs = [conj()];
    while (tokens[p] === 'OR') {
      p++;
      xs.push(conj());
    }
    return xs.some((x) => x === undefined) ? undefined : xs.length === 1 ? xs[0] : { k: 'or', xs: xs as Tree[] };
  };
  const conj = (): Tree | undefined => {
    const xs = [unary()];
    while (tokens[p] === 'AND') {
      p++;
      xs.push(unary());
    }
    return xs.some((x) => x === undefined) ? undefined : xs.length === 1 ? xs[0] : { k: 'and', xs: xs as Tree[] };
  };
  const unary = (): Tree | undefined => {
    const t = tokens[p++];
    if (typeof t === 'number') return { k: 'leaf', leaf: leaves[t] as Leaf };
    if (t === 'NOT') {
      const x = unary();
      return x && { k: 'not', x };
    }
    if (t === 'TRUE') return { k: 'true' };
    if (t === 'FALSE') return { k: 'false' };
    if (t === '(') {
      const x = expr();
      return tokens[p++] === ')' ? x : undefined;
    }
    return undefined;
  };
  const tree = expr();
  return p === tokens.length ? tree : undefined;
}

type Bounded = { kind: 'match'; expression: string } | { kind: 'all' } | { kind: 'none' } | { kind: 'unanswered' };

/** The tree as an FTS5 expression bounding its rows from below or above (a NOT swaps the bound). */
function toFts(tree: Tree, bound: Bound, context: Context): Bounded {
  switch (tree.k) {
    case 'leaf': {
      const expression = renderLeaf(new Set([tree.leaf.column]), tree.leaf, bound, context);
      return expression === undefined ? { kind: 'none' } : { kind: 'match', expression };
    }
    case 'true':
      return { kind: 'all' };
    case 'false':
      return { kind: 'none' };
    case 'not': {
      const x = toFts(tree.x, flip(bound), context);
      return x.kind === 'all' ? { kind: 'none' } : x.kind === 'none' ? { kind: 'all' } : { kind: 'unanswered' }; // FTS5 has no bare NOT
    }
    case 'or': {
      // The same leaf on several fields is one FTS5 query over those columns (read once): free
      // text is `full_log:x OR @message:x`.
      const groups = new Map<string, { leaf: Leaf; columns: Set<TextIndexColumn> }>();
      const others: Tree[] = [];
      for (const child of tree.xs) {
        if (child.k !== 'leaf') {
          others.push(child);
          continue;
        }
        const key = `${child.leaf.kind}\u0000${child.leaf.bodies.join('\u0000')}`;
        const group = groups.get(key);
        if (group) group.columns.add(child.leaf.column);
        else groups.set(key, { leaf: child.leaf, columns: new Set([child.leaf.column]) });
      }
      const parts: string[] = [];
      for (const { leaf, columns } of groups.values()) {
        const expression = renderLeaf(columns, leaf, bound, context);
        if (expression !== undefined) parts.push(`(${expression})`);
      }
      for (const child of others) {
        const x = toFts(child, bound, context);
        if (x.kind === 'unanswered' || x.kind === 'all') return x;
        if (x.kind === 'match') parts.push(`(${x.expression})`);
      }
      return parts.length === 0 ? { kind: 'none' } : { kind: 'match', expression: parts.join(' OR ') };
    }
    case 'and': {
      const positive: string[] = [];
      const negative: string[] = [];
      for (const child of tree.xs) {
        const negated = child.k === 'not';
        const x = negated ? toFts(child.x, flip(bound), context) : toFts(child, bound, context);
        if (x.kind === 'unanswered') return x;
        if (negated) {
          if (x.kind === 'all') return { kind: 'none' };
          if (x.kind === 'match') negative.push(`(${x.expression})`);
        } else {
          if (x.kind === 'none') return { kind: 'none' };
          if (x.kind === 'match') positive.push(`(${x.expression})`);
        }
      }
      if (positive.length === 0) return negative.length === 0 ? { kind: 'all' } : { kind: 'unanswered' };
      const base = positive.join(' AND ');
      return { kind: 'match', expression: negative.length === 0 ? base : `(${base}) NOT (${negative.join(' OR ')})` };
    }
  }
}

/**
 * An FTS5 expression every document the query matches satisfies, when the index answers part of
 * it: the whole query, or the required clauses (must, filter) of a bool that it answers. Rows
 * outside its matches cannot match, so the store may restrict a scan to them (a cost rule decides).
 */
export function textIndexPrefilter(query: QueryNode, resolver: SqlFieldResolver, text: TextSql, options: { nowMs: number; ipKeyFunction: string; timeZone?: string }): string | undefined {
  const whole = textIndexQuery(query, resolver, text, options);
  if (whole.kind === 'match') return whole.upper;
  if (query.kind !== 'bool') return undefined;
  const required: string[] = [];
  for (const clause of [...query.must, ...query.filter]) {
    const part = textIndexQuery(clause, resolver, text, options);
    if (part.kind === 'match') required.push(`(${part.upper})`);
  }
  return required.length === 0 ? undefined : required.join(' AND ');
}
