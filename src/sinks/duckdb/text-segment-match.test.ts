/**
 * The segment matcher against FTS5 itself (node:sqlite, a `:memory:` table made as TextIndex makes
 * its own): random documents and random expressions of the generated subset give the same rows;
 * any string the matcher accepts FTS5 accepts with the same rows; the expressions
 * text-index-query.ts makes for real queries parse; hostile input is refused quickly with the code.
 */
import { DatabaseSync } from 'node:sqlite';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseQueryInput } from '../../query/parse-query.js';
import { DuckDbFieldResolver } from './field-resolver.js';
import { encodeToken, indexedTexts, TEXT_INDEX_COLUMNS } from './text-index.js';
import { textIndexQuery } from './text-index-query.js';
import { asciiTokens, difference, intersect, MATCH_LIMITS, matchingDocCount, matchingDocs, parseMatch, union, unionAll, type MatchExpression } from './text-segment-match.js';
import type { PostingsReader } from './text-segment-postings.js';
import { ListsReader } from '../../testing/text-segment-lists.js';
import { bytesSource, encodeSegment, TextSegment } from './text-segment.js';
import { createDuckDbTextSql } from './text-sql.js';

/** A document: per TEXT_INDEX_COLUMNS column its tokens (encoded, as the index keeps them), or null. */
type Doc = ReadonlyArray<readonly string[] | null>;

/** FTS5 over the same documents, made as TextIndex makes its table (text-index.ts). */
class Fts5Oracle {
  private readonly db = new DatabaseSync(':memory:');

  constructor(docs: readonly Doc[]) {
    this.db.exec(
      `CREATE VIRTUAL TABLE text_index USING fts5(${TEXT_INDEX_COLUMNS.join(', ')}, day UNINDEXED, level UNINDEXED, ` +
        `content='', contentless_delete=1, contentless_unindexed=1, tokenize='ascii', detail=full)`,
    );
    const insert = this.db.prepare(`INSERT INTO text_index(rowid, ${TEXT_INDEX_COLUMNS.join(', ')}, day, level) VALUES (?, ?, ?, ?, ?, 0, NULL)`);
    this.db.exec('BEGIN');
    // Rowids in ordinal order, spaced as a day's `ts << 16 | seq` are (any increasing ones do).
    docs.forEach((doc, i) => insert.run(1000 + 3 * i, ...doc.map((tokens) => (tokens === null ? null : tokens.join(' ')))));
    this.db.exec('COMMIT');
  }

  /** The ordinals FTS5 matches, or the error it gives. */
  match(expression: string): number[] | Error {
    try {
      const rows = this.db.prepare('SELECT rowid FROM text_index WHERE text_index MATCH ? ORDER BY rowid').all(expression) as Array<{ rowid: number }>;
      return rows.map((r) => (Number(r.rowid) - 1000) / 3);
    } catch (e) {
      return e as Error;
    }
  }

  close(): void {
    this.db.close();
  }
}

/** `run` with FTS5 over the documents, closed after. */
function withOracle(documents: readonly Doc[], run: (oracle: Fts5Oracle) => void): void {
  const oracle = new Fts5Oracle(documents);
  try {
    run(oracle);
  } finally {
    oracle.close();
  }
}

/** The documents as a real segment (text-segment.ts's codec), ordinals as given: times increase. */
function segmentOf(documents: readonly Doc[]): TextSegment {
  const rows = documents.map((doc, i) => ({ ts: Date.UTC(2024, 2, 1) + i * 1000, level: null, texts: doc.map((tokens) => (tokens === null ? null : tokens.join(' '))) }));
  return TextSegment.open(bytesSource(encodeSegment(rows)));
}

const ours = (expression: string, reader: PostingsReader): number[] | Error => {
  try {
    return Array.from(matchingDocs(expression, reader));
  } catch (e) {
    return e as Error;
  }
};

