/**
 * @module Text-field predicates for DuckDB: RE2 patterns that find exactly the standard analyzer's
 * tokens in the stored text (applied to `lower(text)`), behind a cheap substring test that lets
 * DuckDB skip most rows. Regular expressions and fuzzy terms on tokens need the tokens themselves;
 * they run in JavaScript functions registered with the connection.
 */
import { DuckDBScalarFunction, BOOLEAN, INTEGER, VARCHAR } from '@duckdb/node-api';
import { lowerCase, tokenizeStandard } from '../../query/analysis/standard-tokenizer.js';
import { literalCore, phrasePattern, tokenPattern, wildcardTokenPattern, type PatternOptions } from '../../query/analysis/text-regex.js';
import type { TextSql } from '../../query/compile/text-sql.js';
import type { SqlField, SqlParams } from '../../query/compile/to-sql.js';

const TOKEN_REGEXP_FUNCTION = 'hs_token_regexp';
const TOKEN_FUZZY_FUNCTION = 'hs_token_fuzzy';

function onText(field: SqlField, params: SqlParams, predicate: (text: string) => string): string {
  const expr = field.expr(params);
  if (!field.multi) return `coalesce(${predicate(expr)}, FALSE)`;
  return `coalesce(list_bool_or(list_transform(${expr}, lambda x: ${predicate('x')})), FALSE)`;
}

type PatternOf = (options: PatternOptions) => string;

/**
 * The text contains `literal` (a cheap test that skips most rows) and matches the pattern. RE2's
 * fast engine cannot hold the full Unicode word classes of long patterns; pure-ASCII texts (where
 * bytes = characters) get a pattern over ASCII classes that gives the same answers on them.
 */
function matches(text: string, literal: string, pattern: PatternOf, params: SqlParams): string {
  const lowered = `lower(${text})`;
  const unicode = pattern({});
  const ascii = pattern({ asciiText: true });
  const regex =
    ascii === unicode
      ? `regexp_matches(${lowered}, ${params.add(unicode)})`
      : `CASE WHEN strlen(${text}) = length(${text}) THEN regexp_matches(${lowered}, ${params.add(ascii)}) ELSE regexp_matches(${lowered}, ${params.add(unicode)}) END`;
  return literal === '' ? regex : `(contains(${lowered}, ${params.add(literal)}) AND ${regex})`;
}

export const duckDbTextSql: TextSql = {
  tokens: tokenizeStandard,
  token(field, token, params) {
    return onText(field, params, (text) => matches(text, literalCore(token), (o) => tokenPattern(token, o), params));
  },
  phrase(field, tokens, slop, params) {
    if (phrasePattern(tokens, slop) === undefined) {
      // A sloppy phrase: every token present is necessary; the order and distance are checked on tokens.
      return `(${tokens.map((t) => this.token(field, t, params)).join(' AND ')})`;
    }
    const longest = tokens.reduce((a, b) => (literalCore(b).length > literalCore(a).length ? b : a));
    return onText(field, params, (text) => matches(text, literalCore(longest), (o) => phrasePattern(tokens, slop, o) as string, params));
  },
  wildcard(field, pattern, params) {
    const lowered = lowerCase(pattern);
    return onText(field, params, (text) => matches(text, longestLiteral(lowered), (o) => wildcardTokenPattern(lowered, o), params));
  },
  regexp(field, pattern, params) {
    const p = params.add(pattern);
    return onText(field, params, (text) => `${TOKEN_REGEXP_FUNCTION}(lower(${text}), ${p})`);
  },
  fuzzy(field, value, distance, params) {
    const v = params.add(value);
    const d = params.add(distance);
    return onText(field, params, (text) => `${TOKEN_FUZZY_FUNCTION}(lower(${text}), ${v}, ${d})`);
  },
};

/** The longest run of literal characters in a wildcard pattern (a substring every match holds). */
function longestLiteral(pattern: string): string {
  let best = '';
  let current = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*' || c === '?') {
      if (current.length > best.length) best = current;
      current = '';
    } else if (c === '\\' && i + 1 < pattern.length) current += pattern[++i];
    else current += c;
  }
  return current.length > best.length ? current : best;
}

/** Functions the text predicates call; register them on the connection that runs queries. */
export function textFunctions(): DuckDBScalarFunction[] {
  const cache = new Map<string, RegExp | null>();
  return [
    DuckDBScalarFunction.create({
      name: TOKEN_REGEXP_FUNCTION,
      returnType: BOOLEAN,
      parameterTypes: [VARCHAR, VARCHAR],
      mainFunction: (_info, input, output) => {
        const texts = input.getColumnVector(0);
        const patterns = input.getColumnVector(1);
        for (let i = 0; i < input.rowCount; i++) {
          const text = texts.getItem(i);
          const pattern = String(patterns.getItem(i));
          if (!cache.has(pattern)) cache.set(pattern, luceneRegExp(pattern));
          const re = cache.get(pattern);
          output.setItem(i, typeof text === 'string' && re ? tokenizeStandard(text).some((t) => re.test(t)) : false);
        }
        output.flush();
      },
    }),
    DuckDBScalarFunction.create({
      name: TOKEN_FUZZY_FUNCTION,
      returnType: BOOLEAN,
      parameterTypes: [VARCHAR, VARCHAR, INTEGER],
      mainFunction: (_info, input, output) => {
        const texts = input.getColumnVector(0);
        const values = input.getColumnVector(1);
        const distances = input.getColumnVector(2);
        for (let i = 0; i < input.rowCount; i++) {
          const text = texts.getItem(i);
          const value = String(values.getItem(i));
          const max = Number(distances.getItem(i));
          output.setItem(i, typeof text === 'string' ? tokenizeStandard(text).some((t) => damerauLevenshtein(t, value, max) <= max) : false);
        }
        output.flush();
      },
    }),
  ];
}

/**
 * Lucene's regular expressions are anchored and have no shorthand classes; the common subset
 * (literals, `.`, `[...]`, `*`, `+`, `?`, `{n,m}`, `|`, groups) reads the same in JavaScript.
 */
function luceneRegExp(pattern: string): RegExp | null {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    return null;
  }
}

/** Optimal string alignment distance (Lucene's fuzzy queries count a transposition as one edit). */
export function damerauLevenshtein(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((d[i - 1] as number[])[j]! + 1, (d[i] as number[])[j - 1]! + 1, (d[i - 1] as number[])[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (d[i - 2] as number[])[j - 2]! + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return (d[rows - 1] as number[])[cols - 1] as number;
}
