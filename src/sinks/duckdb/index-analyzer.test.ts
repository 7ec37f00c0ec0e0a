/** The index's one-pass analyzer gives exactly the query engine's tokens, encoded. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenizeStandard } from '../../query/analysis/standard-tokenizer.js';
import { encodeToken, indexTokens } from './index-analyzer.js';

const reference = (text: string): string => tokenizeStandard(text).map(encodeToken).join(' ');

const PIECES = ['a', 'Z', '0', '9', '_', '.', ':', ',', ';', "'", '"', '-', ' ', '\n', '/', '@', 'é', 'É', 'ß', 'İ', 'Σ', 'ς', '\u0301', '日', 'カ', 'ー', 'ひ', '😀', '\u200d', '\ufe0f', 'ก', 'א', '١', 'wp-login.php', '10.0.0.1', 'constructor', '__proto__'];

describe('index analyzer', () => {
  it('gives tokenizeStandard(text) encoded, on random texts', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 60 }), (pieces) => {
        const text = pieces.join('');
        expect(indexTokens(text)).toBe(reference(text));
      }),
      { numRuns: 2000 },
    );
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
        expect(indexTokens(text)).toBe(reference(text));
      }), { numRuns: 2000 });
  });

  it('cuts words longer than 255 units as the tokenizer does', () => {
    const text = `${'x'.repeat(600)} ${'é'.repeat(300)} ${'1'.repeat(256)}`;
    expect(indexTokens(text)).toBe(reference(text));
  });

  it('encodes prefix-free: a prefix of a token encodes to a prefix of its encoding, and other characters never to a–z0–9 alone', () => {
    expect(encodeToken('10.0')).toBe('10·2e0');
    expect(encodeToken('café')).toBe('cafº0000e9');
    expect(encodeToken('caf')).toBe('caf');
    expect(encodeToken('a_b').startsWith(encodeToken('a_'))).toBe(true);
  });
});
