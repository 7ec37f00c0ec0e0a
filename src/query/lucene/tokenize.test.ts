/** @module Tests for the Lucene lexer: token boundaries follow QueryParser.jj's longest-match rules. */

import { describe, expect, it } from 'vitest';
import { suggestQuoted, tokenize, unescape, type TokenKind } from './tokenize.js';

/** `kind:text` for each token before eof. */
function lexed(text: string): string[] {
  const r = tokenize(text);
  if (!r.ok) throw new Error(`${JSON.stringify(text)}: ${r.error.message}`);
  return r.value.filter((t) => t.kind !== 'eof').map((t) => `${t.kind}:${t.text}`);
}

function kinds(text: string): TokenKind[] {
  const r = tokenize(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.map((t) => t.kind);
}

describe('tokenize', () => {
  it('splits operators, fields and values', () => {
    expect(lexed('rule.level: 6 AND NOT x')).toEqual(['term:rule.level', 'colon::', 'term:6', 'and:AND', 'not:NOT', 'term:x']);
    expect(kinds('(a || b) && !c')).toEqual(['lparen', 'term', 'or', 'term', 'rparen', 'and', 'not', 'term', 'eof']);
  });

  it('prefers the longest match, so operator words inside longer runs are terms', () => {
    expect(lexed('ANDY &&a a&&b ORx NOTE')).toEqual(['term:ANDY', 'term:&&a', 'term:a&&b', 'term:ORx', 'term:NOTE']);
    expect(lexed('AND(')).toEqual(['and:AND', 'lparen:(']);
  });

  it('tells modifiers from bare operators by the whitespace after them', () => {
    expect(lexed('-a +b !c')).toEqual(['minus:-', 'term:a', 'plus:+', 'term:b', 'not:!', 'term:c']);
    expect(lexed('- a')).toEqual(['bare_op:- ', 'term:a']);
    expect(lexed('a -')).toEqual(['term:a', 'minus:-']);
    expect(lexed('a-b+c')).toEqual(['term:a-b+c']);
  });

  it('classifies wildcard runs', () => {
    expect(lexed('* foo* *foo f?o ** foo\\* a\\\\* a\\**')).toEqual([
      'star:*',
      'prefix:foo*',
      'wildcard:*foo',
      'wildcard:f?o',
      'wildcard:**',
      'term:foo\\*',
      'prefix:a\\\\*',
      'prefix:a\\**',
    ]);
  });

  it('reads quoted phrases with escapes', () => {
    expect(lexed('"a \\"b\\" c"~2')).toEqual(['quoted:"a \\"b\\" c"', 'fuzzy:~2']);
    expect(lexed('""')).toEqual(['quoted:""']);
  });

  it('reads regexes with Lucene longest-match ends', () => {
    expect(lexed('/a\\/b/')).toEqual(['regexp:/a\\/b/']);
    expect(lexed('/a\\\\/')).toEqual(['regexp:/a\\\\/']); // no later bare /, so the escaped one ends it
    expect(lexed('/a/ /b/')).toEqual(['regexp:/a/', 'regexp:/b/']);
  });

  it('reads fuzzy and boost suffixes', () => {
    expect(lexed('a~ b~1.5 c^2 d^0.5~1')).toEqual([
      'term:a', 'fuzzy:~', 'term:b', 'fuzzy:~1.5', 'term:c', 'caret:^', 'number:2', 'term:d', 'caret:^', 'number:0.5', 'fuzzy:~1',
    ]);
    expect(lexed('a^2.')).toEqual(['term:a', 'caret:^', 'number:2', 'term:.']); // Lucene's NUMBER needs digits after .
  });

  it('switches to range tokens inside [ ] and { }', () => {
    expect(lexed('f:[1 TO 5}')).toEqual(['term:f', 'colon::', 'range_start:[', 'range_goop:1', 'range_to:TO', 'range_goop:5', 'range_end:}']);
    expect(lexed('["a b" TO *]')).toEqual(['range_start:[', 'range_quoted:"a b"', 'range_to:TO', 'range_goop:*', 'range_end:]']);
    expect(lexed('{TOP TO a:b(c)}')).toEqual(['range_start:{', 'range_goop:TOP', 'range_to:TO', 'range_goop:a:b(c)', 'range_end:}']);
  });

  it('mirrors Lucene range quirks: longest match between quoted and unquoted bounds, tabs inside bounds', () => {
    expect(lexed('["a"b TO c]')).toEqual(['range_start:[', 'range_goop:"a"b', 'range_to:TO', 'range_goop:c', 'range_end:]']);
    expect(lexed('[a\tTO b]')).toEqual(['range_start:[', 'range_goop:a\tTO', 'range_goop:b', 'range_end:]']);
    expect(lexed('[\ta TO b\t]')).toEqual(['range_start:[', 'range_goop:\ta', 'range_to:TO', 'range_goop:b\t', 'range_end:]']);
    expect(lexed('[a TO b \t]')).toEqual(['range_start:[', 'range_goop:a', 'range_to:TO', 'range_goop:b', 'range_end:]']);
  });

  it('skips Lucene whitespace only; other Unicode spaces are term characters', () => {
    expect(lexed('a\u3000b\r\nc')).toEqual(['term:a', 'term:b', 'term:c']);
    expect(lexed('a\u00a0b')).toEqual(['term:a\u00a0b']);
  });

  it.each([
    ['"abc', 0, 'Unterminated quoted phrase'],
    ['/abc', 0, 'Unterminated regular expression'],
    ['a]', 1, 'Unexpected ]'],
    ['a\\', 1, 'The query ends with a lone backslash'],
    ['a^b', 2, '^ must be followed by a number'],
    ['10.0.0.0/8', 8, 'A / directly after a value starts a regular expression'],
    ['/var/log', 5, 'A value directly after a regular expression'],
  ])('reports %j at %i', (text, position, message) => {
    const r = tokenize(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ position, message });
  });
});

describe('unescape (Lucene discardEscapeChar)', () => {
  it.each([
    ['plain', 'plain'],
    ['a\\:b', 'a:b'],
    ['\\\\', '\\'],
    ['\\u0041\\u00e9', 'Aé'],
    ['\\U0041', 'U0041'],
  ])('%s → %s', (raw, expected) => {
    expect(unescape(raw, 0)).toEqual({ ok: true, value: expected });
  });

  it('reports bad escapes at their offset in the query', () => {
    expect(unescape('ab\\u12', 10)).toMatchObject({ ok: false, error: { position: 12 } });
    expect(unescape('ab\\uXYZW', 0)).toMatchObject({ ok: false, error: { position: 2 } });
    expect(unescape('ab\\', 5)).toMatchObject({ ok: false, error: { position: 7 } });
  });
});

describe('suggestQuoted', () => {
  it.each([
    ['srcip:2001:db8::1 AND x', 10, 'srcip:"2001:db8::1"'],
    ['(fe80::1)', 5, '"fe80::1"'],
    ['a path:/x/y', 7, 'path:"/x/y"'],
    ['say "hi":x', 8, '"\\"hi\\":x"'],
  ])('%s at %i → %s', (text, pos, expected) => {
    expect(suggestQuoted(text, pos)).toBe(expected);
  });
});
