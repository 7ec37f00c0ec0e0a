import { describe, expect, it } from 'vitest';
import type { QueryNode } from '../ast.js';
import { parseLucene } from '../lucene/index.js';
import { compileToOpenSearch, escapeQueryStringTerm, luceneQueryDsl, sourceQueryDsl } from './to-opensearch.js';

function compiled(text: string): unknown {
  const parsed = parseLucene(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return compileToOpenSearch(parsed.value);
}

describe('the query OpenSearch is sent', () => {
  it('sends Lucene text as Kibana does: query_string, analyze_wildcard, OR, no default_field', () => {
    expect(luceneQueryDsl('rule.level:>=7 AND srcip:"10.0.0.0/8"')).toEqual({ query_string: { query: 'rule.level:>=7 AND srcip:"10.0.0.0/8"', analyze_wildcard: true, default_operator: 'OR' } });
    expect(luceneQueryDsl('   ')).toEqual({ match_all: {} });
    expect(luceneQueryDsl('x', { timeZone: 'Europe/Berlin' })).toMatchObject({ query_string: { time_zone: 'Europe/Berlin' } });
  });

  it('passes a DSL object through untouched', () => {
    const dsl = { bool: { must: [{ term: { 'rule.level': 6 } }], unknown_option: true } };
    expect(sourceQueryDsl(dsl)).toBe(dsl);
  });

  it('escapes every character query_string reads as syntax in a literal term', () => {
    expect(escapeQueryStringTerm('a b:c/d*(e)"\\')).toBe('a\\ b\\:c\\/d\\*\\(e\\)\\"\\\\');
  });
});

describe('the AST compiled to DSL (callers without the user text)', () => {
  it('writes what Lucene can say as one query_string, so that OpenSearch analyzes it as the text', () => {
    expect(compiled('full_log:wp-log*')).toEqual({ query_string: { query: 'full_log:wp\\-log*', analyze_wildcard: true } });
    expect(compiled('"did receive"~1')).toEqual({ query_string: { query: '"did receive"~1', analyze_wildcard: true } });
    expect(compiled('rule.level:[6 TO 10} AND NOT _exists_:srcuser')).toEqual({ query_string: { query: '(+rule.level:["6" TO "10"} -_exists_:srcuser)', analyze_wildcard: true } });
    expect(compiled('rule.\\*:5 OR srcip:2001\\:db8\\:\\:1')).toEqual({ query_string: { query: '(rule.\\*:5 srcip:2001\\:db8\\:\\:1)', analyze_wildcard: true } });
  });

  it('keeps a regexp whole: an unescaped slash inside is escaped, escapes are kept', () => {
    expect(compileToOpenSearch({ kind: 'regexp', field: 'location', pattern: 'a/b\\/c' })).toEqual({ query_string: { query: 'location:/a\\/b\\/c/', analyze_wildcard: true } });
  });

  it('gives DSL-only kinds their own DSL queries, and a bool holding one becomes a DSL bool', () => {
    const wp = { kind: 'wildcard', field: 'full_log', pattern: 'wp-log*', analyze: { operator: 'or' } } as const;
    const mixed: QueryNode = { kind: 'bool', must: [wp, { kind: 'terms', field: 'srcuser', values: ['a', 'b'] }], should: [], mustNot: [{ kind: 'match_none' }], filter: [] };
    expect(compileToOpenSearch(mixed)).toEqual({
      bool: { must: [{ query_string: { query: 'full_log:wp\\-log*', analyze_wildcard: true } }, { terms: { srcuser: ['a', 'b'] } }], must_not: [{ match_none: {} }] },
    });
    expect(compileToOpenSearch({ kind: 'match', field: 'full_log', query: 'x y', operator: 'and' })).toEqual({ match: { full_log: { query: 'x y', operator: 'and' } } });
    expect(compileToOpenSearch({ kind: 'range', field: '@timestamp', gte: '02/03/2024', format: 'dd/MM/yyyy', timeZone: '+01:00' })).toEqual({ range: { '@timestamp': { gte: '02/03/2024', format: 'dd/MM/yyyy', time_zone: '+01:00' } } });
  });

  it('the DSL\'s exact term, wildcard and range stay DSL queries OpenSearch does not analyze or lower-case; a query_string wildcard without analyze keeps analyze_wildcard off; values read with AND keep AND', () => {
    expect(compileToOpenSearch({ kind: 'wildcard', field: 'full_log', pattern: 'Ident*', exact: true })).toEqual({ wildcard: { full_log: { value: 'Ident*' } } });
    expect(compileToOpenSearch({ kind: 'term', field: 'full_log', value: 'Did', exact: true })).toEqual({ term: { full_log: { value: 'Did' } } });
    expect(compileToOpenSearch({ kind: 'range', field: 'full_log', gte: 'YUM', lte: 'YZ', exact: true })).toEqual({ range: { full_log: { gte: 'YUM', lte: 'YZ' } } });
    expect(compileToOpenSearch({ kind: 'wildcard', field: 'full_log', pattern: 'DID*' })).toEqual({ query_string: { query: 'DID*', default_field: 'full_log', analyze_wildcard: false } });
    const and: QueryNode = { kind: 'bool', must: [{ kind: 'term', field: 'full_log', value: 'root admin', operator: 'and' }, { kind: 'wildcard', field: null, pattern: 'ses*', analyze: { operator: 'and' } }], should: [], mustNot: [], filter: [] };
    expect(compileToOpenSearch(and)).toEqual({ query_string: { query: '(+full_log:root\\ admin +ses*)', analyze_wildcard: true, default_operator: 'AND' } });
    // An optional clause cannot be written under AND: the bool is DSL, its leaves query_string with AND.
    const optional: QueryNode = { kind: 'bool', must: [], should: [{ kind: 'term', field: 'a', value: 'x', operator: 'and' }, { kind: 'term', field: 'b', value: 'y', operator: 'and' }], mustNot: [], filter: [] };
    expect(compileToOpenSearch(optional)).toEqual({
      bool: { should: [{ query_string: { query: 'a:x', analyze_wildcard: true, default_operator: 'AND' } }, { query_string: { query: 'b:y', analyze_wildcard: true, default_operator: 'AND' } }] },
    });
  });

  it('keeps a field named __proto__ an own key of the DSL', () => {
    const dsl = compileToOpenSearch({ kind: 'prefix', field: '__proto__', value: 'x' }) as { prefix: Record<string, unknown> };
    expect(Object.hasOwn(dsl.prefix, '__proto__')).toBe(true);
    expect(JSON.stringify(dsl)).toBe('{"prefix":{"__proto__":{"value":"x"}}}');
  });
});
