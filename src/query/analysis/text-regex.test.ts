/** @module Tests for the RE2 pattern builders: examples, injection safety, and property tests against the tokenizer (the proof that both backends agree). */

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lowerCase, tokenizeStandard } from './standard-tokenizer.js';
import { NEVER_MATCH, literalCore, phrasePattern, tokenPattern, wildcardTokenPattern, type PatternOptions } from './text-regex.js';
import { toJsRegExpSource } from './word-classes.js';

const RUNS = { numRuns: 2000 };
const SLOW = 180_000; // JavaScript compiles each large Unicode pattern in milliseconds
const ASCII: PatternOptions = { asciiText: true };

/** Compiles a pattern as the tests run it (JavaScript `u` is close to RE2 for what we emit), after checking it stays inside RE2. */
function compile(pattern: string): RegExp {
  // No look-around, no backreferences, no lazy quantifiers or word boundaries (ASCII-only in RE2).
  expect(pattern).not.toMatch(/\(\?[=!<]|\\[1-9bBk]|[*+?}]\?/);
  return new RegExp(toJsRegExpSource(pattern), 'u');
}
const matches = (pattern: string, text: string): boolean => compile(pattern).test(lowerCase(text));

/** Token-level oracle for a wildcard: `*` any run, `?` one code point, `\` escapes. */
function globMatches(glob: string, token: string): boolean {
  const items: Array<string | null | undefined> = []; // string literal, null `?`, undefined `*`
  const chars = Array.from(glob);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string;
    if (c === '*') items.push(undefined);
    else if (c === '?') items.push(null);
    else items.push(...Array.from(lowerCase(c === '\\' && i + 1 < chars.length ? (chars[++i] as string) : c)));
  }
  const t = Array.from(token);
  let row = new Array<boolean>(t.length + 1).fill(false);
  row[0] = true;
  for (const item of items) {
    const next = new Array<boolean>(t.length + 1).fill(false);
    for (let j = 0; j <= t.length; j++) {
      if (item === undefined) next[j] = (row[j] as boolean) || (j > 0 && (next[j - 1] as boolean));
      else if (j > 0 && row[j - 1] && (item === null || item === t[j - 1])) next[j] = true;
    }
    row = next;
  }
  return row[t.length] as boolean;
}

const containsRun = (tokens: readonly string[], run: readonly string[]): boolean =>
  tokens.some((_, i) => run.every((t, k) => tokens[i + k] === t));

// Alphabets: the log-like one from the brief, and one with the Unicode corner cases.
const LOG_CHARS = ['a', 'b', 'c', 'd', 'e', 'R', 'O', '0', '1', '2', '1', ' ', '.', '-', ':', "'", ',', '_', '/', '@', '('];
const UNICODE_CHARS = [
  ...LOG_CHARS, ';', '"', '\n', 'é', 'e\u0301', '\u0301', '’', '·', '中', 'ぁ', 'カ', 'ー', 'ｶ', '😀', '👍🏻', '\ufe0f', '\u200d',
  '\u200b', '\u00ad', 'İ', 'Σ', '٣', '１', 'ⓜ', 'Ⅻ', '‿', 'ℹ', '★', '☆', 'ß', 'ไ', '\u202f', '·',
];
const textOf = (chars: readonly string[]): fc.Arbitrary<string> => fc.array(fc.constantFrom(...chars), { maxLength: 40 }).map((a) => a.join(''));
const wordOf = (chars: readonly string[]): fc.Arbitrary<string> => fc.array(fc.constantFrom(...chars), { minLength: 1, maxLength: 4 }).map((a) => a.join(''));

/** A token to look for: one of the text's own tokens, one of another text's, or any string. */
function candidate(chars: readonly string[]): fc.Arbitrary<[string, string]> {
  return fc.tuple(textOf(chars), textOf(chars), wordOf(chars), fc.nat(), fc.integer({ min: 0, max: 2 })).map(([text, other, word, n, pick]) => {
    const own = tokenizeStandard(text);
    const theirs = tokenizeStandard(other);
    const token = pick === 0 && own.length > 0 ? own[n % own.length] : pick === 1 && theirs.length > 0 ? theirs[n % theirs.length] : word;
    return [text, token as string];
  });
}

