/**
 * @module Query AST → a parameterized SQL boolean expression. Every value from the query becomes a
 * bound parameter; the SQL text holds only our own identifiers, operators and the parameter marks.
 * Semantics follow OpenSearch with the `cwl-*` mapping: keyword fields match exactly, text fields by
 * standard-analyzer tokens, numbers, dates and IPs by value, and a field the index has never seen
 * matches nothing.
 */
import { canonicalIp, cidrKeyRange, ipSortKey } from '../../core/ip.js';
import { err, ok, type Result } from '../../core/result.js';
import { lowerCase } from '../analysis/standard-tokenizer.js';
import { children, escapeForPattern, type QueryNode, type RangeNode } from '../ast.js';
import { luceneRegexpToRe2 } from '../lucene/regexp-to-re2.js';
import type { FieldType } from '../fields.js';
import { booleanValue, dateValue, numberValue, prefixBody, QueryValueError } from '../query-values.js';
import type { TextSql } from './text-sql.js';

export type SqlValue = string | number | bigint | boolean | null;

/** Collects bound parameters; `add` returns the placeholder to put in the SQL. */
export class SqlParams {
  readonly values: SqlValue[] = [];
  /** The RE2 patterns the SQL runs, for the backend to check before running it (RE2 may refuse one as too large). */
  readonly regexPatterns: string[] = [];
  add(value: SqlValue): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /**
   * The SQL with its placeholders renumbered to the parameters it still uses, and their values:
   * simplification (`x OR TRUE` → `TRUE`) can drop fragments whose parameters were already added,
   * and DuckDB refuses values that no placeholder takes.
   */
  bind(sql: string): { sql: string; values: SqlValue[] } {
    const renumbered = new Map<number, number>();
    const values: SqlValue[] = [];
    const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
      const old = Number(n);
      let now = renumbered.get(old);
      if (now === undefined) {
        values.push(this.values[old - 1] as SqlValue);
        now = values.length;
        renumbered.set(old, now);
      }
      return `$${now}`;
    });
    return { sql: text, values };
  }
}

/** A field as the SQL side sees it. */
export interface SqlField {
  name: string;
  type: FieldType;
  /** SQL yielding the value; a LIST of values when `multi`. Dynamic (JSON) fields yield VARCHARs. */
  expr(params: SqlParams): string;
  multi: boolean;
  /** keyword: longer values are not indexed (never match, not aggregated). */
  ignoreAbove?: number;
  /** For CIDR on a big table: SQL selecting the field's distinct values as column `v`. */
  distinctValues?(params: SqlParams): string;
  /** A cheaper equality than `expr = value`, for fields stored in another form (ids kept as numbers). */
  equals?(value: string, params: SqlParams): string;
}

export interface SqlFieldResolver {
  /** A field by name, or undefined when the index has never seen it. */
  field(name: string): SqlField | undefined;
  /** Fields whose names match a pattern with `*`. */
  matching(pattern: string): SqlField[];
  /** What free text (a field of null) searches. */
  defaultFields(): SqlField[];
}

export interface CompileOptions {
  nowMs: number;
  text: TextSql;
  /** SQL function that maps an IP's text to its 32-hex sort key (registered by the store). */
  ipKeyFunction: string;
  /** The zone of date math in ranges that name none (query_string's time_zone: a Lucene query's). */
  timeZone?: string;
}

export interface CompileError {
  message: string;
  field?: string;
}

/** A compile error thrown from deep inside; one class with the value readers' errors. */
const Fail = QueryValueError;

/** From this many OR'ed terms on one field, they are compiled as one set test. */
const TERM_GROUP_MIN = 8;

const TRUE = 'TRUE';
const FALSE = 'FALSE';
/**
 * A clause whose text analyzed to no terms (`".."`, `full_log:..*`): Lucene's query parser leaves
 * it out of the bool it is in (so `".." AND htop` is `htop`), and a query of nothing matches
 * nothing. Valid SQL for FALSE, should it ever reach the SQL.
 */
const NO_TERMS = '(/* no terms */ FALSE)';

const isQuery = (sql: string): boolean => sql !== NO_TERMS;

/** Compiles a query to a SQL boolean expression; values are appended to `params`. */
export function compileToSql(node: QueryNode, resolver: SqlFieldResolver, params: SqlParams, options: CompileOptions): Result<string, CompileError> {
  try {
    const sql = new Compiler(resolver, params, options).node(node);
    return ok(sql === NO_TERMS ? FALSE : sql);
  } catch (e) {
    if (e instanceof Fail) return err(e.error);
    throw e;
  }
}

