/**
 * The in-memory matcher against the query conformance corpus: the same documents, the same queries,
 * the same answers that both stores (DuckDB and OpenSearch) give. Cases with regular expressions
 * or fuzzy terms, or field patterns, are refused by the matcher (rules cannot use them); every other
 * case must agree.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { corpusDocuments } from '../../test/contracts/query-corpus.case.js';
import { parseQueryInput } from '../query/parse-query.js';
import { compileMatcher, globMatcher, MatchDocument } from './match.js';

interface Case {
  query: string | object;
  expect: string[];
  note?: string;
}
const corpus = JSON.parse(readFileSync(new URL('../../test/contracts/query-corpus.json', import.meta.url), 'utf8')) as { cases: Case[]; errors: Array<{ query: string; error: string }> };
const documents = corpusDocuments();
const label = (q: string | object): string => (typeof q === 'string' ? q : JSON.stringify(q));
const now = (): number => Date.UTC(2024, 2, 4);

describe('compileMatcher on the query conformance corpus', () => {
  const refused: string[] = [];
  it.each(corpus.cases.map((c) => [label(c.query), c] as const))('%s', (_label, c) => {
    const parsed = parseQueryInput(c.query);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const matcher = compileMatcher(parsed.value, { now });
    if (!matcher.ok) {
      expect(matcher.error.message).toMatch(/rules cannot use (regular expressions|fuzzy terms|field patterns)/);
      refused.push(label(c.query));
      return;
    }
    const ids = documents.filter((d) => matcher.value(new MatchDocument(d.document))).map((d) => d.document['@id']).sort();
    expect(ids, c.note).toEqual(c.expect);
  });

  it('refuses only regular expressions, fuzzy terms and field patterns, and few of the corpus', () => {
    expect(refused.length).toBeLessThan(corpus.cases.length / 4);
  });

  it.each(corpus.errors.filter((c) => parseQueryInput(c.query).ok && c.error === 'query').map((c) => [c.query] as const))('%s fails to compile', (query) => {
    const parsed = parseQueryInput(query);
    if (!parsed.ok) return;
    expect(compileMatcher(parsed.value, { now }).ok).toBe(false);
  });
});

describe('globMatcher', () => {
  it('matches whole values in linear time, escapes taken literally', () => {
    expect(globMatcher('ab*c?')('abxxcd')).toBe(true);
    expect(globMatcher('ab*c?')('abxxc')).toBe(false);
    expect(globMatcher('a\\*b')('a*b')).toBe(true);
    expect(globMatcher('a\\*b')('axb')).toBe(false);
    const started = performance.now();
    expect(globMatcher(`${'a*'.repeat(200)}b`)('a'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
