/**
 * @module What OpenSearch is sent as the query: the user's own query (Lucene text as Kibana sends it,
 * DSL passed through), or, for callers that built only an AST, the AST compiled to the Query DSL. Pure.
 *
 * The AST keeps values as the user wrote them and leaves analysis to each backend (ast.ts), so the
 * compiler hands term, phrase, wildcard, regexp and fuzzy leaves back to OpenSearch as `query_string`
 * on their field: OpenSearch then analyzes each exactly as it analyzes the same Lucene text. DSL-only
 * kinds (prefix, terms, match) and ranges, exists and bools become their own DSL queries.
 */
import type { QueryNode } from '../ast.js';

export type Dsl = Record<string, unknown>;

/** What Kibana's Lucene mode adds to every query_string (its `query:queryString:options` default). */
const KIBANA_QUERY_STRING_OPTIONS = { analyze_wildcard: true } as const;

/**
 * Lucene text as Kibana sends it: `query_string` with `analyze_wildcard`, the default operator OR
 * and no `default_field`, so that the index's `index.query.default_field` decides what a bare word
 * searches. Like Kibana, empty (or whitespace-only) text matches everything.
 */
export function luceneQueryDsl(text: string, options: { timeZone?: string } = {}): Dsl {
  if (text.trim() === '') return { match_all: {} };
  return { query_string: { query: text, ...KIBANA_QUERY_STRING_OPTIONS, default_operator: 'OR', ...(options.timeZone ? { time_zone: options.timeZone } : {}) } };
}

/** The query as given by the user: Lucene text → query_string; a DSL object as it is. */
export function sourceQueryDsl(source: string | Record<string, unknown>, options: { timeZone?: string } = {}): Dsl {
  return typeof source === 'string' ? luceneQueryDsl(source, options) : source;
}

// Characters query_string reads as syntax in an unquoted term (its docs' list, plus whitespace).
const RESERVED = new Set([...'+-=&|><!(){}[]^"~*?:\\/', ' ', '\t', '\n', '\r', '\u3000']);

/** A literal value as one unquoted query_string term: every reserved character escaped. */
export function escapeQueryStringTerm(value: string): string {
  let out = '';
  for (const c of value) out += RESERVED.has(c) ? `\\${c}` : c;
  return out;
}

/** An AST wildcard pattern (only `\\ \* \?` escaped) as query_string text: its `*` and `?` stay wildcards. */
function wildcardText(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      out += `\\${pattern[i + 1] ?? '\\'}`;
      i++;
    } else {
      out += c === '*' || c === '?' ? c : RESERVED.has(c) ? `\\${c}` : c;
    }
  }
  return out;
}

/** A raw Lucene regexp between slashes: a `/` not already escaped would end it early. */
function regexpText(pattern: string): string {
  let out = '/';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      out += pattern.slice(i, i + 2);
      i++;
    } else {
      out += c === '/' ? '\\/' : c;
    }
  }
  return `${out}/`;
}

function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

type Operator = 'or' | 'and';

/** One leaf as query_string on its field (null: the index's default fields; `default_field` also takes patterns such as `rule.*`). */
function onField(field: string | null, query: string, options: { operator?: Operator; analyzeWildcard?: boolean } = {}): Dsl {
  return {
    query_string: {
      query,
      analyze_wildcard: options.analyzeWildcard ?? KIBANA_QUERY_STRING_OPTIONS.analyze_wildcard,
      ...(field === null ? {} : { default_field: field }),
      // How a text field joins the tokens of one value (`full_log:(root admin)`): the query's default operator.
      ...(options.operator === 'and' ? { default_operator: 'AND' } : {}),
    },
  };
}

/**
 * A subtree as one query_string text, or undefined when Lucene syntax cannot say it (DSL-only
 * kinds, a DSL wildcard, match_none, minimum_should_match, date options on a range, or default
 * operators that differ). One text for the whole subtree matters: Lucene's parser leaves out a
 * clause that analyzes to no terms (`full_log:..* AND full_log:htop` is `htop`), where a
 * query_string of that clause alone would match nothing.
 */
