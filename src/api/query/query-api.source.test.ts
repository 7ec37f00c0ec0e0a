import { describe, expect, it } from 'vitest';
import { parseSearchBody } from './query-api.js';

const NOW = Date.UTC(2024, 2, 4);

describe('the search body keeps the query as the user gave it (SearchRequest.source)', () => {
  it('Lucene text and DSL objects as they came', () => {
    const lucene = parseSearchBody({ query: 'srcuser:(root admin)' }, NOW);
    expect(lucene.ok && lucene.value.source).toBe('srcuser:(root admin)');
    const dsl = { match_phrase: { full_log: { query: 'receive did', slop: 2 } } };
    const parsed = parseSearchBody({ query: dsl }, NOW);
    expect(parsed.ok && parsed.value.source).toEqual(dsl);
    const none = parseSearchBody({}, NOW);
    expect(none.ok && none.value.source).toBe('');
  });

  it('with filter pills: one bool of the query (as Kibana sends Lucene) and the filters as they came', () => {
    const filter = { term: { '@log_stream': 'i-0e427a8594852eca2' } };
    const parsed = parseSearchBody({ query: 'rule.level:6', filters: [filter] }, NOW);
    expect(parsed.ok && parsed.value.source).toEqual({ bool: { must: [{ query_string: { query: 'rule.level:6', analyze_wildcard: true, default_operator: 'OR' } }, filter] } });
    const empty = parseSearchBody({ query: '', filters: [filter] }, NOW);
    expect(empty.ok && empty.value.source).toEqual({ bool: { must: [{ match_all: {} }, filter] } });
  });
});
