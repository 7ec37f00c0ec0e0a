/**
 * @module SQL for text fields, which OpenSearch analyzes with the standard analyzer: a query term
 * matches a whole token, case-insensitively. The embedded store has no inverted index, so each
 * predicate is a regular expression over the stored text built to find exactly those tokens.
 */
import type { SqlField, SqlParams } from './to-sql.js';

export interface TextSql {
  /** The standard analyzer's tokens of query text. */
  tokens(text: string): string[];
  /** The field holds this (lower-case) token. */
  token(field: SqlField, token: string, params: SqlParams): string;
  /** The field holds one of these (lower-case) tokens: many terms at the cost of one. */
  anyToken(field: SqlField, tokens: readonly string[], params: SqlParams): string;
  /** The field holds these tokens in a row (slop: OpenSearch's allowed moves). */
  phrase(field: SqlField, tokens: string[], slop: number, params: SqlParams): string;
  /** Some token of the field matches the wildcard pattern (lower-cased, as OpenSearch normalizes it). */
  wildcard(field: SqlField, pattern: string, params: SqlParams): string;
  /** Some token satisfies the SQL predicate (`predicate('w')` reads the token as `w`): ranges over a text field's terms. */
  anyTokenWhere(field: SqlField, predicate: (token: string) => string, params: SqlParams): string;
  /** Some token matches the RE2 pattern (a Lucene regular expression translated, lower-cased, whole-token). */
  regexp(field: SqlField, re2: string, params: SqlParams): string;
  /** SQL of a LIST: the keyword field's indexed values within `distance` edits of the value, the closest max_expansions of them. */
  fuzzyValues(field: SqlField, value: string, distance: number, params: SqlParams): string;
  /** Some token is within `distance` edits of the value. */
  fuzzy(field: SqlField, value: string, distance: number, params: SqlParams): string;
}
