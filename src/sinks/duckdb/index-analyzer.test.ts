/** The index's one-pass analyzer gives exactly the query engine's tokens, encoded. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenizeStandard } from '../../query/analysis/standard-tokenizer.js';
import { anyText, piecesText, referenceTokens } from '../../testing/reference-tokenizer.js';
import { encodeToken, indexedTextsOf, indexTokens } from './index-analyzer.js';
import { indexedTexts } from './text-index.js';

/** The plain reading: the automaton's tokens one by one, each encoded character by character. */
const reference = (text: string): string => referenceTokens(text).map(plainEncoding).join(' ');
function plainEncoding(token: string): string {
  let out = '';
  for (const ch of token) {
    const cp = ch.codePointAt(0) as number;
    if (/^[a-z0-9]$/.test(ch)) out += ch;
    else out += cp < 0x80 ? `·${cp.toString(16).padStart(2, '0')}` : `º${cp.toString(16).padStart(6, '0')}`;
  }
  return out;
}

describe('index analyzer', () => {
  it('gives the reference tokens encoded, on log-like texts of every class', () => {
    fc.assert(fc.property(piecesText, (text) => void expect(indexTokens(text)).toBe(reference(text))), { numRuns: 3000 });
  });

  it('gives the reference tokens encoded, on arbitrary strings (any code point, lone surrogates, long runs)', () => {
    fc.assert(fc.property(anyText, (text) => void expect(indexTokens(text)).toBe(reference(text))), { numRuns: 3000 });
  });

  it('is tokenizeStandard encoded (the query side encodes its tokens with encodeToken)', () => {
    fc.assert(fc.property(fc.oneof(piecesText, anyText), (text) => void expect(indexTokens(text)).toBe(tokenizeStandard(text).map(encodeToken).join(' '))), { numRuns: 2000 });
  });

  it('cuts words longer than 255 units as the tokenizer does', () => {
    const text = `${'x'.repeat(600)} ${'é'.repeat(300)} ${'1'.repeat(256)} ${'Ab'.repeat(200)}`;
    expect(indexTokens(text)).toBe(reference(text));
  });

  it('takes an alert as the simulator renders it', () => {
    const text = 'Dec  1 10:00:01 ip-10-0-0-5 sshd[4242]: Failed password for invalid user Admin from 10.10.10.10 port 51234 ssh2 {"a":"b\\u00e9","n":1,000.5}';
    expect(indexTokens(text)).toBe('dec 1 10 00 01 ip 10 0 0 5 sshd 4242 failed password for invalid user admin from 10·2e10·2e10·2e10 port 51234 ssh2 a b u00e9 n 1·2c000·2e5');
  });

  it('encodes prefix-free: a prefix of a token encodes to a prefix of its encoding, and other characters never to a–z0–9 alone', () => {
    expect(encodeToken('10.0')).toBe('10·2e0');
    expect(encodeToken('café')).toBe('cafº0000e9');
    expect(encodeToken('caf')).toBe('caf');
    expect(encodeToken('a😀')).toBe('aº01f600');
    expect(encodeToken('a_b').startsWith(encodeToken('a_'))).toBe(true);
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 20 }), fc.nat(20), (token, cut) => {
      const head = Array.from(token).slice(0, cut).join('');
      expect(encodeToken(token).startsWith(encodeToken(head))).toBe(true);
      expect(encodeToken(token)).toBe(plainEncoding(token));
    }), { numRuns: 1000 });
  });

  it('indexedTextsOf gives text-index.ts\'s indexedTexts, on alerts whose @message repeats, escapes and adds to full_log and rule.comment', () => {
    const maybe = (text: fc.Arbitrary<string>): fc.Arbitrary<string | null | undefined> => fc.oneof({ weight: 6, arbitrary: text }, fc.constant(null), fc.constant(undefined), fc.constant(''));
    const alert = fc.tuple(fc.oneof(piecesText, anyText), fc.oneof(piecesText, anyText), piecesText).chain(([log, comment, more]) =>
      fc.tuple(maybe(fc.constant(log)), maybe(fc.constantFrom(JSON.stringify({ full_log: log, comment, more }), `${comment} ${log}`, more, `${log.toUpperCase()}${more}`)), maybe(fc.constant(comment))),
    );
    fc.assert(fc.property(alert, ([log, message, comment]) => void expect(indexedTextsOf(log, message, comment)).toEqual(indexedTexts(log, message, comment))), { numRuns: 3000 });
    const long = 'x'.repeat(5000);
    expect(indexedTextsOf(long, `${long} y`, 'y z')).toEqual(indexedTexts(long, `${long} y`, 'y z'));
    expect(indexedTextsOf('a b a', 'b c c d', 'd e')).toEqual(['a b a', 'd e', 'c', 'a e']);
  });
});
