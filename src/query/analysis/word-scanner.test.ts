/** @module The fast scanner (behind tokenizeStandard) gives exactly the automaton's plain reading, and the one-pass lower-casing it relies on is sound. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyText, piecesText, referenceTokens } from '../../testing/reference-tokenizer.js';
import { lowerCasedInPlace, tokenizeStandard } from './standard-tokenizer.js';
import { WordScanner } from './word-scanner.js';

describe('word scanner', () => {
  it('tokenizeStandard gives the reference tokens on log-like texts of every class', () => {
    fc.assert(fc.property(piecesText, (text) => void expect(tokenizeStandard(text)).toEqual(referenceTokens(text))), { numRuns: 3000 });
  });

  it('tokenizeStandard gives the reference tokens on arbitrary strings (any code point, lone surrogates, long runs)', () => {
    fc.assert(fc.property(anyText, (text) => void expect(tokenizeStandard(text)).toEqual(referenceTokens(text))), { numRuns: 3000 });
  });

  it('reports ascii and plain for exactly the token between start and end, not what the scan looked at past it', () => {
    const text = "Ab1 a.\u0301! x'y 10.0 é a_";
    const scanner = new WordScanner().reset(text);
    const seen: Array<[string, boolean, boolean]> = [];
    while (scanner.next()) seen.push([text.slice(scanner.start, scanner.end), scanner.ascii, scanner.plain]);
    expect(seen).toEqual([
      ['Ab1', true, true],
      ['a', true, true], // the scan read `.` and a combining mark before it gave up at `!`: still ASCII and plain
      ["x'y", true, false],
      ['10.0', true, false],
      ['é', false, false],
      ['a_', true, false],
    ]);
  });

  it('cuts at 255 UTF-16 units, astral characters kept whole', () => {
    const text = `${'a'.repeat(254)}𐐀${'b'.repeat(10)}`;
    expect(tokenizeStandard(text)).toEqual(referenceTokens(text));
    expect(tokenizeStandard(text)[0]).toBe('a'.repeat(254));
  });

  it('lower-cases a whole text in place: every code point but U+0130 keeps its UTF-16 length under toLowerCase', () => {
    const growing: number[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (ch.toLowerCase().length !== ch.length) growing.push(cp);
    }
    expect(growing).toEqual([0x130]);
    expect(lowerCasedInPlace('İx')).toBeUndefined();
    expect(lowerCasedInPlace('ABC é Σ')).toBe('abc é σ');
  });
});