class Compiler {
  constructor(
    private readonly resolver: SqlFieldResolver,
    private readonly params: SqlParams,
    private readonly options: CompileOptions,
  ) {}

  node(node: QueryNode): string {
    switch (node.kind) {
      case 'match_all':
        return TRUE;
      case 'match_none':
        return FALSE;
      case 'bool':
        return this.bool(node);
      case 'exists': {
        // exists on an object field (`syscheck`) is true when any field under it exists.
        const field = node.field;
        const objectFields = field.includes('*') || this.resolver.field(field) ? [] : this.resolver.matching(`${field}.*`);
        if (objectFields.length > 0) return or(objectFields.map((f) => this.exists(f)));
        return this.onFields(field, (f) => this.exists(f));
      }
      default:
        return this.onFields(node.field, (f) => this.leaf(node, f));
    }
  }

  private bool(node: Extract<QueryNode, { kind: 'bool' }>): string {
    const required = [...node.must, ...node.filter].map((n) => this.node(n)).filter(isQuery);
    const excluded = node.mustNot.map((n) => this.node(n)).filter(isQuery).map((sql) => `NOT ${sql}`);
    const parts = [...required, ...excluded];
    const minimum = node.minimumShouldMatch ?? (required.length === 0 && node.should.length > 0 ? 1 : 0);
    if (minimum > node.should.length) return FALSE;
    if (minimum === 1) {
      const should = this.disjunction(node.should).filter(isQuery);
      if (should.length > 0) parts.push(or(should));
      else if (node.minimumShouldMatch !== undefined) return FALSE;
    } else if (minimum > 0) {
      const should = node.should.map((n) => this.node(n)).filter(isQuery);
      if (minimum > should.length) return FALSE;
      parts.push(`((${should.map((s) => `CAST(${s} AS INTEGER)`).join(' + ')}) >= ${minimum})`);
    }
    if (parts.length > 0) return and(parts);
    return children(node).length === 0 ? TRUE : NO_TERMS;
  }

  /**
   * OR'ed clauses, with many plain terms on one field (`a OR b OR ...`, up to max_clause_count)
   * compiled as one set test: one token list per text, or one LIST of values, instead of a
   * pattern or a comparison per term (which DuckDB would bind and compile one by one).
   */
  private disjunction(should: readonly QueryNode[]): string[] {
    const groups = new Map<string | null, string[]>();
    const rest: QueryNode[] = [];
    for (const n of should) {
      if (n.kind === 'term' && n.operator === undefined && n.exact === undefined) groups.set(n.field, [...(groups.get(n.field) ?? []), n.value]);
      else rest.push(n);
    }
    const out = rest.map((n) => this.node(n));
    for (const [field, values] of groups) {
      if (values.length < TERM_GROUP_MIN) out.push(...values.map((value) => this.node({ kind: 'term', field, value })));
      else out.push(this.onFields(field, (f) => this.termGroup(f, values)));
    }
    return out;
  }

  private termGroup(field: SqlField, values: readonly string[]): string {
    if (field.type !== 'text') return this.terms(field, values);
    const tokens = [...new Set(values.flatMap((v) => this.options.text.tokens(v)))];
    return tokens.length === 0 ? NO_TERMS : this.options.text.anyToken(field, tokens, this.params);
  }

  /**
   * A leaf on one field, on a field pattern, or on the default fields. A value that does not fit a
   * field's type fails the query, also when a field pattern reached that field: OpenSearch is
   * lenient only where the default field is `*`, and the index names its default fields.
   */
  private onFields(name: string | null, predicate: (field: SqlField) => string): string {
    const fields = name === null ? this.resolver.defaultFields() : name.includes('*') ? this.resolver.matching(name) : [this.resolver.field(name)].filter((f): f is SqlField => f !== undefined);
    const parts: string[] = [];
    for (const field of fields) {
      try {
        parts.push(predicate(field));
      } catch (e) {
        if (e instanceof Fail && name !== null && name !== field.name) {
          throw new Fail({ ...e.error, message: `${name} includes ${field.name}: ${e.error.message} Name the field you mean instead of the pattern.` });
        }
        throw e;
      }
    }
    const queries = parts.filter(isQuery);
    if (queries.length === 0) return parts.length > 0 ? NO_TERMS : FALSE;
    return or(queries);
  }

