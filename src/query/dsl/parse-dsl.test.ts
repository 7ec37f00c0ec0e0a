/** @module Tests for the OpenSearch JSON Query DSL parser: exact ASTs, OpenSearch's bool rules, error paths. */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeQuery, type QueryNode } from '../ast.js';
import { parseDsl, SUPPORTED_QUERY_TYPES, type DslError } from './index.js';

function parsed(query: unknown): QueryNode {
  const r = parseDsl(query);
  if (!r.ok) throw new Error(`${JSON.stringify(query)} failed: ${r.error.message} at ${r.error.path}`);
  return r.value;
}

function d(query: unknown): string {
  return describeQuery(parsed(query));
}

function error(query: unknown): DslError {
  const r = parseDsl(query);
  if (r.ok) throw new Error(`${JSON.stringify(query)} parsed as ${describeQuery(r.value)}`);
  return r.error;
}

describe('parseDsl: leaf queries', () => {
  it.each<[unknown, QueryNode]>([
    [{ match_all: {} }, { kind: 'match_all' }],
    [{ match_all: { boost: 1.2 } }, { kind: 'match_all' }],
    [{ match_none: {} }, { kind: 'match_none' }],
    [{ term: { 'rule.id': '5710' } }, { kind: 'term', field: 'rule.id', value: '5710', exact: true }],
    [{ term: { 'rule.level': 10 } }, { kind: 'term', field: 'rule.level', value: '10', exact: true }],
    [{ term: { 'rule.level': 2.5 } }, { kind: 'term', field: 'rule.level', value: '2.5', exact: true }],
    [{ term: { 'rule.mail': false } }, { kind: 'term', field: 'rule.mail', value: 'false', exact: true }],
    [{ term: { 'rule.id': { value: 5710, boost: 2 } } }, { kind: 'term', field: 'rule.id', value: '5710', exact: true }],
    [{ term: { f: { value: 'x', case_insensitive: false } } }, { kind: 'term', field: 'f', value: 'x', exact: true }],
    [{ term: { boost: 'x' } }, { kind: 'term', field: 'boost', value: 'x', exact: true }], // a field may be called boost
    [{ terms: { 'agent.name': ['web01', 'web02', 3] } }, { kind: 'terms', field: 'agent.name', values: ['web01', 'web02', '3'] }],
    [{ terms: { 'agent.name': [] } }, { kind: 'match_none' }],
    [{ terms: { 'agent.name': ['a'], boost: 2, _name: 'n' } }, { kind: 'terms', field: 'agent.name', values: ['a'] }],
    [{ match: { full_log: 'authentication failure' } }, { kind: 'match', field: 'full_log', query: 'authentication failure', operator: 'or' }],
    [{ match: { full_log: { query: 'a b', operator: 'AND' } } }, { kind: 'match', field: 'full_log', query: 'a b', operator: 'and' }],
    [{ match: { port: 22 } }, { kind: 'match', field: 'port', query: '22', operator: 'or' }],
    [{ match_phrase: { full_log: 'session opened' } }, { kind: 'phrase', field: 'full_log', value: 'session opened' }],
    [{ match_phrase: { full_log: { query: 'session opened', slop: 2 } } }, { kind: 'phrase', field: 'full_log', value: 'session opened', slop: 2 }],
    [{ match_phrase: { full_log: { query: 'a b', slop: 0 } } }, { kind: 'phrase', field: 'full_log', value: 'a b' }],
    [{ exists: { field: 'data.srcip' } }, { kind: 'exists', field: 'data.srcip' }],
    [{ wildcard: { 'agent.name': 'web*' } }, { kind: 'wildcard', field: 'agent.name', pattern: 'web*', exact: true }],
    [{ wildcard: { 'agent.name': { value: 'w?b*' } } }, { kind: 'wildcard', field: 'agent.name', pattern: 'w?b*', exact: true }],
    [{ wildcard: { 'agent.name': { wildcard: 'web*', boost: 1 } } }, { kind: 'wildcard', field: 'agent.name', pattern: 'web*', exact: true }],
    [{ wildcard: { path: 'C:\\\\Win\\*\\x*' } }, { kind: 'wildcard', field: 'path', pattern: 'C:\\\\Win\\*x*', exact: true }],
    [{ wildcard: { path: 'a\\' } }, { kind: 'wildcard', field: 'path', pattern: 'a\\\\', exact: true }], // trailing \ is literal
    [{ prefix: { 'agent.name': 'web' } }, { kind: 'prefix', field: 'agent.name', value: 'web' }],
    [{ prefix: { 'agent.name': { value: 'w*b', rewrite: 'constant_score' } } }, { kind: 'prefix', field: 'agent.name', value: 'w*b' }],
  ])('%j', (query, expected) => {
    expect(parsed(query)).toEqual(expected);
  });
});