/** A phrase: a run of the text's tokens, maybe spoiled (a token swapped, dropped or taken from elsewhere). */
function phraseCandidate(chars: readonly string[]): fc.Arbitrary<[string, string[]]> {
  return fc.tuple(textOf(chars), textOf(chars), fc.nat(), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.nat()).map(([text, other, start, length, spoil, n]) => {
    const own = tokenizeStandard(text);
    let run = own.slice(start % Math.max(own.length, 1), (start % Math.max(own.length, 1)) + length);
    const theirs = tokenizeStandard(other);
    if (run.length < 2) run = [...run, ...theirs].slice(0, length);
    if (spoil === 1 && run.length > 1) run = [...run.slice(1), run[0] as string];
    if (spoil === 2 && theirs.length > 0) run[n % run.length] = theirs[n % theirs.length] as string;
    if (spoil === 3 && run.length > 2) run.splice(1, 1);
    return [text, run];
  });
}

/** A wildcard: a token of the text with characters turned into `?` and runs into `*`, or random. */
function wildcardCandidate(chars: readonly string[]): fc.Arbitrary<[string, string]> {
  const edit = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 12, maxLength: 12 });
  return fc.tuple(textOf(chars), fc.nat(), edit, fc.array(fc.constantFrom(...chars, '*', '?'), { minLength: 1, maxLength: 5 }), fc.boolean()).map(
    ([text, n, ops, random, fromText]) => {
      const own = tokenizeStandard(text);
      if (!fromText || own.length === 0) return [text, random.join('')];
      const token = Array.from(own[n % own.length] as string);
      let glob = ops[0] === 0 ? '*' : '';
      token.forEach((ch, i) => {
        const op = ops[(i + 1) % ops.length] as number;
        glob += op === 1 ? '?' : op === 2 ? '*' : op === 3 && i > 0 ? '' : ch;
      });
      return [text, glob + (ops[11] === 0 ? '*' : '')];
    },
  );
}

describe('tokenPattern', () => {
  const cases: Array<[string, string, boolean]> = [
    ['root', 'USER=root ;', true],
    ['root', 'sudo root:', true],
    ['root', 'rootkit', false],
    ['root', 'sudo:root', false],
    ['root', 'root_x', false],
    ['root', 'x.root', false],
    ['root', '1.root', true],
    ['root', 'ROOT', true],
    ['10.10.10.10', 'from 10.10.10.10 port', true],
    ['10.10.10.10', '110.10.10.10', false],
    ['10.10.10.10', '10.10.10.100', false],
    ['10.10.10.10', '10.10.10.10.5', false],
    ['10.10.10.10', '10.10.10.10.', true],
    ['10.10.10.10', 'x.10.10.10.10', true],
    ['user', 'ec2-user', true],
    ['user', 'user@x', true],
    ['user', 'username', false],
    ['user', 'user_name', false],
    ['user', 'user.name', false],
    ['user', "o'user", false],
    ['user', 'user:1', true],
    ['sudo:session', 'pam_unix(sudo:session):', true],
    ['session', 'pam_unix(sudo:session):', false],
    ['1.1', 'HTTP/1.1" 404', true],
    ['中', '中文', true],
    ['テスト', 'テストabc', true],
    ['café', 'CAFÉ!', true],
    ['cafe', 'cafe\u0301', false],
  ];
  it.each(cases)('%j in %j: %s', (token, text, expected) => {
    expect(matches(tokenPattern(token), text)).toBe(expected);
    if (/^[\0-\x7f]*$/.test(text)) expect(matches(tokenPattern(token, ASCII), text)).toBe(expected);
  });

  it('treats input as literal text, never as regex', () => {
    for (const hostile of ['.*', '(a|b', 'a|b', '[a-z]+', '\\', '^$', 'a b', 'ec2-user', '', '   ']) expect(tokenPattern(hostile)).toBe(NEVER_MATCH);
    expect(matches(tokenPattern('a.b'), 'axb a-b')).toBe(false);
    expect(matches(tokenPattern('a.b'), 'see a.b.')).toBe(true);
    expect(tokenPattern('x.y')).toContain('x\\.y');
  });

  it('gives the lowercase token as literal core', () => {
    expect(literalCore('ROOT')).toBe('root');
    expect(literalCore('İ')).toBe('i');
  });

  it('agrees with the tokenizer on log-like text', () => {
    fc.assert(fc.property(candidate(LOG_CHARS), ([text, token]) => {
      const expected = tokenizeStandard(text).includes(lowerCase(token));
      return matches(tokenPattern(token), text) === expected && matches(tokenPattern(token, ASCII), text) === expected;
    }), RUNS);
  }, SLOW);

  it('agrees with the tokenizer on Unicode text', () => {
    fc.assert(fc.property(candidate(UNICODE_CHARS), ([text, token]) => matches(tokenPattern(token), text) === tokenizeStandard(text).includes(lowerCase(token))), RUNS);
  }, SLOW);
});