  private leaf(node: QueryNode, field: SqlField): string {
    switch (node.kind) {
      case 'term':
        if (node.exact && field.type === 'text') return this.exactTerm(field, node.value);
        return this.equals(field, node.value, false, 0, node.operator ?? 'or');
      case 'phrase':
        return this.equals(field, node.value, true, node.slop);
      case 'terms':
        return this.terms(field, node.values);
      case 'match': {
        if (field.type !== 'text') return this.equals(field, node.query, false);
        const tokens = this.options.text.tokens(node.query);
        if (tokens.length === 0) return FALSE;
        const parts = tokens.map((t) => this.options.text.token(field, t, this.params));
        return node.operator === 'and' ? and(parts) : or(parts);
      }
      case 'wildcard':
        if (node.exact && field.type === 'text' && lowerCase(node.pattern) !== node.pattern) return FALSE; // terms are lower-case
        if (node.analyze && field.type === 'text') return this.analyzedPrefix(field, node.pattern, node.analyze.operator) ?? this.wildcard(field, node.pattern);
        return this.wildcard(field, node.pattern);
      case 'prefix':
        // The DSL's prefix query is not normalized: an upper-case letter is in no term of a text field.
        if (field.type === 'text' && lowerCase(node.value) !== node.value) return FALSE;
        return this.wildcard(field, `${escapeForPattern(node.value)}*`);
      case 'range':
        return this.range(field, node);
      case 'regexp':
        return this.regexp(field, node.pattern);
      case 'fuzzy':
        return this.fuzzy(field, node.value, node.distance);
      default:
        throw new Fail({ message: `Unexpected query node ${node.kind}.` });
    }
  }

  /**
   * Many values of one keyword or numeric field as one LIST parameter (`list_contains`), so that
   * the SQL and its binding stay small for tens of thousands of values; other types value by value.
   */
  private terms(field: SqlField, values: readonly string[]): string {
    if (values.length > 1 && !field.equals && (field.type === 'keyword' || field.type === 'integer' || field.type === 'long' || field.type === 'double')) {
      let list: string[] | number[];
      if (field.type === 'keyword') list = values.filter((v) => field.ignoreAbove === undefined || v.length <= field.ignoreAbove);
      else list = values.map((v) => numberValue(field, v)).filter((n) => field.type === 'double' || Number.isInteger(n));
      if (list.length === 0) return FALSE;
      // One JSON text, not a LIST parameter: binding a list converts every item on the event loop.
      const type = field.type === 'keyword' ? 'VARCHAR' : 'DOUBLE';
      const items = `from_json(${this.params.add(JSON.stringify(list))}, '["${type}"]')`;
      const expr = field.expr(this.params);
      if (field.multi) return `coalesce(list_has_any(${type === 'VARCHAR' ? expr : `list_transform(${expr}, lambda x: TRY_CAST(x AS DOUBLE))`}, (SELECT ${items})), FALSE)`;
      return `coalesce(${type === 'VARCHAR' ? expr : `CAST(${expr} AS DOUBLE)`} IN (SELECT unnest(${items})), FALSE)`;
    }
    if (field.type === 'text') return or(values.map((v) => this.exactTerm(field, v)));
    return or(values.map((v) => this.equals(field, v, false)));
  }

  /** The DSL's term on a text field, not analyzed: the value must be one of the field's terms as it is. */
  private exactTerm(field: SqlField, value: string): string {
    const tokens = this.options.text.tokens(value);
    return tokens.length === 1 && tokens[0] === value ? this.options.text.token(field, value, this.params) : FALSE;
  }

  /**
   * query_string's analyze_wildcard on a text field: a prefix query (`wp-log*`, one trailing `*`
   * and no other wildcard) analyzes its text, and becomes its tokens with a prefix on the last
   * (`wp OR log*`), joined with the default operator. Other wildcard patterns are only lower-cased
   * (undefined here), as OpenSearch does.
   */
  private analyzedPrefix(field: SqlField, pattern: string, operator: 'or' | 'and'): string | undefined {
    const body = prefixBody(pattern);
    if (body === undefined) return undefined;
    const tokens = this.options.text.tokens(body);
    if (tokens.length === 0) return NO_TERMS;
    const text = this.options.text;
    const last = tokens.length - 1;
    const parts = tokens.map((t, i) => (i === last ? text.wildcard(field, `${escapeForPattern(t)}*`, this.params) : text.token(field, t, this.params)));
    return operator === 'and' ? and(parts) : or(parts);
  }