// Tokens as the index writes them: plain, and encoded (`·` and 2 hex digits, `º` and 6).
const COMMON = ['a', 'b', 'ab'];
const RARE = ['abc', 'ba', 'c', '0', '10', encodeToken('é'), encodeToken('a.b'), encodeToken('a_'), encodeToken('__proto__'), 'constructor'];
const VOCABULARY = [...COMMON, ...RARE];
const token = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...COMMON) }, { weight: 2, arbitrary: fc.constantFrom(...RARE) });
const text = (max: number) => fc.option(fc.array(token, { maxLength: max }), { nil: null, freq: 4 });
const tokenSet = fc.option(fc.uniqueArray(token, { maxLength: 4 }), { nil: null, freq: 2 });
const doc: fc.Arbitrary<Doc> = fc.tuple(text(8), text(4), tokenSet, tokenSet);
const docs = fc.array(doc, { maxLength: 40 });

const ANY_FILTER = [null, 'full_log', 'comment', 'extra', 'missing', 'FULL_LOG', '{full_log comment}', '{extra missing}', '{comment missing}', '{ missing full_log }', '{full_log comment extra missing}'];
const POSITIONAL_FILTER = ['full_log', 'comment', '{full_log comment}', '{comment full_log}', 'Comment'];

const filtered = (filter: string | null, body: string): string => (filter === null ? body : `${filter} : ${body}`);
/** Upper-cases some ASCII letters: FTS5's tokenizer folds them. */
const cased = (s: string, upper: boolean): string => (upper ? s.replace(/[a-z]/, (c) => c.toUpperCase()) : s);
/** A phrase's tokens inside quotes: any separator the ascii tokenizer splits on, a doubled quote included. */
const SEPARATORS = [' ', '  ', '.', '_', '""', ' - ', '\t'];

const term = fc
  .record({ filter: fc.constantFrom(...ANY_FILTER), t: fc.constantFrom(...VOCABULARY, 'zz'), bare: fc.boolean(), upper: fc.boolean() })
  .map(({ filter, t, bare, upper }) => filtered(filter, bare ? cased(t, upper) : `"${cased(t, upper)}"`));
const prefix = fc
  .record({ filter: fc.constantFrom(...ANY_FILTER), t: fc.constantFrom(...VOCABULARY, 'zz'), cut: fc.nat(), space: fc.boolean(), bare: fc.boolean() })
  .map(({ filter, t, cut, space, bare }) => {
    const p = t.slice(0, 1 + (cut % t.length));
    return filtered(filter, `${bare ? p : `"${p}"`}${space ? ' ' : ''}*`);
  });
/** Phrases of 2 to 4 tokens on full_log and comment, a prefix on the last token or not. */
const phraseOf = (tokens: fc.Arbitrary<string>) =>
  fc
    .record({ filter: fc.constantFrom(...POSITIONAL_FILTER), ts: fc.array(tokens, { minLength: 2, maxLength: 4 }), seps: fc.array(fc.constantFrom(...SEPARATORS), { minLength: 3, maxLength: 3 }), prefix: fc.boolean(), cut: fc.nat() })
    .map(({ filter, ts, seps, prefix: isPrefix, cut }) => {
      const last = ts[ts.length - 1] as string;
      const tokens = isPrefix ? [...ts.slice(0, -1), last.slice(0, 1 + (cut % last.length))] : ts;
      return filtered(filter, `"${tokens.map((t, i) => (i === 0 ? t : `${seps[i - 1]}${t}`)).join('')}"${isPrefix ? ' *' : ''}`);
    });
const phrase = phraseOf(token);

/** Expressions of the generated subset, nested; operators with or without parentheses (FTS5's precedence decides both alike). */
const { expression } = fc.letrec((tie) => ({
  expression: fc.oneof({ maxDepth: 4, depthIdentifier: 'expression' }, term, prefix, phrase, tie('binary'), tie('group')),
  binary: fc
    .record({ a: tie('expression'), op: fc.constantFrom('AND', 'OR', 'NOT'), b: tie('expression'), parens: fc.boolean() })
    .map(({ a, op, b, parens }) => (parens ? `(${a} ${op} ${b})` : `${a} ${op} ${b}`)),
  group: fc.record({ filter: fc.constantFrom(...ANY_FILTER), e: tie('expression') }).map(({ filter, e }) => filtered(filter, `(${e})`)),
})) as { expression: fc.Arbitrary<string> };

