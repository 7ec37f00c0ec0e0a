/** @module What a user or API client sends as a query (Lucene text or a JSON DSL object) → the AST, or a QueryError. */
import { err, ok, type Result } from '../core/result.js';
import type { QueryNode } from './ast.js';
import { parseDsl } from './dsl/index.js';
import { parseLucene } from './lucene/index.js';
import type { QueryError } from './search-api.js';

export function parseQueryInput(input: unknown): Result<QueryNode, QueryError> {
  if (input === undefined || input === null) return ok({ kind: 'match_all' });
  if (typeof input === 'string') {
    const parsed = parseLucene(input);
    return parsed.ok ? parsed : err({ kind: 'syntax', message: parsed.error.message, position: parsed.error.position, hint: parsed.error.hint });
  }
  const parsed = parseDsl(input);
  if (parsed.ok) return parsed;
  const { message, path, position, hint } = parsed.error;
  return err({
    kind: position === undefined ? 'request' : 'syntax',
    message: path ? `${path}: ${message}` : message,
    ...(position === undefined ? {} : { position }),
    ...(hint === undefined ? {} : { hint }),
  });
}
