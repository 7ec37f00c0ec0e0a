/** @module Lucene query-bar syntax (Kibana's Lucene mode) to the shared query AST. */

import { err, ok, type Result } from '../../core/result.js';
import { matchAll, type QueryNode, type QuerySyntaxError } from '../ast.js';
import { parseQueryString, type LuceneOptions } from './parse.js';

export { parseQueryString, type LuceneOptions } from './parse.js';
export { tokenize, type Token, type TokenKind } from './tokenize.js';

/**
 * Parses what a user typed in the query bar. Like Kibana, an empty or whitespace-only query matches
 * everything; anything else is sent through Lucene's classic query parser rules.
 */
export function parseLucene(text: string, options?: LuceneOptions): Result<QueryNode, QuerySyntaxError> {
  if (typeof text !== 'string') return err({ message: 'The query must be text', position: 0, hint: 'Pass a string.' });
  if (text.trim() === '') return ok(matchAll());
  return parseQueryString(text, options);
}