describe('phrasePattern', () => {
  it('finds consecutive tokens with only separators between them', () => {
    const p = phrasePattern(['session', 'opened', 'for'])!;
    expect(matches(p, 'pam_unix(sudo:session): session opened for user root')).toBe(true);
    expect(matches(p, 'session  --  opened / for')).toBe(true);
    expect(matches(p, 'session opened_for')).toBe(false);
    expect(matches(p, 'session reopened for')).toBe(false);
    expect(matches(p, 'session opened x for')).toBe(false);
    expect(matches(phrasePattern(['10.10.10.10', 'port'])!, 'from 10.10.10.10 port 22')).toBe(true);
    expect(matches(phrasePattern(['a', 'b'])!, 'a.b')).toBe(false); // one token a.b
    expect(matches(phrasePattern(['a', '1'])!, 'a.1')).toBe(true);
    expect(matches(phrasePattern(['中', '文'])!, '中文')).toBe(true);
    expect(matches(phrasePattern(['a', 'b'])!, 'a 😀 b')).toBe(false); // the emoji is a token between
  });

  it('handles slop, empty and one-token phrases', () => {
    expect(phrasePattern(['a', 'b'], 1)).toBeUndefined();
    expect(phrasePattern(['a'], 3)).toBe(tokenPattern('a'));
    expect(phrasePattern([])).toBe(NEVER_MATCH);
    expect(phrasePattern(['a', 'b c'])).toBe(NEVER_MATCH);
  });

  it('agrees with the tokenizer on log-like text', () => {
    fc.assert(fc.property(phraseCandidate(LOG_CHARS), ([text, run]) => {
      const expected = containsRun(tokenizeStandard(text), run.map(lowerCase));
      return matches(phrasePattern(run) as string, text) === expected && matches(phrasePattern(run, 0, ASCII) as string, text) === expected;
    }), RUNS);
  }, SLOW);

  it('agrees with the tokenizer on Unicode text', () => {
    fc.assert(fc.property(phraseCandidate(UNICODE_CHARS), ([text, run]) => matches(phrasePattern(run) as string, text) === containsRun(tokenizeStandard(text), run.map(lowerCase))), RUNS);
  }, SLOW);
});