describe('parseDsl: range', () => {
  it.each<[unknown, QueryNode]>([
    [{ range: { 'rule.level': { gte: 10 } } }, { kind: 'range', field: 'rule.level', exact: true, gte: '10' }],
    [{ range: { 'rule.level': { gt: 5, lt: '10' } } }, { kind: 'range', field: 'rule.level', exact: true, gt: '5', lt: '10' }],
    [{ range: { 'rule.level': { gte: 5, lte: 10 } } }, { kind: 'range', field: 'rule.level', exact: true, gte: '5', lte: '10' }],
    [{ range: { f: { from: 1, to: 5 } } }, { kind: 'range', field: 'f', exact: true, gte: '1', lte: '5' }],
    [{ range: { f: { from: 1, to: 5, include_lower: false, include_upper: false } } }, { kind: 'range', field: 'f', exact: true, gt: '1', lt: '5' }],
    [{ range: { f: { include_lower: false, from: 1 } } }, { kind: 'range', field: 'f', exact: true, gt: '1' }],
    [{ range: { f: { gt: 1, gte: 2 } } }, { kind: 'range', field: 'f', exact: true, gte: '2' }], // later keys win, as in OpenSearch
    [{ range: { f: { gte: 2, gt: 1 } } }, { kind: 'range', field: 'f', exact: true, gt: '1' }],
    [{ range: { f: { gte: null, lt: 3 } } }, { kind: 'range', field: 'f', exact: true, lt: '3' }],
    [{ range: { f: { gte: '*' } } }, { kind: 'range', field: 'f', exact: true, gte: '*' }], // only query_string treats * as open
    [{ range: { f: {} } }, { kind: 'exists', field: 'f' }],
    [{ range: { f: { gte: null, lte: null } } }, { kind: 'exists', field: 'f' }],
    [
      { range: { '@timestamp': { gte: '2024-01-01T00:00:00Z', lte: 'now', format: 'strict_date_optional_time', time_zone: '+01:00' } } },
      { kind: 'range', field: '@timestamp', exact: true, gte: '2024-01-01T00:00:00Z', lte: 'now', format: 'strict_date_optional_time', timeZone: '+01:00' },
    ],
    [{ range: { f: { gte: 1, relation: 'INTERSECTS', boost: 2 } } }, { kind: 'range', field: 'f', exact: true, gte: '1' }],
  ])('%j', (query, expected) => {
    expect(parsed(query)).toEqual(expected);
  });
});

