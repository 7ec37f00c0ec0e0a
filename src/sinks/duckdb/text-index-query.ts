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
import { encodeToken, textIndexColumn } from './text-index.js';

/** What the index makes of a query: an FTS5 expression, every document, none, or not answerable. */
export type TextIndexQuery = { kind: 'match'; expression: string } | { kind: 'all' } | { kind: 'none' } | { kind: 'unanswered' };

const UNANSWERED: TextIndexQuery = { kind: 'unanswered' };

export function textIndexQuery(query: QueryNode, resolver: SqlFieldResolver, text: TextSql, options: { nowMs: number; ipKeyFunction: string; timeZone?: string }): TextIndexQuery {
  const leaves: Leaf[] = [];
  const compiled = compileToSql(query, resolver, new SqlParams(), { ...options, text: markedTextSql(text, leaves) });
  if (!compiled.ok) return UNANSWERED;
  const tree = parse(compiled.value, leaves);
  return tree === undefined ? UNANSWERED : toFts(tree);
}

const OPEN = (i: number): string => `(/*fts${i}[*/ `;
const CLOSE = (i: number): string => ` /*]fts${i}*/)`;

/** What a marked predicate stands for: an FTS5 expression (`body`) on one column. */
export interface Leaf {
  column: string;
  body: string;
}

const render = (columns: readonly string[], body: string): string => (columns.length === 1 ? `${columns[0]} : ${body}` : `{${columns.join(' ')}} : ${body}`);

/** The TextSql whose answerable predicates are marked with the FTS5 expression they stand for (its index in `leaves`). */
export function markedTextSql(inner: TextSql, leaves: Leaf[]): TextSql {
  const mark = (sql: string, fts: Leaf | undefined): string => {
    if (fts === undefined) return sql;
    const i = leaves.push(fts) - 1;
    return `${OPEN(i)}${sql}${CLOSE(i)}`;
  };
  const column = (field: SqlField): string | undefined => (field.multi || field.type !== 'text' ? undefined : textIndexColumn(field.name));
  const quoted = (tokens: readonly string[]): string => `"${tokens.map(encodeToken).join(' ')}"`;
  return {
    tokens: (t) => inner.tokens(t),
    token(field, token, params) {
      const c = column(field);
      return mark(inner.token(field, token, params), c === undefined ? undefined : { column: c, body: quoted([token]) });
    },
    anyToken(field, tokens, params) {
      const c = column(field);
      return mark(inner.anyToken(field, tokens, params), c !== undefined && tokens.length > 0 ? { column: c, body: `(${tokens.map((t) => quoted([t])).join(' OR ')})` } : undefined);
    },
    phrase(field, tokens, slop, params) {
      const c = column(field);
      return mark(inner.phrase(field, tokens, slop, params), c !== undefined && slop === 0 ? { column: c, body: quoted(tokens) } : undefined);
    },
    wildcard(field, pattern, params) {
      const c = column(field);
      const body = c === undefined ? undefined : prefixOrLiteral(lowerCase(pattern));
      const fts = c === undefined || body === undefined || body.text === '' ? undefined : { column: c, body: `${quoted([body.text])}${body.prefix ? ' *' : ''}` };
      return mark(inner.wildcard(field, pattern, params), fts);
    },
    anyTokenWhere: (field, predicate, params) => inner.anyTokenWhere(field, predicate, params),
    regexp: (field, re2, params) => inner.regexp(field, re2, params),
    fuzzyValues: (field, value, distance, params) => inner.fuzzyValues(field, value, distance, params),
    fuzzy: (field, value, distance, params) => inner.fuzzy(field, value, distance, params),
  };
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

function toFts(tree: Tree): TextIndexQuery {
  switch (tree.k) {
    case 'leaf':
      return { kind: 'match', expression: render([tree.leaf.column], tree.leaf.body) };
    case 'true':
      return { kind: 'all' };
    case 'false':
      return { kind: 'none' };
    case 'not': {
      const x = toFts(tree.x);
      return x.kind === 'all' ? { kind: 'none' } : x.kind === 'none' ? { kind: 'all' } : UNANSWERED; // FTS5 has no bare NOT
    }
    case 'or': {
      // The same expression on several columns is one FTS5 query over those columns (read once):
      // free text is `full_log:x OR @message:x`.
      const columnsOf = new Map<string, string[]>();
      const others: Tree[] = [];
      for (const child of tree.xs) {
        if (child.k === 'leaf') columnsOf.set(child.leaf.body, [...(columnsOf.get(child.leaf.body) ?? []), child.leaf.column]);
        else others.push(child);
      }
      const parts = [...columnsOf].map(([body, columns]) => `(${render([...new Set(columns)], body)})`);
      for (const child of others) {
        const x = toFts(child);
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
        const x = toFts(negated ? child.x : child);
        if (x.kind === 'unanswered') return x;
        if (negated) {
          if (x.kind === 'all') return { kind: 'none' };
          if (x.kind === 'match') negative.push(`(${x.expression})`);
        } else {
          if (x.kind === 'none') return { kind: 'none' };
          if (x.kind === 'match') positive.push(`(${x.expression})`);
        }
      }
      if (positive.length === 0) return negative.length === 0 ? { kind: 'all' } : UNANSWERED;
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
  if (whole.kind === 'match') return whole.expression;
  if (query.kind !== 'bool') return undefined;
  const required: string[] = [];
  for (const clause of [...query.must, ...query.filter]) {
    const part = textIndexQuery(clause, resolver, text, options);
    if (part.kind === 'match') required.push(`(${part.expression})`);
  }
  return required.length === 0 ? undefined : required.join(' AND ');
}
