import { describe, expect, it } from 'vitest';
import { toJsRegExpSource } from '../analysis/word-classes.js';
import { luceneRegexpToRe2, MAX_REGEX_LENGTH } from './regexp-to-re2.js';

/** The translation as a whole-string JavaScript matcher (RE2 and JavaScript agree on what we emit). */
function matcher(pattern: string): (text: string) => boolean {
  const out = luceneRegexpToRe2(pattern);
  if (!out.ok) throw new Error(out.error.message);
  const re = new RegExp(`^(?:${toJsRegExpSource(out.value)})$`, 'u');
  return (text) => re.test(text);
}

function refused(pattern: string): { message: string; position: number } {
  const out = luceneRegexpToRe2(pattern);
  if (out.ok) throw new Error(`${pattern} was accepted as ${out.value}`);
  return out.error;
}

// Cases from Lucene's RegExp javadoc and OpenSearch's "Regular expression syntax" page.
describe('Lucene regular expressions in RE2', () => {
  it('match the whole term: the pattern is anchored, ^ and $ are plain characters', () => {
    const m = matcher('ab.');
    expect(m('abc')).toBe(true);
    expect(m('xabc')).toBe(false);
    expect(m('abcd')).toBe(false);
    expect(matcher('^a$')('^a$')).toBe(true);
    expect(matcher('^a$')('a')).toBe(false);
  });

  it('. is any character, a newline too', () => {
    expect(matcher('a.b')('a\nb')).toBe(true);
    expect(matcher('.')('😀')).toBe(true);
  });

  it('? after a quantifier is one more quantifier, not laziness', () => {
    const m = matcher('a+?');
    expect(m('')).toBe(true);
    expect(m('aaa')).toBe(true);
    expect(matcher('a**')('aaaa')).toBe(true);
  });

  it('repetitions {n}, {n,}, {n,m}', () => {
    expect(matcher('a{2}')('aa')).toBe(true);
    expect(matcher('a{2}')('aaa')).toBe(false);
    expect(matcher('a{2,}')('aaaaa')).toBe(true);
    expect(matcher('a{2,3}')('aaaa')).toBe(false);
    expect(matcher('(ab){2}')('abab')).toBe(true);
  });

  it('union, grouping, the empty group', () => {
    const m = matcher('abc|xyz');
    expect(m('abc') && m('xyz')).toBe(true);
    expect(m('abcxyz')).toBe(false);
    expect(matcher('a()b')('ab')).toBe(true);
    expect(matcher('')('')).toBe(true);
  });

  it('character classes, ranges, negation; reserved characters must be escaped in classes too', () => {
    const m = matcher('[abc]x[0-9]');
    expect(m('bx7')).toBe(true);
    expect(m('dx7')).toBe(false);
    expect(matcher('[^a-c]')('d')).toBe(true);
    expect(matcher('[^a-c]')('b')).toBe(false);
    expect(matcher('[^a-c]')('\n')).toBe(true);
    expect(matcher('[]a]')(']')).toBe(true);
    expect(matcher('[-a]')('-')).toBe(true);
    expect(matcher('[.]')('.')).toBe(true);
    expect(matcher('[.]')('x')).toBe(false);
  });

  it('"..." is a literal string and \\ escapes one character', () => {
    expect(matcher('"a.b*"')('a.b*')).toBe(true);
    expect(matcher('"a.b*"')('axb')).toBe(false);
    expect(matcher('a\\.b')('a.b')).toBe(true);
    expect(matcher('a\\.b')('axb')).toBe(false);
    expect(matcher('\\\\')('\\')).toBe(true);
    expect(matcher('\\/var')('/var')).toBe(true);
  });

  it('\\d \\s \\w and their negations are ASCII classes; another escaped letter is an error', () => {
    expect(matcher('\\d+')('2024')).toBe(true);
    expect(matcher('\\d')('٣')).toBe(false);
    expect(matcher('\\w+')('ab_9')).toBe(true);
    expect(matcher('\\w')('é')).toBe(false);
    expect(matcher('\\W')('é')).toBe(true);
    expect(matcher('a\\sb')('a\tb')).toBe(true);
    expect(matcher('[\\d.]+')('1.2')).toBe(true);
    expect(refused('\\q').message).toMatch(/invalid character class \\q .* at position 0/);
  });

  it('@ is any string and # the empty language', () => {
    expect(matcher('@')('')).toBe(true);
    expect(matcher('ab@')('abanything')).toBe(true);
    expect(matcher('#')('')).toBe(false);
    expect(matcher('#|a')('a')).toBe(true);
  });

  it('<n-m> is a decimal interval: fixed width when n and m have the same length, else leading zeros allowed', () => {
    const m = matcher('foo<1-100>');
    for (const n of [1, 2, 9, 10, 55, 99, 100]) expect(m(`foo${n}`)).toBe(true);
    expect(m('foo0')).toBe(false);
    expect(m('foo101')).toBe(false);
    expect(m('foo007')).toBe(true);
    const fixed = matcher('foo<01-100>'); // lengths differ: leading zeros accepted
    expect(fixed('foo01') && fixed('foo1')).toBe(true);
    const same = matcher('<10-20>');
    expect(same('15')).toBe(true);
    expect(same('015')).toBe(false);
    expect(same('21')).toBe(false);
    const padded = matcher('<000-123>');
    expect(padded('007') && padded('123')).toBe(true);
    expect(padded('7')).toBe(false);
    expect(padded('124')).toBe(false);
    expect(matcher('<20-10>')('15')).toBe(true); // bounds in either order
  });

  it('<n-m> agrees with arithmetic on every number up to 1200', () => {
    for (const [lo, hi] of [
      [0, 0],
      [3, 1117],
      [45, 987],
      [100, 199],
      [7, 7],
    ] as const) {
      const m = matcher(`<${lo}-${hi}>`);
      for (let n = 0; n <= 1200; n++) expect(m(String(n)), `${n} in <${lo}-${hi}>`).toBe(n >= lo && n <= hi);
    }
  });

  it('~ is translated before a character, a class or a literal string', () => {
    const notA = matcher('~a');
    expect(notA('a')).toBe(false);
    expect(notA('')).toBe(true);
    expect(notA('b')).toBe(true);
    expect(notA('aa')).toBe(true);
    const m = matcher('a~bc'); // the javadoc's example: adc and aec, not abc
    expect(m('adc') && m('aec')).toBe(true);
    expect(m('abc')).toBe(false);
    const notAbc = matcher('~(abc)');
    expect(notAbc('abc')).toBe(false);
    for (const s of ['', 'a', 'ab', 'abd', 'abcd', 'xbc']) expect(notAbc(s)).toBe(true);
    expect(matcher('~[a-c]x')('dx')).toBe(true);
    expect(matcher('~[a-c]x')('bx')).toBe(false);
    expect(matcher('~~a')('a')).toBe(true);
    expect(matcher('~#')('anything')).toBe(true);
  });

  it('& is translated with @, # or two classes on its sides', () => {
    expect(matcher('[a-m]&[h-z]')('j')).toBe(true);
    expect(matcher('[a-m]&[h-z]')('b')).toBe(false);
    expect(matcher('ab&@')('ab')).toBe(true);
    expect(matcher('ab&#')('ab')).toBe(false);
  });

  it('refuses the general ~ and & with their positions', () => {
    const inter = refused('aaa.+&.+bbb');
    expect(inter.position).toBe(5);
    expect(inter.message).toMatch(/intersection operator & .* at position 5/);
    const compl = refused('@&~(abc.+)');
    expect(compl.position).toBe(2);
    expect(compl.message).toMatch(/complement operator ~/);
  });

  it('refuses what Lucene refuses, naming the position', () => {
    expect(refused('(ab').message).toMatch(/expected '\)' .* at position 3/);
    expect(refused('ab)').position).toBe(2);
    expect(refused('[ab').message).toMatch(/expected '\]'/);
    expect(refused('"ab').message).toMatch(/expected '"'/);
    expect(refused('a{x}').message).toMatch(/integer expected at position 2/);
    expect(refused('a{3,2}').position).toBe(1);
    expect(refused('[z-a]').position).toBe(1);
    expect(refused('a|').message).toMatch(/unexpected end/);
    expect(refused('<abc>').message).toMatch(/named automaton/);
    expect(refused('<1-x>').message).toMatch(/interval syntax error/);
    expect(refused('a{1001}').message).toMatch(/above 1000/);
  });

  it('refuses a pattern longer than 1,000 characters', () => {
    const e = refused('a'.repeat(MAX_REGEX_LENGTH + 1));
    expect(e.position).toBe(MAX_REGEX_LENGTH);
    expect(e.message).toMatch(/index\.max_regex_length/);
    expect(luceneRegexpToRe2('a'.repeat(MAX_REGEX_LENGTH)).ok).toBe(true);
  });

  it('makes RE2 patterns with no backreference, look-around or lazy quantifier, so matching is linear', () => {
    const out = luceneRegexpToRe2('(a+)+b');
    expect(out.ok && out.value).toBe('(?:(?:a)+)+b');
    // A backtracking engine would take seconds here; the check is only that the translation is plain.
    for (const p of ['(a|aa)*c', '(.*a){20}', 'x+?y*?']) {
      const r = luceneRegexpToRe2(p);
      expect(r.ok && /\(\?[=!<]|\\[1-9]|[+*?}]\?/.test(r.value.replace(/\(\?:/g, ''))).toBe(false);
    }
  });

  it('keeps non-ASCII characters as code points', () => {
    expect(matcher('wörld')('wörld')).toBe(true);
    expect(matcher('[é-ë]')('ê')).toBe(true);
    expect(matcher('😀+')('😀😀')).toBe(true);
  });
});
