/** @module Tests for the AST helpers: constructors, traversal, wildcard patterns and describeQuery. */

import { describe, expect, it } from 'vitest';
import {
  boolNode,
  children,
  describeQuery,
  escapeForPattern,
  fieldOf,
  fixPureNegative,
  matchAll,
  walk,
  wildcardPattern,
  type QueryNode,
} from './ast.js';

const term = (value: string, field: string | null = null): QueryNode => ({ kind: 'term', field, value });

describe('boolNode and fixPureNegative', () => {
  it('fills empty clause lists', () => {
    expect(boolNode({ must: [term('a')] })).toEqual({ kind: 'bool', must: [term('a')], should: [], mustNot: [], filter: [] });
    expect(boolNode({ minimumShouldMatch: 2 }).minimumShouldMatch).toBe(2);
  });

  it('adds match_all only to purely negative bools', () => {
    expect(fixPureNegative(boolNode({ mustNot: [term('a')] })).must).toEqual([matchAll()]);
    expect(fixPureNegative(boolNode({ filter: [term('b')], mustNot: [term('a')] })).must).toEqual([]);
    expect(fixPureNegative(boolNode()).must).toEqual([]);
  });
});

describe('walk', () => {
  const tree = boolNode({
    must: [term('a'), boolNode({ should: [term('b'), term('c')] })],
    filter: [term('f')],
    mustNot: [term('d')],
  });

  it('visits parents first, in must, filter, should, mustNot order, with depths', () => {
    const seen: string[] = [];
    walk(tree, (node, depth) => {
      seen.push(`${depth}:${node.kind === 'term' ? node.value : node.kind}`);
    });
    expect(seen).toEqual(['0:bool', '1:a', '1:bool', '2:b', '2:c', '1:f', '1:d']);
  });

  it('skips the children of a node when the visitor returns false', () => {
    const seen: string[] = [];
    walk(tree, (node, depth) => {
      seen.push(node.kind);
      return depth === 0;
    });
    expect(seen).toEqual(['bool', 'term', 'bool', 'term', 'term']);
    expect(children(term('x'))).toEqual([]);
  });

  it('reports leaf fields', () => {
    expect(fieldOf(term('x', 'f'))).toBe('f');
    expect(fieldOf(term('x'))).toBeNull();
    expect(fieldOf(matchAll())).toBeUndefined();
  });
});

describe('wildcard patterns', () => {
  it.each([
    ['a*b?', 'a*b?'],
    ['a\\*b', 'a\\*b'],
    ['a\\?b', 'a\\?b'],
    ['a\\\\b', 'a\\\\b'],
    ['a\\:b', 'a:b'],
    ['a\\', 'a\\\\'],
  ])('%s → %s', (raw, pattern) => {
    expect(wildcardPattern(raw)).toBe(pattern);
  });

  it('escapes literals', () => {
    expect(escapeForPattern('a*b?c\\d')).toBe('a\\*b\\?c\\\\d');
  });
});

describe('describeQuery', () => {
  it.each<[QueryNode, string]>([
    [matchAll(), '*:*'],
    [{ kind: 'match_none' }, '<none>'],
    [term('6', 'rule.level'), 'rule.level:6'],
    [term('foo:bar (x)'), 'foo\\:bar\\ \\(x\\)'],
    [term('-1', 'f'), 'f:\\-1'],
    [term('a-b', 'f'), 'f:a-b'],
    [term(''), "''"],
    [term('AND'), 'AND'],
    [term('x', 'data.*'), 'data.\\*:x'],
    [{ kind: 'phrase', field: 'f', value: 'a "b" \\c' }, 'f:"a \\"b\\" \\\\c"'],
    [{ kind: 'phrase', field: null, value: 'a b', slop: 2 }, '"a b"~2'],
    [{ kind: 'wildcard', field: 'f', pattern: 'a:b*\\*' }, 'f:a\\:b*\\*'],
    [{ kind: 'regexp', field: 'f', pattern: 'a.*' }, 'f:/a.*/'],
    [{ kind: 'fuzzy', field: null, value: 'abc', distance: 1 }, 'abc~1'],
    [{ kind: 'range', field: 'f', gte: '1', lt: '5' }, 'f:[1 TO 5}'],
    [{ kind: 'range', field: 'f', gt: 'a b' }, 'f:{"a b" TO *]'],
    [{ kind: 'range', field: 'f', lte: 'TO' }, 'f:[* TO "TO"]'],
    [{ kind: 'range', field: 't', gte: 'now', format: 'epoch_millis', timeZone: 'UTC' }, 't:[now TO *](format=epoch_millis,time_zone=UTC)'],
    [{ kind: 'exists', field: 'f' }, '_exists_:f'],
    [{ kind: 'prefix', field: 'f', value: 'we b' }, 'prefix(f "we b")'],
    [{ kind: 'terms', field: 'f', values: ['a', 'b'] }, 'terms(f ["a","b"])'],
    [{ kind: 'match', field: null, query: 'a b', operator: 'and' }, 'match(* "a b" and)'],
    [boolNode(), '()'],
    [
      boolNode({ must: [term('a')], filter: [term('f')], should: [term('b'), term('c')], mustNot: [term('d')], minimumShouldMatch: 1 }),
      '(+a #f b c -d)~1',
    ],
  ])('%j → %s', (node, expected) => {
    expect(describeQuery(node)).toBe(expected);
  });
});
