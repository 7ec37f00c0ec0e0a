/** @module Tests for the standard-analyzer tokenizer: what Elasticsearch's `_analyze` returns, and the UAX#29 edge cases behind it. */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_LENGTH, lowerCase, tokenizeStandard } from './standard-tokenizer.js';
import { classOf, type WordClass } from './word-classes.js';

const cases = (table: Array<[string, string[]]>): void => {
  for (const [text, tokens] of table) it(JSON.stringify(text), () => expect(tokenizeStandard(text)).toEqual(tokens));
};

describe('tokenizeStandard: _analyze results', () => {
  cases([
    [
      'Mar  2 14:33:47 ip-172-31-20-5 sudo: ec2-user : TTY=pts/0 ; PWD=/home/ec2-user ; USER=root ; COMMAND=/bin/yum install -y htop',
      ['mar', '2', '14', '33', '47', 'ip', '172', '31', '20', '5', 'sudo', 'ec2', 'user', 'tty', 'pts', '0', 'pwd', 'home', 'ec2', 'user', 'user', 'root', 'command', 'bin', 'yum', 'install', 'y', 'htop'],
    ],
    ['pam_unix(sudo:session): session opened for user root by ec2-user(uid=0)', ['pam_unix', 'sudo:session', 'session', 'opened', 'for', 'user', 'root', 'by', 'ec2', 'user', 'uid', '0']],
    ['Did not receive identification string from 10.10.10.10 port 51234', ['did', 'not', 'receive', 'identification', 'string', 'from', '10.10.10.10', 'port', '51234']],
    ['GET /readme.txt? HTTP/1.1" 404', ['get', 'readme.txt', 'http', '1.1', '404']],
    ['Invalid user admin from 203.0.113.7 port 22', ['invalid', 'user', 'admin', 'from', '203.0.113.7', 'port', '22']],
    ['user@example.com', ['user', 'example.com']],
    ["don't", ["don't"]],
    ['1,000,000', ['1,000,000']],
    ['a,b', ['a', 'b']],
    ['end. Next', ['end', 'next']],
    ['x.y.z', ['x.y.z']],
    ['i-0e427a8594852eca2', ['i', '0e427a8594852eca2']],
    ["Integrity checksum changed for: '/etc/hosts'", ['integrity', 'checksum', 'changed', 'for', 'etc', 'hosts']],
    ['SSH insecure connection attempt (scan).', ['ssh', 'insecure', 'connection', 'attempt', 'scan']],
  ]);
});

describe('tokenizeStandard: mid punctuation joins only like with like', () => {
  cases([
    ['a.1 1.a a:1 1:2', ['a', '1', '1', 'a', 'a', '1', '1', '2']],
    ['a1.2 1a.b a.b1', ['a1.2', '1a.b', 'a.b1']],
    ['a.b. a..b .a.', ['a.b', 'a', 'b', 'a']],
    ['1;2 a;b 1,a', ['1;2', 'a', 'b', '1', 'a']],
    ["a'b 'a' a''b o’neil l·l", ["a'b", 'a', 'a', 'b', 'o’neil', 'l·l']],
    ['14:33:47 sudo:session', ['14', '33', '47', 'sudo:session']],
  ]);
});

describe('tokenizeStandard: underscores (ExtendNumLet) join anything word-like', () => {
  cases([
    ['a_1 _a a_ __ _ x__y', ['a_1', '_a', 'a_', 'x__y']],
    ['a_.b _.1', ['a_', 'b', '1']],
    ['カ_a a_カ 中_a', ['カ_a', 'a_カ', '中', '_a']],
  ]);
});

describe('tokenizeStandard: scripts', () => {
  cases([
    ['中文テスト', ['中', '文', 'テスト']],
    ['ひらがな', ['ひ', 'ら', 'が', 'な']],
    ['カタカナabc abcカナ ラーメン', ['カタカナ', 'abc', 'abc', 'カナ', 'ラーメン']],
    ['한국어 텍스트', ['한국어', '텍스트']],
    ['ไทย ภาษา', ['ไทย', 'ภาษา']],
    ['Ελληνικά Русский', ['ελληνικά', 'русский']],
    ['１２３ ٣٤ abc１', ['１２３', '٣٤', 'abc１']],
  ]);
});