describe('matchingDocs: the same documents as FTS5', () => {
  it('random documents and random expressions of the generated subset', () => {
    let nonEmpty = 0;
    let total = 0;
    fc.assert(
      fc.property(docs, fc.array(expression, { minLength: 1, maxLength: 8 }), (documents, expressions) => {
        withOracle(documents, (oracle) => {
          const reader = ListsReader.of(documents);
          for (const e of expressions) {
            const expected = oracle.match(e);
            if (expected instanceof Error) throw new Error(`FTS5 refused a generated expression ${e}: ${expected.message}`);
            expect(ours(e, reader), e).toEqual(expected);
            expect(matchingDocCount(e, reader), e).toBe(expected.length);
            total++;
            if (expected.length > 0) nonEmpty++;
          }
        });
      }),
      { numRuns: 300 },
    );
    // The expressions find documents often enough for the comparison to mean something.
    expect(nonEmpty / total).toBeGreaterThan(0.15);
  });

  it('the same through a real encoded segment (text-segment.ts)', () => {
    fc.assert(
      fc.property(docs, fc.array(expression, { minLength: 1, maxLength: 8 }), (documents, expressions) => {
        withOracle(documents, (oracle) => {
          const segment = segmentOf(documents);
          for (const e of expressions) expect(ours(e, segment), e).toEqual(oracle.match(e));
        });
      }),
      { numRuns: 200 },
    );
  });

  it("a segment's bound from its dictionary (countAtMost) is never below FTS5's count, and meets it where the rarest token is only in the matches", () => {
    let met = 0;
    let total = 0;
    fc.assert(
      fc.property(docs, fc.array(expression, { minLength: 1, maxLength: 8 }), (documents, expressions) => {
        withOracle(documents, (oracle) => {
          const segment = segmentOf(documents);
          for (const e of expressions) {
            const expected = oracle.match(e);
            if (expected instanceof Error) continue;
            const bound = segment.countAtMost(e);
            expect(bound, e).toBeGreaterThanOrEqual(expected.length);
            expect(bound, e).toBeLessThanOrEqual(documents.length);
            // Within a time range (segmentOf's documents are a second apart): of its documents, at most.
            const range = { fromMs: Date.UTC(2024, 2, 1) + 2_000, toMs: Date.UTC(2024, 2, 1) + 5_000 };
            expect(segment.countAtMost(e, range), e).toBeGreaterThanOrEqual(segment.count(e, range));
            expect(segment.countAtMost(e, range), e).toBeLessThanOrEqual(Math.max(0, Math.min(4, documents.length - 2)));
            total++;
            if (bound === expected.length) met++;
          }
        });
      }),
      { numRuns: 200 },
    );
    // Tight often enough to be worth asking, loose often enough for the comparison to test the bound.
    expect(met / total).toBeGreaterThan(0.1);
    expect(met / total).toBeLessThan(0.95);
  });

  it('phrases of 2 to 4 tokens on full_log and comment, the common tokens dense', () => {
    const dense = fc.tuple(fc.array(fc.constantFrom(...COMMON), { maxLength: 12 }), fc.array(fc.constantFrom(...COMMON), { maxLength: 6 }), tokenSet, tokenSet);
    let hits = 0;
    fc.assert(
      fc.property(fc.array(dense, { maxLength: 30 }), fc.array(phraseOf(fc.constantFrom(...COMMON)), { minLength: 1, maxLength: 10 }), (documents, phrases) => {
        withOracle(documents, (oracle) => {
          const reader = ListsReader.of(documents);
          const segment = segmentOf(documents);
          for (const e of phrases) {
            const expected = oracle.match(e);
            expect(ours(e, reader), e).toEqual(expected);
            expect(ours(e, segment), e).toEqual(expected);
            // Counted without the array (a phrase in one column), as a walking count over a whole segment counts.
            if (Array.isArray(expected)) {
              expect(matchingDocCount(e, segment), e).toBe(expected.length);
              segment.keepMatches = () => false;
              expect(segment.count(e), e).toBe(expected.length);
            }
            if (Array.isArray(expected) && expected.length > 0) hits++;
          }
        });
      }),
      { numRuns: 200 },
    );
    expect(hits).toBeGreaterThan(200);
  });

  it('any string it accepts, FTS5 accepts and answers alike; any string FTS5 refuses, it refuses', () => {
    const pieces = ['"', '(', ')', '{', '}', ':', '*', ' ', 'a', 'ab', 'b', 'AND', 'OR', 'NOT', 'and', 'full_log', 'extra', 'comment', 'missing', 'x', '"a b"', '"ab"', '+', '-', '^', 'NEAR', ',', '_', '.', '""', '\t', 'é'];
    const fuzz = fc.array(fc.constantFrom(...pieces), { maxLength: 14 }).map((p) => p.join(''));
    let accepted = 0;
    fc.assert(
      fc.property(docs, fc.array(fuzz, { minLength: 1, maxLength: 10 }), (documents, inputs) => {
        withOracle(documents, (oracle) => {
          const reader = ListsReader.of(documents);
          for (const input of inputs) {
            const mine = ours(input, reader);
            if (mine instanceof Error) {
              expect(mine).toMatchObject({ code: 'TEXT_SEGMENT_UNSUPPORTED_EXPRESSION' });
              continue;
            }
            accepted++;
            expect(oracle.match(input), input).toEqual(mine);
          }
        });
      }),
      { numRuns: 300 },
    );
    expect(accepted).toBeGreaterThan(50);
  });

  it("the expressions text-index-query.ts makes for real queries parse, and match as FTS5 does over the alerts' texts", () => {
    const alerts = [
      { full_log: 'Failed password for root from 10.0.0.1 port 22 ssh2', comment: 'sshd: authentication failed.', extra: { srcip: '10.0.0.1', user: 'root' } },
      { full_log: 'Accepted publickey for deploy from 10.0.0.2', comment: 'sshd: authentication success.', extra: { srcip: '10.0.0.2' } },
      { full_log: 'File /etc/passwd changed: size 1024 → 1030', comment: 'Integrity checksum changed.', extra: { path: '/etc/passwd', note: 'été' } },
      { full_log: 'password changed for user root', comment: 'User account changed', extra: {} },
      { full_log: 'Failed password for invalid user admin from 10.0.0.9', comment: 'sshd: authentication failed.', extra: { user: 'admin' } },
    ];
    const documents: Doc[] = alerts.map((a) => {
      const message = JSON.stringify({ full_log: a.full_log, rule: { comment: a.comment }, ...a.extra });
      return indexedTexts(a.full_log, message, a.comment).map((t) => (t === null || t === '' ? null : t.split(' ')));
    });
    const reader = ListsReader.of(documents);
    const oracle = new Fts5Oracle(documents);
    const resolver = new DuckDbFieldResolver(new Map());
    const text = createDuckDbTextSql();
    const queries = [
      'password',
      '"failed password"',
      '"failed password for root"',
      'full_log:"password for"',
      'full_log:pass*',
      'pass*',
      'rule.comment:"authentication failed"',
      '@message:root',
      '@message:"failed password"',
      '@message:etc*',
      'password AND NOT root',
      '(failed OR accepted) AND sshd',
      'full_log:(password OR publickey) AND NOT rule.comment:success',
      'été',
      '"10.0.0.1"',
      'full_log:"/etc/passwd"',
    ];
    let answered = 0;
    try {
      for (const q of queries) {
        const parsed = parseQueryInput(q);
        if (!parsed.ok) throw new Error(parsed.error.message);
        for (const missingFree of [new Set<string>(), undefined]) {
          const plan = textIndexQuery(parsed.value, resolver, text, { nowMs: Date.now(), ipKeyFunction: 'hs_ip_key', ...(missingFree ? { missingFree } : {}) });
          if (plan.kind !== 'match') continue;
          answered++;
          for (const e of [plan.exact, plan.verify, plan.upper]) {
            if (e === null) continue;
            expect(() => parseMatch(e), e).not.toThrow();
            expect(ours(e, reader), e).toEqual(oracle.match(e));
          }
        }
      }
    } finally {
      oracle.close();
    }
    expect(answered).toBeGreaterThanOrEqual(queries.length);
  });

  it("the bench's expressions (a phrase and a word, a prefix) parse and match as FTS5 does", () => {
    const documents: Doc[] = [
      [['failed', 'password', 'for', 'root'], ['sshd'], ['x'], null],
      [['password', 'failed'], null, ['root'], ['failed']],
      [['passwd'], ['failed', 'password'], null, null],
    ];
    const reader = ListsReader.of(documents);
    withOracle(documents, (oracle) => {
      for (const [tokens, isPrefix] of [[['failed', 'password'], false], [['password'], false], [['pass'], true]] as const) {
        const body = `"${tokens.map(encodeToken).join(' ')}"${isPrefix ? ' *' : ''}`;
        const free = `(({full_log comment} : ${body}) NOT ((missing : ${body}) NOT (full_log : ${body}))) OR (extra : ${body})`;
        const expressions = tokens.length > 1 ? [`full_log : ${body}`, tokens.map((t) => `"${encodeToken(t)}"`).join(' AND ')] : [free, body];
        for (const e of expressions) expect(ours(e, reader), e).toEqual(oracle.match(e));
      }
    });
  });
});

