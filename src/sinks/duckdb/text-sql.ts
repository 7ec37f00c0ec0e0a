/**
 * @module Text-field predicates for DuckDB: RE2 patterns that find exactly the standard analyzer's
 * tokens in the stored text (applied to `lower(text)`), behind a cheap substring test that lets
 * DuckDB skip most rows. Regular expressions and fuzzy terms need the tokens themselves: DuckDB
 * extracts them with one RE2 pattern (`anyTokenPattern`), so that everything runs inside DuckDB,
 * in linear time, and can be interrupted.
 */
import { lowerCase, tokenizeStandard } from '../../query/analysis/standard-tokenizer.js';
import { sloppyPhraseConditions } from '../../query/analysis/sloppy-phrase.js';
import { anyTokenPattern, literalCore, phrasePattern, tokenPattern, wildcardTokenPattern, type PatternOptions } from '../../query/analysis/text-regex.js';
import type { TextSql } from '../../query/compile/text-sql.js';
import type { SqlField, SqlParams } from '../../query/compile/to-sql.js';
import { TABLE } from './schema.js';

/** Lucene's FuzzyQuery default `max_expansions`: a fuzzy term becomes at most this many terms. */
export const DEFAULT_FUZZY_MAX_EXPANSIONS = 50;

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

/** The lowercased text's tokens, as a LIST (ASCII texts get the small pattern, as in `matches`). */
function tokenList(text: string, params: SqlParams): string {
  const lowered = `lower(${text})`;
  return `CASE WHEN strlen(${text}) = length(${text}) THEN regexp_extract_all(${lowered}, ${params.add(anyTokenPattern({ asciiText: true }))}) ELSE regexp_extract_all(${lowered}, ${params.add(anyTokenPattern())}) END`;
}

export interface DuckDbTextSqlOptions {
  /** At most this many index terms stand for a fuzzy term (Lucene's max_expansions). */
  fuzzyMaxExpansions?: number;
}

export function createDuckDbTextSql(options: DuckDbTextSqlOptions = {}): TextSql {
  const maxExpansions = options.fuzzyMaxExpansions ?? DEFAULT_FUZZY_MAX_EXPANSIONS;
  return {
    tokens: tokenizeStandard,
    token(field, token, params) {
      return onText(field, params, (text) => matches(text, literalCore(token), (o) => tokenPattern(token, o), params));
    },
    anyToken(field, tokens, params) {
      const list = `(SELECT from_json(${params.add(JSON.stringify(tokens))}, '["VARCHAR"]'))`;
      return onText(field, params, (text) => `list_has_any(${tokenList(text, params)}, ${list})`);
    },
    phrase(field, tokens, slop, params) {
      if (phrasePattern(tokens, slop) === undefined) {
        // A sloppy phrase: every token present (a cheap test first), then the positions checked on the text's tokens.
        const present = tokens.map((t) => this.token(field, t, params)).join(' AND ');
        return `(${present} AND ${onText(field, params, (text) => sloppyPhrase(tokenList(text, params), tokens, slop, params))})`;
      }
      const longest = tokens.reduce((a, b) => (literalCore(b).length > literalCore(a).length ? b : a));
      return onText(field, params, (text) => matches(text, literalCore(longest), (o) => phrasePattern(tokens, slop, o) as string, params));
    },
    wildcard(field, pattern, params) {
      const lowered = lowerCase(pattern);
      return onText(field, params, (text) => matches(text, longestLiteral(lowered), (o) => wildcardTokenPattern(lowered, o), params));
    },
    anyTokenWhere(field, predicate, params) {
      return onText(field, params, (text) => `list_bool_or(list_transform(${tokenList(text, params)}, lambda w: ${predicate('w')}))`);
    },
    regexp(field, re2, params) {
      // A token matching the pattern is a substring of the text that matches it: a cheap search
      // skips the rows without one before their tokens are extracted.
      const search = params.add(re2);
      const whole = params.add(re2);
      return onText(
        field,
        params,
        (text) => `(regexp_matches(lower(${text}), ${search}) AND list_bool_or(list_transform(${tokenList(text, params)}, lambda w: regexp_full_match(w, ${whole}))))`,
      );
    },
    fuzzy(field, value, distance, params) {
      // As Lucene's FuzzyQuery: the index's terms within `distance` edits (a transposition is one),
      // the closest `maxExpansions` of them (ties in term order), then any of those. The candidate
      // list is an uncorrelated subquery, computed once per query.
      const values = field.multi ? `unnest(${field.expr(params)})` : field.expr(params);
      const terms = `SELECT DISTINCT unnest(${tokenList('v', params)}) AS t FROM (SELECT ${values} AS v FROM ${TABLE}) WHERE v IS NOT NULL`;
      const candidates = closest(terms, value, distance, maxExpansions, params);
      return onText(field, params, (text) => `list_has_any(${tokenList(text, params)}, ${candidates})`);
    },
    fuzzyValues(field, value, distance, params) {
      const values = field.multi ? `unnest(${field.expr(params)})` : field.expr(params);
      const limit = field.ignoreAbove === undefined ? '' : ` AND length(t) <= ${field.ignoreAbove}`;
      return closest(`SELECT DISTINCT t FROM (SELECT ${values} AS t FROM ${TABLE}) WHERE t IS NOT NULL${limit}`, value, distance, maxExpansions, params);
    },
  };
}

/**
 * SQL of a LIST: of the terms (`SELECT ... AS t`) within `distance` edits of `value` (a
 * transposition is one), the closest `max` of them, ties in term order, as Lucene's FuzzyQuery
 * keeps its top terms. An uncorrelated subquery: DuckDB computes it once per statement.
 */
function closest(terms: string, value: string, distance: number, max: number, params: SqlParams): string {
  const length = [...value].length;
  const v = params.add(value);
  return (
    `(SELECT coalesce(list(t ORDER BY e, t), []) FROM (SELECT t, e FROM (SELECT t, damerau_levenshtein(t, ${v}) AS e FROM (${terms}) ` +
    `WHERE length(t) BETWEEN ${params.add(length - distance)} AND ${params.add(length + distance)}) WHERE e <= ${params.add(distance)} ORDER BY e, t LIMIT ${params.add(max)}))`
  );
}

/**
 * SQL: the token list holds the phrase within `slop` (sloppy-phrase.ts): for some window start w,
 * every condition finds enough positions of its token in its window. The list is bound once, as
 * the single element of a list that a lambda takes.
 */
function sloppyPhrase(tokenListSql: string, tokens: readonly string[], slop: number, params: SqlParams): string {
  const conditions = `from_json(${params.add(JSON.stringify(sloppyPhraseConditions(tokens)))}, '[{"t":"VARCHAR","lo":"BIGINT","hi":"BIGINT","need":"BIGINT"}]')`;
  const s = params.add(slop);
  const inWindow = `len(list_filter(range(greatest(w + c.lo, 1), least(w + c.hi + ${s}, len(toks)) + 1), lambda q: toks[q] = c.t)) >= c.need`;
  const anyWindow = `list_bool_or(list_transform(range(${params.add(1 - tokens.length)}, len(toks) + 1), lambda w: list_bool_and(list_transform(${conditions}, lambda c: ${inWindow}))))`;
  return `list_transform([${tokenListSql}], lambda toks: ${anyWindow})[1]`;
}

export const duckDbTextSql: TextSql = createDuckDbTextSql();

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
