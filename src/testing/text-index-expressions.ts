/**
 * @module The FTS5 expressions the store asks the text index for Lucene queries (text-index-query.ts:
 * each answered plan's exact, verify and upper), for tests that run them through FTS5 and segments.
 */
import { parseQueryInput } from '../query/parse-query.js';
import { DuckDbFieldResolver } from '../sinks/duckdb/field-resolver.js';
import { textIndexQuery } from '../sinks/duckdb/text-index-query.js';
import { createDuckDbTextSql } from '../sinks/duckdb/text-sql.js';

/** The distinct expressions of `queries`' plans at `nowMs`; throws on a query the index does not answer. */
export function storeExpressions(queries: readonly string[], nowMs: number): string[] {
  const resolver = new DuckDbFieldResolver(new Map());
  const text = createDuckDbTextSql();
  const out = new Set<string>();
  for (const query of queries) {
    const parsed = parseQueryInput(query);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const plan = textIndexQuery(parsed.value, resolver, text, { nowMs, ipKeyFunction: 'hs_ip_key' });
    if (plan.kind !== 'match') throw new Error(`${query}: ${plan.kind}`);
    for (const e of [plan.exact, plan.verify, plan.upper]) if (e !== null) out.add(e);
  }
  return [...out];
}