describe('parseDsl: bool', () => {
  it('accepts a clause object or an array of clauses', () => {
    expect(
      parsed({
        bool: {
          must: { term: { a: '1' } },
          should: [{ term: { b: '2' } }, { term: { c: '3' } }],
          must_not: [{ exists: { field: 'd' } }],
          filter: [{ range: { e: { gte: 5 } } }],
        },
      }),
    ).toEqual({
      kind: 'bool',
      must: [{ kind: 'term', field: 'a', value: '1', exact: true }],
      should: [
        { kind: 'term', field: 'b', value: '2', exact: true },
        { kind: 'term', field: 'c', value: '3', exact: true },
      ],
      mustNot: [{ kind: 'exists', field: 'd' }],
      filter: [{ kind: 'range', field: 'e', exact: true, gte: '5' }],
    });
  });

  it.each([
    [{ bool: {} }, '*:*'],
    [{ bool: { must: [] } }, '*:*'],
    [{ bool: { must_not: { term: { a: 'x' } } } }, '(+*:* -a:x)'],
    [{ bool: { must_not: [{ term: { a: 'x' } }], adjust_pure_negative: false } }, '<none>'],
    [{ bool: { filter: { term: { a: 'x' } }, must_not: { term: { b: 'y' } } } }, '(#a:x -b:y)'],
    [{ bool: { should: { term: { a: 'x' } }, must_not: { term: { b: 'y' } } } }, '(a:x -b:y)'],
    [{ bool: { must: { bool: { must_not: { term: { a: 'x' } } } } } }, '(+(+*:* -a:x))'],
  ])('%j → %s', (query, expected) => {
    expect(d(query)).toBe(expected);
  });

  const should3 = [{ term: { a: '1' } }, { term: { b: '2' } }, { term: { c: '3' } }];
  it.each<[unknown, number | undefined]>([
    [2, 2],
    ['2', 2],
    [' 1 ', 1],
    [0, undefined], // OpenSearch only applies a positive count
    [-1, 2], // all but one
    ['-1', 2],
    ['75%', 2], // (int)(3 * 0.75)
    ['66%', 1],
    ['100%', 3],
    ['-34%', 2], // 3 + (int)(3 * -0.34)
    [5, 5], // more than there are should clauses: nothing matches
    [-5, undefined],
  ])('minimum_should_match %j over three should clauses → %s', (msm, expected) => {
    const node = parsed({ bool: { should: should3, minimum_should_match: msm } });
    expect(node.kind === 'bool' ? node.minimumShouldMatch : 'not a bool').toBe(expected);
  });

  it('ignores minimum_should_match when there are no should clauses', () => {
    expect(d({ bool: { must: { term: { a: '1' } }, minimum_should_match: 1 } })).toBe('(+a:1)');
  });

  it('reports bad minimum_should_match values', () => {
    for (const msm of [1.5, '3<90%', 'x', true, null, '99999999999']) {
      expect(error({ bool: { should: should3, minimum_should_match: msm } })).toEqual({
        message: 'minimum_should_match must be a whole number or a percentage such as "75%"',
        path: 'bool.minimum_should_match',
      });
    }
  });
});

describe('parseDsl: query_string', () => {
  it('parses the Lucene query with OpenSearch defaults', () => {
    expect(d({ query_string: { query: 'rule.level:>=10 AND NOT agent.name:web01' } })).toBe(
      '(+rule.level:[10 TO *] -agent.name:web01)',
    );
    expect(d({ query_string: { query: 'a b' } })).toBe('a\\ b');
    expect(parsed({ query_string: { query: 'a*' } })).toEqual({ kind: 'wildcard', field: null, pattern: 'a*' });
    expect(parsed({ query_string: { query: 'a*', analyze_wildcard: true } })).toEqual({ kind: 'wildcard', field: null, pattern: 'a*', analyze: { operator: 'or' } });
  });

  it('honours default_operator, case-insensitively', () => {
    expect(d({ query_string: { query: 'a OR b c', default_operator: 'AND' } })).toBe('(+c a b)');
    expect(d({ query_string: { query: 'a OR b c', default_operator: 'and' } })).toBe('(+c a b)');
    expect(d({ query_string: { query: 'a OR b c', default_operator: 'or' } })).toBe('(a b c)');
    expect(parsed({ query_string: { query: 'a b', default_operator: 'AND' } })).toEqual({ kind: 'term', field: null, value: 'a b', operator: 'and' });
  });

  it('puts a single default field on unfielded clauses', () => {
    expect(d({ query_string: { query: 'a f:b *', default_field: 'full_log' } })).toBe('(full_log:a f:b _exists_:full_log)');
    expect(d({ query_string: { query: 'a', fields: ['full_log^2'] } })).toBe('full_log:a');
    expect(d({ query_string: { query: 'a', default_field: '*' } })).toBe('a');
    expect(d({ query_string: { query: 'a', fields: [] } })).toBe('a');
  });

  it('treats an empty query string as matching nothing, as OpenSearch does', () => {
    expect(parsed({ query_string: { query: '' } })).toEqual({ kind: 'match_none' });
    expect(parsed({ query_string: { query: '  \n' } })).toEqual({ kind: 'match_none' });
  });

  it('applies time_zone to the ranges it produces, and accepts Kibana options', () => {
    expect(
      parsed({ query_string: { query: '@timestamp:[2024-01-01 TO *] AND x', time_zone: 'Europe/Paris', analyze_wildcard: true } }),
    ).toEqual({
      kind: 'bool',
      must: [
        { kind: 'range', field: '@timestamp', gte: '2024-01-01', timeZone: 'Europe/Paris' },
        { kind: 'term', field: null, value: 'x' },
      ],
      should: [],
      mustNot: [],
      filter: [],
    });
  });

  it('reports Lucene syntax errors with the path, position and hint', () => {
    expect(error({ bool: { filter: [{ match_all: {} }, { query_string: { query: 'srcip:2001:db8::1' } }] } })).toEqual({
      message: expect.stringMatching(/^Unexpected : in a value at position 10: Quote values/),
      path: 'bool.filter[1].query_string.query',
      position: 10,
      hint: expect.stringContaining('srcip:"2001:db8::1"'),
    });
  });

  it.each<[unknown, RegExp]>([
    [{ query_string: {} }, /needs a "query" string/],
    [{ query_string: { query: 5 } }, /needs a "query" string/],
    [{ query_string: { query: 'a', default_operator: 'XOR' } }, /default_operator/],
    [{ query_string: { query: 'a', fields: ['a', 'b'] } }, /Only one entry in fields/],
    [{ query_string: { query: 'a', fields: 'a' } }, /array of strings/],
    [{ query_string: { query: 'a', fields: ['a'], default_field: 'b' } }, /either default_field or fields/],
    [{ query_string: { query: 'a', fuzziness: 1 } }, /Unsupported option "fuzziness"/],
  ])('rejects %j', (query, message) => {
    expect(error(query).message).toMatch(message);
  });
});

