import { describe, expect, it } from 'vitest';
import { lowerCase, tokenizeStandard } from './standard-tokenizer.js';
import { anyTokenPattern } from './text-regex.js';
import { toJsRegExpSource } from './word-classes.js';

// JavaScript and RE2 both match leftmost-first, so successive JavaScript matches are what
// DuckDB's regexp_extract_all returns (the store's tests run the same pattern in DuckDB).
const tokensBy = (pattern: string, text: string): string[] => [...lowerCase(text).matchAll(new RegExp(toJsRegExpSource(pattern), 'gu'))].map((m) => m[0]);

// One or two characters of each word-break class, and separators.
const ALPHABET = ['a', 'B', 'é', 'z', '1', '9', '٣', '_', '.', "'", ':', ',', ';', ' ', '-', '/', '\u0301', 'ア', 'カ', '中', 'ひ', '😀', '\u00ad', '!', 'Ⅻ'];

function randomText(seed: number, length: number): string {
  let x = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out += ALPHABET[x % ALPHABET.length];
  }
  return out;
}

describe('anyTokenPattern', () => {
  it('extracts exactly the standard tokenizer\'s tokens', () => {
    for (const text of ['Did not receive identification string from 10.10.10.10 port 22', "o'neil's 1,000.50 a.b. ab_cd __x_ _ a_ アイ_abc 中文 😀x", 'user@host:/var/log/secure rootkit_v2.1']) {
      expect(tokensBy(anyTokenPattern(), text)).toEqual(tokenizeStandard(text));
    }
  });

  it('agrees with the tokenizer on 3,000 random texts of every character class (Unicode dialect)', () => {
    const pattern = anyTokenPattern();
    for (let seed = 1; seed <= 3000; seed++) {
      const text = randomText(seed, 1 + (seed % 23));
      expect(tokensBy(pattern, text), JSON.stringify(text)).toEqual(tokenizeStandard(text));
    }
  });

  it('agrees on ASCII texts in the ASCII dialect', () => {
    const pattern = anyTokenPattern({ asciiText: true });
    const ascii = ALPHABET.filter((c) => /^[\x00-\x7f]$/.test(c));
    for (let seed = 1; seed <= 2000; seed++) {
      let x = seed;
      let text = '';
      for (let i = 0; i < 1 + (seed % 19); i++) {
        x = (x * 1103515245 + 12345) % 2 ** 31;
        text += ascii[x % ascii.length];
      }
      expect(tokensBy(pattern, text), JSON.stringify(text)).toEqual(tokenizeStandard(text));
    }
  });
});