describe('tokenizeStandard: emoji, marks and format characters', () => {
  cases([
    ['a😀b', ['a', '😀', 'b']],
    ['©2024 ™', ['©', '2024', '™']],
    ['👍🏻 ok', ['👍🏻', 'ok']], // skin-tone modifier is absorbed
    ['cafe\u0301 s\u0301', ['cafe\u0301', 's\u0301']],
    ['\u0301abc', ['abc']], // a mark with nothing before it is no token
    ['co\u00adop', ['co\u00adop']], // soft hyphen is a format character
    ['a\u200bb', ['a', 'b']], // zero-width space separates
    ['a\u200db', ['a\u200db']], // zero-width joiner does not
    ['→ ★ ☆ • ✓ ✔', ['★', '✔']], // Lucene's emoji set: ★ and ✔ are pictographs, the rest symbols
    ['a.\u0301b', ['a.\u0301b']],
  ]);
});

describe('tokenizeStandard: other', () => {
  cases([
    ['', []],
    ['  \t\n-/=[]()"@#<>|\\ ', []],
    ['line1\nline2\r\nline3', ['line1', 'line2', 'line3']],
  ]);

  it('lowercases code point by code point, like Lucene and DuckDB', () => {
    expect(tokenizeStandard('İSTANBUL ΣΟΦΟΣ ẞ K')).toEqual(['istanbul', 'σοφοσ', 'ß', 'k']);
    expect(lowerCase('İ')).toBe('i');
    expect(lowerCase('ΑΣ')).toBe('ασ');
  });

  it('cuts words longer than 255 UTF-16 units into pieces', () => {
    expect(MAX_TOKEN_LENGTH).toBe(255);
    expect(tokenizeStandard('a'.repeat(600)).map((t) => t.length)).toEqual([255, 255, 90]);
    expect(tokenizeStandard('a'.repeat(255))).toEqual(['a'.repeat(255)]);
    // The scanner cannot look past 255 units, so a mid character there ends the token.
    expect(tokenizeStandard(`${'a'.repeat(254)}.b`)).toEqual(['a'.repeat(254), 'b']);
    expect(tokenizeStandard(`${'a'.repeat(253)}.bc`)).toEqual([`${'a'.repeat(253)}.b`, 'c']);
  });
});

describe('tokenizeStandard follows Lucene\'s grammar', () => {
  // StandardTokenizerImpl.jflex's word rule over one letter per class, matched whole: a = ALetter,
  // n = Numeric, k = Katakana, e = ExtendNumLet, l = MidLetter, m = MidNumLet, c = MidNum,
  // x = Extend (WB4: absorbed by the character before), s = a one-character token (Han, emoji...).
  const LETTER: Record<WordClass, string> = {
    ALetter: 'a', Numeric: 'n', Katakana: 'k', ExtendNumLet: 'e', MidLetter: 'l', MidNumLet: 'm', MidNum: 'c', Extend: 'x', Single: 's', Other: 'o',
  };
  const run = '(?:kx*(?:(?:ex*)*kx*)*|(?:nx*(?:(?:(?:ex*)*|[cm]x*)nx*)*|ax*(?:(?:(?:ex*)*|[lm]x*)ax*)*)+)';
  const word = new RegExp(`^(?:(?:ex*)*${run}(?:(?:ex*)+${run})*(?:ex*)*|sx*)$`);

  /** The JFlex scanner: the longest prefix the rule matches is a token; otherwise skip a character. */
  function reference(text: string): string[] {
    const chars = Array.from(text);
    const classes = chars.map((ch) => LETTER[classOf(ch.codePointAt(0) as number)]).join('');
    const tokens: string[] = [];
    for (let i = 0; i < chars.length; ) {
      let end = chars.length;
      while (end > i && !word.test(classes.slice(i, end))) end--;
      if (end === i) i++;
      else {
        tokens.push(lowerCase(chars.slice(i, end).join('')));
        i = end;
      }
    }
    return tokens;
  }

  const CHARS = ['a', 'B', '7', ' ', '.', "'", ':', ',', ';', '_', '-', 'カ', 'ー', '中', '😀', '\u0301', '\u200d', '\u00ad', '·', '’', 'é', '٣'];
  it('on random text: the longest match of the word rule, else skip a character', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...CHARS), { maxLength: 30 }), (chars) => {
        const text = chars.join('');
        expect(tokenizeStandard(text)).toEqual(reference(text));
      }),
      { numRuns: 3000 },
    );
  });
});