describe('parseDsl: errors', () => {
  it.each<[unknown, DslError]>([
    [null, { message: 'Expected a query object such as {"match_all": {}}, got null', path: '' }],
    [[], { message: 'Expected a query object such as {"match_all": {}}, got an array', path: '' }],
    ['term', { message: 'Expected a query object such as {"match_all": {}}, got a string', path: '' }],
    [{}, { message: 'Empty query object; it needs one query type such as {"match_all": {}}', path: '' }],
    [{ term: { a: 1 }, match: { b: 2 } }, { message: 'A query object holds exactly one query type, found term, match', path: '' }],
    [{ query: { match_all: {} } }, { message: '"query" wraps a search body; pass the query object inside it', path: 'query' }],
    [{ term: { a: 'x', b: 'y' } }, { message: 'Only one field per query, found a, b', path: 'term' }],
    [{ term: {} }, { message: 'Missing the field to query', path: 'term' }],
    [{ term: { '': 'x' } }, { message: 'The field name is empty', path: 'term' }],
    [{ term: { a: null } }, { message: 'The term value must be a string, number or boolean, got null', path: 'term' }],
    [{ term: { a: { boost: 2 } } }, { message: 'Missing "value"', path: 'term' }],
    [{ term: { a: { value: 'x', case_insensitive: true } } }, { message: 'case_insensitive is not supported', path: 'term' }],
    [{ term: { a: { value: 'x', foo: 1 } } }, { message: 'Unsupported option "foo"; supported: value, case_insensitive, boost, _name', path: 'term' }],
    [{ terms: { a: 'x' } }, { message: 'terms takes an array of values; terms lookup is not supported', path: 'terms' }],
    [{ terms: { a: ['x', {}] } }, { message: 'Each terms value must be a string, number or boolean, got an object', path: 'terms[1]' }],
    [{ match: { a: { query: 'x', operator: 'xor' } } }, { message: 'operator must be "or" or "and"', path: 'match' }],
    [{ match: { a: { query: 'x', fuzziness: 'AUTO' } } }, { message: 'Unsupported option "fuzziness"; supported: query, operator, boost, _name', path: 'match' }],
    [{ match_phrase: { a: { query: 'x', slop: -1 } } }, { message: 'slop must be a whole number >= 0', path: 'match_phrase' }],
    [{ range: { f: 5 } }, { message: 'Expected an object, got a number', path: 'range' }],
    [{ range: { f: { gte: [1] } } }, { message: 'The gte bound must be a string, number or boolean, got an array', path: 'range' }],
    [{ range: { f: { include_lower: 'no' } } }, { message: 'include_lower must be true or false', path: 'range' }],
    [{ range: { f: { relation: 'within' } } }, { message: 'Only relation "intersects" is supported', path: 'range' }],
    [{ exists: { field: '' } }, { message: 'exists needs a non-empty "field" string', path: 'exists' }],
    [{ exists: {} }, { message: 'exists needs a non-empty "field" string', path: 'exists' }],
    [{ match_all: { x: 1 } }, { message: 'Unsupported option "x"; supported: boost, _name', path: 'match_all' }],
    [{ bool: { must: 'x' } }, { message: 'Expected a query object such as {"match_all": {}}, got a string', path: 'bool.must' }],
    [{ bool: { must: [{ term: { a: 1 } }, { nope: {} }] } }, { message: expect.stringContaining('Unknown query type "nope"'), path: 'bool.must[1].nope' }],
    [{ bool: { must: [{ match_all: {} }, { term: 5 }] } }, { message: 'Expected {"field": ...}, got a number', path: 'bool.must[1].term' }],
    [{ bool: { should: [{ bool: { must_not: [{}] } }] } }, { message: expect.stringContaining('Empty query object'), path: 'bool.should[0].bool.must_not[0]' }],
    [{ bool: { mustnot: [] } }, { message: expect.stringContaining('Unsupported option "mustnot"'), path: 'bool' }],
    [{ bool: { must_not: [], adjust_pure_negative: 'yes' } }, { message: 'adjust_pure_negative must be true or false', path: 'bool' }],
  ])('%j', (query, expected) => {
    expect(error(query)).toEqual(expected);
  });

  it('names the unknown type and lists the supported ones', () => {
    expect(error({ fuzzy: { a: 'x' } }).message).toBe(
      'Unknown query type "fuzzy"; supported: bool, term, terms, match, match_phrase, range, exists, wildcard, prefix, query_string, match_all, match_none',
    );
    expect(SUPPORTED_QUERY_TYPES).toHaveLength(12);
  });

  it('limits nesting instead of overflowing the stack', () => {
    let query: unknown = { match_all: {} };
    for (let i = 0; i < 5000; i++) query = { bool: { must: query } };
    expect(error(query).message).toMatch(/nested too deeply/);
  });
});

