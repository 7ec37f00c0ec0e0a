/** @module Tests for the word-break classes: they partition Unicode, every rendered union means what it says, in both dialects. */

import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowerCase } from './standard-tokenizer.js';
import { NEVER_MATCH, WORD_CLASSES, asciiClassSet, classOf, classSet, toJsRegExpSource, type WordClass } from './word-classes.js';

const js = (re2: string): RegExp => new RegExp(`^(?:${toJsRegExpSource(re2)})$`, 'u');

// All of the BMP (but surrogates) and the astral blocks the classes mention.
const SAMPLE: number[] = [];
for (const [lo, hi] of [
  [0, 0xd7ff],
  [0xe000, 0xffff],
  [0x10000, 0x101ff],
  [0x11700, 0x1174f],
  [0x16fe0, 0x16fff],
  [0x1aff0, 0x1b16f],
  [0x1d100, 0x1d1ff],
  [0x1f000, 0x1ffff],
  [0x20000, 0x200ff],
  [0x2f800, 0x2f8ff],
  [0xe0000, 0xe01ef],
] as const) {
  for (let cp = lo; cp <= hi; cp++) SAMPLE.push(cp);
}
const CLASS_OF = new Map(SAMPLE.map((cp) => [cp, classOf(cp)]));

describe('classOf', () => {
  it.each([
    ['a', 'ALetter'], ['é', 'ALetter'], ['ℹ', 'ALetter'], ['한', 'ALetter'], ['ไ', 'ALetter'], ['א', 'ALetter'],
    ['7', 'Numeric'], ['٣', 'Numeric'], ['１', 'Numeric'],
    ['カ', 'Katakana'], ['ー', 'Katakana'], ['ｶ', 'Katakana'],
    ['中', 'Single'], ['ぁ', 'Single'], ['😀', 'Single'], ['©', 'Single'], ['★', 'Single'], ['🇺', 'Single'],
    ['_', 'ExtendNumLet'], ['\u202f', 'ExtendNumLet'],
    [':', 'MidLetter'], ['·', 'MidLetter'],
    ['.', 'MidNumLet'], ["'", 'MidNumLet'], ['’', 'MidNumLet'],
    [',', 'MidNum'], [';', 'MidNum'],
    ['\u0301', 'Extend'], ['\u00ad', 'Extend'], ['\u200d', 'Extend'], ['\ufe0f', 'Extend'], ['🏻', 'Extend'], ['ﾞ', 'Extend'],
    [' ', 'Other'], ['-', 'Other'], ['"', 'Other'], ['\u200b', 'Other'], ['☆', 'Other'], ['→', 'Other'], ['²', 'Other'], ['\n', 'Other'],
  ] as Array<[string, WordClass]>)('%j is %s', (ch, cls) => {
    expect(classOf(ch.codePointAt(0) as number)).toBe(cls);
  });

  it('the class brackets partition the code points', () => {
    const brackets = WORD_CLASSES.map((c) => [c, js(classSet([c]))] as const);
    for (const cp of SAMPLE) {
      const ch = String.fromCodePoint(cp);
      const hits = brackets.filter(([, re]) => re.test(ch)).map(([c]) => c);
      if (hits.length !== 1 || hits[0] !== CLASS_OF.get(cp)) expect({ cp: cp.toString(16), hits }).toEqual({ cp: cp.toString(16), hits: [CLASS_OF.get(cp)] });
    }
  });

  it('lowercasing never changes a class (patterns run on lower(text))', () => {
    for (const cp of SAMPLE) {
      const lower = Array.from(lowerCase(String.fromCodePoint(cp)));
      if (lower.length === 1 && classOf(lower[0]?.codePointAt(0) as number) !== CLASS_OF.get(cp)) {
        expect({ cp: cp.toString(16), lower: classOf(lower[0]?.codePointAt(0) as number) }).toEqual({ cp: cp.toString(16), lower: CLASS_OF.get(cp) });
      }
    }
  });
});

describe('classSet and asciiClassSet', () => {
  const subsets = fc.subarray([...WORD_CLASSES]);

  it('render exactly the union of their classes', () => {
    fc.assert(
      fc.property(subsets, (classes) => {
        const re = js(classSet(classes));
        const wanted = new Set<WordClass>(classes);
        for (let k = 0; k < SAMPLE.length; k += 7) {
          const cp = SAMPLE[k] as number;
          if (re.test(String.fromCodePoint(cp)) !== wanted.has(CLASS_OF.get(cp) as WordClass)) return false;
        }
        return true;
      }),
      { numRuns: 60 },
    );
  });

  it('the ASCII rendering agrees on ASCII', () => {
    fc.assert(
      fc.property(subsets, (classes) => {
        const re = js(asciiClassSet(classes));
        const wanted = new Set<WordClass>(classes);
        for (let cp = 0; cp < 128; cp++) if (re.test(String.fromCharCode(cp)) !== wanted.has(classOf(cp))) return false;
        return true;
      }),
      { numRuns: 200 },
    );
  });

  it('an empty union matches nothing', () => {
    expect(classSet([])).toBe(NEVER_MATCH);
    expect(asciiClassSet(['Single', 'Katakana', 'Extend'])).toBe(NEVER_MATCH);
    expect(js(NEVER_MATCH).test('a')).toBe(false);
  });

  it('writes scripts and code points for JavaScript', () => {
    expect(toJsRegExpSource('[^\\P{Han}\\p{M}\\x{1F3FB}]\\\\x{41}')).toBe('[^\\P{sc=Han}\\p{M}\\u{1F3FB}]\\\\x{41}');
  });
});

describe('RE2 in DuckDB', () => {
  it('reads every class bracket as JavaScript does, but for characters newer than its Unicode tables', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    try {
      // Planes 0-3 and the tags/variation selectors of plane 14: every assigned character.
      await connection.run(`CREATE TABLE cps AS SELECT i::INTEGER AS cp, chr(i::INTEGER) AS ch FROM range(0, 262144) t(i)
        WHERE i < 55296 OR i > 57343 UNION ALL SELECT i::INTEGER, chr(i::INTEGER) FROM range(917504, 918000) t(i)`);
      const re2Class = new Map<number, WordClass[]>();
      for (const cls of WORD_CLASSES) {
        const reader = await connection.runAndReadAll('SELECT cp FROM cps WHERE regexp_full_match(ch, $1)', [classSet([cls])]);
        for (const [cp] of reader.getRows()) re2Class.set(Number(cp), [...(re2Class.get(Number(cp)) ?? []), cls]);
      }
      const mismatches: string[] = [];
      let unknownToRe2 = 0;
      for (const [cp, classes] of re2Class) {
        const mine = classOf(cp);
        if (classes.length === 1 && classes[0] === mine) continue;
        // Node's ICU may know characters RE2's tables do not yet: RE2 sees those as Other.
        if (classes.length === 1 && classes[0] === 'Other') unknownToRe2++;
        else mismatches.push(`${cp.toString(16)}: ${mine} vs ${classes.join('+')}`);
      }
      expect(re2Class.size).toBe(262144 - 2048 + 496);
      expect(mismatches.slice(0, 20)).toEqual([]);
      expect(unknownToRe2).toBeLessThan(20_000);
    } finally {
      connection.closeSync();
      db.closeSync();
    }
  }, 120_000);
});