  /** term and phrase: the value as the field's type reads it (an unquoted text's tokens joined with `operator`). */
  private equals(field: SqlField, value: string, phrase: boolean, slop = 0, operator: 'or' | 'and' = 'or'): string {
    switch (field.type) {
      case 'text': {
        const text = this.options.text;
        const tokens = text.tokens(value);
        if (tokens.length === 0) return NO_TERMS;
        if (phrase && tokens.length > 1) return text.phrase(field, tokens, slop, this.params);
        // An unquoted value that analyzes to several tokens is a bool of them, with the default operator.
        const parts = tokens.map((t) => text.token(field, t, this.params));
        return operator === 'and' ? and(parts) : or(parts);
      }
      case 'keyword':
      case 'boolean': {
        const wanted = field.type === 'boolean' ? booleanValue(field, value) : value;
        if (field.ignoreAbove !== undefined && wanted.length > field.ignoreAbove) return FALSE;
        if (field.equals) return `coalesce(${field.equals(wanted, this.params)}, FALSE)`;
        return this.any(field, (x) => `${x} = ${this.params.add(wanted)}`);
      }
      case 'integer':
      case 'long':
      case 'double': {
        const n = numberValue(field, value);
        if ((field.type === 'integer' || field.type === 'long') && !Number.isInteger(n)) return FALSE;
        return this.any(field, (x) => `${this.numeric(field, x)} = ${this.params.add(n)}`);
      }
      case 'date': {
        const from = dateValue(field, value, this.options.nowMs, false);
        const to = dateValue(field, value, this.options.nowMs, true);
        return this.any(field, (x) => `${this.numeric(field, x)} BETWEEN ${this.params.add(from)} AND ${this.params.add(to)}`);
      }
      case 'ip':
        return this.ip(field, value);
    }
  }

  private ip(field: SqlField, value: string): string {
    const range = value.includes('/') ? cidrKeyRange(value) : undefined;
    if (range) {
      const key = this.options.ipKeyFunction;
      if (field.distinctValues && !field.multi) {
        const values = field.distinctValues(this.params);
        return `coalesce(${field.expr(this.params)} IN (SELECT v FROM (${values}) WHERE ${key}(v) BETWEEN ${this.params.add(range.lo)} AND ${this.params.add(range.hi)}), FALSE)`;
      }
      return this.any(field, (x) => `${key}(${x}) BETWEEN ${this.params.add(range.lo)} AND ${this.params.add(range.hi)}`);
    }
    const ip = canonicalIp(value);
    if (ip === undefined) {
      throw new Fail({ field: field.name, message: `'${value}' is not an IP address or CIDR block, and ${field.name} is an ip field. Write e.g. ${field.name}:10.0.0.1 or ${field.name}:"10.0.0.0/8".` });
    }
    return this.any(field, (x) => `${x} = ${this.params.add(ip)}`);
  }

  private range(field: SqlField, node: RangeNode): string {
    const bounds: Array<[string, string, boolean]> = [];
    if (node.gte !== undefined) bounds.push(['>=', node.gte, false]);
    if (node.gt !== undefined) bounds.push(['>', node.gt, true]);
    if (node.lte !== undefined) bounds.push(['<=', node.lte, true]);
    if (node.lt !== undefined) bounds.push(['<', node.lt, false]);
    const conditions = (x: string): string =>
      bounds
        .map(([op, value, roundUp]) => {
          switch (field.type) {
            case 'integer':
            case 'long':
            case 'double':
              return `${this.numeric(field, x)} ${op} ${this.params.add(numberValue(field, value))}`;
            case 'date':
              return `${this.numeric(field, x)} ${op} ${this.params.add(dateValue(field, value, this.options.nowMs, roundUp, node.timeZone ?? this.options.timeZone))}`;
            case 'ip': {
              const key = ipSortKey(value);
              if (key === undefined) throw new Fail({ field: field.name, message: `'${value}' is not an IP address, and ${field.name} is an ip field.` });
              return `${this.options.ipKeyFunction}(${x}) ${op} ${this.params.add(key)}`;
            }
            case 'boolean':
              return `${x} ${op} ${this.params.add(booleanValue(field, value))}`;
            case 'text':
              // Compares the field's terms (see below); query_string lower-cases the bounds, the DSL does not.
              return `${x} ${op} ${this.params.add(node.exact ? value : lowerCase(value))}`;
            default:
              return `${x} ${op} ${this.params.add(value)}`;
          }
        })
        .join(' AND ');
    // A range on a text field matches a document with a term in the range (terms compare by their UTF-8 bytes).
    if (field.type === 'text') return this.options.text.anyTokenWhere(field, (w) => `(${conditions(w)})`, this.params);
    if (field.type === 'keyword' && field.ignoreAbove !== undefined) {
      return this.any(field, (x) => `(length(${x}) <= ${field.ignoreAbove} AND ${conditions(x)})`);
    }
    return this.any(field, (x) => `(${conditions(x)})`);
  }