describe('wildcardTokenPattern', () => {
  const cases: Array<[string, string, boolean]> = [
    ['rece*', 'Did not receive identification', true],
    ['rece*', 'preceive', false],
    ['*scan*', 'SSH insecure connection attempt (scan).', true],
    ['*scan*', 'portscanner', true],
    ['*scan', 'portscanner', false],
    ['10.*.1', 'from 10.0.0.1 port', true],
    ['10.*.1', 'from 10.0.0.12 port', false],
    ['10.*', 'x 10.5', true],
    ['10.*', 'x 10. 5', false],
    ['*.exe', 'run evil.exe now', true],
    ['*.exe', 'run 1.exe now', false], // 1.exe is two tokens
    ['ec2-*', 'ec2-user', false], // no token holds a '-'
    ['us?r', 'USER=root', true],
    ['u*r', 'sudo:user', false],
    ['s*n', 'sudo:session', true],
    ['*', '-- ; --', false],
    ['*', '-- x --', true],
    ['?', 'ab 1 cd', true],
    ['?', 'ab cd', false],
    ['a\\*', 'a* a', false],
    ['', 'anything', false],
  ];
  it.each(cases)('%j in %j: %s', (glob, text, expected) => {
    expect(matches(wildcardTokenPattern(glob), text)).toBe(expected);
    expect(matches(wildcardTokenPattern(glob, ASCII), text)).toBe(expected);
  });

  it('keeps the common shapes small', () => {
    expect(wildcardTokenPattern('*scan*')).toBe('scan');
    expect(wildcardTokenPattern('rece*', ASCII).length).toBeLessThan(200);
  });

  it('agrees with the tokenizer on log-like text', () => {
    fc.assert(fc.property(wildcardCandidate(LOG_CHARS), ([text, glob]) => {
      const expected = tokenizeStandard(text).some((t) => globMatches(glob, t));
      return matches(wildcardTokenPattern(glob), text) === expected && matches(wildcardTokenPattern(glob, ASCII), text) === expected;
    }), RUNS);
  }, SLOW);

  it('agrees with the tokenizer on Unicode text', () => {
    fc.assert(fc.property(wildcardCandidate(UNICODE_CHARS), ([text, glob]) => matches(wildcardTokenPattern(glob), text) === tokenizeStandard(text).some((t) => globMatches(glob, t))), RUNS);
  }, SLOW);
});

describe('RE2 (DuckDB regexp_matches on lower(text)) agrees with the tokenizer', () => {
  let db: DuckDBInstance;
  let connection: DuckDBConnection;
  beforeAll(async () => {
    db = await DuckDBInstance.create(':memory:');
    connection = await db.connect();
    await connection.run('CREATE TABLE cases (id INTEGER, text VARCHAR, lowered VARCHAR, pattern VARCHAR, expected BOOLEAN)');
  });
  afterAll(() => {
    connection.closeSync();
    db.closeSync();
  });

  it('on 4200 generated cases, in both dialects', async () => {
    const rows: Array<[string, string, boolean]> = [];
    const add = (text: string, pattern: string | undefined, asciiPattern: string | undefined, expected: boolean): void => {
      rows.push([text, pattern as string, expected]);
      if (/^[\0-\x7f]*$/.test(text)) rows.push([text, asciiPattern as string, expected]);
    };
    for (const chars of [LOG_CHARS, UNICODE_CHARS]) {
      for (const [text, token] of fc.sample(candidate(chars), { numRuns: 700, seed: 1 })) {
        add(text, tokenPattern(token), tokenPattern(token, ASCII), tokenizeStandard(text).includes(lowerCase(token)));
      }
      for (const [text, run] of fc.sample(phraseCandidate(chars), { numRuns: 700, seed: 2 })) {
        add(text, phrasePattern(run), phrasePattern(run, 0, ASCII), containsRun(tokenizeStandard(text), run.map(lowerCase)));
      }
      for (const [text, glob] of fc.sample(wildcardCandidate(chars), { numRuns: 700, seed: 3 })) {
        add(text, wildcardTokenPattern(glob), wildcardTokenPattern(glob, ASCII), tokenizeStandard(text).some((t) => globMatches(glob, t)));
      }
    }
    const appender = await connection.createAppender('cases');
    rows.forEach(([text, pattern, expected], id) => {
      appender.appendInteger(id);
      appender.appendVarchar(text);
      appender.appendVarchar(lowerCase(text));
      appender.appendVarchar(pattern);
      appender.appendBoolean(expected);
      appender.endRow();
    });
    appender.closeSync();
    const reader = await connection.runAndReadAll(
      'SELECT id, text, pattern, expected FROM cases WHERE regexp_matches(lower(text), pattern) IS DISTINCT FROM expected OR lower(text) <> lowered ORDER BY id LIMIT 5',
    );
    expect(reader.getRowObjectsJson()).toEqual([]);
    expect(rows.filter(([, , e]) => e).length).toBeGreaterThan(rows.length / 5); // not only negatives
  }, SLOW);
});