describe('parseMatch', () => {
  const phrase = (columns: number, tokens: string[], prefix = false): MatchExpression => ({ kind: 'phrase', columns, tokens, prefix });

  it('reads column filters, phrases, prefixes and FTS5 precedence (NOT, then AND, then OR)', () => {
    expect(parseMatch('full_log : "Failed  Password" *')).toEqual(phrase(0b0001, ['failed', 'password'], true));
    expect(parseMatch('{comment full_log} : ab')).toEqual(phrase(0b0011, ['ab']));
    expect(parseMatch('comment:"a""B"')).toEqual(phrase(0b0010, ['a', 'b']));
    expect(parseMatch('a OR b AND c NOT d')).toEqual({
      kind: 'or',
      children: [phrase(15, ['a']), { kind: 'and', children: [phrase(15, ['b']), { kind: 'not', include: phrase(15, ['c']), exclude: [phrase(15, ['d'])] }] }],
    });
    // A filter on a group reaches every phrase in it, intersected with the filters inside.
    expect(parseMatch('{full_log extra} : (a OR comment : b OR extra : (c))')).toEqual({ kind: 'or', children: [phrase(0b0101, ['a']), phrase(0, ['b']), phrase(0b0100, ['c'])] });
    // `a NOT b NOT c` is `(a NOT b) NOT c`: one exclusion list.
    expect(parseMatch('a NOT b NOT c')).toEqual({ kind: 'not', include: phrase(15, ['a']), exclude: [phrase(15, ['b']), phrase(15, ['c'])] });
    expect(asciiTokens('Ab·2eC_d  É')).toEqual(['ab·2ec', 'd', 'É']);
  });

  it('refuses what it does not evaluate exactly, with the stable code', () => {
    const refused = [
      'a b', // implicit AND
      '(a) b',
      'NEAR(a b)',
      'NEAR("a" "b", 2)',
      '"a" + "b"',
      '^a',
      '-full_log : a',
      'nosuch : a',
      '"full_log" : a',
      'full_log : comment : a',
      '{} : a',
      'missing : "a b"',
      'extra : "a" * AND "a b"', // the bare phrase covers extra and missing
      '"a b"',
      '(a',
      'a)',
      '()',
      '"a',
      'a AND',
      'NOT a',
      '""',
      '"  " *',
      'a . b',
      '*',
      'a * *',
      '\u0000',
      '"\ud800"',
      '',
    ];
    for (const input of refused) {
      expect(() => parseMatch(input), JSON.stringify(input)).toThrow(expect.objectContaining({ code: 'TEXT_SEGMENT_UNSUPPORTED_EXPRESSION' }));
    }
  });

  it('refuses hostile input quickly: deep nesting, huge input; long flat chains parse without recursion', () => {
    const started = performance.now();
    expect(() => parseMatch(`${'('.repeat(1_000_000)}a${')'.repeat(1_000_000)}`)).toThrow(expect.objectContaining({ code: 'TEXT_SEGMENT_UNSUPPORTED_EXPRESSION' }));
    expect(() => parseMatch(`${'('.repeat(MATCH_LIMITS.maxDepth)}a${')'.repeat(MATCH_LIMITS.maxDepth)}`)).not.toThrow();
    expect(() => parseMatch('"a" '.repeat(MATCH_LIMITS.maxLength))).toThrow(expect.objectContaining({ code: 'TEXT_SEGMENT_UNSUPPORTED_EXPRESSION' }));
    expect(() => parseMatch(Array.from({ length: MATCH_LIMITS.maxPhrases + 1 }, () => 'a').join(' OR '))).toThrow(expect.objectContaining({ code: 'TEXT_SEGMENT_UNSUPPORTED_EXPRESSION' }));
    // 20,000 operands in a row: flat lists, so neither parsing nor evaluation recurses per operand.
    const reader = ListsReader.of([[['a'], null, null, null], [['b'], null, null, ['c']], [['c'], null, null, null]]);
    for (const op of ['OR', 'AND', 'NOT']) {
      const chain = ['"a"', '"b"', '"c"', ...Array.from({ length: 20_000 }, (_, i) => `"t${i}"`)].join(` ${op} `);
      expect(Array.from(matchingDocs(chain, reader)), op).toEqual(op === 'OR' ? [0, 1, 2] : op === 'AND' ? [] : [0]);
    }
    // A group of as many inside another of its operator: one flat list (no spread of its operands).
    const group = `"a" OR (${Array.from({ length: 200_000 }, (_, i) => `"u${i}"`).join(' OR ')})`;
    expect(Array.from(matchingDocs(group, reader))).toEqual([0]);
    // Generous: a bound against runaway work, not a benchmark.
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

describe('matchingDocs', () => {
  it('reads positions only for the documents that hold every token, and returns its own array', () => {
    const documents: Doc[] = [[['a', 'b'], null, null, null], [['b', 'a'], null, null, null], [['c'], null, null, null]];
    const reader = ListsReader.of(documents, true);
    expect(Array.from(matchingDocs('full_log : "a b" AND "zz"', reader))).toEqual([]);
    // The rarest operand first: "zz" has no documents, so the phrase's positions were never asked.
    expect(reader.asked.filter((a) => a.withPositions)).toEqual([]);
    // A phrase with a token no document holds: no positions either.
    expect(Array.from(matchingDocs('full_log : "a zz b"', reader))).toEqual([]);
    expect(reader.asked.filter((a) => a.withPositions)).toEqual([]);
    expect(Array.from(matchingDocs('full_log : "a b"', reader))).toEqual([0]);
    const docs = matchingDocs('"c"', reader);
    docs[0] = 99;
    expect(Array.from(matchingDocs('"c"', reader))).toEqual([2]);
  });

  it('refuses a phrase of several tokens on extra or missing, also given parsed', () => {
    const reader = ListsReader.of([[null, null, ['a', 'b'], null]]);
    expect(() => matchingDocs({ kind: 'phrase', columns: 0b0100, tokens: ['a', 'b'], prefix: false }, reader)).toThrow(expect.objectContaining({ code: 'TEXT_SEGMENT_UNSUPPORTED_EXPRESSION' }));
  });

  it('set operations: intersect (merge and galloping), union, difference, unionAll (merge and bit set)', () => {
    const rnd = fc.uniqueArray(fc.integer({ min: 0, max: 5000 }), { maxLength: 400 }).map((a) => Uint32Array.from(a.sort((x, y) => x - y)));
    fc.assert(
      fc.property(rnd, rnd, fc.array(rnd, { maxLength: 12 }), (a, b, many) => {
        const sa = new Set(a);
        const sb = new Set(b);
        expect(Array.from(intersect(a, b))).toEqual(Array.from(a).filter((x) => sb.has(x)));
        expect(Array.from(union(a, b))).toEqual([...new Set([...a, ...b])].sort((x, y) => x - y));
        expect(Array.from(difference(a, b))).toEqual(Array.from(a).filter((x) => !sb.has(x)));
        expect(Array.from(difference(b, a))).toEqual(Array.from(b).filter((x) => !sa.has(x)));
        expect(Array.from(unionAll(many))).toEqual([...new Set(many.flatMap((m) => Array.from(m)))].sort((x, y) => x - y));
      }),
      { numRuns: 300 },
    );
    // Galloping: a small set against a large one.
    const large = Uint32Array.from({ length: 100_000 }, (_, i) => i * 2);
    expect(Array.from(intersect(Uint32Array.of(1, 2, 199_998, 200_000), large))).toEqual([2, 199_998]);
    expect(Array.from(difference(Uint32Array.of(1, 2, 199_998, 200_000), large))).toEqual([1, 200_000]);
  });
});
