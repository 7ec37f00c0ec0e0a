import { describe, expect, it } from 'vitest';
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
  it('hands analyzed leaves back to query_string on their field, so OpenSearch analyzes them as the text', () => {
    expect(compiled('full_log:wp-log*')).toEqual({ query_string: { query: 'wp\\-log*', analyze_wildcard: true, default_field: 'full_log' } });
    expect(compiled('"did receive"~1')).toEqual({ query_string: { query: '"did receive"~1', analyze_wildcard: true } });
    expect(compiled('location:/\\/var\\/log\\/.*/')).toMatchObject({ query_string: { default_field: 'location' } });
    expect(compiled('srcip:2001\\:db8\\:\\:1')).toEqual({ query_string: { query: '2001\\:db8\\:\\:1', analyze_wildcard: true, default_field: 'srcip' } });
  });

  it('keeps a regexp whole: an unescaped slash inside is escaped, escapes are kept', () => {
    expect(compileToOpenSearch({ kind: 'regexp', field: 'location', pattern: 'a/b\\/c' })).toEqual({ query_string: { query: '/a\\/b\\/c/', analyze_wildcard: true, default_field: 'location' } });
  });

  it('gives bool, range, exists and DSL-only kinds their own DSL queries', () => {
    expect(compiled('rule.level:[6 TO 10} AND NOT _exists_:srcuser')).toEqual({
      bool: { must: [{ range: { 'rule.level': { gte: '6', lt: '10' } } }], must_not: [{ exists: { field: 'srcuser' } }] },
    });
    expect(compileToOpenSearch({ kind: 'terms', field: 'srcuser', values: ['a', 'b'] })).toEqual({ terms: { srcuser: ['a', 'b'] } });
    expect(compileToOpenSearch({ kind: 'match', field: 'full_log', query: 'x y', operator: 'and' })).toEqual({ match: { full_log: { query: 'x y', operator: 'and' } } });
  });

  it('keeps a field named __proto__ an own key of the DSL', () => {
    const dsl = compileToOpenSearch({ kind: 'prefix', field: '__proto__', value: 'x' }) as { prefix: Record<string, unknown> };
    expect(Object.hasOwn(dsl.prefix, '__proto__')).toBe(true);
    expect(JSON.stringify(dsl)).toBe('{"prefix":{"__proto__":{"value":"x"}}}');
  });
});
