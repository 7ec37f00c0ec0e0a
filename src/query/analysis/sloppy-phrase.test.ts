import { describe, expect, it } from 'vitest';
import { sloppyPhraseConditions, sloppyPhraseMatches } from './sloppy-phrase.js';

const doc = 'did not receive identification string'.split(' ');
const matches = (phrase: string, slop: number, tokens = doc): boolean => sloppyPhraseMatches(tokens, phrase.split(' '), slop);

describe('sloppy phrase (Lucene semantics, checked against OpenSearch 2.19)', () => {
  it.each([
    ['did not', 0, true],
    ['did receive', 0, false],
    ['did receive', 1, true],
    ['did identification', 1, false],
    ['did identification', 2, true],
    ['not did', 1, false], // a transposition costs 2
    ['not did', 2, true],
    ['receive did', 2, false], // reversed with a word between: 3
    ['receive did', 3, true],
    ['did receive string', 1, false],
    ['did receive string', 2, true],
    ['did missing', 100, false],
  ])('"%s"~%i → %s', (phrase, slop, expected) => {
    expect(matches(phrase, slop)).toBe(expected);
  });

  it('needs distinct positions for a repeated term', () => {
    expect(matches('a a', 1, ['a', 'b'])).toBe(false);
    expect(matches('a a', 1, ['a', 'b', 'a'])).toBe(true);
    expect(matches('a b a', 0, ['a', 'b', 'a'])).toBe(true);
    expect(matches('a b a', 1, ['x', 'b', 'a'])).toBe(false);
  });

  it('has one condition per run of a repeated term', () => {
    expect(sloppyPhraseConditions(['a', 'b', 'a'])).toEqual([
      { t: 'a', lo: 0, hi: 0, need: 1 },
      { t: 'a', lo: 0, hi: 2, need: 2 },
      { t: 'a', lo: 2, hi: 2, need: 1 },
      { t: 'b', lo: 1, hi: 1, need: 1 },
    ]);
  });
});