  private wildcard(field: SqlField, pattern: string): string {
    if (field.type === 'text') return this.options.text.wildcard(field, pattern, this.params);
    if (field.type !== 'keyword') {
      throw new Fail({ field: field.name, message: `Wildcards work on keyword and text fields; ${field.name} is a ${field.type} field.` });
    }
    const like = this.params.add(wildcardToLike(pattern));
    return this.any(field, (x) => `${x} LIKE ${like} ESCAPE '\\'${field.ignoreAbove === undefined ? '' : ` AND length(${x}) <= ${field.ignoreAbove}`}`);
  }

  /**
   * Lucene's regular expression, translated to RE2 (linear time). On a text field it is
   * lower-cased first, as query_string normalizes it with the field's analyzer, and matches a token.
   */
  private regexp(field: SqlField, pattern: string): string {
    // OpenSearch answers a regexp on a number, ip, date or boolean field with no documents, not an error.
    if (field.type !== 'text' && field.type !== 'keyword') return FALSE;
    const translated = luceneRegexpToRe2(field.type === 'text' ? lowerCase(pattern) : pattern);
    if (!translated.ok) throw new Fail({ field: field.name, message: `${field.name}:/${pattern}/: ${translated.error.message}.` });
    this.params.regexPatterns.push(translated.value);
    if (field.type === 'text') return this.options.text.regexp(field, translated.value, this.params);
    const re = this.params.add(translated.value);
    return this.any(field, (x) => `regexp_full_match(${x}, ${re})${field.ignoreAbove === undefined ? '' : ` AND length(${x}) <= ${field.ignoreAbove}`}`);
  }

  private fuzzy(field: SqlField, value: string, distance: number): string {
    if (field.type === 'text') return this.options.text.fuzzy(field, value.toLowerCase(), distance, this.params);
    if (field.type !== 'keyword') {
      throw new Fail({ field: field.name, message: `Fuzzy terms (~) work on keyword and text fields; ${field.name} is a ${field.type} field.` });
    }
    // As on text: the closest max_expansions values of the index, then any of them.
    const candidates = this.options.text.fuzzyValues(field, value, distance, this.params);
    const expr = field.expr(this.params);
    return field.multi ? `coalesce(list_has_any(${expr}, ${candidates}), FALSE)` : `coalesce(list_contains(${candidates}, ${expr}), FALSE)`;
  }

  private exists(field: SqlField): string {
    const expr = field.expr(this.params);
    if (field.multi) {
      const limit = field.ignoreAbove === undefined ? '' : ` AND length(x) <= ${field.ignoreAbove}`;
      return `coalesce(len(list_filter(${expr}, lambda x: x IS NOT NULL${limit})) > 0, FALSE)`;
    }
    return field.ignoreAbove === undefined ? `(${expr} IS NOT NULL)` : `coalesce(length(${expr}) <= ${field.ignoreAbove}, FALSE)`;
  }

  /** A predicate on a field's value, or on any of its values; never NULL, so that NOT is safe. */
  private any(field: SqlField, predicate: (x: string) => string): string {
    const expr = field.expr(this.params);
    if (!field.multi) return `coalesce(${predicate(expr)}, FALSE)`;
    return `coalesce(list_bool_or(list_transform(${expr}, lambda x: ${predicate('x')})), FALSE)`;
  }

  /** Dynamic fields hold JSON text; typed columns are numbers already. */
  private numeric(field: SqlField, x: string): string {
    return field.multi ? `TRY_CAST(${x} AS DOUBLE)` : x;
  }
}

function and(parts: string[]): string {
  if (parts.includes(FALSE)) return FALSE;
  const kept = parts.filter((p) => p !== TRUE);
  return kept.length === 0 ? TRUE : kept.length === 1 ? (kept[0] as string) : `(${kept.join(' AND ')})`;
}

function or(parts: string[]): string {
  if (parts.includes(TRUE)) return TRUE;
  const kept = parts.filter((p) => p !== FALSE);
  return kept.length === 0 ? FALSE : kept.length === 1 ? (kept[0] as string) : `(${kept.join(' OR ')})`;
}


/** Lucene wildcard (`*`, `?`, `\` escapes) → SQL LIKE with `\` as its escape. */
export function wildcardToLike(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      out += escapeLike(pattern[++i] as string);
    } else if (c === '*') out += '%';
    else if (c === '?') out += '_';
    else out += escapeLike(c);
  }
  return out;
}

function escapeLike(c: string): string {
  return c === '%' || c === '_' || c === '\\' ? `\\${c}` : c;
}