describe('parseDsl: robustness', () => {
  it('never throws on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => checkTotal(value)),
      { numRuns: 3000 },
    );
  });

  it('never throws on query-shaped JSON', () => {
    // Random nesting of the supported types with plausible and implausible bodies.
    const { query } = fc.letrec<{ query: unknown; body: unknown }>((tie) => ({
      query: fc.oneof(
        { maxDepth: 4, depthIdentifier: 'query' },
        fc.dictionary(fc.constantFrom(...SUPPORTED_QUERY_TYPES, 'fuzzy'), tie('body'), { minKeys: 1, maxKeys: 2 }),
        fc.record({
          bool: fc.dictionary(
            fc.constantFrom('must', 'should', 'must_not', 'filter', 'minimum_should_match', 'x'),
            fc.oneof(fc.jsonValue(), tie('query'), fc.array(tie('query'), { maxLength: 3 })),
          ),
        }),
      ),
      body: fc.oneof(
        fc.jsonValue(),
        fc.dictionary(fc.constantFrom('f', 'field', 'query', 'value', 'gte', 'lt', 'from', 'include_lower', 'slop', 'operator'), fc.oneof(fc.jsonValue(), fc.string()), { maxKeys: 3 }),
        fc.record({ f: fc.dictionary(fc.constantFrom('value', 'query', 'gte', 'gt', 'lte', 'to', 'slop', 'operator', 'wildcard'), fc.jsonValue(), { maxKeys: 3 }) }),
        fc.record({ query: fc.string(), default_operator: fc.constantFrom('AND', 'or', 'x'), default_field: fc.constantFrom('f', '*') }),
      ),
    }));
    fc.assert(
      fc.property(query, (value) => checkTotal(value)),
      { numRuns: 3000 },
    );
  });
});

function checkTotal(value: unknown): boolean {
  const r = parseDsl(value);
  if (r.ok) expect(typeof describeQuery(r.value)).toBe('string');
  else expect(typeof r.error.path).toBe('string');
  return true;
}
