/**
 * Queries built to break out of SQL: values and field names with quotes, comments, semicolons and
 * SQL keywords. Each must only match (or not) or fail as a query error, and the data must be intact.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusDocuments } from '../../../test/contracts/query-corpus.case.js';
import { getPath } from '../../core/paths.js';
import { tokenizeStandard } from '../../query/analysis/standard-tokenizer.js';
import { escapeForPattern } from '../../query/ast.js';
import { parseQueryInput } from '../../query/parse-query.js';
import { DuckDbStore } from './store.js';

const HOSTILE_VALUES = [
  "x' OR '1'='1",
  "'; DROP TABLE alerts; --",
  "\\'; DELETE FROM alerts WHERE TRUE; --",
  '" OR 1=1 --',
  '$1',
  '?',
  "'||(SELECT count(*) FROM alerts)||'",
  "x') UNION SELECT * FROM alerts --",
  '%',
  '_',
  '\\',
  "10.0.0.1' OR TRUE --",
];
const HOSTILE_FIELDS = ['a"b', "a'b", 'x); DROP TABLE alerts; --', 'rule.level) OR TRUE --', 'extra', 'message', '$1', 'srcip IS NOT NULL OR TRUE'];

const docs = corpusDocuments();

function valuesOf(doc: object, path: string): string[] {
  const value = getPath(doc, path);
  return value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(String);
}

describe('SQL injection', () => {
  let store: DuckDbStore;
  beforeAll(async () => {
    store = await DuckDbStore.open({ path: ':memory:' });
    await store.write(corpusDocuments());
  });
  afterAll(() => store.close());

  async function total(): Promise<number> {
    const r = await store.search({ query: { kind: 'match_all' }, size: 0 });
    if (!r.ok) throw new Error(r.error.message);
    return r.value.total;
  }

  async function run(input: unknown): Promise<number | 'error'> {
    const query = parseQueryInput(input);
    if (!query.ok) return 'error';
    const result = await store.search({ query: query.value, size: 50, aggregations: { t: { type: 'terms', field: 'srcuser' } } });
    return result.ok ? result.value.total : 'error';
  }

  it('treats hostile values as values, on every kind of field and query', async () => {
    for (const value of HOSTILE_VALUES) {
      // Keyword fields: exactly the documents whose values equal, start with or contain the text.
      for (const field of ['srcuser', 'data.tty', 'rule.group']) {
        const has = (test: (v: string) => boolean): number => docs.filter((d) => valuesOf(d.document, field).some(test)).length;
        expect(await run({ term: { [field]: value } }), field).toBe(has((v) => v === value));
        expect(await run({ match_phrase: { [field]: value } }), field).toBe(has((v) => v === value));
        expect(await run({ prefix: { [field]: value } }), field).toBe(has((v) => v.startsWith(value)));
        expect(await run({ wildcard: { [field]: `*${escapeForPattern(value)}*` } }), field).toBe(has((v) => v.includes(value)));
      }
      // Typed fields: no such number, address or time; either nothing matches or the query is refused.
      for (const field of ['srcip', 'rule.level', '@timestamp']) {
        for (const q of [{ term: { [field]: value } }, { range: { [field]: { gte: value } } }]) {
          const outcome = await run(q);
          expect(outcome === 'error' || outcome === 0, `${JSON.stringify(q)} → ${outcome}`).toBe(true);
        }
      }
      // Text fields analyze the value into words (`x' OR '1'='1` → x, or, 1, 1), which may match;
      // the answer must be the same as for the words themselves.
      for (const field of ['full_log', '@message']) {
        const words = tokenizeStandard(value).join(' ');
        const hostile = await run({ match: { [field]: value } });
        const plain = words === '' ? 0 : await run({ match: { [field]: words } });
        expect(hostile, `${field}: ${value}`).toBe(plain);
      }
      expect(await run({ query_string: { query: `srcuser:"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"` } })).toBe(0);
    }
    expect(await total()).toBe(23);
  });

  it('treats hostile field names as unknown fields', async () => {
    for (const field of HOSTILE_FIELDS) {
      expect(await run({ term: { [field]: 'x' } })).toBe(0);
      expect(await run({ exists: { field } })).toBe(0);
      const negated = await run({ bool: { must_not: [{ term: { [field]: 'x' } }] } });
      expect(negated).toBe(23);
      const agg = await store.search({ query: { kind: 'match_all' }, size: 0, aggregations: { a: { type: 'terms', field } } });
      expect(agg.ok).toBe(true);
    }
    expect(await total()).toBe(23);
  });

  it('survives arbitrary query text and DSL', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.constantFrom(...HOSTILE_VALUES).map((v) => `srcuser:${v}`), fc.jsonValue()), async (input) => {
        const outcome = await run(input);
        expect(outcome === 'error' || (typeof outcome === 'number' && outcome >= 0 && outcome <= 23)).toBe(true);
      }),
      { numRuns: 300 },
    );
    expect(await total()).toBe(23);
  });
});