function luceneText(node: QueryNode, operator: { value?: Operator }): string | undefined {
  const on = (field: string | null, text: string): string => (field === null ? text : `${escapeQueryStringTerm(field)}:${text}`);
  const agree = (wanted: Operator): boolean => {
    if (operator.value !== undefined && operator.value !== wanted) return false;
    operator.value = wanted;
    return true;
  };
  switch (node.kind) {
    case 'match_all':
      return '*:*';
    case 'bool': {
      if (node.minimumShouldMatch !== undefined) return undefined;
      const parts: string[] = [];
      const add = (clauses: QueryNode[], mark: string): boolean => {
        for (const clause of clauses) {
          const text = luceneText(clause, operator);
          if (text === undefined) return false;
          parts.push(`${mark}${text}`);
        }
        return true;
      };
      if (!add(node.must, '+') || !add(node.filter, '+') || !add(node.mustNot, '-') || !add(node.should, '')) return undefined;
      // Under AND a clause without + or - is required: an optional clause cannot be written then.
      if (node.should.length > 0 && !agree('or')) return undefined;
      return parts.length === 0 ? '*:*' : `(${parts.join(' ')})`;
    }
    case 'term':
      // The DSL's term is not analyzed; query_string would analyze it.
      if (node.exact || !agree(node.operator ?? 'or')) return undefined;
      return on(node.field, node.value === '' ? '""' : escapeQueryStringTerm(node.value));
    case 'phrase':
      return on(node.field, quoted(node.value) + (node.slop ? `~${node.slop}` : ''));
    case 'wildcard':
      // The DSL's wildcard is not even lower-cased; one without `analyze` needs its own query_string (analyze_wildcard off).
      if (node.exact || !node.analyze || !agree(node.analyze.operator)) return undefined;
      return on(node.field, wildcardText(node.pattern));
    case 'regexp':
      return on(node.field, regexpText(node.pattern));
    case 'fuzzy':
      return on(node.field, `${escapeQueryStringTerm(node.value)}~${node.distance}`);
    case 'range': {
      // query_string lower-cases bounds on text fields, the DSL's range does not.
      if (node.exact || node.format !== undefined || node.timeZone !== undefined) return undefined;
      const bound = (v: string | undefined): string => (v === undefined ? '*' : quoted(v));
      return on(node.field, `${node.gt !== undefined ? '{' : '['}${bound(node.gte ?? node.gt)} TO ${bound(node.lte ?? node.lt)}${node.lt !== undefined ? '}' : ']'}`);
    }
    case 'exists':
      return `_exists_:${escapeQueryStringTerm(node.field)}`;
    default:
      return undefined;
  }
}

/**
 * The AST as OpenSearch Query DSL: what Lucene syntax can say as one query_string (so OpenSearch
 * reads it as it reads the user's text), the rest as DSL queries, their leaves again as query_string.
 */
export function compileToOpenSearch(node: QueryNode): Dsl {
  const operator: { value?: Operator } = {};
  const text = luceneText(node, operator);
  if (text !== undefined) return { query_string: { query: text, ...KIBANA_QUERY_STRING_OPTIONS, ...(operator.value === 'and' ? { default_operator: 'AND' } : {}) } };
  switch (node.kind) {
    case 'match_all':
      return { match_all: {} };
    case 'match_none':
      return { match_none: {} };
    case 'bool': {
      const bool: Dsl = {};
      if (node.must.length > 0) bool['must'] = node.must.map(compileToOpenSearch);
      if (node.filter.length > 0) bool['filter'] = node.filter.map(compileToOpenSearch);
      if (node.should.length > 0) bool['should'] = node.should.map(compileToOpenSearch);
      if (node.mustNot.length > 0) bool['must_not'] = node.mustNot.map(compileToOpenSearch);
      if (node.minimumShouldMatch !== undefined) bool['minimum_should_match'] = node.minimumShouldMatch;
      return { bool };
    }
    case 'term':
      if (node.exact && node.field !== null) return { term: { [node.field]: { value: node.value } } };
      return onField(node.field, escapeQueryStringTerm(node.value), { operator: node.operator ?? 'or' });
    case 'phrase':
      return onField(node.field, quoted(node.value) + (node.slop ? `~${node.slop}` : ''));
    case 'wildcard':
      if (node.analyze) return onField(node.field, wildcardText(node.pattern), { operator: node.analyze.operator });
      if (node.exact && node.field !== null) return { wildcard: { [node.field]: { value: node.pattern } } };
      // query_string without analyze_wildcard: the pattern is lower-cased on text fields, not analyzed.
      return onField(node.field, wildcardText(node.pattern), { analyzeWildcard: false });
    case 'regexp':
      return onField(node.field, regexpText(node.pattern));
    case 'fuzzy':
      return onField(node.field, `${escapeQueryStringTerm(node.value)}~${node.distance}`);
    case 'range': {
      const bounds: Dsl = {};
      for (const key of ['gt', 'gte', 'lt', 'lte', 'format'] as const) if (node[key] !== undefined) bounds[key] = node[key];
      if (node.timeZone !== undefined) bounds['time_zone'] = node.timeZone;
      return { range: { [node.field]: bounds } };
    }
    case 'exists':
      return { exists: { field: node.field } };
    case 'prefix':
      return { prefix: { [node.field]: { value: node.value } } };
    case 'terms':
      return { terms: { [node.field]: [...node.values] } };
    case 'match':
      if (node.field === null) {
        // No DSL match without a field: each word as its own term on the default fields.
        const words = node.query.split(/\s+/).filter((w) => w !== '').map(escapeQueryStringTerm);
        return words.length === 0 ? { match_none: {} } : { query_string: { query: words.join(' '), default_operator: node.operator.toUpperCase() } };
      }
      return { match: { [node.field]: { query: node.query, operator: node.operator } } };
  }
}
